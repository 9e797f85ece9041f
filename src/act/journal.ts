// The cleanup journal: one JSON file per run under <root>/var/lib/pve-health/journal/, written and
// fsynced BEFORE each action runs, updated with its result after. It holds what `restore` needs to
// undo an action (name, UUID, full table, LV identity) and what an admin needs to see what happened.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CheckError } from '../core/errors';
import type { CleanupKind } from '../core/plan-cleanup';
import { type Host, hostPath } from '../host/host';

export const JOURNAL_DIR = '/var/lib/pve-health/journal';

export interface JournalAction {
  seq: number;
  kind: CleanupKind | 'lv-activate' | 'dm-create';
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
  command: 'clean' | 'restore';
  node: string;
  toolVersion: string;
  startedAt: string;
  endedAt?: string;
  actions: JournalAction[];
}

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
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
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

export function readJournal(path: string): JournalDoc {
  let doc: JournalDoc;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as JournalDoc;
  } catch (e) {
    throw new CheckError(`cannot read journal ${path}: ${(e as Error).message}`);
  }
  if (doc?.kind !== 'pve-health-journal' || doc.version !== 1 || !Array.isArray(doc.actions)) {
    throw new CheckError(`${path} is not a pve-health journal`);
  }
  return doc;
}
