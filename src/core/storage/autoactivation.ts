// Shared-LVM autoactivation (docs/storage-health.md): a storage finding when guest LVs of a shared VG
// autoactivate, and UNKNOWN when the setting could not be read whole (never fail open).

import { getTwo } from '../node/two-keys';
import type { LvRow } from '../parse/parse-lvm';
import { shellQuote } from '../text/shell-quote';
import type { StorageFinding } from '../vocab/types';
import type { StorageContext } from './storage-context';

const GUEST_LV = /^(vm|base)-\d+-/;

/** The kind of the finding that makes the DM part UNKNOWN (analyze-node.ts): the setting could not be read. */
export const AUTOACTIVATION_UNCHECKED = 'autoactivation-unchecked';

/**
 * Shared LVM in a cluster with LV autoactivation on (the PVE 8 default): at boot every node
 * activates every LV, which leaves stale maps behind when guests move (bug #4997, facts §2).
 * The report is believed only whole: lvm2 older than 2.03.12 has no such field (`lvs` refuses it:
 * "Unrecognised field", lib/report/report.c) — then every LV autoactivates and that is said; any other
 * failure, a timeout, an unparseable report or one without a guest LV of a shared VG that `lvs` lists
 * (`lvs` reports every LV the VG metadata holds: the same VGs, the same LVs) leaves the check UNKNOWN,
 * never silently passed.
 */
export function classifyAutoactivation(ctx: StorageContext): StorageFinding[] {
  if (!ctx.clustered) return [];
  const shared = ctx.storages.filter((s) => s.type === 'lvm' && s.shared);
  if (shared.length === 0) return [];
  const vgs = [...new Set(shared.map((s) => s.vg))];
  if (!ctx.autoactivation && ctx.autoactivationFailure === null) {
    return [
      {
        id: 'autoactivation-unknown',
        kind: 'autoactivation-unknown',
        severity: 'info',
        title: 'LV autoactivation of shared LVM could not be read',
        detail: `\`lvs -o autoactivation\` does not know the field (lvm2 older than 2.03.12 has no such setting: then every LV of ${vgs.join(', ')} is activated at boot on every node).`,
        fix: [],
        subject: {},
      },
    ];
  }
  const auto = ctx.autoactivation;
  const lacking = auto ? ctx.lvs.filter((l) => guestLvIn(l, vgs) && getTwo(auto, l.vg, l.name) === undefined) : [];
  const why = ctx.autoactivation
    ? lacking.length
      ? `its report lacks ${lacking.length} guest LV${lacking.length === 1 ? '' : 's'} lvs lists (${lacking
          .slice(0, 3)
          .map((l) => `${l.vg}/${l.name}`)
          .join(', ')})`
      : null
    : ctx.autoactivationFailure;
  if (why)
    return [
      {
        id: AUTOACTIVATION_UNCHECKED,
        kind: AUTOACTIVATION_UNCHECKED,
        severity: 'info',
        title: 'LV autoactivation of shared LVM was not checked',
        detail: `lvs -o autoactivation could not be used (${why}): the autoactivation of shared VG ${vgs.join(', ')} was not checked`,
        fix: [],
        subject: {},
      },
    ];
  const res: StorageFinding[] = [];
  const vgsDone = new Set<string>();
  for (const s of shared) {
    if (vgsDone.has(s.vg)) continue;
    vgsDone.add(s.vg);
    const guestLvs = ctx.lvs.filter((l) => l.vg === s.vg && !l.hidden && GUEST_LV.test(l.name));
    const on = guestLvs.filter((l) => getTwo(ctx.autoactivation!, l.vg, l.name) === true);
    if (on.length === 0) continue;
    const activeElsewhere = on.filter((l) => {
      if (!l.active) return false;
      const vmid = Number(/^(?:vm|base)-(\d+)-/.exec(l.name)![1]);
      return !ctx.running.has(vmid);
    });
    res.push({
      id: `autoactivation:${s.vg}`,
      kind: 'shared-lvm-autoactivation',
      severity: 'warning',
      title: `${on.length} of ${guestLvs.length} guest LVs on shared storage ${s.id} have autoactivation on`,
      detail: `VG ${s.vg} is shared by the cluster. At boot every node activates every LV with autoactivation on, so each node holds maps of disks whose guests run elsewhere; after a migration or a disk change those maps go stale and the next "lvcreate" or disk move fails with "Device or resource busy" (Proxmox bug #4997). PVE 9 creates LVs with autoactivation off.${
        activeElsewhere.length > 0
          ? ` ${activeElsewhere.length} of them ${activeElsewhere.length === 1 ? 'is' : 'are'} active here while ${activeElsewhere.length === 1 ? 'its guest does' : 'their guests do'} not run here.`
          : ''
      }`,
      fix: [
        '/usr/share/pve-manager/migrations/pve-lvm-disable-autoactivation',
        '# run it on one node (the setting is in the shared VG metadata); or, per LV:',
        ...perLvCommands(s.vg, on),
      ],
      subject: { storage: s.id, vg: s.vg },
      values: { autoactivated: on.length, guestLvs: guestLvs.length, activeWithoutGuest: activeElsewhere.length },
    });
  }
  return res;
}

/** How many per-LV commands a fix lists before it counts the rest (the script above covers them all). */
const PER_LV_SHOWN = 10;

/** One copyable `lvchange --setautoactivation n VG/LV` per LV, never a placeholder to edit by hand. */
function perLvCommands(vg: string, lvs: LvRow[]): string[] {
  const shown = lvs
    .slice(0, PER_LV_SHOWN)
    .map((l) => shellQuote(['lvchange', '--setautoactivation', 'n', `${vg}/${l.name}`]));
  const rest = lvs.length - shown.length;
  return rest > 0 ? [...shown, `# and ${rest} more LVs of VG ${vg}: the script above covers every one`] : shown;
}

/** A guest's LV (not a hidden one) in one of `vgs`. */
function guestLvIn(l: LvRow, vgs: string[]): boolean {
  return vgs.includes(l.vg) && !l.hidden && GUEST_LV.test(l.name);
}
