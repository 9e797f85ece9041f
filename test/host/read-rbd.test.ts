// PVE's rbd argv (RBDPlugin.pm $rbd_cmd + CephConfig.pm ceph_connect_option), with the files looked up
// and passed under the host root: what reached the real cluster in the real-Ceph suite (test/e2e/host).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseStorageConfig } from '../../src/core/parse/storage-config';
import { createHost } from '../../src/host/host';
import { monHostList, rbdArgv, readRbdDevices } from '../../src/host/read-rbd';

const CFG = `rbd: ext
\tmonhost 10.0.0.1 10.0.0.2;10.0.0.3:6789
\tpool vm
\tusername pve
\tcontent images

rbd: ext-ns
\tmonhost 10.0.0.1
\tpool vm
\tnamespace tenant1
\tcontent images

rbd: managed
\tpool ceph-vm
\tcontent images

rbd: nopool
\tmonhost fd00::1,[fd00::2]:3300
\tcontent images
`;

test('rbdArgv: PVE rbd_cmd order; -c, --keyring and cephx only for the files that exist, under the root', () => {
  const root = mkdtempSync(join(tmpdir(), 'rbd-argv-'));
  try {
    const st = Object.fromEntries(parseStorageConfig(CFG).map((s) => [s.id, s]));
    const ceph = join(root, 'etc/pve/priv/ceph');
    mkdirSync(ceph, { recursive: true });
    // ext: a keyring and its own .conf (pvesm add: ceph_create_keyfile, ceph_create_configuration)
    writeFileSync(join(ceph, 'ext.keyring'), '[client.pve]\n\tkey = AQ==\n');
    writeFileSync(join(ceph, 'ext.conf'), '[global]\n\tkeyring = /etc/pve/priv/ceph/ext.keyring\n');
    writeFileSync(join(ceph, 'managed.keyring'), '[client.admin]\n\tkey = AQ==\n');
    const host = { root };
    assert.deepEqual(rbdArgv(host, st.ext), [
      'rbd',
      '-p',
      'vm',
      '-c',
      join(root, 'etc/pve/priv/ceph/ext.conf'),
      '-m',
      '10.0.0.1,10.0.0.2,10.0.0.3:6789',
      '--auth_supported',
      'cephx',
      '-n',
      'client.pve',
      '--keyring',
      join(root, 'etc/pve/priv/ceph/ext.keyring'),
      'ls',
      '-l',
      '--format',
      'json',
    ]);
    // No keyring, no .conf (a storage added before PVE wrote them): no -c, auth none, client.admin.
    assert.deepEqual(rbdArgv(host, st['ext-ns'], ['status', 'vm-1-disk-0', '--format', 'json']), [
      'rbd',
      '-p',
      'vm',
      '--namespace',
      'tenant1',
      '-m',
      '10.0.0.1',
      '--auth_supported',
      'none',
      '-n',
      'client.admin',
      'status',
      'vm-1-disk-0',
      '--format',
      'json',
    ]);
    // pveceph-managed (no monhost): always -c /etc/pve/ceph.conf, and its keyring when there is one.
    assert.deepEqual(rbdArgv(host, st.managed).slice(0, 10), [
      'rbd',
      '-p',
      'ceph-vm',
      '-c',
      join(root, 'etc/pve/ceph.conf'),
      '--auth_supported',
      'cephx',
      '-n',
      'client.admin',
      '--keyring',
    ]);
    // On the node itself (root /), the paths are PVE's own.
    assert.deepEqual(rbdArgv({ root: '/' }, st.nopool).slice(0, 4), ['rbd', '-p', 'rbd', '-m']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('monHostList: CephConfig.pm hostlist — blanks, commas and semicolons; a bare IPv6 in brackets', () => {
  assert.equal(monHostList('10.0.0.1 10.0.0.2;10.0.0.3:6789'), '10.0.0.1,10.0.0.2,10.0.0.3:6789');
  assert.equal(monHostList('fd00::1,[fd00::2]:3300'), '[fd00::1],[fd00::2]:3300');
  assert.equal(monHostList('127.0.0.1:40123'), '127.0.0.1:40123');
});

// /sys/bus/rbd/devices/<N> as the kernel shows a map (Linux drivers/block/rbd.c: pool, name, current_snap,
// `-` for the image itself): a snapshot's map is named `pool/image@snap` too, so its verdict sees it.
test('readRbdDevices: a map of the image, and a map of a snapshot named both ways', () => {
  const root = mkdtempSync(join(tmpdir(), 'rbd-sys-'));
  try {
    const dev = (n: number, pool: string, name: string, snap: string | null) => {
      const d = join(root, 'sys/bus/rbd/devices', String(n));
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'pool'), `${pool}\n`);
      writeFileSync(join(d, 'name'), `${name}\n`);
      if (snap !== null) writeFileSync(join(d, 'current_snap'), `${snap}\n`);
    };
    dev(0, 'vm-pool', 'vm-100-disk-0', '-');
    dev(1, 'vm-pool', 'subvol-105-disk-0', 'vzdump');
    dev(2, 'vm-pool', 'vm-102-disk-0', null); // an older kernel's map without current_snap: the image
    assert.deepEqual(readRbdDevices(createHost({ root })), {
      'vm-pool/vm-100-disk-0': 'rbd0',
      'vm-pool/subvol-105-disk-0': 'rbd1',
      'vm-pool/subvol-105-disk-0@vzdump': 'rbd1',
      'vm-pool/vm-102-disk-0': 'rbd2',
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
