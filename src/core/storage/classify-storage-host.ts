// Host-side use of guest disks: a file system of a guest disk (or of its kpartx partition) mounted on
// the host, a guest-internal VG that the host's LVM found or activated, dm-crypt opened on a guest
// disk, kpartx partition maps left behind. Two writers on one disk (the guest and the host) corrupt
// it; a host LV on a guest disk also blocks deactivating, migrating or removing it.
// Also: whether lvm.conf keeps the host's LVM from scanning guest disks at all.
import type { StorageContext } from './storage-context';
import { buildDmName, parseDmUuid, splitDmName } from '../parse/dm-name';
import { parseMountInfo } from '../parse/mountinfo';
import type { StorageFinding } from '../types';

const GUEST_LV = /^(vm|base)-(\d+)-/;

interface GuestDisk {
  name: string;
  vg: string;
  lv: string;
  vmid: number;
}

interface Graph {
  byDevno: Map<string, string>;
  byKname: Map<string, string>;
  guest: Map<string, GuestDisk>;
}

function buildGraph(ctx: StorageContext): Graph {
  const vgs = new Set(ctx.storages.map((s) => s.vg));
  const byDevno = new Map<string, string>();
  const byKname = new Map<string, string>();
  const guest = new Map<string, GuestDisk>();
  for (const d of ctx.info) {
    byDevno.set(`${d.major}:${d.minor}`, d.name);
    if (d.kname) byKname.set(d.kname, d.name);
    const u = parseDmUuid(d.uuid);
    const n = splitDmName(d.name);
    // A guest disk: a top-level LV (no UUID suffix) of a PVE LVM storage VG named vm-/base-<vmid>-.
    if (u.kind === 'lvm' && !u.suffix && n && !n.layer && vgs.has(n.vg)) {
      const m = GUEST_LV.exec(n.lv);
      if (m) guest.set(d.name, { name: d.name, vg: n.vg, lv: n.lv, vmid: Number(m[2]) });
    }
  }
  return { byDevno, byKname, guest };
}

/** The guest disk a device is, or sits on (walking `dmsetup deps` down, depth-limited). */
function guestBelow(ctx: StorageContext, g: Graph, name: string): GuestDisk | null {
  const seen = new Set<string>();
  let level = [name];
  for (let depth = 0; depth < 8 && level.length > 0; depth++) {
    const nextLevel: string[] = [];
    for (const n of level) {
      if (seen.has(n)) continue;
      seen.add(n);
      const hit = g.guest.get(n);
      if (hit) return hit;
      for (const dev of ctx.deps.get(n) ?? []) {
        const below = g.byDevno.get(dev);
        if (below) nextLevel.push(below);
      }
    }
    level = nextLevel;
  }
  return null;
}

/** PV path as lvm prints it → DM name (`/dev/mapper/X`, `/dev/dm-N`, `/dev/VG/LV`). */
function pvToDm(g: Graph, pv: string): string | null {
  let m = /^\/dev\/mapper\/(.+)$/.exec(pv);
  if (m) return m[1];
  m = /^\/dev\/(dm-\d+)$/.exec(pv);
  if (m) return g.byKname.get(m[1]) ?? null;
  m = /^\/dev\/([^/]+)\/([^/]+)$/.exec(pv);
  if (m) return buildDmName(m[1], m[2]);
  return null;
}

export function classifyHostUse(ctx: StorageContext): StorageFinding[] {
  const g = buildGraph(ctx);
  const res: StorageFinding[] = [];
  const guestOf = (vmid: number) => ctx.guests.find((x) => x.vmid === vmid);
  const label = (vmid: number) => `${guestOf(vmid)?.type === 'lxc' ? 'CT' : 'VM'} ${vmid}`;
  const sev = (vmid: number): 'critical' | 'warning' => (ctx.running.has(vmid) ? 'critical' : 'warning');
  const state = (vmid: number) =>
    ctx.running.has(vmid)
      ? 'The guest is running: two systems now write the same disk without knowing of each other, which corrupts it.'
      : 'The guest is stopped: starting it (or migrating, backing up or removing the disk) while the host still uses the disk corrupts it or fails.';
  const lvmFix = lvmFilterAdvice(ctx);

  // 1. File systems of guest disks mounted on the host.
  const { mounts } = parseMountInfo(ctx.mountinfo);
  const mountedDevs = new Set<string>();
  for (const m of mounts) {
    const dev = g.byDevno.get(m.majorMinor);
    if (!dev) continue;
    const disk = guestBelow(ctx, g, dev);
    if (!disk) continue;
    // PVE mounts container volumes itself under /var/lib/lxc/<vmid>/ (pct mount, the CT's rootfs).
    if (guestOf(disk.vmid)?.type === 'lxc' && m.target.startsWith(`/var/lib/lxc/${disk.vmid}/`)) continue;
    mountedDevs.add(dev);
    res.push({
      id: `host-mount:${m.target}`,
      kind: 'host-mount',
      severity: sev(disk.vmid),
      title: `${dev === disk.name ? 'Disk' : 'A partition or volume on disk'} ${disk.vg}/${disk.lv} of ${label(disk.vmid)} is mounted on the host at ${m.target}`,
      detail: `${m.source} (${m.fstype}) is mounted at ${m.target}. ${state(disk.vmid)}`,
      fix: [
        `umount ${m.target}`,
        ...(dev !== disk.name && parseDmUuid(infoUuid(ctx, dev)).kind === 'part'
          ? [`kpartx -d /dev/${disk.vg}/${disk.lv}`]
          : []),
      ],
      subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv, device: dev },
    });
  }

  // 2. DM devices the host stacked on guest disks: guest VGs' LVs, dm-crypt, kpartx partitions.
  const hostVgs = new Map<string, { disk: ReturnType<typeof guestBelow>; lvs: string[] }>();
  for (const d of ctx.info) {
    if (g.guest.has(d.name)) continue;
    const below = (ctx.deps.get(d.name) ?? []).map((x) => g.byDevno.get(x)).filter((x): x is string => Boolean(x));
    const disk = below.map((b) => guestBelow(ctx, g, b)).find(Boolean) ?? null;
    if (!disk) continue;
    const u = parseDmUuid(d.uuid);
    const targets = (ctx.table.get(d.name) ?? []).map((s) => s.target);
    const subject = { vmid: disk.vmid, vg: disk.vg, lv: disk.lv, device: d.name };
    if (u.kind === 'lvm') {
      const n = splitDmName(d.name);
      if (n && !ctx.storages.some((s) => s.vg === n.vg)) {
        const e = hostVgs.get(n.vg) ?? { disk, lvs: [] };
        e.lvs.push(n.layer ? `${n.lv}-${n.layer}` : n.lv);
        hostVgs.set(n.vg, e);
      }
    } else if (u.kind === 'crypt' || targets.includes('crypt')) {
      res.push({
        id: `host-crypt:${d.name}`,
        kind: 'host-crypt',
        severity: sev(disk.vmid),
        title: `dm-crypt ${d.name} is open on disk ${disk.vg}/${disk.lv} of ${label(disk.vmid)}`,
        detail: `The host opened an encrypted volume of the guest disk. ${state(disk.vmid)}`,
        fix: ['# unmount whatever is mounted from it first', `cryptsetup close ${d.name}`],
        subject,
      });
    } else if (u.kind === 'part' && !mountedDevs.has(d.name) && d.open === 0) {
      res.push({
        id: `host-partition:${d.name}`,
        kind: 'host-partition-map',
        severity: ctx.running.has(disk.vmid) ? 'warning' : 'info',
        title: `Partition map ${d.name} of disk ${disk.vg}/${disk.lv} (${label(disk.vmid)}) is left on the host`,
        detail:
          'kpartx mapped the partitions of a guest disk on the host (to inspect or copy it). The host LVM and blkid scan these maps, and they keep the disk open, so it cannot be deactivated, migrated or removed.',
        fix: [`kpartx -d /dev/${disk.vg}/${disk.lv}`],
        subject,
      });
    }
  }
  for (const [vg, e] of hostVgs) {
    const disk = e.disk!;
    res.push({
      id: `host-lvm:${vg}`,
      kind: 'host-lvm',
      severity: sev(disk.vmid),
      title: `The host activated VG ${vg} from inside disk ${disk.vg}/${disk.lv} of ${label(disk.vmid)}`,
      detail: `The guest's own LVM volume group ${vg} (LVs ${e.lvs.join(', ')}) is active on the host. ${state(disk.vmid)}`,
      fix: [
        '# unmount anything mounted from it first',
        `vgchange -an ${vg}`,
        `# if lvm no longer finds the VG (it was found through scan_lvs or a kpartx map): vgchange -an --config devices/scan_lvs=1 ${vg}`,
        ...lvmFix,
      ],
      subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv },
    });
  }

  // 3. Guest VGs the host's LVM sees but has not activated (vgs lists a PV on a guest disk).
  for (const v of ctx.vgs) {
    if (hostVgs.has(v.name) || ctx.storages.some((s) => s.vg === v.name)) continue;
    const disk = v.pvs
      .map((pv) => pvToDm(g, pv))
      .map((n) => (n ? guestBelow(ctx, g, n) : null))
      .find(Boolean);
    if (!disk) continue;
    res.push({
      id: `host-sees-vg:${v.name}`,
      kind: 'host-sees-guest-vg',
      severity: 'warning',
      title: `The host LVM sees VG ${v.name} inside disk ${disk.vg}/${disk.lv} of ${label(disk.vmid)}`,
      detail: `lvm scans the guest disk and lists the guest's volume group ${v.name} (PV ${v.pvs.join(', ')}). At the next boot or vgchange -ay the host activates it while the guest uses it.`,
      fix: lvmFix.length > 0 ? lvmFix : ['# add a global_filter in /etc/lvm/lvm.conf that rejects guest disks'],
      subject: { vmid: disk.vmid, vg: disk.vg, lv: disk.lv },
    });
  }

  // 4. lvm.conf: does the host LVM scan LVs (guest disks) at all?
  const conf = parseLvmConf(ctx.lvmConf ?? '');
  if (ctx.lvmConf !== null && conf.scanLvs) {
    const sample = ctx.lvs.find((l) => ctx.storages.some((s) => s.vg === l.vg) && GUEST_LV.test(l.name));
    if (sample && !filterRejects(conf, sample.vg, sample.name)) {
      res.push({
        id: 'lvm-scans-guest-disks',
        kind: 'lvm-filter',
        severity: 'warning',
        title: 'The host LVM scans guest disks (scan_lvs = 1 and no global_filter for them)',
        detail: `/etc/lvm/lvm.conf sets devices/scan_lvs = 1 and its filters accept guest disks such as /dev/${sample.vg}/${sample.name}: any guest that uses LVM inside its disk has its volume group found, and at boot activated, by the host.`,
        fix: lvmFix,
        subject: {},
      });
    }
  }
  return res;
}

function infoUuid(ctx: StorageContext, name: string): string {
  return ctx.info.find((d) => d.name === name)?.uuid ?? '';
}

export interface LvmConfFilters {
  scanLvs: boolean;
  globalFilter: string[] | null;
  filter: string[] | null;
}

/** Read a string array setting (`key = [ "a|x|", "r|y|" ]`, possibly over several lines). */
function arraySetting(text: string, key: string): string[] | null {
  const re = new RegExp(`^\\s*${key}\\s*=\\s*\\[`, 'm');
  const m = re.exec(text);
  if (!m) return null;
  const out: string[] = [];
  let i = m.index + m[0].length;
  while (i < text.length) {
    const c = text[i];
    if (c === ']') break;
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) break;
      out.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    i++;
  }
  return out;
}

// devices {
//     global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]
//     scan_lvs = 0
// }
/** The settings of lvm.conf that decide whether guest disks are scanned (comments dropped). */
export function parseLvmConf(text: string): LvmConfFilters {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  const scan = /^\s*scan_lvs\s*=\s*(\d+)/m.exec(clean);
  return {
    // lvm2 2.03 defaults to 0: LVs are never scanned for PVs unless this is set.
    scanLvs: scan ? scan[1] !== '0' : false,
    globalFilter: arraySetting(clean, 'global_filter'),
    filter: arraySetting(clean, 'filter'),
  };
}

/**
 * lvm2 regex filter semantics (filter-regex.c): for each name of the device the first matching
 * pattern counts; one accepting name accepts the device; otherwise a rejecting name rejects it.
 */
export function filterAccepts(patterns: string[], names: string[]): boolean {
  const compiled = patterns.flatMap((p) => {
    if (p.length < 3 || (p[0] !== 'a' && p[0] !== 'r')) return [];
    const delim = p[1];
    const end = p.lastIndexOf(delim);
    if (end <= 1) return [];
    try {
      return [{ accept: p[0] === 'a', re: new RegExp(p.slice(2, end)) }];
    } catch {
      return [];
    }
  });
  let rejected = false;
  for (const n of names) {
    const hit = compiled.find((c) => c.re.test(n));
    if (!hit) continue;
    if (hit.accept) return true;
    rejected = true;
  }
  return !rejected;
}

/** Does lvm.conf keep a guest LV (vg/lv) out of scanning? */
export function filterRejects(conf: LvmConfFilters, vg: string, lv: string): boolean {
  const dm = buildDmName(vg, lv);
  const names = [`/dev/mapper/${dm}`, `/dev/${vg}/${lv}`, `/dev/disk/by-id/dm-name-${dm}`];
  for (const f of [conf.globalFilter, conf.filter]) if (f && !filterAccepts(f, names)) return true;
  return false;
}

/** The global_filter line that keeps guest disks of this node's LVM storages out of host scanning. */
export function lvmFilterAdvice(ctx: StorageContext): string[] {
  const conf = parseLvmConf(ctx.lvmConf ?? '');
  const keep = conf.globalFilter ?? ['r|/dev/zd.*|', 'r|/dev/rbd.*|'];
  const add: string[] = [];
  for (const vg of [...new Set(ctx.storages.map((s) => s.vg))].sort()) {
    const q = vg.replace(/-/g, '--');
    for (const p of [`r|/dev/mapper/${q}-vm--.*|`, `r|/dev/mapper/${q}-base--.*|`]) if (!keep.includes(p)) add.push(p);
  }
  if (add.length === 0) return [];
  const patterns = [...add, ...keep].map((p) => `"${p}"`).join(', ');
  return [
    `# in the devices { } section of /etc/lvm/lvm.conf (keep rejects before any "a|.*|"):`,
    `# global_filter = [ ${patterns} ]`,
    'update-initramfs -u -k all',
  ];
}
