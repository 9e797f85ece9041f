// What a check could not see, in one list of lines ("volumes: ceph-vm:vm-151-disk-0: …"): the parts that
// failed as a whole (their error), the device-mapper part checked in part (what of it is unchecked), and
// the guest volumes that could not be decided. The notification's "Could not check:" and serve's /healthz
// say it in these same words. Pure.
import type { DmResult, MountsResult } from '../vocab/types';
import type { VolumesResult } from '../vocab/volume-types';
import { volumeSubject } from './finding-keys';

/** At most this many undecided volumes are named; the rest are counted. */
const NAMED_VOLUMES = 10;

export function couldNotCheck(parts: {
  dm?: DmResult | null;
  mounts?: MountsResult | null;
  volumes?: VolumesResult | null;
}): string[] {
  const { dm, mounts, volumes } = parts;
  const out: string[] = [];
  if (dm?.error) out.push(`device-mapper: ${dm.error}`);
  if (typeof mounts?.error === 'string') out.push(`mounts: ${mounts.error}`);
  if (volumes?.error) out.push(`volumes: ${volumes.error}`);
  // Partly checked: what of the device-mapper part is unknown (unchecked kernel state, an incomplete LVM view).
  if (dm && !dm.error && dm.status === 3) out.push(...(dm.unchecked ?? dm.warnings).map((w) => `device-mapper: ${w}`));
  // A mount table in part: the mounts that could not be checked.
  if (mounts && typeof mounts.error !== 'string' && mounts.status === 3)
    for (const m of mounts.entries.filter((e) => e.status === 'unchecked'))
      out.push(
        `mounts: ${m.scope === 'ct' ? `CT ${m.ctid} ` : ''}${m.target}: ${m.detail ?? m.error ?? 'not checked'}`,
      );
  // Partly checked volumes: the volumes that could not be decided (a config unreadable, RBD watchers unread).
  if (volumes && !volumes.error && volumes.status === 3) {
    const unknown = volumes.entries.filter((e) => e.status === 'unknown');
    out.push(...unknown.slice(0, NAMED_VOLUMES).map((e) => `volumes: ${volumeSubject(e)}: ${e.detail}`));
    if (unknown.length > NAMED_VOLUMES) out.push(`volumes: ${unknown.length - NAMED_VOLUMES} more volumes undecided`);
  }
  return out;
}
