import { existsSync } from 'node:fs';
import { UsageError } from '../../core/vocab/errors';
import { writeFileSafely } from '../../host/write-file';
import { DEFAULT_TEXTFILE_NAME, writeTextfile } from '../../host/write-textfile';
import { renderHtml } from '../../render/html';
import { renderMountsText } from '../../render/mounts-text';
import { renderPrometheus } from '../../render/prometheus';
import { sanitizeDeep } from '../../render/sanitize';
import { defineCommand } from '../command';
import { mountsPart, systemPart, volumesPart } from '../gather-parts';
import { mountTimeoutMs } from '../mounts-pipeline';
import { dmPart, documentFor, loadFor, openSession, vmidsOption } from '../node-session';
import { printDocument } from '../output';
import { notifyAfterCheck } from './notify';

export const checkCommand = defineCommand({
  name: 'check',
  usage:
    'check [-q] [--json|--format FMT] [--notify] [--html FILE] [--textfile DIR] [--fresh] [--vmid N] [--root DIR | --from FILE | --demo]',
  examples: [
    'check',
    '# what the timer runs:',
    'check -q --notify \\\n      --textfile-if-present /var/lib/prometheus/node-exporter',
    '# NRPE / Icinga: one status line, perfdata, the problems:',
    'check --format nagios',
    'check --json > /root/pve1-check.json',
    '# only what concerns guest 103 (its exit code too):',
    'check --vmid 103',
    'check --html /root/pve-health.html',
    'check --demo   # the bundled demo node',
  ],
  help: `Options:
  --vmid N          Only guest N's findings (repeatable, or 103,104): its volumes, maps, container mounts,
                    and the node's own (a thin pool, a host mount: every guest's; leftover LVs only
                    when some are N's); the status, grade and
                    exit code count both; says how many findings of other guests it leaves out (not with
                    --notify or --textfile, which speak for the whole node)
  --html FILE       Also write the standalone HTML report to FILE
  --textfile DIR    Also write Prometheus metrics to DIR/${DEFAULT_TEXTFILE_NAME} (atomically, for node_exporter;
                    replaced on every run, failures included; a missing DIR is an error, exit 3)
  --textfile-if-present DIR   The same, but only when DIR exists (the timer's default: nodes without node_exporter)
  --fresh           Probe mounts now, ignoring the cached results of a recent run
  --timeout SEC     Mount probe timeout (default 2 s; also PVE_HEALTH_MOUNT_TIMEOUT)
  --notify          Send the configured notifications when the findings changed (docs/reports.md)
  --always          With --notify: send even when nothing changed`,
  options: {
    vmid: { type: 'string', multiple: true },
    html: { type: 'string' },
    textfile: { type: 'string' },
    'textfile-if-present': { type: 'string' },
    fresh: { type: 'boolean' },
    timeout: { type: 'string' },
    notify: { type: 'boolean' },
    always: { type: 'boolean' },
  },
  async run(ctx) {
    const started = performance.now();
    const vmids = vmidsOption(ctx.values.vmid);
    // Notifications and the textfile speak for the whole node: a cut-down document would resolve the rest.
    if (vmids.length && (ctx.values.notify || ctx.values.textfile || ctx.values['textfile-if-present']))
      throw new UsageError('--vmid cannot be used with --notify or --textfile: they report the whole node');
    const s = openSession(ctx);
    const loaded = await loadFor(ctx, s);
    const dm = dmPart(loaded, s.config);
    const mounts = await mountsPart(s.host, s.config, loaded, {
      fresh: Boolean(ctx.values.fresh),
      timeoutMs: mountTimeoutMs(s.host, s.config, ctx.values.timeout),
    });
    const volumes = await volumesPart(s.host, loaded, { mounts });
    const doc = documentFor(loaded, s.host, { dm, mounts, volumes }, { vmids, config: s.config });
    const durationSeconds = (performance.now() - started) / 1000;
    const system = ctx.values.html || ctx.values.notify ? await systemPart(s.host, loaded) : undefined;
    if (ctx.values.html) writeFileSafely(ctx.values.html, renderHtml(doc, { system }), 0o644);
    // A failed send is reported on stderr and never changes the verdict.
    if (ctx.values.notify)
      await notifyAfterCheck(ctx.io, s.host, s.config, doc, {
        always: Boolean(ctx.values.always),
        system,
        quiet: ctx.global.quiet,
      });
    // The textfile is replaced on every run, failures included: a stale healthy file would be exported forever.
    let textfileError: string | null = null;
    const optional = ctx.values['textfile-if-present'];
    const textfileDir = ctx.values.textfile ?? (optional && existsSync(optional) ? optional : undefined);
    if (textfileDir) {
      try {
        await writeTextfile(
          textfileDir,
          DEFAULT_TEXTFILE_NAME,
          renderPrometheus(doc, { durationSeconds, timestampSeconds: s.host.now().getTime() / 1000 }),
        );
      } catch (e) {
        textfileError = (e as Error).message;
      }
    }
    const mountsText = doc.mounts
      ? renderMountsText(sanitizeDeep(doc.mounts), {
          color: ctx.global.color,
          quiet: ctx.global.quiet,
          width: ctx.global.width,
          vmids: doc.selection?.vmids,
        })
      : undefined;
    const status = printDocument(ctx, doc, { durationSeconds, mountsText });
    if (textfileError === null) return status;
    ctx.io.err(`pve-health: could not write the metrics textfile: ${textfileError}\n`);
    return 3;
  },
});
