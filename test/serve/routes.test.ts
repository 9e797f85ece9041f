// The routes over a real HTTP server on loopback, with injected scanners (the unit under test is the
// service's contract: requests read the last result, scans are single-flight).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { DmResult, MountsResult } from '../../src/core/vocab/types';
import { readProcessStats } from '../../src/host/read-process-stats';
import { renderPrometheus } from '../../src/render/prometheus';
import { bodyBytes, GZIP_WAIT_MS, withTail } from '../../src/serve/http-replies';
import { createRouter } from '../../src/serve/routes';
import { type HttpServer, listen } from '../../src/serve/server';
import { createService, type Service } from '../../src/serve/service';
import { SOURCE_URL } from '../../src/version';
import { requireTool } from '../helpers/require-tool';
import { buildDoc, dmEntry, dmResult, mountEntry, mountsResult } from './sample';

const servers: HttpServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

interface Setup {
  svc: Service;
  base: string;
  calls: { dm: number; mounts: number };
  clock: { advance: (ms: number) => void };
}

async function setup(
  opts: {
    token?: string;
    sourceUrl?: string;
    scanDm?: () => Promise<DmResult>;
    scanMounts?: () => Promise<MountsResult>;
  } = {},
): Promise<Setup> {
  const calls = { dm: 0, mounts: 0 };
  let t = Date.parse('2026-01-01T12:00:00Z');
  const orphan = dmEntry({
    name: 'pve-vm--999--disk--0',
    vmid: 999,
    status: 'orphan',
    reason: 'guest-missing',
    detail: 'no guest 999 in the cluster',
    action: { command: ['lvchange', '-an', 'pve/vm-999-disk-0'], effect: 'deactivates the LV; data stays' },
  });
  const svc = createService({
    scanDm:
      opts.scanDm ??
      (async () => {
        calls.dm++;
        return dmResult([dmEntry(), orphan], 1);
      }),
    scanMounts:
      opts.scanMounts ??
      (async () => {
        calls.mounts++;
        return mountsResult(
          [
            mountEntry(),
            mountEntry({
              target: '/mnt/pve/dead',
              status: 'stale',
              reachable: false,
              error: 'timeout after 5 s',
              usagePercent: null,
            }),
          ],
          2,
        );
      }),
    dmIntervalMs: 60_000,
    mountsIntervalMs: 30_000,
    now: () => new Date(t),
  });
  const handle = createRouter({
    service: svc,
    buildDocument: buildDoc,
    renderMetrics: renderPrometheus,
    policy: { token: opts.token ?? null },
    version: '9.9.9',
    sourceUrl: opts.sourceUrl,
    memory: () => ({ rss: 50_000_000, heapUsed: 8_000_000 }),
    processStats: readProcessStats,
  });
  const http = await listen({ host: '127.0.0.1', port: 0 }, handle);
  servers.push(http);
  return { svc, base: `http://127.0.0.1:${http.address.port}`, calls, clock: { advance: (ms) => (t += ms) } };
}

test('routes: API documents have the contract shape plus the service block', async () => {
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  const r = await fetch(`${s.base}/api/status`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const doc = await r.json();
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.node, 'pve1');
  assert.equal(doc.status, 2);
  assert.equal(doc.dm.summary.grade, 'B');
  assert.equal(doc.dm.entries[1].reason, 'guest-missing');
  assert.equal(doc.mounts.entries[1].status, 'stale');
  assert.equal(doc.generatedAt, '2026-01-01T12:00:00.000Z', 'generatedAt is the time of the scan');
  assert.equal(doc.service.version, '9.9.9');
  assert.equal(doc.service.dm.lastScanAt, '2026-01-01T12:00:00.000Z');
  assert.equal(doc.service.dm.intervalSeconds, 60);
  assert.deepEqual(doc.service.memory, { rssBytes: 50_000_000, heapUsedBytes: 8_000_000 });
  assert.equal(doc.service.mounts.intervalSeconds, 30);
  assert.ok(!('cluster' in doc.service), 'no cluster block without serve --cluster');

  const dm = await (await fetch(`${s.base}/api/dm`)).json();
  assert.ok(dm.dm && !('mounts' in dm), '/api/dm has only its part');
  assert.equal(dm.status, 1);
  assert.ok(dm.service.dm && !dm.service.mounts);
  const mounts = await (await fetch(`${s.base}/api/mounts`)).json();
  assert.ok(mounts.mounts && !('dm' in mounts), '/api/mounts has only its part');
  assert.equal(mounts.status, 2);
});

// AGPL-3.0 §13: whoever uses the service over the network is offered the source of what runs.
test('routes: the page links to the source, the project by default or config serve.source_url', async () => {
  const page = async (sourceUrl?: string) => (await fetch(`${(await setup({ sourceUrl })).base}/`)).text();
  const link = (html: string) => /<a id="source" href="([^"]*)">Source code<\/a>/.exec(html)?.[1];
  assert.equal(link(await page()), SOURCE_URL);
  assert.equal(
    link(await page('https://git.example.org/ops/pve-health?a=1&b="x"')),
    'https://git.example.org/ops/pve-health?a=1&amp;b=&quot;x&quot;',
  );
  await assert.rejects(() => setup({ sourceUrl: 'javascript:alert(1)' }), /not http\(s\)/);
});

test('routes: requests never start a scan, whatever their number', async () => {
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  const before = { ...s.calls };
  const paths = ['/api/status', '/api/dm', '/api/mounts', '/metrics', '/healthz', '/'];
  await Promise.all(
    Array.from({ length: 60 }, (_, i) => fetch(`${s.base}${paths[i % paths.length]}`).then((r) => r.text())),
  );
  assert.deepEqual(s.calls, before);
});

test('routes: a hung DM scan never blocks a response; it shows as overrun with its age', async () => {
  let scans = 0;
  let firstDone = false;
  const s = await setup({
    scanDm: () => {
      scans++;
      if (!firstDone) {
        firstDone = true;
        return Promise.resolve(dmResult([dmEntry()]));
      }
      return new Promise<DmResult>(() => {}); // lvs stuck on a dead multipath device
    },
  });
  await s.svc.scan('dm');
  await s.svc.scan('mounts');
  void s.svc.scan('dm');
  s.clock.advance(125_000);
  void s.svc.scan('dm'); // the schedule asking again joins the stuck scan
  assert.equal(scans, 2);
  const doc = await (await fetch(`${s.base}/api/status`)).json();
  assert.equal(doc.dm.summary.grade, 'A+', 'the last result is still served');
  assert.equal(doc.service.dm.running, true);
  assert.equal(doc.service.dm.overrun, true);
  assert.equal(doc.service.dm.runningForSeconds, 125);
  assert.equal(doc.service.dm.ageSeconds, 125);
  const h = await fetch(`${s.base}/healthz`);
  assert.equal(h.status, 503);
  assert.match((await h.json()).problems[0], /dm scan running for 125 s \(interval 60 s\)/);
  const m = await (await fetch(`${s.base}/metrics`)).text();
  assert.match(m, /^pve_health_serve_scan_overrun\{part="dm"\} 1$/m);
  assert.match(m, /^pve_health_serve_scan_running_seconds\{part="dm"\} 125$/m);
});

test('routes: /healthz says "first scan running" (202: not OK, not 503) until every part scanned once, then 200', async () => {
  const s = await setup();
  let h = await fetch(`${s.base}/healthz`);
  assert.equal(h.status, 202);
  let body = await h.json();
  assert.equal(body.ok, false);
  assert.equal(body.state, 'first scan running');
  assert.deepEqual(body.problems, ['dm: first scan running', 'mounts: first scan running']);
  await s.svc.scan('dm');
  h = await fetch(`${s.base}/healthz`);
  body = await h.json();
  assert.deepEqual([h.status, body.ok, body.problems], [202, false, ['mounts: first scan running']]);
  await s.svc.scan('mounts');
  h = await fetch(`${s.base}/healthz`);
  assert.equal(h.status, 200);
  assert.equal((await h.json()).ok, true);
});

test('routes: cached bodies follow new scan results', async () => {
  let grade = 0;
  const s = await setup({
    scanDm: async () =>
      dmResult(grade++ === 0 ? [dmEntry()] : [dmEntry({ status: 'orphan', reason: 'guest-missing' })]),
  });
  await s.svc.scan('dm');
  assert.equal((await (await fetch(`${s.base}/api/status`)).json()).dm.summary.grade, 'A+');
  assert.match(await (await fetch(`${s.base}/metrics`)).text(), /pve_health_dm_grade 4/);
  await s.svc.scan('dm');
  assert.equal((await (await fetch(`${s.base}/api/status`)).json()).dm.summary.grade, 'B');
  assert.match(await (await fetch(`${s.base}/metrics`)).text(), /pve_health_dm_grade 3/);
});

test('routes: read-only, unknown paths, HEAD', async () => {
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  const table: [string, string, number][] = [
    ['POST', '/api/status', 405],
    ['DELETE', '/api/dm', 405],
    ['PUT', '/', 405],
    ['GET', '/api/clean', 404],
    ['GET', '/api/status/../../etc/passwd', 404],
    ['GET', '/api/status?x=1', 200],
  ];
  for (const [method, path, want] of table) {
    const r = await fetch(`${s.base}${path}`, { method });
    assert.equal(r.status, want, `${method} ${path}`);
    if (want === 405) assert.equal(r.headers.get('allow'), 'GET, HEAD');
    await r.text();
  }
  const head = await fetch(`${s.base}/api/status`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers.get('content-length')) > 100);
  assert.equal(await head.text(), '');
  assert.match(head.headers.get('server-timing') ?? '', /^app;dur=\d+\.\d\d$/);
});

test('routes: page and assets carry a strict CSP and no data', async () => {
  const s = await setup();
  const page = await fetch(`${s.base}/`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  assert.match(html, /<html lang="en">/);
  assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script');
  // The one external URL is a plain link to the source (AGPL §13), never something the page loads.
  assert.doesNotMatch(html.replace(/<a id="source" href="https:[^"]*">/, ''), /https?:\/\//, 'no external assets');
  const js = await fetch(`${s.base}/dashboard.js`);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.doesNotMatch(await js.text(), /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});

test('routes: with a token, the API needs it and the page does not', async () => {
  const token = 'Zm9vYmFyYmF6cXV4cXV1eA';
  const s = await setup({ token });
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  for (const path of ['/api/status', '/api/dm', '/api/mounts', '/metrics', '/healthz']) {
    const no = await fetch(`${s.base}${path}`);
    assert.equal(no.status, 401, path);
    assert.match(no.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(await no.text(), /pve-vm|pve1/, 'a refusal leaks no data');
    const bad = await fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${token}0` } });
    assert.equal(bad.status, 401, path);
    await bad.text();
    const ok = await fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200, path);
    await ok.text();
  }
  assert.equal((await fetch(`${s.base}/`)).status, 200);
});

test('routes: without a token a foreign Host name is refused (DNS rebinding)', async () => {
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  // fetch() does not let a script set Host; node:http does.
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve, reject) => {
    const u = new URL(`${s.base}/api/status`);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, headers: { host: 'evil.example' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 421);
});

test('routes: promtool check metrics accepts /metrics', async (t) => {
  const promtool = requireTool(t, 'promtool', 'prometheus');
  if (!promtool) return;
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  const text = await (await fetch(`${s.base}/metrics`)).text();
  assert.match(text, /^pve_health_serve_scan_age_seconds\{part="mounts"\} 0$/m);
  assert.match(text, /^pve_health_serve_memory_bytes\{kind="heap_used"\} 8000000$/m);
  // A counter per part, the standard process_* families, and labels that join other exporters.
  assert.match(text, /^# TYPE pve_health_serve_scans_total counter$/m);
  assert.match(text, /^pve_health_serve_scans_total\{part="dm"\} 1$/m);
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_start_time_seconds',
    'process_open_fds',
    'process_max_fds',
  ])
    assert.match(text, new RegExp(`^${name} \\d+(\\.\\d+)?(e\\+\\d+)?$`, 'm'), name);
  assert.match(text, /^pve_health_dm_grade \d$/m);
  const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint warnings');
});

test('serve: a Unix socket (mode 0600) needs no token and no loopback Host; a per-client connection cap', async () => {
  const { listen, MAX_CONNECTIONS_PER_CLIENT } = await import('../../src/serve/server');
  const { parseListen, authorize } = await import('../../src/serve/auth');
  const { mkdtempSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { request } = await import('node:http');
  const addr = parseListen(`unix:${join(mkdtempSync(join(tmpdir(), 'pvh-sock-')), 'serve.sock')}`);
  assert.equal(authorize({ token: null, socket: true }, undefined, 'evil.example').ok, true);
  assert.equal(authorize({ token: null }, undefined, 'evil.example').ok, false);
  const http = await listen(addr, () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hi\n' }));
  try {
    assert.equal(statSync(addr.path!).mode & 0o777, 0o600);
    const body = await new Promise<string>((ok, bad) => {
      const r = request({ socketPath: addr.path, path: '/healthz', headers: { host: 'x' } }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => ok(b));
      });
      r.on('error', bad);
      r.end();
    });
    assert.equal(body, 'hi\n');
  } finally {
    await http.close();
  }
  assert.ok(MAX_CONNECTIONS_PER_CLIENT >= 8 && MAX_CONNECTIONS_PER_CLIENT <= 128);
});

test('serve: one client cannot hold more than its share of connections', async () => {
  const { listen, MAX_CONNECTIONS_PER_CLIENT } = await import('../../src/serve/server');
  const { connect } = await import('node:net');
  const http = await listen({ host: '127.0.0.1', port: 0 }, () => ({ status: 200, headers: {}, body: '' }));
  const socks: import('node:net').Socket[] = [];
  try {
    let closedEarly = 0;
    for (let i = 0; i < MAX_CONNECTIONS_PER_CLIENT + 5; i++) {
      const s = connect(http.address.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => closedEarly++);
      socks.push(s);
    }
    // Polled, not one fixed sleep: under load (other suites' sockets) the accepts can take a while.
    for (let t = 0; closedEarly < 5 && t < 5_000; t += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(closedEarly, 5, `${closedEarly} connections refused`);
  } finally {
    for (const s of socks) s.destroy();
    await http.close();
  }
});

/** A GET without fetch's automatic decoding: the bytes on the wire and the headers. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((ok, bad) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', bad);
    req.end();
  });
}

test('routes: API documents and /metrics are gzipped when accepted, and decode to the identity body', async () => {
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  for (const path of ['/api/status', '/api/summary', '/api/dm', '/api/mounts', '/metrics']) {
    const plain = await rawGet(`${s.base}${path}`, {});
    assert.equal(plain.headers['content-encoding'], undefined, path);
    // The gzip of a new scan's body is made in the thread pool; until then the reply is uncompressed.
    let gz = await rawGet(`${s.base}${path}`, { 'accept-encoding': 'gzip, br' });
    for (let i = 0; i < 100 && gz.headers['content-encoding'] !== 'gzip'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      gz = await rawGet(`${s.base}${path}`, { 'accept-encoding': 'gzip, br' });
    }
    assert.equal(gz.headers['content-encoding'], 'gzip', path);
    assert.equal(gz.headers.vary, 'accept-encoding', path);
    assert.equal(Number(gz.headers['content-length']), gz.body.length, path);
    // process_* (CPU time, memory) are live in every reply; the rest is the same text.
    const stable = (t: string) => t.replace(/^process_\S+ \S+$/gm, '');
    assert.equal(stable(gunzipSync(gz.body).toString('utf8')), stable(plain.body.toString('utf8')), path);
    assert.equal(
      (await rawGet(`${s.base}${path}`, { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding'],
      undefined,
    );
  }
});

test('routes: right after a scan, clients that take gzip get it at once: a large body waits for its thread-pool gzip, never goes out uncompressed', async () => {
  // A document over the synchronous-gzip size (256 KB): 1,500 orphans of a 400-guest-sized node.
  const many = Array.from({ length: 1500 }, (_, i) =>
    dmEntry({
      name: `pve-vm--${1000 + i}--disk--0`,
      vmid: 1000 + i,
      status: 'orphan',
      reason: 'guest-missing',
      detail: `no guest ${1000 + i} in the cluster`,
    }),
  );
  let generation = 0;
  const s = await setup({ scanDm: async () => dmResult(many.slice(generation++ % 2), 1) });
  for (let round = 0; round < 2; round++) {
    await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
    // Ten at once, the first requests after the scan: each waits for the same gzip.
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => rawGet(`${s.base}/api/status`, { 'accept-encoding': 'gzip' })),
    );
    const plain = JSON.parse((await rawGet(`${s.base}/api/status`, {})).body.toString('utf8'));
    assert.ok(JSON.stringify(plain).length > 256 * 1024);
    for (const r of replies) {
      assert.equal(r.headers['content-encoding'], 'gzip', `round ${round}`);
      const doc = JSON.parse(gunzipSync(r.body).toString('utf8'));
      assert.equal(doc.dm.entries.length, plain.dm.entries.length, `round ${round}: this scan's document`);
      assert.deepEqual({ ...doc, service: null }, { ...plain, service: null });
    }
  }
});

test('routes: /api/summary is the dashboard document: the view, history and service block, each part without its entries', async () => {
  const s = await setup();
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  const full = await (await fetch(`${s.base}/api/status`)).json();
  const sum = await (await fetch(`${s.base}/api/summary`)).json();
  assert.deepEqual(sum.view, full.view);
  assert.deepEqual(sum.service, full.service);
  for (const k of ['schemaVersion', 'generatedAt', 'node', 'status', 'summary', 'source'])
    assert.deepEqual(sum[k], full[k], k);
  assert.deepEqual(sum.dm, { status: full.dm.status, summary: full.dm.summary, warnings: full.dm.warnings });
  assert.deepEqual(sum.mounts, { status: full.mounts.status, summary: full.mounts.summary });
  assert.ok(full.dm.entries.length > 0 && !('entries' in sum.dm));
});

test('routes: a part that could not be checked keeps its error in /api/summary', async () => {
  const s = await setup({ scanDm: async () => Promise.reject(new Error('dmsetup: timeout')) });
  await Promise.all([s.svc.scan('dm'), s.svc.scan('mounts')]);
  const sum = await (await fetch(`${s.base}/api/summary`)).json();
  assert.equal(sum.dm.status, 3);
  assert.match(sum.dm.error, /dmsetup: timeout/);
  assert.equal(sum.status, 3);
});

test('routes: the page and its assets carry an ETag; an unchanged one is a 304 without a body', async () => {
  const s = await setup();
  for (const path of ['/', '/dashboard.js', '/dashboard.css']) {
    const first = await rawGet(`${s.base}${path}`, { 'accept-encoding': 'gzip' });
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-encoding'], 'gzip');
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[0-9a-f]+-\d+"$/);
    const again = await rawGet(`${s.base}${path}`, { 'if-none-match': `W/${etag}` });
    assert.deepEqual([again.status, again.body.length], [304, 0], path);
    assert.equal((await rawGet(`${s.base}${path}`, { 'if-none-match': '"other"' })).status, 200);
  }
});

test('routes: a gzip that does not come (a thread pool stuck in file reads) delays a reply by GZIP_WAIT_MS at most, then it goes uncompressed', async () => {
  const entry = { key: 'k', bytes: Buffer.from('{"a":1'), gz: null, gzReady: new Promise<null>(() => {}) };
  const req = { method: 'GET', url: '/api/status', headers: { 'accept-encoding': 'gzip' } };
  const t0 = performance.now();
  const r = await withTail(req, entry, '}\n', 'application/json');
  const waited = performance.now() - t0;
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(bodyBytes(r.body).toString(), '{"a":1}\n');
  assert.ok(waited >= GZIP_WAIT_MS - 50, `${waited} ms`);
});
