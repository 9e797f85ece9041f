// Where the data comes from: a live node (under --root), a capture file (--from), or the bundled demo.
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { NodeView } from '../core/node/node-view';
import type { PveState } from '../core/node/pve-state';
import { CheckError } from '../core/vocab/errors';
import type { HostSnapshot } from '../core/vocab/snapshot';
import { gatherSnapshot } from './gather';
import type { Host } from './host';

export interface LoadedSnapshot {
  snap: HostSnapshot;
  /** "live", "demo" or "snapshot:<file>". */
  source: string;
  /** Only a live snapshot may ever be acted on. */
  live: boolean;
  /** The snapshot parsed (core/node/node-view.ts), set once by the first part that needs it (cli viewOf). */
  view?: NodeView;
  /** Its PVE state alone, for parts that need no more (volumes, the node name): cli pveStateOf. */
  pve?: PveState;
}

export function parseSnapshotFile(text: string, file: string): HostSnapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CheckError(`${file} is not a pve-health snapshot (not JSON: ${(e as Error).message})`);
  }
  const s = doc as HostSnapshot;
  if (
    s?.kind !== 'pve-health-snapshot' ||
    s.version !== 1 ||
    typeof s.files !== 'object' ||
    typeof s.commands !== 'object'
  ) {
    throw new CheckError(`${file} is not a pve-health snapshot (expected kind "pve-health-snapshot", version 1)`);
  }
  s.processes ??= [];
  s.sysDm ??= [];
  return s;
}

/** The bundled demo node (50 KB of data): loaded only when --demo asks for it. */
export async function demoSnapshot(): Promise<HostSnapshot> {
  const { default: demoNode } = await import('../../demo/demo-node.json');
  return structuredClone(demoNode as unknown as HostSnapshot);
}

/**
 * A capture's text. Captures are ASCII unless a config holds other characters: ASCII is read as latin1,
 * the same string without UTF-8 decoding (a third of the read for a capture of megabytes).
 */
function readSnapshotText(file: string): string {
  const buf = readFileSync(file);
  return isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
}

export async function loadSnapshot(
  host: Host,
  opts: { from?: string; demo?: boolean; timeoutMs?: number },
): Promise<LoadedSnapshot> {
  if (opts.demo && opts.from) throw new CheckError('use either --demo or --from, not both');
  if (opts.demo) return { snap: await demoSnapshot(), source: 'demo', live: false };
  if (opts.from) {
    let text: string;
    try {
      text = readSnapshotText(opts.from);
    } catch (e) {
      throw new CheckError(
        `cannot read snapshot ${opts.from}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    return { snap: parseSnapshotFile(text, opts.from), source: `snapshot:${opts.from}`, live: false };
  }
  if (host.root === '/' && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new CheckError('must run as root: dmsetup and lvs need it (or use --demo / --from FILE)');
  }
  const snap = await gatherSnapshot(host, { timeoutMs: opts.timeoutMs });
  const pveFiles = Object.keys(snap.files).some((p) => p.startsWith('/etc/pve/'));
  if (!pveFiles) {
    throw new CheckError(
      `no Proxmox VE cluster files under ${host.root === '/' ? '/etc/pve' : `${host.root}/etc/pve`}: is this a Proxmox VE node with pve-cluster running?`,
    );
  }
  return { snap, source: 'live', live: true };
}
