// DM findings are keyed and named by their volume ID; the DM-name keys of earlier versions keep
// working: an acknowledgement stored under one still holds, and notify's state does not see the
// renamed keys as new and resolved findings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acknowledgeDocument, parseAckFile, planAck } from '../../src/core/findings/acks';
import { listFindings } from '../../src/core/findings/findings';
import { inventoryOf } from '../../src/core/findings/inventory';
import { planChannels } from '../../src/notify/plan';
import { troubledDoc } from '../fixtures/docs/check-documents';

const NOW = new Date('2026-03-14T10:00:00Z');
const OLD_KEY = 'dm:orphan:guest-missing:pve-vm--105--disk--0';
const NEW_KEY = 'dm:orphan:guest-missing:local-lvm:vm-105-disk-0';

test('volume-ID keys: a DM finding leads with its volume ID; its DM-name key is an alias', () => {
  const f = listFindings(troubledDoc()).find((x) => x.key === NEW_KEY)!;
  assert.ok(f, 'keyed by volume ID');
  assert.equal(f.subject, 'local-lvm:vm-105-disk-0');
  assert.equal(f.dmName, 'pve-vm--105--disk--0');
  assert.deepEqual(f.aliases, [OLD_KEY]);
});

test('volume-ID keys: an acks.json written by an earlier version (DM-name key) still silences the finding', () => {
  const file = parseAckFile(
    JSON.stringify({
      version: 1,
      acks: [
        {
          key: OLD_KEY,
          reason: 'kept for audit',
          until: '2026-04-01T00:00:00Z',
          at: '2026-03-01T00:00:00Z',
          severity: 1,
        },
      ],
    }),
  );
  const doc = troubledDoc();
  const acked = acknowledgeDocument(doc, listFindings(doc), file.acks, NOW);
  const f = listFindings(acked).find((x) => x.key === NEW_KEY)!;
  assert.deepEqual(f.acknowledged, { reason: 'kept for audit', until: '2026-04-01T00:00:00Z' });
  // Acknowledging it again replaces the old entry instead of keeping both.
  const next = planAck(file, f, { reason: 'still', durationMs: 86_400_000, now: NOW });
  assert.deepEqual(
    next.acks.map((a) => a.key),
    [NEW_KEY],
  );
});

test('volume-ID keys: notify state with the old keys sees no new or resolved finding', () => {
  const doc = troubledDoc();
  const findings = listFindings(doc);
  const keys = findings.map((f) => f.key);
  const oldKeys = findings.map((f) => f.aliases[0] ?? f.key);
  const aliases = Object.fromEntries(findings.flatMap((f) => f.aliases.map((a) => [a, f.key])));
  const state = {
    version: 1,
    nodes: { pve1: { channels: { mail: { status: doc.status, findings: oldKeys, at: NOW.toISOString() } } } },
  };
  const [plan] = planChannels(
    state as never,
    { node: 'pve1', status: doc.status, findings: keys, now: NOW, aliases },
    ['mail'],
    { on: 'change' },
  );
  assert.deepEqual([plan.added, plan.resolved], [[], []]);
  assert.equal(plan.send, false);
});

test('inventory: every guest volume by volume ID, the DM maps beneath, DM-only entries last', () => {
  const inv = inventoryOf(troubledDoc());
  const v = inv.find((x) => x.volume === 'local-lvm:vm-105-disk-0')!;
  assert.equal(v.kind, 'lvm');
  assert.equal(v.status, 'orphan');
  assert.equal(v.level, 1);
  assert.deepEqual(v.findings, [NEW_KEY]);
  assert.deepEqual(
    v.dm.map((d) => d.name),
    ['pve-vm--105--disk--0'],
  );
  const firstDmOnly = inv.findIndex((x) => x.volume === null);
  assert.ok(firstDmOnly === -1 || inv.slice(firstDmOnly).every((x) => x.volume === null), 'DM-only entries last');
});
