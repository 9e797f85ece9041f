// The re-check right before each step after the first (core/reclaim/recheck-step.ts), from a fresh look
// made as the volumes part makes it: while the volume has its original name the plan made again decides;
// once a ZFS or RBD rename step has run, the volume must still be in quarantine, no volume may have taken
// its original name, and no guest config may name it — else the run stops there with the reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planReclaim, type ReclaimInput } from '../../src/core/reclaim/plan-reclaim';
import { recheckStep } from '../../src/core/reclaim/recheck-step';
import type { ReclaimAction } from '../../src/core/reclaim/reclaim-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { type Node, volumeInput, zvol } from '../helpers/volume-node';

const NOW = new Date('2026-11-26T00:13:46.000Z');
const ZQ = 'pve-health-q.20261126T001346Z.vm-190-disk-0';
const RQ = 'pve-health-q.20261126T001346Z.vm-195-disk-0';
const QPARENT = 'rpool/data/pve-health-quarantine\tfilesystem\t-\t1\t1\t0\t-\tnone';
const conf190 = { '/etc/pve/nodes/pve1/qemu-server/190.conf': 'scsi0: local-zfs:vm-190-disk-0,size=32M\n' };
const conf195 = { '/etc/pve/nodes/pve1/qemu-server/195.conf': 'scsi0: ceph-vm:vm-195-disk-0,size=16M\n' };
const img = (image: string) => ({ image, id: `id${image}`, size: 16777216, format: 2 });

/** The plan for `volid` (selected by name) and the cluster files of a look at node `n`. */
function look(n: Node, volid: string) {
  const ci = volumeInput(n);
  const input: ReclaimInput = {
    node: 'pve1',
    now: NOW,
    retentionDays: 7,
    storages: ci.pve.storageConfig,
    dm: [],
    lvs: [],
    volumes: classifyVolumes(ci),
    nodeRefusals: [],
    namedElsewhere: new Map(),
    commands: {
      rbd: (st) => ['rbd', '-p', st.props.pool ?? 'rbd'],
      moveFile: () => ['mv'],
      removeFile: () => ['rm'],
      removeTree: () => ['rm', '-r'],
      removeSubvolume: () => ['btrfs', 'subvolume', 'delete'],
    },
  };
  return { plan: planReclaim(input, { names: [volid] }), pve: ci.pve };
}

const zfsBefore: Node = { zfs: [zvol('vm-190-disk-0')] };
const zfsRenamed: Node = { zfs: [QPARENT, zvol(`pve-health-quarantine/${ZQ}`)] };
// `rbd status`: no client watches it (else it is protected, never planned).
const rbdBefore: Node = {
  rbd: JSON.stringify([img('vm-195-disk-0')]),
  rbdStatus: { 'vm-195-disk-0': '{"watchers":[]}' },
};
const rbdRenamed: Node = { rbd: JSON.stringify([img(RQ)]), rbdStatus: { [RQ]: '{"watchers":[]}' } };

function planned(n: Node, volid: string): ReclaimAction {
  const a = look(n, volid).plan.actions[0];
  assert.ok(a, `no action for ${volid}`);
  return a;
}

describe('recheckStep', () => {
  const zfs = planned(zfsBefore, 'local-zfs:vm-190-disk-0');
  const rbd = planned(rbdBefore, 'ceph-vm:vm-195-disk-0');
  it('the plans are the ones the rows assume', () => {
    assert.deepEqual(
      zfs.steps.map((s) => s.op),
      ['zfs-create-parent', 'zfs-rename', 'zfs-readonly'],
    );
    assert.equal(zfs.quarantine, ZQ);
    assert.deepEqual(
      rbd.steps.map((s) => s.op),
      ['rbd-rename', 'rbd-trash-move'],
    );
  });
  const rows: { name: string; a: ReclaimAction; done: number; node: Node; want: string[] | RegExp }[] = [
    {
      name: 'ZFS, before the rename, nothing changed: the plan again (the parent step repeats harmlessly)',
      a: zfs,
      done: 1,
      node: { zfs: [QPARENT, zvol('vm-190-disk-0')] },
      want: ['zfs-create-parent', 'zfs-rename', 'zfs-readonly'],
    },
    {
      name: 'ZFS, before the rename, a config names it now: stops with the refusal',
      a: zfs,
      done: 1,
      node: { zfs: [QPARENT, zvol('vm-190-disk-0')], files: conf190 },
      want: /^valid: in use: VM 190 scsi0/,
    },
    {
      name: 'ZFS, after the rename, nothing changed: read-only is what is left',
      a: zfs,
      done: 2,
      node: zfsRenamed,
      want: ['zfs-readonly'],
    },
    {
      name: 'ZFS, after the rename, a config names the volume now: stops, naming the guest',
      a: zfs,
      done: 2,
      node: { ...zfsRenamed, files: conf190 },
      want: /^a config names local-zfs:vm-190-disk-0 now: VM 190 scsi0$/,
    },
    {
      name: 'ZFS, after the rename, a new volume took the original name: stops',
      a: zfs,
      done: 2,
      node: { zfs: [QPARENT, zvol(`pve-health-quarantine/${ZQ}`), zvol('vm-190-disk-0')] },
      want: /a volume named vm-190-disk-0 is on local-zfs again/,
    },
    {
      name: 'ZFS, after the rename, the quarantined dataset is gone: stops',
      a: zfs,
      done: 2,
      node: { zfs: [QPARENT] },
      want: new RegExp(`${ZQ.replace(/\./g, '\\.')} is no longer found in quarantine`),
    },
    {
      name: 'RBD, after the rename, nothing changed: the trash move is what is left',
      a: rbd,
      done: 1,
      node: rbdRenamed,
      want: ['rbd-trash-move'],
    },
    {
      name: 'RBD, after the rename, a config names the image now: stops, naming the guest',
      a: rbd,
      done: 1,
      node: { ...rbdRenamed, files: conf195 },
      want: /^a config names ceph-vm:vm-195-disk-0 now: VM 195 scsi0$/,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const got = recheckStep(r.a, r.done, look(r.node, r.a.volid));
      if (r.want instanceof RegExp) {
        assert.ok('why' in got, `expected a stop, got ${JSON.stringify(got)}`);
        assert.match(got.why, r.want);
      } else {
        assert.ok('action' in got, `expected to go on, got ${JSON.stringify(got)}`);
        assert.deepEqual(
          got.action.steps.map((s) => s.op),
          r.want,
        );
      }
    });
});
