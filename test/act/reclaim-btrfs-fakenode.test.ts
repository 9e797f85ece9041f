// reclaim of btrfs volumes through the CLI on a fakenode root: a `btrfs: local-btrfs` storage laid out as
// BTRFSPlugin.pm makes it (a raw disk: `images/<vmid>/vm-<vmid>-disk-N/disk.raw`; a container's volume:
// `images/<vmid>/subvol-<vmid>-disk-N.subvol`). The fake root's filesystem is not btrfs, so its
// "subvolumes" are plain directories here: this checks the names, the listing, the journal, restore and
// the purge's argv end to end; test/e2e/host/btrfs.sh does the same on a real btrfs with real subvolumes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, journals, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('reclaim on fakenode: btrfs volumes', { skip }, () => {
  it('a raw disk and a subvol of gone guests: quarantined, listed, restored byte for byte, purged by btrfs subvolume delete', () => {
    const out = buildNode('mixed-volumes');
    const root = join(out, 'root');
    appendFileSync(
      join(root, 'etc/pve/storage.cfg'),
      '\nbtrfs: local-btrfs\n\tpath /mnt/btrfs\n\tcontent images,rootdir\n',
    );
    const images = join(root, 'mnt/btrfs/images');
    const raw = join(images, '7001/vm-7001-disk-0');
    const sub = join(images, '7002/subvol-7002-disk-0.subvol');
    mkdirSync(raw, { recursive: true });
    mkdirSync(join(sub, 'etc'), { recursive: true });
    writeFileSync(join(raw, 'disk.raw'), Buffer.alloc(300_000, 3));
    writeFileSync(join(sub, 'etc/hostname'), 'ct7002\n');
    const rawSha = sha(join(raw, 'disk.raw'));
    const A = 'local-btrfs:7001/vm-7001-disk-0.raw';
    const B = 'local-btrfs:7002/subvol-7002-disk-0.subvol';

    const vols = JSON.parse(runCli(out, ['volumes', '--json']).stdout);
    const hint = (v: string) => vols.volumes.entries.find((e: { volid: string }) => e.volid === v)?.hint ?? '';
    for (const v of [A, B]) assert.match(hint(v), new RegExp(`^.*pve-health reclaim --name ${v}.*pvesm free ${v}`));

    const r = runCli(out, ['reclaim', '--yes', '--name', A, '--name', B, '--json']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const moved = readdirSync(join(images, 'pve-health-quarantine')).sort();
    assert.equal(moved.length, 2);
    assert.match(moved[0], /^pve-health-q\.\d{8}T\d{6}Z\.7001\.vm-7001-disk-0$/);
    assert.match(moved[1], /^pve-health-q\.\d{8}T\d{6}Z\.7002\.subvol-7002-disk-0\.subvol$/);
    assert.equal(sha(join(images, 'pve-health-quarantine', moved[0], 'disk.raw')), rawSha);
    const after = JSON.parse(runCli(out, ['volumes', '--json']).stdout);
    for (const v of [A, B]) {
      const e = after.volumes.entries.find((x: { volid: string }) => x.volid === v);
      assert.equal(`${e?.status}/${e?.reason}`, 'ignored/quarantined', v);
    }

    const back = runCli(out, ['restore', journals(out)[0], '--yes']);
    assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    assert.equal(sha(join(raw, 'disk.raw')), rawSha);
    assert.equal(readFileSync(join(sub, 'etc/hostname'), 'utf8'), 'ct7002\n');

    // Quarantined again with a retention of 0 days, then purged: `btrfs subvolume delete --` of each
    // (a stub here, logging its argv: the fake root has no subvolumes).
    const conf = join(out, 'reclaim.toml');
    writeFileSync(conf, '[reclaim]\nretention_days = 0\n');
    assert.equal(runCli(out, ['--config', conf, 'reclaim', '--yes', '--name', A, '--name', B]).code, 0);
    const stub = join(out, 'stub-bin');
    mkdirSync(stub, { recursive: true });
    const log = join(out, 'btrfs.log');
    writeFileSync(join(stub, 'btrfs'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n`);
    chmodSync(join(stub, 'btrfs'), 0o755);
    const purge = runCli(out, ['--config', conf, 'reclaim', '--purge', '--yes', '--name', A, '--name', B], {
      pathPrefix: stub,
    });
    assert.equal(purge.code, 0, `${purge.stdout}\n${purge.stderr}`);
    const q = readdirSync(join(images, 'pve-health-quarantine')).sort();
    assert.deepEqual(
      readFileSync(log, 'utf8').trim().split('\n').sort(),
      q.map((n) => `subvolume delete -- ${join(images, 'pve-health-quarantine', n)}`),
    );
  });
});
