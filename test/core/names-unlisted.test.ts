// A --name that names nothing the plan could plan or refuse is refused by name, never an empty plan with
// exit 0 (issue 59: `reclaim --dry-run --name X` on a listing that lost X said "0 volume(s)", exit 0):
// not listed → `unknown` (exit 3); in quarantine, named to reclaim → `unsupported` with the way on; live,
// named to purge → `not-quarantined`. Beside each, the legitimate name that is planned or refused as
// before, with no second line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { namedRefusalStatus } from '../../src/cli/commands/reclaim';
import type { PlanFilter } from '../../src/core/cleanup/plan-cleanup';
import { planPurge } from '../../src/core/reclaim/plan-purge';
import { planReclaim } from '../../src/core/reclaim/plan-reclaim';
import { dmEntry } from '../helpers/dm-entry';
import { input, QUARANTINED_LV, QUARANTINED_LV_NAME, vol, volumes } from '../helpers/reclaim-input';

const QLV = QUARANTINED_LV_NAME;
const quarantinedLv = QUARANTINED_LV;
const qEntry = dmEntry({
  name: 'pve-pve--health--q',
  vg: 'pve',
  lv: QLV,
  status: 'ignored',
  reason: 'quarantined',
  kind: 'lv',
  active: false,
});
const ORPHAN = 'local:102/vm-102-disk-0.raw';
const VALID = 'local-zfs:vm-101-disk-0';
const node = () =>
  input({
    lvs: [quarantinedLv],
    dm: [qEntry],
    volumes: volumes([
      vol({ volid: ORPHAN, vmid: 102 }),
      vol({ volid: VALID, vmid: 101, status: 'valid', reason: 'referenced', detail: 'VM 101 scsi0' }),
    ]),
  });

type Plan = ReturnType<typeof planReclaim>;
const lines = (p: Plan) => ({
  planned: p.actions.map((a) => a.volid),
  refused: p.refused.map((r) => `${r.volid} ${r.code} ${r.reason}`),
});

describe('a --name that names nothing listed is refused by name', () => {
  const rows: {
    name: string;
    purge?: true;
    filter: PlanFilter;
    planned: string[];
    refused: string[];
    exit: number;
  }[] = [
    { name: 'reclaim: a listed orphan (legit)', filter: { names: [ORPHAN] }, planned: [ORPHAN], refused: [], exit: 0 },
    {
      name: 'reclaim: a valid volume, refused once as valid (legit)',
      filter: { names: [VALID] },
      planned: [],
      refused: [`${VALID} valid referenced`],
      exit: 1,
    },
    {
      name: 'reclaim: a name no listing has',
      filter: { names: ['local:103/vm-103-disk-0.raw'] },
      planned: [],
      refused: ['local:103/vm-103-disk-0.raw unknown not-listed'],
      exit: 3,
    },
    {
      name: 'reclaim: the listed one and an unlisted one',
      filter: { names: [ORPHAN, 'local-zfs:vm-9-disk-0'] },
      planned: [ORPHAN],
      refused: ['local-zfs:vm-9-disk-0 unknown not-listed'],
      exit: 3,
    },
    {
      name: 'reclaim: a volume already in quarantine, by its volume ID',
      filter: { names: ['local-lvm:vm-100-disk-0'] },
      planned: [],
      refused: ['local-lvm:vm-100-disk-0 unsupported quarantined'],
      exit: 1,
    },
    {
      // (The DM part lists the LV by that name: refused as before, no second line.)
      name: 'reclaim: a volume already in quarantine, by its quarantine name',
      filter: { names: [QLV] },
      planned: [],
      refused: [`local-lvm:${QLV} not-a-volume quarantined`],
      exit: 1,
    },
    { name: 'reclaim --all (legit): no name, no line', filter: { all: true }, planned: [ORPHAN], refused: [], exit: 0 },
    {
      name: 'purge: a quarantined LV past its retention (legit)',
      purge: true,
      filter: { names: ['local-lvm:vm-100-disk-0'] },
      planned: ['local-lvm:vm-100-disk-0'],
      refused: [],
      exit: 0,
    },
    {
      name: 'purge: a live orphan, not in quarantine',
      purge: true,
      filter: { names: [ORPHAN] },
      planned: [],
      refused: [`${ORPHAN} not-quarantined not-quarantined`],
      exit: 1,
    },
    {
      name: 'purge: a name no listing has',
      purge: true,
      filter: { names: ['ceph-vm:vm-7-disk-0'] },
      planned: [],
      refused: ['ceph-vm:vm-7-disk-0 unknown not-listed'],
      exit: 3,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const p = r.purge ? planPurge(node(), r.filter) : planReclaim(node(), r.filter);
      const got = lines(p);
      // --all lists every refusal of the node; only the names' lines are this rule's.
      const refused = r.filter.all ? got.refused.filter((x) => /not-listed|quarantined$/.test(x)) : got.refused;
      assert.deepEqual({ planned: got.planned, refused }, { planned: r.planned, refused: r.refused });
      assert.equal(namedRefusalStatus(p, r.filter), r.exit);
    });
});
