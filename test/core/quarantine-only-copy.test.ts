// The only-copy rule (core/vocab/only-copy.ts) for a volume already in quarantine: HA recovery moves a
// fenced guest's config to another node and leaves its local disks where they were (pve-ha-manager
// PVE::HA::Env::PVE2::steal_service). A quarantined volume of a local storage (LVM-thin, thick LVM, ZFS,
// dir) whose volume ID a guest config of another node names may be that guest's only disk: the DM and
// volumes parts record it on the entry (`quarantineNamedOn`, `quarantine.namedOn`), the quarantine
// listing carries it from the entries alone (what serve has), and the purge refuses it from there. Beside
// each, the states that must not be held: nobody names it, another node names another volume ID, a
// shared storage (there a config of any node names the disk: the named-again restore finding), a config
// of this node (the same finding), a quarantined snapshot (no volume ID).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import type { LvRow } from '../../src/core/parse/parse-lvm';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import {
  quarantinedDmEntries,
  quarantinedLvs,
  quarantinedVolumes,
  withNamedElsewhere,
} from '../../src/core/reclaim/quarantined';
import type { FileVolume } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { dmEntry } from '../helpers/dm-entry';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { input, NOW, STORAGE_CFG } from '../helpers/reclaim-input';
import { buildVolumeInput, membersOf } from '../helpers/volume-node';

const ON = { node: 'pve2', vmid: 520, type: 'qemu' as const };
const TS = '20261101T000000Z';
const O = { now: NOW, retentionDays: 7 };

describe('a quarantined LV (the DM part): a config of another node names its volume ID', () => {
  const CFG = `${LOCAL_LVM}
lvm: thick
\tvgname thick
\tcontent images,rootdir

lvm: san
\tvgname san
\tshared 1
\tcontent images,rootdir
`;
  function entry(o: { vg: string; pool?: string; config: string; node?: string }) {
    const b = new NodeBuilder('pve1').cluster(['pve1', 'pve2']).storage(CFG).pool('pve');
    b.vgId(o.vg);
    b.guest(520, 'qemu', [`scsi0: ${o.config},size=8G`], o.node ?? 'pve2');
    b.lv({ vg: o.vg, lv: `pve-health-q.${TS}.vm-520-disk-1`, ...(o.pool ? { pool: o.pool } : {}), active: false });
    const r = analyzeNode(parseNode(b.build()), {});
    const e = r.entries.find((x) => x.reason === 'quarantined');
    assert.ok(e, JSON.stringify(r.entries.map((x) => x.name)));
    return e;
  }
  const rows: { name: string; vg: string; pool?: string; config: string; node?: string; on: boolean; by: boolean }[] = [
    {
      name: 'LVM-thin, pve2 names it',
      vg: 'pve',
      pool: 'data',
      config: 'local-lvm:vm-520-disk-1',
      on: true,
      by: false,
    },
    { name: 'thick local LVM, pve2 names it', vg: 'thick', config: 'thick:vm-520-disk-1', on: true, by: false },
    {
      name: 'neighbour: pve2 names another volume ID',
      vg: 'pve',
      pool: 'data',
      config: 'local-lvm:vm-520-disk-0',
      on: false,
      by: false,
    },
    {
      name: 'neighbour: a shared VG (the named-again finding instead)',
      vg: 'san',
      config: 'san:vm-520-disk-1',
      on: false,
      by: true,
    },
    {
      name: 'neighbour: a config of this node (the named-again finding instead)',
      vg: 'pve',
      pool: 'data',
      config: 'local-lvm:vm-520-disk-1',
      node: 'pve1',
      on: false,
      by: true,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const e = entry(r);
      assert.deepEqual([e.quarantineNamedOn ?? null, Boolean(e.quarantineNamedBy?.length)], [r.on ? ON : null, r.by]);
      const listed = quarantinedDmEntries([e], O);
      assert.deepEqual(
        listed.map((q) => q.namedOn ?? null),
        [r.on ? ON : null],
      );
      // Nobody elsewhere, nobody here: the plain quarantine's words, nothing after them.
      if (!r.on && !r.by) assert.match(e.detail, /'pve-health reclaim --purge' destroys it after the retention$/);
      if (r.on)
        assert.match(
          e.detail,
          /; VM 520's config on pve2 names this very volume ID \S+:vm-520-disk-1: if pve2 has its own .* Only pve2 can tell/,
        );
    });
});

describe('a quarantined zvol or file (the volumes part): a config of another node names its volume ID', () => {
  const CFG = `zfspool: local-zfs
\tpool rpool/data
\tcontent images,rootdir

dir: local
\tpath /var/lib/vz
\tcontent images

nfs: share
\texport /srv/pve
\tpath /mnt/pve/share
\tserver 192.0.2.60
\tcontent images
`;
  const q = (name: string): FileVolume => ({
    name: `pve-health-quarantine/pve-health-q.${TS}.${name}`,
    sizeBytes: 1,
    usedBytes: 1,
  });
  function part(lines: string[], node = 'pve2') {
    return classifyVolumes(
      buildVolumeInput({
        files: {
          '/etc/pve/storage.cfg': CFG,
          '/etc/pve/.members': membersOf(['pve1', 'pve2']),
          [`/etc/pve/nodes/${node}/qemu-server/520.conf`]: `${lines.join('\n')}\n`,
        },
        zfs: [
          'rpool/data\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data',
          'rpool/data/pve-health-quarantine\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data/pve-health-quarantine',
          `rpool/data/pve-health-quarantine/pve-health-q.${TS}.vm-520-disk-1\tvolume\t8589934592\t57344\t57344\t-\t-\t-`,
          `rpool/data/vm-520-disk-5\tvolume\t8589934592\t57344\t57344\t-\t-\t-`,
          `rpool/data/vm-520-disk-5@pve-health-q.${TS}.before\tsnapshot\t8589934592\t0\t57344\t-\t-\t-`,
        ],
        fileStorages: { local: [q('520.vm-520-disk-2.raw')], share: [q('520.vm-520-disk-3.raw')] },
      }),
    );
  }
  const held = (lines: string[], node?: string) =>
    part(lines, node)
      .entries.filter((e) => e.reason === 'quarantined')
      .map((e) => [e.volid, e.snapshot ?? null, e.quarantine?.namedOn ?? null]);

  it('ZFS and dir: held, with who names it; the share and the snapshot not', () => {
    const r = part([
      'scsi0: local-zfs:vm-520-disk-1,size=8G',
      'scsi1: local:520/vm-520-disk-2.raw,size=8G',
      'scsi3: local-zfs:vm-520-disk-5,size=8G',
    ]);
    assert.deepEqual(
      r.entries.filter((e) => e.reason === 'quarantined').map((e) => [e.volid, e.quarantine?.namedOn ?? null]),
      [
        ['local-zfs:vm-520-disk-1', ON],
        ['local-zfs:vm-520-disk-5', null],
        ['local:520/vm-520-disk-2.raw', ON],
        ['share:520/vm-520-disk-3.raw', null],
      ],
    );
    const zvol = r.entries.find((e) => e.volid === 'local-zfs:vm-520-disk-1');
    assert.match(zvol?.detail ?? '', /; VM 520's config on pve2 names this very volume ID local-zfs:vm-520-disk-1: /);
    assert.deepEqual(
      quarantinedVolumes(r.entries, O).map((x) => [x.volid, x.namedOn ?? null]),
      [
        ['local-zfs:vm-520-disk-1', ON],
        ['local-zfs:vm-520-disk-5@before', null],
        ['local:520/vm-520-disk-2.raw', ON],
        ['share:520/vm-520-disk-3.raw', null],
      ],
    );
  });

  it('neighbours: another volume ID named there, a shared storage named there, a config of this node', () => {
    assert.deepEqual(held(['scsi0: local-zfs:vm-520-disk-0,size=8G', 'scsi1: local:520/vm-520-disk-0.raw,size=8G']), [
      ['local-zfs:vm-520-disk-1', null, null],
      ['local-zfs:vm-520-disk-5', 'pve-health-q.20261101T000000Z.before', null],
      ['local:520/vm-520-disk-2.raw', null, null],
      ['share:520/vm-520-disk-3.raw', null, null],
    ]);
    const shared = part(['scsi0: share:520/vm-520-disk-3.raw,size=8G']).entries.find((e) => e.storage === 'share');
    assert.deepEqual([shared?.quarantine?.namedOn, shared?.quarantine?.namedBy], [undefined, ['VM 520 scsi0']]);
    const here = part(['scsi0: local-zfs:vm-520-disk-1,size=8G'], 'pve1').entries.find(
      (e) => e.volid === 'local-zfs:vm-520-disk-1',
    );
    assert.deepEqual([here?.quarantine?.namedOn, here?.quarantine?.namedBy], [undefined, ['VM 520 scsi0']]);
  });
});

describe("the listing and the purge: from the entries' record, or reclaim's own read of the configs", () => {
  const storages = parseStorageConfig(STORAGE_CFG);
  const lv = (vg: string, pool: string, name = 'vm-520-disk-1'): LvRow =>
    ({
      name: `pve-health-q.${TS}.${name}`,
      vg,
      pool,
      origin: '',
      tags: ['pve-health-quarantine'],
      sizeBytes: 4096,
      uuid: `Lvid${name.replace(/-/g, '')}xxxxxxxxxxxxxxxxxx`,
      active: false,
    }) as LvRow;
  const map = new Map([
    ['local-lvm:vm-520-disk-1', ON],
    ['san-lvm:vm-520-disk-1', ON],
  ]);

  it('withNamedElsewhere: a local storage from the map, a shared one never, an entry keeps its own', () => {
    const listed = quarantinedLvs([lv('pve', 'data'), lv('san', '')], storages, O);
    assert.deepEqual(
      withNamedElsewhere(listed, { storages, namedElsewhere: map }).map((q) => [q.volid, q.namedOn ?? null]),
      [
        ['local-lvm:vm-520-disk-1', ON],
        ['san-lvm:vm-520-disk-1', null],
      ],
    );
    const own = { ...ON, node: 'pve3' };
    assert.deepEqual(
      withNamedElsewhere([{ ...listed[0], namedOn: own }], { storages, namedElsewhere: map }).map((q) => q.namedOn),
      [own],
    );
  });

  it("planPurge refuses what the DM part's entry records, with nothing in reclaim's own map; beside it one purged", () => {
    const dmQ = (name: string, on?: typeof ON) =>
      dmEntry({
        name: `pve-${name.replace(/-/g, '--')}`,
        vg: 'pve',
        lv: name,
        kind: 'lv',
        storage: 'local-lvm',
        status: 'ignored',
        reason: 'quarantined',
        active: false,
        ...(on ? { quarantineNamedOn: on } : {}),
      });
    const p = planPurge(
      input({
        dm: [dmQ(`pve-health-q.${TS}.vm-520-disk-1`, ON), dmQ(`pve-health-q.${TS}.vm-521-disk-0`)],
        lvs: [lv('pve', 'data'), lv('pve', 'data', 'vm-521-disk-0')],
        namedElsewhere: new Map(),
      }),
      { all: true },
    );
    assert.deepEqual(
      p.refused.map((r) => [r.volid, r.code]),
      [['local-lvm:vm-520-disk-1', 'only-copy']],
    );
    assert.deepEqual(
      p.actions.map((a) => a.volid),
      ['local-lvm:vm-521-disk-0'],
    );
  });
});
