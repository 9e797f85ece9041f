// The line under clean and restore is the exit code's reason: an UNKNOWN (3) names what could not be read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import { renderNodeNow } from '../../src/render/node-now';

const result = (status: 0 | 1 | 3, more: Partial<DmResult> = {}): DmResult =>
  ({
    summary: { orphan: 1, duplicate: 0 },
    entries: [],
    guests: [],
    vmidReuse: [],
    warnings: [],
    status,
    ...more,
  }) as unknown as DmResult;

test('the node now: a graded state is its word and counts, nothing more', () => {
  assert.equal(renderNodeNow(result(1)), 'The node now: WARNING — 1 orphan(s), 0 duplicate(s)\n');
  assert.equal(
    renderNodeNow(result(1, { unchecked: ['old'] })),
    'The node now: WARNING — 1 orphan(s), 0 duplicate(s)\n',
    'a reason is said only where it is the exit code',
  );
});

test('the node now: UNKNOWN names every read that failed (the part, its unchecked list, each unknown entry)', () => {
  const unknown = { name: 'pve-vm--100--disk-0', status: 'unknown', detail: 'lvs timed out' } as unknown as DmEntry;
  const valid = { name: 'pve-vm--101--disk-0', status: 'valid', detail: 'in use' } as unknown as DmEntry;
  const line = renderNodeNow(
    result(3, { error: 'dmsetup failed', unchecked: ['thin pools: dmsetup status failed'], entries: [unknown, valid] }),
    { note: 'what was restored is a finding again' },
  );
  assert.equal(
    line,
    'The node now: UNKNOWN — 1 orphan(s), 0 duplicate(s) (what was restored is a finding again); not checked: dmsetup failed; thin pools: dmsetup status failed; pve-vm--100--disk-0: lvs timed out\n',
  );
});
