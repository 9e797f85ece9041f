// Proxmox's own guest configs (qemu-server's and pve-container's test suites) as the guests of a
// two-node cluster whose ZFS, Ceph RBD and directory storages hold every volume they name, plus the
// leftovers PVE's own operations leave: the volumes part must call every named volume valid, every
// leftover an orphan, nothing UNKNOWN (nothing here is a failed read), and offer no destructive step
// for a disk a config names. The LVM side of the same configs: corpus-node.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import type { FileVolume, VolumeEntry } from '../../src/core/vocab/volume-types';
import { type ClassifyVolumesInput, classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { corpusConfigs, haveCorpus } from '../helpers/pve-corpus';
import { buildVolumeInput, membersOf } from '../helpers/volume-node';

type Kind = 'dir' | 'rbd' | 'zfspool' | 'lvm';

// What kind of storage a corpus storage ID stands for, from the volume names its configs give it (PVE's
// plugins: a dir-like volname is `<vmid>/<file>`; RBD and ZFS name images and datasets `vm-<vmid>-…`).
function kindOf(id: string, volnames: string[]): Kind | null {
  if (volnames.every((v) => /^\d+\/[^/]+(\/\d+\/[^/]+)?$/.test(v))) return 'dir';
  // ZFS over iSCSI lists its volumes on the target, not on the node.
  if (/iscsi/.test(id) || !volnames.every((v) => /^((base|vm)-\d+-[^/]+\/)?(vm|base)-\d+-[a-z]+-?\d*$/.test(v)))
    return null;
  if (/rbd/.test(id)) return 'rbd';
  if (/^zfs$|local-zfs/.test(id)) return 'zfspool';
  return 'lvm';
}

const SHARED = new Set(['cifs-store', 'nfs']);

interface Cluster {
  input: ClassifyVolumesInput;
  /** Volume IDs a config of this node, or of any node on a shared storage, names. */
  named: Set<string>;
  /** `<volid>@<snapshot>` of the ZFS and RBD snapshots a snapshot section names. */
  namedSnapshots: Set<string>;
  leftovers: string[];
  storages: Map<string, Kind>;
}

function corpusCluster(): Cluster {
  const confs = corpusConfigs();
  const files: Record<string, string> = { '/etc/pve/.members': membersOf(['pve1', 'pve2']) };
  const byStorage = new Map<string, Map<string, boolean>>(); // storage → volname → named on this node
  // `<storage>:<volname>` → the snapshot sections that name it (a ZFS or RBD snapshot of that name exists).
  const snapsOf = new Map<string, Set<string>>();
  confs.forEach((c, i) => {
    const vmid = 20_000 + i;
    // Every third guest lives on the other node: its configs name the same storages.
    const node = i % 3 === 2 ? 'pve2' : 'pve1';
    const dir = c.type === 'qemu' ? 'qemu-server' : 'lxc';
    files[`/etc/pve/nodes/${node}/${dir}/${vmid}.conf`] = c.text;
    for (const r of parseGuestConfig(c.text, c.type, vmid).refs) {
      if (!r.volid || r.media === 'cdrom' || /^(iso|vztmpl|snippets)\//.test(r.volid.volname)) continue;
      const m = byStorage.get(r.volid.storage) ?? new Map<string, boolean>();
      m.set(r.volid.volname, (m.get(r.volid.volname) ?? false) || node === 'pve1');
      byStorage.set(r.volid.storage, m);
      if (r.section.startsWith('snapshot:') && r.key !== 'vmstate') {
        const k = `${r.volid.storage}:${r.volid.volname}`;
        snapsOf.set(k, (snapsOf.get(k) ?? new Set()).add(r.section.slice('snapshot:'.length)));
      }
    }
  });
  const storages = new Map<string, Kind>();
  const cfg: string[] = [];
  for (const [id, vols] of byStorage) {
    const kind = kindOf(id, [...vols.keys()]);
    if (!kind) continue;
    storages.set(id, kind);
    if (kind === 'dir')
      cfg.push(`dir: ${id}\n\tpath /mnt/${id}\n\tcontent images,rootdir\n${SHARED.has(id) ? '\tshared 1\n' : ''}`);
    else if (kind === 'rbd') cfg.push(`rbd: ${id}\n\tpool pool-${id}\n\tcontent images,rootdir\n`);
    else if (kind === 'zfspool') cfg.push(`zfspool: ${id}\n\tpool tank/${id}\n\tcontent images,rootdir\n`);
    else cfg.push(`lvmthin: ${id}\n\tvgname vg-${id}\n\tthinpool data\n\tcontent images,rootdir\n`);
  }
  files['/etc/pve/storage.cfg'] = cfg.join('\n');

  const named = new Set<string>();
  const namedSnapshots = new Set<string>();
  const leftovers: string[] = [];
  const dirVolumes: Record<string, FileVolume[]> = {};
  const rbd: Record<string, string> = {};
  const zfs: string[] = [];
  for (const [id, kind] of storages) {
    const vols = byStorage.get(id)!;
    // A local storage holds what this node's guests name; a shared one what any node's guests name.
    const here = [...vols].filter(([, onThisNode]) => onThisNode || SHARED.has(id) || kind === 'rbd');
    // LVM volumes are the device-mapper part's (corpus-node.test.ts).
    if (kind !== 'lvm') for (const [v] of here) named.add(`${id}:${v}`);
    if (kind === 'dir') {
      dirVolumes[id] = here.flatMap(([v]) => {
        const linked = /^(\d+\/[^/]+)\/(\d+\/[^/]+)$/.exec(v);
        const own: FileVolume = { name: linked ? linked[2] : v, sizeBytes: 1 << 30, usedBytes: 1 << 20 };
        if (linked) own.backing = `../${linked[1]}`;
        return linked ? [own, { name: linked[1], sizeBytes: 1 << 30, usedBytes: 1 << 20 }] : [own];
      });
      dirVolumes[id].push({ name: '8006/vm-8006-disk-77.qcow2', sizeBytes: 1 << 30, usedBytes: 1 << 20 });
      leftovers.push(`${id}:8006/vm-8006-disk-77.qcow2`);
    } else if (kind === 'rbd') {
      const rows: Record<string, unknown>[] = [];
      for (const [v] of here) {
        const image = v.split('/').pop()!;
        rows.push({ image, id: `id-${image}`, size: 1 << 30, format: 2 });
        for (const snapshot of snapsOf.get(`${id}:${v}`) ?? []) {
          rows.push({
            image,
            id: `id-${image}`,
            size: 1 << 30,
            format: 2,
            snapshot,
            snapshot_id: rows.length,
            protected: 'false',
          });
          namedSnapshots.add(`${id}:${v}@${snapshot}`);
        }
      }
      // A snapshot no section names (its snapshot delete failed half-way): a leftover too.
      const first = here[0]?.[0];
      if (first) {
        const image = first.split('/').pop()!;
        rows.push({
          image,
          id: `id-${image}`,
          size: 1 << 30,
          format: 2,
          snapshot: 'gone',
          snapshot_id: 999,
          protected: 'false',
        });
        leftovers.push(`${id}:${first}@gone`);
      }
      rows.push({ image: 'vm-8006-disk-77', id: 'id-77', size: 1 << 30, format: 2 });
      leftovers.push(`${id}:vm-8006-disk-77`);
      rbd[id] = JSON.stringify(rows);
    } else if (kind === 'zfspool') {
      for (const [v] of here) {
        zfs.push(`tank/${id}/${v}\tvolume\t1073741824\t57344\t57344\t-\t-\t-`);
        for (const snapshot of snapsOf.get(`${id}:${v}`) ?? []) {
          zfs.push(`tank/${id}/${v}@${snapshot}\tsnapshot\t1073741824\t0\t57344\t-\t-\t-`);
          namedSnapshots.add(`${id}:${v}@${snapshot}`);
        }
      }
      zfs.push(`tank/${id}/vm-8006-disk-77\tvolume\t1073741824\t57344\t57344\t-\t-\t-`);
      leftovers.push(`${id}:vm-8006-disk-77`);
    }
  }
  const zfsRoots = [...storages]
    .filter(([, k]) => k === 'zfspool')
    .map(([id]) => `tank/${id}\tfilesystem\t-\t1\t1\t0\t-\t/tank/${id}`);
  const input = buildVolumeInput({
    files,
    zfs: ['tank\tfilesystem\t-\t1\t1\t0\t-\t/tank', ...zfsRoots, ...zfs],
    rbd,
    rbdTrash: Object.fromEntries(Object.keys(rbd).map((id) => [id, '[]\n'])),
    rbdStatus: Object.fromEntries(Object.keys(rbd).map((id) => [`${id}/vm-8006-disk-77`, '{"watchers":[]}'])),
    fileStorages: dirVolumes,
  });
  return { input, named, namedSnapshots, leftovers, storages };
}

const DESTRUCTIVE =
  /\b(pvesm free|zfs destroy|rbd rm|rbd trash mv|rbd snap rm|lvremove|rm --|btrfs subvolume delete)\b/;

function describe(e: VolumeEntry): string {
  return `${e.volid}${e.snapshot ? `@${e.snapshot}` : ''}: ${e.status}/${e.reason} (${e.detail})`;
}

test('corpus cluster on ZFS, RBD and directory storages: every named volume valid, the leftovers orphans, zero UNKNOWN', (t) => {
  if (!haveCorpus(t, 'proxmox+qemu-server/src/test/cfg2cmd')) return;
  const { input, named, namedSnapshots, leftovers, storages } = corpusCluster();
  // The corpus gives every kind the volumes part lists, so a storage kind left out shows here.
  assert.deepEqual([...new Set(storages.values())].sort(), ['dir', 'lvm', 'rbd', 'zfspool']);
  const r = classifyVolumes(input);
  assert.deepEqual(
    r.storages.filter((s) => s.status !== 'ok').map((s) => `${s.storage}: ${s.status} (${s.error})`),
    [],
    'every storage graded',
  );
  const unknown = r.entries.filter((e) => e.status === 'unknown');
  assert.deepEqual(unknown.map(describe), [], 'nothing UNKNOWN');
  const ofNamed = r.entries.filter((e) => !e.snapshot && named.has(e.volid));
  assert.deepEqual(
    ofNamed.filter((e) => e.status !== 'valid').map(describe),
    [],
    'every volume a config names is valid',
  );
  const listed = new Set(ofNamed.map((e) => e.volid));
  assert.deepEqual(
    [...named].filter((v) => !listed.has(v)),
    [],
    'every named volume listed',
  );
  for (const e of ofNamed) {
    const steps = [e.hint ?? '', ...(e.steps ?? []).map((s) => ('command' in s ? String(s.command) : ''))].join('\n');
    assert.doesNotMatch(steps, DESTRUCTIVE, `no destructive step for ${describe(e)}`);
  }
  const snaps = r.entries.filter((e) => e.snapshot && e.snapshot !== 'gone');
  assert.deepEqual(
    snaps.filter((e) => !namedSnapshots.has(`${e.volid}@${e.snapshot}`) || e.status !== 'valid').map(describe),
    [],
    'every snapshot a section names is valid',
  );
  assert.equal(snaps.length, namedSnapshots.size, 'every named snapshot listed');
  assert.ok(namedSnapshots.size > 0, 'the corpus has snapshots on ZFS or RBD');
  const orphans = r.entries
    .filter((e) => e.status === 'orphan')
    .map((e) => (e.snapshot ? `${e.volid}@${e.snapshot}` : e.volid));
  assert.deepEqual(orphans.sort(), leftovers.sort(), 'the leftovers, and only they, are orphans');
  t.diagnostic(
    `${named.size} named volumes and ${namedSnapshots.size} snapshots valid on ${storages.size} storages (${[...storages.values()].join(', ')}), ${leftovers.length} leftovers orphans`,
  );
});
