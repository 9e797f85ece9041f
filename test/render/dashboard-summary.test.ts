// Issue 60 on the dashboard and the HTML report: the summary opens with the node's grade (never the
// device-mapper part's "DM grade A+" on a WARNING node), and a volume's finding card shows its size
// figures, labelled, as the volume listing does (core/text/size-figures.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryLine } from '../../src/core/findings/summary';
import type { CheckDocument } from '../../src/core/vocab/types';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
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
  assert.match(doc.summary ?? '', /^DM grade A\+/, 'the parts line still starts with the DM part');
  const v = dashboardView(doc);
  assert.match(v.headline, /^grade B: /);
  assert.equal(v.grade, 'B');
  // A healthy node says so, graded A+.
  assert.match(dashboardView(healthyDoc()).headline, /^grade A\+/);
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
