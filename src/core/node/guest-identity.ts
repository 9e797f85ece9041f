// Who a guest is, for every part's guest table and labels: name, node, state and lock, from the same
// PveState both the DM and the volumes part read. The DM part used to be the only source, so a node
// checked by `volumes` alone (or whose dmsetup failed) called every guest "(no config)". Pure.
import type { GuestIdentity } from '../vocab/status-types';
import type { PveState } from './pve-state';

/**
 * One guest as every table shows it; a VMID no config or .vmlist names is "missing". Its type is then
 * what its volumes say: `container` when one has the format `subvol` (only pve-container allocates
 * it: pve-storage Plugin.pm `parse_name_dir`/ZFSPoolPlugin.pm `parse_volname` give subvol- and
 * basevol- names the format subvol, and qemu-server's disks are raw, qcow2 or vmdk), else a VM.
 */
export function guestIdentity(pve: PveState, vmid: number, o: { container?: boolean } = {}): GuestIdentity {
  const g = pve.guests.get(vmid);
  return {
    vmid,
    type: g ? (g.type === 'lxc' ? 'lxc' : 'qemu') : o.container ? 'lxc' : 'qemu',
    name: g?.config?.name ?? (g ? (g.type === 'lxc' ? `CT ${vmid}` : `VM ${vmid}`) : '(no config)'),
    node: g?.node ?? '-',
    // Guests of other nodes are "unknown": we cannot see their processes.
    status: !g ? 'missing' : g.node !== pve.node ? 'unknown' : pve.running.has(vmid) ? 'running' : 'stopped',
    lock: g?.config?.lock ?? null,
    template: g?.config?.template ?? false,
  };
}

/** This node's guests and every other VMID a part names, by VMID; `containers`: VMIDs a subvol names. */
export function guestIdentities(
  pve: PveState,
  named: Iterable<number>,
  containers: ReadonlySet<number> = new Set(),
): GuestIdentity[] {
  const ids = new Set<number>(named);
  pve.guests.forEach((g) => {
    if (g.node === pve.node) ids.add(g.vmid);
  });
  return [...ids].sort((a, b) => a - b).map((vmid) => guestIdentity(pve, vmid, { container: containers.has(vmid) }));
}
