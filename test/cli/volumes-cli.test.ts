// `pve-health volumes` / `check` on fakenode's mixed-volumes node (ZFS, Ceph RBD with krbd, dir, NFS,
// btrfs): the verdicts fakenode's hand-checked expectations score, a constant subprocess count, and a
// hanging Ceph cluster / unmounted NFS share that make the part UNKNOWN within the deadline.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildNode, fakenodeCompare, hasFakenode, nodePath, runCli, SHARED, tempDir } from '../helpers/cli';

const SCENARIO = join(SHARED, 'fakenode/scenarios/mixed-volumes.json');
const skip = hasFakenode ? false : 'needs ../shared/fakenode';

function calls(node: string): { tool: string; argv: string[] }[] {
  return readFileSync(join(node, 'calls.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const cli = (node: string, args: string[]) =>
  runCli(['--root', join(node, 'root'), ...args], { env: { PATH: `${nodePath(node)}:${process.env.PATH}` } });

test('volumes --json: every volume of mixed-volumes right (fakenode compare), one zfs list, one rbd ls and trash ls, rbd status for the orphan candidate only', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const r = cli(node, ['volumes', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.dm, undefined);
  assert.equal(doc.volumes.status, 1);
  const file = join(tempDir(), 'result.json');
  writeFileSync(file, r.stdout);
  const cmp = fakenodeCompare(node, file);
  assert.equal(cmp.code, 0, cmp.stdout + cmp.stderr);
  assert.match(cmp.stdout, /(\d+)\/\1 volumes right/);
  const c = calls(node);
  assert.equal(c.filter((x) => x.tool === 'zfs').length, 1);
  // rbd: the listing and the trash once per storage; `rbd status` only for the one image the verdict
  // would otherwise call an orphan (vm-151-disk-0: no krbd map, no holder) — not for the mapped,
  // referenced or foreign (csi-vol-) images.
  // (after PVE's connection options: RBDPlugin.pm $rbd_cmd, here a pveceph-managed storage's -c)
  const opts = /^-p \S+ (?:--namespace \S+ )?(?:-c \S+ )?(?:-m \S+ )?--auth_supported \S+ -n \S+ (?:--keyring \S+ )?/;
  const rbd = c.filter((x) => x.tool === 'rbd').map((x) => x.argv.join(' ').replace(opts, ''));
  assert.deepEqual(rbd.sort(), [
    'ls -l --format json',
    'status vm-151-disk-0 --format json',
    'trash ls --all --long --format json',
  ]);
  assert.ok(!c.some((x) => ['pvesm', 'qm', 'pct'].includes(x.tool)));
  const e = doc.volumes.entries.find((x: { volid: string }) => x.volid === 'local-zfs:vm-100-disk-1');
  assert.equal(e.protected, true, 'an unreferenced zvol of a running VM is protected');
  // ... and keeps PVE's rescan as its only step, as its LVM twin does (issue 60)
  assert.equal(e.hint, 'to keep it, attach it to VM 100 as unusedN (on pve1): qm disk rescan --vmid 100');
});

test('check --json carries the volumes part and both are scored; capture + --from replays it', { skip }, () => {
  const node = buildNode(SCENARIO);
  const r = cli(node, ['check', '--json']);
  const doc = JSON.parse(r.stdout);
  assert.ok(doc.dm && doc.volumes, 'both parts');
  const file = join(tempDir(), 'check.json');
  writeFileSync(file, r.stdout);
  const cmp = fakenodeCompare(node, file);
  assert.equal(cmp.code, 0, cmp.stdout + cmp.stderr);
  const cmk = cli(node, ['check', '--format', 'checkmk']).stdout.split('\n');
  assert.match(cmk.find((l) => l.includes('"PVE-Health volumes"')) ?? '', /^1 "PVE-Health volumes" volumes_total=22;/);
  assert.doesNotMatch(cmk.find((l) => l.includes('"PVE-Health DM"')) ?? '', /orphaned volume/);
  const cap = join(tempDir(), 'cap.json');
  assert.equal(cli(node, ['capture', cap]).code, 0);
  const before = calls(node).length;
  const replay = runCli(['volumes', '--json', '--from', cap], { env: { PATH: '/usr/bin:/bin' } });
  assert.equal(replay.code, 1, replay.stderr);
  assert.deepEqual(
    JSON.parse(replay.stdout).volumes.entries.map((x: { volid: string; status: string }) => `${x.volid} ${x.status}`),
    JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes.entries.map(
      (x: { volid: string; status: string }) => `${x.volid} ${x.status}`,
    ),
  );
  assert.ok(calls(node).length > before);
});

test('a hanging Ceph cluster and an unmounted NFS storage: UNKNOWN (exit 3) with the reason, never a hang', {
  skip,
}, () => {
  const s = JSON.parse(readFileSync(SCENARIO, 'utf8'));
  s.opts = { ...(s.opts ?? {}), rbd_hang: true, unmounted: ['nfs-store'] };
  const f = join(tempDir(), 'hang.json');
  writeFileSync(f, JSON.stringify(s));
  const node = buildNode(f);
  // 4 s: the healthy storages' fakes (python) must answer within it on a loaded machine; rbd never does.
  const r = cli(node, ['volumes', '--json', '--timeout', '4']);
  assert.equal(r.code, 3, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.volumes.status, 3);
  assert.match(doc.volumes.error, /ceph-vm.*timed out/);
  assert.match(doc.volumes.error, /nfs-store.*not mounted/);
  const ceph = doc.volumes.storages.find((x: { storage: string }) => x.storage === 'ceph-vm');
  assert.equal(ceph.status, 'unknown');
  // The other storages are still classified.
  assert.ok(doc.volumes.entries.some((x: { volid: string }) => x.volid === 'local-zfs:vm-150-disk-0'));
  for (const fmt of ['nagios', 'checkmk', 'prometheus']) {
    const o = cli(node, ['volumes', '--format', fmt, '--timeout', '1']);
    assert.equal(o.code, 3, fmt);
    if (fmt === 'prometheus') assert.match(o.stdout, /pve_health_volumes_storage_up\{storage="ceph-vm",type="rbd"\} 0/);
    else assert.match(o.stdout, /timed out/, fmt);
  }
  const text = cli(node, ['volumes', '--timeout', '1']);
  assert.equal(text.code, 3);
  assert.match(text.stdout, /UNKNOWN/);
  assert.match(text.stdout, /could not check.*ceph-vm/);
});

test('volumes-rules scenario: replication snapshots, ZFS linked clone, copy of a pve2 guest, restore in flight, zvol held by dd', {
  skip,
}, () => {
  const node = buildNode(
    join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/scenarios/volumes-rules.json'),
  );
  const r = cli(node, ['volumes', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const file = join(tempDir(), 'result.json');
  writeFileSync(file, r.stdout);
  const cmp = fakenodeCompare(node, file);
  assert.equal(cmp.code, 0, cmp.stdout + cmp.stderr);
  const es = JSON.parse(r.stdout).volumes.entries as Record<string, unknown>[];
  const get = (volid: string) => es.find((e) => e.volid === volid && !e.snapshot) as Record<string, unknown>;
  // The fixture's qmrestore line has no live worker (no /proc/<pid>): by PVE's own rule (pve-common
  // check_process_running) it is not running, so it explains nothing (not pending) but still protects.
  assert.deepEqual(get('local-zfs:vm-160-disk-0').protectedBy, ['task:qmrestore']);
  assert.equal(get('local-zfs:vm-160-disk-0').pending, false);
  assert.equal(get('local-zfs:vm-160-disk-0').hint, undefined);
  const dd = get('local-zfs:vm-170-disk-0');
  assert.equal(dd.open, true);
  assert.deepEqual(
    (dd.holders as { command: string }[]).map((h) => h.command),
    ['dd'],
  );
  assert.equal(dd.hint, undefined);
  assert.match(String(get('local-zfs:vm-300-disk-0').hint), /pvesm free local-zfs:vm-300-disk-0$/);
  assert.ok(!es.some((e) => e.storage === 'far-dir'), 'a storage restricted to another node is not read');
});

test('btrfs snapshots are sibling subvolumes: one a snapshot section names is valid, a stale one is snapshot-missing with its exact removal', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const img = join(node, 'root/mnt/btrfs-data/images');
  // BTRFSPlugin: <name>@<snap>/disk.raw for a raw disk, <name>.subvol@<snap> for a container subvolume.
  for (const snap of ['kept', 'gone']) {
    mkdirSync(join(img, `101/vm-101-disk-1@${snap}`), { recursive: true });
    writeFileSync(join(img, `101/vm-101-disk-1@${snap}/disk.raw`), '');
  }
  mkdirSync(join(img, '200/subvol-200-disk-1.subvol@old'), { recursive: true });
  const conf = join(node, 'root/etc/pve/nodes/pve1/qemu-server/101.conf');
  writeFileSync(
    conf,
    `${readFileSync(conf, 'utf8')}\n[kept]\nscsi1: btrfs-data:101/vm-101-disk-1.raw,size=10G\nsnaptime: 1700000000\n`,
  );
  const doc = JSON.parse(cli(node, ['volumes', '--json']).stdout);
  const snap = (volid: string, name: string) =>
    doc.volumes.entries.find((e: { volid: string; snapshot?: string }) => e.volid === volid && e.snapshot === name);
  assert.equal(snap('btrfs-data:101/vm-101-disk-1.raw', 'kept')?.status, 'valid');
  const gone = snap('btrfs-data:101/vm-101-disk-1.raw', 'gone');
  assert.deepEqual([gone?.status, gone?.reason], ['orphan', 'snapshot-missing']);
  assert.match(gone?.hint ?? '', /btrfs subvolume delete \/mnt\/btrfs-data\/images\/101\/vm-101-disk-1@gone/);
  const ct = snap('btrfs-data:200/subvol-200-disk-1.subvol', 'old');
  assert.deepEqual([ct?.status, ct?.reason], ['orphan', 'snapshot-missing']);
  // A storage counts its entries, snapshots included (a snapshot orphan counts in its storage: issue 45):
  // two volumes and three snapshots.
  assert.equal(doc.volumes.storages.find((s: { storage: string }) => s.storage === 'btrfs-data').total, 5);
});

test('report and notify look at the same parts as check: the volumes part is in their document', { skip }, () => {
  const node = buildNode(SCENARIO);
  const doc = JSON.parse(cli(node, ['report', '--format', 'json']).stdout);
  assert.ok(doc.volumes, 'report --format json has the volumes part');
  assert.ok(doc.volumes.entries.some((e: { status: string }) => e.status === 'orphan'));
  const html = join(tempDir(), 'r.html');
  cli(node, ['report', '--html', html]);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /Guest volumes \(ZFS, Ceph RBD, file storages\)/);
  // A volume is no device-mapper map: its block never names one.
  assert.doesNotMatch(page, /device-mapper name: <code[^>]*>[\w-]+:/);
});

test('check --json: the VMID-reuse part counts the volumes a new guest would inherit, per VMID', { skip }, () => {
  const node = buildNode(SCENARIO);
  const doc = JSON.parse(cli(node, ['check', '--json']).stdout);
  const reuse = doc.dm.vmidReuse;
  assert.ok(doc.volumes.vmidLeftovers.length > 0, 'the scenario has leftovers of deleted guests');
  for (const v of doc.volumes.vmidLeftovers) {
    const lo = reuse.leftovers.find((l: { vmid: number }) => l.vmid === v.vmid);
    assert.ok(lo, `VMID ${v.vmid} in the reuse part`);
    assert.deepEqual(
      lo.otherVolumes.map((o: { volid: string }) => o.volid),
      v.volids,
    );
    assert.equal(lo.count, lo.volumes.length + v.volids.length);
    assert.ok(lo.totalBytes >= v.sizeBytes);
  }
  const next = doc.volumes.vmidLeftovers.find((v: { vmid: number }) => v.vmid === reuse.nextVmid);
  if (next)
    assert.ok(
      reuse.messages.some(
        (m: string) =>
          m.startsWith(`the next guest created as ${next.vmid} silently inherits`) && m.includes(next.volids[0]),
      ),
      reuse.messages.join('\n'),
    );
  const text = cli(node, ['check']).stdout;
  assert.match(text, /VMID reuse/);
});

test('ack: an orphaned volume is acknowledged like an orphaned LV (listed, accepted, silenced, removed)', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const key = 'volume:orphan:guest-missing:local-zfs:vm-150-disk-0';
  const listed = JSON.parse(cli(node, ['ack', '--json']).stdout) as { key: string }[];
  assert.ok(
    listed.some((f) => f.key === key),
    'pve-health ack lists volume findings',
  );
  const r = cli(node, ['ack', key, '--for', '7d', '--reason', 'kept for the audit']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(cli(node, ['check', '--json']).stdout);
  assert.deepEqual(
    doc.acknowledged.map((a: { key: string }) => a.key),
    [key],
  );
  assert.equal(doc.volumes.statusWithoutAcks, 1);
  assert.equal(doc.volumes.status, 1, 'the other orphaned volumes still count');
  assert.match(cli(node, ['check', '--format', 'nagios']).stdout, /^WARNING: .*5 orphans.*1 acknowledged/);
  assert.equal(cli(node, ['ack', '--remove', key]).code, 0);
  assert.equal(JSON.parse(cli(node, ['check', '--json']).stdout).acknowledged, undefined);
});

test('Ceph beyond rbd ls -l, through the rbd binary: trash by source, a half-removed image, a watched orphan; a hanging rbd status is UNKNOWN within the deadline', {
  skip,
}, () => {
  const node = buildNode(SCENARIO);
  const depth = (extra: Record<string, unknown>) =>
    writeFileSync(
      join(node, 'rbd-depth.json'),
      JSON.stringify({
        trash: {
          'vm-pool': [
            {
              id: '5e4a2d9c1b7f',
              name: 'vm-152-disk-0',
              source: 'USER',
              deleted_at: 'Mon Nov 23 17:00:01 2026',
              status: 'expired at Mon Nov 23 17:00:01 2026',
            },
            {
              id: '6a0b',
              name: 'vm-100-disk-9',
              source: 'MIGRATION',
              deleted_at: 'Mon Nov 23 17:00:01 2026',
              status: 'expired at Mon Nov 23 17:00:01 2026',
            },
          ],
        },
        // An image whose header object is gone, its directory entry not: `rbd ls -l` names it on stderr, exit 0.
        header_missing: { 'vm-pool': ['vm-153-disk-0'] },
        ...extra,
      }),
    );
  depth({ watchers: { 'vm-pool/vm-151-disk-0': [{ address: '10.0.0.12:0/3714432183', client: 4211, cookie: 1 }] } });
  const r = cli(node, ['volumes', '--json']);
  assert.equal(r.code, 1, r.stderr);
  const es = JSON.parse(r.stdout).volumes.entries as Record<string, any>[];
  const get = (volid: string) => es.find((e) => e.volid === volid && !e.snapshot) as Record<string, any>;
  assert.deepEqual(
    [get('ceph-vm:vm-152-disk-0').reason, get('ceph-vm:vm-152-disk-0').hint],
    [
      'in-trash',
      // The entry's own name (a live image may carry its volume ID), quoted: `#` starts a shell comment.
      "to keep it, restore it from the trash: rbd -p vm-pool trash restore 5e4a2d9c1b7f; to set it aside reversibly (quarantine; pve-health restore brings it back): pve-health reclaim --name 'ceph-vm:vm-152-disk-0#trash:5e4a2d9c1b7f'; to drop it (irreversible: deletes the data), check it holds nothing you need, then: rbd -p vm-pool trash rm 5e4a2d9c1b7f",
    ],
  );
  assert.equal(es.filter((e) => e.volid === 'ceph-vm:vm-153-disk-0').length, 1, 'the headless image once');
  assert.deepEqual([get('ceph-vm:vm-100-disk-9').status, get('ceph-vm:vm-100-disk-9').pending], ['valid', true]);
  assert.deepEqual(
    [get('ceph-vm:vm-153-disk-0').reason, get('ceph-vm:vm-153-disk-0').hint],
    [
      'interrupted-removal',
      "finish the interrupted removal with pve-health's checks (PVE's storage lock, a re-check right before, the journal; irreversible): pve-health reclaim --purge --name ceph-vm:vm-153-disk-0; " +
        'or by hand, without those checks (irreversible; librbd drops the directory entry): rbd -p vm-pool rm vm-153-disk-0',
    ],
  );
  const watched = get('ceph-vm:vm-151-disk-0');
  assert.deepEqual(
    [watched.status, watched.protectedBy, watched.watchers, watched.hint],
    ['orphan', ['rbd-watcher'], ['10.0.0.12:0/3714432183'], undefined],
  );
  const keys = cli(node, ['check', '--format', 'nagios']).stdout;
  assert.match(keys, /ceph-vm:vm-152-disk-0/);
  // A hanging `rbd status`: that image UNKNOWN (never an orphan), the run ends within its deadline.
  depth({ fail: { 'vm-pool/vm-151-disk-0': 'hang' } });
  const t0 = Date.now();
  const h = cli(node, ['volumes', '--json', '--timeout', '5']);
  assert.ok(Date.now() - t0 < 30_000);
  assert.equal(h.code, 3, h.stderr);
  const hung = JSON.parse(h.stdout).volumes.entries.find((e: { volid: string }) => e.volid === 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([hung.status, hung.reason, hung.hint], ['unknown', 'watchers-unread', undefined]);
  assert.match(hung.detail, /rbd status timed out/);
  // An interrupted rbd rm (ceph 16.2: a REMOVING entry fails `rbd ls -l` for the pool, exit 2): the
  // storage is UNKNOWN, never "no images", and the reason names the image and what finishes it — first
  // reclaim --purge (the checks), then the manual rbd rm. Only the images it could not open are entries.
  depth({ removing: { 'vm-pool': ['vm-154-disk-0'] } });
  const rm = cli(node, ['volumes', '--json']);
  assert.equal(rm.code, 3, rm.stderr);
  const rmv = JSON.parse(rm.stdout).volumes;
  assert.match(
    rmv.error,
    /ceph-vm.*rbd ls failed \(exit 2\).*could not open (?:\S+, )*vm-154-disk-0.*: .*pve-health reclaim --purge (?:--name \S+ )*--name ceph-vm:vm-154-disk-0 .*irreversible: .*rbd -p vm-pool rm vm-154-disk-0/,
  );
  const onPool = rmv.entries.filter((e: { storage: string }) => e.storage === 'ceph-vm');
  assert.deepEqual(onPool.map((e: { volid: string; reason: string }) => [e.volid, e.reason]).sort(), [
    ['ceph-vm:vm-153-disk-0', 'interrupted-removal'],
    ['ceph-vm:vm-154-disk-0', 'interrupted-removal'],
  ]);
  // The purge plans them (the pool UNKNOWN for their sake is no refusal), each by its librbd step.
  const purge = JSON.parse(cli(node, ['reclaim', '--purge', '--dry-run', '--all', '--json']).stdout).plan;
  assert.deepEqual(
    purge.actions.map((a: { volid: string; steps: { command: string[] }[] }) => [
      a.volid,
      a.steps[0].command.slice(-2),
    ]),
    [
      ['ceph-vm:vm-153-disk-0', ['rm', 'vm-153-disk-0']],
      ['ceph-vm:vm-154-disk-0', ['rm', 'vm-154-disk-0']],
    ],
  );
  // A trash listing that fails: the storage is UNKNOWN with the reason, its images keep their verdicts.
  depth({ fail: { 'trash:vm-pool': 'error' } });
  const f = JSON.parse(cli(node, ['volumes', '--json']).stdout).volumes;
  assert.equal(f.status, 3);
  assert.match(f.error, /ceph-vm.*rbd trash ls failed/);
  assert.equal(f.entries.find((e: { volid: string }) => e.volid === 'ceph-vm:vm-300-disk-0').status, 'valid');
});
