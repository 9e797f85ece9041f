// Checkmk local checks (/usr/lib/check_mk_agent/local/): one line per service,
// `<state> "<service name>" <metrics> <summary>\n<details>`. A literal backslash-n in the text is
// Checkmk's line break for the service's long output. One service for DM, one for all mounts, and one
// per mount ("PVE-Health mount /mnt/pve/x", "PVE-Health mount CT 110 /srv/data") as Checkmk's own
// filesystem checks have one per mount point. Pure.

import { commandLines } from '../core/findings/finding-steps';
import { findingTag } from '../core/findings/finding-words';
import { type Finding, listFindings, mountSeverity } from '../core/findings/findings';
import { overallOf } from '../core/findings/overall';
import { findingsPhrase } from '../core/findings/problems';
import { STATUS_WORD, worstStatus } from '../core/vocab/status';
import type { CheckDocument, MountEntry } from '../core/vocab/types';
import { findingLead, type PerfValue, perfValues } from './nagios';
import { volumesCheckmkLine } from './volumes';

export const CHECKMK_DM_SERVICE = 'PVE-Health DM';
export const CHECKMK_MOUNTS_SERVICE = 'PVE-Health mounts';
export const CHECKMK_MOUNT_SERVICE_PREFIX = 'PVE-Health mount';

/** The service name of one mount; quotes cannot end the quoted name. */
export function mountServiceName(m: Pick<MountEntry, 'scope' | 'ctid' | 'target'>): string {
  const where = m.scope === 'ct' ? `CT ${m.ctid} ${m.target}` : m.target;
  return clean(`${CHECKMK_MOUNT_SERVICE_PREFIX} ${where}`).replace(/"/g, "'");
}

function mountLine(m: MountEntry): string {
  const state = mountSeverity(m);
  const values: PerfValue[] = [];
  if (typeof m.usagePercent === 'number')
    values.push({ label: 'fs_used_percent', value: m.usagePercent, min: 0, max: 100 });
  if (typeof m.usedBytes === 'number')
    values.push({ label: 'fs_used', value: m.usedBytes, min: 0, max: m.totalBytes ?? undefined });
  if (typeof m.totalBytes === 'number') values.push({ label: 'fs_size', value: m.totalBytes, min: 0 });
  const what = [m.fstype, m.source].filter(Boolean).join(' ');
  const text =
    m.status === 'ok'
      ? `${what}${typeof m.usagePercent === 'number' ? `, ${m.usagePercent}% used` : ''}`
      : `${m.status.toUpperCase()}: ${typeof m.detail === 'string' && m.detail ? m.detail : (m.error ?? m.status)}${what ? ` (${what})` : ''}`;
  return `${state} "${mountServiceName(m)}" ${metrics(values)} ${clean(text)}`;
}

/** One line per service: real newlines would end the line; '\' would start an escape. */
export function clean(text: string): string {
  return text.replace(/\\/g, '/').replace(/[\r\n\t]+/g, ' ');
}

/**
 * Checkmk metric names: letters, digits, underscore. Nagios range "0" means "above 0"; Checkmk levels
 * mean "at or above", so count thresholds move up by one.
 */
export function metrics(values: PerfValue[]): string {
  if (values.length === 0) return '-';
  return values
    .map((p) => {
      const name = p.label.replace(/[^A-Za-z0-9_]/g, '_');
      const level = (x: number | string | undefined) => (typeof x === 'number' ? x + 1 : x);
      const f = [level(p.warn), level(p.crit), p.min, p.max].map((x) => (x === undefined ? '' : String(x)));
      while (f.length && f[f.length - 1] === '') f.pop();
      return `${name}=${p.value}${f.length ? `;${f.join(';')}` : ''}`;
    })
    .join('|');
}

function details(findings: Finding[]): string {
  return findings
    .map(
      (f) =>
        clean(
          `${findingTag(f)} ${findingLead(f)}: ${f.explanation}${f.acknowledged ? ` (acknowledged until ${f.acknowledged.until}: ${f.acknowledged.reason})` : ''}`,
        ) +
        commandLines(f)
          .map((c) => `\\n    ${c}`)
          .join(''),
    )
    .map((l) => `\\n${l}`)
    .join('');
}

export function renderCheckmk(doc: CheckDocument): string {
  const pv = perfValues(doc);
  const all = listFindings(doc);
  const lines: string[] = [];
  if (doc.dm?.error) {
    lines.push(`3 "${CHECKMK_DM_SERVICE}" - ${clean(`could not check device-mapper: ${doc.dm.error}`)}`);
  } else if (doc.dm) {
    const s = doc.dm.summary;
    const dmDoc: CheckDocument = { ...doc, mounts: undefined, volumes: undefined };
    // This service's own counts, then the node's verdict over every part (core/findings/overall.ts).
    const o = overallOf(doc, all);
    const node = o.grade ? `grade ${o.grade}` : 'not graded';
    const text = `${findingsPhrase(dmDoc)}; ${s.valid} valid of ${s.total} (node: ${STATUS_WORD[doc.status]}, ${node})`;
    const f = all.filter((x) => x.part === 'dm' || x.part === 'storage');
    const unchecked = (doc.dm.unchecked ?? []).map((w) => `\\n${clean(`UNKNOWN ${w}`)}`).join('');
    lines.push(
      `${doc.dm.status} "${CHECKMK_DM_SERVICE}" ${metrics(pv.dm.filter((p) => p.label !== 'dm_total'))} ${clean(text)}${unchecked}${details(f)}`,
    );
  }
  if (doc.mounts) {
    const entries = doc.mounts.entries;
    // The part's own status is authoritative; derive it only if a producer left it out.
    const state = doc.mounts.status ?? worstStatus(...entries.map(mountSeverity));
    const bad = entries.filter((m) => m.status !== 'ok').length;
    const error = typeof doc.mounts.error === 'string' ? doc.mounts.error : null;
    const text = error
      ? `could not check the mounts: ${error}`
      : entries.length === 0
        ? 'no remote mounts'
        : `${entries.length - bad} of ${entries.length} mounts OK${bad ? `, ${findingsPhrase({ ...doc, dm: undefined, volumes: undefined })}` : ''}`;
    const f = all.filter((x) => x.part === 'mounts');
    const m = pv.mounts.filter((p) => p.label.startsWith('mounts_'));
    lines.push(`${error ? 3 : state} "${CHECKMK_MOUNTS_SERVICE}" ${metrics(m)} ${clean(text)}${details(f)}`);
    // A failed check has no per-mount truth: the aggregate says UNKNOWN and why.
    if (!error) for (const e of entries) lines.push(mountLine(e));
  }
  // The volumes service, its findings (orphaned or unknown volumes) as long output like the others.
  const vol = volumesCheckmkLine(doc);
  if (vol) lines.push(`${vol}${details(all.filter((x) => x.part === 'volumes'))}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
