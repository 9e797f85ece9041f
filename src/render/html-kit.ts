// The building blocks of the HTML report (render/html.ts) and its sections: escaping, badges,
// tables and one finding's block, all with inline styles a mail client keeps. Pure.
import type { CheckDocument, Status } from '../core/types';
import { guiHash } from './dashboard-view';
import type { Finding } from '../core/findings/findings';

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
export const MONO = "font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace";
export const STATUS_COLOR: Record<Status, { fg: string; bg: string; border: string }> = {
  0: { fg: '#14532d', bg: '#dcfce7', border: '#16a34a' },
  1: { fg: '#713f12', bg: '#fef9c3', border: '#ca8a04' },
  2: { fg: '#7f1d1d', bg: '#fee2e2', border: '#dc2626' },
  3: { fg: '#374151', bg: '#e5e7eb', border: '#6b7280' },
};
const TH = `style="text-align:left;padding:6px 5px;border-bottom:2px solid #e5e7eb;font-size:12px;color:#4b5563;text-transform:uppercase"`;
// Long paths and names may wrap inside a cell: the report fits a phone's width (390 px) too.
const TD = `style="padding:6px 5px;border-bottom:1px solid #f3f4f6;font-size:14px;vertical-align:top;overflow-wrap:anywhere"`;

export function badge(text: string, s: Status): string {
  const c = STATUS_COLOR[s];
  return `<span style="display:inline-block;padding:1px 8px;border-radius:10px;background:${c.bg};color:${c.fg};border:1px solid ${c.border};font-size:12px;font-weight:600">${esc(text)}</span>`;
}

export function section(title: string, body: string): string {
  return `<tr><td class="pad" style="padding:18px 14px 4px 14px"><h2 style="margin:0 0 8px 0;font-size:17px;color:#111827">${esc(title)}</h2>${body}</td></tr>`;
}

/** A path, volume ID or device name that may wrap after / : @ , _ = - (a <wbr>), never inside a word. */
export function escPath(value: unknown): string {
  // The entities esc() writes hold none of these characters.
  return esc(value).replace(/([/:@,_=-])/g, '$1<wbr>');
}

/**
 * A data table (a real table for screen readers, not a layout one). On a narrow screen the report's
 * stylesheet (REPORT_CSS) stacks its cells, each under its column's name; mail clients that drop the
 * stylesheet keep the table.
 */
export function table(head: string[], rows: string[][]): string {
  const h = head.map((x) => `<th scope="col" ${TH}>${esc(x)}</th>`).join('');
  const r = rows
    .map((cells) => `<tr>${cells.map((c, i) => `<td data-label="${esc(head[i] ?? '')}" ${TD}>${c}</td>`).join('')}</tr>`)
    .join('');
  return `<table class="stack" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse"><thead><tr>${h}</tr></thead><tbody>${r}</tbody></table>`;
}

/** Progressive enhancement for browsers and the mail apps that read it: narrow screens, no overflow. */
export const REPORT_CSS = `@media (max-width: 480px) {
  .outer { padding: 8px 0 !important; }
  .pad { padding-left: 10px !important; padding-right: 10px !important; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block !important; width: auto !important; }
  table.stack thead { position: absolute; left: -9999px; }
  table.stack tr { border-bottom: 1px solid #e5e7eb; padding: 6px 0; }
  table.stack td { border: 0 !important; padding: 2px 0 !important; }
  table.stack td::before { content: attr(data-label); display: block; font-size: 12px; color: #4b5563; }
}
@media (prefers-color-scheme: dark) {
  :root { color-scheme: dark; }
  body, [style*="background:#f3f4f6"] { background: #0f172a !important; color: #e5e7eb !important; }
  [style*="background:#ffffff"] { background: #1e293b !important; }
  [style*="background:#fafafa"], [style*="background:#f9fafb"] { background: #0f172a !important; }
  [style*="background:#e5e7eb"] { background: #334155 !important; }
  [style*=";color:#111827"], [style^="color:#111827"], h1, h2 { color: #f1f5f9 !important; }
  [style*="color:#4b5563"], [style*="color:#374151"], table.stack td::before { color: #cbd5e1 !important; }
  [style*="color:#1d4ed8"] { color: #93c5fd !important; }
  /* Status colours on the darkened count cards (on their own light badges they stay as they are). */
  [style*="background:#f9fafb"] [style*="color:#7f1d1d"] { color: #fca5a5 !important; }
  [style*="background:#f9fafb"] [style*="color:#713f12"] { color: #fde68a !important; }
  [style*="background:#f9fafb"] [style*="color:#14532d"] { color: #86efac !important; }
  [style*="border:1px solid #e5e7eb"], [style*="border-top:1px solid #e5e7eb"] { border-color: #334155 !important; }
}`;

/** "2026-03-14 09:26:53 UTC" from the document's ISO time (no clock, no locale). */
export function formatTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** "VM 100 web01", linked to the guest in the PVE GUI of the node (when the guest exists). */
export function guestRef(doc: CheckDocument, f: Finding): string {
  if (f.vmid === null) return '';
  const g = doc.dm?.guests.find((x) => x.vmid === f.vmid);
  const type = g?.type ?? (f.part === 'mounts' ? 'lxc' : null);
  const label = `${type === 'lxc' ? 'CT' : type === 'qemu' ? 'VM' : 'guest'} ${f.vmid}${g?.name ? ` ${g.name}` : ''}`;
  if (!g || !type || g.status === 'missing') return esc(label);
  const href = `https://${encodeURIComponent(doc.node)}:8006/${guiHash(type, f.vmid)}`;
  return `<a href="${esc(href)}" style="color:#1d4ed8">${esc(label)}</a>`;
}

export function findingBlock(doc: CheckDocument, f: Finding): string {
  const st: Status = f.pending ? 3 : f.severity;
  const c = STATUS_COLOR[st];
  // Led by what the admin knows: the volume ID, the guest, the storage; the DM name is a detail.
  const about = [guestRef(doc, f), f.storage ? `storage ${esc(f.storage)}` : ''].filter(Boolean).join(' · ');
  const word = f.pending ? `${f.status} · pending` : f.acknowledged ? `${f.status} · acknowledged` : f.status;
  const lines = [
    `<div>${badge(word, f.acknowledged ? 0 : st)} <code style="${MONO};font-size:13px">${escPath(f.volume ?? f.subject)}</code></div>`,
    about ? `<div style="margin-top:2px;font-size:13px;color:#4b5563">${about}</div>` : '',
    `<div style="margin-top:4px;font-size:14px">${esc(f.explanation.charAt(0).toUpperCase() + f.explanation.slice(1))}.</div>`,
  ];
  if (f.acknowledged)
    lines.push(
      `<div style="font-size:13px;color:#14532d">Acknowledged until ${esc(formatTime(f.acknowledged.until))}: ${esc(f.acknowledged.reason)} (not counted)</div>`,
    );
  if (f.detail) lines.push(`<div style="font-size:13px;color:#4b5563">${esc(f.detail)}</div>`);
  if (f.volume && f.part === 'dm') lines.push(`<div style="font-size:12px;color:#4b5563">device-mapper name: <code style="${MONO}">${escPath(f.subject)}</code></div>`);
  if (f.protectedBy.length)
    lines.push(`<div style="font-size:13px;color:#4b5563">Not acted on: ${esc(f.protectedBy.join(', '))}</div>`);
  if (f.fix) {
    lines.push(
      `<div style="margin-top:6px;font-size:12px;color:#4b5563">Fix${f.effect ? ` (${esc(f.effect)})` : ''}:</div><pre style="margin:2px 0 0 0;padding:6px 8px;background:#111827;color:#f9fafb;${MONO};font-size:12px;white-space:pre-wrap;word-break:break-all">${esc(f.fix)}</pre>`,
    );
  }
  if (f.hint)
    lines.push(
      `<div style="margin-top:4px;font-size:13px;color:#4b5563">Hint: <code style="${MONO}">${esc(f.hint)}</code></div>`,
    );
  return `<div style="margin:0 0 10px 0;padding:8px 12px;border-left:4px solid ${c.border};background:#fafafa">${lines.join('')}</div>`;
}
