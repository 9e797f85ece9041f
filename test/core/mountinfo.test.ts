import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeMountField,
  isReadOnly,
  type MountInfo,
  parseMountInfo,
  parseMountInfoLine,
  visibleMounts,
} from '../../src/core/parse/mountinfo';

test('mountinfo: real lines parse field by field', () => {
  const cases: [string, Partial<MountInfo>][] = [
    [
      '36 35 0:53 / /mnt/pve/nfs\\040backup rw,relatime shared:80 - nfs4 10.0.0.5:/export/pve rw,vers=4.2,addr=10.0.0.5',
      {
        id: 36,
        parentId: 35,
        majorMinor: '0:53',
        root: '/',
        target: '/mnt/pve/nfs backup',
        options: 'rw,relatime',
        optional: ['shared:80'],
        fstype: 'nfs4',
        source: '10.0.0.5:/export/pve',
        superOptions: 'rw,vers=4.2,addr=10.0.0.5',
      },
    ],
    // no optional fields; CIFS source with an escaped space and a backslash
    [
      '101 25 0:61 / /mnt/pve/smb rw,relatime - cifs //fs01/My\\040Share\\134x rw,vers=3.1.1,cache=strict',
      { optional: [], fstype: 'cifs', source: '//fs01/My Share\\x', target: '/mnt/pve/smb' },
    ],
    // bind mount of a subdirectory, two optional fields, tab and newline escapes in the path
    [
      '1120 1100 0:53 /images/sub /mnt/a\\011b\\012c ro,nosuid shared:5 master:80 - nfs 10.0.0.5:/x rw,vers=3',
      { root: '/images/sub', target: '/mnt/a\tb\nc', options: 'ro,nosuid', optional: ['shared:5', 'master:80'] },
    ],
    // container rootfs after errors=remount-ro: the superblock says ro, the mount still rw
    [
      '1001 1000 252:7 / / rw,relatime master:1 - ext4 /dev/mapper/pve-vm--105--disk--0 ro,relatime,errors=remount-ro',
      { target: '/', fstype: 'ext4', superOptions: 'ro,relatime,errors=remount-ro' },
    ],
    [
      '25 21 0:24 / /etc/pve rw,nosuid,nodev,relatime shared:5 - fuse /dev/fuse rw,user_id=0,group_id=0,allow_other',
      { fstype: 'fuse', source: '/dev/fuse' },
    ],
  ];
  for (const [line, want] of cases) {
    const got = parseMountInfoLine(line);
    assert.ok(got, line);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, `${k} of ${line}`);
  }
});

test('mountinfo: malformed lines are returned apart, never dropped silently', () => {
  const text = '36 35 0:53 / /mnt rw - nfs4 a:/b rw\nnot a mountinfo line\n\n37 35 0:54 / /x rw shared:1\n';
  const { mounts, bad } = parseMountInfo(text);
  assert.equal(mounts.length, 1);
  assert.deepEqual(bad, ['not a mountinfo line', '37 35 0:54 / /x rw shared:1']);
});

test('mountinfo: octal escapes decode, other backslashes stay', () => {
  const cases: [string, string][] = [
    ['/mnt/a\\040b', '/mnt/a b'],
    ['\\134\\134srv', '\\\\srv'],
    ['/plain', '/plain'],
    ['/not\\8escape', '/not\\8escape'],
  ];
  for (const [input, want] of cases) assert.equal(decodeMountField(input), want);
});

test('mountinfo: ro is a whole option; errors=remount-ro is not ro', () => {
  const cases: [string, string, boolean][] = [
    ['rw,relatime', 'rw,errors=remount-ro', false],
    ['ro,relatime', 'rw', true],
    ['rw,relatime', 'ro,errors=remount-ro', true],
  ];
  for (const [options, superOptions, want] of cases) assert.equal(isReadOnly({ options, superOptions }), want);
});

test('mountinfo: a path mounted over again shows only the top mount', () => {
  const { mounts } = parseMountInfo(
    [
      '30 1 0:50 / /mnt/pve/nfs rw - nfs4 old:/x rw',
      '31 1 0:51 / /mnt/other rw - nfs4 b:/y rw',
      '32 30 0:52 / /mnt/pve/nfs rw - nfs4 new:/x rw',
    ].join('\n'),
  );
  assert.deepEqual(
    visibleMounts(mounts).map((m) => m.source),
    ['b:/y', 'new:/x'],
  );
});
