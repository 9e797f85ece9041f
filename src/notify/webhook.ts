// Webhooks: a JSON POST in the shape the receiver expects. Templates: json (our own document),
// ntfy (body + Title/Priority/Tags headers), gotify (/message with X-Gotify-Key), discord (embed),
// slack (Slack-compatible {text}: Slack, Mattermost, Rocket.Chat).

import type { listFindings } from '../core/findings/findings';
import type { Config } from '../core/vocab/config';
import { STATUS_WORD } from '../core/vocab/status';
import type { Status } from '../core/vocab/types';
import { type Channel, type ChannelContext, secret, unconfigured } from './channel';
import type { Message } from './message';
import { httpError, redactUrl } from './retry';

type WebhookConfig = NonNullable<NonNullable<Config['notify']>['webhook']>;
export type WebhookTemplate = NonNullable<WebhookConfig['template']>;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const NTFY_PRIORITY: Record<Status, string> = { 0: 'default', 1: 'high', 2: 'urgent', 3: 'high' };
const NTFY_TAGS: Record<Status, string> = {
  0: 'white_check_mark',
  1: 'warning',
  2: 'rotating_light',
  3: 'grey_question',
};
const GOTIFY_PRIORITY: Record<Status, number> = { 0: 2, 1: 5, 2: 8, 3: 5 };
const DISCORD_COLOR: Record<Status, number> = { 0: 0x16a34a, 1: 0xca8a04, 2: 0xdc2626, 3: 0x6b7280 };

/** HTTP header values must be Latin-1 without line breaks. */
function headerSafe(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, (c) => (c === '—' ? '-' : '?'));
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Pure: the request a template makes for a message (tests compare it; send() performs it). */
export function buildWebhookRequest(
  template: WebhookTemplate,
  url: string,
  token: string | undefined,
  msg: Message,
  findings: ReturnType<typeof listFindings>,
): WebhookRequest {
  const json = { 'Content-Type': 'application/json' };
  const bearer: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  switch (template) {
    case 'ntfy':
      return {
        url,
        headers: {
          ...bearer,
          'Content-Type': 'text/plain; charset=utf-8',
          Title: headerSafe(msg.subject),
          Priority: NTFY_PRIORITY[msg.status],
          Tags: NTFY_TAGS[msg.status],
        },
        body: msg.text,
      };
    case 'gotify': {
      const u = new URL(url);
      if (!u.pathname.endsWith('/message')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/message`;
      return {
        url: u.toString(),
        headers: { ...json, ...(token ? { 'X-Gotify-Key': token } : {}) },
        body: JSON.stringify({ title: msg.subject, message: msg.text, priority: GOTIFY_PRIORITY[msg.status] }),
      };
    }
    case 'discord':
      return {
        url,
        headers: json,
        body: JSON.stringify({
          username: 'pve-health',
          content: clip(msg.subject, 2000),
          embeds: [
            { title: clip(msg.subject, 256), description: clip(msg.text, 4096), color: DISCORD_COLOR[msg.status] },
          ],
          allowed_mentions: { parse: [] },
        }),
      };
    case 'slack':
      return {
        url,
        headers: { ...json, ...bearer },
        body: JSON.stringify({ text: `*${msg.subject}*\n\`\`\`\n${clip(msg.text, 3500)}\n\`\`\`` }),
      };
    default:
      return {
        url,
        headers: { ...json, ...bearer },
        body: JSON.stringify({
          node: msg.node,
          kind: msg.kind,
          status: msg.status,
          statusText: STATUS_WORD[msg.status],
          statusFrom: msg.statusFrom,
          subject: msg.subject,
          text: msg.text,
          added: msg.added,
          resolved: msg.resolved,
          findings: findings.map((f) => ({
            key: f.key,
            part: f.part,
            status: f.status,
            reason: f.reason,
            subject: f.subject,
            severity: f.severity,
            pending: f.pending,
            fix: f.fix,
          })),
        }),
      };
  }
}

export function webhookChannel(
  cfg: WebhookConfig,
  ctx: ChannelContext,
  findings: () => ReturnType<typeof listFindings>,
): Channel {
  const url = secret(ctx.host.env, ['PVE_HEALTH_WEBHOOK_URL'], cfg.url);
  const token = secret(ctx.host.env, ['PVE_HEALTH_WEBHOOK_TOKEN'], cfg.token);
  if (!url) return unconfigured('webhook', 'webhook: notify.webhook is missing url');
  try {
    new URL(url);
  } catch {
    return unconfigured('webhook', 'webhook: notify.webhook.url is not a valid URL');
  }
  const template = cfg.template ?? 'json';
  return {
    name: 'webhook',
    target: `${template} ${redactUrl(url)}`,
    // The path of a Discord/Slack URL is its credential.
    secrets: [url, new URL(url).pathname.length > 4 ? new URL(url).pathname : '', ...(token ? [token] : [])],
    async send(msg) {
      const req = buildWebhookRequest(template, url, token, msg, findings());
      const res = await fetch(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(ctx.timeoutMs),
      });
      const body = await res.text();
      if (!res.ok) throw httpError(`webhook ${template}`, res.status, body);
    },
  };
}
