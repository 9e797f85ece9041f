// The building blocks of the HTML report (render/html.ts) and its sections: escaping, badges,
// tables and one finding's block, all with inline styles a mail client keeps. Pure.

import type { Finding } from '../core/findings/findings';
import type { KnownGuests } from '../core/node/guest-index';
import { formatTime } from '../core/text/format-time';
import type { CheckDocument, Status } from '../core/vocab/types';
import { guiBaseOf, guiHash, storageGuiHash } from './dashboard-view';
import { LINE, look, MONO, STATUS_COLOR, statusFg } from './html-style';

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const TH = look(
  { fg: 'muted', line: true },
  `text-align:left;padding:6px 5px;border-bottom:2px solid ${LINE};font-size:12px;text-transform:uppercase`,
);
// Long paths and names may wrap inside a cell: the report fits a phone's width (360 px) too.
const TD = look(
  { line: true },
  `padding:6px 5px;border-bottom:1px solid ${LINE};font-size:14px;vertical-align:top;overflow-wrap:anywhere`,
);

export function badge(text: string, s: Status): string {
  const c = STATUS_COLOR[s];
  return `<span style="display:inline-block;padding:1px 8px;border-radius:10px;background:${c.bg};color:${c.fg};border:1px solid ${c.border};font-size:12px;font-weight:600">${esc(text)}</span>`;
}

/** One section of the report: its heading (the nav links to `id`) and body. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}" class="pad" style="padding:18px 14px 4px 14px"><h2 ${look({ fg: 'text' }, 'margin:0 0 8px 0;font-size:17px')}>${esc(title)}</h2>${body}</section>`;
}

/**
 * A path, volume ID, device name or command that may wrap after / : @ , _ = - (a <wbr>), never inside
 * a word. An identifier longer than a phone's line breaks between its 32-character parts (a DM UUID
 * "LVM-<VG UUID><LV UUID>" is two of them), as the dashboard breaks it.
 */
export function escPath(value: unknown): string {
  // The entities esc() writes hold none of these characters, nor runs of 40 letters.
  return esc(value)
    .replace(/[A-Za-z0-9]{40,}/g, (run) => run.match(/.{1,32}/g)!.join('<wbr>'))
    .replace(/([/:@,_=-])/g, '$1<wbr>');
}

/**
 * A data table (a real table for screen readers, not a layout one). On a narrow screen the report's
 * stylesheet (REPORT_CSS) stacks the cells of a `stack` table, each beside its column's name; mail
 * clients that drop the stylesheet keep the table. A two-column table of names and values fits a
 * phone as it is.
 */
export function table(head: string[], rows: string[][], opts: { stack?: boolean } = {}): string {
  const h = head.map((x) => `<th scope="col" ${TH}>${esc(x)}</th>`).join('');
  const r = rows
    .map(
      (cells) => `<tr>${cells.map((c, i) => `<td data-label="${esc(head[i] ?? '')}" ${TD}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  const cls = opts.stack === false ? '' : 'class="stack" ';
  return `<table ${cls}width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse"><thead><tr>${h}</tr></thead><tbody>${r}</tbody></table>`;
}

/** "VM 100 web01", linked to the guest in the PVE GUI of the node (when the guest exists). */
export function guestRef(doc: CheckDocument, known: KnownGuests, f: Finding): string {
  if (f.vmid === null) return '';
  const g = known.get(f.vmid);
  const type = g?.type ?? (f.part === 'mounts' ? 'lxc' : null);
  const label = `${type === 'lxc' ? 'CT' : type === 'qemu' ? 'VM' : 'guest'} ${f.vmid}${g?.name ? ` ${g.name}` : ''}`;
  if (!g || !type || g.status === 'missing') return esc(label);
  const href = `${guiBaseOf(doc)}${guiHash(type, f.vmid)}`;
  return `<a href="${esc(href)}" ${look({ fg: 'link' })}>${esc(label)}</a>`;
}

const CODE = `${MONO};font-size:13px`;

/** "storage local-zfs", linked to the storage in the PVE GUI of the node. */
function storageRef(doc: CheckDocument, storage: string): string {
  const href = `${guiBaseOf(doc)}${storageGuiHash(doc.node, storage)}`;
  return `storage <a href="${esc(href)}" ${look({ fg: 'link' })}>${esc(storage)}</a>`;
}

/**
 * A command in the same dark box in both schemes; it wraps at spaces and separators, never mid-word. The
 * report runs no script (mail clients drop them), so there is no Copy button: one click selects the whole
 * command (user-select: all), ready to copy.
 */
export function commandBox(cmd: string): string {
  return `<pre class="mono cmd" title="Click to select the whole command" style="margin:2px 0 0 0;padding:6px 8px;background:#111827;color:#f9fafb;${MONO};font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere;-webkit-user-select:all;user-select:all">${escPath(cmd)}</pre>`;
}

/**
 * `known`: knownGuests(doc), built once by the renderer for all its findings; `size`: the finding's size
 * as the dashboard shows it (render/finding-size.ts), or null.
 */
export function findingBlock(doc: CheckDocument, known: KnownGuests, f: Finding, size: string | null = null): string {
  const st: Status = f.pending ? 3 : f.severity;
  const c = STATUS_COLOR[st];
  const muted = (style: string, html: string) => `<div ${look({ fg: 'muted' }, style)}>${html}</div>`;
  // Led by what the admin knows: the volume ID, the guest, the storage; the DM name is a detail.
  const about = [guestRef(doc, known, f), f.storage ? storageRef(doc, f.storage) : '', size ? esc(size) : '']
    .filter(Boolean)
    .join(' · ');
  const word = f.pending ? `${f.status} · pending` : f.acknowledged ? `${f.status} · acknowledged` : f.status;
  const lines = [
    `<div>${badge(word, f.acknowledged ? 0 : st)} <code class="mono" style="${CODE}">${escPath(f.subject)}</code>${f.guest && f.part !== 'mounts' ? ` ${esc(f.guest)}` : ''}</div>`,
    about ? muted('margin-top:2px;font-size:13px', about) : '',
    `<div style="margin-top:4px;font-size:14px">${esc(f.explanation.charAt(0).toUpperCase() + f.explanation.slice(1))}.</div>`,
  ];
  if (f.acknowledged)
    lines.push(
      `<div ${look({ fg: statusFg(0) }, 'font-size:13px')}>Acknowledged until ${esc(formatTime(f.acknowledged.until))}: ${esc(f.acknowledged.reason)} (not counted)</div>`,
    );
  if (f.detail) lines.push(muted('font-size:13px', esc(f.detail)));
  if (f.dmName && f.dmName !== f.subject)
    lines.push(
      muted('font-size:12px', `device-mapper name: <code class="mono" style="${MONO}">${escPath(f.dmName)}</code>`),
    );
  if (f.protectedBy.length) lines.push(muted('font-size:13px', `Not acted on: ${esc(f.protectedBy.join(', '))}`));
  if (f.fix)
    lines.push(
      muted('margin-top:6px;font-size:12px', `Fix${f.effect ? ` (${esc(f.effect)})` : ''}:`) + commandBox(f.fix),
    );
  // The next steps: each one's words (a step that deletes data in the critical colour), then its command.
  for (const s of f.steps) {
    const words = s.text ? `${esc(s.text)}${s.command ? ':' : ''}` : '';
    if (words)
      lines.push(
        s.irreversible
          ? `<div ${look({ fg: statusFg(2) }, 'margin-top:6px;font-size:12px')}>${words}</div>`
          : muted('margin-top:6px;font-size:12px', words),
      );
    if (s.command) lines.push(commandBox(s.command));
  }
  if (f.hint)
    lines.push(
      muted('margin-top:4px;font-size:13px', `Hint: <code class="mono" style="${MONO}">${escPath(f.hint)}</code>`),
    );
  return `<div ${look({ bg: 'soft' }, `margin:0 0 10px 0;padding:8px 12px;border-left:4px solid ${c.border}`)}>${lines.join('')}</div>`;
}
