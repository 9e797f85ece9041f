// VMID reuse with the volumes part: a new guest created with a leftover's VMID inherits its LVs and its
// ZFS/RBD/file volumes alike (`qm disk rescan` attaches them), so the reuse part sums both per VMID.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withVolumeLeftovers } from '../../src/core/dm/vmid-reuse';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import type { VmidReuse } from '../../src/core/vocab/types';
import { renderDmText } from '../../src/render/text';
import { orphanVolume, volumeEntry, volumesPart } from '../fixtures/docs/volumes-part';
import { dmResult } from '../serve/sample';

const GiB = 1024 ** 3;
const LV_MSG =
  "the next guest created as 105 silently inherits leftover LV pve/vm-105-disk-1 (32.0 GiB): 'qm disk rescan' attaches them, destroying that guest deletes them";

function reuse(): VmidReuse {
  return {
    nextVmid: 105,
    upcoming: [106],
    collisions: [],
    leftovers: [
      {
        vmid: 105,
        volumes: [
          {
            name: 'pve-vm--105--disk--1',
            vg: 'pve',
            lv: 'vm-105-disk-1',
            storage: 'local-lvm',
            sizeBytes: 32 * GiB,
            reason: 'guest-missing',
          },
        ],
        count: 1,
        totalBytes: 32 * GiB,
      },
    ],
    messages: [LV_MSG],
  };
}

const volumes = () =>
  volumesPart({
    entries: [
      volumeEntry({ volid: 'local-zfs:vm-100-disk-0' }),
      orphanVolume(),
      orphanVolume({ volid: 'local-zfs:vm-106-disk-0', vmid: 106, sizeBytes: 8 * GiB, usedBytes: GiB }),
      orphanVolume({
        volid: 'ceph-vm:vm-900-disk-0',
        storage: 'ceph-vm',
        type: 'rbd',
        vmid: 900,
        sizeBytes: 100 * GiB,
      }),
    ],
  });

test('vmid reuse: per VMID the count and bytes of LVs and other volumes; next VMIDs get one sentence each', () => {
  const v = volumes();
  // The fixture's leftovers are hand-made; build them as the classifier does (guest-missing, per VMID).
  v.vmidLeftovers = [
    { vmid: 105, volids: ['local-zfs:vm-105-disk-0'], sizeBytes: 40 * GiB, usedBytes: 4 * GiB },
    { vmid: 106, volids: ['local-zfs:vm-106-disk-0'], sizeBytes: 8 * GiB, usedBytes: GiB },
    { vmid: 900, volids: ['ceph-vm:vm-900-disk-0'], sizeBytes: 100 * GiB, usedBytes: 4 * GiB },
  ];
  const before = reuse();
  const r = withVolumeLeftovers(before, v);
  assert.deepEqual(
    r.leftovers.map((l) => [
      l.vmid,
      l.count,
      l.totalBytes,
      l.volumes.length,
      (l.otherVolumes ?? []).map((o) => o.volid),
    ]),
    [
      [105, 2, 72 * GiB, 1, ['local-zfs:vm-105-disk-0']],
      [106, 1, 8 * GiB, 0, ['local-zfs:vm-106-disk-0']],
      [900, 1, 100 * GiB, 0, ['ceph-vm:vm-900-disk-0']],
    ],
  );
  assert.deepEqual(r.leftovers[1].otherVolumes, [
    { volid: 'local-zfs:vm-106-disk-0', storage: 'local-zfs', sizeBytes: 8 * GiB, usedBytes: GiB },
  ]);
  assert.deepEqual(r.messages, [
    "the next guest created as 105 silently inherits leftover LV pve/vm-105-disk-1 and volume local-zfs:vm-105-disk-0 (2 volumes, 72.0 GiB): 'qm disk rescan' attaches them, destroying that guest deletes them",
    "a later guest created as 106 silently inherits leftover volume local-zfs:vm-106-disk-0 (1 volume, 8.0 GiB): 'qm disk rescan' attaches them, destroying that guest deletes them",
  ]);
  // 900 is not among the next VMIDs: counted, no sentence. The input is left as it was.
  assert.deepEqual(before, reuse());
});

test('vmid reuse: "nothing collides" gives way to a volume leftover of the next VMID; no leftovers, no change', () => {
  const quiet: VmidReuse = {
    ...reuse(),
    leftovers: [],
    messages: ['the next VMID is 105; nothing on this node collides with it'],
  };
  const r = withVolumeLeftovers(quiet, volumesPart());
  assert.deepEqual(r.messages, [
    "the next guest created as 105 silently inherits leftover volume local-zfs:vm-105-disk-0 (1 volume, 40.0 GiB): 'qm disk rescan' attaches them, destroying that guest deletes them",
  ]);
  assert.equal(withVolumeLeftovers(quiet, volumesPart({ entries: [], error: 'x' })).messages.length, 1);
  const none = volumesPart();
  none.vmidLeftovers = [];
  assert.equal(withVolumeLeftovers(quiet, none), quiet);
});

test('the check document sums both; the console names the other VMIDs with their counts', () => {
  const dm = dmResult([], 0);
  dm.vmidReuse = { ...reuse(), nextVmid: 110, upcoming: [], messages: [] };
  const doc = buildCheckDocument({ node: 'pve1', now: new Date(0), dm, volumes: volumesPart() });
  assert.deepEqual(
    doc.dm!.vmidReuse.leftovers.map((l) => [l.vmid, l.count, l.totalBytes]),
    [[105, 2, 72 * GiB]],
  );
  assert.equal(dm.vmidReuse.leftovers[0].count, 1, 'the DM result itself is not changed');
  dm.vmidReuse.messages = ['the next VMID is 110; nothing on this node collides with it'];
  const text = renderDmText(buildCheckDocument({ node: 'pve1', now: new Date(0), dm, volumes: volumesPart() }).dm!, {
    color: false,
  });
  assert.match(text, /leftovers of unused VMIDs: 105 \(2 volumes, 72.0 GiB\)/);
});
