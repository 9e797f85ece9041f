// Local `sendmail -i -- RCPT...`: on Proxmox VE, mail to root goes through proxmox-mail-forward into the
// notification system (the targets and matchers the admin set up). The message is built by
// nodemailer's stream transport; the program runs through the one exec helper.
// nodemailer is loaded on first use (mailer.ts): most runs send no mail, and the module is large.
import type { Config } from '../core/vocab/config';
import { CommandError, CommandNotFoundError } from '../core/vocab/errors';
import { type Channel, type ChannelContext, toList } from './channel';
import { loadNodemailer } from './mailer';
import type { Message } from './message';
import { PermanentError, TransientError } from './retry';

type SendmailConfig = NonNullable<NonNullable<Config['notify']>['sendmail']>;

/** sendmail's EX_TEMPFAIL: the queue is unavailable for now. */
const EX_TEMPFAIL = 75;

export async function buildRawMessage(from: string | undefined, to: string[], msg: Message): Promise<string> {
  const nodemailer = await loadNodemailer();
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await t.sendMail({ from, to, subject: msg.subject, text: msg.text, html: msg.html });
  const raw = (info.message as Buffer).toString('utf8');
  // nodemailer drops local names such as "root" from To:; sendmail takes them (recipients are
  // passed as arguments), so the header is written here for the reader's sake.
  if (/^To:/im.test(raw.slice(0, raw.indexOf('\n\n')))) return raw;
  return `To: ${to.map((a) => a.replace(/[\r\n,]/g, '')).join(', ')}\n${raw}`;
}

export function sendmailChannel(cfg: SendmailConfig, ctx: ChannelContext): Channel {
  const to = toList(cfg.to);
  const rcpt = to.length ? to : ['root'];
  const path = cfg.path ?? 'sendmail';
  return {
    name: 'sendmail',
    target: `${path} → ${rcpt.join(', ')}`,
    secrets: [],
    async send(msg) {
      const raw = await buildRawMessage(cfg.from, rcpt, msg);
      // Recipients as arguments, not -t: a bare local name like "root" is what PVE forwards.
      const argv = [path, '-i', ...(cfg.from ? ['-f', cfg.from] : []), '--', ...rcpt];
      try {
        await ctx.host.exec(argv, { input: raw, timeoutMs: ctx.timeoutMs, env: ctx.host.env });
      } catch (e) {
        if (e instanceof CommandNotFoundError) throw new PermanentError(`sendmail: ${path} not found`);
        if (e instanceof CommandError && e.code !== EX_TEMPFAIL) throw new PermanentError(`sendmail: ${e.message}`);
        throw new TransientError(`sendmail: ${(e as Error).message}`);
      }
    },
  };
}
