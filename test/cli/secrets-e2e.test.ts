// Secrets end to end (issue 42): a node whose processes, datacenter.cfg and a CIFS storage carry
// secrets of every class; `capture`, `check --json` and serve's loopback API (no token) must not keep
// one of them.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildNode, ensureBuilt, hasFakenode, nodePath, runCli, SHARED, tempDir } from '../helpers/cli';
import { spawnServe } from '../helpers/serve-cli';

const skip = hasFakenode ? false : 'fakenode not found (../shared/fakenode)';
const S = 'Hunter2xyz';
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** A process of the fake node: comm, argv, and the devices it holds open. */
function addProcess(node: string, pid: number, argv: string[], fds: string[]): void {
  const dir = join(node, 'root/proc', String(pid));
  cpSync(join(node, 'root/proc/2700'), dir, { recursive: true, filter: (p) => !p.includes('/fd/') });
  writeFileSync(join(dir, 'cmdline'), `${argv.join('\0')}\0`);
  writeFileSync(join(dir, 'comm'), `${argv[0].split('/').pop()}\n`);
  fds.forEach((d, i) => {
    rmSync(join(dir, 'fd', String(70 + i)), { force: true });
    symlinkSync(d, join(dir, 'fd', String(70 + i)));
  });
}

function secretNode(): string {
  const node = buildNode(join(SHARED, 'fakenode/scenarios/mixed-volumes.json'));
  addProcess(
    node,
    4100,
    ['qemu-img', 'convert', '--object', `secret,id=s,data=${S}`, '/dev/zd0', `iscsi://u%${S}@10.0.0.5/iqn.x/0`],
    ['/dev/zd0'],
  );
  addProcess(node, 4101, ['curl', '-u', `mon:${S}`, '-H', `Authorization: Bearer ${S}`, 'https://h/'], ['/dev/zd0']);
  addProcess(node, 4102, ['smbclient', '//nas/s', '-U', `u%${S}`], ['/dev/zd0']);
  addProcess(node, 4103, ['openssl', 'enc', '-k', S, '-pass', `pass:${S}`], ['/dev/zd0']);
  addProcess(node, 4104, ['env', `PGPASSWORD=${S}`, `CI_TOKEN=${S}`, 'rbd', '--key', S, 'ls'], ['/dev/zd0']);
  // Issue 59: a password past a colon or a CIFS doubled comma, mount.cifs's user%password, iscsiadm's -v.
  addProcess(
    node,
    4105,
    ['mount.cifs', '//nas/s', '/srv/password/s', '-o', `user=alice,password=a:${S},sec=ntlmssp,password=P1,,${S}`],
    ['/dev/zd0'],
  );
  addProcess(
    node,
    4106,
    ['iscsiadm', '-m', 'node', '-o', 'update', '-n', 'node.session.auth.password', '-v', S, `--value=${S}`],
    ['/dev/zd0'],
  );
  addProcess(node, 4107, ['mount.cifs', '//nas/t', '/mnt/t', '-o', `username=CORP\\alice%${S}`], ['/dev/zd0']);
  writeFileSync(
    join(node, 'root/etc/pve/datacenter.cfg'),
    `keyboard: en-us\nhttp_proxy: http://proxy:${S}@10.0.0.1:3128\n`,
  );
  appendFileSync(
    join(node, 'root/etc/pve/storage.cfg'),
    `\ncifs: nas\n\tpath /mnt/pve/nas\n\tserver 10.0.0.9\n\tshare backup\n\tusername u\n\tpassword ${S}\n\toptions vers=3.0,password=P1,,a:${S}\n\tcontent backup\n`,
  );
  return node;
}

describe('no secret leaves the node: capture, check --json, serve API', { skip }, () => {
  const node = skip ? '' : secretNode();
  const base = ['--root', join(node, 'root')];
  const env = { pathPrefix: nodePath(node) };

  test('capture: the processes, datacenter.cfg and storage.cfg are redacted', () => {
    const file = join(tempDir('pvh-cap-'), 'snap.json');
    const r = runCli([...base, 'capture', file], env);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(S), text.slice(Math.max(0, text.indexOf(S) - 200), text.indexOf(S) + 50));
    const snap = JSON.parse(text);
    // What was there is still there, without its secret (and the analysis of the capture still runs).
    assert.ok(snap.processes.some((p: { pid: number }) => p.pid === 4101));
    assert.match(snap.files['/etc/pve/datacenter.cfg'], /http_proxy: http:\/\/proxy:<redacted>@10\.0\.0\.1:3128/);
    const again = runCli(['--from', file, 'dm', '--json'], env);
    assert.ok([0, 1, 2].includes(again.code), again.stderr);
  });

  test('check --json: the holders of a device show their command lines without secrets', () => {
    const r = runCli([...base, 'check', '--json'], env);
    assert.ok([0, 1, 2, 3].includes(r.code), r.stderr);
    assert.ok(r.stdout.includes('curl -u mon:<redacted>'), 'the holder is shown');
    // Neighbours stay: the user, a path with `password` as a directory name, the setting's name.
    assert.ok(r.stdout.includes('/srv/password/s -o user=alice,password=<redacted>,sec=ntlmssp'), 'mount.cifs shown');
    assert.ok(r.stdout.includes('-n node.session.auth.password -v <redacted>'), 'iscsiadm shown');
    assert.ok(r.stdout.includes('username=CORP\\\\alice%<redacted>'), 'the CIFS user shown');
    assert.ok(!r.stdout.includes(S), r.stdout.slice(Math.max(0, r.stdout.indexOf(S) - 300), r.stdout.indexOf(S) + 50));
  });

  test("serve's loopback API (no token): no secret in any document it answers", async () => {
    ensureBuilt();
    const { child, base: url } = await spawnServe([...base, 'serve', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, PVE_HEALTH_TOKEN: '', PATH: `${nodePath(node)}:${process.env.PATH}` },
    });
    children.push(child);
    const paths = ['/api/status', '/api/summary', '/api/dm', '/api/mounts', '/api/volumes', '/metrics'];
    const read = async () => Promise.all(paths.map(async (p) => [p, await (await fetch(`${url}${p}`)).text()]));
    // The first scans run in the background: until the holders are in the answers (bounded).
    let bodies = await read();
    for (let i = 0; i < 600 && !bodies.some(([, b]) => b.includes('curl -u')); i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      bodies = await read();
    }
    assert.ok(
      bodies.some(([, b]) => b.includes('curl -u mon:<redacted>')),
      'the holders are in the API document, redacted',
    );
    for (const [path, body] of bodies)
      assert.ok(!body.includes(S), `${path}: ${body.slice(Math.max(0, body.indexOf(S) - 200), body.indexOf(S) + 50)}`);
    child.kill('SIGTERM');
  });
});
