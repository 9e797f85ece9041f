// The operation model's test (docs/operation-model.md): every (operation, step, crash or not, storage kind)
// as a node, analysed in-process (the DM part through analyzeNode, the volumes part through
// classifyVolumes), with a sample through the CLI. Three things per state: the verdict the model derives,
// no harm (no destructive hint or action on anything an operation still needs, can roll back to, or is
// still writing), and no false UNKNOWN (every state here is one Proxmox writes).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry } from '../../src/core/vocab/types';
import type { VolumeEntry } from '../../src/core/vocab/volume-types';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { tempDir } from '../helpers/temp-dir';
import {
  chainFile,
  dmSnapshot,
  isLvm,
  type ModelNode,
  type ModelObject,
  modelNodes,
  modelObjects,
  SID,
  volumesInput,
} from './generate';
import { OPERATIONS } from './operations';

const NODES = modelNodes();

/**
 * States Proxmox writes that the product still reports UNKNOWN, each with why (docs/operation-model.md
 * "Open"): asserted to stay so, so a fix shows here. None left: a destroy cut between vdisk_free and
 * destroy_config (a config naming a freed zvol / RBD image, no lock, no task) is the guest's missing disk,
 * a critical entry, and the storage is graded (core/volumes/volume-unlisted.ts).
 */
const KNOWN_UNKNOWN = new Set<string>([]);
/**
 * Commands that destroy data (a deactivation is no such command: PVE runs it itself); `reclaim --purge`
 * finishes an interrupted removal, irreversibly.
 */
const DESTROYS =
  /\b(pvesm free|zfs destroy|rbd (-p \S+ )?(snap )?rm|rbd .*trash rm|lvremove|btrfs subvolume delete|rm -f?|pve-health reclaim --purge)\b/;

interface Seen {
  status: string;
  reason: string;
  pending: boolean;
  protected: boolean;
  hint?: string;
  action?: string;
  detail: string;
}

function dmEntries(n: ModelNode): { entries: DmEntry[]; status: number; unchecked: string[] } {
  const r = analyzeNode(parseNode(dmSnapshot(n)), {});
  return { entries: r.entries, status: r.status, unchecked: r.unchecked ?? [] };
}

function seenDm(entries: DmEntry[], n: ModelNode, o: ModelObject): Seen | null {
  const name = o.snapshot
    ? n.kind === 'lvm-chain'
      ? `snap_${o.name.replace(/\.qcow2$/, '')}_${o.snapshot}.qcow2`
      : `snap_${o.name}_${o.snapshot}`
    : o.vol.deleted
      ? `del-${o.name}`
      : o.name;
  const e = entries.find((x) => x.lv === name && x.layer === null);
  return e ? { ...seenOf(e), action: e.action?.command.join(' ') } : null;
}

function seenVolume(entries: VolumeEntry[], n: ModelNode, o: ModelObject): Seen | null {
  // A file-chain volume renamed to its snapshot's file and not back: that file's own entry.
  if (n.kind === 'dir-chain' && o.snapshot && o.vol.renamedToSnapshot) {
    const file = `${SID[n.kind]}:${chainFile(o.name, o.snapshot)}`;
    const e = entries.find((x) => x.volid === file && x.snapshot === undefined);
    return e ? seenOf(e) : null;
  }
  const e = entries.find(
    (x) =>
      x.storage === SID[n.kind] &&
      (x.volid.endsWith(`:${o.name}`) ||
        x.volid.endsWith(`/${o.name}`) ||
        (x.trash?.source !== undefined && x.volid.includes(o.name))) &&
      x.snapshot === o.snapshot,
  );
  return e ? seenOf(e) : null;
}

/** What the model compares of an entry, on either side (DM or volumes). */
function seenOf(e: DmEntry | VolumeEntry): Seen {
  return {
    status: e.status,
    reason: e.reason,
    pending: e.pending,
    protected: e.protected,
    hint: e.hint,
    detail: e.detail,
  };
}

/** The three assertions for one object; returns the failures in words. */
function judge(o: ModelObject, seen: Seen | null): string[] {
  const what = `${o.name}${o.snapshot ? `@${o.snapshot}` : ''} (${o.expected}: ${o.why})`;
  if (!seen) return o.vol.trash || o.snapshot === '__base__' ? [] : [`${what}: not in the report`];
  const bad: string[] = [];
  if (seen.status === 'unknown') bad.push(`${what}: false UNKNOWN — ${seen.detail}`);
  const destructive = [seen.hint, seen.action].some((c) => c && DESTROYS.test(c));
  if (o.expected !== 'leftover' && destructive) bad.push(`${what}: HARM — ${seen.hint ?? seen.action}`);
  if (o.expected !== 'leftover' && seen.action && !seen.action.includes('lvchange -an'))
    bad.push(`${what}: an action on it — ${seen.action}`);
  if (o.expected === 'referenced' && seen.status !== 'valid' && seen.reason !== 'guest-on-other-node')
    bad.push(`${what}: expected valid, got ${seen.status}/${seen.reason} — ${seen.detail}`);
  if (o.expected === 'needed' && seen.status === 'orphan' && !seen.pending && !seen.protected)
    bad.push(`${what}: needed, but an unprotected orphan — ${seen.detail}`);
  if (o.expected === 'leftover' && seen.status === 'valid')
    bad.push(`${what}: a leftover called valid — ${seen.detail}`);
  return bad;
}

test(`the model: ${OPERATIONS.length} operations, ${NODES.length} states, each step cited`, () => {
  assert.ok(NODES.length >= 300, `${NODES.length} states`);
  for (const op of OPERATIONS)
    for (const s of op.steps) assert.match(s.source, /\.pm\b|\bsrc\/PVE\//, `${op.name}: ${s.does} has no citation`);
});

test('every state: the verdict, no harm, no false UNKNOWN (in-process)', () => {
  const failures: string[] = [];
  for (const n of NODES) {
    const objects = modelObjects(n);
    if (isLvm(n.kind)) {
      const r = dmEntries(n);
      if (r.unchecked.length) failures.push(`${n.id}: part UNKNOWN — ${r.unchecked.join('; ')}`);
      for (const o of objects) for (const f of judge(o, seenDm(r.entries, n, o))) failures.push(`${n.id}: ${f}`);
    } else {
      const r = classifyVolumes(volumesInput(n));
      const unknown = r.storages.filter((st) => st.status === 'unknown');
      if (KNOWN_UNKNOWN.has(n.id)) {
        if (unknown.length === 0) failures.push(`${n.id}: decoded now — remove it from KNOWN_UNKNOWN`);
        continue;
      }
      for (const st of unknown) failures.push(`${n.id}: storage ${st.storage} UNKNOWN — ${st.error}`);
      for (const o of objects) for (const f of judge(o, seenVolume(r.entries, n, o))) failures.push(`${n.id}: ${f}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('a sample of the LVM states through the CLI (dm --json --from) agrees with the in-process verdicts', async () => {
  const dir = tempDir('pvh-opmodel-');
  const sample = NODES.filter((n) => isLvm(n.kind)).filter((_n, i) => i % 25 === 0);
  assert.ok(sample.length >= 5);
  for (const [i, n] of sample.entries()) {
    const from = join(dir, `n${i}.json`);
    writeFileSync(from, JSON.stringify(dmSnapshot(n)));
    let out = '';
    const code = await main(['--root', dir, '--from', from, 'dm', '--json'], {
      out: (t: string | Buffer) => void (out += t.toString()),
      err: () => {},
      stdoutIsTTY: false,
      stdinIsTTY: false,
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.ok(code < 3, `${n.id}: exit ${code}`);
    const doc = JSON.parse(out);
    const mine = dmEntries(n).entries.map((e) => [e.name, e.status, e.reason]);
    assert.deepEqual(
      doc.dm.entries.map((e: any) => [e.name, e.status, e.reason]),
      mine,
      n.id,
    );
  }
});
