import { redactSnapshot } from '../../core/redact/redact';
import { UsageError } from '../../core/vocab/errors';
import { createHost } from '../../host/host';
import { loadSnapshot } from '../../host/load-snapshot';
import { readConfig } from '../../host/read-config';
import { writeFileSafely } from '../../host/write-file';
import { defineCommand } from '../command';
import { mountsPart, systemPart, volumesPart } from '../gather-parts';
import { mountTimeoutMs } from '../mounts-pipeline';

export const captureCommand = defineCommand({
  name: 'capture',
  positionals: 1,
  usage: 'capture FILE [--root DIR]',
  globals: ['root', 'from', 'demo', 'config'],
  examples: ['capture /root/pve1.json', '# later, anywhere: pve-health dm --from /root/pve1.json'],
  help: `Writes device-mapper, LVM and Proxmox state (dmsetup/lvs outputs, /etc/pve configs, processes)
to FILE as JSON. cloud-init passwords, SSH keys and storage passwords/tokens are replaced by
<redacted>. Analyse it anywhere with: pve-health dm --from FILE`,
  async run(ctx) {
    const file = ctx.positionals[0];
    if (!file || ctx.positionals.length > 1) throw new UsageError('capture needs exactly one FILE argument');
    const host = createHost({ root: ctx.global.root, env: ctx.io.env });
    const config = readConfig(host, ctx.global.config);
    const t = config.dm?.command_timeout;
    const loaded = await loadSnapshot(host, {
      from: ctx.global.from,
      demo: ctx.global.demo,
      timeoutMs: t ? t * 1000 : undefined,
    });
    // Mount probes and system information ride along, so --from replays the whole check.
    await mountsPart(host, config, loaded, { timeoutMs: mountTimeoutMs(host, config, undefined) });
    await volumesPart(host, loaded);
    await systemPart(host, loaded);
    const snap = redactSnapshot(loaded.snap);
    writeFileSafely(file, `${JSON.stringify(snap, null, 1)}\n`, 0o600);
    const n = snap.commands['dmsetup.info']?.stdout.split('\n').filter(Boolean).length ?? 0;
    ctx.io.err(
      `pve-health: wrote ${file} (${n} DM devices, ${Object.keys(snap.files).length} files, secrets redacted)\n`,
    );
    return 0;
  },
});
