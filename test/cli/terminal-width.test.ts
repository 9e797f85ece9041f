// The console as an admin meets it: in a terminal (a pty made by script(1)) of 80 and 160 columns,
// no line is wider than the terminal — except a fix command, which is never broken so that a
// triple-click copies it whole — problems come before the guest list, the mounts table keeps every
// value under its header or names it, and help fits 80 columns. Piped output is not wrapped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';
import { inPty } from '../helpers/pty';
import { requireTool } from '../helpers/require-tool';

/** Lines wider than `cols`, fix commands aside (six spaces deep in a problem's fix, its prose four deep). */
function tooWide(text: string, cols: number): string[] {
  const out: string[] = [];
  let inFix = false;
  for (const line of text.split('\n')) {
    const isCommand = inFix && /^ {6}\S/.test(line);
    if (/^ {4}fix\b/.test(line)) inFix = true;
    else if (!/^ {4}/.test(line)) inFix = false;
    if (!isCommand && [...line].length > cols) out.push(`${[...line].length}: ${line}`);
  }
  return out;
}

for (const cols of [80, 160]) {
  test(`terminal ${cols} columns: check --demo fits, problems first, commands whole`, (t) => {
    if (!requireTool(t, 'script', 'bsdutils')) return;
    const text = inPty(['check', '--demo'], cols);
    assert.match(text, /^pve-health pve1 — CRITICAL — grade F: /);
    assert.deepEqual(tooWide(text, cols), [], `lines wider than ${cols}`);
    const problems = text.indexOf('\nProblems (');
    const guests = text.indexOf('\nGuests (');
    assert.ok(problems > 0 && guests > problems, 'problems come before the guest list');
    // A fix: prose on its line, the command alone on the next, whole.
    assert.match(text, /\n {4}fix: remove map [^\n]*(\n {6}[^\n]*)?\n {6}dmsetup remove --retry -u LVM-\S+\n/);
    // The first screen has no DM jargon: the pool's major:minor and "incarnation" are details.
    assert.doesNotMatch(text, /pool 252:|old incarnation/);
  });

  test(`terminal ${cols} columns: the mounts table keeps each value under its header or names it`, (t) => {
    if (!requireTool(t, 'script', 'bsdutils')) return;
    const text = inPty(['mounts', '--demo'], cols);
    assert.deepEqual(tooWide(text, cols), []);
    const header = text.split('\n').find((l) => l.startsWith('STATUS  '))!;
    assert.ok(header, 'the table header');
    const row = text.split('\n').find((l) => l.startsWith('full ') && l.includes('/mnt/pve/archive'))!;
    // Every header that is still in the table starts where its value starts.
    const at = (h: string) => header.indexOf(h);
    assert.equal(row.indexOf('/mnt/pve/archive'), at('TARGET'));
    if (header.includes('USED')) assert.equal(row.indexOf('92% of'), at('USED'));
    else assert.match(text, /used: 92% of 7\.8 TiB/, 'a column moved out of the table is named');
    if (cols === 160) assert.ok(header.includes('DETAIL'), 'at 160 columns the whole table fits');
  });
}

test('help fits 80 columns (a long example command aside) and its prose is reflowed, not stubbed, in every command', () => {
  for (const c of [
    '',
    'check',
    'dm',
    'mounts',
    'volumes',
    'cluster',
    'report',
    'notify',
    'ack',
    'capture',
    'clean',
    'restore',
    'serve',
    'install-timer',
  ]) {
    const r = runCli([...(c ? [c] : []), '--help']);
    const wide = r.stdout.split('\n').filter((l) => [...l].length > 80 && !/^ {2}pve-health /.test(l));
    assert.deepEqual(wide, [], `pve-health ${c} --help`);
    // A stub: a short line that does not end a sentence, with the next line of the same paragraph or
    // table cell under it (what wrapping each source line alone leaves: "… /etc/pve" / "configs,
    // processes)" / "to FILE as JSON …"); and an example command is never split (a copied line must run).
    const lines = r.stdout.split('\n');
    const column = (l: string) => {
      const row = /^(\s+\S(?:\S| (?! ))*\s{2,})\S/.exec(l);
      return row && row[1].length < 40 ? row[1].length : l.length - l.trimStart().length;
    };
    const stubs = lines.filter((l, i) => {
      const next = lines[i + 1];
      if (!l.trim() || !next?.trim() || /^\s*(#|pve-health )/.test(l)) return false;
      const sameCell = next.length - next.trimStart().length === column(l);
      // The next line's first word would have fitted here: no wrapping put it there.
      // A command quoted in prose is one word: it is never broken (render/wrap.ts); so is a usage line's
      // bracketed option group (`[--root DIR | --from FILE | --demo]`).
      const first = /^[([]?(['`])[^'`\n]+?\1(?=[\s,.;:!?)\]]|$)\S*|^\[[^\]]*\]\S*|^\S+/.exec(next.trim())![0];
      const fits = l.length + 1 + first.length <= 80;
      return sameCell && fits && !/[.!?:,]$/.test(l) && !/^\s*pve-health /.test(next);
    });
    // (a line the example continues with a backslash is its next argument, not a split)
    const split = lines.filter(
      (l, i) => /^\s+pve-health /.test(lines[i - 1] ?? '') && !/\\$/.test(lines[i - 1]) && /^\s+[^\s#p-]/.test(l),
    );
    stubs.push(...split);
    assert.deepEqual(stubs, [], `pve-health ${c} --help`);
  }
});

test('piped output is not wrapped (one greppable record per line); COLUMNS wins', () => {
  const piped = runCli(['check', '--demo']).stdout;
  assert.ok(
    piped.split('\n').some((l) => [...l].length > 100),
    'a pipe gets the long lines whole',
  );
  const narrow = runCli(['check', '--demo'], { env: { COLUMNS: '80' } }).stdout;
  assert.deepEqual(tooWide(narrow, 80), []);
});
