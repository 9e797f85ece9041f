// /etc/pve/storage.cfg (facts §2): SectionConfig grammar (pve-common SectionConfig.pm:1252-1262, 1435,
// 1480, 1485; Plugin.pm:456-468), LVM options (LVMPlugin.pm:415-465, LvmThinPlugin.pm:39-58).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lvmStorages, parseStorageConfig, storagesOnNode } from '../../src/core/parse/storage-config';
import { haveCorpus, readCorpus } from '../helpers/pve-corpus';

// As Proxmox writes it (tab-indented, a blank line after each section); the last three sections as in
// the fakenode tricky-names scenario (storage IDs differ from VG names).
const CFG = `# comment at the top
dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images

lvm: ssd-ha01
\tvgname ssd-ha01
\tcontent images,rootdir
\tnodes pve1,pve2
\tshared 1
\tsaferemove 0
\ttagged_only 1

lvm: fast
\tvgname nvme
\tcontent images
\tsaferemove 1
\tsnapshot-as-volume-chain 1

lvmthin: thin_store-2
\tthinpool tp-1
\tvgname vg_data-2
\tcontent images,rootdir

nfs: backup-nfs
\texport /srv/backup
\tpath /mnt/pve/backup-nfs
\tserver 10.0.0.9
\tcontent backup
\tdisable

rbd: ceph
\tpool rbd
\tcontent images
`;

test('parseStorageConfig: sections, properties, value-less booleans, shared and disabled', () => {
  const all = parseStorageConfig(CFG);
  assert.deepEqual(
    all.map((s) => [s.type, s.id, s.shared, s.disabled, s.nodes]),
    [
      ['dir', 'local', false, false, null],
      ['lvmthin', 'local-lvm', false, false, null],
      ['lvm', 'ssd-ha01', true, false, ['pve1', 'pve2']],
      ['lvm', 'fast', false, false, null],
      ['lvmthin', 'thin_store-2', false, false, null],
      // nfs and rbd are shared by type (Plugin.pm @SHARED_STORAGE); `disable` without value = 1
      ['nfs', 'backup-nfs', true, true, null],
      ['rbd', 'ceph', true, false, null],
    ],
  );
  assert.deepEqual(all[0].props, { path: '/var/lib/vz', content: 'iso,vztmpl,backup' });
  assert.equal(all[5].props.disable, '1');
  assert.equal(all[2].props.tagged_only, '1');
});

test('parseStorageConfig: shared types of pve-storage', () => {
  for (const [type, shared] of [
    ['nfs', true],
    ['cifs', true],
    ['rbd', true],
    ['cephfs', true],
    ['iscsi', true],
    ['iscsidirect', true],
    ['zfs', true],
    ['drbd', true],
    ['pbs', true],
    ['glusterfs', true],
    ['dir', false],
    ['lvm', false],
    ['lvmthin', false],
    ['zfspool', false],
    ['btrfs', false],
  ] as const) {
    assert.equal(parseStorageConfig(`${type}: s1\n\tcontent images\n`)[0].shared, shared, type);
  }
});

test('parseStorageConfig: grammar corners', () => {
  const cases: { name: string; text: string; want: [string, string, Record<string, string>][] }[] = [
    {
      name: 'type lower-cased, spaces around',
      text: 'LVMThin:   data2  \n   thinpool  data \n  vgname pve\n',
      want: [['lvmthin', 'data2', { thinpool: 'data', vgname: 'pve' }]],
    },
    {
      name: 'CRLF',
      text: 'lvm: a\r\n\tvgname vg1\r\n\r\nlvm: b\r\n\tvgname vg2\r\n',
      want: [
        ['lvm', 'a', { vgname: 'vg1' }],
        ['lvm', 'b', { vgname: 'vg2' }],
      ],
    },
    {
      name: '# inside a section does not end it',
      text: 'lvm: a\n# note\n\tvgname vg1\n',
      want: [['lvm', 'a', { vgname: 'vg1' }]],
    },
    {
      name: 'a blank line ends the section: a property after it belongs to nothing',
      text: 'lvm: a\n\tvgname vg1\n\n\tshared 1\n',
      want: [['lvm', 'a', { vgname: 'vg1' }]],
    },
    {
      name: 'a whitespace-only line ends it too',
      text: 'lvm: a\n\tvgname vg1\n \t \n\tshared 1\n',
      want: [['lvm', 'a', { vgname: 'vg1' }]],
    },
    {
      name: 'value with spaces, trailing space',
      text: 'cifs: c\n\tsubdir /a b/c  \n',
      want: [['cifs', 'c', { subdir: '/a b/c' }]],
    },
    { name: 'empty file', text: '', want: [] },
  ];
  for (const c of cases) {
    assert.deepEqual(
      parseStorageConfig(c.text).map((s) => [s.type, s.id, s.props]),
      c.want,
      c.name,
    );
  }
});

test('lvmStorages: storage ID ↔ VG/thin pool; only lvm and lvmthin with a vgname', () => {
  assert.deepEqual(lvmStorages(parseStorageConfig(CFG)), [
    {
      id: 'local-lvm',
      type: 'lvmthin',
      vg: 'pve',
      thinpool: 'data',
      shared: false,
      taggedOnly: false,
      volumeChain: false,
      nodes: null,
      disabled: false,
    },
    {
      id: 'ssd-ha01',
      type: 'lvm',
      vg: 'ssd-ha01',
      thinpool: null,
      shared: true,
      taggedOnly: true,
      volumeChain: false,
      nodes: ['pve1', 'pve2'],
      disabled: false,
    },
    {
      id: 'fast',
      type: 'lvm',
      vg: 'nvme',
      thinpool: null,
      shared: false,
      taggedOnly: false,
      volumeChain: true,
      nodes: null,
      disabled: false,
    },
    {
      id: 'thin_store-2',
      type: 'lvmthin',
      vg: 'vg_data-2',
      thinpool: 'tp-1',
      shared: false,
      taggedOnly: false,
      volumeChain: false,
      nodes: null,
      disabled: false,
    },
  ]);
  // lvmthin has no `shared` option (LvmThinPlugin.pm:39-58); an lvm section without vgname is no LVM storage
  const odd = lvmStorages(
    parseStorageConfig('lvmthin: t\n\tvgname pve\n\tthinpool data\n\tshared 1\n\nlvm: novg\n\tcontent images\n'),
  );
  assert.deepEqual(
    odd.map((s) => [s.id, s.shared]),
    [['t', false]],
  );
  // two storage IDs on one VG (aliases) are both listed
  const alias = lvmStorages(parseStorageConfig('lvm: a\n\tvgname vg1\n\nlvm: b\n\tvgname vg1\n\tshared 1\n'));
  assert.deepEqual(
    alias.map((s) => [s.id, s.vg, s.shared]),
    [
      ['a', 'vg1', false],
      ['b', 'vg1', true],
    ],
  );
});

test('storagesOnNode: nodes= restriction and disable', () => {
  const all = parseStorageConfig(
    `${CFG}\nlvm: only3\n\tvgname v3\n\tnodes pve3\n\nlvm: off\n\tvgname v4\n\tdisable 1\n`,
  );
  const ids = (node: string) => storagesOnNode(all, node).map((s) => s.id);
  assert.deepEqual(ids('pve1'), ['local', 'local-lvm', 'ssd-ha01', 'fast', 'thin_store-2', 'ceph']);
  assert.deepEqual(ids('pve3'), ['local', 'local-lvm', 'fast', 'thin_store-2', 'ceph', 'only3']);
});

test('corpus: pve-container snapshot-input/storage.cfg (two-space indentation, maxfiles)', (t) => {
  if (!haveCorpus(t, 'proxmox+pve-container', 'src', 'test', 'snapshot-input', 'storage.cfg')) return;
  const all = parseStorageConfig(readCorpus('proxmox+pve-container', 'src', 'test', 'snapshot-input', 'storage.cfg'));
  assert.deepEqual(
    all.map((s) => [s.type, s.id, s.props]),
    [['dir', 'local', { path: '/tmp/storage/', maxfiles: '0', content: 'vztmpl,rootdir,iso,images' }]],
  );
  assert.deepEqual(lvmStorages(all), []);
});
