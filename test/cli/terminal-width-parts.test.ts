// `volumes` and `clean` in a terminal (a pty made by script(1)) of 80 and 160 columns, as `check` is
// (terminal-width.test.ts): the renderer `check` uses — `● SEVERITY`, the volume ID as the subject and
// the DM name as a detail, `fix:` prose over the command — no prose line past the width, and no
// command broken: every command the unwrapped output prints (alone on its line, or quoted in prose)
// is whole on one line of the terminal's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';
import { inPty } from '../helpers/pty';
import { requireTool } from '../helpers/require-tool';

/** A command quoted in prose ('qm disk rescan --vmid 100', `pct fstrim 110`): one with a space in it. */
const QUOTED = /(['`])([^'`\n]* [^'`\n]*)\1/g;

/** The commands of unwrapped (piped) output: lines six deep under a fix, the plan's list, quoted ones. */
function commandsOf(piped: string): string[] {
  const out = new Set<string>();
  let inCommands = false;
  for (const line of piped.split('\n')) {
    if (/^Commands \(/.test(line)) inCommands = true;
    else if (!/^ {2}/.test(line)) inCommands = false;
    if (/^ {6}\S/.test(line) || (inCommands && /^ {2}[^ #]/.test(line))) out.add(line.trim());
    for (const m of line.matchAll(QUOTED)) out.add(m[2]);
  }
  return [...out];
}

/** Lines wider than `cols` that are no command alone on its line and no single word that cannot break. */
function prosePastWidth(text: string, cols: number, commands: string[]): string[] {
  const whole = new Set(commands);
  return text
    .split('\n')
    .filter((l) => [...l].length > cols)
    .filter(
      (l) =>
        !whole.has(l.trim()) &&
        !commands.some((c) => l.includes(c) && l.trim().split(' ').length <= c.split(' ').length + 1),
    );
}

function brokenCommands(text: string, commands: string[]): string[] {
  const lines = text.split('\n');
  return commands.filter((c) => !lines.some((l) => l.includes(c)));
}

for (const cols of [80, 160]) {
  test(`terminal ${cols} columns: volumes --demo prints as check does, fitted, commands whole`, (t) => {
    if (!requireTool(t, 'script', 'bsdutils')) return;
    const text = inPty(['volumes', '--demo'], cols);
    const commands = commandsOf(runCli(['volumes', '--demo']).stdout);
    assert.match(text, /^pve-health pve1 — WARNING — grade B: 2 orphans\n/);
    assert.deepEqual(prosePastWidth(text, cols, commands), [], `prose past ${cols} columns`);
    assert.deepEqual(brokenCommands(text, commands), [], 'commands broken across lines');
    // Problems first, in check's words, then the storages.
    const problems = text.indexOf('\nProblems (2)\n');
    assert.ok(problems > 0 && text.indexOf('\nVolumes (ZFS, Ceph RBD, file storages)') > problems);
    assert.match(text, /\n● WARNING {2}local-zfs:vm-100-disk-2@__migration__ {2}VM 100 web01\n/);
    assert.doesNotMatch(text, /\bhint: |\[operation-leftover\]/, 'not the old renderer');
    // Keep and drop are two steps, each command alone on its line, the drop marked irreversible.
    assert.match(
      text,
      /\n {4}to keep it, attach it to VM 103 as unusedN \(on pve1\):\n {6}qm disk rescan --vmid 103\n {4}to set it aside reversibly[^\n]*(\n {4}[^ ][^\n]*)*:\n {6}pve-health reclaim --name local:103\/old-import\.qcow2\n {4}or to drop it now \(irreversible: deletes the data\)[^\n]*(\n {4}[^ ][^\n]*)*:\n {6}pvesm free local:103\/old-import\.qcow2\n/,
    );
  });

  test(`terminal ${cols} columns: clean --demo --dry-run names volumes, fits, keeps check's next step`, (t) => {
    if (!requireTool(t, 'script', 'bsdutils')) return;
    const text = inPty(['clean', '--demo', '--dry-run'], cols);
    const commands = commandsOf(runCli(['clean', '--demo', '--dry-run']).stdout);
    assert.ok(commands.some((c) => c.startsWith('dmsetup remove --retry -u LVM-')));
    assert.deepEqual(prosePastWidth(text, cols, commands), [], `prose past ${cols} columns`);
    assert.deepEqual(brokenCommands(text, commands), [], 'commands broken across lines');
    // The subject is the volume ID check showed, the DM name a detail; the fix as check prints it.
    assert.match(
      text,
      /\n1\. ● CRITICAL san-lvm:vm-121-disk-0 {2}VM 121 legacy\n[\s\S]*?\n {4}device-mapper vg--san-vm--121--disk--0, inactive LV\n {4}fix: remove map [^\n]*\n {6}dmsetup remove --retry -u LVM-\S+\n/,
    );
    assert.doesNotMatch(text, /^\s*\d+\s+vg--san-vm--121--disk--0\s/m, 'no DM name as the subject');
    // "Not touched" keeps the next step check printed for the same protected critical.
    const check = runCli(['check', '--demo']).stdout;
    const next = /1\) shut CT 110 down:\n {6}pct shutdown 110\n {4}2\) [^\n]*\n {6}pve-health clean --name \S+/.exec(
      check,
    )![0];
    const notTouched = text.slice(text.indexOf('\nNot touched ('));
    assert.match(notTouched, /\n- ● CRITICAL local-lvm:vm-110-disk-1 {2}CT 110 dns1\n/);
    assert.equal(notTouched.replace(/\s+/g, ' ').includes(next.replace(/\s+/g, ' ')), true, next);
  });
}
