// The HTML report in a real browser: Debian's chromium (headless, through playwright-core) renders
// it to a PNG; no console errors, no network requests, the grade badge is visible, hostile names show
// as text. Set PVE_HEALTH_KEEP_PNG=DIR to keep the screenshots.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { CheckDocument } from '../../src/core/types';
import { renderHtml } from '../../src/render/html';
import { QUOTE_DM, SCRIPT_GUEST, SYSTEM, troubledDoc } from '../fixtures/docs/check-documents';
import { CHROMIUM_FLAGS } from '../helpers/chromium';
import { runCli, tempDir } from '../helpers/cli';
import { AUDIT_JS, type AuditResult } from '../helpers/page-audit';
import { requireTool } from '../helpers/require-tool';

const FLAGS = CHROMIUM_FLAGS;

export async function renderInChromium(executable: string, html: string, name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-html-'));
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: executable,
    headless: true,
    args: FLAGS,
    viewport: { width: 900, height: 800 },
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const grade = page.locator('[data-grade]');
    const result = {
      consoleErrors,
      requests,
      gradeVisible: (await grade.count()) === 1 && (await grade.isVisible()),
      gradeText: (await grade.count()) ? (await grade.textContent())?.trim() : null,
      gradeBox: (await grade.count()) ? await grade.boundingBox() : null,
      scripts: await page.evaluate(() => document.querySelectorAll('script').length),
      // innerText, not textContent: what is rendered on screen.
      // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point
      bodyText: await page.evaluate(() => document.body.innerText),
      scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth),
      png: join(dir, `${name}.png`),
    };
    await page.screenshot({ path: result.png, fullPage: true });
    return {
      ...result,
      pngBytes: readFileSync(result.png),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } finally {
    await browser.close();
  }
}

export function checkRendered(r: Awaited<ReturnType<typeof renderInChromium>>, doc: CheckDocument): void {
  assert.deepEqual(r.consoleErrors, []);
  assert.equal(r.requests.length, 1, `only the page itself is loaded: ${r.requests.join(', ')}`);
  assert.equal(r.scripts, 0);
  assert.ok(r.gradeVisible, 'grade badge visible');
  assert.equal(r.gradeText, doc.dm?.summary.grade);
  assert.ok(r.gradeBox && r.gradeBox.width > 20 && r.gradeBox.height > 20, 'grade badge has a size');
  assert.ok(r.scrollWidth <= 900, `fits a 900 px window (scrollWidth ${r.scrollWidth})`);
  // PNG signature and a plausible size.
  assert.deepEqual([...r.pngBytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(r.pngBytes.readUInt32BE(20) > 800, 'full-page screenshot is taller than the window');
  const keep = process.env.PVE_HEALTH_KEEP_PNG;
  if (keep) copyFileSync(r.png, join(keep, r.png.split('/').pop()!));
}

test('html in chromium: fixture node renders, grade visible, hostile names as text', async (t) => {
  const exe = requireTool(t, 'chromium', 'chromium');
  if (!exe) return;
  const doc = troubledDoc();
  const r = await renderInChromium(exe, renderHtml(doc, { system: SYSTEM }), 'fixture');
  t.after(r.cleanup);
  checkRendered(r, doc);
  assert.ok(r.bodyText.includes(SCRIPT_GUEST), 'the <script> guest name is shown as text');
  assert.ok(r.bodyText.includes(QUOTE_DM), 'the DM name with a quote is shown as text');
  assert.ok(r.bodyText.includes('dmsetup remove -u LVM-bbbb103old'));
});

test('html in chromium: the demo node report (pve-health report --demo --html)', async (t) => {
  const exe = requireTool(t, 'chromium', 'chromium');
  if (!exe) return;
  const dir = tempDir('pvh-demo-html-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'demo.html');
  const demo = JSON.parse(runCli(['check', '--demo', '--json']).stdout) as CheckDocument;
  const run = runCli(['report', '--demo', '--html', file]);
  assert.equal(run.code, demo.status, run.stderr);
  const r = await renderInChromium(exe, readFileSync(file, 'utf8'), 'demo');
  t.after(r.cleanup);
  checkRendered(r, demo);
  // Every DM finding of the demo node is on the page.
  for (const e of demo.dm!.entries.filter((x) => x.status === 'orphan' || x.status === 'duplicate')) {
    assert.ok(r.bodyText.includes(e.name), `finding ${e.name} shown`);
  }
});

test('html in chromium: the demo report at 1400, 390 and 360 px, light and dark: no overflow, contrast >= 4.5:1, screenshots kept', async (t) => {
  const exe = requireTool(t, 'chromium', 'chromium');
  if (!exe) return;
  const dir = tempDir('pvh-report-layout-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'demo.html');
  runCli(['report', '--demo', '--html', file]);
  const shots = process.env.PVE_HEALTH_ARTIFACTS ?? dir;
  const browser = await chromium.launch({ executablePath: exe, args: FLAGS, headless: true });
  try {
    const looks: [number, 'light' | 'dark'][] = [[1400, 'light'], [390, 'light'], [360, 'light'], [1400, 'dark'], [360, 'dark']];
    for (const [width, colorScheme] of looks) {
      const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
      await page.goto(pathToFileURL(file).href);
      await page.screenshot({ path: join(shots, `report-${width}-${colorScheme}.png`), fullPage: true });
      const a = (await page.evaluate(`(${AUDIT_JS})()`)) as AuditResult;
      assert.ok(a.textNodes > 50, `${width} px: audited ${a.textNodes} texts`);
      assert.deepEqual(a.contrast, [], `${width} px: contrast`);
      assert.deepEqual(a.images, [], `${width} px: images`);
      assert.ok(a.scrollWidth <= a.clientWidth, `${width} px: scrollWidth ${a.scrollWidth} > ${a.clientWidth}`);
      assert.deepEqual(a.overflow, [], `${width} px: elements past the edge`);
      // Landmarks and table semantics for screen readers: one main region, a language, column headers.
      const sem = await page.evaluate(() => ({
        main: document.querySelectorAll('main').length,
        lang: document.documentElement.lang,
        h1: document.querySelectorAll('h1').length,
        colHeaders: document.querySelectorAll('table.stack th[scope=col]').length,
      }));
      assert.deepEqual({ ...sem, colHeaders: sem.colHeaders > 0 }, { main: 1, lang: 'en', h1: 1, colHeaders: true });
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
