// sendNotifications: decide per channel (notify on change, --always, daily digest), send with
// retries, remember what each channel was told, and report. Never throws for a failed send: a
// notification problem must not change the check's verdict. Secrets never reach the report.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isCounted, listFindings, partErrors } from '../core/findings/findings';
import type { SystemInfo } from '../core/parse/system-info';
import type { Config } from '../core/vocab/config';
import type { CheckDocument, Status } from '../core/vocab/types';
import { type Host, hostPath } from '../host/host';
import { NOTIFY_STATE_PATH } from '../host/read-notify-failures';
import { writeTextfile } from '../host/write-textfile';
import { VERSION } from '../version';
import type { Channel, ChannelContext, Delivery } from './channel';
import { mailjetChannel } from './mailjet';
import { buildMessage } from './message';
import {
  isDigestDue,
  type NotifyKind,
  type NotifyState,
  nextState,
  parseState,
  planChannels,
  withFailures,
} from './plan';
import { pveChannel } from './pve-chain';
import { PROXMOX_MAIL_FORWARD } from './pve-forward';
import { PVE_NOTIFY_MODULE } from './pve-notify';
import { redact, withRetry } from './retry';
import { sendmailChannel } from './sendmail';
import { smtpChannel } from './smtp';
import { webhookChannel } from './webhook';

export { NOTIFY_STATE_PATH, readNotifyFailures } from '../host/read-notify-failures';

/** The one line a run with no channel at all logs (a timer's journal says why no mail came). */
export const NOTIFICATIONS_OFF =
  'notify: notifications are off: no channel in [notify] of /etc/pve-health/config.toml, and not a PVE node (neither PVE::Notify nor /usr/bin/proxmox-mail-forward), or notify.pve = false';

/** A PVE node: its notification system is there to deliver to. */
function isPveNode(ctx: ChannelContext): boolean {
  return [PVE_NOTIFY_MODULE, PROXMOX_MAIL_FORWARD].some((p) => existsSync(hostPath(ctx.host, p)));
}

export interface ChannelReport {
  channel: Channel['name'];
  target: string;
  result: 'sent' | 'failed' | 'skipped';
  kind: NotifyKind | null;
  why: string;
  attempts: number;
  error?: string;
  /** A channel with fallbacks (pve): the way that delivered, and each way that failed first. */
  via?: string;
  fallbackErrors?: string[];
}

export interface NotifyReport {
  node: string;
  status: Status;
  channels: ChannelReport[];
  sent: number;
  failed: number;
  /** Failed deliveries of this run: channels that failed, and each fallback a channel needed. */
  failedDeliveries: number;
  stateFile: string;
  stateError?: string;
}

export interface NotifyOptions {
  always?: boolean;
  /** Send a test message to every channel; the state is left alone. */
  test?: boolean;
  system?: SystemInfo | null;
  toolVersion?: string;
  /** For tests: replaces the backoff sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export function resolveChannels(
  config: Config,
  ctx: ChannelContext,
  doc: CheckDocument,
  toolVersion = VERSION,
): Channel[] {
  const n = config.notify ?? {};
  const out: Channel[] = [];
  if (n.mailjet) out.push(mailjetChannel(n.mailjet, ctx));
  if (n.smtp) out.push(smtpChannel(n.smtp, doc.node, ctx));
  if (n.sendmail) out.push(sendmailChannel(n.sendmail, ctx));
  if (n.webhook) out.push(webhookChannel(n.webhook, ctx, () => listFindings(doc)));
  // On a PVE node, its own notification system (what admins already route), beside any other channel
  // unless notify.pve = false: natively through PVE::Notify, else proxmox-mail-forward, else sendmail
  // to root (pve-chain.ts). Off a PVE node (no PVE::Notify, no proxmox-mail-forward) it is not offered.
  if (n.pve !== false && isPveNode(ctx)) out.push(pveChannel(ctx, toolVersion));
  return out;
}

/**
 * The keys the change detection compares: findings that count (pending ones are explained, not new;
 * acknowledged ones are silenced, and come back as new when the ack expires or the finding changes).
 */
export function findingKeys(doc: CheckDocument): string[] {
  return listFindings(doc)
    .filter(isCounted)
    .map((f) => f.key)
    .sort();
}

async function readState(file: string): Promise<{ state: NotifyState; error?: string }> {
  try {
    return { state: parseState(await readFile(file, 'utf8')) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? { state: parseState('') }
      : { state: parseState(''), error: `cannot read ${file}: ${code}` };
  }
}

export async function sendNotifications(
  host: Host,
  config: Config,
  doc: CheckDocument,
  opts: NotifyOptions = {},
): Promise<NotifyReport> {
  const n = config.notify ?? {};
  const stateFile = hostPath(host, NOTIFY_STATE_PATH);
  const ctx: ChannelContext = { host, timeoutMs: (n.timeout ?? 15) * 1000 };
  const channels = resolveChannels(config, ctx, doc, opts.toolVersion);
  const report: NotifyReport = {
    node: doc.node,
    status: doc.status,
    channels: [],
    sent: 0,
    failed: 0,
    failedDeliveries: 0,
    stateFile,
  };
  const secrets = channels.flatMap((c) => c.secrets);
  const { state, error } = await readState(stateFile);
  if (error) report.stateError = error;
  const now = host.now();
  const unchecked = partErrors(doc).map((p) => p.part);
  // A state written before DM findings were keyed by volume ID names them by DM name: the same findings.
  const aliases = Object.fromEntries(listFindings(doc).flatMap((f) => f.aliases.map((a) => [a, f.key])));
  const cur = { node: doc.node, status: doc.status, findings: findingKeys(doc), now, unchecked, aliases };
  const plans = planChannels(
    state,
    cur,
    channels.map((c) => c.name),
    { on: n.on ?? 'change', digest: n.digest, always: opts.always, test: opts.test },
  );

  const results = await Promise.all(
    channels.map(async (ch, i): Promise<ChannelReport> => {
      const p = plans[i];
      const base = { channel: ch.name, target: ch.target, kind: p.kind, why: p.why };
      if (!p.send) return { ...base, result: 'skipped', attempts: 0 };
      if (ch.problem) return { ...base, result: 'failed', attempts: 0, error: ch.problem };
      const msg = buildMessage(
        doc,
        { kind: p.kind!, added: p.added, resolved: p.resolved, statusFrom: p.statusFrom },
        opts,
      );
      let delivery: Delivery | undefined;
      const r = await withRetry(
        async () => {
          delivery = (await ch.send(msg)) ?? undefined;
        },
        { retries: n.retries ?? 2, delayMs: (n.retry_delay ?? 2) * 1000, sleep: opts.sleep },
      );
      if (r.ok) {
        const fell = delivery?.failed.length ? { fallbackErrors: delivery.failed.map((e) => redact(e, secrets)) } : {};
        return { ...base, result: 'sent', attempts: r.attempts, ...(delivery ? { via: delivery.via } : {}), ...fell };
      }
      return { ...base, result: 'failed', attempts: r.attempts, error: redact(r.error?.message ?? 'failed', secrets) };
    }),
  );
  report.channels = results;
  report.sent = results.filter((r) => r.result === 'sent').length;
  report.failed = results.filter((r) => r.result === 'failed').length;
  report.failedDeliveries = report.failed + results.reduce((a, r) => a + (r.fallbackErrors?.length ?? 0), 0);

  if (!opts.test && channels.length) {
    const delivered = results.filter((r) => r.result === 'sent').map((r) => ({ channel: r.channel, kind: r.kind! }));
    const digestDue = isDigestDue(state.nodes[doc.node], now, n.digest);
    try {
      const next = withFailures(nextState(state, cur, delivered, digestDue), doc.node, results, now);
      await mkdir(dirname(stateFile), { recursive: true, mode: 0o700 });
      // What was sent, when and to which channel: the tool's own state, root's only (0600).
      await writeTextfile(dirname(stateFile), basename(stateFile), `${JSON.stringify(next, null, 2)}\n`, 0o600);
    } catch (e) {
      report.stateError = `cannot write ${stateFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  }
  return report;
}

export function renderNotifyReport(r: NotifyReport): string {
  if (r.channels.length === 0) return `${NOTIFICATIONS_OFF}\n`;
  const lines = r.channels.map((c) => {
    const tries = c.attempts > 1 ? ` after ${c.attempts} attempts` : '';
    const via = c.via ? ` via ${c.via}` : '';
    const fell = c.fallbackErrors?.length ? ` after ${c.fallbackErrors.join('; ')}` : '';
    const what =
      c.result === 'sent'
        ? `sent (${c.why})${via}${tries}${fell}`
        : c.result === 'failed'
          ? `FAILED${tries}: ${c.error}`
          : `not sent (${c.why})`;
    return `notify: ${c.channel} ${c.target}: ${what}`;
  });
  if (r.stateError) lines.push(`notify: ${r.stateError}`);
  return `${lines.join('\n')}\n`;
}
