// The HTML report's look: colours by role and the one stylesheet. Every element carries its light
// look inline (many mail clients drop <style>); its classes are only hooks for the stylesheet's media
// queries, which adapt narrow screens and recolour each role for dark mode (prefers-color-scheme, as
// the PVE GUI and the dashboard follow it). Every text colour here is >= 4.5:1 on the backgrounds it
// is used on, light and dark. Pure.
import type { Status } from '../core/vocab/types';

export const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
export const MONO = "font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace";

/** Badges keep these colours in dark mode too: a light badge is legible on either page. */
export const STATUS_COLOR: Record<Status, { fg: string; bg: string; border: string }> = {
  0: { fg: '#14532d', bg: '#dcfce7', border: '#16a34a' },
  1: { fg: '#713f12', bg: '#fef9c3', border: '#ca8a04' },
  2: { fg: '#7f1d1d', bg: '#fee2e2', border: '#dc2626' },
  3: { fg: '#374151', bg: '#e5e7eb', border: '#6b7280' },
};

/** Text colours by role: [light, dark]. s0-s3 are the status colours as text on the page. */
const FG = {
  text: ['#111827', '#f1f5f9'],
  muted: ['#4b5563', '#cbd5e1'],
  link: ['#1d4ed8', '#93c5fd'],
  s0: ['#14532d', '#86efac'],
  s1: ['#713f12', '#fde68a'],
  s2: ['#7f1d1d', '#fca5a5'],
  s3: ['#374151', '#cbd5e1'],
} as const;
/** Backgrounds by role: [light, dark]. */
const BG = {
  page: ['#f3f4f6', '#0f172a'],
  card: ['#ffffff', '#1e293b'],
  soft: ['#f9fafb', '#0f172a'],
  track: ['#e5e7eb', '#334155'],
} as const;
/** The status banner: [light background, light text] are STATUS_COLOR's; these are the dark ones. */
const TINT_DARK: Record<Status, [string, string]> = {
  0: ['#052e16', '#bbf7d0'],
  1: ['#422006', '#fef08a'],
  2: ['#450a0a', '#fecaca'],
  3: ['#1f2937', '#e5e7eb'],
};
export const LINE = '#e5e7eb';
const LINE_DARK = '#334155';

export type Fg = keyof typeof FG;
export type Bg = keyof typeof BG;

export interface Look {
  fg?: Fg;
  bg?: Bg;
  /** The element has a border in LINE colour (recoloured in dark mode). */
  line?: boolean;
  /** A status-tinted box (the banner). */
  tint?: Status;
  /** Other hooks of the stylesheet (stack, pad, outer, mono). */
  cls?: string;
}

/** The status colour of a status as a text role. */
export const statusFg = (s: Status): Fg => `s${s}`;

/** `class="…" style="…"`: the light look inline, the roles as classes for the dark stylesheet. */
export function look(l: Look, style = ''): string {
  const classes = [
    l.fg && `fg-${l.fg}`,
    l.bg && `bg-${l.bg}`,
    l.line && 'line',
    l.tint !== undefined && `tint-s${l.tint}`,
    l.cls,
  ].filter(Boolean);
  const inline = [
    l.tint !== undefined && `background:${STATUS_COLOR[l.tint].bg};color:${STATUS_COLOR[l.tint].fg}`,
    l.fg && `color:${FG[l.fg][0]}`,
    l.bg && `background:${BG[l.bg][0]}`,
    style,
  ].filter(Boolean);
  return `${classes.length ? `class="${classes.join(' ')}" ` : ''}style="${inline.join(';')}"`;
}

/** The light colour of a role (what the inline style says), for tests and the odd attribute. */
export const fgColor = (role: Fg): string => FG[role][0];
export const bgColor = (role: Bg): string => BG[role][0];

const dark = [
  ...Object.entries(FG).map(([k, [, d]]) => `  .fg-${k} { color: ${d} !important; }`),
  ...Object.entries(BG).map(([k, [, d]]) => `  .bg-${k} { background: ${d} !important; }`),
  ...Object.entries(TINT_DARK).map(
    ([s, [b, f]]) => `  .tint-s${s} { background: ${b} !important; color: ${f} !important; }`,
  ),
  `  .line, .stack > tbody > tr { border-color: ${LINE_DARK} !important; }`,
  `  .stack > tbody > tr > td::before { color: ${FG.muted[1]} !important; }`,
].join('\n');

/**
 * Progressive enhancement for browsers and the mail apps that read <style>: on a narrow screen a data
 * table's cells stack, each beside its column's name; in dark mode every role is recoloured.
 */
export const REPORT_CSS = `@media (max-width: 480px) {
  .outer { padding: 8px 0 !important; }
  .pad { padding-left: 10px !important; padding-right: 10px !important; }
  table.stack, .stack > tbody, .stack > tbody > tr, .stack > tbody > tr > td { display: block !important; width: auto !important; }
  .stack > thead { position: absolute; left: -9999px; }
  .stack > tbody > tr { border-bottom: 1px solid ${LINE}; padding: 6px 0; }
  .stack > tbody > tr > td { position: relative; border: 0 !important; padding: 2px 0 2px 6.5em !important; min-height: 1.2em; }
  .stack > tbody > tr > td::before { content: attr(data-label); position: absolute; left: 0; top: 3px; width: 6em; font-size: 12px; color: ${FG.muted[0]}; }
}
@media (prefers-color-scheme: dark) {
  :root { color-scheme: dark; }
${dark}
}`;
