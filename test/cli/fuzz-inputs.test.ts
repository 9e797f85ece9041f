// Bounded fuzz (fixed seed, a few seconds): every parser and the capture document, fed valid and
// mutated inputs. A parser may refuse with an Error (the caller turns it into a reason), never crash
// otherwise; the node view never throws; a view it cannot believe plans nothing; the CLI never prints
// an empty stdout and never exits outside 0-3.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import { parseGuestConfig } from '../../src/core/parse/guest-config';
import { parseMountInfo } from '../../src/core/parse/mountinfo';
import { parseDmDeps, parseDmInfo, parseDmTable } from '../../src/core/parse/parse-dmsetup';
import { parseLvs, parseVgs } from '../../src/core/parse/parse-lvm';
import { parseMembers, parseVmlist } from '../../src/core/parse/pmxcfs';
import { parseStorageConfig, unparsedStorageLines } from '../../src/core/parse/storage-config';
import { isCheckFailure } from '../../src/core/vocab/errors';
import type { HostSnapshot } from '../../src/core/vocab/snapshot';
import { tempDir } from '../helpers/cli';

const demo = JSON.parse(
  readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../demo/demo-node.json'), 'utf8'),
) as HostSnapshot;

/** mulberry32: a small deterministic generator (the same mutations on every run). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = ['\u0000', '\t', ':', ' ', '\n', '"', '{', '}', '[', ']', '-', '\u00e9', '\r', '(', ')', ',', '9'];

/** One mutation of a text: flip a character, duplicate/drop/swap a line, truncate, or keep it valid. */
function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const i = Math.floor(r() * Math.max(1, lines.length));
  switch (Math.floor(r() * 7)) {
    case 0:
      return text;
    case 1: {
      const p = Math.floor(r() * Math.max(1, text.length));
      return text.slice(0, p) + NASTY[Math.floor(r() * NASTY.length)] + text.slice(p + 1);
    }
    case 2:
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    case 3:
      lines.splice(i, 1);
      return lines.join('\n');
    case 4:
      return text.slice(0, Math.floor(r() * text.length));
    case 5:
      return lines.reverse().join('\n');
    default:
      return `${text}\n${lines[i] ?? ''}`;
  }
}

function refusesCleanly(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    // A refusal is an Error with a message (the node view makes it a reason), never a TypeError/RangeError crash.
    assert.ok(
      e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError),
      String((e as Error)?.stack),
    );
  }
}

const cmd = (k: string) => demo.commands[k].stdout;
const PARSERS: [string, string, (t: string) => unknown][] = [
  ['dmsetup info', cmd('dmsetup.info'), parseDmInfo],
  ['dmsetup table', cmd('dmsetup.table'), (t) => parseDmTable(t)],
  ['dmsetup deps', cmd('dmsetup.deps'), (t) => parseDmDeps(t)],
  ['lvs', cmd('lvs'), parseLvs],
  ['vgs', cmd('vgs'), parseVgs],
  ['storage.cfg', demo.files['/etc/pve/storage.cfg'], (t) => [parseStorageConfig(t), unparsedStorageLines(t)]],
  ['.members', demo.files['/etc/pve/.members'], parseMembers],
  ['.vmlist', demo.files['/etc/pve/.vmlist'], parseVmlist],
  ['guest config', demo.files['/etc/pve/nodes/pve1/qemu-server/100.conf'], (t) => parseGuestConfig(t, 'qemu', 100)],
  ['mountinfo', demo.files['/proc/self/mountinfo'], parseMountInfo],
];

for (const [name, valid, parse] of PARSERS) {
  test(`fuzz ${name}: valid and mutated inputs parse or refuse with an Error`, () => {
    const r = rng(0x5eed + name.length);
    let text = valid;
    for (let n = 0; n < 300; n++) {
      text = n % 20 === 0 ? valid : mutate(text, r);
      refusesCleanly(() => parse(text));
    }
  });
}

test('fuzz the capture document: the node view never throws; a view it cannot believe plans nothing', () => {
  const r = rng(24);
  const keys = Object.keys(demo.commands);
  const files = Object.keys(demo.files);
  for (let n = 0; n < 120; n++) {
    const s = structuredClone(demo);
    for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
      if (r() < 0.6) {
        const k = keys[Math.floor(r() * keys.length)];
        s.commands[k] = { ...s.commands[k], stdout: mutate(s.commands[k].stdout, r) };
      } else {
        const f = files[Math.floor(r() * files.length)];
        s.files[f] = mutate(s.files[f], r);
      }
    }
    const view = parseNode(s);
    try {
      const result = analyzeNode(view, {});
      if (view.dm.failure || view.storageGap) assert.equal(result.entries.filter((e) => e.action).length, 0);
    } catch (e) {
      assert.ok(isCheckFailure(e), String((e as Error).stack));
    }
  }
});

test('fuzz the CLI on mutated captures: exit 0-3, never an empty stdout', async () => {
  const r = rng(7);
  const dir = tempDir('pvh-fuzz-');
  const text = JSON.stringify(demo);
  for (let n = 0; n < 24; n++) {
    const file = join(dir, `n${n}.json`);
    // Mutations of the JSON text itself (a torn or hostile capture) and of the values inside it.
    writeFileSync(
      file,
      n % 3 === 0
        ? mutate(text, r)
        : JSON.stringify({
            ...demo,
            commands: { ...demo.commands, lvs: { ...demo.commands.lvs, stdout: mutate(cmd('lvs'), r) } },
          }),
    );
    for (const format of ['text', 'json', 'nagios', 'checkmk', 'prometheus']) {
      let out = '';
      const code = await main(['--root', dir, '--from', file, 'check', '--format', format], {
        out: (t) => void (out += t.toString()),
        err: () => {},
        stdoutIsTTY: false,
        stdinIsTTY: false,
        env: { NO_COLOR: '1' },
      });
      assert.ok([0, 1, 2, 3].includes(code), `exit ${code}`);
      assert.ok(out.trim().length > 0, `empty stdout (${format}, n=${n})`);
      if (format === 'json') assert.ok([0, 1, 2, 3].includes(JSON.parse(out).status));
    }
  }
});
