// The default channel on a Proxmox VE node when nothing is configured: PVE's own notification system,
// the way pve-manager sends its own events. pve-manager calls
// `PVE::Notify::info/notice/warning/error($template_name, $template_data, $metadata_fields)`
// (PVE/API2/APT.pm "package-updates", PVE/API2/Replication.pm "replication", PVE/VZDump.pm
// `PVE::Notify::notify($severity, ...)`); pve-cluster's PVE/Notify.pm reads notifications.cfg and hands
// the call to Proxmox::RS::Notify->send (proxmox-perl-rs common/src/bindings/notify.rs:
// `Notification::from_template(severity, template_name, template_data, fields)`), which renders
// `<name>-subject.txt.hbs`, `<name>-body.txt.hbs` and `<name>-body.html.hbs` from
// /usr/share/pve-manager/templates/default (where pve-manager's templates/Makefile installs its own; PVE
// 8.4+ lets an admin override them under /etc/pve/notification-templates/default). The matchers under
// Datacenter → Notifications then see the severity and the metadata fields: `type` = `pve-health` and
// `hostname` (the node name, as APT.pm and Replication.pm set it), plus `status`.
// So this runs a small perl program through the one exec helper (argv, never a shell) with the data as
// JSON on stdin; the templates ship in the package. Where PVE::Notify or our templates are absent (PVE
// before 8.1, a copy not installed from the package), mail to root through proxmox-mail-forward is
// the fallback (pve-forward.ts).
import { existsSync } from 'node:fs';
import { CommandError, CommandNotFoundError } from '../core/errors';
import type { Status } from '../core/types';
import { hostPath } from '../host/host';
import type { Channel, ChannelContext } from './channel';
import type { Message } from './message';
import { PermanentError, TransientError } from './retry';

/** pve-cluster's module (PVE 8.1 and later). */
export const PVE_NOTIFY_MODULE = '/usr/share/perl5/PVE/Notify.pm';
/** Where proxmox-notify looks a template up on PVE, and our templates' name there. */
export const PVE_TEMPLATE_DIR = '/usr/share/pve-manager/templates/default';
export const PVE_TEMPLATE = 'pve-health';
export const PVE_TEMPLATE_FILES = ['subject.txt.hbs', 'body.txt.hbs', 'body.html.hbs'].map(
  (f) => `${PVE_TEMPLATE}-${f}`,
);

/**
 * A check's status as a PVE notification severity (proxmox-notify: info, notice, warning, error,
 * unknown). UNKNOWN — a part could not be checked — is an error: never quieter than a finding, and
 * PVE's own `unknown` severity means "forwarded mail of unknown severity".
 */
export const PVE_SEVERITY: Record<Status, 'info' | 'warning' | 'error'> = {
  0: 'info',
  1: 'warning',
  2: 'error',
  3: 'error',
};

/** What the perl side gets on stdin: the severity, the template's data and the matcher fields. */
export interface PveNotification {
  severity: (typeof PVE_SEVERITY)[Status];
  template: string;
  data: Record<string, string>;
  fields: Record<string, string>;
}

export function pveNotification(msg: Message, toolVersion: string): PveNotification {
  const word = ['ok', 'warning', 'critical', 'unknown'][msg.status];
  return {
    severity: PVE_SEVERITY[msg.status],
    template: PVE_TEMPLATE,
    data: {
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
      node: msg.node,
      status: word,
      kind: msg.kind,
      version: toolVersion,
    },
    fields: { type: PVE_TEMPLATE, hostname: msg.node, status: word },
  };
}

/**
 * The perl side: PVE's common template data (hostname, fqdn, cluster-name), ours on top, and the
 * notification sent with the severity and fields given. `notify` dies on a config or template error.
 */
export const PVE_NOTIFY_PERL = [
  'use strict; use warnings;',
  'use JSON; use PVE::Notify;',
  'my $n = JSON::decode_json(do { local $/; <STDIN> });',
  'my $data = PVE::Notify::common_template_data();',
  '$data->{$_} = $n->{data}->{$_} for keys %{ $n->{data} };',
  'PVE::Notify::notify($n->{severity}, $n->{template}, $data, $n->{fields});',
].join(' ');

/** The native channel when the node has PVE::Notify and our templates, else null. */
export function pveNotifyChannel(ctx: ChannelContext, toolVersion: string): Channel | null {
  const have = (p: string) => existsSync(hostPath(ctx.host, p));
  if (!have(PVE_NOTIFY_MODULE) || !PVE_TEMPLATE_FILES.every((f) => have(`${PVE_TEMPLATE_DIR}/${f}`))) return null;
  return {
    name: 'pve',
    target: `PVE notifications (type=${PVE_TEMPLATE})`,
    secrets: [],
    async send(msg) {
      const input = JSON.stringify(pveNotification(msg, toolVersion));
      try {
        await ctx.host.exec(['perl', '-e', PVE_NOTIFY_PERL], { input, timeoutMs: ctx.timeoutMs, env: ctx.host.env });
      } catch (e) {
        if (e instanceof CommandNotFoundError) throw new PermanentError('PVE notifications: perl not found');
        if (e instanceof CommandError) throw new PermanentError(`PVE notifications: ${e.message}`);
        throw new TransientError(`PVE notifications: ${(e as Error).message}`);
      }
    },
  };
}
