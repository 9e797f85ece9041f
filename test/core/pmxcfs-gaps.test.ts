// pmxcfs's own files believed only when nothing on the node contradicts them (core/node/pmxcfs-gaps.ts,
// docs/reports.md "Never fail open"), rule by rule with its neighbours: when pmxcfs evidently serves
// /etc/pve (pve-cluster pmxcfs.c serves .version, .members and .vmlist together), a .vmlist or .members
// that is missing, does not parse or is read short is a gap; the node's name is one fact or none; an
// unread config, an unlisted config directory or unread running tasks make "no config names it" unknown.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GuestRecord } from '../../src/core/node/guest-record';
import {
  membersGap,
  nodeNameDisagreement,
  unlistedDirs,
  unseenConfigs,
  vmlistGap,
  withTasks,
} from '../../src/core/node/pmxcfs-gaps';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import { parseMembers, parseVmlist } from '../../src/core/parse/pmxcfs';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { NodeBuilder } from '../helpers/node-builder';

const VERSION = { '/etc/pve/.version': '{"version": 3}\n' };
const conf = (vmid: number, node = 'pve1') => ({ [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: 'name: a\n' });
const rec = (vmid: number, node = 'pve1', config = true, configError?: string): GuestRecord => ({
  vmid,
  node,
  type: 'qemu',
  config: config ? parseGuestConfig('name: a\n', 'qemu', vmid) : null,
  ...(configError ? { configError } : {}),
});
// status.c cfs_create_vmlist_msg: `{\n"version": N,\n"ids": {\n"100": { "node": "pve1", "type": "qemu", "version": 1 }...`
const vmlist = (...vmids: number[]) =>
  `{\n"version": 7,\n"ids": {\n${vmids.map((v) => `"${v}": { "node": "pve1", "type": "qemu", "version": 1 }`).join(',\n')}}\n\n}\n`;

/** vmlistGap as pve-state calls it: the file parsed with a try. */
function vmlistGapOf(files: Record<string, string>, guests: GuestRecord[] = []): string | null {
  const text = files['/etc/pve/.vmlist'];
  let entries = null;
  let error = null;
  try {
    entries = text === undefined ? null : parseVmlist(text);
  } catch (e) {
    error = (e as Error).message;
  }
  return vmlistGap(files, { entries, error }, guests);
}

describe('.vmlist, the cluster guest list', () => {
  // Each of pmxcfs's files alone says pmxcfs serves /etc/pve: .vmlist missing beside it was a failed read.
  for (const file of ['/etc/pve/.version', '/etc/pve/.members', '/etc/pve/storage.cfg'])
    test(`missing while ${file} is there: the guest list is not known`, () =>
      assert.equal(
        vmlistGapOf({ [file]: 'x' }),
        "/etc/pve/.vmlist is missing or unreadable: the cluster's guest list is not known",
      ));
  test('missing while only a guest config is there: the guest list is not known', () =>
    assert.match(vmlistGapOf(conf(100), [rec(100)]) ?? '', /missing or unreadable/));
  test('nothing of /etc/pve (pmxcfs not mounted; the storage.cfg rule says it): no gap from this rule', () =>
    assert.equal(vmlistGapOf({ '/etc/hostname': 'pve1\n', '/etc/pve-backup/notes': 'x' }), null));

  // Read but not parseable is pmxcfs's file read wrong, whatever else could be read (a never-fail-open fix:
  // a .vmlist alone that did not parse once passed as "no pmxcfs").
  test('read alone (the other files unreadable) and not JSON: a gap', () =>
    assert.match(vmlistGapOf({ '/etc/pve/.vmlist': '<html>502</html>' }) ?? '', /cannot be parsed \(.+\)/));
  test('read alone and whole: believed', () => assert.equal(vmlistGapOf({ '/etc/pve/.vmlist': vmlist() }), null));

  test('cut inside its ids (JSON broken, "version" already read): a gap', () =>
    assert.match(
      vmlistGapOf({ ...VERSION, '/etc/pve/.vmlist': vmlist(100, 101).slice(0, 60) }, [rec(100)]) ?? '',
      /^\/etc\/pve\/\.vmlist cannot be parsed \(.+\): the cluster's guest list is not known$/,
    ));
  test('JSON without "version" (status.c always prints it): a gap, "no version"', () =>
    assert.equal(
      vmlistGapOf({ ...VERSION, '/etc/pve/.vmlist': '{"ids": {}}' }),
      "/etc/pve/.vmlist cannot be parsed (no version): the cluster's guest list is not known",
    ));
  for (const [spacing, text] of [
    ["pmxcfs's own", vmlist(100)],
    ['compact', '{"version":12,"ids":{"100":{"node":"pve1","type":"qemu","version":1}}}'],
    ['spaced', '{ "version" : 12 , "ids" : { "100" : { "node" : "pve1" } } }'],
  ])
    test(`whole in any JSON spacing (${spacing}): believed`, () =>
      assert.equal(vmlistGapOf({ ...VERSION, '/etc/pve/.vmlist': text }, [rec(100)]), null));

  test('lacks a guest whose config exists (memdb.c registers every config): read short, the guests named', () =>
    assert.equal(
      vmlistGapOf({ ...VERSION, '/etc/pve/.vmlist': vmlist(100) }, [rec(100), rec(101), rec(102, 'pve2')]),
      "/etc/pve/.vmlist lacks guests whose configs exist (101 (pve1), 102 (pve2)): the cluster's guest list was read short",
    ));
  test('lacks many: three named, and how many more', () =>
    assert.match(
      vmlistGapOf({ ...VERSION, '/etc/pve/.vmlist': vmlist() }, [rec(100), rec(101), rec(102), rec(103), rec(104)]) ??
        '',
      /\(100 \(pve1\), 101 \(pve1\), 102 \(pve1\), … 2 more\)/,
    ));
  test('lacks exactly three: all three, no "more"', () =>
    assert.match(
      vmlistGapOf({ ...VERSION, '/etc/pve/.vmlist': vmlist() }, [rec(100), rec(101), rec(102)]) ?? '',
      /\(100 \(pve1\), 101 \(pve1\), 102 \(pve1\)\):/,
    ));
});

describe('.members, the node and its cluster', () => {
  const standalone = '{\n"nodename": "pve1",\n"version": 0\n}\n';
  function gapOf(files: Record<string, string>, pveLocal?: string): string | null {
    const text = files['/etc/pve/.members'];
    let members = null;
    let error = null;
    try {
      members = text === undefined ? null : parseMembers(text);
    } catch (e) {
      error = (e as Error).message;
    }
    return membersGap(files, { members, error }, pveLocal);
  }
  test('whole beside .version: believed', () =>
    assert.equal(gapOf({ ...VERSION, '/etc/pve/.members': standalone }), null));
  test('read alone and junk: a gap (pmxcfs serves it, the read went wrong)', () =>
    assert.match(gapOf({ '/etc/pve/.members': '<html>' }) ?? '', /^\/etc\/pve\/\.members cannot be parsed \(.+\)/));
  test('missing while a guest config is there: a gap', () =>
    assert.equal(
      gapOf(conf(100)),
      "/etc/pve/.members is missing or unreadable: this node's name and cluster are not known",
    ));
  test('a parse that failed without a message: "unreadable"', () =>
    assert.equal(
      membersGap({ ...VERSION, '/etc/pve/.members': '' }, { members: null, error: null }),
      "/etc/pve/.members cannot be parsed (unreadable): this node's name and cluster are not known",
    ));
  test('a cluster nodelist shorter than the cluster: the nodes it has named', () => {
    const text = JSON.stringify({
      nodename: 'pve1',
      version: 3,
      cluster: { name: 'c', version: 2, nodes: 3, quorate: 1 },
      nodelist: { pve1: { id: 1, online: 1 }, pve2: { id: 2, online: 1 } },
    });
    assert.equal(
      gapOf({ ...VERSION, '/etc/pve/.members': text }),
      "/etc/pve/.members is incomplete (cluster of 3 nodes, nodelist pve1, pve2, this node pve1): this node's name and cluster are not known",
    );
  });
});

describe("the node's name is one fact", () => {
  const rows: [string, { nodename: string | null; hostname?: string; local?: string }, string | null][] = [
    ['no .members; hostname and pmxcfs link agree', { nodename: null, hostname: 'pve1\n', local: 'nodes/pve1' }, null],
    ['the link read through /etc/pve', { nodename: 'pve1', local: '/etc/pve/nodes/pve1/' }, null],
    [
      'a link that is not nodes/<name> (below a node directory)',
      { nodename: 'pve1', local: 'nodes/pve1/qemu-server' },
      "this node's name is not one fact: /etc/pve/.members says pve1, /etc/pve/local says nodes/pve1/qemu-server; which guests and storages are this node's is not known",
    ],
    [
      'a link into another tree',
      { nodename: 'pve1', local: '/mnt/copy/nodes/pve1' },
      "this node's name is not one fact: /etc/pve/.members says pve1, /etc/pve/local says /mnt/copy/nodes/pve1; which guests and storages are this node's is not known",
    ],
  ];
  for (const [what, o, want] of rows)
    test(what, () =>
      assert.equal(
        nodeNameDisagreement(o.hostname ? { '/etc/hostname': o.hostname } : {}, {
          nodename: o.nodename,
          pveLocal: o.local,
        }),
        want,
      ),
    );
});

describe('"no config names it" waits for every config that could name it', () => {
  test('a guest .vmlist knows whose config was not read (no error recorded): "unreadable", shared and local', () => {
    const u = unseenConfigs(null, [rec(100, 'pve1', false)], 'pve1');
    assert.equal(u.shared, 'the config of guest 100 on pve1 could not be read (unreadable): it may name this volume');
    assert.equal(u.local, u.shared);
  });
  test('the error is said when there is one; guests of other nodes blind shared storage only', () => {
    const u = unseenConfigs(null, [rec(300, 'pve2', false, 'EIO')], 'pve1');
    assert.equal(u.shared, 'the config of guest 300 on pve2 could not be read (EIO): it may name this volume');
    assert.equal(u.local, null);
  });

  const snap = (unreadable: Record<string, string>): HostSnapshot => ({ ...new NodeBuilder().build(), unreadable });
  const none = { shared: null, local: null };
  test('config directories that could not be listed: each named with its error, local only for this node', () => {
    const u = unlistedDirs(
      none,
      snap({ '/etc/pve/nodes/pve2/qemu-server': 'EACCES', '/etc/pve/nodes/pve1/lxc': 'EIO' }),
      'pve1',
    );
    assert.equal(
      u.shared,
      '/etc/pve/nodes/pve2/qemu-server could not be listed (EACCES), /etc/pve/nodes/pve1/lxc could not be listed (EIO): a config in it may name this volume',
    );
    assert.equal(u.local, '/etc/pve/nodes/pve1/lxc could not be listed (EIO): a config in it may name this volume');
  });
  test('/etc/pve/nodes itself unlisted: every node, local too', () =>
    assert.match(
      unlistedDirs(none, snap({ '/etc/pve/nodes': 'EIO' }), 'pve1').local ?? '',
      /^\/etc\/pve\/nodes could not/,
    ));
  test('other unreadable paths (a config file, a node status file, priv) are not config directories', () =>
    assert.deepEqual(
      unlistedDirs(
        none,
        snap({
          '/etc/pve/nodes/pve1/qemu-server/100.conf': 'EIO',
          '/etc/pve/nodes/pve1/lrm_status': 'EIO',
          '/etc/pve/priv': 'EACCES',
        }),
        'pve1',
      ),
      none,
    ));
  test('an unread config and an unlisted directory: both said', () => {
    const u = unlistedDirs(
      unseenConfigs(null, [rec(300, 'pve2', false, 'EIO')], 'pve1'),
      snap({ '/etc/pve/nodes/pve1/qemu-server': 'EIO' }),
      'pve1',
    );
    assert.match(
      u.shared ?? '',
      /^the config of guest 300 .*; \/etc\/pve\/nodes\/pve1\/qemu-server could not be listed/,
    );
    assert.match(u.local ?? '', /^\/etc\/pve\/nodes\/pve1\/qemu-server could not be listed/);
  });
  test('running tasks unread: a restore or clone may be writing it, after what else is unseen', () => {
    const u = withTasks({ shared: 'A', local: 'B' }, '/var/log/pve/tasks/active could not be read');
    assert.equal(
      u.shared,
      'A; /var/log/pve/tasks/active could not be read: a restore or clone in progress may be writing it',
    );
    assert.equal(
      u.local,
      'B; /var/log/pve/tasks/active could not be read: a restore or clone in progress may be writing it',
    );
    assert.deepEqual(withTasks({ shared: 'A', local: null }, null), { shared: 'A', local: null });
  });
});
