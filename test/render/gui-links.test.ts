// Links into the PVE web interface: `[links] pve_gui` in the config (a proxy, a cluster address) or, by
// default, https://<node>:8006/; guests and storages are linked in the report, the notification's HTML
// and the dashboard's view; a value that is no http(s) URL is refused when the config is read.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/core/vocab/config';
import type { CheckDocument } from '../../src/core/vocab/types';
import { buildMessage } from '../../src/notify/message';
import { dashboardView, guiBaseOf, storageGuiHash } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
import { runCli, tempDir } from '../helpers/cli';

test('the GUI base: the config, with its path and a trailing slash, else the node on 8006', () => {
  const rows: [Partial<CheckDocument>, string][] = [
    [{ node: 'pve1' }, 'https://pve1:8006/'],
    [{ node: 'pve1', guiUrl: 'https://pve.example.org' }, 'https://pve.example.org/'],
    [{ node: 'pve1', guiUrl: 'https://proxy.example.org:8443/pve/' }, 'https://proxy.example.org:8443/pve/'],
  ];
  for (const [doc, want] of rows) assert.equal(guiBaseOf(doc as CheckDocument), want);
  assert.equal(storageGuiHash('pve1', 'local-zfs'), '#v1:0:=storage%2Fpve1%2Flocal-zfs');
});

test('[links] pve_gui: an http(s) URL without query or fragment, anything else refused with the key', () => {
  assert.equal(
    parseConfig('[links]\npve_gui = "https://pve.example.org:8006/"').links?.pve_gui,
    'https://pve.example.org:8006/',
  );
  for (const bad of ['javascript:alert(1)', 'https://x/?a=1', 'https://x/#v1', 'pve.example.org', 'https://a b/'])
    assert.throws(() => parseConfig(`[links]\npve_gui = "${bad}"`), /pve_gui/, bad);
});

test('report, notification and dashboard link guests and storages through the configured GUI', () => {
  const dir = tempDir('pvh-links-');
  const config = join(dir, 'config.toml');
  writeFileSync(config, '[links]\npve_gui = "https://pve.example.org/"\n', { mode: 0o600 });
  const doc = JSON.parse(runCli(['check', '--demo', '--json', '--config', config]).stdout) as CheckDocument;
  assert.equal(doc.guiUrl, 'https://pve.example.org/');
  for (const html of [
    renderHtml(doc),
    buildMessage(doc, { kind: 'change', added: [], resolved: [], statusFrom: null }).html,
  ]) {
    const links = [...html.matchAll(/href="(https?:[^"]*)"/g)].map((m) => m[1]);
    assert.ok(links.length > 0);
    for (const l of links) assert.ok(l.startsWith('https://pve.example.org/#v1:0:='), l);
    assert.ok(links.includes('https://pve.example.org/#v1:0:=qemu%2F103'), 'a guest');
    assert.ok(links.includes('https://pve.example.org/#v1:0:=storage%2Fpve1%2Flocal-zfs'), 'a storage');
  }
  const view = dashboardView(doc);
  assert.equal(view.guiBase, 'https://pve.example.org/');
  assert.equal(view.findings.find((f) => f.storage === 'local-zfs')?.storageGui, '#v1:0:=storage%2Fpve1%2Flocal-zfs');
  // Without the setting: the node's own GUI, and the dashboard links to the host it was opened on.
  const plain = JSON.parse(runCli(['check', '--demo', '--json']).stdout) as CheckDocument;
  assert.equal(plain.guiUrl, undefined);
  assert.equal(dashboardView(plain).guiBase, null);
  assert.match(renderHtml(plain), /href="https:\/\/pve1:8006\/#v1:0:=qemu%2F103"/);
});
