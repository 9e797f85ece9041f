// pve-health-nodejs's program, /usr/bin/pve-health (its `#!/usr/bin/node` line is added by the build):
// compiles the bundle, /usr/lib/pve-health/pve-health.cjs, with V8's code cache of it, and runs it as the
// main module. The cache is per node: V8 takes one only from its own version and under the V8 options it
// was written with, so the package's postinst writes it on the node it runs on (warm-code-cache.cjs
// --installed, again when nodejs is upgraded: the package's trigger on /usr/bin/node), after the bundle
// has run the main commands on the demo node: it holds the bytecode of every function those runs
// compiled (Node 20, interleaved: `check --demo` 123 -> 96 ms, `--version` 87 -> 74 ms).
// Without a usable cache (not written yet, written by another node, the service's `--lite-mode`) the
// bundle is compiled from its source, as it was before there was one: silently; PVE_HEALTH_DEBUG says why.
'use strict';
const { closeSync, fstatSync, openSync, readFileSync, statSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

// Beside the program as the package installs it: /usr/bin/../lib/pve-health, /usr/bin/../../var/cache/pve-health.
const BUNDLE = join(__dirname, '..', 'lib', 'pve-health', 'pve-health.cjs');
const CACHE_DIR = join(__dirname, '..', '..', 'var', 'cache', 'pve-health');

/** Only root may have written what runs as this program: a file and directory root owns and only root can change. */
function rootOnly(st) {
  return st.uid === 0 && (st.mode & 0o022) === 0;
}

/**
 * The cache file for exactly this bundle text: its name carries the key the build put on the bundle's last
 * line (`//# code-cache-key=...`), so a cache of an older bundle is never offered to a newer one (V8
 * itself checks only the source's length). null without a key.
 */
function cacheFileOf(text) {
  const key = /\/\/# code-cache-key=([0-9a-f]{16,64})\n?$/.exec(text.slice(-100))?.[1];
  return key ? join(CACHE_DIR, `pve-health-${key}.code-cache`) : null;
}

/** The cache for this bundle text if root alone wrote it: [cache or undefined, why not]. */
function readCache(text) {
  const file = cacheFileOf(text);
  if (!file) return [undefined, 'the bundle has no code cache key'];
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [undefined, `${file} is missing (the package's postinst writes it)`];
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !rootOnly(st) || !rootOnly(statSync(CACHE_DIR)))
      return [undefined, `${file} or its directory is not root's alone`];
    return [readFileSync(fd), ''];
  } catch (e) {
    return [undefined, `${file}: ${e.code ?? e.message}`];
  } finally {
    closeSync(fd);
  }
}

function run() {
  let text;
  try {
    text = readFileSync(BUNDLE, 'utf8');
  } catch (e) {
    // Exit 3, UNKNOWN to a monitoring system: a stack trace would exit 1, a WARNING about the node.
    process.stderr.write(`pve-health: cannot read ${BUNDLE} (${e.code ?? e.message}): reinstall pve-health-nodejs\n`);
    process.exit(3);
  }
  const [cachedData, missing] = readCache(text);
  const script = new Script(text, { filename: BUNDLE, cachedData });
  if (process.env.PVE_HEALTH_DEBUG && (!cachedData || script.cachedDataRejected))
    process.stderr.write(
      `pve-health: the code cache was not used (${missing || 'written by another node or under other V8 options'})\n`,
    );
  script.runInThisContext().call(module.exports, module.exports, require, module, BUNDLE, dirname(BUNDLE));
}

// Required instead of run (postinst's warm-code-cache.cjs --installed): where the bundle and its cache go.
if (require.main === module) run();
else module.exports = { BUNDLE, CACHE_DIR, cacheFileOf };
