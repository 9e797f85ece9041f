import { buildCheckDocument } from '../../core/findings/evaluate';
import { classifySnapshotMounts } from '../../core/mounts/classify-mounts';
import type { MountsRaw } from '../../core/mounts/mount-types';
import { mountsInputGap } from '../../core/node/storage-gaps';
import { CheckError } from '../../core/vocab/errors';
import type { MountsResult } from '../../core/vocab/types';
import { createHost } from '../../host/host';
import { loadSnapshot } from '../../host/load-snapshot';
import { readConfig } from '../../host/read-config';
import { renderMountsText } from '../../render/mounts-text';
import { sanitizeDeep } from '../../render/sanitize';
import { defineCommand } from '../command';
import { withMountsGap } from '../gather-parts';
import { checkMounts, hostNodeName, mountTimeoutMs } from '../mounts-pipeline';
import { isCheckFailure, nodeOf, viewOf, withAcks } from '../node-session';
import { printDocument } from '../output';

export const mountsCommand = defineCommand({
  name: 'mounts',
  usage: 'mounts [--json|--format FMT] [--fresh] [--timeout SEC] [--root DIR | --from FILE | --demo]',
  examples: ['mounts', 'mounts --fresh --timeout 5', 'mounts --format checkmk'],
  help: `Every network filesystem (NFS, CIFS, CephFS, GlusterFS, sshfs...) on the host and inside running
containers, the storages that must be mounted, and the capacity of container filesystems. Each
superblock is probed once, in a child process killed at the deadline.
Exit: 2 stale or missing (or above mounts.critical_percent), 1 read-only or full, 3 could not check.

Options:
  --fresh           Probe now, ignoring results cached by a run less than mounts.cache_ttl ago
  --timeout SEC     Probe timeout (default 2 s; also PVE_HEALTH_MOUNT_TIMEOUT, config mounts.timeout)`,
  options: {
    fresh: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run(ctx) {
    const started = performance.now();
    const host = createHost({ root: ctx.global.root, env: ctx.io.env });
    const config = readConfig(host, ctx.global.config);
    const timeoutMs = mountTimeoutMs(host, config, ctx.values.timeout);
    let mounts: MountsResult;
    let node: string;
    let source = 'live';
    if (ctx.global.from || ctx.global.demo) {
      const loaded = await loadSnapshot(host, { from: ctx.global.from, demo: ctx.global.demo });
      const m = classifySnapshotMounts(loaded.snap, config);
      if (!m) throw new CheckError(`${loaded.source}: no mount data recorded (extra.mounts)`);
      mounts = withMountsGap(m, viewOf(loaded).storageGap ?? mountsInputGap(loaded.snap.extra?.mounts as MountsRaw));
      node = nodeOf(loaded);
      source = loaded.source;
    } else {
      try {
        const { raw, result } = await checkMounts(host, config, { fresh: Boolean(ctx.values.fresh), timeoutMs });
        mounts = withMountsGap(result, mountsInputGap(raw));
        node = result.node;
      } catch (e) {
        // Could not check: an UNKNOWN part that says why, in every output form.
        if (!isCheckFailure(e)) throw e;
        mounts = { summary: { total: 0 }, entries: [], status: 3, error: e.message };
        node = hostNodeName(host);
      }
    }
    const guiUrl = config.links?.pve_gui;
    const doc = withAcks(host, buildCheckDocument({ node, now: host.now(), mounts, source, guiUrl }));
    const mountsText = renderMountsText(sanitizeDeep(mounts), {
      color: ctx.global.color,
      quiet: ctx.global.quiet,
      width: ctx.global.width,
    });
    return printDocument(ctx, doc, { durationSeconds: (performance.now() - started) / 1000, mountsText });
  },
});
