// Verdicts of storage snapshots on ZFS, RBD, btrfs and dir volumes: a replication snapshot is its job's,
// `__migration__` / `vzdump` their operation's, any other snapshot belongs to every guest whose config
// names its volume (ownership by reference, facts §13). Pure.
import type { RefHit } from '../dm/dm-references';
import type { GuestRecord } from '../node/guest-record';
import type { StorageConfig } from '../parse/storage-config';
import { setSteps } from '../vocab/next-step';
import type { VolumeEntry } from '../vocab/volume-types';
import type { Flags, VolumeContext } from './volume-context';
import { replicaOf, replicateSnapshot } from './volume-replication';
import { ownerRunning, pveSnapshot } from './volume-snapshots';
import type { ListedVolume } from './volume-storages';

type Guest = GuestRecord | undefined;
const guestWord = (g: GuestRecord) => `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}`;

export interface SnapshotInput {
  visible: RefHit[];
  guest: Guest;
  c: VolumeContext;
  f: Flags;
  st: StorageConfig;
}

/**
 * The guests a snapshot belongs to: every guest whose config names its volume here (any section; on local
 * storage this node's), whatever VMID the volume's name carries, then the guest that name carries. PVE's
 * snapshot_rollback / snapshot_delete (AbstractConfig.pm) act on the volumes a guest's section names,
 * never by the VMID in a name (facts §13).
 */
function snapshotUsers(
  visible: RefHit[],
  guest: Guest,
  c: VolumeContext,
): { users: GuestRecord[]; naming: GuestRecord[] } {
  const naming = new Map<number, GuestRecord>();
  for (const h of visible) {
    const g = h.asBase ? undefined : c.pve.guests.get(h.vmid);
    if (g) naming.set(g.vmid, g);
  }
  const users = new Map(naming);
  if (guest && !users.has(guest.vmid)) users.set(guest.vmid, guest);
  return { users: [...users.values()], naming: [...naming.values()] };
}

export function snapshotVerdict(
  e: VolumeEntry,
  v: ListedVolume,
  { visible, guest, c, f, st }: SnapshotInput,
): GuestRecord[] {
  const snap = v.snapshot as string;
  const { users, naming } = snapshotUsers(visible, guest, c);
  const rep = replicateSnapshot(c.replication, snap, (job) => c.newestReplicate.get(`${v.own}|${job}`) ?? null);
  if (rep) {
    e.snapshotOwner = 'replication';
    e.detail = rep.detail;
    if (rep.job) e.job = rep.job.id;
    if (rep.live) {
      f.protectedBy.add(`replication-job:${rep.jobId}`);
      if (rep.pendingBy) f.pendingBy.add(rep.pendingBy);
    } else {
      e.status = 'orphan';
      e.reason = 'snapshot-missing';
    }
    return users;
  }
  const own = pveSnapshotOfUsers(c, snap, users, v.vmid);
  if (own) {
    e.snapshotOwner = snap === '__migration__' ? 'migration' : 'vzdump';
    e.detail = own.detail;
    for (const p of own.pendingBy) f.pendingBy.add(p);
    if (own.leftover && own.pveSteps) {
      // A section of the config names it (pve-container VZDump/LXC.pm snapshot: snapshot_create($vmid,
      // 'vzdump', ...) writes [vzdump]; its next prepare force-removes both): the config's, not an orphan.
      // Only then does PVE have a command of its own for it.
      setSteps(e, own.pveSteps);
      const g = users.find((u) => u.config?.snapshots.includes(snap));
      e.namedBySection = `${g ? guestWord(g) : `guest ${v.vmid}`} [${snap}]`;
    } else if (own.leftover) {
      e.status = 'orphan';
      e.reason = 'operation-leftover';
    }
    return users;
  }
  e.snapshotOwner = 'guest';
  const holder = naming.find((g) => g.config?.snapshots.includes(snap));
  // A replica carries the guest's snapshots (Replication.pm replicate_volume: with_snapshots => 1).
  const replica = !holder && guest && !st.shared ? replicaOf(c.replication, guest, c.pve.node, st.type) : null;
  const unread = users.find((g) => !g.config);
  if (holder) {
    e.detail = `snapshot [${snap}] of ${guestWord(holder)}`;
    if (holder.vmid !== v.vmid) e.detail += ` (its config names ${v.own}: rollback needs it)`;
  } else if (replica && guest?.config?.snapshots.includes(snap)) {
    e.detail = `snapshot [${snap}] of ${guestWord(guest)} on its ${replica.detail}`;
    e.job = replica.job.id;
    f.protectedBy.add(`replication-job:${replica.job.id}`);
  } else if (unread) {
    e.status = 'unknown';
    e.reason = 'config-unreadable';
    e.detail = `the config of guest ${unread.vmid} could not be read`;
  } else if (users.length === 0) {
    e.status = 'orphan';
    e.reason = 'guest-missing';
    e.detail = `snapshot ${snap} of a volume no config names, whose guest ${v.vmid} no longer exists`;
  } else {
    const by = [...new Set(users.flatMap((g) => ownerRunning(c.pve, g.vmid, g, 'guest')))];
    for (const p of by) f.pendingBy.add(p);
    e.status = 'orphan';
    e.reason = 'snapshot-missing';
    const ids = users.map((g) => g.vmid).join(', guest ');
    e.detail = by.length
      ? `snapshot ${snap} of ${users.map(guestWord).join(', ')} while a snapshot operation runs (${by.join(', ')})`
      : `guest ${ids} ${users.length > 1 ? 'have' : 'has'} no snapshot section [${snap}]`;
  }
  return users;
}

/** `__migration__` / `vzdump` of any guest the snapshot belongs to: pending while one's operation runs. */
function pveSnapshotOfUsers(c: VolumeContext, snap: string, users: GuestRecord[], vmid: number | null) {
  let first: ReturnType<typeof pveSnapshot> = null;
  for (const g of users) {
    const r = pveSnapshot(c.pve, snap, g.vmid, g);
    if (r && !r.leftover) return r;
    first ??= r;
  }
  return first ?? (users.length === 0 && vmid !== null ? pveSnapshot(c.pve, snap, vmid, undefined) : null);
}

/**
 * A snapshot is pending only by its own operation (set above); anything else running for a guest it
 * belongs to (another lock, another task) keeps the hint away without calling it pending. A guest running
 * here holds a guest snapshot its config has no section for: that verdict rests on the config alone, and
 * one cut at a line boundary loses a section without a trace, while the running guest proves the config
 * is the one in use — the rule the DM part applies to every LV of a running guest (dm-flags.ts
 * guest-running), here for ZFS, RBD and file snapshots alike. Stopped, the same snapshot is a leftover.
 */
export function snapshotFlags(e: VolumeEntry, users: GuestRecord[], c: VolumeContext, f: Flags): void {
  if (e.vmid === null) return;
  if (e.snapshotOwner === 'guest' && e.status === 'orphan')
    for (const g of users) if (g.node === c.pve.node && c.pve.running.has(g.vmid)) f.protectedBy.add('guest-running');
  // A kvm of a guest whose home is another node, or of no guest, holds what its VMID names, its volume's
  // snapshots too (the volume's own rule, volume-verdict.ts flags: kvm-process; the DM part's, dm-flags.ts).
  if (c.pve.kvmAlive.has(e.vmid) && c.pve.guests.get(e.vmid)?.node !== c.pve.node) f.protectedBy.add('kvm-process');
  const ids = new Set([String(e.vmid), ...users.map((g) => String(g.vmid))]);
  for (const t of [...c.pve.tasks, ...c.pve.deadTasks]) if (ids.has(t.id)) f.protectedBy.add(`task:${t.type}`);
  for (const g of users) {
    const lock = g.config?.lock;
    if (lock && !f.pendingBy.has(`lock:${lock}`)) f.protectedBy.add(`lock:${lock}`);
  }
}
