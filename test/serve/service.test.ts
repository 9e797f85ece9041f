import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DmResult, MountsResult } from '../../src/core/vocab/types';
import { createService } from '../../src/serve/service';
import { dmEntry, dmResult, mountsResult } from './sample';

/** A scanner whose calls stay pending until the test resolves or rejects them. */
function controllable<T>() {
  const calls: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  const fn = () => new Promise<T>((resolve, reject) => calls.push({ resolve, reject }));
  return { fn, calls };
}

/** A clock the test moves by hand. */
function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

test('service: a hanging scan is single-flight and reported as overrun with its age', async () => {
  const dm = controllable<DmResult>();
  const c = clock();
  const svc = createService({
    scanDm: dm.fn,
    scanMounts: async () => mountsResult([]),
    dmIntervalMs: 60_000,
    mountsIntervalMs: 30_000,
    now: c.now,
  });
  const first = svc.scan('dm');
  // Asking again while the first scan hangs joins it instead of starting a second one.
  const again = svc.scan('dm');
  assert.equal(first, again);
  assert.equal(dm.calls.length, 1);

  c.advance(30_000);
  let r = svc.report('dm');
  assert.equal(r.running, true);
  assert.equal(r.overrun, false, 'not overrun before its interval');
  assert.equal(r.runningForSeconds, 30);

  c.advance(45_000);
  r = svc.report('dm');
  assert.equal(r.overrun, true);
  assert.equal(r.runningForSeconds, 75);
  assert.equal(r.lastScanAt, null);
  assert.equal(svc.state('dm').result, null);

  dm.calls[0].resolve(dmResult([dmEntry()]));
  await first;
  r = svc.report('dm');
  assert.equal(r.running, false);
  assert.equal(r.overrun, false);
  assert.equal(r.lastDurationMs, 75_000);
  assert.equal(r.scans, 1);
  assert.equal(svc.state('dm').result?.summary.grade, 'A+');

  // Only now a new scan may start.
  const second = svc.scan('dm');
  assert.notEqual(second, first);
  assert.equal(dm.calls.length, 2);
  dm.calls[1].resolve(dmResult([]));
  await second;
});

test('service: a failed scan keeps the previous result and reports the error', async () => {
  const m = controllable<MountsResult>();
  const c = clock();
  const svc = createService({
    scanDm: async () => dmResult([]),
    scanMounts: m.fn,
    dmIntervalMs: 60_000,
    mountsIntervalMs: 30_000,
    now: c.now,
  });
  const p1 = svc.scan('mounts');
  m.calls[0].resolve(mountsResult([], 0));
  await p1;
  const gen = svc.state('mounts').generation;
  const p2 = svc.scan('mounts');
  m.calls[1].reject(new Error('findmnt exploded'));
  await p2;
  assert.equal(svc.report('mounts').error, 'findmnt exploded');
  assert.deepEqual(svc.state('mounts').result, mountsResult([], 0));
  assert.ok(svc.state('mounts').generation > gen, 'an error changes what is served');
  const p3 = svc.scan('mounts');
  m.calls[2].resolve(mountsResult([], 1));
  await p3;
  assert.equal(svc.report('mounts').error, null);
  assert.equal(svc.state('mounts').result?.status, 1);
});

test('service: a scanner that throws synchronously is a failed scan, not a crash', async () => {
  const svc = createService({
    scanDm: () => {
      throw new Error('boom');
    },
    scanMounts: async () => mountsResult([]),
    dmIntervalMs: 60_000,
    mountsIntervalMs: 30_000,
    now: () => new Date(),
  });
  await svc.scan('dm');
  assert.equal(svc.report('dm').error, 'boom');
  assert.equal(svc.report('dm').running, false);
});

test('service: the schedule never overlaps scans of a part, however short the interval', async () => {
  // Real clock, 5 ms interval, scans that take ~20 ms: without single-flight they would pile up.
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  const slow = async () => {
    calls++;
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 20));
    active--;
    return mountsResult([]);
  };
  const svc = createService({
    scanDm: async () => dmResult([]),
    scanMounts: slow,
    dmIntervalMs: 60_000,
    mountsIntervalMs: 5,
    now: () => new Date(),
  });
  svc.start();
  while (calls < 4) await new Promise((r) => setTimeout(r, 5));
  svc.stop();
  assert.equal(maxActive, 1);
  assert.ok(svc.report('mounts').scans >= 3);
});
