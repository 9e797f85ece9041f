// serve with the volumes part: scanned on its own schedule, in /api/status, /api/volumes, /metrics and
// /healthz; a volumes scan that fails is UNKNOWN with the reason (never OK), the other parts unaffected.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { buildCheckDocument } from '../../src/core/findings/evaluate';
import type { VolumeEntry, VolumesResult } from '../../src/core/vocab/volume-types';
import { renderPrometheus } from '../../src/render/prometheus';
import { createRouter } from '../../src/serve/routes';
import { type HttpServer, listen } from '../../src/serve/server';
import { createService } from '../../src/serve/service';
import { dmEntry, dmResult, mountEntry, mountsResult } from './sample';

const servers: HttpServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

const orphan: VolumeEntry = {
  volid: 'local-zfs:vm-150-disk-0',
  storage: 'local-zfs',
  type: 'zfspool',
  vmid: 150,
  format: 'raw',
  status: 'orphan',
  reason: 'guest-missing',
  detail: 'zvol rpool/data/vm-150-disk-0: VM/CT 150 has no config anywhere in the cluster',
  sizeBytes: 32 * 2 ** 30,
  usedBytes: 2 ** 30,
  open: false,
  holders: [],
  pending: false,
  protected: false,
  protectedBy: [],
  hint: "check that nothing uses it, then 'pvesm free local-zfs:vm-150-disk-0'",
};

function volumes(): VolumesResult {
  return {
    summary: {
      total: 1,
      valid: 0,
      orphan: 1,
      unknown: 0,
      ignored: 0,
      protected: 0,
      pending: 0,
      open: 0,
      orphanSizeBytes: orphan.sizeBytes!,
      storages: 1,
      unknownStorages: 0,
    },
    entries: [orphan],
    storages: [
      {
        storage: 'local-zfs',
        type: 'zfspool',
        status: 'ok',
        total: 1,
        orphan: 1,
        sizeBytes: orphan.sizeBytes!,
        usedBytes: 2 ** 30,
        orphanSizeBytes: orphan.sizeBytes!,
      },
    ],
    vmidLeftovers: [{ vmid: 150, volids: [orphan.volid], sizeBytes: orphan.sizeBytes!, usedBytes: 2 ** 30 }],
    status: 1,
    warnings: [],
  };
}

async function serve(scanVolumes: () => Promise<VolumesResult>) {
  const svc = createService({
    scanDm: async () => dmResult([dmEntry()], 0),
    scanMounts: async () => mountsResult([mountEntry()], 0),
    scanVolumes,
    dmIntervalMs: 60_000,
    mountsIntervalMs: 30_000,
    now: () => new Date('2026-01-01T12:00:00Z'),
  });
  const handle = createRouter({
    service: svc,
    buildDocument: (p) =>
      buildCheckDocument({
        node: 'pve1',
        now: p.scannedAt ?? new Date(0),
        dm: p.dm ?? undefined,
        mounts: p.mounts ?? undefined,
        volumes: p.volumes ?? undefined,
      }),
    renderMetrics: renderPrometheus,
    policy: { token: null },
    version: 't',
  });
  const http = await listen({ host: '127.0.0.1', port: 0 }, handle);
  servers.push(http);
  await Promise.all(svc.parts.map((p) => svc.scan(p)));
  return `http://127.0.0.1:${http.address.port}`;
}

test('serve: the volumes part in /api/status, /api/volumes, /metrics and /healthz', async () => {
  const base = await serve(async () => volumes());
  const doc = await (await fetch(`${base}/api/status`)).json();
  assert.equal(doc.volumes.entries[0].volid, 'local-zfs:vm-150-disk-0');
  assert.equal(doc.status, 1, 'an orphaned volume is a warning of the whole node');
  assert.equal(doc.service.volumes.scans, 1);
  const only = await (await fetch(`${base}/api/volumes`)).json();
  assert.ok(only.volumes && !only.dm && !only.mounts, '/api/volumes has only its part');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^pve_health_volumes_status 1$/m);
  assert.match(metrics, /^pve_health_serve_scans_total\{part="volumes"\} 1$/m);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
});

test('serve: a failed volumes scan is UNKNOWN with its reason; dm and mounts stay as they are', async () => {
  const base = await serve(async () => {
    throw new Error('volumes scan exited 3 without a result');
  });
  const doc = await (await fetch(`${base}/api/status`)).json();
  assert.equal(doc.volumes.status, 3);
  assert.match(doc.volumes.error, /the last volumes scan failed: volumes scan exited 3/);
  assert.equal(doc.status, 3, 'never OK when a part could not be checked');
  assert.equal(doc.dm.status, 0);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^pve_health_volumes_status 3$/m);
  assert.match(metrics, /^pve_health_serve_scan_failed\{part="volumes"\} 1$/m);
  const h = await fetch(`${base}/healthz`);
  assert.equal(h.status, 503);
  assert.match((await h.json()).problems.join(' '), /volumes scan failed/);
});
