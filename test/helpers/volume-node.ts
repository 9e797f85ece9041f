// A small node for the volumes classifier: storage.cfg with a zfspool `local-zfs` (rpool/data) and a dir
// storage `local`, node pve1 of a three-node cluster; zfs list lines, dir files, tasks and files in
// (`volumeInput`). Under it the one builder of the classifier's input from a node's files and listings
// (`buildVolumeInput`), which larger nodes (the corpus cluster of corpus-volumes.test.ts) use directly.
import assert from 'node:assert/strict';
import { parsePveState } from '../../src/core/node/pve-state';
import type { CommandOutput, HostSnapshot, ProcessInfo } from '../../src/core/vocab/snapshot';
import type { FileVolume, VolumeEntry } from '../../src/core/vocab/volume-types';
import { type ClassifyVolumesInput, classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { withVmlist } from './vmlist';

/** The node's storage.cfg: local-zfs and the dir storage `local` (an rbd storage is added when the node lists images). */
export const STORAGE_CFG = `zfspool: local-zfs
\tpool rpool/data
\tcontent images,rootdir

dir: local
\tpath /var/lib/vz
\tcontent images
`;

/** /etc/pve/.members of pve1 in a quorate cluster `lab` of these nodes (pve1 first). */
export function membersOf(nodes: string[]): string {
  return JSON.stringify({
    nodename: 'pve1',
    version: 4,
    cluster: { name: 'lab', version: 3, nodes: nodes.length, quorate: 1 },
    nodelist: Object.fromEntries(nodes.map((n, i) => [n, { id: i + 1, online: 1 }])),
  });
}

const MEMBERS = membersOf(['pve1', 'pve2', 'pve3']);

/** An `rbd` that did not answer in time, as the exec helper records it. */
export const rbdTimedOut: CommandOutput = {
  argv: ['rbd'],
  code: null,
  stdout: '',
  stderr: '',
  error: 'timeout',
  message: 'no answer within 10000 ms',
};

export const zvol = (name: string) => `rpool/data/${name}\tvolume\t8589934592\t57344\t57344\t-\t-\t-`;
export const zsnap = (name: string) => `rpool/data/${name}\tsnapshot\t8589934592\t0\t57344\t-\t-\t-`;
/** A snapshot of a filesystem (a CT subvol): the real zfs prints `-` for its volsize (fixtures/zfs-real). */
export const zfssnap = (name: string) => `rpool/data/${name}\tsnapshot\t-\t0\t98304\t-\t-\t-`;

export interface Node {
  files?: Record<string, string>;
  zfs?: string[];
  local?: { name: string; backing?: string; snapshot?: string; sizeBytes?: number; usedBytes?: number }[];
  tasks?: string;
  /** `rbd -p vm-pool ls -l --format json` of storage ceph-vm, and krbd maps (`vm-pool/<image>` → rbdN). */
  rbd?: string;
  /** `rbd ls -l` stderr (images it could not open). */
  rbdStderr?: string;
  /** `rbd ls -l` exit status (default 0). */
  rbdCode?: number;
  /** `rbd trash ls --all --long --format json` of ceph-vm (default `[]`), or a failed command. */
  rbdTrash?: string | CommandOutput;
  /** `rbd status <image> --format json` per image of ceph-vm (text, or the failed command). */
  rbdStatus?: Record<string, string | CommandOutput>;
  rbdDevices?: Record<string, string>;
  /** The host's processes (a running guest's kvm behind its pid file, holders of devices). */
  processes?: ProcessInfo[];
  /** The start time of each task's worker (HostSnapshot taskWorkers): another time or null, the worker is gone. */
  taskWorkers?: HostSnapshot['taskWorkers'];
}

/** What the host read on a node, by source: its files, and each listing's output (a text is a command that exited 0). */
export interface VolumeNodeParts {
  /** Every file (storage.cfg, .members, guest configs, tasks…); .vmlist is made from the configs. */
  files: Record<string, string>;
  /** Every `zfs list` line, the pools' own first; absent: zfs was not run. */
  zfs?: string[];
  /** Per RBD storage: `rbd ls -l`, `rbd trash ls`; per `<storage>/<image>`: `rbd status`. */
  rbd?: Record<string, string | CommandOutput>;
  rbdTrash?: Record<string, string | CommandOutput>;
  rbdStatus?: Record<string, string | CommandOutput>;
  rbdDevices?: Record<string, string>;
  /** Per file storage: the images its directory holds. */
  fileStorages?: Record<string, FileVolume[]>;
  processes?: ProcessInfo[];
  taskWorkers?: HostSnapshot['taskWorkers'];
}

const done = (stdout: string | CommandOutput): CommandOutput =>
  typeof stdout === 'string' ? { argv: [], code: 0, stdout, stderr: '' } : stdout;
const allDone = (m: Record<string, string | CommandOutput>) =>
  Object.fromEntries(Object.entries(m).map(([k, out]) => [k, done(out)]));

/** The classifier's input for a node from what its host read. */
export function buildVolumeInput(p: VolumeNodeParts): ClassifyVolumesInput {
  const files = { ...p.files };
  Object.assign(files, withVmlist(files));
  const snap: HostSnapshot = {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2026-01-01T00:00:00Z',
    hostname: 'pve1',
    toolVersion: 'test',
    redacted: false,
    files,
    commands: {},
    processes: p.processes ?? [],
    sysDm: [],
    ...(p.taskWorkers ? { taskWorkers: p.taskWorkers } : {}),
  };
  return {
    pve: parsePveState(snap),
    raw: {
      // zfs list ends every line with a newline (OpenZFS zfs_main.c print_dataset).
      ...(p.zfs ? { zfs: done(p.zfs.map((l) => `${l}\n`).join('')) } : {}),
      rbd: allDone(p.rbd ?? {}),
      ...(p.rbdTrash ? { rbdTrash: allDone(p.rbdTrash) } : {}),
      ...(p.rbdStatus ? { rbdStatus: allDone(p.rbdStatus) } : {}),
      ...(p.rbdDevices ? { rbdDevices: p.rbdDevices } : {}),
      files: Object.fromEntries(
        Object.entries(p.fileStorages ?? {}).map(([id, volumes]) => [id, { ok: true as const, volumes }]),
      ),
    },
    processes: p.processes ?? [],
    replicationCfg: files['/etc/pve/replication.cfg'],
    replicationState: files['/var/lib/pve-manager/pve-replication-state.json'],
  };
}

/** The classifier's input for a node (what the host would have read). */
export function volumeInput(n: Node): ClassifyVolumesInput {
  const rbd = n.rbd !== undefined;
  return buildVolumeInput({
    files: {
      '/etc/pve/storage.cfg': rbd
        ? `${STORAGE_CFG}\nrbd: ceph-vm\n\tpool vm-pool\n\tcontent images\n\tkrbd 1\n`
        : STORAGE_CFG,
      '/etc/pve/.members': MEMBERS,
      ...(n.tasks ? { '/var/log/pve/tasks/active': n.tasks } : {}),
      ...n.files,
    },
    zfs: ['rpool/data\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data', ...(n.zfs ?? [])],
    ...(rbd
      ? {
          rbd: { 'ceph-vm': { argv: [], code: n.rbdCode ?? 0, stdout: n.rbd ?? '', stderr: n.rbdStderr ?? '' } },
          rbdTrash: { 'ceph-vm': n.rbdTrash ?? '[]\n' },
        }
      : {}),
    ...(n.rbdStatus
      ? { rbdStatus: Object.fromEntries(Object.entries(n.rbdStatus).map(([image, out]) => [`ceph-vm/${image}`, out])) }
      : {}),
    ...(n.rbdDevices ? { rbdDevices: n.rbdDevices } : {}),
    fileStorages: { local: (n.local ?? []).map((f) => ({ sizeBytes: 1, usedBytes: 1, ...f })) },
    processes: n.processes,
    taskWorkers: n.taskWorkers,
  });
}

export function classify(n: Node): VolumeEntry[] {
  return classifyVolumes(volumeInput(n)).entries;
}

export function entry(es: VolumeEntry[], volid: string, snapshot?: string): VolumeEntry {
  const e = es.find((x) => x.volid === volid && x.snapshot === snapshot);
  assert.ok(e, `no entry ${volid}${snapshot ? `@${snapshot}` : ''} in ${es.map((x) => x.volid).join(' ')}`);
  return e;
}
