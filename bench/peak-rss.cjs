// Preloaded by bench/run.mjs (node --require): the process's peak RSS on stderr as it exits, the way
// `/usr/bin/time -f %M` would say it, and its CPU time (user + system, all its threads: V8's parallel
// garbage collection and compiles count), for the CLI and the I/O floor alike. On a busy machine the
// wall time of a run says more about the machine than about the program; its CPU time much less so.
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`\npeak-rss-kib=${u.maxRSS} cpu-us=${u.userCPUTime + u.systemCPUTime}\n`);
});
