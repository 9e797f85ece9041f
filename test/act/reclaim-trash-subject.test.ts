// One name for a Ceph trash entry in every output and in `reclaim --name` (issue 60: check, the
// dashboard, acks and metrics said `VOLID#trash:<id>`, the reclaim plan, its summary and the hints'
// `reclaim --name` the bare volume ID). On a node whose trash holds an entry beside a live image of its
// name (both orphans) and an entry whose name nothing else has, the volume ID names the live image, the
// subject names the entry, and reclaim changes exactly what was named (fakenode's own judge).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildFakenode } from '../helpers/fakenode-build';
import { PYTHON } from '../helpers/python';
import { tempDir } from '../helpers/temp-dir';
import { FAKENODE, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const LIVE = 'ceph-vm:vm-151-disk-0';
const BESIDE = `${LIVE}#trash:5e4a2d9c1b7f`;
const ALONE = 'ceph-vm:vm-197-disk-0#trash:6f5b3e0d2c80';

/** mixed-volumes (an orphan image vm-151-disk-0) with two USER trash entries, storage that changes for real. */
function trashNode(): string {
  const s = JSON.parse(readFileSync(join(FAKENODE, 'scenarios/mixed-volumes.json'), 'utf8'));
  s.mutable_storage = true;
  const at = 1794328800;
  const entry = (name: string, id: string, live: boolean) => ({
    storage: 'ceph-vm',
    name,
    id,
    source: 'USER',
    deleted_at: at,
    expires: at,
    size: '8G',
    live_image: live,
  });
  s.rbd = {
    status: true,
    now: at + 86400,
    trash: [entry('vm-151-disk-0', '5e4a2d9c1b7f', true), entry('vm-197-disk-0', '6f5b3e0d2c80', false)],
  };
  for (const [key, vmid] of [
    [BESIDE, 151],
    [ALONE, 197],
  ] as const)
    s.expected_volumes[key] = {
      status: 'orphan',
      reason: 'in-trash',
      vmid,
      detail: 'moved to the trash by rbd trash mv',
    };
  const file = join(tempDir('pvh-trash-subject-'), 'scenario.json');
  writeFileSync(file, JSON.stringify(s));
  const out = join(tempDir('pvh-trash-subject-'), 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', file], out);
  if (r.status !== 0) throw new Error(`fakenode build: ${r.stderr}${r.stdout}`);
  return out;
}

interface Named {
  volid: string;
  subject?: string;
  code?: string;
}
const names = (xs: Named[]) => xs.map((x) => `${x.subject ?? x.volid}${x.code ? ` ${x.code}` : ''}`).sort();

function dryRun(out: string, ...filter: string[]): { code: number | null; actions: string[]; refused: string[] } {
  const r = runCli(out, ['reclaim', '--dry-run', '--json', ...filter]);
  const doc = JSON.parse(r.stdout);
  return { code: r.code, actions: names(doc.plan.actions), refused: names(doc.plan.refused) };
}

describe('a Ceph trash entry is VOLID#trash:<id> in check, reclaim and acks', { skip }, () => {
  const out = HAVE_FAKENODE ? trashNode() : '';

  it("check's hint names the entry by its subject; the live image's by its volume ID", () => {
    const r = runCli(out, ['check']);
    assert.match(r.stdout, new RegExp(`^● WARNING {2}${ALONE} `, 'm'));
    assert.match(r.stdout, new RegExp(`^ {6}pve-health reclaim --name '${ALONE}'$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {6}pve-health reclaim --name ${LIVE}$`, 'm'));
    const doc = JSON.parse(runCli(out, ['check', '--json']).stdout);
    const e = doc.volumes.entries.find((x: { trash?: { id: string } }) => x.trash?.id === '6f5b3e0d2c80');
    assert.deepEqual(e.steps.find((s: { kind: string }) => s.kind === 'reclaim').command, [
      'pve-health',
      'reclaim',
      '--name',
      ALONE,
    ]);
  });

  it('the plan names each by its subject, both listed once (the live image and the entry of its name)', () => {
    assert.deepEqual(dryRun(out, '--all'), {
      code: 0,
      actions: [ALONE, LIVE, 'local-zfs:vm-150-disk-0', 'local:102/vm-102-disk-0.raw'].sort(),
      refused: [
        `${BESIDE} unsupported`,
        'local-zfs:vm-100-disk-0@old protected',
        'local-zfs:vm-100-disk-1 protected',
        'nfs-store:300/vm-300-disk-1.qcow2 protected',
      ],
    });
    const text = runCli(out, ['reclaim', '--dry-run']).stdout;
    assert.match(text, new RegExp(`^ {2}\\[\\d\\] ${ALONE} {2}guest 197 `, 'm'));
    assert.match(text, new RegExp(`^ {2}${BESIDE} {2}guest 151 — unsupported: `, 'm'));
  });

  it('--name: the volume ID takes the live image alone, the subject the entry alone', () => {
    assert.deepEqual(dryRun(out, '--name', LIVE), { code: 0, actions: [LIVE], refused: [] });
    assert.deepEqual(dryRun(out, '--name', BESIDE), { code: 1, actions: [], refused: [`${BESIDE} unsupported`] });
    assert.deepEqual(dryRun(out, '--name', ALONE), { code: 0, actions: [ALONE], refused: [] });
  });

  it('an ack by the key of the entry silences the entry, not the live image of its name', () => {
    const key = `volume:orphan:in-trash:${BESIDE}`;
    const a = runCli(out, ['ack', key, '--for', '1d', '--reason', 'audit']);
    assert.equal(a.code, 0, a.stderr);
    const doc = JSON.parse(runCli(out, ['check', '--json']).stdout);
    assert.deepEqual(
      doc.acknowledged.map((x: { key: string }) => x.key),
      [key],
    );
    assert.equal(runCli(out, ['ack', '--remove', key]).code, 0);
  });

  it('reclaim --name SUBJECT adopts exactly that entry; its progress and summary say so', () => {
    const r = runCli(out, ['reclaim', '--yes', '--name', ALONE]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^\\[1/1\\] quarantine ${ALONE}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {2}quarantined: ${ALONE}$`, 'm'));
    const judged = JSON.parse(
      (() => {
        try {
          return execFileSync(PYTHON, [join(FAKENODE, 'fakenode.py'), 'check', out, '--json'], { encoding: 'utf8' });
        } catch (e) {
          return (e as { stdout: string }).stdout;
        }
      })(),
    );
    assert.equal(judged.bad, 0, JSON.stringify(judged.touched));
    assert.deepEqual(
      judged.touched.map((t: { what: string }) => t.what),
      [ALONE],
    );
  });

  // Once adopted, every quarantine list names the entry as it was named (its journal holds the trash id),
  // and the restore and purge commands the lists print take that name.
  it('in quarantine: check, volumes, the reclaim plan, JSON, the report and restore --list name it ALONE', () => {
    const line = new RegExp(`^ {2}${ALONE} · `, 'm');
    assert.match(runCli(out, ['check']).stdout, line);
    assert.match(runCli(out, ['volumes']).stdout, line);
    assert.match(runCli(out, ['reclaim', '--dry-run']).stdout, new RegExp(`^ {2}${ALONE} {2}guest 197 · `, 'm'));
    const q = JSON.parse(runCli(out, ['check', '--json']).stdout).quarantine.volumes;
    const adopted = q.find((v: { vmid: number }) => v.vmid === 197);
    assert.deepEqual([adopted.volid, adopted.subject], ['ceph-vm:vm-197-disk-0', ALONE]);
    const html = runCli(out, ['report', '--html', '-']).stdout.replace(/<wbr>/g, '');
    assert.ok(
      html.includes(`restore ${adopted.journal} --name &#39;${ALONE}&#39;`),
      'the report restores it by its name',
    );
    assert.ok(!html.includes('--name ceph-vm:vm-197-disk-0<'), 'never by the bare volume ID');
    assert.match(runCli(out, ['restore', '--list']).stdout, new RegExp(`reclaim on pve1: 1 done \\(${ALONE}\\)`));
  });

  it('restore --name takes the name the list prints; a name the journal lacks is said (exit 1)', () => {
    const journal = JSON.parse(runCli(out, ['check', '--json']).stdout).quarantine.volumes.find(
      (v: { vmid: number }) => v.vmid === 197,
    ).journal;
    const stray = runCli(out, ['restore', journal, '--yes', '--name', 'ceph-vm:vm-198-disk-0']);
    assert.equal(stray.code, 1, stray.stdout + stray.stderr);
    assert.match(stray.stdout, new RegExp(`ceph-vm:vm-198-disk-0: not in this journal \\(it holds ${ALONE}\\)`));
    const r = runCli(out, ['restore', journal, '--yes', '--name', ALONE]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^\\[1/1\\] bring back ${ALONE}$`, 'm'));
    assert.match(r.stdout, /; back as the live image ceph-vm:vm-197-disk-0\):$/m);
    assert.match(r.stdout, new RegExp(`^ {2}brought back: ${ALONE}$`, 'm'));
    // It is the live image of its name again (restore brings an adopted entry back out of the trash).
    assert.match(runCli(out, ['check']).stdout, /^● WARNING {2}ceph-vm:vm-197-disk-0 {2}VMID 197/m);
  });
});
