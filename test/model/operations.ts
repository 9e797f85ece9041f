// The operation model: Proxmox operations that create, rename, activate, snapshot, move or remove guest
// volumes or write guest configs, step by step as the source does them (read at qemu-server e6352be6,
// pve-storage 0c56bad8, pve-guest-common 4a8f6cbf, pve-container 94f55852, pve-manager 14a22df3,
// pve-ha-manager). Each step gives the node's state after it; a crash there leaves the same configs,
// locks and volumes without the worker (model-types.ts Step.crash). docs/operation-model.md says how to
// add one and which states are out of scope.
import {
  ALL,
  CT_SNAPSHOTS,
  type Guest,
  LINKED,
  LOCAL,
  type Operation,
  SNAPSHOTS,
  type State,
  type StorageKind,
} from './model-types';

const Q = 'src/PVE/API2/Qemu.pm';
const AC = 'pve-guest-common src/PVE/AbstractConfig.pm';
const QS = 'qemu-server src/PVE/QemuServer.pm';
const ST = 'pve-storage src/PVE/Storage.pm';

const vm = (vmid: number, lines: string[] | null, o: Partial<Guest> = {}): Guest => ({ vmid, lines, ...o });
const ct = (vmid: number, lines: string[] | null, o: Partial<Guest> = {}): Guest => ({
  vmid,
  lines,
  type: 'lxc',
  ...o,
});
const disk = (key: string, name: string) => `${key}: {${name}},size=8G`;
const snapSection = (name: string, lines: string[], extra: string[] = []) => [
  '',
  `[${name}]`,
  ...lines,
  ...extra,
  'snaptime: 1712000000',
];
/** A config whose disk `key` has snapshot `snap`: `parent:`, the disk, and the snapshot's section naming it. */
const snapshotted = (key: string, vol: string, snap: string, extra: string[] = []) => [
  `parent: ${snap}`,
  disk(key, vol),
  ...snapSection(snap, [disk(key, vol)], extra),
];
const task = (type: string, id: string) => ({ type, id });
const same =
  (s: State) =>
  (_k: StorageKind): State =>
    s;

const D0 = 'vm-100-disk-0';
const D1 = 'vm-100-disk-1';

/** create / restore: the config holds only the lock first, the disks are allocated, then written in. */
function createLike(name: string, entry: string, t: string): Operation {
  return {
    name,
    entry,
    storages: ALL,
    steps: [
      {
        does: 'create_and_lock_config: the config holds only `lock: create`',
        source: `${AC} create_and_lock_config (from ${Q} create_vm)`,
        after: same({ guests: [vm(100, ['lock: create'])], vols: [], tasks: [task(t, '100')] }),
      },
      {
        does: 'the disks are allocated (and, for a restore, written) while only the lock is in the config',
        source: `${ST} vdisk_alloc (from ${t === 'qmrestore' ? `${QS} restore_vma_archive / restore_proxmox_backup_archive` : `${Q} create_disks`})`,
        after: same({
          guests: [vm(100, ['lock: create'])],
          vols: [{ name: D0, writing: t === 'qmrestore' }],
          tasks: [task(t, '100')],
        }),
      },
      {
        does: 'the config is written with its disks and the lock removed',
        source: `${Q} create_vm ($code: write_config, remove_lock)`,
        after: same({ guests: [vm(100, ['name: web', disk('scsi0', D0)])], vols: [{ name: D0 }] }),
        crash: false,
      },
    ],
  };
}

const restoreFailed: Operation = {
  name: 'restore fails',
  entry: 'qmrestore / qm create --archive',
  storages: ALL,
  steps: [
    {
      does:
        'the restore worker dies: its error path calls remove_lock on a config that held only `lock: create` ' +
        '("VM 100 state is NOT cleaned up"): an empty config stays with the disks allocated so far',
      source: `${Q} create_vm (the restore branch of $code: remove_lock)`,
      after: same({ guests: [vm(100, [])], vols: [{ name: D0 }] }),
      crash: false,
    },
    {
      does: 'a config with a description and no property (a restore of a config that had only one)',
      source: `${QS} write_vm_config`,
      after: same({ guests: [vm(100, ['#restored from backup'])], vols: [] }),
      crash: false,
    },
  ],
};

const liveRestore: Operation = {
  name: 'PBS live restore',
  entry: 'qmrestore --live-restore',
  storages: ALL,
  steps: [
    {
      does: 'the VM starts on its new disks while the data streams in from PBS',
      source: `${QS} pbs_live_restore`,
      after: same({
        guests: [vm(100, ['lock: create', disk('scsi0', D0)])],
        vols: [{ name: D0, writing: true, active: true }],
        tasks: [task('qmrestore', '100')],
        running: [100],
      }),
    },
    {
      does: 'the stream is done: the lock goes',
      source: `${QS} pbs_live_restore (remove_lock)`,
      after: same({ guests: [vm(100, [disk('scsi0', D0)])], vols: [{ name: D0, active: true }], running: [100] }),
      crash: false,
    },
  ],
};

function clone(linked: boolean): Operation {
  const src = linked ? ['template: 1', disk('scsi0', 'base-900-disk-0')] : [disk('scsi0', 'vm-900-disk-0')];
  const srcVol = linked ? 'base-900-disk-0' : 'vm-900-disk-0';
  const target = linked ? 'base-900-disk-0/vm-901-disk-0' : 'vm-901-disk-0';
  const base = { name: srcVol, snaps: linked ? ['__base__'] : [] };
  return {
    name: linked ? 'clone linked' : 'clone full',
    entry: `qm clone 900 901${linked ? '' : ' --full'}`,
    storages: linked ? LINKED : ALL,
    steps: [
      {
        does: 'the target config is a temporary file: a comment and `lock: clone`',
        source: `${Q} clone_vm (file_set_contents "# qmclone temporary file\\nlock: clone")`,
        after: same({
          guests: [vm(900, src), vm(901, ['# qmclone temporary file', 'lock: clone'])],
          vols: [base],
          tasks: [task('qmclone', '900')],
        }),
      },
      {
        does: linked ? 'the linked clone is created from the base' : 'the target disk is allocated and copied',
        source: `${QS} clone_disk → ${ST} ${linked ? 'vdisk_clone' : 'vdisk_alloc'}`,
        after: same({
          guests: [vm(900, src), vm(901, ['# qmclone temporary file', 'lock: clone'])],
          vols: [base, { name: 'vm-901-disk-0', writing: !linked }],
          tasks: [task('qmclone', '900')],
        }),
      },
      {
        does: 'the target config names the clone, the lock goes',
        source: `${Q} clone_vm (delete $newconf->{lock}; write_config)`,
        after: same({
          guests: [vm(900, src), vm(901, [disk('scsi0', target)])],
          vols: [base, { name: 'vm-901-disk-0' }],
        }),
        crash: false,
      },
    ],
  };
}

const template: Operation = {
  name: 'convert to template, with EFI, TPM and cloud-init, then a linked clone and the template deleted',
  entry: 'qm template 900; qm clone 900 901; qm destroy 900 (refused while clones exist: the config removed by hand)',
  storages: LINKED,
  steps: [
    {
      does: 'each disk renamed to base-… (with a protected __base__ snapshot on ZFS/RBD) and the config rewritten',
      source: `${QS} template_create → ${ST} vdisk_create_base`,
      after: same({
        guests: [
          vm(900, [
            'template: 1',
            disk('efidisk0', 'base-900-disk-0'),
            disk('scsi0', 'base-900-disk-1'),
            disk('tpmstate0', 'base-900-disk-2'),
            'ide2: {vm-900-cloudinit},media=cdrom',
          ]),
        ],
        vols: [
          { name: 'base-900-disk-0', snaps: ['__base__'] },
          { name: 'base-900-disk-1', snaps: ['__base__'] },
          { name: 'base-900-disk-2', snaps: ['__base__'] },
          { name: 'vm-900-cloudinit' },
        ],
      }),
      crash: false,
    },
    {
      does: 'a linked clone of every disk (cloud-init is created anew for the clone)',
      source: `${Q} clone_vm → ${QS} clone_disk`,
      after: same({
        guests: [
          vm(900, ['template: 1', disk('efidisk0', 'base-900-disk-0'), disk('scsi0', 'base-900-disk-1')]),
          vm(901, [
            disk('efidisk0', 'base-900-disk-0/vm-901-disk-0'),
            disk('scsi0', 'base-900-disk-1/vm-901-disk-1'),
            'ide2: {vm-901-cloudinit},media=cdrom',
          ]),
        ],
        vols: [
          { name: 'base-900-disk-0', snaps: ['__base__'] },
          { name: 'base-900-disk-1', snaps: ['__base__'] },
          { name: 'vm-901-disk-0' },
          { name: 'vm-901-disk-1' },
          { name: 'vm-901-cloudinit' },
        ],
      }),
      crash: false,
    },
    {
      does: "the template's config deleted while its clones remain: the bases are still the clones' backing",
      source: `${ST} volume_is_base_and_used (why PVE refuses to free a used base)`,
      after: same({
        guests: [
          vm(900, null),
          vm(901, [disk('efidisk0', 'base-900-disk-0/vm-901-disk-0'), disk('scsi0', 'base-900-disk-1/vm-901-disk-1')]),
        ],
        vols: [
          { name: 'base-900-disk-0', snaps: ['__base__'] },
          { name: 'base-900-disk-1', snaps: ['__base__'] },
          { name: 'vm-901-disk-0' },
          { name: 'vm-901-disk-1' },
        ],
      }),
      crash: false,
    },
  ],
};

function moveDisk(del: boolean): Operation {
  const cfg = [disk('scsi0', D0)];
  return {
    name: `move disk${del ? ' --delete' : ''}`,
    entry: `qm disk move 100 scsi0 <storage>${del ? ' --delete' : ''}`,
    storages: ALL,
    steps: [
      {
        does: 'the target volume is allocated and mirrored/copied while the config still names the source',
        source: `${Q} move_vm_disk → ${QS} clone_disk`,
        after: same({
          guests: [vm(100, cfg)],
          vols: [{ name: D0 }, { name: D1, writing: true }],
          tasks: [task('qmmove', '100')],
        }),
      },
      {
        does: del
          ? 'the config names the target; the source is freed'
          : 'the config names the target, the source is unused0',
        source: `${Q} move_vm_disk ($updatefn: ${del ? 'vdisk_free' : 'add_unused_volume'})`,
        after: same({
          guests: [vm(100, del ? [disk('scsi0', D1)] : [disk('scsi0', D1), `unused0: {${D0}}`])],
          vols: del ? [{ name: D1 }] : [{ name: D0 }, { name: D1 }],
        }),
        crash: false,
      },
    ],
  };
}

const resize: Operation = {
  name: 'resize',
  entry: 'qm disk resize 100 scsi0 +1G',
  storages: ALL,
  steps: [
    {
      does: 'the volume grows, then the config size',
      source: `${Q} resize_vm → ${ST} volume_resize`,
      after: same({ guests: [vm(100, [disk('scsi0', D0)])], vols: [{ name: D0 }], tasks: [task('qmresize', '100')] }),
    },
  ],
};

/** snapshot create with vmstate: prepare (section + lock), vmstate, volume snapshots, commit. */
function snapshotCreate(ct_: boolean): Operation {
  const g = ct_ ? ct : vm;
  const key = ct_ ? 'rootfs' : 'scsi0';
  const main = [disk(key, D0)];
  const vmstate = ct_ ? [] : ['vmstate: {vm-100-state-s1}'];
  const state = ct_ ? [] : [{ name: 'vm-100-state-s1' }];
  const section = (extra: string[]) => snapSection('s1', main, extra);
  return {
    name: ct_ ? 'snapshot create (CT)' : 'snapshot create with vmstate',
    entry: ct_ ? 'pct snapshot 100 s1' : 'qm snapshot 100 s1 --vmstate 1',
    storages: ct_ ? CT_SNAPSHOTS : SNAPSHOTS,
    steps: [
      {
        does: 'snapshot_prepare: `lock: snapshot`, section [s1] with snapstate prepare',
        source: `${AC} snapshot_prepare`,
        after: same({
          guests: [g(100, ['lock: snapshot', ...main, ...section(['snapstate: prepare'])])],
          vols: [{ name: D0 }],
          tasks: [task(ct_ ? 'vzsnapshot' : 'qmsnapshot', '100')],
          running: ct_ ? [] : [100],
        }),
      },
      ...(ct_
        ? []
        : [
            {
              does: 'the RAM state is saved to a new volume named by the section',
              source: `${AC} __snapshot_save_vmstate (qemu-server QemuConfig.pm)`,
              after: same({
                guests: [g(100, ['lock: snapshot', ...main, ...section(['snapstate: prepare', ...vmstate])])],
                vols: [{ name: D0 }, ...state.map((s) => ({ ...s, writing: true }))],
                tasks: [task('qmsnapshot', '100')],
                running: [100],
              }),
            },
          ]),
      {
        does: 'each volume is snapshotted',
        source: `${AC} snapshot_create → __snapshot_create_vol_snapshot → ${ST} volume_snapshot`,
        after: same({
          guests: [g(100, ['lock: snapshot', ...main, ...section(['snapstate: prepare', ...vmstate])])],
          vols: [{ name: D0, snaps: ['s1'] }, ...state],
          tasks: [task(ct_ ? 'vzsnapshot' : 'qmsnapshot', '100')],
          running: ct_ ? [] : [100],
        }),
      },
      {
        does: 'snapshot_commit: snapstate and lock removed, parent: s1',
        source: `${AC} snapshot_commit`,
        after: same({
          guests: [g(100, ['parent: s1', ...main, ...section(vmstate)])],
          vols: [{ name: D0, snaps: ['s1'] }, ...state],
          running: ct_ ? [] : [100],
        }),
        crash: false,
      },
    ],
  };
}

const SNAP_DONE = snapshotted('scsi0', D0, 's1', ['vmstate: {vm-100-state-s1}']);

const rollback: Operation = {
  name: 'snapshot rollback',
  entry: 'qm rollback 100 s1',
  storages: SNAPSHOTS,
  steps: [
    {
      does: '`lock: rollback`, each volume rolled back to s1',
      source: `${AC} snapshot_rollback → ${ST} volume_snapshot_rollback`,
      after: same({
        guests: [vm(100, ['lock: rollback', ...SNAP_DONE])],
        vols: [{ name: D0, snaps: ['s1'] }, { name: 'vm-100-state-s1' }],
        tasks: [task('qmrollback', '100')],
      }),
    },
    {
      does: 'the lock goes; the VM resumes from the vmstate',
      source: `${AC} snapshot_rollback (remove_lock)`,
      after: same({ guests: [vm(100, SNAP_DONE)], vols: [{ name: D0, snaps: ['s1'] }, { name: 'vm-100-state-s1' }] }),
      crash: false,
    },
  ],
};

function snapshotDelete(force: boolean): Operation {
  const deleting = [
    'lock: snapshot-delete',
    ...snapshotted('scsi0', D0, 's1', ['snapstate: delete', 'vmstate: {vm-100-state-s1}']),
  ];
  return {
    name: `snapshot delete${force ? ' --force' : ''}`,
    entry: `qm delsnapshot 100 s1${force ? ' --force' : ''}`,
    storages: SNAPSHOTS,
    steps: [
      {
        does: '`lock: snapshot-delete`, snapstate delete in [s1]',
        source: `${AC} snapshot_delete (set_lock snapshot-delete; snapstate = 'delete')`,
        after: same({
          guests: [vm(100, deleting)],
          vols: [{ name: D0, snaps: ['s1'] }, { name: 'vm-100-state-s1' }],
          tasks: [task('qmdelsnapshot', '100')],
        }),
      },
      {
        does: 'the vmstate volume is freed, then each volume snapshot removed',
        source: `${AC} __snapshot_delete_vmstate_file, __snapshot_delete_vol_snapshot → ${ST} volume_snapshot_delete`,
        after: same({ guests: [vm(100, deleting)], vols: [{ name: D0 }], tasks: [task('qmdelsnapshot', '100')] }),
      },
      force
        ? {
            does: '--force: a volume snapshot could not be removed; the section is dropped anyway, the storage snapshot stays',
            source: `${AC} snapshot_delete ($force: "ignore errors" then $remove_snapshot_from_config)`,
            after: same({ guests: [vm(100, [disk('scsi0', D0)])], vols: [{ name: D0, snaps: ['s1'] }] }),
            crash: false,
          }
        : {
            does: 'the section and the lock go',
            source: `${AC} snapshot_delete ($remove_snapshot_from_config, remove_lock)`,
            after: same({ guests: [vm(100, [disk('scsi0', D0)])], vols: [{ name: D0 }] }),
            crash: false,
          },
    ],
  };
}

function vzdump(mode: 'stop' | 'suspend' | 'snapshot', many: boolean): Operation {
  return {
    name: `vzdump ${mode}${many ? ' (all guests, one task)' : ''}`,
    entry: `vzdump ${many ? '--all' : '100'} --mode ${mode}`,
    storages: ALL,
    steps: [
      {
        does: '`lock: backup` while this guest is backed up (QEMU backs up without volume snapshots)',
        source: 'pve-manager PVE/VZDump.pm exec_backup_task → qemu-server PVE/VZDump/QemuServer.pm prepare',
        after: same({
          guests: [vm(100, ['lock: backup', disk('scsi0', D0)])],
          vols: [{ name: D0, active: true }],
          tasks: [task('vzdump', many ? '' : '100')],
          running: mode === 'stop' ? [] : [100],
        }),
      },
    ],
  };
}

const vzdumpCt: Operation = {
  name: 'vzdump snapshot (CT)',
  entry: 'vzdump 200 --mode snapshot',
  storages: CT_SNAPSHOTS,
  steps: [
    {
      does: 'snapshot `vzdump` with a [vzdump] section and `lock: backup`',
      source: 'pve-container src/PVE/VZDump/LXC.pm prepare → PVE::LXC::Config->snapshot_create',
      after: same({
        guests: [ct(200, ['lock: backup', ...snapshotted('rootfs', 'vm-200-disk-0', 'vzdump')])],
        vols: [{ name: 'vm-200-disk-0', snaps: ['vzdump'] }],
        tasks: [task('vzdump', '200')],
        running: [200],
      }),
    },
  ],
};

/** Live migration with local disks, this node as the target. */
const migrateTarget: Operation = {
  name: 'online migration with local disks (target side)',
  entry: 'qm migrate 100 pve1 --online --with-local-disks (run on pve2)',
  storages: LOCAL,
  steps: [
    {
      does: 'the target volumes are allocated here while the config, `lock: migrate`, stays on the source',
      source: 'qemu-server src/PVE/QemuMigrate.pm phase2 → QemuServer vm_migrate_alloc_nbd_disks',
      after: same({
        guests: [vm(100, ['lock: migrate', disk('scsi0', D0)], { node: 'pve2' })],
        vols: [{ name: D0, writing: true, active: true }],
        running: [100],
      }),
    },
    {
      does: 'the config moves here, the lock goes',
      source: 'qemu-server src/PVE/QemuMigrate.pm phase3_cleanup → AbstractConfig move_config_to_node',
      after: same({ guests: [vm(100, [disk('scsi0', D0)])], vols: [{ name: D0, active: true }], running: [100] }),
      crash: false,
    },
  ],
};

const migrateSource: Operation = {
  name: 'offline migration with local disks (source side)',
  entry: 'qm migrate 100 pve2',
  storages: LOCAL,
  steps: [
    {
      does: '`lock: migrate`, the disks are exported to the target (ZFS: a __migration__ snapshot)',
      source: `qemu-server src/PVE/QemuMigrate.pm sync_offline_local_volumes → ${ST} storage_migrate`,
      after: (k) => ({
        guests: [vm(100, ['lock: migrate', disk('scsi0', D0)])],
        vols: [{ name: D0, snaps: k === 'zfspool' ? ['__migration__'] : [] }],
        tasks: [task('qmigrate', '100')],
      }),
    },
    {
      does: 'the config moves to the target; the local copy is removed',
      source: 'qemu-server src/PVE/QemuMigrate.pm phase3_cleanup (move_config_to_node, then vdisk_free of the source)',
      after: same({
        guests: [vm(100, [disk('scsi0', D0)], { node: 'pve2' })],
        vols: [{ name: D0 }],
        tasks: [task('qmigrate', '100')],
      }),
    },
    {
      does: '"removing local copy failed": the source copy stays, the guest lives on pve2',
      source: 'qemu-server src/PVE/QemuMigrate.pm phase3_cleanup (warn on vdisk_free failure)',
      after: same({ guests: [vm(100, [disk('scsi0', D0)], { node: 'pve2' })], vols: [{ name: D0 }] }),
      crash: false,
    },
  ],
};

const ctRestartMigrate: Operation = {
  name: 'CT restart-mode migration (source side)',
  entry: 'pct migrate 200 pve2 --restart',
  storages: LOCAL,
  steps: [
    {
      does: 'the CT stops, `lock: migrate`, its volumes are copied',
      source: 'pve-container src/PVE/LXC/Migrate.pm phase1 → storage_migrate',
      after: same({
        guests: [ct(200, ['lock: migrate', disk('rootfs', 'vm-200-disk-0')])],
        vols: [{ name: 'vm-200-disk-0' }],
        tasks: [task('vzmigrate', '200')],
      }),
    },
  ],
};

const remoteMigrate: Operation = {
  name: 'remote-migrate (both sides)',
  entry: 'qm remote-migrate 100 300 <endpoint> --delete 0',
  storages: ALL,
  steps: [
    {
      does: 'target cluster: the new VMID is created locked and its disks imported over the tunnel',
      source: `${Q} remote_migrate_vm / mtunnel ('config', 'disk-import' → ${ST} volume_import)`,
      after: same({
        guests: [vm(300, ['lock: create'])],
        vols: [{ name: 'vm-300-disk-0', writing: true }],
        tasks: [task('qmtunnel', '300')],
      }),
    },
    {
      does: 'source cluster with --delete 0: the migrated source stays locked (migrate) with its disks',
      source: 'qemu-server src/PVE/QemuMigrate.pm phase3_cleanup (remote: lock kept unless delete)',
      after: same({ guests: [vm(100, ['lock: migrate', disk('scsi0', D0)])], vols: [{ name: D0 }] }),
      crash: false,
    },
  ],
};

const replication: Operation = {
  name: 'storage replication (target and source side, job removed)',
  entry: 'pvesr run (job 100-0 to pve1)',
  storages: ['zfspool'],
  steps: [
    {
      does: 'the replica under the same volid, with the replication snapshot and the guest snapshots (with_snapshots)',
      source: 'pve-guest-common src/PVE/Replication.pm replicate → replicate_volume (with_snapshots => 1)',
      after: same({
        guests: [vm(100, snapshotted('scsi0', D0, 's1'), { node: 'pve2' })],
        vols: [{ name: D0, snaps: ['s1', '__replicate_100-0_1712000000__'] }],
        replication: 'local: 100-0\n\ttarget pve1\n',
      }),
      crash: false,
    },
    {
      does: 'the source side: the guest here, its volume with the last sync snapshot, the job to pve2',
      source:
        'pve-guest-common src/PVE/Replication.pm replicate (the new __replicate_ snapshot kept, older ones removed)',
      after: same({
        guests: [vm(100, snapshotted('scsi0', D0, 's1'))],
        vols: [{ name: D0, snaps: ['s1', '__replicate_100-0_1712000000__'] }],
        replication: 'local: 100-0\n\ttarget pve2\n',
        tasks: [task('pvesr', '100-0')],
      }),
    },
    {
      does: '`pvesr delete --force` drops the job "but will not cleanup": the replica here is left',
      source: 'pve-manager PVE/API2/ReplicationConfig.pm delete (force: job entry removed without prepare_local_job)',
      after: same({
        guests: [vm(100, [disk('scsi0', D0)], { node: 'pve2' })],
        vols: [{ name: D0, snaps: ['__replicate_100-0_1712000000__'] }],
      }),
      crash: false,
    },
  ],
};

const haFence: Operation = {
  name: 'HA recovery after fencing, then the fenced node returns',
  entry: 'pve-ha-manager recovery of vm:100 from pve1 to pve2',
  storages: ALL,
  steps: [
    {
      does:
        "the config is stolen to pve2 (steal_service); this node's local copy stays; on return, boot " +
        'autoactivation brings the old LVs back',
      source: 'pve-ha-manager src/PVE/HA/Env/PVE2.pm steal_service (from Manager.pm recover_fenced_service)',
      after: same({ guests: [vm(100, [disk('scsi0', D0)], { node: 'pve2' })], vols: [{ name: D0, active: true }] }),
      crash: false,
    },
  ],
};

function destroy(purge: boolean): Operation {
  return {
    name: `destroy${purge ? ' --purge --destroy-unreferenced-disks' : ''}`,
    entry: `qm destroy 100${purge ? ' --purge --destroy-unreferenced-disks 1' : ''}`,
    storages: ALL,
    steps: [
      {
        does: 'each disk the config names is freed',
        source: `${QS} destroy_vm → ${ST} vdisk_free`,
        after: same({
          guests: [vm(100, [disk('scsi0', D0), disk('scsi1', D1)])],
          vols: [{ name: D1 }, ...(purge ? [{ name: 'vm-100-disk-5' }] : [])],
          tasks: [task('qmdestroy', '100')],
        }),
      },
      {
        does: purge ? 'disks of VMID 100 no config names are freed on every storage' : 'the config is removed',
        source: `${QS} destroy_vm (${purge ? '$purge_unreferenced: vdisk_list, vdisk_free' : 'destroy_config'})`,
        after: same({ guests: purge ? [vm(100, [])] : [vm(100, null)], vols: [], tasks: [task('qmdestroy', '100')] }),
      },
    ],
  };
}

const importDisk: Operation = {
  name: 'disk import (qm disk import, import-from, OVF/ESXi)',
  entry: 'qm disk import 100 disk.qcow2 <storage> / qm set 100 --scsi1 <storage>:0,import-from=…',
  storages: ALL,
  steps: [
    {
      does: 'import-from: the volume is allocated and written inside the config task',
      source: `${Q} update_vm / create_vm → PVE::QemuServer::ImportDisk do_import`,
      after: same({
        guests: [vm(100, [disk('scsi0', D0)])],
        vols: [{ name: D0 }, { name: D1, writing: true }],
        tasks: [task('qmconfig', '100')],
      }),
    },
    {
      does: 'the imported volume is added as unused0 (qm disk import) or as the drive (import-from)',
      source: 'qemu-server src/PVE/QemuServer/ImportDisk.pm do_import (add_unused_volume / the drive)',
      after: same({ guests: [vm(100, [disk('scsi0', D0), `unused0: {${D1}}`])], vols: [{ name: D0 }, { name: D1 }] }),
      crash: false,
    },
  ],
};

const unusedRemove: Operation = {
  name: 'unused-disk removal',
  entry: 'qm set 100 --delete unused0',
  storages: ALL,
  steps: [
    {
      does: 'unused0 leaves the config; the volume is freed in the task',
      source: `${Q} update_vm → ${QS} vmconfig_delete_or_detach_drive → ${ST} vdisk_free`,
      after: same({
        guests: [vm(100, [disk('scsi0', D0)])],
        vols: [{ name: D0 }, { name: D1 }],
        tasks: [task('qmconfig', '100')],
      }),
    },
  ],
};

const saferemove: Operation = {
  name: 'LVM saferemove',
  entry: 'pvesm free san:vm-100-disk-1 (saferemove 1)',
  storages: ['lvm'],
  steps: [
    {
      does: 'the LV is renamed del-vm-100-disk-1 and zeroed by an imgdel worker',
      source: 'pve-storage src/PVE/Storage/LVMPlugin.pm free_image (saferemove: lvrename, then the imgdel worker)',
      after: same({
        guests: [vm(100, [disk('scsi0', D0)])],
        vols: [{ name: D0 }, { name: D1, deleted: true }],
        tasks: [task('imgdel', '')],
      }),
    },
  ],
};

const rbdRemove: Operation = {
  name: 'RBD removal cut short',
  entry: 'pvesm free ceph-vm:vm-100-disk-1',
  storages: ['rbd'],
  steps: [
    {
      does: 'snapshots purged, then rbd rm (which moves the image to the trash as REMOVING first)',
      source: 'pve-storage src/PVE/Storage/RBDPlugin.pm free_image (snap purge, rm)',
      after: same({
        guests: [vm(100, [disk('scsi0', D0)])],
        vols: [{ name: D0 }, { name: D1, trash: 'REMOVING' }],
        tasks: [task('qmconfig', '100')],
      }),
    },
  ],
};

/** A disk another VMID's name carries, used and snapshotted by this guest (renumbered, attached by volid). */
const foreignDisk: Operation = {
  name: 'snapshot of a disk named for another VMID (renumbered guest, disk attached by volume ID)',
  entry: 'qm set 502 --scsi1 <storage>:vm-501-disk-0; qm snapshot 502 before-upgrade',
  storages: SNAPSHOTS,
  steps: [
    {
      does: "VM 502's main and snapshot sections name vm-501-disk-0; VM 501 is gone",
      source: `${AC} snapshot_create / snapshot_rollback (act on the volumes a section names)`,
      after: same({
        guests: [vm(502, [...snapshotted('scsi0', 'vm-501-disk-0', 'before-upgrade')])],
        vols: [{ name: 'vm-501-disk-0', snaps: ['before-upgrade'] }],
      }),
      crash: false,
    },
    {
      does: 'the same while VM 501 still exists with its own config (which does not name the disk)',
      source: `${AC} snapshot_rollback`,
      after: same({
        guests: [vm(501, ['name: old']), vm(502, [...snapshotted('scsi0', 'vm-501-disk-0', 'before-upgrade')])],
        vols: [{ name: 'vm-501-disk-0', snaps: ['before-upgrade'] }],
      }),
      crash: false,
    },
  ],
};

const hibernate: Operation = {
  name: 'hibernate',
  entry: 'qm suspend 100 --todisk 1',
  storages: ALL,
  steps: [
    {
      does: 'the RAM state is written to a new volume under `lock: suspending`',
      source: `qemu-server src/PVE/QemuServer/RunState.pm vm_suspend (todisk: vmstate volume, lock suspending)`,
      after: same({
        guests: [vm(100, ['lock: suspending', disk('scsi0', D0), 'vmstate: {vm-100-state-suspend-2026-11-25}'])],
        vols: [{ name: D0 }, { name: 'vm-100-state-suspend-2026-11-25', writing: true }],
        tasks: [task('qmsuspend', '100')],
        running: [100],
      }),
    },
    {
      does: '`lock: suspended`, the VM stops; the next start resumes from the state volume',
      source: `qemu-server src/PVE/QemuServer/RunState.pm vm_suspend (lock suspended)`,
      after: same({
        guests: [vm(100, ['lock: suspended', disk('scsi0', D0), 'vmstate: {vm-100-state-suspend-2026-11-25}'])],
        vols: [{ name: D0 }, { name: 'vm-100-state-suspend-2026-11-25' }],
      }),
      crash: false,
    },
  ],
};

/** The path a plugin gives a volume (what `qm set --scsi1 /dev/…` or a hand-edited config names). */
function pathOf(k: StorageKind, name: string): string {
  if (k === 'lvmthin') return `/dev/pve/${name}`;
  if (k === 'lvm') return `/dev/san/${name}`;
  if (k === 'zfspool') return `/dev/zvol/rpool/data/${name}`;
  if (k === 'rbd') return `/dev/rbd-pve/5c2b8bd2-67f1-4d0c-9b5e-5d6e4b1f2a10/vm-pool/${name}`;
  return `/var/lib/vz/images/${name.replace(/^vm-(\d+)-.*$/, '$1')}/${name}.qcow2`;
}

const byPath: Operation = {
  name: 'a disk attached by path (from another VMID)',
  entry: 'qm set 502 --scsi1 /dev/…/vm-501-disk-0',
  storages: ['lvmthin', 'lvm', 'zfspool', 'rbd', 'dir'],
  steps: [
    {
      does: 'the config names the volume by path; PVE activates nothing for it (get_vm_volumes skips paths)',
      source: `${QS} get_vm_volumes (a volid starting with / is skipped), verify_volume_id_or_absolute_path`,
      after: (k) => ({
        guests: [vm(502, [disk('scsi0', 'vm-502-disk-0'), `scsi1: ${pathOf(k, 'vm-501-disk-0')},size=8G`])],
        vols: [{ name: 'vm-502-disk-0' }, { name: 'vm-501-disk-0', active: true }],
      }),
      crash: false,
    },
  ],
};

const ctTemplateKrbd: Operation = {
  name: 'CT template on krbd with a running linked clone',
  entry: 'pct template 300; pct clone 300 301; pct start 301',
  storages: ['rbd', 'lvmthin', 'zfspool'],
  steps: [
    {
      does: 'the template base keeps its protected __base__ snapshot; the clone is mapped (krbd) while it runs',
      source: `pve-container src/PVE/LXC.pm template_create → ${ST} vdisk_create_base; API2/LXC.pm clone_vm`,
      after: same({
        guests: [
          ct(300, ['template: 1', disk('rootfs', 'base-300-disk-0')]),
          ct(301, [disk('rootfs', 'base-300-disk-0/vm-301-disk-0')]),
        ],
        vols: [
          { name: 'base-300-disk-0', snaps: ['__base__'] },
          { name: 'base-300-disk-0/vm-301-disk-0', active: true },
        ],
        running: [301],
      }),
      crash: false,
    },
  ],
};

const fleecing: Operation = {
  name: 'vzdump with fleecing',
  entry: 'vzdump 100 --fleecing enabled=1,storage=<storage>',
  storages: ALL,
  steps: [
    {
      does: 'a fleecing image is allocated and recorded in [special:fleecing] before the backup job starts',
      source: 'qemu-server src/PVE/VZDump/QemuServer.pm allocate_fleecing_images → QemuConfig record_fleecing_images',
      after: same({
        guests: [
          vm(100, ['lock: backup', disk('scsi0', D0), '', '[special:fleecing]', 'fleecing-images: {vm-100-fleece-0}']),
        ],
        vols: [
          { name: D0, active: true },
          { name: 'vm-100-fleece-0', writing: true },
        ],
        tasks: [task('vzdump', '100')],
        running: [100],
      }),
    },
  ],
};

const CHAIN = 'vm-613-disk-0';
const chainCfg = (lines: string[] = []) => [disk('scsi0', CHAIN), ...lines];

/** PVE 9 snapshot-as-volume-chain: the current image renamed to the snapshot's LV, and not renamed back. */
const chainRenameFails: Operation = {
  name: 'PVE 9 volume-chain snapshot whose rename is not undone',
  entry: 'qm snapshot 613 weekly (storage with snapshot-as-volume-chain 1)',
  storages: ['lvm-chain', 'dir-chain'],
  steps: [
    {
      does: 'snapshot_prepare, then volume_snapshot renames the current image to snap_vm-613-disk-0_weekly.qcow2 (lvrename) before it allocates the new current',
      source:
        'pve-storage src/PVE/Storage/LVMPlugin.pm volume_snapshot_locked → rename_snapshot (from AbstractConfig.pm snapshot_create); on a file storage Plugin.pm volume_snapshot → rename_snapshot (rename(2) to get_snap_name)',
      after: same({
        guests: [vm(613, ['lock: snapshot', ...chainCfg(snapSection('weekly', chainCfg(), ['snapstate: prepare']))])],
        vols: [{ name: CHAIN, snaps: ['weekly'], renamedToSnapshot: { open: false } }],
        tasks: [task('qmsnapshot', '613')],
      }),
    },
    {
      does: 'alloc_snap_image fails and so does the rename back; snapshot_create drops the section and the lock (snapshot_delete with force): the config names a volume that is now the snapshot LV',
      source:
        'pve-storage src/PVE/Storage/LVMPlugin.pm volume_snapshot_locked (rename back on error); AbstractConfig.pm snapshot_create (error: snapshot_delete force)',
      after: same({
        guests: [vm(613, chainCfg())],
        vols: [{ name: CHAIN, snaps: ['weekly'], renamedToSnapshot: { open: false } }],
      }),
      crash: false,
    },
    {
      does: 'the same under a running VM: qemu-server blockdev_external_snapshot called volume_snapshot; the kvm keeps writing the renamed LV',
      source: 'qemu-server src/PVE/QemuServer/Blockdev.pm blockdev_external_snapshot → PVE::Storage::volume_snapshot',
      after: same({
        guests: [vm(613, chainCfg())],
        vols: [{ name: CHAIN, snaps: ['weekly'], renamedToSnapshot: { open: true } }],
        running: [613],
      }),
      crash: false,
    },
  ],
};

/** Container bind and device mount points, and VM disks by path: paths that name no volume here. */
const byPathMounts: Operation = {
  name: 'CT bind and device mount points, VM disks by file path and by device path',
  entry: 'pct set 200 --mp1 /srv/host-data,mp=/data --mp2 /dev/sdb1,mp=/mnt/usb; qm set 100 --scsi1 /mnt/images/x.raw',
  storages: ALL,
  steps: [
    {
      does: 'a bind mount point (an absolute path outside /dev) and a device mount point beside the rootfs volume',
      source: 'pve-container src/PVE/LXC/Config.pm classify_mountpoint (bind / device), LXC.pm mountpoint_mount',
      after: same({
        guests: [
          ct(200, [disk('rootfs', 'vm-200-disk-0'), 'mp1: /srv/host-data,mp=/data', 'mp2: /dev/sdb1,mp=/mnt/usb']),
          vm(100, [disk('scsi0', D0), 'scsi1: /mnt/images/x.raw,size=8G', 'scsi2: /dev/disk/by-id/ata-DISK_1,size=8G']),
        ],
        vols: [{ name: 'vm-200-disk-0' }, { name: D0 }, { name: 'vm-200-disk-1' }],
      }),
      crash: false,
    },
  ],
};

/** An RBD image in the Ceph trash that a config still names: the guest's disk, to be restored. */
const rbdTrashReferenced: Operation = {
  name: 'RBD image moved to the trash while a config names it',
  entry: 'rbd -p vm-pool trash mv vm-100-disk-1 (or pvesm free by mistake on a pool with trash)',
  storages: ['rbd'],
  steps: [
    {
      does: 'the image leaves the pool for the trash (USER); the config still names it',
      source:
        'pve-storage src/PVE/Storage/RBDPlugin.pm (PVE never trashes: free_image runs rbd rm); ceph src/librbd/api/Trash.cc move',
      after: same({
        guests: [vm(100, [disk('scsi0', D0), disk('scsi1', D1)])],
        vols: [{ name: D0 }, { name: D1, trash: 'USER' }],
      }),
      crash: false,
    },
  ],
};

/** vzdump of a container on RBD: the `vzdump` snapshot with its section, and what a killed backup leaves. */
const vzdumpCtRbd: Operation = {
  name: 'vzdump snapshot of a container on RBD, killed, then unlocked by hand',
  entry: 'vzdump 200 --mode snapshot (killed); pct unlock 200',
  storages: ['rbd', 'zfspool', 'lvmthin'],
  steps: [
    {
      does: 'the backup is killed after its snapshot: `lock: backup`, [vzdump] and the @vzdump snapshot stay',
      source: 'pve-container src/PVE/VZDump/LXC.pm prepare (snapshot_create vzdump), cleanup never ran',
      after: same({
        guests: [ct(200, ['lock: backup', ...snapshotted('rootfs', 'vm-200-disk-0', 'vzdump')])],
        vols: [{ name: 'vm-200-disk-0', snaps: ['vzdump'] }],
      }),
      crash: false,
    },
    {
      does: '`pct unlock 200`: the section and the snapshot stay (the config still has [vzdump])',
      source:
        'pve-container src/PVE/API2/LXC/Config.pm (unlock: remove_lock); VZDump/LXC.pm cleanup (snapshot_delete) never ran',
      after: same({
        guests: [ct(200, [...snapshotted('rootfs', 'vm-200-disk-0', 'vzdump')])],
        vols: [{ name: 'vm-200-disk-0', snaps: ['vzdump'] }],
      }),
      crash: false,
    },
  ],
};

export const OPERATIONS: Operation[] = [
  chainRenameFails,
  byPathMounts,
  rbdTrashReferenced,
  vzdumpCtRbd,
  createLike('create', 'qm create 100 --scsi0 <storage>:8', 'qmcreate'),
  createLike('restore', 'qmrestore <archive> 100', 'qmrestore'),
  restoreFailed,
  liveRestore,
  clone(false),
  clone(true),
  template,
  moveDisk(false),
  moveDisk(true),
  resize,
  snapshotCreate(false),
  snapshotCreate(true),
  rollback,
  snapshotDelete(false),
  snapshotDelete(true),
  vzdump('stop', false),
  vzdump('suspend', false),
  vzdump('snapshot', true),
  vzdumpCt,
  migrateSource,
  migrateTarget,
  ctRestartMigrate,
  remoteMigrate,
  replication,
  haFence,
  destroy(false),
  destroy(true),
  importDisk,
  unusedRemove,
  saferemove,
  rbdRemove,
  foreignDisk,
  hibernate,
  byPath,
  ctTemplateKrbd,
  fleecing,
];
