// A guest config that names no volume at all. PVE decodes it (guest-config-trust.ts: a 0-byte config is
// what a failed restore leaves — API2/Qemu.pm create_vm's error path removes the `create` lock from a
// config that held only it — and an admin may have emptied one with `: > 103.conf`), so the node is not
// UNKNOWN for it. But "no line names this disk" proves nothing about the disks of such a guest: the
// config that would name them is what is missing. Its VMID's volumes are protected, never planned. Pure.
import type { GuestConfig } from '../parse/guest-config';
import type { GuestRecord } from './guest-record';

/** The protection label (protectedBy) of a volume whose guest's config names no volume. */
export const NAMES_NOTHING = 'config-names-nothing';

/** True for a readable config that names no volume in any section (main, pending, snapshots). */
export function namesNothing(config: GuestConfig | null | undefined): boolean {
  return config != null && config.refs.length === 0;
}

/** Why, with the command that settles it (the config PVE shows; a disk line is added back with qm/pct set). */
export function namesNothingWhy(g: Pick<GuestRecord, 'vmid' | 'type' | 'node'>): string {
  const conf = `/etc/pve/nodes/${g.node}/${g.type === 'lxc' ? 'lxc' : 'qemu-server'}/${g.vmid}.conf`;
  return `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}'s config (${conf}) names no volume at all (a failed restore or an emptied file leaves that): no proof its disks are unused; see '${g.type === 'lxc' ? 'pct' : 'qm'} config ${g.vmid}'`;
}
