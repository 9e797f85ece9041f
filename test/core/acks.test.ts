// Acknowledgements: the pure decision (src/core/findings/acks.ts) on the fixture documents, and the CLI round
// trip (`pve-health ack` on the demo node under a temporary --root).
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type Ack,
  acknowledgeDocument,
  emptyAckFile,
  parseAckFile,
  parseDuration,
  planAck,
  removeAck,
} from '../../src/core/findings/acks';
import { listFindings } from '../../src/core/findings/findings';
import { findingsPhrase } from '../../src/core/findings/problems';
import type { CheckDocument, Status } from '../../src/core/vocab/types';
import type { VolumeEntry, VolumesResult } from '../../src/core/vocab/volume-types';
import { findingKeys } from '../../src/notify/index';
import { renderNagios } from '../../src/render/nagios';
import { renderPrometheus } from '../../src/render/prometheus';
import { healthyDoc, troubledDoc } from '../fixtures/docs/check-documents';
import { runCli, tempDir } from '../helpers/cli';

const NOW = new Date('2026-03-14T10:00:00.000Z');

function ackAll(doc: CheckDocument, keep: (k: string) => boolean, until = '2026-03-21T10:00:00.000Z'): Ack[] {
  return listFindings(doc)
    .filter((f) => keep(f.key))
    .map((f) => ({ key: f.key, reason: 'seen', until, at: NOW.toISOString(), severity: f.severity }));
}

function apply(doc: CheckDocument, acks: Ack[], now = NOW): CheckDocument {
  return acknowledgeDocument(doc, listFindings(doc), acks, now);
}

test('acks: durations are bounded and must expire', () => {
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('1d12h'), 36 * 3_600_000);
  assert.equal(parseDuration('90m'), 90 * 60_000);
  assert.equal(parseDuration('2w'), 14 * 86_400_000);
  for (const bad of ['', '7', 'forever', '0d', '-1d', '400d', '7 days']) assert.throws(() => parseDuration(bad), bad);
});

test('acks: acknowledging every finding of a part lowers that part and the exit status; the rest still counts', () => {
  const doc = troubledDoc();
  assert.equal(doc.status, 2);
  const mountsOnly = apply(
    doc,
    ackAll(doc, (k) => k.startsWith('mount:')),
  );
  assert.equal(mountsOnly.mounts?.status, 0, 'every mount finding acknowledged');
  assert.equal(mountsOnly.dm?.status, 2, 'the DM duplicate still counts');
  assert.equal(mountsOnly.status, 2);
  assert.equal(mountsOnly.statusWithoutAcks, 2);
  const all = apply(
    doc,
    ackAll(doc, () => true),
  );
  assert.equal(all.status, 0);
  assert.equal(all.acknowledged?.length, listFindings(doc).filter((f) => !f.pending && f.severity !== 0).length);
  // Shown in every output: JSON field, summary, nagios, prometheus; silenced for notifications.
  assert.match(findingsPhrase(all), /\d+ acknowledged/);
  assert.match(renderNagios(all), /^OK: .*acknowledged/);
  assert.match(renderNagios(all), /\[ACK CRITICAL\] local-lvm:vm-103-disk-0 \(VM 103 app03\) duplicate/);
  assert.match(renderPrometheus(all), /^pve_health_acknowledged_findings [1-9]/m);
  assert.deepEqual(findingKeys(all), []);
  // Applying twice (serve's child did it once) decides afresh from the original statuses.
  const again = apply(all, []);
  assert.equal(again.status, 2, 'with the acks gone the statuses come back');
  assert.equal(again.acknowledged, undefined);
});

test('acks: expired, changed or worse findings count again; UNKNOWN is never silenced', () => {
  const doc = troubledDoc();
  const acks = ackAll(doc, () => true);
  const later = new Date('2026-03-21T10:00:00.000Z');
  assert.equal(apply(doc, acks, later).status, 2, 'expired at `until`');
  assert.equal(apply(doc, acks, new Date(later.getTime() - 1)).status, 0);
  // A warning acknowledged, the same finding critical now: it is no longer acknowledged.
  const weak = acks.map((a) => ({ ...a, severity: 1 as Status }));
  const r = apply(doc, weak);
  assert.equal(r.status, 2);
  assert.ok(!r.acknowledged?.some((a) => a.severity === 2));
  // An UNKNOWN part: acknowledging its finding changes nothing.
  const failed: CheckDocument = { ...troubledDoc(), status: 3 };
  failed.dm = { ...failed.dm!, status: 3, error: 'dmsetup exited 1' };
  failed.mounts = { ...failed.mounts!, status: 0, entries: [] };
  assert.equal(
    apply(
      failed,
      ackAll(failed, () => true),
    ).status,
    3,
  );
  const unknownEntry = {
    ...failed.dm.entries[0],
    status: 'unknown' as const,
    reason: 'lvm-incomplete' as const,
    pending: false,
  };
  const partly: CheckDocument = { ...troubledDoc() };
  partly.dm = { ...partly.dm!, entries: [unknownEntry], status: 3 };
  const f = listFindings(partly).find((x) => x.status === 'unknown')!;
  assert.throws(() => planAck(emptyAckFile(), f, { reason: 'x', durationMs: 1000, now: NOW }), /UNKNOWN/);
  const forced: Ack = { key: f.key, reason: 'x', until: '2027-01-01T00:00:00Z', at: NOW.toISOString(), severity: 2 };
  assert.equal(apply(partly, [forced]).dm?.status, 3, 'a hand-written ack of an UNKNOWN finding is ignored');
});

test('acks: the file round-trips, replaces by key, refuses malformed entries', () => {
  const doc = troubledDoc();
  const f = listFindings(doc)[0];
  const one = planAck(emptyAckFile(), f, { reason: ' ticket 1 ', durationMs: 3_600_000, now: NOW });
  const two = planAck(one, f, { reason: 'ticket 2', durationMs: 7_200_000, now: NOW });
  assert.equal(two.acks.length, 1);
  assert.equal(two.acks[0].reason, 'ticket 2');
  assert.equal(two.acks[0].until, '2026-03-14T12:00:00.000Z');
  assert.deepEqual(parseAckFile(JSON.stringify(two)), two);
  assert.equal(removeAck(two, f.key).file.acks.length, 0);
  assert.equal(removeAck(two, 'dm:none').removed, false);
  assert.throws(() => parseAckFile('{"version":1,"acks":[{"key":"rm -rf"}]}'), /malformed/);
  assert.throws(() => planAck(emptyAckFile(), f, { reason: '  ', durationMs: 1, now: NOW }), /reason/);
});

test('ack CLI: acknowledge a demo finding, see it everywhere, list, remove; a broken file silences nothing', () => {
  const root = tempDir('pvh-ack-');
  const cli = (args: string[]) => runCli(['--root', root, ...args]);
  const list = cli(['ack', '--demo']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /mount:missing:host::\/mnt\/usb-backup/);
  const before = JSON.parse(cli(['check', '--demo', '--json']).stdout) as CheckDocument;
  const critical = listFindings(before).filter((f) => f.severity === 2 && !f.pending);
  for (const f of critical) {
    const r = cli(['ack', '--demo', f.key, '--for', '7d', '--reason', `seen ${f.subject}`]);
    assert.equal(r.code, 0, r.stderr);
  }
  const file = join(root, 'var/lib/pve-health/acks.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const after = cli(['check', '--demo', '--json']);
  const doc = JSON.parse(after.stdout) as CheckDocument;
  assert.equal(after.code, 1, 'only warnings are left: exit 1');
  assert.equal(doc.statusWithoutAcks, 2);
  assert.equal(doc.acknowledged?.length, critical.length);
  assert.match(cli(['check', '--demo']).stdout, /Acknowledged \(\d+, not counted — CRITICAL without them\)/);
  assert.match(cli(['check', '--demo', '--format', 'checkmk']).stdout, /ACK CRITICAL/);
  assert.match(cli(['ack', '--list']).stdout, /until .* UTC\s+CRITICAL\s+mount:missing/);
  const refuse = cli(['ack', '--demo', 'dm:orphan:guest-missing:nothing-like-this', '--for', '1d', '--reason', 'x']);
  assert.equal(refuse.code, 64);
  assert.equal(cli(['ack', '--demo', critical[0].key, '--reason', 'no expiry']).code, 64, '--for is required');
  assert.equal(cli(['ack', '--remove', critical[0].key]).code, 0);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).acks.length, critical.length - 1);
  // A file that does not parse: nothing is silenced, and stderr says why (never fail open).
  writeFileSync(file, '{not json');
  const broken = cli(['check', '--demo', '--json']);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /acknowledgements not applied/);
});

test('acks: an acknowledged orphaned volume stops counting like an orphaned LV; an unknown one stays UNKNOWN', () => {
  const entry = (volid: string, status: 'orphan' | 'unknown'): VolumeEntry => ({
    volid,
    storage: volid.split(':')[0],
    type: 'zfspool',
    vmid: 150,
    format: 'raw',
    status,
    reason: status === 'orphan' ? 'guest-missing' : 'lvm-incomplete',
    detail: `${volid}: test`,
    sizeBytes: 2 ** 30,
    usedBytes: 2 ** 29,
    open: false,
    holders: [],
    pending: false,
    protected: false,
    protectedBy: [],
  });
  const volumes = (entries: VolumeEntry[], status: Status): VolumesResult => ({
    summary: {
      total: entries.length,
      valid: 0,
      orphan: entries.filter((e) => e.status === 'orphan').length,
      unknown: 0,
      ignored: 0,
      pending: 0,
      orphanSizeBytes: 0,
      unknownStorages: 0,
    } as VolumesResult['summary'],
    entries,
    storages: [],
    vmidLeftovers: [],
    status,
    warnings: [],
  });
  const base = healthyDoc();
  const doc: CheckDocument = { ...base, volumes: volumes([entry('local-zfs:vm-150-disk-0', 'orphan')], 1), status: 1 };
  const acked = apply(
    doc,
    ackAll(doc, (k) => k.startsWith('volume:')),
  );
  assert.equal(acked.volumes?.status, 0);
  assert.equal(acked.volumes?.statusWithoutAcks, 1);
  assert.equal(acked.status, 0);
  assert.deepEqual(findingKeys(acked), []);
  // Counted apart in the one-line phrase (subjects, mails), like acknowledged LVs.
  assert.equal(findingsPhrase(doc), '1 orphan');
  assert.equal(findingsPhrase(acked), '1 acknowledged');
  // The stored file takes volume keys (a volume ID holds colons of its own).
  const stored = planAck(emptyAckFile(), listFindings(doc)[0], { reason: 'kept', durationMs: 86_400_000, now: NOW });
  assert.equal(stored.acks[0].key, 'volume:orphan:guest-missing:local-zfs:vm-150-disk-0');
  assert.deepEqual(parseAckFile(JSON.stringify(stored)), stored);
  // Applied again (serve re-acknowledges its children's documents): decided from the original status.
  assert.equal(apply(acked, []).volumes?.status, 1);
  // Expired: counts again.
  assert.equal(
    apply(
      doc,
      ackAll(doc, () => true, '2026-03-14T09:00:00.000Z'),
    ).volumes?.status,
    1,
  );
  // A volume that could not be decided is never silenced into OK.
  const unknown: CheckDocument = {
    ...base,
    volumes: volumes([entry('local-zfs:vm-151-disk-0', 'unknown')], 3),
    status: 3,
  };
  assert.equal(
    apply(
      unknown,
      ackAll(unknown, () => true),
    ).volumes?.status,
    3,
  );
});
