// A `zfs list` that lost whole lines (exit 0, every line whole) parses like a whole listing: no check of
// its text can tell. The node shows its datasets in two more places that do not pass through that pipe:
// each zvol's /dev/zvol link (udev's 60-zvol.rules, `zvol_id`) and each mounted filesystem in the mount
// table. A dataset shown there and not listed is asked for again, by name: listed now, the first listing
// was cut; "dataset does not exist", the link or mount outlived its dataset (udev removes a destroyed or
// renamed zvol's link a moment after `zfs destroy`/`zfs rename` returns). Pure.
import type { MountInfo } from '../parse/mountinfo';
import type { CommandOutput } from '../vocab/snapshot';

/** Shown-and-unlisted datasets: name → where the node shows it. */
export type ZfsUnlisted = Record<string, string>;

/** At most this many names go into the second `zfs list`; the rest are named as not checked. */
export const ZFS_RECHECK_MAX = 32;

/**
 * The dataset names of a `zfs list -H` output (its first column):
 * tank/pve/vm-100-disk-0	volume	34359738368	…
 */
export function zfsListedNames(stdout: string): Set<string> {
  const out = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    out.add(tab < 0 ? line : line.slice(0, tab));
  }
  return out;
}

/**
 * Datasets under `pools` that the node shows (a /dev/zvol link to a zd device, a zfs mount's source) and
 * `listed` lacks. Hidden datasets (`%recv` of a receive in progress) are never listed and never shown.
 */
export function zfsShownUnlisted(
  listed: ReadonlySet<string>,
  pools: readonly string[],
  shown: { zvolDevices: Record<string, string>; mounts: readonly MountInfo[] },
): ZfsUnlisted {
  const under = (name: string) => pools.some((p) => name === p || name.startsWith(`${p}/`));
  const out: ZfsUnlisted = {};
  const add = (name: string, where: string) => {
    if (!listed.has(name) && !name.includes('%') && under(name) && !(name in out)) out[name] = where;
  };
  for (const [name, kname] of Object.entries(shown.zvolDevices)) add(name, `its link /dev/zvol/${name} -> ${kname}`);
  for (const m of shown.mounts) if (m.fstype === 'zfs') add(m.source, `mounted at ${m.target}`);
  return out;
}

/** The second `zfs list`, of the first ZFS_RECHECK_MAX names only. */
export function zfsRecheckArgv(unlisted: ZfsUnlisted): string[] {
  return ['zfs', 'list', '-H', '-o', 'name', ...Object.keys(unlisted).slice(0, ZFS_RECHECK_MAX)];
}

/**
 * Why the listing is not whole, or null when every dataset the node shows was listed or is gone:
 * `recheck` is the second `zfs list` of the shown-and-unlisted names (absent when it was not run). zfs
 * lists the names it can open and says `cannot open 'X': dataset does not exist` for each that is gone.
 * One listing holds every pool: a dataset it left out, wherever, may have been any zfspool storage's.
 */
export function zfsListingGap(gap: { names: ZfsUnlisted; recheck?: CommandOutput } | undefined): string | null {
  if (!gap) return null;
  const names = Object.keys(gap.names);
  const r = gap.recheck;
  if (!r) return unsettled(gap.names, names, () => 'not asked again');
  // A line printed whole names a dataset that exists, even from a command cut short after it.
  const listedNow = zfsListedNames(r.stdout);
  const there = names.filter((n) => listedNow.has(n));
  if (there.length > 0)
    return `zfs list left out ${there[0]} (${gap.names[there[0]]}), which zfs lists when asked by name${
      there.length > 1 ? ` (and ${there.length - 1} more)` : ''
    }: the listing was cut short`;
  // libzfs's zfs_open: "cannot open '<name>'" and EZFS_NOENT's "dataset does not exist", a line each (LC_ALL=C).
  const said = new Set(r.stderr.split('\n'));
  // The names after the fixed words (a pool may be called `name`).
  const asked = new Set(r.argv.slice(zfsRecheckArgv({}).length));
  const left = names.filter((n) => !(asked.has(n) && said.has(`cannot open '${n}': dataset does not exist`)));
  return unsettled(gap.names, left, (n) =>
    asked.has(n)
      ? `asking for it again did not say: ${(r.stderr || r.message || 'no answer').trim().split('\n')[0]}`
      : `more than ${ZFS_RECHECK_MAX} such names, not asked again`,
  );
}

/** The first of the names whose being is not settled, with why and how many more; null when none is left. */
function unsettled(unlisted: ZfsUnlisted, left: string[], why: (name: string) => string): string | null {
  if (left.length === 0) return null;
  const n = left[0];
  return `zfs list left out ${n} (${unlisted[n]}) and whether it exists is unknown (${why(n)})${
    left.length > 1 ? `, and ${left.length - 1} more` : ''
  }: the listing may be cut short`;
}
