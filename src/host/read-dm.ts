// Device-mapper and LVM state with a constant number of subprocesses, whatever the node size:
// dmsetup info -c / table / deps / status (in parallel), then lvs and vgs (after dmsetup, so a map
// created a moment ago is not mistaken for a map without LV). Raw outputs go into the snapshot.

import { DM_INFO_ARGV } from '../core/parse/parse-dmsetup';
import { LVS_FIELDS, VGS_FIELDS } from '../core/parse/parse-lvm';
import { AUTOACTIVATION_KEY } from '../core/storage/storage-context';
import { CommandError, CommandNotFoundError, TimeoutError } from '../core/vocab/errors';
import { COMMAND_KEYS, type CommandOutput } from '../core/vocab/snapshot';
import type { Host } from './host';

export const DM_COMMANDS: Record<string, string[]> = {
  [COMMAND_KEYS.dmInfo]: [...DM_INFO_ARGV],
  [COMMAND_KEYS.dmTable]: ['dmsetup', 'table'],
  [COMMAND_KEYS.dmDeps]: ['dmsetup', 'deps'],
  [COMMAND_KEYS.dmStatus]: ['dmsetup', 'status'],
};

export const LVM_COMMANDS: Record<string, string[]> = {
  [COMMAND_KEYS.lvs]: ['lvs', '-a', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', LVS_FIELDS.join(',')],
  [COMMAND_KEYS.vgs]: ['vgs', '--reportformat', 'json', '--units', 'b', '--nosuffix', '-o', VGS_FIELDS.join(',')],
  // Its own call: lvm2 older than 2.03.12 (PVE 7) rejects the field and would fail the main lvs.
  [AUTOACTIVATION_KEY]: ['lvs', '--reportformat', 'json', '-o', 'vg_name,lv_name,autoactivation'],
};

/**
 * Run one command (with `input` on its stdin) and keep whatever happened as data: the core decides what a
 * failure means.
 */
export async function runCaptured(
  host: Host,
  argv: string[],
  timeoutMs: number,
  input?: string,
): Promise<CommandOutput> {
  // LVM tools complain about leaked descriptors on stderr and read LVM_SYSTEM_DIR etc. from the
  // environment; a fixed locale keeps messages parseable. TZ=UTC: a tool that prints local time
  // (rbd trash ls: ctime) prints UTC, which the parser turns into the ISO every output uses.
  const env = { ...host.env, LC_ALL: 'C', TZ: 'UTC', LVM_SUPPRESS_FD_WARNINGS: '1' };
  try {
    const r = await host.exec(argv, { timeoutMs, input, okCodes: 'any', env });
    return { argv, code: r.code, stdout: r.stdout, stderr: r.stderr, ms: Math.round(r.ms) };
  } catch (e) {
    if (e instanceof CommandNotFoundError)
      return { argv, code: null, stdout: '', stderr: '', error: 'not-found', message: e.message };
    if (e instanceof TimeoutError)
      return { argv, code: null, stdout: '', stderr: '', error: 'timeout', message: e.message };
    if (e instanceof CommandError)
      return { argv, code: e.code, stdout: e.stdout, stderr: e.stderr, error: 'failed', message: e.message };
    return { argv, code: null, stdout: '', stderr: '', error: 'failed', message: (e as Error).message };
  }
}

export async function readDmCommands(host: Host, timeoutMs: number): Promise<Record<string, CommandOutput>> {
  const out: Record<string, CommandOutput> = {};
  await Promise.all(
    Object.entries(DM_COMMANDS).map(async ([k, argv]) => {
      out[k] = await runCaptured(host, argv, timeoutMs);
    }),
  );
  await Promise.all(
    Object.entries(LVM_COMMANDS).map(async ([k, argv]) => {
      out[k] = await runCaptured(host, argv, timeoutMs);
    }),
  );
  return out;
}
