// Mount tables as the kernel prints them (/proc/<pid>/mountinfo) and recorded mounts-check data, for
// the classifier tests of container binds and symlinked storage paths.
import type { MountsRaw, ProbeResult } from '../../src/core/mounts/classify-mounts';

const GiB = 1024 ** 3;

/** A probe that worked: 10 of 100 GiB used. */
export const probeOk = (): ProbeResult => ({
  ok: true,
  error: null,
  ms: 3,
  at: '2026-01-01T00:00:00Z',
  totalBytes: 100 * GiB,
  usedBytes: 10 * GiB,
  availableBytes: 90 * GiB,
});

/** The same probe for each superblock. */
export const probesOk = (...keys: string[]): Record<string, ProbeResult> =>
  Object.fromEntries(keys.map((k) => [k, probeOk()]));

let id = 100;
/** 36 35 98:0 /mnt1 /mnt/parent rw,relatime shared:1 - ext3 /dev/root rw  (major:minor, root, target, type, source) */
export const mountLine = (mm: string, root: string, target: string, fstype: string, source: string) =>
  `${id++} 1 ${mm} ${root} ${target} rw,relatime shared:1 - ${fstype} ${source} rw`;

export function mountsRaw(storageCfg: string, p: Partial<MountsRaw>): MountsRaw {
  return {
    version: 1,
    gatheredAt: '2026-01-01T00:00:00Z',
    node: 'pve1',
    hostMountinfo: '',
    containers: [],
    storageCfg,
    ctConfigs: {},
    probes: {},
    stuckProbes: [],
    timeoutMs: 2000,
    warnings: [],
    ...p,
  };
}
