// A next step for every mount status, as copyable commands on their own lines, in the finding every
// output form shows (CLI, -q, dashboard, notifications, HTML all print Finding.fix and .hint).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import { mountStep } from '../../src/core/findings/mount-steps';
import type { MountEntry, MountStatus } from '../../src/core/types';
import { buildText } from '../../src/notify/message';
import { dashboardView } from '../../src/render/dashboard-view';
import { runCli } from '../helpers/cli';

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
    [{ status: 'full', usagePercent: 97 }, /^df -h '\/mnt\/pve\/backup nfs'\ndu -xh --max-depth=1/, /Free space/],
    [{ status: 'unchecked', error: 'permission denied' }, null, /permission denied/],
  ];
  for (const [over, fix, hint] of rows) {
    const s = mountStep(mount(over));
    if (fix) assert.match(s.fix ?? '', fix, JSON.stringify(over));
    else assert.equal(s.fix, null);
    assert.match(s.hint, hint, JSON.stringify(over));
  }
  const statuses: MountStatus[] = ['stale', 'readonly', 'full', 'missing', 'unchecked'];
  for (const st of statuses) assert.ok(mountStep(mount({ status: st })).hint);
});

test('the demo: every mount finding has a fix and a hint on the dashboard, in the notification and in check -q', () => {
  const doc = JSON.parse(runCli(['check', '--demo', '--json']).stdout);
  const mounts = listFindings(doc).filter((f) => f.part === 'mounts');
  assert.ok(mounts.length >= 4);
  const view = dashboardView(doc).findings.filter((f) => f.part === 'mounts');
  for (const f of view) {
    assert.ok(f.hint, `${f.title}: no hint`);
    if (f.kind !== 'unchecked') assert.ok(f.fix, `${f.title}: no fix`);
  }
  const mail = buildText(doc, { added: [], resolved: [], statusFrom: null, kind: 'change' });
  assert.match(
    mail,
    /^ {6}fix:\n {8}showmount -e 10\.0\.0\.20\n {8}umount -l \/mnt\/pve\/backup-nfs\n {8}pvesm status --storage backup-nfs$/m,
  );
  const quiet = runCli(['check', '--demo', '-q']).stdout;
  assert.match(quiet, /\/mnt\/pve\/backup-nfs .*fix: showmount -e 10\.0\.0\.20/);
});
