// Undo a cleanup journal: same run lock, same PVE locks, same preconditions and fresh re-check as
// `clean`; the decisions are src/core/cleanup/plan-restore.ts. Parents before children (the reverse of the
// order they were removed in), each action journaled in a restore journal of its own.
import { statSync } from 'node:fs';
import {
  parsePvDevnos,
  parsePvSegments,
  parseThinIds,
  planUndo,
  type RestoreFacts,
  type UndoSource,
  type UndoStep,
} from '../core/cleanup/plan-restore';
import { segmentLine } from '../core/parse/parse-dmsetup';
import { shellQuote } from '../core/text/shell-quote';
import { devnoOfRdev } from '../core/vocab/devno';
import { CheckError } from '../core/vocab/errors';
import { type Host, hostPath } from '../host/host';
import {
  type ActOptions,
  type ActResult,
  confirmEach,
  regather,
  runJournaled,
  wasLocked,
  withActionLocks,
} from './action-steps';
import type { Analysis } from './analyze-host';
import type { JournalAction } from './journal';
import type { Answer } from './prompt';

export interface RestoreOutcome {
  action: { name: string; kind: string; command: string[] };
  result: ActResult;
  why?: string;
  stderr?: string;
}

export interface RestoreOptions extends ActOptions {
  journalPath: string;
  readWrite?: boolean;
  confirm: ((src: JournalAction, step: UndoStep & { ok: true }, i: number, n: number) => Promise<Answer>) | null;
  /** Whether the storage of an action is shared (from storage.cfg). */
  sharedStorages: Set<string>;
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
    return devnoOfRdev(statSync(hostPath(host, path), { bigint: true }).rdev);
  } catch {
    return null;
  }
}

export async function readRestoreFacts(host: Host, a: Analysis): Promise<RestoreFacts> {
  const { view } = a;
  if (view.lvm.lvs === null) throw new CheckError(`cannot restore without the LV list: ${view.lvm.lvsError}`);
  const dm = view.dm.info;
  // The same line form as the journal's `table` (DmEntry.table), so the two compare as written.
  const tables = new Map<string, string[]>();
  for (const [name, segs] of view.dm.tables) tables.set(name, segs.map(segmentLine));
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

/** What an undo of `src` is called in the outcomes (its command is known once it is planned). */
function labelOf(src: JournalAction): RestoreOutcome['action'] {
  return { name: src.name, kind: src.kind === 'dm-remove' ? 'dm-create' : 'lv-activate', command: [] };
}

export function applyRestore(sources: JournalAction[], o: RestoreOptions): Promise<RestoreOutcome[]> {
  const { confirm } = o;
  return confirmEach<JournalAction, RestoreOutcome>(sources, {
    ask: confirm
      ? async (src, i, n) => {
          // Ask from the state before locking; the decision is re-made under the locks.
          const pre = planUndo(src as UndoSource, await readRestoreFacts(o.host, await o.analyze()), {
            readWrite: o.readWrite,
          });
          if (!pre.ok) return { settled: { action: labelOf(src), result: 'skipped', why: pre.why } };
          return confirm(src, pre, i, n);
        }
      : null,
    declined: (src, why) => ({ action: labelOf(src), result: 'declined', why }),
    run: (src) => restoreOne(src, o),
    progress: { sink: o.progress, title: (src) => `undo ${src.name}: ${shellQuote(src.command)}`, outcome: (r) => r },
  });
}

async function restoreOne(src: JournalAction, o: RestoreOptions): Promise<RestoreOutcome> {
  const label = labelOf(src);
  const guests = src.vmid !== null ? [{ vmid: src.vmid, type: src.guestType }] : [];
  const storage = src.storage ? { id: src.storage, shared: o.sharedStorages.has(src.storage) } : null;
  const r = await withActionLocks(o.host, { guests, storage, waitMs: o.lockWaitMs }, async () => {
    const fresh = await regather(o, `restoring ${src.name}`);
    const step = planUndo(src as UndoSource, await readRestoreFacts(o.host, fresh), { readWrite: o.readWrite });
    if (!step.ok) {
      o.log?.(`skip ${src.name}: ${step.why}`);
      return { action: label, result: 'skipped', why: step.why } satisfies RestoreOutcome;
    }
    label.command = step.command;
    const entry = {
      ...src,
      kind: label.kind as JournalAction['kind'],
      command: step.command,
      undoes: { journal: o.journalPath, seq: src.seq },
    };
    return {
      action: label,
      ...(await runJournaled(o, entry, { input: step.input, timeoutMs: 60_000 })),
    } satisfies RestoreOutcome;
  });
  return wasLocked(r) ? { action: label, result: 'skipped', why: r.locked.message } : r;
}
