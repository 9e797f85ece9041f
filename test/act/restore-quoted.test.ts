// `restore` prints its plan shell-quoted (issue 59: printed with the words joined, a file named
// `vm-102-disk-9$(id>X).raw` — a valid PVE dir volume name, Plugin.pm parse_name_dir `\S+` — ran `id`
// when the plan was pasted). The printed move (`rename(2) SRC → DST`) is cut and read by bash with recording functions
// (test/helpers/shell-argv.ts): its words must be exactly the two paths, and no payload may run.
import assert from 'node:assert/strict';
import { readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasBash, shellArgv } from '../helpers/shell-argv';
import { buildNode, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = !HAVE_FAKENODE ? 'fakenode not found (../shared/fakenode)' : !hasBash() ? 'no bash' : false;

describe('restore prints its plan quoted for the shell', { skip }, () => {
  for (const name of ['vm-102-disk-9$(id>X).raw', "vm-102-disk-8'`id>X`;id>Y.raw", 'vm-102-disk-7.raw'])
    it(`${name}: the printed move is exactly its two paths, nothing else runs`, () => {
      const out = buildNode('mixed-volumes');
      const file = join(out, 'root/var/lib/vz/images/102', name);
      writeFileSync(file, '');
      truncateSync(file, 1 << 20);
      const q = runCli(out, ['reclaim', '--yes', '--name', `local:102/${name}`]);
      assert.equal(q.code, 0, q.stdout + q.stderr);
      const dir = join(out, 'root/var/lib/pve-health/journal');
      const journal = join(dir, readdirSync(dir).find((f) => f.startsWith('reclaim-')) ?? 'none');
      const r = runCli(out, ['restore', journal, '--yes']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const plan = r.stdout.slice(0, r.stdout.indexOf('[1/1]'));
      // The move is shown as what happens, `rename(2) 'SRC' → 'DST'`: both paths quoted as the shell reads them.
      const moves = plan.split('\n').filter((l) => l.includes('rename(2) '));
      assert.equal(moves.length, 1, plan);
      // (`rm`: any name the recorder knows; only the words after it are compared.)
      const run = shellArgv(`rm ${moves[0].slice(moves[0].indexOf('rename(2) ') + 'rename(2) '.length)}`);
      assert.deepEqual(run.created, [], `a payload ran: ${run.command}`);
      assert.equal(run.argv.length, 4, JSON.stringify(run.argv));
      assert.ok(run.argv[1].endsWith(`.102.${name}`), run.argv[1]);
      assert.equal(run.argv[2], '→');
      assert.equal(run.argv[3], join(out, 'root/var/lib/vz/images/102', name));
    });
});
