// Quarantined volumes in every output of a check document (issue: reclaim): the text, the HTML report,
// the dashboard's notes and the metrics name each one (volume ID, space, since, purge date, where it is
// now); the DM part's quarantined LVs are listed from their names; nothing is listed when nothing is
// quarantined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quarantinedDmEntries } from '../../src/core/reclaim/quarantined';
import type { CheckDocument, DmEntry } from '../../src/core/vocab/types';
import { renderCheckText } from '../../src/render/check-text';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
import { renderPrometheus } from '../../src/render/prometheus';
import { healthyDoc } from '../fixtures/docs/check-documents';

const GiB = 1024 ** 3;

function withQuarantine(): CheckDocument {
  return {
    ...healthyDoc(),
    quarantine: {
      retentionDays: 7,
      volumes: [
        {
          volid: 'local-zfs:vm-150-disk-0',
          storage: 'local-zfs',
          vmid: 150,
          name: 'rpool/data/pve-health-quarantine/pve-health-q.20261101T120000Z.vm-150-disk-0',
          since: '2026-11-01T12:00:00Z',
          purgeAfter: '2026-11-08T12:00:00.000Z',
          due: true,
          sizeBytes: 32 * GiB,
          usedBytes: 2 * GiB,
        },
        {
          volid: 'local-lvm:vm-151-disk-0',
          storage: 'local-lvm',
          vmid: 151,
          name: 'pve/pve-health-q.20261120T080000Z.vm-151-disk-0',
          since: '2026-11-20T08:00:00Z',
          purgeAfter: '2026-11-27T08:00:00.000Z',
          due: false,
          sizeBytes: 8 * GiB,
          usedBytes: null,
        },
      ],
    },
  };
}

const LINES = [
  'local-zfs:vm-150-disk-0 · 2.0 GiB · since 2026-11-01T12:00:00Z · purge after 2026-11-08T12:00:00.000Z (due: pve-health reclaim --purge) · now rpool/data/pve-health-quarantine/pve-health-q.20261101T120000Z.vm-150-disk-0',
  'local-lvm:vm-151-disk-0 · 8.0 GiB · since 2026-11-20T08:00:00Z · purge after 2026-11-27T08:00:00.000Z · now pve/pve-health-q.20261120T080000Z.vm-151-disk-0',
];

test('text: a section after the parts, each volume on its line, the commands that go with it', () => {
  const text = renderCheckText(withQuarantine(), { color: false });
  assert.match(text, /^In quarantine \(2, 10\.0 GiB; counted as no orphan; purge 7 days after it went in\)$/m);
  for (const l of LINES) assert.ok(text.includes(`\n  ${l}\n`), text);
  assert.match(text, /^ {4}pve-health reclaim --purge --dry-run$/m);
  assert.ok(!renderCheckText(healthyDoc(), { color: false }).includes('In quarantine'));
  // -q is problems only: a quarantine is none.
  assert.ok(!renderCheckText(withQuarantine(), { color: false, quiet: true }).includes('In quarantine'));
});

test('HTML report and dashboard: the same lines', () => {
  const html = renderHtml(withQuarantine()).replace(/<wbr>/g, '');
  assert.match(html, /In quarantine \(2, 10\.0 GiB/);
  for (const l of LINES) assert.ok(html.includes(l.replace(/</g, '&lt;')), l);
  assert.ok(!renderHtml(healthyDoc()).includes('In quarantine'));
  const notes = dashboardView(withQuarantine()).notes;
  assert.ok(
    notes.some((n) => n.startsWith('In quarantine (2, 10.0 GiB')),
    notes.join('\n'),
  );
  for (const l of LINES) assert.ok(notes.includes(l), l);
});

test('metrics: volumes, space and due ones per storage; none without a quarantine', () => {
  const m = renderPrometheus(withQuarantine());
  assert.match(m, /^pve_health_quarantined_volumes\{storage="local-zfs"\} 1$/m);
  assert.match(m, /^pve_health_quarantined_bytes\{storage="local-zfs"\} 2147483648$/m);
  assert.match(m, /^pve_health_quarantined_bytes\{storage="local-lvm"\} 8589934592$/m);
  assert.match(m, /^pve_health_quarantined_due_volumes\{storage="local-zfs"\} 1$/m);
  assert.match(m, /^pve_health_quarantined_due_volumes\{storage="local-lvm"\} 0$/m);
  assert.ok(!renderPrometheus(healthyDoc()).includes('quarantined'));
});

test('DM part: a quarantined LV is listed by the name it carries; other LVs are not', () => {
  const lv = (lvName: string, reason: DmEntry['reason']): DmEntry =>
    ({
      name: `pve-${lvName.replace(/-/g, '--')}`,
      vg: 'pve',
      lv: lvName,
      storage: 'local-lvm',
      reason,
      status: 'ignored',
      active: false,
      sizeBytes: 8 * GiB,
      lvUuid: 'abc',
    }) as DmEntry;
  const now = new Date('2026-11-28T00:00:00Z');
  const got = quarantinedDmEntries(
    [
      lv('pve-health-q.20261120T080000Z.vm-151-disk-0', 'quarantined'),
      lv('vm-152-disk-0', 'not-guest-volume'),
      lv('not-a-quarantine-name', 'quarantined'),
    ],
    { now, retentionDays: 7 },
  );
  assert.deepEqual(
    got.map((q) => [q.volid, q.vmid, q.since, q.purgeAfter, q.due, q.name]),
    [
      [
        'local-lvm:vm-151-disk-0',
        151,
        '2026-11-20T08:00:00.000Z',
        '2026-11-27T08:00:00.000Z',
        true,
        'pve/pve-health-q.20261120T080000Z.vm-151-disk-0',
      ],
    ],
  );
});
