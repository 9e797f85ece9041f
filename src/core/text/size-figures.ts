// A volume's space, as every output shows it (check, volumes, dm, reclaim plan and list, restore, JSON,
// dashboard, HTML, metrics): two figures, each labelled, never one in place of the other.
// - provisioned: what the volume can hold — the LV size, a zvol's volsize, an RBD image's size, a
//   file's virtual size (qcow2/vmdk header, raw file length), a subvol's refquota;
// - used: what it takes on its storage now — ZFS `used`, a file's allocated blocks; null where the
//   listing does not say (lvs without data_percent, `rbd ls -l`).
// A snapshot provisions nothing of its own: the size its entry carries is its volume's, so only its
// used figure (the space only it holds) is its own. A total is the sum of the rows it heads, per
// figure, and says how many rows had no such figure. Pure; imports only format-bytes.
import { formatBytes } from './format-bytes';

export interface SizeFigures {
  provisionedBytes: number | null;
  usedBytes: number | null;
  /** A snapshot: no provisioned figure of its own, and none is missing. */
  snapshot?: true;
}

/** The figures of one volume from what was gathered (a volume entry, a plan action, a journal record). */
export function sizeFigures(v: {
  sizeBytes: number | null;
  usedBytes: number | null;
  snapshot?: unknown;
}): SizeFigures {
  if (v.snapshot === undefined || v.snapshot === null || v.snapshot === false)
    return { provisionedBytes: v.sizeBytes, usedBytes: v.usedBytes };
  return { provisionedBytes: null, usedBytes: v.usedBytes, snapshot: true };
}

/** Per figure, the sum of the rows that have it and how many rows have it not (never taken as 0). */
export interface SizeTotals {
  provisionedBytes: number;
  usedBytes: number;
  provisionedUnknown: number;
  usedUnknown: number;
}

export function sumSizes(rows: SizeFigures[]): SizeTotals {
  const t: SizeTotals = { provisionedBytes: 0, usedBytes: 0, provisionedUnknown: 0, usedUnknown: 0 };
  for (const r of rows) {
    if (r.provisionedBytes !== null) t.provisionedBytes += r.provisionedBytes;
    else if (!r.snapshot) t.provisionedUnknown++;
    if (r.usedBytes !== null) t.usedBytes += r.usedBytes;
    else t.usedUnknown++;
  }
  return t;
}

/** "32.0 GiB provisioned, 302 MiB used", "32.0 GiB provisioned, used not listed", "302 MiB used (snapshot)". */
export function sizeText(f: SizeFigures): string {
  const used = f.usedBytes === null ? 'used not listed' : `${formatBytes(f.usedBytes)} used`;
  if (f.provisionedBytes !== null) return `${formatBytes(f.provisionedBytes)} provisioned, ${used}`;
  if (f.snapshot) return f.usedBytes === null ? 'snapshot, space not listed' : `${used} (snapshot)`;
  return `size not listed, ${used}`;
}

/** A heading's total, the sum of its rows: "92.0 GiB provisioned, 5.3 GiB used (2 not listed)". */
export function totalText(rows: SizeFigures[]): string {
  if (rows.length === 0) return '0 B';
  const t = sumSizes(rows);
  const sized = rows.length - rows.filter((r) => r.snapshot).length;
  const part = (bytes: number, unknown: number, of: number, what: string) =>
    unknown === of ? `${what} not listed` : `${formatBytes(bytes)} ${what}${unknown ? ` (${unknown} not listed)` : ''}`;
  const used = part(t.usedBytes, t.usedUnknown, rows.length, 'used');
  return sized ? `${part(t.provisionedBytes, t.provisionedUnknown, sized, 'provisioned')}, ${used}` : used;
}
