// Build a fakenode OUTDIR per test and run the bundled CLI against it (fakes first on PATH).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFakenode } from '../helpers/fakenode-build';
import { PYTHON } from '../helpers/python';
import { tempDir } from '../helpers/temp-dir';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const FAKENODE = process.env.PVE_HEALTH_FAKENODE ?? resolve(REPO, '../shared/fakenode');
export const HAVE_FAKENODE = existsSync(join(FAKENODE, 'fakenode.py'));
const CLI = join(REPO, 'dist/pve-health.cjs');

export function buildNode(scenario: string, ...scale: string[]): string {
  const out = join(tempDir('pvh-clean-'), 'node');
  const args =
    scenario === 'scale' ? ['scale', ...scale, out] : ['build', join(FAKENODE, 'scenarios', `${scenario}.json`), out];
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), args.slice(0, -1), out);
  if (r.status !== 0) throw new Error(`fakenode ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return out;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `pathPrefix`: a directory searched before the fakes (a stub that stands in for one of them). */
export function runCli(out: string, args: string[], opts: { input?: string; pathPrefix?: string } = {}): Run {
  const r = spawnSync(process.execPath, [CLI, '--root', join(out, 'root'), ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    env: {
      ...process.env,
      PATH: `${opts.pathPrefix ? `${opts.pathPrefix}:` : ''}${join(out, 'bin')}:${process.env.PATH}`,
      FAKENODE_BIN: join(out, 'bin'),
      NO_COLOR: '1',
    },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** runCli without blocking the event loop, so that tests of several nodes can run side by side. */
export function runCliAsync(out: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [CLI, '--root', join(out, 'root'), ...args],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${join(out, 'bin')}:${process.env.PATH}`,
          FAKENODE_BIN: join(out, 'bin'),
          NO_COLOR: '1',
        },
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

export function fakeCheck(out: string): { code: number | null; text: string; removed: string[] } {
  const r = spawnSync(PYTHON, [join(FAKENODE, 'fakenode.py'), 'check', out], { encoding: 'utf8' });
  const removed = [...r.stdout.matchAll(/^ {2}removed (\S+)/gm)].map((m) => m[1]);
  return { code: r.status, text: r.stdout, removed };
}

export function expected(out: string): Record<string, { status: string; reason?: string; protected?: boolean }> {
  return JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')).devices;
}

export function dmNames(out: string): Set<string> {
  return new Set(Object.keys(JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')).dm));
}

export function journals(out: string): string[] {
  const dir = join(out, 'root/var/lib/pve-health/journal');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, f))
    : [];
}

export function calls(out: string): { tool: string; argv: string[] }[] {
  const p = join(out, 'calls.log');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** A qcow2 overlay at `at` (under the node's root) whose header names `backing` (qemu docs/interop/qcow2.txt). */
export function writeQcow2Overlay(root: string, at: string, backing: string): void {
  const buf = Buffer.alloc(512);
  buf.writeUInt32BE(0x514649fb, 0);
  buf.writeUInt32BE(3, 4);
  buf.writeBigUInt64BE(200n, 8);
  buf.writeUInt32BE(Buffer.byteLength(backing), 16);
  buf.writeUInt32BE(16, 20);
  buf.writeBigUInt64BE(8589934592n, 24);
  buf.write(backing, 200);
  writeFileSync(join(root, at), buf);
}

/**
 * Writes a stand-in `dmsetup` into `dir` that runs `dir/mutate.py` (the caller's change to the node) at the
 * second `dmsetup info` of a run, the first re-check after the locks are taken, then the fakenode's own;
 * returns `dir`. Calls are numbered by mkdir, which exactly one process wins (the gather runs reads at once).
 */
export function mutateAtSecondInfo(dir: string): string {
  writeFileSync(
    join(dir, 'dmsetup'),
    `#!/bin/sh
if [ "$1" = info ]; then
  n=1; while ! mkdir "${dir}/call$n" 2>/dev/null; do n=$((n + 1)); done
  [ $n -eq 2 ] && ${PYTHON} ${dir}/mutate.py
fi
exec "$FAKENODE_BIN/dmsetup" "$@"
`,
    { mode: 0o755 },
  );
  return dir;
}
