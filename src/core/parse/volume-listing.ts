// Raw volume listings of the storages that are not LVM (ZFS, Ceph RBD, file storages) → data. Pure.
//
// The column list of the one `zfs list` call (ZFSPoolPlugin.pm zfs_list_zvol asks for
// name,volsize,origin,type,refquota; we add used/refer/mountpoint for sizes and subvol paths).
// `guid`: the dataset's identity, which a rename keeps (reclaim records it, the purge compares it); last,
// so a listing of an older capture without it still parses.
export const ZFS_LIST_FIELDS = ['name', 'type', 'volsize', 'used', 'refer', 'refquota', 'origin', 'mountpoint', 'guid'];

export interface ZfsDataset {
  name: string;
  type: 'volume' | 'filesystem' | 'snapshot' | string;
  volsize: number | null;
  used: number | null;
  refer: number | null;
  refquota: number | null;
  origin: string | null;
  mountpoint: string | null;
  guid: string | null;
}

const num = (s: string | undefined): number | null => (s === undefined || !/^\d+$/.test(s) ? null : Number(s));
const str = (s: string | undefined): string | null => (s === undefined || s === '-' || s === '' ? null : s);

/**
 * `zfs list -H -p -t volume,filesystem,snapshot -o name,type,volsize,used,refer,refquota,origin,mountpoint,guid`:
 * tank/pve/vm-100-disk-0	volume	34359738368	57344	57344	-	-	-	9264519283417482321
 * -H: one TAB between fields, no header; -p: exact integers; `-` where a property does not apply.
 */
export function parseZfsList(text: string): ZfsDataset[] {
  const out: ZfsDataset[] = [];
  let last: string[] = [];
  let withGuid = false;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split('\t');
    // Eight fields: a listing without the guid column (a capture of an older pve-health).
    if (f.length < ZFS_LIST_FIELDS.length - 1) throw new Error(`zfs list: unexpected line: ${line.slice(0, 120)}`);
    out.push(zfsDataset(f));
    last = f;
    withGuid ||= f.length >= ZFS_LIST_FIELDS.length;
  }
  const cut = text.endsWith('\n') ? null : cutLastLine(out, last, { withGuid });
  if (cut) throw new Error(`zfs list: its output ends inside its last line (${cut}): the listing was cut short`);
  return out;
}

function zfsDataset(f: string[]): ZfsDataset {
  return {
    name: f[0],
    type: f[1],
    volsize: num(f[2]),
    used: num(f[3]),
    refer: num(f[4]),
    refquota: num(f[5]),
    origin: str(f[6]),
    mountpoint: str(f[7]),
    guid: f[8] !== undefined && /^\d+$/.test(f[8]) ? f[8] : null,
  };
}

/**
 * Why the last dataset of an output without its final newline may be cut inside its last field, or null
 * when that field is whole. A guid (the last column when asked for) is digits of any length: a cut one
 * looks whole, so such a line is always taken as cut; so is a line without the guid the lines before had.
 * In a listing without guids the last field is the mountpoint (`shown`). OpenZFS's zfs list ends every line with a
 * newline (cmd/zfs/zfs_main.c print_dataset: `(void) putchar('\n')`), so such an output was read short,
 * unless something in between dropped only that newline: the line is whole when its mountpoint can only
 * be what it shows — `-` for a volume or a snapshot (they have no mountpoint), `none`/`legacy`, or the
 * path it inherits (the listed parent's mountpoint and its own last name component; `/<name>` for the
 * first dataset, a pool's default).
 */
function cutLastLine(out: ZfsDataset[], fields: string[], o: { withGuid: boolean }): string | null {
  const last = out.at(-1);
  if (!last) return null;
  const shown = fields[fields.length - 1];
  const why = `${last.name} ends with ${JSON.stringify(shown.slice(0, 80))}`;
  if (o.withGuid) return why;
  if (last.type === 'volume' || last.type === 'snapshot') return shown === '-' ? null : why;
  if (last.type !== 'filesystem') return why;
  if (shown === 'none' || shown === 'legacy') return null;
  const slash = last.name.lastIndexOf('/');
  const above = slash < 0 ? undefined : out.find((d) => d.name === last.name.slice(0, slash))?.mountpoint;
  let inherited = `/${last.name}`;
  if (above === 'none' || above === 'legacy') inherited = above;
  else if (above) inherited = `${above.replace(/\/$/, '')}/${last.name.slice(slash + 1)}`;
  return shown === inherited ? null : why;
}

/** JSON.parse with the command named in its error (what the part's reason says). */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: output is not its JSON (${(e as Error).message})`);
  }
}

export interface RbdRow {
  image: string;
  /** The image's id (the same id in the trash): absent in the rows of older rbd versions. */
  id?: string;
  snapshot: string | null;
  size: number | null;
  parent: { pool: string; image: string; snapshot: string } | null;
  protected: boolean;
  lockType: string | null;
}

/**
 * `rbd -p POOL ls -l --format json` (ceph src/tools/rbd/action/List.cc), compact JSON:
 * [{"image":"vm-100-disk-0","id":"10a2b3c4","size":107374182400,"format":2,"lock_type":"exclusive"},
 *  {"image":"base-900-disk-0","id":"…","snapshot":"__base__","snapshot_id":4,"size":…,"format":2,"protected":"true"}]
 */
export function parseRbdList(text: string): RbdRow[] {
  const t = text.trim();
  // The JSON formatter prints `[]` for a pool without images (List.cc flushes the empty array): no
  // output at all is a cut-off answer (RBDPlugin.pm rbd_ls would take it for "no images").
  if (!t) throw new Error('rbd ls: no output (a pool without images prints [])');
  const data = parseJson(t, 'rbd ls');
  if (!Array.isArray(data)) throw new Error('rbd ls: not a JSON array');
  return data.map((r: Record<string, unknown>) => {
    if (typeof r?.image !== 'string') throw new Error('rbd ls: a row without "image"');
    const p = r.parent as Record<string, unknown> | undefined;
    return {
      image: r.image,
      ...(typeof r.id === 'string' && r.id ? { id: r.id } : {}),
      snapshot: typeof r.snapshot === 'string' ? r.snapshot : null,
      size: typeof r.size === 'number' ? r.size : null,
      parent:
        p && typeof p.image === 'string'
          ? { pool: String(p.pool ?? ''), image: p.image, snapshot: String(p.snapshot ?? '') }
          : null,
      protected: r.protected === 'true' || r.protected === true,
      lockType: typeof r.lock_type === 'string' ? r.lock_type : null,
    };
  });
}

/** One entry under `<path>/images/<vmid>/` of a file storage, as the host read it. */
export interface Qcow2Header {
  version: number;
  virtualSize: number;
  backingFile: string | null;
}

/**
 * qcow2 header (qemu docs/interop/qcow2.txt): magic "QFI\xfb", u32 version @4, u64 backing_file_offset @8,
 * u32 backing_file_size @16, u64 size @24; big-endian. null when the bytes are not a qcow2 header.
 */
export function parseQcow2Header(buf: Uint8Array): Qcow2Header | null {
  if (buf.length < 32) return null;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint32(0) !== 0x514649fb) return null;
  const version = v.getUint32(4);
  const off = Number(v.getBigUint64(8));
  const len = v.getUint32(16);
  const virtualSize = Number(v.getBigUint64(24));
  let backingFile: string | null = null;
  if (off > 0 && len > 0 && off + len <= buf.length) {
    backingFile = new TextDecoder().decode(buf.subarray(off, off + len));
  }
  return { version, virtualSize, backingFile };
}

/**
 * VMDK sparse extent header (VMware "Virtual Disk Format 1.1"): magic "KDMV" little-endian, u64 capacity
 * @12 in 512-byte sectors. null when not a sparse vmdk.
 */
export function parseVmdkCapacity(buf: Uint8Array): number | null {
  if (buf.length < 20) return null;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint32(0, true) !== 0x564d444b) return null;
  return Number(v.getBigUint64(12, true)) * 512;
}
