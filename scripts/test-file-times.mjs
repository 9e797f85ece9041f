// A second reporter beside the spec one (scripts/run-tests.mjs): at the end of the run it prints the files
// that took longest, so a CI log shows where `npm test`'s minutes go (docs/testing.md, 'CI'). A file's time
// is the sum of its top-level tests' durations: the files run two at a time, so the sum over all files is
// about twice the wall time.
export default async function* fileTimes(source) {
  const perFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.nesting !== 0 || !d.file) continue;
    perFile.set(d.file, (perFile.get(d.file) ?? 0) + (d.details?.duration_ms ?? 0));
  }
  const rows = [...perFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  const cwd = process.cwd();
  yield `# test files by time: ${rows.length} files, ${(total / 1000).toFixed(0)} s summed\n`;
  for (const [file, ms] of rows.slice(0, 25)) {
    const name = file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
    yield `#   ${(ms / 1000).toFixed(1).padStart(7)} s  ${name}\n`;
  }
}
