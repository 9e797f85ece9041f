// `pve-health ack`: acknowledge (silence) a finding with a reason and an expiry, list and remove
// acknowledgements. The decision is src/core/findings/acks.ts; the file is src/host/acks-file.ts.

import { type Ack, isExpired, parseDuration, planAck, removeAck } from '../../core/findings/acks';
import { FINDING_KEY } from '../../core/findings/finding-keys';
import { type Finding, listFindings } from '../../core/findings/findings';
import { CheckError, UsageError } from '../../core/vocab/errors';
import { STATUS_WORD } from '../../core/vocab/status';
import type { Status } from '../../core/vocab/types';
import { ACKS_PATH, acksFile, readAckFile, writeAckFile } from '../../host/acks-file';
import { renderAckable } from '../../render/ack-text';
import { renderTable } from '../../render/text';
import { wrapText } from '../../render/wrap';
import { type CommandContext, defineCommand } from '../command';
import { mountsPart, volumesPart } from '../gather-parts';
import { mountTimeoutMs } from '../mounts-pipeline';
import { dmPart, documentFor, loadFor, openSession, type Session } from '../node-session';
import type { OptionSpec } from '../options';

const ACK_OPTIONS = {
  for: { type: 'string' },
  reason: { type: 'string' },
  list: { type: 'boolean' },
  remove: { type: 'string' },
  keys: { type: 'boolean' },
} as const satisfies OptionSpec;

export const ackCommand = defineCommand({
  name: 'ack',
  usage: 'ack [KEY --for DURATION --reason TEXT] [--list] [--remove KEY] [--keys] [--root DIR | --from FILE | --demo]',
  globals: ['root', 'from', 'demo', 'format', 'json', 'config'],
  examples: [
    'ack   # the findings with their keys',
    "ack dm:orphan:guest-missing:local-lvm:vm-150-disk-0 \\\n      --for 7d --reason 'kept for the audit'",
    "ack 'mount:missing:host::/mnt/usb-backup' \\\n      --for 2w --reason 'disk at repair, ticket 4711'",
    'ack --list',
    'ack --remove dm:orphan:guest-missing:local-lvm:vm-150-disk-0',
  ],
  help: `Without arguments, checks the node and lists its findings with their keys.
An acknowledged finding is shown in every output (text, JSON "acknowledged", nagios, checkmk,
prometheus, dashboard) but does not count in the status or the exit code, and sends no notification,
until it expires or changes: the key names its status and reason, and a finding that gets worse is
no longer acknowledged. A part that could not be checked (UNKNOWN) can never be acknowledged.
Stored in /var/lib/pve-health/acks.json (mode 0600).
Options:
  --for DURATION    How long: 30m, 12h, 7d, 2w (at most 366 days)
  --reason TEXT     Why (shown beside the finding)
  --list            The stored acknowledgements, with their expiry
  --remove KEY      Delete an acknowledgement (the finding counts again)
  --keys            Only the keys, one per line: of the findings that can be acknowledged, or with
                    --list of the stored acknowledgements (for scripts and the shell completion)`,
  positionals: 1,
  options: ACK_OPTIONS,
  async run(ctx) {
    const s = openSession(ctx);
    const key = ctx.positionals[0];
    const remove = ctx.values.remove;
    if ([key !== undefined, Boolean(ctx.values.list), remove !== undefined].filter(Boolean).length > 1)
      throw new UsageError('give one of: a KEY to acknowledge, --list, --remove KEY');
    if (key === undefined && (ctx.values.for !== undefined || ctx.values.reason !== undefined))
      throw new UsageError('--for and --reason go with a KEY: pve-health ack KEY --for 7d --reason "…"');
    if (ctx.values.keys && (key !== undefined || remove !== undefined))
      throw new UsageError('--keys lists keys: use it alone (findings) or with --list (acknowledgements)');
    if (ctx.values.list) return list(ctx, s);
    if ((key !== undefined || remove !== undefined) && (ctx.global.demo || ctx.global.from) && ctx.global.root === '/')
      throw new UsageError(
        `with ${ctx.global.demo ? '--demo' : '--from'}, an acknowledgement is stored under --root DIR, never in this machine's ${ACKS_PATH}: e.g. pve-health ack ${ctx.global.demo ? '--demo' : '--from FILE'} --root /tmp/pve-health-demo KEY --for 7d --reason "…" (and check with the same --root)`,
      );
    if (remove !== undefined) {
      const { file, error } = readAckFile(s.host);
      if (error) throw cannotChange(error);
      const r = removeAck(file, remove);
      if (!r.removed) throw new UsageError(`no acknowledgement has the key '${remove}' (see: pve-health ack --list)`);
      writeAckFile(s.host, r.file);
      ctx.io.out(`Removed the acknowledgement of ${remove}: it counts again from the next check.\n`);
      return 0;
    }
    const findings = await currentFindings(ctx, s);
    if (ctx.values.keys) return printKeys(ctx, ackableKeys(findings));
    if (key === undefined) return showFindings(ctx, findings);
    return acknowledge(ctx, s, findings, key);
  },
});

async function currentFindings(ctx: CommandContext<typeof ACK_OPTIONS>, s: Session): Promise<Finding[]> {
  const loaded = await loadFor(ctx, s);
  const dm = dmPart(loaded, s.config);
  const mounts = await mountsPart(s.host, s.config, loaded, { timeoutMs: mountTimeoutMs(s.host, s.config, undefined) });
  // Orphaned guest volumes are findings like orphaned LVs: the dashboard offers their ack command too.
  const volumes = await volumesPart(s.host, loaded, { mounts });
  return listFindings(documentFor(loaded, s.host, { dm, mounts, volumes })).filter((f) => !f.pending);
}

function acknowledge(ctx: CommandContext<typeof ACK_OPTIONS>, s: Session, findings: Finding[], key: string): number {
  if (!FINDING_KEY.test(key)) throw new UsageError(`'${key}' is not a finding key (pve-health ack lists them)`);
  const durationText = ctx.values.for;
  const reason = ctx.values.reason;
  if (!durationText || !reason?.trim())
    throw new UsageError('an acknowledgement needs --for DURATION and --reason TEXT (it must expire and say why)');
  let durationMs: number;
  try {
    durationMs = parseDuration(durationText);
  } catch (e) {
    throw new UsageError(`--for: ${(e as Error).message}`);
  }
  // A DM finding is also found by its DM-name key (the key of earlier versions).
  const finding = findings.find((f) => f.key === key) ?? findings.find((f) => f.aliases.includes(key));
  if (!finding) throw new UsageError(`no current finding has the key '${key}' (pve-health ack lists them)`);
  const { file, error } = readAckFile(s.host);
  if (error) throw cannotChange(error);
  let next: ReturnType<typeof planAck>;
  try {
    next = planAck(file, finding, { reason, durationMs, now: s.host.now() });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Expired acks are dropped whenever the file is written: it never grows without bound.
  next = { version: 1, acks: next.acks.filter((a) => !isExpired(a, s.host.now())) };
  const path = writeAckFile(s.host, next);
  const ack = next.acks.find((a) => a.key === finding.key)!;
  const w = ctx.global.width;
  ctx.io.out(
    `${wrapText(`Acknowledged ${finding.subject} (${STATUS_WORD[finding.severity]}) until ${when(ack.until)}: ${ack.reason}`, w, '', '  ')}\n` +
      `${wrapText(`It no longer counts in the status or notifies until then, or until it changes. Stored in ${path}.`, w)}\n`,
  );
  return 0;
}

function showFindings(ctx: CommandContext<typeof ACK_OPTIONS>, findings: Finding[]): number {
  if (ctx.global.format === 'json') {
    const rows = findings.map((f) => ({
      key: f.key,
      severity: f.severity,
      subject: f.subject,
      explanation: f.explanation,
      acknowledged: f.acknowledged,
    }));
    ctx.io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (findings.length === 0) {
    ctx.io.out('No findings to acknowledge.\n');
    return 0;
  }
  ctx.io.out(renderAckable(findings, { color: ctx.global.color, width: ctx.global.width }));
  return 0;
}

function list(ctx: CommandContext<typeof ACK_OPTIONS>, s: Session): number {
  const { file, error } = readAckFile(s.host);
  if (error) {
    ctx.io.err(`pve-health: ${error}\n`);
    return 3;
  }
  const now = s.host.now();
  if (ctx.values.keys)
    return printKeys(
      ctx,
      file.acks.map((a) => a.key),
    );
  if (ctx.global.format === 'json') {
    const acks = file.acks.map((a) => ({ ...a, expired: isExpired(a, now) }));
    ctx.io.out(`${JSON.stringify({ file: acksFile(s.host), acks }, null, 2)}\n`);
    return 0;
  }
  if (file.acks.length === 0) {
    ctx.io.out('No acknowledgements.\n');
    return 0;
  }
  const rows = file.acks.map((a: Ack) => [
    isExpired(a, now) ? 'expired' : `until ${when(a.until)}`,
    STATUS_WORD[a.severity as Status],
    a.key,
    a.reason,
  ]);
  ctx.io.out(`${renderTable(['STATE', 'WAS', 'KEY', 'REASON'], rows, undefined, false, ctx.global.width)}\n`);
  return 0;
}

/**
 * The keys `ack KEY` accepts now: findings not yet acknowledged and not UNKNOWN (an unchecked part is
 * never acknowledged). Keys with whitespace or control characters (a mount path with a space) are left
 * out: a completion word cannot carry them unquoted; `pve-health ack` shows them for copying.
 */
export function ackableKeys(findings: Finding[]): string[] {
  const keys = findings.filter((f) => !f.acknowledged && f.severity !== 3).map((f) => f.key);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return [...new Set(keys)].filter((k) => !/[\s\u0000-\u001f\u007f]/.test(k)).sort();
}

function printKeys(ctx: CommandContext<typeof ACK_OPTIONS>, keys: string[]): number {
  if (keys.length) ctx.io.out(`${keys.join('\n')}\n`);
  return 0;
}

/** The acks file could not be read: never overwritten then (that would drop the others); say what to do. */
function cannotChange(error: string): Error {
  return /EACCES|EPERM/.test(error)
    ? new CheckError(
        `cannot change the acknowledgements: ${error}: the file is root's (mode 0600): run it as root (sudo pve-health ack …)`,
      )
    : new UsageError(`cannot change the acknowledgements: ${error}`);
}

/** "2026-03-21 09:26 UTC" */
function when(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
