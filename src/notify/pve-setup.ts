// `pve-health notify --setup-pve`: a matcher in PVE's notification system that routes type=pve-health
// to a target, made the way PVE's GUI makes one — through the API (`pvesh create
// /cluster/notifications/matchers`, pve-manager PVE/API2/Cluster/Notifications.pm create_matcher: name,
// match-field "(regex|exact):<field>=<value>", mode all|any, target, comment), which writes
// /etc/pve/notifications.cfg under pmxcfs's lock. The GUI's matcher editor lists only the field values
// PVE knows (get_matcher_field_values), so `type=pve-health` cannot be picked there; once made, the
// matcher shows in Datacenter → Notifications and its targets can be changed there.

import { shellQuote } from '../core/text/shell-quote';
import { CommandNotFoundError } from '../core/vocab/errors';
import type { Host } from '../host/host';
import { PVE_TEMPLATE } from './pve-notify';

/** PVE's built-in target (a sendmail target to root@pam's address), there since matchers came (PVE 8.1). */
export const PVE_DEFAULT_TARGET = 'mail-to-root';
export const PVE_MATCHER = 'pve-health';
const COMMENT = 'pve-health findings (made by pve-health notify --setup-pve)';

export interface PveSetupPlan {
  /** The API call that makes the matcher. */
  create: string[];
  /** What it adds to /etc/pve/notifications.cfg (section config: a header, then indented key value lines). */
  stanza: string;
}

export function planPveSetup(target: string): PveSetupPlan {
  const field = `exact:type=${PVE_TEMPLATE}`;
  return {
    create: [
      'pvesh',
      'create',
      '/cluster/notifications/matchers',
      '--name',
      PVE_MATCHER,
      '--match-field',
      field,
      '--mode',
      'all',
      '--target',
      target,
      '--comment',
      COMMENT,
    ],
    stanza: [
      `matcher: ${PVE_MATCHER}`,
      `\tcomment ${COMMENT}`,
      `\tmatch-field ${field}`,
      '\tmode all',
      `\ttarget ${target}`,
    ].join('\n'),
  };
}

/** The words `notify --setup-pve --dry-run` prints: the command, and the stanza it writes. */
export function renderPveSetupPlan(p: PveSetupPlan): string {
  return [
    'Would make PVE notification matcher pve-health (routes type=pve-health to its target):',
    `  ${shellQuote(p.create)}`,
    'which adds to /etc/pve/notifications.cfg:',
    ...p.stanza.split('\n').map((l) => `  ${l}`),
    // The GUI's "Exact" value list has only PVE's own types (PVE 8.2+); its Regex field is free text.
    'Or in the GUI: Datacenter → Notifications → Notification Matchers → Add; Match Rules: Add, Match Field,',
    'Match Type "Regex", Field "type", Regex ^pve-health$; Targets to notify: the target (docs/reports.md).',
    '',
  ].join('\n');
}

/** Make the matcher unless it exists; says what happened. Throws a CommandError the caller reports. */
export async function applyPveSetup(host: Host, p: PveSetupPlan): Promise<string> {
  const get = ['pvesh', 'get', `/cluster/notifications/matchers/${PVE_MATCHER}`, '--output-format', 'json'];
  try {
    await host.exec(get, { timeoutMs: 30_000, env: host.env });
    return `PVE notification matcher ${PVE_MATCHER} exists already: change its targets in Datacenter → Notifications, or ${shellQuote(['pvesh', 'set', `/cluster/notifications/matchers/${PVE_MATCHER}`, '--target', '<target>'])}\n`;
  } catch (e) {
    if (e instanceof CommandNotFoundError) throw e;
    // Not found (pvesh exits non-zero): make it.
  }
  await host.exec(p.create, { timeoutMs: 30_000, env: host.env });
  return `Made PVE notification matcher ${PVE_MATCHER}: ${shellQuote(p.create)}\n`;
}
