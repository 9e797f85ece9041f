// Two findings of issue 58's classes in every output form, made by the classifier from a node (not by
// hand): the storage finding `shared-missing` (storage.cfg calls a storage local while its VG lies on a
// LUN, or its path on a network filesystem) with its fix `pvesm set <id> --shared 1`, and the DM side's
// missing LVM disk (`missing-referenced`) with its step. Each must reach `check -q`, the JSON document,
// nagios, checkmk and the notification (subject and text) with its words and its command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import { listFindings } from '../../src/core/findings/findings';
import { guestRows } from '../../src/core/findings/guest-rows';
import { parseNode } from '../../src/core/node/node-view';
import type { CheckDocument, DmResult } from '../../src/core/vocab/types';
import { buildSubject, buildText } from '../../src/notify/message';
import { renderCheckmk } from '../../src/render/checkmk';
import { renderNagios } from '../../src/render/nagios';
import { renderQuietText } from '../../src/render/quiet';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { lv, nodeView, vgOf } from '../helpers/node-view';
import { pvOnDisk, pvRead } from '../helpers/pv-devices';

const NOW = new Date('2026-11-27T08:00:00Z');
const NFS_AT = (target: string) =>
  `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n40 22 0:53 / ${target} rw,relatime shared:2 - nfs4 10.0.0.5:/export/vz rw,vers=4.2\n`;

function docOf(dm: DmResult): CheckDocument {
  return buildCheckDocument({ node: 'pve1', now: NOW, dm, mounts: healthyDoc().mounts });
}

/** Every form, as a user or a monitoring system reads it. */
function forms(d: CheckDocument) {
  const added = listFindings(d).map((f) => f.key);
  return {
    quiet: renderQuietText(d, { color: false }),
    json: JSON.stringify(d),
    nagios: renderNagios(d),
    checkmk: renderCheckmk(d),
    subject: buildSubject(d, 'change', 0),
    mail: buildText(d, { added, resolved: [], statusFrom: 0, kind: 'change' }),
  };
}

function sharedMissingNode(kind: 'lun' | 'nfs'): DmResult {
  const lvs = [lv('vgl', 'vm-100-disk-0')];
  const view = nodeView({
    storageCfg:
      kind === 'lun'
        ? 'lvm: san\n\tvgname vgl\n\tcontent images\n'
        : 'dir: nas\n\tpath /var/lib/vz\n\tcontent images\n',
    lvs,
    vgs: [vgOf('vgl', lvs, { pvs: ['/dev/sdb'] })],
    pvDevices: pvRead({ '/dev/sdb': 'sdb' }, { sdb: pvOnDisk('sdb', kind === 'lun' ? 'iscsi' : 'sata').devices.sdb }),
  });
  if (kind === 'nfs') view.files['/proc/self/mountinfo'] = NFS_AT('/var/lib/vz');
  return analyzeNode(view, {});
}

for (const [kind, id, title] of [
  ['lun', 'san', /storage san's VG vgl lies on iSCSI disk sdb .*but storage\.cfg lacks shared 1/],
  ['nfs', 'nas', /storage nas is on nfs4 10\.0\.0\.5:\/export\/vz at \/var\/lib\/vz but storage\.cfg lacks shared 1/],
] as const)
  test(`shared-missing (${kind}): a warning with 'pvesm set ${id} --shared 1' in check -q, JSON, nagios, checkmk and the notification`, () => {
    const d = docOf(sharedMissingNode(kind));
    const fix = `pvesm set ${id} --shared 1`;
    const f = listFindings(d).filter((x) => x.reason === 'shared-missing');
    assert.deepEqual(
      f.map((x) => [x.part, x.severity, x.fix]),
      [['storage', 1, fix]],
    );
    assert.equal(d.status, 1);
    const o = forms(d);
    // check -q: one line per problem, its fix on it.
    assert.match(o.quiet, new RegExp(`^WARNING .*${fix}$`, 'm'), o.quiet);
    // JSON: the storage finding with its fix as argv words.
    const storage = ((JSON.parse(o.json) as CheckDocument).dm?.storage ?? []).filter(
      (s) => s.kind === 'shared-missing',
    );
    assert.deepEqual(
      storage.map((s) => [s.id, s.severity, s.fix]),
      [[`shared-missing:${id}`, 'warning', [fix]]],
    );
    assert.match(storage[0].title, title);
    // nagios: WARNING first, the finding's line, its fix on the next line, runnable as it stands.
    assert.match(o.nagios, /^WARNING/);
    assert.match(o.nagios, new RegExp(`^\\[WARNING\\] .*\n {4}${fix}$`, 'm'), o.nagios);
    // checkmk: a WARN service whose long output carries the fix on a line of its own.
    // (checkmk's long output is one line: its line breaks are written `\n`)
    assert.match(o.checkmk, new RegExp(String.raw`\\nWARNING [^\\]*lacks shared 1\\n {4}${fix}`), o.checkmk);
    // The notification: WARNING in the subject, the finding and its fix alone on a line in the text.
    assert.match(o.subject, /WARNING/);
    assert.match(o.mail, /\[WARNING\] .*shared/);
    assert.match(o.mail, new RegExp(`^ {6}fix:\\n {8}${fix}$`, 'm'), o.mail);
    assert.match(o.mail, new RegExp(`^New:\\n {2}\\+ .*${id}`, 'm'), o.mail);
  });

test('shared-missing: quiet where the disks or the mount say local (the same forms say OK)', () => {
  const lvs = [lv('vgl', 'vm-100-disk-0')];
  const view = nodeView({
    storageCfg: 'lvm: own\n\tvgname vgl\n\tcontent images\n',
    lvs,
    vgs: [vgOf('vgl', lvs, { pvs: ['/dev/sdb'] })],
    pvDevices: pvRead({ '/dev/sdb': 'sdb' }, { sdb: pvOnDisk('sdb', 'sata').devices.sdb }),
  });
  const d = docOf(analyzeNode(view, {}));
  assert.deepEqual(
    listFindings(d).filter((x) => x.reason === 'shared-missing'),
    [],
  );
  for (const [form, out] of Object.entries(forms(d))) assert.doesNotMatch(out, /shared 1/, form);
});

test("the DM side's missing LVM disk: CRITICAL with 'qm config' in check -q, JSON, nagios, checkmk and the notification", () => {
  const b = new NodeBuilder('pve1').storage(LOCAL_LVM).pool('pve');
  b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
  const d = docOf(analyzeNode(parseNode(b.build()), {}));
  const f = listFindings(d).filter((x) => x.reason === 'missing-referenced');
  assert.deepEqual(
    f.map((x) => [x.part, x.severity, x.volume, x.steps.map((s) => s.command)]),
    [['dm', 2, 'local-lvm:vm-100-disk-0', ['qm config 100']]],
  );
  const o = forms(d);
  assert.match(o.quiet, /^CRITICAL .*local-lvm:vm-100-disk-0.*qm config 100/m, o.quiet);
  const e = (JSON.parse(o.json) as CheckDocument).dm?.entries.find((x) => x.reason === 'missing-referenced');
  assert.deepEqual([e?.status, e?.volume, e?.missing], ['valid', 'local-lvm:vm-100-disk-0', { blocksStart: true }]);
  assert.match(o.nagios, /^CRITICAL/);
  assert.match(o.nagios, /^\[CRITICAL\] .*local-lvm:vm-100-disk-0.*the guest will not start/m, o.nagios);
  assert.match(o.checkmk, /CRITICAL .*local-lvm:vm-100-disk-0/, o.checkmk);
  assert.match(o.subject, /CRITICAL/);
  assert.match(o.mail, /^ {8}qm config 100$/m, o.mail);
  // The guest's health says it in the guest table of every form and in the DM part's own (issue 58).
  assert.deepEqual(
    guestRows(d).map((r) => [r.vmid, r.health, r.level]),
    [[100, '1 missing disk', 2]],
  );
  assert.deepEqual(
    d.dm?.guests.map((g) => [g.vmid, g.health, g.issues]),
    [[100, 'missing', 1]],
  );
  assert.match(o.nagios, /^CRITICAL: pve1: grade F: 1 missing disk \|/, o.nagios);
});

test('the same guest with its disk there: ok in every guest table', () => {
  const b = new NodeBuilder('pve1').storage(LOCAL_LVM).pool('pve');
  b.guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G']);
  b.lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data', active: false });
  const d = docOf(analyzeNode(parseNode(b.build()), {}));
  // (The builder's thin pool has no dmsetup status line: the part is not fully checked, said as such.)
  assert.deepEqual(
    guestRows(d).map((r) => [r.vmid, r.health, r.issues]),
    [[100, 'not fully checked', 0]],
  );
  assert.deepEqual(
    d.dm?.guests.map((g) => [g.vmid, g.health, g.issues]),
    [[100, 'ok', 0]],
  );
});
