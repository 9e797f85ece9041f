// Console building blocks: colours, tables fitted to the width, the device-mapper details, the
// acknowledged findings. The whole report is check-text.ts. Pure; colours only when asked (the CLI
// turns them off for NO_COLOR / non-TTY).

import { formatBytes } from '../core/text/format-bytes';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument, DmResult, Status } from '../core/vocab/types';
import { wrapText } from './wrap';

export interface TextOptions {
  color: boolean;
  quiet?: boolean;
  /** Columns to fit (0 or absent: do not wrap). */
  width?: number;
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

/**
 * Fixed-width table; cells are plain text (colour is applied per cell after padding). Given a width
 * (0: any), a table that would not fit moves its last columns, one by one, out of the table onto an
 * indented line under each row ("used: 97% of 1 TiB · storage: iso"), so every value stays under its
 * header or is named, and a terminal never wraps a row into the next one.
 */
export function renderTable(
  headers: string[],
  rows: string[][],
  styles?: (row: number, col: number) => Style | null,
  color = false,
  width = 0,
): string {
  let keep = headers.length;
  const widthOf = (n: number) =>
    headers
      .slice(0, n)
      .map((h, i) => (i === n - 1 ? 0 : Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))))
      .reduce((a, b) => a + b + 2, 0) +
    Math.max(headers[n - 1].length, ...rows.map((r) => (r[n - 1] ?? '').length)) -
    2;
  while (width && keep > 2 && widthOf(keep) > width && !(keep === headers.length && width - widthOf(keep - 1) >= 32))
    keep--;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], row: number) =>
    cells
      .slice(0, keep)
      .map((c, i) => {
        const padded = i === keep - 1 ? c : c.padEnd(widths[i]);
        const st = row >= 0 ? styles?.(row, i) : 'bold';
        return st ? paint(padded, st, color) : padded;
      })
      .join('  ')
      .trimEnd();
  const moved = (r: string[]) =>
    headers
      .slice(keep)
      .map((h, j) => [h.toLowerCase(), r[keep + j] ?? ''] as const)
      .filter(([, v]) => v !== '' && v !== '-')
      .map(([h, v]) => `${h}: ${v}`)
      .join(' · ');
  // The last column wraps under itself when it has room enough to read (30 columns); else it moves.
  const offset = widths.slice(0, keep - 1).reduce((a, b) => a + b + 2, 0);
  const wrapLast = Boolean(width) && keep === headers.length && widthOf(keep) > width && width - offset >= 30;
  const row = (r: string[], i: number) => {
    if (!wrapLast) return line(r, i);
    const [first, ...more] = wrapText(r[keep - 1] ?? '', width - offset).split('\n');
    return [line([...r.slice(0, keep - 1), first], i), ...more.map((m) => ' '.repeat(offset) + m)].join('\n');
  };
  const out = [line(headers, -1)];
  rows.forEach((r, i) => {
    out.push(row(r, i));
    const rest = keep < headers.length ? moved(r) : '';
    if (rest) out.push(wrapText(rest, width, '    ', '      '));
  });
  return out.join('\n');
}

function entryWord(n: number, w: string): string {
  return `${n} ${w}`;
}

/**
 * The part's own grade, said to be the part's: the node's grade leads the output (overall.ts) and may be
 * worse (a stale mount, an orphaned zvol). A part not fully checked has none (its counts are a lower bound).
 */
function partGrade(dm: DmResult): string {
  return dm.status === 3
    ? '(this part not graded: not fully checked)'
    : `(this part alone: grade ${dm.summary.grade}, score ${dm.summary.score} of 100)`;
}

/**
 * The device-mapper part's details (its problems are on the first screen, check-text.ts): what it
 * counted, storage notes that are no findings, VMID reuse, warnings.
 */
export function renderDmText(dm: DmResult, o: TextOptions): string {
  const s = dm.summary;
  const w = o.width ?? 0;
  const out: string[] = [];
  if (dm.error)
    return wrapText(
      `${paint('Device-mapper', 'bold', o.color)}: ${paint(STATUS_WORD[3], STATUS_STYLE[3], o.color)} — could not check (the reason is in the first lines)`,
      w,
      '',
      '  ',
    );
  out.push(
    wrapText(
      `${paint('Device-mapper', 'bold', o.color)}: ${paint(STATUS_WORD[dm.status], STATUS_STYLE[dm.status], o.color)} — ` +
        `${s.total} entries: ${s.valid} valid, ${entryWord(s.duplicate, 'duplicate')}, ${entryWord(s.orphan, 'orphan')}, ${s.unknown} unknown, ${s.ignored} ignored` +
        `${s.pendingFindings ? `, ${s.pendingFindings} pending (a running operation explains ${s.pendingFindings === 1 ? 'it' : 'them'})` : ''}; ` +
        `${s.open} open, ${s.protected} protected${s.pending ? ` (${s.pending} by an operation under way)` : ''} ${partGrade(dm)}`,
      w,
      '',
      '  ',
    ),
  );
  // Findings of the storage part are problems (first screen); what is left here are notes.
  const notes = (dm.storage ?? []).filter((f) => f.severity === 'info');
  if (notes.length) {
    out.push('', paint(`Storage notes (${notes.length})`, 'bold', o.color));
    for (const f of notes) out.push(wrapText(`${f.title}: ${f.detail}`, w, '  ', '    '));
  }
  const r = dm.vmidReuse;
  if (r.messages.length) {
    out.push('', paint('VMID reuse', 'bold', o.color));
    for (const m of r.messages) out.push(wrapText(m, w, '  ', '    '));
    const others = r.leftovers.filter((l) => !(r.nextVmid === l.vmid || r.upcoming.includes(l.vmid)));
    if (others.length) {
      out.push(
        wrapText(
          `leftovers of unused VMIDs: ${others.map((l) => `${l.vmid} (${volumeCount(l.count ?? l.volumes.length)}, ${formatBytes(l.totalBytes)})`).join(', ')}`,
          w,
          '  ',
          '    ',
        ),
      );
    }
  }
  if (dm.warnings.length && !o.quiet) {
    out.push('', paint('Warnings', 'bold', o.color), ...dm.warnings.map((x) => wrapText(x, w, '  ', '    ')));
  }
  return out.join('\n');
}

const volumeCount = (n: number) => `${n} volume${n === 1 ? '' : 's'}`;

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
