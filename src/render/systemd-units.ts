// systemd units that run the check periodically. The .deb ships them (with ExecStart
// /usr/bin/pve-health); `pve-health install-timer` writes them with the path of the running
// executable. Pure text.
import { SOURCE_URL } from '../version';

export const SERVICE_NAME = 'pve-health.service';
export const TIMER_NAME = 'pve-health.timer';
export const DEFAULT_EXEC = ['/usr/bin/pve-health'];
/** What the timer runs: check, notify on change, refresh node_exporter's textfile. */
// --textfile-if-present: a node without node_exporter's textfile directory is no failure of the timer;
// an explicit --textfile DIR that does not exist is.
export const DEFAULT_CHECK_ARGS = [
  'check',
  '--quiet',
  '--notify',
  '--textfile-if-present',
  '/var/lib/prometheus/node-exporter',
];

/** Quote one ExecStart word (systemd.service "Command lines": C-style quotes; % and $ are specifiers). */
export function systemdQuote(word: string): string {
  const esc = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(esc)) return esc;
  return `"${esc.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const DOCUMENTATION = `Documentation=man:pve-health(1) ${SOURCE_URL}`;

/**
 * Sandboxing both services share. What they must keep: root (dmsetup's ioctls, lvs reading the block
 * devices, the containers' /proc/PID/mountinfo), the real /dev (no PrivateDevices), and every mount as the
 * host has it. Hence ProtectSystem=full, not strict: strict (and ProtectHome=read-only for anything under
 * /home) remounts each mount read-only inside the service's namespace, and the check would report every
 * storage mounted at start as "mounted read-only". /etc, /usr and /boot read-only do not matter: no storage
 * lives there, and nothing of ours writes there. /root stays readable for `cluster`'s ssh key.
 */
const COMMON_SANDBOX = `ProtectSystem=full
ProtectHome=read-only
PrivateTmp=yes
NoNewPrivileges=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native`;

export interface ServiceUnitOptions {
  /** Program and leading arguments, e.g. ["/usr/bin/node", "/opt/pve-health.cjs"]. */
  exec?: string[];
  args?: string[];
}

export function renderServiceUnit(opts: ServiceUnitOptions = {}): string {
  const argv = [...(opts.exec ?? DEFAULT_EXEC), ...(opts.args ?? DEFAULT_CHECK_ARGS)];
  return `[Unit]
Description=Proxmox VE guest-disk and remote-mount health check
${DOCUMENTATION}
# Guest configs come from /etc/pve (pmxcfs); checking before it is mounted would find only orphans.
After=pve-cluster.service
ConditionPathExists=/etc/pve

[Service]
Type=oneshot
ExecStart=${argv.map(systemdQuote).join(' ')}
# Findings (1 WARNING, 2 CRITICAL) are reported by notifications and metrics, not by a failed unit;
# 3 (could not check) fails it.
SuccessExitStatus=1 2
Nice=10
IOSchedulingClass=idle
TimeoutStartSec=10min
# Root with all its capabilities: notifications go through the local MTA (postfix's postdrop writes its
# queue as root with CAP_DAC_OVERRIDE), and the textfile goes to node_exporter's directory (mode 0644).
${COMMON_SANDBOX}
`;
}

export interface TimerUnitOptions {
  /** Minutes between runs (1-60, default 15). */
  intervalMinutes?: number;
}

function intervalOf(opts: TimerUnitOptions): { every: number; delay: number } {
  const every = opts.intervalMinutes ?? 15;
  if (!Number.isInteger(every) || every < 1 || every > 60) throw new RangeError('interval must be 1-60 minutes');
  return { every, delay: Math.max(1, Math.floor((every * 60) / 5)) };
}

export function renderTimerUnit(opts: TimerUnitOptions = {}): string {
  const { every, delay } = intervalOf(opts);
  return `[Unit]
Description=Run pve-health every ${every} minutes
${DOCUMENTATION}
After=pve-cluster.service

[Timer]
OnCalendar=*:0/${every}
# Spread the nodes of a cluster so they do not all run lvs and probe the same NFS server at once.
RandomizedDelaySec=${delay}
# Catch up after downtime (one run, not one per missed slot).
Persistent=true
AccuracySec=30s

[Install]
WantedBy=timers.target
`;
}

/**
 * A drop-in for the packaged timer at another interval (`install-timer --interval N` on a node with the
 * package): the package's unit stays the one systemd reads, so its updates still apply. The empty
 * OnCalendar= clears the shipped schedule before the new one is added (systemd.unit "drop-in").
 */
export function renderTimerDropIn(opts: TimerUnitOptions = {}): string {
  const { every, delay } = intervalOf(opts);
  return `# Written by 'pve-health install-timer --interval ${every}': the packaged timer at another interval.
[Timer]
OnCalendar=
OnCalendar=*:0/${every}
RandomizedDelaySec=${delay}
`;
}

/** The units as shipped in the .deb (/usr/lib/systemd/system). */
export const PVE_HEALTH_SERVICE_UNIT = renderServiceUnit();
export const PVE_HEALTH_TIMER_UNIT = renderTimerUnit();

export const SERVE_SERVICE_NAME = 'pve-health-serve.service';

/**
 * The service's environment (docs/serve.md "Memory"), measured at 400 guests under 20 concurrent clients:
 * glibc gives each thread that allocates its own malloc arena (up to 8 per core), and the zlib and file
 * work of libuv's thread pool spreads over them, each keeping its freed memory — two arenas hold the
 * same work in less resident memory. V8's young generation grows up to 16 MiB per semi-space by default
 * (Node 20); 2 MiB keeps the heap's resident size near what is live at the cost of more frequent
 * scavenges (the service's command line says it too, for the single executable: SERVE_V8_OPTIONS). No
 * --max-old-space-size: a cap below what a large node's documents need would end the service, not
 * shrink it. NODE_OPTIONS reaches the scan children too (the same `pve-health`), whose own command line
 * (4 MiB, scripts/package/sea.ts) takes precedence; the single executable takes no NODE_OPTIONS.
 */
export const SERVE_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  // glibc's mmap threshold rises to the size of the largest block freed (up to 32 MiB), so after the first
  // scan the bodies of ~1 MB came from the heap and stayed there; fixed at 128 KiB they are mapped and
  // given back when freed, and the heap's top is trimmed at 128 KiB: 5-7 MiB less RSS side by side, no
  // measurable CPU (a few mappings per scan).
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
  NODE_OPTIONS: '--max-semi-space-size=2',
};

/**
 * V8 options of the service process alone (docs/serve.md "Memory"). `--lite-mode` is V8's low-memory
 * configuration: no JIT (the bytecode interpreter only, so neither the optimizing compiler's code nor
 * its output is paged in) and optimize_for_size (a heap that grows less before it collects). The
 * service's requests copy bytes rendered once per scan, and each scan's analysis runs in a child
 * process with the JIT: at 400 guests under 20 concurrent clients the steady RSS went from 79 to 63 MiB
 * with the same p99 and CPU (npm run bench:serve). Node refuses it in NODE_OPTIONS, and NODE_OPTIONS
 * would reach those children: it is on the service's command line (serveExec). Semi-spaces of 2 MiB:
 * the programs start with 4 (scripts/package/sea.ts SEA_EXEC_ARGV), faster for one analysis of a large
 * node; the service's resident memory is measured with 2, and the executable takes no NODE_OPTIONS.
 */
export const SERVE_V8_OPTIONS: readonly string[] = ['--lite-mode', '--max-semi-space-size=2'];

/** The packages' program: the single executable (`pve-health`) or a script for Debian's node (`pve-health-nodejs`). */
export type PackagedProgram = 'executable' | 'nodejs';

/**
 * The service's command line in each package: the single executable takes node options as
 * `--node-options=...` before its arguments (its execArgvExtension "cli", scripts/package/sea.ts);
 * pve-health-nodejs's program is a script, so node is named with the options before it. Its scan
 * children are started as `<program> dm --json` (host/self-command.ts), without these options.
 */
export function serveExec(program: PackagedProgram): string[] {
  return program === 'nodejs'
    ? ['/usr/bin/node', ...SERVE_V8_OPTIONS, ...DEFAULT_EXEC]
    : [...DEFAULT_EXEC, `--node-options=${SERVE_V8_OPTIONS.join(' ')}`];
}

/** The always-on dashboard/API/metrics service (docs/serve.md). */
export function renderServeUnit(opts: ServiceUnitOptions = {}): string {
  const argv = [...(opts.exec ?? serveExec('executable')), ...(opts.args ?? ['serve'])];
  return `[Unit]
Description=pve-health dashboard, JSON API and Prometheus metrics
${DOCUMENTATION}
# Guest configs come from /etc/pve (pmxcfs); the first scan waits for it.
After=pve-cluster.service network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${argv.map(systemdQuote).join(' ')}
# Memory (docs/serve.md "Memory"): two malloc arenas instead of one per allocating thread, and V8's young
# generation capped at 2 MiB per semi-space; measured lower resident memory at 400 guests under load.
${Object.entries(SERVE_ENVIRONMENT)
  .map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`)}`)
  .join('\n')}
# Listening on anything but 127.0.0.1 needs a token: serve.token in the 0600 config, or
# Environment=PVE_HEALTH_TOKEN=... in a drop-in of mode 0600.
Restart=on-failure
RestartSec=5s
# No Nice=: answering takes ~1 ms of CPU a request, and on a busy node a niced service answers late.
# Its scans are niced instead: each scan child runs at nice 10, like the timer's check.
# A scan child stuck in uninterruptible sleep cannot be killed; do not wait for it on stop.
KillMode=mixed
TimeoutStopSec=15s
# Sandbox (systemd-analyze security: exposure under 3). Capabilities: CAP_SYS_ADMIN for dmsetup's
# device-mapper ioctls and lvs, CAP_SYS_PTRACE to read the containers' /proc/PID/mountinfo and probe
# their mounts through /proc/PID/root; nothing else (the files it reads are root's own).
CapabilityBoundingSet=CAP_SYS_ADMIN CAP_SYS_PTRACE
${COMMON_SANDBOX}
PrivateMounts=yes
PrivateIPC=yes
KeyringMode=private
ProtectProc=invisible
UMask=0077
# lvs reads the block devices; dmsetup and zfs talk through /dev/mapper/control and /dev/zfs (misc).
DevicePolicy=closed
DeviceAllow=block-* r
DeviceAllow=char-misc rw
# Listening and \`serve --cluster\`'s ssh need inet and unix sockets; netlink for glibc's address lookups.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`;
}

export const PVE_HEALTH_SERVE_SERVICE_UNIT = renderServeUnit();

/** The units of one package: pve-health-nodejs starts the service through Debian's node (serveExec). */
export function unitsOfProgram(program: PackagedProgram): Record<string, string> {
  return {
    [SERVICE_NAME]: PVE_HEALTH_SERVICE_UNIT,
    [TIMER_NAME]: PVE_HEALTH_TIMER_UNIT,
    [SERVE_SERVICE_NAME]: renderServeUnit({ exec: serveExec(program) }),
  };
}
