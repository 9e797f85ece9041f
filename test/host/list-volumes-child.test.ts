// The file-storage lister child (src/children/list-volumes-child.ts) on what an images directory can hold
// besides volumes: a `<vmid>` entry that is a dangling symlink (its target removed or not mounted) holds
// nothing PVE lists (Plugin.pm list_images globs `<imagedir>/[0-9][0-9]*/*`), so the storage is read
// whole, not UNKNOWN; an entry that cannot be read (a symlink loop) still fails the listing, with its
// cause in one line instead of node's version banner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listVolumesCommand } from '../../src/children/list-volumes-child';
import { tempDir } from '../helpers/temp-dir';

function list(images: string): { code: number | null; doc: { items: { n: string }[] } | null; stderr: string } {
  const [cmd, ...args] = listVolumesCommand();
  const r = spawnSync(cmd, args, { input: JSON.stringify({ dir: images, btrfs: false }), encoding: 'utf8' });
  return { code: r.status, doc: r.status === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr };
}

function images(): string {
  const dir = join(tempDir('pvh-lister-'), 'images');
  mkdirSync(join(dir, '101'), { recursive: true });
  writeFileSync(join(dir, '101/vm-101-disk-0.raw'), '');
  return dir;
}

describe('the file-storage lister child', () => {
  it('a <vmid> entry that is a dangling symlink holds nothing: the storage is listed whole', () => {
    const dir = images();
    symlinkSync('/nonexistent-pve-health-test/102', join(dir, '102'));
    const r = list(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.doc?.items.map((x) => x.n),
      ['101/vm-101-disk-0.raw'],
    );
  });

  it('neighbour: a <vmid> symlink to a directory is listed through it, as the glob does', () => {
    const dir = images();
    const other = join(dir, '..', 'elsewhere');
    mkdirSync(other);
    writeFileSync(join(other, 'vm-103-disk-0.raw'), '');
    symlinkSync(other, join(dir, '103'));
    assert.deepEqual(
      list(dir)
        .doc?.items.map((x) => x.n)
        .sort(),
      ['101/vm-101-disk-0.raw', '103/vm-103-disk-0.raw'],
    );
  });

  it('a <vmid> entry that cannot be read (a symlink loop) fails the listing, its cause in one line', () => {
    const dir = images();
    symlinkSync('104', join(dir, '104'));
    const r = list(dir);
    assert.equal(r.code, 1);
    assert.equal(r.doc, null);
    assert.match(r.stderr, /^ELOOP: .*104'?\n$/);
  });
});
