// A guest config naming a storage storage.cfg does not define (core/storage/storage-undefined.ts): a storage
// removed with `pvesm remove` while a guest still names it. A finding on that guest — critical when a drive
// it starts with is there (PVE::Storage::path dies "storage '<id>' does not exist"), a warning for lines the
// start does not use — and never UNKNOWN for the node. Beside it the states that are no such finding.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { classifyMounts } from '../../src/core/mounts/classify-mounts';
import { parseNode } from '../../src/core/node/node-view';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { mountLine, mountsRaw, probesOk } from '../helpers/mount-tables';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { volumeInput, zvol } from '../helpers/volume-node';

const node = (lines: string[], o: { type?: 'qemu' | 'lxc'; on?: string } = {}) =>
  new NodeBuilder('pve1')
    .cluster(['pve1', 'pve2'])
    .storage(LOCAL_LVM)
    .pool('pve')
    .guest(100, o.type ?? 'qemu', ['name: web', ...lines], o.on ?? 'pve1')
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' });

function findings(b: NodeBuilder) {
  const snap = b.build();
  // The pool's kernel status line, as the node prints it beside (the thin-pool rules read it).
  snap.commands['dmsetup.status'] = {
    argv: [],
    code: 0,
    stdout: 'pve-data-tpool: 0 209715200 thin-pool 1 112/1024 0/1024 - rw discard_passdown queue_if_no_space - 256\n',
    stderr: '',
  };
  const r = analyzeNode(parseNode(snap), {});
  return { r, found: (r.storage ?? []).filter((f) => f.kind === 'guest-storage-undefined') };
}

describe('a guest names a storage storage.cfg does not define', () => {
  const rows: [string, NodeBuilder, 'critical' | 'warning' | null][] = [
    ['a VM disk on it', node(['scsi0: local-lvm:vm-100-disk-0', 'scsi1: gone:vm-100-disk-1,size=8G']), 'critical'],
    // qemu-server get_iso_path resolves an ISO through PVE::Storage::path as well: the start dies on it.
    [
      'a CD-ROM ISO on it',
      node(['scsi0: local-lvm:vm-100-disk-0', 'ide2: isos:iso/debian.iso,media=cdrom']),
      'critical',
    ],
    [
      'a CT mount point on it',
      node(['rootfs: local-lvm:vm-100-disk-0', 'mp0: gone:vm-100-disk-1,mp=/srv'], { type: 'lxc' }),
      'critical',
    ],
    ['only an unused disk on it', node(['scsi0: local-lvm:vm-100-disk-0', 'unused0: gone:vm-100-disk-1']), 'warning'],
    // unusedN runs to unused255 (qemu-server MAX_UNUSED_DISKS): two digits are no drive either.
    ['only unused10 on it', node(['scsi0: local-lvm:vm-100-disk-0', 'unused10: gone:vm-100-disk-1']), 'warning'],
    [
      'only a snapshot section names it',
      node(['parent: s1', 'scsi0: local-lvm:vm-100-disk-0', '', '[s1]', 'scsi0: gone:vm-100-disk-0', 'snaptime: 1']),
      'warning',
    ],
    // Neighbours: the same lines on storages that exist, and a guest that lives on another node.
    [
      'its disks on local-lvm and local (defined even when storage.cfg lacks it)',
      node(['scsi0: local-lvm:vm-100-disk-0', 'ide2: local:iso/x.iso,media=cdrom']),
      null,
    ],
    ['a guest of another node (that node says it)', node(['scsi1: gone:vm-100-disk-1'], { on: 'pve2' }), null],
    ['a disk by path', node(['scsi0: local-lvm:vm-100-disk-0', 'scsi1: /dev/disk/by-id/ata-X']), null],
  ];
  for (const [what, b, severity] of rows)
    test(`${what}: ${severity ?? 'no finding'}`, () => {
      const { r, found } = findings(b);
      assert.deepEqual(
        found.map((f) => f.severity),
        severity ? [severity] : [],
      );
      // Never UNKNOWN: the state is PVE's own; the part grades it.
      assert.deepEqual(r.unchecked ?? [], []);
      // Every storage finding is one (nothing else slips into the list).
      assert.ok((r.storage ?? []).every((f) => typeof f.kind === 'string' && typeof f.id === 'string'));
      assert.notEqual(r.status, 3);
      if (severity === 'critical') assert.equal(r.status, 2);
    });

  test('the finding names the guest, the lines and the storage, with a step that settles it', () => {
    const { found } = findings(node(['scsi0: local-lvm:vm-100-disk-0', 'scsi1: gone:vm-100-disk-1,size=8G']));
    const [f] = found;
    assert.equal(f.id, 'storage-undefined:100');
    assert.equal(f.title, "VM 100 (web) names storage 'gone' that storage.cfg does not define");
    assert.match(f.detail, /^scsi1: gone:vm-100-disk-1\. .*the guest will not start/);
    assert.deepEqual(f.subject, { vmid: 100, storage: 'gone' });
    assert.ok(f.fix.includes('qm config 100'));
  });
});

// The volumes part: a leftover a config may reach through a removed storage is protected with the reason
// (volume-guards.ts), never UNKNOWN; beside it the same leftover with no such line keeps its steps.
describe('volumes: a leftover reachable through a removed storage is protected', () => {
  const conf = (body: string) => ({ '/etc/pve/nodes/pve1/qemu-server/100.conf': body });
  const zfs = [zvol('vm-100-disk-0'), zvol('vm-100-disk-2')];
  const rows: [string, string, boolean][] = [
    [
      'its guest names a disk on a removed storage',
      'scsi0: local-zfs:vm-100-disk-0\nscsi1: gone:vm-100-disk-1\n',
      true,
    ],
    [
      'its guest names it by name through a removed storage',
      'scsi0: local-zfs:vm-100-disk-0\nscsi1: gone:vm-100-disk-2\n',
      true,
    ],
    [
      'its guest has only a CD-ROM on a removed storage',
      'scsi0: local-zfs:vm-100-disk-0\nide2: isos:iso/x.iso,media=cdrom\n',
      false,
    ],
    ['its guest names only defined storages', 'scsi0: local-zfs:vm-100-disk-0\n', false],
  ];
  for (const [what, body, guarded] of rows)
    test(`${what}: ${guarded ? 'protected' : 'an orphan with its steps'}`, () => {
      const r = classifyVolumes(volumeInput({ files: conf(body), zfs }));
      const e = r.entries.find((x) => x.volid === 'local-zfs:vm-100-disk-2');
      assert.ok(e);
      assert.equal(e.status, 'orphan');
      assert.deepEqual(e.protectedBy, guarded ? ['storage-undefined'] : []);
      assert.equal(e.steps === undefined, guarded, e.detail);
      assert.equal(/does not define/.test(e.detail), guarded, e.detail);
      assert.notEqual(r.status, 3);
    });
});

// The mounts part: a network mount at /mnt/pve/<id> for a storage storage.cfg no longer defines is a
// removed storage's mount that stayed (`leftover`, a warning with the checks before `umount`), never
// UNKNOWN; the same mount of a defined storage is an ordinary storage mount.
describe('mounts: a removed storage whose network mount stayed', () => {
  const NAS = 'nfs: nas\n\tserver 10.0.0.5\n\texport /srv/pve\n\tpath /mnt/pve/nas\n\tcontent images\n';
  const host = `${mountLine('253:1', '/', '/', 'ext4', '/dev/mapper/pve-root')}\n${mountLine('0:53', '/', '/mnt/pve/nas', 'nfs4', '10.0.0.5:/srv/pve')}\n`;
  const run = (cfg: string) =>
    classifyMounts(mountsRaw(cfg, { hostMountinfo: host, probes: probesOk('0:53', '253:1') }), {});
  test('storage.cfg without it: leftover, a warning, unmount after the checks', () => {
    const r = run('dir: local\n\tpath /var/lib/vz\n');
    const m = r.entries.find((e) => e.target === '/mnt/pve/nas');
    assert.ok(m);
    assert.deepEqual([m.status, m.reason, m.severity, m.storage], ['leftover', 'storage-removed', 1, 'nas']);
    assert.deepEqual(
      m.steps?.map((s) => s.command?.join(' ')),
      ['fuser -vm /mnt/pve/nas', 'grep -rlF -- /mnt/pve/nas /etc/pve/nodes', 'umount /mnt/pve/nas'],
    );
    assert.equal(r.status, 1);
    assert.equal(r.summary.leftover, 1);
  });
  test('storage.cfg with it: an ordinary storage mount', () => {
    const r = run(`dir: local\n\tpath /var/lib/vz\n\n${NAS}`);
    const m = r.entries.find((e) => e.target === '/mnt/pve/nas');
    assert.deepEqual([m?.status, m?.reason], ['ok', null]);
    assert.equal(r.status, 0);
  });
});

// The finding word for word (storage-undefined.ts): one storage or several, a VM with a name or a CT
// without, a line of a snapshot section, the start blocked or not.
describe('the storage-undefined finding: its words and its steps', () => {
  const one = (type: 'qemu' | 'lxc', lines: string[]) =>
    findings(
      new NodeBuilder('pve1')
        .cluster(['pve1', 'pve2'])
        .storage(LOCAL_LVM)
        .pool('pve')
        .guest(100, type, lines)
        .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' }),
    ).found;
  test('a named VM, two removed storages, a snapshot line: critical', () => {
    const found = one('qemu', [
      'name: web',
      'parent: s1',
      'scsi0: local-lvm:vm-100-disk-0',
      'scsi1: zeta:vm-100-disk-1,size=8G',
      '',
      '[s1]',
      'scsi2: alpha:vm-100-disk-2',
      'snaptime: 1',
    ]);
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f.severity, 'critical');
    assert.equal(f.title, "VM 100 (web) names storages 'alpha', 'zeta' that storage.cfg does not define");
    const lines = f.detail.slice(0, f.detail.indexOf('. PVE'));
    assert.deepEqual(lines.split('; ').sort(), [
      'scsi1: zeta:vm-100-disk-1',
      'scsi2 [snapshot:s1]: alpha:vm-100-disk-2',
    ]);
    assert.ok(
      f.detail.endsWith(
        `. PVE resolves every drive it starts with through its storage ("storage 'alpha' does not exist"): the guest will not start. The storage was removed from /etc/pve/storage.cfg while the guest still had volumes on it; its volumes are kept and protected wherever they could be reached through it.`,
      ),
      f.detail,
    );
    assert.deepEqual(f.fix, [
      '# if the storage still exists, add it back with the settings it had (pvesm add <type> alpha …); else detach the lines',
      'qm config 100',
      'pvesm status',
    ]);
    assert.deepEqual(f.subject, { vmid: 100, storage: 'alpha' });
  });
  test('a CT without a name, only an unused line: a warning', () => {
    const found = one('lxc', ['rootfs: local-lvm:vm-100-disk-0', 'unused0: gone:vm-100-disk-1']);
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f.severity, 'warning');
    assert.equal(f.title, "CT 100 names storage 'gone' that storage.cfg does not define");
    assert.equal(
      f.detail,
      'unused0: gone:vm-100-disk-1. No drive the guest starts with is on it, but the lines cannot be used (a rollback or the pending change fails). The storage was removed from /etc/pve/storage.cfg while the guest still had volumes on it; its volumes are kept and protected wherever they could be reached through it.',
    );
    assert.deepEqual(f.fix, [
      '# if the storage still exists, add it back with the settings it had (pvesm add <type> gone …); else detach the line',
      'pct config 100',
      'pvesm status',
    ]);
  });
});

// By name, from another guest: VM 300's config names `gone:vm-100-disk-2` (a disk it was given by hand, on a
// storage since removed) while VM 100 names only defined storages. The volume name alone ties it to VM 300's
// line (danglingReason byName, read with the volume's name, not its volid); a name VM 300 does not use stays
// an orphan with its steps.
describe('volumes: another guest names the leftover through a removed storage', () => {
  const files = (line: string) => ({
    '/etc/pve/nodes/pve1/qemu-server/100.conf': 'scsi0: local-zfs:vm-100-disk-0\n',
    '/etc/pve/nodes/pve1/qemu-server/300.conf': `scsi0: local-zfs:vm-300-disk-0\n${line}\n`,
  });
  const zfs = [zvol('vm-100-disk-0'), zvol('vm-100-disk-2'), zvol('vm-300-disk-0')];
  const rows: [string, string, string[], RegExp | null][] = [
    [
      'VM 300 names it',
      'scsi1: gone:vm-100-disk-2',
      ['storage-undefined'],
      /; but VM 300 scsi1 \(gone:vm-100-disk-2\) names it through a storage storage\.cfg does not define: settle it with pvesm status and the guest's config$/,
    ],
    ['VM 300 names another volume there', 'scsi1: gone:vm-100-disk-3', [], null],
  ];
  for (const [what, line, by, detail] of rows)
    test(`${what}: ${by.length ? 'protected' : 'an orphan with its steps'}`, () => {
      const e = classifyVolumes(volumeInput({ files: files(line), zfs })).entries.find(
        (x) => x.volid === 'local-zfs:vm-100-disk-2',
      );
      assert.ok(e);
      assert.equal(e.status, 'orphan', e.detail);
      assert.deepEqual(e.protectedBy, by, e.detail);
      if (detail) assert.match(e.detail, detail);
      else assert.doesNotMatch(e.detail, /does not define/);
      assert.equal(e.steps === undefined, by.length > 0, e.detail);
    });
});
