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
 * What parsePropertyString(value, defaultKey) holds for each of `keys`, without building the map: one per
 * drive line of thousands of configs, so the parts are read in place and only the values asked for are
 * sliced (no array of parts, no string per part).
 */
export function propertiesOf(value: string, defaultKey: string, keys: readonly string[]): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let k = 0; k < keys.length; k++) out.push(undefined);
  const d = keys.indexOf(defaultKey);
  for (let start = 0; start <= value.length; ) {
    let end = value.indexOf(',', start);
    if (end < 0) end = value.length;
    const from = start;
    start = end + 1;
    if (end === from) continue;
    const at = value.indexOf('=', from);
    const eq = at >= 0 && at < end ? at - from : -1;
    if (eq < 0) {
      if (d >= 0 && out[d] === undefined) out[d] = value.slice(from, end);
      continue;
    }
    for (let k = 0; eq > 0 && k < keys.length; k++) {
      if (eq === keys[k].length && value.startsWith(keys[k], from)) {
        out[k] = value.slice(at + 1, end);
        break;
      }
    }
  }
  return out;
}
