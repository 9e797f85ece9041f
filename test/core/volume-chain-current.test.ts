// A PVE 9 volume-chain file that is a guest's current image (volumes/volume-chain-current.ts): on a file
// storage with `snapshot-as-volume-chain`, Plugin.pm volume_snapshot renames `<vmid>/<vol>` to
// `<vmid>/snap-<snap>-<vol>` (rename_snapshot, get_snap_name) before it allocates the new top; when that
// and the rename back fail, the file the config names is gone and its data sits under the snapshot's name.
// It is the guest's disk (valid, critical, PVE's rename back offered), never an ignored name or an orphan;
// each row beside its legitimate neighbours: a finished chain snapshot, a chain file nothing names, a
// config of another node naming a local volume, a running guest, a snapshot name with '-'.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileVolume, VolumeEntry } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { buildVolumeInput } from '../helpers/volume-node';

const CFG = `dir: local
\tpath /var/lib/vz
\tcontent images
\tsnapshot-as-volume-chain 1

nfs: nfs-chain
\texport /srv/pve
\tpath /mnt/pve/nfs-chain
\tserver 192.0.2.60
\tcontent images
\tsnapshot-as-volume-chain 1
`;

const MEMBERS = `{"nodename": "pve1", "version": 4, "cluster": {"name": "lab", "version": 2, "nodes": 2, "quorate": 1},
"nodelist": {"pve1": {"id": 1, "online": 1, "ip": "192.0.2.1"}, "pve2": {"id": 2, "online": 1, "ip": "192.0.2.2"}}}
`;

function classify(configs: Record<string, string>, files: { local?: FileVolume[]; nfs?: FileVolume[] }, running = '') {
  return classifyVolumes(
    buildVolumeInput({
      files: { '/etc/pve/storage.cfg': CFG, '/etc/pve/.members': MEMBERS, ...configs },
      fileStorages: { local: files.local ?? [], 'nfs-chain': files.nfs ?? [] },
      processes: running
        ? [{ pid: 4242, ppid: 1, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', running, '-name', 'chain'] }]
        : [],
    }),
  );
}

const file = (name: string): FileVolume => ({ name, sizeBytes: 8589934592, usedBytes: 262144 });
const VM613 = {
  '/etc/pve/nodes/pve1/qemu-server/613.conf': 'name: chain\nscsi0: local:613/vm-613-disk-0.qcow2,size=8G\n',
};
const SNAP = '613/snap-weekly-vm-613-disk-0.qcow2';
const PATH = `/var/lib/vz/images/${SNAP}`;

function one(es: VolumeEntry[], volid: string): VolumeEntry {
  const e = es.find((x) => x.volid === volid && x.snapshot === undefined);
  assert.ok(e, `no entry ${volid}: ${es.map((x) => x.volid).join(' ')}`);
  return e;
}

describe('a volume-chain file that is the current image after a failed rename', () => {
  it("the config's volume is gone: the guest's disk (valid, critical), with the look and PVE's rename back", () => {
    const r = classify(VM613, { local: [file(SNAP)] });
    const e = one(r.entries, `local:${SNAP}`);
    assert.deepEqual(
      [e.status, e.reason, e.vmid, e.format, e.guestNode, e.references],
      ['valid', 'chain-current', 613, 'qcow2', 'pve1', ['VM 613 scsi0']],
    );
    assert.equal(
      e.detail,
      `volume-chain file ${SNAP} is no snapshot of a volume in its directory, and local:613/vm-613-disk-0.qcow2, which VM 613 scsi0 names, does not exist: snapshot 'weekly' did not finish its rename (Plugin.pm volume_snapshot renames the current image to this name first, then allocates a new 613/vm-613-disk-0.qcow2) and left the current image under this name; the guest will not start until it is renamed back, never remove it`,
    );
    assert.deepEqual(
      e.steps?.map((s) => [s.kind, s.text, s.command, s.irreversible]),
      [
        ['step', 'look at its backing chain first', ['qemu-img', 'info', '--backing-chain', PATH], false],
        [
          'step',
          'rename it back (what volume_snapshot does when the snapshot fails: rename_snapshot)',
          ['mv', '-n', '--', PATH, '/var/lib/vz/images/613/vm-613-disk-0.qcow2'],
          false,
        ],
      ],
    );
    assert.equal(r.status, 2, 'a guest that cannot start is critical');
  });

  it('a snapshot name with dashes: the split the config names wins', () => {
    const name = '613/snap-pre-up-2-vm-613-disk-0.qcow2';
    const e = one(classify(VM613, { local: [file(name)] }).entries, `local:${name}`);
    assert.deepEqual([e.status, e.reason, e.references], ['valid', 'chain-current', ['VM 613 scsi0']]);
    assert.match(
      e.detail,
      /local:613\/vm-613-disk-0\.qcow2, which VM 613 scsi0 names, does not exist: snapshot 'pre-up-2' did/,
    );
  });

  it('on a shared storage a config of another node names it too', () => {
    const conf = { '/etc/pve/nodes/pve2/qemu-server/613.conf': 'scsi0: nfs-chain:613/vm-613-disk-0.qcow2,size=8G\n' };
    const e = one(classify(conf, { nfs: [file(SNAP)] }).entries, `nfs-chain:${SNAP}`);
    assert.deepEqual([e.status, e.reason, e.guestNode], ['valid', 'chain-current', 'pve2']);
    assert.deepEqual(e.steps?.[1].command, [
      'mv',
      '-n',
      '--',
      `/mnt/pve/nfs-chain/images/${SNAP}`,
      '/mnt/pve/nfs-chain/images/613/vm-613-disk-0.qcow2',
    ]);
  });

  it('its guest runs: still critical, no rename offered while it is protected', () => {
    const r = classify(VM613, { local: [file(SNAP)] }, '613');
    const e = one(r.entries, `local:${SNAP}`);
    assert.deepEqual([e.status, e.reason, e.protectedBy], ['valid', 'chain-current', ['guest-running']]);
    assert.equal(e.steps, undefined);
    assert.equal(r.status, 2);
  });

  it('neighbour: a finished chain snapshot beside its volume is a snapshot of that volume', () => {
    const conf = {
      '/etc/pve/nodes/pve1/qemu-server/613.conf':
        'name: chain\nparent: weekly\nscsi0: local:613/vm-613-disk-0.qcow2,size=8G\n\n[weekly]\nscsi0: local:613/vm-613-disk-0.qcow2,size=8G\nsnaptime: 1700000000\n',
    };
    const r = classify(conf, { local: [file('613/vm-613-disk-0.qcow2'), file(SNAP)] });
    assert.ok(!r.entries.some((e) => e.reason === 'chain-current'), JSON.stringify(r.entries));
    assert.equal(one(r.entries, 'local:613/vm-613-disk-0.qcow2').status, 'valid');
    assert.equal(r.status, 0);
  });

  it('neighbour: a chain file whose volume no config names stays an ignored name', () => {
    const conf = { '/etc/pve/nodes/pve1/qemu-server/613.conf': 'scsi0: local:613/vm-613-disk-1.qcow2,size=8G\n' };
    const e = one(classify(conf, { local: [file(SNAP)] }).entries, `local:${SNAP}`);
    assert.deepEqual([e.status, e.reason, e.vmid], ['ignored', 'not-guest-volume', null]);
  });

  it('neighbour: on a shared storage, a chain file whose volume no config of the cluster names stays ignored', () => {
    const e = one(classify({}, { nfs: [file(SNAP)] }).entries, `nfs-chain:${SNAP}`);
    assert.deepEqual([e.status, e.reason, e.vmid], ['ignored', 'not-guest-volume', null]);
  });

  // Not files PVE makes (a copy's partial file, a snapshot without a name): never taken for the current
  // image, whose way back would rename them onto the volume's name.
  for (const name of ['613/snap-weekly-vm-613-disk-0.qcow2.part', '613/snap--vm-613-disk-0.qcow2'])
    it(`neighbour: ${name} beside the missing volume stays an ignored name`, () => {
      const e = one(classify(VM613, { local: [file(name)] }).entries, `local:${name}`);
      assert.deepEqual([e.status, e.reason, e.vmid, e.steps], ['ignored', 'not-guest-volume', null, undefined]);
    });

  it("neighbour: a config of another node naming a local storage's volume names its own node's file", () => {
    const conf = { '/etc/pve/nodes/pve2/qemu-server/613.conf': 'scsi0: local:613/vm-613-disk-0.qcow2,size=8G\n' };
    const e = one(classify(conf, { local: [file(SNAP)] }).entries, `local:${SNAP}`);
    assert.deepEqual([e.status, e.reason], ['ignored', 'not-guest-volume']);
  });
});
