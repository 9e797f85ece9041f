// Preloaded by bench/run.mjs (node --require): the process's peak RSS on stderr as it exits, the way
// `/usr/bin/time -f %M` would say it, and its CPU time (user + system, all its threads: V8's parallel
// garbage collection and compiles count), for the CLI and the I/O floor alike. On a busy machine the
// wall time of a run says more about the machine than about the program; its CPU time much less so.
// The user part alone too: the system part is mostly page faults, paid by the floor and the CLI alike,
// whose cost differs between machines (about 9 us a fault on one where the floor spent half its time there).
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(
    `\npeak-rss-kib=${u.maxRSS} cpu-us=${u.userCPUTime + u.systemCPUTime} user-us=${u.userCPUTime}\n`,
  );
});
