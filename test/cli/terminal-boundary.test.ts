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
import { jsonTerminalText, terminalText } from '../../src/render/sanitize';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';

// ESC sequences, BEL, CR, a C1 CSI, DEL and a bidi override (JSON.stringify leaves the last three raw).
const EVIL = '\u001b]0;owned\u0007\u001b[2J\r\u009b31m\u007f\u202e';

function snapshotFile(): string {
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

describe('no raw control character reaches the terminal, in any command', () => {
  const from = snapshotFile();
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
describe('a JSON document on stdout is valid JSON with the names as the node has them, and nothing raw', () => {
  const from = snapshotFile();
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

test('terminalText: controls become visible escapes; LF, TAB and own colours stay', () => {
  assert.equal(terminalText('a\u001b[2Jb\rc\u0007\n\td', { color: false }), 'a\\x1b[2Jb\\x0dc\\x07\n\td');
  assert.equal(terminalText('\u001b[31mred\u001b[39m', { color: true }), '\u001b[31mred\u001b[39m');
  assert.equal(terminalText('\u001b[31mred\u001b[39m', { color: false }), '\\x1b[31mred\\x1b[39m');
  assert.equal(terminalText('\u001b[1;31mx', { color: true }), '\\x1b[1;31mx', 'only the exact codes paint() writes');
  assert.equal(terminalText('\u202eevil', { color: true }), '\\u{202e}evil');
});
