// pmxcfs state (facts §5, §7, §8, §10): .vmlist, .members, /var/log/pve/tasks/active, datacenter.cfg
// next-id, ha/manager_status, and the next VMIDs Proxmox hands out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  nextVmids,
  ParseError,
  parseActiveTasks,
  parseHaManagerStatus,
  parseMembers,
  parseNextIdRange,
  parseUpid,
  parseVmlist,
} from '../../src/core/parse/pmxcfs';

// pmxcfs status.c:717-760 writes it exactly like this (fakenode tricky-names)
const VMLIST = `{
"version": 6,
"ids": {
"110": { "node": "pve-a1", "type": "lxc", "version": 1 },
"105": { "node": "pve-a1", "type": "qemu", "version": 1 },
"300": { "node": "pve2", "type": "qemu", "version": 4 },
"111": { "node": "pve-a1", "type": "qemu", "version": 1 }}

}
`;

test('parseVmlist', () => {
  assert.deepEqual(
    parseVmlist(VMLIST).sort((a, b) => a.vmid - b.vmid),
    [
      { vmid: 105, node: 'pve-a1', type: 'qemu' },
      { vmid: 110, node: 'pve-a1', type: 'lxc' },
      { vmid: 111, node: 'pve-a1', type: 'qemu' },
      { vmid: 300, node: 'pve2', type: 'qemu' },
    ],
  );
  // no guests: only the version (status.c:717-760)
  assert.deepEqual(parseVmlist('{\n"version": 1\n}\n'), []);
  // entries without a node or with a non-numeric id are not guests
  assert.deepEqual(
    parseVmlist(
      '{"ids": {"x1": {"node": "a", "type": "qemu"}, "7": {"type": "lxc"}, "8": {"node": "n", "type": "openvz"}}}',
    ),
    [{ vmid: 8, node: 'n', type: 'openvz' }],
  );
  assert.throws(() => parseVmlist('{"version": 1, "ids": {'), ParseError);
});

test('parseMembers: standalone and cluster (status.c:305-372)', () => {
  assert.deepEqual(parseMembers('{\n"nodename": "pve-a1",\n"version": 0\n}\n'), {
    nodename: 'pve-a1',
    cluster: null,
    nodes: [],
  });
  const cluster = `{
"nodename": "pve1",
"version": 5,
"cluster": { "name": "prod", "version": 3, "nodes": 3, "quorate": 1 },
"nodelist": {
  "pve1": { "id": 1, "online": 1, "ip": "192.0.2.11"},
  "pve2": { "id": 2, "online": 0, "ip": "192.0.2.12"},
  "pve3": { "id": 3, "online": 1}
  }
}
`;
  assert.deepEqual(parseMembers(cluster), {
    nodename: 'pve1',
    cluster: { name: 'prod', quorate: true, nodes: 3 },
    nodes: [
      { name: 'pve1', id: 1, online: true, ip: '192.0.2.11' },
      { name: 'pve2', id: 2, online: false, ip: '192.0.2.12' },
      { name: 'pve3', id: 3, online: true, ip: null },
    ],
  });
  assert.equal(parseMembers(cluster.replace('"quorate": 1', '"quorate": 0')).cluster?.quorate, false);
  assert.throws(() => parseMembers('{"version": 1}'), ParseError);
  assert.throws(() => parseMembers(''), ParseError);
});

test('parseUpid: UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>: (UPID.pm:10-36)', () => {
  const cases: [string, Record<string, unknown> | null][] = [
    [
      'UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:qmrestore:120:root@pam:',
      {
        node: 'pve1',
        pid: 0xb7c1a,
        pstart: 0x0a1b2c3d,
        starttime: 0x67a1b2c3,
        type: 'qmrestore',
        id: '120',
        user: 'root@pam',
      },
    ],
    // empty id (multi-guest tasks), 9-digit pstart, node with a dash
    [
      'UPID:pve-a1:00009C41:10012D688:6553F101:imgdel::root@pam:',
      { node: 'pve-a1', pid: 0x9c41, starttime: 0x6553f101, type: 'imgdel', id: '', user: 'root@pam' },
    ],
    [
      'UPID:pve1:00001234:00ABCDEF:65A1B2C3:vzdump::backup@pve!token1:',
      { type: 'vzdump', id: '', user: 'backup@pve!token1' },
    ],
    ['UPID:pve1:1234:00ABCDEF:65A1B2C3:qmstart:100:root@pam:', null], // pid is 8 hex digits
    ['UPID:pve1:00001234:00ABCDEF:65A1B2C3:qmstart:100:root@pam', null], // trailing ':' missing
    ['UPID:-pve:00001234:00ABCDEF:65A1B2C3:qmstart:100:root@pam:', null],
    ['', null],
  ];
  for (const [upid, want] of cases) {
    const got = parseUpid(upid);
    if (want === null) assert.equal(got, null, upid);
    else
      for (const [k, v] of Object.entries(want)) assert.equal((got as Record<string, unknown>)[k], v, `${upid}: ${k}`);
  }
});

test('parseActiveTasks: `UPID saved [ENDTIME [STATUS]]`, no ENDTIME = running (INotify.pm:686-735)', () => {
  const text = [
    'UPID:pve-a1:00009C40:0012D687:6553F100:vzdump:107:root@pam: 0',
    'UPID:pve-a1:00009C41:0012D688:6553F101:imgdel::root@pam: 0',
    'UPID:pve-a1:00009C42:0012D689:6553F102:qmstart:105:root@pam: 1 6553F10A OK',
    'UPID:pve-a1:00009C43:0012D68A:6553F103:qmigrate:111:root@pam: 1 6553F20A migration problems',
    '',
    'garbage line',
  ].join('\n');
  assert.deepEqual(
    parseActiveTasks(text).map((t) => [t.type, t.id, t.running]),
    [
      ['vzdump', '107', true],
      ['imgdel', '', true],
      ['qmstart', '105', false],
      ['qmigrate', '111', false],
    ],
  );
  assert.deepEqual(parseActiveTasks(''), []);
});

test('parseNextIdRange: datacenter.cfg next-id (DataCenterConfig.pm:203-220), defaults 100 and 1,000,000', () => {
  const cases: [string | undefined, { lower: number; upper: number }][] = [
    [undefined, { lower: 100, upper: 1_000_000 }],
    ['keyboard: en-us\n', { lower: 100, upper: 1_000_000 }],
    ['keyboard: en-us\nnext-id: lower=1000,upper=2000\n', { lower: 1000, upper: 2000 }],
    ['next-id: upper=500\n', { lower: 100, upper: 500 }],
    ['next-id: lower=5000\r\n', { lower: 5000, upper: 1_000_000 }],
    ['next-id: upper=2000,lower=1000', { lower: 1000, upper: 2000 }],
    ['next-id: lower=abc', { lower: 100, upper: 1_000_000 }],
    ['#next-id: lower=5000\n', { lower: 100, upper: 1_000_000 }],
  ];
  for (const [cfg, want] of cases) assert.deepEqual(parseNextIdRange(cfg), want, String(cfg));
});

test('nextVmids: lowest free IDs in [lower, upper) not in .vmlist (pve-manager Cluster.pm:1012-1050)', () => {
  const cases: { used: number[]; range: { lower: number; upper: number }; count: number; want: number[] }[] = [
    { used: [], range: { lower: 100, upper: 1_000_000 }, count: 3, want: [100, 101, 102] },
    { used: [100, 101, 103, 105], range: { lower: 100, upper: 1_000_000 }, count: 3, want: [102, 104, 106] },
    // IDs below the range do not matter; upper is exclusive
    { used: [5, 1000, 1001], range: { lower: 1000, upper: 1004 }, count: 5, want: [1002, 1003] },
    { used: [1000, 1001], range: { lower: 1000, upper: 1002 }, count: 1, want: [] },
    { used: [100], range: { lower: 100, upper: 200 }, count: 0, want: [] },
  ];
  for (const c of cases) assert.deepEqual(nextVmids(c.used, c.range, c.count), c.want, JSON.stringify(c));
});

test('parseHaManagerStatus: services vm:/ct: with node, state, target', () => {
  const text = JSON.stringify({
    master_node: 'pve1',
    node_status: { pve1: 'online', pve2: 'online' },
    service_status: {
      'vm:100': { node: 'pve1', running: 1, state: 'started', uid: 'a' },
      'vm:101': { node: 'pve1', state: 'migrate', target: 'pve2', uid: 'b' },
      'ct:200': { node: 'pve2', state: 'recovery', uid: 'c' },
      'vm:abc': { node: 'pve1', state: 'started' },
    },
    timestamp: 1700000000,
  });
  assert.deepEqual(parseHaManagerStatus(text), [
    { sid: 'vm:100', type: 'vm', vmid: 100, node: 'pve1', state: 'started', target: null },
    { sid: 'vm:101', type: 'vm', vmid: 101, node: 'pve1', state: 'migrate', target: 'pve2' },
    { sid: 'ct:200', type: 'ct', vmid: 200, node: 'pve2', state: 'recovery', target: null },
  ]);
  assert.deepEqual(parseHaManagerStatus('{}'), []);
  assert.throws(() => parseHaManagerStatus('not json'), ParseError);
});
