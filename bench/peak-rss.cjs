// Preloaded by bench/run.mjs (node --require): the process's peak RSS on stderr as it exits, the way
// `/usr/bin/time -f %M` would say it, for the CLI and the I/O floor alike.
process.on('exit', () => {
  process.stderr.write(`\npeak-rss-kib=${process.resourceUsage().maxRSS}\n`);
});
