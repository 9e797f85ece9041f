// The PVE channel: PVE's own notification system, on by default beside any other channel (notify.pve =
// false turns it off). It delivers the first way that works, in this order, and says which:
//   1. PVE::Notify natively (pve-notify.ts), the generation the node has: matchers see type=pve-health;
//   2. /usr/bin/proxmox-mail-forward (pve-forward.ts): mail to root, which PVE routes as system-mail;
//   3. sendmail to root: postfix hands it to proxmox-mail-forward through /root/.forward, or delivers it.
// Each way that failed before one worked is reported (notify's report, the failure counter in
// notify-state.json, pve_health_notify_failures_total): a delivery that needed a fallback is not silent.
import type { Channel, ChannelContext, Delivery } from './channel';
import { pveForwardChannel } from './pve-forward';
import { pveNotifyApi, pveNotifyChannel } from './pve-notify';
import { sendmailChannel } from './sendmail';

export function pveChannel(ctx: ChannelContext, toolVersion: string): Channel {
  const found = pveNotifyApi(ctx);
  const ways: Channel[] = [];
  if ('api' in found) ways.push(pveNotifyChannel(ctx, found.api, toolVersion));
  const forward = pveForwardChannel(ctx);
  if (forward) ways.push(forward);
  ways.push(sendmailChannel({ to: 'root' }, ctx));
  const target = [
    'api' in found ? null : `PVE::Notify not used: ${found.missing}`,
    ways.map((w) => w.target).join(', else '),
  ]
    .filter(Boolean)
    .join('; ');
  return {
    name: 'pve',
    target,
    secrets: [],
    async send(msg): Promise<Delivery> {
      const failed: string[] = [];
      for (const way of ways) {
        try {
          await way.send(msg);
          return { via: way.target, failed };
        } catch (e) {
          failed.push((e as Error).message);
        }
      }
      // Every way failed: the retry loop tries again, then the report says why each failed.
      throw new Error(failed.join('; '));
    },
  };
}
