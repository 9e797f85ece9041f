// Secrets redacted by class (issue 42): any option or environment variable whose name says
// pass/key/secret/token/credential/auth, any URL userinfo, the password part of a tool's user argument
// — on a table of real command lines, the files a capture keeps (datacenter.cfg's http_proxy, a CIFS
// storage's options) and a mount's options in a document. What is not a secret stays byte for byte.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  REDACTED,
  redactCommandLine,
  redactSnapshot,
  redactStorageConfig,
  redactWord,
} from '../../src/core/redact/redact';
import { NodeBuilder } from '../helpers/node-builder';

const S = 'Hunter2xyz';

/** Real command lines as a shell would split them, and what must stay. */
const LINES: { name: string; argv: string[]; keep?: string[] }[] = [
  {
    name: 'curl -u user:pw',
    argv: ['curl', '-u', `admin:${S}`, 'https://pbs:8007/'],
    keep: ['admin:', 'https://pbs:8007/'],
  },
  { name: 'curl -uuser:pw', argv: ['curl', `-uadmin:${S}`, 'https://h/'], keep: ['-uadmin:'] },
  { name: 'curl --user=user:pw', argv: ['curl', `--user=admin:${S}`, 'https://h/'], keep: ['--user=admin:'] },
  { name: 'curl --proxy-user', argv: ['curl', '--proxy-user', `p:${S}`, '-x', 'http://proxy:3128', 'https://h/'] },
  {
    name: 'curl -H Authorization: PVEAPIToken',
    argv: ['curl', '-H', `Authorization: PVEAPIToken=root@pam!mon=${S}`, 'https://pve:8006/api2/json'],
    keep: ['Authorization: '],
  },
  { name: 'curl -H Authorization: Bearer', argv: ['curl', '-H', `Authorization: Bearer ${S}`], keep: ['Bearer '] },
  { name: 'curl -H X-Auth-Token', argv: ['curl', '--header', `X-Auth-Token: ${S}`] },
  { name: 'wget --password', argv: ['wget', '--user=u', `--password=${S}`, 'https://h/f'], keep: ['--user=u'] },
  { name: 'wget --http-password X', argv: ['wget', '--http-password', S, 'https://h/f'] },
  {
    name: 'smbclient -U user%pw',
    argv: ['smbclient', '//nas/share', '-U', `backup%${S}`],
    keep: ['backup%', '//nas/share'],
  },
  { name: 'smbclient -Uuser%pw', argv: ['smbclient', '-L', 'nas', `-UDOM\\backup%${S}`], keep: ['-UDOM\\backup%'] },
  { name: 'smbclient --user=user%pw', argv: ['/usr/bin/smbclient', '//nas/s', `--user=u%${S}`], keep: ['--user=u%'] },
  { name: 'rpcclient -U', argv: ['rpcclient', '-U', `u%${S}`, 'nas'] },
  {
    name: 'openssl enc -k pw',
    argv: ['openssl', 'enc', '-aes-256-cbc', '-k', S, '-in', 'a'],
    keep: ['-aes-256-cbc', 'a'],
  },
  { name: 'openssl enc -K hexkey -iv', argv: ['openssl', 'enc', '-K', S, '-iv', `${S}0`, '-in', 'a'] },
  { name: 'openssl -pass pass:x', argv: ['openssl', 'pkcs12', '-export', '-pass', `pass:${S}`, '-out', 'c.p12'] },
  { name: 'openssl -passin pass:x', argv: ['openssl', 'rsa', '-passin', `pass:${S}`, '-in', 'k.pem'], keep: ['k.pem'] },
  {
    name: 'ceph --key cephx',
    argv: ['ceph', '--id', 'admin', '--key', `AQB${S}==`, 'status'],
    keep: ['admin', 'status'],
  },
  { name: 'rbd --key=cephx', argv: ['rbd', `--key=AQB${S}==`, 'ls'] },
  { name: 'mount.cifs -o password=', argv: ['mount.cifs', '//nas/s', '/mnt', '-o', `username=u,password=${S}`] },
  { name: 'mount -o pass=', argv: ['mount', '-t', 'cifs', '-o', `user=u,pass=${S},vers=3.0`, '//nas/s', '/mnt'] },
  { name: 'env PGPASSWORD=', argv: ['env', `PGPASSWORD=${S}`, 'psql', '-h', 'db'], keep: ['PGPASSWORD=', 'psql'] },
  { name: 'env *_TOKEN=', argv: ['env', `GITHUB_TOKEN=${S}`, `PBS_PASSWORD=${S}`, 'proxmox-backup-client'] },
  { name: 'env AWS_SECRET_ACCESS_KEY=', argv: ['env', `AWS_SECRET_ACCESS_KEY=${S}`, 'aws', 's3', 'ls'] },
  { name: 'a credential option', argv: ['tool', '--client-credential', S], keep: ['--client-credential'] },
  { name: 'an auth option', argv: ['tool', `--auth=${S}`] },
  { name: '--pass X', argv: ['tool', '--pass', S] },
  { name: '--passphrase X', argv: ['gpg', '--batch', '--passphrase', S, '-c', 'f'] },
  { name: '--api-key=', argv: ['tool', `--api-key=${S}`] },
  { name: '--token X', argv: ['proxmox-backup-client', 'backup', '--token', S] },
  { name: '--secret X', argv: ['tool', '--client-secret', S] },
  { name: 'URL userinfo (http)', argv: ['wget', `http://u:${S}@mirror/x`], keep: ['http://u:', '@mirror/x'] },
  { name: 'URL userinfo (https token as user)', argv: ['git', 'clone', `https://ghp${S}abcdefgh1234@github.com/x`] },
  { name: 'URL userinfo (ftp)', argv: ['lftp', `ftp://u:${S}@h/`] },
  { name: 'lftp -u user,pw', argv: ['lftp', '-u', `u,${S}`, 'h'], keep: ['u,'] },
  { name: 'sshpass -p', argv: ['sshpass', '-p', S, 'ssh', 'root@h'] },
  { name: 'mysql -pPW', argv: ['mysql', '-uroot', `-p${S}`], keep: ['-uroot'] },
  { name: 'sh -c with a password inside', argv: ['sh', '-c', `mysqldump -uroot -p${S} db | gzip`], keep: ['| gzip'] },
  { name: 'bash -c curl -u inside', argv: ['bash', '-c', `curl -s -u mon:${S} https://h/`], keep: ['mon:'] },
  { name: 'pvesm add cifs --password', argv: ['pvesm', 'add', 'cifs', 'nas', '--password', S, '--username', 'u'] },
  {
    name: 'kvm iscsi user%pw',
    argv: ['/usr/bin/kvm', '-drive', `file=iscsi://u%${S}@10.0.0.5/iqn.x/0,if=none`],
    keep: ['iscsi://u%'],
  },
];

describe('redactCommandLine by class: real command lines', () => {
  for (const l of LINES) {
    test(l.name, () => {
      const out = redactCommandLine(l.argv);
      const joined = out.join(' ');
      assert.ok(!joined.includes(S), joined);
      assert.ok(joined.includes(REDACTED), joined);
      assert.equal(out.length, l.argv.length);
      for (const k of l.keep ?? []) assert.ok(joined.includes(k), `${k} kept in ${joined}`);
    });
  }
  test('no secret: byte for byte (key files, keyrings, ids, ports, users without a password)', () => {
    for (const argv of [
      ['ceph', '--keyring', '/etc/pve/priv/ceph.client.admin.keyring', '--id', 'admin', 'status'],
      ['ssh', '-i', '/root/.ssh/id_ed25519', '-p', '2222', 'root@pve2'],
      ['curl', '-u', 'admin', 'https://h/'],
      ['smbclient', '-A', '/etc/samba/auth.conf', '//nas/s'],
      ['openssl', 'enc', '-kfile', '/root/k', '-in', 'a'],
      ['/usr/bin/kvm', '-drive', 'file=rbd:p/i:id=admin:auth_supported=cephx:keyring=/etc/pve/priv/ceph/x.keyring'],
      ['qemu-img', 'convert', '--image-opts', 'driver=rbd,password-secret=s,key-secret=k,keyid=sec0'],
      ['lvs', '--options', 'lv_name,vg_name', '--reportformat', 'json'],
      ['systemctl', 'status', 'pve-cluster'],
      ['rsync', '-a', 'ssh://root@pve2/x', '/y'],
    ])
      assert.deepEqual(redactCommandLine(argv), argv);
  });
});

describe('files a capture keeps, and mount options in a document', () => {
  test('datacenter.cfg http_proxy user:password', () => {
    const snap = new NodeBuilder().build();
    snap.files['/etc/pve/datacenter.cfg'] = `keyboard: en-us\nhttp_proxy: http://proxyuser:${S}@10.0.0.1:3128\n`;
    const out = redactSnapshot(snap).files['/etc/pve/datacenter.cfg'];
    assert.equal(out, `keyboard: en-us\nhttp_proxy: http://proxyuser:${REDACTED}@10.0.0.1:3128\n`);
  });
  test("a CIFS storage's options and password; every other line unchanged", () => {
    const cfg = `cifs: nas\n\tpath /mnt/pve/nas\n\tserver 10.0.0.9\n\tshare backup\n\tusername u\n\tpassword ${S}\n\toptions vers=3.0,password=${S},cache=none\n\tcontent backup\n`;
    const out = redactStorageConfig(cfg);
    assert.ok(!out.includes(S), out);
    assert.match(out, /\toptions vers=3\.0,password=<redacted>,cache=none\n/);
    assert.match(out, /\tusername u\n/);
    assert.match(out, /\tserver 10\.0\.0\.9\n/);
  });
  test('any other captured file: URL userinfo and NAME=secret', () => {
    const snap = new NodeBuilder().build();
    snap.files['/etc/fstab'] = `//nas/s /mnt/s cifs username=u,password=${S} 0 0\n`;
    snap.files['/etc/environment'] = `https_proxy=https://u:${S}@p:3128\n`;
    const out = redactSnapshot(snap);
    assert.ok(!JSON.stringify(out.files).includes(S));
    assert.match(out.files['/etc/fstab'], /^\/\/nas\/s \/mnt\/s cifs username=u,password=<redacted> 0 0\n$/);
  });
  test('a mount source or option in a document (davfs URL, an option with a password)', () => {
    assert.equal(redactWord(`https://u:${S}@dav.example/x`), `https://u:${REDACTED}@dav.example/x`);
    assert.equal(redactWord(`rw,relatime,password=${S},uid=0`), `rw,relatime,password=${REDACTED},uid=0`);
  });
});
