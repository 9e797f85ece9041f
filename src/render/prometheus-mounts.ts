// The remote-mount families of the Prometheus text (prometheus.ts): counts by status, each mount's state,
// size, use and usage ratio.
import type { MountStatus, MountsResult } from '../core/vocab/types';
import type { Exposition, Labels } from './exposition';

const MOUNT_STATUSES: MountStatus[] = ['ok', 'stale', 'readonly', 'full', 'missing', 'unchecked', 'leftover'];

export function mountFamilies(x: Exposition, mounts: MountsResult): void {
  x.family(
    'pve_health_mounts',
    'Remote mounts by status.',
    MOUNT_STATUSES.map((st) => [{ status: st }, mounts.entries.filter((m) => m.status === st).length]),
  );
  // `mountpoint` is node_exporter's label for a path in the host's mount namespace, and only a host
  // mount has one: a container's mount lives in the container's namespace (its `target` is the path
  // inside it, often `/`), which node_exporter never sees. Giving it `mountpoint` would join a CT's "/"
  // to the host's root filesystem. Container mounts carry `scope="ct"`, `ctid` and `target` instead
  // (an empty label is an absent one in Prometheus).
  // A state label is added to the literal, not spread with it: on Node 18 and 20 `{ ...id(m), state }`
  // gives each of the mounts' state series a hidden class of its own, at every scan.
  const id = (m: (typeof mounts.entries)[number], state?: string): Labels => {
    const l: Labels = {
      scope: m.scope,
      ctid: m.ctid ?? '',
      target: m.target,
      mountpoint: m.scope === 'host' ? m.target : '',
      fstype: m.fstype,
      storage: m.storage ?? '',
    };
    if (state !== undefined) l.state = state;
    return l;
  };
  x.family(
    'pve_health_mount_state',
    'Remote mount state (1 for the current state, 0 for the others).',
    mounts.entries.flatMap((m) => MOUNT_STATUSES.map((st): [Labels, number] => [id(m, st), m.status === st ? 1 : 0])),
  );
  const bytes = (key: 'totalBytes' | 'usedBytes' | 'availableBytes') =>
    mounts.entries.filter((m) => typeof m[key] === 'number').map((m): [Labels, number] => [id(m), m[key] as number]);
  x.family('pve_health_mount_size_bytes', 'Size of the mounted filesystem.', bytes('totalBytes'));
  x.family('pve_health_mount_used_bytes', 'Used bytes of the mounted filesystem.', bytes('usedBytes'));
  x.family('pve_health_mount_avail_bytes', 'Bytes available to unprivileged users.', bytes('availableBytes'));
  x.family(
    'pve_health_mount_usage_ratio',
    'Used fraction of the mounted filesystem, 0 to 1.',
    mounts.entries
      .filter((m) => typeof m.usagePercent === 'number')
      .map((m) => [id(m), (m.usagePercent as number) / 100]),
  );
}
