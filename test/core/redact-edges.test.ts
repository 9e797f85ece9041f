// The edges of each redaction rule (src/core/redact.ts), found by mutation testing: for each pattern the
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
  redactStorageConfig,
  redactText,
  redactWord,
} from '../../src/core/redact';

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
