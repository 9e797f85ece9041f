// A next step for every mount status, as copyable commands on their own lines, in the document's mount
// entries (`check --json`) and the finding every output form shows (CLI, -q, dashboard, notifications, HTML).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import { mountSteps } from '../../src/core/mounts/mount-steps';
import { shellQuote } from '../../src/core/text/shell-quote';
import type { MountEntry, MountStatus } from '../../src/core/vocab/types';
import { buildText } from '../../src/notify/message';
import { dashboardView } from '../../src/render/dashboard-view';
import { runCli } from '../helpers/cli';

/** The steps' commands, one per line, and all their words. */
function mountStep(m: MountEntry): { fix: string | null; hint: string } {
  const steps = mountSteps(m);
  const commands = steps.filter((s) => s.command).map((s) => shellQuote(s.command as string[]));
  return { fix: commands.length ? commands.join('\n') : null, hint: steps.map((s) => s.text).join(' ') };
}

function mount(over: Partial<MountEntry>): MountEntry {
  return {
    scope: 'host',
    ctid: null,
    source: '10.0.0.20:/export/pve-backup',
    target: '/mnt/pve/backup nfs',
    fstype: 'nfs4',
    options: 'rw',
    status: 'ok',
    reachable: true,
    error: null,
    proxmoxManaged: true,
    storage: 'backup-nfs',
    totalBytes: null,
    usedBytes: null,
    availableBytes: null,
    usagePercent: null,
    ...over,
  };
}

test('mountStep: every status that is a finding has a hint, and commands (quoted, one per line) where one helps', () => {
  const rows: [Partial<MountEntry>, RegExp | null, RegExp][] = [
    [
      { status: 'stale' },
      /^showmount -e 10\.0\.0\.20\numount -l '\/mnt\/pve\/backup nfs'\npvesm status --storage backup-nfs$/,
      /server 10\.0\.0\.20 \(export \/export\/pve-backup\)/,
    ],
    [
      { status: 'stale', scope: 'ct', ctid: 110, target: '/mnt/backup', source: '//fs01/share', fstype: 'cifs' },
      /^ping -c 3 fs01\npct exec 110 -- umount -l \/mnt\/backup\npct exec 110 -- mount \/mnt\/backup$/,
      /server fs01 \(export share\)/,
    ],
    [
      { status: 'missing', reason: 'not-mounted' },
      /^pvesm status --storage backup-nfs$/,
      /PVE mounts storage backup-nfs/,
    ],
    [
      { status: 'missing', reason: 'not-mounted', fstype: '', source: '', storage: 'usb', target: '/mnt/usb' },
      /^mount \/mnt\/usb$/,
      /fstab/,
    ],
    [
      { status: 'missing', reason: 'bind-outdated', scope: 'ct', ctid: 110 },
      /^pct reboot 110$/,
      /restart the container/,
    ],
    [{ status: 'readonly' }, /remount,rw '\/mnt\/pve\/backup nfs'$/, /read-only/],
    [{ status: 'readonly', fstype: 'cifs', network: true }, /remount,rw '\/mnt\/pve\/backup nfs'$/, /export options/],
    [{ status: 'full', usagePercent: 97 }, /^df -h '\/mnt\/pve\/backup nfs'\ndu -xh --max-depth=1/, /free space/i],
    [{ status: 'unchecked', error: 'permission denied' }, null, /permission denied/],
  ];
  for (const [over, fix, hint] of rows) {
    const s = mountStep(mount(over));
    if (fix) assert.match(s.fix ?? '', fix, JSON.stringify(over));
    else assert.equal(s.fix, null);
    assert.match(s.hint, hint, JSON.stringify(over));
  }
  const statuses: MountStatus[] = ['stale', 'readonly', 'full', 'missing', 'unchecked'];
  for (const st of statuses) assert.ok(mountSteps(mount({ status: st })).length);
  assert.deepEqual(mountSteps(mount({ status: 'ok' })), []);
});

test('the demo: every mount finding has its steps on the dashboard, in the notification and in check -q', () => {
  const doc = JSON.parse(runCli(['check', '--demo', '--json']).stdout);
  const mounts = listFindings(doc).filter((f) => f.part === 'mounts');
  assert.ok(mounts.length >= 4);
  const view = dashboardView(doc).findings.filter((f) => f.part === 'mounts');
  for (const f of view) {
    assert.ok(f.steps.length, `${f.title}: no steps`);
    if (f.kind !== 'unchecked')
      assert.ok(
        f.steps.some((s) => s.command),
        `${f.title}: no command`,
      );
  }
  const mail = buildText(doc, { added: [], resolved: [], statusFrom: null, kind: 'change' });
  assert.match(
    mail,
    /^ {6}check the server 10\.0\.0\.20 \(export \/export\/pve-backup\) and the network to it first:\n {8}showmount -e 10\.0\.0\.20\n {6}then detach the hung mount [^\n]*:\n {8}umount -l \/mnt\/pve\/backup-nfs\n {6}let PVE mount storage backup-nfs again:\n {8}pvesm status --storage backup-nfs$/m,
  );
  const quiet = runCli(['check', '--demo', '-q']).stdout;
  assert.match(quiet, /\/mnt\/pve\/backup-nfs .*fix: showmount -e 10\.0\.0\.20/);
  assert.match(quiet, /CT 110:\/srv\/data .*fix: dmesg --level=err,warn/);
});

// Issue 60: a local filesystem the kernel made read-only (ext4 errors=remount-ro on a guest disk) is
// never remounted read-write: stop the writers, resolve a second writer, check it (pct fsck); a network
// mount beside it (the legitimate case) still gets the remount.
test('a local filesystem made read-only by the kernel: stop, resolve the double writer, fsck; never remount rw', () => {
  const local = mount({
    status: 'readonly',
    reason: 'remounted-readonly',
    scope: 'ct',
    ctid: 110,
    target: '/srv/data',
    source: '/dev/mapper/pve-vm--110--disk--1',
    fstype: 'ext4',
    network: false,
    storage: null,
  });
  const ct = mountStep(local);
  assert.doesNotMatch(ct.fix ?? '', /remount/);
  assert.doesNotMatch(ct.hint, /export options/);
  assert.match(ct.fix ?? '', /^dmesg --level=err,warn\npct stop 110\npct config 110$/);
  assert.match(ct.hint, /pct fsck 110 --device/);
  assert.match(ct.hint, /writes the same disk/);
  // The classifier's `network` is the word: ext4 on a host block device, and even an unknown type it calls local.
  const host = mountStep({ ...local, scope: 'host', ctid: null, target: '/mnt/data', source: '/dev/sdb1' });
  assert.match(host.fix ?? '', /^dmesg --level=err,warn\numount \/mnt\/data\nfsck -n \/dev\/sdb1$/);
  assert.doesNotMatch(mountStep({ ...local, fstype: 'nfs4' }).fix ?? '', /remount/);
  // The legitimate case beside it: a network mount, by the classifier's word or by type.
  for (const net of [{ network: true }, { network: undefined, fstype: 'nfs4', source: 'srv:/x' }])
    assert.match(mountStep({ ...local, ...net }).fix ?? '', /pct exec 110 -- mount -o remount,rw \/srv\/data$/);
});

test('check --json: every mount finding carries the steps the text, -q and the findings show', () => {
  const doc = JSON.parse(runCli(['check', '--demo', '--json']).stdout);
  const bad = doc.mounts.entries.filter((m: MountEntry) => m.status !== 'ok');
  assert.ok(bad.length >= 4);
  const findings = listFindings(doc).filter((f) => f.part === 'mounts');
  for (const m of bad) {
    assert.ok(Array.isArray(m.steps) && m.steps.length, `${m.target}: no steps in the JSON`);
    assert.equal(typeof m.hint, 'string');
    const f = findings.find((x) => x.subject.endsWith(m.target) && (m.ctid === null || x.vmid === m.ctid));
    assert.ok(f, m.target);
    assert.deepEqual(
      f.steps.map((s) => s.command),
      (m.steps as { command: string[] | null }[]).map((s) => (s.command ? shellQuote(s.command) : null)),
    );
  }
  for (const m of doc.mounts.entries.filter((x: MountEntry) => x.status === 'ok')) assert.equal(m.steps, undefined);
});

test('findings about one disk name each other: the read-only mount and the duplicate map of its disk', () => {
  const doc = JSON.parse(runCli(['check', '--demo', '--json']).stdout);
  const all = listFindings(doc);
  const ro = all.find((f) => f.part === 'mounts' && f.subject === 'CT 110:/srv/data');
  const dup = all.find((f) => f.part === 'dm' && f.dmName === 'pve-vm--110--disk--1--copy');
  assert.match(ro?.detail ?? '', /the same disk: local-lvm:vm-110-disk-1 \(duplicate: pve-vm--110--disk--1--copy\)/);
  assert.match(dup?.detail ?? '', /the same disk is mounted at \/srv\/data in CT 110 \(readonly/);
  // A mount on another disk (the CT's rootfs, a network mount) names no map.
  for (const f of all.filter((x) => x.part === 'mounts' && x !== ro)) assert.doesNotMatch(f.detail, /the same disk/);
  for (const f of all.filter((x) => x.part === 'dm' && x !== dup)) assert.doesNotMatch(f.detail, /the same disk/);
});
