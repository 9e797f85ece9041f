// A lower bound above the I/O floor for `dm --json --from SNAPSHOT`, run by hand beside it (docs/performance.md):
// the least any program does to give one entry per device-mapper map, written plainly and without a rule.
// It reads and parses the snapshot as the floor does, then: the four dmsetup listings into one object per
// map, the `lvs` report (JSON.parse) indexed by DM UUID, every guest config into its volume references,
// one entry per map with the fields of pve-health's entry (a verdict only from "is the volume named by a
// config"), and the document as pretty JSON. It checks no consistency, protection, lock, holder, storage
// or snapshot and plans nothing, so its output is no answer: its time says how much of pve-health's is
// the work any answer needs, and how much is the rules.
//   node --no-opt bench/least-work.mjs SNAPSHOT > /dev/null     (prints its phases on stderr)
import { readFileSync, writeSync } from 'node:fs';

const t0 = performance.now();
const snap = JSON.parse(readFileSync(process.argv[2], 'latin1'));
const t1 = performance.now();

const out = (key) => snap.commands[key]?.stdout ?? '';
// pve-vm--100--disk--0<TAB>LVM-<vg id><lv id><TAB>dm-7<TAB>252<TAB>7<TAB>L--w<TAB>1<TAB>1<TAB>0
const maps = [];
const byName = new Map();
for (const line of out('dmsetup.info').split('\n')) {
  if (!line.includes('\t')) continue;
  const f = line.split('\t');
  const m = { name: f[0], uuid: f[1], major: f[3], minor: f[4], open: Number(f[6]), table: [], deps: [], status: [] };
  maps.push(m);
  byName.set(m.name, m);
}
// pve-vm--100--disk--0: 0 67108864 thin 252:4 2
for (const [key, list] of [
  ['dmsetup.table', 'table'],
  ['dmsetup.deps', 'deps'],
  ['dmsetup.status', 'status'],
]) {
  for (const line of out(key).split('\n')) {
    const i = line.indexOf(': ');
    const m = i < 0 ? undefined : byName.get(line.slice(0, i));
    if (m) m[list].push(line.slice(i + 2));
  }
}
const lvsText = out('lvs');
const lvByUuid = new Map();
for (const report of JSON.parse(lvsText.slice(lvsText.indexOf('{'))).report ?? []) {
  for (const r of report.lv ?? [])
    lvByUuid.set(`LVM-${r.vg_uuid.replaceAll('-', '')}${r.lv_uuid.replaceAll('-', '')}`, r);
}
const t2 = performance.now();

// scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G
const VOLUME_KEY = /^(ide|sata|scsi|virtio|efidisk|tpmstate|unused|mp)\d+$|^rootfs$/;
const guests = new Map();
const named = new Set();
for (const path of Object.keys(snap.files)) {
  const g = /\/(qemu-server|lxc)\/(\d+)\.conf$/.exec(path);
  const text = snap.files[path];
  if (!g || typeof text !== 'string') continue;
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0 && VOLUME_KEY.test(line.slice(0, i))) named.add(line.slice(i + 2).split(',')[0]);
  }
  guests.set(Number(g[2]), g[1] === 'lxc' ? 'lxc' : 'qemu');
}
const t3 = performance.now();

const entries = [];
for (const m of maps) {
  const lv = lvByUuid.get(m.uuid);
  const vg = lv?.vg_name ?? null;
  const lvName = lv?.lv_name ?? null;
  const id = lvName ? /^(?:vm|base)-(\d+)-/.exec(lvName) : null;
  const vmid = id ? Number(id[1]) : null;
  const volume = lvName ? `local-lvm:${lvName}` : null;
  const valid = volume !== null && named.has(volume);
  entries.push({
    name: m.name,
    uuid: m.uuid,
    vg,
    lv: lvName,
    layer: null,
    storage: volume ? 'local-lvm' : null,
    vmid,
    volume,
    active: true,
    status: valid ? 'valid' : 'orphan',
    reason: valid ? 'referenced' : 'not-referenced',
    detail: valid ? `LV of VM ${vmid}, named by its config` : `LV ${vg}/${lvName} is named by no guest config`,
    protected: false,
    pending: false,
    protectedBy: [],
    open: m.open > 0,
    openCount: m.open,
    holders: [],
    processes: [],
    parent: null,
    action: valid ? null : { kind: 'remove', command: `lvremove -y '${vg}/${lvName}'` },
    sizeBytes: 512 * Number(m.table[0]?.split(' ')[1] ?? 0),
    kind: 'dm',
    majorMinor: `${m.major}:${m.minor}`,
    table: m.table,
    lvUuid: m.uuid.slice(36, 68),
    guestType: vmid !== null ? (guests.get(vmid) ?? null) : null,
  });
}
const t4 = performance.now();
const text = `${JSON.stringify({ schemaVersion: 1, dm: { entries, guests: [...guests.keys()] } }, null, 2)}\n`;
writeSync(1, text);
const t5 = performance.now();
const ms = (a, b) => Math.round(b - a);
process.stderr.write(
  `least work: snapshot ${ms(t0, t1)} ms, dmsetup and lvs ${ms(t1, t2)}, configs ${ms(t2, t3)}, entries ${ms(t3, t4)}, output ${ms(t4, t5)}; ${entries.length} entries, ${text.length} characters\n`,
);
