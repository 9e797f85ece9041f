// `pve-health cluster` over real OpenSSH: pve1 runs the command, pve2 and pve3 are fakenode roots
// behind their own sshd (real-sshd.ts). Key auth through an agent only, BatchMode, host keys from the
// known_hosts files in /etc/pve/nodes/<node>/, a wrong host key, a node whose check hangs (and whose
// remote processes must be gone after the remote limit), a node whose sshd is stopped.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { hasFakenode, SHARED } from '../helpers/cli';
import { buildSshdCluster, type SshdCluster, sshdUnavailable } from './real-sshd';

const why = hasFakenode ? sshdUnavailable() : `fakenode not found under ${SHARED}`;
// Like the other suites that need a Debian tool (test/helpers/require-tool.ts): in CI a missing
// sshd is a failure, elsewhere a skip with the reason.
// Not running as root is a property of the run, not a missing package: skipped in CI too.
if (why && process.env.CI && hasFakenode && !why.startsWith('needs root'))
  throw new Error(`real-sshd suite: ${why}: required in CI`);

const LV = (n: number) => `Lv${n}${'0'.repeat(27)}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return cond();
}

type Doc = {
  nodes: { node: string; status: number; error?: { kind: string; message: string }; ip: string }[];
  findings: { id: string; severity: string }[];
};
const kinds = (d: Doc) => d.nodes.map((n) => `${n.node} ${n.error?.kind ?? n.status}`);

describe('cluster over real sshd', { skip: why ? `skipped: ${why}` : false }, () => {
  let c: SshdCluster;
  before(async () => {
    c = await buildSshdCluster(['pve1', 'pve2', 'pve3']);
  });
  after(() => c?.close());

  test('every node checked over ssh; two writers on one shared LV found', () => {
    const r = c.run(['--json']);
    assert.equal(r.stderr, '');
    const d = JSON.parse(r.stdout) as Doc;
    assert.deepEqual(kinds(d), ['pve1 1', 'pve2 2', 'pve3 2', 'pve4 offline']);
    assert.equal(d.nodes[1].ip, c.addr.pve2);
    const ids = d.findings.map((f) => `${f.severity} ${f.id}`);
    assert.ok(ids.includes(`critical shared-lv-open:san/${LV(400)}`), ids.join('\n'));
    assert.ok(ids.includes(`warning shared-lv-active:san/${LV(401)}`), ids.join('\n'));
    assert.equal(r.code, 2);
  });

  test('BatchMode: without the agent key, ssh fails at once with the authorization hint (no prompt)', () => {
    const r = c.run(['--json', '--nodes', 'pve2'], { agent: false });
    const d = JSON.parse(r.stdout) as Doc;
    assert.equal(d.nodes[0].error?.kind, 'ssh-failed');
    assert.match(d.nodes[0].error?.message ?? '', /Permission denied \(publickey\).*root's key is not authorized/);
    assert.equal(r.code, 3);
  });

  test('a changed host key is refused, the other node is still checked', () => {
    c.writeKnownHost('pve3', c.keygen('pve3-other-host-key'));
    try {
      const d = JSON.parse(c.run(['--json', '--nodes', 'pve2,pve3']).stdout) as Doc;
      assert.deepEqual(kinds(d), ['pve2 2', 'pve3 ssh-failed']);
      assert.match(d.nodes[1].error?.message ?? '', /Host key verification failed.*pvecm updatecerts/);
    } finally {
      c.writeKnownHost('pve3', `${c.cluster.dir}/pve3-host-key`);
    }
  });

  test('a stopped sshd: connection refused', async () => {
    c.stopSshd('pve3');
    try {
      const d = JSON.parse(c.run(['--json', '--nodes', 'pve3']).stdout) as Doc;
      assert.equal(d.nodes[0].error?.kind, 'ssh-failed');
      assert.match(
        d.nodes[0].error?.message ?? '',
        new RegExp(`connect to host ${c.addr.pve3} port 22: Connection refused`),
      );
    } finally {
      await c.startSshd('pve3');
    }
  });

  test('a node whose check hangs: timeout here, and its processes on the node end at the remote limit', async () => {
    c.setHang('pve2', true);
    try {
      // Only pve2: on a loaded machine a healthy node may need more than these 6 s.
      const r = c.run(['--json', '--nodes', 'pve2', '--timeout', '6']);
      const d = JSON.parse(r.stdout) as Doc;
      assert.deepEqual(kinds(d), ['pve2 timeout']);
      assert.match(d.nodes[0].error?.message ?? '', /no answer within 6 s .*its own limit, 8 s/);
      assert.equal(r.code, 3);
      // The hung `lvs` and the pve-health that started it ran on "pve2" and outlived our ssh (on a loaded
      // machine the remote check may reach its lvs only after our deadline: it goes on until its own)...
      assert.ok(await until(() => existsSync(c.hangPidFile('pve2')), 15_000), 'the remote check reached its lvs');
      const [lvs, check] = readFileSync(c.hangPidFile('pve2'), 'utf8').trim().split(' ').map(Number);
      assert.ok(lvs > 0 && check > 0);
      // ...until the node's own `timeout` (6 s + 2 s grace) stopped the check, which took its lvs along.
      // Bound: the remote limit, the 3 s kill-after and slack; without the bound the lvs would run
      // until pve-health's own 20 s command deadline, and pve-health with it.
      const gone = await until(() => !alive(lvs) && !alive(check), 10_000);
      assert.ok(gone, `still running on the node: lvs ${alive(lvs)}, pve-health ${alive(check)}`);
    } finally {
      c.setHang('pve2', false);
    }
    assert.ok(existsSync(c.hangPidFile('pve2')));
  });
});
