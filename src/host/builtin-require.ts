// A require of node's builtins, for code that loads one only when it needs it (node:crypto at the first
// token, node:sea, the mailer's builtins) and for the scripts the single executable runs as its own
// children (mount probe, volume listing). The sources are ES modules and the bundle is CommonJS:
// createRequire works in both. Its base is a fixed absolute path, not one of the process: the cwd may
// have been removed since the program started (process.cwd() throws then), and the single executable's
// execPath is its argv[0], a bare name, where /proc is not mounted (a chroot). Builtins alone: nothing
// is ever resolved from that base.
import { createRequire, isBuiltin } from 'node:module';

const requireFromRoot = createRequire('/');

export function builtinRequire(id: string): unknown {
  if (!isBuiltin(id)) throw new Error(`builtinRequire: '${id}' is not one of node's builtin modules`);
  return requireFromRoot(id);
}
