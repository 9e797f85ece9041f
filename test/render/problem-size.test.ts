// A problem's size in the console (problems-text.ts), the same figures as the finding cards
// (finding-size.ts): a volume's two figures, labelled; a snapshot only the space it uses, never its
// volume's size, which its entry carries (issue 60: "32 GiB for a 245 MiB snapshot").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import type { CheckDocument } from '../../src/core/vocab/types';
import { renderCheckText } from '../../src/render/check-text';
import { findingSizes } from '../../src/render/finding-size';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { volumeEntry, volumesPart } from '../fixtures/docs/volumes-part';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function doc(): CheckDocument {
  const entries = [
    volumeEntry({ volid: 'local-zfs:vm-100-disk-2', sizeBytes: 32 * GiB, usedBytes: 3 * GiB }),
    volumeEntry({
      volid: 'local-zfs:vm-100-disk-2',
      snapshot: '__migration__',
      status: 'orphan',
      reason: 'operation-leftover',
      detail: 'storage migration snapshot left by an interrupted migration',
      sizeBytes: 32 * GiB,
      usedBytes: 245 * MiB,
    }),
    volumeEntry({
      volid: 'local-zfs:vm-100-disk-3',
      status: 'orphan',
      reason: 'not-referenced',
      detail: 'no config line names it',
      sizeBytes: 16 * GiB,
      usedBytes: 2 * GiB,
    }),
  ];
  return { ...healthyDoc(), volumes: volumesPart({ entries }) };
}

test("a snapshot's problem shows the space it uses, its volume's beside it both figures, labelled", () => {
  const text = renderCheckText(doc(), { color: false });
  assert.match(text, /operation-leftover\): .* · 245 MiB used \(snapshot\)\n/, text);
  assert.doesNotMatch(text, /operation-leftover\): .* · 32\.0 GiB/, text);
  assert.match(text, /not-referenced\): .* · 16\.0 GiB provisioned, 2\.0 GiB used\n/, text);
  // The cards say the same.
  const d = doc();
  const size = findingSizes(d);
  assert.deepEqual(
    listFindings(d).map((f) => [f.subject, size(f)]),
    [
      ['local-zfs:vm-100-disk-2@__migration__', '245 MiB used (snapshot)'],
      ['local-zfs:vm-100-disk-3', '16.0 GiB provisioned, 2.0 GiB used'],
    ],
  );
});
