// Configuration: /etc/pve-health/config.toml, validated. Pure: text in, typed config out; errors
// name the key and its line. Reading the file (and its mode/owner check) is src/host/read-config.ts.

import { parse as parseToml } from 'smol-toml';
import * as v from 'valibot';
import { CheckError } from './errors';

const percent = v.pipe(v.number(), v.minValue(0), v.maxValue(100));
const seconds = v.pipe(v.number(), v.minValue(0.05), v.maxValue(3600));
const emailList = v.union([v.string(), v.array(v.string())]);

const MountsSchema = v.strictObject({
  timeout: v.optional(seconds),
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(256))),
  // Upper bounds everywhere: a value over 2^31 ms overflows setTimeout into a 1 ms busy loop.
  cache_ttl: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(86_400))),
  warning_percent: v.optional(percent),
  critical_percent: v.optional(percent),
  /** Mount targets (host paths, or "CTID:/path") that are meant to be read-only. */
  expected_readonly: v.optional(v.array(v.string())),
  /** Mount targets never checked ("*" wildcards; "CTID:/path" or "*:/path" for containers). */
  ignore: v.optional(v.array(v.string())),
  /** Filesystem types to treat as network filesystems besides the built-in list. */
  network_types: v.optional(v.array(v.string())),
});

const DmSchema = v.strictObject({
  /** Seconds for each dmsetup/lvs call. */
  command_timeout: v.optional(seconds),
  /** Thin pool usage thresholds (issue: storage health). */
  thin_data_warning: v.optional(percent),
  thin_data_critical: v.optional(percent),
  thin_meta_warning: v.optional(percent),
  thin_meta_critical: v.optional(percent),
  /** Sum of thin volume sizes as a percentage of the pool size above which overcommit is a warning. */
  thin_overcommit_warning: v.optional(v.pipe(v.number(), v.minValue(100), v.maxValue(100000))),
});

const ReclaimSchema = v.strictObject({
  /** Days a volume stays in reclaim's quarantine before `reclaim --purge` may destroy it (default 7). */
  retention_days: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(3650))),
});

const MailjetSchema = v.strictObject({
  api_key: v.optional(v.string()),
  api_secret: v.optional(v.string()),
  from: v.optional(v.string()),
  from_name: v.optional(v.string()),
  to: v.optional(emailList),
  base_url: v.optional(v.string()),
});

const SmtpSchema = v.strictObject({
  host: v.optional(v.string()),
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))),
  /** "tls" (implicit TLS, 465), "starttls" (587), "none" */
  security: v.optional(v.picklist(['tls', 'starttls', 'none'])),
  user: v.optional(v.string()),
  password: v.optional(v.string()),
  from: v.optional(v.string()),
  to: v.optional(emailList),
  /** Accept self-signed certificates (lab setups). */
  insecure_tls: v.optional(v.boolean()),
});

const SendmailSchema = v.strictObject({
  path: v.optional(v.string()),
  from: v.optional(v.string()),
  to: v.optional(emailList),
});

const WebhookSchema = v.strictObject({
  url: v.optional(v.string()),
  template: v.optional(v.picklist(['json', 'ntfy', 'gotify', 'discord', 'slack'])),
  token: v.optional(v.string()),
});

const NotifySchema = v.strictObject({
  /** "change" (default): send when findings or the worst status change; "always"; "never". */
  on: v.optional(v.picklist(['change', 'always', 'never'])),
  /** Local time "HH:MM" of an optional daily digest. */
  digest: v.optional(v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'))),
  retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))),
  /** Seconds before the first retry; doubles with each further one. */
  retry_delay: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(300))),
  /** Seconds one delivery attempt may take. */
  timeout: v.optional(seconds),
  mailjet: v.optional(MailjetSchema),
  smtp: v.optional(SmtpSchema),
  sendmail: v.optional(SendmailSchema),
  webhook: v.optional(WebhookSchema),
  /**
   * PVE's own notification system on a PVE node (default true), beside any other channel: PVE::Notify,
   * else proxmox-mail-forward, else sendmail to root (src/notify/pve-chain.ts); false turns it off.
   */
  pve: v.optional(v.boolean()),
});

const ServeSchema = v.strictObject({
  listen: v.optional(v.string()),
  token: v.optional(v.string()),
  dm_interval: v.optional(v.pipe(v.number(), v.minValue(5), v.maxValue(86_400))),
  /** The dashboard's "Source code" link (AGPL-3.0 section 13): where this build's source is, if not the project's. */
  source_url: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'))),
});

const ClusterSchema = v.strictObject({
  ssh_connect_timeout: v.optional(seconds),
  node_timeout: v.optional(seconds),
  remote_command: v.optional(v.string()),
  /** Nodes checked over ssh at the same time (default 16). */
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(256))),
  /** serve --cluster: seconds between cluster scans (default 300). */
  scan_interval: v.optional(v.pipe(v.number(), v.minValue(10), v.maxValue(86_400))),
});

const LinksSchema = v.strictObject({
  /**
   * The PVE web interface the reports, notifications and the dashboard link guests and storages into
   * ("https://pve.example.org:8006/", a proxy or a cluster address); default https://<node>:8006/.
   */
  pve_gui: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) URL without ?query or #fragment'),
    ),
  ),
});

export const ConfigSchema = v.strictObject({
  dm: v.optional(DmSchema),
  reclaim: v.optional(ReclaimSchema),
  mounts: v.optional(MountsSchema),
  notify: v.optional(NotifySchema),
  serve: v.optional(ServeSchema),
  cluster: v.optional(ClusterSchema),
  links: v.optional(LinksSchema),
});

export type Config = v.InferOutput<typeof ConfigSchema>;

/** Keys whose values are secrets: never printed, logged or put into a report. */
// A webhook URL is a credential too: Discord and Slack put the secret in its path.
export const SECRET_KEYS = ['api_key', 'api_secret', 'password', 'token', 'url'];

/**
 * Keys that name something run as root or a place that receives secrets (also secrets from the
 * environment): whoever may write them may run code as root or collect the credentials, so a file that
 * sets one is held to the same rule as one that holds a secret (root's, mode 0600).
 */
export const TRUSTED_KEYS: readonly { path: string[]; why: string }[] = [
  { path: ['notify', 'sendmail', 'path'], why: 'a program run as root' },
  { path: ['cluster', 'remote_command'], why: 'a command run as root on every node' },
  { path: ['notify', 'mailjet', 'base_url'], why: 'a URL that receives the Mailjet API key' },
  { path: ['notify', 'smtp', 'host'], why: 'a server that receives the SMTP password' },
];

/** The first trusted key the config sets ("notify.sendmail.path (a program run as root)"), or null. */
export function trustedKeySet(config: Config): string | null {
  for (const k of TRUSTED_KEYS) {
    let v: unknown = config;
    for (const p of k.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    if (typeof v === 'string' && v !== '') return `${k.path.join('.')} (${k.why})`;
  }
  return null;
}

/** Parse and validate config text. `file` is only used in messages. */
export function parseConfig(text: string, file = 'config.toml'): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const err = e as Error & { line?: number; column?: number };
    const first = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    throw new CheckError(`${file}:${err.line ?? '?'}: invalid TOML: ${first}`);
  }
  const r = v.safeParse(ConfigSchema, raw);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = (issue.path ?? []).map((p) => String(p.key));
  const key = path.join('.');
  const line = findKeyLine(text, path);
  const what = issue.kind === 'schema' && issue.type === 'strict_object' ? 'unknown key' : issue.message;
  throw new CheckError(`${file}:${line ?? '?'}: ${key || '(top level)'}: ${what}`);
}

/** The line (1-based) where a dotted key is set, looking inside its [table] header. */
export function findKeyLine(text: string, path: string[]): number | null {
  if (path.length === 0) return null;
  const lines = text.split('\n');
  const leaf = path[path.length - 1];
  const table = path.slice(0, -1).join('.');
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    const h = /^\[+\s*([^\]]+?)\s*\]+/.exec(l);
    if (h) {
      current = h[1];
      if (current === path.join('.')) return i + 1;
      continue;
    }
    const k = /^("?)([A-Za-z0-9_.-]+)\1\s*=/.exec(l);
    if (k && k[2] === leaf && current === table) return i + 1;
    if (k && `${current ? `${current}.` : ''}${k[2]}` === path.join('.')) return i + 1;
  }
  return null;
}
