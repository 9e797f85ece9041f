// The optional parts of a check beside the DM analysis: mounts and system information. Live runs
// gather them (and keep the raw data in the snapshot, so `capture` and `--from` replay them);
// --from/--demo read what the snapshot recorded.

import { classifySnapshotMounts } from '../core/mounts/classify-mounts';
import type { MountsRaw } from '../core/mounts/mount-types';
import { mountsInputGap } from '../core/node/storage-gaps';
import { SYSTEM_EXTRA_KEY, type SystemInfo } from '../core/parse/system-info';
import type { Config } from '../core/vocab/config';
import { worstStatus } from '../core/vocab/status';
import type { MountsResult } from '../core/vocab/types';
import { VOLUMES_EXTRA_KEY, type VolumesRaw, type VolumesResult } from '../core/vocab/volume-types';
import { classifyVolumes, rbdWatchCandidates, unknownVolumes } from '../core/volumes/classify-volumes';
import { volumesInputOf } from '../core/volumes/volumes-input';
import type { Host } from '../host/host';
import type { LoadedSnapshot } from '../host/load-snapshot';
import { readSystemInfo } from '../host/read-system';
import { gatherVolumes } from '../host/read-volumes';
import { checkMounts } from './mounts-pipeline';
import { pveStateOf, viewOf } from './node-session';

export async function mountsPart(
  host: Host,
  config: Config,
  loaded: LoadedSnapshot,
  opts: { fresh?: boolean; timeoutMs: number },
): Promise<MountsResult | undefined> {
  const gap = viewOf(loaded).storageGap;
  if (!loaded.live) {
    const m = classifySnapshotMounts(loaded.snap, config);
    return m ? withMountsGap(m, gap ?? mountsInputGap(loaded.snap.extra?.mounts as MountsRaw)) : undefined;
  }
  try {
    const { raw, result } = await checkMounts(host, config, opts);
    loaded.snap.extra = { ...loaded.snap.extra, mounts: raw };
    return withMountsGap(result, gap ?? mountsInputGap(raw));
  } catch (e) {
    return { summary: {}, entries: [], status: 3, error: (e as Error).message };
  }
}

/**
 * The mounts part when what it read parses to less than the node has (core/node/storage-gaps.ts): UNKNOWN
 * with the reason (CRITICAL stays CRITICAL); the mounts it did see are kept.
 */
export function withMountsGap<T extends MountsResult>(m: T, gap: string | null): T {
  if (!gap || typeof m.error === 'string') return m;
  return { ...m, status: worstStatus(m.status, 3), error: gap };
}

export async function systemPart(host: Host, loaded: LoadedSnapshot): Promise<SystemInfo | undefined> {
  const recorded = loaded.snap.extra?.[SYSTEM_EXTRA_KEY] as SystemInfo | undefined;
  if (!loaded.live) return recorded;
  const info = await readSystemInfo(host);
  loaded.snap.extra = { ...loaded.snap.extra, [SYSTEM_EXTRA_KEY]: info };
  return info;
}

/**
 * Guest volumes on ZFS/RBD/file storages. Live: gathered now (and kept in the snapshot for capture);
 * --from/--demo: what the snapshot recorded. `required` (the `volumes` command): a snapshot without the
 * data gives an UNKNOWN part saying so; otherwise the part is left out (older captures).
 */
export async function volumesPart(
  host: Host,
  loaded: LoadedSnapshot,
  opts: { required?: boolean; timeoutMs?: number; mounts?: MountsResult } = {},
): Promise<VolumesResult | undefined> {
  const snap = loaded.snap;
  let raw = snap.extra?.[VOLUMES_EXTRA_KEY] as VolumesRaw | undefined;
  try {
    if (loaded.live) {
      const mountState = new Map(
        (opts.mounts?.entries ?? []).filter((m) => m.scope === 'host').map((m) => [m.target, m.status]),
      );
      const pve = pveStateOf(loaded);
      raw = await gatherVolumes(host, pve, {
        timeoutMs: opts.timeoutMs,
        mountState,
        rbdCandidates: (listed) => rbdWatchCandidates({ pve, raw: listed, processes: [] }),
      });
      snap.extra = { ...snap.extra, [VOLUMES_EXTRA_KEY]: raw };
    }
    const gap = viewOf(loaded).guestGap;
    if (gap) return unknownVolumes(gap);
    if (!raw)
      return opts.required
        ? unknownVolumes('the snapshot has no volume data (captured by an older version)')
        : undefined;
    return classifyVolumes(volumesInputOf(snap, pveStateOf(loaded), raw));
  } catch (e) {
    return unknownVolumes((e as Error).message);
  }
}
