// Reading the cleanup and reclaim journals (<root>/var/lib/pve-health/journal/): what `restore`, the
// journal lists and the quarantine's recorded sizes read. Only a private directory of ours is believed, and
// only regular files in it that we own with mode 0600. Writing them is the executor's (act/journal.ts).
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CleanupKind } from '../core/cleanup/plan-cleanup';
import type { ReclaimRecord } from '../core/reclaim/reclaim-types';
import { CheckError } from '../core/vocab/errors';
import { type Host, hostPath } from './host';

export const JOURNAL_DIR = '/var/lib/pve-health/journal';

export type { ReclaimRecord };

export interface JournalAction {
  seq: number;
  kind: CleanupKind | 'lv-activate' | 'dm-create' | 'reclaim' | 'purge' | 'unquarantine';
  /** reclaim, purge and unquarantine steps: the volume and the step. */
  reclaim?: ReclaimRecord;
  name: string;
  uuid: string;
  majorMinor: string | null;
  /** `dmsetup table` lines of the device when it was acted on (without the name prefix). */
  table: string[];
  /** Read-only map (`dmsetup info` attr r). */
  readonly?: boolean;
  /** Identity of every device the table refers to (major:minor → DM name and UUID) at that time. */
  tableDevices?: Record<string, { name: string; uuid: string }>;
  vg: string | null;
  lv: string | null;
  lvUuid: string | null;
  /** lvm2 activation skip flag (attr k): restore needs `-K`. */
  activationSkip?: boolean;
  storage: string | null;
  vmid: number | null;
  guestType: 'qemu' | 'lxc' | null;
  /** Node the guest's config lived on when acted on (null: no guest anywhere). */
  guestNode: string | null;
  parent: string | null;
  status: string;
  reason: string;
  command: string[];
  result: 'started' | 'done' | 'failed' | 'skipped';
  why?: string;
  exitCode?: number | null;
  stderr?: string;
  startedAt: string;
  endedAt?: string;
  /** For restore runs: the journal and seq this undoes. */
  undoes?: { journal: string; seq: number };
}

export interface JournalDoc {
  kind: 'pve-health-journal';
  version: 1;
  command: 'clean' | 'restore' | 'reclaim';
  node: string;
  toolVersion: string;
  startedAt: string;
  endedAt?: string;
  actions: JournalAction[];
}

const uid = () => (typeof process.getuid === 'function' ? process.getuid() : 0);

/** The journal directory must be ours alone: a directory others can write to could hold their files. */
export function assertPrivateDir(dir: string): void {
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new CheckError(`${dir} is not a directory (a symlink?): refusing to use it`);
  if (st.uid !== uid()) throw new CheckError(`${dir} is owned by uid ${st.uid}, not by us: refusing to use it`);
  if (st.mode & 0o022)
    throw new CheckError(
      `${dir} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}): refusing to use it`,
    );
}

/**
 * Read a journal to undo it. Only journals the tool wrote are trusted: a regular file (not a symlink)
 * inside the journal directory of this root, owned by us, mode 0600 — a journal someone else could
 * write could make restore recreate any table over any device.
 */
export function readJournal(path: string, host?: Pick<Host, 'root'>): JournalDoc {
  let doc: JournalDoc;
  try {
    if (host) {
      const dir = hostPath(host, JOURNAL_DIR);
      assertPrivateDir(dir);
      const st = lstatSync(path);
      if (!st.isFile()) throw new Error('not a regular file (a symlink?)');
      if (realpathSync(dirname(path)) !== realpathSync(dir)) throw new Error(`not in the journal directory ${dir}`);
      if (st.uid !== uid()) throw new Error(`owned by uid ${st.uid}, not by us`);
      if (st.mode & 0o077) throw new Error(`mode ${(st.mode & 0o777).toString(8)}, not 600`);
    }
    // Non-blocking: a FIFO given as the journal opens at once (and is refused below) instead of waiting
    // for a writer.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
      doc = JSON.parse(readFileSync(fd, 'utf8')) as JournalDoc;
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (e instanceof CheckError) throw e;
    throw new CheckError(`cannot use journal ${path}: ${(e as Error).message}`);
  }
  if (doc?.kind !== 'pve-health-journal' || doc.version !== 1 || !Array.isArray(doc.actions)) {
    throw new CheckError(`${path} is not a pve-health journal`);
  }
  return doc;
}

/** One journal of this root's journal directory, as `restore --list` shows it. */
export interface JournalListing {
  path: string;
  /** The journal, or why it cannot be used (restore refuses it for the same reason). */
  doc: JournalDoc | null;
  error?: string;
}

/** The journals under <root>/var/lib/pve-health/journal, newest first (their names start with the run's time). */
export function listJournals(host: Pick<Host, 'root'>): { dir: string; journals: JournalListing[] } {
  const dir = hostPath(host, JOURNAL_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { dir, journals: [] };
    throw new CheckError(`cannot list ${dir}: ${(e as Error).message}`);
  }
  const journals = names.map((n): JournalListing => {
    const path = join(dir, n);
    try {
      return { path, doc: readJournal(path, host) };
    } catch (e) {
      return { path, doc: null, error: (e as Error).message };
    }
  });
  const at = (j: JournalListing) => j.doc?.startedAt ?? '';
  return { dir, journals: journals.sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0)) };
}
