// Secrets never leave the node in a capture (issue 2, Gathering): cloud-init cipassword/sshkeys in every
// section of a guest config, storage.cfg passwords/tokens/keys, /etc/pve/priv, secrets on command lines.
// Everything else must come out byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactGuestConfig, redactSnapshot, redactStorageConfig } from '../../src/core/redact/redact';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';

/** The lines that differ, as [before, after]; both texts must have the same line count. */
function changedLines(before: string, after: string): [string, string][] {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(b.length, a.length, 'line count');
  return a.flatMap((l, i) => (l === b[i] ? [] : [[l, b[i]] as [string, string]]));
}

const VM = `#my%20description cipassword: not a key line
boot: order=scsi0
cipassword: $5$Hk3bY2$Qm3kHFX9tXo1wYk2rD1vC8Qh5G3V2l7m0jJ1bQ6C0e4
ciuser: admin
ide2: local-lvm:vm-120-cloudinit,media=cdrom
name: web01
scsi0: local-lvm:vm-120-disk-0,size=32G
sshkeys: ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAIG7b%20user%40host%0A

[PENDING]
cipassword: $5$pending$hash
sshkeys:   ssh-rsa%20AAAAB3Nza

[special:cloudinit]
cipassword: $5$applied$hash
name: web01

[before-upgrade]
cipassword: $5$old$hash
scsi0: local-lvm:vm-120-disk-0,size=32G
snaptime: 1700000000
sshkeys: ssh-ed25519%20AAAAold
`;

test('redactGuestConfig: cipassword and sshkeys in main, pending, special and snapshot sections; nothing else', () => {
  const out = redactGuestConfig(VM);
  assert.deepEqual(changedLines(VM, out), [
    ['cipassword: $5$Hk3bY2$Qm3kHFX9tXo1wYk2rD1vC8Qh5G3V2l7m0jJ1bQ6C0e4', `cipassword: ${REDACTED}`],
    ['sshkeys: ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAIG7b%20user%40host%0A', `sshkeys: ${REDACTED}`],
    ['cipassword: $5$pending$hash', `cipassword: ${REDACTED}`],
    ['sshkeys:   ssh-rsa%20AAAAB3Nza', `sshkeys:   ${REDACTED}`],
    ['cipassword: $5$applied$hash', `cipassword: ${REDACTED}`],
    ['cipassword: $5$old$hash', `cipassword: ${REDACTED}`],
    ['sshkeys: ssh-ed25519%20AAAAold', `sshkeys: ${REDACTED}`],
  ]);
  for (const secret of ['Hk3bY2', 'pending$hash', 'applied', 'old$hash', 'AAAAC3', 'AAAAB3', 'AAAAold'])
    assert.ok(!out.includes(secret), secret);
  // idempotent
  assert.equal(redactGuestConfig(out), out);
});

test('redactGuestConfig: CRLF line ends and lines next to the secret stay as they are', () => {
  const text = 'name: a\r\ncipassword: x1\r\nciuser: root\r\n';
  assert.equal(redactGuestConfig(text), `name: a\r\ncipassword: ${REDACTED}\r\nciuser: root\r\n`);
  // a key with an empty value must not swallow the next line (keys are matched line by line)
  assert.equal(redactGuestConfig('description:\ncipassword: x2\n'), `description:\ncipassword: ${REDACTED}\n`);
  assert.equal(redactGuestConfig('cipassword:\nname: keep\n'), `cipassword:${REDACTED}\nname: keep\n`);
  // keys that only contain the words are not secrets
  const other = 'sshkeys0: x\nmycipassword: y\nciuser: z\n';
  assert.equal(redactGuestConfig(other), other);
});

const STORAGE = `dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images

cifs: smb
\tpath /mnt/pve/smb
\tserver 10.0.0.5
\tshare backups
\tcontent backup
\tusername backupuser
\tpassword hunter2

pbs: pbs1
\tdatastore store1
\tserver 10.0.0.6
\tcontent backup
\tfingerprint ab:cd:ef:01
\tusername backup@pbs!tok
\tencryption-key {"kdf":null,"data":"c2VjcmV0"}
\tmaster-pubkey LS0tLS1CRUdJTiBQVUJMSUM=

rbd: ceph
\tpool rbd
\tmonhost 10.0.0.7
\tkeyring AQBsecretkeyring==
\tapi-token root@pam!t=0a1b2c3d
\tclient-secret s3cr3t
`;

test('redactStorageConfig: password, encryption-key, master-pubkey, keyring, *token*, *secret*; nothing else', () => {
  const out = redactStorageConfig(STORAGE);
  assert.deepEqual(changedLines(STORAGE, out), [
    ['\tpassword hunter2', `\tpassword ${REDACTED}`],
    ['\tencryption-key {"kdf":null,"data":"c2VjcmV0"}', `\tencryption-key ${REDACTED}`],
    ['\tmaster-pubkey LS0tLS1CRUdJTiBQVUJMSUM=', `\tmaster-pubkey ${REDACTED}`],
    ['\tkeyring AQBsecretkeyring==', `\tkeyring ${REDACTED}`],
    ['\tapi-token root@pam!t=0a1b2c3d', `\tapi-token ${REDACTED}`],
    ['\tclient-secret s3cr3t', `\tclient-secret ${REDACTED}`],
  ]);
  assert.equal(redactStorageConfig(out), out);
});

test('redactStorageConfig: a value-less option just before a secret does not hide it', () => {
  // SectionConfig reads a value-less property as boolean 1 (SectionConfig.pm:1185)
  const text = 'cifs: smb\n\tshared\n\tpassword hunter2\n\tdisable\n\n\ntoken: top\n\tpassword again\r\n';
  const out = redactStorageConfig(text);
  assert.ok(!out.includes('hunter2'), out);
  assert.ok(!out.includes('again'), out);
  assert.equal(
    out,
    `cifs: smb\n\tshared\n\tpassword ${REDACTED}\n\tdisable\n\n\ntoken: top\n\tpassword ${REDACTED}\r\n`,
  );
});

test('redactSnapshot: guest configs, storage.cfg, /etc/pve/priv dropped, command lines; the rest untouched', () => {
  const snap: HostSnapshot = {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2024-01-01T00:00:00Z',
    hostname: 'pve1',
    toolVersion: '0',
    redacted: false,
    files: {
      '/etc/pve/nodes/pve1/qemu-server/120.conf': VM,
      '/etc/pve/nodes/pve2/lxc/200.conf': 'hostname: ct\nrootfs: local-lvm:vm-200-disk-0,size=8G\n',
      '/etc/pve/storage.cfg': STORAGE,
      '/etc/pve/priv/storage/smb.pw': 'hunter2\n',
      '/etc/pve/priv/token.cfg': 'root@pam!t 0a1b\n',
      '/etc/pve/.vmlist': '{"version": 1}',
      '/etc/pve/datacenter.cfg': 'keyboard: en-us\n',
    },
    commands: { lvs: { argv: ['lvs'], code: 0, stdout: '{"report":[]}', stderr: '' } },
    processes: [
      { pid: 1, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', '120', '-spice', 'password=abc123,port=61000'] },
      { pid: 2, comm: 'mount.cifs', cmdline: ['mount.cifs', '//srv/x', '/mnt', '-o', 'username=u,password=pw9'] },
      { pid: 3, comm: 'tool', cmdline: ['tool', '--password', 'pw7', '--token', 'tk5', '--name', 'keep'] },
      { pid: 4, comm: 'sshd', cmdline: ['sshd: root@pts/0'] },
    ],
    sysDm: [{ kname: 'dm-0', name: 'pve-root', uuid: 'LVM-x' }],
  };
  const before = structuredClone(snap);
  const out = redactSnapshot(snap);
  assert.deepEqual(snap, before, 'input not modified');
  assert.equal(out.redacted, true);
  assert.deepEqual(Object.keys(out.files).sort(), [
    '/etc/pve/.vmlist',
    '/etc/pve/datacenter.cfg',
    '/etc/pve/nodes/pve1/qemu-server/120.conf',
    '/etc/pve/nodes/pve2/lxc/200.conf',
    '/etc/pve/storage.cfg',
  ]);
  assert.equal(out.files['/etc/pve/nodes/pve1/qemu-server/120.conf'], redactGuestConfig(VM));
  assert.equal(out.files['/etc/pve/storage.cfg'], redactStorageConfig(STORAGE));
  for (const f of ['/etc/pve/nodes/pve2/lxc/200.conf', '/etc/pve/.vmlist', '/etc/pve/datacenter.cfg'])
    assert.equal(out.files[f], snap.files[f], f);
  assert.deepEqual(out.commands, snap.commands);
  assert.deepEqual(out.sysDm, snap.sysDm);
  assert.deepEqual(
    out.processes.map((p) => p.cmdline),
    [
      ['/usr/bin/kvm', '-id', '120', '-spice', `password=${REDACTED},port=61000`],
      ['mount.cifs', '//srv/x', '/mnt', '-o', `username=u,password=${REDACTED}`],
      ['tool', '--password', REDACTED, '--token', REDACTED, '--name', 'keep'],
      ['sshd: root@pts/0'],
    ],
  );
  const all = JSON.stringify(out);
  for (const secret of ['hunter2', 'abc123', 'pw9', 'pw7', 'tk5', '0a1b2c3d', 'AQBsecret', 'Hk3bY2'])
    assert.ok(!all.includes(secret), secret);
});

test('redactGuestConfig: args: secrets (-spice password=, -object secret data=, keys), lxc.environment; paths stay', () => {
  const conf = [
    'args: -spice port=61000,password=s3cret -object secret,id=sec0,data=c2VjcmV0,format=base64 -drive file=/dev/mapper/pve-vm--1--disk--0,if=none,password-secret=sec0',
    'lxc.environment: DB_PASSWORD=hunter2',
    'name: web',
  ].join('\n');
  const out = redactGuestConfig(conf);
  assert.doesNotMatch(out, /s3cret|c2VjcmV0|hunter2/);
  assert.match(out, /file=\/dev\/mapper\/pve-vm--1--disk--0/);
  assert.match(out, /password-secret=sec0/);
  assert.match(out, /^name: web$/m);
});

test("redactSnapshot: the mounts part's copies of storage.cfg, container configs and mount tables are redacted too", () => {
  const snap = {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '',
    hostname: 'pve1',
    toolVersion: 't',
    redacted: false,
    files: { '/proc/self/mountinfo': '45 30 0:52 / /mnt/x rw - cifs //srv/s rw,username=u,password=pw1\n' },
    commands: {},
    processes: [],
    sysDm: [],
    extra: {
      mounts: {
        storageCfg: 'pbs: backup\n\tserver 10.0.0.1\n\tpassword pbspw\n\tencryption-key {"kdf":null,"key":[1,2]}\n',
        ctConfigs: { '200': 'rootfs: local:200/x.raw\nlxc.environment: TOKEN=tk\n' },
        hostMountinfo: '45 30 0:52 / /mnt/x rw - cifs //srv/s rw,password=pw2\n',
        containers: [{ ctid: 200, pid: 1, mountinfo: '1 0 0:1 / / rw - nfs s:/e rw,password=pw3\n' }],
      },
    },
  } as unknown as Parameters<typeof redactSnapshot>[0];
  const text = JSON.stringify(redactSnapshot(snap));
  for (const secret of ['pw1', 'pbspw', '"key":[1,2]', 'TOKEN=tk', 'pw2', 'pw3'])
    assert.ok(!text.includes(secret), secret);
  assert.match(text, /username=u/);
});
