// The dashboard's service and router in process, on a free loopback port, for the browser tests that
// serve documents of their own (the others run the real CLI).
import { renderPrometheus } from '../../src/render/prometheus';
import { createRouter } from '../../src/serve/routes';
import { listen } from '../../src/serve/server';
import { createService } from '../../src/serve/service';
import { buildDoc } from '../serve/sample';

/**
 * Serves `scanDm`/`scanMounts` from an in-process service and router on a free loopback port, both parts
 * scanned once (a failed scan is the service's to report); runs `body` with the base URL, then closes.
 */
export async function withServed(
  scans: Pick<Parameters<typeof createService>[0], 'scanDm' | 'scanMounts'>,
  body: (base: string) => Promise<void>,
  router: Partial<Parameters<typeof createRouter>[0]> = {},
): Promise<void> {
  const svc = createService({ ...scans, dmIntervalMs: 60_000, mountsIntervalMs: 60_000, now: () => new Date() });
  await Promise.all([svc.scan('dm').catch(() => {}), svc.scan('mounts')]);
  const http = await listen(
    { host: '127.0.0.1', port: 0 },
    createRouter({
      service: svc,
      buildDocument: buildDoc,
      renderMetrics: renderPrometheus,
      policy: { token: null },
      version: 't',
      ...router,
    }),
  );
  try {
    await body(`http://127.0.0.1:${http.address.port}`);
  } finally {
    await http.close();
  }
}
