// Issue 60 on the dashboard and the HTML report: the summary opens with the node's grade (never the
// device-mapper part's "DM grade A+" on a WARNING node; every form labels the part's grade as the part's), and a volume's finding card shows its size
// figures, labelled, as the volume listing does (core/text/size-figures.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryLine } from '../../src/core/findings/summary';
import type { CheckDocument } from '../../src/core/vocab/types';
import { buildSubject, buildText } from '../../src/notify/message';
import { renderCheckText } from '../../src/render/check-text';
import { renderCheckmk } from '../../src/render/checkmk';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
import { renderNagios } from '../../src/render/nagios';
import { renderPrometheus } from '../../src/render/prometheus';
import { renderQuietText } from '../../src/render/quiet';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { ORPHAN_VOLID, orphanVolume, volumeEntry, volumesPart } from '../fixtures/docs/volumes-part';

const GiB = 1024 ** 3;

/** A healthy device-mapper part (grade A+) on a node with one orphaned zvol (WARNING). */
function warningNode(): CheckDocument {
  const doc = healthyDoc();
  doc.volumes = volumesPart({
    entries: [
      volumeEntry({ volid: 'local-zfs:vm-100-disk-0' }),
      orphanVolume({ sizeBytes: 40 * GiB, usedBytes: 3 * GiB }),
      // A snapshot provisions nothing of its own: only what it uses.
      volumeEntry({
        volid: 'local-zfs:vm-100-disk-0',
        snapshot: '__migration__',
        status: 'orphan',
        reason: 'operation-leftover',
        sizeBytes: 32 * GiB,
        usedBytes: 245 * 1024 ** 2,
      }),
    ],
  });
  doc.volumes.status = 1;
  doc.status = 1;
  doc.summary = summaryLine(doc);
  return doc;
}

test('dashboard: the summary opens with the node grade, not the device-mapper part', () => {
  const doc = warningNode();
  // The parts line (JSON `summary`, the dashboard's "By part") labels the part's grade as the part's.
  assert.match(doc.summary ?? '', /^device-mapper part grade A\+ \(score 100\): /);
  const v = dashboardView(doc);
  assert.match(v.headline, /^grade B: /);
  assert.equal(v.grade, 'B');
  // A healthy node says so, graded A+.
  assert.match(dashboardView(healthyDoc()).headline, /^grade A\+/);
});

// Every output form of a WARNING node (an orphaned zvol) whose device-mapper part is A+: the node's grade
// B leads, and the part's A+ shows only where it is labelled as the part's.
test("every form: the node's grade leads; the device-mapper part's A+ never reads as the node's", () => {
  const doc = warningNode();
  const partLabel = /device-mapper part grade A\+|this part alone: grade A\+/;
  const forms: [string, string][] = [
    ['text', renderCheckText(doc, { color: false, width: 200 })],
    ['-q', renderQuietText(doc, { color: false })],
    ['nagios', renderNagios(doc)],
    ['checkmk', renderCheckmk(doc)],
    ['mail subject', buildSubject(doc, 'change', null)],
    ['mail text', buildText(doc, { added: [], resolved: [], statusFrom: null, kind: 'change' })],
    ['report', renderHtml(doc).replace(/<[^>]+>/g, '\n')],
    ['dashboard', JSON.stringify(dashboardView(doc))],
    ['summary', doc.summary ?? ''],
  ];
  for (const [name, out] of forms) {
    const unlabelled = out.split('\n').filter((l) => /A\+/.test(l) && !partLabel.test(l));
    assert.deepEqual(unlabelled, [], `${name}: A+ without the part's label`);
  }
  assert.match(forms[0][1], /^pve-health pve1 — WARNING — grade B: 2 orphans/);
  assert.match(forms[0][1], /^Device-mapper: OK — .* \(this part alone: grade A\+, score 100 of 100\)$/m);
  assert.match(forms[2][1], /^WARNING: pve1: grade B: /);
  assert.match(forms[3][1], /\(node: WARNING, grade B\)/);
  assert.match(forms[4][1], /grade B: 2 orphans/);
  // Metrics: the node's grade and score; the part's series say they are the part's.
  const prom = renderPrometheus(doc);
  assert.match(prom, /^pve_health_grade 3$/m);
  assert.match(prom, /^pve_health_dm_grade 4$/m);
  assert.match(prom, /^# HELP pve_health_dm_grade The device-mapper part alone, .*the node: pve_health_grade\.$/m);
});

test('dashboard and HTML report: a volume finding shows both size figures, labelled; a snapshot what it uses', () => {
  const doc = warningNode();
  const v = dashboardView(doc);
  assert.equal(v.findings.find((f) => f.title === ORPHAN_VOLID)?.size, '40.0 GiB provisioned, 3.0 GiB used');
  assert.equal(
    v.findings.find((f) => f.title === 'local-zfs:vm-100-disk-0@__migration__')?.size,
    '245 MiB used (snapshot)',
  );
  const html = renderHtml(doc).replace(/<wbr>/g, '');
  const block = html.slice(html.indexOf(`>${ORPHAN_VOLID}</code>`));
  assert.match(block.slice(0, 1500), /storage <a [^>]*>local-zfs<\/a> · 40\.0 GiB provisioned, 3\.0 GiB used<\/div>/);
  assert.ok(html.includes('245 MiB used (snapshot)'));
  assert.ok(!html.includes('32.0 GiB provisioned, 245 MiB'), 'never the parent volume’s size for a snapshot');
});
