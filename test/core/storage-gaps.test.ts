// storage.cfg believed only when nothing on the node contradicts it (core/node/storage-gaps.ts, docs/reports.md
// "Never fail open"): a file with lines SectionConfig skips, a section without a property its plugin
// requires, a file defining no storage while guest configs name storages, guest-volume LVs while no LVM storage
// is left, a network filesystem mounted for a storage the file lost. Each rule with its neighbours: the
// states PVE itself writes that look like a loss and are not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GuestRecord } from '../../src/core/node/guest-record';
import {
  mountsInputGap,
  removedStorageMount,
  storageConfigGap,
  unclaimedGuestLvs,
} from '../../src/core/node/storage-gaps';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { LOCAL_LVM } from '../helpers/node-builder';
import { lv } from '../helpers/node-view';

const LOCAL = 'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n';

function guests(...configs: [number, string][]): Map<number, GuestRecord> {
  return new Map(
    configs.map(([vmid, text]) => [
      vmid,
      { vmid, type: 'qemu', node: 'pve1', config: parseGuestConfig(text, 'qemu', vmid) },
    ]),
  );
}
function gap(text: string | undefined, g = guests()): string | null {
  return storageConfigGap(text, parseStorageConfig(text ?? ''), g);
}

describe('storage.cfg read whole or not at all', () => {
  test('missing or unreadable: said so', () =>
    assert.equal(gap(undefined), '/etc/pve/storage.cfg is missing or unreadable'));

  // SectionConfig.pm write_config ends every line with a newline; pmxcfs replaces the file whole.
  test('a text that ends inside a line: cut short (the same text ending in its newline is believed)', () => {
    assert.equal(gap(LOCAL_LVM.slice(0, -3)), '/etc/pve/storage.cfg ends inside a line: it was cut short');
    assert.equal(gap(LOCAL_LVM), null);
  });

  test('the file as PVE writes it (comments, blank lines, a value-less boolean) is believed', () =>
    assert.equal(
      gap(
        `# storages\n${LOCAL}\n${LOCAL_LVM}\nnfs: nas\n\tserver 10.0.0.5\n\texport /srv\n\tpath /mnt/pve/nas\n\tdisable\n`,
      ),
      null,
    ));

  test('lines SectionConfig would skip: each named (the first three, cut at 40 characters), and how many more', () => {
    const junk = ['<html>', '502 Bad Gateway from the proxy in front of this cluster', '</html>', '}{', 'x y'];
    const why = gap(`${LOCAL}\n${junk.join('\n')}\n`) ?? '';
    assert.match(why, /^\/etc\/pve\/storage\.cfg has lines that are not storage definitions \(/);
    assert.ok(why.includes(`'<html>', '502 Bad Gateway from the proxy in front ', '</html>', … 2 more)`), why);
    assert.match(why, /it was not read completely$/);
  });

  test('exactly three bad lines: all three named, no "more"', () => {
    const why = gap(`${LOCAL}\n<a>\n<b>\n<c>\n`) ?? '';
    assert.ok(why.includes(`('<a>', '<b>', '<c>'):`), why);
  });

  test('junk is named before what it cut: a torn file with an incomplete section says it has junk', () =>
    assert.match(gap(`lvmthin: local-lvm\n\tthinpool data\n<html>\n`) ?? '', /lines that are not storage definitions/));
});

// pve-storage plugins' required properties (LVMPlugin `vgname`, LvmThinPlugin `thinpool`+`vgname`,
// ZFSPoolPlugin `pool`, DirPlugin/BTRFSPlugin `path`, NFSPlugin `server`+`export`, CIFSPlugin
// `server`+`share`): `optional => 0`, no default, so a section without one is a file cut inside it.
describe('a section without a property its plugin requires is a file cut inside it', () => {
  const WHOLE: [string, string][] = [
    ['lvm', 'lvm: big\n\tvgname data\n'],
    ['lvmthin', 'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n'],
    ['zfspool', 'zfspool: local-zfs\n\tpool rpool/data\n'],
    ['dir', 'dir: store\n\tpath /srv/store\n'],
    ['btrfs', 'btrfs: local-btrfs\n\tpath /var/lib/pve/local-btrfs\n'],
    ['nfs', 'nfs: nas\n\tserver 10.0.0.5\n\texport /srv/pve\n'],
    ['cifs', 'cifs: smb\n\tserver 10.0.0.6\n\tshare pve\n'],
  ];
  for (const [type, section] of WHOLE) {
    test(`${type} whole: believed`, () => assert.equal(gap(`${LOCAL}\n${section}`), null));
    const [header, ...props] = section.trimEnd().split('\n');
    for (const prop of props) {
      const name = prop.trim().split(' ')[0];
      const id = header.split(': ')[1];
      test(`${type} without ${name}: "${type} ${id} has no ${name}"`, () => {
        const cut = `${header}\n${props.filter((p) => p !== prop).join('\n')}\n`;
        assert.equal(
          gap(`${LOCAL}\n${cut}`),
          `/etc/pve/storage.cfg is incomplete (${type} ${id} has no ${name}): it was not read completely`,
        );
      });
    }
  }

  test('types whose properties have defaults (rbd pool, pbs, iscsi) are not judged', () =>
    assert.equal(
      gap(`${LOCAL}\nrbd: ceph\n\tcontent images\n\npbs: backup\n\tdatastore main\n\niscsi: san\n\tportal 10.0.0.9\n`),
      null,
    ));

  test('several sections cut: the first three named, and how many more', () =>
    assert.equal(
      gap('lvm: a1\n\tshared 1\n\nlvm: a2\n\tshared 1\n\nlvm: a3\n\tshared 1\n\nlvm: a4\n\tshared 1\n'),
      '/etc/pve/storage.cfg is incomplete (lvm a1 has no vgname, lvm a2 has no vgname, lvm a3 has no vgname, … 1 more): it was not read completely',
    ));
});

// A guest config naming a storage the file does not define: a storage removed with `pvesm remove` while a
// guest still names it is a state PVE leaves — a finding on that guest (storage/storage-undefined.ts), not
// a gap. Only a file that defines no storage at all beside guests naming storages was not read whole
// (pve-storage Plugin.pm parse_config adds `local` when the file lacks it, so `local` is always defined).
describe('storages a guest config names that the file does not define', () => {
  test('a VM on a storage the file lacks, beside storages it defines: believed (a removed storage)', () =>
    assert.equal(gap(LOCAL_LVM, guests([101, 'scsi0: fast:vm-101-disk-0,size=8G\n'])), null));

  test('a file that defines no storage at all while a VM names one: not read whole, the storage and the guest named', () =>
    assert.equal(
      gap('', guests([101, 'scsi0: fast:vm-101-disk-0,size=8G\n'])),
      '/etc/pve/storage.cfg defines no storage, yet guest configs name fast (guest 101): it was not read whole',
    ));

  test('many guests on it: two named, and how many more', () =>
    assert.match(
      gap(
        '# nothing\n',
        guests(
          [101, 'scsi0: fast:vm-101-disk-0\n'],
          [102, 'scsi0: fast:vm-102-disk-0\n'],
          [103, 'scsi0: fast:vm-103-disk-0\n'],
        ),
      ) ?? '',
      /name fast \(guest 101, 102, … 1 more\): it was not read whole$/,
    ));

  test('a guest on local while the file has no local section: believed (PVE adds local)', () =>
    assert.equal(
      gap(LOCAL_LVM, guests([101, 'ide2: local:iso/debian.iso,media=cdrom\nscsi0: local-lvm:vm-101-disk-0\n'])),
      null,
    ));

  test('an empty file and guests only on local: believed', () =>
    assert.equal(gap('', guests([101, 'scsi0: local:101/vm-101-disk-0.qcow2\n'])), null));

  test('an empty file and a storage named only in a section PVE drops (a snapshot section written twice): believed', () =>
    assert.equal(
      gap(
        '',
        guests([
          101,
          'parent: s1\nscsi0: local:101/vm-101-disk-0.qcow2\n\n[s1]\nscsi0: old:vm-101-disk-0\nsnaptime: 1\n\n[s1]\nscsi0: local:101/vm-101-disk-0.qcow2\nsnaptime: 2\n',
        ]),
      ),
      null,
    ));

  test('an empty file and the same storage in a snapshot section that counts: not read whole', () =>
    assert.match(
      gap('', guests([101, 'parent: s1\nscsi0: local:101/x.qcow2\n\n[s1]\nscsi0: old:vm-101-disk-0\nsnaptime: 1\n'])) ??
        '',
      /name old \(guest 101\)/,
    ));

  test('a guest whose config could not be read names nothing here', () => {
    const g = guests([101, 'scsi0: fast:vm-101-disk-0\n']);
    g.set(102, { vmid: 102, type: 'qemu', node: 'pve1', config: null, configError: 'EIO' });
    g.delete(101);
    assert.equal(gap('', g), null);
  });
});

// The survivor: "no LVM storage claims these VGs". A storage.cfg that lost every LVM storage
// would make guest LVs `not-pve-storage` and their orphans vanish (LVMPlugin.pm parse_volname:
// `(vm|base)-<vmid>-…` is a guest volume's name).
describe('guest-volume LVs while storage.cfg defines no LVM storage', () => {
  const storages = (text: string) => parseStorageConfig(text);
  test('lvs not read: this rule says nothing (the LVM part says why)', () =>
    assert.equal(unclaimedGuestLvs(null, storages(LOCAL)), null));
  test('guest LVs and no LVM storage: the LVs named', () =>
    assert.equal(
      unclaimedGuestLvs([lv('pve', 'root'), lv('pve', 'vm-100-disk-0'), lv('pve', 'base-900-disk-0')], storages(LOCAL)),
      'LVs named like guest volumes sit on VGs no storage in /etc/pve/storage.cfg claims (pve/vm-100-disk-0, pve/base-900-disk-0): storage.cfg was not read completely',
    ));
  test('an lvm storage (thick) is left: believed', () =>
    assert.equal(
      unclaimedGuestLvs([lv('pve', 'vm-100-disk-0')], storages(`${LOCAL}\nlvm: big\n\tvgname big\n`)),
      null,
    ));
  test("an lvmthin storage on another VG is left: a guest-named LV on VG pve is the admin's, believed", () =>
    assert.equal(
      unclaimedGuestLvs(
        [lv('pve', 'vm-100-disk-0')],
        storages(`${LOCAL}\n${LOCAL_LVM.replace('vgname pve', 'vgname other')}`),
      ),
      null,
    ));
  test('only LVs not named like guest volumes (root, swap, data): a node that never had LVM storage', () =>
    assert.equal(unclaimedGuestLvs([lv('pve', 'root'), lv('pve', 'swap'), lv('pve', 'data')], storages(LOCAL)), null));
  test('a raid1 guest LV: the LV named, not its hidden images', () => {
    const why = unclaimedGuestLvs(
      [
        lv('pve', 'vm-100-disk-0'),
        lv('pve', 'vm-100-disk-0_rimage_0', { hidden: true }),
        lv('pve', 'vm-100-disk-0_rmeta_0', { hidden: true }),
      ],
      storages(LOCAL),
    );
    assert.match(why ?? '', /claims \(pve\/vm-100-disk-0\):/);
  });
});

const ROOT = '21 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw';
const mount = (id: number, target: string, fstype: string, source: string) =>
  `${id} 21 0:${id} / ${target} rw,relatime shared:${id} - ${fstype} ${source} rw`;
const table = (...lines: string[]) => `${lines.join('\n')}\n`;
const NAS = 'nfs: nas\n\tserver 10.0.0.5\n\texport /srv/pve\n\tpath /mnt/pve/nas\n';

describe('mountsInputGap: what the mounts part reads, checked the same way', () => {
  const raw = (
    cfg: string | null,
    host: string,
    containers: { ctid: number; pid: number; mountinfo: string | null; alive?: boolean }[] = [],
  ) => ({
    storageCfg: cfg,
    hostMountinfo: host,
    containers,
  });

  test('storage.cfg missing: said so (the mounts a storage needs are not known)', () =>
    assert.equal(mountsInputGap(raw(null, table(ROOT))), '/etc/pve/storage.cfg is missing or unreadable'));

  test('a storage.cfg with junk: said so', () =>
    assert.match(mountsInputGap(raw(`${LOCAL}<html>\n`, table(ROOT))) ?? '', /not storage definitions/));

  test("a defined NFS storage's mount: believed", () =>
    assert.equal(
      mountsInputGap(raw(`${LOCAL}\n${NAS}`, table(ROOT, mount(40, '/mnt/pve/nas', 'nfs4', '10.0.0.5:/srv/pve')))),
      null,
    ));

  // NFSPlugin/CIFSPlugin/CephFSPlugin mount a storage at /mnt/pve/<storage> (Plugin.pm path default);
  // `pvesm remove` unmounts nothing (API2/Storage/Config.pm delete: only on_delete_hook, which for CIFS
  // drops the credentials): a removed storage's mount stays. A state PVE leaves, not a gap — the mounts
  // part reports it as a `leftover` mount (test/core/storage-undefined.test.ts).
  for (const [fstype, source] of [
    ['nfs', '10.0.0.5:/srv/pve'],
    ['nfs4', '10.0.0.5:/srv/pve'],
    ['cifs', '//10.0.0.6/pve'],
    ['smb3', '//10.0.0.6/pve'],
    ['ceph', '10.0.0.7:6789:/'],
    ['fuse.glusterfs', '10.0.0.8:gv0'],
  ])
    test(`${fstype} mounted at /mnt/pve/<a storage the file lacks>: no gap (a removed storage's mount)`, () => {
      const host = table(ROOT, mount(40, '/mnt/pve/nas', fstype, source), mount(41, '/mnt/pve/old', fstype, source));
      assert.equal(mountsInputGap(raw(LOCAL, host)), null);
      const ids = new Set(['local']);
      assert.equal(removedStorageMount({ target: '/mnt/pve/nas', fstype }, ids), 'nas');
      // Neighbours: the same mount while storage.cfg defines it; a local filesystem there; one below it.
      assert.equal(removedStorageMount({ target: '/mnt/pve/nas', fstype }, new Set(['nas'])), null);
      assert.equal(removedStorageMount({ target: '/mnt/pve/nas', fstype: 'ext4' }, ids), null);
      assert.equal(removedStorageMount({ target: '/mnt/pve/nas/sub', fstype }, ids), null);
    });

  // pve-manager API2/Disks/Directory.pm create: a disk formatted and mounted at /mnt/pve/<name> by a
  // systemd mount unit, the storage added only with `add_storage`: a local mount there without a storage is the admin's.
  test('a local filesystem at /mnt/pve/<name> without a storage (Disks > Directory, no storage added): believed', () =>
    assert.equal(mountsInputGap(raw(LOCAL, table(ROOT, mount(40, '/mnt/pve/usb', 'ext4', '/dev/sdb1')))), null));

  test('an NFS share the admin mounted elsewhere (/srv/media, fstab): not a storage, believed', () =>
    assert.equal(mountsInputGap(raw(LOCAL, table(ROOT, mount(40, '/srv/media', 'nfs', '10.0.0.5:/media')))), null));

  test('an NFS share mounted below a storage mount point is not a storage mount point', () =>
    assert.equal(
      mountsInputGap(
        raw(
          `${LOCAL}\n${NAS}`,
          table(
            ROOT,
            mount(40, '/mnt/pve/nas', 'nfs', '10.0.0.5:/srv/pve'),
            mount(41, '/mnt/pve/media/archive', 'nfs', '10.0.0.5:/a'),
          ),
        ),
      ),
      null,
    ));

  test('a copy of the tree (mount --rbind /mnt /srv/mnt) is not a storage mount point: only /mnt/pve/<id> is', () =>
    assert.equal(
      mountsInputGap(
        raw(
          `${LOCAL}\n${NAS}`,
          table(ROOT, mount(40, '/mnt/pve/nas', 'nfs', 'a:/b'), mount(41, '/srv/mnt/pve/old', 'nfs', 'a:/c')),
        ),
      ),
      null,
    ));

  test('the second container of two cut: named (the first whole does not hide it)', () =>
    assert.match(
      mountsInputGap(
        raw(LOCAL, table(ROOT), [
          { ctid: 105, pid: 4242, mountinfo: table(ROOT), alive: true },
          { ctid: 106, pid: 4343, mountinfo: table(ROOT).slice(0, -5), alive: true },
        ]),
      ) ?? '',
      /mount table of CT 106 \(\/proc\/4343\/mountinfo\) ends inside a line/,
    ));

  test('a running container whose table was read: believed', () =>
    assert.equal(
      mountsInputGap(raw(LOCAL, table(ROOT), [{ ctid: 105, pid: 4242, mountinfo: table(ROOT), alive: true }])),
      null,
    ));

  test('a storage.cfg gap is said before a lost mount', () =>
    assert.match(
      mountsInputGap(raw(`${LOCAL}<x>\n`, table(ROOT, mount(40, '/mnt/pve/nas', 'nfs', 'a:/b')))) ?? '',
      /not storage definitions/,
    ));
});
