import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../core/errors';
import { createHost, hostPath } from '../../host/host';
import { lastingSelfCommand } from '../../host/self-command';
import { writeFileSafely } from '../../host/write-file';
import {
  DEFAULT_CHECK_ARGS,
  renderServiceUnit,
  renderTimerUnit,
  SERVICE_NAME,
  TIMER_NAME,
} from '../../render/systemd-units';
import { defineCommand } from '../command';

export const UNIT_DIR = '/etc/systemd/system';

export const installTimerCommand = defineCommand({
  name: 'install-timer',
  usage: 'install-timer [--interval MIN] [--exec PATH] [--dry-run] [--no-enable] [--root DIR]',
  globals: ['root'],
  examples: [
    'install-timer',
    'install-timer --interval 5',
    'install-timer --dry-run   # print the units, change nothing',
  ],
  help: `Writes ${UNIT_DIR}/${SERVICE_NAME} and ${TIMER_NAME} (under --root), then runs
'systemctl daemon-reload' and 'systemctl enable --now ${TIMER_NAME}'.
  --interval MIN    Minutes between runs (1-60, default 15)
  --exec PATH       Program to run (default: this executable)
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
    const exec = ctx.values.exec ? [ctx.values.exec] : await lastingSelfCommand();
    const service = renderServiceUnit({ exec });
    const timer = renderTimerUnit({ intervalMinutes: interval });
    if (ctx.values['dry-run']) {
      ctx.io.out(`# ${join(UNIT_DIR, SERVICE_NAME)}\n${service}\n# ${join(UNIT_DIR, TIMER_NAME)}\n${timer}`);
      return 0;
    }
    const host = createHost({ root: ctx.global.root, env: ctx.io.env });
    const dir = hostPath(host, UNIT_DIR);
    await mkdir(dir, { recursive: true });
    for (const [name, text] of [
      [SERVICE_NAME, service],
      [TIMER_NAME, timer],
    ]) {
      writeFileSafely(join(dir, name), text, 0o644);
      ctx.io.err(`pve-health: wrote ${join(dir, name)}\n`);
    }
    // Under --root the units belong to a fake tree: systemctl would act on the real host.
    if (ctx.values['no-enable'] || (host.root !== '/' && host.root !== '')) {
      ctx.io.err(`pve-health: not enabled; run: systemctl daemon-reload && systemctl enable --now ${TIMER_NAME}\n`);
      return 0;
    }
    await host.exec(['systemctl', 'daemon-reload'], { timeoutMs: 60_000 });
    await host.exec(['systemctl', 'enable', '--now', TIMER_NAME], { timeoutMs: 60_000 });
    ctx.io.err(`pve-health: ${TIMER_NAME} enabled (every ${interval} min); see: systemctl list-timers ${TIMER_NAME}\n`);
    return 0;
  },
});
