// The zsh completion, driven in a real interactive zsh on a pseudo-terminal (zsh/zpty): press Tab
// twice after a command line and read what zsh lists.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderZshCompletion } from '../../scripts/package/completion-zsh';
import { FORMATS } from '../../src/cli/options';
import { COMMANDS } from '../../src/cli/registry';
import { CLEANABLE_REASONS } from '../../src/core/cleanup/plan-cleanup';
import { realCliInfo } from '../helpers/real-cli-info';
import { requireTool } from '../helpers/require-tool';

const CAPTURE = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($1 \\$fpath); autoload -Uz compinit; compinit -u -D; zstyle ':completion:*' list-prompt ''; LISTMAX=10000; unsetopt BEEP; print READY"
local line out=''
while zpty -r -t z line; do [[ $line == READY* ]] && break; done
sleep 0.3
zpty -w -n z "$2"$'\\t'$'\\t'
# Read until the word the caller waits for shows up (or 20 s pass): a loaded machine lists late.
integer deadline=$(( SECONDS + 20 ))
while (( SECONDS < deadline )); do
  if zpty -r -t z line; then out+=$line; else sleep 0.2; fi
  [[ $out == *"$3"* ]] && { sleep 0.5; while zpty -r -t z line; do out+=$line; done; break; }
done
print -r -- "$out"
zpty -d z
`;

test('zsh completion: commands, per-command options, and values (formats, clean reasons)', async (t) => {
  const zsh = requireTool(t, 'zsh', 'zsh');
  if (!zsh) return;
  const info = await realCliInfo();
  const dir = mkdtempSync(join(tmpdir(), 'pvh-zsh-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, '_pve-health'), renderZshCompletion(info));
  writeFileSync(join(dir, 'capture.zsh'), CAPTURE);
  mkdirSync(join(dir, 'bin'));
  writeFileSync(
    join(dir, 'bin', 'pve-health'),
    `#!/bin/sh
case "$*" in
  *"ack --list --keys") echo "mount:missing:host::/mnt/usb-backup" ;;
  "--demo ack --keys") echo "demo:only:key" ;;
  *"ack --keys") echo "dm:orphan:guest-missing:local-lvm:vm-150-disk-0"; echo "volume:orphan:not-referenced:local:103/old.qcow2" ;;
esac
`,
    { mode: 0o755 },
  );
  assert.equal(spawnSync(zsh, ['-n', join(dir, '_pve-health')]).status, 0, 'syntax');
  // `until`: a word the listing must show (the capture waits for it, never for a fixed time).
  const listed = (line: string, until: string): string => {
    const r = spawnSync(zsh, ['-f', join(dir, 'capture.zsh'), dir, line, until], {
      encoding: 'utf8',
      timeout: 40_000,
      // The fake program first on PATH: the keys' completion runs `pve-health ack --keys`.
      env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
    });
    return r.stdout.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
  };
  const cmds = listed('pve-health ', 'volumes');
  for (const c of COMMANDS) assert.match(cmds, new RegExp(`\\b${c.name}\\b`), c.name);
  const reasons = listed('pve-health clean --reason ', 'stale-map');
  for (const r of CLEANABLE_REASONS) assert.ok(reasons.includes(r), `reason ${r}`);
  const formats = listed('pve-health check --format ', 'prometheus');
  for (const f of FORMATS) assert.ok(formats.includes(f), `format ${f}`);
  // Only the options that apply: install-timer takes --root but no --format.
  const timer = listed('pve-health install-timer --', '--root');
  assert.match(timer, /--interval/);
  assert.match(timer, /--root/);
  assert.doesNotMatch(timer, /--format/);
  // ack KEY: the current findings' keys; --remove KEY: the stored acknowledgements; --reason is prose.
  const keys = listed('pve-health ack ', 'volume:orphan');
  assert.match(keys, /dm:orphan:guest-missing:local-lvm:vm-150-disk-0/);
  assert.match(keys, /volume:orphan:not-referenced:local:103\/old\.qcow2/);
  assert.match(listed('pve-health ack --remove ', 'usb-backup'), /mount:missing:host::\/mnt\/usb-backup/);
  assert.match(listed('pve-health ack --demo ', 'demo:only'), /demo:only:key/);
  assert.doesNotMatch(listed('pve-health ack --for 7d --reason ', 'xx-never'), /stale-map/);
  // Every option's description is prose from its help line, never the bare option name, and whole
  // ("e.g. lv-missing" does not end the sentence).
  const script = renderZshCompletion(info);
  for (const m of script.matchAll(/'\*?(?:\([^)]*\))?(?:--([a-z-]+)|\{-\w,--([a-z-]+)\}')\[([^\]]*)\]/g))
    assert.notEqual(m[3], m[1] ?? m[2], `--${m[1] ?? m[2]} is described by its name`);
  assert.match(script, /--reason\[Only entries with this reason, e\.g\. lv-missing, stale-map\]/);
});
