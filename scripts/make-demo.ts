// Regenerates demo/demo-node.json, the bundled demo node (`pve-health check --demo`): builds the
// simulated node of demo/scenario.json with ../shared/fakenode, gathers it exactly as on a real node
// (fake dmsetup/lvs on PATH, files under the fake root), redacts, and adds the recorded mounts and
// system information and the volume listings. Run: node --import tsx scripts/make-demo.ts
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePveState } from '../src/core/node/pve-state';
import { redactSnapshot } from '../src/core/redact/redact';
import { VOLUMES_EXTRA_KEY } from '../src/core/vocab/volume-types';
import { rbdWatchCandidates } from '../src/core/volumes/classify-volumes';
import { gatherSnapshot } from '../src/host/gather';
import { createHost } from '../src/host/host';
import { gatherVolumes } from '../src/host/read-volumes';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const fakenode = process.env.FAKENODE ?? resolve(repo, '../shared/fakenode/fakenode.py');
// The simulated node comes from fakenode, which lives beside the repository, not in it: without it there
// is nothing to regenerate from (the committed demo/demo-node.json stays as it is).
if (!existsSync(fakenode)) {
  console.error(
    `make-demo: ${fakenode} not found. The demo node is built with fakenode (the simulated Proxmox node kept in ../shared/fakenode beside the repository); set FAKENODE=/path/to/fakenode.py. demo/demo-node.json is unchanged.`,
  );
  process.exit(1);
}
const out = mkdtempSync(join(tmpdir(), 'pve-health-demo-'));
try {
  execFileSync('python3', [fakenode, 'build', join(repo, 'demo/scenario.json'), join(out, 'node')], {
    stdio: 'inherit',
  });
  const node = join(out, 'node');
  // Kernel status values the scenario sets (thin pool usage): fakenode's state holds them per device.
  const scenario = JSON.parse(readFileSync(join(repo, 'demo/scenario.json'), 'utf8'));
  const statePath = join(node, 'state.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  for (const [name, st] of Object.entries(scenario.x_storage?.dm_status ?? {})) state.dm[name].status = st;
  writeFileSync(statePath, JSON.stringify(state, null, 1));
  // The storage wrapper answers `lvs -o ...,autoactivation`, which fakenode's lvs does not know.
  const env = { ...process.env, PATH: `${join(repo, 'test/fixtures/scenarios/bin')}:${node}/bin:${process.env.PATH}` };
  const host = createHost({ root: join(node, 'root'), env, now: () => new Date('2026-11-20T08:00:00Z') });
  const gathered = await gatherSnapshot(host);
  // The volumes part (ZFS, RBD, dir) exactly as `volumes` gathers it on a node: fake zfs/rbd on PATH.
  const pve = parsePveState(gathered);
  const volumes = await gatherVolumes(host, pve, {
    rbdCandidates: (raw) => rbdWatchCandidates({ pve, raw, processes: [] }),
  });
  const snap = redactSnapshot(gathered);
  const extra: Record<string, unknown> = { [VOLUMES_EXTRA_KEY]: volumes };
  for (const [key, file] of [
    ['mounts', 'demo/demo-mounts.json'],
    ['system', 'demo/demo-system.json'],
  ]) {
    const p = join(repo, file);
    if (existsSync(p)) extra[key] = JSON.parse(readFileSync(p, 'utf8'));
  }
  snap.extra = extra;
  writeFileSync(join(repo, 'demo/demo-node.json'), `${JSON.stringify(snap, null, 1)}\n`);
  console.log(
    `demo/demo-node.json: ${snap.commands['dmsetup.info'].stdout.split('\n').filter(Boolean).length} DM devices, ${Object.keys(snap.files).length} files`,
  );
} catch (e) {
  // python3 missing, a scenario fakenode rejects, a gather that failed: one line that says which, no stack.
  console.error(`make-demo: ${e instanceof Error ? e.message : String(e)}; demo/demo-node.json is unchanged.`);
  process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
