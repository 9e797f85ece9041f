// Several fakenode nodes that form one cluster, reached through the ssh stand-in (fake-ssh.mjs).
// Each node is its own fake root with its own fake dmsetup/lvs; a node "has pve-health" when its
// PATH holds a `pve-health` that runs dist/pve-health.cjs against that root.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, ensureBuilt, FAKENODE, REPO, tempDir } from '../helpers/cli';
import { buildFakenode } from '../helpers/fakenode-build';

export const FIXTURE = join(REPO, 'test/fixtures/cluster/shared-vg.json');
const FAKE_SSH = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fake-ssh.mjs');

export type SshMode = 'ok' | 'hang' | 'hostkey' | 'refused';

/** What a broken or hostile node prints instead of running the command (fake-ssh.mjs mode "print"). */
export interface PrintedAnswer {
  /** The bytes it prints. */
  text: string | Buffer;
  /** How many times (default once): a huge answer without a huge file. */
  repeat?: number;
  /** Its exit code (default 0). */
  code?: number;
}

export interface FakeCluster {
  dir: string;
  /** node name → fakenode OUTDIR */
  nodes: Record<string, string>;
  /** PATH prefix for the CLI on the local node: the ssh stand-in, then that node's fakes. */
  pathPrefix: string;
  env: NodeJS.ProcessEnv;
  sshLog: string;
  calls(): { argv: string[]; options: Record<string, string>; destination: string; command: string }[];
  /** Change how one node answers (the ssh stand-in re-reads the map on every call). */
  setMode(node: string, mode: SshMode): void;
  /** Make one node answer with these bytes, whatever it is asked. */
  setAnswer(node: string, answer: PrintedAnswer): void;
}

interface Fixture {
  base: Record<string, unknown> & { lvs?: unknown[]; cluster: { nodes: string[] } };
  nodes: Record<string, { lvs?: unknown[]; raw_dm?: unknown[] }>;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Build `build` nodes of the fixture (the others exist only in .members); `local` is where the CLI
 * runs; nodes in `withoutBinary` get no pve-health on their PATH.
 */
export function buildCluster(opts: {
  local?: string;
  build: string[];
  withoutBinary?: string[];
  modes?: Record<string, SshMode>;
}): FakeCluster {
  ensureBuilt();
  const fx = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
  const dir = tempDir('pve-health-cluster-');
  const local = opts.local ?? 'pve1';
  const nodes: Record<string, string> = {};
  const hosts: Record<string, { path: string[]; mode: SshMode }> = {};
  const names = fx.base.cluster.nodes;
  for (const name of opts.build) {
    const over = fx.nodes[name] ?? {};
    // Own seed per node: node-local LVs get their own UUIDs, as on real nodes.
    const scn = {
      ...fx.base,
      name: `lab-${name}`,
      seed: `lab-${name}`,
      node: name,
      lvs: [...(fx.base.lvs ?? []), ...(over.lvs ?? [])],
      ...(over.raw_dm ? { raw_dm: over.raw_dm } : {}),
    };
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(scn));
    const out = join(dir, name);
    const r = buildFakenode(FAKENODE, ['build', file], out);
    if (r.status !== 0) throw new Error(`fakenode build ${name}: ${r.stderr}`);
    nodes[name] = out;
    const path = [join(out, 'bin')];
    if (!opts.withoutBinary?.includes(name)) {
      const shim = join(dir, `${name}-usr-bin`);
      mkdirSync(shim);
      writeFileSync(
        join(shim, 'pve-health'),
        `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(CLI)} "$@" --root ${shellQuote(join(out, 'root'))}\n`,
      );
      chmodSync(join(shim, 'pve-health'), 0o755);
      path.unshift(shim);
    }
    // fakenode writes .members with ip 192.0.2.(11 + index): ssh goes to the IP, like PVE's.
    const entry = { path, mode: opts.modes?.[name] ?? 'ok' };
    if (entry.mode !== 'refused') {
      hosts[`192.0.2.${11 + names.indexOf(name)}`] = entry;
      hosts[name] = entry;
    }
  }
  const hostsFile = join(dir, 'ssh-hosts.json');
  writeFileSync(hostsFile, JSON.stringify(hosts));
  const sshDir = join(dir, 'ssh-bin');
  mkdirSync(sshDir);
  writeFileSync(join(sshDir, 'ssh'), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(FAKE_SSH)} "$@"\n`);
  chmodSync(join(sshDir, 'ssh'), 0o755);
  const sshLog = join(dir, 'ssh.log');
  writeFileSync(sshLog, '');
  return {
    dir,
    nodes,
    pathPrefix: `${sshDir}:${join(nodes[local], 'bin')}`,
    env: { FAKE_SSH_HOSTS: hostsFile, FAKE_SSH_LOG: sshLog },
    sshLog,
    calls: () =>
      readFileSync(sshLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    setMode(node, mode) {
      const map = JSON.parse(readFileSync(hostsFile, 'utf8')) as typeof hosts;
      const ip = `192.0.2.${11 + names.indexOf(node)}`;
      if (mode === 'refused') {
        delete map[ip];
        delete map[node];
      } else {
        const path = map[node]?.path ?? [join(nodes[node], 'bin')];
        map[ip] = map[node] = { path, mode };
      }
      writeFileSync(hostsFile, JSON.stringify(map));
    },
    setAnswer(node, answer) {
      const map = JSON.parse(readFileSync(hostsFile, 'utf8')) as Record<string, unknown>;
      const file = join(dir, `${node}-answer`);
      writeFileSync(file, answer.text);
      const entry = { path: [], mode: 'print', file, repeat: answer.repeat ?? 1, code: answer.code ?? 0 };
      map[`192.0.2.${11 + names.indexOf(node)}`] = map[node] = entry;
      writeFileSync(hostsFile, JSON.stringify(map));
    },
  };
}
