// A PVE 9 volume-chain snapshot file that is a guest's current image (a file storage with
// `snapshot-as-volume-chain`): Plugin.pm volume_snapshot renames the current image `<vmid>/<volname>` to
// `<vmid>/snap-<snap>-<volname>` (rename_snapshot → rename(2); get_snap_name), then allocates a new
// `<volname>` backed by it; when that fails it renames it back, and when the rename back fails too (or the
// node dies between) the file the config names is gone and its data sits under the snapshot's name. The
// LVM twin is classify-dm-snapshot.ts chainCurrent. Such a file is the guest's disk (valid), critical
// while the guest cannot start from it, never an ignored name or a snapshot orphan. Pure.
import { describeRef, type RefHit } from '../dm/dm-references';
import type { StorageConfig } from '../parse/storage-config';
import { otherStep, setSteps } from '../vocab/next-step';
import type { VolumeEntry } from '../vocab/volume-types';
import type { VolumeContext } from './volume-context';
import type { ListedVolume } from './volume-storages';

/**
 * `<vmid>/snap-<snap>-<volname>.qcow2` (the listing found no `<volname>` in its directory) while a config
 * names `<vmid>/<volname>`: that volume, the snapshot name and who names it; null otherwise. Snapshot names
 * may contain '-': each split is tried, the first a config names wins.
 */
export function chainCurrentOf(
  st: StorageConfig,
  loc: string,
  v: ListedVolume,
  c: Pick<VolumeContext, 'pve' | 'refs'>,
): { vmid: number; volume: string; snapshot: string; hits: RefHit[] } | null {
  // Only such a file has this own name: the listing gives a chain snapshot whose volume is there that
  // volume's name, and a quarantined file its quarantine name (volume-storages.ts).
  const m = /^(\d+)\/snap-(.+\.qcow2)$/.exec(v.own);
  if (!m) return null;
  const rest = m[2];
  for (let i = rest.indexOf('-'); i > 0; i = rest.indexOf('-', i + 1)) {
    const volume = `${m[1]}/${rest.slice(i + 1)}`;
    // Local storage: only this node's configs name its volumes (facts §2).
    const hits = (c.refs.get(`${loc}|${volume}`) ?? []).filter((h) => st.shared || h.node === c.pve.node);
    if (hits.length > 0) return { vmid: Number(m[1]), volume, snapshot: rest.slice(0, i), hits };
  }
  return null;
}

/**
 * The verdict of a listed file: such a file is judged as the volume it holds (the one its config names:
 * references, locks, tasks, a running guest), then told as the current image under a snapshot's name,
 * with the look and PVE's own way back unless something protects it; any other file as `verdict` says.
 */
export function withChainCurrent(
  st: StorageConfig,
  loc: string,
  v: ListedVolume,
  o: { c: Pick<VolumeContext, 'pve' | 'refs'>; verdict: (v: ListedVolume) => VolumeEntry },
): VolumeEntry {
  const cur = chainCurrentOf(st, loc, v, o.c);
  if (!cur) return o.verdict(v);
  const e = o.verdict({ ...v, vmid: cur.vmid, own: cur.volume, format: 'qcow2' });
  e.reason = 'chain-current';
  // The verdict's own words are "referenced by …" (a file storage has no replication to add).
  e.detail = `volume-chain file ${v.own} is no snapshot of a volume in its directory, and ${e.storage}:${cur.volume}, which ${describeRef(cur.hits[0])} names, does not exist: snapshot '${cur.snapshot}' did not finish its rename (Plugin.pm volume_snapshot renames the current image to this name first, then allocates a new ${cur.volume}) and left the current image under this name; the guest will not start until it is renamed back, never remove it`;
  if (e.protected) return e;
  const path = v.devices[0];
  setSteps(e, [
    otherStep('look at its backing chain first', ['qemu-img', 'info', '--backing-chain', path]),
    otherStep('rename it back (what volume_snapshot does when the snapshot fails: rename_snapshot)', [
      'mv',
      '-n',
      '--',
      path,
      `${path.slice(0, path.length - v.own.length)}${cur.volume}`,
    ]),
  ]);
  return e;
}
