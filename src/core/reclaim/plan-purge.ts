// `reclaim --purge`: destroy what has been in quarantine longer than the retention, and finish the
// interrupted RBD removals PVE started (plan-removals.ts: due at once, nothing restores them); nothing
// else. Pure. A volume is purged only when it is in quarantine by the tool's own marker (quarantined.ts),
// the journals prove pve-health put it there (quarantine-proof.ts), its retention has passed at `now`, its storage is enabled and readable here, the node may act, and the
// storage-specific facts hold: an LV inactive and no origin of another LV (lvremove would take its
// snapshots with it), an RBD image in the trash (the quarantine finished), a ZFS dataset destroyed with
// its own snapshots only (`-r`, never `-R`: a clone elsewhere makes zfs refuse, not destroy it).

import type { PlanFilter } from '../cleanup/plan-cleanup';
import type { StorageConfig } from '../parse/storage-config';
import { compareText } from '../text/compare-text';
import { shellQuote } from '../text/shell-quote';
import { otherCopyCommand } from '../vocab/only-copy';
import { btrfsRawDir } from '../volumes/volume-storages';
import { namesUnlisted } from './names-unlisted';
import { listedByName, planReclaim, type ReclaimInput } from './plan-reclaim';
import { planRemovals } from './plan-removals';
import { placeRefusal } from './reclaim-rules';
import { lvUuidForm } from './reclaim-steps';
import type { QuarantinedVolume, ReclaimAction, ReclaimRefusal, ReclaimStep } from './reclaim-types';

export interface PurgePlan {
  actions: ReclaimAction[];
  refused: ReclaimRefusal[];
  quarantined: QuarantinedVolume[];
  retentionDays: number;
}

function matches(q: QuarantinedVolume, f: PlanFilter): boolean {
  if (f.all) return true;
  if (!(f.vmids?.length || f.names?.length)) return false;
  if (f.vmids?.length && (q.vmid === null || !f.vmids.includes(q.vmid))) return false;
  // An adopted trash entry also by the name the lists print (quarantined.ts withAdoptedNames).
  if (f.names?.length && !f.names.some((n) => n === q.volid || n === q.subject || n === q.onStorage || n === q.name))
    return false;
  return true;
}

export function planPurge(input: ReclaimInput, filter: PlanFilter = { all: true }): PurgePlan {
  const { quarantined } = planReclaim(input, { vmids: [], names: [] });
  const storages = new Map(input.storages.map((s) => [s.id, s]));
  const children = new Set((input.lvs ?? []).filter((l) => l.origin).map((l) => `${l.vg}/${l.origin}`));
  const unavailable = new Map(
    (input.volumes?.storages ?? []).filter((s) => s.status === 'unknown').map((s) => [s.storage, s.error ?? 'unknown']),
  );
  const lvNamedBy = lvsNamedAgain(input);
  const actions: ReclaimAction[] = [];
  const refused: ReclaimRefusal[] = [];
  for (const q of [...quarantined].sort((a, b) => compareText(a.volid, b.volid))) {
    if (!matches(q, filter)) continue;
    const st = storages.get(q.storage);
    const why = purgeRefusal(q, { st, input, unavailable, children, lvNamedBy });
    if (why) {
      refused.push({
        volid: q.volid,
        ...named(q),
        storage: q.storage,
        vmid: q.vmid,
        status: 'ignored',
        reason: 'quarantined',
        ...why,
      });
      continue;
    }
    actions.push(purgeAction(q, st!, input));
  }
  const removals = planRemovals(input, filter);
  const byRemoval = [...removals.actions, ...removals.refused];
  const taken = (n: string) =>
    quarantined.some((q) => matches(q, { names: [n] })) || byRemoval.some((x) => x.subject === n || x.volid === n);
  const unlisted = namesUnlisted(filter.names ?? [], {
    taken,
    live: filter.names?.length ? listedByName(input) : undefined,
  });
  return {
    actions: [...actions, ...removals.actions],
    refused: [...refused, ...removals.refused, ...unlisted],
    quarantined,
    retentionDays: input.retentionDays,
  };
}

/** Quarantined LVs (`<vg>/<lv>`) whose original name a guest config names again; null: the DM part was not checked. */
function lvsNamedAgain(input: ReclaimInput): Map<string, string[]> | null {
  if (!input.dm) return null;
  const out = new Map<string, string[]>();
  for (const e of input.dm)
    if (e.quarantineNamedBy?.length && e.vg && e.lv) out.set(`${e.vg}/${e.lv}`, e.quarantineNamedBy);
  return out;
}

function purgeRefusal(
  q: QuarantinedVolume,
  c: {
    st: StorageConfig | undefined;
    input: ReclaimInput;
    unavailable: Map<string, string>;
    children: Set<string>;
    lvNamedBy: Map<string, string[]> | null;
  },
): Pick<ReclaimRefusal, 'code' | 'why'> | null {
  if (c.input.nodeRefusals.length)
    return { code: 'node', why: `this node cannot act: ${c.input.nodeRefusals.join('; ')}` };
  // Named like a quarantine is no proof: only what the journals record pve-health put there is purged.
  if (q.notOurs) return { code: 'not-quarantined', why: `not quarantined by pve-health: ${q.notOurs}` };
  if (!q.due)
    return {
      code: 'not-due',
      why: `in quarantine since ${q.since}; the retention (${c.input.retentionDays} days) ends ${q.purgeAfter}`,
    };
  if (!c.st) return { code: 'not-a-volume', why: `storage ${q.storage} is not in storage.cfg` };
  const place = placeRefusal(c.st, c.input.node);
  if (place) return place;
  const un = c.unavailable.get(q.storage);
  if (un) return { code: 'storage-unavailable', why: `storage ${q.storage} could not be read: ${un}` };
  if (q.location.vg !== undefined) {
    // Who names its original name is the DM part's verdict (dm-quarantined.ts): without it, unknown.
    if (!c.lvNamedBy)
      return { code: 'unknown', why: `the device-mapper part could not be checked: who names ${q.volid} is unknown` };
    const named = c.lvNamedBy.get(`${q.location.vg}/${q.onStorage}`);
    if (named)
      return {
        code: 'protected',
        why: `${named.join(', ')} names ${q.volid}: restore it ('pve-health restore --list')`,
      };
    if (q.active) return { code: 'protected', why: `LV ${q.name} is active: something activated it; never removed so` };
    if (c.children.has(`${q.location.vg}/${q.onStorage}`))
      return { code: 'has-snapshots', why: `another LV has ${q.name} as origin` };
    if (c.st.shared) return { code: 'shared-lvm', why: `storage ${q.storage} is shared LVM` };
  }
  if (q.heldBy?.length) return { code: 'protected', why: `${q.name} is in use: ${q.heldBy.join(', ')}` };
  // A local storage's volume whose volume ID a config of another node names (plan-reclaim.ts withNamedElsewhere).
  const named = q.namedOn;
  if (named)
    return {
      code: 'only-copy',
      why: `${named.type === 'lxc' ? 'CT' : 'VM'} ${named.vmid}'s config on ${named.node} names ${q.volid}: unless ${named.node} has its own copy, this is the guest's only disk (HA recovery moves only the config); check there: ${shellQuote(otherCopyCommand(named.node, q.volid, named.vmid))}`,
    };
  if (q.location.snapshotOf !== undefined) return null;
  if (c.st.type === 'rbd' && !q.location.trashId)
    return {
      code: 'incomplete',
      why: `${q.name} is renamed but not in the Ceph trash (the quarantine did not finish): 'pve-health restore JOURNAL' or 'pve-health reclaim' again`,
    };
  return null;
}

/** `subject` beside `volid` where the volume ID does not name it alone (an adopted trash entry). */
const named = (q: QuarantinedVolume) => (q.subject ? { subject: q.subject } : {});

function purgeAction(q: QuarantinedVolume, st: StorageConfig, input: ReclaimInput): ReclaimAction {
  return {
    volid: q.volid,
    ...named(q),
    storage: st.id,
    storageType: st.type,
    shared: st.shared,
    vmid: q.vmid,
    guestType: null,
    status: 'ignored',
    reason: 'quarantined',
    why: `in quarantine since ${q.since}, past its retention (${input.retentionDays} days, ended ${q.purgeAfter})`,
    evidence: [`quarantined by pve-health under ${q.name} (the tool's own name)`],
    sizeBytes: q.sizeBytes,
    usedBytes: q.usedBytes,
    original: q.volid.slice(q.volid.indexOf(':') + 1),
    quarantine: q.onStorage,
    since: q.since,
    purgeAfter: q.purgeAfter,
    location: q.location,
    steps: [purgeStep(q, st, input)],
    guestLocks: q.vmid !== null ? [{ vmid: q.vmid, type: null }] : [],
  };
}

function purgeStep(q: QuarantinedVolume, st: StorageConfig, input: ReclaimInput): ReclaimStep {
  if (q.location.vg !== undefined)
    return {
      op: 'lv-remove',
      effect: `remove LV ${q.location.vg}/${q.onStorage} (irreversible)`,
      command: [
        'lvremove',
        '-y',
        '--select',
        `lv_uuid=${lvUuidForm(q.location.lvUuid ?? '')}`,
        `${q.location.vg}/${q.onStorage}`,
      ],
    };
  if (q.location.snapshotOf !== undefined) return snapshotPurgeStep(q, st, input);
  if (st.type === 'zfspool')
    return {
      op: 'zfs-destroy',
      effect: `destroy ${q.onStorage} and its snapshots (irreversible)`,
      command: ['zfs', 'destroy', '-r', q.onStorage],
    };
  if (st.type === 'rbd') {
    // The trash entry's expiry is the purge date of the retention when it was quarantined. The retention
    // of [reclaim] now decides (it is the admin's; this plan was shown and confirmed): when it is shorter
    // than the expiry, `--force` lifts that deferment and nothing else (ceph librbd api/Trash.cc remove:
    // `now < deferment_end_time && !force` → EPERM; snapshots and clones still refuse the removal).
    const early = q.trashProtectedUntil;
    return {
      op: 'rbd-trash-remove',
      effect: early
        ? `remove trash entry ${q.location.trashId} (${q.onStorage}) from the Ceph trash (irreversible); its expiry (${early}, the retention when it was quarantined) is later than the retention now (${input.retentionDays} days): --force lifts that deferment only`
        : `remove trash entry ${q.location.trashId} (${q.onStorage}) from the Ceph trash (irreversible)`,
      command: [...input.commands.rbd(st), 'trash', 'rm', ...(early ? ['--force'] : []), q.location.trashId ?? ''],
    };
  }
  // A btrfs raw disk's subvolume or a container's subvol: deleted as BTRFSPlugin.pm free_image does
  // (`btrfs subvolume delete --`; the kernel refuses one that holds subvolumes of its own, ENOTEMPTY).
  // Its `@snap` siblings were refused at quarantine (reclaim-rules.ts has-snapshots).
  const original = q.volid.slice(q.volid.indexOf(':') + 1);
  if (st.type === 'btrfs' && (q.onStorage.endsWith('.subvol') || isBtrfsRawDir(q.onStorage, original)))
    return {
      op: 'btrfs-subvolume-delete',
      effect: `delete the btrfs subvolume ${q.onStorage} and everything in it (irreversible)`,
      command: input.commands.removeSubvolume(q.onStorage),
    };
  // A container's subvol directory (a `.subvol` volume name: Plugin.pm parse_name_dir) and all in it.
  if (q.onStorage.endsWith('.subvol'))
    return {
      op: 'file-remove',
      effect: `remove the directory ${q.onStorage} and everything in it (irreversible; never into a filesystem mounted below it)`,
      command: input.commands.removeTree(q.onStorage),
    };
  return {
    op: 'file-remove',
    effect: `remove ${q.onStorage} (irreversible)`,
    command: input.commands.removeFile(q.onStorage),
  };
}

/**
 * A quarantined snapshot: destroyed alone, never its volume (ZFS `zfs destroy DS@SNAP` without `-r`/`-R`:
 * a clone made from it since makes zfs refuse; RBD `rbd snap rm IMG@SNAP`: a protected snapshot makes
 * rbd refuse). What PVE's volume_snapshot_delete runs (ZFSPoolPlugin.pm, RBDPlugin.pm).
 */
function snapshotPurgeStep(q: QuarantinedVolume, st: StorageConfig, input: ReclaimInput): ReclaimStep {
  if (st.type === 'zfspool')
    return {
      op: 'zfs-snapshot-destroy',
      effect: `destroy snapshot ${q.onStorage} (irreversible; its dataset stays)`,
      command: ['zfs', 'destroy', q.onStorage],
    };
  return {
    op: 'rbd-snapshot-remove',
    effect: `remove snapshot ${q.onStorage} (irreversible; its image stays)`,
    command: [...input.commands.rbd(st), 'snap', 'rm', q.onStorage],
  };
}

/** A btrfs raw disk quarantined as its subvolume: the volname ends `.raw`, its place does not (reclaim-steps.ts). */
function isBtrfsRawDir(onStorage: string, original: string): boolean {
  return btrfsRawDir(original, 'btrfs') !== null && !onStorage.endsWith('.raw');
}
