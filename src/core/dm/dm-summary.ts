// Summary, grade, monitoring status and the per-guest health table of a DM result.

import { guestIdentities } from '../node/guest-identity';
import type { PveState } from '../node/pve-state';
import { worstStatus } from '../vocab/status';
import type { DmEntry, DmResult, GuestHealth, Status } from '../vocab/types';
import { gradeOf, scoreOf } from './grade';

export function dmSummary(entries: DmEntry[]): DmResult['summary'] {
  // One rule for every count (summary line, cards, perfdata, metrics): an entry a running PVE operation
  // explains is counted as `pending` only, never inside duplicate/orphan/unknown. One pass over the entries.
  let valid = 0;
  let ignoredCount = 0;
  let duplicate = 0;
  let orphan = 0;
  let unknown = 0;
  let protectedCount = 0;
  let pending = 0;
  let pendingFindings = 0;
  let open = 0;
  let dup = 0;
  let orph = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const s = e.status;
    if (s === 'valid') valid++;
    else if (s === 'ignored') ignoredCount++;
    if (e.protected) protectedCount++;
    if (e.open) open++;
    const finding = s === 'duplicate' || s === 'orphan' || s === 'unknown';
    if (e.pending) {
      pending++;
      // The findings an operation explains: counted here and nowhere else, so that valid + duplicate +
      // orphan + unknown + ignored + pendingFindings = total.
      if (finding) pendingFindings++;
      continue;
    }
    if (s === 'duplicate') {
      duplicate++;
      if (!e.parent) dup++;
    } else if (s === 'orphan') {
      orphan++;
      if (!e.parent) orph++;
    } else if (s === 'unknown') unknown++;
  }
  return {
    total: entries.length,
    valid,
    duplicate,
    orphan,
    unknown,
    ignored: ignoredCount,
    protected: protectedCount,
    pending,
    pendingFindings,
    open,
    score: scoreOf(dup, orph),
    grade: gradeOf(dup, orph),
  };
}

/**
 * One entry's monitoring state, the one rule for the part's status and every finding: 2 a duplicate, or
 * a shared LV open here while its guest lives elsewhere, or a missing LV a guest starts with; 3 unknown;
 * 1 an orphan, or a missing LV only an unusedN or snapshot line names; 0 the rest and anything a running
 * PVE operation explains (pending).
 */
export function entrySeverity(e: DmEntry): Status {
  if (e.pending) return 0;
  if (e.reason === 'missing-referenced') return e.missing?.blocksStart ? 2 : 1;
  if (e.status === 'duplicate' || e.quarantineNamedBy?.length) return 2;
  if (e.status === 'unknown') return 3;
  if (e.status === 'orphan') return e.reason === 'guest-on-other-node' && e.open ? 2 : 1;
  return 0;
}

/** The worst entry's state (CRITICAL over UNKNOWN over WARNING). */
export function statusOf(entries: DmEntry[]): Status {
  let status: Status = 0;
  for (let i = 0; i < entries.length; i++) status = worstStatus(status, entrySeverity(entries[i]));
  return status;
}

export function guestHealth(pve: PveState, entries: DmEntry[]): GuestHealth[] {
  const out: GuestHealth[] = [];
  // Per VMID, one pass over its top-level entries (layers and partitions follow their LV).
  const byVmid = new Map<
    number,
    { issues: number; volumes: number; dup: boolean; missing: boolean; orphan: boolean; unknown: boolean }
  >();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.vmid === null) continue;
    let t = byVmid.get(e.vmid);
    if (!t) {
      t = { issues: 0, volumes: 0, dup: false, missing: false, orphan: false, unknown: false };
      byVmid.set(e.vmid, t);
    }
    if (e.parent) continue;
    if (e.status === 'duplicate' || e.status === 'orphan' || e.status === 'unknown') {
      t.issues++;
      if (e.status === 'duplicate') t.dup = true;
      else if (e.status === 'orphan') t.orphan = true;
      else t.unknown = true;
    } else if (e.reason === 'missing-referenced') {
      // A disk its config names that lvs does not list (dm-missing.ts): the guest's problem, never "ok".
      t.issues++;
      t.missing = true;
    }
    if (e.status !== 'ignored') t.volumes++;
  }
  for (const g of guestIdentities(pve, byVmid.keys())) {
    const t = byVmid.get(g.vmid);
    const health = t?.dup
      ? 'duplicates'
      : t?.missing
        ? 'missing'
        : t?.orphan
          ? 'orphans'
          : t?.unknown
            ? 'unknown'
            : 'ok';
    // The key order of every earlier document (scripts and golden files compare it).
    const { vmid, type, name, node, status, lock, template } = g;
    out.push({
      vmid,
      type,
      name,
      node,
      status,
      health,
      issues: t?.issues ?? 0,
      volumes: t?.volumes ?? 0,
      lock,
      template,
    });
  }
  return out;
}
