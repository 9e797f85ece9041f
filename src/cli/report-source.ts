// Where `report` and `notify` get their CheckDocument: a fresh check (live, --from, --demo), or
// `--input FILE`, a document written earlier by `pve-health check --json` ("-" reads stdin).
import { readFileSync } from 'node:fs';
import type { SystemInfo } from '../core/parse/system-info';
import { CheckError } from '../core/vocab/errors';
import type { CheckDocument } from '../core/vocab/types';
import type { CommandContext } from './command';
import { mountsPart, systemPart, volumesPart } from './gather-parts';
import { mountTimeoutMs } from './mounts-pipeline';
import { dmPart, documentFor, loadFor, type Session } from './node-session';

export interface Sourced {
  doc: CheckDocument;
  system: SystemInfo | null;
  durationSeconds: number;
}

export function parseCheckDocument(text: string, file: string): CheckDocument {
  let v: CheckDocument;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CheckError(`${file}: not JSON: ${(e as Error).message}`);
  }
  if (v?.schemaVersion !== 1 || typeof v.node !== 'string' || ![0, 1, 2, 3].includes(v.status)) {
    throw new CheckError(`${file}: not a pve-health check document (run: pve-health check --json > FILE)`);
  }
  return v;
}

export async function sourceDocument(ctx: CommandContext<{ input: { type: 'string' } }>, s: Session): Promise<Sourced> {
  const started = performance.now();
  const input = ctx.values.input;
  if (input) {
    const text = input === '-' ? readFileSync(0, 'utf8') : readFileSync(input, 'utf8');
    const doc = parseCheckDocument(text, input === '-' ? 'stdin' : input);
    // A document made where no GUI address was set links through this node's setting.
    const guiUrl = doc.guiUrl ?? s.config.links?.pve_gui;
    return { doc: guiUrl ? { ...doc, guiUrl } : doc, system: null, durationSeconds: 0 };
  }
  const loaded = await loadFor(ctx, s);
  const dm = dmPart(loaded, s.config);
  const mounts = await mountsPart(s.host, s.config, loaded, { timeoutMs: mountTimeoutMs(s.host, s.config, undefined) });
  // The same parts as `check`: a report or a notification without the volumes would hide orphaned volumes.
  const volumes = await volumesPart(s.host, loaded, { mounts });
  const doc = documentFor(loaded, s.host, { dm, mounts, volumes }, { config: s.config });
  const system = (await systemPart(s.host, loaded)) ?? null;
  return { doc, system, durationSeconds: (performance.now() - started) / 1000 };
}
