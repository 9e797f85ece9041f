// A config naming an LVM / LVM-thin volume that lvs does not list (dm/dm-missing.ts): the guest's missing
// disk on the DM side, valid/missing-referenced, critical when the guest starts with it (qm start fails:
// LVMPlugin.pm path is /dev/<vg>/<name>), a warning for an unusedN or snapshot line — as the volumes part
// says it for a zvol or RBD image. Beside it the states PVE leaves that are not a missing disk: an LV of an
// inactive storage or a VG not activated yet (lvs lists it), a VG lvs/vgs do not show, a [PENDING] line, a
// guest whose operation frees it, a local storage's volume named on another node, the base of a clone, the
// current image a failed volume-chain rename left under a snapshot's name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { entrySeverity } from '../../src/core/dm/dm-summary';
import { isDmFinding } from '../../src/core/findings/findings';
import { parseNode } from '../../src/core/node/node-view';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

const SAN = `${LOCAL_LVM}
lvm: san
	vgname san
	shared 1
	content images,rootdir
`;
const THICK = `${LOCAL_LVM}
lvm: thick
	vgname thick
	content images,rootdir
`;

type Setup = (b: NodeBuilder) => void;

function run(cfg: string, setup: Setup) {
  const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(cfg).pool('pve');
  setup(b);
  const r = analyzeNode(parseNode(b.build()), {});
  assert.ok(
    r.entries.every((e) => typeof e.reason === 'string'),
    'entries only',
  );
  return { r, missing: r.entries.filter((e) => e.reason === 'missing-referenced') };
}

describe('an LVM volume a config names that lvs does not list', () => {
  const rows: {
    name: string;
    cfg?: string;
    setup: Setup;
    want: { volume: string; severity: number; cmd: string }[];
  }[] = [
    {
      name: 'LVM-thin: a VM starts with it',
      setup: (b) => b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']),
      want: [{ volume: 'local-lvm:vm-100-disk-0', severity: 2, cmd: 'qm config 100' }],
    },
    {
      name: 'LVM-thin: a container rootfs',
      setup: (b) => b.guest(200, 'lxc', ['rootfs: local-lvm:vm-200-disk-0,size=8G']),
      want: [{ volume: 'local-lvm:vm-200-disk-0', severity: 2, cmd: 'pct config 200' }],
    },
    {
      // qemu-server Cloudinit.pm commit_cloudinit_disk allocates a missing cloud-init drive at start.
      name: 'a cloud-init drive that is gone: nothing (the start makes it again); a disk beside it that is gone: critical',
      setup: (b) =>
        b.guest(100, 'qemu', [
          'ide2: local-lvm:vm-100-cloudinit,media=cdrom',
          'scsi0: local-lvm:vm-100-disk-0,size=8G',
        ]),
      want: [{ volume: 'local-lvm:vm-100-disk-0', severity: 2, cmd: 'qm config 100' }],
    },
    {
      name: 'only an unusedN line names it: a warning',
      setup: (b) => {
        b.lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' });
        b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G', 'unused0: local-lvm:vm-100-disk-1']);
      },
      want: [{ volume: 'local-lvm:vm-100-disk-1', severity: 1, cmd: 'qm config 100' }],
    },
    {
      name: 'only a snapshot section names it: a warning',
      setup: (b) => {
        b.lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' });
        b.guest(100, 'qemu', [
          'scsi0: local-lvm:vm-100-disk-0,size=8G',
          '',
          '[s1]',
          'scsi0: local-lvm:vm-100-disk-0,size=8G',
          'vmstate: local-lvm:vm-100-state-s1',
          'snaptime: 1',
        ]);
      },
      want: [{ volume: 'local-lvm:vm-100-state-s1', severity: 1, cmd: 'qm config 100' }],
    },
    {
      name: 'thick LVM, a VG whose other LVs are all inactive',
      cfg: THICK,
      setup: (b) => {
        b.lv({ vg: 'thick', lv: 'vm-101-disk-0', active: false });
        b.guest(101, 'qemu', ['scsi0: thick:vm-101-disk-0,size=8G', 'scsi1: thick:vm-101-disk-1,size=8G']);
      },
      want: [{ volume: 'thick:vm-101-disk-1', severity: 2, cmd: 'qm config 101' }],
    },
    {
      name: 'shared LVM: the config of a guest on another node names it',
      cfg: SAN,
      setup: (b) => {
        b.vgId('san');
        b.guest(300, 'qemu', ['scsi0: san:vm-300-disk-0,size=8G'], 'pve2');
      },
      want: [{ volume: 'san:vm-300-disk-0', severity: 2, cmd: 'qm config 300' }],
    },
    {
      name: 'unused10 names it: a warning',
      setup: (b) => b.guest(100, 'qemu', ['unused10: local-lvm:vm-100-disk-10']),
      want: [{ volume: 'local-lvm:vm-100-disk-10', severity: 1, cmd: 'qm config 100' }],
    },
    {
      name: "a linked clone whose own LV is gone (its base is there): the clone's volume ID",
      setup: (b) => {
        b.lv({ vg: 'pve', lv: 'base-100-disk-0', pool: 'data' });
        b.guest(101, 'qemu', ['scsi0: local-lvm:base-100-disk-0/vm-101-disk-0,size=8G']);
      },
      want: [{ volume: 'local-lvm:base-100-disk-0/vm-101-disk-0', severity: 2, cmd: 'qm config 101' }],
    },
    {
      name: 'two storages on one VG: only the storage the line names says it',
      cfg: `${LOCAL_LVM}\nlvm: pve-thick\n\tvgname pve\n\tcontent images\n`,
      setup: (b) => b.guest(100, 'qemu', ['scsi0: pve-thick:vm-100-disk-3,size=8G']),
      want: [{ volume: 'pve-thick:vm-100-disk-3', severity: 2, cmd: 'qm config 100' }],
    },
    {
      name: "another guest's task does not explain this guest's missing disk",
      setup: (b) => {
        b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
        b.task('qmdestroy', '101');
      },
      want: [{ volume: 'local-lvm:vm-100-disk-0', severity: 2, cmd: 'qm config 100' }],
    },
    // Neighbours: no missing disk.
    {
      name: 'an inactive LV of a VG not activated yet (PVE activates on start): lvs lists it',
      cfg: THICK,
      setup: (b) => {
        b.lv({ vg: 'thick', lv: 'vm-101-disk-0', active: false });
        b.guest(101, 'qemu', ['scsi0: thick:vm-101-disk-0,size=8G']);
      },
      want: [],
    },
    {
      name: 'an inactive thin LV of a disabled storage',
      cfg: LOCAL_LVM.replace('thinpool data', 'thinpool data\n\tdisable 1'),
      setup: (b) => {
        b.lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data', active: false });
        b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
      },
      want: [],
    },
    {
      name: 'a VG lvs and vgs do not show at all (its disk is absent): not "the LV is gone"',
      cfg: THICK,
      setup: (b) => b.guest(101, 'qemu', ['scsi0: thick:vm-101-disk-0,size=8G']),
      want: [],
    },
    {
      name: 'only a [PENDING] line names it',
      setup: (b) => b.guest(100, 'qemu', ['', '[PENDING]', 'scsi1: local-lvm:vm-100-disk-1,size=8G']),
      want: [],
    },
    {
      name: 'a destroy runs (lock: destroyed): PVE frees the disks before the config',
      setup: (b) => b.guest(100, 'qemu', ['lock: destroyed', 'scsi0: local-lvm:vm-100-disk-0,size=8G']),
      want: [],
    },
    {
      name: 'a task of the guest runs (qmdestroy): PVE frees the disks before the config',
      setup: (b) => {
        b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
        b.task('qmdestroy', '100');
      },
      want: [],
    },
    {
      name: "local storage: another node's config names its own node's volume",
      setup: (b) => b.guest(300, 'qemu', ['scsi0: local-lvm:vm-300-disk-0,size=8G'], 'pve2'),
      want: [],
    },
    {
      name: 'a linked clone whose base LV is gone: the clone starts from its own LV',
      setup: (b) => {
        b.lv({ vg: 'pve', lv: 'vm-101-disk-0', pool: 'data' });
        b.guest(101, 'qemu', ['scsi0: local-lvm:base-100-disk-0/vm-101-disk-0,size=8G']);
      },
      want: [],
    },
    {
      name: 'a storage of another node only',
      cfg: `${LOCAL_LVM}\nlvm: far\n\tvgname far\n\tnodes pve2\n\tcontent images\n`,
      setup: (b) => {
        b.vgId('far');
        b.guest(100, 'qemu', ['scsi0: far:vm-100-disk-0,size=8G']);
      },
      want: [],
    },
  ];
  for (const row of rows)
    test(row.name, () => {
      const { r, missing } = run(row.cfg ?? LOCAL_LVM, row.setup);
      assert.deepEqual(
        missing.map((e) => ({
          volume: e.volume,
          severity: entrySeverity(e),
          cmd: e.steps?.map((s) => s.command?.join(' ')).join(';'),
        })),
        row.want,
      );
      for (const e of missing) {
        assert.equal(e.status, 'valid');
        assert.equal(e.kind, 'lv');
        assert.equal(e.action, null);
        assert.ok(isDmFinding(e));
        assert.match(e.detail, /names \S+, which storage \S+ does not have \(lvs lists no LV /);
        assert.doesNotMatch(e.detail, /\(\+/, 'one line names it');
        assert.ok(
          entrySeverity(e) === 2 ? e.detail.endsWith('whole): the guest will not start') : e.detail.endsWith('whole)'),
          e.detail,
        );
        const who = e.guestType === 'lxc' ? 'CT' : 'VM';
        assert.equal(
          e.steps?.[0].text,
          `restore the disk from a backup, or detach the line from ${who} ${e.vmid}'s config (on ${e.guestNode}); see it`,
        );
      }
      // A disk that is there is no finding.
      for (const e of r.entries) if (e.reason === 'referenced') assert.equal(entrySeverity(e), 0, e.detail);
      // CRITICAL is the part's worst state (the builder's thin pool has no dmsetup status line: UNKNOWN beside).
      if (row.want.some((w) => w.severity === 2)) assert.equal(r.status, 2);
    });
});

test('lvs failed or its rows disagree with vgs: no missing disk is claimed (the part says what it could not read)', () => {
  for (const override of [
    { lvs: { argv: ['lvs'], code: 5, stdout: '', stderr: '  Volume group "pve" not found\n' } },
    {
      vgs: {
        argv: ['vgs'],
        code: 0,
        stdout: JSON.stringify({
          report: [
            {
              vg: [
                {
                  vg_name: 'pve',
                  vg_uuid: 'x',
                  vg_attr: 'wz--n-',
                  vg_size: '1',
                  vg_free: '0',
                  pv_count: '1',
                  lv_count: '7',
                  vg_tags: '',
                  pv_name: '/dev/sda3',
                },
              ],
            },
          ],
        }),
        stderr: '',
      },
    },
  ]) {
    const { missing } = run(LOCAL_LVM, (b) => {
      b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
      b.commandOverrides = override;
    });
    assert.deepEqual(missing, [], JSON.stringify(override).slice(0, 60));
  }
});

test('a failed volume-chain rename: the chain-current finding holds the gone volume, no second entry', () => {
  const CFG = `${LOCAL_LVM}\nlvm: san\n\tvgname san\n\tshared 1\n\tcontent images\n\tsnapshot-as-volume-chain 1\n`;
  const { r, missing } = run(CFG, (b) => {
    b.guest(613, 'qemu', ['scsi0: san:vm-613-disk-0.qcow2,size=8G', 'scsi1: san:vm-613-disk-1.qcow2,size=8G']);
    b.lv({ vg: 'san', lv: 'snap_vm-613-disk-0_weekly.qcow2', active: false });
  });
  assert.ok(r.entries.some((e) => e.reason === 'chain-current'));
  assert.deepEqual(
    missing.map((e) => e.volume),
    ['san:vm-613-disk-1.qcow2'],
  );
});

test('a quarantined LV a config names again: its critical restore finding holds it, no second entry', () => {
  const { r, missing } = run(LOCAL_LVM, (b) => {
    b.guest(102, 'qemu', ['scsi0: local-lvm:vm-102-disk-0,size=8G', 'scsi1: local-lvm:vm-102-disk-1,size=8G']);
    b.lv({ vg: 'pve', lv: 'pve-health-q.20261101T000000Z.vm-102-disk-0', pool: 'data', active: false });
  });
  assert.ok(r.entries.some((e) => e.quarantineNamedBy?.length));
  assert.deepEqual(
    missing.map((e) => e.volume),
    ['local-lvm:vm-102-disk-1'],
  );
});

test('the entry whole: what JSON and every output read', () => {
  const { missing } = run(SAN, (b) => {
    b.vgId('san');
    b.guest(300, 'qemu', ['unused0: san:vm-300-disk-0'], 'pve2');
    b.guest(301, 'lxc', ['rootfs: san:vm-300-disk-0,size=8G', 'mp0: san:vm-300-disk-0,mp=/x']);
  });
  const whole = {
    name: 'san-vm--300--disk--0',
    uuid: '',
    vg: 'san',
    lv: 'vm-300-disk-0',
    layer: null,
    storage: 'san',
    vmid: 301,
    volume: 'san:vm-300-disk-0',
    active: false,
    status: 'valid',
    reason: 'missing-referenced',
    detail:
      'CT 301 rootfs (+2 more) names san:vm-300-disk-0, which storage san does not have (lvs lists no LV san/vm-300-disk-0 and read VG san whole): the guest will not start',
    protected: false,
    pending: false,
    protectedBy: [],
    open: false,
    openCount: 0,
    holders: [],
    processes: [],
    parent: null,
    action: null,
    sizeBytes: null,
    kind: 'lv',
    // Every entry has these keys (dm-entries' one literal), unset here: JSON leaves them out.
    majorMinor: undefined,
    table: undefined,
    lvUuid: null,
    guestType: 'lxc',
    guestNode: 'pve1',
    guests: [
      { vmid: 300, type: 'qemu', node: 'pve2' },
      { vmid: 301, type: 'lxc', node: 'pve1' },
    ],
    missing: { blocksStart: true },
    steps: [
      {
        kind: 'step',
        text: "restore the disk from a backup, or detach the line from CT 301's config (on pve1); see it",
        command: ['pct', 'config', '301'],
        irreversible: false,
      },
    ],
    hint: missing[0]?.hint,
  };
  assert.deepEqual(missing, [whole]);
  // What JSON prints, in its order: the fields of an entry dm-entries makes, then the missing disk's own.
  assert.deepEqual(
    Object.keys(JSON.parse(JSON.stringify(missing[0]))),
    Object.keys(whole).filter((k) => whole[k as keyof typeof whole] !== undefined),
  );
  assert.match(missing[0].hint ?? '', /pct config 301/);
});

test('a map left without its LV, the LV a config names: the map is lv-missing and the disk still missing', () => {
  const { r, missing } = run(LOCAL_LVM, (b) => {
    b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
    b.map({
      name: 'pve-vm--100--disk--0',
      uuid: `LVM-${b.vgId('pve')}${'Z'.repeat(32)}`,
      table: '0 16777216 linear 8:16 2048',
    });
  });
  assert.ok(r.entries.some((e) => e.name === 'pve-vm--100--disk--0' && e.reason !== 'missing-referenced'));
  assert.deepEqual(
    missing.map((e) => e.volume),
    ['local-lvm:vm-100-disk-0'],
  );
});

test('one reference: the detail names it alone, with nothing after its key', () => {
  const { missing } = run(LOCAL_LVM, (b) => b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']));
  assert.equal(
    missing[0]?.detail,
    'VM 100 scsi0 names local-lvm:vm-100-disk-0, which storage local-lvm does not have (lvs lists no LV pve/vm-100-disk-0 and read VG pve whole): the guest will not start',
  );
});
