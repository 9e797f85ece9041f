// `--vmid N` (core/findings/select-guests.ts), a table over every VMID of the demo node and one it does
// not have: the cut keeps exactly that guest's findings and the node's own (of no guest: the demo's
// CRITICAL mounts, its thin pool), counts the rest as left out, computes its status from what it kept,
// says so in the headline; a part that could not be checked stays UNKNOWN.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import { isCounted, listFindings } from '../../src/core/findings/findings';
import { overallOf } from '../../src/core/findings/overall';
import { selectGuests } from '../../src/core/findings/select-guests';
import { worstStatus } from '../../src/core/vocab/status';
import type { CheckDocument, Status } from '../../src/core/vocab/types';
import { runCli } from '../helpers/cli';

const full = JSON.parse(runCli(['check', '--demo', '--json']).stdout) as CheckDocument;
const parts = { dm: full.dm, mounts: full.mounts, volumes: full.volumes };
const now = new Date('2026-11-25T12:00:00Z');
const cut = (vmids: number[], p = parts) => buildCheckDocument({ node: 'pve1', now, ...selectGuests(p, vmids) });
const all = listFindings(full);
/** Storage findings about several VMIDs' volumes (leftover LVs), by key: theirs, not the node's. */
const ofVmids = new Map(
  (full.dm?.storage ?? []).flatMap((f) => (f.subject.vmids ? [[`storage:${f.id}`, f.subject.vmids]] : [])),
);
const isMine = (f: { key: string; vmid: number | null }, vmid: number) =>
  f.vmid === vmid || (f.vmid === null && (ofVmids.get(f.key)?.includes(vmid) ?? true));

describe('--vmid: one guest of the demo node', () => {
  const vmids = [...new Set(all.map((f) => f.vmid).filter((v): v is number => v !== null)), 999];
  for (const vmid of vmids)
    test(`guest ${vmid}`, () => {
      const doc = cut([vmid]);
      const kept = listFindings(doc);
      // Exactly the guest's findings and the node's: each kept one is its or the node's, and each is kept.
      assert.deepEqual(
        kept.filter((f) => !isMine(f, vmid)).map((f) => f.subject),
        [],
      );
      assert.deepEqual(
        kept.map((f) => f.key).sort(),
        all
          .filter((f) => isMine(f, vmid))
          .map((f) => f.key)
          .sort(),
      );
      assert.equal(doc.selection?.leftOut, all.length - kept.length, 'every other finding counted as left out');
      // The status is the kept findings' (the demo has no part that could not be checked).
      const worst = kept.filter(isCounted).reduce<Status>((s, f) => worstStatus(s, f.severity), 0);
      assert.equal(doc.status, worst);
      const o = overallOf(doc);
      assert.match(
        o.headline,
        new RegExp(`; only guest ${vmid} and the node \\(\\d+ findings? of other guests not shown\\)$`),
      );
      // The storage rows count only its volumes, and a storage without one is no row (a table of zeros).
      for (const row of doc.volumes?.storages ?? []) {
        assert.equal(row.total, doc.volumes!.entries.filter((e) => e.storage === row.storage).length, row.storage);
        assert.ok(row.total > 0, row.storage);
      }
      // Its running containers are the ones counted.
      assert.equal(doc.mounts?.summary.containers, vmid === 110 ? 1 : 0);
    });
});

describe('--vmid: findings about several guests, storages, containers', () => {
  test("the leftover LVs of VMIDs 105, 160, 170: theirs, not another guest's; the node's storage findings stay", () => {
    const leftovers = 'storage:leftovers:san-lvm';
    assert.deepEqual(ofVmids.get(leftovers), [105, 160, 170]);
    for (const [vmid, kept] of [
      [105, true],
      [170, true],
      [100, false],
      [103, false],
    ] as const)
      assert.equal(
        listFindings(cut([vmid])).some((f) => f.key === leftovers),
        kept,
        String(vmid),
      );
    // Beside it the thin pool and the VG's autoactivation (of no VMID) are every guest's.
    const keys = listFindings(cut([100])).map((f) => f.key);
    assert.ok(keys.includes('storage:thin-data:pve/data'), keys.join(' '));
    assert.ok(keys.includes('storage:autoactivation:vg-san'), keys.join(' '));
  });
  test('a storage not read whole stays a row (it may hold the guest), a read one without its volumes does not', () => {
    const v = parts.volumes!;
    const unknown = v.storages.find((s) => s.storage === 'ceph-vm')!;
    const broken = {
      ...parts,
      volumes: { ...v, storages: v.storages.map((s) => (s === unknown ? { ...s, status: 'unknown' as const } : s)) },
    };
    assert.deepEqual(
      cut([103], broken).volumes?.storages.map((s) => [s.storage, s.status, s.total]),
      [
        ['local', 'ok', 1],
        ['ceph-vm', 'unknown', 0],
      ],
    );
    assert.deepEqual(
      cut([103]).volumes?.storages.map((s) => s.storage),
      ['local'],
    );
  });
  test('running containers: the selected ones of the list, else those with a mount entry (older documents)', () => {
    const m = parts.mounts!;
    assert.deepEqual(m.containerIds, [110]);
    assert.equal(cut([110, 100]).mounts?.summary.containers, 1);
    const older = { ...parts, mounts: { ...m, containerIds: undefined } };
    assert.equal(cut([110], older).mounts?.summary.containers, 1);
    assert.equal(cut([103], older).mounts?.summary.containers, 0);
    // A running container with no mount entry at all is still counted from the list.
    const bare = { ...parts, mounts: { ...m, containerIds: [110, 115], entries: [] } };
    assert.equal(cut([115], bare).mounts?.summary.containers, 1);
  });
});

describe('--vmid never leaves the node out of the status', () => {
  const nodeLevel = all.filter((f) => f.vmid === null && !ofVmids.has(f.key) && isCounted(f));
  test('the demo has node-level findings, a CRITICAL among them (else this proves nothing)', () => {
    assert.ok(
      nodeLevel.some((f) => f.severity === 2 && f.part === 'mounts'),
      JSON.stringify(nodeLevel),
    );
    assert.ok(
      nodeLevel.some((f) => f.part === 'storage'),
      JSON.stringify(nodeLevel),
    );
  });
  test("a guest with no finding of its own: the node's CRITICAL is its status and exit code", () => {
    const doc = cut([999]);
    assert.equal(doc.status, 2);
    assert.deepEqual(
      listFindings(doc)
        .map((f) => f.key)
        .sort(),
      nodeLevel.map((f) => f.key).sort(),
    );
  });
  test('neighbour: without node findings, a guest with none of its own is OK', () => {
    const quiet = {
      dm: { ...parts.dm!, storage: [] },
      mounts: { ...parts.mounts!, entries: parts.mounts!.entries.filter((e) => e.scope === 'ct') },
      volumes: parts.volumes,
    };
    const doc = cut([999], quiet);
    assert.equal(doc.status, 0);
    assert.deepEqual(listFindings(doc), []);
  });
});

describe('--vmid never hides what could not be checked', () => {
  test('a part that could not be checked stays UNKNOWN with its reason', () => {
    // The demo's mounts without their CRITICAL host mounts (a CRITICAL would rank above the UNKNOWN).
    const mounts = { ...parts.mounts!, entries: parts.mounts!.entries.filter((e) => e.scope === 'ct') };
    const broken = { ...parts, mounts, dm: { ...parts.dm!, status: 3 as Status, error: 'dmsetup failed' } };
    const doc = cut([103], broken);
    assert.equal(doc.dm?.status, 3);
    assert.equal(doc.status, 3);
    assert.match(overallOf(doc).headline, /could not check device-mapper \(dmsetup failed\)/);
  });
  test('a storage that could not be listed keeps the volumes part UNKNOWN (it may hold the guest)', () => {
    const v = parts.volumes!;
    const broken = { ...parts, volumes: { ...v, storages: [{ ...v.storages[0], status: 'unknown' as const }] } };
    assert.equal(cut([110], broken).volumes?.status, 3);
  });
  test('a partly checked device-mapper part stays UNKNOWN', () => {
    const broken = { ...parts, dm: { ...parts.dm!, unchecked: ['dmsetup status failed'] } };
    assert.equal(cut([150], broken).dm?.status, 3);
  });
});
