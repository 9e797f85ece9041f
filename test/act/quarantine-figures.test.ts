// One size figure per volume everywhere (issue 60, Major 3): after `reclaim --all` on the demo node
// (fakenode, `"mutable_storage": true`: the quarantine runs for real) with an orphan on every kind of
// storage — a thin LV, a zvol, a ZFS snapshot, an RBD image (into the trash, where `rbd trash ls` lists
// no size), a qcow2 and a sparse raw file — `check --json`, `volumes --json` and the reclaim plan's
// quarantine list name the same volumes with the same two figures each, those are the figures the plan
// showed before, and every text heading's total is the sum of its rows.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { shellQuote } from '../../src/core/text/shell-quote';
import { sizeFigures, totalText } from '../../src/core/text/size-figures';
import { quarantineRows } from '../../src/render/quarantine';
import { buildFakenode } from '../helpers/fakenode-build';
import { tempDir } from '../helpers/temp-dir';
import { FAKENODE, HAVE_FAKENODE, REPO, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

const EXTRA: [string, string, Record<string, string>][] = [
  ['ceph-vm', 'vm-151-disk-0', { size: '20G' }],
  ['local', '162/vm-162-disk-0.raw', { size: '8G' }],
  ['local-zfs', 'vm-152-disk-0', { size: '12G', used: '5G' }],
];

/** The demo scenario, mutable, with an orphan more on RBD, a raw file and a zvol. */
function buildDemo(): string {
  const dir = tempDir('pvh-figures-');
  const s = JSON.parse(readFileSync(join(REPO, 'demo/scenario.json'), 'utf8'));
  s.mutable_storage = true;
  s.rbd = { ...(s.rbd ?? {}), status: true };
  for (const [storage, name, sizes] of EXTRA) {
    s.volumes.push({ storage, name, ...sizes });
    const vmid = Number(/(\d+)-disk/.exec(name)?.[1]);
    s.expected_volumes[`${storage}:${name}`] = { status: 'orphan', reason: 'guest-missing', vmid, detail: 'no guest' };
  }
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify(s));
  const out = join(dir, 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', file], out);
  if (r.status !== 0) throw new Error(`fakenode build: ${r.stderr}${r.stdout}`);
  return out;
}

interface Row {
  volid: string;
  notOurs?: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  snapshot?: true;
  sizeRecorded?: true;
}

/**
 * What this run quarantined: the demo node's own quarantined LV (local-lvm:vm-175-disk-0) has no reclaim
 * journal on this node, so it is listed as not quarantined by pve-health (never due, never purged).
 */
const DEMO_OWN = 'local-lvm:vm-175-disk-0';
const ours = (rows: Row[]) => rows.filter((r) => r.volid !== DEMO_OWN);

const figures = (rows: Row[]) =>
  Object.fromEntries(rows.map((r) => [r.volid, [r.sizeBytes, r.usedBytes]])) as Record<
    string,
    [number | null, number | null]
  >;

const json = (out: string, args: string[]) => {
  const r = runCli(out, [...args, '--json']);
  assert.ok(r.stdout.startsWith('{'), `${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
};

describe('the space in quarantine is one figure per volume in every output (fakenode, mutable)', { skip }, () => {
  it('demo node + RBD, raw, zvol orphans: check, volumes and the reclaim list agree, totals are sums', () => {
    const out = buildDemo();
    const planned = json(out, ['reclaim', '--dry-run', '--all']).plan.actions as Row[];
    const r = runCli(out, ['reclaim', '--all', '--yes']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);

    const all = json(out, ['check']).quarantine.volumes as Row[];
    assert.match(all.find((x) => x.volid === DEMO_OWN)?.notOurs ?? '', /^no reclaim journal of this node records/);
    const check = ours(all);
    const volumes = ours(json(out, ['volumes']).quarantine.volumes as Row[]);
    const listed = ours(json(out, ['reclaim', '--dry-run', '--all']).plan.quarantined as Row[]);
    const want = [
      'ceph-vm:vm-151-disk-0',
      'local-lvm:vm-150-disk-0',
      'local-zfs:vm-100-disk-2@__migration__',
      'local-zfs:vm-152-disk-0',
      'local:103/old-import.qcow2',
      'local:162/vm-162-disk-0.raw',
    ];
    for (const rows of [planned, check, volumes, listed])
      assert.deepEqual(rows.map((x) => x.volid).sort(), want, JSON.stringify(rows));
    // The same two figures per volume in each, and the ones the plan showed before it ran.
    assert.deepEqual(figures(volumes), figures(check));
    assert.deepEqual(figures(listed), figures(check));
    assert.deepEqual(figures(planned), figures(check));
    const GiB = 1024 ** 3;
    const f = figures(check);
    // The RBD image is in the trash (no size listed there): the size its journal recorded.
    assert.deepEqual(f['ceph-vm:vm-151-disk-0'], [20 * GiB, null]);
    assert.equal(check.find((x) => x.volid === 'ceph-vm:vm-151-disk-0')?.sizeRecorded, true);
    // The LV is listed by `volumes` too, with its size.
    assert.deepEqual(f['local-lvm:vm-150-disk-0'], [32 * GiB, null]);
    // A snapshot provisions nothing (not its volume's 16 GiB), it uses what it holds.
    assert.equal(f['local-zfs:vm-100-disk-2@__migration__'][0], null);
    assert.ok((f['local-zfs:vm-100-disk-2@__migration__'][1] ?? 0) > 0);
    // A sparse raw file: 8 GiB provisioned, 0 B used — both, not one for the other.
    assert.deepEqual(f['local:162/vm-162-disk-0.raw'], [8 * GiB, 0]);

    // Every text heading's total is the sum of its rows, and the same one.
    const total = totalText(all.map((x) => sizeFigures(x)));
    for (const args of [['check'], ['volumes'], ['reclaim', '--dry-run', '--all']]) {
      const text = runCli(out, args).stdout;
      assert.ok(text.includes(`\nIn quarantine (${all.length}, ${total}`), `${args.join(' ')}: ${total}\n${text}`);
    }
    // Each volume names the journal of its own quarantine (issue 60): the report's and the dashboard's
    // restore command for it is that journal's, and it brings exactly that volume back.
    const doc = json(out, ['check']);
    for (const v of ours(doc.quarantine.volumes))
      assert.match(
        (v as { journal?: string }).journal ?? '',
        /\/var\/lib\/pve-health\/journal\/reclaim-[^/]+\.json$/,
        v.volid,
      );
    const zvol = 'local-zfs:vm-152-disk-0';
    const row = quarantineRows(doc).find((x) => x.volid === zvol)!;
    const journal = doc.quarantine.volumes.find((v: { volid: string }) => v.volid === zvol).journal;
    assert.deepEqual(row.restore, {
      command: shellQuote(['pve-health', 'restore', journal, '--name', zvol]),
      exact: true,
    });
    const back = runCli(out, ['restore', journal, '--name', zvol, '--yes']);
    assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    const after = ours(json(out, ['check']).quarantine.volumes as Row[]);
    assert.deepEqual(
      after.map((x) => x.volid).sort(),
      want.filter((v) => v !== zvol),
    );

    // `dm` reads only LVM: its list says so and sums its own rows.
    const dm = runCli(out, ['dm']).stdout;
    assert.ok(
      dm.includes(
        `\nIn quarantine on LVM (\`pve-health check\` lists every storage) (2, 56.0 GiB provisioned, used not listed;`,
      ),
      dm,
    );
  });
});
