// The DM scan of the service runs in a child process (`pve-health dm --json` with the service's own
// --root/--config/--demo/--from). Analysing a node of a few hundred guests takes a CPU-bound
// fraction of a second; in the service process that would stall every request meanwhile, and its
// garbage would grow the long-lived heap. A child also contains a hang: `lvs` on a dead multipath
// device. If the child outlives its deadline (SIGKILL does not end a process in uninterruptible
// sleep), the next scan waits for it to end instead of starting a second one.
import { getPriority, setPriority } from 'node:os';
import { lastLine } from '../core/vocab/errors';
import type { CheckDocument } from '../core/vocab/types';
import type { Exec } from '../host/exec';

export interface ChildScanOptions {
  exec: Exec;
  /** Full argv of the child, e.g. [node, pve-health.cjs, 'dm', '--json', '--root', DIR]. */
  argv: string[];
  /** Hard deadline of one child; its process group is killed then. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** The part the child's document must hold (default dm). */
  part?: 'dm' | 'volumes';
  /**
   * The child's nice value (default SCAN_NICE), inherited by the tools it runs: a scan is background
   * work, like the timer's check (Nice=10), and must not take the CPU from the guests or from the
   * service's own answers. Measured under 20 concurrent clients at 400 guests: the requests that
   * arrived while a scan ran waited for its CPU. null: left as it is.
   */
  nice?: number | null;
}

export const SCAN_NICE = 10;

/** A scanner that resolves with the child's check document. Callers keep it single-flight. */
export function createChildScanner(opts: ChildScanOptions): () => Promise<CheckDocument> {
  // Resolves when the previous child has really ended (it may outlive its deadline).
  let previousEnded: Promise<void> = Promise.resolve();
  return async () => {
    await previousEnded;
    let ended!: () => void;
    previousEnded = new Promise<void>((r) => {
      ended = r;
    });
    let spawned = false;
    try {
      const r = await opts.exec(opts.argv, {
        timeoutMs: opts.timeoutMs,
        env: opts.env,
        // The dm command exits 1/2 for findings and 3 when it could not check (then maybe no JSON).
        okCodes: 'any',
        onSpawn: (pid) => {
          spawned = true;
          try {
            // Never raised above the service's own priority (a service started niced stays so).
            if (opts.nice !== null) setPriority(pid, Math.max(opts.nice ?? SCAN_NICE, getPriority(pid)));
          } catch {
            // Not permitted (a sandbox without it): the scan runs at the service's priority.
          }
        },
        onExit: () => ended(),
      });
      return parseChildDocument(r.stdout, r.stderr, r.code, opts.part);
    } finally {
      if (!spawned) ended();
    }
  };
}

export function parseChildDocument(
  stdout: string,
  stderr: string,
  code: number,
  part: 'dm' | 'volumes' = 'dm',
): CheckDocument {
  let doc: CheckDocument | null = null;
  try {
    doc = JSON.parse(stdout) as CheckDocument;
  } catch {
    doc = null;
  }
  if (!doc || typeof doc !== 'object' || !doc[part]) {
    throw new Error(lastLine(stderr) || `${part} scan exited ${code} without a result`);
  }
  return doc;
}
