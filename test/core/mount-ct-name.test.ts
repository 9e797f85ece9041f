// A container's mounts are named by its config's `hostname:` (pve-container's name for it: `pct list`,
// the GUI's tree), as every guest label is: "CT 110 dns1"; a config without one is "CT 110". `mounts`
// alone reads no guest table, so the mounts part carries the name (issue 60: the table said `CT 110`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import { guestRows } from '../../src/core/findings/guest-rows';
import { classifyMounts } from '../../src/core/mounts/classify-mounts';
import { parseContainerMounts } from '../../src/core/mounts/container-mounts';
import { renderMountsText } from '../../src/render/mounts-text';
import { mountLine, mountsRaw, probeOk } from '../helpers/mount-tables';

test('parseContainerMounts: the hostname of the current section, null without one', () => {
  const rows: [string, string, string | null][] = [
    ['set', 'arch: amd64\nhostname: dns1\nrootfs: local-lvm:vm-110-disk-0,size=8G\n', 'dns1'],
    ['none', 'arch: amd64\nrootfs: local-lvm:vm-110-disk-0,size=8G\n', null],
    // A snapshot section's hostname is the name the container had then, not now.
    ['snapshot only', 'rootfs: local-lvm:vm-110-disk-0,size=8G\n\n[before]\nhostname: old\n', null],
    ['current over snapshot', 'hostname: new\n\n[before]\nhostname: old\n', 'new'],
  ];
  for (const [name, conf, want] of rows) assert.equal(parseContainerMounts(110, conf).hostname, want, name);
});

const NFS = mountLine('0:52', '/', '/mnt/backup', 'nfs4', '10.0.0.5:/export/backup');
const ROOT = mountLine('253:7', '/', '/', 'ext4', '/dev/mapper/pve-vm--110--disk--0');
const HOST_ROOT = mountLine('253:1', '/', '/', 'ext4', '/dev/mapper/pve-root');

function mounts(configs: Record<string, string>) {
  return classifyMounts(
    mountsRaw('', {
      hostMountinfo: HOST_ROOT,
      containers: [
        { ctid: 110, pid: 4242, mountinfo: [ROOT, NFS].join('\n') },
        { ctid: 111, pid: 4343, mountinfo: ROOT },
      ],
      ctConfigs: configs,
      probes: {
        '0:52': { ...probeOk(), ok: false, error: 'timeout', ms: 2000 },
        '253:7': probeOk(),
        '253:1': probeOk(),
      },
    }),
    {},
  );
}

test("the mounts part names each container's mounts; the table and the guest row say it", () => {
  const m = mounts({ '110': 'hostname: dns1\n', '111': 'arch: amd64\n' });
  assert.deepEqual(
    m.entries.filter((e) => e.scope === 'ct').map((e) => [e.ctid, e.target, e.ctName]),
    [
      [110, '/', 'dns1'],
      [110, '/mnt/backup', 'dns1'],
      [111, '/', null],
    ],
  );
  assert.equal(m.entries.find((e) => e.scope === 'host')?.ctName, undefined);
  const text = renderMountsText(m, { color: false });
  assert.match(text, /\nstale +CT 110 dns1 +\/mnt\/backup /, text);
  assert.match(text, /\nok +CT 111 +\/ /, text);
  // `mounts` alone: the guest row of a container only its mounts name takes the same name.
  const doc = buildCheckDocument({ node: 'pve1', now: new Date('2026-11-27T08:00:00Z'), mounts: m });
  assert.deepEqual(
    guestRows(doc).map((r) => [r.vmid, r.name]),
    [[110, 'dns1']],
  );
  // A config not read (the container stopped meanwhile): its number, as before.
  const unnamed = buildCheckDocument({ node: 'pve1', now: new Date(), mounts: mounts({}) });
  assert.deepEqual(
    guestRows(unnamed).map((r) => [r.vmid, r.name]),
    [[110, 'CT 110']],
  );
});
