// Same-target duplicates: two maps over one thin device or one set of extents, of which only the map
// lvs knows (its name and UUID) is the LV's; every other one is a duplicate of it.

import { type DmDevice, targetKeyOf } from '../node/dm-devices';
import type { DmEntry } from '../vocab/types';

/** Maps over the same thin device or the same extents: keep the one whose name and UUID match lvs. */
export function markSameTarget(devices: DmDevice[], byIndex: (DmEntry | undefined)[]): void {
  // Key → the index of its one device, or of each once a second shares it (most keys have one map: no
  // array for them).
  const groups = new Map<string, number | number[]>();
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    if (d.identity.kind === 'layer' || d.identity.kind === 'partition') continue;
    const key = targetKeyOf(d.segments);
    if (!key) continue;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, i);
    else if (typeof g === 'number') groups.set(key, [g, i]);
    else g.push(i);
  }
  groups.forEach((g) => {
    if (typeof g === 'number') return;
    const keeperAt = g.find((i) => devices[i].identity.kind === 'lv');
    if (keeperAt === undefined) return;
    const keeper = devices[keeperAt];
    const k = byIndex[keeperAt]!;
    for (const i of g) {
      if (i === keeperAt) continue;
      const e = byIndex[i]!;
      e.status = 'duplicate';
      e.reason = 'same-target';
      // The pool's major:minor and the thin id are in the entry's table (a detail): the words say what it means.
      e.detail = `a second map of the same disk as ${keeper.info.name} (the map LVM knows): two maps of one disk risk corruption`;
      if (e.vmid === null) {
        e.vmid = k.vmid;
        e.storage = k.storage;
        e.volume = k.volume;
        e.guestType = k.guestType;
        e.guestNode = k.guestNode;
      }
    }
  });
}
