// Uses of a volume by the kernel's name for it (core/volumes/volume-usage.ts): a loop device bound to a
// file (/sys/block/loopN/loop/backing_file) keeps it open; a qcow2 overlay whose backing file is the path
// written absolute — `//`, `./`, `..`, on another storage, a zvol's /dev/zvol link — keeps its base. The
// same index holds a quarantined file from the purge. Each row has neighbours that must stay orphans: a
// loop or a backing file naming another file of the same name, a deleted file's loop, a zvol orphan while
// the loop devices could not be read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClassifyVolumesInput } from '../../src/core/volumes/classify-volumes';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { STORAGE_CFG, volumeInput, zvol } from '../helpers/volume-node';

const FILE = 'local:102/vm-102-disk-0.raw';
const PATH = '/var/lib/vz/images/102/vm-102-disk-0.raw';
const ZVOL = 'local-zfs:vm-150-disk-0';
const Q = 'pve-health-q.20261120T101010Z.102.vm-102-disk-0.raw';

type Raw = ClassifyVolumesInput['raw'];
interface Row {
  name: string;
  /** Files of `local` besides the leftover; `other`: a second dir storage at /mnt/other. */
  local?: { name: string; backing?: string }[];
  other?: { name: string; backing?: string }[];
  loops?: Raw['loops'];
  realPath?: string;
  volid?: string;
  want: { status: string; reason?: string; protectedBy: string[] };
}

function run(r: Pick<Row, 'local' | 'other' | 'loops' | 'realPath'>, leftover = '102/vm-102-disk-0.raw') {
  const input = volumeInput({
    files: { '/etc/pve/storage.cfg': `${STORAGE_CFG}\ndir: other\n\tpath /mnt/other\n\tcontent images\n` },
    zfs: [zvol('vm-150-disk-0')],
    local: [{ name: leftover }, ...(r.local ?? [])],
  });
  input.raw.zvolDevices = { 'rpool/data/vm-150-disk-0': 'zd64' };
  if (r.realPath) input.raw.files.local.realPath = r.realPath;
  input.raw.files.other = { ok: true, volumes: (r.other ?? []).map((f) => ({ sizeBytes: 1, usedBytes: 1, ...f })) };
  if (r.loops) input.raw.loops = r.loops;
  return classifyVolumes(input).entries;
}

const orphan = { status: 'orphan', reason: 'guest-missing', protectedBy: [] };
const loops = (path: string) => ({ backing: { loop3: path } });

describe('uses by path: loop devices and absolute qcow2 backing files', () => {
  const rows: Row[] = [
    { name: 'nothing uses it: an orphan', want: orphan },
    { name: 'a loop device bound to it', loops: loops(PATH), want: { ...orphan, protectedBy: ['loop-device'] } },
    {
      name: 'a loop device bound to it through the storage path a symlink leads to',
      realPath: '/data/vz',
      loops: loops('/data/vz/images/102/vm-102-disk-0.raw'),
      want: { ...orphan, protectedBy: ['loop-device'] },
    },
    { name: 'neighbour: a loop bound to the same name elsewhere', loops: loops(`/srv/other${PATH}`), want: orphan },
    { name: "neighbour: a deleted file's loop (d_path says so)", loops: loops(`${PATH} (deleted)`), want: orphan },
    {
      name: 'the loop devices could not be read: the file orphan is unknown',
      loops: { backing: {}, error: 'could not be read: /sys/block/loop0/loop/backing_file: EIO' },
      want: { status: 'unknown', reason: 'loops-unread', protectedBy: [] },
    },
    {
      name: 'neighbour: the loop devices unread leave a zvol orphan alone',
      volid: ZVOL,
      loops: { backing: {}, error: 'could not be read: EIO' },
      want: { status: 'orphan', reason: 'guest-missing', protectedBy: [] },
    },
    {
      name: 'the absolute backing file of an overlay',
      local: [{ name: '101/vm-101-disk-0.qcow2', backing: PATH }],
      want: { ...orphan, protectedBy: ['has-clones'] },
    },
    {
      name: 'the backing file spelled with //, ./ and ..',
      local: [{ name: '101/vm-101-disk-0.qcow2', backing: '/var/lib/vz//images/./103/../102/vm-102-disk-0.raw' }],
      want: { ...orphan, protectedBy: ['has-clones'] },
    },
    {
      name: 'the backing file of an overlay on another storage',
      other: [{ name: '101/vm-101-disk-0.qcow2', backing: PATH }],
      want: { ...orphan, protectedBy: ['has-clones'] },
    },
    {
      name: "a zvol as an overlay's backing file (/dev/zvol link)",
      volid: ZVOL,
      other: [{ name: '101/vm-101-disk-0.qcow2', backing: '/dev/zvol/rpool/data/vm-150-disk-0' }],
      want: { ...orphan, protectedBy: ['has-clones'] },
    },
    {
      name: 'neighbour: a backing file of the same name in another directory',
      local: [{ name: '101/vm-101-disk-0.qcow2', backing: '/var/lib/vz/images/103/vm-102-disk-0.raw' }],
      want: orphan,
    },
    {
      name: "neighbour: a relative backing file is the same storage's base rule, not this one",
      other: [{ name: '101/vm-101-disk-0.qcow2', backing: '../102/vm-102-disk-0.raw' }],
      want: orphan,
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const e = run(r).find((x) => x.volid === (r.volid ?? FILE) && x.snapshot === undefined);
      assert.ok(e);
      assert.deepEqual(
        { status: e.status, reason: e.reason, protectedBy: e.protectedBy },
        { reason: r.want.reason ?? e.reason, ...r.want },
        e.detail,
      );
      if (r.want.protectedBy.includes('loop-device')) assert.equal(e.open, true);
    });
  }
});

describe('a quarantined file is held by the same uses (the purge refuses it)', () => {
  const at = `/var/lib/vz/images/pve-health-quarantine/${Q}`;
  const rows: { name: string; r: Pick<Row, 'local' | 'other' | 'loops'>; heldBy?: string[] }[] = [
    { name: 'nothing holds it', r: {} },
    { name: 'a loop device bound to it since', r: { loops: loops(at) }, heldBy: ['loop:/dev/loop3'] },
    {
      name: 'an overlay naming its original path',
      r: { other: [{ name: '101/vm-101-disk-0.qcow2', backing: PATH }] },
      heldBy: ['backing-of:other:101/vm-101-disk-0.qcow2'],
    },
    {
      name: 'the loop devices could not be read',
      r: { loops: { backing: {}, error: 'could not be read: EIO' } },
      heldBy: ['loops-unread: the loop devices could not be read: EIO'],
    },
    { name: 'neighbour: a loop bound to the file it was renamed from elsewhere', r: { loops: loops(`/srv${PATH}`) } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const e = run(row.r, `pve-health-quarantine/${Q}`).find((x) => x.volid === FILE);
      assert.ok(e);
      assert.equal(e.status, 'ignored');
      assert.deepEqual(e.quarantine?.heldBy, row.heldBy);
    });
  }
});
