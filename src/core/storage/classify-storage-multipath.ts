// Multipath maps (paths per map from `dmsetup status`): the storage health rule that reads the kernel's
// own multipath status line.

import { parseMultipathFeatures, parseMultipathStatus } from '../parse/parse-dm-status';
import type { StorageFinding } from '../vocab/types';
import type { StorageContext } from './storage-context';

/** Multipath maps: paths per map; no active path (with queue_if_no_path: every I/O hangs). */
export function classifyMultipath(ctx: StorageContext): StorageFinding[] {
  const res: StorageFinding[] = [];
  for (const [name, segs] of ctx.status) {
    const seg = segs.find((s) => s.target === 'multipath');
    if (!seg) continue;
    const mp = parseMultipathStatus(seg.params);
    if (!mp) continue;
    const tseg = ctx.index.byName.get(name)?.segments.find((s) => s.target === 'multipath');
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
