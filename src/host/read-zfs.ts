// Gathering for the volumes part's ZFS storages: the one `zfs list` of every pool, each zvol's device
// (/dev/zvol links) and who holds it below its device (/sys), and what the node shows that the listing
// lacks, settled by asking zfs again (core/volumes/zfs-listing-gaps.ts).
import { readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { MountInfo } from '../core/parse/mountinfo';
import type { CommandOutput } from '../core/vocab/snapshot';
import type { VolumesRaw } from '../core/vocab/volume-types';
import { zfsListedNames, zfsRecheckArgv, zfsShownUnlisted } from '../core/volumes/zfs-listing-gaps';
import { type Host, hostPath } from './host';
import { runCaptured } from './read-dm';
import { readHostMounts } from './read-mounts';

/** /dev/zvol/<pool>/<name> -> ../../zdN links of the pools' zvols (for holders by fd). */
function readZvolDevices(host: Host, pools: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pool of pools) {
    let names: string[];
    try {
      names = readdirSync(hostPath(host, `/dev/zvol/${pool}`));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const t = readlinkSync(hostPath(host, `/dev/zvol/${pool}/${n}`));
        if (/^zd\d+$/.test(basename(t))) out[`${pool}/${n}`] = basename(t);
      } catch {}
    }
  }
  return out;
}

/**
 * Who uses each zvol below its own device: its partitions (/sys/block/zdN/zdNpK) and the holders in
 * /sys of the zvol and of each partition (a device-mapper map, an md array stacked on it). A process or a
 * mount on a partition holds the zvol as surely as one on the zvol itself.
 */
function readZvolUse(host: Host, knames: string[]): Record<string, { parts: string[]; holders: string[] }> {
  const out: Record<string, { parts: string[]; holders: string[] }> = {};
  const list = (p: string) => {
    try {
      return readdirSync(hostPath(host, p));
    } catch {
      return [];
    }
  };
  for (const k of knames) {
    const parts = list(`/sys/block/${k}`).filter((e) => e.startsWith(`${k}p`) && /^\d+$/.test(e.slice(k.length + 1)));
    const holders = [
      ...list(`/sys/block/${k}/holders`),
      ...parts.flatMap((p) => list(`/sys/block/${k}/${p}/holders`).map((h) => `${h} (on ${p})`)),
    ];
    if (parts.length || holders.length) out[k] = { parts, holders };
  }
  return out;
}

/**
 * The one `zfs list` of every pool, the zvols' devices, and what the node shows that the listing lacks
 * (zfs-listing-gaps.ts: a listing that lost whole lines looks whole). A zvol made or renamed while zfs
 * listed shows too: the pools are listed once more, and only what that listing still lacks is asked for by
 * name, for the core to tell a cut listing from a link that outlived its zvol.
 */
export async function readZfs(
  host: Host,
  raw: VolumesRaw,
  o: { argv: string[]; pools: string[]; allPools: string[]; timeoutMs: number; mounts: MountInfo[] | null },
): Promise<void> {
  // Unreadable, the mount table shows no mount: the zvol links still check the listing (the volumes part
  // names the unread mount table itself: classify-volumes.ts mountsGap).
  const look = (r: CommandOutput, mounts: MountInfo[] | null) => {
    const zvolDevices = readZvolDevices(host, o.allPools);
    const shown = { zvolDevices, mounts: mounts ?? [] };
    return { r, zvolDevices, names: r.error ? {} : zfsShownUnlisted(zfsListedNames(r.stdout), o.pools, shown) };
  };
  // The first look with the mount table gatherVolumes read; the second reads it again, as it reads the links.
  let seen = look(await runCaptured(host, o.argv, o.timeoutMs), o.mounts);
  if (Object.keys(seen.names).length > 0) {
    const again = look(await runCaptured(host, o.argv, o.timeoutMs), readHostMounts(host));
    if (!again.r.error) seen = again;
  }
  raw.zfs = seen.r;
  raw.zvolDevices = seen.zvolDevices;
  raw.zvolUse = readZvolUse(host, Object.values(seen.zvolDevices));
  if (Object.keys(seen.names).length > 0)
    raw.zfsUnlisted = { names: seen.names, recheck: await runCaptured(host, zfsRecheckArgv(seen.names), o.timeoutMs) };
}
