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
// JSON on stdin, the program written for the PVE::Notify generation the node has (its `notify` took four
// signatures from PVE 8.0 to 9.x); the templates ship in the package. When the native call fails, or
// PVE::Notify or our templates are absent, pve-chain.ts falls back to proxmox-mail-forward, then sendmail.
import { existsSync, readFileSync } from 'node:fs';
import { type PveNotifyApi, parsePveNotifyApi } from '../core/parse/pve-notify-api';
import { CommandError, CommandNotFoundError, lastLine, TimeoutError } from '../core/vocab/errors';
import type { Status } from '../core/vocab/types';
import { hostPath } from '../host/host';
import type { Channel, ChannelContext } from './channel';
import type { Message } from './message';
import { PermanentError, TransientError } from './retry';

/** pve-cluster's module (libpve-notify-perl, PVE 8.0 and later). */
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
 * The perl side, one program per PVE::Notify generation (core/parse/pve-notify-api.ts), each calling
 * `notify` with the arguments that generation takes. It dies on a config or template error, and the
 * channel falls back (pve-chain.ts).
 *   template-common (PVE 8.4, 9.x): PVE's common template data (hostname, fqdn, cluster-name), ours on
 *     top, our named template.
 *   template (PVE 8.2, 8.3): our named template; no common_template_data (calling it dies "Undefined
 *     subroutine"), so the hostname is the node's.
 *   title-message (PVE 8.1): the title and body are handlebars templates rendered with the data; ours are
 *     "{{ subject }}" and "{{ text }}", so nothing in a finding is read as a template.
 *   target (PVE 8.0): the same, sent to PVE's default target (mail-to-root), with no matcher fields.
 */
const PERL_HEAD =
  'use strict; use warnings; use JSON; use PVE::Notify; my $n = JSON::decode_json(do { local $/; <STDIN> });';
const PERL_DATA = 'my $data = { %{ $n->{data} } };';
export const PVE_NOTIFY_PERL: Record<PveNotifyApi, string> = {
  'template-common': [
    PERL_HEAD,
    'my $data = PVE::Notify::common_template_data();',
    '$data->{$_} = $n->{data}->{$_} for keys %{ $n->{data} };',
    'PVE::Notify::notify($n->{severity}, $n->{template}, $data, $n->{fields});',
  ].join(' '),
  template: [
    PERL_HEAD,
    PERL_DATA,
    '$data->{hostname} //= $n->{data}->{node};',
    'PVE::Notify::notify($n->{severity}, $n->{template}, $data, $n->{fields});',
  ].join(' '),
  'title-message': [
    PERL_HEAD,
    PERL_DATA,
    "PVE::Notify::notify($n->{severity}, '{{ subject }}', '{{ text }}', $data, $n->{fields});",
  ].join(' '),
  target: [
    PERL_HEAD,
    PERL_DATA,
    "PVE::Notify::notify(PVE::Notify::default_target(), $n->{severity}, '{{ subject }}', '{{ text }}', $data);",
  ].join(' '),
};

/** What the node offers: the PVE::Notify generation, or why the native channel cannot be used. */
export function pveNotifyApi(ctx: ChannelContext): { api: PveNotifyApi } | { missing: string } {
  const module = hostPath(ctx.host, PVE_NOTIFY_MODULE);
  let text: string;
  try {
    text = readFileSync(module, 'utf8');
  } catch {
    return { missing: `${PVE_NOTIFY_MODULE} not found (PVE before 8.0, or libpve-notify-perl not installed)` };
  }
  const api = parsePveNotifyApi(text);
  if (!api) return { missing: `${PVE_NOTIFY_MODULE}: no PVE::Notify::notify this version knows` };
  const named = api === 'template' || api === 'template-common';
  const have = (p: string) => existsSync(hostPath(ctx.host, p));
  if (named && !PVE_TEMPLATE_FILES.every((f) => have(`${PVE_TEMPLATE_DIR}/${f}`)))
    return { missing: `the pve-health templates are not in ${PVE_TEMPLATE_DIR} (install the package)` };
  return { api };
}

/** The native channel for the PVE::Notify generation the node has. */
export function pveNotifyChannel(ctx: ChannelContext, api: PveNotifyApi, toolVersion: string): Channel {
  return {
    name: 'pve',
    target: `PVE::Notify (${api}, type=${PVE_TEMPLATE})`,
    secrets: [],
    async send(msg) {
      const input = JSON.stringify(pveNotification(msg, toolVersion));
      try {
        await ctx.host.exec(['perl', '-e', PVE_NOTIFY_PERL[api]], {
          input,
          timeoutMs: ctx.timeoutMs,
          env: ctx.host.env,
        });
      } catch (e) {
        // Said without the script (its argv is a whole perl program): the report, the notify state and
        // check's line carry this message.
        if (e instanceof CommandNotFoundError) throw new PermanentError('PVE::Notify: perl not found');
        if (e instanceof CommandError)
          throw new PermanentError(
            `PVE::Notify: perl failed (exit ${e.code ?? 'signal'}): ${lastLine(e.stderr) || 'no message'}`,
          );
        if (e instanceof TimeoutError)
          throw new TransientError(`PVE::Notify: perl did not finish within ${e.timeoutMs / 1000} s (killed)`);
        throw new TransientError(`PVE::Notify: ${(e as Error).message}`);
      }
    },
  };
}
