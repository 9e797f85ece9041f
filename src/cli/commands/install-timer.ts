import { existsSync, lstatSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { shellQuote } from '../../core/text/shell-quote';
import { UsageError } from '../../core/vocab/errors';
import { createHost, type Host, hostPath } from '../../host/host';
import { lastingSelfCommand } from '../../host/self-command';
import { writeFileSafely } from '../../host/write-file';
import {
  DEFAULT_CHECK_ARGS,
  renderServiceUnit,
  renderTimerDropIn,
  renderTimerUnit,
  SERVICE_NAME,
  TIMER_NAME,
} from '../../render/systemd-units';
import { defineCommand, type Io } from '../command';

export const UNIT_DIR = '/etc/systemd/system';
/** Where a package's units live (systemd's unit search path below /etc; Debian 12 still ships some in /lib). */
export const PACKAGE_UNIT_DIRS = ['/usr/lib/systemd/system', '/lib/systemd/system'];
const DROP_IN = `${UNIT_DIR}/${TIMER_NAME}.d/interval.conf`;

/** The package's timer, when the node has the pve-health package (under --root). */
function packagedTimer(host: Host): string | null {
  for (const dir of PACKAGE_UNIT_DIRS) {
    if (existsSync(hostPath(host, join(dir, TIMER_NAME))) && existsSync(hostPath(host, join(dir, SERVICE_NAME))))
      return join(dir, TIMER_NAME);
  }
  return null;
}

/** Regular files in /etc/systemd/system with our units' names: they hide the package's units. */
function shadowingCopies(host: Host): string[] {
  return [SERVICE_NAME, TIMER_NAME]
    .map((n) => join(UNIT_DIR, n))
    .filter((p) => {
      try {
        return lstatSync(hostPath(host, p)).isFile();
      } catch {
        return false;
      }
    });
}

async function enable(host: Host, io: Io, opts: { skip: boolean; reload: boolean; what: string }): Promise<void> {
  if (opts.skip) {
    io.err(
      `pve-health: not enabled; run: ${opts.reload ? 'systemctl daemon-reload && ' : ''}systemctl enable --now ${TIMER_NAME}\n`,
    );
    return;
  }
  // Without a running systemd (a chroot, an image being built) only the links can be made, as
  // deb-systemd-helper does: `systemctl enable` works offline; daemon-reload and --now need the manager.
  if (!existsSync(hostPath(host, '/run/systemd/system'))) {
    await host.exec(['systemctl', 'enable', TIMER_NAME], { timeoutMs: 60_000 });
    io.err(
      `pve-health: ${TIMER_NAME} enabled (${opts.what}); systemd is not running here, so it starts when systemd does\n`,
    );
    return;
  }
  if (opts.reload) await host.exec(['systemctl', 'daemon-reload'], { timeoutMs: 60_000 });
  await host.exec(['systemctl', 'enable', '--now', TIMER_NAME], { timeoutMs: 60_000 });
  io.err(`pve-health: ${TIMER_NAME} enabled (${opts.what}); see: systemctl list-timers ${TIMER_NAME}\n`);
}

/**
 * A node with the package: its units are the ones to run. Enable them; another interval is a drop-in
 * (the packaged unit and its updates stay in force); a copy of ours in /etc/systemd/system that would hide
 * them is refused with what to do, never overwritten or deleted.
 */
async function enablePackaged(
  host: Host,
  io: Io,
  opts: { unit: string; interval: number | null; exec: string | undefined; dryRun: boolean; skip: boolean },
): Promise<number> {
  if (opts.exec !== undefined)
    throw new UsageError(
      `--exec: this node has the pve-health package (${opts.unit}), whose service runs /usr/bin/pve-health`,
    );
  const shadows = shadowingCopies(host);
  if (shadows.length) {
    io.err(
      `pve-health: ${shadows.join(' and ')} (an earlier install-timer's copy) hide${shadows.length === 1 ? 's' : ''} the package's units and every update of them.\n` +
        `Remove ${shadows.length === 1 ? 'it' : 'them'}, then run install-timer again:\n  ${shellQuote(['rm', ...shadows])} && systemctl daemon-reload\n`,
    );
    return 1;
  }
  const dropIn = opts.interval === null ? null : renderTimerDropIn({ intervalMinutes: opts.interval });
  if (opts.dryRun) {
    io.out(
      `# the package's units: ${opts.unit} and its service\n${dropIn ? `# ${DROP_IN}\n${dropIn}` : ''}# systemctl enable --now ${TIMER_NAME}\n`,
    );
    return 0;
  }
  if (dropIn) {
    const file = hostPath(host, DROP_IN);
    await mkdir(join(file, '..'), { recursive: true });
    writeFileSafely(file, dropIn, 0o644);
    io.err(`pve-health: wrote ${file} (the packaged timer every ${opts.interval} min)\n`);
  } else io.err(`pve-health: this node has the pve-health package: using its units (${opts.unit})\n`);
  const what = dropIn ? `every ${opts.interval} min` : `the package's schedule, ${opts.unit}`;
  await enable(host, io, { skip: opts.skip, reload: dropIn !== null, what });
  return 0;
}

export const installTimerCommand = defineCommand({
  name: 'install-timer',
  usage: 'install-timer [--interval MIN] [--exec PATH] [--dry-run] [--no-enable] [--root DIR]',
  globals: ['root'],
  examples: [
    'install-timer',
    'install-timer --interval 5',
    'install-timer --dry-run   # print the units, change nothing',
  ],
  help: `With the pve-health package installed: enables its own units ('systemctl enable --now ${TIMER_NAME}');
--interval writes a drop-in (${DROP_IN}), so the packaged units and their updates stay in force.
Without it: writes ${UNIT_DIR}/${SERVICE_NAME} and ${TIMER_NAME} (under --root), then runs
'systemctl daemon-reload' and 'systemctl enable --now ${TIMER_NAME}'.
  --interval MIN    Minutes between runs (1-60, default 15)
  --exec PATH       Program to run (default: this executable; not with the package)
  --dry-run         Print the units, write nothing
  --no-enable       Write the units but do not call systemctl (implied with --root other than /)
The service runs: pve-health ${DEFAULT_CHECK_ARGS.join(' ')}`,
  options: {
    interval: { type: 'string' },
    exec: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'no-enable': { type: 'boolean' },
  },
  async run(ctx) {
    const interval = ctx.values.interval === undefined ? 15 : Number(ctx.values.interval);
    if (!Number.isInteger(interval) || interval < 1 || interval > 60)
      throw new UsageError('--interval must be a whole number of minutes, 1-60');
    const host = createHost({ root: ctx.global.root, env: ctx.io.env });
    // Under --root the units belong to a fake tree: systemctl would act on the real host.
    const skip = Boolean(ctx.values['no-enable']) || (host.root !== '/' && host.root !== '');
    const unit = packagedTimer(host);
    if (unit) {
      return enablePackaged(host, ctx.io, {
        unit,
        interval: ctx.values.interval === undefined ? null : interval,
        exec: ctx.values.exec,
        dryRun: Boolean(ctx.values['dry-run']),
        skip,
      });
    }
    const exec = ctx.values.exec ? [ctx.values.exec] : await lastingSelfCommand();
    const service = renderServiceUnit({ exec });
    const timer = renderTimerUnit({ intervalMinutes: interval });
    if (ctx.values['dry-run']) {
      ctx.io.out(`# ${join(UNIT_DIR, SERVICE_NAME)}\n${service}\n# ${join(UNIT_DIR, TIMER_NAME)}\n${timer}`);
      return 0;
    }
    const dir = hostPath(host, UNIT_DIR);
    await mkdir(dir, { recursive: true });
    for (const [name, text] of [
      [SERVICE_NAME, service],
      [TIMER_NAME, timer],
    ]) {
      writeFileSafely(join(dir, name), text, 0o644);
      ctx.io.err(`pve-health: wrote ${join(dir, name)}\n`);
    }
    await enable(host, ctx.io, { skip, reload: true, what: `every ${interval} min` });
    return 0;
  },
});
