// Is a guest config text one PVE wrote, whole? A config that is empty, cut off or garbled parses to less
// than the guest has: its disks would look unreferenced (orphans with a `pvesm free` hint), its
// snapshots missing. PVE writes a config in one piece (pmxcfs replaces a file whole) and always:
// - with at least one property: create_and_lock_config writes `lock: create` before anything else
//   (pve-guest-common AbstractConfig.pm create_and_lock_config), `qm create`/`pct create` their options;
// - every line ending in a newline (qemu-server QemuServer.pm write_vm_config generate_raw_config,
//   pve-container Config.pm write_pct_config: `$raw .= "$key: $value\n"`);
// - only lines its own parser reads: `key: value`, `[section]`, `#description` (parse_vm_config /
//   parse_pct_config warn "unable to parse config" for anything else);
// - a `parent:` naming a snapshot section of the same file, and `snaptime` in every snapshot section
//   (AbstractConfig.pm snapshot_prepare sets both when it creates the section; snapshot_delete re-parents).
// A config that breaks one of these is not believed: its guest's volumes are UNKNOWN, never orphans.
// (A duplicated line is read by PVE as the same config — the later value of a key wins — so it is no
// reason here.)

interface Section {
  name: string;
  kind: string;
  entries: [string, string][];
}

/** Why a config text cannot be believed (parsed into `sections` with parser `warnings`), or null. */
export function guestConfigDefect(text: string, sections: Section[], warnings: string[]): string | null {
  if (!sections.some((s) => s.entries.length > 0)) return text.trim() === '' ? 'it is empty' : 'it has no property';
  if (!text.endsWith('\n')) return 'it ends in the middle of a line (cut off)';
  const bad = warnings.find((w) => w.includes('cannot parse'));
  if (bad) return `it has lines PVE never writes (${bad})`;
  // (A config without snapshot sections needs no set of their names: most of a node's configs.)
  let snapshots: Set<string> | null = null;
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i];
    if (s.kind !== 'snapshot') continue;
    snapshots ??= new Set();
    snapshots.add(s.name);
  }
  for (let i = 0; i < sections.length; i++) {
    const s = sections[i];
    if (s.kind !== 'main' && s.kind !== 'snapshot') continue;
    const parent = firstValue(s.entries, 'parent');
    if (parent !== undefined && !snapshots?.has(parent))
      return `${s.kind === 'main' ? 'its' : `snapshot [${s.name}]'s`} parent '${parent}' has no snapshot section (cut off)`;
    if (s.kind === 'snapshot' && firstValue(s.entries, 'snaptime') === undefined)
      return `snapshot [${s.name}] has no snaptime (cut off)`;
  }
  return null;
}

/** The first value of `key` (index access: thousands of configs, where destructuring each pair allocates). */
function firstValue(entries: [string, string][], key: string): string | undefined {
  for (let i = 0; i < entries.length; i++) if (entries[i][0] === key) return entries[i][1];
  return undefined;
}
