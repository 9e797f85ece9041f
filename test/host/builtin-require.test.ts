// builtinRequire: node's builtins from anywhere the program was started (a removed directory included),
// nothing else.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtinRequire } from '../../src/host/builtin-require';

test('builtinRequire: builtins with or without node:, nothing from any directory', () => {
  for (const id of ['node:fs', 'fs', 'node:crypto', 'zlib', 'node:net'])
    assert.equal(typeof builtinRequire(id), 'object', id);
  assert.equal((builtinRequire('node:fs') as typeof fs).readFileSync, fs.readFileSync);
  assert.equal(builtinRequire('fs'), builtinRequire('node:fs'));
  for (const id of ['nodemailer', './fs.js', '/etc/passwd', '../node_modules/x', 'node:no-such-module'])
    assert.throws(() => builtinRequire(id), /is not one of node's builtin modules/, id);
});

test('builtinRequire: works after the directory the process runs in was removed', () => {
  const before = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'pve-health-gone-'));
  try {
    process.chdir(dir);
    rmdirSync(dir);
    assert.throws(() => process.cwd(), /ENOENT/, 'the cwd is really gone');
    assert.equal(typeof (builtinRequire('node:crypto') as typeof import('node:crypto')).createHash, 'function');
  } finally {
    process.chdir(before);
  }
});
