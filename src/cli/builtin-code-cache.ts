// Imported first by the entry point (main.ts), before any other module loads one of node's builtins.
//
// Node compiles its own modules (streams, process spawning, readline, perf_hooks, ...) from a code cache built
// into its binary, and V8 takes that cache only while its flags hash as they did when node was built:
// one changed V8 flag and every builtin a command loads is compiled from source (~10 ms at each start,
// measured on Node 24: 12.8 -> 2.8 ms for the builtins of a check). Both packages start node with
// `--max-semi-space-size=4` (scripts/package/sea.ts SEA_EXEC_ARGV, the nodejs package's #! line), which
// V8 reads once, when it sets up the heap: put back to its default (0, "size by heuristics", in every
// V8 from Node 18 to 24) the flag no longer counts in the hash, and the young generation keeps the size
// it was set up with (the same number of scavenges at 10,000 devices). The serve unit's options (`--lite-mode`)
// change the hash anyway; for it this changes nothing. Newer V8 leaves the heap sizes out of the hash
// (v8 commit 87356585659b, flags.cc ComputeFlagListHash; in the executable's pinned Node 24 through
// nodejs/node#60069), where this is a no-op; Debian's nodejs 18 and 20, which pve-health-nodejs runs on,
// still count them.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--max-semi-space-size=0');
