// Ceph RBD beyond the listing, for the volumes part (read-volumes.ts): PVE's own rbd argv, the krbd maps
// sysfs shows, and `rbd status` of the images the core names (those that would otherwise be orphans),
// a few at a time within one deadline. Every call through the one exec helper (runCaptured).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { PveState } from '../core/node/pve-state';
import { type StorageConfig, storagesOnNode } from '../core/parse/storage-config';
import type { VolumesRaw } from '../core/vocab/volume-types';
import { rbdStatusKey } from '../core/volumes/volume-rbd';
import { type Host, hostPath } from './host';
import { pool } from './pool';
import { runCaptured } from './read-dm';

/**
 * PVE's own rbd argv (RBDPlugin.pm $rbd_cmd with CephConfig.pm ceph_connect_option): `-p POOL`,
 * `--namespace`, `-c` (a pveceph-managed cluster, no `monhost`: /etc/pve/ceph.conf; an external one: its
 * /etc/pve/priv/ceph/<storeid>.conf when there is one), `-m` (monhost, hostlist), `--auth_supported`
 * (cephx when the storage's keyring exists, else none), `-n client.<username|admin>` (always), `--keyring`
 * (when it exists), then the subcommand (default: the listing rbd_ls runs). The files are looked up and
 * passed under the host root, so a node seen through `--root` reaches its cluster with its own files.
 */
export function rbdArgv(
  host: Pick<Host, 'root'>,
  st: StorageConfig,
  sub: string[] = ['ls', '-l', '--format', 'json'],
): string[] {
  const argv = ['rbd', '-p', st.props.pool || 'rbd'];
  if (st.props.namespace !== undefined) argv.push('--namespace', st.props.namespace);
  const exists = (p: string): boolean => existsSync(hostPath(host, p));
  const external = st.props.monhost !== undefined;
  const ownConf = `/etc/pve/priv/ceph/${st.id}.conf`;
  const conf = !external ? '/etc/pve/ceph.conf' : exists(ownConf) ? ownConf : null;
  if (conf) argv.push('-c', hostPath(host, conf));
  if (external) argv.push('-m', monHostList(st.props.monhost ?? ''));
  const keyring = `/etc/pve/priv/ceph/${st.id}.keyring`;
  const hasKeyring = exists(keyring);
  argv.push('--auth_supported', hasKeyring ? 'cephx' : 'none', '-n', `client.${st.props.username || 'admin'}`);
  if (hasKeyring) argv.push('--keyring', hostPath(host, keyring));
  return [...argv, ...sub];
}

/** CephConfig.pm hostlist(monhost, ','): split on blanks, commas and semicolons; a bare IPv6 in brackets. */
export function monHostList(monhost: string): string {
  return monhost
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((h) => (!h.startsWith('[') && (h.match(/:/g) ?? []).length > 1 ? `[${h}]` : h))
    .join(',');
}

/** Ceph RBD beyond `rbd ls -l`: the trash of every rbd storage (one call each, beside the listing). */
export const RBD_TRASH = ['trash', 'ls', '--all', '--long', '--format', 'json'];
/** Parallel `rbd status` calls at most: a node with many orphan candidates does not start hundreds of clients. */
const STATUS_PARALLEL = 4;

/** The RBD images whose watchers decide their verdict: the decision is the core's, handed in by the caller. */
export type RbdCandidates = (raw: VolumesRaw) => { storage: string; image: string }[];

/**
 * `rbd status` for each image the caller names (core rbdWatchCandidates: those that would otherwise be
 * orphans), STATUS_PARALLEL at a time, all within one deadline of `timeoutMs`: an image whose call
 * failed, timed out or was not reached by then stays without an answer and is UNKNOWN, never an orphan.
 */
export async function readRbdWatchers(
  host: Host,
  pve: PveState,
  raw: VolumesRaw,
  opts: { timeoutMs: number; candidates: RbdCandidates },
): Promise<void> {
  const { timeoutMs } = opts;
  const stores = new Map(storagesOnNode(pve.storageConfig, pve.node).map((s) => [s.id, s]));
  const todo = opts.candidates(raw);
  if (todo.length === 0) return;
  raw.rbdStatus = {};
  const status = raw.rbdStatus;
  const deadline = Date.now() + timeoutMs;
  await pool(todo, STATUS_PARALLEL, async (c) => {
    const st = stores.get(c.storage);
    const left = deadline - Date.now();
    if (!st || left <= 0) return;
    status[rbdStatusKey(c.storage, c.image)] = await runCaptured(
      host,
      rbdArgv(host, st, ['status', c.image, '--format', 'json']),
      left,
    );
  });
}

/**
 * krbd mappings from /sys/bus/rbd/devices/<N>/{pool,name,current_snap} (sysfs: never blocks on the
 * cluster): `pool/image` for every map of the image or of one of its snapshots, and `pool/image@snap`
 * for a snapshot's map.
 */
export function readRbdDevices(host: Host): Record<string, string> {
  const out: Record<string, string> = {};
  let ids: string[];
  try {
    ids = readdirSync(hostPath(host, '/sys/bus/rbd/devices'));
  } catch {
    return out;
  }
  for (const id of ids) {
    try {
      const pool = readFileSync(hostPath(host, `/sys/bus/rbd/devices/${id}/pool`), 'utf8').trim();
      const name = readFileSync(hostPath(host, `/sys/bus/rbd/devices/${id}/name`), 'utf8').trim();
      if (!/^\d+$/.test(id)) continue;
      out[`${pool}/${name}`] = `rbd${id}`;
      // A map of a snapshot (`rbd map IMG@SNAP`; pve-container's vzdump maps its `vzdump` snapshot so):
      // current_snap names it, `-` is the image itself (Linux drivers/block/rbd.c current_snap_show).
      const snap = readText(hostPath(host, `/sys/bus/rbd/devices/${id}/current_snap`));
      if (snap !== null && snap !== '-' && snap !== '') out[`${pool}/${name}@${snap}`] = `rbd${id}`;
    } catch {}
  }
  return out;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}
