// Reclaim never fails open on a partial listing (issue 59): `zfs list` empty with exit 0, `lvs` empty
// with exit 0 — the dry run and the real run name the storage not seen whole and exit 3, also with
// --name (as `clean` does on the same node); a listing cut at a line boundary (no check of the text can
// tell it from a whole one): the volume named and not listed is refused `not-listed`, exit 3, and what the
// node shows beside the listing (a zvol's /dev/zvol link, a zfs mount) names the gap under --all.
// Beside each, the whole listing of the same node exits 0.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';

/** A stand-in for `tool` that answers `sub` with nothing and exit 0, and passes the rest to fakenode's. */
function emptyAnswer(out: string, tool: string, sub: string): string {
  const dir = join(out, `empty-${tool}`);
  mkdirSync(dir, { recursive: true });
  const p = join(dir, tool);
  writeFileSync(p, `#!/bin/sh\n[ "$1" = '${sub}' ] && exit 0\nexec '${join(out, 'bin', tool)}' "$@"\n`);
  chmodSync(p, 0o755);
  return dir;
}

describe('reclaim on a partial listing: named, exit 3', { skip }, () => {
  it('mixed-volumes: an empty `zfs list` (exit 0) → exit 3 naming local-zfs; whole, exit 0', () => {
    const out = buildNode('mixed-volumes');
    const whole = runCli(out, ['reclaim', '--dry-run', '--name', 'local-zfs:vm-150-disk-0']);
    assert.equal(whole.code, 0, whole.stderr);
    const pathPrefix = emptyAnswer(out, 'zfs', 'list');
    for (const args of [['--all'], ['--name', 'local-zfs:vm-150-disk-0']]) {
      const r = runCli(out, ['reclaim', '--dry-run', '--json', ...args], { pathPrefix });
      assert.equal(r.code, 3, `${args}: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /could not see local-zfs whole/);
      const doc = JSON.parse(r.stdout);
      assert.ok(doc.partial.some((x: { storage: string }) => x.storage === 'local-zfs'));
      assert.ok(!doc.plan.actions.some((a: { storage: string }) => a.storage === 'local-zfs'));
    }
    const live = runCli(out, ['reclaim', '--yes', '--name', 'local-zfs:vm-150-disk-0'], { pathPrefix });
    assert.equal(live.code, 3, live.stderr);
  });

  it('mixed-volumes: a `zfs list` that lost lines at their boundary (exit 0): the zvol named is refused not listed, exit 3', () => {
    const out = buildNode('mixed-volumes');
    // What no check of the text can tell from a whole listing: the lines of one zvol gone, exit 0.
    const pathPrefix = join(out, 'cut-zfs');
    mkdirSync(pathPrefix, { recursive: true });
    writeFileSync(
      join(pathPrefix, 'zfs'),
      `#!/bin/sh\n[ "$1" = list ] || exec '${join(out, 'bin', 'zfs')}' "$@"\n'${join(out, 'bin', 'zfs')}' "$@" | grep -v vm-150-disk-0\n`,
    );
    chmodSync(join(pathPrefix, 'zfs'), 0o755);
    const r = runCli(out, ['reclaim', '--dry-run', '--json', '--name', 'local-zfs:vm-150-disk-0'], { pathPrefix });
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.plan.actions, []);
    assert.deepEqual(
      doc.plan.refused.map((x: { volid: string; code: string; reason: string }) => [x.volid, x.code, x.reason]),
      [['local-zfs:vm-150-disk-0', 'unknown', 'not-listed']],
    );
    // The same in the text, and a volume of another storage: planned; the exit code still says that
    // local-zfs was not seen whole (its zvol's link shows the gap), exit 3.
    const text = runCli(out, ['reclaim', '--dry-run', '--name', 'local-zfs:vm-150-disk-0'], { pathPrefix });
    assert.match(text.stdout, /local-zfs:vm-150-disk-0 — unknown: no volume of this name is listed on this node/);
    const other = runCli(out, ['reclaim', '--dry-run', '--json', '--name', 'local:102/vm-102-disk-0.raw'], {
      pathPrefix,
    });
    assert.equal(other.code, 3, other.stdout);
    assert.deepEqual(JSON.parse(other.stdout).plan.refused, []);
    assert.deepEqual(
      JSON.parse(other.stdout).plan.actions.map((a: { volid: string }) => a.volid),
      ['local:102/vm-102-disk-0.raw'],
    );
    // The whole listing of the same node: that name planned, exit 0.
    assert.equal(runCli(out, ['reclaim', '--dry-run', '--name', 'local:102/vm-102-disk-0.raw']).code, 0);
    // --all: the zvol's /dev/zvol link shows what the listing lost; asked again by name (the same cut
    // zfs answers nothing), it is not settled: local-zfs is not seen whole, exit 3, nothing of it planned.
    const all = runCli(out, ['reclaim', '--dry-run', '--json', '--all'], { pathPrefix });
    assert.equal(all.code, 3, `${all.stdout}\n${all.stderr}`);
    const partial = JSON.parse(all.stdout).partial as { storage: string; why: string }[];
    assert.match(
      JSON.stringify(partial.find((x) => x.storage === 'local-zfs')),
      /left out tank\/pve\/vm-150-disk-0 \(its link \/dev\/zvol\/tank\/pve\/vm-150-disk-0 -> zd\d+\)/,
    );
    assert.ok(!JSON.parse(all.stdout).plan.actions.some((a: { storage: string }) => a.storage === 'local-zfs'));
    assert.match(runCli(out, ['volumes'], { pathPrefix }).stdout, /local-zfs.*(unknown|UNKNOWN)/);
  });

  it('mixed-volumes: the first listing lost a zvol that zfs lists by name → cut short; a link that outlived its zvol → whole', () => {
    const out = buildNode('mixed-volumes');
    const zfs = join(out, 'bin', 'zfs');
    // Only the -r listing loses it: asked by name, zfs answers (the real cut: a pipe or a buffer, not zfs).
    const pathPrefix = join(out, 'cut-r');
    mkdirSync(pathPrefix, { recursive: true });
    writeFileSync(
      join(pathPrefix, 'zfs'),
      `#!/bin/sh\ncase " $* " in *' -r '*) '${zfs}' "$@" | grep -v vm-150-disk-0; exit 0;; esac\nexec '${zfs}' "$@"\n`,
    );
    chmodSync(join(pathPrefix, 'zfs'), 0o755);
    const cut = runCli(out, ['reclaim', '--dry-run', '--json', '--all'], { pathPrefix });
    assert.equal(cut.code, 3, `${cut.stdout}\n${cut.stderr}`);
    assert.match(cut.stdout, /which zfs lists when asked by name: the listing was cut short/);
    // The legitimate neighbour: udev has not yet removed the link of a zvol destroyed a moment ago.
    symlinkSync('../../../zd9999', join(out, 'root', 'dev', 'zvol', 'tank', 'pve', 'vm-777-disk-0'));
    const whole = runCli(out, ['reclaim', '--dry-run', '--json', '--all']);
    assert.equal(whole.code, 0, `${whole.stdout}\n${whole.stderr}`);
    assert.deepEqual(JSON.parse(whole.stdout).partial ?? [], []);
  });

  it('mixed-volumes: a zvol made while zfs listed (its link there, the first listing without it): listed again, whole, exit 0', () => {
    const out = buildNode('mixed-volumes');
    const zfs = join(out, 'bin', 'zfs');
    // The first -r listing ran before the zvol existed; udev's link is there when pve-health looks.
    const pathPrefix = join(out, 'made-meanwhile');
    const once = join(out, 'listed-once');
    mkdirSync(pathPrefix, { recursive: true });
    writeFileSync(
      join(pathPrefix, 'zfs'),
      `#!/bin/sh\ncase " $* " in *' -r '*) if [ ! -e '${once}' ]; then : > '${once}'; '${zfs}' "$@" | grep -v vm-150-disk-0; exit 0; fi;; esac\nexec '${zfs}' "$@"\n`,
    );
    chmodSync(join(pathPrefix, 'zfs'), 0o755);
    const r = runCli(out, ['reclaim', '--dry-run', '--json', '--all'], { pathPrefix });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout).partial ?? [], []);
    assert.ok(JSON.parse(r.stdout).plan.actions.some((a: { volid: string }) => a.volid === 'local-zfs:vm-150-disk-0'));
  });

  it('default-lvmthin: an empty `lvs` (exit 0) → exit 3, no LV planned; whole, exit 0', () => {
    const out = buildNode('default-lvmthin');
    assert.equal(runCli(out, ['reclaim', '--dry-run', '--all']).code, 0);
    const pathPrefix = emptyAnswer(out, 'lvs', '--version-never');
    // lvs takes options first: any call answers nothing.
    writeFileSync(join(pathPrefix, 'lvs'), '#!/bin/sh\nexit 0\n');
    const clean = runCli(out, ['clean', '--dry-run'], { pathPrefix });
    const r = runCli(out, ['reclaim', '--dry-run', '--json', '--name', 'local-lvm:vm-150-disk-0'], { pathPrefix });
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}\nclean: ${clean.code}`);
    assert.deepEqual(JSON.parse(r.stdout).plan.actions, []);
  });
});
