// The last word on a volume's verdict: an orphan or a replication snapshot whose verdict rests on a file
// that may not be whole. "No config names it" is believed only while every config that could name it was
// seen (pve-state `unseen`); what replication says of another node's guest's copy and of a `__replicate_`
// snapshot only while replication.cfg can be believed (volume-replication.ts replicationDoubt). Otherwise
// the entry is unknown and says why: no hint follows an unknown entry. Pure.
import { GUEST_ELSEWHERE, guestElsewhereWhy } from '../node/guest-elsewhere';
import type { PveState } from '../node/pve-state';
import { type DanglingIndex, danglingReason } from '../node/storage-gaps';
import type { StorageConfig } from '../parse/storage-config';
import { shellQuote } from '../text/shell-quote';
import type { VolumeEntry } from '../vocab/volume-types';
import type { Flags } from './volume-context';
import { REPLICATABLE_TYPES, type ReplicationView, replicationDoubt, unlistedReplication } from './volume-replication';
import type { ListedVolume } from './volume-storages';

/**
 * Orphan verdicts that rest on "no config names it" (snapshot-missing reads only the owner's own config,
 * which is unknown already when unread; an operation's leftover snapshot is the operation's).
 */
const NO_PATHS: readonly string[] = [];

const CONFIG_BASED = new Set(['guest-missing', 'not-referenced', 'guest-on-other-node']);

function unknown(e: VolumeEntry, why: string): void {
  e.status = 'unknown';
  e.reason = 'config-unreadable';
  e.detail = `${e.detail}; but ${why}`;
}

/**
 * Such an orphan is unknown while a config that could name it was not seen (.vmlist or the config
 * unreadable: a read that failed). A block volume (zvol, rbd image) that a path of this node's configs may
 * lead to — a path whose links loop, or that ends at a zvol or rbd device the listing does not name — is
 * no failed read: that guest may start from it, so it is protected with the reason, never a leftover.
 */
function unseenGuard(
  e: VolumeEntry,
  st: StorageConfig,
  c: { pve: PveState; unresolved: readonly string[]; dangling?: DanglingIndex },
  f: Flags,
): void {
  if (e.status !== 'orphan' || !CONFIG_BASED.has(e.reason)) return;
  const why = st.shared ? c.pve.unseen.shared : c.pve.unseen.local;
  if (why) {
    unknown(e, why);
    return;
  }
  // A config that names a storage storage.cfg lost may reach this volume through it: a state PVE leaves
  // (pvesm remove), not a failed read, so the volume is protected with the reason (storage-undefined.ts).
  const volname = e.volid.slice(e.volid.indexOf(':') + 1);
  const dangling = danglingReason(c.dangling, e.vmid, volname);
  if (dangling) {
    f.protectedBy.add('storage-undefined');
    e.detail = `${e.detail}; but ${dangling}`;
  }
  const paths = c.unresolved;
  if (paths.length > 0 && (st.type === 'zfspool' || st.type === 'rbd')) {
    f.protectedBy.add('path-unchecked');
    e.detail = `${e.detail}; but ${paths[0]}${paths.length > 1 ? ` (+${paths.length - 1} more)` : ''}: it may name this volume`;
  }
}

/**
 * On a replicated storage type: a copy of a guest of another node called a leftover, and a `__replicate_`
 * snapshot (valid or leftover), are unknown while replication.cfg cannot be believed for that guest —
 * the replica and its sync snapshots are judged together, never one valid and the other freed.
 */
function replicationGuard(
  e: VolumeEntry,
  st: StorageConfig,
  v: ListedVolume,
  c: { pve: PveState; replication: ReplicationView; replicateJobs: Map<string, string[]> },
): void {
  if (!REPLICATABLE_TYPES.has(st.type) || e.vmid === null || e.status === 'unknown' || e.status === 'ignored') return;
  const replicaLike =
    e.snapshotOwner === 'replication' || (!e.snapshot && e.status === 'orphan' && CONFIG_BASED.has(e.reason));
  if (!replicaLike) return;
  const o = {
    vmid: e.vmid,
    node: c.pve.node,
    guestNode: e.guestNode ?? null,
    carried: c.replicateJobs.get(v.own) ?? [],
  };
  const why = replicationDoubt(c.replication, o);
  if (why) {
    unknown(e, why);
    return;
  }
  // Two facts disagree (the file: no job; the copy: a job's sync snapshots): still a leftover by what PVE
  // does, but nothing destructive rests on the file alone. The hint checks, on the guest's node.
  const disagree = e.status === 'orphan' ? unlistedReplication(c.replication, o) : null;
  if (!disagree) return;
  e.detail = `${e.detail}; but ${disagree}`;
  e.hint = `nothing to remove while they disagree: on ${o.guestNode}, see the jobs of ${e.vmid}: ${shellQuote(['pvesr', 'status', '--guest', String(e.vmid)])}`;
}

/** An unreferenced volume on shared storage of a guest whose home is another node: held (node/guest-elsewhere.ts). */
function elsewhereGuard(e: VolumeEntry, st: StorageConfig, pve: PveState, f: Flags): void {
  if (!st.shared || e.status !== 'orphan' || !CONFIG_BASED.has(e.reason) || e.vmid === null) return;
  const guest = pve.guests.get(e.vmid);
  if (!guest || guest.node === pve.node) return;
  f.protectedBy.add(GUEST_ELSEWHERE);
  e.detail = `${e.detail}; ${guestElsewhereWhy(guest)}`;
}

export function doubtGuards(
  e: VolumeEntry,
  st: StorageConfig,
  v: ListedVolume,
  c: {
    pve: PveState;
    replication: ReplicationView;
    replicateJobs: Map<string, string[]>;
    unresolvedPaths?: string[];
    dangling?: DanglingIndex;
  },
  f: Flags,
): void {
  unseenGuard(e, st, { pve: c.pve, unresolved: c.unresolvedPaths ?? NO_PATHS, dangling: c.dangling }, f);
  elsewhereGuard(e, st, c.pve, f);
  replicationGuard(e, st, v, c);
}
