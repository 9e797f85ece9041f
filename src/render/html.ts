// The HTML report: one self-contained page that also renders in mail clients — tables for layout,
// inline styles only (many clients drop <style>), no scripts, images or external assets. Every value
// that comes from the system goes through esc(). Pure.

import { type Finding, listFindings } from '../core/findings/findings';
import { guestRows } from '../core/findings/guest-rows';
import { type Overall, overallOf } from '../core/findings/overall';
import { knownGuests } from '../core/node/guest-index';
import type { SystemInfo } from '../core/parse/system-info';
import { formatTime } from '../core/text/format-time';
import { SEVERITY_RANK, STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument, Grade, Status } from '../core/vocab/types';
import { findingSizes } from './finding-size';
import { esc, findingBlock, section } from './html-kit';
import { quarantineBody } from './html-quarantine';
import { FONT, LINE, look, MONO, REPORT_CSS, STATUS_COLOR, statusFg } from './html-style';
import { guestTable, mountTable, systemTable } from './html-tables';
import { volumesBody } from './html-volumes';

export interface HtmlOptions {
  system?: SystemInfo | null;
  toolVersion?: string;
  /**
   * Detail at most this many findings (worst first; a notification's body), and say how many more there are
   * and where they all are; the report file lists every one.
   */
  maxFindings?: number;
}

const GRADE_COLOR: Record<Grade, string> = { 'A+': '#15803d', B: '#4d7c0f', C: '#a16207', D: '#c2410c', F: '#b91c1c' };
const BANNER: Record<Status, string> = {
  0: 'Healthy — nothing needs attention',
  1: 'Warning — some findings need attention',
  2: 'Critical — act on these findings soon',
  3: 'Unknown — the check could not decide everything',
};
/** The banner landmark: node, time, grade. */
function header(doc: CheckDocument, o: Overall): string {
  // The node's grade over every part (core/findings/overall.ts); a node with a part not checked has none.
  const grade = o.grade;
  // A report of the mounts alone grades no guest volumes: no badge.
  const g =
    !doc.dm && !doc.volumes
      ? ''
      : grade
        ? `<td align="right" style="padding:20px 14px;width:90px"><div data-grade="${esc(grade)}" title="${esc(o.gradeReason)}" style="display:inline-block;min-width:56px;padding:10px 12px;border-radius:10px;background:${GRADE_COLOR[grade]};color:#ffffff;font-size:28px;font-weight:700;text-align:center">${esc(grade)}</div><div ${look({ fg: 'muted' }, 'font-size:12px;text-align:center;margin-top:4px')}>score ${esc(o.score)} of 100</div></td>`
        : `<td align="right" style="padding:20px 14px;width:90px"><div data-grade="none" title="${esc(o.gradeReason)}" style="display:inline-block;min-width:56px;padding:10px 12px;border-radius:10px;background:#1d4ed8;color:#ffffff;font-size:16px;font-weight:700;text-align:center">not graded</div></td>`;
  return `<header><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>
<td class="pad" style="padding:20px 14px"><div ${look({ fg: 'muted' }, 'font-size:13px')}>pve-health report</div>
<h1 ${look({ fg: 'text' }, 'margin:2px 0 4px 0;font-size:24px')}>${esc(doc.node)}</h1>
<div ${look({ fg: 'muted' }, 'font-size:13px')}>${esc(formatTime(doc.generatedAt))}${doc.source && doc.source !== 'live' ? ` · ${esc(doc.source)}` : ''}</div></td>${g}</tr></table></header>`;
}

function banner(doc: CheckDocument, o: Overall): string {
  const c = STATUS_COLOR[doc.status];
  const why = o.grade ? `Grade ${o.gradeReason}` : o.gradeReason;
  return `<div class="pad" style="padding:0 14px"><div data-status="${doc.status}" ${look({ tint: doc.status }, `padding:12px 16px;border-left:6px solid ${c.border};font-size:16px;font-weight:600`)}>${esc(BANNER[doc.status])}<div style="font-weight:400;font-size:14px;margin-top:2px">${esc(o.headline)}</div><div style="font-weight:400;font-size:13px;margin-top:2px">${esc(why)}</div></div></div>`;
}

/** A section of the report; `short` names it in the navigation when the title is long. */
interface Part {
  id: string;
  title: string;
  body: string;
  short?: string;
}

/** The navigation landmark: a link to each section (a long report on a phone). */
function nav(sections: Part[]): string {
  const links = sections
    .map((x) => `<a href="#${esc(x.id)}" ${look({ fg: 'link' })}>${esc(x.short ?? x.title)}</a>`)
    .join(' · ');
  return `<nav aria-label="Sections" ${look({ fg: 'muted', cls: 'pad' }, 'padding:0 14px 12px 14px;font-size:13px;line-height:1.7')}>${links}</nav>`;
}

function cards(doc: CheckDocument): string {
  const s = doc.dm!.summary;
  const items: [string, number, Status][] = [
    ['Total', s.total, 0],
    ['Valid', s.valid, 0],
    ['Duplicates', s.duplicate, s.duplicate ? 2 : 0],
    ['Orphans', s.orphan, s.orphan ? 1 : 0],
    ['Open', s.open, 0],
    ['Protected', s.protected, 0],
  ];
  const cells = items
    .map(([label, n, st]) => {
      // Blocks that wrap, not table cells: three a row on a phone, six on a desktop.
      return `<div ${look({ bg: 'soft', line: true }, `display:inline-block;box-sizing:border-box;width:92px;margin:0 4px 4px 0;padding:8px 4px;border:1px solid ${LINE};text-align:center;vertical-align:top`)}><div ${look({ fg: st ? statusFg(st) : 'text' }, 'font-size:22px;font-weight:700')}>${esc(n)}</div><div ${look({ fg: 'muted' }, 'font-size:12px')}>${esc(label)}</div></div>`;
    })
    .join('');
  const pending = s.pending
    ? `<p ${look({ fg: 'muted' }, 'margin:6px 0 0 0;font-size:13px')}>${esc(s.pending)} pending (a running Proxmox task explains them; not counted in the grade).</p>`
    : '';
  return `<div>${cells}</div>${pending}`;
}

/** "12 more findings (3 critical, 9 warning) are not listed here: …": what a bounded body leaves out, said. */
function leftOutLine(doc: CheckDocument, left: Finding[]): string {
  if (!left.length) return '';
  const by = (s: Status) => left.filter((f) => f.severity === s).length;
  const bits = [
    by(2) ? `${by(2)} critical` : '',
    by(3) ? `${by(3)} unknown` : '',
    by(1) ? `${by(1)} warning` : '',
    left.length - by(1) - by(2) - by(3) ? `${left.length - by(1) - by(2) - by(3)} pending or acknowledged` : '',
  ].filter(Boolean);
  return `<p ${look({ fg: statusFg(left.some((f) => f.severity === 2) ? 2 : 1) }, 'margin:8px 0 0 0;font-size:14px')}>${left.length} more ${left.length === 1 ? 'finding' : 'findings'} (${bits.join(', ')}) not listed here: <code class="mono" style="${MONO}">pve-health check</code> on ${esc(doc.node)} lists them all.</p>`;
}

/** What to do next, in order, from the findings. */
export function nextSteps(doc: CheckDocument): string[] {
  const f = listFindings(doc).filter((x) => !x.pending);
  const has = (status: string) => f.filter((x) => x.status === status);
  const steps: string[] = [];
  if (has('duplicate').length) {
    steps.push(
      'Remove the duplicate maps first: they make lvcreate fail and can point two devices at the same data. Review the plan with "pve-health clean --dry-run", then run "pve-health clean".',
    );
  }
  const dm = (x: Finding) => x.part === 'dm';
  if (has('orphan').some(dm)) {
    steps.push(
      'Decide for each orphaned LV: attach it to its guest (see the hints), or deactivate it with "pve-health clean" (the data stays in the VG).',
    );
  }
  if (has('unknown').some(dm))
    steps.push(
      'Find out why LVM could not be read completely (run "vgs" and "lvs" by hand) before acting on anything.',
    );
  if (f.some((x) => x.part === 'volumes' && x.status === 'orphan'))
    steps.push(
      'Check each orphaned volume (ZFS, Ceph RBD, image files): the hints name the PVE command to attach or free it.',
    );
  // Every storage's proven orphans (LVM too) go the same reversible way; only the purge deletes.
  if (has('orphan').some((x) => x.part === 'dm' || x.part === 'volumes'))
    steps.push(
      '"pve-health reclaim" sets proven orphans aside reversibly (renamed, restorable with "pve-health restore"); only "pve-health reclaim --purge" deletes, and only what has been in that quarantine past its retention.',
    );
  // One a guest config of another node names is held, not due (render/quarantine.ts heldOf).
  const due = (doc.quarantine?.volumes ?? []).filter((v) => v.due && !v.namedOn).length;
  if (due)
    steps.push(
      `${due} quarantined volume${due === 1 ? ' is' : 's are'} past the retention (see In quarantine): restore what is still needed, then "pve-health reclaim --purge" deletes the rest for good (irreversible; --dry-run first shows what).`,
    );
  if (doc.volumes?.status === 3 || f.some((x) => x.part === 'volumes' && x.status === 'unknown'))
    steps.push(
      'Find out why a storage could not be listed (see the volumes section) before deciding what is left over.',
    );
  if (f.some((x) => x.part === 'storage')) {
    steps.push('Look at the storage findings: each lists the commands that fix it (pve-health never runs them).');
  }
  for (const m of has('missing')) {
    // A container's outdated bind is fixed in the container; a storage on the host.
    steps.push(
      m.part === 'mounts' && /^CT \d+:/.test(m.subject)
        ? `Restart ${m.subject.split(':')[0]} (pct reboot ${m.vmid}): its bind mount was made before the host mounted the storage, so it writes elsewhere.`
        : `Mount ${m.subject} again (check the server or disk first). PVE does not use it until then, but container bind mounts and other writers there write to the root disk.`,
    );
  }
  for (const m of has('stale'))
    steps.push(
      `Check the server and network behind ${m.subject}: processes touching a stale mount hang, including backups.`,
    );
  for (const m of has('readonly'))
    steps.push(`Find out why ${m.subject} is read-only (server export, or a filesystem error) and remount it.`);
  for (const m of has('full')) steps.push(`Free space on ${m.subject}, or move backups and images elsewhere.`);
  const pending = listFindings(doc).filter((x) => x.pending).length;
  if (pending)
    steps.push(
      `${pending} finding${pending === 1 ? ' belongs' : 's belong'} to a running Proxmox task; check again once it has finished.`,
    );
  if (steps.length === 0) steps.push('Nothing to do.');
  return steps;
}

export function renderHtml(doc: CheckDocument, opts: HtmlOptions = {}): string {
  const parts: Part[] = [];
  const add = (id: string, title: string, body: string, short?: string) => parts.push({ id, title, body, short });
  const known = knownGuests(doc);
  const findings = listFindings(doc, known);
  const overall = overallOf(doc, findings);
  const sizeOf = findingSizes(doc);
  // A bounded body details the worst findings (listFindings is worst first) and says what it leaves out.
  const max = opts.maxFindings ?? Number.POSITIVE_INFINITY;
  const detailed = new Set(findings.slice(0, max));
  const left = findings.filter((f) => !detailed.has(f));
  // Problems first: every finding about guest disks (device-mapper, storage health, ZFS/RBD/file volumes),
  // worst first, named by volume ID and guest; the parts' own sections below hold the tables.
  if (doc.dm || doc.volumes) {
    const diskFindings = findings
      .filter((x) => detailed.has(x) && (x.part === 'dm' || x.part === 'storage' || x.part === 'volumes'))
      .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
    const unchecked = overall.unchecked.filter((u) => u.part !== 'mounts').map((u) => u.label);
    add(
      'issues',
      'Issues',
      diskFindings.length
        ? diskFindings.map((f) => findingBlock(doc, known, f, sizeOf(f))).join('') + leftOutLine(doc, left)
        : leftOutLine(doc, left) +
            `<p ${look({ fg: statusFg(unchecked.length ? 3 : 0) }, 'font-size:14px')}>${unchecked.length ? `No issues found in what could be checked; not checked: ${esc(unchecked.join(', '))} (see below).` : 'No issues with guest volumes or storage.'}</p>`,
    );
  }
  if (doc.dm) {
    add('dm', 'Device-mapper analysis', cards(doc), 'Device-mapper');
    if (doc.dm.vmidReuse?.messages?.length) add('vmid', 'Next VMID', list(doc.dm.vmidReuse.messages, 'font-size:14px'));
    const guests = guestRows(doc, findings, known);
    if (guests.length) add('guests', 'Guests', guestTable(guests, opts.maxFindings));
    if (doc.dm.warnings.length) add('notes', 'Notes', list(doc.dm.warnings, 'font-size:13px', 'muted'));
  }
  const quarantined = quarantineBody(doc);
  if (quarantined) add('quarantine', 'In quarantine', quarantined);
  if (doc.mounts) {
    const error = typeof doc.mounts.error === 'string' ? doc.mounts.error : null;
    const mountFindings = findings.filter((x) => x.part === 'mounts' && detailed.has(x));
    add(
      'mounts',
      'Remote mounts',
      error
        ? `<p ${look({ fg: statusFg(2) }, 'font-size:14px')}>Could not check the mounts: ${esc(error)}</p>`
        : mountTable(doc.mounts.entries) +
            (mountFindings.length
              ? `<div style="margin-top:10px">${mountFindings.map((f) => findingBlock(doc, known, f)).join('')}</div>`
              : '') +
            (doc.dm || doc.volumes ? '' : leftOutLine(doc, left)),
    );
  }
  if (doc.volumes)
    add('volumes', 'Guest volumes (ZFS, Ceph RBD, file storages)', volumesBody(doc, findings), 'Volumes');
  if (opts.system) add('system', 'System', systemTable(opts.system));
  add(
    'next',
    'What to do next',
    `<ol style="margin:0;padding-left:20px;font-size:14px">${nextSteps(doc)
      .map((s) => `<li style="margin-bottom:4px">${esc(s)}</li>`)
      .join('')}</ol>`,
  );
  const footer = `<footer ${look({ fg: 'muted', line: true, cls: 'pad' }, `padding:16px 14px;font-size:12px;border-top:1px solid ${LINE}`)}>Generated by pve-health${opts.toolVersion ? ` ${esc(opts.toolVersion)}` : ''} · status ${esc(STATUS_WORD[doc.status])} (${doc.status})</footer>`;
  const title = `pve-health: ${doc.node} — ${STATUS_WORD[doc.status]}, ${overall.grade ? `grade ${overall.grade}` : 'not graded'}`;
  // Landmarks for screen readers (banner, navigation, main, contentinfo) inside the layout tables
  // that mail clients need: the card is one cell, its parts are block elements.
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body ${look({ fg: 'text', bg: 'page' }, `margin:0;padding:0;${FONT}`)}>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" ${look({ bg: 'page' })}><tr><td class="outer" align="center" style="padding:16px 8px">
<table role="presentation" width="760" cellpadding="0" cellspacing="0" ${look({ bg: 'card', line: true }, `width:100%;max-width:760px;border:1px solid ${LINE};${FONT};text-align:left`)}><tr><td>
${header(doc, overall)}
${nav(parts)}
<main>
${banner(doc, overall)}
${parts.map((p) => section(p.id, p.title, p.body)).join('\n')}
</main>
${footer}
</td></tr></table></td></tr></table>
</body></html>
`;
}

function list(items: string[], style: string, fg?: 'muted'): string {
  return `<ul ${fg ? look({ fg }, `margin:0;padding-left:20px;${style}`) : `style="margin:0;padding-left:20px;${style}"`}>${items.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>`;
}

export { esc };
