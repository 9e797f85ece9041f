// Run the bundled CLI as a user would, and build fakenode nodes for it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFakenode } from './fakenode-build';
import { PYTHON } from './python';
import { tempDir } from './temp-dir';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const CLI = join(REPO, 'dist/pve-health.cjs');
export const SHARED = process.env.PVE_HEALTH_SHARED ?? resolve(REPO, '../shared');
export const FAKENODE = join(SHARED, 'fakenode/fakenode.py');
export const hasFakenode = existsSync(FAKENODE);

export function ensureBuilt(): void {
  if (!existsSync(CLI)) {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; pathPrefix?: string; input?: string; timeoutMs?: number } = {},
): CliResult {
  ensureBuilt();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  if (opts.pathPrefix) env.PATH = `${opts.pathPrefix}:${env.PATH}`;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env,
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    // A large node's JSON is megabytes (spawnSync's default buffer is 1 MiB: it cut them off).
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export { tempDir };

/** Build a fakenode node (scenario file or `scale N` args) in a fresh temp dir. */
export function buildNode(scenarioOrScale: string | string[]): string {
  const out = join(tempDir('pve-health-node-'), 'node');
  const args = Array.isArray(scenarioOrScale) ? ['scale', ...scenarioOrScale, out] : ['build', scenarioOrScale, out];
  const r = buildFakenode(FAKENODE, args.slice(0, -1), out);
  if (r.status !== 0) throw new Error(`fakenode ${args.join(' ')}: ${r.stderr}`);
  return out;
}

/**
 * Fakes the project adds in front of a fakenode node's own binaries (test/fixtures/scenarios/bin: lvs
 * with autoactivation; rbd trash ls, rbd status and half-removed images, which fakenode's rbd lacks).
 */
export const FIXTURE_BIN = join(REPO, 'test/fixtures/scenarios/bin');

/** PATH entries for running the CLI against a fakenode node: the project's fakes, then the node's bin. */
export const nodePath = (node: string): string => `${FIXTURE_BIN}:${join(node, 'bin')}`;

export function fakenodeCompare(node: string, resultFile: string): CliResult {
  const r = spawnSync(PYTHON, [FAKENODE, 'compare', node, resultFile], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
