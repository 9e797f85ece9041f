// The native PVE channel (src/notify/pve-notify.ts) the way a node meets it: with nothing configured,
// pve-health runs `perl -e PROGRAM` with the notification as JSON on stdin; the program calls
// PVE::Notify::notify($severity, 'pve-health', $data, $fields) as pve-manager's own callers do. Here a
// `perl` on PATH records its argv and runs the real perl against a stand-in PVE::Notify that records
// what it was called with (pve-cluster's signature), and the shipped templates are rendered with it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHost } from '../../src/host/host';
import { sendNotifications } from '../../src/notify/index';
import { PVE_NOTIFY_MODULE, PVE_NOTIFY_PERL, PVE_TEMPLATE_DIR, PVE_TEMPLATE_FILES } from '../../src/notify/pve-notify';
import { healthyDoc, troubledDoc } from '../fixtures/docs/check-documents';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const TEMPLATES = join(REPO, 'packaging/templates');
const PERL =
  spawnSync('perl', ['-MJSON', '-e', '1']).status === 0
    ? spawnSync('sh', ['-c', 'command -v perl'], { encoding: 'utf8' }).stdout.trim()
    : null;
const quick = { retries: 0, retry_delay: 0, timeout: 10 };

// pve-cluster src/PVE/Notify.pm: notify($severity, $template_name, $template_data, $fields, $config), and
// common_template_data() { hostname, fqdn, cluster-name }.
const FAKE_NOTIFY_PM = `package PVE::Notify;
use strict; use warnings; use JSON;
sub common_template_data { return { hostname => 'pve1', fqdn => 'pve1.example.org', 'cluster-name' => 'lab' }; }
sub notify {
    my ($severity, $template_name, $template_data, $fields) = @_;
    die "template pve-health-subject.txt.hbs not found\\n" if $ENV{FAKE_NOTIFY_FAIL};
    open(my $fh, '>', $ENV{FAKE_NOTIFY_OUT}) or die "cannot write: $!";
    print $fh JSON->new->canonical->encode({ severity => $severity, template => $template_name, data => $template_data, fields => $fields });
    close($fh);
}
1;
`;

/** A node root: PVE::Notify present (and/or proxmox-mail-forward), our templates installed or not. */
function node(o: { notify: boolean; templates: boolean; forward: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-pvenotify-'));
  const root = join(dir, 'root');
  const lib = join(dir, 'lib');
  const bin = join(dir, 'bin');
  for (const d of [root, join(lib, 'PVE'), bin]) mkdirSync(d, { recursive: true });
  writeFileSync(join(lib, 'PVE/Notify.pm'), FAKE_NOTIFY_PM);
  if (o.notify) {
    mkdirSync(join(root, 'usr/share/perl5/PVE'), { recursive: true });
    writeFileSync(join(root, PVE_NOTIFY_MODULE), FAKE_NOTIFY_PM);
  }
  if (o.templates) {
    mkdirSync(join(root, PVE_TEMPLATE_DIR), { recursive: true });
    for (const f of PVE_TEMPLATE_FILES) cpSync(join(TEMPLATES, f), join(root, PVE_TEMPLATE_DIR, f));
  }
  if (o.forward) {
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/bin/proxmox-mail-forward'), `#!/bin/sh\ncat > "${dir}/mail"\n`);
    chmodSync(join(root, 'usr/bin/proxmox-mail-forward'), 0o755);
  }
  // The perl on PATH: records argv and stdin, then runs the real perl with the stand-in module.
  writeFileSync(
    join(bin, 'perl'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\ntee "${dir}/stdin" | exec ${PERL} -I"${lib}" "$@"\n`,
  );
  chmodSync(join(bin, 'perl'), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, FAKE_NOTIFY_OUT: join(dir, 'notify.json') };
  return { dir, root, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The handlebars the shipped templates use, rendered as proxmox-notify does: `{{x}}` (HTML-escaped in
 * the html body), `{{{x}}}` raw, `{{#if x}}…{{/if}}`. Any other construct, and any field the data
 * lacks, fails the test: a template must never print a missing value as nothing.
 */
function renderTemplate(tpl: string, data: Record<string, unknown>, html: boolean): string {
  const value = (name: string) => {
    assert.ok(Object.hasOwn(data, name), `template field {{${name}}} is not in the data`);
    return String(data[name]);
  };
  const esc = (s: string) =>
    html ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;') : s;
  const ifs = tpl.replace(/\{\{#if ([\w-]+)\}\}([\s\S]*?)\{\{\/if\}\}/g, (_, name: string, body: string) =>
    Object.hasOwn(data, name) && data[name] ? body : '',
  );
  const out = ifs
    .replace(/\{\{\{([\w-]+)\}\}\}/g, (_, name: string) => value(name))
    .replace(/\{\{([\w-]+)\}\}/g, (_, name: string) => esc(value(name)));
  assert.doesNotMatch(out, /\{\{/, 'a handlebars construct this test does not know');
  return out;
}

describe('PVE notifications (PVE::Notify)', { skip: PERL ? false : 'needs perl with JSON' }, () => {
  it('nothing configured: PVE::Notify::notify(severity, "pve-health", data, {type, hostname, status}); the templates render', async () => {
    const n = node({ notify: true, templates: true, forward: true });
    try {
      const host = createHost({ root: n.root, env: n.env });
      const r = await sendNotifications(host, { notify: quick }, troubledDoc(), {
        toolVersion: '9.9.9',
        sleep: async () => {},
      });
      assert.equal(r.channels.length, 1, JSON.stringify(r));
      assert.equal(r.channels[0].channel, 'pve');
      assert.equal(r.channels[0].result, 'sent', JSON.stringify(r));
      assert.match(r.channels[0].target, /PVE notifications \(type=pve-health\)/);
      assert.ok(!existsSync(join(n.dir, 'mail')), 'not also mailed');
      // argv: perl -e PROGRAM, no shell, nothing from the node on the command line.
      assert.deepEqual(readFileSync(join(n.dir, 'argv'), 'utf8').split('\n').slice(0, 2), ['-e', PVE_NOTIFY_PERL]);
      const sent = JSON.parse(readFileSync(join(n.dir, 'notify.json'), 'utf8'));
      assert.equal(sent.severity, 'error', 'CRITICAL is an error');
      assert.equal(sent.template, 'pve-health');
      assert.deepEqual(sent.fields, { type: 'pve-health', hostname: 'pve1', status: 'critical' });
      assert.equal(sent.data.fqdn, 'pve1.example.org', "PVE's common template data is kept");
      assert.match(sent.data.subject, /^\[pve-health CRITICAL\] pve1 — /);
      // Every shipped template renders with that data, every field it uses is there.
      const subject = renderTemplate(
        readFileSync(join(TEMPLATES, 'pve-health-subject.txt.hbs'), 'utf8'),
        sent.data,
        false,
      );
      assert.equal(subject.trim(), sent.data.subject);
      const body = renderTemplate(readFileSync(join(TEMPLATES, 'pve-health-body.txt.hbs'), 'utf8'), sent.data, false);
      assert.ok(body.startsWith(sent.data.text), body);
      assert.match(body, /^pve-health 9\.9\.9 on pve1\.example\.org \(cluster lab\)$/m);
      const html = renderTemplate(readFileSync(join(TEMPLATES, 'pve-health-body.html.hbs'), 'utf8'), sent.data, true);
      assert.match(html, /^<!doctype html>/i);
      assert.deepEqual(
        readdirSync(TEMPLATES).sort(),
        [...PVE_TEMPLATE_FILES].sort(),
        'the package ships exactly these',
      );
    } finally {
      n.cleanup();
    }
  });

  it('severity follows the status: warning, and info when all is well (--always)', async () => {
    const n = node({ notify: true, templates: true, forward: false });
    try {
      const host = createHost({ root: n.root, env: n.env });
      const warn = troubledDoc();
      warn.status = 1;
      await sendNotifications(host, { notify: quick }, warn, { sleep: async () => {} });
      let sent = JSON.parse(readFileSync(join(n.dir, 'notify.json'), 'utf8'));
      assert.equal(sent.severity, 'warning');
      assert.equal(sent.fields.status, 'warning');
      await sendNotifications(host, { notify: quick }, healthyDoc(), { always: true, sleep: async () => {} });
      sent = JSON.parse(readFileSync(join(n.dir, 'notify.json'), 'utf8'));
      assert.equal(sent.severity, 'info');
      assert.equal(sent.fields.status, 'ok');
    } finally {
      n.cleanup();
    }
  });

  it('PVE::Notify failing (a broken notifications.cfg, a missing template) is a failed send with its message', async () => {
    const n = node({ notify: true, templates: true, forward: true });
    try {
      const host = createHost({ root: n.root, env: { ...n.env, FAKE_NOTIFY_FAIL: '1' } });
      const r = await sendNotifications(host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
      assert.equal(r.channels[0].result, 'failed');
      assert.match(r.channels[0].error ?? '', /PVE notifications: .*template pve-health-subject\.txt\.hbs not found/);
    } finally {
      n.cleanup();
    }
  });

  for (const c of [
    { why: 'no PVE::Notify (PVE before 8.1)', notify: false, templates: true },
    { why: 'our templates not installed (not from the package)', notify: true, templates: false },
  ]) {
    it(`falls back to mail through proxmox-mail-forward: ${c.why}`, async () => {
      const n = node({ ...c, forward: true });
      try {
        const host = createHost({ root: n.root, env: n.env });
        const r = await sendNotifications(host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
        assert.equal(r.channels[0].result, 'sent', JSON.stringify(r));
        assert.match(r.channels[0].target, /proxmox-mail-forward/);
        assert.match(readFileSync(join(n.dir, 'mail'), 'utf8'), /^Subject: =\?UTF-8\?Q\?=5Bpve-health_CRITICAL=5D/m);
        assert.ok(!existsSync(join(n.dir, 'argv')), 'perl not run');
      } finally {
        n.cleanup();
      }
    });
  }
});
