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

function list(
  images: string,
  btrfs = { btrfs: false },
): { code: number | null; doc: { items: { n: string }[]; others?: string[] } | null; stderr: string } {
  const [cmd, ...args] = listVolumesCommand();
  const r = spawnSync(cmd, args, { input: JSON.stringify({ dir: images, ...btrfs }), encoding: 'utf8' });
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

  // A symlinked image is no file the lister reads, but PVE's path names it and qemu opens it through the
  // link: named in `others`, so a config naming it is never called missing (volume-unlisted.ts). A btrfs
  // raw disk's subvolume without disk.raw holds nothing PVE's path opens: in neither list.
  it('a symlinked image is among the other names; neighbour: a regular file is an item, an empty btrfs subvolume nothing', () => {
    const dir = images();
    symlinkSync('/nonexistent-pve-health-test/disk.raw', join(dir, '101/vm-101-disk-1.raw'));
    const r = list(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      [r.doc?.items.map((x) => x.n), r.doc?.others],
      [['101/vm-101-disk-0.raw'], ['101/vm-101-disk-1.raw']],
    );
    const b = join(tempDir('pvh-lister-'), 'images');
    mkdirSync(join(b, '101/vm-101-disk-0'), { recursive: true });
    mkdirSync(join(b, '101/vm-101-disk-1'), { recursive: true });
    writeFileSync(join(b, '101/vm-101-disk-1/disk.raw'), '');
    const rb = list(b, { btrfs: true });
    assert.deepEqual([rb.doc?.items.map((x) => x.n), rb.doc?.others], [['101/vm-101-disk-1.raw'], []]);
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
