// Parse each raw output of a snapshot once: the classifier, the cleanup planner and the storage
// rules all read the same dmsetup/lvs texts, and on a node of 10,000 devices parsing them three
// times costs more than deciding. Memoized per snapshot object (pure: no I/O, nothing global kept
// once the snapshot is gone).
import { type DmInfo, type DmSegment, parseDmDeps, parseDmInfo, parseDmTable } from '../parse/parse-dmsetup';
import { type LvRow, parseLvs, parseVgs, type VgRow } from '../parse/parse-lvm';
import type { HostSnapshot } from './snapshot';

const memo = new WeakMap<HostSnapshot, Map<string, unknown>>();

function once<T>(snap: HostSnapshot, key: string, fn: () => T): T {
  let m = memo.get(snap);
  if (!m) {
    m = new Map();
    memo.set(snap, m);
  }
  if (!m.has(key)) m.set(key, fn());
  return m.get(key) as T;
}

const stdout = (snap: HostSnapshot, key: string) => snap.commands[key]?.stdout ?? '';

export function dmInfoOf(snap: HostSnapshot): DmInfo[] {
  return once(snap, 'dm.info', () => parseDmInfo(stdout(snap, 'dmsetup.info')));
}

function dmNames(snap: HostSnapshot): string[] {
  return once(snap, 'dm.names', () => dmInfoOf(snap).map((i) => i.name));
}

export function dmTablesOf(snap: HostSnapshot): Map<string, DmSegment[]> {
  return once(snap, 'dm.table', () => parseDmTable(stdout(snap, 'dmsetup.table'), dmNames(snap)));
}

export function dmDepsOf(snap: HostSnapshot): Map<string, string[]> {
  return once(snap, 'dm.deps', () => parseDmDeps(stdout(snap, 'dmsetup.deps'), dmNames(snap)));
}

/** lvs rows; throws what parseLvs throws (callers that tolerate junk catch it). */
export function lvsOf(snap: HostSnapshot): LvRow[] {
  return once(snap, 'lvs', () => parseLvs(stdout(snap, 'lvs')));
}

export function vgsOf(snap: HostSnapshot): VgRow[] {
  return once(snap, 'vgs', () => parseVgs(stdout(snap, 'vgs')));
}
