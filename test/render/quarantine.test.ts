// Quarantined volumes in every output of a check document (issue: reclaim): the text, the HTML report's
// and the dashboard's quarantine table and the metrics name each one (volume ID, space, since, purge date, where it is
// now); the DM part's quarantined LVs are listed from their names; nothing is listed when nothing is
// quarantined.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quarantinedDmEntries } from '../../src/core/reclaim/quarantined';
import type { CheckDocument, DmEntry } from '../../src/core/vocab/types';
import { renderCheckText } from '../../src/render/check-text';
import { dashboardView } from '../../src/render/dashboard-view';
import { nextSteps, renderHtml } from '../../src/render/html';
import { renderPrometheus } from '../../src/render/prometheus';
import { quarantineRows } from '../../src/render/quarantine';
import { renderVolumesSection } from '../../src/render/volumes';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { quarantineListing } from '../fixtures/docs/quarantine';
import { volumesPart } from '../fixtures/docs/volumes-part';

const GiB = 1024 ** 3;

function withQuarantine(): CheckDocument {
  return { ...healthyDoc(), quarantine: quarantineListing() };
}

const LINES = [
  'local-zfs:vm-150-disk-0 · 32.0 GiB provisioned, 2.0 GiB used · since 2026-11-01 12:00:00 UTC · purge after 2026-11-08 12:00:00 UTC (due: pve-health reclaim --purge) · held as rpool/data/pve-health-quarantine/pve-health-q.20261101T120000Z.vm-150-disk-0',
  'local-lvm:vm-151-disk-0 · 8.0 GiB provisioned, used not listed · since 2026-11-20 08:00:00 UTC · purge after 2026-11-27 08:00:00 UTC · held as pve/pve-health-q.20261120T080000Z.vm-151-disk-0',
  // A snapshot provisions nothing: its volume's size is not its figure (issue 60).
  'local-zfs:vm-100-disk-2@__migration__ · 512 MiB used (snapshot) · since 2026-11-20 08:00:00 UTC · purge after 2026-11-27 08:00:00 UTC · held as rpool/data/vm-100-disk-2@pve-health-q.20261120T080000Z.__migration__',
  // An RBD image in the trash lists no size: the one its journal recorded, said to be that.
  'ceph-vm:vm-152-disk-0 · 20.0 GiB provisioned, used not listed (recorded when it went in) · since 2026-11-20 08:00:00 UTC · purge after 2026-11-27 08:00:00 UTC · held as vm-pool trash 0123456789ab (pve-health-q.20261120T080000Z.vm-152-disk-0)',
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

// The table's rows (issue 60): readable dates without milliseconds, both size figures, where each is
// held (never "now …", which read like "purge now"), a restore command per volume (its own journal when
// known) and a purge command only once its retention has passed.
const ROWS = [
  {
    volid: 'local-zfs:vm-150-disk-0',
    since: '2026-11-01 12:00:00 UTC',
    purgeAfter: '2026-11-08 12:00:00 UTC',
    due: true,
    size: '32.0 GiB provisioned, 2.0 GiB used',
    restore: {
      command: "pve-health restore '/var/lib/pve-health/journal/reclaim 1.json' --name local-zfs:vm-150-disk-0",
      exact: true,
    },
    purge: 'pve-health reclaim --purge --name local-zfs:vm-150-disk-0',
  },
  {
    volid: 'local-lvm:vm-151-disk-0',
    since: '2026-11-20 08:00:00 UTC',
    purgeAfter: '2026-11-27 08:00:00 UTC',
    due: false,
    size: '8.0 GiB provisioned, used not listed',
    restore: { command: 'pve-health restore --list', exact: false },
    purge: null,
  },
  {
    volid: 'local-zfs:vm-100-disk-2@__migration__',
    since: '2026-11-20 08:00:00 UTC',
    purgeAfter: '2026-11-27 08:00:00 UTC',
    due: false,
    size: '512 MiB used (snapshot)',
    restore: { command: 'pve-health restore --list', exact: false },
    purge: null,
  },
  {
    volid: 'ceph-vm:vm-152-disk-0',
    since: '2026-11-20 08:00:00 UTC',
    purgeAfter: '2026-11-27 08:00:00 UTC',
    due: false,
    size: '20.0 GiB provisioned, used not listed (recorded when it went in)',
    restore: { command: 'pve-health restore --list', exact: false },
    purge: null,
  },
];

function withJournal(): CheckDocument {
  const doc = withQuarantine();
  // A journal name with a space: the command quotes it.
  doc.quarantine!.volumes[0].journal = '/var/lib/pve-health/journal/reclaim 1.json';
  return doc;
}

test('HTML report and dashboard: one table of the same rows, with the restore and purge commands', () => {
  const doc = withJournal();
  const rows = quarantineRows(doc);
  assert.deepEqual(
    rows.map(({ where: _, storage: __, ...r }) => r),
    ROWS,
  );
  assert.equal(rows[0].where, doc.quarantine!.volumes[0].name);
  const view = dashboardView(doc);
  assert.deepEqual(view.quarantine?.rows, rows);
  assert.ok(view.quarantine?.heading.startsWith(`In quarantine (4, ${TOTAL}`));
  // A table of its own, no longer lines among the notes.
  assert.ok(!view.notes.some((n) => n.includes('quarantine') || n.includes('vm-150')), view.notes.join('\n'));
  assert.equal(dashboardView(healthyDoc()).quarantine, null);

  const html = renderHtml(doc).replace(/<wbr>/g, '');
  const section = html.slice(
    html.indexOf('<section id="quarantine"'),
    html.indexOf('</section>', html.indexOf('<section id="quarantine"')),
  );
  assert.ok(section.includes(`In quarantine (4, ${TOTAL}`), section);
  assert.match(section, /<th scope="col"[^>]*>Due for purge at<\/th>/);
  assert.equal(section.match(/<tr>/g)?.length, 1 + ROWS.length, 'a header row and a row per volume');
  for (const r of ROWS) {
    for (const text of [r.volid, r.since, r.purgeAfter, r.size, r.restore.command])
      assert.ok(section.includes(text.replace(/'/g, '&#39;')), text);
  }
  // Exactly one purge command, the due volume's, labelled as deleting; the others say when.
  assert.equal(section.split('reclaim --purge --name').length - 1, 1);
  assert.match(
    section,
    /Purge \(irreversible: deletes the data\):<\/div><pre[^>]*>pve-health reclaim --purge --name local-zfs:vm-150-disk-0</,
  );
  assert.ok(section.includes('Purge refuses it before 2026-11-27 08:00:00 UTC.'));
  // Neither ISO milliseconds nor a bare "now" anywhere in it.
  assert.doesNotMatch(section, /\.000Z|\bnow\b/);
  assert.ok(section.includes('held as rpool/data/pve-health-quarantine/pve-health-q.20261101T120000Z.vm-150-disk-0'));
  assert.ok(!renderHtml(healthyDoc()).includes('In quarantine'));
});

test('HTML report, what to do next: a quarantine past its retention says restore first, then what purge deletes', () => {
  const steps = nextSteps(withQuarantine());
  assert.ok(
    steps.includes(
      '1 quarantined volume is past the retention (see In quarantine): restore what is still needed, then "pve-health reclaim --purge" deletes the rest for good (irreversible; --dry-run first shows what).',
    ),
    steps.join('\n'),
  );
  const notDue = withQuarantine();
  for (const v of notDue.quarantine!.volumes) v.due = false;
  assert.ok(!nextSteps(notDue).some((s) => s.includes('past the retention')));
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
    /local-zfs:vm-150-disk-0 · .* · not quarantined by pve-health, never purged: no reclaim journal [^·]+ · held as rpool/,
  );
  assert.doesNotMatch(text, /local-zfs:vm-150-disk-0 · [^\n]*purge after/);
  assert.match(renderPrometheus(doc), /^pve_health_quarantined_due_volumes\{storage="local-zfs"\} 0$/m);
});

// The only-copy rule (core/vocab/only-copy.ts) on a quarantined volume: a guest config of another node
// names its volume ID (HA recovery moves only the config: pve-ha-manager steal_service), so it may be that
// guest's only disk. Past its retention it is still never offered for the purge in any output: the line
// says why with the look at that node, the table rows carry the look instead of the purge command, the
// "what to do next" and the due metric leave it out. Beside it the due volume nobody names (before).
test('a quarantined volume a config of another node names: held with the look at that node, in every output', () => {
  const doc = withQuarantine();
  doc.quarantine!.volumes[0] = { ...doc.quarantine!.volumes[0], namedOn: { node: 'pve2', vmid: 150, type: 'qemu' } };
  const look = 'ssh pve2 pvesm list local-zfs --vmid 150';
  const text = renderCheckText(doc, { color: false, width: 400 });
  assert.ok(
    text.includes(
      `local-zfs:vm-150-disk-0 · 32.0 GiB provisioned, 2.0 GiB used · since 2026-11-01 12:00:00 UTC · purge after 2026-11-08 12:00:00 UTC, but not purged: VM 150's config on pve2 names this very volume ID, it may be that guest's only disk; before anything irreversible, check that pve2 has local-zfs:vm-150-disk-0: ${look} · held as`,
    ),
    text,
  );
  assert.doesNotMatch(text, /due: /);
  const row = quarantineRows(doc)[0];
  assert.deepEqual(
    [row.due, row.purge, row.held],
    [
      true,
      null,
      {
        text: "not purged: VM 150's config on pve2 names this very volume ID, it may be that guest's only disk; before anything irreversible, check that pve2 has local-zfs:vm-150-disk-0",
        command: look,
      },
    ],
  );
  assert.deepEqual(dashboardView(doc).quarantine?.rows[0], row);
  const html = renderHtml(doc).replace(/<wbr>/g, '');
  assert.ok(html.includes(`<pre class="mono cmd"`) && html.includes(`>${look}</pre>`), 'the look as a command box');
  assert.doesNotMatch(html, /reclaim --purge --name|>due<\/span>/);
  assert.ok(!nextSteps(doc).some((s) => s.includes('past the retention')));
  assert.match(renderPrometheus(doc), /^pve_health_quarantined_due_volumes\{storage="local-zfs"\} 0$/m);
});
