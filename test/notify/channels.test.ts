// Every channel against a real peer on loopback: smtp-server (plain, STARTTLS + AUTH, implicit TLS),
// an HTTP server standing in for Mailjet and for each webhook template, and a fake sendmail on PATH.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Config } from '../../src/core/vocab/config';
import { createHost } from '../../src/host/host';
import { type NotifyReport, renderNotifyReport, sendNotifications } from '../../src/notify/index';
import { healthyDoc, SCRIPT_GUEST, troubledDoc } from '../fixtures/docs/check-documents';
import { parseMail, startHttp, startSmtp } from './servers';

const noSleep = async () => {};

function tempRoot(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'pvh-notify-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

const quick = { retries: 2, retry_delay: 0, timeout: 5 };

function only(r: NotifyReport) {
  assert.equal(r.channels.length, 1, JSON.stringify(r));
  return r.channels[0];
}

test('smtp: plain relay, message parsed by the receiving server', async (t) => {
  const smtp = await startSmtp();
  t.after(smtp.close);
  const host = createHost({ root: tempRoot(t), env: {} });
  const config: Config = {
    notify: {
      ...quick,
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        to: ['admin@example.org', 'ops@example.org'],
        from: 'pve1@example.org',
      },
    },
  };
  const r = await sendNotifications(host, config, troubledDoc(), { sleep: noSleep });
  assert.equal(only(r).result, 'sent', JSON.stringify(r));
  assert.equal(smtp.mails.length, 1);
  const m = smtp.mails[0];
  assert.equal(m.from, 'pve1@example.org');
  assert.deepEqual(m.to, ['admin@example.org', 'ops@example.org']);
  const mail = parseMail(m.raw);
  assert.match(mail.headers.subject, /^\[pve-health CRITICAL\] pve1 — grade F: 1 duplicate, 3 orphans/);
  assert.match(mail.parts['text/plain'], /fix:\n {8}dmsetup remove -u LVM-bbbb103old/);
  assert.match(mail.parts['text/plain'], /New:\n {2}\+ duplicate local-lvm:vm-103-disk-0 \(stale-map\)/);
  assert.match(mail.parts['text/html'], /data-grade="F"/);
  // The healthy guest named <script>… is counted in a mail, not named (the report names it, escaped:
  // test/render/html.test.ts); never raw.
  assert.match(mail.parts['text/html'], /The other 3 guests have nothing found\./);
  assert.ok(!mail.parts['text/html'].includes(SCRIPT_GUEST));
});

test('smtp: STARTTLS with AUTH, and implicit TLS', async (t) => {
  for (const security of ['starttls', 'tls'] as const) {
    const smtp = await startSmtp({ secure: security === 'tls', auth: { user: 'pve', password: 's3cret-pw' } });
    t.after(smtp.close);
    const host = createHost({ root: tempRoot(t), env: {} });
    const config: Config = {
      notify: {
        ...quick,
        smtp: {
          host: '127.0.0.1',
          port: smtp.port,
          security,
          user: 'pve',
          password: 's3cret-pw',
          insecure_tls: true,
          to: 'root@example.org',
        },
      },
    };
    const r = await sendNotifications(host, config, troubledDoc(), { sleep: noSleep });
    assert.equal(only(r).result, 'sent', `${security}: ${JSON.stringify(r)}`);
    assert.equal(smtp.mails[0].user, 'pve');
    assert.equal(smtp.mails[0].secure, true, `${security}: session was encrypted`);
  }
});

test('smtp: wrong password fails once (no retries) and never shows the password', async (t) => {
  const smtp = await startSmtp({ auth: { user: 'pve', password: 'right-one' } });
  t.after(smtp.close);
  const host = createHost({ root: tempRoot(t), env: { PVE_HEALTH_SMTP_PASSWORD: 'wrong-pass-123' } });
  const config: Config = {
    notify: {
      ...quick,
      smtp: { host: '127.0.0.1', port: smtp.port, security: 'starttls', insecure_tls: true, user: 'pve', to: 'a@b.c' },
    },
  };
  const r = await sendNotifications(host, config, troubledDoc(), { sleep: noSleep });
  const c = only(r);
  assert.equal(c.result, 'failed');
  assert.equal(c.attempts, 1);
  assert.ok(!JSON.stringify(r).includes('wrong-pass-123'));
  assert.equal(smtp.mails.length, 0);
});

test('smtp: an unreachable server is retried with backoff, reported, and does not throw', async (t) => {
  const smtp = await startSmtp();
  const port = smtp.port;
  await smtp.close();
  const host = createHost({ root: tempRoot(t), env: {} });
  const delays: number[] = [];
  const config: Config = {
    notify: {
      retries: 3,
      retry_delay: 0.5,
      timeout: 2,
      smtp: { host: '127.0.0.1', port, security: 'none', to: 'a@b.c' },
    },
  };
  const r = await sendNotifications(host, config, troubledDoc(), { sleep: async (ms) => void delays.push(ms) });
  assert.equal(only(r).result, 'failed');
  assert.equal(only(r).attempts, 4);
  assert.deepEqual(delays, [500, 1000, 2000]);
  assert.match(only(r).error ?? '', /ECONNREFUSED/);
});

test('mailjet: v3.1 send with Basic auth; 503 is retried; secrets stay out of the report', async (t) => {
  const mj = await startHttp((n) =>
    n < 2 ? [503, 'busy'] : [200, JSON.stringify({ Messages: [{ Status: 'success' }] })],
  );
  t.after(mj.close);
  const host = createHost({ root: tempRoot(t), env: { MJ_APIKEY_PRIVATE: 'env-secret-456' } });
  const config: Config = {
    notify: {
      ...quick,
      mailjet: {
        api_key: 'key-123',
        from: 'pve@example.org',
        from_name: 'PVE <1>',
        to: ['a@example.org'],
        base_url: `${mj.url}/`,
      },
    },
  };
  const r = await sendNotifications(host, config, troubledDoc(), { sleep: noSleep });
  assert.equal(only(r).result, 'sent');
  assert.equal(only(r).attempts, 3);
  assert.equal(mj.requests.length, 3);
  const req = mj.requests[2];
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v3.1/send');
  assert.equal(req.headers.authorization, `Basic ${Buffer.from('key-123:env-secret-456').toString('base64')}`);
  const body = JSON.parse(req.body);
  const m = body.Messages[0];
  assert.deepEqual(m.From, { Email: 'pve@example.org', Name: 'PVE <1>' });
  assert.deepEqual(m.To, [{ Email: 'a@example.org' }]);
  assert.match(m.Subject, /^\[pve-health CRITICAL\] pve1/);
  assert.match(m.TextPart, /Findings:/);
  assert.match(m.HTMLPart, /^<!DOCTYPE html>/);
});

test('mailjet: 401 is final; an error echoing the key is redacted', async (t) => {
  const mj = await startHttp(() => [401, '{"ErrorMessage":"API key key-123 / env-secret-456 is invalid"}']);
  t.after(mj.close);
  const host = createHost({ root: tempRoot(t), env: {} });
  const config: Config = {
    notify: {
      ...quick,
      mailjet: { api_key: 'key-123', api_secret: 'env-secret-456', from: 'p@e.org', to: 'a@e.org', base_url: mj.url },
    },
  };
  const r = await sendNotifications(host, config, troubledDoc(), { sleep: noSleep });
  assert.equal(only(r).result, 'failed');
  assert.equal(only(r).attempts, 1);
  assert.match(only(r).error ?? '', /HTTP 401/);
  assert.ok(!JSON.stringify(r).includes('key-123'));
  assert.ok(!JSON.stringify(r).includes('env-secret-456'));
  // A missing secret is reported as configuration, without sending.
  const r2 = await sendNotifications(
    host,
    { notify: { mailjet: { api_key: 'k', from: 'p@e.org', to: 'a@e.org', base_url: mj.url } } },
    troubledDoc(),
    { always: true },
  );
  assert.match(only(r2).error ?? '', /missing api_secret/);
  assert.equal(mj.requests.length, 1);
});

test('webhook: json, ntfy, gotify, discord, slack templates as their receivers expect', async (t) => {
  const hook = await startHttp();
  t.after(hook.close);
  const cases = [
    {
      template: 'json' as const,
      path: '/hook',
      check: (h: Record<string, unknown>, body: string) => {
        const j = JSON.parse(body);
        assert.equal(j.node, 'pve1');
        assert.equal(j.status, 2);
        assert.equal(j.statusText, 'CRITICAL');
        assert.ok(j.findings.some((f: { key: string }) => f.key === 'dm:duplicate:stale-map:local-lvm:vm-103-disk-0'));
        assert.equal(h.authorization, 'Bearer tok-abc');
      },
    },
    {
      template: 'ntfy' as const,
      path: '/pve-alerts',
      check: (h: Record<string, unknown>, body: string) => {
        assert.match(String(h.title), /^\[pve-health CRITICAL\] pve1 - grade F/);
        assert.equal(h.priority, 'urgent');
        assert.equal(h.tags, 'rotating_light');
        assert.match(body, /^pve1: CRITICAL/);
      },
    },
    {
      template: 'gotify' as const,
      path: '/message',
      check: (h: Record<string, unknown>, body: string) => {
        assert.equal(h['x-gotify-key'], 'tok-abc');
        const j = JSON.parse(body);
        assert.equal(j.priority, 8);
        assert.match(j.message, /Findings:/);
      },
    },
    {
      template: 'discord' as const,
      path: '/api/webhooks/1/xyz',
      check: (_h: Record<string, unknown>, body: string) => {
        const j = JSON.parse(body);
        assert.equal(j.embeds[0].color, 0xdc2626);
        assert.ok(j.embeds[0].description.length <= 4096);
        assert.deepEqual(j.allowed_mentions, { parse: [] });
      },
    },
    {
      template: 'slack' as const,
      path: '/services/T0/B0/zzz',
      check: (_h: Record<string, unknown>, body: string) =>
        assert.match(JSON.parse(body).text, /^\*\[pve-health CRITICAL\] pve1/),
    },
  ];
  for (const c of cases) {
    const host = createHost({ root: tempRoot(t), env: {} });
    const url = `${hook.url}${c.template === 'gotify' ? '' : c.path}`;
    const r = await sendNotifications(
      host,
      { notify: { ...quick, webhook: { url, template: c.template, token: 'tok-abc' } } },
      troubledDoc(),
      { sleep: noSleep },
    );
    assert.equal(only(r).result, 'sent', c.template);
    const req = hook.requests[hook.requests.length - 1];
    assert.equal(req.method, 'POST');
    assert.equal(req.url, c.path, c.template);
    c.check(req.headers as Record<string, unknown>, req.body);
    // The webhook URL path is a credential: the report shows only the origin.
    if (c.template === 'discord') assert.ok(!JSON.stringify(r).includes('xyz'));
  }
});

test('sendmail: message on stdin of `sendmail -i -- root`; EX_TEMPFAIL retried, other failures final', async (t) => {
  const root = tempRoot(t);
  const fake = join(root, 'sendmail');
  // Records argv and stdin; exits with the codes listed in $root/codes, one per call.
  writeFileSync(
    fake,
    `#!/bin/sh\nn=$(cat "${root}/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${root}/n"\necho "$@" > "${root}/argv"\ncat > "${root}/mail.$n"\ncode=$(sed -n "\${n}p" "${root}/codes" 2>/dev/null)\nexit \${code:-0}\n`,
  );
  chmodSync(fake, 0o755);
  const host = createHost({ root, env: { PATH: `${root}:/usr/bin:/bin` } });
  writeFileSync(join(root, 'codes'), '75\n0\n');
  const r = await sendNotifications(host, { notify: { ...quick, sendmail: {} } }, troubledDoc(), { sleep: noSleep });
  assert.equal(only(r).result, 'sent', JSON.stringify(r));
  assert.equal(only(r).attempts, 2);
  assert.equal(readFileSync(join(root, 'argv'), 'utf8').trim(), '-i -- root');
  const mail = parseMail(readFileSync(join(root, 'mail.2'), 'utf8'));
  assert.equal(mail.headers.to, 'root');
  assert.match(mail.headers.subject, /^\[pve-health CRITICAL\] pve1/);
  assert.match(mail.parts['text/html'], /data-grade="F"/);

  writeFileSync(join(root, 'codes'), '0\n0\n1\n');
  const r2 = await sendNotifications(
    host,
    { notify: { ...quick, sendmail: { from: 'pve@e.org', to: 'x@e.org' } } },
    troubledDoc(),
    { always: true, sleep: noSleep },
  );
  assert.equal(only(r2).result, 'failed');
  assert.equal(only(r2).attempts, 1);
  assert.equal(readFileSync(join(root, 'argv'), 'utf8').trim(), '-i -f pve@e.org -- x@e.org');
  assert.equal(parseMail(readFileSync(join(root, 'mail.3'), 'utf8')).headers.to, 'x@e.org');
  const missing = await sendNotifications(host, { notify: { sendmail: { path: join(root, 'nope') } } }, troubledDoc(), {
    always: true,
    sleep: noSleep,
  });
  assert.match(only(missing).error ?? '', /not found/);
});

test('end to end: change detection across runs, state file under --root, one failing channel does not block another', async (t) => {
  const root = tempRoot(t);
  const smtp = await startSmtp();
  t.after(smtp.close);
  let hookUp = false;
  const hook = await startHttp(() => (hookUp ? [200, ''] : [500, 'down']));
  t.after(hook.close);
  let now = new Date('2026-03-14T09:00:00Z');
  const host = createHost({ root, env: {}, now: () => now });
  const config: Config = {
    notify: {
      retries: 1,
      retry_delay: 0,
      timeout: 5,
      smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', to: 'a@e.org' },
      webhook: { url: `${hook.url}/h` },
    },
  };
  const run = (doc = troubledDoc(), opts = {}) => sendNotifications(host, config, doc, { sleep: noSleep, ...opts });
  const results = (r: NotifyReport) => r.channels.map((c) => `${c.channel}:${c.result}`).join(' ');

  assert.equal(results(await run()), 'smtp:sent webhook:failed');
  const state = JSON.parse(readFileSync(join(root, 'var/lib/pve-health/notify-state.json'), 'utf8'));
  assert.equal(state.nodes.pve1.channels.smtp.status, 2);
  assert.equal(state.nodes.pve1.channels.webhook, undefined);
  // What was sent, when and to which channel is root's only.
  assert.equal(statSync(join(root, 'var/lib/pve-health/notify-state.json')).mode & 0o777, 0o600);

  hookUp = true;
  now = new Date('2026-03-14T09:15:00Z');
  assert.equal(results(await run()), 'smtp:skipped webhook:sent');
  assert.equal(results(await run()), 'smtp:skipped webhook:skipped');
  assert.equal(results(await run(troubledDoc(), { always: true })), 'smtp:sent webhook:sent');

  // Everything resolved: one "all clear" message per channel, then quiet.
  const r = await run(healthyDoc());
  assert.equal(results(r), 'smtp:sent webhook:sent');
  const last = parseMail(smtp.mails[smtp.mails.length - 1].raw);
  assert.equal(last.headers.subject, '[pve-health OK] pve1 — all clear');
  assert.match(last.parts['text/plain'], /Resolved:\n {2}- duplicate local-lvm:vm-103-disk-0 \(stale-map\)/);
  assert.equal(results(await run(healthyDoc())), 'smtp:skipped webhook:skipped');

  // A pending entry that appears (a restore started) is not a change worth a message.
  const pendingOnly = healthyDoc();
  pendingOnly.dm!.entries.push({ ...troubledDoc().dm!.entries.find((e) => e.pending)! });
  assert.equal(results(await run(pendingOnly)), 'smtp:skipped webhook:skipped');

  // --test sends but leaves the state alone.
  const before = readFileSync(join(root, 'var/lib/pve-health/notify-state.json'), 'utf8');
  assert.equal(results(await run(troubledDoc(), { test: true })), 'smtp:sent webhook:sent');
  assert.equal(readFileSync(join(root, 'var/lib/pve-health/notify-state.json'), 'utf8'), before);
  assert.match(parseMail(smtp.mails[smtp.mails.length - 1].raw).headers.subject, /^\[pve-health [A-Z]+ test\]/);
});

test('no channels configured: nothing sent, nothing thrown', async (t) => {
  const host = createHost({ root: tempRoot(t), env: {} });
  const r = await sendNotifications(host, {}, troubledDoc());
  assert.deepEqual(r.channels, []);
  assert.equal(r.failed, 0);
});

test('no channel configured on a PVE node: mail to root through proxmox-mail-forward; notify.pve = false turns it off', async (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  const fake = join(root, 'usr/bin/proxmox-mail-forward');
  // What postfix runs for mail to root (/root/.forward): the whole message on stdin.
  writeFileSync(fake, `#!/bin/sh\necho "$@" > "${root}/argv"\ncat > "${root}/mail"\n`);
  chmodSync(fake, 0o755);
  const host = createHost({ root, env: { PATH: '/usr/bin:/bin' } });
  const r = await sendNotifications(host, { notify: quick }, troubledDoc(), { sleep: noSleep });
  assert.equal(only(r).channel, 'pve');
  assert.equal(only(r).result, 'sent', JSON.stringify(r));
  assert.equal(readFileSync(join(root, 'argv'), 'utf8').trim(), '', 'no arguments, as from /root/.forward');
  const mail = parseMail(readFileSync(join(root, 'mail'), 'utf8'));
  assert.equal(mail.headers.to, 'root');
  assert.match(mail.headers.subject, /^\[pve-health CRITICAL\] pve1 — /);
  // A configured channel replaces the default; notify.pve = false means no channel at all.
  const off = await sendNotifications(host, { notify: { ...quick, pve: false } }, troubledDoc(), { sleep: noSleep });
  assert.equal(off.channels.length, 0);
  assert.match(renderNotifyReport(off), /^notify: notifications are off: /);
  const none = await sendNotifications(createHost({ root: tempRoot(t) }), { notify: quick }, troubledDoc(), {
    sleep: noSleep,
  });
  assert.equal(none.channels.length, 0, 'no proxmox-mail-forward: nothing to send with');
});
