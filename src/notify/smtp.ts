// SMTP through nodemailer: implicit TLS (465), STARTTLS (587, required: never falls back to plain
// text once asked for), or none (a local relay). Authentication when a user is set.
// nodemailer is loaded on first use (mailer.ts): most runs send no mail, and the module is large.
import type { Config } from '../core/vocab/config';
import { type Channel, type ChannelContext, secret, toList, unconfigured } from './channel';
import { loadNodemailer } from './mailer';
import type { Message } from './message';
import { PermanentError, TransientError } from './retry';

type SmtpConfig = NonNullable<NonNullable<Config['notify']>['smtp']>;

/** 5xx replies and rejected credentials are final; 4xx replies and network trouble may pass later. */
export function classifySmtpError(e: unknown): Error {
  const err = e as Error & { code?: string; responseCode?: number };
  const msg = `smtp: ${err.message ?? String(e)}`;
  if (err.code === 'EAUTH' || (err.responseCode !== undefined && err.responseCode >= 500))
    return new PermanentError(msg);
  return new TransientError(msg);
}

export function smtpChannel(cfg: SmtpConfig, node: string, ctx: ChannelContext): Channel {
  const to = toList(cfg.to);
  const password = secret(ctx.host.env, ['PVE_HEALTH_SMTP_PASSWORD'], cfg.password);
  const missing = [!cfg.host && 'host', to.length === 0 && 'to', cfg.user && !password && 'password'].filter(Boolean);
  if (missing.length) return unconfigured('smtp', `smtp: notify.smtp is missing ${missing.join(', ')}`);
  const security = cfg.security ?? 'starttls';
  const port = cfg.port ?? (security === 'tls' ? 465 : security === 'starttls' ? 587 : 25);
  const from = cfg.from ?? `pve-health@${node}`;
  return {
    name: 'smtp',
    target: `${cfg.host}:${port} (${security}) → ${to.join(', ')}`,
    secrets: password ? [password] : [],
    async send(msg: Message) {
      const nodemailer = await loadNodemailer();
      const transport = nodemailer.createTransport({
        host: cfg.host,
        port,
        secure: security === 'tls',
        requireTLS: security === 'starttls',
        ignoreTLS: security === 'none',
        auth: cfg.user ? { user: cfg.user, pass: password } : undefined,
        tls: { rejectUnauthorized: !cfg.insecure_tls },
        connectionTimeout: ctx.timeoutMs,
        greetingTimeout: ctx.timeoutMs,
        socketTimeout: ctx.timeoutMs,
        logger: false,
        debug: false,
      });
      try {
        await transport.sendMail({ from, to, subject: msg.subject, text: msg.text, html: msg.html });
      } catch (e) {
        throw classifySmtpError(e);
      } finally {
        transport.close();
      }
    },
  };
}
