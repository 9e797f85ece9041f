// Thin pools (usage, overcommit, kernel flags from `dmsetup status`) and multipath maps (paths per
// map): the storage health rules that read the kernel's own status lines.
import { fmtBytes, type StorageContext, THIN_DEFAULTS } from './storage-context';
import { buildDmName } from '../parse/dm-name';
import { parseMultipathFeatures, parseMultipathStatus, parseThinPoolStatus } from '../parse/parse-dm-status';
import type { DmSegment } from '../parse/parse-dmsetup';
import type { LvRow } from '../parse/parse-lvm';
import type { StorageFinding } from '../types';

const pct = (n: number) => `${n.toFixed(1)} %`;

function storageOf(ctx: StorageContext, vg: string, pool: string): string | undefined {
  return ctx.storages.find((s) => s.vg === vg && s.type === 'lvmthin' && s.thinpool === pool)?.id;
}

/** The status segment of a pool's thin-pool target: `-tpool` UUID, else the plain name of an unused pool. */
function poolStatus(ctx: StorageContext, lv: LvRow): DmSegment | null {
  const uuid = `LVM-${lv.vgUuid}${lv.uuid}-tpool`;
  const byUuid = ctx.info.find((d) => d.uuid === uuid)?.name;
  for (const name of [byUuid, buildDmName(lv.vg, lv.name, 'tpool'), buildDmName(lv.vg, lv.name)]) {
    const seg = name ? ctx.status.get(name)?.find((s) => s.target === 'thin-pool') : undefined;
    if (seg) return seg;
  }
  return null;
}

/** Thin pools: usage against thresholds, the kernel's pool flags, overcommit. */
export function classifyThinPools(ctx: StorageContext): StorageFinding[] {
  const dmc = ctx.config.dm ?? {};
  const t = {
    dataWarning: dmc.thin_data_warning ?? THIN_DEFAULTS.dataWarning,
    dataCritical: dmc.thin_data_critical ?? THIN_DEFAULTS.dataCritical,
    metaWarning: dmc.thin_meta_warning ?? THIN_DEFAULTS.metaWarning,
    metaCritical: dmc.thin_meta_critical ?? THIN_DEFAULTS.metaCritical,
    overcommit: dmc.thin_overcommit_warning ?? THIN_DEFAULTS.overcommitWarning,
  };
  const res: StorageFinding[] = [];
  for (const lv of ctx.lvs) {
    if (lv.segtype !== 'thin-pool' && !lv.attr.startsWith('t')) continue;
    const ref = `${lv.vg}/${lv.name}`;
    const storage = storageOf(ctx, lv.vg, lv.name);
    const subject = { vg: lv.vg, pool: lv.name, ...(storage ? { storage } : {}) };
    const what = `Thin pool ${ref}${storage ? ` (storage ${storage})` : ''}`;
    const size = lv.sizeBytes ?? 0;
    const vgFree = ctx.vgs.find((v) => v.name === lv.vg)?.freeBytes ?? 0;
    const seg = poolStatus(ctx, lv);
    const st = seg ? parseThinPoolStatus(seg.params) : null;
    const stopAll = `# stop (or move away) every guest on ${ref} first`;
    if (st?.failed) {
      res.push({
        id: `thin-failed:${ref}`,
        kind: 'thin-pool-failed',
        severity: 'critical',
        title: `${what} has failed`,
        detail: `The kernel reports "${st.text}" for the pool: it stopped all I/O after a metadata or device error. Every guest disk on it returns errors until the pool is repaired.`,
        fix: [
          stopAll,
          `lvchange -an ${ref}`,
          `lvconvert --repair ${ref}`,
          `lvchange -ay ${ref}`,
          '# then read dmesg for the error that failed the pool',
        ],
        subject,
      });
      continue;
    }
    const dataPct = st ? (100 * st.dataUsed) / Math.max(1, st.dataTotal) : lv.dataPercent;
    const metaPct = st ? (100 * st.metaUsed) / Math.max(1, st.metaTotal) : lv.metadataPercent;
    const values: Record<string, number> = { sizeBytes: size };
    if (dataPct !== null) values.dataPercent = Number(dataPct.toFixed(2));
    if (metaPct !== null) values.metadataPercent = Number(metaPct.toFixed(2));
    const extendData = (): string[] => {
      // Growth that brings data usage back under the warning threshold: whole GiB, or MiB for small pools.
      const used = ((dataPct ?? 0) / 100) * size;
      const need = Math.max(1, used / (t.dataWarning / 100) - size);
      const grow = need >= 2 ** 30 ? `${Math.ceil(need / 2 ** 30)}G` : `${Math.ceil(need / 2 ** 20)}M`;
      const growBytes = need >= 2 ** 30 ? Math.ceil(need / 2 ** 30) * 2 ** 30 : Math.ceil(need / 2 ** 20) * 2 ** 20;
      const free: string[] =
        vgFree >= growBytes
          ? [`lvextend -L +${grow} ${ref}`]
          : [
              `# VG ${lv.vg} has only ${fmtBytes(vgFree)} free: add a disk (pvcreate /dev/sdX; vgextend ${lv.vg} /dev/sdX) or free space`,
            ];
      return [
        ...free,
        '# free blocks the guests no longer use: enable discard on VM disks and run fstrim inside them; pct fstrim <ctid> for containers',
        `# remove snapshots that are no longer needed (qm delsnapshot / pct delsnapshot); lvs -o lv_name,origin,data_percent ${lv.vg}`,
      ];
    };
    const extendMeta = [`lvextend --poolmetadatasize +1G ${ref}`];
    if (st && st.mode === 'out_of_data_space') {
      res.push({
        id: `thin-full:${ref}`,
        kind: 'thin-pool-out-of-space',
        severity: 'critical',
        title: `${what} is out of data space`,
        detail: st.errorIfNoSpace
          ? 'Every block is used. The pool is set to error_if_no_space: writes to blocks not yet allocated fail at once, and guests see I/O errors (file systems remount read-only, databases stop).'
          : "Every block is used. The pool queues writes to blocks not yet allocated (queue_if_no_space): guests on it freeze, and after the kernel's no_space_timeout (60 s by default) the writes fail. Growing the pool within that time resumes them.",
        fix: extendData(),
        subject,
        values,
      });
    } else if (st && st.mode === 'ro') {
      const metaFull = metaPct !== null && metaPct >= 99;
      res.push({
        id: `thin-ro:${ref}`,
        kind: 'thin-pool-read-only',
        severity: 'critical',
        title: `${what} is read-only`,
        detail: metaFull
          ? 'The pool metadata is full, so the kernel switched the pool to read-only: no guest on it can write.'
          : 'The kernel switched the pool to read-only after a metadata error: no guest on it can write.',
        fix: metaFull
          ? [
              ...extendMeta,
              '# if the pool stays read-only:',
              stopAll,
              `lvchange -an ${ref}`,
              `lvconvert --repair ${ref}`,
            ]
          : [stopAll, `lvchange -an ${ref}`, `lvconvert --repair ${ref}`, `lvchange -ay ${ref}`],
        subject,
        values,
      });
    } else if (dataPct !== null && dataPct >= t.dataWarning) {
      const crit = dataPct >= t.dataCritical;
      res.push({
        id: `thin-data:${ref}`,
        kind: 'thin-pool-data',
        severity: crit ? 'critical' : 'warning',
        title: `${what} data is ${pct(dataPct)} full`,
        detail: `Data usage is above the ${crit ? 'critical' : 'warning'} threshold of ${crit ? t.dataCritical : t.dataWarning} %. When the pool is full, every guest on it freezes or gets write errors at the same time (the classic LVM-thin outage).`,
        fix: extendData(),
        subject,
        values,
      });
    }
    if (st?.mode !== 'ro' && metaPct !== null && metaPct >= t.metaWarning) {
      const crit = metaPct >= t.metaCritical;
      res.push({
        id: `thin-meta:${ref}`,
        kind: 'thin-pool-metadata',
        severity: crit ? 'critical' : 'warning',
        title: `${what} metadata is ${pct(metaPct)} full`,
        detail: `Metadata usage is above the ${crit ? 'critical' : 'warning'} threshold of ${crit ? t.metaCritical : t.metaWarning} %. Full metadata switches the pool read-only (every guest on it stops writing) and can damage the metadata; trimming guests does not free it.`,
        fix:
          vgFree >= 2 ** 30
            ? extendMeta
            : [`# VG ${lv.vg} has only ${fmtBytes(vgFree)} free: add a disk (vgextend), then`, ...extendMeta],
        subject,
        values,
      });
    }
    if (st?.needsCheck) {
      res.push({
        id: `thin-check:${ref}`,
        kind: 'thin-pool-needs-check',
        severity: 'critical',
        title: `${what} needs a metadata check`,
        detail:
          'The kernel flagged the pool metadata as needing a check (needs_check) after an error. The pool may refuse new thin volumes and snapshots; the check only runs while the pool is inactive.',
        fix: [
          stopAll,
          `lvchange -an ${ref}`,
          `lvchange -ay ${ref}`,
          `# activation runs thin_check; if it fails: lvconvert --repair ${ref}`,
        ],
        subject,
      });
    }
    if (st?.errorIfNoSpace && st.mode !== 'out_of_data_space') {
      res.push({
        id: `thin-error-if-no-space:${ref}`,
        kind: 'thin-pool-error-if-no-space',
        severity: 'info',
        title: `${what} fails writes at once when full`,
        detail:
          "The pool is set to error_if_no_space: when it fills, guests get write errors immediately instead of the kernel's grace period in which growing the pool resumes them.",
        fix: [`lvchange --errorwhenfull n ${ref}`],
        subject,
      });
    }
    // Overcommit: thin volumes (not snapshots, which only hold their changes) against the pool size.
    if (size > 0) {
      const thins = ctx.lvs.filter((x) => x.vg === lv.vg && x.pool === lv.name && x.segtype === 'thin' && !x.origin);
      const virtual = thins.reduce((s, x) => s + (x.sizeBytes ?? 0), 0);
      const ratio = (100 * virtual) / size;
      if (ratio > 100) {
        const warn = ratio > t.overcommit;
        res.push({
          id: `thin-overcommit:${ref}`,
          kind: 'thin-pool-overcommit',
          severity: warn ? 'warning' : 'info',
          title: `${what} is overcommitted to ${ratio.toFixed(0)} %`,
          detail: `${thins.length} thin volumes of ${fmtBytes(virtual)} in total sit on a ${fmtBytes(size)} pool. It fills before the guests fill their disks${warn ? `; above the configured ${t.overcommit} % a few busy guests are enough` : ''}. Watch data usage and keep free space in the VG to grow the pool.`,
          fix: warn
            ? [
                '# move disks to another storage (qm disk move / pct move-volume) or grow the pool',
                `lvextend -L +<size> ${ref}`,
              ]
            : [],
          subject,
          values: {
            ...values,
            virtualBytes: virtual,
            overcommitPercent: Number(ratio.toFixed(1)),
            thinVolumes: thins.length,
          },
        });
      }
    }
  }
  return res;
}

/** Multipath maps: paths per map; no active path (with queue_if_no_path: every I/O hangs). */
export function classifyMultipath(ctx: StorageContext): StorageFinding[] {
  const res: StorageFinding[] = [];
  for (const [name, segs] of ctx.status) {
    const seg = segs.find((s) => s.target === 'multipath');
    if (!seg) continue;
    const mp = parseMultipathStatus(seg.params);
    if (!mp) continue;
    const tseg = ctx.table.get(name)?.find((s) => s.target === 'multipath');
    const queue = tseg ? parseMultipathFeatures(tseg.params).queueIfNoPath : mp.queueing;
    const total = mp.activePaths + mp.failedPaths;
    const paths = mp.groups.flatMap((g) => g.paths.map((p) => `${p.dev} ${p.active ? 'active' : 'failed'}`)).join(', ');
    const values = { activePaths: mp.activePaths, failedPaths: mp.failedPaths };
    const subject = { device: name };
    const check = [
      `multipath -ll ${name}`,
      '# check the transport: iscsiadm -m session -P 1, or the FC/SAS links (dmesg)',
    ];
    if (mp.activePaths === 0) {
      res.push({
        id: `mpath-down:${name}`,
        kind: 'multipath-no-path',
        severity: 'critical',
        title: `Multipath map ${name} has no active path`,
        detail: `${total === 0 ? 'No paths' : `All ${total} paths failed (${paths})`}. ${
          queue
            ? `queue_if_no_path is set: every I/O to it waits, so guests on it hang, and so does any lvs/vgs that scans it${ctx.lvsTimedOut ? ' (this is likely why lvs timed out here)' : ''}. pve-health reports the map from dmsetup and does not probe it.`
            : 'I/O to it fails with errors.'
        }`,
        fix: queue
          ? [...check, `# to stop the hang (queued writes then fail): dmsetup message ${name} 0 fail_if_no_path`]
          : check,
        subject,
        values,
      });
    } else if (mp.failedPaths > 0) {
      res.push({
        id: `mpath-degraded:${name}`,
        kind: 'multipath-degraded',
        severity: 'warning',
        title: `Multipath map ${name}: ${mp.failedPaths} of ${total} paths failed`,
        detail: `Paths: ${paths}. The map still works, but one more failure ${queue ? 'freezes' : 'breaks'} every guest and VG on it.`,
        fix: check,
        subject,
        values,
      });
    } else {
      res.push({
        id: `mpath-ok:${name}`,
        kind: 'multipath-paths',
        severity: 'info',
        title: `Multipath map ${name}: ${mp.activePaths} of ${total} paths active`,
        detail: `Paths: ${paths}.${queue ? ' queue_if_no_path is set.' : ''}`,
        fix: [],
        subject,
        values,
      });
    }
  }
  return res;
}
