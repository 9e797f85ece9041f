// Summary, grade, monitoring status and the per-guest health table of a DM result.

import { guestIdentities } from '../node/guest-identity';
import type { PveState } from '../node/pve-state';
import { worstStatus } from '../status';
import type { DmEntry, DmResult, GuestHealth, Status } from '../types';
import { gradeOf, scoreOf } from './grade';

export function dmSummary(entries: DmEntry[]): DmResult['summary'] {
  const counted = entries.filter((e) => !e.pending);
  const dup = counted.filter((e) => e.status === 'duplicate' && !e.parent).length;
  const orph = counted.filter((e) => e.status === 'orphan' && !e.parent).length;
  // One rule for every count (summary line, cards, perfdata, metrics): an entry a running PVE operation
  // explains is counted as `pending` only, never inside duplicate/orphan/unknown.
  const n = (s: string) => counted.filter((e) => e.status === s).length;
  return {
    total: entries.length,
    valid: entries.filter((e) => e.status === 'valid').length,
    duplicate: n('duplicate'),
    orphan: n('orphan'),
    unknown: n('unknown'),
    ignored: entries.filter((e) => e.status === 'ignored').length,
    protected: entries.filter((e) => e.protected).length,
    pending: entries.filter((e) => e.pending).length,
    // The findings an operation explains: counted here and nowhere else, so that valid + duplicate +
    // orphan + unknown + ignored + pendingFindings = total.
    pendingFindings: entries.filter((e) => e.pending && ['duplicate', 'orphan', 'unknown'].includes(e.status)).length,
    open: entries.filter((e) => e.open).length,
    score: scoreOf(dup, orph),
    grade: gradeOf(dup, orph),
  };
}

/**
 * One entry's monitoring state, the one rule for the part's status and every finding: 2 a duplicate, or
 * a shared LV open here while its guest lives elsewhere; 3 unknown; 1 an orphan; 0 the rest and anything
 * a running PVE operation explains (pending).
 */
export function entrySeverity(e: DmEntry): Status {
  if (e.pending) return 0;
  if (e.status === 'duplicate') return 2;
  if (e.status === 'unknown') return 3;
  if (e.status === 'orphan') return e.reason === 'guest-on-other-node' && e.open ? 2 : 1;
  return 0;
}

/** The worst entry's state (CRITICAL over UNKNOWN over WARNING). */
export function statusOf(entries: DmEntry[]): Status {
  let status: Status = 0;
  for (const e of entries) status = worstStatus(status, entrySeverity(e));
  return status;
}

/** A guest's DM health as a monitoring state: what its worst volume is (duplicates are critical). */
export const GUEST_HEALTH_STATUS: Record<GuestHealth['health'], Status> = {
  ok: 0,
  orphans: 1,
  duplicates: 2,
  unknown: 3,
};

export function guestHealth(pve: PveState, entries: DmEntry[]): GuestHealth[] {
  const out: GuestHealth[] = [];
  // Per VMID, one pass over its top-level entries (layers and partitions follow their LV).
  const byVmid = new Map<
    number,
    { issues: number; volumes: number; dup: boolean; orphan: boolean; unknown: boolean }
  >();
  for (const e of entries) {
    if (e.vmid === null) continue;
    let t = byVmid.get(e.vmid);
    if (!t) {
      t = { issues: 0, volumes: 0, dup: false, orphan: false, unknown: false };
      byVmid.set(e.vmid, t);
    }
    if (e.parent) continue;
    if (e.status === 'duplicate' || e.status === 'orphan' || e.status === 'unknown') {
      t.issues++;
      if (e.status === 'duplicate') t.dup = true;
      else if (e.status === 'orphan') t.orphan = true;
      else t.unknown = true;
    }
    if (e.status !== 'ignored') t.volumes++;
  }
  for (const g of guestIdentities(pve, byVmid.keys())) {
    const t = byVmid.get(g.vmid);
    const health = t?.dup ? 'duplicates' : t?.orphan ? 'orphans' : t?.unknown ? 'unknown' : 'ok';
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
