// An unreferenced volume on shared storage whose guest's home is another node. That node may be running
// the guest, and a disk move under way there looks exactly like such a volume: qemu-server's `qm disk
// move` (API2/Qemu.pm move_vm_disk → QemuServer.pm clone_disk with a drive mirror) allocates the target
// first and writes it into the config only when the mirror is done; pve-container's `pct move-volume`
// copies before it updates the config. The task is in that node's own task list, and its kvm in that
// node's process table: this node reads neither (.vmlist says where a guest lives, not whether it runs),
// so the volume is protected with that reason and the command that settles it, for every storage. Pure.
import { shellQuote } from '../text/shell-quote';
import type { GuestRecord } from './guest-record';

/** The protection label (protectedBy). */
export const GUEST_ELSEWHERE = 'guest-elsewhere';

/** Why, with the command that shows that node's running tasks of the guest. */
export function guestElsewhereWhy(g: Pick<GuestRecord, 'vmid' | 'type' | 'node'>): string {
  const word = g.type === 'lxc' ? 'CT' : 'VM';
  const tasks = shellQuote(['pvesh', 'get', `/nodes/${g.node}/tasks`, '--vmid', String(g.vmid), '--source', 'active']);
  return `${word} ${g.vmid} lives on ${g.node}, which may be running it with a disk move under way (its new volume is named in the config only when the move ends): see its tasks there: ${tasks}`;
}
