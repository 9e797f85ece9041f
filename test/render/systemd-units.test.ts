import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  PVE_HEALTH_SERVICE_UNIT,
  PVE_HEALTH_TIMER_UNIT,
  renderServiceUnit,
  renderTimerUnit,
  systemdQuote,
} from '../../src/render/systemd-units';
import { requireTool } from '../helpers/require-tool';

test('systemd units: oneshot after pve-cluster, only with /etc/pve; timer every 15 min, randomized, persistent', () => {
  const s = PVE_HEALTH_SERVICE_UNIT;
  for (const line of [
    'Type=oneshot',
    'After=pve-cluster.service',
    'ConditionPathExists=/etc/pve',
    'SuccessExitStatus=1 2',
  ]) {
    assert.ok(s.split('\n').includes(line), line);
  }
  assert.match(
    s,
    /^ExecStart=\/usr\/bin\/pve-health check --quiet --notify --textfile-if-present \/var\/lib\/prometheus\/node-exporter$/m,
  );
  const tm = PVE_HEALTH_TIMER_UNIT.split('\n');
  for (const line of ['OnCalendar=*:0/15', 'Persistent=true', 'RandomizedDelaySec=180', 'WantedBy=timers.target']) {
    assert.ok(tm.includes(line), line);
  }
  assert.ok(renderTimerUnit({ intervalMinutes: 5 }).includes('OnCalendar=*:0/5\n'));
  assert.throws(() => renderTimerUnit({ intervalMinutes: 0 }), RangeError);
});

test('systemd units: ExecStart words are quoted for systemd', () => {
  const cases: [string, string][] = [
    ['/usr/bin/pve-health', '/usr/bin/pve-health'],
    ['/opt/my dir/x.cjs', '"/opt/my dir/x.cjs"'],
    ['50%', '50%%'],
    ['$HOME', '"$$HOME"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
  ];
  for (const [word, want] of cases) assert.equal(systemdQuote(word), want);
});

test('systemd units: systemd-analyze verify accepts both units', (t): void => {
  const tool = requireTool(t, 'systemd-analyze', 'systemd');
  if (!tool) return;
  const dir = mkdtempSync(join(tmpdir(), 'pvh-units-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // verify checks that ExecStart is executable: point it at this node, with a path that needs quoting.
  writeFileSync(
    join(dir, 'pve-health.service'),
    renderServiceUnit({ exec: [process.execPath, '/opt/pve health/pve-health.cjs'] }),
  );
  writeFileSync(join(dir, 'pve-health.timer'), PVE_HEALTH_TIMER_UNIT);
  const r = spawnSync(tool, ['verify', '--man=no', join(dir, 'pve-health.service'), join(dir, 'pve-health.timer')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '');
  // verify is not a rubber stamp: unbalanced quoting fails.
  writeFileSync(
    join(dir, 'pve-health.service'),
    `${renderServiceUnit({ exec: [process.execPath] })}ExecStartPost=/bin/true "x\n`,
  );
  const bad = spawnSync(tool, ['verify', '--man=no', join(dir, 'pve-health.service')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
});
