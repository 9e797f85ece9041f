// The only-copy rule settled across nodes (core/vocab/only-copy.ts): a node's orphan on local storage whose
// volume ID a guest config on another node names is a leftover when that node has its own volume of
// the ID, and the guest's only disk when it has none (HA recovery moves only the config: pve-ha-manager
// PVE::HA::Env::PVE2::steal_service). Each node's document says what it has; nothing is said when the
// other node's document is missing or not whole there (the node-level steps keep their look). A volume
// already in pve-health's quarantine is such a candidate too (its listing's `namedOn`): then the finding
// says restore it, never purge it. Pure.

import type { NamedElsewhere } from '../vocab/only-copy';
import type { CheckDocument } from '../vocab/types';
import type { ClusterFinding } from './cluster-types';

interface Candidate extends NamedElsewhere {
  volid: string;
  /** The node that holds the volume. */
  on: string;
  /** It is in pve-health's quarantine there (the listing's `namedOn`). */
  quarantined?: true;
}

/** Orphans of a node that a config of another node names by this very volume ID (local storage only). */
function candidatesOf(node: string, doc: CheckDocument, shared: Set<string> | null): Candidate[] {
  const out: Candidate[] = [];
  for (const e of doc.dm?.entries ?? []) {
    if (e.status !== 'orphan' || !e.volume || e.layer !== null || e.parent !== null) continue;
    if (e.storage === null || shared?.has(e.storage)) continue;
    const g = e.guests?.find((x) => x.node !== node);
    if (g) out.push({ ...g, volid: e.volume, on: node });
  }
  for (const e of doc.volumes?.entries ?? []) {
    if (e.status === 'orphan' && e.namedOn && !e.snapshot) out.push({ ...e.namedOn, volid: e.volid, on: node });
  }
  for (const q of doc.quarantine?.volumes ?? [])
    if (q.namedOn && !q.snapshot) out.push({ ...q.namedOn, volid: q.volid, on: node, quarantined: true });
  return out;
}

/** Whether `doc` lists `volid` (null: the part that would list it is missing, cut or partial). */
function hasVolume(doc: CheckDocument, volid: string): boolean | null {
  if (doc.selection) return null;
  const dm = doc.dm?.entries.some((e) => e.volume === volid && e.layer === null);
  const vol = doc.volumes?.entries.some((e) => e.volid === volid && !e.snapshot);
  if (dm || vol) return true;
  if (!doc.dm || doc.dm.status === 3 || !doc.volumes || doc.volumes.error || doc.volumes.status === 3) return null;
  return false;
}

export function onlyCopyFindings(docs: [string, CheckDocument][], shared: Set<string> | null): ClusterFinding[] {
  const byNode = new Map(docs);
  const out: ClusterFinding[] = [];
  for (const [node, doc] of docs) {
    for (const c of candidatesOf(node, doc, shared)) {
      const other = byNode.get(c.node);
      if (!other || hasVolume(other, c.volid) !== false) continue;
      const who = `${c.type === 'lxc' ? 'CT' : 'VM'} ${c.vmid}`;
      const tool = c.type === 'lxc' ? 'pct migrate' : 'qm migrate --with-local-disks';
      out.push({
        id: `only-copy:${c.on}/${c.volid}`,
        kind: 'guest-only-disk-elsewhere',
        severity: 'critical',
        title: `${who}'s only disk ${c.volid} is on node ${c.on}${c.quarantined ? ", in pve-health's quarantine" : ''}`,
        detail: `${who}'s config lives on ${c.node} and names ${c.volid}, which ${c.node} does not have: the volume on ${c.on} (local storage) is the guest's only disk, never a leftover — ${c.quarantined ? `never purge it; restore it on ${c.on} first ('pve-health restore --list' names its journal)` : 'do not drop it'}. An HA recovery moves only the config; bring ${who} back to ${c.on} (move its config back while it is stopped), then ${tool} it where it should run.`,
        nodes: [c.on, c.node].sort(),
        vmid: c.vmid,
        guestType: c.type,
      });
    }
  }
  return out;
}
