// The guest table of every output form (text, JSON `overall.guests`, HTML, dashboard, Prometheus
// `pve_health_guest_issues`): per guest, what all parts found about it — its volumes on every storage
// (DM and the volumes part), storage findings naming it, its container's mounts — so a guest never
// reads "ok, 0 issues" under a finding about one of its volumes. Pure.

import { type KnownGuests, knownGuests } from '../node/guest-index';
import { worstStatus } from '../vocab/status';
import type { CheckDocument, GuestHealth, GuestIdentity, Status } from '../vocab/types';
import { type Finding, isCounted, listFindings } from './findings';
import { phraseOf } from './summary';

export interface GuestRow {
  vmid: number;
  type: 'qemu' | 'lxc';
  name: string;
  node: string;
  /** running | stopped | unknown (on another node) | missing (no config anywhere) */
  status: string;
  lock: string | null;
  /** The worst counted finding about the guest (0 when none counts). */
  level: Status;
  /** "ok", or its findings in words: "1 duplicate, 1 stale mount". */
  health: string;
  /** Findings about the guest that count now (a layer of an LV is its LV's finding). */
  issues: number;
  /** Its volumes on every storage (DM LVs and volumes-part volumes; snapshots and ignored ones aside). */
  volumes: number;
}

/** A guest's row before findings: its DM volumes counted (the volumes part's are added one by one). */
function rowOf(g: GuestIdentity | GuestHealth): GuestRow {
  return {
    vmid: g.vmid,
    type: g.type,
    name: g.name,
    node: g.node,
    status: g.status,
    lock: g.lock ?? null,
    level: 0,
    health: 'ok',
    issues: 0,
    volumes: 'volumes' in g ? g.volumes : 0,
  };
}

/** A VMID no part's guest table has (documents of older versions). */
function unseen(vmid: number, type: 'qemu' | 'lxc'): GuestRow {
  return rowOf({ vmid, type, name: '(no config)', node: '-', status: 'missing' });
}

/**
 * A container whose mounts were checked, when no part's guest table has it (`mounts` alone reads no
 * guest configs): only running containers are looked into (mount-plan.ts), so it runs here.
 */
function probedContainer(vmid: number, doc: CheckDocument): GuestRow {
  // Its config's hostname, which the mounts part read (mount entries' ctName).
  const name = doc.mounts?.entries.find((e) => e.scope === 'ct' && e.ctid === vmid && e.ctName)?.ctName;
  return rowOf({ vmid, type: 'lxc', name: name ?? `CT ${vmid}`, node: doc.node, status: 'running' });
}

/** One row per guest a part knows and per VMID any finding names, by VMID. */
export function guestRows(
  doc: CheckDocument,
  findings: Finding[] = listFindings(doc),
  known: KnownGuests = knownGuests(doc),
): GuestRow[] {
  const rows = new Map<number, GuestRow>([...known.values()].map((g) => [g.vmid, rowOf(g)]));
  // The rows are this function's own objects: counted in place (a node has thousands of volumes).
  for (const e of doc.volumes?.entries ?? []) {
    if (e.vmid === null || e.snapshot || e.status === 'ignored') continue;
    let r = rows.get(e.vmid);
    if (!r) {
      r = unseen(e.vmid, 'qemu');
      rows.set(e.vmid, r);
    }
    r.volumes++;
  }
  const mine = new Map<number, Finding[]>();
  for (const f of findings) {
    if (f.vmid === null || f.part === 'cluster' || f.layerOf) continue;
    if (!rows.has(f.vmid))
      rows.set(f.vmid, f.part === 'mounts' ? probedContainer(f.vmid, doc) : unseen(f.vmid, 'qemu'));
    const list = mine.get(f.vmid);
    if (list) list.push(f);
    else mine.set(f.vmid, [f]);
  }
  for (const [vmid, fs] of mine) {
    const counted = fs.filter(isCounted);
    const phrase = phraseOf(fs, {});
    rows.set(vmid, {
      ...rows.get(vmid)!,
      level: worstStatus(...counted.map((f) => f.severity)),
      health: phrase === 'no issues' ? 'ok' : phrase,
      issues: counted.length,
    });
  }
  // A guest's volumes on a part that could not be checked are not known to be fine: never "ok" then.
  const unchecked = doc.dm?.status === 3 || doc.volumes?.status === 3;
  const shown = [...rows.values()].map((r) =>
    unchecked && r.issues === 0 && r.level === 0 ? { ...r, level: 3 as Status, health: 'not fully checked' } : r,
  );
  return shown.sort((a, b) => a.vmid - b.vmid);
}
