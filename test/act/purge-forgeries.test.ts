// `reclaim --purge` end to end on the shared fakenode: only what pve-health's own journal records it
// quarantined is purged (core/reclaim/quarantine-proof.ts). Beside a real quarantine of an earlier run
// (purged), a file planted under a quarantine name and a quarantined directory replaced by another of the
// same name (its dev:ino is not the one recorded) are listed "not quarantined by pve-health" and stay.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

describe('reclaim --purge on fakenode: the journal, not the name', { skip }, () => {
  it('a real quarantine is purged; a planted file and a replaced directory under quarantine names are not', () => {
    const out = buildNode('mixed-volumes');
    const images = join(out, 'root/var/lib/vz/images');
    const qdir = join(images, 'pve-health-quarantine');
    mkdirSync(join(images, '150/subvol-150-disk-0.subvol/etc'), { recursive: true });
    const conf = join(out, 'reclaim.toml');
    writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
    const raw = 'local:102/vm-102-disk-0.raw';
    const subvol = 'local:150/subvol-150-disk-0.subvol';
    const q = runCli(out, ['--config', conf, 'reclaim', '--yes', '--name', raw, '--name', subvol]);
    assert.equal(q.code, 0, `${q.stdout}\n${q.stderr}`);
    const moved = readdirSync(qdir).sort();
    assert.equal(moved.length, 2, moved.join(' '));
    // Forgery 1: a file planted under the quarantine grammar, its stamp long past (no journal records it).
    const planted = 'pve-health-q.20200101T000000Z.199.vm-199-disk-0.raw';
    writeFileSync(join(qdir, planted), Buffer.alloc(4096, 1));
    // Forgery 2: the quarantined directory replaced by another one of the same name (a new inode).
    const sub = moved.find((n) => n.endsWith('.subvol'))!;
    renameSync(join(qdir, sub), join(out, 'elsewhere'));
    mkdirSync(join(qdir, sub, 'precious'), { recursive: true });
    const r = runCli(out, ['--config', conf, 'reclaim', '--purge', '--yes', '--all', '--json']);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(
      doc.plan.actions.map((a: { volid: string }) => a.volid),
      [raw],
    );
    const refused = Object.fromEntries(
      doc.plan.refused.map((x: { volid: string; code: string; why: string }) => [x.volid, `${x.code}: ${x.why}`]),
    );
    assert.match(
      refused['local:199/vm-199-disk-0.raw'] ?? '',
      /^not-quarantined: not quarantined by pve-health: no reclaim journal/,
    );
    assert.match(
      refused[subvol] ?? '',
      /^not-quarantined: .*not the volume pve-health quarantined \(identity \d+:\d+, recorded \d+:\d+\)/,
    );
    // Listed with the reason, never due.
    for (const v of doc.plan.quarantined.filter((x: { volid: string }) => x.volid !== raw)) {
      assert.equal(v.due, false);
      assert.match(v.notOurs, /./);
    }
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(join(qdir, planted)));
    assert.ok(existsSync(join(qdir, sub, 'precious')));
    assert.deepEqual(readdirSync(qdir).sort(), [planted, sub].sort());
    // check's quarantine listing says the same: not due, not ours.
    const check = JSON.parse(runCli(out, ['--config', conf, 'check', '--json']).stdout);
    const listed = check.quarantine.volumes.find((x: { volid: string }) => x.volid === 'local:199/vm-199-disk-0.raw');
    assert.equal(listed.due, false);
    assert.match(listed.notOurs, /no reclaim journal/);
  });
});
