// Ceph RBD at depth (docs/volumes.md "Ceph RBD"): images in the trash by source (ceph Trash.cc), images
// the pool's directory names but `rbd ls -l` cannot open (List.cc, an interrupted `rbd rm`), and the
// watchers of would-be orphans (Status.cc) — each rule with its neighbours; and the parsers on the real
// output formats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoOfCtime, parseRbdListErrors, parseRbdStatus, parseRbdTrashList } from '../../src/core/parse/rbd-depth';
import { stepsText } from '../../src/core/vocab/next-step';
import type { CommandOutput } from '../../src/core/vocab/snapshot';
import { classifyVolumes, rbdWatchCandidates } from '../../src/core/volumes/classify-volumes';
import { classify, entry, type Node, rbdTimedOut, volumeInput } from '../helpers/volume-node';

const img = (image: string, extra: Record<string, unknown> = {}) => ({
  image,
  id: `id${image}`,
  size: 1073741824,
  format: 2,
  ...extra,
});
const ls = (...rows: Record<string, unknown>[]) => JSON.stringify(rows);
const trashEntry = (name: string, source: string, status = 'expired at Mon Nov 23 17:00:01 2026') => ({
  id: `t-${name}`,
  name,
  source,
  deleted_at: 'Mon Nov 23 17:00:01 2026',
  status,
});
const upid = (type: string, id: string) => `UPID:pve1:000B7C1A:0A1B2C3D:67A1B2C3:${type}:${id}:root@pam: 1`;
const conf = (vmid: number, body: string) => ({ [`/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`]: body });
const failed = rbdTimedOut;

interface Row {
  name: string;
  node: Node;
  volid: string;
  /** Pick the trash entry rather than the live image of that name. */
  trash?: boolean;
  status: string;
  reason: string;
  protectedBy?: string[];
  pending?: boolean;
  hint: RegExp | null;
}

const ROWS: Row[] = [
  // --- the trash, by source
  {
    name: 'REMOVING: an rbd rm that did not finish → orphan, the trash rm it would have run',
    node: { rbd: '[]', rbdTrash: JSON.stringify([trashEntry('vm-152-disk-0', 'REMOVING')]) },
    volid: 'ceph-vm:vm-152-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'interrupted-removal',
    // The checked way first (reclaim --purge: storage lock, re-check, journal), the manual one after.
    hint: /^finish the interrupted removal with pve-health's checks \(.*irreversible\): pve-health reclaim --purge --name 'ceph-vm:vm-152-disk-0#trash:t-vm-152-disk-0'; or by hand, without those checks: finish what the interrupted rbd rm would have done \(irreversible; .*\): rbd -p vm-pool trash rm t-vm-152-disk-0$/,
  },
  {
    name: "REMOVING while a config names it → the guest's disk, critical, no restore (librbd restores no REMOVING entry), no removal",
    node: {
      rbd: '[]',
      rbdTrash: JSON.stringify([trashEntry('vm-152-disk-0', 'REMOVING')]),
      files: conf(152, 'scsi0: ceph-vm:vm-152-disk-0,size=1G\n'),
    },
    volid: 'ceph-vm:vm-152-disk-0',
    trash: true,
    status: 'valid',
    reason: 'in-trash-referenced',
    protectedBy: ['referenced'],
    hint: null,
  },
  {
    name: 'REMOVING under the name of a live image → removed by its trash id only (its volume ID names the image)',
    node: {
      rbd: ls(img('vm-152-disk-0')),
      rbdTrash: JSON.stringify([trashEntry('vm-152-disk-0', 'REMOVING')]),
      rbdStatus: { 'vm-152-disk-0': '{"watchers":[]}' },
    },
    volid: 'ceph-vm:vm-152-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'interrupted-removal',
    hint: /^or by hand, without those checks: .*: rbd -p vm-pool trash rm t-vm-152-disk-0$/,
  },
  {
    name: 'REMOVING while a destroy task of that VMID runs → pending, no hint',
    node: {
      rbd: '[]',
      rbdTrash: JSON.stringify([trashEntry('vm-152-disk-0', 'REMOVING')]),
      tasks: `${upid('qmdestroy', '152')}\n`,
    },
    volid: 'ceph-vm:vm-152-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'interrupted-removal',
    protectedBy: ['task:qmdestroy'],
    pending: true,
    hint: null,
  },
  {
    name: 'REMOVING while a task of another VMID runs → still a leftover',
    node: {
      rbd: '[]',
      rbdTrash: JSON.stringify([trashEntry('vm-152-disk-0', 'REMOVING')]),
      tasks: `${upid('qmdestroy', '153')}\n`,
    },
    volid: 'ceph-vm:vm-152-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'interrupted-removal',
    hint: /trash rm t-vm-152-disk-0/,
  },
  {
    name: 'USER, deferment over → orphan, restore, reclaim (adopts it) or trash rm',
    node: { rbd: '[]', rbdTrash: JSON.stringify([trashEntry('vm-160-disk-0', 'USER')]) },
    volid: 'ceph-vm:vm-160-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'in-trash',
    hint: /^to keep it, restore it from the trash: rbd -p vm-pool trash restore t-vm-160-disk-0; to set it aside reversibly \(quarantine; pve-health restore brings it back\): pve-health reclaim --name 'ceph-vm:vm-160-disk-0#trash:t-vm-160-disk-0'; to drop it \(irreversible: deletes the data\), .*: rbd -p vm-pool trash rm t-vm-160-disk-0$/,
  },
  {
    name: 'USER, protected until a later date → trash rm needs --force',
    node: {
      rbd: '[]',
      rbdTrash: JSON.stringify([trashEntry('vm-160-disk-0', 'USER', 'protected until Tue Dec  1 00:00:00 2026')]),
    },
    volid: 'ceph-vm:vm-160-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'in-trash',
    hint: /trash rm t-vm-160-disk-0 --force$/,
  },
  {
    name: "USER, a config still names it and no image of that name exists → the guest's disk (valid, critical), restore only",
    node: {
      rbd: '[]',
      rbdTrash: JSON.stringify([trashEntry('vm-100-disk-0', 'USER')]),
      files: conf(100, 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n'),
    },
    volid: 'ceph-vm:vm-100-disk-0',
    trash: true,
    status: 'valid',
    reason: 'in-trash-referenced',
    hint: /^restore it \(VM 100 scsi0 needs it\): rbd -p vm-pool trash restore t-vm-100-disk-0$/,
  },
  {
    name: 'USER, the config names a live image of the same name → the trashed one is a plain leftover',
    node: {
      rbd: ls(img('vm-100-disk-0')),
      rbdTrash: JSON.stringify([trashEntry('vm-100-disk-0', 'USER')]),
      files: conf(100, 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n'),
    },
    volid: 'ceph-vm:vm-100-disk-0',
    trash: true,
    status: 'orphan',
    reason: 'in-trash',
    hint: /to drop it \(irreversible: deletes the data\), .*: rbd -p vm-pool trash rm t-vm-100-disk-0$/,
  },
  {
    name: 'MIGRATION: the source of an RBD live migration → valid, pending, never a hint',
    node: { rbd: '[]', rbdTrash: JSON.stringify([trashEntry('vm-170-disk-0', 'MIGRATION')]) },
    volid: 'ceph-vm:vm-170-disk-0',
    trash: true,
    status: 'valid',
    reason: 'in-trash',
    protectedBy: ['rbd-migration', 'rbd-trash:MIGRATION'],
    pending: true,
    hint: null,
  },
  {
    name: 'MIRRORING: rbd-mirror removes it → valid, pending',
    node: { rbd: '[]', rbdTrash: JSON.stringify([trashEntry('vm-171-disk-0', 'MIRRORING')]) },
    volid: 'ceph-vm:vm-171-disk-0',
    trash: true,
    status: 'valid',
    reason: 'in-trash',
    protectedBy: ['rbd-mirror', 'rbd-trash:MIRRORING'],
    pending: true,
    hint: null,
  },
  {
    name: 'a source this rbd does not name ("") → Ceph owns it: protected, not pending',
    node: { rbd: '[]', rbdTrash: JSON.stringify([trashEntry('vm-172-disk-0', '')]) },
    volid: 'ceph-vm:vm-172-disk-0',
    trash: true,
    status: 'valid',
    reason: 'in-trash',
    protectedBy: ['rbd-trash:unknown'],
    hint: null,
  },
  {
    name: 'a trashed image that is no guest volume → ignored',
    node: { rbd: '[]', rbdTrash: JSON.stringify([trashEntry('csi-vol-0b6e', 'USER')]) },
    volid: 'ceph-vm:csi-vol-0b6e',
    trash: true,
    status: 'ignored',
    reason: 'not-guest-volume',
    hint: null,
  },
  // --- in the pool directory, not openable
  {
    name: 'ENOENT on open, no config names it → orphan half removed, rbd rm finishes it',
    node: { rbd: '[]', rbdStderr: 'rbd: error opening vm-153-disk-0: (2) No such file or directory\n' },
    volid: 'ceph-vm:vm-153-disk-0',
    status: 'orphan',
    reason: 'interrupted-removal',
    hint: /^finish the interrupted removal with pve-health's checks \(.*\): pve-health reclaim --purge --name ceph-vm:vm-153-disk-0; or by hand, without those checks \(irreversible; .*\): rbd -p vm-pool rm vm-153-disk-0$/,
  },
  {
    name: 'ENOENT on open while a config names it → unknown, never a removal',
    node: {
      rbd: '[]',
      rbdStderr: 'rbd: error opening vm-100-disk-0: (2) No such file or directory\n',
      files: conf(100, 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n'),
    },
    volid: 'ceph-vm:vm-100-disk-0',
    status: 'unknown',
    reason: 'interrupted-removal',
    protectedBy: ['referenced'],
    hint: null,
  },
  {
    name: 'another error on open (EACCES) → unknown',
    node: { rbd: '[]', rbdStderr: 'rbd: error opening vm-153-disk-0: (13) Permission denied\n' },
    volid: 'ceph-vm:vm-153-disk-0',
    status: 'unknown',
    reason: 'storage-unreadable',
    hint: null,
  },
  {
    name: 'a processing error of an image the JSON does list → that image as listed, no second entry',
    node: {
      rbd: ls(img('vm-154-disk-0')),
      rbdStderr: 'rbd: error processing image vm-154-disk-0: (13) Permission denied\n',
      rbdStatus: { 'vm-154-disk-0': '{"watchers":[]}' },
    },
    volid: 'ceph-vm:vm-154-disk-0',
    status: 'orphan',
    reason: 'guest-missing',
    hint: /pvesm free ceph-vm:vm-154-disk-0$/,
  },
  // --- watchers of would-be orphans
  {
    name: 'an orphan some client watches (a kvm elsewhere through librbd) → protected, the address named',
    node: {
      rbd: ls(img('vm-151-disk-0')),
      rbdStatus: { 'vm-151-disk-0': '{"watchers":[{"address":"10.0.0.12:0/3714432183","client":4211,"cookie":1}]}' },
    },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'orphan',
    reason: 'guest-missing',
    protectedBy: ['rbd-watcher'],
    hint: null,
  },
  {
    name: 'an orphan nobody watches → the pvesm free hint',
    node: { rbd: ls(img('vm-151-disk-0')), rbdStatus: { 'vm-151-disk-0': '{"watchers":[]}' } },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'orphan',
    reason: 'guest-missing',
    hint: /pvesm free ceph-vm:vm-151-disk-0$/,
  },
  {
    name: 'rbd status timed out → unknown, never an orphan',
    node: { rbd: ls(img('vm-151-disk-0')), rbdStatus: { 'vm-151-disk-0': failed } },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'unknown',
    reason: 'watchers-unread',
    hint: null,
  },
  {
    name: 'rbd status printed junk → unknown',
    node: { rbd: ls(img('vm-151-disk-0')), rbdStatus: { 'vm-151-disk-0': '<html>502</html>' } },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'unknown',
    reason: 'watchers-unread',
    hint: null,
  },
  {
    name: 'rbd status never asked → unknown',
    node: { rbd: ls(img('vm-151-disk-0')) },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'unknown',
    reason: 'watchers-unread',
    hint: null,
  },
  {
    name: 'a referenced image is never asked and stays valid',
    node: { rbd: ls(img('vm-100-disk-0')), files: conf(100, 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n') },
    volid: 'ceph-vm:vm-100-disk-0',
    status: 'valid',
    reason: 'referenced',
    hint: null,
  },
  {
    name: 'an orphan with an exclusive lock is open already: no question asked',
    node: { rbd: ls(img('vm-151-disk-0', { lock_type: 'exclusive' })) },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'orphan',
    reason: 'guest-missing',
    protectedBy: ['rbd-lock'],
    hint: null,
  },
  {
    name: 'an orphan krbd maps on this node is open already: no question asked',
    node: { rbd: ls(img('vm-151-disk-0')), rbdDevices: { 'vm-pool/vm-151-disk-0': 'rbd0' } },
    volid: 'ceph-vm:vm-151-disk-0',
    status: 'orphan',
    reason: 'guest-missing',
    protectedBy: ['krbd-mapped'],
    hint: null,
  },
];

for (const r of ROWS)
  test(`rbd: ${r.name}`, () => {
    const es = classify(r.node).filter((e) => e.volid === r.volid && !!e.trash === !!r.trash && !e.snapshot);
    assert.equal(es.length, 1, `one entry ${r.volid}${r.trash ? ' in the trash' : ''}`);
    const e = entry(es, r.volid);
    assert.deepEqual([e.status, e.reason], [r.status, r.reason], e.detail);
    assert.deepEqual(e.protectedBy, r.protectedBy ?? []);
    assert.equal(e.pending, r.pending ?? false);
    if (r.hint) {
      assert.match(e.hint ?? '', r.hint);
      // The hint is its steps' sentence; every step that removes something is marked irreversible.
      assert.equal(e.hint, stepsText(e.steps ?? []));
      for (const st of e.steps ?? [])
        assert.equal(
          st.irreversible,
          / rm | trash rm |pvesm free | --purge /.test(` ${(st.command ?? []).join(' ')} `),
          st.text,
        );
    } else {
      assert.equal(e.hint, undefined);
      assert.equal(e.steps, undefined);
    }
  });

test('rbd: a watched orphan names its watchers and is open', () => {
  const es = classify(ROWS.find((r) => r.name.startsWith('an orphan some client'))!.node);
  const e = entry(es, 'ceph-vm:vm-151-disk-0');
  assert.deepEqual([e.open, e.watchers], [true, ['10.0.0.12:0/3714432183']]);
  assert.match(e.detail, /watched by 10\.0\.0\.12:0\/3714432183/);
});

test('rbd: a trash that could not be read makes the storage UNKNOWN; the listed images keep their verdicts', () => {
  for (const trash of [failed, '', '}{ not json', '{"id":"x"}']) {
    const n: Node = {
      rbd: ls(img('vm-151-disk-0')),
      rbdTrash: trash,
      rbdStatus: { 'vm-151-disk-0': '{"watchers":[]}' },
    };
    const r = classifyVolumes(volumeInput(n));
    const st = r.storages.find((s) => s.storage === 'ceph-vm');
    assert.equal(st?.status, 'unknown', JSON.stringify(trash));
    assert.match(st?.error ?? '', /rbd trash ls/);
    assert.equal(r.status, 3);
    assert.equal(entry(r.entries, 'ceph-vm:vm-151-disk-0').status, 'orphan', JSON.stringify(trash));
  }
});

test('rbdWatchCandidates: images the verdict would call orphans with nothing on this node saying they are open, and locked orphans (a lock outlives its owner)', () => {
  const n: Node = {
    rbd: ls(
      img('vm-100-disk-0'),
      img('vm-100-disk-0', { snapshot: 'old', snapshot_id: 3, protected: 'false' }),
      img('vm-151-disk-0'),
      img('vm-152-disk-0', { lock_type: 'exclusive' }),
      img('vm-153-disk-0'),
      img('csi-vol-0b6e'),
    ),
    rbdStderr: 'rbd: error opening vm-154-disk-0: (2) No such file or directory\n',
    rbdTrash: JSON.stringify([trashEntry('vm-155-disk-0', 'USER')]),
    rbdDevices: { 'vm-pool/vm-153-disk-0': 'rbd0' },
    files: conf(100, 'scsi0: ceph-vm:vm-100-disk-0,size=1G\n'),
  };
  assert.deepEqual(rbdWatchCandidates(volumeInput(n)), [
    { storage: 'ceph-vm', image: 'vm-151-disk-0' },
    { storage: 'ceph-vm', image: 'vm-152-disk-0' },
  ]);
});

test('isoOfCtime: ctime(3) text as ISO; anything else is not a date (the text stays as rbd said it)', () => {
  const rows: [string, string | null][] = [
    ['Thu Dec  3 00:21:48 2026', '2026-12-03T00:21:48.000Z'],
    ['Wed Nov 25 14:41:55 2026', '2026-11-25T14:41:55.000Z'],
    ['Thu Jan  1 00:00:00 2099', '2099-01-01T00:00:00.000Z'],
    ['Sat Feb 29 12:00:00 2028', '2028-02-29T12:00:00.000Z'],
    ['Fri Feb 30 12:00:00 2026', null],
    ['Thu Dec  3 24:00:00 2026', null],
    ['Thu Dec  3 00:60:00 2026', null],
    ['Thu Xyz  3 00:21:48 2026', null],
    ['2026-12-03T00:21:48Z', null],
    ['', null],
  ];
  for (const [text, want] of rows) assert.equal(isoOfCtime(text), want, text);
  const odd = parseRbdTrashList(
    '[{"id":"7a","name":"vm-1-disk-0","source":"USER","deleted_at":"someday","status":"protected until later"}]',
  );
  assert.deepEqual(
    [odd[0].deletedAt, odd[0].deferment, odd[0].protectedUntil],
    ['someday', 'protected until later', true],
  );
});

test('parsers: rbd trash ls, rbd status and rbd ls -l stderr in their real formats; junk is an error', () => {
  const t = parseRbdTrashList(
    '[{"id":"5e4a2d9c1b7f","name":"vm-100-disk-1","source":"REMOVING","deleted_at":"Mon Nov 23 17:00:01 2026","status":"expired at Mon Nov 23 17:00:01 2026"},' +
      '{"id":"6f","name":"vm-101-disk-0","source":"USER","deleted_at":"Mon Nov 23 17:00:01 2026","status":"protected until Tue Dec  1 00:00:00 2026","parent":{"pool":"p","pool_namespace":"","image":"base-9-disk-0","snapshot":"__base__"}}]\n',
  );
  assert.deepEqual(
    t.map((x) => [x.id, x.name, x.source, x.protectedUntil]),
    [
      ['5e4a2d9c1b7f', 'vm-100-disk-1', 'REMOVING', false],
      ['6f', 'vm-101-disk-0', 'USER', true],
    ],
  );
  // Its ctime dates (rbd runs with TZ=UTC) in the ISO form of every other date the outputs show.
  assert.deepEqual(
    t.map((x) => [x.deletedAt, x.deferment]),
    [
      ['2026-11-23T17:00:01.000Z', 'expired at 2026-11-23T17:00:01.000Z'],
      ['2026-11-23T17:00:01.000Z', 'protected until 2026-12-01T00:00:00.000Z'],
    ],
  );
  assert.deepEqual(parseRbdTrashList('[]\n'), []);
  for (const bad of ['', '{}', '[{"name":"x"}]', '<html>']) assert.throws(() => parseRbdTrashList(bad), bad);
  assert.deepEqual(
    parseRbdStatus('{"watchers":[{"address":"v1:10.0.0.2:0/1","client":7,"cookie":18446462598732840961}]}'),
    [{ address: 'v1:10.0.0.2:0/1', client: 7 }],
  );
  assert.deepEqual(parseRbdStatus('{"watchers":[],"migration":{"state":"prepared"}}'), []);
  for (const bad of ['', '[]', '{"watchers":{}}', '{"watchers":[{"client":1}]}'])
    assert.throws(() => parseRbdStatus(bad), bad);
  assert.deepEqual(
    parseRbdListErrors(
      '2026-11-23T17:00:01.000+0000 7f3c2a7fc6c0 -1 librbd::image::OpenRequest: failed to retrieve image id\n' +
        'rbd: error opening vm-100-disk-1: (2) No such file or directory\n' +
        'rbd: error processing image vm-101-disk-0: (13) Permission denied\n' +
        'rbd: error opening vm-100-disk-1: (2) No such file or directory\n',
    ),
    [
      { image: 'vm-100-disk-1', errno: 2, message: 'No such file or directory' },
      { image: 'vm-101-disk-0', errno: 13, message: 'Permission denied' },
    ],
  );
});

test('rbd without trash/status subcommands (it refused the command, not the cluster): the listing stands, the output says what was not checked', () => {
  // Ceph's Shell.cc for a command it does not have, and a stand-in's refusal; both exit non-zero.
  const refusals = [
    "error parsing command 'trash ls'; -h or --help for usage\n",
    'fake rbd: unsupported: -p vm-pool trash ls --all --long --format json\n',
  ];
  const refused = (stderr: string): CommandOutput => ({ argv: ['rbd'], code: 1, stdout: '', stderr });
  for (const stderr of refusals) {
    const n: Node = {
      rbd: ls(img('vm-151-disk-0'), img('vm-152-disk-0')),
      rbdTrash: refused(stderr),
      rbdStatus: { 'vm-151-disk-0': refused(stderr.replace('trash ls', 'status')), 'vm-152-disk-0': failed },
    };
    const r = classifyVolumes(volumeInput(n));
    const st = r.storages.find((s) => s.storage === 'ceph-vm');
    assert.equal(st?.status, 'ok', stderr);
    assert.ok(
      r.warnings.some((w) => /ceph-vm: images in the Ceph trash are not checked: this rbd has no 'trash ls'/.test(w)),
      r.warnings.join('\n'),
    );
    // No status subcommand: whether a guest elsewhere has it open is not known — UNKNOWN, no hint,
    // never "no watchers".
    const orphan = entry(r.entries, 'ceph-vm:vm-151-disk-0');
    assert.deepEqual([orphan.status, orphan.reason, orphan.hint], ['unknown', 'watchers-unread', undefined]);
    assert.match(orphan.detail, /could not be read \(.*this rbd has no 'status'\)/);
    // Its neighbour: a status that timed out (a hanging cluster) is UNKNOWN, never an orphan.
    const hung = entry(r.entries, 'ceph-vm:vm-152-disk-0');
    assert.deepEqual([hung.status, hung.reason, hung.hint], ['unknown', 'watchers-unread', undefined]);
    assert.equal(r.status, 3);
  }
  // A failure that is not a refusal of the subcommand (the cluster answered with an error) stays UNKNOWN.
  const denied: CommandOutput = {
    argv: ['rbd'],
    code: 1,
    stdout: '',
    stderr: 'rbd: error opening pool: (1) Operation not permitted\n',
  };
  const r = classifyVolumes(volumeInput({ rbd: ls(img('vm-151-disk-0')), rbdTrash: denied }));
  assert.equal(r.storages.find((s) => s.storage === 'ceph-vm')?.status, 'unknown');
});

test("reclaim's quarantine in the trash: ignored/quarantined, with the trash entry's id and deferment (what the purge reads)", () => {
  const q = 'pve-health-q.20261126T002148Z.vm-195-disk-0';
  const es = classify({
    rbd: '[]',
    rbdTrash: JSON.stringify([trashEntry(q, 'USER', 'protected until Thu Dec  3 00:21:48 2026')]),
  });
  const e = entry(es, 'ceph-vm:vm-195-disk-0');
  assert.deepEqual(
    [e.status, e.reason, e.quarantine?.location.trashId, e.quarantine?.trashDeferment],
    ['ignored', 'quarantined', `t-${q}`, 'protected until 2026-12-03T00:21:48.000Z'],
  );
});

// An image no config names, with a snapshot no section names: the snapshot's removal is judged by the
// image's watchers as the image's is (volume-rbd.ts rbdSnapshotsFollowImage). A client with the image open
// (a guest of another cluster on the same pool) may own the snapshot: removing it breaks its rollback.
test('an orphan snapshot of an image a client watches is protected; of one whose watchers are unread, unknown', () => {
  const snapOf = (image: string, snapshot = 'before-upgrade') =>
    img(image, { snapshot, snapshot_id: 4, protected: 'false' });
  const two =
    '{"watchers":[{"address":"10.0.0.12:0/3714432183","client":4211,"cookie":1},{"address":"10.0.0.13:0/17","client":4212,"cookie":2}]}';
  const n: Node = {
    rbd: ls(
      img('vm-161-disk-0'),
      snapOf('vm-161-disk-0'),
      img('vm-162-disk-0'),
      snapOf('vm-162-disk-0'),
      // A snapshot reclaim quarantined: ignored as such, whatever its image's watchers say.
      snapOf('vm-162-disk-0', 'pve-health-q.20261120T101010Z.old'),
      img('vm-163-disk-0'),
      snapOf('vm-163-disk-0'),
      img('vm-164-disk-0'),
      snapOf('vm-164-disk-0'),
    ),
    rbdStatus: {
      'vm-161-disk-0': two,
      'vm-162-disk-0': failed,
      'vm-163-disk-0': '{"watchers":[]}',
      'vm-164-disk-0': two,
    },
    // A backup of the gone VM 164 still listed as running: its snapshot is protected by that task too.
    tasks: `${upid('vzdump', '164')}\n`,
  };
  const r = classifyVolumes(volumeInput(n));
  const watched = entry(r.entries, 'ceph-vm:vm-161-disk-0', 'before-upgrade');
  assert.deepEqual(
    [watched.status, watched.protected, watched.protectedBy, watched.hint, watched.steps],
    ['orphan', true, ['rbd-watcher'], undefined, undefined],
  );
  assert.match(watched.detail, /; its image is watched by 10\.0\.0\.12:0\/3714432183, 10\.0\.0\.13:0\/17 \(a client/);
  // The image itself is judged once, by its own watchers (its detail says so once, not as "its image").
  const image = entry(r.entries, 'ceph-vm:vm-161-disk-0');
  assert.deepEqual([image.status, image.protectedBy], ['orphan', ['rbd-watcher']]);
  assert.doesNotMatch(image.detail, /its image/);
  assert.equal(
    entry(r.entries, 'ceph-vm:vm-164-disk-0', 'before-upgrade').protectedBy.join(' '),
    'rbd-watcher task:vzdump',
  );
  const unread = entry(r.entries, 'ceph-vm:vm-162-disk-0', 'before-upgrade');
  assert.deepEqual(
    [unread.status, unread.reason, unread.hint, unread.steps],
    ['unknown', 'watchers-unread', undefined, undefined],
  );
  assert.match(unread.detail, /whether a client has its image open could not be read/);
  const quarantined = entry(r.entries, 'ceph-vm:vm-162-disk-0', 'pve-health-q.20261120T101010Z.old');
  assert.deepEqual([quarantined.status, quarantined.reason], ['ignored', 'quarantined']);
  assert.doesNotMatch(quarantined.detail, /its image/);
  // The neighbour: nobody watches the image: the snapshot is an orphan with its removal, as before.
  const free = entry(r.entries, 'ceph-vm:vm-163-disk-0', 'before-upgrade');
  assert.deepEqual([free.status, free.protected], ['orphan', false]);
  assert.ok(free.steps?.length, "the unwatched image's snapshot keeps its steps");
  assert.match(stepsText(free.steps ?? []), /rbd .*snap rm/);
});

// The neighbours: whatever says the image is open — an exclusive lock a client holds, a krbd map here (with
// its lock too), a process here with its device open, its device mounted here — protects its orphan snapshots as a watcher does, by
// the same reasons.
test('an orphan snapshot of an image locked by a client, mapped here or held here is protected by that, no hint', () => {
  const snap = (image: string) => img(image, { snapshot: 'before-upgrade', snapshot_id: 4, protected: 'false' });
  const n: Node = {
    rbd: ls(
      img('vm-165-disk-0', { lock_type: 'exclusive' }),
      snap('vm-165-disk-0'),
      img('vm-166-disk-0', { lock_type: 'exclusive' }),
      snap('vm-166-disk-0'),
      img('vm-167-disk-0'),
      snap('vm-167-disk-0'),
      img('vm-168-disk-0'),
      snap('vm-168-disk-0'),
    ),
    rbdDevices: { 'vm-pool/vm-166-disk-0': 'rbd0', 'vm-pool/vm-167-disk-0': 'rbd1', 'vm-pool/vm-168-disk-0': 'rbd2' },
    processes: [{ pid: 4300, comm: 'dd', cmdline: ['dd', 'if=/dev/rbd1'], fds: ['/dev/rbd1'] }],
    // The lock's owner could not be asked: the lock still says a client has it open.
    rbdStatus: { 'vm-165-disk-0': failed },
    // HA moves VM 165: that is the image's reason (pending), not one its snapshot takes from it.
    files: {
      '/etc/pve/ha/manager_status': JSON.stringify({
        service_status: { 'vm:165': { node: 'pve1', state: 'migrate' } },
      }),
    },
  };
  // vm-168's device is mounted on the host.
  const hostMountinfo = '40 1 252:2 / /mnt/restore rw,relatime - ext4 /dev/rbd2 rw\n';
  const r = classifyVolumes({ ...volumeInput(n), hostMountinfo });
  for (const [image, by] of [
    ['vm-165-disk-0', ['rbd-lock']],
    ['vm-168-disk-0', ['krbd-mapped', 'mounted']],
    ['vm-166-disk-0', ['krbd-mapped', 'rbd-lock']],
    ['vm-167-disk-0', ['krbd-mapped', 'open']],
  ] as const) {
    const s = entry(r.entries, `ceph-vm:${image}`, 'before-upgrade');
    assert.deepEqual(
      [s.status, s.protected, s.protectedBy, s.hint, s.steps],
      ['orphan', true, by, undefined, undefined],
      image,
    );
    assert.ok(s.detail.endsWith(`; its image is open (${by.join(', ')})`), `${image}: ${s.detail}`);
  }
});

// pve-container VZDump/LXC.pm snapshot mode on RBD: snapshot_create($vmid, 'vzdump', ...) takes the
// image's `@vzdump` snapshot and writes a [vzdump] section; a killed backup leaves both, and the next
// prepare ("found old vzdump snapshot (force removal)") removes both. While the section is there the
// config owns the snapshot; without it the snapshot is a leftover.
test("rbd: a container's @vzdump the config's [vzdump] section names is the config's; without the section a leftover", () => {
  const ct = (body: string) => ({ '/etc/pve/nodes/pve1/lxc/170.conf': body });
  const rootfs = 'rootfs: ceph-vm:vm-170-disk-0,size=8G\n';
  const rows: { name: string; conf: string; status: string; reason: string; named: string | undefined }[] = [
    {
      name: '[vzdump] section there: the config owns it (valid), PVE removes both',
      conf: `${rootfs}parent: vzdump\n\n[vzdump]\n${rootfs}snapstate: prepare\nsnaptime: 1712000000\n`,
      status: 'valid',
      reason: 'referenced',
      named: 'CT 170 [vzdump]',
    },
    {
      name: 'no [vzdump] section: a leftover of an interrupted backup',
      conf: rootfs,
      status: 'orphan',
      reason: 'operation-leftover',
      named: undefined,
    },
  ];
  for (const r of rows) {
    const es = classify({
      rbd: ls(img('vm-170-disk-0'), img('vm-170-disk-0', { snapshot: 'vzdump', snapshot_id: 7, protected: 'false' })),
      rbdStatus: { 'vm-170-disk-0': '{"watchers":[]}' },
      files: ct(r.conf),
    });
    const s = entry(es, 'ceph-vm:vm-170-disk-0', 'vzdump');
    assert.deepEqual([s.status, s.reason, s.namedBySection], [r.status, r.reason, r.named], r.name);
  }
});
