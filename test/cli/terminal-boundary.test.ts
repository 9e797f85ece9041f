// One sanitiser at the terminal boundary (docs/reports.md "Control characters"): whatever a command
// writes to stdout or stderr, from whichever renderer or error path, carries no raw control character
// from the node (ESC, CR, BEL...), only line feeds, tabs and, with colour on, the tool's own colours.
// Every command's text output, in-process, over a node whose names carry ESC/CR/BEL.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Io } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { terminalIo } from '../../src/cli/terminal-io';
import { jsonTerminalText, stringifiedJsonForTerminal, terminalText } from '../../src/render/sanitize';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

// ESC sequences, BEL, CR, a C1 CSI, DEL and a bidi override (JSON.stringify leaves the last three raw).
const EVIL = '\u001b]0;owned\u0007\u001b[2J\r\u009b31m\u007f\u202e';
// The same without DEL and anything above U+007F: a text of such names is ASCII, which a JSON document's
// pieces pass unscanned (stringifiedJsonForTerminal), so any other text must not take that path.
const ASCII_EVIL = '\u001b]0;owned\u0007\u001b[2J\r';
const FIXTURES = [
  ['names with C0, C1, DEL and bidi', EVIL],
  ['ASCII names with C0 only', ASCII_EVIL],
] as const;

function snapshotFile(EVIL: string): string {
  const b = new NodeBuilder('pve1').storage(LOCAL_LVM).pool('pve');
  b.guest(100, 'lxc', [
    `hostname: ct${EVIL}`,
    'rootfs: local-lvm:vm-100-disk-0,size=8G',
    `mp0: /srv/x${EVIL},mp=/mnt/x${EVIL}`,
  ]);
  b.lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' });
  b.lv({ vg: 'pve', lv: 'vm-555-disk-0', pool: 'data' });
  b.map({ name: `evil${EVIL}map`, uuid: '', table: '0 2048 linear 8:16 4096' });
  b.holder('/dev/mapper/pve-vm--555--disk--0', 4242, `dd${EVIL}`);
  const file = join(mkdtempSync(join(tmpdir(), 'pvh-term-')), 'node.json');
  writeFileSync(file, JSON.stringify(b.build()));
  return file;
}

async function run(argv: string[], o: { tty: boolean }): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    stdoutIsTTY: o.tty,
    stdinIsTTY: false,
    env: { TERM: 'xterm', PATH: process.env.PATH },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Raw control characters other than LF and TAB; with colour, ESC only as the tool's own SGR codes. */
function rawControls(s: string, color: boolean): string[] {
  const stripped = color ? s.replace(/\u001b\[(?:1|2|22|31|32|33|34|39|90)m/g, '') : s;
  return [...stripped.matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g)].map(
    (m) => JSON.stringify(stripped.slice(Math.max(0, m.index! - 20), m.index! + 5)),
  );
}

for (const [fixture, EVIL] of FIXTURES)
  describe(`no raw control character reaches the terminal, in any command (${fixture})`, () => {
    const from = snapshotFile(EVIL);
    const bad = join(tmpdir(), `no-such${EVIL}`);
    const commands: string[][] = [
      ['check', '--from', from],
      ['check', '--from', from, '-q'],
      ['check', '--from', from, '--format', 'nagios'],
      ['check', '--from', from, '--format', 'checkmk'],
      ['check', '--from', from, '--format', 'prometheus'],
      ['dm', '--from', from],
      ['dm', '--from', from, '--verbose'],
      ['volumes', '--from', from],
      ['mounts', '--from', from],
      ['report', '--from', from],
      ['report', '--from', from, '--html', '-', '--json'],
      ['ack', '--from', from, '--list'],
      ['ack', `key${EVIL}`, '--for', '1d', '--reason', `why${EVIL}`, '--root', bad],
      ['clean', '--root', bad, '--dry-run'],
      ['restore', '--root', bad, `journal${EVIL}`],
      ['cluster', `node${EVIL}`, '--ssh-config', bad],
      ['check', '--root', bad, `--nonsense${EVIL}`],
      [`bogus${EVIL}`],
    ];
    for (const argv of commands) {
      for (const tty of [false, true]) {
        test(`${argv.map((a) => (a === from ? 'FILE' : a.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?'))).join(' ')}${tty ? ' (terminal, colour)' : ''}`, async () => {
          const r = await run(argv, { tty });
          assert.ok(r.out.length + r.err.length > 0, 'says something');
          assert.deepEqual(rawControls(r.out, tty), [], 'stdout');
          assert.deepEqual(rawControls(r.err, false), [], 'stderr');
        });
      }
    }
  });

// JSON.stringify escapes C0 controls, not DEL, C1 or bidi marks; the boundary once wrote those as
// `\x9b` and `\u{202e}`, which no JSON parser takes. Now JSON's own escapes: the same values, no raw byte.
for (const [fixture, EVIL] of FIXTURES)
  describe(`a JSON document on stdout is valid JSON with the names as the node has them, and nothing raw (${fixture})`, () => {
    const from = snapshotFile(EVIL);
    for (const argv of [
      ['check', '--json'],
      ['dm', '--json'],
      ['dm', '--format', 'json'],
      ['volumes', '--json'],
      ['mounts', '--json'],
    ]) {
      for (const tty of [false, true]) {
        test(`${argv.join(' ')}${tty ? ' (terminal)' : ''}`, async () => {
          const r = await run([...argv, '--from', from], { tty });
          assert.deepEqual(rawControls(r.out, false), [], 'stdout');
          const doc = JSON.parse(r.out);
          if (argv[0] === 'volumes' || argv[0] === 'mounts') return;
          const names = doc.dm.entries.map((e: { name: string }) => e.name);
          assert.ok(names.includes(`evil${EVIL}map`), names.join(', '));
          const holders = doc.dm.entries.flatMap((e: { processes: { command: string }[] }) => e.processes);
          assert.ok(
            holders.some((p: { command: string }) => p.command === `dd${EVIL}`),
            JSON.stringify(holders),
          );
        });
      }
    }
  });

test('jsonTerminalText: what the terminal boundary escapes, as JSON escapes it', () => {
  assert.equal(jsonTerminalText('{"a": "x\u009by\u007fz\u202e"}'), '{"a": "x\\u009by\\u007fz\\u202e"}');
  assert.equal(JSON.parse(jsonTerminalText(JSON.stringify({ a: `n${EVIL}` }))).a, `n${EVIL}`);
  const plain = JSON.stringify({ a: 'plain\ttext' }, null, 2);
  assert.equal(jsonTerminalText(plain), plain);
});

test('stringifiedJsonForTerminal: JSON.stringify text of any size escaped as jsonTerminalText escapes it', () => {
  const names = (n: number, s: string) => Array.from({ length: n }, (_, i) => ({ name: `vm-${i}-disk-0${s}` }));
  for (const value of [
    names(3, ''),
    names(3, EVIL),
    names(400, ''), // ASCII without DEL, over 4 KB: passed as it is
    names(400, ASCII_EVIL), // JSON.stringify escaped the C0 controls itself
    names(400, EVIL),
    [...names(400, ''), { name: 'x\u007f' }], // DEL only, at the end of a large piece
    [...names(400, ''), { name: 'x\u2066y' }],
  ]) {
    const text = JSON.stringify(value, null, 2);
    const shown = stringifiedJsonForTerminal(text);
    assert.equal(shown, jsonTerminalText(text));
    assert.deepEqual(rawControls(shown, false), []);
    assert.deepEqual(JSON.parse(shown), value);
  }
});

// Only the JSON writer's pieces (JSON.stringify's text) may skip the scan: any other text a command writes
// while --json is on (an HTML page on stdout, a remote node's text) is scanned whatever its size.
test('the terminal boundary in JSON mode: out scans every text, outJson only skips what JSON.stringify wrote', () => {
  for (const size of [10, 5000, 200_000]) {
    const ascii = `${'x'.repeat(size)}${ASCII_EVIL}<b>${'y'.repeat(size)}\n`;
    for (const [name, evil] of FIXTURES) {
      const written: string[] = [];
      const io = terminalIo(
        { out: (t) => void written.push(t), err: () => {}, stdoutIsTTY: true, stdinIsTTY: false, env: {} },
        () => false,
        () => true,
      );
      const text = `${'x'.repeat(size)}${evil}${'y'.repeat(size)}`;
      io.out(ascii);
      io.out(text);
      const doc = JSON.stringify(
        Array.from({ length: 1 + size / 40 }, (_, i) => ({ name: `n${i}${evil}` })),
        null,
        2,
      );
      io.outJson?.(doc);
      assert.deepEqual(rawControls(written.join(''), false), [], `${name}, ${size}`);
      assert.deepEqual(JSON.parse(written[2]), JSON.parse(doc));
    }
  }
});

test('terminalText: controls become visible escapes; LF, TAB and own colours stay', () => {
  assert.equal(terminalText('a\u001b[2Jb\rc\u0007\n\td', { color: false }), 'a\\x1b[2Jb\\x0dc\\x07\n\td');
  assert.equal(terminalText('\u001b[31mred\u001b[39m', { color: true }), '\u001b[31mred\u001b[39m');
  assert.equal(terminalText('\u001b[31mred\u001b[39m', { color: false }), '\\x1b[31mred\\x1b[39m');
  assert.equal(terminalText('\u001b[1;31mx', { color: true }), '\\x1b[1;31mx', 'only the exact codes paint() writes');
  assert.equal(terminalText('\u202eevil', { color: true }), '\\u{202e}evil');
});
