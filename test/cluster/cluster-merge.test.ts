// mergeCluster on in-memory node documents: every cross-node rule, migrations, identity by
// (VG, LV id) and never by name, unchecked nodes, and the exit status.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lvIdOf } from '../../src/core/cluster/cluster-findings';
import { type ClusterInput, mergeCluster, type NodeResult } from '../../src/core/cluster/cluster-merge';
import { clusterNotifyDocument, nodeStatusFinding } from '../../src/core/cluster/cluster-notify';
import { overallOf } from '../../src/core/findings/overall';
import type { CheckDocument, DmEntry, GuestHealth, Status } from '../../src/core/vocab/types';
import { dmEntry, dmResult } from '../serve/sample';

const VG_ID = 'SanVG000000000000000000000000001';
const id = (n: number) => `Lv${String(n).padEnd(30, '0')}`;

/** A top-level map of san/vm-<vmid>-disk-0 (LV id from the vmid unless given). */
function lv(vmid: number, over: Partial<DmEntry> = {}): DmEntry {
  const lvId = over.lvUuid ?? id(vmid);
  const [vg, lvName] = ['san', `vm-${vmid}-disk-0`];
  return dmEntry({
    name: `san-vm--${vmid}--disk--0`,
    uuid: `LVM-${VG_ID}${lvId}`,
    vg,
    lv: lvName,
    storage: vg,
    vmid,
    volume: `${vg}:${lvName}`,
    lvUuid: lvId,
    guestNode: 'pve1',
    guestType: 'qemu',
    ...over,
  });
}

/** pve2's map of san/vm-<vmid>-disk-0 from before the LV was recreated: the old LV id, no LV. */
function staleMap(vmid: number, over: Partial<DmEntry> = {}): DmEntry {
  return lv(vmid, { lvUuid: null, uuid: `LVM-${VG_ID}${id(999)}`, status: 'duplicate', reason: 'stale-map', ...over });
}

function doc(
  node: string,
  entries: DmEntry[],
  opts: { status?: Status; guests?: Partial<GuestHealth>[] } = {},
): CheckDocument {
  const status = opts.status ?? 0;
  const dm = dmResult(entries, status);
  dm.guests = (opts.guests ?? []).map((g) => ({ ...dm.guests[0], ...g }));
  return { schemaVersion: 1, generatedAt: '2026-01-01T00:00:00.000Z', node, dm, status, summary: `${node} summary` };
}

/** The node's verdict as the cluster command states it: overall.ts, one rule over every part. */
function verdictOf(d: CheckDocument) {
  const o = overallOf(d);
  return { grade: o.grade, score: o.score, headline: o.headline };
}

function merge(results: NodeResult[], over: Partial<ClusterInput> = {}) {
  return mergeCluster({
    verdictOf,
    now: new Date('2026-01-01T00:00:00Z'),
    localNode: 'pve1',
    clusterName: 'lab',
    quorate: true,
    results,
    ...over,
  });
}

const kinds = (d: ReturnType<typeof merge>) => d.findings.map((f) => `${f.kind}:${f.severity}`).sort();

describe('a stale incarnation on one node of an LV recreated and active on another', () => {
  test('names both nodes, both LV ids and the fix on the node with the stale map', () => {
    const d = merge([
      { node: 'pve1', doc: doc('pve1', [lv(204, { open: true })]) },
      { node: 'pve2', doc: doc('pve2', [staleMap(204, { open: true })], { status: 2 }) },
    ]);
    const f = d.findings.find((x) => x.kind === 'shared-lv-stale-incarnation');
    assert.ok(f);
    assert.equal(f.id, `stale-incarnation:san/${id(999)}@pve2`);
    assert.deepEqual(f.nodes, ['pve1', 'pve2']);
    assert.equal(f.vmid, 204);
    assert.equal(f.title, 'pve2 still maps an old incarnation of san/vm-204-disk-0 (now active on pve1)');
    assert.match(
      f.detail,
      new RegExp(`carries LV id ${id(999)}.*recreated \\(LV id ${id(204)}\\) and is active on pve1, open on pve1`),
    );
    assert.match(f.detail, /and it is open on pve2\. Remove the map on pve2 \('pve-health clean' there/);
    assert.deepEqual(f.volumes?.[0], {
      vg: 'san',
      lv: 'vm-204-disk-0',
      lvUuid: id(204),
      storage: 'san',
      vmid: 204,
      home: 'pve1',
      activeOn: ['pve1'],
      openOn: ['pve1'],
    });
  });

  test('only on shared storages: a node-local VG of the same name is another disk', () => {
    const results: NodeResult[] = [
      { node: 'pve1', doc: doc('pve1', [lv(204)]) },
      { node: 'pve2', doc: doc('pve2', [staleMap(204)], { status: 2 }) },
    ];
    assert.deepEqual(kinds(merge(results, { sharedStorages: ['other'] })), []);
    assert.deepEqual(kinds(merge(results, { sharedStorages: ['san'] })), ['shared-lv-stale-incarnation:critical']);
    // Without storage.cfg (sharedStorages null), the VG id still tells two VGs of one name apart.
    const otherVg = `LVM-${'LocalVG'.padEnd(32, '0')}${id(999)}`;
    const local: NodeResult[] = [results[0], { node: 'pve2', doc: doc('pve2', [staleMap(204, { uuid: otherVg })]) }];
    assert.deepEqual(kinds(merge(local, { sharedStorages: null })), []);
  });
});

describe('shared LVs across nodes', () => {
  const away = { status: 'orphan', reason: 'guest-on-other-node' } as const;
  const cases: { name: string; results: NodeResult[]; expect: string[]; status: Status }[] = [
    {
      name: 'open on two nodes, no migration: two writers (critical), and away from home',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(400, { open: true })]) },
        { node: 'pve2', doc: doc('pve2', [lv(400, { open: true, ...away })], { status: 2 }) },
      ],
      expect: ['guest-active-away-from-home:critical', 'shared-lv-open-on-nodes:critical'],
      status: 2,
    },
    {
      name: 'open on two nodes while the guest config has lock: migrate: a warning',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(402, { open: true })], { guests: [{ vmid: 402, lock: 'migrate' }] }) },
        {
          node: 'pve2',
          doc: doc('pve2', [lv(402, { open: true, pending: true, protectedBy: ['lock', 'open'], ...away })]),
        },
      ],
      expect: ['guest-active-away-from-home:info', 'shared-lv-open-on-nodes:warning'],
      status: 1,
    },
    {
      name: 'open on two nodes during a qmigrate task on the source: a warning',
      results: [
        {
          node: 'pve1',
          doc: doc('pve1', [lv(402, { open: true, pending: true, protectedBy: ['open', 'task:qmigrate'] })]),
        },
        {
          node: 'pve2',
          doc: doc('pve2', [
            lv(402, { open: true, guestNode: 'pve1', ...away, pending: true, protectedBy: ['ha:migrate'] }),
          ]),
        },
      ],
      expect: ['guest-active-away-from-home:info', 'shared-lv-open-on-nodes:warning'],
      status: 1,
    },
    {
      name: 'a backup lock does not explain two writers',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(400, { open: true })], { guests: [{ vmid: 400, lock: 'backup' }] }) },
        { node: 'pve2', doc: doc('pve2', [lv(400, { open: true, ...away })]) },
      ],
      expect: ['guest-active-away-from-home:critical', 'shared-lv-open-on-nodes:critical'],
      status: 2,
    },
    {
      name: 'active on two nodes, open on one: a warning',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(401, { guestNode: 'pve2', ...away })], { status: 1 }) },
        { node: 'pve2', doc: doc('pve2', [lv(401, { open: true, guestNode: 'pve2' })]) },
      ],
      expect: ['guest-active-away-from-home:warning', 'shared-lv-active-on-nodes:warning'],
      status: 1,
    },
    {
      name: 'same name, other LV id (a stale map of an old incarnation): not the same volume, a stale incarnation',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(403, { open: true })]) },
        { node: 'pve2', doc: doc('pve2', [staleMap(403)], { status: 2 }) },
      ],
      expect: ['shared-lv-stale-incarnation:critical'],
      status: 2,
    },
    {
      name: 'a stale map whose LV is active on no other node: the node reports it, nothing across nodes',
      results: [
        { node: 'pve1', doc: doc('pve1', []) },
        { node: 'pve2', doc: doc('pve2', [staleMap(403)], { status: 2 }) },
      ],
      expect: [],
      status: 2,
    },
    {
      name: 'same LV id in another VG (node-local VGs of the same name differ in id anyway): not matched',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(410, { open: true, vg: 'pve', storage: 'local-lvm' })]) },
        { node: 'pve2', doc: doc('pve2', [lv(410, { open: true, vg: 'other', storage: 'local-lvm' })]) },
      ],
      expect: [],
      status: 0,
    },
    {
      name: "open on a node outside the storage's nodes= list: still a second writer",
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(405, { open: true })]) },
        { node: 'pve3', doc: doc('pve3', [lv(405, { open: true, status: 'ignored', reason: 'storage-not-on-node' })]) },
      ],
      expect: ['shared-lv-open-on-nodes:critical'],
      status: 2,
    },
    {
      name: 'host LVs with the same UUIDs (nodes installed from one cloned image) are not shared volumes',
      results: [
        {
          node: 'pve1',
          doc: doc('pve1', [
            lv(0, { vg: 'pve', lv: 'root', vmid: null, open: true, status: 'ignored', reason: 'not-guest-volume' }),
          ]),
        },
        {
          node: 'pve2',
          doc: doc('pve2', [
            lv(0, { vg: 'pve', lv: 'root', vmid: null, open: true, status: 'ignored', reason: 'not-guest-volume' }),
          ]),
        },
      ],
      expect: [],
      status: 0,
    },
    {
      name: 'inactive LVs, layers and partitions are not maps of a volume',
      results: [
        { node: 'pve1', doc: doc('pve1', [lv(404, { active: false, kind: 'lv', uuid: '' })]) },
        {
          node: 'pve2',
          doc: doc('pve2', [
            lv(404, { active: false, kind: 'lv', uuid: '' }),
            lv(404, {
              name: 'p1',
              parent: 'san-vm--404--disk--0',
              lvUuid: null,
              uuid: `part1-LVM-${VG_ID}${id(404)}`,
              open: true,
            }),
          ]),
        },
      ],
      expect: [],
      status: 0,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = merge(c.results);
      assert.deepEqual(kinds(d), [...c.expect].sort());
      assert.equal(d.status, c.status);
    });
  }

  test('the finding names the volume, the nodes, and what explains it', () => {
    const d = merge([
      { node: 'pve1', doc: doc('pve1', [lv(402, { open: true })], { guests: [{ vmid: 402, lock: 'migrate' }] }) },
      {
        node: 'pve2',
        doc: doc('pve2', [lv(402, { open: true, status: 'orphan', reason: 'guest-on-other-node', pending: true })]),
      },
    ]);
    const f = d.findings.find((x) => x.kind === 'shared-lv-open-on-nodes')!;
    assert.equal(f.id, `shared-lv-open:san/${id(402)}`);
    assert.deepEqual(f.nodes, ['pve1', 'pve2']);
    assert.deepEqual(f.explainedBy, ['lock: migrate']);
    assert.deepEqual(f.volumes?.[0], {
      vg: 'san',
      lv: 'vm-402-disk-0',
      lvUuid: id(402),
      storage: 'san',
      vmid: 402,
      home: 'pve1',
      activeOn: ['pve1', 'pve2'],
      openOn: ['pve1', 'pve2'],
    });
  });
});

describe('guest volumes away from home', () => {
  test('aggregated per guest over nodes and volumes', () => {
    const a = { status: 'orphan', reason: 'guest-on-other-node', guestNode: 'pve1' } as const;
    const d = merge([
      { node: 'pve1', doc: doc('pve1', []) },
      { node: 'pve2', doc: doc('pve2', [lv(400, a), lv(400, { ...a, lv: 'vm-400-disk-1', lvUuid: id(4001) })]) },
      { node: 'pve3', doc: doc('pve3', [lv(400, a)]) },
    ]);
    const f = d.findings.filter((x) => x.kind === 'guest-active-away-from-home');
    assert.equal(f.length, 1);
    assert.deepEqual(f[0].nodes, ['pve2', 'pve3']);
    assert.equal(f[0].severity, 'warning');
    assert.match(
      f[0].detail,
      /san\/vm-400-disk-0, san\/vm-400-disk-1 are mapped on pve2 and pve3 although VM 400 lives on pve1/,
    );
  });

  test('a local-storage leftover named like a guest disk elsewhere is not that guest away from home', () => {
    const e = lv(410, { status: 'orphan', reason: 'guest-on-other-node', vg: 'pve', storage: 'local-lvm', open: true });
    const results: NodeResult[] = [{ node: 'pve2', doc: doc('pve2', [e]) }];
    assert.deepEqual(kinds(merge(results, { sharedStorages: ['san'] })), []);
    // Without storage.cfg every storage counts.
    assert.deepEqual(kinds(merge(results, { sharedStorages: null })), ['guest-active-away-from-home:critical']);
  });
});

describe('nodes', () => {
  test('unreachable is UNKNOWN, offline is a WARNING; grades and summaries per node', () => {
    const d = merge([
      { node: 'pve1', local: true, doc: doc('pve1', [], { status: 1 }) },
      { node: 'pve2', ip: '10.0.0.2', error: { kind: 'ssh-failed', message: 'ssh failed: Connection refused' } },
      { node: 'pve4', online: false, error: { kind: 'offline', message: 'pve4 is offline' } },
    ]);
    assert.deepEqual(
      d.nodes.map((n) => [n.node, n.status, n.grade, n.error?.kind ?? null]),
      [
        // The node's one verdict (overall.ts): a WARNING node is never A+ (its DM part alone said A+).
        ['pve1', 1, 'B', null],
        ['pve2', 3, null, 'ssh-failed'],
        ['pve4', 1, null, 'offline'],
      ],
    );
    assert.deepEqual(kinds(d), ['node-not-checked:unknown', 'node-offline:warning']);
    assert.equal(d.status, 3);
    assert.deepEqual(d.cluster, { name: 'lab', quorate: true, localNode: 'pve1', nodes: 3, checked: 1 });
    assert.equal(d.summary, '3 nodes, 1 checked (1 offline, 1 not checked); no problems across nodes');
  });

  const statusCases: { name: string; results: NodeResult[]; quorate?: boolean | null; status: Status }[] = [
    { name: 'all OK', results: [{ node: 'pve1', doc: doc('pve1', []) }], status: 0 },
    {
      name: 'only an offline node',
      results: [
        { node: 'pve1', doc: doc('pve1', []) },
        { node: 'pve2', error: { kind: 'offline', message: 'x' } },
      ],
      status: 1,
    },
    {
      name: 'a critical node beats an unreachable one',
      results: [
        { node: 'pve1', doc: doc('pve1', [], { status: 2 }) },
        { node: 'pve2', error: { kind: 'timeout', message: 'x' } },
      ],
      status: 2,
    },
    { name: 'not quorate', results: [{ node: 'pve1', doc: doc('pve1', []) }], quorate: false, status: 1 },
    { name: 'standalone node', results: [{ node: 'pve1', doc: doc('pve1', []) }], quorate: null, status: 0 },
  ];
  for (const c of statusCases) {
    test(`status: ${c.name}`, () => {
      assert.equal(merge(c.results, c.quorate !== undefined ? { quorate: c.quorate } : {}).status, c.status);
    });
  }

  test("a node that answers under another name is not checked: its findings may be another node's", () => {
    const d = merge([
      { node: 'pve1', doc: doc('pve1', [lv(400, { open: true })]) },
      { node: 'pve2', ip: '10.0.0.2', doc: doc('pve9', []) },
      // pve3's address leads to pve1: believing it would make VM 400's disk "open on two nodes".
      { node: 'pve3', ip: '10.0.0.3', doc: doc('pve1', [lv(400, { open: true })]) },
    ]);
    assert.deepEqual(kinds(d), ['node-name-mismatch:unknown', 'node-name-mismatch:unknown']);
    assert.deepEqual(
      d.nodes.map((n) => [n.node, n.status, n.error?.kind ?? null]),
      [
        ['pve1', 0, null],
        ['pve2', 3, 'wrong-node'],
        ['pve3', 3, 'wrong-node'],
      ],
    );
    assert.match(d.nodes[2].error!.message, /reports node name 'pve1', the name of another node of this cluster/);
    assert.equal(d.status, 3);
  });

  test('full documents only when asked', () => {
    const results: NodeResult[] = [{ node: 'pve1', doc: doc('pve1', []) }];
    assert.equal(merge(results).documents, undefined);
    assert.deepEqual(Object.keys(merge(results, { includeDocuments: true }).documents ?? {}), ['pve1']);
  });
});

describe('lvIdOf', () => {
  const cases: [Partial<DmEntry>, string | null][] = [
    [{ lvUuid: 'abcdef-ghij-klmn-opqr-stuv-wxyz-012345' }, 'abcdefghijklmnopqrstuvwxyz012345'],
    [{ lvUuid: null, uuid: `LVM-${VG_ID}${id(7)}` }, id(7)],
    [{ lvUuid: null, uuid: `LVM-${VG_ID}${id(7)}-tpool` }, null],
    [{ lvUuid: null, uuid: 'mpath-3600' }, null],
  ];
  for (const [over, want] of cases)
    test(`${over.lvUuid ?? over.uuid} → ${want}`, () => assert.equal(lvIdOf(lv(1, over)), want));
});

describe('cluster --notify document', () => {
  test('a checked node that is not OK is a finding of its own; OK and unchecked nodes are not', () => {
    const d = merge([
      { node: 'pve1', doc: doc('pve1', []) },
      { node: 'pve2', doc: doc('pve2', [staleMap(403)], { status: 2 }) },
      { node: 'pve3', error: { kind: 'timeout', message: 'no answer within 60 s' } },
    ]);
    const n = clusterNotifyDocument(d);
    assert.equal(n.node, 'lab (cluster)');
    assert.equal(n.status, 2, 'CRITICAL outranks UNKNOWN in monitoring order');
    const findings = (n.cluster as { findings: { id: string; severity: string; title: string; nodes: string[] }[] })
      .findings;
    assert.deepEqual(
      findings.map((f) => `${f.severity} ${f.id}`),
      ['unknown node-not-checked:pve3', 'critical node-status:pve2:critical'],
    );
    // The node's verdict over every part, not its DM grade.
    assert.equal(findings[1].title, 'pve2 reports CRITICAL: grade F: 1 duplicate');
    assert.deepEqual(findings[1].nodes, ['pve2']);
    assert.equal(nodeStatusFinding({ ...d.nodes[1], status: 3 })?.id, 'node-status:pve2:unknown');
  });
});

describe('a node document the cluster cannot believe', () => {
  const good = () => doc('pve2', [lv(400, { open: true })]);
  const cases: { name: string; doc: unknown; kind: string; why: RegExp }[] = [
    { name: 'not an object', doc: 'x', kind: 'bad-output', why: /not a JSON object/ },
    { name: 'null', doc: null, kind: 'bad-output', why: /not a JSON object/ },
    { name: 'another schema', doc: { ...good(), schemaVersion: 2 }, kind: 'bad-output', why: /schemaVersion is 2/ },
    { name: 'no node', doc: { ...good(), node: '' }, kind: 'bad-output', why: /names no node/ },
    { name: 'a status of another type', doc: { ...good(), status: '0' }, kind: 'bad-output', why: /status "0"/ },
    { name: 'a summary of another type', doc: { ...good(), summary: 5 }, kind: 'bad-output', why: /summary/ },
    { name: 'dm not an object', doc: { ...good(), dm: [] }, kind: 'bad-output', why: /dm is not an object/ },
    {
      name: 'a part status out of range',
      doc: { ...good(), mounts: { status: 9, entries: [] } },
      kind: 'bad-output',
      why: /mounts\.status is not 0-3/,
    },
    {
      name: 'a DM entry that is not an object',
      doc: { ...good(), dm: { ...good().dm, entries: [null] } },
      kind: 'bad-output',
      why: /dm\.entries\[0\] is not an object/,
    },
    {
      name: 'a vmid that is not a number',
      doc: { ...good(), dm: { ...good().dm, entries: [{ ...lv(400), vmid: '400' }] } },
      kind: 'bad-output',
      why: /dm\.entries\[0\]\.vmid is not a number/,
    },
    {
      name: 'protectedBy that is not a list of strings',
      doc: { ...good(), dm: { ...good().dm, entries: [{ ...lv(400), protectedBy: [1] }] } },
      kind: 'bad-output',
      why: /protectedBy is not a strings/,
    },
    {
      name: 'guests that are not a list',
      doc: { ...good(), dm: { ...good().dm, guests: {} } },
      kind: 'bad-output',
      why: /dm\.guests is not a list/,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: that node is UNKNOWN with the reason, the others as usual`, () => {
      const d = merge([
        { node: 'pve1', doc: doc('pve1', [lv(400, { open: true })]) },
        { node: 'pve2', doc: c.doc as CheckDocument },
      ]);
      assert.equal(d.nodes[0].error, undefined);
      assert.equal(d.nodes[1].status, 3);
      assert.equal(d.nodes[1].error?.kind, c.kind);
      assert.match(d.nodes[1].error?.message ?? '', c.why);
      // Its entries take no part in the findings across nodes (no "open on two nodes").
      assert.deepEqual(kinds(d), ['node-not-checked:unknown']);
      assert.equal(d.status, 3);
    });
  }

  test('a document whose verdict cannot be read: UNKNOWN, never a crash of the whole view', () => {
    const d = merge(
      [
        { node: 'pve1', doc: doc('pve1', []) },
        { node: 'pve2', doc: doc('pve2', []) },
      ],
      {
        verdictOf: (x) => {
          if (x.node === 'pve2') throw new TypeError("Cannot read properties of undefined (reading 'map')");
          return verdictOf(x);
        },
      },
    );
    assert.equal(d.nodes[0].error, undefined);
    assert.equal(d.nodes[1].error?.kind, 'bad-output');
    assert.match(d.nodes[1].error?.message ?? '', /cannot be evaluated: Cannot read properties/);
  });

  test('a status better than its parts is not believed: the worst of them', () => {
    const d = merge([{ node: 'pve1', doc: { ...doc('pve1', [], { status: 2 }), status: 0 } }]);
    assert.equal(d.nodes[0].status, 2);
    assert.equal(d.status, 2);
  });
});
