// qemu-server and pve-container configs (facts §1): every section kind and every volume reference.
// Grammar: qemu-server parse_vm_config (QemuServer.pm:1939-2082), pve-container parse_pct_config
// (Config.pm:1160-1206); drive keys Drive.pm:154-158, 687-733; `cdrom` alias QemuServer.pm:576-582.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { type GuestConfig, type GuestType, parseGuestConfig } from '../../src/core/parse/guest-config';
import { corpusPath, haveCorpus, readCorpus } from '../helpers/pve-corpus';

/** `section key file` per reference, sorted: compact and order-independent. */
function refs(c: GuestConfig): string[] {
  return c.refs.map((r) => `${r.section} ${r.key} ${r.file}`).sort();
}

const q = (text: string, vmid = 100) => parseGuestConfig(text, 'qemu', vmid);
const ct = (text: string, vmid = 200) => parseGuestConfig(text, 'lxc', vmid);

test('qemu drive keys: every family and its bounds (Drive.pm MAX_* constants)', () => {
  const valid = [
    'ide0',
    'ide3',
    'sata0',
    'sata5',
    'scsi0',
    'scsi9',
    'scsi10',
    'scsi29',
    'scsi30',
    'virtio0',
    'virtio15',
    'efidisk0',
    'tpmstate0',
    'unused0',
    'unused255',
  ];
  const invalid = ['ide4', 'sata6', 'scsi31', 'virtio16', 'efidisk1', 'tpmstate1', 'net0', 'hostpci0', 'serial0'];
  const c = q([...valid, ...invalid].map((k, i) => `${k}: lvm:vm-100-disk-${i},size=1G`).join('\n'));
  assert.deepEqual(c.refs.map((r) => r.key).sort(), [...valid].sort());
  for (const r of c.refs) {
    assert.equal(r.section, 'main');
    assert.equal(r.volid?.storage, 'lvm');
  }
});

test('qemu drive values: property string forms, none, cdrom, paths, legacy names', () => {
  const cases: { line: string; want: Record<string, unknown> | null }[] = [
    {
      line: 'scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G',
      want: {
        key: 'scsi0',
        file: 'local-lvm:vm-100-disk-0',
        volid: { storage: 'local-lvm', volname: 'vm-100-disk-0' },
        path: null,
      },
    },
    { line: 'scsi1: file=local-lvm:vm-100-disk-1,size=8G', want: { key: 'scsi1', file: 'local-lvm:vm-100-disk-1' } },
    {
      line: 'virtio0: volume=fast:vm-100-disk-2.qcow2,cache=none',
      want: { key: 'virtio0', file: 'fast:vm-100-disk-2.qcow2' },
    },
    { line: 'sata1: size=8G,local-lvm:vm-100-disk-3', want: { key: 'sata1', file: 'local-lvm:vm-100-disk-3' } },
    // linked clone: base and own volume in one volname
    {
      line: 'scsi2: local-lvm:base-900-disk-0/vm-100-disk-4,size=8G',
      want: { volid: { storage: 'local-lvm', volname: 'base-900-disk-0/vm-100-disk-4' } },
    },
    { line: 'ide2: none,media=cdrom', want: null },
    { line: 'ide2: cdrom,media=cdrom', want: { key: 'ide2', file: 'cdrom', volid: null, path: null, media: 'cdrom' } },
    // `cdrom:` is an alias of ide2 (QemuServer.pm:576-582, renamed on parse at 2056)
    { line: 'cdrom: local:iso/debian.iso', want: { key: 'ide2', file: 'local:iso/debian.iso', media: 'cdrom' } },
    {
      line: 'scsi3: /dev/disk/by-id/ata-ST4000-1,backup=0',
      want: { key: 'scsi3', file: '/dev/disk/by-id/ata-ST4000-1', volid: null, path: '/dev/disk/by-id/ata-ST4000-1' },
    },
    { line: 'scsi4: /mnt/file.raw', want: { path: '/mnt/file.raw', volid: null } },
    { line: 'ide2: local-lvm:vm-100-cloudinit,media=cdrom', want: { key: 'ide2', media: 'cdrom', cloudinit: true } },
    { line: 'ide0: local-lvm:vm-100-disk-5,media=disk', want: { media: 'disk', cloudinit: undefined } },
    // legacy bare names (QemuServer.pm:1073-1093 filename_to_volume_id)
    {
      line: 'ide0: vm-100-disk-6.raw',
      want: { file: 'local:100/vm-100-disk-6.raw', volid: { storage: 'local', volname: '100/vm-100-disk-6.raw' } },
    },
    { line: 'ide2: debian.iso,media=cdrom', want: { file: 'local:iso/debian.iso' } },
    { line: 'unused3: local-lvm:vm-100-disk-7', want: { key: 'unused3', file: 'local-lvm:vm-100-disk-7' } },
    {
      line: 'efidisk0: local-lvm:vm-100-disk-8,efitype=4m,pre-enrolled-keys=1,size=4M',
      want: { key: 'efidisk0', file: 'local-lvm:vm-100-disk-8' },
    },
    {
      line: 'tpmstate0: local-lvm:vm-100-disk-9,size=4M,version=v2.0',
      want: { key: 'tpmstate0', file: 'local-lvm:vm-100-disk-9' },
    },
    {
      line: 'vmstate: local-lvm:vm-100-state-suspend-2024-01-31',
      want: { key: 'vmstate', file: 'local-lvm:vm-100-state-suspend-2024-01-31' },
    },
  ];
  for (const c of cases) {
    const got = q(c.line).refs;
    if (c.want === null) {
      assert.deepEqual(got, [], c.line);
      continue;
    }
    assert.equal(got.length, 1, c.line);
    for (const [k, v] of Object.entries(c.want))
      assert.deepEqual((got[0] as unknown as Record<string, unknown>)[k], v, `${c.line}: ${k}`);
  }
});

test('qemu sections: main, [PENDING], [special:cloudinit], [special:fleecing], snapshots, unknown', () => {
  const c = q(`# a description line
name: web01
lock: backup
template: 1
parent: before
scsi0: local-lvm:vm-100-disk-0,size=32G
args: -drive file=/dev/mapper/pve-vm--100--disk--9,if=none,id=x -device virtio-blk,drive=x

[PENDING]
scsi1: local-lvm:vm-100-disk-1,size=8G
delete: net1

[special:cloudinit]
ipconfig0: ip=dhcp
ide2: local-lvm:vm-100-disk-77,media=cdrom

[special:fleecing]
fleecing-images: local-lvm:vm-100-fleece-0,local-lvm:vm-100-fleece-1

[before]
# snapshot description
scsi0: local-lvm:vm-100-disk-0,size=32G
scsi5: local-lvm:vm-100-disk-5,size=4G
vmstate: local-lvm:vm-100-state-before
snaptime: 1700000000

[special:unknown1]
scsi6: local-lvm:vm-100-disk-6

[:3]
scsi7: local-lvm:vm-100-disk-7

[x]
scsi8: local-lvm:vm-100-disk-8
`);
  assert.deepEqual(
    {
      name: c.name,
      lock: c.lock,
      template: c.template,
      parent: c.parent,
      snapshots: c.snapshots,
      hasPending: c.hasPending,
    },
    { name: 'web01', lock: 'backup', template: true, parent: 'before', snapshots: ['before'], hasPending: true },
  );
  assert.deepEqual(refs(c), [
    'main args /dev/mapper/pve-vm--100--disk--9',
    'main scsi0 local-lvm:vm-100-disk-0',
    'pending scsi1 local-lvm:vm-100-disk-1',
    'snapshot:before scsi0 local-lvm:vm-100-disk-0',
    'snapshot:before scsi5 local-lvm:vm-100-disk-5',
    'snapshot:before vmstate local-lvm:vm-100-state-before',
    'special:fleecing fleecing-images local-lvm:vm-100-fleece-0',
    'special:fleecing fleecing-images local-lvm:vm-100-fleece-1',
  ]);
  // [special:cloudinit] holds cloud-init values, not drives; unknown sections are skipped with a
  // warning, and so is a one-letter name (snapshot names have at least 2 characters).
  for (const s of ['special:unknown1', ':3', 'x'])
    assert.ok(
      c.warnings.some((w) => w.includes(`unknown section [${s}]`)),
      s,
    );
});

test('qemu: [PENDING] and [special:*] headers are case-insensitive; an empty [PENDING] is no pending change', () => {
  const c = q(
    'scsi0: lvm:vm-100-disk-0\n[pending]\nscsi1: lvm:vm-100-disk-1\n[SPECIAL:FLEECING]\nfleecing-images: lvm:vm-100-fleece-0\n',
  );
  assert.deepEqual(refs(c), [
    'main scsi0 lvm:vm-100-disk-0',
    'pending scsi1 lvm:vm-100-disk-1',
    'special:fleecing fleecing-images lvm:vm-100-fleece-0',
  ]);
  assert.deepEqual(c.snapshots, []);
  assert.equal(q('scsi0: lvm:vm-100-disk-0\n\n[PENDING]\n').hasPending, false);
  // [pve:pending] is the container spelling: unknown in a VM config
  assert.ok(q('[pve:pending]\nscsi1: lvm:vm-100-disk-1\n').warnings.some((w) => w.includes('[pve:pending]')));
});

test('qemu: a section named twice: the later one wins, the earlier copy is kept as shadowed', () => {
  const c = q(
    'parent: s1\n[s1]\nscsi0: lvm:vm-100-disk-0\nscsi1: lvm:vm-100-disk-1\n[s1]\nscsi0: lvm:vm-100-disk-0\n[PENDING]\nscsi2: lvm:vm-100-disk-2\n[PENDING]\nscsi3: lvm:vm-100-disk-3\n',
  );
  assert.deepEqual(c.snapshots, ['s1']);
  assert.deepEqual(refs(c), [
    'pending scsi3 lvm:vm-100-disk-3',
    'shadowed:pending scsi2 lvm:vm-100-disk-2',
    'shadowed:s1 scsi0 lvm:vm-100-disk-0',
    'shadowed:s1 scsi1 lvm:vm-100-disk-1',
    'snapshot:s1 scsi0 lvm:vm-100-disk-0',
  ]);
  assert.equal(c.warnings.filter((w) => w.startsWith('duplicate section')).length, 2);
});

test('qemu: CRLF line ends, blank lines and lines that are not key: value', () => {
  const c = q('name: a\r\nscsi0: lvm:vm-100-disk-0,size=1G\r\n\r\n  indented: x\r\nno colon here\r\n');
  assert.deepEqual(refs(c), ['main scsi0 lvm:vm-100-disk-0']);
  assert.equal(c.name, 'a');
  assert.equal(c.warnings.length, 2);
});

// Configs without line terminators other than \n (all PVE writes) take a hand-written key: value
// split; these lines sit at its edges and must read as the regex reads them.
test('qemu: key: value edges (key grammar, spacing, a line break inside a value)', () => {
  const c = parseGuestConfig(
    'name:vm1 \nab-_9: v\na1b: x\nA: b\nlock:\t \nscsi0:\u00a0lvm:vm-100-disk-0\u00a0\nscsi1: lvm:vm-100-disk-1\u2028x\n',
    'qemu',
    100,
  );
  assert.equal(c.name, 'vm1');
  assert.equal(c.lock, '');
  assert.deepEqual(refs(c), ['main scsi0 lvm:vm-100-disk-0']);
  // `a1b:` and `A:` are not keys; a value holding U+2028 does not match `(.*)$`
  assert.deepEqual(
    c.warnings.map((w) => w.slice(0, 8)),
    ['line 3: ', 'line 4: ', 'line 7: '],
  );
});

test('drive property strings: the last file= wins, a bare value only before it, volume= as fallback', () => {
  const file = (v: string) => q(`scsi0: ${v}`).refs[0]?.file ?? null;
  assert.equal(file('lvm:vm-100-disk-0,file=lvm:vm-100-disk-1'), 'lvm:vm-100-disk-1');
  assert.equal(file('file=lvm:vm-100-disk-1,lvm:vm-100-disk-0'), 'lvm:vm-100-disk-1');
  assert.equal(file('=x,volume=lvm:vm-100-disk-2'), 'lvm:vm-100-disk-2');
  assert.equal(file('file=,lvm:vm-100-disk-0'), null);
  assert.equal(ct('rootfs: ,lvm:vm-200-disk-0,mp=/').refs[0].file, 'lvm:vm-200-disk-0');
  assert.equal(ct('dev0: /dev/sda,path=/dev/sdb').refs[0].file, '/dev/sdb');
});

test('lxc: rootfs, mpN, unusedN, devN, lxc.mount.entry, [pve:pending], snapshots', () => {
  const c = ct(`arch: amd64
hostname: ct200
rootfs: thin_store-2:vm-200-disk-0,size=8G
mp0: thin_store-2:vm-200-disk-1,mp=/srv,backup=1
mp1: volume=thin_store-2:vm-200-disk-2,mp=/data
mp2: /mnt/bind,mp=/bind
mp3: /dev/sdb1,mp=/dev-mount
unused0: thin_store-2:vm-200-disk-3
dev0: /dev/mapper/pve-vm--900--disk--0,mode=0660
lxc.mount.entry: /dev/mapper/pve-vm--901--disk--0 mnt/x none bind,create=file 0 0
lxc.apparmor.profile = unconfined
parent: snap1

[pve:pending]
mp4: thin_store-2:vm-200-disk-4,mp=/new

[snap1]
rootfs: thin_store-2:vm-200-disk-0,size=8G
mp9: thin_store-2:vm-200-disk-9,mp=/old
snaptime: 1700000000
`);
  assert.equal(c.name, 'ct200');
  assert.deepEqual(c.snapshots, ['snap1']);
  assert.equal(c.hasPending, true);
  assert.deepEqual(refs(c), [
    'main dev0 /dev/mapper/pve-vm--900--disk--0',
    'main lxc.mount.entry /dev/mapper/pve-vm--901--disk--0',
    'main mp0 thin_store-2:vm-200-disk-1',
    'main mp1 thin_store-2:vm-200-disk-2',
    'main mp2 /mnt/bind',
    'main mp3 /dev/sdb1',
    'main rootfs thin_store-2:vm-200-disk-0',
    'main unused0 thin_store-2:vm-200-disk-3',
    'pending mp4 thin_store-2:vm-200-disk-4',
    'snapshot:snap1 mp9 thin_store-2:vm-200-disk-9',
    'snapshot:snap1 rootfs thin_store-2:vm-200-disk-0',
  ]);
  assert.deepEqual(c.warnings, []);
});

test('lxc: [PENDING] is a snapshot name; a header pct cannot parse keeps the current section', () => {
  const c = ct(
    'rootfs: lvm:vm-200-disk-0\n[PVE:PENDING]\nmp0: lvm:vm-200-disk-1,mp=/a\n[PENDING]\nmp1: lvm:vm-200-disk-2,mp=/b\n[special:x]\nmp2: lvm:vm-200-disk-3,mp=/c\n',
  );
  assert.deepEqual(refs(c), [
    'main rootfs lvm:vm-200-disk-0',
    'pending mp0 lvm:vm-200-disk-1',
    'snapshot:PENDING mp1 lvm:vm-200-disk-2',
    // parse_pct_config warns "unable to parse config: [special:x]" and stays in [PENDING]
    'snapshot:PENDING mp2 lvm:vm-200-disk-3',
  ]);
  assert.equal(c.warnings.length, 1);
});

// ---- corpus --------------------------------------------------------------------------------

const QS = ['proxmox+qemu-server', 'src', 'test'];

/**
 * Independent of the parser: the drive/volume lines of a config file, grouped by the section header
 * above them (`main` before the first one). Used to check that every volume line is found.
 */
function volumeLines(text: string, type: GuestType): { section: string; key: string; file: string }[] {
  const keyRe =
    type === 'qemu'
      ? /^(ide\d|sata\d|scsi\d+|virtio\d+|efidisk0|tpmstate0|unused\d+|vmstate|cdrom):\s*(.+)$/
      : /^(rootfs|mp\d+|unused\d+):\s*(.+)$/;
  const out: { section: string; key: string; file: string }[] = [];
  let section = 'main';
  for (const line of text.split('\n')) {
    const h = /^\[(.+)\]\s*$/.exec(line);
    if (h) section = h[1];
    const m = keyRe.exec(line);
    if (!m) continue;
    const file = m[2].split(',').map((p) => p.replace(/^(file|volume)=/, ''))[0];
    if (file !== 'none') out.push({ section, key: m[1] === 'cdrom' ? 'ide2' : m[1], file });
  }
  return out;
}

function sectionLabel(s: string): string {
  if (s === 'main') return 'main';
  if (/^pending$/i.test(s) || /^pve:pending$/i.test(s)) return 'pending';
  if (s.startsWith('special:')) return s;
  return `snapshot:${s}`;
}

/** Every volume line of the file is among the parsed references, in its section. */
function assertAllVolumesFound(file: string, text: string, type: GuestType, vmid: number): number {
  const c = parseGuestConfig(text, type, vmid);
  const found = new Set(c.refs.map((r) => `${r.section} ${r.key} ${r.file}`));
  const lines = volumeLines(text, type);
  for (const l of lines)
    assert.ok(found.has(`${sectionLabel(l.section)} ${l.key} ${l.file}`), `${file}: ${l.section} ${l.key} ${l.file}`);
  return lines.length;
}

function listConfs(...dir: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${d}/${e.name}`);
      else if (e.name.endsWith('.conf')) out.push(`${d}/${e.name}`);
    }
  };
  walk(corpusPath(...dir));
  return out.sort();
}

test('corpus: parse-config-input parses, finds the sections and volumes of parse-config-expected', (t) => {
  if (!haveCorpus(t, ...QS, 'parse-config-input')) return;
  const inputs = readdirSync(corpusPath(...QS, 'parse-config-input')).filter((f) => f.endsWith('.conf'));
  assert.ok(inputs.length >= 10);
  let compared = 0;
  let volumes = 0;
  for (const f of inputs) {
    const text = readCorpus(...QS, 'parse-config-input', f);
    const c = parseGuestConfig(text, 'qemu', 8006);
    volumes += assertAllVolumesFound(f, text, 'qemu', 8006);
    const expectedPath = corpusPath(...QS, 'parse-config-expected', f);
    if (!existsSync(expectedPath)) continue;
    // The expected file is what qemu-server writes back after parsing (later duplicate wins, unknown
    // sections dropped): it must have our sections and our (non-shadowed) volumes.
    const e = parseGuestConfig(readCorpus(...QS, 'parse-config-expected', f), 'qemu', 8006);
    assert.deepEqual(c.snapshots, e.snapshots, `${f}: snapshots`);
    assert.equal(c.hasPending, e.hasPending, `${f}: pending`);
    assert.deepEqual(
      refs(c).filter((r) => !r.startsWith('shadowed:')),
      refs(e),
      `${f}: volumes`,
    );
    assert.deepEqual(e.warnings, [], `${f}: expected file is clean`);
    // strict mode's first error names what we warn about (the numa ones are value checks we do not do)
    const strict = readCorpus(...QS, 'parse-config-expected', `${f}.strict.error`);
    const dup = /duplicate section: (\S+)/.exec(strict);
    const unknown = /skipping unknown section: '([^']+)'/.exec(strict);
    if (dup)
      assert.ok(
        c.warnings.some((w) => w === `duplicate section [${dup[1]}]: the later one wins`),
        `${f}: ${strict}`,
      );
    if (unknown)
      assert.ok(
        c.warnings.some((w) => w.includes(`[${unknown[1]}]`)),
        `${f}: ${strict}`,
      );
    compared++;
  }
  assert.equal(compared, 4);
  t.diagnostic(
    `${inputs.length} configs parsed, ${volumes} volume lines found, ${compared} compared with their -expected file`,
  );
  // duplicate-sections.conf: the first [foo] (cores: 2) is shadowed by the second (cores: 4)
  const dup = parseGuestConfig(readCorpus(...QS, 'parse-config-input', 'duplicate-sections.conf'), 'qemu', 8006);
  assert.deepEqual(dup.snapshots, ['foo']);
  assert.ok(refs(dup).includes('shadowed:foo scsi0 nfs:120/vm-120-disk-0.qcow2'));
  const fleece = parseGuestConfig(readCorpus(...QS, 'parse-config-input', 'fleecing-section.conf'), 'qemu', 8006);
  assert.ok(refs(fleece).includes('special:fleecing fleecing-images zfs:vm-120-fleece-0'));
});

test('corpus: snapshot-input/-expected VM configs: volumes named only in snapshot sections are found', (t) => {
  if (!haveCorpus(t, ...QS, 'snapshot-input')) return;
  const files = [...listConfs(...QS, 'snapshot-input'), ...listConfs(...QS, 'snapshot-expected')];
  let volumes = 0;
  let onlyInSnapshots = 0;
  for (const f of files) {
    const text = readCorpus(f.slice(corpusPath().length + 1));
    const vmid = Number(/(\d+)\.conf$/.exec(f)![1]);
    volumes += assertAllVolumesFound(f, text, 'qemu', vmid);
    const c = parseGuestConfig(text, 'qemu', vmid);
    const main = new Set(c.refs.filter((r) => r.section === 'main' || r.section === 'pending').map((r) => r.file));
    onlyInSnapshots += new Set(
      c.refs.filter((r) => r.section.startsWith('snapshot:') && !main.has(r.file)).map((r) => r.file),
    ).size;
  }
  assert.ok(files.length >= 80, `${files.length} files`);
  assert.ok(onlyInSnapshots > 0);
  t.diagnostic(
    `${files.length} configs, ${volumes} volume lines found, ${onlyInSnapshots} volumes named only in snapshot sections`,
  );
  // create/104 after the snapshot: the vmstate of [test] and [test2] is a volume of the VM
  const c = parseGuestConfig(readCorpus(...QS, 'snapshot-expected', 'create', 'qemu-server', '104.conf'), 'qemu', 104);
  assert.deepEqual(
    refs(c).filter((r) => r.includes('vmstate')),
    ['snapshot:test vmstate somestorage:state-volume', 'snapshot:test2 vmstate somestorage:state-volume'],
  );
});

test('corpus: restore-config-input/-expected', (t) => {
  if (!haveCorpus(t, ...QS, 'restore-config-input')) return;
  const files = [...listConfs(...QS, 'restore-config-input'), ...listConfs(...QS, 'restore-config-expected')];
  assert.equal(files.length, 8);
  let volumes = 0;
  for (const f of files) {
    const text = readCorpus(f.slice(corpusPath().length + 1));
    volumes += assertAllVolumesFound(f, text, 'qemu', Number(/(\d+)\.conf$/.exec(f)![1]));
  }
  t.diagnostic(`${files.length} configs, ${volumes} volume lines found`);
  const c = parseGuestConfig(readCorpus(...QS, 'restore-config-input', '1422.conf'), 'qemu', 1422);
  assert.deepEqual([c.lock, c.parent, c.name], ['backup', 'snap', 'apache']);
  assert.deepEqual(refs(c), [
    'main scsi0 mydir:1422/vm-1422-disk-0.qcow2',
    'main unused7 mydir:1422/vm-1422-disk-8.qcow2',
  ]);
});

test('corpus: pve-container snapshot-input/-expected: rootfs, mpN, unusedN found', (t) => {
  const CT = ['proxmox+pve-container', 'src', 'test'];
  if (!haveCorpus(t, ...CT, 'snapshot-input')) return;
  const files = [...listConfs(...CT, 'snapshot-input'), ...listConfs(...CT, 'snapshot-expected')];
  let volumes = 0;
  const keys = new Set<string>();
  for (const f of files) {
    const text = readCorpus(f.slice(corpusPath().length + 1));
    volumes += assertAllVolumesFound(f, text, 'lxc', Number(/(\d+)\.conf$/.exec(f)![1]));
    for (const r of parseGuestConfig(text, 'lxc', 0).refs) keys.add(r.key.replace(/\d+$/, 'N'));
  }
  assert.ok(files.length >= 80, `${files.length} files`);
  assert.deepEqual([...keys].sort(), ['mpN', 'rootfs', 'unusedN']);
  t.diagnostic(`${files.length} container configs, ${volumes} volume lines found`);
});

// derived/cfg2cmd_drive_paths.tsv: per cfg2cmd test, the drives QEMU opens (taken from the expected
// command lines, so the volid column is the config value verbatim; the tests run as VMID 8006, which
// only matters for legacy bare names, and none occur). Drives without a block node in the command line
// are not rows: `none` CD-ROMs, tpmstate0 (served by swtpm) and snapshot sections.
test('corpus: cfg2cmd drive volumes equal derived/cfg2cmd_drive_paths.tsv', (t) => {
  if (!haveCorpus(t, 'derived', 'cfg2cmd_drive_paths.tsv')) return;
  const byTest = new Map<string, { drive: string; volid: string; files: string }[]>();
  for (const line of readCorpus('derived', 'cfg2cmd_drive_paths.tsv').split('\n').slice(1)) {
    if (!line.trim()) continue;
    const [name, drive, volid, files] = line.split('\t');
    byTest.set(name, [...(byTest.get(name) ?? []), { drive, volid, files: files ?? '' }]);
  }
  // the suite's storages: lvm-store = lvm on VG veegee, local-lvm = lvmthin on VG pve, pool data
  const vgOf: Record<string, string> = { 'lvm-store': 'veegee', 'local-lvm': 'pve' };
  let rows = 0;
  let lvmRows = 0;
  for (const [name, want] of byTest) {
    const c = parseGuestConfig(readCorpus(...QS, 'cfg2cmd', name), 'qemu', 8006);
    const got = c.refs
      .filter((r) => r.section === 'main' && r.key !== 'tpmstate0')
      .map((r) => `${r.key} ${r.file}`)
      .sort();
    assert.deepEqual(got, want.map((w) => `${w.drive} ${w.volid}`).sort(), name);
    rows += want.length;
    for (const w of want) {
      const ref = c.refs.find((r) => r.section === 'main' && r.key === w.drive)!;
      const vg = ref.volid ? vgOf[ref.volid.storage] : undefined;
      if (!vg) continue;
      // a volume chain lists its snapshot files first, named by the cfg2cmd test's mocked snapshot info
      // (snap1-vm-...; real LVM chain snapshots are snap_<name>_<snap>.qcow2, LVMPlugin get_snap_name):
      // the volume itself is the last path
      const last = w.files.split(' | ').at(-1);
      assert.equal(last, `/dev/${vg}/${ref.volid!.volname}`, `${name} ${w.drive}`);
      lvmRows++;
    }
  }
  assert.equal(byTest.size, 39);
  assert.equal(rows, 113);
  t.diagnostic(`${byTest.size} cfg2cmd configs, ${rows} drive rows matched, ${lvmRows} of them on LVM storages`);
});

test('main values: name (VM) or hostname (container), lock, template, parent; a key written twice: the later wins', () => {
  const cases: { type: GuestType; text: string; want: Partial<GuestConfig> }[] = [
    {
      type: 'qemu',
      text: 'name: a\nhostname: h\nlock: backup\nname: b\ntemplate: 0\nlock: migrate\ntemplate: 1\n',
      want: { name: 'b', lock: 'migrate', template: true, parent: null },
    },
    {
      type: 'lxc',
      text: 'hostname: ct1\nname: n\nparent: s1\ntemplate: 1\ntemplate: 0\nhostname: ct2\n\n[s1]\nsnaptime: 1\n',
      want: { name: 'ct2', lock: null, template: false, parent: 's1' },
    },
    // Only the main section counts: a snapshot's lock or name is the snapshot's.
    {
      type: 'qemu',
      text: 'memory: 512\n\n[s]\nname: old\nlock: snapshot\nsnaptime: 1\n',
      want: { name: null, lock: null },
    },
    { type: 'qemu', text: 'template: yes\n', want: { template: false } },
  ];
  for (const c of cases) {
    const got = parseGuestConfig(c.text, c.type, 100) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k], v, `${c.text}: ${k}`);
  }
});
