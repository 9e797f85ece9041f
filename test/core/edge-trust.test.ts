// Never fail open at the edges, rule by rule (docs/reports.md "Never fail open"): a guest config that is
// not whole as PVE writes it, .vmlist and .members that pmxcfs's other files contradict, an orphan verdict
// while a config that could name the volume is unseen, `dmsetup status` and an empty `lvs` that the other
// lists contradict, and the autoactivation report. Each table holds the rule and its neighbours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { emptyLvsContradiction, parseNode } from '../../src/core/node/node-view';
import { membersGap, unseenConfigs, vmlistGap } from '../../src/core/node/pmxcfs-gaps';
import { parsePveState } from '../../src/core/node/pve-state';
import { dmStatusDisagreement } from '../../src/core/node/view-consistency';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import type { DmSegment } from '../../src/core/parse/parse-dmsetup';
import type { VgRow } from '../../src/core/parse/parse-lvm';
import { parseMembers, parseVmlist } from '../../src/core/parse/pmxcfs';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { vmlistOf } from '../helpers/vmlist';

const SNAP =
  'name: web\nparent: s1\nscsi0: local-lvm:vm-100-disk-0,size=8G\n\n[s1]\nscsi0: local-lvm:vm-100-disk-0,size=8G\nsnaptime: 1712000000\n';

test('a guest config is believed only whole, as PVE writes it', () => {
  const table: [string, string, 'qemu' | 'lxc', RegExp | null][] = [
    ['as written', SNAP, 'qemu', null],
    ['a container', 'arch: amd64\nrootfs: local-lvm:vm-200-disk-0,size=8G\n', 'lxc', null],
    ['a description and a pending section', '#note\nname: a\n\n[PENDING]\nmemory: 2048\n', 'qemu', null],
    ['read twice (the later value wins in PVE too)', 'name: a\nname: a\nscsi0: x:vm-1-disk-0\n', 'qemu', null],
    // States PVE writes (facts §13): a failed restore's 0-byte config, a description alone, a create lock alone.
    ['empty (a failed restore: remove_lock on a lock-only config)', '', 'qemu', null],
    ['only blank lines and a description', '#note\n\n', 'qemu', null],
    ['only the create lock (create or restore in progress)', 'lock: create\n', 'qemu', null],
    ['a description cut mid-line', '#note', 'qemu', /middle of a line/],
    ['cut mid-line', SNAP.slice(0, SNAP.length - 5), 'qemu', /middle of a line/],
    ['junk', '\u0000\u0001 <html>502</html>\n}{ not : the format\n', 'qemu', /never writes/],
    ['a junk line among properties', 'name: a\n}{ garbage\n', 'qemu', /never writes/],
    ['parent without its section (cut at a section)', 'name: a\nparent: s1\n', 'qemu', /parent 's1'/],
    [
      'a snapshot section without snaptime (cut inside it)',
      SNAP.replace('snaptime: 1712000000\n', ''),
      'qemu',
      /snaptime/,
    ],
    ['a section header doubled', SNAP.replace('[s1]\n', '[s1]\n[s1]\n'), 'qemu', /snaptime/],
    // Which section's parent is lost is said (the main config's, or a snapshot's). qemu-server write_vm_config
    // writes snapshots in sorted order: a file cut at its end loses the last names first.
    ['the main parent lost', 'name: a\nparent: s1\n', 'qemu', /^its parent 's1' has no snapshot section \(cut off\)$/],
    [
      "a snapshot's parent lost (child [a2] before its parent [b1], the file cut after [a2])",
      'name: a\nparent: a2\n\n[a2]\nparent: b1\nsnaptime: 2\n',
      'qemu',
      /^snapshot \[a2\]'s parent 'b1' has no snapshot section \(cut off\)$/,
    ],
    // Only snapshot sections are parents: a snapshot named like another section (the main config, the
    // pending changes) whose own section was cut off is still cut off.
    [
      "a VM snapshot named 'main', its section cut off",
      'name: a\nparent: main\nscsi0: local-lvm:vm-100-disk-0\n',
      'qemu',
      /parent 'main'/,
    ],
    [
      // pve-container write_pct_config: main, [pve:pending], then the snapshots; a cut after the pending section
      "a CT snapshot named 'pending', cut after the [pve:pending] section",
      'arch: amd64\nparent: pending\nrootfs: local-lvm:vm-200-disk-0,size=8G\n\n[pve:pending]\nmemory: 1024\n',
      'lxc',
      /parent 'pending'/,
    ],
    [
      "a CT snapshot named 'pending', whole",
      'arch: amd64\nparent: pending\nrootfs: local-lvm:vm-200-disk-0,size=8G\n\n[pve:pending]\nmemory: 1024\n\n[pending]\nrootfs: local-lvm:vm-200-disk-0,size=8G\nsnaptime: 1712000000\n',
      'lxc',
      null,
    ],
    // qemu-server parse_vm_config skips a section it does not know (a newer PVE's) with a warning: its
    // lines say nothing about this config.
    ['a section PVE skips, with a parent line', 'name: a\n\n[special:newer]\nparent: x\n', 'qemu', null],
  ];
  for (const [what, text, type, defect] of table) {
    const got = parseGuestConfig(text, type, 100).defect;
    if (defect === null) assert.equal(got, null, what);
    else assert.match(got ?? '', defect, what);
  }
});

const PMXCFS = { '/etc/pve/.version': '{"version": 3}\n', '/etc/pve/storage.cfg': LOCAL_LVM };
const CONFIG = { '/etc/pve/nodes/pve1/qemu-server/100.conf': 'name: a\n' };

function vmlistOfFiles(files: Record<string, string>): string | null {
  const text = files['/etc/pve/.vmlist'];
  let entries = null;
  let error = null;
  try {
    entries = text === undefined ? null : parseVmlist(text);
  } catch (e) {
    error = (e as Error).message;
  }
  return vmlistGap(files, { entries, error }, parsePveState(snapOf(files)).guests.values());
}

function snapOf(files: Record<string, string>) {
  return { ...new NodeBuilder().build(), files };
}

test('.vmlist: missing, unparseable or short while pmxcfs serves /etc/pve is a gap; no pmxcfs, no gap', () => {
  const table: [string, Record<string, string>, RegExp | null][] = [
    ['whole', { ...PMXCFS, ...CONFIG, '/etc/pve/.vmlist': vmlistOf(CONFIG) }, null],
    ['a cluster without guests', { ...PMXCFS, '/etc/pve/.vmlist': '{\n"version": 4\n\n}\n' }, null],
    ['no /etc/pve at all (pmxcfs down: storage.cfg rules say so)', {}, null],
    ['missing', { ...PMXCFS, ...CONFIG }, /missing or unreadable/],
    ['empty', { ...PMXCFS, ...CONFIG, '/etc/pve/.vmlist': '' }, /cannot be parsed/],
    ['JSON without version', { ...PMXCFS, '/etc/pve/.vmlist': '{}' }, /no version/],
    [
      'lacks a guest whose config exists',
      { ...PMXCFS, ...CONFIG, '/etc/pve/.vmlist': vmlistOf({}) },
      /lacks guests .*100 \(pve1\)/,
    ],
  ];
  for (const [what, files, gap] of table) {
    const got = vmlistOfFiles(files);
    if (gap === null) assert.equal(got, null, what);
    else assert.match(got ?? '', gap, what);
  }
});

test('.members: missing, unparseable or a cluster nodelist without this node while pmxcfs serves /etc/pve', () => {
  const cluster = (nodes: string[], count = nodes.length) =>
    JSON.stringify({
      nodename: 'pve1',
      version: 3,
      cluster: { name: 'c', version: 2, nodes: count, quorate: 1 },
      nodelist: Object.fromEntries(nodes.map((n, i) => [n, { id: i + 1, online: 1 }])),
    });
  const table: [string, Record<string, string>, RegExp | null][] = [
    ['standalone', { ...PMXCFS, '/etc/pve/.members': '{\n"nodename": "pve1",\n"version": 0\n}\n' }, null],
    ['a cluster', { ...PMXCFS, '/etc/pve/.members': cluster(['pve1', 'pve2']) }, null],
    ['no /etc/pve at all', {}, null],
    ['missing', { ...PMXCFS }, /missing or unreadable/],
    ['junk', { ...PMXCFS, '/etc/pve/.members': '<html>' }, /cannot be parsed/],
    ['nodelist shorter than the cluster', { ...PMXCFS, '/etc/pve/.members': cluster(['pve1'], 2) }, /incomplete/],
    ['nodelist without this node', { ...PMXCFS, '/etc/pve/.members': cluster(['pve2']) }, /incomplete/],
  ];
  for (const [what, files, gap] of table) {
    let members = null;
    let error = null;
    try {
      members = files['/etc/pve/.members'] === undefined ? null : parseMembers(files['/etc/pve/.members']);
    } catch (e) {
      error = (e as Error).message;
    }
    const got = membersGap(files, { members, error });
    if (gap === null) assert.equal(got, null, what);
    else assert.match(got ?? '', gap, what);
  }
});

test('unseen configs: a guest list gap blinds every storage; an unread config blinds shared storage, and local storage of its node', () => {
  const rec = (vmid: number, node: string, ok: boolean) => ({
    vmid,
    node,
    type: 'qemu' as const,
    config: ok ? parseGuestConfig('name: a\n', 'qemu', vmid) : null,
    configError: ok ? undefined : 'EIO',
  });
  const table: [string, string | null, ReturnType<typeof rec>[], { shared: boolean; local: boolean }][] = [
    ['all read', null, [rec(100, 'pve1', true)], { shared: false, local: false }],
    ['guest list gap', '.vmlist gone', [rec(100, 'pve1', true)], { shared: true, local: true }],
    ['a config here unread', null, [rec(100, 'pve1', false)], { shared: true, local: true }],
    ['a config elsewhere unread', null, [rec(300, 'pve2', false)], { shared: true, local: false }],
  ];
  for (const [what, gap, guests, want] of table) {
    const got = unseenConfigs(gap, guests, 'pve1');
    assert.equal(got.shared !== null, want.shared, `${what}: shared`);
    assert.equal(got.local !== null, want.local, `${what}: local`);
  }
});

test('an orphan waits for every config that could name it: unknown, no action; valid stays valid', () => {
  const build = (o: { vmlist?: string | null; conf100?: string | null }) => {
    const b = new NodeBuilder().storage(LOCAL_LVM).pool('pve');
    b.guest(100, 'qemu', o.conf100 ?? ['name: web', 'scsi0: local-lvm:vm-100-disk-0,size=8G']);
    b.lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' });
    b.lv({ vg: 'pve', lv: 'vm-150-disk-0', pool: 'data' });
    const snap = b.build();
    if (o.conf100 === null) delete snap.files['/etc/pve/nodes/pve1/qemu-server/100.conf'];
    if (o.vmlist === null) delete snap.files['/etc/pve/.vmlist'];
    else if (o.vmlist !== undefined) snap.files['/etc/pve/.vmlist'] = o.vmlist;
    const r = analyzeNode(parseNode(snap), {});
    const e = (lv: string) => r.entries.find((x) => x.lv === lv)!;
    return { r, disk: e('vm-100-disk-0'), orphan: e('vm-150-disk-0') };
  };
  const healthy = build({});
  assert.equal(healthy.orphan.status, 'orphan');
  assert.ok(healthy.orphan.action, 'the healthy node plans its deactivation');
  const table: [string, Parameters<typeof build>[0], RegExp][] = [
    ['.vmlist unreadable', { vmlist: null }, /vmlist/],
    ['.vmlist junk', { vmlist: '}{' }, /vmlist/],
    [
      'the config listed but gone',
      { conf100: null, vmlist: vmlistOf({ '/etc/pve/nodes/pve1/qemu-server/100.conf': '' }) },
      /config of guest 100/,
    ],
    ['the config cut off', { conf100: 'name: web\nscsi0: local-lvm:vm-1' }, /config of guest 100/],
  ];
  for (const [what, o, why] of table) {
    const { r, orphan, disk } = build(o);
    assert.equal(orphan.status, 'unknown', what);
    assert.equal(orphan.action ?? null, null, `${what}: nothing planned`);
    assert.match(orphan.detail, why, what);
    assert.equal(r.status, 3, what);
    assert.match((r.unchecked ?? []).join('\n'), why, `${what}: the part says why`);
    if (o.conf100 === undefined) assert.equal(disk.status, 'valid', `${what}: a referenced disk stays valid`);
  }
});

test('an empty lvs report is believed only when nothing says the node has LVs', () => {
  const vg = (name: string, lvCount: number) => ({ name, lvCount }) as VgRow;
  const lvmMap = 'pve-root\tLVM-abc\tdm-0\t252\t0\tL--w\t1\t1\t0\n';
  const table: [string, VgRow[] | null, string, RegExp | null][] = [
    ['no VG, no map (a ZFS-only node)', [], '', null],
    ['VGs without LVs', [vg('pve', 0)], '', null],
    ['vgs failed, no LVM map', null, 'mpatha\tmpath-x\tdm-0\t252\t0\tL--w\t1\t1\t0\n', null],
    ['vgs counts LVs', [vg('pve', 2)], '', /vgs counts 2 in VG pve/],
    ['vgs failed, maps of LVs', null, lvmMap, /maps of LVs/],
  ];
  for (const [what, vgs, info, want] of table) {
    const got = emptyLvsContradiction(vgs, info);
    if (want === null) assert.equal(got, null, what);
    else assert.match(got ?? '', want, what);
  }
});

test('dmsetup status is believed for a thin pool or multipath map only with its line, whole', () => {
  const seg = (target: string, length = 100): DmSegment => ({ start: 0, length, target, params: '' });
  const tables = new Map<string, DmSegment[]>([
    ['pve-data-tpool', [seg('thin-pool')]],
    ['pve-root', [seg('linear')]],
  ]);
  const pool =
    'pve-data-tpool: 0 100 thin-pool 1 46/4048 4393/1841552 - rw no_discard_passdown queue_if_no_space - 1024';
  const root = 'pve-root: 0 100 linear';
  const table: [string, string, RegExp | null][] = [
    ['whole', `${pool}\n${root}\n`, null],
    ['a linear line lost (nothing reads it)', `${pool}\n`, null],
    ['a failed pool says Fail', 'pve-data-tpool: 0 100 thin-pool Fail\n', null],
    ['empty', '', /no thin-pool line for pve-data-tpool/],
    ['the pool line cut short', 'pve-data-tpool: 0 100 thin-pool 1 46/40\n', /cut short/],
    ['a line twice', `${pool}\n${pool}\n${root}\n`, /2 lines for pve-data-tpool/],
    ['a map dmsetup info does not know', `${pool}\n${root}\nghost: 0 8 linear\n`, /lists ghost/],
  ];
  for (const [what, text, want] of table) {
    const got = dmStatusDisagreement(text, tables);
    if (want === null) assert.equal(got, null, what);
    else assert.match(got ?? '', want, what);
  }
});
