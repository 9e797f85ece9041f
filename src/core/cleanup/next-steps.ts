// What to do about a finding that gets no fix because something protects it: which map is the live one
// and which is stale (duplicates), and the safe sequence that makes it removable, ending in
// `pve-health clean`. Never a destructive command: the steps only remove what protects the entry (stop
// or move the guest, close what holds the device, let an operation end, bring the VG back) — the
// removal itself is left to `clean`, which re-checks everything under PVE's locks. Pure.
import { type NextStep, otherStep } from '../vocab/next-step';
import type { DmEntry } from '../vocab/types';

/**
 * The valid top-level maps of one entry list by LV name and by table target, in entry order (one pass,
 * not one per finding): made by the caller that holds the list (cleanup-context.ts, once per analysis)
 * and passed to every nextStepsFor of it; each index is built on its first use.
 */
export interface LiveMaps {
  readonly entries: readonly DmEntry[];
  /**
   * By LV name, built on the first duplicate that is not same-target (the VG is compared on lookup: no
   * `vg/lv` string is built for each of 10,000 entries).
   */
  byLv?: Map<string | null, DmEntry[]>;
  /**
   * Built on the first same-target duplicate, of the maps whose targets are some same-target entry's
   * (compared in place): joining every table's targets was most of the cost.
   */
  byTarget?: Map<string, DmEntry[]>;
}

/** The live maps of `entries`, their indexes not built yet (see LiveMaps). */
export function indexLiveMaps(entries: readonly DmEntry[]): LiveMaps {
  return { entries };
}

/** What each table line maps (`<start> <length> <target> <params>` without its first two words), one per line. */
const targetOf = (x: DmEntry) => (x.table ?? []).map(afterTwoWords).join('\n');
/** Where a table line's third word starts (`line.split(' ').slice(2).join(' ')` is the rest), or -1. */
function thirdWordAt(line: string): number {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  return b < 0 ? -1 : b + 1;
}
function afterTwoWords(line: string): string {
  const at = thirdWordAt(line);
  return at < 0 ? '' : line.slice(at);
}
/** The entries a live map may stand for: valid top-level maps. */
function liveCandidate(x: DmEntry): boolean {
  return x.kind === 'dm' && x.status === 'valid' && !x.parent;
}

function byLvName(entries: readonly DmEntry[]): Map<string | null, DmEntry[]> {
  const m = new Map<string | null, DmEntry[]>();
  for (let i = 0; i < entries.length; i++) {
    const x = entries[i];
    if (!liveCandidate(x)) continue;
    const list = m.get(x.lv);
    if (list) list.push(x);
    else m.set(x.lv, [x]);
  }
  return m;
}

function byTargetOf(entries: readonly DmEntry[]): Map<string, DmEntry[]> {
  // The targets the same-target entries have; each live map's is looked up there (one slice for a
  // one-line table). A list of them scanned per live map grew with duplicates times maps.
  const wanted = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].reason !== 'same-target') continue;
    const k = targetOf(entries[i]);
    if (k === '') continue;
    wanted.add(k);
  }
  const m = new Map<string, DmEntry[]>();
  for (let i = 0; i < entries.length; i++) {
    const x = entries[i];
    if (!liveCandidate(x)) continue;
    const k = liveTarget(x);
    if (!wanted.has(k)) continue;
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** targetOf(x), one slice for a one-line table. */
function liveTarget(x: DmEntry): string {
  const t = x.table ?? [];
  return t.length === 1 ? afterTwoWords(t[0]) : targetOf(x);
}

/** The map that is the real one for a duplicate: a valid map whose name and UUID match the LV in lvs. */
function liveMapOf(e: DmEntry, maps: LiveMaps): DmEntry | undefined {
  if (e.reason === 'same-target') {
    maps.byTarget ??= byTargetOf(maps.entries);
    const key = targetOf(e);
    return key === '' ? undefined : maps.byTarget.get(key)?.find((x) => x !== e);
  }
  maps.byLv ??= byLvName(maps.entries);
  return maps.byLv.get(e.lv)?.find((x) => x !== e && x.vg === e.vg);
}

/** Which map to keep and which one is stale, from the DM entries (the analysis' identity by UUID). */
function whichMap(e: DmEntry, maps: LiveMaps): string {
  const live = liveMapOf(e, maps);
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

/**
 * One group of steps per class of protection (running guest, open device, lock, unsafe VG), in the order
 * to take them; a step with no words of its own is another command of the step before.
 */
function stepsFor(e: DmEntry, o: { shared: boolean }): NextStep[][] {
  const groups: NextStep[][] = [];
  const by = new Set(e.protectedBy);
  const g = guestWord(e);
  if (by.has('guest-running') && e.vmid !== null) {
    const id = String(e.vmid);
    const shut = otherStep(`shut ${g.word} ${e.vmid} down`, [g.tool, 'shutdown', id]);
    groups.push(
      o.shared
        ? [
            shut,
            otherStep('or move it to another node (NODE)', [
              g.tool,
              'migrate',
              id,
              'NODE',
              g.tool === 'qm' ? '--online' : '--restart',
            ]),
          ]
        : [shut],
    );
  }
  if (by.has('open') && !by.has('guest-running')) {
    const who = [...e.holders, ...e.processes.map((p) => `${p.command}[${p.pid}]`)];
    groups.push([
      otherStep(
        `close what holds it${who.length ? ` (${who.join(', ')})` : ''}, stop that program or unmount it; see what holds it`,
        ['dmsetup', 'info', '-c', e.name],
      ),
      otherStep('', ['fuser', '-vm', `/dev/mapper/${e.name}`]),
    ]);
  }
  for (const p of e.protectedBy) {
    const lock = /^(stale-)?lock:(.+)$/.exec(p);
    if (lock && e.vmid !== null)
      groups.push([
        otherStep(
          `${g.word} ${e.vmid} is locked (${lock[2]})${lock[1] ? ' and no task runs' : ''}: check its task log, then`,
          [g.tool, 'unlock', String(e.vmid)],
        ),
      ]);
  }
  if (by.has('vg-partial'))
    groups.push([
      otherStep(`bring VG ${e.vg}'s missing PV back; see`, ['pvs']),
      otherStep('', ['vgs', '-o', '+vg_missing_pv_count', e.vg ?? '']),
    ]);
  if (by.has('pvmove'))
    groups.push([
      otherStep(`let the pvmove in VG ${e.vg} finish; see`, ['lvs', '-a', '-o', '+move_pv,copy_percent', e.vg ?? '']),
    ]);
  return groups;
}

/**
 * Next steps for a duplicate or orphan that has no fix because it is protected (not pending: an
 * operation under way has its own "look again when it has ended"). Null when nothing protects it or
 * there is nothing safe to say (lvmlockd: the lock manager decides, pve-health never acts there).
 */
export function nextStepsFor(e: DmEntry, maps: LiveMaps, o: { shared: boolean }): NextStep[] | null {
  if (e.action || e.pending || !e.protected) return null;
  if (e.status !== 'duplicate' && e.status !== 'orphan') return null;
  if (e.protectedBy.includes('lvmlockd'))
    return [
      otherStep(
        `VG ${e.vg} is shared through lvmlockd: pve-health does not act on it; ask the node that holds its lock`,
        ['lvmlockctl', '-i'],
      ),
    ];
  const groups = stepsFor(e, o);
  if (groups.length === 0) return null;
  groups.push([otherStep("then (it re-checks under PVE's locks)", ['pve-health', 'clean', '--name', e.name])]);
  // Numbered by group: "1) shut CT 110 down", "or move it …", "2) then …".
  const numbered = groups.flatMap((group, i) =>
    group.map((s, j) => (j === 0 ? { ...s, text: `${i + 1}) ${s.text}` } : s)),
  );
  return e.status === 'duplicate' ? [otherStep(whichMap(e, maps)), ...numbered] : numbered;
}
