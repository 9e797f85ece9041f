// The guest volumes section of the HTML report: per storage (an unlisted one says why), how many
// findings (their blocks, with hints, are in the report's Issues section with every other guest-disk
// finding), and the VMIDs a new guest would inherit leftovers with. Pure.

import type { Finding } from '../core/findings/findings';
import { formatBytes } from '../core/text/format-bytes';
import { STATUS_WORD } from '../core/vocab/status';
import type { CheckDocument } from '../core/vocab/types';
import { badge, esc, table } from './html-kit';
import { look, statusFg } from './html-style';
import { withoutAcksNote } from './text';

/** The volumes part: per storage (an unlisted one says why), the findings, and VMIDs that hold leftovers. */
export function volumesBody(doc: CheckDocument, findings: Finding[]): string {
  const v = doc.volumes!;
  const s = v.summary;
  const own = findings.filter((x) => x.part === 'volumes');
  const acked = own.filter((f) => f.acknowledged).length;
  const without = withoutAcksNote(v);
  const out = [
    `<p style="font-size:14px;margin:0 0 8px 0">${badge(STATUS_WORD[v.status], v.status)} ${esc(`${s.total} volumes: ${s.valid} valid, ${s.orphan} orphaned (${formatBytes(s.orphanSizeBytes)})${acked ? `, ${acked} acknowledged` : ''}, ${s.unknown} unknown${without}`)}</p>`,
  ];
  if (v.error) out.push(`<p ${look({ fg: statusFg(2) }, 'font-size:14px')}>Could not check: ${esc(v.error)}</p>`);
  if (v.storages.length)
    out.push(
      table(
        ['Storage', 'Type', 'State', 'Volumes', 'Orphaned', 'Size'],
        v.storages.map((st) => [
          esc(st.storage),
          esc(st.type),
          st.status === 'ok' ? badge('ok', 0) : `${badge('unknown', 3)} ${esc(st.error ?? '')}`,
          esc(st.total),
          esc(st.orphan),
          esc(formatBytes(st.sizeBytes)),
        ]),
      ),
    );
  // The findings themselves are in the report's Issues section (every guest-disk finding, worst first).
  if (own.length)
    out.push(
      `<p style="font-size:14px">${esc(own.length)} finding${own.length === 1 ? '' : 's'}: see Issues above.</p>`,
    );
  for (const l of v.vmidLeftovers ?? [])
    out.push(
      `<p ${look({ fg: 'muted' }, 'font-size:13px')}>VMID ${esc(l.vmid)} is free but holds ${esc(l.volids.length)} leftover volume(s) (${esc(formatBytes(l.sizeBytes))}): a new guest ${esc(l.vmid)} inherits them.</p>`,
    );
  return out.join('');
}
