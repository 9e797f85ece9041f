// What an admin names a volume by, one form in every output (check, dashboard, metrics, acks' keys, the
// reclaim plan and its summary, the hints' `pve-health reclaim --name`) and what `--name` takes: the
// volume ID, narrowed for a storage snapshot (`VOLID@snap`) or a Ceph trash entry (`VOLID#trash:<id>`).
// A name can be in the trash twice and beside a live image of that name (librbd `trash mv` keeps the
// name; `rbd trash ls` tells the entries apart by their image id, ceph src/tools/rbd/action/Trash.cc),
// so the volume ID alone names the live image and only the trash ID names an entry. Pure.

/** `local-zfs:vm-100-disk-0`, `local-zfs:vm-100-disk-0@old`, `ceph-vm:vm-160-disk-0#trash:5e4a2d9c1b7f`. */
export function volumeSubject(e: { volid: string; snapshot?: string; trash?: { id: string } }): string {
  if (e.trash) return `${e.volid}#trash:${e.trash.id}`;
  return e.snapshot ? `${e.volid}@${e.snapshot}` : e.volid;
}

/**
 * What names an action, a refusal or a quarantined volume where it carries a subject (a Ceph trash
 * entry's `VOLID#trash:<id>`), else its volume ID.
 */
export const subjectOf = (x: { volid: string; subject?: string }): string => x.subject ?? x.volid;
