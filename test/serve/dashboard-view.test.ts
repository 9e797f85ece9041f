// What the dashboard shows, decided on the server (src/render/dashboard-view.ts), and serve's scan
// history (src/core/findings/history.ts, src/serve/scan-history.ts) through the routes: counts per scan, "new
// since the last scan", kept in the state dir with mode 0600.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  emptyHistory,
  historyPoint,
  newSinceLastScan,
  parseHistory,
  recordScan,
} from '../../src/core/findings/history';
import type { CheckDocument, DmResult, MountEntry, MountsResult, Status } from '../../src/core/vocab/types';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderPrometheus } from '../../src/render/prometheus';
import { bodyBytes } from '../../src/serve/http-replies';
import { createRouter } from '../../src/serve/routes';
import { createScanHistory, recordServiceScan } from '../../src/serve/scan-history';
import { createService } from '../../src/serve/service';
import { runCli, tempDir } from '../helpers/cli';
import { buildDoc, dmEntry, dmResult, mountEntry, mountsResult } from './sample';

const demo = () => JSON.parse(runCli(['check', '--demo', '--json']).stdout) as CheckDocument;

test('view: findings lead with the volume ID, the guest (name, PVE GUI link) and the storage', () => {
  const doc = demo();
  const v = dashboardView(doc);
  const orphan = v.findings.find((f) => f.dmName === 'pve-vm--100--disk--2')!;
  assert.equal(orphan.title, 'local-lvm:vm-100-disk-2');
  assert.deepEqual(orphan.guest, { vmid: 100, name: 'web01', type: 'VM', node: 'pve1', gui: '#v1:0:=qemu%2F100' });
  assert.equal(orphan.storage, 'local-lvm');
  assert.equal(orphan.word, 'WARNING');
  assert.match(orphan.size ?? '', /^\d+\.\d GiB$/, 'the one byte formatter');
  assert.match(orphan.ackCommand ?? '', /^pve-health ack dm:orphan:not-referenced:local-lvm:vm-100-disk-2 --for 7d/);
  const ct = v.findings.find((f) => f.title === 'CT 110:/mnt/backup')!;
  assert.equal(ct.guest?.gui, '#v1:0:=lxc%2F110');
  // A leftover's VMID without a guest: no link to a page that does not exist.
  assert.equal(v.findings.find((f) => f.dmName === 'pve-vm--150--disk--0')!.guest?.gui, null);
  assert.equal(v.word, 'CRITICAL');
  // Everything counted, and the next-VMID advice apart (never counted).
  const advice = v.findings.filter((f) => f.advice);
  assert.equal(
    v.counts.critical + v.counts.warning + v.counts.unknown + v.counts.pending,
    v.findings.length - advice.length,
  );
});

test('view: the next VMID colliding with a leftover is a WARNING among the findings, not a note; a free one stays a note', () => {
  const doc = demo();
  const v = dashboardView(doc);
  const advice = v.findings.filter((f) => f.advice);
  assert.deepEqual(
    advice.map((f) => [f.word, f.level, f.kind, f.ackCommand, f.fix]),
    doc.dm!.vmidReuse.messages.map(() => ['WARNING', 1, 'next VMID', null, null]),
  );
  assert.match(advice[0].explanation, /the next VM created will get 104 and its first disk on local-lvm will fail/);
  assert.ok(!v.notes.some((n) => /will fail|inherits/.test(n)), v.notes.join('\n'));
  const free = {
    ...doc,
    dm: {
      ...doc.dm!,
      vmidReuse: {
        nextVmid: 200,
        upcoming: [],
        collisions: [],
        leftovers: [],
        messages: ['the next VMID is 200; nothing on this node collides with it'],
      },
    },
  };
  const w = dashboardView(free);
  assert.equal(w.findings.filter((f) => f.advice).length, 0);
  assert.ok(w.notes.includes('the next VMID is 200; nothing on this node collides with it'));
});

test('view: a capacity bar is coloured by usage and status together (never green when full or not ok)', () => {
  const rows: [Partial<MountEntry>, Status][] = [
    [{ status: 'ok', usagePercent: 38 }, 0],
    [{ status: 'ok', usagePercent: 100 }, 2],
    [{ status: 'readonly', usagePercent: 100, reason: 'remounted-readonly' }, 2],
    [{ status: 'readonly', usagePercent: 12 }, 1],
    [{ status: 'full', usagePercent: 92, severity: 1 }, 1],
    [{ status: 'full', usagePercent: 99, severity: 2 }, 2],
    [{ status: 'stale', usagePercent: null }, 2],
  ];
  for (const [over, level] of rows) {
    const doc = buildDoc({
      dm: null,
      mounts: mountsResult([mountEntry({ scope: 'ct', ctid: 110, target: '/srv/data', ...over })], 1),
      scannedAt: null,
    });
    assert.equal(dashboardView(doc).mounts[0].capacityLevel, level, JSON.stringify(over));
  }
});

test('view: a missing mount is "not mounted", never "unreachable", and nothing prints "()"', () => {
  const v = dashboardView(demo());
  const usb = v.mounts.find((m) => m.target === '/mnt/usb-backup')!;
  assert.equal(usb.status, 'missing');
  assert.equal(usb.capacity, 'not mounted');
  assert.equal(v.mounts.find((m) => m.status === 'stale')!.capacity, 'no answer');
  assert.match(v.mounts.find((m) => m.status === 'full')!.capacity, /^\d+ % of .+iB, .+ free$/);
  assert.ok(!JSON.stringify(v).includes('()'), 'no empty parentheses anywhere');
});

test('view: a part that could not be checked leads as UNKNOWN and has no ack command', () => {
  const doc = buildDoc({ dm: { ...dmResult([], 3), error: 'dmsetup exited 1' }, mounts: null, scannedAt: null });
  const v = dashboardView(doc);
  assert.equal(v.findings[0].word, 'UNKNOWN');
  assert.equal(v.findings[0].ackCommand, null);
  assert.equal(v.grade, '?');
  assert.equal(v.counts.unknown, 1);
});

test('history: the newest two scans keep their keys; "new" is what the scan before did not have', () => {
  let h = emptyHistory();
  const f = (key: string) => ({ key, severity: 1 as const, pending: false, acknowledged: false });
  h = recordScan(h, 'dm', historyPoint(new Date(1000), 1, [f('a')]));
  assert.deepEqual(newSinceLastScan(h, 'dm'), [], 'nothing is new after the first scan');
  h = recordScan(h, 'dm', historyPoint(new Date(2000), 1, [f('a'), f('b')]));
  assert.deepEqual(newSinceLastScan(h, 'dm'), ['b']);
  for (let i = 0; i < 60; i++) h = recordScan(h, 'dm', historyPoint(new Date(3000 + i), 0, []));
  assert.equal(h.dm.length, 48);
  assert.equal(h.dm.filter((p) => p.keys).length, 2);
  assert.deepEqual(parseHistory(JSON.stringify(h)), h);
  assert.throws(() => parseHistory('{"version":2}'));
});

test('serve: /api/status carries the view and the history; a finding that appears is new; the file is 0600', async () => {
  const root = tempDir('pvh-history-');
  let dm: DmResult = dmResult([], 0);
  let fail = false;
  const mounts: MountsResult = mountsResult([mountEntry()], 0);
  const history = createScanHistory({ host: { root }, persist: true, warn: (m) => assert.fail(m) });
  const svc = createService({
    scanDm: async () => {
      if (fail) throw new Error('dmsetup hung');
      return dm;
    },
    scanMounts: async () => mounts,
    dmIntervalMs: 60_000,
    mountsIntervalMs: 60_000,
    now: () => new Date(),
    onScan: (part) => recordServiceScan(history, svc, part, buildDoc),
  });
  const route = createRouter({
    service: svc,
    buildDocument: buildDoc,
    renderMetrics: renderPrometheus,
    policy: { token: null },
    version: 't',
    history: history.get,
  });
  const status = () => {
    const r = route({ method: 'GET', url: '/api/status', headers: { host: '127.0.0.1:8080' } });
    assert.ok(!(r instanceof Promise));
    return JSON.parse(bodyBytes(r.body).toString());
  };
  await Promise.all([svc.scan('dm'), svc.scan('mounts')]);
  assert.equal(status().view.counts.new, 0);
  dm = dmResult([dmEntry({ name: 'pve-vm--100--disk--0', status: 'orphan', reason: 'not-referenced' })], 1);
  await svc.scan('dm');
  const doc = status();
  assert.equal(doc.view.findings[0].isNew, true);
  assert.equal(doc.view.findings[0].title, 'local-lvm:vm-100-disk-0');
  assert.deepEqual(
    doc.history.dm.map((p: { status: number; warning: number }) => [p.status, p.warning]),
    [
      [0, 0],
      [1, 1],
    ],
  );
  assert.equal(doc.history.dm[0].keys, undefined, 'keys stay in the service');
  // Written off the event loop: on the disk once the writes in flight are done.
  await history.flush();
  const file = join(root, 'var/lib/pve-health/serve-history.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  // A restart reads it back.
  assert.equal(createScanHistory({ host: { root }, persist: true, warn: assert.fail }).get().dm.length, 2);
  // A failed scan is an UNKNOWN point, and the scan after it marks nothing new by mistake.
  fail = true;
  await svc.scan('dm');
  assert.equal(status().history.dm.at(-1).status, 3);
  fail = false;
  await svc.scan('dm');
  assert.equal(status().view.counts.new, 0);
  svc.stop();
});
