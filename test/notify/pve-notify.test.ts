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
import { readNotifyFailures, renderNotifyReport, sendNotifications } from '../../src/notify/index';
import { PVE_NOTIFY_MODULE, PVE_NOTIFY_PERL, PVE_TEMPLATE_DIR, PVE_TEMPLATE_FILES } from '../../src/notify/pve-notify';
import { applyPveSetup, planPveSetup, renderPveSetupPlan } from '../../src/notify/pve-setup';
import { renderCheckText } from '../../src/render/check-text';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderPrometheus } from '../../src/render/prometheus';
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
      assert.match(r.channels[0].target, /^PVE::Notify \(template-common, type=pve-health\)/);
      assert.equal(r.channels[0].via, 'PVE::Notify (template-common, type=pve-health)');
      assert.ok(!existsSync(join(n.dir, 'mail')), 'not also mailed');
      // argv: perl -e PROGRAM, no shell, nothing from the node on the command line.
      assert.deepEqual(readFileSync(join(n.dir, 'argv'), 'utf8').split('\n').slice(0, 2), [
        '-e',
        PVE_NOTIFY_PERL['template-common'],
      ]);
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

  it('PVE::Notify failing (a broken notifications.cfg, a missing template): delivered through proxmox-mail-forward, the failure counted', async () => {
    const n = node({ notify: true, templates: true, forward: true });
    try {
      const host = createHost({ root: n.root, env: { ...n.env, FAKE_NOTIFY_FAIL: '1' } });
      const r = await sendNotifications(host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
      assert.equal(r.channels[0].result, 'sent', JSON.stringify(r));
      assert.match(r.channels[0].via ?? '', /proxmox-mail-forward/);
      assert.match(
        r.channels[0].fallbackErrors?.[0] ?? '',
        /PVE::Notify: .*template pve-health-subject\.txt\.hbs not found/,
      );
      assert.match(readFileSync(join(n.dir, 'mail'), 'utf8'), /^Subject: =\?UTF-8\?Q\?=5Bpve-health_CRITICAL=5D/m);
      assert.equal(r.failedDeliveries, 1);
      assert.match(renderNotifyReport(r), /sent \(.*\) via \/usr\/bin\/proxmox-mail-forward .* after PVE::Notify: /);
      // Counted in the state: check, the dashboard and the metrics read it back.
      const failures = readNotifyFailures(host, 'pve1');
      assert.equal(failures?.total, 1);
      assert.equal(failures?.last?.channel, 'pve');
      const doc = { ...troubledDoc(), notifyFailures: failures ?? undefined };
      assert.match(renderPrometheus(doc), /^pve_health_notify_failures_total 1$/m);
      // One line (issue 60): which way failed, without the perl program, and that the fallback delivered.
      assert.equal(failures?.last?.deliveredVia, '/usr/bin/proxmox-mail-forward (PVE notifications)');
      const line = renderCheckText(doc, { color: false }).split('\n')[2];
      assert.match(
        line,
        /^WARNING 1 failed notification delivery; the last, \S+Z: PVE::Notify: perl failed \(exit \d+\): .*template pve-health-subject\.txt\.hbs not found — delivered via \/usr\/bin\/proxmox-mail-forward \(PVE notifications\)$/,
        line,
      );
      assert.ok(line.length < 240, line);
      assert.doesNotMatch(line, /perl -e|deliveries failed|not delivered/);
      assert.doesNotMatch(renderNotifyReport(r), /perl -e/);
      assert.ok(dashboardView(doc).findings.some((f) => f.key === 'notify:failed-deliveries' && f.fix));
      // A second failing run adds to the count.
      await sendNotifications(host, { notify: quick }, troubledDoc(), { always: true, sleep: async () => {} });
      assert.equal(readNotifyFailures(host, 'pve1')?.total, 2);
    } finally {
      n.cleanup();
    }
  });

  it('every way failing (PVE::Notify, no proxmox-mail-forward, no sendmail): a failed send with each reason', async () => {
    const n = node({ notify: true, templates: true, forward: false });
    try {
      const host = createHost({ root: n.root, env: { ...n.env, FAKE_NOTIFY_FAIL: '1' } });
      const r = await sendNotifications(host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
      assert.equal(r.channels[0].result, 'failed', JSON.stringify(r));
      assert.match(r.channels[0].error ?? '', /PVE::Notify: .*not found; sendmail: /);
      const failures = readNotifyFailures(host, 'pve1');
      assert.equal(failures?.total, 1);
      // Beside the fallback that delivered: nothing delivered, said so.
      assert.equal(failures?.last?.deliveredVia, undefined);
      const text = renderCheckText({ ...troubledDoc(), notifyFailures: failures ?? undefined }, { color: false });
      assert.match(
        text,
        /^WARNING 1 failed notification delivery; the last, \S+Z: pve not delivered: PVE::Notify: perl failed/m,
      );
    } finally {
      n.cleanup();
    }
  });

  // The generations of pve-cluster's src/PVE/Notify.pm before common_template_data (core/parse/pve-notify-api.ts).
  const OLDER: { api: string; pm: string; check: (sent: Record<string, any>) => void }[] = [
    {
      api: 'template',
      // pve-cluster 8.0.7 (PVE 8.2, 8.3): named templates, no common_template_data.
      pm: `sub notify {
    my ($severity, $template_name, $template_data, $fields, $config) = @_;
    open(my $fh, '>', $ENV{FAKE_NOTIFY_OUT}) or die; print $fh JSON->new->canonical->encode({ severity => $severity, template => $template_name, data => $template_data, fields => $fields }); close($fh);
}`,
      check: (sent) => {
        assert.equal(sent.template, 'pve-health');
        assert.equal(sent.data.hostname, 'pve1', 'the node name where PVE has no common data');
        assert.deepEqual(sent.fields, { type: 'pve-health', hostname: 'pve1', status: 'critical' });
      },
    },
    {
      api: 'title-message',
      // pve-cluster 8.0.5 (PVE 8.1): matchers, the title and body are template strings.
      pm: `sub notify {
    my ($severity, $title, $message, $template_data, $fields, $config) = @_;
    open(my $fh, '>', $ENV{FAKE_NOTIFY_OUT}) or die; print $fh JSON->new->canonical->encode({ severity => $severity, title => $title, message => $message, data => $template_data, fields => $fields }); close($fh);
}`,
      check: (sent) => {
        assert.equal(sent.title, '{{ subject }}');
        assert.equal(sent.message, '{{ text }}');
        assert.match(sent.data.subject, /^\[pve-health CRITICAL\] pve1/);
        assert.equal(sent.fields.type, 'pve-health');
      },
    },
    {
      api: 'target',
      // libpve-notify-perl of PVE 8.0: targets, no matchers.
      pm: `sub default_target { return 'mail-to-root'; }
sub notify {
    my ($target, $severity, $title, $message, $properties, $config) = @_;
    open(my $fh, '>', $ENV{FAKE_NOTIFY_OUT}) or die; print $fh JSON->new->canonical->encode({ target => $target, severity => $severity, title => $title, message => $message, data => $properties }); close($fh);
}`,
      check: (sent) => {
        assert.equal(sent.target, 'mail-to-root');
        assert.equal(sent.message, '{{ text }}');
        assert.match(sent.data.text, /pve1/);
      },
    },
  ];
  for (const o of OLDER)
    it(`an older PVE::Notify (${o.api}): called with the arguments it takes, delivered natively`, async () => {
      const n = node({ notify: true, templates: o.api === 'template', forward: true });
      const pm = `package PVE::Notify;\nuse strict; use warnings; use JSON;\n${o.pm}\n1;\n`;
      writeFileSync(join(n.root, PVE_NOTIFY_MODULE), pm);
      writeFileSync(join(n.dir, 'lib/PVE/Notify.pm'), pm);
      try {
        const host = createHost({ root: n.root, env: n.env });
        const r = await sendNotifications(host, { notify: quick }, troubledDoc(), { sleep: async () => {} });
        assert.equal(r.channels[0].result, 'sent', JSON.stringify(r));
        assert.equal(r.channels[0].via, `PVE::Notify (${o.api}, type=pve-health)`, JSON.stringify(r));
        assert.equal(r.channels[0].fallbackErrors, undefined);
        assert.ok(!existsSync(join(n.dir, 'mail')), 'not mailed');
        o.check(JSON.parse(readFileSync(join(n.dir, 'notify.json'), 'utf8')));
      } finally {
        n.cleanup();
      }
    });

  it('PVE delivery stays on beside another channel, unless notify.pve = false', async () => {
    const n = node({ notify: true, templates: true, forward: true });
    try {
      const host = createHost({ root: n.root, env: n.env });
      const webhook = { url: 'http://127.0.0.1:9/hook' };
      const r = await sendNotifications(host, { notify: { ...quick, webhook } }, troubledDoc(), {
        sleep: async () => {},
      });
      assert.deepEqual(r.channels.map((c) => c.channel).sort(), ['pve', 'webhook']);
      assert.equal(r.channels.find((c) => c.channel === 'pve')?.result, 'sent');
      const off = await sendNotifications(host, { notify: { ...quick, webhook, pve: false } }, troubledDoc(), {
        always: true,
        sleep: async () => {},
      });
      assert.deepEqual(
        off.channels.map((c) => c.channel),
        ['webhook'],
      );
    } finally {
      n.cleanup();
    }
  });

  for (const c of [
    { why: 'no PVE::Notify (PVE before 8.0)', notify: false, templates: true },
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

describe('notify --setup-pve: the matcher for type=pve-health, through the API as the GUI makes it', () => {
  it('--dry-run prints the pvesh command and the notifications.cfg stanza; applied, it runs pvesh once', async () => {
    const plan = planPveSetup('ops mail');
    const text = renderPveSetupPlan(plan);
    assert.match(
      text,
      /^ {2}pvesh create \/cluster\/notifications\/matchers --name pve-health --match-field exact:type=pve-health --mode all --target 'ops mail' --comment '/m,
    );
    assert.match(
      text,
      /^ {2}matcher: pve-health\n {2}\tcomment .*\n {2}\tmatch-field exact:type=pve-health\n {2}\tmode all\n {2}\ttarget ops mail$/m,
    );
    // The GUI's way, which its Regex field allows (the Exact list has only PVE's own types).
    assert.match(text, /Match Type "Regex", Field "type", Regex \^pve-health\$/);
    const dir = mkdtempSync(join(tmpdir(), 'pvh-setup-'));
    try {
      // A pvesh that knows no matcher yet (get exits 2, as pvesh does for a missing config entry), records argv.
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'pvesh'),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> "${dir}/calls"\n[ "$1" = get ] && [ ! -e "${dir}/made" ] && { echo "no such matcher" >&2; exit 2; }\n[ "$1" = create ] && touch "${dir}/made"\nexit 0\n`,
      );
      chmodSync(join(bin, 'pvesh'), 0o755);
      const host = createHost({ root: dir, env: { PATH: `${bin}:/usr/bin:/bin` } });
      assert.match(
        await applyPveSetup(host, planPveSetup('mail-to-root')),
        /^Made PVE notification matcher pve-health/,
      );
      assert.match(await applyPveSetup(host, planPveSetup('mail-to-root')), /exists already/);
      const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
      assert.equal(calls.filter((c) => c.startsWith('create ')).length, 1, calls.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
