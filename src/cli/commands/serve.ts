// `pve-health serve`: the dashboard, the JSON API and /metrics as a small always-on service.
// Checks run on their own schedule (DM every serve.dm_interval s, mounts every mounts.cache_ttl s);
// requests only read the last result. Runs until SIGTERM/SIGINT.

import { statSync } from 'node:fs';
import { buildCheckDocument } from '../../core/findings/evaluate';
import { mountSettings } from '../../core/mounts/mount-settings';
import { mountsInputGap } from '../../core/node/storage-gaps';
import { UsageError } from '../../core/vocab/errors';
import type { DmResult, MountsResult } from '../../core/vocab/types';
import type { VolumesResult } from '../../core/vocab/volume-types';
import { acksFile } from '../../host/acks-file';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../host/gather';
import { readProcessStats } from '../../host/read-process-stats';
import { selfCommand } from '../../host/self-command';
import { renderPrometheus } from '../../render/prometheus';
import { authorize, checkListenPolicy, DEFAULT_LISTEN, parseListen, resolveToken } from '../../serve/auth';
import { createChildScanner } from '../../serve/child-scan';
import { createRouter, type DocumentParts } from '../../serve/routes';
import { sampled } from '../../serve/sampled';
import { createScanHistory, recordServiceScan } from '../../serve/scan-history';
import { DEFAULT_LIMITS, listen } from '../../serve/server';
import { createService, type Part } from '../../serve/service';
import { VERSION } from '../../version';
import { type CommandContext, defineCommand } from '../command';
import { mountsPart, volumesPart, withMountsGap } from '../gather-parts';
import { checkMounts, hostNodeName, mountTimeoutMs } from '../mounts-pipeline';
import { loadFor, openSession, type Session, withAcks } from '../node-session';
import { recordedQuarantines, withQuarantine } from '../quarantine-listing';
import { clusterViews, DEFAULT_CLUSTER_INTERVAL_S, makeClusterScanner } from '../serve-cluster';

const DEFAULT_DM_INTERVAL_S = 60;
const NO_MOUNTS: MountsResult = { summary: { total: 0 }, entries: [], status: 0 };

interface Scanners {
  scanDm: () => Promise<DmResult>;
  scanMounts: () => Promise<MountsResult>;
  /**
   * Guest volumes (ZFS, RBD, file storages): a child `pve-health volumes --json` per scan; from a
   * snapshot, what it recorded (absent when it recorded nothing, as `check` leaves the part out).
   */
  scanVolumes?: () => Promise<VolumesResult>;
  /** Node name and data source of the last DM scan (for the document). */
  origin: () => { node: string; source: string } | null;
}

/**
 * DM: a child `pve-health dm --json` per scan (see src/serve/child-scan.ts). Mounts: live through the
 * probe tracker in this process (probes are children already); --demo/--from read the snapshot,
 * which is loaded here once at start so a bad file fails the start.
 */
async function makeScanners(ctx: CommandContext, s: Session): Promise<Scanners> {
  const g = ctx.global;
  const source = [
    ...(g.root !== '/' ? ['--root', g.root] : []),
    ...(g.config ? ['--config', g.config] : []),
    ...(g.demo ? ['--demo'] : []),
    ...(g.from ? ['--from', g.from] : []),
  ];
  const commandTimeoutMs = (s.config.dm?.command_timeout ?? DEFAULT_COMMAND_TIMEOUT_MS / 1000) * 1000;
  const child = createChildScanner({
    exec: s.host.exec,
    argv: [...selfCommand(), 'dm', '--json', '--no-color', ...source],
    // gather runs a handful of commands one after another, each with its own deadline.
    timeoutMs: 8 * commandTimeoutMs + 60_000,
    // The child needs no token.
    env: { ...ctx.io.env, PVE_HEALTH_TOKEN: '' },
  });
  // Volumes in a child too: a file storage's listing runs in a killable reader child of its own.
  const volumesChild = createChildScanner({
    exec: s.host.exec,
    argv: [...selfCommand(), 'volumes', '--json', '--no-color', ...source],
    timeoutMs: 4 * commandTimeoutMs + 60_000,
    env: { ...ctx.io.env, PVE_HEALTH_TOKEN: '' },
    part: 'volumes',
  });
  const scanVolumes = async () => (await volumesChild()).volumes!;
  let origin: { node: string; source: string } | null = null;
  const scanDm = async () => {
    const doc = await child();
    origin = { node: doc.node, source: doc.source ?? 'live' };
    return doc.dm!;
  };
  if (g.demo || g.from) {
    const loaded = await loadFor(ctx, s);
    // The same part as `check` reads from a snapshot: UNKNOWN with the reason when storage.cfg or the
    // mount tables parse to less than the node has (gather-parts.ts withMountsGap).
    const mounts = (await mountsPart(s.host, s.config, loaded, { timeoutMs: 0 })) ?? NO_MOUNTS;
    const vols = await volumesPart(s.host, loaded, { mounts });
    return { scanDm, scanMounts: async () => mounts, scanVolumes: vols && (async () => vols), origin: () => origin };
  }
  // fresh: the schedule is the cache TTL already; a cached result would be up to one interval older.
  // A mount whose earlier probe is stuck is still never probed again. The timeout by the rule of every
  // other mounts check (PVE_HEALTH_MOUNT_TIMEOUT over mounts.timeout), as the volumes child takes it.
  const timeoutMs = mountTimeoutMs(s.host, s.config);
  return {
    scanDm,
    scanMounts: async () => {
      const { raw, result } = await checkMounts(s.host, s.config, { fresh: true, timeoutMs });
      return withMountsGap(result, mountsInputGap(raw));
    },
    scanVolumes,
    origin: () => origin,
  };
}

export const serveCommand = defineCommand({
  name: 'serve',
  usage: 'serve [--listen ADDR:PORT] [--dm-interval SECONDS] [--cluster [--cluster-interval SECONDS]]',
  globals: ['root', 'from', 'demo', 'config'],
  examples: [
    'serve',
    '# needs a token: PVE_HEALTH_TOKEN or serve.token:',
    'serve --listen 0.0.0.0:9712',
    'serve --listen unix:/run/pve-health/serve.sock',
    'serve --cluster',
  ],
  help: `Options:
  --listen ADDR:PORT          Where to listen (default ${DEFAULT_LISTEN}; config serve.listen). Any address
                              other than loopback needs a token: config serve.token (file mode 0600) or
                              PVE_HEALTH_TOKEN, sent as "Authorization: Bearer TOKEN". unix:PATH listens on
                              a Unix socket of mode 0600 (only root can read it, e.g. for a local reverse
                              proxy).
  --dm-interval SECONDS       Device-mapper scan interval (default ${DEFAULT_DM_INTERVAL_S}; config serve.dm_interval).
                              Mounts are scanned every mounts.cache_ttl seconds.
  --cluster                   Also scan the whole cluster ('pve-health cluster --json', same [cluster] ssh
                              settings) every --cluster-interval seconds: /api/cluster, and
                              pve_health_cluster_* series with node names in /metrics.
  --cluster-interval SECONDS  Cluster scan interval (default ${DEFAULT_CLUSTER_INTERVAL_S}; [cluster] scan_interval).
Guest volumes (ZFS, Ceph RBD, file storages) are scanned every --dm-interval too.
Routes (read-only): /  /api/status  /api/dm  /api/mounts  /api/volumes  /api/cluster  /metrics  /healthz`,
  options: {
    listen: { type: 'string' },
    'dm-interval': { type: 'string' },
    cluster: { type: 'boolean' },
    'cluster-interval': { type: 'string' },
  },
  async run(ctx) {
    const session = openSession(ctx);
    const { config, host } = session;
    const addr = parseListen(ctx.values.listen ?? config.serve?.listen ?? DEFAULT_LISTEN);
    const token = resolveToken(config.serve?.token, ctx.io.env);
    checkListenPolicy(addr, token);
    const dmIntervalS = intervalSeconds(ctx.values['dm-interval'], config.serve?.dm_interval);
    const mountsIntervalMs = Math.max(5_000, mountSettings(config).cacheTtlMs);

    const scanners = await makeScanners(ctx, session);
    const history = createScanHistory({
      host,
      persist: !ctx.global.demo && !ctx.global.from,
      warn: (m) => ctx.io.err(`pve-health serve: ${m}\n`),
    });
    // Every finished scan goes into the history: its status and counts, or UNKNOWN when it failed.
    const onScan = (part: Part) => recordServiceScan(history, service, part, buildDocument);
    const service = createService({
      onScan,
      scanDm: scanners.scanDm,
      scanMounts: scanners.scanMounts,
      scanVolumes: scanners.scanVolumes,
      dmIntervalMs: dmIntervalS * 1000,
      volumesIntervalMs: dmIntervalS * 1000,
      mountsIntervalMs,
      now: () => new Date(),
    });
    // Before the first DM scan has loaded anything, the node name comes from .members/hostname.
    const fallbackNode = hostNodeName(host);
    // Acknowledgements (state dir) apply to every document served; the child's dm part is re-decided.
    const buildDocument = (parts: DocumentParts) => {
      const o = scanners.origin();
      const doc = buildCheckDocument({
        node: o?.node ?? fallbackNode,
        now: parts.scannedAt ?? new Date(),
        dm: parts.dm ?? undefined,
        mounts: parts.mounts ?? undefined,
        volumes: parts.volumes ?? undefined,
        source: o?.source ?? (ctx.global.demo ? 'demo' : ctx.global.from ? `snapshot:${ctx.global.from}` : 'live'),
        guiUrl: config.links?.pve_gui,
      });
      // A live node's journals prove what pve-health quarantined (anything else so named is never due) and
      // name each quarantined volume's own restore command.
      const recorded = ctx.global.demo || ctx.global.from ? undefined : () => recordedQuarantines(host);
      return withAcks(host, withQuarantine(doc, new Date(), config, { recorded }), new Date());
    };
    const cluster = ctx.values.cluster ? makeClusterScanner(ctx, session) : null;
    const handle = createRouter({
      service,
      buildDocument,
      renderMetrics: renderPrometheus,
      policy: { token, socket: Boolean(addr.path) },
      version: VERSION,
      sourceUrl: config.serve?.source_url,
      memory: sampled(() => process.memoryUsage()),
      processStats: sampled(readProcessStats),
      history: history.get,
      // An acknowledgement made with `pve-health ack` shows within a second.
      stamp: sampled(() => ackStamp(acksFile(host))),
      cluster: cluster ? clusterViews(cluster.scanner) : undefined,
    });
    // A connection that showed the token is never evicted for an unauthenticated one (no token: none is).
    const http = await listen(addr, handle, DEFAULT_LIMITS, (req) =>
      token
        ? authorize(
            { token, socket: false },
            typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined,
            undefined,
          ).ok
        : false,
    );
    service.start();
    cluster?.scanner.start();
    const shown = http.address.host.includes(':') ? `[${http.address.host}]` : http.address.host;
    const where = http.address.path
      ? `unix:${http.address.path} (mode 0600: root only)`
      : `http://${shown}:${http.address.port}/`;
    // checkListenPolicy refused other addresses without a token.
    const access = token
      ? 'API needs "Authorization: Bearer <token>" (token from serve.token or PVE_HEALTH_TOKEN)'
      : addr.path
        ? 'no token: the socket file limits readers'
        : 'loopback only, no token: any local user can read it; set a token or listen on unix:PATH';
    ctx.io.err(
      `pve-health serve: listening on ${where} (${access}); ` +
        `DM scan every ${dmIntervalS} s, mounts every ${mountsIntervalMs / 1000} s; source ${ctx.global.demo ? 'demo' : ctx.global.from ? ctx.global.from : 'live'}` +
        `${cluster ? `; cluster scan every ${cluster.intervalS} s` : ''}\n`,
    );

    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    service.stop();
    cluster?.scanner.stop();
    await http.close();
    // The last scan's history reaches the file before the process ends (written off the event loop).
    await history.flush();
    ctx.io.err('pve-health serve: stopped\n');
    return 0;
  },
});

/** Changes when the acks file is written, and every 30 s (an acknowledgement may have expired). */
function ackStamp(path: string): string {
  let m = 0;
  try {
    m = statSync(path).mtimeMs;
  } catch {}
  return `${m}:${Math.floor(Date.now() / 30_000)}`;
}

function intervalSeconds(cli: string | undefined, configured: number | undefined): number {
  if (cli === undefined) return configured ?? DEFAULT_DM_INTERVAL_S;
  const n = Number(cli);
  if (!Number.isFinite(n) || n < 1 || n > 86_400)
    throw new UsageError(`--dm-interval must be seconds between 1 and 86400 (got '${cli}')`);
  return n;
}
