// `lvs`/`vgs --reportformat json` (one call each, all VGs).
import { plainLvmId } from './dm-name';

export interface LvRow {
  /** LV name without the [] lvm2 puts around hidden LVs. */
  name: string;
  hidden: boolean;
  vg: string;
  /** 32-char LV id (hyphens removed). */
  uuid: string;
  vgUuid: string;
  attr: string;
  sizeBytes: number | null;
  pool: string;
  origin: string;
  tags: string[];
  segtype: string;
  active: boolean;
  kernelMajor: number | null;
  kernelMinor: number | null;
  vgAttr: string;
  movePv: string;
  dataPercent: number | null;
  metadataPercent: number | null;
  role: string;
}

export const LVS_FIELDS = [
  'lv_name',
  'vg_name',
  'lv_uuid',
  'vg_uuid',
  'lv_attr',
  'lv_size',
  'pool_lv',
  'origin',
  'lv_tags',
  'segtype',
  'lv_active',
  'data_percent',
  'metadata_percent',
  'move_pv',
  'lv_kernel_major',
  'lv_kernel_minor',
  'vg_attr',
  'lv_role',
];

export const VGS_FIELDS = [
  'vg_name',
  'vg_uuid',
  'vg_attr',
  'vg_size',
  'vg_free',
  'pv_count',
  'lv_count',
  'vg_tags',
  'pv_name',
];

function reportRows(text: string, key: 'lv' | 'vg'): Record<string, string>[] {
  const start = text.indexOf('{');
  if (start < 0) return [];
  const doc = JSON.parse(text.slice(start)) as { report?: Record<string, Record<string, string>[]>[] };
  const reports = doc.report ?? [];
  // One report per VG set in practice; a loop, not push(...rows): 100,000 rows would overflow the stack.
  if (reports.length === 1) return reports[0][key] ?? [];
  const rows: Record<string, string>[] = [];
  for (const r of reports) for (const row of r[key] ?? []) rows.push(row);
  return rows;
}

/** lv_tags `a,b` as a list; split's own array unless an empty item must be dropped (src/core/vocab/fitted.ts). */
function tagList(tags: string): string[] {
  if (tags === '') return [];
  const list = tags.split(',');
  return list.includes('') ? list.filter(Boolean) : list;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  // lvm2 prefixes rounded sizes with '<'.
  const n = Number(v.charCodeAt(0) === 60 ? v.slice(1) : v);
  return Number.isFinite(n) ? n : null;
}

/** lvm2 prints a hidden LV's name in brackets (`[data_tdata]`). */
function isHiddenName(name: string): boolean {
  return name.charCodeAt(0) === 91 && /^\[.*\]$/.test(name);
}

/** lv_kernel_major/minor: -1 when the LV is not active. */
function kernelNumber(v: string | undefined): number | null {
  const n = num(v);
  return n !== null && n >= 0 ? n : null;
}

// {"lv_name":"vm-100-disk-0", "vg_name":"pve", "lv_uuid":"oY6qLC-W4ck-i6NW-YbBF-a6jk-wPt1-zGZwYg", "lv_attr":"Vwi-aotz--", ...}
export function parseLvs(text: string): LvRow[] {
  // Rows of one VG repeat its id: converted once per run of rows, not once per LV.
  let vgUuidIn = '';
  let vgUuid = '';
  const rows = reportRows(text, 'lv');
  const out: LvRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const lvName = r.lv_name ?? '';
    const hidden = isHiddenName(lvName);
    const attr = r.lv_attr ?? '';
    const vgIn = r.vg_uuid ?? '';
    if (vgIn !== vgUuidIn) {
      vgUuidIn = vgIn;
      vgUuid = plainLvmId(vgIn);
    }
    const tags = r.lv_tags ?? '';
    out.push({
      name: hidden ? lvName.slice(1, -1) : lvName,
      hidden,
      vg: r.vg_name ?? '',
      uuid: plainLvmId(r.lv_uuid ?? ''),
      vgUuid,
      attr,
      sizeBytes: num(r.lv_size),
      pool: r.pool_lv ?? '',
      origin: r.origin ?? '',
      tags: tagList(tags),
      segtype: r.segtype ?? '',
      // lv_active is "active" (or "local exclusive" etc.) when active; attr[4] is 'a' when active.
      active: r.lv_active !== undefined ? r.lv_active !== '' && r.lv_active !== 'inactive' : attr[4] === 'a',
      kernelMajor: kernelNumber(r.lv_kernel_major),
      kernelMinor: kernelNumber(r.lv_kernel_minor),
      vgAttr: r.vg_attr ?? '',
      movePv: r.move_pv ?? '',
      dataPercent: num(r.data_percent),
      metadataPercent: num(r.metadata_percent),
      role: r.lv_role ?? '',
    });
  }
  return out;
}

export interface VgRow {
  name: string;
  uuid: string;
  attr: string;
  sizeBytes: number | null;
  freeBytes: number | null;
  pvCount: number;
  lvCount: number;
  tags: string[];
  pvs: string[];
  /** vg_attr[3] == 'p': a PV is missing. */
  partial: boolean;
  /** vg_attr[5] == 's': lvmlockd shared VG; 'c': clustered (clvmd). */
  lockType: 'shared' | 'clustered' | null;
}

// {"vg_name":"pve", "vg_uuid":"VyB2FO-...", "vg_attr":"wz--n-", "vg_size":"2199019061248", ..., "pv_name":"/dev/sda3"}
export function parseVgs(text: string): VgRow[] {
  const byName = new Map<string, VgRow>();
  for (const r of reportRows(text, 'vg')) {
    const name = r.vg_name ?? '';
    const attr = r.vg_attr ?? '';
    const existing = byName.get(name);
    if (existing) {
      if (r.pv_name) existing.pvs.push(r.pv_name);
      continue;
    }
    byName.set(name, {
      name,
      uuid: plainLvmId(r.vg_uuid ?? ''),
      attr,
      sizeBytes: num(r.vg_size),
      freeBytes: num(r.vg_free),
      pvCount: num(r.pv_count) ?? 0,
      lvCount: num(r.lv_count) ?? 0,
      tags: (r.vg_tags ?? '').split(',').filter(Boolean),
      pvs: r.pv_name ? [r.pv_name] : [],
      partial: attr[3] === 'p',
      lockType: attr[5] === 's' ? 'shared' : attr[5] === 'c' ? 'clustered' : null,
    });
  }
  return [...byName.values()];
}
