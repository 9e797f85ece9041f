// Entry kinds × operations on one node (pve1 of a two-node cluster with shared LVM "san" and local
// thin "local-lvm"): the pending-rule matrix and the class-wide "no protected entry carries an action"
// check build their nodes from here.
import { LOCAL_LVM, lvmId, type NodeBuilder } from './node-builder';

export const STORAGE = `${LOCAL_LVM}\nlvm: san\n\tvgname vg-san\n\tshared 1\n\tcontent images\n`;
export const VMID = 300;

export type Kind = 'duplicate' | 'away' | 'written' | 'snapshot' | 'vzdump-snapshot';

export interface Scenario {
  kind: Kind;
  /** The entry under test. */
  name: string;
  /** Node whose /etc/pve/nodes/<node> holds the guest's config. */
  home: string;
  build(b: NodeBuilder, configLines: string[]): void;
}

export const scenarios: Scenario[] = [
  {
    kind: 'duplicate',
    name: 'vg--san-vm--300--disk--0',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: san:vm-300-disk-0', ...lines]).lv({
        vg: 'vg-san',
        lv: 'vm-300-disk-0',
        active: false,
      });
      // A map under the LV's name with another LV's id: two writers' view of one name.
      b.map({
        name: 'vg--san-vm--300--disk--0',
        uuid: `LVM-${b.vgId('vg-san')}${lvmId('old300')}`,
        table: '0 2048 linear 8:16 4096',
        open: 1,
      });
    },
  },
  {
    kind: 'away',
    name: 'vg--san-vm--300--disk--0',
    home: 'pve2',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: san:vm-300-disk-0', ...lines], 'pve2').lv({
        vg: 'vg-san',
        lv: 'vm-300-disk-0',
        open: 1,
      });
    },
  },
  {
    kind: 'written',
    name: 'pve-vm--300--disk--1',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: local-lvm:vm-300-disk-0', ...lines])
        .lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'vm-300-disk-1', pool: 'data' });
    },
  },
  {
    kind: 'snapshot',
    name: 'pve-snap_vm--300--disk--0_before',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'qemu', ['scsi0: local-lvm:vm-300-disk-0', ...lines])
        .lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'snap_vm-300-disk-0_before', pool: 'data', origin: 'vm-300-disk-0' });
    },
  },
  {
    kind: 'vzdump-snapshot',
    name: 'pve-snap_vm--300--disk--0_vzdump',
    home: 'pve1',
    build(b, lines) {
      b.guest(VMID, 'lxc', ['rootfs: local-lvm:vm-300-disk-0,size=8G', ...lines])
        .lv({ vg: 'pve', lv: 'vm-300-disk-0', pool: 'data' })
        .lv({ vg: 'pve', lv: 'snap_vm-300-disk-0_vzdump', pool: 'data', origin: 'vm-300-disk-0' });
    },
  },
];

export interface Op {
  label: string;
  task?: string;
  lock?: string;
  /** The kinds this operation explains (pending); everything else it only protects. */
  explains: Kind[];
  console?: boolean;
}

// From pve-manager/qemu-server/pve-container: the task types each API call forks (docs/cleanup.md).
export const ops: Op[] = [
  { label: 'a noVNC console (vncproxy)', task: 'vncproxy', explains: [], console: true },
  {
    label: 'an xterm.js console (termproxy forks vncproxy; a node shell vncshell)',
    task: 'vncshell',
    explains: [],
    console: true,
  },
  { label: 'a migration (qmigrate)', task: 'qmigrate', explains: ['away', 'written'] },
  { label: 'a restore (qmrestore)', task: 'qmrestore', explains: ['written'] },
  { label: 'a create (vzcreate)', task: 'vzcreate', explains: ['written'] },
  { label: 'a disk move (qmmove)', task: 'qmmove', explains: ['written'] },
  { label: 'a start (qmstart)', task: 'qmstart', explains: [] },
  { label: 'a backup (vzdump)', task: 'vzdump', explains: ['vzdump-snapshot'] },
  { label: 'a snapshot (qmsnapshot)', task: 'qmsnapshot', explains: ['snapshot', 'vzdump-snapshot'] },
  { label: 'lock: backup', lock: 'backup', explains: ['vzdump-snapshot'] },
  { label: 'lock: migrate', lock: 'migrate', explains: ['away', 'written'] },
  { label: 'lock: create', lock: 'create', explains: ['written'] },
  { label: 'lock: snapshot', lock: 'snapshot', explains: ['snapshot', 'vzdump-snapshot'] },
];
