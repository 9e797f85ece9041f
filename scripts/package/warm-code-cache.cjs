// Writes what the single executable's entry point (sea-main.cjs) compiles and the code cache it compiles
// it with: `node <V8 options> warm-code-cache.cjs BUNDLE SCRIPT [CACHE]`, run by the pinned node with
// SEA_CODE_CACHE_ARGV (sea.ts). SCRIPT is the bundle as node wraps a CommonJS module, its `#!` line made
// a comment (V8 reads one only at the start of a script); sea-main.cjs compiles that text as it is. For
// CACHE the script is compiled here, runs commands on the bundled demo node in this process (the
// bundle's `main`, no output), and V8 gives the cache of it with every function those runs compiled.
// Reproducible: the same functions run in the same order, on any build machine and day: the runs read an
// empty root and configuration (not the build machine's /etc/pve-health or acknowledgements), in UTC, at
// a fixed clock, without the optimising compilers (one compiles the functions it inlines, and what it
// optimises when depends on its background threads: with them 1 build in 3 differed under load) and
// without the baseline compiler (it compiles on a background thread too, and a function's flags record
// whether it had: 1 build in 8 differed in 12 such bits under load); V8's
// hash seed is fixed by --random-seed (left out of its flag hash), and bytecode flushing, which a
// collection's timing could decide, is off. The V8 flags the runs changed are put back before the cache
// is written: V8 stamps it with the hash of the flags at that moment and takes it only when the running
// process's flags hash the same.
// pve-health-nodejs ships this file too: its postinst runs `node --max-semi-space-size=4
// warm-code-cache.cjs --installed /usr/bin/pve-health` on the node the package is installed on, for its
// program (nodejs-main.cjs). That cache need not be reproducible, only written by the node and under the
// V8 options that will read it, so those runs keep the node's own compilers and flags.
'use strict';
const {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const { tmpdir } = require('node:os');
const { wrap } = require('node:module');
const { basename, dirname, join, resolve } = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

/**
 * What a node mostly runs: the timer's check in each format, the parts alone, a snapshot written and read
 * back (`--from`, as bug reports and the bench run), help. SNAPSHOT stands for a file in the empty root.
 */
const COMMANDS = [
  ['check', '--demo'],
  ['check', '--demo', '--json'],
  ['check', '--demo', '--format', 'prometheus'],
  ['check', '--demo', '--format', 'nagios'],
  ['check', '--demo', '--format', 'checkmk'],
  ['check', '--demo', '--quiet'],
  ['dm', '--demo'],
  ['volumes', '--demo'],
  ['mounts', '--demo'],
  ['capture', 'SNAPSHOT', '--demo'],
  ['dm', '--json', '--from', 'SNAPSHOT'],
  ['check', '--json', '--from', 'SNAPSHOT'],
  ['--help'],
];

async function warm(bundle, scriptOut, cacheOut) {
  const text = wrap(readFileSync(bundle, 'utf8').replace(/^#!/, '//'));
  writeFileSync(scriptOut, text);
  if (!cacheOut) return;
  for (const flag of ['--no-flush-bytecode', '--no-opt', '--no-maglev', '--no-sparkplug']) setFlagsFromString(flag);
  const script = await warmUp(text, 'pve-health.cjs', bundle);
  for (const flag of ['--flush-bytecode', '--opt', '--maglev', '--sparkplug']) setFlagsFromString(flag);
  writeFileSync(cacheOut, cacheOf(script));
}

/**
 * pve-health-nodejs's cache, on the node it is installed on. PROGRAM is its /usr/bin/pve-health
 * (nodejs-main.cjs), which names the bundle and the cache file for the bundle's text; the cache is written
 * whole, then renamed into place, and caches of other bundles there are removed.
 */
async function warmInstalled(programPath) {
  const { BUNDLE, CACHE_DIR, cacheFileOf } = require(programPath);
  const text = readFileSync(BUNDLE, 'utf8');
  const file = cacheFileOf(text);
  if (!file) throw new Error(`${BUNDLE} has no code cache key`);
  const cache = cacheOf(await warmUp(text, BUNDLE, BUNDLE));
  // Only root may change it: the program takes no cache from a directory others can write to.
  mkdirSync(CACHE_DIR, { recursive: true });
  chmodSync(CACHE_DIR, 0o755);
  const tmp = join(CACHE_DIR, `.${basename(file)}.${process.pid}`);
  writeFileSync(tmp, cache, { mode: 0o644 });
  renameSync(tmp, file);
  for (const f of readdirSync(CACHE_DIR))
    if (f !== basename(file) && /^pve-health-[0-9a-f]+\.code-cache$/.test(f))
      rmSync(join(CACHE_DIR, f), { force: true });
}

/** The script compiled and run on the demo node (COMMANDS), in this process: V8 then has compiled every function they ran. */
async function warmUp(text, filename, bundle) {
  process.env.TZ = 'UTC';
  const RealDate = Date;
  const FIXED = RealDate.UTC(2026, 0, 1);
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      super(...(args.length ? args : [FIXED]));
    }
    static now() {
      return FIXED;
    }
  };
  const root = mkdtempSync(join(tmpdir(), 'pve-health-warm-'));
  writeFileSync(join(root, 'config.toml'), '');
  const script = new Script(text, { filename });
  // Not the main module: the bundle's entry point does not start, its `main` is called below.
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundle, dirname(bundle));
  let errors = '';
  const io = {
    out: () => {},
    err: (t) => {
      errors += t;
    },
    stdoutIsTTY: false,
    stdoutColumns: undefined,
    stdinIsTTY: false,
    env: { PATH: '/usr/bin:/bin', NO_COLOR: '1' },
  };
  try {
    for (const command of COMMANDS) {
      const args = command.map((a) => (a === 'SNAPSHOT' ? join(root, 'snapshot.json') : a));
      const argv = args[0] === '--help' ? args : [...args, '--root', root, '--config', join(root, 'config.toml')];
      const code = await mod.exports.main(argv, io);
      if (code > 2)
        throw new Error(`pve-health ${argv.join(' ')} exited ${code} while warming the code cache: ${errors}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    globalThis.Date = RealDate;
  }
  return script;
}

/**
 * The cache, stamped under this process's own V8 options: the bundle put --max-semi-space-size back to
 * its default (builtin-code-cache.ts), and the program starts with the options this process was started with.
 */
function cacheOf(script) {
  for (const option of process.execArgv.filter((a) => !a.startsWith('--random-seed'))) setFlagsFromString(option);
  return script.createCachedData();
}

const args = process.argv.slice(2);
const done =
  args[0] === '--installed'
    ? warmInstalled(resolve(args[1]))
    : warm(resolve(args[0]), resolve(args[1]), args[2] && resolve(args[2]));
done.then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`warm-code-cache: ${args[0] === '--installed' ? e.message : (e.stack ?? e)}\n`);
    process.exit(1);
  },
);
