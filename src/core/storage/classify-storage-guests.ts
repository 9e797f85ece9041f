// Storage findings about guests: stale `lock:` lines, leftovers of interrupted backups (the `vzdump`
// snapshot of a container, fleecing images), inactive leftover LVs summed per storage and VMID, and
// shared-LVM autoactivation. Rules and sources: docs/storage-health.md.

import { lockState } from '../node/guest-locks';
import { formatBytes } from '../text/format-bytes';
import { shellQuote, shellWord } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import { classifyAutoactivation } from './autoactivation';
import { leftoverFix } from './leftover-fix';
import type { ParsedGuest, StorageContext } from './storage-context';

/** A running task of the guest (its id is the VMID; a node-wide task with an empty id explains no guest's). */
function taskCovers(ctx: StorageContext, vmid: number, types?: RegExp): boolean {
  return ctx.tasks.some((t) => t.id === String(vmid) && (!types || types.test(t.type)));
}

/** A lock whose task line stands while its worker is gone: PVE counts that task as stopped, nothing explains the lock. */
function deadWorker(g: ParsedGuest, lock: string, t: { upid: string; type: string; pid: number }): StorageFinding {
  return {
    id: `lock:${g.vmid}`,
    kind: 'guest-lock-dead-task',
    severity: 'warning',
    title: `${guestLabel(g)} is locked (lock: ${lock}) by a ${t.type} task whose worker is gone`,
    detail: `tasks/active still lists ${t.upid} as running, but process ${t.pid} is gone or is another process: the operation ended without finishing its task entry. Unlock only once the task's log shows how it ended.`,
    fix: [`pvenode task status ${t.upid}`, `pvenode task log ${t.upid}`],
    subject: { vmid: g.vmid },
  };
}

function cli(g: ParsedGuest): 'qm' | 'pct' {
  return g.type === 'qemu' ? 'qm' : 'pct';
}

function configPath(g: ParsedGuest): string {
  return `/etc/pve/nodes/${g.node}/${g.type === 'qemu' ? 'qemu-server' : 'lxc'}/${g.vmid}.conf`;
}

function guestLabel(g: ParsedGuest): string {
  return `${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}${g.config.name ? ` (${g.config.name})` : ''}`;
}

export function classifyGuestStorage(ctx: StorageContext): StorageFinding[] {
  return [
    ...classifyLocks(ctx),
    ...classifySplitBrain(ctx),
    ...classifyBackupLeftovers(ctx),
    ...classifyLeftoverLvs(ctx),
    ...classifyAutoactivation(ctx),
  ];
}

/**
 * A `lock:` on a guest of this node while no task for it runs here. Operations that set a lock run
 * on the node that holds the config (tasks/active is node-local), except the end of a migration,
 * which the source node's task finishes: that case says so.
 */
export function classifyLocks(ctx: StorageContext): StorageFinding[] {
  const res: StorageFinding[] = [];
  for (let i = 0; i < ctx.guests.length; i++) {
    const g = ctx.guests[i];
    const lock = g.config.lock;
    if (!lock) continue;
    const { tasks, deadTasks, tasksUnread, ha } = ctx;
    const state = lockState({
      vmid: g.vmid,
      lock,
      guestNode: g.node,
      node: ctx.node,
      tasks,
      deadTasks,
      tasksUnread,
      ha,
    });
    if (state === 'unknown') {
      const dead = ctx.deadTasks?.find((t) => t.id === String(g.vmid));
      if (dead) res.push(deadWorker(g, lock, dead));
      continue;
    }
    if (state !== 'stale') continue;
    const c = cli(g);
    const subject = { vmid: g.vmid };
    if (lock === 'mounted') {
      res.push({
        id: `lock:${g.vmid}`,
        kind: 'guest-mounted',
        severity: 'warning',
        title: `${guestLabel(g)} is still mounted on the host (lock: mounted)`,
        detail:
          '`pct mount` mounted its volumes under /var/lib/lxc and locked it; it cannot start, migrate or be backed up until it is unmounted.',
        fix: [shellQuote(['pct', 'unmount', String(g.vmid)])],
        subject,
      });
      continue;
    }
    const why: Record<string, string> = {
      backup: 'a backup was interrupted',
      migrate: 'a migration was interrupted',
      snapshot: 'taking a snapshot was interrupted; the snapshot may be half made',
      'snapshot-delete': 'deleting a snapshot was interrupted; the snapshot may be half deleted',
      rollback: 'a rollback was interrupted',
      clone: 'a clone was interrupted',
      create: 'creating or restoring the guest was interrupted; its disks may be incomplete',
      disk: 'moving a disk was interrupted',
      destroyed: 'destroying the guest was interrupted',
    };
    const fix = [shellQuote([c, 'unlock', String(g.vmid)])];
    if (lock.startsWith('snapshot') || lock === 'rollback')
      fix.unshift(shellQuote([c, 'listsnapshot', String(g.vmid)]));
    if (lock === 'backup') fix.unshift('# make sure no vzdump process for it is left: ps -ef | grep vzdump');
    res.push({
      id: `lock:${g.vmid}`,
      kind: 'stale-lock',
      severity: 'warning',
      title: `${guestLabel(g)} is locked (${lock}) but no task for it runs`,
      detail: `Its config has \`lock: ${lock}\` and no task for it runs on ${ctx.node}: ${why[lock] ?? 'an operation was interrupted'}. Until it is unlocked the guest cannot be started, changed, migrated or backed up (backups skip it).${
        lock === 'migrate'
          ? ' A migration is driven by the source node: check there first (pvesh get /cluster/tasks).'
          : ''
      }`,
      fix,
      subject,
    });
  }
  return res;
}

/**
 * A kvm of a VM runs here while its config lives on another node. PVE starts a VM only on the node that
 * holds its config (qemu-server vm_start checks the config lock and node), except the target of a live
 * migration: `kvm ... -incoming` while the config still carries `lock: migrate` (QemuMigrate.pm phase1,
 * QemuServer/StateFile.pm). Anything else is the same guest running twice: its disks get two writers.
 */
export function classifySplitBrain(ctx: StorageContext): StorageFinding[] {
  const res: StorageFinding[] = [];
  for (let i = 0; i < ctx.guests.length; i++) {
    const g = ctx.guests[i];
    if (g.type !== 'qemu' || g.node === ctx.node || !ctx.kvmAlive.has(g.vmid)) continue;
    const migrating =
      g.config.lock === 'migrate' ||
      ctx.ha.some((h) => h.vmid === g.vmid && (h.state === 'migrate' || h.state === 'relocate'));
    if (migrating && ctx.kvmIncoming.has(g.vmid)) continue;
    res.push({
      id: `split-brain:${g.vmid}`,
      kind: 'guest-split-brain',
      severity: 'critical',
      title: `${guestLabel(g)} runs on ${ctx.node} but its config lives on ${g.node}`,
      detail: `A kvm process of VM ${g.vmid} is alive on ${ctx.node} (/run/qemu-server/${g.vmid}.pid) while /etc/pve/nodes/${g.node} holds its config${migrating ? ' and it is no migration target (no -incoming)' : ' and no migration is under way'}: if it runs on ${g.node} as well, two systems write the same disks.`,
      fix: [
        `${shellQuote(['qm', 'status', String(g.vmid)])}   # on ${shellWord(g.node)}`,
        `# then stop the copy that must not run (on ${shellWord(ctx.node)}: kill the kvm of /run/qemu-server/${g.vmid}.pid)`,
      ],
      subject: { vmid: g.vmid },
    });
  }
  return res;
}

/** The `vzdump` snapshot a container backup leaves, and fleecing images, with no backup running. */
export function classifyBackupLeftovers(ctx: StorageContext): StorageFinding[] {
  const res: StorageFinding[] = [];
  for (let i = 0; i < ctx.guests.length; i++) {
    const g = ctx.guests[i];
    // Its own vzdump, or one of several guests backing it up now (that one holds lock: backup on it).
    const backingUp = g.config.lock === 'backup' && ctx.tasks.some((t) => t.type === 'vzdump' && t.id === '');
    if (g.node !== ctx.node || backingUp || taskCovers(ctx, g.vmid, /^vzdump$/)) continue;
    const c = cli(g);
    if (g.config.snapshots.includes('vzdump')) {
      res.push({
        id: `vzdump-snapshot:${g.vmid}`,
        kind: 'vzdump-snapshot-leftover',
        severity: 'warning',
        title: `${guestLabel(g)} still has the snapshot "vzdump" of an interrupted backup`,
        detail:
          'A snapshot-mode backup creates the snapshot "vzdump" and removes it at the end; no backup runs now. On LVM-thin the snapshot keeps every block the guest overwrites since then, so it grows and holds pool space until it is removed (the next snapshot-mode backup also removes it first).',
        fix: [
          shellQuote([c, 'delsnapshot', String(g.vmid), 'vzdump']),
          `# if its volume is already gone: ${shellQuote([c, 'delsnapshot', String(g.vmid), 'vzdump', '--force'])}`,
        ],
        subject: { vmid: g.vmid },
      });
    }
    const fleece = g.config.refs.filter((r) => r.section === 'special:fleecing' && r.volid);
    if (fleece.length > 0) {
      const shared = (sid: string) => ctx.storages.find((s) => s.id === sid)?.shared ?? false;
      const fix: string[] = [];
      for (const r of fleece) {
        const volid = `${r.volid!.storage}:${r.volid!.volname}`;
        fix.push(
          shared(r.volid!.storage)
            ? `# on shared storage, after checking no other node uses it: ${shellQuote(['pvesm', 'free', volid])}`
            : shellQuote(['pvesm', 'free', volid]),
        );
      }
      fix.push(`# then delete the [special:fleecing] section from ${shellWord(configPath(g))}`);
      res.push({
        id: `fleecing:${g.vmid}`,
        kind: 'fleecing-leftover',
        severity: 'warning',
        title: `${guestLabel(g)} has ${fleece.length} fleecing image${fleece.length > 1 ? 's' : ''} of an interrupted backup`,
        detail: `Backups with fleecing write to temporary images (${fleece.map((r) => r.file).join(', ')}) and record them in [special:fleecing] so they can be removed; no backup of it runs now, so they are left over and hold space.`,
        fix,
        subject: { vmid: g.vmid },
      });
    }
  }
  return res;
}

/**
 * Inactive leftover LVs (the DM analysis' orphans without a map), summed per storage with a per-VMID
 * breakdown. A warning when the next VMID PVE hands out would inherit them (design: VMID reuse).
 */
export function classifyLeftoverLvs(ctx: StorageContext): StorageFinding[] {
  const reuse = ctx.dm.vmidReuse;
  const next = new Set<number>([...(reuse?.nextVmid != null ? [reuse.nextVmid] : []), ...(reuse?.upcoming ?? [])]);
  const byStorage = new Map<string, typeof ctx.dm.entries>();
  const all = ctx.dm.entries ?? [];
  for (let i = 0; i < all.length; i++) {
    const e = all[i];
    if (e.active || e.status !== 'orphan' || e.pending || !e.vg || !e.lv) continue;
    const key = e.storage ?? `vg:${e.vg}`;
    // Appended, not copied with each one: a node with thousands of leftover LVs made that quadratic.
    const list = byStorage.get(key);
    if (list) list.push(e);
    else byStorage.set(key, [e]);
  }
  const res: StorageFinding[] = [];
  for (const [key, entries] of byStorage) {
    const storage = key.startsWith('vg:') ? null : key;
    const st = storage ? ctx.storages.find((s) => s.id === storage) : undefined;
    const total = entries.reduce((s, e) => s + (e.sizeBytes ?? 0), 0);
    const perVmid = new Map<number | null, { n: number; bytes: number }>();
    for (const e of entries) {
      const p = perVmid.get(e.vmid) ?? { n: 0, bytes: 0 };
      p.n++;
      p.bytes += e.sizeBytes ?? 0;
      perVmid.set(e.vmid, p);
    }
    const vmids = [...perVmid.keys()].filter((v): v is number => v !== null).sort((a, b) => a - b);
    const inherit = vmids.filter((v) => next.has(v));
    const parts = [...perVmid.entries()]
      .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))
      .map(
        ([v, p]) => `${v === null ? 'no VMID' : `VMID ${v}`}: ${p.n} LV${p.n > 1 ? 's' : ''}, ${formatBytes(p.bytes)}`,
      );
    const fix = leftoverFix(entries, { local: Boolean(st && !st.shared) });
    const where = storage ? `storage ${storage}` : `VG ${entries[0].vg}`;
    res.push({
      id: `leftovers:${key}`,
      kind: 'leftover-lvs',
      severity: inherit.length > 0 ? 'warning' : 'info',
      title: `${entries.length} inactive leftover ${entries.length > 1 ? 'LVs hold' : 'LV holds'} ${formatBytes(total)} on ${where}`,
      detail: `${parts.join('; ')}.${
        inherit.length > 0
          ? ` A new guest created as VMID ${inherit.join(' or ')} (${inherit.includes(reuse?.nextVmid ?? -1) ? 'the next VMID PVE hands out' : `among the next VMIDs PVE hands out, after ${reuse?.nextVmid}`}) inherits that VMID's volumes here: \`qm disk rescan\` attaches them to it, and destroying it with "unreferenced disks" deletes them.`
          : ''
      }`,
      fix,
      subject: {
        ...(storage ? { storage } : { vg: entries[0].vg ?? undefined }),
        // Whose leftovers they are (check --vmid keeps the finding for them); one without a VMID is the node's.
        ...(perVmid.has(null) ? {} : { vmids }),
      },
      values: { totalBytes: total, lvs: entries.length },
    });
  }
  return res;
}
