// The words of a finding: what each reason code and mount state means to an admin, the word a
// finding is tagged with, and a mount's label. One vocabulary for every output form (text, nagios,
// checkmk, mail, dashboard); the status words themselves are status.ts's.

import type { KnownGuests } from '../node/guest-index';
import { STATUS_WORD } from '../vocab/status';
import type { MountEntry, Status } from '../vocab/types';
import type { VolumeReason } from '../vocab/volume-types';

/** A finding's tag: its state's word, or PENDING when a running PVE operation explains it. */
export function findingWord(f: { pending: boolean; severity: Status }): string {
  return f.pending ? 'PENDING' : STATUS_WORD[f.severity];
}

/** The tag monitoring long output prints: an acknowledged finding says so ("ACK CRITICAL"). */
export function findingTag(f: { pending: boolean; severity: Status; acknowledged: unknown }): string {
  return !f.pending && f.acknowledged ? `ACK ${STATUS_WORD[f.severity]}` : findingWord(f);
}

const REASON_TEXT: Partial<Record<VolumeReason, string>> = {
  referenced: 'referenced by a guest config',
  'guest-missing': 'its guest does not exist anywhere in the cluster',
  'guest-on-other-node': 'its guest lives on another node',
  'not-referenced': 'its guest exists but no config line references this volume',
  'snapshot-missing': 'a snapshot volume whose snapshot no longer exists',
  'lv-missing': 'a device-mapper map whose logical volume is gone from LVM',
  'inactive-leftover': 'an inactive logical volume that nothing references',
  'saferemove-leftover': 'a del- volume left behind by an interrupted saferemove',
  'stale-map': 'a map under an LV name that points at old extents (lvcreate will fail with "Device or resource busy")',
  renamed: 'a map of a current LV under an old name (it blocks activation of the new name)',
  'same-target': 'a map over extents that another device also maps (two writers)',
  'lvm-incomplete': 'LVM could not be read completely, so this cannot be decided safely',
  'vg-partial': 'its volume group is missing a physical volume',
  'vg-unknown': 'its volume group is not visible to LVM (filter?)',
  suspended: 'the map is suspended: I/O to it hangs',
  'no-table': 'the map has no live table',
  'error-target': 'the map has an error target: every I/O fails',
  'interrupted-removal': 'an rbd rm that did not finish: the image is still in the Ceph trash or the pool directory',
  'in-trash': 'an image in the Ceph trash: PVE lists it nowhere, it still takes its space',
  'in-trash-referenced': "a guest's disk in the Ceph trash that its config still names: the guest cannot start",
  'missing-referenced': "a volume a guest's config names that its storage does not have",
  'chain-current': "a guest's current image under a chain snapshot's name: the guest cannot start",
  'watchers-unread': 'whether a Ceph client has this image open could not be read (rbd status)',
  'loops-unread': 'whether a loop device is bound to this file could not be read (/sys/block/loopN/loop/backing_file)',
  'mounts-unread': "whether a container runs from this directory or dataset could not be read (the host's mount table)",
};

export function reasonText(reason: string): string {
  return REASON_TEXT[reason as VolumeReason] ?? reason.replace(/-/g, ' ');
}

export const MOUNT_TEXT: Record<string, string> = {
  stale: 'the mount does not answer (stale or hung)',
  readonly: 'the mount is read-only but should be writable',
  full: 'the filesystem is nearly full',
  // PVE itself does not write into an unmounted storage (it refuses an is_mountpoint dir storage and
  // mounts NFS/CIFS before use); container bind mounts and other writers do.
  missing:
    'the storage is not mounted: PVE waits for it, but container bind mounts and other writers there write to the root disk',
  leftover:
    "a removed storage's network mount that stayed: nothing of PVE uses it, but anything still writing there writes to the server",
  'bind-outdated':
    "the container's bind mount does not show what the host has mounted at its source now: the container writes elsewhere",
};

export function mountLabel(m: MountEntry): string {
  return m.scope === 'ct' ? `CT ${m.ctid}:${m.target}` : m.target;
}

/**
 * The guests of a document in words, for a finding's second name: "VM 100 web01", "CT 110 dns1",
 * "VM 150 (no config)". What the parts' guest tables know (guest-index.ts knownGuests of the document).
 */
export function guestLabels(known: KnownGuests): (vmid: number, type: 'qemu' | 'lxc' | null) => string {
  return (vmid, type) => {
    const g = known.get(vmid);
    const t = (g?.type ?? type) === 'lxc' ? 'CT' : (g?.type ?? type) === 'qemu' ? 'VM' : 'guest';
    if (!g) return `${t} ${vmid}`;
    if (g.status === 'missing') return `VMID ${vmid} (no config)`;
    const name = /^(VM|CT) \d+$/.test(g.name) ? '' : ` ${g.name}`;
    return `${t} ${vmid}${name}${g.node !== '-' && g.status === 'unknown' ? ` on ${g.node}` : ''}`;
  };
}
