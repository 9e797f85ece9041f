// Console rendering: summary, per-guest health table, each issue with its reason in words and the
// fix it would need. Pure; colours only when asked (the CLI turns them off for NO_COLOR / non-TTY).
import { STATUS_WORD } from '../core/findings/status';
import type { CheckDocument, DmEntry, DmResult, GuestHealth, Status } from '../core/types';
import { GUEST_HEALTH_STATUS } from '../core/dm/dm-summary';
import { formatBytes } from '../core/format-bytes';
import { isDmFinding } from '../core/findings/findings';
import { shellQuote } from '../core/shell-quote';

export interface TextOptions {
  color: boolean;
  quiet?: boolean;
}

const CODES = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  gray: [90, 39],
  bold: [1, 22],
  dim: [2, 22],
} as const;
export type Style = keyof typeof CODES;

export function paint(text: string, style: Style, on: boolean): string {
  if (!on) return text;
  const [a, b] = CODES[style];
  return `\u001b[${a}m${text}\u001b[${b}m`;
}

/** The colour of each monitoring state, in every console output. */
export const STATUS_STYLE: Record<Status, Style> = { 0: 'green', 1: 'yellow', 2: 'red', 3: 'blue' };

/** Fixed-width table; cells are plain text (colour is applied per cell after padding). */
export function renderTable(
  headers: string[],
  rows: string[][],
  styles?: (row: number, col: number) => Style | null,
  color = false,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], row: number) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]);
        const st = row >= 0 ? styles?.(row, i) : 'bold';
        return st ? paint(padded, st, color) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(headers, -1), ...rows.map((r, i) => line(r, i))].join('\n');
}

function healthStyle(h: GuestHealth['health']): Style | null {
  const s = GUEST_HEALTH_STATUS[h];
  return s === undefined ? null : STATUS_STYLE[s];
}

function entryStyle(e: DmEntry): Style {
  return e.pending
    ? 'gray'
    : e.status === 'duplicate'
      ? 'red'
      : e.status === 'orphan'
        ? 'yellow'
        : e.status === 'unknown'
          ? 'blue'
          : 'green';
}

export function issuesOf(dm: DmResult): DmEntry[] {
  return dm.entries.filter(isDmFinding);
}

function renderIssue(e: DmEntry, o: TextOptions): string {
  const tag = `${e.status}/${e.reason}`;
  const flags = [
    e.pending ? 'pending' : '',
    e.protected ? `protected: ${e.protectedBy.join(', ')}` : '',
    // Said once: a detail that starts with it already says so.
    e.active || e.detail.startsWith('inactive LV') ? '' : 'inactive LV',
    e.open
      ? `open (count ${e.openCount}${e.processes.length ? `, ${e.processes.map((p) => `${p.command}[${p.pid}]`).join(' ')}` : ''}${e.holders.length ? `, held by ${e.holders.join(' ')}` : ''})`
      : '',
  ].filter(Boolean);
  const lines = [
    `${paint('●', entryStyle(e), o.color)} ${paint(e.name, 'bold', o.color)}  ${paint(tag, entryStyle(e), o.color)}${e.sizeBytes ? `  ${formatBytes(e.sizeBytes)}` : ''}`,
    `    ${e.detail}`,
  ];
  if (flags.length) lines.push(`    ${paint(flags.join('; '), 'dim', o.color)}`);
  if (e.action) lines.push(`    fix: ${shellQuote(e.action.command)}  — ${e.action.effect}`);
  else if (e.protected || e.pending)
    lines.push(`    fix: none now (${e.pending ? 'an operation explains it; check again when it ends' : 'protected'})`);
  if (e.hint) lines.push(`    ${paint(e.hint, 'dim', o.color)}`);
  return lines.join('\n');
}

export function renderDmText(dm: DmResult, o: TextOptions): string {
  const s = dm.summary;
  const out: string[] = [];
  if (dm.error)
    return `${paint('Device-mapper', 'bold', o.color)}: ${paint(STATUS_WORD[3], STATUS_STYLE[3], o.color)} — could not check: ${dm.error}`;
  out.push(
    `${paint('Device-mapper', 'bold', o.color)}: ${paint(`grade ${s.grade}`, STATUS_STYLE[dm.status], o.color)} (score ${s.score}/100) — ` +
      `${s.total} entries: ${s.valid} valid, ${s.duplicate} duplicate, ${s.orphan} orphan, ${s.unknown} unknown, ${s.ignored} ignored` +
      `${s.pendingFindings ? `, ${s.pendingFindings} pending (a running operation explains ${s.pendingFindings === 1 ? 'it' : 'them'})` : ''}; ` +
      `${s.open} open, ${s.protected} protected${s.pending ? ` (${s.pending} by an operation under way)` : ''}`,
  );
  if (!o.quiet && dm.guests.length) {
    out.push('');
    const rows = dm.guests.map((g) => [
      String(g.vmid),
      g.name,
      g.type === 'lxc' ? 'CT' : 'VM',
      g.node,
      g.status + (g.lock ? ` (lock: ${g.lock})` : ''),
      g.health + (g.issues ? ` (${g.issues})` : ''),
    ]);
    out.push(
      renderTable(
        ['ID', 'NAME', 'TYPE', 'NODE', 'STATUS', 'DM HEALTH'],
        rows,
        (r, c) => (c === 5 ? healthStyle(dm.guests[r].health) : null),
        o.color,
      ),
    );
  }
  const issues = issuesOf(dm);
  if (issues.length) {
    out.push('', paint(`Issues (${issues.length})`, 'bold', o.color));
    for (const e of issues) out.push(renderIssue(e, o));
  }
  const storage = dm.storage ?? [];
  if (storage.length) {
    out.push('', paint(`Storage health (${storage.length})`, 'bold', o.color));
    for (const f of storage) {
      const st: Style = f.severity === 'critical' ? 'red' : f.severity === 'warning' ? 'yellow' : 'gray';
      out.push(
        `${paint('●', st, o.color)} ${paint(f.title, 'bold', o.color)}  ${paint(f.severity, st, o.color)}`,
        `    ${f.detail}`,
      );
      for (const fix of f.fix) out.push(`    ${fix.startsWith('#') ? paint(fix, 'dim', o.color) : `fix: ${fix}`}`);
    }
  }
  const r = dm.vmidReuse;
  if (r.messages.length) {
    out.push('', paint('VMID reuse', 'bold', o.color));
    for (const m of r.messages) out.push(`  ${m}`);
    const others = r.leftovers.filter((l) => !(r.nextVmid === l.vmid || r.upcoming.includes(l.vmid)));
    if (others.length) {
      out.push(
        `  leftovers of unused VMIDs: ${others.map((l) => `${l.vmid} (${volumeCount(l.count ?? l.volumes.length)}, ${formatBytes(l.totalBytes)})`).join(', ')}`,
      );
    }
  }
  if (dm.warnings.length && !o.quiet) {
    out.push('', paint('Warnings', 'bold', o.color), ...dm.warnings.map((w) => `  ${w}`));
  }
  return out.join('\n');
}

const volumeCount = (n: number) => `${n} volume${n === 1 ? '' : 's'}`;

/**
 * The whole document for the console. Parts rendered by other modules (mounts, volumes) are passed
 * in; the acknowledged findings of every part come last.
 */
export function renderCheckText(doc: CheckDocument, o: TextOptions, mountsText?: string, volumesText?: string): string {
  const head = `${paint('pve-health', 'bold', o.color)} ${doc.node} — ${paint(STATUS_WORD[doc.status], STATUS_STYLE[doc.status], o.color)}: ${doc.summary ?? ''}`;
  const parts = [head];
  if (doc.dm) parts.push('', renderDmText(doc.dm, o));
  if (mountsText) parts.push('', mountsText);
  if (volumesText) parts.push('', volumesText);
  const acked = renderAcknowledged(doc, o);
  if (acked.length) parts.push('', ...acked);
  return `${parts.join('\n')}\n`;
}

/** "Acknowledged (2, not counted — CRITICAL without them)" and one line each; nothing when none. */
export function renderAcknowledged(doc: CheckDocument, o: TextOptions): string[] {
  const acked = doc.acknowledged ?? [];
  if (!acked.length) return [];
  const without = doc.statusWithoutAcks;
  const note = without !== undefined && without !== doc.status ? ` — ${STATUS_WORD[without]} without them` : '';
  return [
    paint(`Acknowledged (${acked.length}, not counted${note})`, 'bold', o.color),
    ...acked.map((a) => `  ${a.subject}  ${STATUS_WORD[a.severity]}, until ${untilText(a.until)}: ${a.reason}`),
  ];
}

/** " (CRITICAL without the acknowledged)" when acknowledgements lowered a part's status, else ''. */
export function withoutAcksNote(part: { status: Status; statusWithoutAcks?: Status }): string {
  const w = part.statusWithoutAcks;
  return w !== undefined && w !== part.status ? ` (${STATUS_WORD[w]} without the acknowledged)` : '';
}

/** "2026-03-21 10:00 UTC" from an acknowledgement's ISO expiry. */
export function untilText(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
