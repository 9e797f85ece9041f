// The edges of each redaction rule (src/core/redact/redact.ts), found by mutation testing: for each pattern the
// word just inside it (redacted) and the word just outside (kept byte for byte) — anchors, separators,
// the programs whose options differ, the blanks kept as they were. Table-driven; the classes of secrets
// themselves are in redact-classes.test.ts and redact-command-line.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  REDACTED as R,
  redactCommandLine,
  redactGuestConfig,
  redactQemuArgs,
  redactSnapshot,
  redactStorageConfig,
  redactText,
  redactWord,
} from '../../src/core/redact/redact';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';

const STORAGE: [string, string][] = [
  ['\tpassword s3cr3t', `\tpassword ${R}`],
  // Blanks before and after the value are kept as they were.
  ['\tpassword  s3cr3t  ', `\tpassword  ${R}  `],
  ['\t\tpassword\t\ts3cr3t', `\t\tpassword\t\t${R}`],
  ['\tapi-token abc', `\tapi-token ${R}`],
  // Only the key's whole name: a key that merely ends in one, or a file that says where a key is, stays.
  ['\tnopassword keep', '\tnopassword keep'],
  ['\tkeyring-path /etc/x', '\tkeyring-path /etc/x'],
  // A section header (no indent) is no property.
  ['password s3cr3t', 'password s3cr3t'],
  ['\tpassword s3cr3t\n\tserver h', `\tpassword ${R}\n\tserver h`],
];

const GUEST: [string, string][] = [
  ['lxc.environment: PASS=x', `lxc.environment: ${R}`],
  ['lxc.environment.runtime = A=b', `lxc.environment.runtime = ${R}`],
  ['lxc.environment:PASS=x', `lxc.environment:${R}`],
  ['lxc.environment  :  PASS=x', `lxc.environment  :  ${R}`],
  // Not a key at the start of its line: a comment, another key.
  ['# lxc.environment: X=y', '# lxc.environment: X=y'],
  ['xlxc.environment: X=y', 'xlxc.environment: X=y'],
  ['name: password=x\nlxc.environment: A=b', `name: password=x\nlxc.environment: ${R}`],
  // Only `args:` is read as a command line; other free text stays as written.
  ['args: -spice port=61000,password=s3cret', `args: -spice port=61000,password=${R}`],
  ['args:  -a  b', 'args:  -a  b'],
  ['description: token=abc', 'description: token=abc'],
];

const WORDS: [string, string][] = [
  ['https://abcdefghijklmnopqrstuvwxyz@host/x', `https://${R}@host/x`],
  ['http://abcdefghijklmnopqrstuvwxyz@h', `http://${R}@h`],
  ['ftp://abcdefghijklmnopqrstuvwxyz@h', `ftp://${R}@h`],
  ['ftps://abcdefghijklmnopqrstuvwxyz@h', `ftps://${R}@h`],
  ['ws://abcdefghijklmnopqrstuvwxyz@h', `ws://${R}@h`],
  ['wss://abcdefghijklmnopqrstuvwxyz@h', `wss://${R}@h`],
  // A user that is no token (short, or with other characters) is a user name.
  ['https://shortuser@h', 'https://shortuser@h'],
  ['https://x!abcdefghijklmnopqrstuvwxyz@h', 'https://x!abcdefghijklmnopqrstuvwxyz@h'],
  ['https://abcdefghijklmnopqrstuvwxyz!@h', 'https://abcdefghijklmnopqrstuvwxyz!@h'],
  ['a password=x', `a password=${R}`],
  // A key ends at `:` as well as `=`: a word with a colon and no `=` is still read for keys.
  ['auth_token:abc', `auth_token:${R}`],
  ['unix:/var/run/qemu-server/100.vnc', 'unix:/var/run/qemu-server/100.vnc'],
  ['dir=//srv/share,password=x', `dir=//srv/share,password=${R}`],
  // A value that is a path (`//srv/share`) is where, not what.
  ['token=//x', 'token=//x'],
  [`key=${R}`, `key=${R}`],
  // `data` is a secret only in QEMU's secret object.
  ['secret,id=s0,data=QUJD', `secret,id=s0,data=${R}`],
  ['x data=QUJD', 'x data=QUJD'],
  ['data=QUJD secret,', 'data=QUJD secret,'],
  ['{"qom-type": "secret", "data":"QUJD"}', `{"qom-type": "secret", "data":"${R}"}`],
  ['{"qom-type" :"secret","data":"QUJD"}', `{"qom-type" :"secret","data":"${R}"}`],
  ['{"qom-type":"secret","data":"QUJD"}', `{"qom-type":"secret","data":"${R}"}`],
  ['{"password":"x"}', `{"password":"${R}"}`],
  ['{"name":"x"}', '{"name":"x"}'],
  ['keyring=/etc/ceph/k', 'keyring=/etc/ceph/k'],
  ['mykeyring=/x', 'mykeyring=/x'],
  ['password-secret=sec0', 'password-secret=sec0'],
  ['xpassword-secret=y', `xpassword-secret=${R}`],
  ['authfile=/x', 'authfile=/x'],
  ['token-file=/x', 'token-file=/x'],
  ['iv=abc', `iv=${R}`],
];

const COMMANDS: [string[], string[]][] = [
  // -p: a port for ssh and its kin (by the program's base name), a password elsewhere.
  [
    ['ssh', '-p', '22'],
    ['ssh', '-p', '22'],
  ],
  [
    ['/usr/bin/ssh', '-p22'],
    ['/usr/bin/ssh', '-p22'],
  ],
  [
    ['mysql', '-p', 'pw'],
    ['mysql', '-p', R],
  ],
  [
    ['mysql', '-ppw'],
    ['mysql', `-p${R}`],
  ],
  [
    ['mysql', '-px'],
    ['mysql', `-p${R}`],
  ],
  [
    ['sshx', '-p', 'pw'],
    ['sshx', '-p', R],
  ],
  [
    ['mysql', '-p-x'],
    ['mysql', '-p-x'],
  ],
  [
    ['mysql', 'x-px'],
    ['mysql', 'x-px'],
  ],
  // kvm/qemu have single-dash long options (-pidfile): -pX is no password there.
  [
    ['kvm', '-pidfile', '/x'],
    ['kvm', '-pidfile', '/x'],
  ],
  [
    ['qemu-system-x86_64', '-pX'],
    ['qemu-system-x86_64', '-pX'],
  ],
  [
    ['qemu-img', '-pX'],
    ['qemu-img', '-pX'],
  ],
  [
    ['qemu', '-pX'],
    ['qemu', '-pX'],
  ],
  [
    ['xkvm', '-pX'],
    ['xkvm', `-p${R}`],
  ],
  [
    ['kvmx', '-pX'],
    ['kvmx', `-p${R}`],
  ],
  [
    ['qemux', '-pX'],
    ['qemux', `-p${R}`],
  ],
  // A tool's user argument: the password after its separator, for that tool and option only.
  [
    ['curl', '-u', 'user:pw'],
    ['curl', '-u', `user:${R}`],
  ],
  [
    ['curl', '-u', 'user'],
    ['curl', '-u', 'user'],
  ],
  [
    ['curl', '-u', ':pw'],
    ['curl', '-u', `:${R}`],
  ],
  [
    ['curlx', '-u', 'user:pw'],
    ['curlx', '-u', 'user:pw'],
  ],
  [
    ['xcurl', '-u', 'u:p'],
    ['xcurl', '-u', 'u:p'],
  ],
  [
    ['curl', '-ux', 'u:p'],
    ['curl', '-ux', 'u:p'],
  ],
  [
    ['curl', 'x-u', 'u:p'],
    ['curl', 'x-u', 'u:p'],
  ],
  [
    ['smbclient', '-U', 'user%pw'],
    ['smbclient', '-U', `user%${R}`],
  ],
  [
    ['xsmbclient', '-U', 'u%p'],
    ['xsmbclient', '-U', 'u%p'],
  ],
  [
    ['smbclientx', '-U', 'u%p'],
    ['smbclientx', '-U', 'u%p'],
  ],
  [
    ['smbclient', '-Ux', 'u%p'],
    ['smbclient', '-Ux', 'u%p'],
  ],
  [
    ['smbclient', 'x-U', 'u%p'],
    ['smbclient', 'x-U', 'u%p'],
  ],
  [
    ['lftp', '-u', 'user,pw'],
    ['lftp', '-u', `user,${R}`],
  ],
  [
    ['xlftp', '-u', 'u,p'],
    ['xlftp', '-u', 'u,p'],
  ],
  [
    ['lftpx', '-u', 'u,p'],
    ['lftpx', '-u', 'u,p'],
  ],
  [
    ['lftp', '-ux', 'u,p'],
    ['lftp', '-ux', 'u,p'],
  ],
  [
    ['lftp', 'x-u', 'u,p'],
    ['lftp', 'x-u', 'u,p'],
  ],
  [
    ['curl', '-uuser:pw'],
    ['curl', `-uuser:${R}`],
  ],
  [
    ['curl', '--user=user:pw'],
    ['curl', `--user=user:${R}`],
  ],
  [
    ['curl', '--useruser:pw'],
    ['curl', '--useruser:pw'],
  ],
  [
    ['curl', 'x-uuser:pw'],
    ['curl', 'x-uuser:pw'],
  ],
  [
    ['smbclient', '-Uuser%pw'],
    ['smbclient', `-Uuser%${R}`],
  ],
  // openssl -k/-K take the key itself.
  [
    ['openssl', '-k', 'pw'],
    ['openssl', '-k', R],
  ],
  [
    ['openssl', 'x-k', 'pw'],
    ['openssl', 'x-k', 'pw'],
  ],
  [
    ['opensslx', '-k', 'pw'],
    ['opensslx', '-k', 'pw'],
  ],
  [
    ['openssl', '-kx', 'pw'],
    ['openssl', '-kx', 'pw'],
  ],
  // An option whose whole name says secret; one letter says nothing.
  [
    ['tool', '--password', 'pw'],
    ['tool', '--password', R],
  ],
  [
    ['tool', '--key', 'v'],
    ['tool', '--key', R],
  ],
  [
    ['tool', '-k', 'v'],
    ['tool', '-k', 'v'],
  ],
  [
    ['tool', 'x--password', 'pw'],
    ['tool', 'x--password', 'pw'],
  ],
  [
    ['tool', '--passwordx!', 'pw'],
    ['tool', '--passwordx!', 'pw'],
  ],
  // An HTTP header as one argument.
  [
    ['curl', '-H', 'Authorization: Bearer abc'],
    ['curl', '-H', `Authorization: Bearer ${R}`],
  ],
  [
    ['curl', '-H', 'Authorization:Bearer abc'],
    ['curl', '-H', `Authorization:Bearer ${R}`],
  ],
  [
    ['curl', '-H', 'Authorization: Bearer  abc'],
    ['curl', '-H', `Authorization: Bearer  ${R}`],
  ],
  [
    ['curl', '-H', 'X-Auth-Token:  abc'],
    ['curl', '-H', `X-Auth-Token:  ${R}`],
  ],
  [
    ['curl', '-H', 'x Authorization: Bearer abc'],
    ['curl', '-H', 'x Authorization: Bearer abc'],
  ],
  // A command inside one argument, its blanks kept: leading blanks too (`sh -c ' mysql -pX'`).
  [
    ['sh', '-c', 'mysql -ppw db'],
    ['sh', '-c', `mysql -p${R} db`],
  ],
  [
    ['sh', '-c', 'mysql\t-ppw'],
    ['sh', '-c', `mysql\t-p${R}`],
  ],
  [
    ['sh', '-c', '/bin/mysql  -ppw'],
    ['sh', '-c', `/bin/mysql  -p${R}`],
  ],
  [
    ['sh', '-c', ' mysql -ppw'],
    ['sh', '-c', ` mysql -p${R}`],
  ],
  [
    ['sh', '-c', 'x'],
    ['sh', '-c', 'x'],
  ],
  [
    ['echo', ' password=x y'],
    ['echo', ` password=${R} y`],
  ],
  // The program itself is one word too.
  [['password=x'], [`password=${R}`]],
];

test('storage.cfg: a secret property’s value, and nothing else, byte for byte', () => {
  for (const [text, want] of STORAGE) assert.equal(redactStorageConfig(text), want, JSON.stringify(text));
});

test('guest configs: cloud-init secrets, lxc.environment and args:, at the start of their line only', () => {
  for (const [text, want] of GUEST) assert.equal(redactGuestConfig(text), want, JSON.stringify(text));
});

test('one word: URL credentials, secret keys, QEMU secret objects; paths and key locations stay', () => {
  for (const [word, want] of WORDS) assert.equal(redactWord(word), want, word);
});

test('command lines: each rule for the programs it is for, and only for those', () => {
  for (const [argv, want] of COMMANDS) assert.deepEqual(redactCommandLine(argv), want, JSON.stringify(argv));
});

test('raw QEMU args and text: blanks kept as they were, every line on its own', () => {
  assert.equal(redactQemuArgs('-spice  port=1,password=x'), `-spice  port=1,password=${R}`);
  assert.equal(redactQemuArgs('a\t\tb'), 'a\t\tb');
  assert.equal(redactQemuArgs('-pX'), '-pX');
  assert.equal(redactText('password=x\ntoken=y'), `password=${R}\ntoken=${R}`);
});

test('a command inside one argument: a run of blanks is one separator (`-p  PW` is still -p PW)', () => {
  assert.deepEqual(redactCommandLine(['sh', '-c', 'mysql -p  pw']), ['sh', '-c', `mysql -p  ${R}`]);
  assert.equal(redactQemuArgs('-spice  -p  x'), `-spice  -p  ${R}`);
});

/** A capture with the mounts part's own copies of storage.cfg, container configs and mount tables. */
function captureWithMounts(mounts: unknown): HostSnapshot {
  return {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2026-01-01T00:00:00.000Z',
    hostname: 'pve1',
    files: {
      '/etc/pve/nodes/pve1/lxc/200.conf': 'lxc.environment: PASS=ctsecret\n',
      '/etc/pve/nodes/pve1/qemu-server/100.conf.bak': 'cipassword: keepsbak\n',
      '/proc/self/mountinfo': '45 30 0:52 / /mnt/pve/s rw - cifs //srv/s rw,password=mountsecret\n',
      '/proc/1/mountinfo.txt': 'password=x\n',
    },
    commands: {},
    processes: [],
    extra: mounts === undefined ? undefined : { mounts },
  } as unknown as HostSnapshot;
}

test('redactSnapshot: the mounts part’s own copies are redacted as the files are, each by its shape', () => {
  const out = redactSnapshot(
    captureWithMounts({
      storageCfg: 'cifs: s\n\tpassword stsecret\n',
      ctConfigs: { '200': 'lxc.environment: PASS=ctsecret\n' },
      hostMountinfo: '45 30 0:52 / /mnt/pve/s rw - cifs //srv/s rw,password=mountsecret\n',
      containers: [
        { vmid: 200, mountinfo: '1 0 0:1 / / rw - cifs //h/s rw,pass=ctmount\n' },
        { vmid: 201, mountinfo: null },
      ],
      other: 'kept',
    }),
  );
  assert.deepEqual(out.extra?.mounts, {
    storageCfg: `cifs: s\n\tpassword ${R}\n`,
    ctConfigs: { '200': `lxc.environment: ${R}\n` },
    hostMountinfo: `45 30 0:52 / /mnt/pve/s rw - cifs //srv/s rw,password=${R}\n`,
    containers: [
      { vmid: 200, mountinfo: `1 0 0:1 / / rw - cifs //h/s rw,pass=${R}\n` },
      { vmid: 201, mountinfo: null },
    ],
    other: 'kept',
  });
  // Files: a guest config by its path, a mount table by its name's end (mount options, then words).
  assert.equal(out.files['/etc/pve/nodes/pve1/lxc/200.conf'], `lxc.environment: ${R}\n`);
  assert.equal(out.files['/etc/pve/nodes/pve1/qemu-server/100.conf.bak'], 'cipassword: keepsbak\n');
  assert.equal(out.files['/proc/self/mountinfo'], `45 30 0:52 / /mnt/pve/s rw - cifs //srv/s rw,password=${R}\n`);
  assert.equal(out.redacted, true);
});

test('redactSnapshot: a mounts part without copies, or none at all, stays as it was', () => {
  const bare = redactSnapshot(captureWithMounts({ storageCfg: null }));
  assert.deepEqual(bare.extra?.mounts, { storageCfg: null, ctConfigs: {}, hostMountinfo: undefined, containers: [] });
  assert.equal(redactSnapshot(captureWithMounts(undefined)).extra, undefined);
  // A mounts part that is no object (null, or text from an older capture) is left as it is.
  assert.deepEqual(redactSnapshot(captureWithMounts(null)).extra, { mounts: null });
  assert.deepEqual(redactSnapshot(captureWithMounts('text')).extra, { mounts: 'text' });
});

test('redactSnapshot: a mount table file loses a whole option value, also one with a colon', () => {
  const snap = captureWithMounts(undefined);
  snap.files['/proc/self/mountinfo'] = '45 30 0:52 / /mnt/pve/s rw - cifs //srv/s rw,password=a:b;c,vers=3.0\n';
  assert.equal(
    redactSnapshot(snap).files['/proc/self/mountinfo'],
    `45 30 0:52 / /mnt/pve/s rw - cifs //srv/s rw,password=${R},vers=3.0\n`,
  );
});

// The survivors of the redact room's mutation run (issue 47), each rule's edge in one row.
test('storage.cfg: a trailing form feed or vertical tab does not hide the value; a section header is no property', () => {
  // PVE::SectionConfig::parse_config reads a property as `^\s+(\S+)(\s+(.*\S))?\s*$`: \f and \v are
  // blanks there, the password is the word before them. Was a leak: the line did not match at all.
  for (const [text, want] of [
    ['\tpassword hunter2\f', `\tpassword ${R}\f`],
    ['\tpassword hunter2\v\n\tserver h', `\tpassword ${R}\v\n\tserver h`],
    // A header (`type: id`) starts at column 0: its words are no key and value.
    ['cifs: password keep', 'cifs: password keep'],
  ] as [string, string][])
    assert.equal(redactStorageConfig(text), want, JSON.stringify(text));
});

test('a line break inside a user or header argument is part of the secret', () => {
  // `curl -H "Authorization: Bearer $TOKEN"` with a token read with its line end: the match ran only to
  // the line break and failed at `$`, so the whole argument went to redactWord, which kept the token.
  for (const [argv, want] of [
    [
      ['curl', '-H', 'Authorization: Bearer abc\n'],
      ['curl', '-H', `Authorization: Bearer ${R}`],
    ],
    [
      ['curl', '-uuser:pw\nx'],
      ['curl', `-uuser:${R}`],
    ],
  ] as [string[], string[]][])
    assert.deepEqual(redactCommandLine(argv), want, JSON.stringify(argv));
});

test('key names: a location word names a place only at the end; the -p-is-a-port programs by their whole name', () => {
  for (const [word, want] of [
    // `user` at the start, `keyfile`/`keyring` at the start, `password-secret` followed by more: still secrets.
    ['user_password=x', `user_password=${R}`],
    ['keyfile_passphrase=x', `keyfile_passphrase=${R}`],
    ['password-secret-data=x', `password-secret-data=${R}`],
  ])
    assert.equal(redactWord(word), want, word);
  for (const [argv, want] of [
    [
      ['xssh', '-p', 'pw'],
      ['xssh', '-p', R],
    ],
    // iperf (2) and iperf3 both take -p PORT.
    [
      ['iperf', '-p', '5201'],
      ['iperf', '-p', '5201'],
    ],
  ] as [string[], string[]][])
    assert.deepEqual(redactCommandLine(argv), want, JSON.stringify(argv));
});

test("the mounts part's own mount table: an option at a line's start is redacted as one after a comma", () => {
  const out = redactSnapshot(captureWithMounts({ hostMountinfo: 'password=pw1,rw\nrw,token=tk2\n' }));
  assert.equal(
    (out.extra as { mounts: { hostMountinfo: string } }).mounts.hostMountinfo,
    `password=${R},rw\nrw,token=${R}\n`,
  );
});

test('a command inside one argument: after shell punctuation too, and JSON with blanks as one object', () => {
  for (const [argv, want] of [
    // Was a leak: a first word that is no plain name (a subshell, a group, a negation) hid the command.
    [
      ['sh', '-c', '(mysqldump -ppw db) | gzip'],
      ['sh', '-c', `(mysqldump -p${R} db) | gzip`],
    ],
    [
      ['sh', '-c', '! mysql -p pw db; true'],
      ['sh', '-c', `! mysql -p ${R} db; true`],
    ],
    [
      ['/usr/bin/kvm', '-object', '{"qom-type": "secret", "id": "s0", "data": "QUJD"}'],
      ['/usr/bin/kvm', '-object', `{"qom-type": "secret", "id": "s0", "data": "${R}"}`],
    ],
    // Blanks only around one word: no program reads ` -pX ` as -p, it stays.
    [
      ['tool', ' -pX '],
      ['tool', ' -pX '],
    ],
    [
      ['tool', 'a b'],
      ['tool', 'a b'],
    ],
  ] as [string[], string[]][])
    assert.deepEqual(redactCommandLine(argv), want, JSON.stringify(argv));
});

test('any captured text file: an option value runs to its comma, also with a colon or semicolon in it', () => {
  // Was a leak outside mount tables: `/etc/fstab`'s `password=a:b;c` kept `:b;c`.
  const snap = captureWithMounts(undefined);
  snap.files['/etc/fstab'] = '//nas/s /mnt/s cifs username=u,password=a:b;c,vers=3.0 0 0\n';
  assert.equal(redactSnapshot(snap).files['/etc/fstab'], `//nas/s /mnt/s cifs username=u,password=${R},vers=3.0 0 0\n`);
  assert.equal(redactText('rw,token=t:1\nsecret=s;2'), `rw,token=${R}\nsecret=${R}`);
});

test('the program word is a name, never an option: `-pX` there stays', () => {
  assert.deepEqual(redactCommandLine(['-pX', '-pY']), ['-pX', `-p${R}`]);
});

test('an empty command line (a kernel thread has none) comes back empty', () => {
  assert.deepEqual(redactCommandLine([]), []);
});
