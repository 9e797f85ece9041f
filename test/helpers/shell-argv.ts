// The argv a real shell (bash) runs for a command printed by the tool, and whether anything else ran:
// the printed text is cut at each `;` until bash's own parser accepts the cut (`bash -n`: a `;` inside
// quotes leaves an unterminated quote), then that command runs with every command name a shell
// function that records its argv, in an empty directory, so a `$(…)`, backquote or `;` that escaped
// its quotes leaves a file there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Command names the tool prints; each becomes a recording function. */
const NAMES = [
  'pvesm',
  'qm',
  'pct',
  'zfs',
  'rbd',
  'btrfs',
  'lvremove',
  'lvchange',
  'lvconvert',
  'lvextend',
  'vgchange',
  'umount',
  'kpartx',
  'cryptsetup',
  'dmsetup',
  'fuser',
  'pve-health',
  'chown',
  'chmod',
  'rm',
];

export interface ShellRun {
  /** The text bash parsed as the command (up to the end of its clause). */
  command: string;
  argv: string[];
  /** Files that appeared in the empty working directory (a payload that ran). */
  created: string[];
}

/** bash's own path: the recording run has no PATH (a payload finds no program, its `>x` still writes). */
const BASH = spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout?.trim() || 'bash';

export function hasBash(): boolean {
  return spawnSync(BASH, ['-c', 'true']).status === 0;
}

/** Run the command that starts `text` (the rest of the line after it is prose after a `;`, or nothing). */
export function shellArgv(text: string): ShellRun {
  const cuts = [...text.matchAll(/;/g)].map((m) => m.index as number);
  cuts.push(text.length);
  for (const cut of cuts) {
    const command = text.slice(0, cut).trimEnd();
    if (spawnSync(BASH, ['-n', '-c', command]).status !== 0) continue;
    const dir = mkdtempSync(join(tmpdir(), 'pvh-shell-'));
    const out = join(mkdtempSync(join(tmpdir(), 'pvh-shell-out-')), 'argv');
    const stubs = NAMES.map((n) => `${n}() { printf '%s\\0' ${n} "$@" > "$OUT"; }`).join('\n');
    const r = spawnSync(BASH, ['-c', `${stubs}\n${command}`], {
      cwd: dir,
      env: { PATH: '/nonexistent', OUT: out },
      encoding: 'utf8',
    });
    let argv: string[] = [];
    try {
      argv = readFileSync(out, 'utf8').split('\0').slice(0, -1);
    } catch {
      argv = [`<no command ran: ${String(r.stderr ?? r.error).trim()}>`];
    }
    return { command, argv, created: readdirSync(dir) };
  }
  return { command: text, argv: ['<bash could not parse any cut>'], created: [] };
}

/** Every command in `text` that starts with `prefix` (at a line start or after a space), run through bash. */
export function shellRunsAfter(text: string, prefix: string): ShellRun[] {
  const runs: ShellRun[] = [];
  for (const line of text.split('\n')) {
    let at = line.indexOf(prefix);
    while (at >= 0) {
      if (at === 0 || line[at - 1] === ' ') runs.push(shellArgv(line.slice(at)));
      at = line.indexOf(prefix, at + 1);
    }
  }
  return runs;
}
