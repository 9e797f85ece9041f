// A cluster of fakenode nodes behind real OpenSSH servers: one private sshd per node on its own
// loopback address, key-only auth through an ssh-agent, known_hosts files the test writes. With
// `unshare --net` (root) everything runs in a network namespace of its own (sshd on port 22, as
// `pve-health cluster` expects, without touching the host's); the local node's .members points at
// the loopback addresses. Each sshd hands the remote command to root's shell with that node's PATH
// (sshd_config SetEnv): the `pve-health` shim for its fake root, then its fake lvs/dmsetup.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, type CliResult } from '../helpers/cli';
import { buildCluster, type FakeCluster } from './fake-cluster';

export const SSHD = '/usr/sbin/sshd';

export interface SshdCluster {
  cluster: FakeCluster;
  /** node name → loopback address in the local node's .members */
  addr: Record<string, string>;
  /** Run the CLI on the local node (pve1), in the namespace, with the agent. */
  run(args: string[], opts?: { agent?: boolean }): CliResult;
  startSshd(node: string): Promise<void>;
  stopSshd(node: string): void;
  /** Replace a node's entry in the local known-hosts files. */
  writeKnownHost(node: string, pubKeyFile: string): void;
  keygen(name: string): string;
  /** The file the hanging `lvs` of a node writes "<its pid> <pve-health's pid>" to. */
  hangPidFile(node: string): string;
  setHang(node: string, on: boolean): void;
  close(): void;
}

function run(argv: string[]): { code: number; out: string } {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Why this machine cannot run the suite, or null. */
export function sshdUnavailable(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} not found (Debian package openssh-server; listed in .ci/apt-packages)`;
  if (process.getuid?.() !== 0) return 'needs root: the nodes are reached as root@<node>, as PVE does';
  for (const t of ['ssh', 'ssh-agent', 'ssh-add', 'ssh-keygen', 'timeout'])
    if (run(['sh', '-c', `command -v ${t}`]).code !== 0) return `${t} not found on PATH`;
  return null;
}

function waitForLine(p: ChildProcess, re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no "${re}" within ${ms} ms: ${buf}`)), ms);
    const on = (b: Buffer) => {
      buf += b.toString();
      if (re.test(buf)) {
        clearTimeout(timer);
        resolve();
      }
    };
    p.stdout?.on('data', on);
    p.stderr?.on('data', on);
    p.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before "${re}": ${buf}`));
    });
  });
}

export async function buildSshdCluster(nodes: string[]): Promise<SshdCluster> {
  const cluster = buildCluster({ build: nodes });
  const dir = cluster.dir;
  const procs: ChildProcess[] = [];
  const sshds: Record<string, ChildProcess> = {};
  // sshd refuses to start without its privilege separation directory (systemd's RuntimeDirectory).
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });

  // A network namespace when we may make one; else the host's loopback (port 22 must be free there).
  let ns: string[] = [];
  const holder = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 3600'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForLine(holder, /ready/, 5000);
    procs.push(holder);
    ns = ['nsenter', `--net=/proc/${holder.pid}/ns/net`, '--'];
  } catch {
    holder.kill('SIGKILL');
  }
  const inNs = (argv: string[]) => [...ns, ...argv];

  const keygen = (name: string) => {
    const f = join(dir, name);
    const r = run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', f]);
    if (r.code !== 0) throw new Error(`ssh-keygen: ${r.out}`);
    return f;
  };
  const clientKey = keygen('client-key');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const agentSock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(agent);
  await waitForLine(agent, /SSH_AUTH_SOCK/, 5000);
  const add = spawnSync('ssh-add', ['-q', clientKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
  if (add.status !== 0) throw new Error(`ssh-add: ${add.stderr}`);
  // From here on the key exists only in the agent (and the file ssh would read by default is not ours).
  writeFileSync(clientKey, '');

  // .members of the local node: loopback addresses of our own; the other nodes read theirs.
  const membersFile = join(cluster.nodes.pve1, 'root/etc/pve/.members');
  const members = JSON.parse(readFileSync(membersFile, 'utf8'));
  const base = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}`;
  const addr: Record<string, string> = {};
  Object.keys(members.nodelist).forEach((n, i) => {
    addr[n] = `${base}.${11 + i}`;
    members.nodelist[n].ip = addr[n];
  });
  writeFileSync(membersFile, JSON.stringify(members));

  const hostKeys: Record<string, string> = {};
  const nodePath = (node: string) => [
    join(dir, `${node}-hang-bin`),
    join(dir, `${node}-usr-bin`),
    join(cluster.nodes[node], 'bin'),
  ];
  for (const node of nodes) {
    if (node === 'pve1') continue;
    hostKeys[node] = keygen(`${node}-host-key`);
    // An `lvs` that hangs while the flag file exists (a dead multipath device under the VG).
    const hangBin = join(dir, `${node}-hang-bin`);
    mkdirSync(hangBin);
    const real = join(cluster.nodes[node], 'bin/lvs');
    writeFileSync(
      join(hangBin, 'lvs'),
      `#!/bin/sh\nif [ -e '${join(dir, `${node}.hang`)}' ]; then echo "$$ $PPID" > '${join(dir, `${node}.hang-pids`)}'; exec sleep 600; fi\nexec '${real}' "$@"\n`,
    );
    chmodSync(join(hangBin, 'lvs'), 0o755);
    writeFileSync(
      join(dir, `${node}-sshd_config`),
      [
        `ListenAddress ${addr[node]}:22`,
        `HostKey ${hostKeys[node]}`,
        'PidFile none',
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'LogLevel VERBOSE',
        `SetEnv PATH=${[...nodePath(node), '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':')} NO_COLOR=1`,
        '',
      ].join('\n'),
    );
  }
  const knownHostsFile = (node: string) => join(cluster.nodes.pve1, `root/etc/pve/nodes/${node}/ssh_known_hosts`);
  const writeKnownHost = (node: string, keyFile: string) => {
    mkdirSync(join(cluster.nodes.pve1, `root/etc/pve/nodes/${node}`), { recursive: true });
    const [type, key] = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/);
    // PVE 8.1+ (pve-cluster Cluster/Setup.pm): one line per node, keyed by the node name.
    writeFileSync(knownHostsFile(node), `${node} ${type} ${key}\n`);
  };
  // Every node of .members gets a known host, also those without an sshd (pve4: refused).
  for (const n of Object.keys(addr)) if (n !== 'pve1') writeKnownHost(n, hostKeys[n] ?? keygen(`${n}-host-key`));

  function spawnArgv(argv: string[]) {
    return spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const startSshd = async (node: string) => {
    const p = spawnArgv(inNs([SSHD, '-D', '-e', '-f', join(dir, `${node}-sshd_config`)]));
    sshds[node] = p;
    await waitForLine(p, /Server listening/, 5000);
  };
  for (const node of nodes) if (node !== 'pve1') await startSshd(node);

  return {
    cluster,
    addr,
    run(args, opts = {}) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NO_COLOR: '1',
        PATH: `${join(cluster.nodes.pve1, 'bin')}:${process.env.PATH}`,
      };
      if (opts.agent === false) delete env.SSH_AUTH_SOCK;
      else env.SSH_AUTH_SOCK = agentSock;
      const argv = inNs([process.execPath, CLI, '--root', join(cluster.nodes.pve1, 'root'), 'cluster', ...args]);
      const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', timeout: 60_000 });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    startSshd,
    stopSshd(node) {
      sshds[node]?.kill('SIGTERM');
      delete sshds[node];
    },
    writeKnownHost,
    keygen,
    hangPidFile: (node) => join(dir, `${node}.hang-pids`),
    setHang(node, on) {
      const f = join(dir, `${node}.hang`);
      if (on) writeFileSync(f, '');
      else spawnSync('rm', ['-f', f]);
    },
    close() {
      for (const p of [...Object.values(sshds), ...procs]) p.kill('SIGTERM');
    },
  };
}
