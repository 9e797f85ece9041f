// The Host handed to every adapter: where system files live (`root`, default "/"), how commands
// run (the one exec helper), and the clock. Tests point `root` at a fake node and PATH at fakes.
import { join } from 'node:path';
import { type Exec, exec as realExec } from './exec';

export interface Host {
  root: string;
  exec: Exec;
  now: () => Date;
  env: NodeJS.ProcessEnv;
}

export function createHost(opts: { root?: string; exec?: Exec; now?: () => Date; env?: NodeJS.ProcessEnv } = {}): Host {
  return {
    root: opts.root ?? '/',
    exec: opts.exec ?? realExec,
    now: opts.now ?? (() => new Date()),
    env: opts.env ?? process.env,
  };
}

/** Resolve an absolute system path ("/etc/pve/storage.cfg") under the host root. */
export function hostPath(host: Pick<Host, 'root'>, path: string): string {
  if (host.root === '/' || host.root === '') return path;
  return join(host.root, path);
}
