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
import { renderVolumesSection } from '../../src/render/volumes';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { volumesPart } from '../fixtures/docs/volumes-part';

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
        {
          volid: 'local-zfs:vm-100-disk-2@__migration__',
          storage: 'local-zfs',
          vmid: 100,
          name: 'rpool/data/vm-100-disk-2@pve-health-q.20261120T080000Z.__migration__',
          since: '2026-11-20T08:00:00Z',
          purgeAfter: '2026-11-27T08:00:00.000Z',
          due: false,
          sizeBytes: null,
          usedBytes: GiB / 2,
          snapshot: true,
        },
        {
          volid: 'ceph-vm:vm-152-disk-0',
          storage: 'ceph-vm',
          vmid: 152,
          name: 'vm-pool trash 0123456789ab (pve-health-q.20261120T080000Z.vm-152-disk-0)',
          since: '2026-11-20T08:00:00Z',
          purgeAfter: '2026-11-27T08:00:00.000Z',
          due: false,
          sizeBytes: 20 * GiB,
          usedBytes: null,
          sizeRecorded: true,
        },
      ],
    },
  };
}

const LINES = [
  'local-zfs:vm-150-disk-0 · 32.0 GiB provisioned, 2.0 GiB used · since 2026-11-01T12:00:00Z · purge after 2026-11-08T12:00:00.000Z (due: pve-health reclaim --purge) · now rpool/data/pve-health-quarantine/pve-health-q.20261101T120000Z.vm-150-disk-0',
  'local-lvm:vm-151-disk-0 · 8.0 GiB provisioned, used not listed · since 2026-11-20T08:00:00Z · purge after 2026-11-27T08:00:00.000Z · now pve/pve-health-q.20261120T080000Z.vm-151-disk-0',
  // A snapshot provisions nothing: its volume's size is not its figure (issue 60).
  'local-zfs:vm-100-disk-2@__migration__ · 512 MiB used (snapshot) · since 2026-11-20T08:00:00Z · purge after 2026-11-27T08:00:00.000Z · now rpool/data/vm-100-disk-2@pve-health-q.20261120T080000Z.__migration__',
  // An RBD image in the trash lists no size: the one its journal recorded, said to be that.
  'ceph-vm:vm-152-disk-0 · 20.0 GiB provisioned, used not listed (recorded when it went in) · since 2026-11-20T08:00:00Z · purge after 2026-11-27T08:00:00.000Z · now vm-pool trash 0123456789ab (pve-health-q.20261120T080000Z.vm-152-disk-0)',
];

// The heading's total is the sum of its rows, per figure: 32 + 8 + 20 provisioned (the snapshot
// provisions nothing), 2 GiB + 512 MiB used, two rows whose listing gives no used figure.
const TOTAL = '60.0 GiB provisioned, 2.5 GiB used (2 not listed)';

test('text: a section after the parts, each volume on its line, the commands that go with it', () => {
  const text = renderCheckText(withQuarantine(), { color: false });
  assert.ok(
    text.includes(`\nIn quarantine (4, ${TOTAL}; counted as no orphan; purge 7 days after it went in)\n`),
    text,
  );
  for (const l of LINES) assert.ok(text.includes(`\n  ${l}\n`), text);
  assert.match(text, /^ {4}pve-health reclaim --purge --dry-run$/m);
  assert.ok(!renderCheckText(healthyDoc(), { color: false }).includes('In quarantine'));
  // -q is problems only: a quarantine is none.
  assert.ok(!renderCheckText(withQuarantine(), { color: false, quiet: true }).includes('In quarantine'));
});

test('HTML report and dashboard: the same lines', () => {
  const html = renderHtml(withQuarantine()).replace(/<wbr>/g, '');
  assert.ok(html.includes(`In quarantine (4, ${TOTAL}`), html);
  for (const l of LINES) assert.ok(html.includes(l.replace(/</g, '&lt;')), l);
  assert.ok(!renderHtml(healthyDoc()).includes('In quarantine'));
  const notes = dashboardView(withQuarantine()).notes;
  assert.ok(
    notes.some((n) => n.startsWith(`In quarantine (4, ${TOTAL}`)),
    notes.join('\n'),
  );
  for (const l of LINES) assert.ok(notes.includes(l), l);
});

test('metrics: volumes, both space figures and due ones per storage; none without a quarantine', () => {
  const m = renderPrometheus(withQuarantine());
  assert.match(m, /^pve_health_quarantined_volumes\{storage="local-zfs"\} 2$/m);
  // Provisioned: the volume's 32 GiB (the snapshot adds none); used: 2 GiB + the snapshot's 512 MiB.
  assert.match(m, new RegExp(`^pve_health_quarantined_bytes\\{storage="local-zfs"\\} ${32 * GiB}$`, 'm'));
  assert.match(m, new RegExp(`^pve_health_quarantined_used_bytes\\{storage="local-zfs"\\} ${2.5 * GiB}$`, 'm'));
  assert.match(m, /^pve_health_quarantined_bytes\{storage="local-lvm"\} 8589934592$/m);
  // No used figure listed for the LV: no series (0 would read as "takes nothing").
  assert.doesNotMatch(m, /^pve_health_quarantined_used_bytes\{storage="local-lvm"\}/m);
  assert.match(m, new RegExp(`^pve_health_quarantined_bytes\\{storage="ceph-vm"\\} ${20 * GiB}$`, 'm'));
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

test('volumes text: "VMID N is free but holds…" is wrapped to the width and its size labelled (issue 60)', () => {
  const volumes = {
    ...volumesPart(),
    vmidLeftovers: [{ vmid: 150, volids: ['local-zfs:vm-150-disk-0'], sizeBytes: 32 * GiB, usedBytes: 17 * GiB }],
  };
  const text = renderVolumesSection({ ...healthyDoc(), volumes }, { color: false, width: 80 });
  const at = text.indexOf('  VMID 150 is free');
  assert.ok(at >= 0, text);
  const lines = text.slice(at).split('\n').slice(0, 2);
  assert.deepEqual(lines, [
    '  VMID 150 is free but holds 1 leftover volume (32.0 GiB provisioned): a new',
    '    guest 150 inherits it (qm disk rescan attaches, destroying deletes)',
  ]);
  for (const l of text.split('\n').filter((x) => x.includes('VMID'))) assert.ok(l.length <= 80, l);
});

test('a volume named like a quarantine that the journals do not prove: its reason instead of a purge date, never due', () => {
  const doc = withQuarantine();
  doc.quarantine!.volumes[0] = {
    ...doc.quarantine!.volumes[0],
    due: false,
    notOurs: 'no reclaim journal of this node records renaming local-zfs:vm-150-disk-0',
  };
  const text = renderCheckText(doc, { color: false, width: 400 });
  assert.match(
    text,
    /local-zfs:vm-150-disk-0 · .* · not quarantined by pve-health, never purged: no reclaim journal [^·]+ · now rpool/,
  );
  assert.doesNotMatch(text, /local-zfs:vm-150-disk-0 · [^\n]*purge after/);
  assert.match(renderPrometheus(doc), /^pve_health_quarantined_due_volumes\{storage="local-zfs"\} 0$/m);
});
