// Every command of the CLI, in the order `pve-health --help` lists them: its name and summary here,
// its code loaded only when it runs (changelogen style), so `pve-health dm` does not initialise the
// mailer, the dashboard or the cleanup executor. The summary lives only here.
import type { Command } from './command';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

/** A command's code with its summary: what help, the man page and the completions show. */
export type LoadedCommand = Command & { summary: string };

export const COMMANDS: CommandEntry[] = [
  {
    name: 'check',
    summary: 'Everything: guest volumes on every storage, device-mapper, storage health and mounts, one verdict',
    load: () => import('./commands/check').then((m) => m.checkCommand),
  },
  {
    name: 'dm',
    summary: 'Device-mapper health: valid, duplicate and orphaned maps and LVs of guest disks, with the fix for each',
    load: () => import('./commands/dm').then((m) => m.dmCommand),
  },
  {
    name: 'mounts',
    summary: 'Remote mounts of the node and its containers: stale, read-only, full or missing (never hangs)',
    load: () => import('./commands/mounts').then((m) => m.mountsCommand),
  },
  {
    name: 'volumes',
    summary: 'Guest volumes on ZFS, Ceph RBD, dir/NFS/CIFS/CephFS/btrfs storages: valid, orphaned, what holds them',
    load: () => import('./commands/volumes').then((m) => m.volumesCommand),
  },
  {
    name: 'cluster',
    summary: 'Every node of the cluster over ssh, merged: grade per node and problems only the whole cluster shows',
    load: () => import('./commands/cluster').then((m) => m.clusterCommand),
  },
  {
    name: 'report',
    summary: 'Write the HTML report (and/or print the result as text, json, nagios, checkmk or prometheus)',
    load: () => import('./commands/report').then((m) => m.reportCommand),
  },
  {
    name: 'notify',
    summary:
      'Check, then notify (PVE notifications by default; Mailjet, SMTP, sendmail, webhook) when the findings changed',
    load: () => import('./commands/notify').then((m) => m.notifyCommand),
  },
  {
    name: 'ack',
    summary: 'Acknowledge a finding for a while, with a reason: it no longer changes the exit code or notifies',
    load: () => import('./commands/ack').then((m) => m.ackCommand),
  },
  {
    name: 'capture',
    summary:
      'Write everything gathered on this node to one snapshot file (secrets redacted), for --from and bug reports',
    load: () => import('./commands/capture').then((m) => m.captureCommand),
  },
  {
    name: 'clean',
    summary: 'Fix orphaned and duplicate device-mapper entries safely (journal; undo with restore)',
    load: () => import('./commands/clean').then((m) => m.cleanCommand),
  },
  {
    name: 'reclaim',
    summary: 'Quarantine proven orphans reversibly on every storage (journal; undo with restore), purge them later',
    load: () => import('./commands/reclaim').then((m) => m.reclaimCommand),
  },
  {
    name: 'restore',
    summary: 'Undo a clean or reclaim run from its journal (reactivate LVs, recreate maps, bring volumes back)',
    load: () => import('./commands/restore').then((m) => m.restoreCommand),
  },
  {
    name: 'serve',
    summary: 'Dashboard, JSON API and Prometheus metrics as a small service',
    load: () => import('./commands/serve').then((m) => m.serveCommand),
  },
  {
    name: 'install-timer',
    summary: 'Install and enable the systemd timer that runs the check every 15 minutes',
    load: () => import('./commands/install-timer').then((m) => m.installTimerCommand),
  },
];

export function commandNamed(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export async function loadCommand(entry: CommandEntry): Promise<LoadedCommand> {
  return { ...(await entry.load()), summary: entry.summary };
}

/** Every command's code (the man page, the completions and their tests). */
export function loadAllCommands(): Promise<LoadedCommand[]> {
  return Promise.all(COMMANDS.map(loadCommand));
}
