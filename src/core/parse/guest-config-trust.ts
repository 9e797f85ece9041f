// Is a guest config text one PVE wrote, whole? A config cut off or garbled parses to less than the
// guest has: its disks would look unreferenced (orphans with a `pvesm free` hint), its snapshots missing.
// pmxcfs replaces a file whole, so a read sees a whole file or fails; what can still be partial is a read
// through something that cuts (a copy, a capture, a tool's output stored as the file). Each rule below
// names the partial-read evidence it rests on, and none fires on a text PVE itself writes:
// - PVE ends every line it writes in a newline (qemu-server QemuServer.pm write_vm_config,
//   pve-container Config.pm write_pct_config: `$raw .= "$key: $value\n"`): a non-empty text without a
//   final newline was cut mid-line;
// - PVE writes only lines its own parser reads: `key: value`, `[section]`, `#description`
//   (parse_vm_config / parse_pct_config warn "unable to parse config" for anything else): another line is
//   corruption;
// - a `parent:` names a snapshot section of the same file, and every snapshot section has `snaptime`
//   (AbstractConfig.pm snapshot_prepare sets both when it creates the section; snapshot_delete
//   re-parents): a parent without its section, or a section without snaptime, is a file cut at a section.
// What PVE writes is decoded, however empty it looks (facts §13): a 0-byte config is what a failed
// restore leaves (API2/Qemu.pm create_vm: the restore worker's error path calls
// `remove_lock($vmid, 'create')` on a config that held only that lock, "VM <vmid> state is NOT cleaned
// up"; write_vm_config of no property is ''), a VM with no property and no disk until an admin acts;
// a config with only `#` description lines is the same with a description; a config holding only
// `lock: create` is a create or restore in progress (AbstractConfig.pm create_and_lock_config), whose
// volumes are pending. (A duplicated line is read by PVE as the same config — the later value of a key
// wins — so it is no reason either.)

interface Section {
  name: string;
  kind: string;
  entries: [string, string][];
}

/** Why a config text cannot be believed (parsed into `sections` with parser `warnings`), or null. */
export function guestConfigDefect(text: string, sections: Section[], warnings: string[]): string | null {
  // Empty (0 bytes) is what PVE writes for a config without property: decoded, not cut.
  if (text !== '' && !text.endsWith('\n')) return 'it ends in the middle of a line (cut off)';
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
