// A ZFS dataset with a dataset of its own below it (issue 59): `zfs destroy -r` — ZFSPoolPlugin.pm
// free_image (`pvesm free`) and reclaim's purge — takes the child with it, and the quarantine moved it
// along. The parent is protected (`child-datasets`, the children named), no hint frees it, reclaim refuses
// it, and a quarantined dataset that got a child since is not purged. Beside each, the legitimate state: an
// orphan subvol with only its own snapshots is planned, quarantined and purged (fakenode with mutable
// storage: the zfs commands run for real on its state).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildFakenode } from '../helpers/fakenode-build';
import { tempDir } from '../helpers/temp-dir';
import { calls, FAKENODE, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

/** mixed-volumes built with mutable storage (the zfs commands change fakenode's state). */
function buildMutable(): string {
  const dir = tempDir('pvh-zfskids-');
  const s = JSON.parse(readFileSync(join(FAKENODE, 'scenarios', 'mixed-volumes.json'), 'utf8'));
  s.mutable_storage = true;
  writeFileSync(join(dir, 'mixed-volumes.json'), JSON.stringify(s));
  const out = join(dir, 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', join(dir, 'mixed-volumes.json')], out);
  if (r.status !== 0) throw new Error(`fakenode build: ${r.stderr}${r.stdout}`);
  return out;
}

/** Two orphan CT subvols of gone guests (160 with a child dataset and a snapshot, 161 with a snapshot only). */
function node(): string {
  const out = buildMutable();
  const p = join(out, 'state.json');
  const s = JSON.parse(readFileSync(p, 'utf8'));
  const ds = s.zfs.datasets;
  const base = ds['tank/pve/subvol-200-disk-0'];
  const snap = ds['tank/pve/vm-100-disk-0@old'];
  let guid = 7000;
  const add = (name: string, d: object) => {
    ds[name] = { ...d, guid: guid++, ...('mountpoint' in d ? { mountpoint: `/${name}` } : {}) };
  };
  add('tank/pve/subvol-160-disk-0', base);
  add('tank/pve/subvol-160-disk-0@before', snap);
  add('tank/pve/subvol-160-disk-0/data', base);
  add('tank/pve/subvol-161-disk-0', base);
  add('tank/pve/subvol-161-disk-0@before', snap);
  writeFileSync(p, JSON.stringify(s));
  return out;
}

function retentionZero(out: string): string {
  const conf = join(out, 'reclaim.toml');
  writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
  return conf;
}

const destroys = (out: string) =>
  calls(out)
    .filter((c) => c.tool === 'zfs' && c.argv[0] === 'destroy')
    .map((c) => c.argv.join(' '));

describe('a ZFS dataset with child datasets', { skip }, () => {
  it('protected with its children named, no hint; reclaim refuses it and plans its neighbour', () => {
    const out = node();
    const vols = JSON.parse(runCli(out, ['volumes', '--json']).stdout).volumes.entries;
    const e160 = vols.find(
      (e: { volid: string; snapshot?: string }) => e.volid === 'local-zfs:subvol-160-disk-0' && !e.snapshot,
    );
    assert.ok(e160, JSON.stringify(vols.map((e: { volid: string }) => e.volid)));
    assert.ok(e160.protectedBy.includes('child-datasets'), JSON.stringify(e160));
    assert.match(e160.detail, /tank\/pve\/subvol-160-disk-0\/data/);
    assert.equal(e160.hint, undefined);
    const e161 = vols.find(
      (e: { volid: string; snapshot?: string }) => e.volid === 'local-zfs:subvol-161-disk-0' && !e.snapshot,
    );
    assert.equal(`${e161.status}/${e161.protected}`, 'orphan/false', JSON.stringify(e161));
    const plan = JSON.parse(runCli(out, ['reclaim', '--dry-run', '--json']).stdout).plan;
    const refused = plan.refused.find((r: { volid: string }) => r.volid === 'local-zfs:subvol-160-disk-0');
    assert.equal(refused?.code, 'protected', JSON.stringify(plan.refused));
    assert.ok(plan.actions.some((a: { volid: string }) => a.volid === 'local-zfs:subvol-161-disk-0'));
    assert.ok(!plan.actions.some((a: { volid: string }) => a.volid === 'local-zfs:subvol-160-disk-0'));
    const named = runCli(out, ['reclaim', '--yes', '--name', 'local-zfs:subvol-160-disk-0']);
    assert.equal(named.code, 1, named.stdout);
    // The dataset never moves (its own orphan snapshot may be renamed on it: that leaves the children).
    assert.ok(
      !calls(out).some((c) => c.tool === 'zfs' && c.argv[0] === 'rename' && c.argv[1] === 'tank/pve/subvol-160-disk-0'),
    );
  });

  it('the purge: a quarantined dataset that got a child since is kept; one without is destroyed', () => {
    const out = node();
    const conf = retentionZero(out);
    for (const v of ['local-zfs:subvol-161-disk-0', 'local-zfs:vm-150-disk-0']) {
      const r = runCli(out, ['--config', conf, 'reclaim', '--yes', '--name', v]);
      assert.equal(r.code, 0, `${v}: ${r.stdout}\n${r.stderr}`);
    }
    const p = join(out, 'state.json');
    const s = JSON.parse(readFileSync(p, 'utf8'));
    const q = Object.keys(s.zfs.datasets).find((n) =>
      /pve-health-quarantine\/pve-health-q\.[^/@]*subvol-161-disk-0$/.test(n),
    );
    assert.ok(q, Object.keys(s.zfs.datasets).join('\n'));
    s.zfs.datasets[`${q}/later`] = { ...s.zfs.datasets[q], guid: 7100, mountpoint: `/${q}/later` };
    writeFileSync(p, JSON.stringify(s));
    const purge = runCli(out, ['--config', conf, 'reclaim', '--purge', '--yes', '--all', '--json']);
    const doc = JSON.parse(purge.stdout);
    const refused = doc.plan.refused.find((r: { volid: string }) => r.volid === 'local-zfs:subvol-161-disk-0');
    assert.equal(refused?.code, 'protected', purge.stdout);
    assert.match(refused.why, /child-dataset:.*later/);
    const gone = destroys(out);
    assert.ok(!gone.some((c) => c.includes('subvol-161')), gone.join('\n'));
    assert.ok(
      gone.some((c) => c.includes('vm-150-disk-0')),
      gone.join('\n'),
    );
  });
});
