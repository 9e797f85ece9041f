// The quarantine table in a real browser (Debian's chromium through playwright-core), issue 60: on the
// dashboard a row per quarantined volume with readable times, both size figures and Copy buttons that
// put the exact restore and purge commands on the clipboard (a purge only for a volume past its
// retention); in the HTML report (no script: mail clients drop them) the same rows, and one click on a
// command selects all of it. Neither page lists the quarantine among its notes any more.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { CheckDocument } from '../../src/core/vocab/types';
import { renderHtml } from '../../src/render/html';
import { healthyDoc } from '../fixtures/docs/check-documents';
import { quarantineListing } from '../fixtures/docs/quarantine';
import { chromiumSkip, launchChromium } from '../helpers/chromium';
import { withServed } from '../helpers/served-router';
import { tempDir } from '../helpers/temp-dir';
import { buildDoc, dmResult, mountsResult } from './sample';

const skip = chromiumSkip();
let browser: Browser | null = null;

before(async () => {
  if (!skip) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const JOURNAL = '/var/lib/pve-health/journal/reclaim-20261101T120000Z-7.json';
const RESTORE = `pve-health restore ${JOURNAL} --name local-zfs:vm-150-disk-0`;
const PURGE = 'pve-health reclaim --purge --name local-zfs:vm-150-disk-0';

function quarantine() {
  const q = quarantineListing();
  q.volumes[0].journal = JOURNAL;
  return q;
}

/** The dashboard of a node whose quarantine is `q`, in a page allowed the clipboard; no script error on it. */
async function onDashboard(q: ReturnType<typeof quarantineListing>, check: (page: Page) => Promise<void>) {
  await withServed(
    { scanDm: async () => dmResult([], 0), scanMounts: async () => mountsResult([], 0) },
    async (base) => {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${base}/`);
        await page.waitForSelector('body[data-loaded]');
        await check(page);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    },
    { buildDocument: (parts) => ({ ...buildDoc(parts), quarantine: q }) },
  );
}

test('dashboard: the quarantine is a table with Copy buttons for each volume’s restore and purge', {
  skip,
}, async () => {
  await onDashboard(quarantine(), async (page) => {
    assert.equal(await page.locator('#quarantine-section').isVisible(), true);
    assert.match((await page.textContent('#quarantine-heading')) ?? '', /^In quarantine \(4, /);
    const rows = page.locator('#quarantine tbody tr');
    assert.equal(await rows.count(), 4);
    const first = rows.first();
    const text = (await first.textContent()) ?? '';
    for (const want of ['local-zfs:vm-150-disk-0', '2026-11-01 12:00:00 UTC', '2026-11-08 12:00:00 UTC', 'due'])
      assert.ok(text.includes(want), `${want} in ${text}`);
    assert.ok(text.includes('32.0 GiB provisioned, 2.0 GiB used'), text);
    assert.doesNotMatch((await page.textContent('#quarantine')) ?? '', /\.000Z|\bnow\b/);
    // The Copy buttons copy the exact commands, named for screen readers.
    for (const [name, command] of [
      ['Copy restore command for local-zfs:vm-150-disk-0', RESTORE],
      ['Copy purge command (irreversible) for local-zfs:vm-150-disk-0', PURGE],
    ]) {
      await page.evaluate(() => {
        document.getElementById('message')!.textContent = '';
      });
      await first.getByRole('button', { name }).click();
      await page.waitForFunction(() => /Copied/.test(document.getElementById('message')?.textContent ?? ''));
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);
    }
    // Not due: a restore (the journal list, its journal unknown) and no purge button.
    const second = rows.nth(1);
    assert.equal(await second.getByRole('button', { name: /^Copy purge/ }).count(), 0);
    assert.equal((await second.locator('.fix code').first().textContent())?.trim(), 'pve-health restore --list');
    assert.ok(((await second.textContent()) ?? '').includes('Purge refuses it before 2026-11-27 08:00:00 UTC.'));
    // The notes list no quarantine line.
    assert.doesNotMatch((await page.textContent('#notes')) ?? '', /quarantine/i);
  });
});

test('HTML report: the quarantine table, and one click selects a whole command (no script)', { skip }, async () => {
  const doc: CheckDocument = { ...healthyDoc(), quarantine: quarantine() };
  const file = join(tempDir('pvh-quarantine-html-'), 'report.html');
  writeFileSync(file, renderHtml(doc));
  const page = await browser!.newPage({ viewport: { width: 900, height: 900 } });
  try {
    await page.goto(pathToFileURL(file).href);
    assert.equal(await page.locator('script').count(), 0);
    const rows = page.locator('#quarantine tbody tr');
    assert.equal(await rows.count(), 4);
    const box = rows.first().locator('pre', { hasText: 'pve-health restore' });
    await box.scrollIntoViewIfNeeded();
    await box.click();
    assert.equal(await page.evaluate(() => window.getSelection()?.toString().trim()), RESTORE);
    const purge = rows.first().locator('pre', { hasText: 'reclaim --purge' });
    await purge.click();
    assert.equal(await page.evaluate(() => window.getSelection()?.toString().trim()), PURGE);
    assert.equal(await rows.nth(2).locator('pre', { hasText: 'reclaim --purge' }).count(), 0);
    // Nothing runs off the page at 390 px: the table stacks.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
  } finally {
    await page.close();
  }
});

// Issue 58: a quarantined local volume whose volume ID a guest config of another node names may be that
// guest's only disk (an HA recovery moves only the config). Past its retention, neither page offers its
// purge: the row says why and offers the look at that node instead. The neighbour row (due, named
// nowhere else) keeps its purge.
function heldQuarantine() {
  const q = quarantine();
  q.volumes[0].namedOn = { node: 'pve2', vmid: 150, type: 'qemu' };
  q.volumes[3].due = true;
  return q;
}
const LOOK = 'ssh pve2 pvesm list local-zfs --vmid 150';

test('dashboard and HTML report: an only copy past its retention offers the look at the other node, never the purge', {
  skip,
}, async () => {
  await onDashboard(heldQuarantine(), async (page) => {
    const rows = page.locator('#quarantine tbody tr');
    const held = rows.first();
    const text = (await held.textContent()) ?? '';
    assert.ok(text.includes("VM 150's config on pve2 names this very volume ID"), text);
    assert.ok(text.includes('check that pve2 has local-zfs:vm-150-disk-0'), text);
    assert.equal(await held.locator('.tag', { hasText: 'due' }).count(), 0);
    assert.equal(await held.getByRole('button', { name: /^Copy purge/ }).count(), 0);
    assert.doesNotMatch(text, /reclaim --purge/);
    await held.getByRole('button', { name: 'Copy the look at the other node for local-zfs:vm-150-disk-0' }).click();
    await page.waitForFunction(() => /Copied/.test(document.getElementById('message')?.textContent ?? ''));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), LOOK);
    // The neighbour: due, named by no other node's config: its purge stays.
    const other = rows.nth(3);
    assert.equal(await other.getByRole('button', { name: /^Copy purge command \(irreversible\)/ }).count(), 1);
  });
  const file = join(tempDir('pvh-quarantine-held-'), 'report.html');
  writeFileSync(file, renderHtml({ ...healthyDoc(), quarantine: heldQuarantine() }));
  const page = await browser!.newPage({ viewport: { width: 900, height: 900 } });
  try {
    await page.goto(pathToFileURL(file).href);
    const rows = page.locator('#quarantine tbody tr');
    assert.equal(await rows.first().locator('pre', { hasText: 'reclaim --purge' }).count(), 0);
    assert.equal((await rows.first().locator('pre', { hasText: 'ssh pve2' }).textContent())?.trim(), LOOK);
    assert.equal(await rows.nth(3).locator('pre', { hasText: 'reclaim --purge' }).count(), 1);
  } finally {
    await page.close();
  }
});
