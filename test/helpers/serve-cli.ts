// The bundled CLI's `serve` started as a child on a free port, for the tests that talk to the real service
// (the dashboard in a browser, the API's secrets, the cluster view, the CLI's own options). It resolves once
// the service printed its address; each caller decides what "ready" means after that (the first scans, a
// healthy /healthz), since that differs by test.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI } from './cli';

export interface Served {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT` (a wildcard listen address is given as loopback). */
  base: string;
  /** Everything the service wrote on stderr so far. */
  stderr: () => string;
  exited: Promise<number | null>;
}

// Every service a test process started is killed when it exits, whatever its own clean-up did: a test that
// failed before its `after` hook must not leave a service running on the machine.
const started: ChildProcess[] = [];

/**
 * Runs `node [nodeArgs] dist/pve-health.cjs ...args` (args carry `serve` and its options, with the global
 * options before it) and resolves when stderr says `listening on http://HOST:PORT/`.
 */
export function spawnServe(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): Promise<Served> {
  if (!existsSync(CLI)) return Promise.reject(new Error(`${CLI} missing: run npm run build`));
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (!started.length)
    process.once('exit', () => {
      for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
    });
  started.push(child);
  let err = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/[^/\s]+)\//.exec(err);
      if (m) resolve({ child, base: m[1].replace('0.0.0.0', '127.0.0.1'), stderr: () => err, exited });
    });
    exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}
