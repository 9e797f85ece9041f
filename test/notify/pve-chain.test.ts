// The PVE channel's fallbacks (src/notify/pve-chain.ts) as the report, the state and the text show them:
// which way failed and which delivered, never one dropped or swapped. A node without PVE::Notify (an
// older PVE, or the module not installed) but with /usr/bin/proxmox-mail-forward: the channel tries the
// forwarder, then sendmail to root. No perl needed (the PVE::Notify way: test/notify/pve-notify.test.ts).

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHost } from '../../src/host/host';
import { readNotifyFailures, renderNotifyReport, sendNotifications } from '../../src/notify/index';
import { troubledDoc } from '../fixtures/docs/check-documents';

const quick = { retries: 0, retry_delay: 0, timeout: 10 };

/** A node root whose proxmox-mail-forward and sendmail (on PATH) deliver into files, or fail with a message. */
function node(o: { forward: 'ok' | 'fail'; sendmail: 'ok' | 'fail' }) {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-pvechain-'));
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  for (const d of [join(root, 'usr/bin'), bin]) mkdirSync(d, { recursive: true });
  const script = (out: string, how: 'ok' | 'fail', word: string) =>
    how === 'ok' ? `#!/bin/sh\ncat > "${out}"\n` : `#!/bin/sh\ncat > /dev/null\necho "${word}" >&2\nexit 75\n`;
  writeFileSync(join(root, 'usr/bin/proxmox-mail-forward'), script(join(dir, 'forwarded'), o.forward, 'forward broke'));
  chmodSync(join(root, 'usr/bin/proxmox-mail-forward'), 0o755);
  writeFileSync(join(bin, 'sendmail'), script(join(dir, 'sent'), o.sendmail, 'queue gone'));
  chmodSync(join(bin, 'sendmail'), 0o755);
  const host = createHost({ root, env: { PATH: `${bin}:/usr/bin:/bin` } });
  return { dir, host, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const exists = (p: string) => {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
};

describe('the PVE channel says which way failed and which delivered', () => {
  it('proxmox-mail-forward fails, sendmail to root delivers: sent via sendmail, after the forwarder with its reason', async () => {
    const n = node({ forward: 'fail', sendmail: 'ok' });
    try {
      const r = await sendNotifications(n.host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
      const c = r.channels[0];
      assert.equal(c.channel, 'pve');
      assert.equal(c.result, 'sent', JSON.stringify(r));
      assert.equal(c.via, 'sendmail → root');
      assert.equal(c.fallbackErrors?.length, 1, JSON.stringify(c));
      assert.match(c.fallbackErrors?.[0] ?? '', /^proxmox-mail-forward: .*forward broke/);
      assert.equal(r.failedDeliveries, 1);
      assert.equal(r.failed, 0);
      assert.ok(exists(join(n.dir, 'sent')) && !exists(join(n.dir, 'forwarded')));
      assert.match(
        renderNotifyReport(r),
        /^notify: pve .*PVE::Notify not used.*: sent \(.*\) via sendmail → root after proxmox-mail-forward: .*forward broke/m,
      );
      // The state counts the way that failed, and names it as the last failure.
      const f = readNotifyFailures(n.host, troubledDoc().node);
      assert.equal(f?.total, 1);
      assert.equal(f?.last?.channel, 'pve');
      assert.match(f?.last?.error ?? '', /^proxmox-mail-forward: /);
    } finally {
      n.cleanup();
    }
  });

  it('both fail: a failed send whose error names each way in order; one failed delivery', async () => {
    const n = node({ forward: 'fail', sendmail: 'fail' });
    try {
      const r = await sendNotifications(n.host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
      const c = r.channels[0];
      assert.equal(c.result, 'failed', JSON.stringify(r));
      assert.equal(c.via, undefined);
      assert.match(c.error ?? '', /^proxmox-mail-forward: .*forward broke.*; sendmail: .*queue gone/);
      assert.equal(r.failed, 1);
      assert.equal(r.failedDeliveries, 1);
      assert.match(renderNotifyReport(r), /^notify: pve .*: FAILED: proxmox-mail-forward: .*; sendmail: /m);
      assert.equal(readNotifyFailures(n.host, troubledDoc().node)?.total, 1);
    } finally {
      n.cleanup();
    }
  });

  it('the forwarder delivers (the legitimate path): sent via it, no fallback, nothing counted', async () => {
    const n = node({ forward: 'ok', sendmail: 'fail' });
    try {
      const r = await sendNotifications(n.host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
      const c = r.channels[0];
      assert.equal(c.result, 'sent', JSON.stringify(r));
      assert.equal(c.via, '/usr/bin/proxmox-mail-forward (PVE notifications)');
      assert.equal(c.fallbackErrors, undefined);
      assert.equal(r.failedDeliveries, 0);
      assert.doesNotMatch(renderNotifyReport(r), / after /);
      assert.ok(exists(join(n.dir, 'forwarded')) && !exists(join(n.dir, 'sent')));
      assert.equal(readNotifyFailures(n.host, troubledDoc().node)?.total ?? 0, 0);
    } finally {
      n.cleanup();
    }
  });
});
