// A node built from Proxmox's own test configs, with every LVM volume they reference active, must
// have zero orphans and zero duplicates: whatever the grammar of a real config, its disks are found.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeDm } from '../../src/core/dm/analyze-dm';
import { parseNode } from '../../src/core/node/node-view';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import { lvNamesOfVolname, parseLvmVolname } from '../../src/core/parse/volume-name';
import { NodeBuilder } from '../helpers/node-builder';
import { corpusPath, haveCorpus, readCorpus } from '../helpers/pve-corpus';

interface Conf {
  file: string;
  type: 'qemu' | 'lxc';
  text: string;
}

function collect(): Conf[] {
  const out: Conf[] = [];
  const walk = (dir: string, type: 'qemu' | 'lxc') => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p, type);
      else if (e.name.endsWith('.conf'))
        out.push({ file: p, type, text: readCorpus(p.slice(corpusPath().length + 1)) });
    }
  };
  walk(corpusPath('proxmox+qemu-server/src/test/cfg2cmd'), 'qemu');
  walk(corpusPath('proxmox+qemu-server/src/test/snapshot-input'), 'qemu');
  walk(corpusPath('proxmox+qemu-server/src/test/parse-config-input'), 'qemu');
  walk(corpusPath('proxmox+pve-container/src/test/snapshot-input'), 'lxc');
  return out;
}

test('corpus node: every LVM volume of every config active → no orphan, no duplicate', (t) => {
  if (!haveCorpus(t, 'proxmox+qemu-server/src/test/cfg2cmd')) return;
  const confs = collect();
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
