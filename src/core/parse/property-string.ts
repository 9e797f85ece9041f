// PVE property strings (`local-lvm:vm-100-disk-0,iothread=1,size=32G`): the first part without a key is
// the default key's value, then `key=value` parts (PVE::JSONSchema parse_property_string).

/** Property string `a,b=c,d=e` → default value (first key-less part) and key/value map. */
export function parsePropertyString(value: string, defaultKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0 && out[defaultKey] === undefined) out[defaultKey] = part;
    else if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * What parsePropertyString(value, defaultKey) holds for each of `keys`, without building the map:
 * one per drive line of thousands of configs.
 */
export function propertiesOf(value: string, defaultKey: string, keys: readonly string[]): (string | undefined)[] {
  const out: (string | undefined)[] = keys.map(() => undefined);
  const d = keys.indexOf(defaultKey);
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (d >= 0 && out[d] === undefined) out[d] = part;
      continue;
    }
    for (let k = 0; eq > 0 && k < keys.length; k++) {
      if (eq === keys[k].length && part.startsWith(keys[k])) {
        out[k] = part.slice(eq + 1);
        break;
      }
    }
  }
  return out;
}
