// A `zfs list` that lost whole lines with exit 0 (issue 59) is caught by what the node shows beside it: a
// /dev/zvol link or a zfs mount of a dataset the listing lacks, which zfs still lists when asked by name.
// Beside each catch its legitimate neighbour: a link that outlived its dataset (udev's lag after a destroy
// or a rename) that zfs says does not exist, a hidden `%recv` dataset, a dataset of another pool, a link to
// a partition, a mount of a listed snapshot. And the storage that the gap makes unknown keeps its listed
// volumes, where a whole listing beside it stays `ok`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMountInfo } from '../../src/core/parse/mountinfo';
import type { CommandOutput } from '../../src/core/vocab/snapshot';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import {
  ZFS_RECHECK_MAX,
  zfsListedNames,
  zfsListingGap,
  zfsRecheckArgv,
  zfsShownUnlisted,
} from '../../src/core/volumes/zfs-listing-gaps';
import { volumeInput, zvol } from '../helpers/volume-node';

const mounts = (lines: string[]) =>
  parseMountInfo(lines.map((l, i) => `${30 + i} 1 0:${40 + i} / ${l} rw,relatime\n`).join('')).mounts;
const zfsMount = (target: string, source: string) => `${target} rw - zfs ${source} rw,xattr,noacl`;

const LISTED = new Set(['rpool/data', 'rpool/data/vm-100-disk-0', 'rpool/data/subvol-101-disk-0@s']);

/** The second `zfs list` as the exec helper records it: `listed` printed, `gone` not found. */
function recheck(names: string[], o: { listed?: string[]; gone?: string[]; error?: CommandOutput['error'] } = {}) {
  const out: CommandOutput = {
    argv: zfsRecheckArgv(Object.fromEntries(names.map((n) => [n, '']))),
    code: o.error ? null : o.gone?.length ? 1 : 0,
    stdout: (o.listed ?? []).map((n) => `${n}\n`).join(''),
    stderr: (o.gone ?? []).map((n) => `cannot open '${n}': dataset does not exist\n`).join(''),
  };
  if (o.error) out.error = o.error;
  return out;
}

describe('zfsListedNames', () => {
  test('the first column of every line, with or without a final newline', () => {
    assert.deepEqual(
      [...zfsListedNames('rpool/data\tfilesystem\t-\n rpool/data/a b\tvolume\nrpool/data/c')],
      ['rpool/data', ' rpool/data/a b', 'rpool/data/c'],
    );
    assert.deepEqual([...zfsListedNames('')], []);
    // A line without a tab is a name whole, whatever the next line holds; empty lines name nothing; a
    // line that starts with its tab names the empty name (no dataset has it).
    assert.deepEqual([...zfsListedNames('x\ny\tz\n')], ['x', 'y']);
    assert.deepEqual([...zfsListedNames('\na\n\nb\tvolume\n')], ['a', 'b']);
    assert.deepEqual([...zfsListedNames('\tvolume\n')], ['']);
  });
});

describe('zfsShownUnlisted', () => {
  const shown = (zvolDevices: Record<string, string>, lines: string[] = []) =>
    zfsShownUnlisted(LISTED, ['rpool/data'], { zvolDevices, mounts: mounts(lines) });

  test('a zvol link and a zfs mount the listing lacks are named with where they are shown', () => {
    assert.deepEqual(
      shown({ 'rpool/data/vm-100-disk-0': 'zd0', 'rpool/data/vm-150-disk-0': 'zd16' }, [
        zfsMount('/rpool/data/subvol-101-disk-0', 'rpool/data/subvol-101-disk-0'),
      ]),
      {
        'rpool/data/vm-150-disk-0': 'its link /dev/zvol/rpool/data/vm-150-disk-0 -> zd16',
        'rpool/data/subvol-101-disk-0': 'mounted at /rpool/data/subvol-101-disk-0',
      },
    );
  });

  test('neighbours: listed, hidden, another pool, a sibling pool of the same prefix, another fstype, a listed snapshot', () => {
    assert.deepEqual(
      shown({ 'rpool/data/vm-100-disk-0': 'zd0', 'rpool/data/%recv': 'zd32', 'tank/vm-1-disk-0': 'zd48' }, [
        zfsMount('/', 'rpool/ROOT/pve-1'),
        zfsMount('/rpool/data2/x', 'rpool/data2/x'),
        `/mnt/pve/nfs rw - nfs4 rpool/data/vm-7-disk-0 rw`,
        zfsMount('/rpool/data/subvol-101-disk-0/.zfs/snapshot/s', 'rpool/data/subvol-101-disk-0@s'),
      ]),
      {},
    );
  });

  test('shown twice (a link and a mount of one name): named once, by the first place', () => {
    assert.deepEqual(shown({ 'rpool/data/vm-9-disk-0': 'zd9' }, [zfsMount('/x', 'rpool/data/vm-9-disk-0')]), {
      'rpool/data/vm-9-disk-0': 'its link /dev/zvol/rpool/data/vm-9-disk-0 -> zd9',
    });
  });

  test('every listed pool is looked under, not only the first', () => {
    assert.deepEqual(
      zfsShownUnlisted(LISTED, ['rpool/data', 'tank'], { zvolDevices: { 'tank/vm-1-disk-0': 'zd48' }, mounts: [] }),
      { 'tank/vm-1-disk-0': 'its link /dev/zvol/tank/vm-1-disk-0 -> zd48' },
    );
  });

  test('the pool itself, when the listing lacks its line', () => {
    assert.deepEqual(
      zfsShownUnlisted(new Set(), ['rpool/data'], {
        zvolDevices: {},
        mounts: mounts([zfsMount('/rpool/data', 'rpool/data')]),
      }),
      {
        'rpool/data': 'mounted at /rpool/data',
      },
    );
  });
});

test('zfsRecheckArgv: names only, the first ZFS_RECHECK_MAX', () => {
  assert.deepEqual(zfsRecheckArgv({ 'rpool/data/a': 'x', 'rpool/data/b': 'y' }), [
    'zfs',
    'list',
    '-H',
    '-o',
    'name',
    'rpool/data/a',
    'rpool/data/b',
  ]);
});

describe('zfsListingGap', () => {
  const gapOf = (names: Record<string, string>, r?: CommandOutput) => zfsListingGap({ names, recheck: r });
  const one = { 'rpool/data/vm-150-disk-0': 'its link /dev/zvol/rpool/data/vm-150-disk-0 -> zd16' };
  const N = Object.keys(one);

  test('nothing shown and unlisted: whole', () => {
    assert.equal(zfsListingGap(undefined), null);
    assert.equal(gapOf({}), null);
  });

  test('listed when asked by name: cut short, the dataset and where it was shown named', () => {
    const why = gapOf(one, recheck(N, { listed: N }));
    assert.match(
      why ?? '',
      /^zfs list left out rpool\/data\/vm-150-disk-0 \(its link \/dev\/zvol\/.* -> zd16\), which zfs lists when asked by name: the listing was cut short$/,
    );
  });

  test('neighbour: "dataset does not exist" (a link that outlived its dataset) is no gap', () => {
    assert.equal(gapOf(one, recheck(N, { gone: N })), null);
  });

  test('two listed: the first named, the count of the rest', () => {
    const two = { ...one, 'rpool/data/vm-151-disk-0': 'mounted at /x' };
    const names = Object.keys(two);
    assert.equal(
      gapOf(two, recheck(names, { listed: names })),
      'zfs list left out rpool/data/vm-150-disk-0 (its link /dev/zvol/rpool/data/vm-150-disk-0 -> zd16), which zfs lists when asked by name (and 1 more): the listing was cut short',
    );
  });

  test('two gone, each on its own line: whole', () => {
    const two = { ...one, 'rpool/data/vm-151-disk-0': 'mounted at /x' };
    const names = Object.keys(two);
    assert.equal(gapOf(two, recheck(names, { gone: names })), null);
  });

  test('what zfs said is quoted: its first line, trimmed; or the exec error; or "no answer"', () => {
    const r = { ...recheck(N), code: 1, stderr: '  internal error: out of memory\nsecond line\n' };
    assert.equal(
      gapOf(one, r),
      'zfs list left out rpool/data/vm-150-disk-0 (its link /dev/zvol/rpool/data/vm-150-disk-0 -> zd16) and whether it exists is unknown (asking for it again did not say: internal error: out of memory): the listing may be cut short',
    );
    assert.match(
      gapOf(one, { ...recheck(N, { error: 'timeout' }), message: 'no answer within 10000 ms' }) ?? '',
      /did not say: no answer within 10000 ms\): the listing may be cut short$/,
    );
    assert.match(gapOf(one, recheck(N)) ?? '', /did not say: no answer\): /);
  });

  test('two unsettled: the first named, the count of the rest', () => {
    const two = { ...one, 'rpool/data/vm-151-disk-0': 'mounted at /x' };
    assert.equal(
      gapOf(two),
      'zfs list left out rpool/data/vm-150-disk-0 (its link /dev/zvol/rpool/data/vm-150-disk-0 -> zd16) and whether it exists is unknown (not asked again), and 1 more: the listing may be cut short',
    );
  });

  test('a pool called like a word of the command (`name`): only the names asked are settled', () => {
    const pool = { name: 'mounted at /name' };
    const r = { ...recheck([]), code: 1, stderr: "cannot open 'name': dataset does not exist\n" };
    assert.deepEqual(r.argv, ['zfs', 'list', '-H', '-o', 'name']);
    assert.match(
      gapOf(pool, r) ?? '',
      /^zfs list left out name \(mounted at \/name\) and whether it exists is unknown/,
    );
  });

  test('"does not exist" only as zfs prints it: another line that quotes it settles nothing', () => {
    const r = { ...recheck(N), stderr: "warning: cannot open 'rpool/data/vm-150-disk-0': dataset does not exist\n" };
    assert.match(gapOf(one, r) ?? '', /unknown/);
  });

  test('one of two gone, the other listed: cut short', () => {
    const two = { ...one, 'rpool/data/vm-151-disk-0': 'mounted at /x' };
    const names = Object.keys(two);
    assert.match(
      gapOf(two, recheck(names, { gone: [names[0]], listed: [names[1]] })) ?? '',
      /vm-151-disk-0.*cut short/,
    );
  });

  test('not asked, timed out, or silent about it: unknown, never whole', () => {
    assert.match(gapOf(one) ?? '', /whether it exists is unknown \(not asked again\)/);
    assert.match(gapOf(one, recheck(N, { error: 'timeout' })) ?? '', /whether it exists is unknown/);
    assert.match(gapOf(one, recheck(N)) ?? '', /whether it exists is unknown \(asking for it again did not say/);
    // "does not exist" for another name than the one asked settles nothing.
    assert.match(gapOf(one, recheck(['rpool/data/x'], { gone: ['rpool/data/vm-150-disk-0'] })) ?? '', /unknown/);
  });

  test('a gone name that was not asked (beyond the first ZFS_RECHECK_MAX) stays unsettled', () => {
    const many = Object.fromEntries(
      Array.from({ length: ZFS_RECHECK_MAX + 1 }, (_, i) => [`rpool/data/vm-${i}-disk-0`, 'x']),
    );
    const names = Object.keys(many);
    const asked = zfsRecheckArgv(many);
    assert.equal(asked.length, 5 + ZFS_RECHECK_MAX);
    const r = recheck(names.slice(0, ZFS_RECHECK_MAX), { gone: names });
    assert.match(gapOf(many, r) ?? '', new RegExp(`vm-${ZFS_RECHECK_MAX}-disk-0.*more than ${ZFS_RECHECK_MAX}`));
  });
});

describe('the storage a gap makes unknown', () => {
  const zfs = ['rpool/data\tfilesystem\t-\t1\t1\t0\t-\t/rpool/data', zvol('vm-100-disk-0')];
  test('unknown with the gap named, its listed volume kept; the same listing whole is ok', () => {
    const input = volumeInput({ zfs });
    const whole = classifyVolumes(input);
    assert.equal(whole.storages.find((s) => s.storage === 'local-zfs')?.status, 'ok');
    const names = { 'rpool/data/vm-150-disk-0': 'its link /dev/zvol/rpool/data/vm-150-disk-0 -> zd16' };
    const cut = classifyVolumes({
      ...input,
      raw: {
        ...input.raw,
        zfsUnlisted: { names, recheck: recheck(Object.keys(names), { listed: Object.keys(names) }) },
      },
    });
    const st = cut.storages.find((s) => s.storage === 'local-zfs');
    assert.equal(st?.status, 'unknown');
    assert.match(st?.error ?? '', /left out rpool\/data\/vm-150-disk-0.*cut short/);
    assert.ok(cut.entries.some((e) => e.volid === 'local-zfs:vm-100-disk-0'));
    // The dir storage beside it is not touched by zfs's gap.
    assert.equal(cut.storages.find((s) => s.storage === 'local')?.status, 'ok');
    const stale = classifyVolumes({
      ...input,
      raw: { ...input.raw, zfsUnlisted: { names, recheck: recheck(Object.keys(names), { gone: Object.keys(names) }) } },
    });
    assert.equal(stale.storages.find((s) => s.storage === 'local-zfs')?.status, 'ok');
  });
});
