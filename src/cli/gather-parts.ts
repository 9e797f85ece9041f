// The optional parts of a check beside the DM analysis: mounts and system information. Live runs
// gather them (and keep the raw data in the snapshot, so `capture` and `--from` replay them);
// --from/--demo read what the snapshot recorded.
import { classifyMounts, classifySnapshotMounts } from '../core/classify-mounts';
import type { Config } from '../core/config';
import { SYSTEM_EXTRA_KEY, type SystemInfo } from '../core/system-info';
import type { MountsResult } from '../core/types';
import type { Host } from '../host/host';
import type { LoadedSnapshot } from '../host/load-snapshot';
import { gatherMounts } from '../host/read-mounts';
import { readSystemInfo } from '../host/read-system';

export async function mountsPart(
  host: Host,
  config: Config,
  loaded: LoadedSnapshot,
  opts: { fresh?: boolean; timeoutMs?: number } = {},
): Promise<MountsResult | undefined> {
  if (!loaded.live) return classifySnapshotMounts(loaded.snap, config) ?? undefined;
  try {
    const raw = await gatherMounts(host, config, opts);
    loaded.snap.extra = { ...loaded.snap.extra, mounts: raw };
    return classifyMounts(raw, config);
  } catch (e) {
    return { summary: {}, entries: [], status: 3, error: (e as Error).message };
  }
}

export async function systemPart(host: Host, loaded: LoadedSnapshot): Promise<SystemInfo | undefined> {
  const recorded = loaded.snap.extra?.[SYSTEM_EXTRA_KEY] as SystemInfo | undefined;
  if (!loaded.live) return recorded;
  const info = await readSystemInfo(host);
  loaded.snap.extra = { ...loaded.snap.extra, [SYSTEM_EXTRA_KEY]: info };
  return info;
}
