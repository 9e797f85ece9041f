// The HTML report's tables of guests, mounts and the system (report-wide layout and findings are
// html.ts's): tables for layout and inline styles, as html-kit's, every system value through esc(). Pure.

import { mountLabel } from '../core/findings/finding-words';
import { mountSeverity } from '../core/findings/findings';
import type { GuestRow } from '../core/findings/guest-rows';
import { formatUptime, type SystemInfo } from '../core/parse/system-info';
import { formatBytes } from '../core/text/format-bytes';
import { SEVERITY_RANK } from '../core/vocab/status';
import type { MountEntry } from '../core/vocab/types';
import { capacityText } from './dashboard-view';
import { badge, esc, escPath, table } from './html-kit';
import { look, MONO } from './html-style';

/**
 * Every part's findings about each guest (core/findings/guest-rows.ts), worst first: a row for each guest
 * with something found, and the guests with nothing found in one line of VMIDs and names (a node of 400
 * guests made a table of half a megabyte, the body of every notification).
 */
export function guestTable(guests: GuestRow[], max = Number.POSITIVE_INFINITY): string {
  const sorted = [...guests].sort(
    (a, b) => SEVERITY_RANK[b.level] - SEVERITY_RANK[a.level] || b.issues - a.issues || a.vmid - b.vmid,
  );
  const fine = sorted.filter((g) => g.level === 0 && g.issues === 0);
  const found = sorted.filter((g) => !fine.includes(g));
  // A bounded body (a notification) has rows for the worst `max` and names the others by VMID.
  const more = found.slice(max);
  const rows = found
    .slice(0, max)
    .map((g) => [
      esc(g.vmid),
      esc(g.name),
      esc(g.type === 'lxc' ? 'CT' : 'VM'),
      esc(g.status),
      badge(g.health, g.level),
      esc(g.issues),
    ]);
  const note = (html: string) => `<p ${look({ fg: 'muted' }, 'margin:8px 0 0 0;font-size:13px')}>${html}</p>`;
  const rest = more.length
    ? note(
        `${more.length} more ${more.length === 1 ? 'guest' : 'guests'} with findings: ${more.map((g) => esc(g.vmid)).join(', ')} (<code class="mono" style="${MONO}">pve-health check</code> lists them).`,
      )
    : '';
  const ok = fine.length
    ? note(
        `${fine.length === sorted.length ? 'All' : `The other ${fine.length}`} ${fine.length === 1 ? 'guest has' : 'guests have'} nothing found${
          // A bounded body counts them; the report names them.
          Number.isFinite(max) ? '' : `: ${fine.map((g) => esc(`${g.vmid}${g.name ? ` ${g.name}` : ''}`)).join(', ')}`
        }.`,
      )
    : '';
  return (rows.length ? table(['VMID', 'Name', 'Type', 'State', 'Health', 'Issues'], rows) : '') + rest + ok;
}

function capacityBar(m: MountEntry): string {
  if (m.usagePercent === null || m.usagePercent === undefined)
    return `<span ${look({ fg: 'muted' })}>${esc(capacityText(m))}</span>`;
  const pct = Math.max(0, Math.min(100, Math.round(m.usagePercent)));
  const color = m.status === 'full' ? '#dc2626' : pct >= 80 ? '#ca8a04' : '#16a34a';
  const fill =
    pct > 0 ? `<td width="${pct}%" style="background:${color};height:8px;font-size:0;line-height:0">&nbsp;</td>` : '';
  const rest =
    pct < 100
      ? `<td width="${100 - pct}%" ${look({ bg: 'track' }, 'height:8px;font-size:0;line-height:0')}>&nbsp;</td>`
      : '';
  const size = m.totalBytes ? ` of ${esc(formatBytes(m.totalBytes))}` : '';
  return `<table role="presentation" width="140" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:140px"><tr>${fill}${rest}</tr></table><div ${look({ fg: 'muted' }, 'font-size:12px')}>${esc(pct)}%${size}</div>`;
}

const small = (html: string) => `<div ${look({ fg: 'muted' }, 'font-size:12px')}>${html}</div>`;

export function mountTable(entries: MountEntry[]): string {
  if (entries.length === 0) return `<p ${look({ fg: 'muted' }, 'font-size:14px')}>No remote mounts.</p>`;
  const rows = entries.map((m) => [
    `<code class="mono" style="${MONO};font-size:13px">${escPath(mountLabel(m))}</code>${m.storage ? small(`storage ${esc(m.storage)}`) : ''}`,
    `${escPath(m.source)}${small(esc(m.fstype))}`,
    `${badge(m.status, mountSeverity(m))}${m.error ? small(esc(m.error)) : ''}`,
    capacityBar(m),
  ]);
  return table(['Mount', 'Source', 'Status', 'Capacity'], rows);
}

export function systemTable(s: SystemInfo): string {
  const rows: [string, string | null][] = [
    ['Proxmox VE', s.pveVersion],
    ['Kernel', s.kernel],
    ['Uptime', s.uptimeSeconds === null ? null : formatUptime(s.uptimeSeconds)],
    ['Load (1/5/15 min)', s.load ? `${s.load.join(' / ')}${s.cpus ? ` on ${s.cpus} CPUs` : ''}` : null],
    [
      'Memory',
      s.memory
        ? `${formatBytes(s.memory.usedBytes)} used of ${formatBytes(s.memory.totalBytes)} (${Math.round((s.memory.usedBytes / s.memory.totalBytes) * 100)}%)`
        : null,
    ],
    [
      'Root disk',
      s.rootDisk
        ? `${formatBytes(s.rootDisk.usedBytes)} used of ${formatBytes(s.rootDisk.totalBytes)} (${s.rootDisk.usagePercent}%)`
        : null,
    ],
  ];
  return table(
    ['Item', 'Value'],
    rows.filter(([, v]) => v !== null).map(([k, v]) => [esc(k), esc(v)]),
    { stack: false },
  );
}
