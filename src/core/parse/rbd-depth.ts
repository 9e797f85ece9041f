// What a Ceph pool says beyond `rbd ls -l`: images in the RBD trash, images `rbd ls -l` could not open
// (half removed), and the watchers of one image. Pure: text in, data out. Formats from ceph
// src/tools/rbd/action/Trash.cc (do_list), List.cc (do_list) and Status.cc (do_show_status); the JSON
// formatter `--format json` selects is compact (one line, no spaces). Trash dates are turned into ISO.
import { parseJson } from './volume-listing';

/** Where an image in the trash came from (librbd rbd_trash_image_source_t as Trash.cc names it). */
export type TrashSource = 'USER' | 'REMOVING' | 'MIGRATION' | 'MIRRORING' | string;

export interface RbdTrashEntry {
  id: string;
  name: string;
  source: TrashSource;
  /** When it was moved to the trash, as ISO ("2026-11-23T17:00:01.000Z"; rbd's own text if not ctime). */
  deletedAt: string | null;
  /** "protected until <ISO>" (deferment not over) or "expired at <ISO>"; the date as deletedAt's. */
  deferment: string | null;
  /** `--expires-at` still in the future: `rbd trash rm` refuses it without --force. */
  protectedUntil: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Thu Dec  3 00:21:48 2026
/**
 * A ctime(3) date as ISO, the one form of a time every output uses; null when the text is not one.
 * Trash.cc prints its dates with ctime(), in the local time of the rbd process: the host runs rbd with
 * TZ=UTC (host/read-dm.ts runCaptured), so the text is UTC.
 */
export function isoOfCtime(text: string): string | null {
  const m = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(
    text.trim(),
  );
  const month = m ? MONTHS.indexOf(m[1]) : -1;
  if (!m || month < 0) return null;
  const [day, h, min, sec, year] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  const t = new Date(Date.UTC(year, month, day, h, min, sec));
  // A day the month does not have (Feb 30) would roll over: not a date ctime printed.
  return t.getUTCDate() === day && h < 24 && min < 60 && sec < 61 ? t.toISOString() : null;
}

/**
 * `rbd trash ls --all --long --format json` (Trash.cc do_list, long form; --all keeps the images of
 * every source, not only USER):
 * [{"id":"5e4a2d9c1b7f","name":"vm-100-disk-1","source":"REMOVING","deleted_at":"Mon Nov 23 17:00:01 2026","status":"expired at Mon Nov 23 17:00:01 2026"}]
 * A clone carries "parent":{"pool":…,"pool_namespace":…,"image":…,"snapshot":…}. An empty trash prints
 * `[]`. A source this ceph version does not name prints "" (the switch in do_list has no case for it).
 */
export function parseRbdTrashList(text: string): RbdTrashEntry[] {
  const t = text.trim();
  if (!t) throw new Error('rbd trash ls: no output (an empty trash prints [])');
  const data = parseJson(t, 'rbd trash ls');
  if (!Array.isArray(data)) throw new Error('rbd trash ls: not a JSON array');
  return data.map((r: Record<string, unknown>) => {
    if (typeof r?.id !== 'string' || !r.id || typeof r.name !== 'string')
      throw new Error('rbd trash ls: an entry without "id" and "name"');
    const status =
      typeof r.status === 'string'
        ? r.status.replace(/^(protected until|expired at) (.*)$/, (_m, w, t) => `${w} ${isoOfCtime(t) ?? t}`)
        : null;
    return {
      id: r.id,
      name: r.name,
      source: typeof r.source === 'string' ? r.source : '',
      deletedAt: typeof r.deleted_at === 'string' ? (isoOfCtime(r.deleted_at) ?? r.deleted_at) : null,
      deferment: status,
      protectedUntil: status?.startsWith('protected until') ?? false,
    };
  });
}

/** An image `rbd ls -l` listed in the pool's directory but could not open, with librbd's error. */
export interface RbdOpenError {
  image: string;
  errno: number;
  message: string;
}

/**
 * The stderr of `rbd ls -l` (List.cc do_list): an image in the pool directory that cannot be opened is
 * left out of the JSON and named on stderr, and the command still exits 0 for ENOENT:
 *   rbd: error opening vm-100-disk-1: (2) No such file or directory
 *   rbd: error processing image vm-101-disk-0: (13) Permission denied
 * ENOENT is what an interrupted `rbd rm` leaves (its header object gone, its directory entry not yet).
 */
export function parseRbdListErrors(stderr: string): RbdOpenError[] {
  const out: RbdOpenError[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^rbd: error (?:opening|processing image) (\S+): \((\d+)\) (.*)$/.exec(line.trim());
    if (m && !out.some((e) => e.image === m[1])) out.push({ image: m[1], errno: Number(m[2]), message: m[3] });
  }
  return out;
}

export interface RbdWatcher {
  /** The client's address (`10.0.0.12:0/3714432183`, or `v1:…` on newer clusters): the node it runs on. */
  address: string;
  client: number | null;
}

/**
 * `rbd status POOL/IMAGE --format json` (Status.cc do_show_status; the image is opened read-only, which
 * registers no watch of its own):
 * {"watchers":[{"address":"10.0.0.12:0/3714432183","client":4211,"cookie":139771258128384}]}
 * An image under live migration adds "migration":{…}. No watcher: {"watchers":[]}.
 */
export function parseRbdStatus(text: string): RbdWatcher[] {
  const t = text.trim();
  if (!t) throw new Error('rbd status: no output');
  const data = parseJson(t, 'rbd status') as { watchers?: unknown };
  if (!data || typeof data !== 'object' || !Array.isArray(data.watchers))
    throw new Error('rbd status: no "watchers" list');
  return data.watchers.map((w: Record<string, unknown>) => {
    if (typeof w?.address !== 'string') throw new Error('rbd status: a watcher without "address"');
    return { address: w.address, client: typeof w.client === 'number' ? w.client : null };
  });
}
