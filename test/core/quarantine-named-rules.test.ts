// The pure rules behind "a quarantined volume named again" and "a config that names nothing" (issue 59),
// each with the legitimate state beside it: the DM verdict of a quarantined LV, the volumes part's
// namedAgain, the severities they raise, and namesNothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quarantinedLvVerdict } from '../../src/core/dm/dm-quarantined';
import type { RefHit } from '../../src/core/dm/dm-references';
import { entrySeverity } from '../../src/core/dm/dm-summary';
import { NAMES_NOTHING, namesNothing, namesNothingWhy } from '../../src/core/node/guest-names-nothing';
import { namedAgain, quarantined } from '../../src/core/volumes/volume-quarantined';
import { isVolumeFinding, volumeSeverity, volumesStatus } from '../../src/core/volumes/volume-summary';
import { dmEntry } from '../helpers/dm-entry';

const hit = (node: string, vmid = 102): RefHit =>
  ({ vmid, type: 'qemu', node, ref: { key: 'scsi0', section: 'main' }, asBase: false, storage: 'x' }) as never;
const MARK = { since: '2026-11-01T00:00:00.000Z', original: 'vm-102-disk-0' };
const Q = 'pve-health-q.20261101T000000Z.vm-102-disk-0';

function lvCtx(hits: RefHit[], live: string[] = []) {
  return {
    node: 'pve1',
    refs: new Map([['pve', new Map([['vm-102-disk-0', hits]])]]),
    lvm: { namesByVg: new Map([['pve', new Set([Q, ...live])]]) },
  } as never;
}

describe('quarantinedLvVerdict', () => {
  const rows: { name: string; hits: RefHit[]; live?: string[]; shared?: boolean; named: string[] | undefined }[] = [
    { name: 'a config here names the original: named', hits: [hit('pve1')], named: ['VM 102 scsi0'] },
    { name: 'nobody names it (legit)', hits: [], named: undefined },
    { name: 'a local storage: another node’s config does not count (legit)', hits: [hit('pve2')], named: undefined },
    {
      name: 'a shared storage: another node’s config counts',
      hits: [hit('pve2')],
      shared: true,
      named: ['VM 102 scsi0'],
    },
    {
      name: 'an LV of that name exists again: the config names it (legit)',
      hits: [hit('pve1')],
      live: ['vm-102-disk-0'],
      named: undefined,
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const v = quarantinedLvVerdict(
        lvCtx(r.hits, r.live),
        { vg: 'pve', name: Q, storage: { id: 'local-lvm', shared: Boolean(r.shared) } },
        MARK,
      );
      assert.equal(`${v.status}/${v.reason}`, 'ignored/quarantined');
      assert.equal(v.storage, 'local-lvm');
      assert.deepEqual(v.quarantineNamedBy, r.named);
      if (r.named) {
        assert.equal(v.volume, 'local-lvm:vm-102-disk-0');
        assert.match(
          v.detail,
          /^VM 102 scsi0 names local-lvm:vm-102-disk-0, which is in pve-health's quarantine since 2026-11-01T00:00:00.000Z as LV pve\//,
        );
      } else
        assert.match(
          v.detail,
          /^LV pve\/pve-health-q\.\S+ is in pve-health's quarantine since .* \(was local-lvm:vm-102-disk-0\)/,
        );
    });
  it('a shared storage with an LV of that name again (legit): not named', () => {
    const v = quarantinedLvVerdict(
      lvCtx([hit('pve2')], ['vm-102-disk-0']),
      { vg: 'pve', name: Q, storage: { id: 's', shared: true } },
      MARK,
    );
    assert.equal(v.quarantineNamedBy, undefined);
  });
  it('a VG lvs does not list, no reference index for it: not named, no throw', () => {
    const ctx = { node: 'pve1', refs: new Map(), lvm: { namesByVg: new Map() } } as never;
    assert.equal(
      quarantinedLvVerdict(ctx, { vg: 'pve', name: Q, storage: { id: 's', shared: true } }, MARK).quarantineNamedBy,
      undefined,
    );
    const named = {
      node: 'pve1',
      refs: (lvCtx([hit('pve1')]) as { refs: unknown }).refs,
      lvm: { namesByVg: new Map() },
    } as never;
    assert.deepEqual(
      quarantinedLvVerdict(named, { vg: 'pve', name: Q, storage: { id: 's', shared: false } }, MARK).quarantineNamedBy,
      ['VM 102 scsi0'],
    );
  });
  it('a named one is critical; a plain quarantine is no finding', () => {
    assert.equal(entrySeverity(dmEntry({ status: 'ignored', quarantineNamedBy: ['VM 102 scsi0'] })), 2);
    assert.equal(entrySeverity(dmEntry({ status: 'ignored', quarantineNamedBy: [] })), 0);
    assert.equal(entrySeverity(dmEntry({ status: 'ignored' })), 0);
  });
});

describe('namedAgain (files, ZFS, RBD)', () => {
  const st = (shared: boolean) => ({ id: 'local', type: 'dir', shared, props: {} }) as never;
  const v = (over = {}) =>
    ({
      volname: '102/vm-102-disk-0.raw',
      own: 'pve-health-quarantine/x',
      quarantine: { since: 's' },
      ...over,
    }) as never;
  const c = (hits: RefHit[], live: string[] = []) =>
    ({ refs: new Map([['L|102/vm-102-disk-0.raw', hits]]), pve: { node: 'pve1' }, liveNames: new Set(live) }) as never;
  it('a config here names it', () =>
    assert.deepEqual(namedAgain(st(false), 'L', v(), c([hit('pve1')])), ['VM 102 scsi0']));
  it('another node, local storage (legit)', () =>
    assert.deepEqual(namedAgain(st(false), 'L', v(), c([hit('pve2')])), []));
  it('another node, shared storage', () =>
    assert.deepEqual(namedAgain(st(true), 'L', v(), c([hit('pve2')])), ['VM 102 scsi0']));
  it('a live volume of that name (legit)', () =>
    assert.deepEqual(namedAgain(st(false), 'L', v(), c([hit('pve1')], ['102/vm-102-disk-0.raw'])), []));
  it('a quarantined snapshot is not a volume a config names', () =>
    assert.deepEqual(namedAgain(st(false), 'L', v({ snapshot: 'pve-health-q.x.s' }), c([hit('pve1')])), []));
  it('not in quarantine', () =>
    assert.deepEqual(namedAgain(st(false), 'L', v({ quarantine: undefined }), c([hit('pve1')])), []));
  it('the severities it raises', () => {
    const named = {
      status: 'ignored',
      reason: 'quarantined',
      pending: false,
      quarantine: { namedBy: ['VM 102 scsi0'] },
    } as never;
    const plain = { status: 'ignored', reason: 'quarantined', pending: false, quarantine: {} } as never;
    const empty = { status: 'ignored', reason: 'quarantined', pending: false, quarantine: { namedBy: [] } } as never;
    const other = {
      status: 'ignored',
      reason: 'not-guest-volume',
      pending: false,
      quarantine: { namedBy: ['x'] },
    } as never;
    assert.equal(isVolumeFinding(named), true);
    assert.equal(isVolumeFinding(plain), false);
    assert.equal(isVolumeFinding(empty), false);
    assert.equal(isVolumeFinding(other), false);
    assert.equal(volumeSeverity(named), 2);
    assert.equal(volumeSeverity({ ...(plain as object), status: 'orphan' } as never), 1);
    assert.equal(volumeSeverity({ ...(plain as object), status: 'unknown' } as never), 3);
    assert.equal(volumeSeverity({ ...(plain as object), status: 'orphan', pending: true } as never), 0);
    assert.equal(volumesStatus([named], [{ status: 'unknown' } as never]), 2);
    assert.equal(volumesStatus([plain], []), 0);
  });
});

describe('quarantined (volumes part) with who names it', () => {
  const entry = () =>
    ({ volid: 'local:102/vm-102-disk-0.raw', type: 'dir', status: 'valid', reason: 'referenced', detail: '' }) as never;
  const q = { since: 's', original: '102/vm-102-disk-0.raw', name: 'N', onStorage: 'N', location: { path: '/p' } };
  const lv = { devices: [] } as never;
  it('named: critical detail, heldBy named-by:, the restore steps', () => {
    const e = quarantined(entry(), q, lv, { mounts: [], mountsGap: null }, ['VM 102 scsi0']) as never as Record<
      string,
      any
    >;
    assert.deepEqual(e.quarantine.heldBy, ['named-by:VM 102 scsi0']);
    assert.deepEqual(e.quarantine.namedBy, ['VM 102 scsi0']);
    assert.match(e.detail, /^VM 102 scsi0 names local:102\/vm-102-disk-0\.raw/);
    assert.deepEqual(
      e.steps.map((x: { command: string[] }) => x.command),
      [
        ['pve-health', 'restore', '--list'],
        ['pve-health', 'restore', 'JOURNAL', '--name', 'local:102/vm-102-disk-0.raw'],
      ],
    );
  });
  it('named by nobody (legit): a plain quarantine', () => {
    const e = quarantined(entry(), q, lv, { mounts: [], mountsGap: null }) as never as Record<string, any>;
    assert.equal(e.quarantine.heldBy, undefined);
    assert.equal(e.quarantine.namedBy, undefined);
    assert.equal(e.steps, undefined);
  });
});

describe('namesNothing', () => {
  it('its label', () => assert.equal(NAMES_NOTHING, 'config-names-nothing'));
  it('a readable config without any volume reference', () => {
    assert.equal(namesNothing({ refs: [] } as never), true);
    assert.equal(namesNothing({ refs: [{}] } as never), false);
    assert.equal(namesNothing(null), false);
    assert.equal(namesNothing(undefined), false);
  });
  it('says why and how to settle it', () => {
    assert.equal(
      namesNothingWhy({ vmid: 103, type: 'qemu', node: 'pve1' }),
      "VM 103's config (/etc/pve/nodes/pve1/qemu-server/103.conf) names no volume at all (a failed restore or an emptied file leaves that): no proof its disks are unused; see 'qm config 103'",
    );
    assert.match(
      namesNothingWhy({ vmid: 200, type: 'lxc', node: 'pve2' }),
      /^CT 200's config \(\/etc\/pve\/nodes\/pve2\/lxc\/200\.conf\).*'pct config 200'$/,
    );
  });
});
