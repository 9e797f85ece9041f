// A notification channel: its name, the secrets it holds (for redaction), and how it sends. A
// misconfigured channel is still listed, with `problem` set, so the report says why it did not send.
import type { Host } from '../host/host';
import type { Message } from './message';

export interface Channel {
  name: 'mailjet' | 'smtp' | 'sendmail' | 'webhook' | 'pve';
  /** Where it sends, safe to show (no secrets, no webhook path). */
  target: string;
  secrets: string[];
  problem?: string;
  /** Resolves when delivered; a channel with fallbacks (pve-chain.ts) says which way and what failed first. */
  send(msg: Message): Promise<void | Delivery>;
}

/** How a channel with fallbacks delivered: the way that worked, and each way that failed before it. */
export interface Delivery {
  via: string;
  failed: string[];
}

export interface ChannelContext {
  host: Host;
  timeoutMs: number;
}

export function toList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : v.split(',')).map((x) => x.trim()).filter(Boolean);
}

/** A secret from the environment wins over the file (systemd credentials / EnvironmentFile). */
export function secret(env: NodeJS.ProcessEnv, names: string[], fromFile: string | undefined): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return fromFile || undefined;
}

export function unconfigured(name: Channel['name'], problem: string): Channel {
  return {
    name,
    target: '-',
    secrets: [],
    problem,
    send: async () => {
      throw new Error(problem);
    },
  };
}
