// `pve-health cluster` against several fakenode nodes reached through the ssh stand-in: pve1 runs
// the command (checked in-process), pve2 and pve3 answer over "ssh", pve4 is offline in .members.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildNode, hasFakenode, runCli, SHARED } from '../helpers/cli';
import { requireTool } from '../helpers/require-tool';
import { buildCluster, type FakeCluster } from './fake-cluster';

const skip = hasFakenode ? false : `fakenode not found under ${SHARED}`;

function cluster(c: FakeCluster, args: string[] = [], local = 'pve1') {
  return runCli(['--root', join(c.nodes[local], 'root'), 'cluster', ...args], { pathPrefix: c.pathPrefix, env: c.env });
}

const LV = (n: number) => `Lv${n}${'0'.repeat(27)}`;

describe('cluster over ssh', { skip }, () => {
  test('4 nodes: two writers, active on two nodes, a migration, away from home; binary missing; offline', () => {
    const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'], withoutBinary: ['pve3'] });
    const r = cluster(c, ['--json', '--documents']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 2);
    const d = JSON.parse(r.stdout);
    assert.equal(d.kind, 'pve-health-cluster');
    assert.deepEqual(
      d.nodes.map((n: { node: string; local: boolean; status: number; error?: { kind: string } }) => [
        n.node,
        n.local,
        n.status,
        n.error?.kind ?? null,
      ]),
      [
        ['pve1', true, 1, null],
        ['pve2', false, 2, null],
        ['pve3', false, 3, 'not-installed'],
        ['pve4', false, 1, 'offline'],
      ],
    );
    assert.deepEqual(
      d.findings.map((f: { id: string; severity: string }) =>
        `${f.severity} ${f.id}`.replace(/^(critical stale-incarnation:san\/)\w{32}@/, '$1<old LV id>@'),
      ),
      [
        'critical guest-away:400',
        `critical shared-lv-open:san/${LV(400)}`,
        'critical stale-incarnation:san/<old LV id>@pve2',
        'unknown node-not-checked:pve3',
        'warning guest-away:401',
        'warning node-offline:pve4',
        `warning shared-lv-active:san/${LV(401)}`,
        `warning shared-lv-open:san/${LV(402)}`,
        'info guest-away:402',
      ],
    );
    // VM 403's stale map on pve2 has the name of the LV open on pve1 but another LV UUID: not the
    // same volume (no "open on two nodes"), an old incarnation of the disk pve1 uses. pve2's local-lvm
    // leftover named like VM 410's disk on pve1 is no cross-node finding.
    const stale = d.findings.find((f: { kind: string }) => f.kind === 'shared-lv-stale-incarnation');
    assert.equal(stale.title, 'pve2 still maps an old incarnation of san/vm-403-disk-0 (now active on pve1)');
    assert.deepEqual(stale.nodes, ['pve1', 'pve2']);
    assert.doesNotMatch(JSON.stringify(d.findings), /vm-410/);
    assert.equal(d.findings.filter((f: { title: string }) => f.title.includes('vm-403')).length, 1);
    assert.match(
      d.nodes[2].error.message,
      /'pve-health' was not found on pve3 \(timeout: failed to run command .pve-health.: No such file or directory\)/,
    );

    // ssh only to the online remote nodes, by IP, the PVE way; never to ourselves or the offline node.
    const calls = c.calls();
    assert.deepEqual(calls.map((x) => x.destination).sort(), ['root@192.0.2.12', 'root@192.0.2.13']);
    for (const x of calls) {
      assert.equal(x.options.batchmode, 'yes');
      assert.equal(x.options.connecttimeout, '5');
      assert.equal(x.options.stricthostkeychecking, 'yes');
      assert.equal(x.options.hostkeyalias, x.destination === 'root@192.0.2.12' ? 'pve2' : 'pve3');
      assert.equal(x.command, 'timeout -k 3 62 pve-health check --json');
    }

    // What came over ssh is exactly what `check --json` says on that node.
    const direct = runCli(['--root', join(c.nodes.pve2, 'root'), 'check', '--json'], {
      pathPrefix: join(c.nodes.pve2, 'bin'),
    });
    const names = (doc: { dm: { entries: { name: string; status: string }[] } }) =>
      doc.dm.entries.map((e) => `${e.name} ${e.status}`);
    assert.deepEqual(names(d.documents.pve2), names(JSON.parse(direct.stdout)));
    assert.equal(d.documents.pve2.status, direct.code);
    assert.deepEqual(Object.keys(d.documents).sort(), ['pve1', 'pve2']);
  });

  test('text and nagios output', () => {
    const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'], withoutBinary: ['pve3'] });
    const t = cluster(c);
    assert.equal(t.code, 2);
    assert.match(
      t.stdout,
      /^pve-health cluster lab \(from pve1\) — CRITICAL: 4 nodes, 2 checked \(1 offline, 1 not checked\); 3 critical, 3 warnings across nodes\n/,
    );
    // Each node by its one verdict over every part (overall.ts), never the DM grade alone.
    assert.match(t.stdout, /\npve2 +192\.0\.2\.12 +CRITICAL +F +grade F: 1 duplicate/);
    assert.doesNotMatch(t.stdout, /DM grade/);
    assert.match(t.stdout, /\npve4 +192\.0\.2\.14 +WARNING +- +offline: /);
    assert.match(t.stdout, /● CRITICAL san\/vm-400-disk-0 is open on pve1 and pve2 at once\n/);
    assert.ok(!t.stdout.includes('\u001b['), 'NO_COLOR: no escape codes');
    assert.match(t.stdout, /INFO VM 402/);

    const n = cluster(c, ['--format', 'nagios']);
    assert.equal(n.code, 2);
    const lines = n.stdout.trimEnd().split('\n');
    assert.match(
      lines[0],
      /^CRITICAL: cluster lab: 4 nodes, 2 checked .* \| nodes=4;;;0 nodes_checked=2;;;0;4 .*cluster_critical=3;;0;0 cluster_warning=3;0;;0$/,
    );
    assert.ok(lines.includes(lines.find((l) => l.startsWith('[UNKNOWN] pve3: not-installed: ')) ?? '<missing>'));
    assert.equal(lines.filter((l) => l.includes('|')).length, 1, 'perfdata only on the first line');
  });

  const failures: {
    name: string;
    mode: 'refused' | 'hostkey' | 'hang';
    node: string;
    kind: string;
    message: RegExp;
    args?: string[];
  }[] = [
    {
      name: 'connection refused',
      mode: 'refused',
      node: 'pve3',
      kind: 'ssh-failed',
      message: /ssh: connect to host 192\.0\.2\.13 port 22: Connection refused/,
    },
    {
      name: 'unknown host key',
      mode: 'hostkey',
      node: 'pve3',
      kind: 'ssh-failed',
      message: /Host key verification failed/,
    },
    // Only pve1 (in-process, no deadline) and pve2: a 1 s deadline would be tight for a real check.
    {
      name: 'a node that never answers',
      mode: 'hang',
      node: 'pve2',
      kind: 'timeout',
      message: /no answer within 1 s/,
      args: ['--timeout', '1', '--nodes', 'pve1,pve2'],
    },
  ];
  for (const f of failures) {
    test(`unreachable node: ${f.name} → UNKNOWN with the reason`, () => {
      const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'] });
      c.setMode(f.node, f.mode);
      const r = cluster(c, ['--json', ...(f.args ?? [])]);
      const d = JSON.parse(r.stdout);
      const node = d.nodes.find((n: { node: string }) => n.node === f.node);
      assert.equal(node.status, 3);
      assert.equal(node.error.kind, f.kind);
      assert.match(node.error.message, f.message);
      // The other online nodes were still checked.
      const others = d.nodes.filter((n: { node: string; online: boolean }) => n.node !== f.node && n.online);
      assert.deepEqual(
        others.map((n: { error?: unknown }) => n.error ?? null),
        others.map(() => null),
      );
      assert.ok([2, 3].includes(r.code));
    });
  }

  test('the real OpenSSH client takes our options; its failure to reach a node is ssh-failed', (t) => {
    if (!requireTool(t, 'ssh', 'openssh-client')) return;
    const c = buildCluster({ build: ['pve1'] });
    // No stand-in on PATH: /usr/bin/ssh tries 192.0.2.12 (TEST-NET-1, never routed).
    const r = runCli(
      ['--root', join(c.nodes.pve1, 'root'), 'cluster', '--json', '--nodes', 'pve1,pve2', '--connect-timeout', '1'],
      {
        pathPrefix: join(c.nodes.pve1, 'bin'),
      },
    );
    const d = JSON.parse(r.stdout);
    assert.equal(d.nodes[1].error.kind, 'ssh-failed');
    assert.match(d.nodes[1].error.message, /^ssh failed: ssh: connect to host 192\.0\.2\.12 port 22: /);
    assert.equal(r.code, 3);
  });

  test('config: [cluster] remote_command and timeouts are used', () => {
    const c = buildCluster({ build: ['pve1', 'pve2'] });
    const cfg = join(c.dir, 'config.toml');
    writeFileSync(
      cfg,
      '[cluster]\nremote_command = "/opt/pve-health/bin/pve-health"\nssh_connect_timeout = 3\nnode_timeout = 30\n',
      { mode: 0o600 }, // it names a program run as root: root's 0600 (config trust rule)
    );
    const r = cluster(c, ['--json', '--config', cfg, '--nodes', 'pve1,pve2']);
    const d = JSON.parse(r.stdout);
    assert.equal(d.nodes[1].error.kind, 'not-installed');
    assert.match(d.nodes[1].error.message, /'\/opt\/pve-health\/bin\/pve-health' was not found on pve2/);
    assert.deepEqual(
      c.calls().map((x) => [x.options.connecttimeout, x.command]),
      [['3', 'timeout -k 3 32 /opt/pve-health/bin/pve-health check --json']],
    );
    // A program that prints something else than a check document.
    writeFileSync(cfg, '[cluster]\nremote_command = "echo"\n');
    const e = JSON.parse(cluster(c, ['--json', '--config', cfg, '--nodes', 'pve2']).stdout);
    assert.equal(e.nodes[0].error.kind, 'bad-output');
  });

  test("--notify: findings across nodes with their node names, once; state apart from the node's own", () => {
    const c = buildCluster({ build: ['pve1', 'pve2'] });
    const mail = join(c.dir, 'mail.txt');
    const sendmail = join(c.dir, 'sendmail');
    writeFileSync(sendmail, `#!/bin/sh\ncat >> '${mail}'\necho ---- >> '${mail}'\n`, { mode: 0o755 });
    const cfg = join(c.dir, 'config.toml');
    // root's 0600: it names a program run as root (config trust rule).
    writeFileSync(cfg, `[notify.sendmail]\npath = "${sendmail}"\nto = "root@example.org"\n`, { mode: 0o600 });
    const r = cluster(c, ['--config', cfg, '--nodes', 'pve1,pve2', '--notify', '--format', 'nagios']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /notify: sendmail .* sent \(8 new, status changed\)/);
    const raw = readFileSync(mail, 'utf8');
    // The text part, quoted-printable decoded.
    const text = Buffer.from(
      raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
    assert.match(text, /^lab \(cluster\): CRITICAL$/m);
    assert.match(text, new RegExp(`\\+ cluster shared-lv-open:san/${LV(400)}`));
    assert.match(text, /\[CRITICAL\] cluster on pve1, pve2: san\/vm-400-disk-0 is open on pve1 and pve2 at once/);
    assert.match(text, /\[CRITICAL\] cluster on pve1, pve2: pve2 still maps an old incarnation of san\/vm-403-disk-0/);
    // Each node whose own check is not OK, with its summary (a stale map alone makes a node CRITICAL).
    assert.match(text, /\+ cluster node-status:pve2:critical\n/);
    assert.match(text, /\[CRITICAL\] cluster on pve2: pve2 reports CRITICAL: grade F: 1 duplicate/);
    assert.match(text, /\[WARNING\] cluster on pve1: pve1 reports WARNING: grade B/);
    assert.doesNotMatch(text, /DM grade/);
    // Unchanged: nothing new to say.
    const again = cluster(c, ['--config', cfg, '--nodes', 'pve1,pve2', '--notify', '--format', 'nagios']);
    assert.equal(again.code, 2);
    assert.equal(readFileSync(mail, 'utf8'), raw);
    const state = JSON.parse(readFileSync(join(c.nodes.pve1, 'root/var/lib/pve-health/notify-state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.nodes), ['lab (cluster)']);
  });

  test('--nodes limits the run; unknown names and unsupported formats are usage errors', () => {
    const c = buildCluster({ build: ['pve1', 'pve2'] });
    const r = cluster(c, ['--json', '--nodes', 'pve2']);
    const d = JSON.parse(r.stdout);
    assert.deepEqual(
      d.nodes.map((n: { node: string }) => n.node),
      ['pve2'],
    );
    assert.equal(c.calls().length, 1);
    const bad = cluster(c, ['--nodes', 'pve9']);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /--nodes: not in \/etc\/pve\/\.members: pve9 \(nodes: pve1, pve2, pve3, pve4\)/);
    assert.equal(cluster(c, ['--demo']).code, 64);
  });

  test('--format prometheus and --textfile: the findings across nodes per node, with ids that join PVE metrics; promtool accepts them', (t) => {
    const c = buildCluster({ build: ['pve1', 'pve2', 'pve3'], withoutBinary: ['pve3'] });
    const doc = JSON.parse(cluster(c, ['--json']).stdout) as {
      status: number;
      findings: { id: string; nodes: string[] }[];
    };
    const prom = cluster(c, ['--format', 'prometheus']);
    assert.equal(prom.code, doc.status, prom.stderr);
    assert.match(prom.stdout, /^pve_health_cluster_scan_ok 1$/m);
    assert.match(prom.stdout, /^pve_health_cluster_node_status\{node="pve2",error="",id="node\/pve2"\} 2$/m);
    assert.match(
      prom.stdout,
      /^pve_health_cluster_node_status\{node="pve3",error="not-installed",id="node\/pve3"\} 3$/m,
    );
    // Two writers on VM 400's disk: one series per node, id as prometheus-pve-exporter names the guest.
    for (const node of ['pve1', 'pve2'])
      assert.match(
        prom.stdout,
        new RegExp(
          `^pve_health_cluster_finding\\{finding="shared-lv-open:san/${LV(400)}",kind="shared-lv-open-on-nodes",severity="critical",node="${node}",id="qemu/400",vmid="400"\\} 1$`,
          'm',
        ),
      );
    assert.match(
      prom.stdout,
      /^pve_health_cluster_finding\{finding="node-not-checked:pve3",kind="node-not-checked",severity="unknown",node="pve3",id="node\/pve3",vmid=""\} 1$/m,
    );
    // Every finding on every node it involves, nothing else.
    const series = prom.stdout.split('\n').filter((l) => l.startsWith('pve_health_cluster_finding{'));
    assert.equal(
      series.length,
      doc.findings.reduce((n, f) => n + f.nodes.length, 0),
    );
    const promtool = requireTool(t, 'promtool', 'prometheus');
    if (promtool) {
      const r = spawnSync(promtool, ['check', 'metrics'], { input: prom.stdout, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }

    // --textfile DIR writes DIR/pve-health-cluster.prom beside check's file; FILE.prom is the file itself.
    const dir = join(c.dir, 'textfile');
    mkdirSync(dir);
    const r = cluster(c, ['-q', '--textfile', dir]);
    assert.equal(r.code, doc.status, r.stderr);
    const written = readFileSync(join(dir, 'pve-health-cluster.prom'), 'utf8');
    const stable = (x: string) => x.replace(/^pve_health_cluster_last_scan_timestamp_seconds \d+$/m, '');
    assert.equal(stable(written), stable(prom.stdout));
    assert.deepEqual(readdirSync(dir), ['pve-health-cluster.prom'], 'no temporary file left');
    const own = join(dir, 'cluster.prom');
    assert.equal(cluster(c, ['-q', '--textfile', own]).code, doc.status);
    assert.equal(stable(readFileSync(own, 'utf8')), stable(prom.stdout));
    // A directory that does not exist: said, exit 3 (node_exporter would never read it).
    const missing = cluster(c, ['-q', '--textfile', join(c.dir, 'nope')]);
    assert.equal(missing.code, 3);
    assert.match(
      missing.stderr,
      /could not write the cluster metrics textfile: textfile directory .*nope does not exist/,
    );
    // A scan that cannot run at all replaces the file too: scan_ok 0, never the last good view.
    const noMembers = join(c.dir, 'bare');
    mkdirSync(join(noMembers, 'etc/pve'), { recursive: true });
    const failed = runCli(['--root', noMembers, 'cluster', '--format', 'prometheus', '--textfile', dir], {
      pathPrefix: c.pathPrefix,
      env: c.env,
    });
    assert.equal(failed.code, 3);
    assert.match(failed.stderr, /cannot read .*\.members/);
    assert.match(failed.stdout, /^pve_health_cluster_scan_ok 0$/m);
    assert.match(readFileSync(join(dir, 'pve-health-cluster.prom'), 'utf8'), /^pve_health_cluster_scan_ok 0$/m);
    assert.doesNotMatch(readFileSync(join(dir, 'pve-health-cluster.prom'), 'utf8'), /pve_health_cluster_finding/);
  });

  test('a standalone node: itself, in-process, no ssh; same verdict as check', () => {
    const node = buildNode(join(SHARED, 'fakenode/scenarios/default-lvmthin.json'));
    const c = buildCluster({ build: ['pve1'] });
    const r = runCli(['--root', join(node, 'root'), 'cluster', '--json'], {
      pathPrefix: `${c.pathPrefix.split(':')[0]}:${join(node, 'bin')}`,
      env: c.env,
    });
    const d = JSON.parse(r.stdout);
    const check = runCli(['--root', join(node, 'root'), 'check', '--json'], { pathPrefix: join(node, 'bin') });
    assert.equal(d.cluster.quorate, null);
    assert.deepEqual(
      d.nodes.map((n: { node: string; local: boolean; status: number }) => [n.node, n.local, n.status]),
      [[JSON.parse(check.stdout).node, true, check.code]],
    );
    assert.equal(r.code, check.code);
    assert.equal(c.calls().length, 0);
  });
});

describe('cluster: this node is checked with every part check has', { skip }, () => {
  test("this node's orphaned ZFS/RBD/file volumes are in the cluster view; its verdict is check's, over every part", () => {
    // mixed-volumes: guest disks on ZFS, RBD, dir and NFS, with orphans among them (no LVM orphan).
    const node = buildNode(join(SHARED, 'fakenode/scenarios/mixed-volumes.json'));
    const c = buildCluster({ build: ['pve1'] });
    const r = runCli(['--root', join(node, 'root'), 'cluster', '--json', '--documents', '--nodes', 'pve1'], {
      pathPrefix: `${c.pathPrefix.split(':')[0]}:${join(node, 'bin')}`,
      env: c.env,
    });
    const d = JSON.parse(r.stdout);
    const check = runCli(['--root', join(node, 'root'), 'check', '--json'], { pathPrefix: join(node, 'bin') });
    const want = JSON.parse(check.stdout);
    const local = d.documents.pve1;
    const orphans = (doc: { volumes: { entries: { volume: string; status: string }[] } }) =>
      doc.volumes.entries.filter((e) => e.status === 'orphan').map((e) => e.volume);
    assert.ok(orphans(want).length > 0, 'the scenario has orphaned volumes');
    assert.deepEqual(orphans(local), orphans(want));
    assert.deepEqual(
      Object.keys(local)
        .filter((k) => ['dm', 'mounts', 'volumes'].includes(k))
        .sort(),
      ['dm', 'mounts', 'volumes'],
    );
    // One verdict over every part, the one check states (overall.ts), never the DM grade.
    assert.equal(d.nodes[0].status, check.code);
    assert.equal(d.nodes[0].grade, want.overall.grade);
    assert.equal(d.nodes[0].summary, want.overall.headline);
    assert.equal(d.status, check.code);
    const text = runCli(['--root', join(node, 'root'), 'cluster', '--nodes', 'pve1'], {
      pathPrefix: `${c.pathPrefix.split(':')[0]}:${join(node, 'bin')}`,
      env: c.env,
    });
    assert.doesNotMatch(text.stdout, /DM grade/);
    assert.match(
      text.stdout,
      new RegExp(
        `\\npve1 +local +\\w+ +${want.overall.grade ?? '-'} +${want.overall.headline.slice(0, 20).replace(/[()+.]/g, '\\$&')}`,
      ),
    );
  });
});
