// The generator of the operation model: every (operation, step, crash or not, storage kind) becomes a node
// — a HostSnapshot for the DM part (LVM kinds) or the volumes classifier's input (ZFS, RBD, dir) — and the
// model's expectation for every volume and snapshot on it, derived from the state alone:
// - `referenced`: a config section that counts here names it (its snapshot: a section of that name in a
//   guest that names the volume) → valid;
// - `needed`: an operation still needs it (the owner's or a naming guest's lock, a task of theirs, a
//   writer, a replication job, a clone's base) → never a destructive hint or action;
// - `leftover`: nothing names or needs it → an orphan.
// docs/operation-model.md describes it.
import { parsePveState } from '../../src/core/node/pve-state';
import type { HostSnapshot, ProcessInfo } from '../../src/core/vocab/snapshot';
import type { ClassifyVolumesInput } from '../../src/core/volumes/classify-volumes';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { withVmlist } from '../helpers/vmlist';
import type { Guest, Operation, State, Step, StorageKind, Vol } from './model-types';
import { OPERATIONS } from './operations';

export const HERE = 'pve1';

export interface ModelNode {
  id: string;
  op: Operation;
  step: Step;
  crash: boolean;
  kind: StorageKind;
  state: State;
}

/** Every state of the model. */
export function modelNodes(ops: Operation[] = OPERATIONS): ModelNode[] {
  const out: ModelNode[] = [];
  for (const op of ops)
    for (const [i, step] of op.steps.entries())
      for (const kind of op.storages) {
        const id = `${op.name} #${i + 1} on ${kind}`;
        out.push({ id, op, step, crash: false, kind, state: step.after(kind) });
        if (step.crash === false) continue;
        const crashed = step.crash ? step.crash(kind) : crashOf(step.after(kind));
        out.push({ id: `${id}, crash`, op, step, crash: true, kind, state: crashed });
      }
  return out;
}

/** The worker dies: its tasks and the processes it ran go; configs, locks and volumes stay. */
function crashOf(s: State): State {
  return { ...s, tasks: [], vols: s.vols.map((v) => ({ ...v, writing: false })) };
}

export const SID: Record<StorageKind, string> = {
  lvmthin: 'local-lvm',
  lvm: 'san',
  'lvm-chain': 'san',
  zfspool: 'local-zfs',
  rbd: 'ceph-vm',
  dir: 'local',
  'dir-chain': 'local',
};

/** Plugin.pm get_snap_name: `<vmid>/snap-<snap>-<volname>`. */
export const chainFile = (name: string, snap: string) => name.replace(/^(\d+)\//, `$1/snap-${snap}-`);
export const isLvm = (k: StorageKind) => k === 'lvmthin' || k === 'lvm' || k === 'lvm-chain';
/** Storage snapshots PVE takes only on ZFS and RBD (templates' __base__, storage_migrate's __migration__, pvesr). */
const storageOnly = (s: string) => s.startsWith('__');
const snapsOn = (k: StorageKind, v: Vol) =>
  (v.snaps ?? []).filter((s) => !storageOnly(s) || k === 'zfspool' || k === 'rbd');
const vmidOf = (name: string) => Number(/^(?:vm|base|subvol)-(\d+)-/.exec(name.split('/').pop()!)?.[1] ?? 0);

/** The guest type of the guest whose config names `name` (a CT's volume on ZFS is a subvol dataset). */
function typeOf(s: State, name: string): 'qemu' | 'lxc' {
  const g = s.guests.find((x) => x.lines?.some((l) => l.includes(`{${name}}`) || l.includes(`/${name}}`)));
  return g?.type ?? (s.guests.find((x) => x.vmid === vmidOf(name))?.type || 'qemu');
}

/** The name of a volume on a storage kind (a CT's ZFS volume is subvol-…; dir files and chain LVs are qcow2). */
function own(k: StorageKind, name: string, type: 'qemu' | 'lxc'): string {
  if (k === 'zfspool' && type === 'lxc') return name.replace(/^vm-/, 'subvol-');
  if (k === 'lvm-chain') return `${name}.qcow2`;
  if (k === 'dir' || k === 'dir-chain') return `${vmidOf(name)}/${name}.${type === 'lxc' ? 'raw' : 'qcow2'}`;
  return name;
}

/** The volume ID part after `storage:` for `{name}` (a linked clone: `base/clone`). */
function volname(k: StorageKind, name: string, type: 'qemu' | 'lxc'): string {
  const [a, b] = name.split('/');
  if (!b) return own(k, a, type);
  return `${own(k, a, type)}/${own(k, b, type)}`;
}

function configText(k: StorageKind, g: Guest): string {
  const type = g.type ?? 'qemu';
  const lines = (g.lines ?? []).map((l) => l.replace(/\{([^}]+)\}/g, (_m, n) => `${SID[k]}:${volname(k, n, type)}`));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function configFiles(k: StorageKind, s: State): Record<string, string> {
  const files: Record<string, string> = {};
  for (const g of s.guests) {
    if (g.lines === null) continue;
    files[`/etc/pve/nodes/${g.node ?? HERE}/${g.type === 'lxc' ? 'lxc' : 'qemu-server'}/${g.vmid}.conf`] = configText(
      k,
      g,
    );
  }
  const tasks = (s.tasks ?? []).map((t, i) => upidOf(t, i));
  if (tasks.length) files['/var/log/pve/tasks/active'] = `${tasks.join('\n')}\n`;
  if (s.replication) files['/etc/pve/replication.cfg'] = s.replication;
  if (s.ha)
    files['/etc/pve/ha/manager_status'] = JSON.stringify({
      service_status: Object.fromEntries(
        Object.entries(s.ha).map(([id, state]) => [`vm:${id}`, { state, node: HERE }]),
      ),
    });
  return files;
}

/** A running task's line in tasks/active: UPID:<node>:<pid>:<pstart>:<start>:<type>:<id>:<user>: (hex fields). */
const upidOf = (t: { type: string; id: string }, i: number) =>
  `UPID:${HERE}:${(0xa000 + i).toString(16).toUpperCase().padStart(8, '0')}:00B00000:65000000:${t.type}:${t.id}:root@pam: 0`;

/** The live workers of the running tasks (pve-common RPCEnvironment fork_worker: the process titled after its UPID). */
function workers(s: State): ProcessInfo[] {
  return (s.tasks ?? []).map((t, i) => ({
    pid: 0xa000 + i,
    comm: 'pvedaemon worke',
    cmdline: [`task ${upidOf(t, i)}`],
  }));
}

const CLUSTER = ['pve1', 'pve2'];

/** The DM part's node: storage.cfg, the LVs (snapshots, bases, del-), their maps, configs, tasks, guests. */
export function dmSnapshot(n: ModelNode): HostSnapshot {
  const { kind: k, state: s } = n;
  const b = new NodeBuilder(HERE).cluster(CLUSTER);
  const vg = k === 'lvmthin' ? 'pve' : 'san';
  const cfg =
    k === 'lvmthin'
      ? LOCAL_LVM
      : `dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvm: san\n\tvgname san\n\tshared 1\n\tcontent rootdir,images\n${k === 'lvm' ? '\tsaferemove 1\n' : '\tsnapshot-as-volume-chain 1\n'}`;
  b.storage(cfg);
  if (k === 'lvmthin') b.pool('pve', 'data');
  for (const [path, text] of Object.entries(configFiles(k, s))) b.files[path] = text;
  for (const id of s.running ?? []) b.running(id, s.guests.find((g) => g.vmid === id)?.type ?? 'qemu');
  b.processes.push(...workers(s));
  for (const v of s.vols) {
    const [base, clone] = v.name.split('/');
    const name = own(k, clone ?? base, typeOf(s, v.name));
    const isBase = name.startsWith('base-');
    const active = v.active ?? v.writing ?? (k === 'lvmthin' ? !isBase : runsHere(s, v.name));
    if (!v.renamedToSnapshot)
      b.lv({
        vg,
        lv: v.deleted ? `del-${name}` : name,
        pool: k === 'lvmthin' ? 'data' : undefined,
        active: active && !v.deleted,
        open: v.writing ? 1 : 0,
        origin: clone ? own(k, base, 'qemu') : undefined,
        readonly: isBase,
      });
    for (const snap of snapsOn(k, v)) {
      const lv = k === 'lvm-chain' ? `snap_${name.replace(/\.qcow2$/, '')}_${snap}.qcow2` : `snap_${name}_${snap}`;
      const held = v.renamedToSnapshot?.open === true;
      b.lv({
        vg,
        lv,
        pool: k === 'lvmthin' ? 'data' : undefined,
        active: held,
        open: held ? 1 : 0,
        origin: k === 'lvmthin' ? name : undefined,
      });
    }
  }
  const snap = b.build();
  // What the node's own tools print beside: the pool's status line, each LV's autoactivation (PVE 9: off).
  const ok = (stdout: string) => ({ argv: [], code: 0, stdout, stderr: '' });
  if (k === 'lvmthin')
    snap.commands['dmsetup.status'] = ok(
      'pve-data-tpool: 0 209715200 thin-pool 1 112/1024 0/1024 - rw discard_passdown queue_if_no_space - 256\n',
    );
  const rows = b.lvRows.filter((r) => !r.lv_name.startsWith('['));
  snap.commands['lvs.autoactivation'] = ok(
    JSON.stringify({
      report: [
        {
          lv: rows.map((r) => ({ vg_name: r.vg_name, lv_name: r.lv_name, lv_uuid: r.lv_uuid, lv_autoactivation: '' })),
        },
      ],
    }),
  );
  return snap;
}

const runsHere = (s: State, name: string) =>
  s.guests.some((g) => (s.running ?? []).includes(g.vmid) && g.lines?.some((l) => l.includes(name)));

const ZVOL_COLS = (size: string, origin: string) => `${size}\t57344\t57344\t-\t${origin}\t-`;

/** The volumes classifier's input for a ZFS, RBD or dir node. */
export function volumesInput(n: ModelNode): ClassifyVolumesInput {
  const { kind: k, state: s } = n;
  const files: Record<string, string> = {
    '/etc/pve/storage.cfg':
      'zfspool: local-zfs\n\tpool rpool/data\n\tcontent images,rootdir\n\ndir: local\n\tpath /var/lib/vz\n\tcontent images,rootdir\n\n' +
      'rbd: ceph-vm\n\tpool vm-pool\n\tcontent images,rootdir\n\tkrbd 1\n',
    '/etc/pve/.members': JSON.stringify({
      nodename: HERE,
      version: 4,
      cluster: { name: 'lab', version: 3, nodes: 2, quorate: 1 },
      nodelist: { pve1: { id: 1, online: 1 }, pve2: { id: 2, online: 1 } },
    }),
    ...configFiles(k, s),
  };
  Object.assign(files, withVmlist(files));
  const processes: ProcessInfo[] = workers(s);
  for (const id of s.running ?? [])
    processes.push({ pid: 5000 + id, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', String(id)] });
  for (const id of s.running ?? []) files[`/run/qemu-server/${id}.pid`] = `${5000 + id}\n`;
  const zfs = ['rpool/data\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data'];
  const rbd: Record<string, unknown>[] = [];
  const trash: Record<string, unknown>[] = [];
  const rbdStatus: Record<string, { argv: string[]; code: number; stdout: string; stderr: string }> = {};
  const local: { name: string; backing?: string; snapshot?: string; sizeBytes: number; usedBytes: number }[] = [];
  const zvolDevices: Record<string, string> = {};
  for (const [i, v] of s.vols.entries()) {
    const [base, clone] = v.name.split('/');
    const type = typeOf(s, v.name);
    const name = own(k, clone ?? base, type);
    const busy = v.writing || runsHere(s, v.name);
    if (k === 'zfspool') {
      const ds = `rpool/data/${name}`;
      const origin = clone ? `rpool/data/${own(k, base, type)}@__base__` : '-';
      zfs.push(
        name.startsWith('subvol-')
          ? `${ds}\tfilesystem\t-\t57344\t57344\t8589934592\t${origin}\t/${ds}`
          : `${ds}\tvolume\t${ZVOL_COLS('8589934592', origin)}`,
      );
      // The real zfs prints volsize only for a snapshot of a volume: `-` for one of a filesystem (fixtures/zfs-real).
      const snapSize = name.startsWith('subvol-') ? '-' : '8589934592';
      for (const sn of snapsOn(k, v)) zfs.push(`${ds}@${sn}\tsnapshot\t${snapSize}\t0\t57344\t-\t-\t-`);
      if (busy && !name.startsWith('subvol-')) {
        zvolDevices[ds] = `zd${i * 16}`;
        processes.push({
          pid: 6000 + i,
          comm: v.writing ? 'qemu-img' : 'kvm',
          cmdline: ['x'],
          fds: [`/dev/zd${i * 16}`],
        });
      }
    } else if (k === 'rbd') {
      if (v.trash) {
        trash.push({
          id: `t-${name}`,
          name,
          source: v.trash,
          deleted_at: 'Mon Nov 23 17:00:01 2026',
          status: 'expired at Mon Nov 23 17:00:01 2026',
        });
        continue;
      }
      const parent = clone ? { pool: 'vm-pool', image: base, snapshot: '__base__' } : undefined;
      rbd.push({ image: name, id: `id${name}`, size: 8589934592, format: 2, ...(parent ? { parent } : {}) });
      for (const sn of snapsOn(k, v))
        rbd.push({
          image: name,
          id: `id${name}`,
          snapshot: sn,
          snapshot_id: 4,
          size: 8589934592,
          format: 2,
          ...(sn === '__base__' ? { protected: 'true' } : {}),
        });
      const watchers = busy ? [{ address: '10.0.0.1:0/1', client: 4100 + i, cookie: 1 }] : [];
      rbdStatus[`ceph-vm/${name}`] = { argv: [], code: 0, stdout: JSON.stringify({ watchers }), stderr: '' };
    } else {
      const backing = clone ? `../${own(k, base, type)}` : undefined;
      // A volume renamed to its snapshot's file and not back (Plugin.pm volume_snapshot) is no file of its own.
      if (!v.renamedToSnapshot) local.push({ name, ...(backing ? { backing } : {}), sizeBytes: 1, usedBytes: 1 });
      // PVE 9 volume chain: a file snap-<snap>-<volname> beside the volume (Plugin.pm get_snap_name).
      for (const sn of snapsOn(k, v))
        local.push(
          k === 'dir-chain'
            ? { name: chainFile(name, sn), sizeBytes: 1, usedBytes: 1 }
            : { name, snapshot: sn, sizeBytes: 1, usedBytes: 1 },
        );
      if (busy)
        processes.push({
          pid: 6000 + i,
          comm: v.writing ? 'qemu-img' : 'kvm',
          cmdline: ['x'],
          fds: [`/var/lib/vz/images/${v.renamedToSnapshot ? chainFile(name, snapsOn(k, v)[0]) : name}`],
        });
    }
  }
  const snap: HostSnapshot = {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2026-11-25T00:00:00Z',
    hostname: HERE,
    toolVersion: 'test',
    redacted: false,
    files,
    commands: {},
    processes,
    sysDm: [],
  };
  const ok = (stdout: string) => ({ argv: [], code: 0, stdout, stderr: '' });
  return {
    pve: parsePveState(snap),
    raw: {
      zfs: ok(zfs.join('\n')),
      rbd: { 'ceph-vm': ok(JSON.stringify(rbd)) },
      rbdTrash: { 'ceph-vm': ok(JSON.stringify(trash)) },
      rbdStatus,
      zvolDevices,
      files: { local: { ok: true, volumes: local } },
    } as ClassifyVolumesInput['raw'],
    processes,
    replicationCfg: files['/etc/pve/replication.cfg'],
    replicationState: undefined,
    // The host's own mount table: its root (a ZFS root, as the PVE installer makes it), nothing of the guests'.
    hostMountinfo: '21 1 0:21 / / rw,relatime shared:1 - zfs rpool/ROOT/pve-1 rw,xattr,noacl\n',
  };
}

export type Expected = 'referenced' | 'needed' | 'leftover';

/** One volume or snapshot of the state and what the model says of it. */
export interface ModelObject {
  vol: Vol;
  /** The volume's own name on the storage (what the entries carry). */
  name: string;
  snapshot?: string;
  expected: Expected;
  why: string;
}

/** Whether a config counts here: on shared storage every node's, on local storage this node's. */
const counts = (k: StorageKind, g: Guest) =>
  k === 'lvm' || k === 'lvm-chain' || k === 'rbd' || (g.node ?? HERE) === HERE;

export function modelObjects(n: ModelNode): ModelObject[] {
  const { kind: k, state: s } = n;
  const out: ModelObject[] = [];
  for (const v of s.vols) {
    const [base, clone] = v.name.split('/');
    const plain = clone ?? base;
    const name = own(k, plain, typeOf(s, v.name));
    // Which guests name it (any section): by volume ID `{name}`, as a clone's base `{name/…}`, or by a
    // path ending in its name.
    const named = new RegExp(`[{/]${plain}(?:}|/|,|\\.qcow2|\\.raw)`);
    const naming = s.guests.filter((g) => g.lines?.some((l) => named.test(l)));
    const here = naming.filter((g) => counts(k, g));
    const owners = [...new Set([vmidOf(plain), ...naming.map((g) => g.vmid)])];
    const busy = busyBy(s, owners);
    const vol: ModelObject = { vol: v, name, expected: 'leftover', why: 'no config names it, no operation needs it' };
    if (v.trash && here.length) {
      // A config still names it (pvesm free by mistake, rbd trash mv): the guest's disk, to be restored.
      [vol.expected, vol.why] = ['referenced', `named by ${here.map((g) => g.vmid).join(', ')} while in the trash`];
    } else if (v.deleted || v.trash) {
      vol.expected = (s.tasks ?? []).length ? 'needed' : 'leftover';
      vol.why = v.deleted ? 'saferemove: zeroed by imgdel, or its leftover' : 'rbd rm cut short (trash REMOVING)';
    } else if (here.length) [vol.expected, vol.why] = ['referenced', `named by ${here.map((g) => g.vmid).join(', ')}`];
    else if (busy) [vol.expected, vol.why] = ['needed', busy];
    else if (v.writing) [vol.expected, vol.why] = ['needed', 'a process writes it'];
    else if (replicaJob(s, owners)) [vol.expected, vol.why] = ['needed', 'a replication job to this node keeps it'];
    // The volume is gone (its image renamed to the snapshot's LV): no object of its own.
    if (!v.renamedToSnapshot) out.push(vol);
    for (const sn of snapsOn(k, v)) {
      const o: ModelObject = {
        vol: v,
        name,
        snapshot: sn,
        expected: 'leftover',
        why: 'no section of a guest naming the volume',
      };
      const holder = here.find((g) => g.lines?.includes(`[${sn}]`));
      if (sn === '__base__') [o.expected, o.why] = ['needed', 'the base snapshot of a template'];
      else if (v.renamedToSnapshot && here.length)
        [o.expected, o.why] = [
          'referenced',
          `the current image of ${here.map((g) => g.vmid).join(', ')} under a snapshot name`,
        ];
      else if (holder) [o.expected, o.why] = ['referenced', `section [${sn}] of ${holder.vmid}`];
      else if (busy) [o.expected, o.why] = ['needed', busy];
      else if (sn.startsWith('__replicate_')) {
        // The job's base for its next sync while replication.cfg has the job (Replication.pm replicate).
        const job = /^__replicate_(\d+-\d+)_\d+__$/.exec(sn)?.[1];
        if (job && s.replication?.includes(`local: ${job}\n`))
          [o.expected, o.why] = ['needed', `the last sync of job ${job}`];
        else o.why = 'the snapshot of a replication job replication.cfg no longer has';
      } else if (replicaJob(s, owners)) [o.expected, o.why] = ['needed', 'the replication job that targets this node'];
      out.push(o);
    }
  }
  return out;
}

function busyBy(s: State, vmids: number[]): string | null {
  for (const id of vmids) {
    const g = s.guests.find((x) => x.vmid === id);
    const lock = g?.lines?.find((l) => l.startsWith('lock: '));
    if (lock) return `${id}: ${lock}`;
    // A task explains only its own guest (facts §13: an empty id names none).
    const t = (s.tasks ?? []).find((x) => x.id === String(id));
    if (t) return `task ${t.type} of ${id}`;
  }
  return null;
}

const replicaJob = (s: State, vmids: number[]) =>
  vmids.some((id) => s.replication?.includes(`local: ${id}-`) && s.replication.includes(`target ${HERE}`));
