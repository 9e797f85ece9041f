// What to do about a finding that gets no fix because something protects it: which map is the live one
// and which is stale (duplicates), and the safe sequence that makes it removable, ending in
// `pve-health clean`. Never a destructive command: the steps only remove what protects the entry (stop
// or move the guest, close what holds the device, let an operation end, bring the VG back) — the
// removal itself is left to `clean`, which re-checks everything under PVE's locks. Pure.
import { shellQuote } from '../shell-quote';
import type { DmEntry } from '../types';

/** The valid top-level maps by LV and by table target, in entry order (one pass, not one per finding). */
interface LiveMaps {
  byLv: Map<string, DmEntry[]>;
  /** Built on the first same-target duplicate: joining every table's targets is most of the cost. */
  byTarget?: Map<string, DmEntry[]>;
}
const liveMapsOf = new WeakMap<readonly DmEntry[], LiveMaps>();
/** What each table line maps (`<start> <length> <target> <params>` without its first two words), one per line. */
const targetOf = (x: DmEntry) => (x.table ?? []).map(afterTwoWords).join('\n');
/** `line.split(' ').slice(2).join(' ')` by one slice. */
function afterTwoWords(line: string): string {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  return b < 0 ? '' : line.slice(b + 1);
}
const lvKey = (x: DmEntry) => `${x.vg ?? '\0'}/${x.lv ?? '\0'}`;

function indexBy(entries: readonly DmEntry[], key: (x: DmEntry) => string): Map<string, DmEntry[]> {
  const m = new Map<string, DmEntry[]>();
  for (let i = 0; i < entries.length; i++) {
    const x = entries[i];
    if (x.kind !== 'dm' || x.status !== 'valid' || x.parent) continue;
    const k = key(x);
    if (k === '') continue;
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** The map that is the real one for a duplicate: a valid map whose name and UUID match the LV in lvs. */
function liveMapOf(e: DmEntry, entries: readonly DmEntry[]): DmEntry | undefined {
  let maps = liveMapsOf.get(entries);
  if (!maps) {
    maps = { byLv: indexBy(entries, lvKey) };
    liveMapsOf.set(entries, maps);
  }
  if (e.reason === 'same-target') maps.byTarget ??= indexBy(entries, targetOf);
  const candidates = e.reason === 'same-target' ? maps.byTarget?.get(targetOf(e)) : maps.byLv.get(lvKey(e));
  return candidates?.find((x) => x !== e);
}

/** Which map to keep and which one is stale, from the DM entries (the analysis' identity by UUID). */
function whichMap(e: DmEntry, entries: readonly DmEntry[]): string {
  const live = liveMapOf(e, entries);
  const keep = live
    ? `keep ${live.name} (its name and UUID match LV ${live.vg}/${live.lv} in lvs)`
    : e.vg && e.lv && e.reason === 'stale-map'
      ? `LV ${e.vg}/${e.lv} has no map of its own here while ${e.name} holds its name`
      : '';
  const stale =
    e.reason === 'renamed'
      ? `${e.name} is the LV's map under its old name (the data is the LV's)`
      : `${e.name} is the stale map`;
  return [keep, stale].filter(Boolean).join('; ');
}

function guestWord(e: DmEntry): { tool: 'qm' | 'pct'; word: string } {
  return e.guestType === 'lxc' ? { tool: 'pct', word: 'CT' } : { tool: 'qm', word: 'VM' };
}

/** One step per class of protection (running guest, open device, lock, unsafe VG), in the order to take them. */
function stepsFor(e: DmEntry, o: { shared: boolean }): string[] {
  const steps: string[] = [];
  const by = new Set(e.protectedBy);
  const g = guestWord(e);
  if (by.has('guest-running') && e.vmid !== null) {
    const move = o.shared
      ? ` or move it to another node ('${g.tool} migrate ${e.vmid} NODE${g.tool === 'qm' ? ' --online' : ' --restart'}')`
      : '';
    steps.push(`shut ${g.word} ${e.vmid} down ('${g.tool} shutdown ${e.vmid}')${move}`);
  }
  if (by.has('open') && !by.has('guest-running')) {
    const who = [...e.holders, ...e.processes.map((p) => `${p.command}[${p.pid}]`)];
    steps.push(
      `close what holds it${who.length ? ` (${who.join(', ')})` : ''}: see 'dmsetup info -c ${e.name}' and 'fuser -vm /dev/mapper/${e.name}'; stop that program or unmount it`,
    );
  }
  for (const p of e.protectedBy) {
    const lock = /^(stale-)?lock:(.+)$/.exec(p);
    if (lock && e.vmid !== null)
      steps.push(
        `${g.word} ${e.vmid} is locked (${lock[2]})${lock[1] ? ' and no task runs' : ''}: check its task log, then '${g.tool} unlock ${e.vmid}'`,
      );
  }
  if (by.has('vg-partial'))
    steps.push(`bring VG ${e.vg}'s missing PV back ('pvs', 'vgs -o +vg_missing_pv_count ${e.vg}')`);
  if (by.has('pvmove')) steps.push(`let the pvmove in VG ${e.vg} finish ('lvs -a -o +move_pv,copy_percent ${e.vg}')`);
  return steps;
}

/**
 * Next steps for a duplicate or orphan that has no fix because it is protected (not pending: an
 * operation under way has its own "look again when it has ended"). Null when nothing protects it or
 * there is nothing safe to say (lvmlockd: the lock manager decides, pve-health never acts there).
 */
export function nextStepsFor(e: DmEntry, entries: readonly DmEntry[], o: { shared: boolean }): string | null {
  if (e.action || e.pending || !e.protected) return null;
  if (e.status !== 'duplicate' && e.status !== 'orphan') return null;
  if (e.protectedBy.includes('lvmlockd'))
    return `VG ${e.vg} is shared through lvmlockd: pve-health does not act on it; ask the node that holds its lock ('lvmlockctl -i')`;
  const steps = stepsFor(e, o);
  if (steps.length === 0) return null;
  const clean = `then '${shellQuote(['pve-health', 'clean', '--name', e.name])}' (it re-checks under PVE's locks)`;
  const head = e.status === 'duplicate' ? `${whichMap(e, entries)}. Next: ` : 'Next: ';
  return `${head}${steps.map((s, i) => `${i + 1}) ${s}`).join('; ')}; ${steps.length + 1}) ${clean}`;
}
