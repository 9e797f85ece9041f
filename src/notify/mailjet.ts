// Mailjet Send API v3.1 (as the original tool): POST /v3.1/send with Basic auth (API key:secret),
// one message with From/To/Subject/TextPart/HTMLPart. base_url is configurable (tests, proxies).
import type { Config } from '../core/vocab/config';
import { type Channel, type ChannelContext, secret, toList, unconfigured } from './channel';
import type { Message } from './message';
import { httpError, PermanentError } from './retry';

type MailjetConfig = NonNullable<NonNullable<Config['notify']>['mailjet']>;

export const MAILJET_DEFAULT_BASE = 'https://api.mailjet.com';

export function mailjetBody(cfg: MailjetConfig, to: string[], msg: Message): unknown {
  return {
    Messages: [
      {
        From: { Email: cfg.from, Name: cfg.from_name ?? 'pve-health' },
        To: to.map((Email) => ({ Email })),
        Subject: msg.subject,
        TextPart: msg.text,
        HTMLPart: msg.html,
        CustomID: `pve-health-${msg.node}`,
      },
    ],
  };
}

export function mailjetChannel(cfg: MailjetConfig, ctx: ChannelContext): Channel {
  const key = secret(ctx.host.env, ['PVE_HEALTH_MAILJET_API_KEY', 'MJ_APIKEY_PUBLIC'], cfg.api_key);
  const sec = secret(ctx.host.env, ['PVE_HEALTH_MAILJET_API_SECRET', 'MJ_APIKEY_PRIVATE'], cfg.api_secret);
  const to = toList(cfg.to);
  const missing = [!key && 'api_key', !sec && 'api_secret', !cfg.from && 'from', to.length === 0 && 'to'].filter(
    Boolean,
  );
  if (missing.length) return unconfigured('mailjet', `mailjet: notify.mailjet is missing ${missing.join(', ')}`);
  const base = (cfg.base_url ?? MAILJET_DEFAULT_BASE).replace(/\/+$/, '');
  const auth = Buffer.from(`${key}:${sec}`).toString('base64');
  return {
    name: 'mailjet',
    target: `${new URL(base).host} → ${to.join(', ')}`,
    secrets: [key!, sec!, auth],
    async send(msg) {
      const res = await fetch(`${base}/v3.1/send`, {
        method: 'POST',
        headers: { Authorization: `Basic ${auth}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(mailjetBody(cfg, to, msg)),
        signal: AbortSignal.timeout(ctx.timeoutMs),
      });
      const body = await res.text();
      if (!res.ok) throw httpError('mailjet', res.status, body);
      // 200 with a per-message status: "success" or "error" with Errors[].
      let parsed: { Messages?: { Status?: string; Errors?: { ErrorMessage?: string }[] }[] };
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new PermanentError(`mailjet: unexpected answer: ${body.slice(0, 200)}`);
      }
      const bad = (parsed.Messages ?? []).find((m) => m.Status !== 'success');
      if (!parsed.Messages?.length || bad) {
        const why = bad?.Errors?.map((e) => e.ErrorMessage).join('; ') || 'no message status';
        throw new PermanentError(`mailjet: message not accepted: ${why}`);
      }
    },
  };
}
