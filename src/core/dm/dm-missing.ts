// LVs a config names that a whole `lvs` report does not show: the guest's missing disk, on the DM side as
// the volumes part shows a zvol or RBD image a whole listing lacks (volumes/volume-unlisted.ts). PVE finds an
// LVM volume by its name (LVMPlugin.pm / LvmThinPlugin.pm path: `/dev/<vg>/<name>`; activate_volume runs
// `lvchange -ay <vg>/<name>`), so a name lvs does not list is gone (`lvremove` or `pvesm free` by hand, a
// destroy cut between vdisk_free and destroy_config): `qm start` fails. lvs reads the VG's metadata
// whether or not its LVs are active, so an LV of a storage that is inactive, or of a VG not activated yet
// (PVE activates on start), is listed and never called missing here. Pure.
import type { GuestRecord } from '../node/guest-record';
import { buildDmName } from '../parse/dm-name';
import type { Task } from '../parse/pmxcfs';
import type { LvmStorage } from '../parse/storage-config';
import { otherStep, setSteps } from '../vocab/next-step';
import type { DmEntry } from '../vocab/types';
import type { ClassifyContext } from './dm-context';
import { newEntry } from './dm-entries';
import { describeRef, type RefHit } from './dm-references';

/** A drive of the main section the guest is started with (unusedN is not attached). */
export const blocksStart = (h: Pick<RefHit, 'ref'>) => h.ref.section === 'main' && !/^unused\d+$/.test(h.ref.key);

/**
 * A guest whose operation frees volumes its config still names: PVE frees first and rewrites the config
 * after (QemuServer.pm destroy_vm: vdisk_free of each drive, then destroy_config; AbstractConfig.pm
 * snapshot_delete: the vmstate and volume snapshots, then the section; move_vm_disk --delete). While such
 * an operation runs (a task of the guest) or its lock stands, a named volume that is gone is its doing.
 */
export function freeing(guests: Map<number, GuestRecord>, tasks: readonly Task[], vmid: number): boolean {
  if (guests.get(vmid)?.config?.lock) return true;
  const id = String(vmid);
  return tasks.some((t) => t.id === id);
}

/**
 * The references that count for a named volume a storage lacks: this node's configs (a shared storage:
 * the cluster's), not [PENDING] lines, not the volumes of a guest whose operation frees them, not a VM's
 * cloud-init drive (qemu-server Cloudinit.pm commit_cloudinit_disk allocates it again at every start when
 * volume_size_info finds none: its absence stops nothing).
 */
export function countedMissing(
  hits: readonly RefHit[],
  c: { shared: boolean; node: string; guests: Map<number, GuestRecord>; tasks: readonly Task[] },
): RefHit[] {
  return hits.filter(
    (h) =>
      !h.asBase &&
      !h.ref.cloudinit &&
      (c.shared || h.node === c.node) &&
      h.ref.section !== 'pending' &&
      !freeing(c.guests, c.tasks, h.vmid),
  );
}

/** The step of a missing disk: restore it or detach the line, after a look at the config. */
export function missingStep(first: Pick<RefHit, 'type' | 'vmid' | 'node'>) {
  return otherStep(
    `restore the disk from a backup, or detach the line from ${first.type === 'lxc' ? 'CT' : 'VM'} ${first.vmid}'s config (on ${first.node}); see it`,
    [first.type === 'lxc' ? 'pct' : 'qm', 'config', String(first.vmid)],
  );
}

/**
 * One entry (`valid`/`missing-referenced`, kind `lv`, no map) per LV the configs name on an LVM storage of
 * this node that lvs does not list, when lvs read that VG whole: lvs answered, vgs knows the VG and their
 * counts agree (lvm-view.ts gaps). A VG lvs/vgs do not show at all is not "the LV is gone" (its disk is
 * absent: the storage part says so). `taken` are `<storage>:<LV name>` another entry already explains: a volume-chain
 * snapshot LV holding the current image (chain-current), the quarantined LV a config names (restore it).
 */
export function missingReferencedLvs(
  ctx: Pick<ClassifyContext, 'lvm' | 'refs' | 'node' | 'guests' | 'tasks'>,
  storagesHere: readonly LvmStorage[],
  taken: ReadonlySet<string | null>,
): DmEntry[] {
  const { lvm } = ctx;
  // lvs is null exactly when it failed (lvsError). A storage.cfg not read whole never gets here: the part is
  // UNKNOWN for it (storage-gaps.ts), and an unreadable one defines no storage.
  if (!lvm.lvs) return [];
  const out: DmEntry[] = [];
  for (const st of storagesHere) {
    const byLv = ctx.refs.get(st.vg);
    if (!byLv || !lvm.vgByName.has(st.vg) || lvm.gaps.has(st.vg)) continue;
    const lvs = lvm.namesByVg.get(st.vg);
    // forEach, not for-of: every LV a config names, and no [key, value] pair nor iterator result for each.
    byLv.forEach((hits, lv) => {
      if (lvs?.has(lv)) return;
      const counted = countedMissing(
        hits.filter((h) => h.storage === st.id),
        { ...ctx, shared: st.shared },
      );
      if (counted.length === 0) return;
      const first = counted.filter(blocksStart)[0] ?? counted[0];
      // Every counted hit named this storage, so it has its volume ID (a clone's is `base-X/vm-Y`).
      const volume = `${st.id}:${first.ref.volid?.volname ?? lv}`;
      if (taken.has(`${st.id}:${lv}`)) return;
      out.push(missingEntry({ st, lv, volume, counted, first }));
    });
  }
  return out;
}

function missingEntry(o: { st: LvmStorage; lv: string; volume: string; counted: RefHit[]; first: RefHit }): DmEntry {
  const { st, lv, volume, counted, first } = o;
  const start = counted.some(blocksStart);
  const more = counted.length > 1 ? ` (+${counted.length - 1} more)` : '';
  const e = newEntry(buildDmName(st.vg, lv), {
    storage: st.id,
    vmid: first.vmid,
    volume,
    status: 'valid',
    reason: 'missing-referenced',
    detail: `${describeRef(first)}${more} names ${volume}, which storage ${st.id} does not have (lvs lists no LV ${st.vg}/${lv} and read VG ${st.vg} whole)${start ? ': the guest will not start' : ''}`,
    guestType: first.type,
    guestNode: first.node,
  });
  // An LV entry with no map, as dm-entries makes one for an LV lvs lists, but of an LV it does not list.
  e.vg = st.vg;
  e.lv = lv;
  e.active = false;
  e.kind = 'lv';
  e.guests = [
    ...new Map(counted.map((h) => [`${h.node}/${h.vmid}`, { vmid: h.vmid, type: h.type, node: h.node }])).values(),
  ];
  e.missing = { blocksStart: start };
  setSteps(e, [missingStep(first)]);
  return e;
}
