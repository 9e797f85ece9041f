// The cleanup journal: one JSON file per run under <root>/var/lib/pve-health/journal/, written and
// fsynced BEFORE each action runs, updated with its result after. It holds what `restore` needs to
// undo an action (name, UUID, full table, LV identity) and what an admin needs to see what happened.
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Host, hostPath } from '../host/host';
import { assertPrivateDir, JOURNAL_DIR, type JournalAction, type JournalDoc } from '../host/read-journals';

// Readers and the journal's shape live with the host's readers (a report reads them without the executor).
export {
  JOURNAL_DIR,
  type JournalAction,
  type JournalDoc,
  type JournalListing,
  listJournals,
  type ReclaimRecord,
  readJournal,
} from '../host/read-journals';

export class Journal {
  readonly path: string;
  private doc: JournalDoc;
  private written = false;

  constructor(
    private host: Host,
    init: Omit<JournalDoc, 'kind' | 'version' | 'actions' | 'startedAt'>,
  ) {
    const now = host.now();
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    this.path = join(hostPath(host, JOURNAL_DIR), `${init.command}-${stamp}-${process.pid}.json`);
    this.doc = { kind: 'pve-health-journal', version: 1, ...init, startedAt: now.toISOString(), actions: [] };
  }

  /** true once at least one entry was written (the file exists). */
  get exists(): boolean {
    return this.written;
  }

  get actions(): readonly JournalAction[] {
    return this.doc.actions;
  }

  /** Record an action before it runs; the file is on disk (fsynced) when this returns. */
  begin(a: Omit<JournalAction, 'seq' | 'result' | 'startedAt'>): JournalAction {
    const entry: JournalAction = {
      ...a,
      seq: this.doc.actions.length + 1,
      result: 'started',
      startedAt: this.host.now().toISOString(),
    };
    this.doc.actions.push(entry);
    this.flush();
    return entry;
  }

  finish(entry: JournalAction, patch: Partial<Pick<JournalAction, 'result' | 'why' | 'exitCode' | 'stderr'>>): void {
    Object.assign(entry, patch, { endedAt: this.host.now().toISOString() });
    this.flush();
  }

  close(): void {
    if (!this.written) return;
    this.doc.endedAt = this.host.now().toISOString();
    this.flush();
  }

  /** Write to a temp file, fsync, rename over, fsync the directory: a crash leaves old or new, never half. */
  private flush(): void {
    const dir = hostPath(this.host, JOURNAL_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    assertPrivateDir(dir);
    const tmp = `${this.path}.tmp`;
    // Exclusive and without following a link: a file or symlink planted under that name is replaced,
    // never written through.
    try {
      unlinkSync(tmp);
    } catch {}
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${JSON.stringify(this.doc, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    this.written = true;
  }
}
