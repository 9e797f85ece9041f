// Reclaim's re-check between the steps of one volume reads the configs NOW (issue 59: reading the run's
// first look, a config written after the rename was not seen and the ZFS volume was set read-only
// anyway). A stand-in `zfs` writes a config naming the volume right after its rename: the run stops
// there, before `zfs set readonly=on`, and says why. Beside it, nothing written: every step runs.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HAVE_FAKENODE, runCli } from './fakenode-helpers';
import { buildMutable } from './mutable-node';

const skip = HAVE_FAKENODE ? false : 'fakenode not found (../shared/fakenode)';
const VOLID = 'local-zfs:vm-150-disk-0';

/** A `zfs` that, after a successful `zfs rename` of vm-150-disk-0, writes `conf` as VM 150's config. */
function writerAfterRename(out: string, conf: string | null): string {
  const dir = join(out, 'writer');
  mkdirSync(dir, { recursive: true });
  const target = join(out, 'root/etc/pve/nodes/pve1/qemu-server/150.conf');
  // pmxcfs lists every config in .vmlist: the next one is written beside it, put in place with the config.
  const list = join(out, 'root/etc/pve/.vmlist');
  const doc = JSON.parse(readFileSync(list, 'utf8'));
  doc.ids['150'] = { node: 'pve1', type: 'qemu', version: 1 };
  writeFileSync(join(dir, 'vmlist'), JSON.stringify(doc));
  const write = conf === null ? ':' : `printf '%s' '${conf}' > '${target}' && cp '${join(dir, 'vmlist')}' '${list}'`;
  writeFileSync(
    join(dir, 'zfs'),
    `#!/bin/sh\n'${join(out, 'bin', 'zfs')}' "$@" || exit $?\ncase "$1 $2" in 'rename tank/pve/vm-150-disk-0') ${write};; esac\nexit 0\n`,
  );
  chmodSync(join(dir, 'zfs'), 0o755);
  return dir;
}

const zfsCalls = (out: string) =>
  readFileSync(join(out, 'calls.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { tool: string; argv: string[] })
    .filter((c) => c.tool === 'zfs' && c.argv[0] !== 'list' && c.argv[0] !== 'get')
    .map((c) => c.argv.join(' '));

describe('reclaim re-checks with the configs read now', { skip }, () => {
  it('a config naming the volume written right after its rename: stopped before set readonly', () => {
    const out = buildMutable('mixed-volumes');
    const r = runCli(out, ['reclaim', '--yes', '--json', '--name', VOLID], {
      pathPrefix: writerAfterRename(out, 'scsi0: local-zfs:vm-150-disk-0,size=32G\n'),
    });
    const o = JSON.parse(r.stdout).outcomes.find((x: { volid: string }) => x.volid === VOLID);
    assert.match(o?.why ?? '', /a config names local-zfs:vm-150-disk-0 now: VM 150 scsi0/, r.stdout);
    assert.ok(!zfsCalls(out).some((c) => c.startsWith('set readonly=on')), zfsCalls(out).join('\n'));
  });
  it('nothing written meanwhile: renamed and set read-only', () => {
    const out = buildMutable('mixed-volumes');
    const r = runCli(out, ['reclaim', '--yes', '--json', '--name', VOLID], {
      pathPrefix: writerAfterRename(out, null),
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(
      zfsCalls(out).some((c) => c.startsWith('set readonly=on')),
      zfsCalls(out).join('\n'),
    );
  });
});
