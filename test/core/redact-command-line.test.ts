// One redactor for every place a command line appears (docs/reports.md "Secrets"): process command
// lines in a capture, the processes that hold a device in every document, a guest's `args:`. A table of
// secret shapes × where they appear; what is not a secret comes out unchanged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import { REDACTED, redactCommandLine, redactGuestConfig, redactSnapshot } from '../../src/core/redact/redact';
import { NodeBuilder } from '../helpers/node-builder';

const SECRET = 'Hunter2xyz';
const cases: { name: string; argv: string[]; keep?: string[] }[] = [
  {
    name: 'QEMU secret object',
    argv: ['/usr/bin/kvm', '-object', `secret,id=sec0,data=${SECRET},format=base64`],
    keep: ['secret,id=sec0,data=', 'format=base64'],
  },
  {
    name: 'QEMU secret object (--object)',
    argv: [
      'qemu-img',
      'convert',
      '--object',
      `secret,id=s,data=${SECRET}`,
      '--image-opts',
      'driver=rbd,password-secret=s',
    ],
    keep: ['password-secret=s'],
  },
  {
    name: 'QEMU secret object as JSON',
    argv: ['/usr/bin/kvm', '-object', `{"qom-type":"secret","id":"sec0","data":"${SECRET}"}`],
    keep: ['"id":"sec0"'],
  },
  {
    name: 'URL userinfo',
    argv: ['curl', `https://admin:${SECRET}@pbs.example:8007/api2/json`],
    keep: ['https://admin:', '@pbs.example'],
  },
  {
    name: 'iSCSI URL (QEMU user%password)',
    argv: ['/usr/bin/kvm', '-drive', `file=iscsi://user%${SECRET}@10.0.0.5/iqn.2003-01.org:t/0,if=none`],
    keep: ['iscsi://user%', '@10.0.0.5'],
  },
  {
    name: 'iSCSI URL (user:password)',
    argv: ['qemu-img', 'info', `iscsi://user:${SECRET}@10.0.0.5/iqn.x/1`],
    keep: ['iscsi://user:'],
  },
  {
    name: 'Ceph :key=',
    argv: [
      '/usr/bin/kvm',
      '-drive',
      `file=rbd:pool/vm-100-disk-0:conf=/etc/pve/ceph.conf:id=admin:key=${SECRET}==:auth_supported=cephx`,
    ],
    keep: ['id=admin', 'conf=/etc/pve/ceph.conf', 'auth_supported=cephx'],
  },
  { name: '-p PW', argv: ['sshpass', '-p', SECRET, 'ssh', 'root@h'], keep: ['sshpass'] },
  { name: '-pPW', argv: ['mysqldump', '-uroot', `-p${SECRET}`, 'db'], keep: ['-uroot', 'db'] },
  { name: '--password PW', argv: ['pvesm', 'add', 'cifs', 's', '--password', SECRET], keep: ['cifs'] },
  { name: '--password=PW', argv: ['tool', `--password=${SECRET}`] },
  {
    name: 'password= inside an option list',
    argv: ['mount', '-o', `username=u,password=${SECRET},vers=3.1.1`, '//srv/share', '/mnt'],
    keep: ['username=u', 'vers=3.1.1'],
  },
  { name: 'token= inside an argument', argv: ['proxmox-backup-client', `--repository=x`, `token=${SECRET}`] },
  { name: 'spice password', argv: ['/usr/bin/kvm', '-spice', `port=61000,password=${SECRET}`], keep: ['port=61000'] },
];

describe('redactCommandLine: each secret shape', () => {
  for (const c of cases) {
    test(c.name, () => {
      const out = redactCommandLine(c.argv).join(' ');
      assert.ok(!out.includes(SECRET), out);
      assert.ok(out.includes(REDACTED), out);
      for (const k of c.keep ?? []) assert.ok(out.includes(k), `${k} kept in ${out}`);
    });
  }
  test('no secret: unchanged, byte for byte (ports, pidfiles, key files, secret ids)', () => {
    for (const argv of [
      [
        '/usr/bin/kvm',
        '-id',
        '100',
        '-pidfile',
        '/var/run/qemu-server/100.pid',
        '-drive',
        'file=/dev/pve/vm-100-disk-0,keyid=sec0,password-secret=sec0,if=none',
      ],
      ['ssh', '-p', '2222', 'root@h'],
      ['rsync', '-p', 'a', 'b'],
      ['lxc-start', '-F', '-n', '200'],
      ['/usr/bin/kvm', '-object', 'memory-backend-ram,id=m,size=1G', '-device', 'virtio-blk,drive=d,data=off'],
      ['ceph', '--keyring', '/etc/pve/priv/ceph.client.admin.keyring', 'status'],
    ])
      assert.deepEqual(redactCommandLine(argv), argv);
  });
});

describe('every place a command line appears', () => {
  const argv = [
    '/usr/bin/kvm',
    '-id',
    '100',
    '-object',
    `secret,id=sec0,data=${SECRET}`,
    '-drive',
    `file=iscsi://u%${SECRET}@h/iqn/0`,
  ];
  test('a guest config `args:` line', () => {
    const out = redactGuestConfig(
      `args: -object secret,id=sec0,data=${SECRET} -drive file=rbd:p/i:id=a:key=${SECRET}\nmemory: 512\n`,
    );
    assert.ok(!out.includes(SECRET), out);
    assert.match(
      out,
      /^args: -object secret,id=sec0,data=<redacted> -drive file=rbd:p\/i:id=a:key=<redacted>\nmemory: 512\n$/,
    );
  });
  test('a capture: process command lines', () => {
    const snap = new NodeBuilder().build();
    snap.processes.push({ pid: 9, comm: 'kvm', cmdline: argv });
    assert.ok(!JSON.stringify(redactSnapshot(snap)).includes(SECRET));
  });
  test('a document: the process that holds a map (dm, check, serve show its command line)', () => {
    const b = new NodeBuilder().storage('lvm: fast\n\tvgname nvme\n');
    b.lv({ vg: 'nvme', lv: 'vm-150-disk-0', open: 1 });
    b.processes.push({
      pid: 4242,
      comm: 'qemu-img',
      cmdline: [
        'qemu-img',
        'convert',
        '--object',
        `secret,id=s,data=${SECRET}`,
        '/dev/mapper/nvme-vm--150--disk--0',
        'x',
      ],
      fds: ['/dev/mapper/nvme-vm--150--disk--0'],
    });
    const r = analyzeNode(parseNode(b.build()), {});
    const e = r.entries.find((x) => x.name === 'nvme-vm--150--disk--0')!;
    assert.equal(e.processes.length, 1);
    assert.ok(!JSON.stringify(r).includes(SECRET), e.processes[0].cmdline);
  });
});
