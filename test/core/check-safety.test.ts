import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSafety, type SafetyFacts } from '../../src/core/cleanup/check-safety';

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
  });

  const cases: [string, Partial<SafetyFacts>, string, RegExp][] = [
    [
      '/etc/pve not mounted',
      { pveMount: { mounted: false, detail: 'no mount at /etc/pve' } },
      'pve-not-mounted',
      /not a mounted cluster filesystem/,
    ],
    [
      'not quorate',
      {
        membersText:
          '{"nodename":"pve1","version":3,"cluster":{"name":"prod","version":2,"nodes":3,"quorate":0},"nodelist":{}}',
      },
      'not-quorate',
      /cluster 'prod' is not quorate/,
    ],
    ['hostname differs', { hostname: 'pve2' }, 'hostname', /hostname 'pve2' differs from the node name 'pve1'/],
    ['.members missing', { membersText: undefined }, 'members', /missing/],
    ['.members garbage', { membersText: '{nope' }, 'members', /not valid JSON/],
    ['no configs but volumes', { guestConfigs: 0 }, 'no-guest-configs', /no guest configs found .* 5 guest volume/],
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
