// The single executable's entry point (its SEA `main`): compiles the bundle, an asset of the executable,
// with V8's code cache of it, another asset, and runs it as the main module. The cache is written when
// the executable is built, after the bundle has run the commands on the demo node (warm-code-cache.cjs),
// so it holds the bytecode of every function those runs compiled, not only the top level that node's own
// SEA code cache would hold (interleaved runs: `dm --json` on 10,000 devices 435 ms without a cache, 431
// with node's, 412 with this one; `check --demo` 76 ms without, 48 with it).
// V8 takes a cache only under the V8 options it was written with (the executable's execArgv), heap sizes
// aside (flags.cc ComputeFlagListHash): started with other ones (`--node-options=...`, the service's
// `--lite-mode`) the bundle is compiled from its source as it would be without one, silently;
// PVE_HEALTH_DEBUG says so on stderr.
'use strict';
const { getAsset, getAssetKeys, getRawAsset } = require('node:sea');
const { Script } = require('node:vm');

const CACHE = 'pve-health.code-cache';
// Built without one: PVE_HEALTH_SEA_CODE_CACHE=0.
const cachedData = getAssetKeys().includes(CACHE) ? new Uint8Array(getRawAsset(CACHE)) : undefined;
// The bundle as node wraps a module, the text the cache was made from (warm-code-cache.cjs): V8 checks it.
const script = new Script(getAsset('pve-health.cjs', 'utf8'), { filename: 'pve-health.cjs', cachedData });
if (cachedData && script.cachedDataRejected && process.env.PVE_HEALTH_DEBUG)
  process.stderr.write("pve-health: the code cache was not used (V8 options other than the build's)\n");
script.runInThisContext().call(module.exports, module.exports, require, module, __filename, __dirname);
