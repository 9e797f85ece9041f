// Secrets whose value runs past the old stops (issue 59): `password=a:b` in an option list kept `:b`, a
// CIFS `password=P1,,P2` (`,,` is a literal comma for mount.cifs and the kernel) kept `P2`, mount.cifs's
// `user=DOM\user%PW` kept the password, and `iscsiadm … -n node.session.auth.password -v PW` (or
// `--value=PW`) printed it — in captures (process command lines, storage.cfg, mount tables) and in
// documents (a holder's command line, a mount's options). Each row has neighbours that stay byte for
// byte: a user, a path with `password` as a directory name, key files, Ceph's other fields, the portal.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  REDACTED as R,
  redactCommandLine,
  redactSnapshot,
  redactStorageConfig,
  redactText,
  redactWord,
} from '../../src/core/redact/redact';
import { NodeBuilder } from '../helpers/node-builder';

const S = 'Hunter2xyz';

const WORDS: [string, string][] = [
  // An option list: the value runs to its comma, whatever else it holds.
  [`username=u,password=a:${S},vers=3.0`, `username=u,password=${R},vers=3.0`],
  [`password=a:${S}`, `password=${R}`],
  [`user=u,pass=a;${S}`, `user=u,pass=${R}`],
  // `,,` is one comma of the password (cifs-utils set_password doubles each one).
  [`username=u,password=P1,,${S},vers=3.0`, `username=u,password=${R},vers=3.0`],
  [`password=P1,,,vers=3.0`, `password=${R},vers=3.0`],
  [`rw,relatime,password=,,${S},uid=0`, `rw,relatime,password=${R},uid=0`],
  // mount.cifs's user=DOMAIN\user%password: the password after the first `%`.
  [`user=DOM\\bob%${S},vers=3.0`, `user=DOM\\bob%${R},vers=3.0`],
  [`username=bob%a,,${S}`, `username=bob%${R}`],
  [`user=%${S}`, `user=%${R}`],
  // A key inside a value already redacted is part of it: one redaction, the list's next option kept.
  [`password=a,,key=${S},vers=3.0`, `password=${R},vers=3.0`],
  // Ceph's option string: a field ends at `:`, `\:` is a colon inside it.
  [`rbd:p/i:id=admin:key=AQB\\:${S}==:mon_host=10.0.0.1`, `rbd:p/i:id=admin:key=${R}:mon_host=10.0.0.1`],
  // A URL query: a parameter ends at `&`.
  [`https://h/x?token=${S}&page=2`, `https://h/x?token=${R}&page=2`],
  // mount.ceph: the secret redacted, the secret file's path kept.
  [
    `name=admin,secret=AQB${S}==,secretfile=/etc/ceph/admin.secret`,
    `name=admin,secret=${R},secretfile=/etc/ceph/admin.secret`,
  ],
];

const KEEP = [
  // An empty value is nothing to redact; the next field or parameter is not taken for it.
  'rbd:p/i:key=:mon_host=10.0.0.1',
  'https://h/x?token=&page=2',
  // Only `user`/`username` carry mount.cifs's user%password.
  'proxyuser=a%20b,vers=3.0',
  'user_agent=curl%2F8',
  // A URL whose scheme reads like a secret's name is a URL, not a value.
  'sso,keycloak://auth.example/realms/pve',
  'user=alice,vers=3.0',
  'username=bob,domain=CORP',
  '/srv/password/images/102/vm-102-disk-0.raw',
  '/mnt/pve/passwords,ro',
  'name=admin,secretfile=/etc/ceph/admin.secret',
  'rbd:p/i:id=admin:auth_supported=cephx:keyring=/etc/pve/priv/ceph/x.keyring',
  'rw,relatime,vers=3.1.1,cache=strict,username=u,uid=0,noforceuid',
  'https://h/x?user=a%20b&page=2',
];

describe('an option list: a value runs as far as its list says', () => {
  for (const [word, want] of WORDS)
    test(word.replace(S, 'S'), () => {
      assert.equal(redactWord(word), want);
      // The same inside a command line and a line of any captured text.
      assert.deepEqual(redactCommandLine(['mount', '-o', word]), ['mount', '-o', want]);
      assert.equal(redactText(`x ${word}\n`), `x ${want}\n`);
    });
  test('neighbours without a secret stay byte for byte', () => {
    for (const w of KEEP) {
      assert.equal(redactWord(w), w);
      assert.deepEqual(redactCommandLine(['mount', '-o', w, w]), ['mount', '-o', w, w]);
    }
  });
});

describe('iscsiadm: the value of a setting whose name is a secret', () => {
  const rows: [string[], string[]][] = [
    [
      [
        'iscsiadm',
        '-m',
        'node',
        '-T',
        'iqn.x',
        '-p',
        '10.0.0.1:3260',
        '-o',
        'update',
        '-n',
        'node.session.auth.password',
        '-v',
        S,
      ],
      [
        'iscsiadm',
        '-m',
        'node',
        '-T',
        'iqn.x',
        '-p',
        '10.0.0.1:3260',
        '-o',
        'update',
        '-n',
        'node.session.auth.password',
        '-v',
        R,
      ],
    ],
    [
      ['/usr/bin/iscsiadm', '-m', 'node', '-o', 'update', '--name=node.session.auth.password_in', `--value=${S}`],
      ['/usr/bin/iscsiadm', '-m', 'node', '-o', 'update', '--name=node.session.auth.password_in', `--value=${R}`],
    ],
    [
      ['iscsiadm', '-m', 'discovery', '-o', 'update', `-v${S}`, '--name', 'discovery.sendtargets.auth.password'],
      ['iscsiadm', '-m', 'discovery', '-o', 'update', `-v${R}`, '--name', 'discovery.sendtargets.auth.password'],
    ],
    [
      ['iscsiadm', '-m', 'node', '-o', 'update', '--name=iv', `-v=${S}`],
      ['iscsiadm', '-m', 'node', '-o', 'update', '--name=iv', `-v${R}`],
    ],
    [
      ['iscsiadm', '-m', 'node', '-o', 'update', '-n', 'node.session.auth.password', '--value', S],
      ['iscsiadm', '-m', 'node', '-o', 'update', '-n', 'node.session.auth.password', '--value', R],
    ],
  ];
  for (const [argv, want] of rows)
    test(argv.slice(-3).join(' ').replace(S, 'S'), () => assert.deepEqual(redactCommandLine(argv), want));
  test('neighbours: the user, the auth method, the portal, another setting, another tool', () => {
    for (const argv of [
      ['iscsiadm', '-m', 'node', '-o', 'update', '-n', 'node.session.auth.username', '-v', 'bob'],
      ['iscsiadm', '-m', 'node', '-o', 'update', '-n', 'node.session.auth.authmethod', '-v', 'CHAP'],
      ['iscsiadm', '-m', 'node', '-o', 'update', '--name=node.startup', '--value=automatic'],
      ['iscsiadm', '-m', 'discovery', '-t', 'sendtargets', '-p', '10.0.0.1:3260'],
      ['iscsiadm', '-m', 'session', '-P', '3', '-r', '1'],
      // A name that only looks secret before its last dot, or says where a secret is kept.
      ['iscsiadm', '-m', 'node', '-o', 'update', '--name=password-secret', '-v', 'kept'],
      ['iscsiadm', '-m', 'node', '-I', 'x=iface.password', '-n', 'node.startup', '-v', 'manual'],
      ['iscsiadm', '-m', 'node', '-n', 'node.session.auth.password', '--valuesfile'],
      ['xiscsiadm', '-n', 'node.session.auth.password', '-v', 'kept'],
      ['iscsiadm2', '-n', 'node.session.auth.password', '-v', 'kept'],
      ['tool', '-n', 'node.session.auth.password', '-v', 'verbose'],
    ])
      assert.deepEqual(redactCommandLine(argv), argv);
  });
});

describe('captures: storage.cfg, mount tables and process command lines', () => {
  test("a CIFS storage's options with a doubled comma and a colon", () => {
    const cfg = `cifs: nas\n\tusername u\n\toptions vers=3.0,password=P1,,a:${S},cache=none\n\tpath /srv/password\n`;
    assert.equal(
      redactStorageConfig(cfg),
      `cifs: nas\n\tusername u\n\toptions vers=3.0,password=${R},cache=none\n\tpath /srv/password\n`,
    );
  });
  test('fstab, the host mountinfo and process command lines', () => {
    const snap = new NodeBuilder().build();
    snap.files['/etc/fstab'] = `//nas/s /mnt/password cifs user=alice,password=P1,,${S},vers=3.0 0 0\n`;
    snap.processes.push({
      ...snap.processes[0],
      pid: 4242,
      cmdline: ['iscsiadm', '-m', 'node', '-o', 'update', '-n', 'node.session.auth.password', '-v', S],
    });
    snap.processes.push({
      ...snap.processes[0],
      pid: 4243,
      cmdline: ['mount.cifs', '//nas/s', '/mnt/password', '-o', `username=DOM\\alice%${S},password=P1,,${S}`],
    });
    (snap as { extra?: Record<string, unknown> }).extra = {
      mounts: {
        hostMountinfo: `45 30 0:52 / /mnt/password rw - cifs //nas/s rw,user=alice,password=P1,,${S},vers=3.0\n`,
      },
    };
    const out = redactSnapshot(snap);
    assert.ok(!JSON.stringify(out).includes(S), JSON.stringify(out));
    assert.equal(out.files['/etc/fstab'], `//nas/s /mnt/password cifs user=alice,password=${R},vers=3.0 0 0\n`);
    assert.equal(
      (out.extra as { mounts: { hostMountinfo: string } }).mounts.hostMountinfo,
      `45 30 0:52 / /mnt/password rw - cifs //nas/s rw,user=alice,password=${R},vers=3.0\n`,
    );
    assert.deepEqual(out.processes.find((p) => p.pid === 4243)?.cmdline, [
      'mount.cifs',
      '//nas/s',
      '/mnt/password',
      '-o',
      `username=DOM\\alice%${R},password=${R}`,
    ]);
  });
});
