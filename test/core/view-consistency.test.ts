// The node view's one consistency check (core/node/view-consistency.ts) and storage.cfg gaps
// (core/node/storage-gaps.ts), on the demo node: each fault makes the DM part UNKNOWN, plans nothing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { dmDevicesOf, parseNode } from '../../src/core/node/node-view';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { carriedFindings, emptyState, nextState, planChannels } from '../../src/notify/plan';

const demo = JSON.parse(
  readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../demo/demo-node.json'), 'utf8'),
) as HostSnapshot;

function withCommand(key: string, edit: (t: string) => string): HostSnapshot {
  const s = structuredClone(demo);
  s.commands[key] = { ...s.commands[key], stdout: edit(s.commands[key].stdout) };
  return s;
}
/** The demo with its kernel list of maps (/sys/block/dm-*) edited. */
function withSysDm(edit: (sysDm: HostSnapshot['sysDm']) => void): HostSnapshot {
  const s = structuredClone(demo);
  edit(s.sysDm);
  return s;
}
const lines = (t: string) => t.split('\n').filter(Boolean);
const twiceFirst = (t: string) => `${lines(t)[0]}\n${t}`;

test('the demo node is consistent', () => {
  assert.equal(parseNode(demo).dm.failure, null);
  assert.equal(parseNode(demo).storageGap, null);
});

const FAULTS: [string, () => HostSnapshot, RegExp][] = [
  [
    'a duplicated info line (never "a duplicate of itself")',
    () => withCommand('dmsetup.info', twiceFirst),
    /lists \S+ twice/,
  ],
  [
    'info empty, exit 0, while the kernel lists maps',
    () => withCommand('dmsetup.info', () => ''),
    /dmsetup info does not|\/sys\/block has/,
  ],
  [
    'info partial',
    () => withCommand('dmsetup.info', (t) => lines(t).slice(1).join('\n')),
    /dmsetup table lists|\/sys\/block has/,
  ],
  ['table empty', () => withCommand('dmsetup.table', () => ''), /dmsetup table has no line/],
  ['a duplicated table line', () => withCommand('dmsetup.table', twiceFirst), /segments/],
  ['deps empty', () => withCommand('dmsetup.deps', () => ''), /dmsetup deps has no line/],
  ['a duplicated deps line', () => withCommand('dmsetup.deps', twiceFirst), /dmsetup deps prints/],
  [
    'sysfs unreadable',
    () => ({ ...structuredClone(demo), sysDmRead: '/sys/block: EACCES' }),
    /kernel's list of maps could not be read/,
  ],
  [
    'sysfs names another map',
    () =>
      withSysDm((d) => {
        d[0] = { ...d[0], name: 'other' };
      }),
    /in \/sys\/block/,
  ],
  // The kernel's list is first compared through the device index (sysfsAgrees); each way it can disagree
  // while having as many entries as dmsetup info must still be found.
  [
    'sysfs lists one map twice and another not at all',
    () =>
      withSysDm((d) => {
        d[1] = { ...d[0] };
      }),
    /dmsetup lists \S+ \(dm-\d+\), \/sys\/block does not/,
  ],
  [
    'sysfs has another UUID for a map',
    () =>
      withSysDm((d) => {
        d[2] = { ...d[2], uuid: `${d[2].uuid}x` };
      }),
    /in \/sys\/block/,
  ],
  [
    'sysfs has another device number for a map',
    () =>
      withSysDm((d) => {
        d[0] = { ...d[0], dev: '252:999' };
      }),
    /in \/sys\/block/,
  ],
  [
    'sysfs has a kernel name dmsetup does not, in place of one it has',
    () =>
      withSysDm((d) => {
        d[0] = { ...d[0], kname: 'dm-9999' };
      }),
    /\/sys\/block has \S+ \(dm-9999\), dmsetup does not/,
  ],
  [
    'sysfs has one map more',
    () =>
      withSysDm((d) => {
        d.push({ ...d[0], kname: 'dm-9999', name: 'extra' });
      }),
    /\/sys\/block has extra \(dm-9999\), dmsetup does not/,
  ],
  [
    'a duplicated UUID in info',
    () =>
      withCommand('dmsetup.info', (t) => {
        const l = lines(t);
        const lvm = l.filter((x) => x.split('\t')[1].startsWith('LVM-'));
        const [a, b] = [lvm[0].split('\t'), lvm[1].split('\t')];
        b[1] = a[1];
        return l.map((x) => (x === lvm[1] ? b.join('\t') : x)).join('\n');
      }),
    /dmsetup info lists UUID LVM-\S+ twice/,
  ],
];

for (const [what, make, why] of FAULTS) {
  test(`inconsistent DM view: ${what} → UNKNOWN, nothing planned`, () => {
    const view = parseNode(make());
    assert.match(view.dm.failure ?? '', why);
    assert.match(view.dm.failure ?? '', /the device-mapper view is inconsistent/);
    assert.throws(() => dmDevicesOf(view), why);
  });
}

test('lvs reports an active LV whose map dmsetup does not list', () => {
  const s = structuredClone(demo);
  const info = lines(s.commands['dmsetup.info'].stdout);
  const victim = info.find((l) => l.includes('vm--100'))!;
  const name = victim.split('\t')[0];
  s.commands['dmsetup.info'].stdout = `${info.filter((l) => l !== victim).join('\n')}\n`;
  s.commands['dmsetup.table'].stdout = lines(s.commands['dmsetup.table'].stdout)
    .filter((l) => !l.startsWith(`${name}:`))
    .join('\n');
  s.commands['dmsetup.deps'].stdout = lines(s.commands['dmsetup.deps'].stdout)
    .filter((l) => !l.startsWith(`${name}:`))
    .join('\n');
  s.sysDm = s.sysDm.filter((e) => e.name !== name);
  assert.match(parseNode(s).dm.failure ?? '', /lvs says \S+ is active as \d+:\d+, dmsetup lists no such map/);
});

const CFG = '/etc/pve/storage.cfg';
const STORAGE: [string, (t: string) => string | undefined, RegExp][] = [
  ['missing', () => undefined, /missing or unreadable/],
  ['empty', () => '', /defines no storage, yet guest configs name/],
  ['truncated (a section without its vgname)', (t) => t.replace(/\tvgname \S+\n/, ''), /incomplete .* has no vgname/],
  ['junk lines', (t) => `${t}\n<html>502 Bad Gateway</html>\n`, /lines that are not storage definitions/],
];
for (const [what, edit, why] of STORAGE) {
  test(`storage.cfg ${what}: the DM part is UNKNOWN with the reason, nothing planned`, () => {
    const s = structuredClone(demo);
    const t = edit(s.files[CFG]);
    if (t === undefined) delete s.files[CFG];
    else s.files[CFG] = t;
    const view = parseNode(s);
    assert.match(view.storageGap ?? '', why);
    assert.equal(view.dm.failure, view.storageGap);
    assert.throws(() => analyzeNode(view, {}), why);
  });
}

test('notify: a part that could not be checked resolves nothing; its findings are carried over', () => {
  const before = ['dm:orphan:guest-missing:pve-vm--150--disk--0', 'mounts:stale:unreachable:/mnt/pve/nfs'];
  const now = new Date('2026-11-23T10:00:00Z');
  const prev = nextState(
    emptyState(),
    { node: 'pve1', status: 2, findings: before, now },
    [{ channel: 'mail', kind: 'change' }],
    false,
  );
  const cur = {
    node: 'pve1',
    status: 3 as const,
    findings: ['mounts:stale:unreachable:/mnt/pve/nfs'],
    now,
    unchecked: ['dm'],
  };
  const [plan] = planChannels(prev, cur, ['mail'], { on: 'change' });
  assert.deepEqual(plan.resolved, [], 'the DM finding is not resolved by a check that could not see DM');
  assert.deepEqual(carriedFindings(before, cur), ['dm:orphan:guest-missing:pve-vm--150--disk--0']);
  const next = nextState(prev, cur, [{ channel: 'mail', kind: 'change' }], false);
  assert.ok(next.nodes.pve1.channels.mail.findings.includes('dm:orphan:guest-missing:pve-vm--150--disk--0'));
  // Checked again and gone: now it is resolved.
  const [after] = planChannels(next, { node: 'pve1', status: 2, findings: cur.findings, now }, ['mail'], {
    on: 'change',
  });
  assert.deepEqual(after.resolved, ['dm:orphan:guest-missing:pve-vm--150--disk--0']);
});
