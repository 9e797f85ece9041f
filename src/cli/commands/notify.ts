import type { SystemInfo } from '../../core/parse/system-info';
import type { Config } from '../../core/vocab/config';
import { CheckError, UsageError } from '../../core/vocab/errors';
import type { CheckDocument } from '../../core/vocab/types';
import type { Host } from '../../host/host';
import { type NotifyReport, renderNotifyReport, sendNotifications } from '../../notify/index';
import { applyPveSetup, PVE_DEFAULT_TARGET, planPveSetup, renderPveSetupPlan } from '../../notify/pve-setup';
import { VERSION } from '../../version';
import { defineCommand, type Io } from '../command';
import { openSession } from '../node-session';
import { sourceDocument } from '../report-source';

/**
 * For `check --notify` (and the timer): send, print what happened to stderr, never throw. The
 * check's exit code stays the check's: a mail server being down is not a device-mapper problem.
 */
export async function notifyAfterCheck(
  io: Io,
  host: Host,
  config: Config,
  doc: CheckDocument,
  opts: { always?: boolean; system?: SystemInfo | null; quiet?: boolean } = {},
): Promise<NotifyReport | null> {
  try {
    const r = await sendNotifications(host, config, doc, {
      always: opts.always,
      system: opts.system,
      toolVersion: VERSION,
    });
    const text = renderNotifyReport(r);
    // Quiet runs (the timer) only mention sends, failures, and that notifications are off.
    if (!opts.quiet || r.sent || r.failed || r.stateError || r.channels.length === 0)
      io.err(
        text
          .split('\n')
          .filter((l) => !opts.quiet || !/: not sent \(/.test(l))
          .join('\n'),
      );
    return r;
  } catch (e) {
    io.err(`pve-health: notify: ${(e as Error).message}\n`);
    return null;
  }
}

export const notifyCommand = defineCommand({
  name: 'notify',
  usage:
    'notify [--always] [--test] [--input CHECK.json] [--json] [--root DIR | --from FILE | --demo] [--setup-pve [--target NAME] [--dry-run]]',
  globals: ['root', 'from', 'demo', 'format', 'json', 'config'],
  examples: [
    'notify --test   # a test message to every channel',
    'notify',
    'notify --input /root/pve1-check.json --always',
    '# the PVE matcher for type=pve-health, shown:',
    'notify --setup-pve --dry-run',
  ],
  help: `Options:
  --always          Send even if nothing changed since the last message
  --test            Send a test message to every configured channel now (state left alone);
                    exit 0 when every channel accepted it, 3 otherwise
  --input FILE      Notify about a document written by 'pve-health check --json' ("-": stdin)
  --setup-pve       Make a matcher in PVE's notification system that routes type=pve-health to
                    --target (default mail-to-root), through PVE's API as the GUI does
  --target NAME     With --setup-pve: the PVE notification target (Datacenter → Notifications)
  --dry-run         With --setup-pve: print the command and the notifications.cfg stanza only
Channels: by default, on a PVE node, PVE's own notification system (type=pve-health, severity by
status), natively through PVE::Notify, else proxmox-mail-forward, else sendmail to root; it stays on
beside the channels of [notify] in the config file unless notify.pve = false. Channels and secrets
come from [notify] in the config file (or PVE_HEALTH_* environment variables). A failed delivery,
and each fallback the PVE channel needed, is counted (check, the dashboard,
pve_health_notify_failures_total).
What each channel was last told is kept in <root>/var/lib/pve-health/notify-state.json.
Exit code: the check's status (0-3); a failed send is reported but does not change it.`,
  options: {
    always: { type: 'boolean' },
    test: { type: 'boolean' },
    input: { type: 'string' },
    'setup-pve': { type: 'boolean' },
    target: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(ctx) {
    const s = openSession(ctx);
    if (ctx.values['setup-pve']) {
      const plan = planPveSetup(ctx.values.target ?? PVE_DEFAULT_TARGET);
      if (ctx.values['dry-run']) ctx.io.out(renderPveSetupPlan(plan));
      else ctx.io.out(await applyPveSetup(s.host, plan));
      return 0;
    }
    if (ctx.values.target || ctx.values['dry-run']) throw new UsageError('--target and --dry-run go with --setup-pve');
    const { doc, system } = await sourceDocument(ctx, s);
    const test = Boolean(ctx.values.test);
    const report = await sendNotifications(s.host, s.config, doc, {
      always: Boolean(ctx.values.always),
      test,
      system,
      toolVersion: VERSION,
    });
    if (ctx.global.format === 'json')
      ctx.io.out(`${JSON.stringify({ notify: report, status: doc.status }, null, 2)}\n`);
    else ctx.io.out(renderNotifyReport(report));
    if (test) {
      if (report.channels.length === 0)
        throw new CheckError('no notification channel configured ([notify] in the config file)');
      return report.failed === 0 ? 0 : 3;
    }
    return doc.status;
  },
});
