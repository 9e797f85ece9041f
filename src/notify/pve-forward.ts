// The default channel on a Proxmox VE node when nothing is configured: the message, addressed to root,
// piped into /usr/bin/proxmox-mail-forward — exactly what postfix runs for mail to root (/root/.forward).
// It hands the mail to PVE's notification system as a `system-mail` notification, so the targets
// and matchers the admin set up in Datacenter → Notifications decide where it goes. The subject starts
// with a stable "[pve-health <SEVERITY>]" prefix for filters (docs/reports.md shows a matcher).
import { existsSync } from 'node:fs';
import { CommandError, CommandNotFoundError } from '../core/vocab/errors';
import { hostPath } from '../host/host';
import type { Channel, ChannelContext } from './channel';
import { PermanentError, TransientError } from './retry';
import { buildRawMessage } from './sendmail';

export const PROXMOX_MAIL_FORWARD = '/usr/bin/proxmox-mail-forward';

/** The PVE channel when the node has proxmox-mail-forward, else null. */
export function pveForwardChannel(ctx: ChannelContext): Channel | null {
  const path = hostPath(ctx.host, PROXMOX_MAIL_FORWARD);
  if (!existsSync(path)) return null;
  return {
    name: 'pve',
    target: `${PROXMOX_MAIL_FORWARD} (PVE notifications)`,
    secrets: [],
    async send(msg) {
      const raw = await buildRawMessage(undefined, ['root'], msg);
      try {
        await ctx.host.exec([path], { input: raw, timeoutMs: ctx.timeoutMs, env: ctx.host.env });
      } catch (e) {
        if (e instanceof CommandNotFoundError) throw new PermanentError(`proxmox-mail-forward: ${path} not found`);
        if (e instanceof CommandError) throw new PermanentError(`proxmox-mail-forward: ${e.message}`);
        throw new TransientError(`proxmox-mail-forward: ${(e as Error).message}`);
      }
    },
  };
}
