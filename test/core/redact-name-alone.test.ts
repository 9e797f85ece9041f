// Each piece of a secret's name, alone in a word, is enough for its value to be redacted: redactWord
// passes a word by without reading its keys when no key in it can name a secret (most words of a kvm
// line), so that test must let through every word with a key that does — `dbpwd=`, `{"token": …}`, an
// upper-case `PASSWORD=`, `iv=`, a CIFS `user=DOM\u%pw` — whatever else the word holds. Beside them, the
// words of qemu-server's own kvm lines, which name no secret, stay byte for byte.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { REDACTED, redactCommandLine, redactWord } from '../../src/core/redact/redact';
import { SECRET_NAME } from '../../src/core/redact/secret-names';
import { corpusPath, haveCorpus, readCorpus } from '../helpers/pve-corpus';

const S = 'Hunter2xyz';

/**
 * Each of SECRET_NAME's pieces (secret-names.ts) in a key that holds no other, read from the pattern
 * itself: a piece added there is tested here. Then two in upper and mixed case.
 */
const KEYS = [...SECRET_NAME.source.split('|').map((piece) => `x_${piece}`), 'PASSWORD', 'Token'];

describe('a key that names a secret by one piece of its name', () => {
  for (const key of KEYS) {
    test(`${key}= in an option list: its value redacted, the other options kept`, () => {
      assert.equal(redactWord(`id=qmp,${key}=${S},wait=off`), `id=qmp,${key}=${REDACTED},wait=off`);
    });
    test(`"${key}" in a JSON object: its value redacted, the other keys kept`, () => {
      assert.equal(redactWord(`{"driver":"raw","${key}":"${S}"}`), `{"driver":"raw","${key}":"${REDACTED}"}`);
    });
  }
  test('iv= and "iv" (a cipher IV is secret material): redacted', () => {
    assert.equal(redactWord(`cipher=aes,iv=${S}`), `cipher=aes,iv=${REDACTED}`);
    assert.equal(redactWord(`{"cipher":"aes","IV":"${S}"}`), `{"cipher":"aes","IV":"${REDACTED}"}`);
  });
  test('a CIFS user=DOM\\u%pw: the password after % redacted, the user kept', () => {
    assert.equal(redactWord(`vers=3.0,user=DOM\\backup%${S}`), `vers=3.0,user=DOM\\backup%${REDACTED}`);
  });
  test('a secret object whose other mention of "secret" was a URL password: its data still redacted', () => {
    // The URL's password is redacted first; the key `data` alone is left to say what the word is.
    assert.equal(redactWord(`x://u:"qom-type":"secret"@h,data=${S}`), `x://u:${REDACTED}@h,data=${REDACTED}`);
    assert.equal(
      redactWord(`x://u:"qom-type":"secret"@h {"data":"${S}"}`),
      `x://u:${REDACTED}@h {"data":"${REDACTED}"}`,
    );
  });
  test('keys that say where a secret is kept, or none: kept byte for byte', () => {
    for (const w of [
      'socket,id=qmp,path=/var/run/qemu-server/100.qmp,server=on,wait=off',
      '{"driver":"host_device","filename":"/dev/pve/vm-100-disk-0","node-name":"e1","read-only":false}',
      'keyring=/etc/pve/priv/ceph/rbd.keyring,auth_supported=cephx',
      'driver=raw,data-file=/x',
    ])
      assert.equal(redactWord(w), w);
  });
});

const CFG2CMD = 'proxmox+qemu-server/src/test/cfg2cmd';

/** `qm showcmd`'s output as the test keeps it (one option per line, values in single quotes) → argv. */
function argvOf(text: string): string[] {
  const argv: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.replace(/\\$/, '').trim();
    const m = /^(\S+)(?: '(.*)'| (.*))?$/.exec(t);
    if (!t || !m) continue;
    argv.push(m[1]);
    if ((m[2] ?? m[3]) !== undefined) argv.push(m[2] ?? m[3]);
  }
  return argv;
}

test("qemu-server's kvm lines (test/cfg2cmd): every word kept byte for byte but a password option's value", (t) => {
  if (!haveCorpus(t, CFG2CMD)) return;
  const files = readdirSync(corpusPath(CFG2CMD)).filter((f) => f.endsWith('.conf.cmd'));
  assert.ok(files.length > 50, `${files.length} command lines`);
  let redacted = 0;
  for (const f of files) {
    const argv = argvOf(readCorpus(CFG2CMD, f));
    const red = redactCommandLine(argv);
    assert.equal(red.length, argv.length, f);
    for (let i = 0; i < argv.length; i++) {
      if (red[i] === argv[i]) continue;
      // Only VNC's `password=on` names a secret on these lines (a flag, redacted as any password's value).
      assert.equal(red[i], argv[i].replace(/password=on/, `password=${REDACTED}`), `${f}: ${argv[i]}`);
      redacted++;
    }
  }
  assert.ok(redacted > 0, 'some line has a VNC password option');
});
