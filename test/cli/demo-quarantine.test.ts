// The bundled demo node has a volume in pve-health's quarantine (issue 60: a demo that shows every output's
// quarantine section): a thin LV of a removed VM 175, quarantined on 12 November, past its retention. Every
// form of the demo lists it — check, volumes and dm text, JSON, the HTML report and the dashboard's table —
// with its purge command, and the purge dry run plans it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckDocument } from '../../src/core/vocab/types';
import { dashboardView } from '../../src/render/dashboard-view';
import { runCli } from '../helpers/cli';

const VOLID = 'local-lvm:vm-175-disk-0';
const LV = 'pve/pve-health-q.20261112T091500Z.vm-175-disk-0';

test('check, volumes and dm --demo list the quarantined LV with its dates and where it is held', () => {
  for (const cmd of ['check', 'volumes', 'dm']) {
    const r = runCli([cmd, '--demo'], { env: { COLUMNS: '400' } });
    assert.ok(r.code >= 1 && r.code <= 2, `${cmd}: ${r.stderr}`);
    assert.match(
      r.stdout,
      /^In quarantine(?: on LVM \(`pve-health check` lists every storage\))? \(1, 24\.0 GiB provisioned, used not listed; /m,
    );
    assert.ok(
      r.stdout.includes(
        `  ${VOLID} · 24.0 GiB provisioned, used not listed · since 2026-11-12 09:15:00 UTC · purge after 2026-11-19 09:15:00 UTC (due: pve-health reclaim --purge) · held as ${LV}`,
      ),
      `${cmd}: ${r.stdout.slice(-800)}`,
    );
  }
  // `-q` is problems only: no quarantine there.
  assert.doesNotMatch(runCli(['check', '--demo', '-q']).stdout, /In quarantine/);
});

test('the JSON, the report and the dashboard carry it; the purge dry run plans it', () => {
  const doc = JSON.parse(runCli(['check', '--demo', '--json']).stdout) as CheckDocument;
  assert.deepEqual(
    doc.quarantine?.volumes.map((v) => [v.volid, v.name, v.due, v.sizeBytes]),
    [[VOLID, LV, true, 24 * 1024 ** 3]],
  );
  const view = dashboardView(doc);
  assert.deepEqual(
    view.quarantine?.rows.map((r) => [r.volid, r.purge]),
    [[VOLID, `pve-health reclaim --purge --name ${VOLID}`]],
  );
  const html = runCli(['report', '--demo', '--html', '-']).stdout.replace(/<wbr>/g, '');
  assert.match(html, /id="quarantine"[^>]*><h2[^>]*>In quarantine<\/h2><p[^>]*>In quarantine \(1, /);
  assert.ok(html.includes(`pve-health reclaim --purge --name ${VOLID}`));
  const purge = runCli(['reclaim', '--demo', '--purge', '--dry-run']);
  assert.equal(purge.code, 0, purge.stderr);
  assert.match(purge.stdout, new RegExp(`^ {2}\\[1\\] ${VOLID} {2}guest 175 · lvmthin · 24\\.0 GiB provisioned`, 'm'));
});
