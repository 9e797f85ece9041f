// bench/volumes.mjs: whole-process time of `pve-health volumes --json --from CAPTURE` on a synthetic node
// with 5,000 zvols (one `zfs list -H -p` output, as OpenZFS prints it) and 5,000 qcow2/raw files on a dir
// storage, 4,000 guests referencing most of them (1 in 10 volumes is an orphan). The capture is what
// `pve-health capture` writes (snapshot.extra.volumes), so the figure is our code, not the tools.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timedOutputFile } from './out-file.mjs';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const cli = join(repo, 'dist/pve-health.cjs');
const work = join(repo, '.bench');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ZVOLS = Number(process.env.BENCH_ZVOLS ?? 5000);
const FILES = Number(process.env.BENCH_FILES ?? 5000);
mkdirSync(work, { recursive: true });

const files = {
  '/etc/pve/storage.cfg':
    'dir: local\n\tpath /var/lib/vz\n\tcontent images,iso\n\nzfspool: local-zfs\n\tpool rpool/data\n\tcontent images,rootdir\n\tsparse 1\n',
  '/etc/hostname': 'pve1\n',
};
const zfs = ['rpool/data\tfilesystem\t-\t1099511627776\t98304\t0\t-\t/rpool/data'];
const images = [];
for (let i = 0; i < ZVOLS; i++) {
  const vmid = 1000 + i;
  zfs.push(`rpool/data/vm-${vmid}-disk-0\tvolume\t34359738368\t${1048576 * (i + 1)}\t${1048576 * (i + 1)}\t-\t-\t-`);
  if (i % 10 !== 0)
    files[`/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`] =
      `name: vm${vmid}\nscsi0: local-zfs:vm-${vmid}-disk-0,size=32G\n`;
}
for (let i = 0; i < FILES; i++) {
  const vmid = 1000 + i;
  const name = `${vmid}/vm-${vmid}-disk-1.${i % 2 ? 'qcow2' : 'raw'}`;
  images.push({ name, sizeBytes: 21474836480, usedBytes: 262144 });
  const path = `/etc/pve/nodes/pve1/qemu-server/${vmid}.conf`;
  if (i % 10 !== 5 && files[path]) files[path] += `scsi1: local:${name},size=20G\n`;
}
// What pmxcfs serves beside the configs (pve-cluster status.c): a node without them is UNKNOWN, not a bench.
files['/etc/pve/.members'] = '{\n"nodename": "pve1",\n"version": 0\n}\n';
const ids = Object.keys(files).flatMap((p) => {
  const m = /^\/etc\/pve\/nodes\/pve1\/qemu-server\/(\d+)\.conf$/.exec(p);
  return m ? [`"${m[1]}": { "node": "pve1", "type": "qemu", "version": 1 }`] : [];
});
files['/etc/pve/.vmlist'] = `{\n"version": 1,\n"ids": {\n${ids.join(',\n')}}\n\n}\n`;
const snap = {
  kind: 'pve-health-snapshot',
  version: 1,
  capturedAt: '2026-01-01T00:00:00.000Z',
  hostname: 'pve1',
  toolVersion: 'bench',
  redacted: true,
  files,
  commands: {},
  processes: [],
  sysDm: [],
  extra: {
    volumes: {
      zfs: { argv: ['zfs', 'list'], code: 0, stdout: `${zfs.join('\n')}\n`, stderr: '' },
      rbd: {},
      files: { local: { ok: true, volumes: images } },
    },
  },
};
const capture = join(work, `volumes-${ZVOLS}-${FILES}.json`);
writeFileSync(capture, JSON.stringify(snap));

const times = [];
let code;
// The timed runs' document, on tmpfs where there is one (bench/out-file.mjs).
const out = timedOutputFile('volumes-out.json', work);
for (let r = 0; r < RUNS; r++) {
  const fd = openSync(out, 'w');
  const t0 = performance.now();
  const res = spawnSync(process.execPath, [cli, 'volumes', '--json', '--from', capture], {
    stdio: ['ignore', fd, 'inherit'],
  });
  times.push(performance.now() - t0);
  closeSync(fd);
  code = res.status;
}
times.sort((a, b) => a - b);
// A node the check cannot see (exit 3) would time the failure path, not the analysis.
if (code === 3) throw new Error('bench/volumes.mjs: the synthetic node came out UNKNOWN (exit 3): fix the capture');
console.log(
  `volumes --json --from: ${ZVOLS} zvols + ${FILES} files (${Math.round(statSync(capture).size / 1024)} KiB capture): ` +
    `median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms over ${RUNS} runs (exit ${code})`,
);
