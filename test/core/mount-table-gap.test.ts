// A mount table that parses to less than the node evidently has (docs/mounts.md "A mount table that is
// not the whole table"): empty, without a root mount, cut inside a line, with one mount ID twice, or
// with lines that are not mountinfo — UNKNOWN with the reason. A table complete in itself is believed
// (a node with fewer mounts looks the same). Host and container tables alike.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mountsInputGap, mountTableGap } from '../../src/core/node/storage-gaps';

const ROOT = '21 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro';
const PROC = '22 21 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw';
const NFS = '40 21 0:53 / /mnt/pve/nfs rw,relatime shared:9 - nfs4 10.0.0.5:/export rw,vers=4.2,addr=10.0.0.5';
const table = (...lines: string[]) => `${lines.join('\n')}\n`;

const CASES: [string, string, RegExp | null][] = [
  ['a whole table', table(ROOT, PROC, NFS), null],
  ['the root mount alone', table(ROOT), null],
  [
    'a bind mount of the root filesystem elsewhere (same device, other ID)',
    table(ROOT, PROC, ROOT.replace(/^21 1 (\S+) \/ \//, '30 21 $1 / /srv/bind')),
    null,
  ],
  ['empty', '', /is empty/],
  ['blank lines only', '\n\n', /is empty/],
  ['no root mount', table(PROC, NFS), /has no root \(\/\) mount/],
  ['cut inside the last line', table(ROOT, PROC, NFS).slice(0, -30), /ends inside a line/],
  ['every line twice', table(ROOT, ROOT, PROC, PROC), /lists mount IDs 21, 22 more than once/],
  ['one ID on two different lines', table(ROOT, PROC, NFS.replace(/^40 /, '22 ')), /mount ID 22 more than once/],
  ['junk', '\u0000\u0001 <html>502 Bad Gateway</html>\n}{ not : the format\n', /2 lines of .* do not parse/],
  ['a junk line among good ones', table(ROOT, 'garbage here', PROC), /1 line of .* does not parse .*"garbage here"/],
  [
    'a long junk line: named by its first 60 characters',
    table(ROOT, `<html>${'x'.repeat(54)}${'y'.repeat(100)}`, PROC),
    new RegExp(`\\(first: "<html>${'x'.repeat(54)}"\\)`),
  ],
];

describe('mountTableGap', () => {
  for (const [name, text, want] of CASES) {
    test(`${name} → ${want ?? 'believed'}`, () => {
      const gap = mountTableGap(text, 'the host mount table');
      if (want === null) assert.equal(gap, null);
      else assert.match(gap ?? '', want);
    });
  }
});

describe('mountsInputGap: the host table and every running container table', () => {
  const raw = (host: string, ct: string | null, alive?: boolean) => ({
    storageCfg: 'dir: local\n\tpath /var/lib/vz\n\tcontent iso\n',
    hostMountinfo: host,
    containers: [{ ctid: 105, pid: 4242, mountinfo: ct, ...(alive === undefined ? {} : { alive }) }],
  });
  test('both whole: no gap', () => assert.equal(mountsInputGap(raw(table(ROOT, PROC), table(ROOT, PROC))), null));
  test('the host table empty: named', () =>
    assert.match(mountsInputGap(raw('', table(ROOT))) ?? '', /host mount table \(\/proc\/self\/mountinfo\) is empty/));
  test("a container's table cut: named with its CT and pid", () =>
    assert.match(
      mountsInputGap(raw(table(ROOT), table(ROOT, PROC).slice(0, -5))) ?? '',
      /mount table of CT 105 \(\/proc\/4242\/mountinfo\) ends inside a line/,
    ));
  test("a container's table unreadable while its init lives", () =>
    assert.match(
      mountsInputGap(raw(table(ROOT), null, true)) ?? '',
      /CT 105 .* could not be read while its init process lives/,
    ));
  test('a container that stopped meanwhile: no gap (it has no mounts to see)', () =>
    assert.equal(mountsInputGap(raw(table(ROOT), null, false)), null));
});
