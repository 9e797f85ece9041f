// The HTML report: one self-contained page that also renders in mail clients — tables for layout,
// inline styles only (many clients drop <style>), no scripts, images or external assets. Every value
// that comes from the system goes through esc(). Pure.
import { GUEST_HEALTH_STATUS } from '../core/dm/dm-summary';
import { formatBytes } from '../core/format-bytes';
import { formatUptime, type SystemInfo } from '../core/parse/system-info';
import type { CheckDocument, Grade, GuestHealth, MountEntry, Status } from '../core/types';
import { capacityText } from './dashboard-view';
import { type Finding, listFindings, findingsPhrase, mountSeverity } from '../core/findings/findings';
import { mountLabel } from '../core/findings/finding-words';
import { STATUS_WORD } from '../core/findings/status';
import { badge, esc, escPath, FONT, findingBlock, formatTime, MONO, REPORT_CSS, section, STATUS_COLOR, table } from './html-kit';
import { volumesBody } from './html-volumes';

export interface HtmlOptions {
  system?: SystemInfo | null;
  toolVersion?: string;
}

const GRADE_COLOR: Record<Grade, string> = { 'A+': '#15803d', B: '#4d7c0f', C: '#a16207', D: '#c2410c', F: '#b91c1c' };
const BANNER: Record<Status, string> = {
  0: 'Healthy — nothing needs attention',
  1: 'Warning — some findings need attention',
  2: 'Critical — act on these findings soon',
  3: 'Unknown — the check could not decide everything',
};
function header(doc: CheckDocument): string {
  const grade = doc.dm?.summary.grade;
  const g = grade
    ? `<td align="right" style="padding:20px 14px;width:90px"><div data-grade="${esc(grade)}" title="grade" style="display:inline-block;min-width:56px;padding:10px 12px;border-radius:10px;background:${GRADE_COLOR[grade]};color:#ffffff;font-size:28px;font-weight:700;text-align:center">${esc(grade)}</div><div style="font-size:12px;color:#4b5563;text-align:center;margin-top:4px">score ${esc(doc.dm!.summary.score)}</div></td>`
    : '';
  return `<tr><td><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>
<td style="padding:20px 14px"><div style="font-size:13px;color:#4b5563">pve-health report</div>
<h1 style="margin:2px 0 4px 0;font-size:24px;color:#111827">${esc(doc.node)}</h1>
<div style="font-size:13px;color:#4b5563">${esc(formatTime(doc.generatedAt))}${doc.source && doc.source !== 'live' ? ` · ${esc(doc.source)}` : ''}</div></td>${g}</tr></table></td></tr>`;
}

function banner(doc: CheckDocument): string {
  const c = STATUS_COLOR[doc.status];
  return `<tr><td style="padding:0 14px"><div data-status="${doc.status}" style="padding:12px 16px;border-left:6px solid ${c.border};background:${c.bg};color:${c.fg};font-size:16px;font-weight:600">${esc(BANNER[doc.status])}<div style="font-weight:400;font-size:14px;margin-top:2px">${esc(findingsPhrase(doc))}</div></div></td></tr>`;
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
      const color = st ? STATUS_COLOR[st].fg : '#111827';
      // Blocks that wrap, not table cells: three a row on a phone, six on a desktop.
      return `<div style="display:inline-block;box-sizing:border-box;width:92px;margin:0 4px 4px 0;padding:8px 4px;border:1px solid #e5e7eb;background:#f9fafb;text-align:center;vertical-align:top"><div style="font-size:22px;font-weight:700;color:${color}">${esc(n)}</div><div style="font-size:12px;color:#4b5563">${esc(label)}</div></div>`;
    })
    .join('');
  const pending = s.pending
    ? `<p style="margin:6px 0 0 0;font-size:13px;color:#4b5563">${esc(s.pending)} pending (a running Proxmox task explains them; not counted in the grade).</p>`
    : '';
  return `<div>${cells}</div>${pending}`;
}


function guestTable(guests: GuestHealth[]): string {
  const sorted = [...guests].sort((a, b) => b.issues - a.issues || a.vmid - b.vmid);
  const rows = sorted.map((g) => [
    esc(g.vmid),
    esc(g.name),
    esc(g.type === 'lxc' ? 'CT' : 'VM'),
    esc(g.status),
    badge(g.health, GUEST_HEALTH_STATUS[g.health] ?? 3),
    esc(g.issues),
  ]);
  return table(['VMID', 'Name', 'Type', 'State', 'Health', 'Issues'], rows);
}

function capacityBar(m: MountEntry): string {
  if (m.usagePercent === null || m.usagePercent === undefined)
    return `<span style="color:#4b5563">${esc(capacityText(m))}</span>`;
  const pct = Math.max(0, Math.min(100, Math.round(m.usagePercent)));
  const color = m.status === 'full' ? '#dc2626' : pct >= 80 ? '#ca8a04' : '#16a34a';
  const fill =
    pct > 0 ? `<td width="${pct}%" style="background:${color};height:8px;font-size:0;line-height:0">&nbsp;</td>` : '';
  const rest =
    pct < 100
      ? `<td width="${100 - pct}%" style="background:#e5e7eb;height:8px;font-size:0;line-height:0">&nbsp;</td>`
      : '';
  const size = m.totalBytes ? ` of ${esc(formatBytes(m.totalBytes))}` : '';
  return `<table role="presentation" width="140" cellpadding="0" cellspacing="0" style="border-collapse:collapse;width:140px"><tr>${fill}${rest}</tr></table><div style="font-size:12px;color:#4b5563">${esc(pct)}%${size}</div>`;
}

function mountTable(entries: MountEntry[]): string {
  if (entries.length === 0) return '<p style="font-size:14px;color:#4b5563">No remote mounts.</p>';
  const rows = entries.map((m) => [
    `<code style="${MONO};font-size:13px">${escPath(mountLabel(m))}</code>${m.storage ? `<div style="font-size:12px;color:#4b5563">storage ${esc(m.storage)}</div>` : ''}`,
    `${escPath(m.source)}<div style="font-size:12px;color:#4b5563">${esc(m.fstype)}</div>`,
    `${badge(m.status, mountSeverity(m))}${m.error ? `<div style="font-size:12px;color:#4b5563">${esc(m.error)}</div>` : ''}`,
    capacityBar(m),
  ]);
  return table(['Mount', 'Source', 'Status', 'Capacity'], rows);
}

function systemTable(s: SystemInfo): string {
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
  );
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
      'Decide for each orphan: attach it to its guest (see the hints) or deactivate it with "pve-health clean" — the tool deactivates, it never deletes data.',
    );
  }
  if (has('unknown').some(dm))
    steps.push(
      'Find out why LVM could not be read completely (run "vgs" and "lvs" by hand) before acting on anything.',
    );
  if (f.some((x) => x.part === 'volumes' && x.status === 'orphan'))
    steps.push(
      'Check each orphaned volume (ZFS, Ceph RBD, image files): the hints name the PVE command to attach or free it; pve-health never deletes a volume.',
    );
  if (doc.volumes?.status === 3 || f.some((x) => x.part === 'volumes' && x.status === 'unknown'))
    steps.push('Find out why a storage could not be listed (see the volumes section) before deciding what is left over.');
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
  const parts = [header(doc), banner(doc)];
  const findings = listFindings(doc);
  if (doc.dm) {
    parts.push(section('Device-mapper analysis', cards(doc)));
    const dmFindings = findings.filter((x) => x.part === 'dm' || x.part === 'storage');
    parts.push(
      section(
        'Issues',
        dmFindings.length
          ? dmFindings.map((f) => findingBlock(doc, f)).join('')
          : '<p style="font-size:14px;color:#14532d">No device-mapper issues.</p>',
      ),
    );
    if (doc.dm.vmidReuse?.messages?.length) {
      parts.push(
        section(
          'Next VMID',
          `<ul style="margin:0;padding-left:20px;font-size:14px">${doc.dm.vmidReuse.messages.map((m) => `<li>${esc(m)}</li>`).join('')}</ul>`,
        ),
      );
    }
    if (doc.dm.guests.length) parts.push(section('Guests', guestTable(doc.dm.guests)));
    if (doc.dm.warnings.length) {
      parts.push(
        section(
          'Notes',
          `<ul style="margin:0;padding-left:20px;font-size:13px;color:#4b5563">${doc.dm.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`,
        ),
      );
    }
  }
  if (doc.mounts) {
    const error = typeof doc.mounts.error === 'string' ? doc.mounts.error : null;
    if (error)
      parts.push(
        section(
          'Remote mounts',
          `<p style="font-size:14px;color:#7f1d1d">Could not check the mounts: ${esc(error)}</p>`,
        ),
      );
  }
  if (doc.mounts && typeof doc.mounts.error !== 'string') {
    const mountFindings = findings.filter((x) => x.part === 'mounts');
    parts.push(
      section(
        'Remote mounts',
        mountTable(doc.mounts.entries) +
          (mountFindings.length
            ? `<div style="margin-top:10px">${mountFindings.map((f) => findingBlock(doc, f)).join('')}</div>`
            : ''),
      ),
    );
  }
  if (doc.volumes) parts.push(section('Guest volumes (ZFS, Ceph RBD, file storages)', volumesBody(doc, findings)));
  if (opts.system) parts.push(section('System', systemTable(opts.system)));
  parts.push(
    section(
      'What to do next',
      `<ol style="margin:0;padding-left:20px;font-size:14px">${nextSteps(doc)
        .map((s) => `<li style="margin-bottom:4px">${esc(s)}</li>`)
        .join('')}</ol>`,
    ),
  );
  const footer = `<tr><td style="padding:16px 14px;font-size:12px;color:#4b5563;border-top:1px solid #e5e7eb">Generated by pve-health${opts.toolVersion ? ` ${esc(opts.toolVersion)}` : ''} · status ${esc(STATUS_WORD[doc.status])} (${doc.status})</td></tr>`;
  const title = `pve-health: ${doc.node} — ${STATUS_WORD[doc.status]}${doc.dm ? `, grade ${doc.dm.summary.grade}` : ''}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body style="margin:0;padding:0;background:#f3f4f6;${FONT};color:#111827">
<main><table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td class="outer" align="center" style="padding:16px 8px">
<table role="presentation" width="760" cellpadding="0" cellspacing="0" style="width:100%;max-width:760px;background:#ffffff;border:1px solid #e5e7eb;${FONT};text-align:left">
${parts.join('\n')}
${footer}
</table></td></tr></table></main>
</body></html>
`;
}

export { esc };
