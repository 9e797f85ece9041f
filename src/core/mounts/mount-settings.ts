// The mounts check's settings: the config's [mounts] table with the defaults filled in. Pure.
import type { Config } from '../vocab/config';

export interface MountSettings {
  timeoutMs: number;
  concurrency: number;
  cacheTtlMs: number;
  warningPercent: number;
  criticalPercent: number;
  /** Host paths, or "CTID:/path", meant to be read-only. */
  expectedReadonly: string[];
  /** Patterns ("/mnt/x", "/mnt/pve/*", "105:/data") never checked. */
  ignore: string[];
  /** More filesystem types to treat as network filesystems. */
  networkTypes: string[];
}

export const MOUNT_DEFAULTS = {
  timeoutMs: 2000,
  concurrency: 64,
  cacheTtlMs: 60_000,
  warningPercent: 85,
  criticalPercent: 95,
} as const;

export function mountSettings(config: Config, overrides: { timeoutMs?: number } = {}): MountSettings {
  const m = config.mounts ?? {};
  return {
    timeoutMs: overrides.timeoutMs ?? (m.timeout !== undefined ? m.timeout * 1000 : MOUNT_DEFAULTS.timeoutMs),
    concurrency: m.concurrency ?? MOUNT_DEFAULTS.concurrency,
    cacheTtlMs: m.cache_ttl !== undefined ? m.cache_ttl * 1000 : MOUNT_DEFAULTS.cacheTtlMs,
    warningPercent: m.warning_percent ?? MOUNT_DEFAULTS.warningPercent,
    criticalPercent: m.critical_percent ?? MOUNT_DEFAULTS.criticalPercent,
    expectedReadonly: m.expected_readonly ?? [],
    ignore: m.ignore ?? [],
    networkTypes: m.network_types ?? [],
  };
}
