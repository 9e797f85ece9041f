// A NodeView built directly from rows, for rule tests: the decision under test reads the same value
// the product builds with parseNode, without writing dmsetup/lvs text first (parser tests keep the
// raw-text fixtures). Defaults describe a quiet standalone node "pve1" with no devices.
import { buildDevices } from '../../src/core/node/dm-devices';
import type { GuestRecord } from '../../src/core/node/guest-record';
import { buildLvmView } from '../../src/core/node/lvm-view';
import type { NodeView } from '../../src/core/node/node-view';
import { nodeNameOf, type PveState } from '../../src/core/node/pve-state';
import { buildDmName } from '../../src/core/parse/dm-name';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import type { DmInfo, DmSegment } from '../../src/core/parse/parse-dmsetup';
import type { LvRow, VgRow } from '../../src/core/parse/parse-lvm';
import type { HaService, Task } from '../../src/core/parse/pmxcfs';
import { lvmStorages, parseStorageConfig, storagesOnNode } from '../../src/core/parse/storage-config';

/** An LV row as `lvs` reports an inactive thick LV; override what the case needs. */
export function lv(vg: string, name: string, o: Partial<LvRow> = {}): LvRow {
  return {
    name,
    hidden: false,
    vg,
    uuid: `${name
      .replace(/[^A-Za-z0-9]/g, '')
      .padEnd(32, 'x')
      .slice(0, 32)}`,
    vgUuid: `${vg.padEnd(32, 'v').slice(0, 32)}`,
    attr: '-wi-------',
    sizeBytes: 4 * 2 ** 30,
    pool: '',
    origin: '',
    tags: [],
    segtype: 'linear',
    active: false,
    kernelMajor: null,
    kernelMinor: null,
    vgAttr: 'wz--n-',
    movePv: '',
    dataPercent: null,
    metadataPercent: null,
    role: 'public',
    ...o,
  };
}

/** A `dmsetup info` row of a live, unopened one-segment map on major 252 (kname dm-<minor>). */
export function dmInfo(name: string, uuid: string, minor: number, o: Partial<DmInfo> = {}): DmInfo {
  return {
    name,
    uuid,
    kname: `dm-${minor}`,
    major: 252,
    minor,
    live: true,
    inactive: false,
    suspended: false,
    readonly: false,
    open: 0,
    segments: 1,
    events: 0,
    ...o,
  };
}

/** The `vgs` row that agrees with `lvs` (lv_count = its visible LVs) unless overridden. */
export function vgOf(name: string, lvs: LvRow[], o: Partial<VgRow> = {}): VgRow {
  return {
    name,
    uuid: `${name.padEnd(32, 'v').slice(0, 32)}`,
    attr: 'wz--n-',
    sizeBytes: 100 * 2 ** 30,
    freeBytes: 10 * 2 ** 30,
    pvCount: 1,
    lvCount: lvs.filter((l) => l.vg === name && !l.hidden).length,
    tags: [],
    pvs: ['/dev/sda3'],
    partial: false,
    lockType: null,
    ...o,
  };
}

/** The map lvm2 makes when it activates `row` (UUID LVM-<vg uuid><lv uuid>, one linear segment). */
export interface MapInput {
  lv: LvRow;
  /** Open count (a running guest holds its disk open). */
  open?: number;
}

export interface ViewInput {
  /** DM maps of LVs (activated here). */
  maps?: MapInput[];
  node?: string;
  /** storage.cfg text (the SectionConfig format); undefined = the file is missing. */
  storageCfg?: string;
  lvs?: LvRow[] | null;
  lvsError?: string | null;
  /** Default: one agreeing row per VG of `lvs`. */
  vgs?: VgRow[] | null;
  /** Guest configs: `{ vmid, node, type, text }` (the text is the config file, parsed as PVE writes it). */
  guests?: { vmid: number; node?: string; type?: 'qemu' | 'lxc'; text: string }[];
  running?: number[];
  /** VMIDs with a live kvm here although their config lives on another node. */
  kvmElsewhere?: number[];
  /** Of the kvm processes here, those started with `-incoming` (a migration target). */
  kvmIncoming?: number[];
  ha?: HaService[];
  tasks?: Task[];
  /** Why `dmsetup status` failed (default: it did not). */
  dmStatusFailure?: string;
  /** Why .vmlist cannot be believed (default: it can). */
  guestListGap?: string;
  /** Why "no config names it" cannot be believed on shared / local storage (default: the guest list gap). */
  unseen?: { shared: string | null; local: string | null };
  /** Running tasks/active lines whose worker is gone, and why tasks/active cannot be believed. */
  deadTasks?: Task[];
  tasksUnread?: string;
  /** The gathered /dev path table (HostSnapshot devicePaths); default none (an older snapshot). */
  devicePaths?: NodeView['devicePaths'];
  /** The PVs down to their disks (HostSnapshot pvDevices); default none (an older snapshot). */
  pvDevices?: NodeView['pvDevices'];
  links?: Record<string, string>;
}

export function nodeView(input: ViewInput = {}): NodeView {
  const node = nodeNameOf(null, input.node ?? 'pve1');
  const lvs = input.lvs === undefined ? [] : input.lvs;
  const vgs =
    input.vgs !== undefined ? input.vgs : lvs && [...new Set(lvs.map((l) => l.vg))].map((vg) => vgOf(vg, lvs));
  const lvm = buildLvmView({
    lvs,
    lvsError: lvs === null ? (input.lvsError ?? 'lvs exited 5: locking failed') : null,
    lvsTimedOut: false,
    vgs,
    vgsError: vgs === null ? 'vgs exited 5' : null,
  });
  const storageConfig = parseStorageConfig(input.storageCfg ?? '');
  const allLvm = lvmStorages(storageConfig);
  const guests = new Map<number, GuestRecord>();
  for (const g of input.guests ?? []) {
    const type = g.type ?? 'qemu';
    guests.set(g.vmid, { vmid: g.vmid, type, node: g.node ?? node, config: parseGuestConfig(g.text, type, g.vmid) });
  }
  const pve: PveState = {
    node,
    members: null,
    storageConfig,
    storageConfigError: input.storageCfg === undefined ? '/etc/pve/storage.cfg is missing or unreadable' : null,
    lvmStorages: allLvm,
    lvmStoragesHere: storagesOnNode(allLvm, node),
    sharedStorages: new Set(storageConfig.filter((s) => s.shared).map((s) => s.id)),
    vmlist: [...guests.values()].map((g) => ({ vmid: g.vmid, node: g.node, type: g.type })),
    guests,
    configCount: guests.size,
    tasks: input.tasks ?? [],
    deadTasks: input.deadTasks ?? [],
    tasksUnread: input.tasksUnread ?? null,
    ha: input.ha ?? [],
    running: new Set(input.running ?? []),
    kvmAlive: new Set([...(input.running ?? []), ...(input.kvmElsewhere ?? [])]),
    kvmIncoming: new Set(input.kvmIncoming ?? []),
    nextIdRange: { lower: 100, upper: 1_000_000 },
    pvePresent: true,
    guestListGap: input.guestListGap ?? null,
    membersGap: null,
    unseen: input.unseen ?? { shared: input.guestListGap ?? null, local: input.guestListGap ?? null },
    warnings: [],
  };
  const info: DmInfo[] = [];
  const tables = new Map<string, DmSegment[]>();
  const deps = new Map<string, string[]>();
  (input.maps ?? []).forEach((m, i) => {
    const name = buildDmName(m.lv.vg, m.lv.name);
    info.push({
      name,
      uuid: `LVM-${m.lv.vgUuid}${m.lv.uuid}`,
      kname: `dm-${i + 10}`,
      major: 252,
      minor: i + 10,
      live: true,
      inactive: false,
      suspended: false,
      readonly: false,
      open: m.open ?? 0,
      segments: 1,
      events: 0,
    });
    const sectors = (m.lv.sizeBytes ?? 2 ** 30) / 512;
    tables.set(name, [{ start: 0, length: sectors, target: 'linear', params: `8:0 ${2048 + i * sectors}` }]);
    deps.set(name, ['8:0']);
  });
  // The view keeps the devices and their index (what buildDevices found twice is the consistency check's).
  const { devices, index } = buildDevices(info, tables, deps, lvm, []);
  return {
    capturedAt: '2026-11-22T12:00:00.000Z',
    hostname: node,
    node,
    dm: {
      failure: null,
      info,
      tables,
      deps,
      devices,
      index,
      statusText: '',
      statusFailure: input.dmStatusFailure ?? null,
    },
    lvm,
    pve,
    commands: {},
    processes: [],
    sysDm: [],
    storageGap: null,
    guestGap: null,
    links: input.links ?? {},
    devicePaths: input.devicePaths ?? null,
    pvDevices: input.pvDevices ?? null,
    files: input.storageCfg === undefined ? {} : { '/etc/pve/storage.cfg': input.storageCfg },
    warnings: [],
  };
}
