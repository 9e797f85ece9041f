// In-memory snapshots for the storage health tests: raw command outputs and files in, a HostSnapshot
// and an empty DM result out (tests that need DM entries add them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import type { DmResult } from '../../src/core/vocab/types';
import { withVmlist } from './vmlist';

/** Raw outputs recorded in the testbed (see its _about). */
export const testbed = JSON.parse(
  readFileSync(join('test', 'fixtures', 'storage', 'testbed-thin.json'), 'utf8'),
) as Record<string, string>;

export const LOCAL_LVM = 'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n';

export interface SnapOptions {
  /** Command key → stdout (exit 0), or a full output object. */
  commands?: Record<
    string,
    string | { stdout?: string; code?: number | null; error?: 'not-found' | 'timeout' | 'failed' }
  >;
  files?: Record<string, string>;
  node?: string;
  processes?: HostSnapshot['processes'];
}

export function snapshot(o: SnapOptions = {}): HostSnapshot {
  const node = o.node ?? 'pve1';
  const commands: HostSnapshot['commands'] = {};
  for (const [k, v] of Object.entries(o.commands ?? {})) {
    commands[k] =
      typeof v === 'string'
        ? { argv: [k], code: 0, stdout: v, stderr: '' }
        : {
            argv: [k],
            code: v.code === undefined ? 0 : v.code,
            stdout: v.stdout ?? '',
            stderr: '',
            ...(v.error ? { error: v.error } : {}),
          };
  }
  return {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2026-11-20T10:00:00.000Z',
    hostname: node,
    toolVersion: 'test',
    redacted: false,
    files: withVmlist({
      '/etc/pve/.members': `{\n"nodename": "${node}",\n"version": 0\n}\n`,
      '/etc/pve/storage.cfg': LOCAL_LVM,
      ...(o.files ?? {}),
    }),
    commands,
    processes: o.processes ?? [],
    sysDm: [],
  };
}

/**
 * A `dmsetup table` that agrees with a `dmsetup info` text (a linear segment per counted segment), for
 * tests about other things: every command checks that the dmsetup lists agree (view-consistency.ts).
 */
export function tableFor(infoText: string): string {
  const lines: string[] = [];
  for (const l of infoText.split('\n')) {
    const f = l.split('\t');
    if (f.length < 9) continue;
    const n = Number(f[7]) || 0;
    if (n === 0) lines.push(`${f[0]}: `);
    for (let i = 0; i < n; i++) lines.push(`${f[0]}: ${i * 2048} 2048 linear 8:0 ${i * 2048}`);
  }
  return `${lines.join('\n')}\n`;
}

export function emptyDm(over: Partial<DmResult> = {}): DmResult {
  return {
    summary: {
      total: 0,
      valid: 0,
      duplicate: 0,
      orphan: 0,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      score: 100,
      grade: 'A+',
    },
    entries: [],
    guests: [],
    vmidReuse: { nextVmid: null, upcoming: [], collisions: [], leftovers: [], messages: [] },
    warnings: [],
    status: 0,
    ...over,
  };
}

/** `lvs -a --reportformat json` text from rows (only the fields given). */
export function lvsJson(rows: Record<string, string>[]): string {
  return JSON.stringify({ report: [{ lv: rows }] });
}

export function vgsJson(rows: Record<string, string>[]): string {
  return JSON.stringify({ report: [{ vg: rows }] });
}
