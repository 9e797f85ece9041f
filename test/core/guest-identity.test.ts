// Who a guest is in every part's guest table (core/node/guest-identity.ts): name, node, state, lock and
// template from the cluster's configs as pmxcfs shows them (/etc/pve/nodes/<node>/{qemu-server,lxc}/<vmid>.conf),
// running from this node's processes; a VMID nothing names is "missing", a container when a subvol names it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guestIdentities, guestIdentity } from '../../src/core/node/guest-identity';
import { parsePveState } from '../../src/core/node/pve-state';
import { bareSnapshot } from '../helpers/bare-snapshot';

const kvm = (pid: number, vmid: number) => ({
  pid,
  comm: 'kvm',
  cmdline: ['/usr/bin/kvm', '-id', String(vmid), '-name', `vm${vmid}`],
  fds: [],
});

const node = bareSnapshot(
  {
    '/etc/pve/nodes/pve1/qemu-server/100.conf': 'name: web\nlock: backup\nscsi0: local-lvm:vm-100-disk-0,size=4G\n',
    '/etc/pve/nodes/pve1/qemu-server/101.conf': 'template: 1\nscsi0: local-lvm:base-101-disk-0,size=4G\n',
    '/etc/pve/nodes/pve1/lxc/200.conf': 'hostname: ct200\nrootfs: local-lvm:vm-200-disk-0,size=8G\n',
    '/etc/pve/nodes/pve1/lxc/201.conf': 'rootfs: local-lvm:vm-201-disk-0,size=8G\n',
    '/etc/pve/nodes/pve2/qemu-server/300.conf': 'name: far\nscsi0: shared:vm-300-disk-0,size=4G\n',
    // .vmlist lists it, its config is not there (pmxcfs mid-write): it exists, its config is unknown.
    '/etc/pve/.vmlist': JSON.stringify({ version: 1, ids: { 102: { node: 'pve1', type: 'qemu', version: 1 } } }),
    '/run/qemu-server/100.pid': '4100\n',
  },
  {
    processes: [
      kvm(4100, 100),
      { pid: 4200, comm: 'lxc-start', cmdline: ['/usr/bin/lxc-start', '-F', '-n', '200'], fds: [] },
    ],
  },
);
const pve = parsePveState(node);

test('guestIdentity: each kind of guest as the tables show it', () => {
  const cases: [string, number, { container?: boolean } | undefined, object][] = [
    [
      'a running VM of this node with a name and a lock',
      100,
      undefined,
      { vmid: 100, type: 'qemu', name: 'web', node: 'pve1', status: 'running', lock: 'backup', template: false },
    ],
    [
      'a stopped VM template without a name',
      101,
      undefined,
      { vmid: 101, type: 'qemu', name: 'VM 101', node: 'pve1', status: 'stopped', lock: null, template: true },
    ],
    [
      'a running container, named by its hostname',
      200,
      undefined,
      { vmid: 200, type: 'lxc', name: 'ct200', node: 'pve1', status: 'running', lock: null, template: false },
    ],
    [
      'a VM of this node whose config could not be read',
      102,
      undefined,
      { vmid: 102, type: 'qemu', name: 'VM 102', node: 'pve1', status: 'stopped', lock: null, template: false },
    ],
    [
      'a stopped container without a hostname',
      201,
      undefined,
      { vmid: 201, type: 'lxc', name: 'CT 201', node: 'pve1', status: 'stopped', lock: null, template: false },
    ],
    [
      'a VM of another node: its processes are not visible here',
      300,
      undefined,
      { vmid: 300, type: 'qemu', name: 'far', node: 'pve2', status: 'unknown', lock: null, template: false },
    ],
    [
      'a VMID no config names, a VM by its volumes',
      150,
      undefined,
      { vmid: 150, type: 'qemu', name: '(no config)', node: '-', status: 'missing', lock: null, template: false },
    ],
    [
      'a VMID no config names, a container by a subvol',
      151,
      { container: true },
      { vmid: 151, type: 'lxc', name: '(no config)', node: '-', status: 'missing', lock: null, template: false },
    ],
    [
      'a config that names a container wins over the volumes',
      101,
      { container: true },
      { vmid: 101, type: 'qemu', name: 'VM 101', node: 'pve1', status: 'stopped', lock: null, template: true },
    ],
  ];
  for (const [what, vmid, o, want] of cases) assert.deepEqual(guestIdentity(pve, vmid, o), want, what);
});

test('guestIdentities: this node’s guests and every VMID named, once each, by VMID', () => {
  const rows = guestIdentities(pve, [300, 151, 100, 150], new Set([151]));
  assert.deepEqual(
    rows.map((g) => [g.vmid, g.type, g.status]),
    [
      [100, 'qemu', 'running'],
      [101, 'qemu', 'stopped'],
      [102, 'qemu', 'stopped'],
      [150, 'qemu', 'missing'],
      [151, 'lxc', 'missing'],
      [200, 'lxc', 'running'],
      [201, 'lxc', 'stopped'],
      [300, 'qemu', 'unknown'],
    ],
  );
  // A guest of another node is listed only when a part names it; no containers set: every missing one a VM.
  assert.deepEqual(
    guestIdentities(pve, [151]).map((g) => [g.vmid, g.type]),
    [
      [100, 'qemu'],
      [101, 'qemu'],
      [102, 'qemu'],
      [151, 'qemu'],
      [200, 'lxc'],
      [201, 'lxc'],
    ],
  );
});
