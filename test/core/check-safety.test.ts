import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { checkSafety, type SafetyFacts, safetyFacts } from '../../src/core/cleanup/check-safety';
import { parseNode } from '../../src/core/node/node-view';
import type { DmEntry } from '../../src/core/vocab/types';
import { dmEntry } from '../helpers/dm-entry';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

function facts(p: Partial<SafetyFacts> = {}): SafetyFacts {
  return {
    pveMount: { mounted: true, detail: 'fuse /dev/fuse' },
    membersText: '{"nodename": "pve1", "version": 0}',
    hostname: 'pve1',
    guestConfigs: 3,
    guestVolumes: 5,
    ...p,
  };
}

describe('checkSafety', () => {
  it('passes on a sane standalone node (no cluster object counts as quorate)', () => {
    assert.deepEqual(checkSafety(facts()), []);
    assert.deepEqual(checkSafety(facts({ hostname: 'pve1.example.com\n' })), []);
    assert.deepEqual(checkSafety(facts({ hostname: ' pve1\n' })), [], 'blanks around the hostname file are no name');
  });

  const cases: [string, Partial<SafetyFacts>, string, RegExp][] = [
    [
      '/etc/pve not mounted',
      { pveMount: { mounted: false, detail: 'no mount at /etc/pve' } },
      'pve-not-mounted',
      /^\/etc\/pve is not a mounted cluster filesystem \(pmxcfs\): no mount at \/etc\/pve$/,
    ],
    [
      'not quorate',
      {
        membersText:
          '{"nodename":"pve1","version":3,"cluster":{"name":"prod","version":2,"nodes":3,"quorate":0},"nodelist":{}}',
      },
      'not-quorate',
      /^cluster 'prod' is not quorate \(\/etc\/pve\/\.members\)$/,
    ],
    [
      'hostname differs',
      { hostname: ' pve2.example.com\n' },
      'hostname',
      /^hostname 'pve2\.example\.com' differs from the node name 'pve1' in \/etc\/pve\/\.members$/,
    ],
    [
      '.members missing',
      { membersText: undefined },
      'members',
      /^\/etc\/pve\/\.members is missing: cannot tell the node name and quorum$/,
    ],
    ['.members garbage', { membersText: '{nope' }, 'members', /^\/etc\/pve\/\.members: .*not valid JSON/],
    [
      'no configs but volumes',
      { guestConfigs: 0 },
      'no-guest-configs',
      /^no guest configs found under \/etc\/pve\/nodes while 5 guest volume\(s\) exist$/,
    ],
    // The sysfs view against dmsetup's is the node view's one consistency check (view-consistency.ts),
    // for every command: test/core/view-consistency.test.ts.
  ];
  for (const [what, p, code, re] of cases) {
    it(`refuses: ${what}`, () => {
      const r = checkSafety(facts(p));
      assert.equal(r.length, 1, JSON.stringify(r));
      assert.equal(r[0].code, code);
      assert.match(r[0].message, re);
    });
  }

  it('quorate cluster passes; no configs and no volumes is fine', () => {
    const m =
      '{"nodename":"pve1","version":3,"cluster":{"name":"prod","version":2,"nodes":3,"quorate":1},"nodelist":{}}';
    assert.deepEqual(checkSafety(facts({ membersText: m, guestConfigs: 0, guestVolumes: 0 })), []);
  });
});

describe('checkSafety: every failed precondition is named, in order', () => {
  it('not mounted, not quorate, another hostname and no configs: four refusals', () =>
    assert.deepEqual(
      checkSafety(
        facts({
          pveMount: { mounted: false, detail: 'ext4 /dev/sda1' },
          membersText:
            '{"nodename":"pve1","version":3,"cluster":{"name":"prod","version":2,"nodes":3,"quorate":0},"nodelist":{}}',
          hostname: 'pve9',
          guestConfigs: 0,
        }),
      ).map((r) => r.code),
      ['pve-not-mounted', 'not-quorate', 'hostname', 'no-guest-configs'],
    ));
  it('.members unreadable: no node name to compare the hostname with', () =>
    assert.deepEqual(
      checkSafety(facts({ membersText: '{nope', hostname: 'other' })).map((r) => r.code),
      ['members'],
    ));
});

describe('safetyFacts: from a gathered node', () => {
  const b = new NodeBuilder('pve1')
    .storage(LOCAL_LVM)
    .pool('pve', 'data')
    .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G'])
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-101-disk-0', pool: 'data' })
    .guest(102, 'lxc', ['rootfs: local-lvm:vm-102-disk-0,size=8G'])
    .map({
      name: 'othervg-vm--5--disk--0',
      uuid: `LVM-${'Z'.repeat(32)}${'Y'.repeat(32)}`,
      table: '0 8 linear 8:16 5',
    });
  const view = parseNode(b.build());
  const result = analyzeNode(view, {});
  const mount = { mounted: true, detail: 'fuse /dev/fuse' };
  const f = safetyFacts(view, result, mount);

  it('the mount state, .members, the hostname and the guest configs as read', () => {
    assert.equal(f.pveMount, mount);
    assert.equal(f.membersText, view.files['/etc/pve/.members']);
    assert.equal(f.hostname, 'pve1');
    assert.equal(f.guestConfigs, 2);
  });
  it('guest volumes: LVs of a PVE storage named for a VMID; not a map on a VG no storage claims, not the pool', () => {
    const named = (name: string) => result.entries.find((e) => e.name === name);
    assert.equal(named('othervg-vm--5--disk--0')?.storage, null, 'a VG no storage claims');
    assert.equal(named('pve-data-tpool')?.vmid, null, 'the pool: a PVE storage, no VMID');
    assert.equal(f.guestVolumes, 2, 'vm-100-disk-0 and vm-101-disk-0');
  });
  it('a guest volume needs all three: a VMID, a PVE storage and an LV', () => {
    const full = { vmid: 100, storage: 'local-lvm', lv: 'vm-100-disk-0' };
    const count = (over: Partial<DmEntry>) =>
      safetyFacts(view, { ...result, entries: [dmEntry({ ...full, ...over })] }, mount).guestVolumes;
    assert.deepEqual([count({}), count({ vmid: null }), count({ storage: null }), count({ lv: null })], [1, 0, 0, 0]);
  });
});
