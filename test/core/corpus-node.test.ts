// A node built from Proxmox's own test configs, with every LVM volume they reference active, must
// have zero orphans and zero duplicates: whatever the grammar of a real config, its disks are found.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import { lvNamesOfVolname, parseLvmVolname } from '../../src/core/parse/volume-name';
import { NodeBuilder } from '../helpers/node-builder';
import { corpusConfigs, haveCorpus } from '../helpers/pve-corpus';

/** Every corpus config a guest of one node, every LVM volume they name an LV; `more` adds to the builder. */
function corpusNode(more: (b: NodeBuilder, vgOf: (id: string) => string, lvmIds: string[]) => void = () => {}) {
  const confs = corpusConfigs();
  // Storage IDs whose volumes all look like LVM volume names become LVM-thin storages here
  // (lvm-store = thick LVM on VG veegee, as in the cfg2cmd suite's storage config).
  const volumes = new Map<string, Set<string>>();
  const parsed = confs.map((c, i) => ({ c, vmid: 10_000 + i, cfg: parseGuestConfig(c.text, c.type, 10_000 + i) }));
  for (const { cfg } of parsed) {
    for (const r of cfg.refs) {
      if (!r.volid) continue;
      const set = volumes.get(r.volid.storage) ?? new Set<string>();
      const { own, base } = lvNamesOfVolname(r.volid.volname);
      set.add(own);
      if (base) set.add(base);
      volumes.set(r.volid.storage, set);
    }
  }
  const lvmIds = [...volumes]
    .filter(([id, names]) => id !== 'local' && [...names].every((n) => parseLvmVolname(n) && !n.includes('/')))
    .map(([id]) => id);
  assert.ok(lvmIds.includes('lvm-store') && lvmIds.includes('local-lvm'), `LVM storages found: ${lvmIds.join(', ')}`);
  const vgOf = (id: string) => (id === 'lvm-store' ? 'veegee' : id === 'local-lvm' ? 'pve' : `vg-${id}`);
  const cfgText = lvmIds
    .map((id) =>
      id === 'lvm-store'
        ? `lvm: ${id}\n\tvgname veegee\n\tcontent images\n`
        : `lvmthin: ${id}\n\tvgname ${vgOf(id)}\n\tthinpool data\n\tcontent images,rootdir\n`,
    )
    .join('\n');
  // The other storages the configs name, as directory storages: storage.cfg defines every storage a
  // config names, or the node is UNKNOWN (core/node/storage-gaps.ts).
  const others = [...volumes.keys()]
    .filter((id) => id !== 'local' && !lvmIds.includes(id))
    .map((id) => `dir: ${id}\n\tpath /mnt/${id}\n\tcontent images\n`)
    .join('\n');
  const b = new NodeBuilder().storage(`${cfgText}\n${others}`);
  for (const id of lvmIds) if (id !== 'lvm-store') b.pool(vgOf(id));
  for (const { c, vmid } of parsed) b.guest(vmid, c.type, c.text);
  let active = 0;
  for (const id of lvmIds) {
    for (const lv of volumes.get(id)!) {
      b.lv({ vg: vgOf(id), lv, pool: id === 'lvm-store' ? undefined : 'data' });
      active++;
    }
  }
  more(b, vgOf, lvmIds);
  return { b, confs, lvmIds, active };
}

test('corpus node: every LVM volume of every config active → no orphan, no duplicate', (t) => {
  if (!haveCorpus(t, 'proxmox+qemu-server/src/test/cfg2cmd')) return;
  const { b, confs, lvmIds, active } = corpusNode();
  const r = analyzeDm(parseNode(b.build()));
  const bad = r.entries.filter((e) => e.status === 'orphan' || e.status === 'duplicate' || e.status === 'unknown');
  assert.deepEqual(
    bad.map((e) => `${e.name}: ${e.reason} (${e.detail})`),
    [],
  );
  const valid = r.entries.filter((e) => e.status === 'valid').length;
  assert.equal(valid, active, `${confs.length} configs, ${active} LVM volumes`);
  t.diagnostic(`${confs.length} corpus configs, ${lvmIds.length} LVM storages, ${active} volumes active, all valid`);
});

// The same configs as one node with the leftovers PVE's own operations leave (a deleted guest's disk, a
// disk detached from a guest's config) and the settings admins add (a container's bind mount, a VM disk
// by path): nothing of it is a failed read, so nothing is UNKNOWN, the node is graded, and every leftover
// is an orphan — none of the corpus's disks is one (zero harm).
test('corpus node with leftovers, a bind mount and a disk by path: zero UNKNOWN, the leftovers orphans, no disk harmed', (t) => {
  if (!haveCorpus(t, 'proxmox+qemu-server/src/test/cfg2cmd')) return;
  const leftovers: string[] = [];
  const { b, active } = corpusNode((node, vgOf, lvmIds) => {
    for (const id of lvmIds) {
      node.lv({ vg: vgOf(id), lv: 'vm-9999-disk-0', pool: id === 'lvm-store' ? undefined : 'data' });
      leftovers.push(`${vgOf(id)}/vm-9999-disk-0`);
    }
    node.guest(
      9001,
      'lxc',
      'arch: amd64\nhostname: ct-bind\nmp1: /srv/host-data,mp=/data\nrootfs: local:9001/vm-9001-disk-0.raw,size=8G\n',
    );
    node.guest(9002, 'qemu', 'memory: 512\nscsi0: /mnt/images/x.raw,size=8G\n');
  });
  const view = parseNode(b.build());
  const r = analyzeDm(view);
  assert.equal(r.unchecked, undefined, 'the part is checked');
  assert.deepEqual(
    r.entries.filter((e) => e.status === 'unknown').map((e) => `${e.name}: ${e.detail}`),
    [],
  );
  const orphans = r.entries.filter((e) => e.status === 'orphan' || e.status === 'duplicate');
  assert.deepEqual(orphans.map((e) => `${e.vg}/${e.lv}`).sort(), leftovers.sort(), 'only the leftovers');
  assert.equal(r.entries.filter((e) => e.status === 'valid').length, active, 'every corpus disk valid');
  t.diagnostic(`${active} corpus volumes valid, ${leftovers.length} leftovers orphans, no UNKNOWN`);
});
