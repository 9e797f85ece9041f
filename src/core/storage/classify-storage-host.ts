// Host-side use of guest disks: a file system of a guest disk (or of its kpartx partition) mounted on
// the host, a guest-internal VG that the host's LVM found or activated, dm-crypt opened on a guest
// disk, kpartx partition maps left behind. Two writers on one disk (the guest and the host) corrupt
// it; a host LV on a guest disk also blocks deactivating, migrating or removing it.
// Also: whether lvm.conf keeps the host's LVM from scanning guest disks at all.
// One function per kind of use; classifyHostUse runs them in the order their findings have always come out.

import { type MountInfo, parseMountInfo } from '../parse/mountinfo';
import type { DmInfo } from '../parse/parse-dmsetup';
import { shellQuote } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import {
  buildDiskGraph,
  type DiskGraph,
  GUEST_LV,
  type GuestDisk,
  guestBelow,
  mapAt,
  pvToDm,
} from './guest-disk-graph';
import { filterRejects, lvmFilterAdvice, parseLvmConf } from './lvm-filter';
import type { StorageContext } from './storage-context';

export { filterAccepts, filterRejects, type LvmConfFilters, lvmFilterAdvice, parseLvmConf } from './lvm-filter';

/** What every host-use rule reads: the node, its device graph and the lvm.conf advice. */
interface HostUse {
  ctx: StorageContext;
  g: DiskGraph;
  lvmFix: string[];
}

/** Guest VGs the host activated (by VG name): the guest disk they sit on and their LVs. */
type HostVgs = Map<string, { disk: GuestDisk; lvs: string[] }>;

const guestOf = (ctx: StorageContext, vmid: number) => ctx.guests.find((x) => x.vmid === vmid);
const label = (ctx: StorageContext, vmid: number) => `${guestOf(ctx, vmid)?.type === 'lxc' ? 'CT' : 'VM'} ${vmid}`;
const sev = (ctx: StorageContext, vmid: number): 'critical' | 'warning' =>
  ctx.running.has(vmid) ? 'critical' : 'warning';
const state = (ctx: StorageContext, vmid: number) =>
  ctx.running.has(vmid)
    ? 'The guest is running: two systems now write the same disk without knowing of each other, which corrupts it.'
    : 'The guest is stopped: starting it (or migrating, backing up or removing the disk) while the host still uses the disk corrupts it or fails.';

function hostMountFinding(h: HostUse, m: MountInfo, dev: string, disk: GuestDisk): StorageFinding {
  const { ctx } = h;
  return {
    id: `host-mount:${m.target}`,
    kind: 'host-mount',
    severity: sev(ctx, disk.vmid),
    title: `${dev === disk.name ? 'Disk' : 'A partition or volume on disk'} ${disk.vg}/${disk.lv} of ${label(ctx, disk.vmid)} is mounted on the host at ${m.target}`,
    detail: `${m.source} (${m.fstype}) is mounted at ${m.target}. ${state(ctx, disk.vmid)}`,
    fix: [
      shellQuote(['umount', m.target]),
      ...(dev !== disk.name && ctx.index.byName.get(dev)?.uuid.kind === 'part'
        ? [shellQuote(['kpartx', '-d', `/dev/${disk.vg}/${disk.lv}`])]
        : []),
    ],
    subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv, device: dev },
  };
}

/** 1. File systems of guest disks mounted on the host, and the devices they are mounted from. */
function classifyHostMounts(h: HostUse): { findings: StorageFinding[]; mountedDevs: Set<string> } {
  const { ctx, g } = h;
  const findings: StorageFinding[] = [];
  const mountedDevs = new Set<string>();
  for (const m of parseMountInfo(ctx.mountinfo).mounts) {
    const dev = mapAt(g, m.majorMinor);
    if (!dev) continue;
    const disk = guestBelow(ctx, g, dev);
    if (!disk) continue;
    // PVE mounts container volumes itself under /var/lib/lxc/<vmid>/ (pct mount, the CT's rootfs).
    if (guestOf(ctx, disk.vmid)?.type === 'lxc' && m.target.startsWith(`/var/lib/lxc/${disk.vmid}/`)) continue;
    mountedDevs.add(dev);
    findings.push(hostMountFinding(h, m, dev, disk));
  }
  return { findings, mountedDevs };
}

function hostCryptFinding(ctx: StorageContext, d: DmInfo, disk: GuestDisk): StorageFinding {
  return {
    id: `host-crypt:${d.name}`,
    kind: 'host-crypt',
    severity: sev(ctx, disk.vmid),
    title: `dm-crypt ${d.name} is open on disk ${disk.vg}/${disk.lv} of ${label(ctx, disk.vmid)}`,
    detail: `The host opened an encrypted volume of the guest disk. ${state(ctx, disk.vmid)}`,
    fix: ['# unmount whatever is mounted from it first', shellQuote(['cryptsetup', 'close', d.name])],
    subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv, device: d.name },
  };
}

function hostPartitionFinding(ctx: StorageContext, d: DmInfo, disk: GuestDisk): StorageFinding {
  return {
    id: `host-partition:${d.name}`,
    kind: 'host-partition-map',
    severity: ctx.running.has(disk.vmid) ? 'warning' : 'info',
    title: `Partition map ${d.name} of disk ${disk.vg}/${disk.lv} (${label(ctx, disk.vmid)}) is left on the host`,
    detail:
      'kpartx mapped the partitions of a guest disk on the host (to inspect or copy it). The host LVM and blkid scan these maps, and they keep the disk open, so it cannot be deactivated, migrated or removed.',
    fix: [shellQuote(['kpartx', '-d', `/dev/${disk.vg}/${disk.lv}`])],
    subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv, device: d.name },
  };
}

/** 2. DM devices the host stacked on guest disks: dm-crypt and kpartx maps now, guest VGs' LVs collected. */
function classifyStackedDevices(
  h: HostUse,
  mountedDevs: Set<string>,
): { findings: StorageFinding[]; hostVgs: HostVgs } {
  const { ctx, g } = h;
  const findings: StorageFinding[] = [];
  const hostVgs: HostVgs = new Map();
  for (let i = 0; i < ctx.devices.length; i++) {
    const { info: d, uuid: u, split: n, segments, deps } = ctx.devices[i];
    if (g.guest.has(d.name)) continue;
    const below = deps.map((x) => mapAt(g, x)).filter((x): x is string => Boolean(x));
    const disk = below.map((b) => guestBelow(ctx, g, b)).find(Boolean) ?? null;
    if (!disk) continue;
    const targets = segments.map((s) => s.target);
    if (u.kind === 'lvm') {
      if (n && !ctx.storages.some((s) => s.vg === n.vg)) {
        const e = hostVgs.get(n.vg) ?? { disk, lvs: [] };
        e.lvs.push(n.layer ? `${n.lv}-${n.layer}` : n.lv);
        hostVgs.set(n.vg, e);
      }
    } else if (u.kind === 'crypt' || targets.includes('crypt')) {
      findings.push(hostCryptFinding(ctx, d, disk));
    } else if (u.kind === 'part' && !mountedDevs.has(d.name) && d.open === 0) {
      findings.push(hostPartitionFinding(ctx, d, disk));
    }
  }
  return { findings, hostVgs };
}

/** Guest VGs whose LVs the host activated. */
function classifyHostVgs(h: HostUse, hostVgs: HostVgs): StorageFinding[] {
  const { ctx } = h;
  return [...hostVgs].map(([vg, { disk, lvs }]) => ({
    id: `host-lvm:${vg}`,
    kind: 'host-lvm',
    severity: sev(ctx, disk.vmid),
    title: `The host activated VG ${vg} from inside disk ${disk.vg}/${disk.lv} of ${label(ctx, disk.vmid)}`,
    detail: `The guest's own LVM volume group ${vg} (LVs ${lvs.join(', ')}) is active on the host. ${state(ctx, disk.vmid)}`,
    fix: [
      '# unmount anything mounted from it first',
      shellQuote(['vgchange', '-an', vg]),
      `# if lvm no longer finds the VG (it was found through scan_lvs or a kpartx map): ${shellQuote(['vgchange', '-an', '--config', 'devices/scan_lvs=1', vg])}`,
      ...h.lvmFix,
    ],
    subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv },
  }));
}

/** 3. Guest VGs the host's LVM sees but has not activated (vgs lists a PV on a guest disk). */
function classifyHostSeesVgs(h: HostUse, hostVgs: HostVgs): StorageFinding[] {
  const { ctx, g, lvmFix } = h;
  const findings: StorageFinding[] = [];
  for (const v of ctx.vgs) {
    if (hostVgs.has(v.name) || ctx.storages.some((s) => s.vg === v.name)) continue;
    const disk = v.pvs
      .map((pv) => pvToDm(g, pv))
      .map((n) => (n ? guestBelow(ctx, g, n) : null))
      .find(Boolean);
    if (!disk) continue;
    findings.push({
      id: `host-sees-vg:${v.name}`,
      kind: 'host-sees-guest-vg',
      severity: 'warning',
      title: `The host LVM sees VG ${v.name} inside disk ${disk.vg}/${disk.lv} of ${label(ctx, disk.vmid)}`,
      detail: `lvm scans the guest disk and lists the guest's volume group ${v.name} (PV ${v.pvs.join(', ')}). At the next boot or vgchange -ay the host activates it while the guest uses it.`,
      fix: lvmFix.length > 0 ? lvmFix : ['# add a global_filter in /etc/lvm/lvm.conf that rejects guest disks'],
      subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv },
    });
  }
  return findings;
}

/** 4. lvm.conf: does the host LVM scan LVs (guest disks) at all? */
function classifyLvmScan(h: HostUse): StorageFinding[] {
  const { ctx } = h;
  const conf = parseLvmConf(ctx.lvmConf ?? '');
  if (ctx.lvmConf === null || !conf.scanLvs) return [];
  const sample = ctx.lvs.find((l) => ctx.storages.some((s) => s.vg === l.vg) && GUEST_LV.test(l.name));
  if (!sample || filterRejects(conf, sample.vg, sample.name)) return [];
  return [
    {
      id: 'lvm-scans-guest-disks',
      kind: 'lvm-filter',
      severity: 'warning',
      title: 'The host LVM scans guest disks (scan_lvs = 1 and no global_filter for them)',
      detail: `/etc/lvm/lvm.conf sets devices/scan_lvs = 1 and its filters accept guest disks such as /dev/${sample.vg}/${sample.name}: any guest that uses LVM inside its disk has its volume group found, and at boot activated, by the host.`,
      fix: h.lvmFix,
      subject: {},
    },
  ];
}

export function classifyHostUse(ctx: StorageContext): StorageFinding[] {
  const h: HostUse = { ctx, g: buildDiskGraph(ctx), lvmFix: lvmFilterAdvice(ctx) };
  const mounts = classifyHostMounts(h);
  const stacked = classifyStackedDevices(h, mounts.mountedDevs);
  return [
    ...mounts.findings,
    ...stacked.findings,
    ...classifyHostVgs(h, stacked.hostVgs),
    ...classifyHostSeesVgs(h, stacked.hostVgs),
    ...classifyLvmScan(h),
  ];
}
