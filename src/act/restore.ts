// Undo a cleanup journal: same run lock, same PVE locks, same preconditions and fresh re-check as
// `clean`; the decisions are src/core/cleanup/plan-restore.ts. Parents before children (the reverse of the
// order they were removed in), each action journaled in a restore journal of its own.
import { statSync } from 'node:fs';
import type { PveMountState } from '../core/cleanup/check-safety';
import { CheckError, LockedError } from '../core/errors';
import {
  parsePvDevnos,
  parsePvSegments,
  parseThinIds,
  planUndo,
  type RestoreFacts,
  type UndoSource,
  type UndoStep,
} from '../core/cleanup/plan-restore';
import { type Host, hostPath } from '../host/host';
import { type HeldLock, releaseAll, takeGuestLocks, takeStorageLock } from '../host/pve-lock';
import { type Analysis, assertSafe, RefusedError } from './apply-cleanup';
import type { Journal, JournalAction } from './journal';
import type { Answer } from './prompt';
import { shellQuote } from '../core/shell-quote';

export interface RestoreOutcome {
  action: { name: string; kind: string; command: string[] };
  result: 'done' | 'failed' | 'skipped' | 'declined';
  why?: string;
  stderr?: string;
}

export interface RestoreOptions {
  host: Host;
  journalPath: string;
  analyze: () => Promise<Analysis>;
  pveMount: () => PveMountState;
  journal: Journal;
  readWrite?: boolean;
  lockWaitMs?: number;
  confirm: ((src: JournalAction, step: UndoStep & { ok: true }, i: number, n: number) => Promise<Answer>) | null;
  /** Whether the storage of an action is shared (from storage.cfg). */
  sharedStorages: Set<string>;
  log?: (l: string) => void;
}

/** Journal entries that can be undone, in undo order (last removed first back is wrong: parents first). */
export function undoOrder(actions: readonly JournalAction[], names: string[]): JournalAction[] {
  const pick = actions.filter(
    (a) =>
      a.result === 'done' &&
      (a.kind === 'dm-remove' || a.kind === 'lv-deactivate') &&
      (names.length === 0 || names.some((n) => n === a.name || n === `${a.vg}/${a.lv}`)),
  );
  // Children were removed right before their parents: reversing gives parents before children.
  return [...pick].reverse();
}

function devnoOf(host: Host, path: string): string | null {
  try {
    const st = statSync(hostPath(host, path), { bigint: true });
    const dev = st.rdev;
    const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
    const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
    return `${major}:${minor}`;
  } catch {
    return null;
  }
}

export async function readRestoreFacts(host: Host, a: Analysis): Promise<RestoreFacts> {
  const { view } = a;
  if (view.lvm.lvs === null) throw new CheckError(`cannot restore without the LV list: ${view.lvm.lvsError}`);
  const dm = view.dm.info;
  const tables = new Map<string, string[]>();
  for (const [name, segs] of view.dm.tables) {
    tables.set(
      name,
      segs.map((s) => `${s.start} ${s.length} ${s.target} ${s.params}`.trim()),
    );
  }
  const lvs = view.lvm.lvs;
  const guestHome = new Map<number, string>();
  for (const g of view.pve.vmlist) guestHome.set(g.vmid, g.node);
  let extents: RestoreFacts['extents'] = null;
  let thin: RestoreFacts['thin'] = null;
  let extentsError: string | undefined;
  let pvDevnos: Set<string> | undefined;
  try {
    const seg = await host.exec(
      [
        'pvs',
        '--segments',
        '--units',
        's',
        '--nosuffix',
        '--reportformat',
        'json',
        '-o',
        'pv_name,pv_major,pv_minor,pe_start,pvseg_start,pvseg_size,vg_name,lv_name,vg_extent_size',
      ],
      { timeoutMs: 30_000 },
    );
    extents = parsePvSegments(seg.stdout, (p) => devnoOf(host, p));
    pvDevnos = parsePvDevnos(seg.stdout, (p) => devnoOf(host, p));
    const th = await host.exec(['lvs', '-a', '--reportformat', 'json', '-o', 'vg_name,lv_name,pool_lv,thin_id'], {
      timeoutMs: 30_000,
    });
    thin = parseThinIds(th.stdout);
  } catch (e) {
    extents = null;
    thin = null;
    extentsError = (e as Error).message;
  }
  return { dm, tables, lvs, extents, thin, pvDevnos, extentsError, guestHome };
}

export async function applyRestore(sources: JournalAction[], o: RestoreOptions): Promise<RestoreOutcome[]> {
  const out: RestoreOutcome[] = [];
  const log = o.log ?? (() => {});
  let yesToAll = o.confirm === null;
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i];
    const label = {
      name: src.name,
      kind: src.kind === 'dm-remove' ? 'dm-create' : 'lv-activate',
      command: [] as string[],
    };
    if (!yesToAll && o.confirm) {
      // Ask from the state before locking; the decision is re-made under the locks.
      const pre = planUndo(src as UndoSource, await readRestoreFacts(o.host, await o.analyze()), {
        readWrite: o.readWrite,
      });
      if (!pre.ok) {
        out.push({ action: label, result: 'skipped', why: pre.why });
        continue;
      }
      const ans = await o.confirm(src, pre, i, sources.length);
      if (ans === 'q') {
        for (const rest of sources.slice(i))
          out.push({ action: { ...label, name: rest.name }, result: 'declined', why: 'quit' });
        break;
      }
      if (ans === 'n') {
        out.push({ action: label, result: 'declined', why: 'answered no' });
        continue;
      }
      if (ans === 'a') yesToAll = true;
    }
    const locks: HeldLock[] = [];
    try {
      try {
        if (src.vmid !== null) locks.push(...(await takeGuestLocks(o.host, src.vmid, src.guestType, o.lockWaitMs)));
        if (src.storage)
          locks.push(await takeStorageLock(o.host, src.storage, o.sharedStorages.has(src.storage), o.lockWaitMs));
      } catch (e) {
        if (e instanceof LockedError) {
          out.push({ action: label, result: 'skipped', why: e.message });
          continue;
        }
        throw e;
      }
      let fresh: Analysis;
      try {
        fresh = await o.analyze();
      } catch (e) {
        throw new RefusedError([
          { code: 'gather', message: `re-gather before restoring ${src.name} failed: ${(e as Error).message}` },
        ]);
      }
      assertSafe(fresh, o.pveMount());
      const step = planUndo(src as UndoSource, await readRestoreFacts(o.host, fresh), { readWrite: o.readWrite });
      if (!step.ok) {
        log(`skip ${src.name}: ${step.why}`);
        out.push({ action: label, result: 'skipped', why: step.why });
        continue;
      }
      label.command = step.command;
      const entry = o.journal.begin({
        ...src,
        kind: label.kind as JournalAction['kind'],
        command: step.command,
        undoes: { journal: o.journalPath, seq: src.seq },
      });
      log(`run: ${shellQuote(step.command)}`);
      const r = await o.host.exec(step.command, { okCodes: 'any', input: step.input, timeoutMs: 60_000 });
      const ok = r.code === 0;
      o.journal.finish(entry, {
        result: ok ? 'done' : 'failed',
        exitCode: r.code,
        stderr: r.stderr.trim() || undefined,
      });
      out.push(
        ok
          ? { action: label, result: 'done' }
          : { action: label, result: 'failed', why: `exit ${r.code}`, stderr: r.stderr.trim() },
      );
    } finally {
      releaseAll(locks);
    }
  }
  return out;
}
