// /etc/pve/storage.cfg (facts §2): SectionConfig.
//
// lvmthin: local-lvm
//         thinpool data
//         vgname pve
//         content rootdir,images
// Header `^(\S+):\s*(\S+)\s*$` (type lower-cased, storage id); properties `^\s+(\S+)(\s+(.*\S))?\s*$`;
// a blank line ends the section; `#` lines skipped; a value-less boolean means 1.

export interface StorageConfig {
  id: string;
  type: string;
  props: Record<string, string>;
  /** `nodes` restriction, or null for all nodes. */
  nodes: string[] | null;
  shared: boolean;
  disabled: boolean;
}

/** pve-storage Plugin.pm @SHARED_STORAGE (9.1.7), plus glusterfs (shared until PVE 8 dropped it). */
const SHARED_TYPES = ['iscsi', 'nfs', 'cifs', 'rbd', 'cephfs', 'iscsidirect', 'zfs', 'drbd', 'pbs', 'glusterfs'];

export function parseStorageConfig(text: string): StorageConfig[] {
  const out: StorageConfig[] = [];
  let cur: StorageConfig | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('#')) continue;
    if (/^\s*$/.test(line)) {
      cur = null;
      continue;
    }
    const h = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (h && !/^\s/.test(line)) {
      cur = { id: h[2], type: h[1].toLowerCase(), props: {}, nodes: null, shared: false, disabled: false };
      out.push(cur);
      continue;
    }
    const p = /^\s+(\S+)(\s+(.*\S))?\s*$/.exec(line);
    if (p && cur) cur.props[p[1]] = p[3] ?? '1';
  }
  for (const s of out) {
    if (s.props.nodes) s.nodes = s.props.nodes.split(/[,;\s]+/).filter(Boolean);
    // lvmthin has no `shared` option; pve-storage marks these types shared by nature.
    s.shared = s.props.shared === '1' || SHARED_TYPES.includes(s.type);
    s.disabled = s.props.disable === '1';
  }
  return out;
}

/** pve-storage parse_storage_id (Storage.pm). */
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;

/**
 * Lines parseStorageConfig passes over that are not comments, blanks, section headers or properties of a
 * section (pmxcfs handing out a torn or garbled file): SectionConfig skips them, so storages are lost.
 */
export function unparsedStorageLines(text: string): string[] {
  const bad: string[] = [];
  let inSection = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('#')) continue;
    if (/^\s*$/.test(line)) {
      inSection = false;
      continue;
    }
    const h = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (h && !/^\s/.test(line)) {
      inSection = /^[a-z][a-z0-9]*$/i.test(h[1]) && STORAGE_ID.test(h[2]);
      if (!inSection) bad.push(line);
      continue;
    }
    if (!inSection || !/^\s+[a-z][a-z0-9_-]*(\s+.*)?$/i.test(line)) bad.push(line);
  }
  return bad;
}

/** Storages usable on `node`: not disabled, and `nodes=` (if set) includes it. */
export function storagesOnNode<T extends Pick<StorageConfig, 'disabled' | 'nodes'>>(all: T[], node: string): T[] {
  return all.filter((s) => !s.disabled && (s.nodes === null || s.nodes.includes(node)));
}

export interface LvmStorage {
  id: string;
  type: 'lvm' | 'lvmthin';
  vg: string;
  thinpool: string | null;
  shared: boolean;
  taggedOnly: boolean;
  /** PVE 9 qcow2 on thick LVM with snapshot volume chains. */
  volumeChain: boolean;
  nodes: string[] | null;
  disabled: boolean;
}

/** The LVM and LVM-thin storages (whatever their node restriction; callers filter). */
export function lvmStorages(all: StorageConfig[]): LvmStorage[] {
  return all
    .filter((s) => (s.type === 'lvm' || s.type === 'lvmthin') && s.props.vgname)
    .map((s) => ({
      id: s.id,
      type: s.type as 'lvm' | 'lvmthin',
      vg: s.props.vgname,
      thinpool: s.type === 'lvmthin' ? (s.props.thinpool ?? null) : null,
      shared: s.type === 'lvm' && s.props.shared === '1',
      taggedOnly: s.props.tagged_only === '1',
      volumeChain: s.props['snapshot-as-volume-chain'] === '1',
      nodes: s.nodes,
      disabled: s.disabled,
    }));
}
