// The reclaim round trip, end to end on simulated nodes whose storage changes for real (fakenode with
// `"mutable_storage": true`: lvrename/lvremove/tags, zfs create/rename/set/destroy, rbd rename/trash/rm,
// files renamed by the tool itself), judged by the fakenode's own `check`, not by this test's reading of
// the CLI: for every shared scenario and for the attack nodes of issue 59,
//   reclaim --all --yes → check (names nothing) → restore JOURNAL → check --restored (everything back) →
//   reclaim --all --yes (the same volumes again) → reclaim --purge --all --yes (retention 0) → check.
// The attack nodes put each attack of the issue on a victim of its own beside ordinary orphans, so one
// node shows both: the victims are never touched (or, named again / bound to a loop device once in
// quarantine, never purged and brought back by `restore`), the ordinary orphans go the whole way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { buildFakenode } from '../helpers/fakenode-build';
import { PYTHON } from '../helpers/python';
import { tempDir } from '../helpers/temp-dir';
import { FAKENODE, HAVE_FAKENODE, type Run, runCliAsync, writeQcow2Overlay } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const SCENARIOS = ['default-lvmthin', 'cluster-shared-lvm', 'tricky-names', 'mixed-volumes'];
const LOCAL_QUARANTINE = 'var/lib/vz/images/pve-health-quarantine';

// A scenario is free-form JSON (fakenode README "Scenario schema").
type Scenario = Record<string, any>;

/**
 * A copy of a shared scenario with mutable storage, built. Where the node has an RBD storage the copy also
 * answers `rbd status` (real rbd always does; the fake only when asked), or every RBD image would be
 * refused `unknown` and the RBD quarantine never run.
 */
function buildMutable(scenario: string, edit?: (s: Scenario) => void): string {
  const dir = tempDir('pvh-trip-');
  const s: Scenario = JSON.parse(readFileSync(join(FAKENODE, 'scenarios', `${scenario}.json`), 'utf8'));
  s.mutable_storage = true;
  if (s.storages.some((x: { type: string }) => x.type === 'rbd')) s.rbd = { ...s.rbd, status: true };
  edit?.(s);
  const file = join(dir, `${scenario}.json`);
  writeFileSync(file, JSON.stringify(s));
  const out = join(dir, 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', file], out);
  if (r.status !== 0) throw new Error(`fakenode build ${scenario}: ${r.stderr}${r.stdout}`);
  writeFileSync(join(out, 'retention-0.toml'), '[reclaim]\nretention_days = 0\n');
  return out;
}

interface Touched {
  what: string;
  allowed: boolean;
  back: boolean;
  created?: boolean;
  changes: string[];
  verdict: string;
}
interface Judged {
  code: number | null;
  bad: number;
  notRestored: number;
  touched: Touched[];
  removedDevices: { device: string; allowed: boolean }[];
  text: string;
}

/** `fakenode.py check [--restored] --json`: the simulated node's own judge of what was touched. */
function judge(out: string, restored = false): Promise<Judged> {
  const args = [join(FAKENODE, 'fakenode.py'), 'check', out, '--json', ...(restored ? ['--restored'] : [])];
  return new Promise((done) =>
    execFile(PYTHON, args, { encoding: 'utf8' }, (err, stdout) => {
      const doc = JSON.parse(stdout);
      const touched: Touched[] = doc.touched ?? [];
      done({
        code: err ? Number(err.code) : 0,
        bad: doc.bad,
        notRestored: doc.not_restored,
        touched,
        removedDevices: doc.devices_removed,
        text: touched.map((t) => `${t.what}: ${t.changes.join('; ')} (${t.verdict}) allowed=${t.allowed}`).join('\n'),
      });
    }),
  );
}

interface Plan {
  actions: { volid: string }[];
  refused: { volid: string; code: string; why: string }[];
}
interface Reclaimed {
  run: Run;
  plan: Plan;
  journal: string | null;
  outcomes: { volid?: string; result: string }[];
}

async function reclaim(out: string, args: string[]): Promise<Reclaimed> {
  const run = await runCliAsync(out, ['--config', join(out, 'retention-0.toml'), 'reclaim', ...args, '--json']);
  let doc: { plan: Plan; journal: string | null; outcomes: Reclaimed['outcomes'] };
  try {
    doc = JSON.parse(run.stdout);
  } catch {
    throw new Error(`reclaim ${args.join(' ')}: no JSON (exit ${run.code})\n${run.stdout}\n${run.stderr}`);
  }
  return { run, plan: doc.plan, journal: doc.journal, outcomes: doc.outcomes };
}

const volids = (p: Plan) => p.actions.map((a) => a.volid).sort();
const said = (what: string, r: Run) => `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** The judge's entry for a volume ID (an LV is listed as `LV VG/NAME`, by its name). */
function entryOf(j: Judged, volid: string): Touched | undefined {
  const name = volid.slice(volid.indexOf(':') + 1);
  return j.touched.find((t) => t.what === volid || (t.what.startsWith('LV ') && t.what.endsWith(`/${name}`)));
}

async function restore(out: string, journal: string): Promise<Run> {
  return runCliAsync(out, ['restore', journal, '--yes']);
}

interface Hooks {
  /** After the second quarantine, before the purge (an attack that needs the volume in quarantine). */
  beforePurge?: (out: string) => void;
  /** After the purge: what the attack must leave (its own assertions); `journal` is the second quarantine's. */
  afterPurge?: (out: string, purge: Reclaimed, journal: string) => Promise<void>;
}

/** The round trip on one built node; returns what the first reclaim planned (the scenario's own rows check it). */
async function roundTrip(out: string, hooks: Hooks = {}): Promise<string[]> {
  const first = await reclaim(out, ['--all', '--yes']);
  assert.equal(first.run.code, 0, said('reclaim --all --yes', first.run));
  const planned = volids(first.plan);
  const j1 = await judge(out);
  assert.equal(j1.code, 0, `check after reclaim --all names something:\n${j1.text}`);
  for (const v of planned) {
    const e = entryOf(j1, v);
    assert.ok(e && !e.back, `check does not see ${v} quarantined:\n${j1.text}`);
  }
  if (first.journal) {
    const back = await restore(out, first.journal);
    assert.match(back.stdout, /skipped 0, failed 0, declined 0/, said('restore', back));
  }
  const j2 = await judge(out, true);
  assert.equal(j2.code, 0, `check --restored after restore:\n${j2.text}`);
  for (const v of planned) assert.ok(entryOf(j2, v)?.back ?? true, `${v} not back:\n${j2.text}`);

  const second = await reclaim(out, ['--all', '--yes']);
  assert.equal(second.run.code, 0, said('reclaim --all --yes (again)', second.run));
  assert.deepEqual(volids(second.plan), planned, 'the restored volumes are the same orphans again');
  hooks.beforePurge?.(out);
  const purge = await reclaim(out, ['--purge', '--all', '--yes']);
  assert.equal(purge.run.code, 0, said('reclaim --purge --all --yes', purge.run));
  assert.ok(
    purge.outcomes.every((o) => o.result === 'done'),
    said('purge outcomes', purge.run),
  );
  if (hooks.afterPurge && second.journal) {
    await hooks.afterPurge(out, purge, second.journal);
    return planned;
  }
  assert.deepEqual(volids(purge.plan), planned, 'the purge destroys what the quarantine took, nothing else');
  const j3 = await judge(out);
  assert.equal(j3.code, 0, `check after the purge names something:\n${j3.text}`);
  for (const v of planned) {
    const e = entryOf(j3, v);
    assert.ok(e && /destroyed|removed/.test(e.changes.join()), `${v} is not gone after the purge:\n${j3.text}`);
  }
  return planned;
}

/** The round trip on every shared scenario. */
function scenarioTrips(): void {
  // What each scenario's quarantine takes: its unprotected orphans that reclaim may move (a shared LVM
  // volume is refused `shared-lvm`, a DM map without LV and a thin snapshot LV are clean's or their hint's).
  const takes: Record<string, string[]> = {
    'default-lvmthin': ['local-lvm:vm-150-disk-0'],
    'cluster-shared-lvm': [],
    'tricky-names': [],
    // (VM 100 runs: its disk's snapshot @old is `guest-running`; VM 300 runs on pve2: its unreferenced disk
    // on the shared NFS storage may be a `qm disk move` target there, `guest-elsewhere`.)
    'mixed-volumes': ['ceph-vm:vm-151-disk-0', 'local-zfs:vm-150-disk-0', 'local:102/vm-102-disk-0.raw'],
  };
  for (const scenario of SCENARIOS) {
    it(`scenario ${scenario}`, async () => {
      assert.deepEqual(await roundTrip(buildMutable(scenario)), takes[scenario]);
    });
  }
}

/** Bind /dev/<loop> to `path` as the kernel shows it (sysfs `loop/backing_file`; util-linux losetup reads it). */
function bindLoop(root: string, loop: string, path: string): void {
  const dir = join(root, 'sys/devices/virtual/block', loop);
  mkdirSync(join(dir, 'loop'), { recursive: true });
  writeFileSync(join(dir, 'loop/backing_file'), `${path}\n`);
  symlinkSync(`../devices/virtual/block/${loop}`, join(root, 'sys/block', loop));
}

function link(root: string, at: string, to: string): void {
  mkdirSync(dirname(join(root, at)), { recursive: true });
  symlinkSync(to, join(root, at));
}

/** A guest config on pve1 naming `lines`, listed in .vmlist as pmxcfs does. */
function writeGuest(out: string, vmid: number, lines: string[]): void {
  const dir = join(out, 'root/etc/pve/nodes/pve1/qemu-server');
  writeFileSync(join(dir, `${vmid}.conf`), `${lines.join('\n')}\n`);
  const list = join(out, 'root/etc/pve/.vmlist');
  const doc = JSON.parse(readFileSync(list, 'utf8'));
  doc.ids[String(vmid)] = { node: 'pve1', type: 'qemu', version: 1 };
  writeFileSync(list, JSON.stringify(doc));
}

const orphan = (vmid: number, detail: string, protectedBy?: string) => ({
  status: 'orphan',
  reason: 'guest-missing',
  vmid,
  detail,
  protected: Boolean(protectedBy),
  ...(protectedBy ? { protectedBy: [protectedBy] } : {}),
});
const valid = (vmid: number, detail: string) => ({ status: 'valid', reason: 'referenced', vmid, detail });

/** What the purge refused, by volume ID. */
const refusedCodes = (p: Plan) => Object.fromEntries(p.refused.map((r) => [r.volid, r.code]));

/** An image of a gone guest on the shared NFS storage (VM 300's disk there is `guest-elsewhere`: it runs on pve2). */
const NFS_111 = { storage: 'nfs-store', name: '111/vm-111-disk-0.raw', size: '4G' };

/** Quarantined, then named again by a config before the purge: a file, a zvol, an RBD image in the trash. */
const NAMED_AGAIN = ['local:106/vm-106-disk-0.raw', 'local-zfs:vm-107-disk-0', 'ceph-vm:vm-109-disk-0'];

/** The round trip on the attack nodes of issue 59. */
function attackTrips(): void {
  it('attack node mixed-volumes: path forms (a btrfs disk.raw too), absolute qcow2 backing (same storage, across, through a link), loop devices, named again, an empty config', async () => {
    const out = buildMutable('mixed-volumes', (s) => {
      // VM 110 names its disks the ways the issue lists: a directory symlink, a udev link to a zvol's
      // partition, and two qcow2 overlays whose backing files are other storages' / this storage's
      // orphans by absolute path. 104–108 are victims of their own; 100@old, 151 go the whole way.
      s.guests.push({
        vmid: 110,
        type: 'qemu',
        node: 'pve1',
        status: 'stopped',
        config: [
          'memory: 512',
          'name: attacks',
          'scsi0: /srv/vzlink/images/102/vm-102-disk-0.raw,size=8G',
          'scsi1: /dev/disk/by-label/data150',
          'scsi2: local:110/vm-110-disk-0.qcow2,size=8G',
          'scsi3: local:110/vm-110-disk-1.qcow2,size=8G',
          // A btrfs raw disk by the path PVE gives it (the subvolume's disk.raw), and an overlay whose
          // backing file is named through the directory link.
          'scsi4: /mnt/btrfs-data/images/112/vm-112-disk-0/disk.raw',
          'scsi5: local:110/vm-110-disk-2.qcow2,size=8G',
        ],
      });
      s.volumes.push(
        ...['104', '105', '106', '108'].map((id) => ({
          storage: 'local',
          name: `${id}/vm-${id}-disk-0.raw`,
          size: '4G',
        })),
        { storage: 'local-zfs', name: 'vm-107-disk-0', size: '4G' },
        { storage: 'btrfs-data', name: '112/vm-112-disk-0.raw', size: '4G' },
        { storage: 'local', name: '113/vm-113-disk-0.raw', size: '4G' },
        { storage: 'ceph-vm', name: 'vm-109-disk-0', size: '4G' },
        NFS_111,
      );
      Object.assign(s.expected_volumes, {
        'local:102/vm-102-disk-0.raw': valid(110, 'VM 110 scsi0 through the directory link /srv/vzlink'),
        'local-zfs:vm-150-disk-0': valid(110, 'VM 110 scsi1 through /dev/disk/by-label/data150 (its partition 1)'),
        'nfs-store:111/vm-111-disk-0.raw': orphan(
          111,
          'backing file of local:110/vm-110-disk-0.qcow2',
          'template-base',
        ),
        'local:104/vm-104-disk-0.raw': orphan(104, 'backing file of local:110/vm-110-disk-1.qcow2', 'template-base'),
        'local:105/vm-105-disk-0.raw': orphan(105, 'bound to /dev/loop9', 'loop'),
        'local:106/vm-106-disk-0.raw': orphan(106, 'named again once in quarantine'),
        'local-zfs:vm-107-disk-0': orphan(107, 'named again once in quarantine'),
        'ceph-vm:vm-109-disk-0': orphan(109, 'named again once in the trash'),
        'local:108/vm-108-disk-0.raw': orphan(108, 'bound to /dev/loop8 once in quarantine'),
        'local:110/vm-110-disk-0.qcow2': valid(110, 'VM 110 scsi2'),
        'local:110/vm-110-disk-1.qcow2': valid(110, 'VM 110 scsi3'),
        'local:110/vm-110-disk-2.qcow2': valid(110, 'VM 110 scsi5'),
        'btrfs-data:112/vm-112-disk-0.raw': valid(110, "VM 110 scsi4 by its subvolume's disk.raw"),
        'local:113/vm-113-disk-0.raw': orphan(
          113,
          'backing file of local:110/vm-110-disk-2.qcow2 through /srv/vzlink',
          'template-base',
        ),
      });
    });
    const root = join(out, 'root');
    link(root, 'srv/vzlink', '/var/lib/vz');
    const part = basename(readlinkSync(join(root, 'dev/zvol/tank/pve/vm-150-disk-0-part1')));
    link(root, 'dev/disk/by-label/data150', `../../${part}`);
    writeQcow2Overlay(
      root,
      'var/lib/vz/images/110/vm-110-disk-0.qcow2',
      '/mnt/pve/nfs-store/images/111/vm-111-disk-0.raw',
    );
    writeQcow2Overlay(root, 'var/lib/vz/images/110/vm-110-disk-1.qcow2', '/var/lib/vz/images/104/vm-104-disk-0.raw');
    writeQcow2Overlay(root, 'var/lib/vz/images/110/vm-110-disk-2.qcow2', '/srv/vzlink/images/113/vm-113-disk-0.raw');
    bindLoop(root, 'loop9', '/var/lib/vz/images/105/vm-105-disk-0.raw');
    // An empty config (what a failed restore leaves): VM 101's four disks stay its own (expected: valid).
    writeFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server/101.conf'), '');
    const planned = await roundTrip(out, {
      beforePurge: (o) => {
        writeGuest(o, 106, ['memory: 512', 'scsi0: local:106/vm-106-disk-0.raw,size=4G']);
        writeGuest(o, 107, ['memory: 512', 'scsi0: local-zfs:vm-107-disk-0,size=4G']);
        writeGuest(o, 109, ['memory: 512', 'scsi0: ceph-vm:vm-109-disk-0,size=4G']);
        const q = readdirSync(join(o, 'root', LOCAL_QUARANTINE)).find((f) => f.endsWith('.108.vm-108-disk-0.raw'));
        assert.ok(q, 'local:108/vm-108-disk-0.raw is in quarantine');
        bindLoop(join(o, 'root'), 'loop8', `/${LOCAL_QUARANTINE}/${q}`);
      },
      afterPurge: async (o, purge, journal) => {
        const refused = refusedCodes(purge.plan);
        for (const v of [...NAMED_AGAIN, 'local:108/vm-108-disk-0.raw'])
          assert.equal(refused[v], 'protected', `purge of ${v}: ${JSON.stringify(purge.plan.refused)}`);
        assert.deepEqual(volids(purge.plan), ['ceph-vm:vm-151-disk-0']);
        // The named-again ones are what their guests name: restore brings them back, the judge agrees.
        const back = await restore(o, journal);
        for (const v of NAMED_AGAIN)
          assert.ok(back.stdout.includes(`brought back: ${v}\n`), said(`restore ${v}`, back));
        const j = await judge(o);
        assert.equal(j.code, 0, `check after the purge and the restore:\n${j.text}`);
        for (const v of ['local-zfs:vm-107-disk-0', 'ceph-vm:vm-109-disk-0'])
          assert.ok(entryOf(j, v)?.back, `${v} not back:\n${j.text}`);
        assert.ok(existsSync(join(o, 'root/var/lib/vz/images/106/vm-106-disk-0.raw')), 'local:106 back at its path');
        assert.ok(
          existsSync(join(o, 'root/var/lib/vz/images/108/vm-108-disk-0.raw')) ||
            readdirSync(join(o, 'root', LOCAL_QUARANTINE)).some((f) => f.endsWith('.108.vm-108-disk-0.raw')),
          'the file under /dev/loop8 still exists',
        );
      },
    });
    assert.deepEqual(planned, [
      'ceph-vm:vm-109-disk-0',
      'ceph-vm:vm-151-disk-0',
      'local-zfs:vm-107-disk-0',
      'local:106/vm-106-disk-0.raw',
      'local:108/vm-108-disk-0.raw',
    ]);
  });

  it('attack node default-lvmthin: an LV by its /dev path, an LV named again, an empty config', async () => {
    const out = buildMutable('default-lvmthin', (s) => {
      s.guests.push({
        vmid: 110,
        type: 'qemu',
        node: 'pve1',
        status: 'stopped',
        config: ['memory: 512', 'name: by-path', 'scsi0: /dev/pve/vm-152-disk-0'],
      });
      for (const id of [151, 152])
        s.lvs.push({
          vg: 'pve',
          lv: `vm-${id}-disk-0`,
          pool: 'data',
          size: '4G',
          active: true,
          tags: [`pve-vm-${id}`],
        });
      Object.assign(s.expected, {
        'pve-vm--151--disk--0': { ...orphan(151, 'named again once in quarantine'), open: false },
        'pve-vm--152--disk--0': { ...valid(110, 'VM 110 scsi0 as /dev/pve/vm-152-disk-0'), open: false },
      });
    });
    // `: > 103.conf`: VM 103's disks stay its own (expected: valid).
    writeFileSync(join(out, 'root/etc/pve/nodes/pve1/qemu-server/103.conf'), '');
    const planned = await roundTrip(out, {
      beforePurge: (o) => writeGuest(o, 151, ['memory: 512', 'scsi0: local-lvm:vm-151-disk-0,size=4G']),
      afterPurge: async (o, purge, journal) => {
        assert.equal(refusedCodes(purge.plan)['local-lvm:vm-151-disk-0'], 'protected', JSON.stringify(purge.plan));
        assert.deepEqual(volids(purge.plan), ['local-lvm:vm-150-disk-0']);
        const back = await restore(o, journal);
        assert.match(back.stdout, /brought back: local-lvm:vm-151-disk-0/, said('restore', back));
        const j = await judge(o);
        assert.equal(j.code, 0, `check after the purge and the restore:\n${j.text}`);
        assert.ok(entryOf(j, 'local-lvm:vm-151-disk-0')?.back, j.text);
      },
    });
    assert.deepEqual(planned, ['local-lvm:vm-150-disk-0', 'local-lvm:vm-151-disk-0']);
  });
}

/** `restore` where the storage cannot be listed whole (an NFS share not mounted): never "purged", exit 3. */
function unlistedTrips(): void {
  it('restore with the NFS storage unmounted: not judged (exit 3), nothing moved; mounted again: brought back', async () => {
    const out = buildMutable('mixed-volumes', (s) => {
      s.volumes.push(NFS_111);
      s.expected_volumes['nfs-store:111/vm-111-disk-0.raw'] = orphan(111, 'no guest 111');
    });
    const volid = 'nfs-store:111/vm-111-disk-0.raw';
    const q = await reclaim(out, ['--yes', '--name', volid]);
    assert.equal(q.run.code, 0, said('reclaim', q.run));
    const tables = ['proc/mounts', 'proc/self/mountinfo'].map((p) => join(out, 'root', p));
    const kept = tables.map((t) => readFileSync(t, 'utf8'));
    tables.forEach((t, i) => {
      writeFileSync(
        t,
        kept[i]
          .split('\n')
          .filter((l) => !l.includes('/mnt/pve/nfs-store'))
          .join('\n'),
      );
    });
    const r = await restore(out, q.journal as string);
    assert.equal(r.code, 3, said('restore, NFS not mounted', r));
    assert.match(r.stdout, /not undone: storage nfs-store could not be listed whole \(.*not mounted\)/);
    assert.doesNotMatch(r.stdout, /purged/);
    assert.equal((await judge(out, true)).notRestored, 1, 'the file volume is still in quarantine');
    assert.ok(!existsSync(join(out, 'root/mnt/pve/nfs-store/images/111/vm-111-disk-0.raw')));
    // The neighbour: the share mounted again, the same restore brings it back.
    tables.forEach((t, i) => {
      writeFileSync(t, kept[i]);
    });
    const back = await restore(out, q.journal as string);
    assert.match(back.stdout, /brought back: nfs-store:111\/vm-111-disk-0\.raw\n/, said('restore', back));
    assert.ok(existsSync(join(out, 'root/mnt/pve/nfs-store/images/111/vm-111-disk-0.raw')));
    assert.equal((await judge(out, true)).code, 0);
  });
}

// One pool of two for all seven nodes, the longest first (each node's steps run one after another).
describe('reclaim round trip: reclaim, check, restore, check --restored, reclaim, purge, check', {
  skip,
  concurrency: 2,
}, () => {
  attackTrips();
  scenarioTrips();
  unlistedTrips();
});
