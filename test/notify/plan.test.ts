import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSubject, describeKey } from '../../src/notify/message';
import { digestSlot, emptyState, isDigestDue, nextState, parseState, planChannels } from '../../src/notify/plan';
import { healthyDoc, troubledDoc } from '../fixtures/docs/check-documents';

const T0 = new Date('2026-03-14T09:00:00Z');
const cur = (status: 0 | 1 | 2 | 3, findings: string[], now = T0) => ({ node: 'pve1', status, findings, now });

test('plan: notify on change per channel; a healthy first run stays quiet', () => {
  const s0 = emptyState();
  const cases = [
    { name: 'healthy first run', state: s0, cur: cur(0, []), send: false, why: 'unchanged' },
    {
      name: 'findings on first run',
      state: s0,
      cur: cur(1, ['dm:orphan:guest-missing:a']),
      send: true,
      why: '1 new, status changed',
    },
    {
      name: 'same findings again',
      state: nextState(s0, cur(1, ['a']), [{ channel: 'smtp', kind: 'change' }], false),
      cur: cur(1, ['a']),
      send: false,
      why: 'unchanged',
    },
    {
      name: 'one resolved, status same',
      state: nextState(s0, cur(1, ['a', 'b']), [{ channel: 'smtp', kind: 'change' }], false),
      cur: cur(1, ['a']),
      send: true,
      why: '1 resolved',
    },
    {
      name: 'status changes without new findings',
      state: nextState(s0, cur(1, ['a']), [{ channel: 'smtp', kind: 'change' }], false),
      cur: cur(2, ['a']),
      send: true,
      why: 'status changed',
    },
  ];
  for (const c of cases) {
    const [p] = planChannels(c.state, c.cur, ['smtp'], { on: 'change' });
    assert.equal(p.send, c.send, c.name);
    assert.equal(p.why, c.why, c.name);
  }
});

test('plan: a failed channel is retried next run, a delivered one is not', () => {
  const s1 = nextState(emptyState(), cur(2, ['x']), [{ channel: 'webhook', kind: 'change' }], false);
  const plans = planChannels(s1, cur(2, ['x']), ['webhook', 'mailjet'], { on: 'change' });
  assert.deepEqual(
    plans.map((p) => [p.channel, p.send]),
    [
      ['webhook', false],
      ['mailjet', true],
    ],
  );
});

test('plan: --always, on=always, on=never, test', () => {
  const s1 = nextState(emptyState(), cur(1, ['a']), [{ channel: 'smtp', kind: 'change' }], false);
  const c = cur(1, ['a']);
  assert.equal(planChannels(s1, c, ['smtp'], { on: 'change', always: true })[0].kind, 'always');
  assert.equal(planChannels(s1, c, ['smtp'], { on: 'always' })[0].kind, 'always');
  assert.equal(planChannels(emptyState(), cur(2, ['z']), ['smtp'], { on: 'never' })[0].send, false);
  assert.equal(planChannels(emptyState(), cur(2, ['z']), ['smtp'], { on: 'never', always: true })[0].send, true);
  assert.equal(planChannels(s1, c, ['smtp'], { on: 'never', test: true })[0].kind, 'test');
  // A test message does not count as telling the channel anything.
  const s2 = nextState(emptyState(), cur(2, ['z']), [{ channel: 'smtp', kind: 'test' }], false);
  assert.equal(s2.nodes.pve1.channels.smtp, undefined);
});

test('plan: daily digest once per day at HH:MM local time', () => {
  const at = (h: number, m: number, day = 14) => new Date(2026, 2, day, h, m);
  assert.equal(digestSlot(at(8, 0), '07:30').getTime(), at(7, 30).getTime());
  assert.equal(digestSlot(at(7, 0), '07:30').getTime(), at(7, 30, 13).getTime());
  const sent = nextState(emptyState(), cur(1, ['a'], at(7, 45)), [{ channel: 'smtp', kind: 'digest' }], true);
  const cases: [Date, boolean][] = [
    [at(7, 50), false],
    [at(7, 29, 15), false],
    [at(7, 30, 15), true],
  ];
  for (const [now, due] of cases) assert.equal(isDigestDue(sent.nodes.pve1, now, '07:30'), due, now.toString());
  const [p] = planChannels(sent, cur(1, ['a'], at(7, 31, 15)), ['smtp'], { on: 'change', digest: '07:30' });
  assert.equal(p.kind, 'digest');
  assert.equal(isDigestDue(undefined, at(7, 50), undefined), false);
});

test('plan: state file parsing tolerates junk and other versions', () => {
  for (const text of ['', '{', '{"version":2,"nodes":{}}', 'null']) assert.deepEqual(parseState(text), emptyState());
  const s = nextState(emptyState(), cur(1, ['a']), [{ channel: 'smtp', kind: 'change' }], false);
  assert.deepEqual(parseState(JSON.stringify(s)), s);
});

test('message: subject by severity, keys in words', () => {
  assert.equal(
    buildSubject(troubledDoc(), 'change', null),
    '[pve-health CRITICAL] pve1 — grade F: 1 duplicate, 3 orphans, 1 stale mount, 1 readonly mount, 1 full mount, 1 pending',
  );
  assert.equal(buildSubject(healthyDoc(), 'change', 2), '[pve-health OK] pve1 — all clear');
  assert.equal(buildSubject(healthyDoc(), 'digest', 0), '[pve-health OK digest] pve1 — grade A+: no issues');
  assert.match(buildSubject(troubledDoc(), 'test', null), /^\[pve-health CRITICAL test\] pve1/);
  assert.equal(
    describeKey('dm:orphan:guest-missing:pve-vm--105--disk--0'),
    'orphan pve-vm--105--disk--0 (guest-missing)',
  );
  assert.equal(describeKey('mount:stale:ct:102:/mnt/a:b'), 'stale mount CT 102:/mnt/a:b');
  assert.equal(describeKey('mount:full:host::/mnt/pve/iso'), 'full mount /mnt/pve/iso');
  assert.equal(describeKey('storage:thin-data:pve/data'), 'storage thin-data:pve/data');
});
