// The missing-disk rule on file storages (volume-unlisted.ts namedMissing): a dir, NFS, CIFS or btrfs
// storage of this node whose `images` directory was listed whole lacks a file a config names: `pvesm free`
// by hand, a destroy cut short — the guest will not start (Plugin.pm path gives `<path>/images/<vmid>/<file>`,
// qemu/lxc cannot open it). As on ZFS and RBD: critical for a drive it starts with, a warning for an unused
// line. Beside each the legitimate states it must not report: a listing that failed (the storage is
// UNKNOWN, naming that read), a storage not on this node (`nodes`) or disabled, a guest of another node on
// a local dir, an ISO or no medium in a cdrom drive, a template base and its linked clone that are there,
// a symlinked image the lister does not read as a volume, a guest whose destroy is freeing its disks, a
// volume-chain file holding the current image, a line naming another storage ID on the same path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileVolume, VolumeEntry, VolumesRaw } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { volumeSeverity } from '../../src/core/volumes/volume-summary';
import { buildVolumeInput } from '../helpers/volume-node';

const CFG = `dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,images,rootdir

dir: old
\tpath /var/lib/vz
\tcontent images
\tdisable

nfs: share
\texport /srv/pve
\tpath /mnt/pve/share
\tserver 192.0.2.60
\tcontent images

cifs: smb
\tpath /mnt/pve/smb
\tserver 192.0.2.61
\tshare pve
\tcontent images

dir: pve2-only
\tpath /srv/pve2
\tcontent images
\tnodes pve2

btrfs: local-btrfs
\tpath /var/lib/pve/local-btrfs
\tcontent images,rootdir
`;

const MEMBERS = `{"nodename": "pve1", "version": 4, "cluster": {"name": "lab", "version": 2, "nodes": 2, "quorate": 1},
"nodelist": {"pve1": {"id": 1, "online": 1, "ip": "192.0.2.1"}, "pve2": {"id": 2, "online": 1, "ip": "192.0.2.2"}}}
`;

const file = (name: string, more: Partial<FileVolume> = {}): FileVolume => ({
  name,
  sizeBytes: 8589934592,
  usedBytes: 262144,
  ...more,
});
const vm = (node: string, vmid: number, body: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: body,
});

type Listing = VolumesRaw['files'][string];

function part(configs: Record<string, string>, listings: Record<string, FileVolume[] | Partial<Listing>> = {}) {
  const input = buildVolumeInput({
    files: { '/etc/pve/storage.cfg': CFG, '/etc/pve/.members': MEMBERS, ...configs },
    fileStorages: Object.fromEntries(
      ['local', 'share', 'smb', 'local-btrfs'].map((id) => {
        const l = listings[id];
        return [id, Array.isArray(l) ? l : (l?.volumes ?? [])];
      }),
    ),
  });
  for (const [id, l] of Object.entries(listings))
    if (!Array.isArray(l)) input.raw.files[id] = { ...input.raw.files[id], ...l };
  return classifyVolumes(input);
}

const missing = (es: VolumeEntry[]) =>
  es.filter((e) => e.reason === 'missing-referenced').map((e) => [e.volid, e.references?.[0], volumeSeverity(e)]);

describe('a file a config names that a file storage listed whole lacks', () => {
  it("the guest's missing disk: critical for a drive it starts with, a warning for an unused line, on every file type", () => {
    const r = part({
      ...vm(
        'pve1',
        100,
        [
          'scsi0: local:100/vm-100-disk-0.qcow2,size=8G',
          'scsi1: share:100/vm-100-disk-1.raw,size=8G',
          'scsi2: smb:100/vm-100-disk-2.vmdk,size=8G',
          'scsi3: local-btrfs:100/vm-100-disk-3.raw,size=8G',
          'unused0: local:100/vm-100-disk-4.raw',
          '',
        ].join('\n'),
      ),
      '/etc/pve/nodes/pve1/lxc/300.conf': 'rootfs: local:300/subvol-300-disk-0.subvol,size=8G\n',
    });
    assert.deepEqual(missing(r.entries), [
      ['local:100/vm-100-disk-0.qcow2', 'VM 100 scsi0', 2],
      ['local:100/vm-100-disk-4.raw', 'VM 100 unused0', 1],
      ['local:300/subvol-300-disk-0.subvol', 'CT 300 rootfs', 2],
      ['share:100/vm-100-disk-1.raw', 'VM 100 scsi1', 2],
      ['smb:100/vm-100-disk-2.vmdk', 'VM 100 scsi2', 2],
      ['local-btrfs:100/vm-100-disk-3.raw', 'VM 100 scsi3', 2],
    ]);
    const e = r.entries.find((x) => x.volid === 'local:100/vm-100-disk-0.qcow2');
    assert.equal(
      e?.detail,
      'VM 100 scsi0 names local:100/vm-100-disk-0.qcow2, which storage local does not have (/var/lib/vz/images was listed whole): the guest will not start',
    );
    assert.deepEqual(
      [e?.status, e?.type, e?.steps?.map((s) => [s.kind, s.command?.join(' '), s.irreversible])],
      ['valid', 'dir', [['step', 'qm config 100', false]]],
    );
    assert.deepEqual(
      r.storages.map((s) => [s.storage, s.status]),
      [
        ['local', 'ok'],
        ['share', 'ok'],
        ['smb', 'ok'],
        ['local-btrfs', 'ok'],
      ],
    );
    assert.equal(r.status, 2);
  });

  it('neighbours: every listed file, an ISO, no medium, a base and its linked clone, a raw disk on btrfs', () => {
    const r = part(
      {
        ...vm(
          'pve1',
          100,
          [
            'template: 1',
            'scsi0: local:100/base-100-disk-0.raw,size=8G',
            'ide2: local:iso/debian-12.iso,media=cdrom',
            'ide3: none,media=cdrom',
            '',
          ].join('\n'),
        ),
        ...vm(
          'pve1',
          101,
          [
            'scsi0: local:100/base-100-disk-0.raw/101/vm-101-disk-0.qcow2,size=8G',
            'scsi1: local-btrfs:101/vm-101-disk-1.raw,size=8G',
            'scsi2: share:101/vm-101-disk-2.qcow2,size=8G',
            '',
          ].join('\n'),
        ),
      },
      {
        local: [
          file('100/base-100-disk-0.raw'),
          file('101/vm-101-disk-0.qcow2', { backing: '../100/base-100-disk-0.raw' }),
        ],
        'local-btrfs': [file('101/vm-101-disk-1.raw', { rawDir: true })],
        share: [file('101/vm-101-disk-2.qcow2')],
      },
    );
    assert.deepEqual(missing(r.entries), []);
    assert.equal(r.status, 0);
  });

  it('a shared storage: a guest of another node names a file the share lacks (its disk too); a local dir: not this one', () => {
    const r = part(
      {
        ...vm(
          'pve2',
          200,
          [
            'scsi0: share:200/vm-200-disk-0.qcow2,size=8G',
            'scsi1: share:200/vm-200-disk-1.qcow2,size=8G',
            'scsi2: local:200/vm-200-disk-2.raw,size=8G',
            'scsi3: pve2-only:200/vm-200-disk-3.raw,size=8G',
            '',
          ].join('\n'),
        ),
      },
      { share: [file('200/vm-200-disk-0.qcow2')] },
    );
    assert.deepEqual(missing(r.entries), [['share:200/vm-200-disk-1.qcow2', 'VM 200 scsi1', 2]]);
    const e = r.entries.find((x) => x.reason === 'missing-referenced');
    assert.deepEqual(
      [e?.guestNode, e?.steps?.[0].text],
      ['pve2', "restore the disk from a backup, or detach the line from VM 200's config (on pve2); see it"],
    );
  });

  it('never missing: a listing that failed, a storage disabled or of another node, a line naming a disabled alias', () => {
    const r = part(
      {
        ...vm(
          'pve1',
          100,
          [
            'scsi0: share:100/vm-100-disk-0.qcow2,size=8G',
            'scsi1: pve2-only:100/vm-100-disk-1.raw,size=8G',
            'scsi2: old:100/vm-100-disk-2.raw,size=8G',
            '',
          ].join('\n'),
        ),
      },
      { share: { ok: false, error: '/mnt/pve/share is not mounted', volumes: [] } },
    );
    assert.deepEqual(missing(r.entries), []);
    const share = r.storages.find((s) => s.storage === 'share');
    assert.deepEqual([share?.status, share?.error], ['unknown', '/mnt/pve/share is not mounted']);
    // Neither the disabled `old` nor `pve2-only` is a storage of this node: not listed, nothing judged.
    assert.ok(!r.storages.some((s) => s.storage === 'old' || s.storage === 'pve2-only'));
  });

  it("never missing: a symlinked image (the lister's other names), a destroy freeing it, a volume-chain file holding it, a cloud-init drive", () => {
    const r = part(
      {
        ...vm('pve1', 100, 'scsi0: local:100/vm-100-disk-0.raw,size=8G\n'),
        ...vm('pve1', 102, 'scsi0: local:102/vm-102-disk-0.raw,size=8G\nlock: destroyed\n'),
        // qemu-server Cloudinit.pm commit_cloudinit_disk allocates a missing cloud-init drive at start.
        ...vm('pve1', 103, 'ide2: local:103/vm-103-cloudinit.qcow2,media=cdrom\n'),
        ...vm('pve1', 613, 'scsi0: local:613/vm-613-disk-0.qcow2,size=8G\n'),
      },
      { local: { volumes: [file('613/snap-weekly-vm-613-disk-0.qcow2')], others: ['100/vm-100-disk-0.raw'] } },
    );
    assert.deepEqual(missing(r.entries), []);
    assert.deepEqual(
      r.entries.map((e) => [e.volid, e.reason]),
      [['local:613/snap-weekly-vm-613-disk-0.qcow2', 'chain-current']],
    );
  });

  it('an images directory that does not exist on this node: missing, and the words say why it may be', () => {
    const r = part(
      { ...vm('pve1', 100, 'scsi0: smb:100/vm-100-disk-0.raw,size=8G\n') },
      { smb: { volumes: [], noImagesDir: true } },
    );
    assert.deepEqual(
      r.entries.map((e) => e.detail),
      [
        'VM 100 scsi0 names smb:100/vm-100-disk-0.raw, which storage smb does not have (/mnt/pve/smb/images does not exist on this node (the storage was never activated here, or what should be mounted at its path is not)): the guest will not start',
      ],
    );
  });
});
