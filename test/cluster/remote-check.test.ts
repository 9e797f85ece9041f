// What one ssh run means (exit codes and output as ssh, sh and pve-health print them), the ssh
// command line, and which nodes are tried.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseMembers } from '../../src/core/parse/pmxcfs';
import { classifyRemoteRun, clusterTargets, remoteCommandLine, sshArgv } from '../../src/host/remote-check';
import { tempDir } from '../helpers/cli';

const DOC = JSON.stringify({
  schemaVersion: 1,
  generatedAt: '2026-01-01T00:00:00Z',
  node: 'pve2',
  status: 3,
  summary: 'x',
  mounts: { status: 3 },
});

describe('classifyRemoteRun', () => {
  const cases: {
    name: string;
    run: { code: number; stdout: string; stderr: string };
    kind: string | null;
    message?: RegExp;
  }[] = [
    {
      name: 'a document (exit 0)',
      run: { code: 0, stdout: DOC.replace('"status":3', '"status":0'), stderr: '' },
      kind: null,
    },
    {
      name: 'a document with exit 3 (the node could check part of it)',
      run: { code: 3, stdout: DOC, stderr: '' },
      kind: null,
    },
    {
      // Valid JSON of the right schema, but no part at all: nothing of the node was checked.
      name: 'a document with no part (exit 0)',
      run: {
        code: 0,
        stdout: DOC.replace(',"mounts":{"status":3}', '').replace('"status":3', '"status":0'),
        stderr: '',
      },
      kind: 'bad-output',
      message: /no part at all/,
    },
    {
      name: 'connection refused',
      run: { code: 255, stdout: '', stderr: 'ssh: connect to host 192.0.2.13 port 22: Connection refused\r\n' },
      kind: 'ssh-failed',
      message: /^ssh failed: ssh: connect to host 192\.0\.2\.13 port 22: Connection refused$/,
    },
    {
      name: 'host key unknown',
      run: {
        code: 255,
        stdout: '',
        stderr:
          'No ED25519 host key is known for pve2 and you have requested strict checking.\r\nHost key verification failed.\r\n',
      },
      kind: 'ssh-failed',
      message: /Host key verification failed\. — .*pvecm updatecerts/,
    },
    {
      name: 'key not authorized',
      run: { code: 255, stdout: '', stderr: 'root@192.0.2.12: Permission denied (publickey,password).\r\n' },
      kind: 'ssh-failed',
      message: /Permission denied.*authorized_keys/,
    },
    {
      name: 'dash: not found',
      run: { code: 127, stdout: '', stderr: 'sh: 1: pve-health: not found\n' },
      kind: 'not-installed',
      message: /'pve-health' was not found on pve2 \(sh: 1: pve-health: not found\)/,
    },
    {
      name: 'bash: command not found',
      run: { code: 127, stdout: '', stderr: 'bash: line 1: pve-health: command not found\n' },
      kind: 'not-installed',
      message: /command not found/,
    },
    {
      name: "coreutils' timeout: the program is missing",
      run: {
        code: 127,
        stdout: '',
        stderr: "timeout: failed to run command 'pve-health': No such file or directory\n",
      },
      kind: 'not-installed',
      message: /'pve-health' was not found on pve2/,
    },
    {
      name: 'timeout itself is missing: not the pve-health package',
      run: { code: 127, stdout: '', stderr: 'bash: line 1: timeout: command not found\n' },
      kind: 'check-failed',
      message: /'timeout' program \(coreutils\) was not found on pve2/,
    },
    {
      name: 'stopped on the node by its own limit',
      run: { code: 124, stdout: '', stderr: '' },
      kind: 'timeout',
      message: /stopped there by its time limit/,
    },
    {
      name: 'the check failed with a message',
      run: { code: 3, stdout: '', stderr: 'pve-health: must run as root: dmsetup and lvs need it\n' },
      kind: 'check-failed',
      message: /exit 3\): pve-health: must run as root/,
    },
    {
      name: 'text instead of JSON',
      run: { code: 0, stdout: 'check --json\n', stderr: '' },
      kind: 'bad-output',
      message:
        /did not print a check document the cluster can read \(exit 0\): it is not JSON \(.*\); it begins "check --json"/,
    },
    {
      name: 'JSON of another version',
      run: { code: 0, stdout: '{"schemaVersion": 2, "node": "pve2"}', stderr: '' },
      kind: 'bad-output',
      message: /its schemaVersion is 2, not 1; is pve-health there a different version\?/,
    },
    {
      name: 'JSON of the right version and the wrong shape',
      run: {
        code: 0,
        stdout: '{"schemaVersion": 1, "node": "pve2", "status": 0, "dm": {"status": 0, "entries": {}}}',
        stderr: '',
      },
      kind: 'bad-output',
      message: /dm\.entries is not a list; it begins/,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = classifyRemoteRun('pve2', c.run, 'pve-health');
      assert.equal(r.error?.kind ?? null, c.kind);
      if (c.kind === null) assert.equal(r.doc?.node, 'pve2');
      if (c.message) assert.match(r.error?.message ?? '', c.message);
    });
  }
});

describe('sshArgv', () => {
  test('PVE-style options, the IP from .members, one remote command string', () => {
    const root = tempDir();
    const argv = sshArgv(
      { root },
      { name: 'pve2', ip: '192.0.2.12', online: true },
      { connectTimeoutSeconds: 7, remoteCommand: '/usr/bin/pve-health' },
    );
    assert.deepEqual(argv, [
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=7',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'HostKeyAlias=pve2',
      '--',
      'root@192.0.2.12',
      'timeout -k 3 62 /usr/bin/pve-health check --json',
    ]);
  });

  test("the node's ssh_known_hosts in /etc/pve when it exists (PVE 8.1+), the name when there is no IP", () => {
    const root = tempDir();
    mkdirSync(join(root, 'etc/pve/nodes/pve3'), { recursive: true });
    writeFileSync(join(root, 'etc/pve/nodes/pve3/ssh_known_hosts'), 'pve3 ssh-ed25519 AAAA\n');
    const argv = sshArgv({ root }, { name: 'pve3', ip: null, online: true }, {});
    const known = join(root, 'etc/pve/nodes/pve3/ssh_known_hosts');
    assert.ok(argv.join(' ').includes(`-o UserKnownHostsFile=${known} -o GlobalKnownHostsFile=none`));
    assert.deepEqual(argv.slice(-2), ['root@pve3', 'timeout -k 3 62 pve-health check --json']);
    assert.ok(argv.includes('ConnectTimeout=5'));
  });

  test('remote command: default and configured, bounded on the node a little past node_timeout', () => {
    assert.equal(remoteCommandLine({}), 'timeout -k 3 62 pve-health check --json');
    assert.equal(
      remoteCommandLine({ remoteCommand: ' node /opt/pve-health.cjs ', nodeTimeoutMs: 10_500 }),
      'timeout -k 3 13 node /opt/pve-health.cjs check --json',
    );
  });
});

describe('clusterTargets', () => {
  const members = parseMembers(
    JSON.stringify({
      nodename: 'pve1',
      version: 5,
      cluster: { name: 'lab', version: 3, nodes: 3, quorate: 1 },
      nodelist: {
        pve1: { id: 1, online: 1, ip: '10.0.0.1' },
        pve2: { id: 2, online: 1, ip: '10.0.0.2' },
        pve3: { id: 3, online: 0, ip: '10.0.0.3' },
      },
    }),
  );
  test('every member, with IP and online flag', () => {
    assert.deepEqual(clusterTargets(members), [
      { name: 'pve1', ip: '10.0.0.1', online: true },
      { name: 'pve2', ip: '10.0.0.2', online: true },
      { name: 'pve3', ip: '10.0.0.3', online: false },
    ]);
  });
  test('--nodes restricts', () => {
    assert.deepEqual(
      clusterTargets(members, ['pve2']).map((t) => t.name),
      ['pve2'],
    );
  });
  test('a standalone node is a cluster of one', () => {
    assert.deepEqual(clusterTargets(parseMembers('{"nodename": "pve1", "version": 0}')), [
      { name: 'pve1', ip: null, online: null },
    ]);
  });
});
