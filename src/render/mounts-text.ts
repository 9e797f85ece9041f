// Console rendering of the mounts check: one line of counts, a table (problems first), stuck
// probes with what to do about them, warnings. Pure.

import { formatBytes } from '../core/text/format-bytes';
import { STATUS_WORD } from '../core/vocab/status';
import type { MountEntry, MountsResult } from '../core/vocab/types';
import { paint, renderTable, STATUS_STYLE, type Style } from './text';
import { wrapText } from './wrap';

const STYLE: Record<string, Style> = { ok: 'green', stale: 'red', missing: 'red', readonly: 'yellow', full: 'yellow' };

function styleOf(e: MountEntry): Style {
  if (e.status === 'full') return e.severity === 2 ? 'red' : 'yellow';
  return STYLE[e.status] ?? 'blue';
}

function usage(e: MountEntry): string {
  if (e.usagePercent === null) return '-';
  return `${e.usagePercent}% of ${formatBytes(e.totalBytes)}`;
}

export interface MountsTextOptions {
  color: boolean;
  quiet?: boolean;
  /** Columns to fit (0 or absent: do not wrap). */
  width?: number;
  /** `check --vmid`: the guests the part was cut down to (core/findings/select-guests.ts). */
  vmids?: number[];
}

/** "CT 110 dns1": the container's ID for pct, its hostname as PVE's GUI shows it ("CT 110" without one). */
export const ctLabel = (e: Pick<MountEntry, 'ctid' | 'ctName'>): string =>
  `CT ${e.ctid}${e.ctName ? ` ${e.ctName}` : ''}`;

/** What an empty cut-down part means: none of the guests' mounts, and no host mount with a problem. */
function noneSelected(vmids: number[]): string {
  const who = `${vmids.length === 1 ? 'guest' : 'guests'} ${vmids.join(', ')}`;
  return `no mount of ${who} (a container's are checked while it runs) and no host mount with a problem`;
}

export function renderMountsText(m: MountsResult, o: MountsTextOptions): string {
  const s = m.summary as Record<string, number>;
  const timeoutMs = typeof m.timeoutMs === 'number' ? m.timeoutMs : null;
  // A removed storage's mount that stayed (`leftover`) is counted only when there is one.
  const counts = ['ok', 'stale', 'readonly', 'full', 'missing', 'unchecked', ...(s.leftover ? ['leftover'] : [])]
    .map((k) => `${s[k] ?? 0} ${k}`)
    .join(', ');
  const how = [
    `${s.containers ?? 0} running container${s.containers === 1 ? '' : 's'}`,
    `${s.probed ?? 0} probed`,
    s.cached ? `${s.cached} from cache (--fresh to probe now)` : '',
    s.stuck ? `${s.stuck} stuck probe${s.stuck === 1 ? '' : 's'}` : '',
    timeoutMs !== null ? `timeout ${timeoutMs / 1000} s` : '',
  ].filter(Boolean);
  const out = [
    wrapText(
      `${paint('Mounts', 'bold', o.color)}: ${paint(STATUS_WORD[m.status], STATUS_STYLE[m.status], o.color)} — ${s.total ?? m.entries.length} checked: ${counts} (${how.join(', ')})`,
      o.width ?? 0,
      '',
      '  ',
    ),
  ];
  // Why is said in the first lines of the report (problems-text.ts renderHeadline), once.
  if (typeof m.error === 'string') out.push('  UNKNOWN: could not check (the reason is in the first lines)');
  const rank = (e: MountEntry) => (e.status === 'ok' ? 1 : 0) * 10 - (e.severity ?? 0);
  const rows = [...m.entries].filter((e) => !o.quiet || e.status !== 'ok').sort((a, b) => rank(a) - rank(b));
  if (rows.length) {
    out.push('');
    out.push(
      renderTable(
        ['STATUS', 'WHERE', 'TARGET', 'TYPE', 'SOURCE', 'USED', 'STORAGE', 'DETAIL'],
        rows.map((e) => [
          e.status,
          e.scope === 'ct' ? ctLabel(e) : 'host',
          e.target,
          e.fstype || '-',
          e.source || '-',
          usage(e),
          e.storage ?? '-',
          e.status === 'ok' ? (e.probe?.cached ? 'ok (cached)' : '') : (e.detail ?? e.error ?? ''),
        ]),
        (r, c) => (c === 0 ? styleOf(rows[r]) : null),
        o.color,
        o.width ?? 0,
      ),
    );
  } else if (!m.entries.length) {
    out.push(
      o.vmids?.length
        ? `  ${noneSelected(o.vmids)}`
        : '  no remote mounts, no storage mount points, no running containers',
    );
  }
  const stuck = Array.isArray(m.stuckProbes)
    ? (m.stuckProbes as { pid: number; since: string; paths: string[] }[])
    : [];
  if (stuck.length) {
    out.push('', paint('Stuck probes', 'bold', o.color));
    for (const p of stuck) {
      out.push(
        wrapText(
          `pid ${p.pid} since ${p.since}: ${p.paths.join(', ')} — killed, still in uninterruptible sleep; no new probe of these mounts starts until it ends (when the server answers, or after umount -f -l of the mount)`,
          o.width ?? 0,
          '  ',
          '    ',
        ),
      );
    }
  }
  const warnings = Array.isArray(m.warnings) ? (m.warnings as string[]) : [];
  if (warnings.length && !o.quiet)
    out.push('', paint('Warnings', 'bold', o.color), ...warnings.map((w) => wrapText(w, o.width ?? 0, '  ', '    ')));
  return out.join('\n');
}
