// The HTML report in a real browser: Debian's chromium (headless, through playwright-core) renders
// it to a PNG; no console errors, no network requests, the grade badge is visible, hostile names show
// as text. Set PVE_HEALTH_KEEP_PNG=DIR to keep the screenshots.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { acknowledgeDocument } from '../../src/core/findings/acks';
import { listFindings } from '../../src/core/findings/findings';
import type { CheckDocument } from '../../src/core/vocab/types';
import { renderHtml } from '../../src/render/html';
import { healthyDoc, QUOTE_DM, SCRIPT_GUEST, SYSTEM, troubledDoc } from '../fixtures/docs/check-documents';
import { volumesPart } from '../fixtures/docs/volumes-part';
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

/** Columns an admin must see on any screen: which guest/mount/storage, and its state. */
const KEY_COLUMNS = ['VMID', 'Health', 'Mount', 'Status', 'Capacity', 'Storage', 'State', 'Orphaned'];

/** The fixture node with everything a report can hold: acknowledged findings, volumes, a storage down. */
function fullDoc(): CheckDocument {
  const doc: CheckDocument = { ...troubledDoc(), volumes: volumesPart({ rbdDown: true }), status: 3 };
  const now = new Date('2026-03-14T10:00:00.000Z');
  const all = listFindings(doc);
  const seen = all.filter((f) => f.severity === 2 || f.part === 'volumes').filter((f) => f.severity !== 3);
  const acks = seen.map((f) => ({
    key: f.key,
    reason: 'seen, ticket 4711',
    until: '2026-03-21T10:00:00.000Z',
    at: now.toISOString(),
    severity: f.severity,
  }));
  return acknowledgeDocument(doc, all, acks, now);
}

test('html in chromium: reports at 1400, 390 and 360 px, light and dark: no overflow, key columns in view, contrast >= 4.5:1, landmarks, headings', async (t) => {
  const exe = requireTool(t, 'chromium', 'chromium');
  if (!exe) return;
  const dir = tempDir('pvh-report-layout-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const demoFile = join(dir, 'demo.html');
  runCli(['report', '--demo', '--html', demoFile]);
  const full = fullDoc();
  assert.ok(
    full.acknowledged?.some((a) => a.part === 'volumes'),
    'the fixture has an acknowledged volume',
  );
  const pages: [string, string][] = [
    ['demo', readFileSync(demoFile, 'utf8')],
    ['full', renderHtml(full, { system: SYSTEM, toolVersion: '1.2.3' })],
    ['healthy', renderHtml(healthyDoc())],
  ];
  const shots = process.env.PVE_HEALTH_ARTIFACTS ?? dir;
  const browser = await chromium.launch({ executablePath: exe, args: FLAGS, headless: true });
  try {
    const looks: [number, 'light' | 'dark'][] = [
      [1400, 'light'],
      [390, 'light'],
      [360, 'light'],
      [1400, 'dark'],
      [360, 'dark'],
    ];
    for (const [name, html] of pages) {
      const file = join(dir, `${name}.html`);
      writeFileSync(file, html);
      for (const [width, colorScheme] of looks) {
        const what = `${name} at ${width} px ${colorScheme}`;
        const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
        await page.goto(pathToFileURL(file).href);
        await page.screenshot({ path: join(shots, `report-${name}-${width}-${colorScheme}.png`), fullPage: true });
        const a = (await page.evaluate(`(${AUDIT_JS})()`)) as AuditResult;
        assert.ok(a.textNodes > 50, `${what}: audited ${a.textNodes} texts`);
        assert.deepEqual(a.contrast, [], `${what}: contrast`);
        assert.deepEqual(a.images, [], `${what}: images`);
        assert.ok(a.scrollWidth <= a.clientWidth, `${what}: scrollWidth ${a.scrollWidth} > ${a.clientWidth}`);
        assert.deepEqual(a.overflow, [], `${what}: elements past the edge`);
        assert.deepEqual(a.midWordBreaks, [], `${what}: paths and commands wrap at separators`);
        assert.deepEqual(a.landmarks, { banner: 1, main: 1, contentinfo: 1 }, `${what}: landmarks`);
        assert.equal(a.navigation, 1, `${what}: navigation`);
        await checkSemantics(page, what, width);
        await page.close();
      }
    }
  } finally {
    await browser.close();
  }
});

/** Language, headings in order, table headers, and the key columns on screen (stacked on a phone). */
async function checkSemantics(page: Page, what: string, width: number): Promise<void> {
  // A string, not a function: tsx's name-keeping helpers do not exist inside the page.
  const sem = (await page.evaluate(`((keys) => {
    const width = document.documentElement.clientWidth;
    const cells = [...document.querySelectorAll('table.stack > tbody > tr > td')].filter((td) => keys.includes(td.getAttribute('data-label')));
    const stacked = cells.filter((td) => getComputedStyle(td).display === 'block');
    return {
      lang: document.documentElement.lang,
      headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])),
      colHeaders: document.querySelectorAll('table.stack th[scope=col]').length,
      keyCells: cells.length,
      keyCellsHidden: cells.filter((td) => { const r = td.getBoundingClientRect(); return !(r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= width); }).map((td) => td.getAttribute('data-label')),
      // On a phone the column name stands beside the value (the stylesheet's ::before).
      unlabelled: stacked.filter((td) => getComputedStyle(td, '::before').content !== '"' + td.getAttribute('data-label') + '"').length,
      stacked: stacked.length,
      // The navigation's links lead to sections that exist.
      deadLinks: [...document.querySelectorAll('nav a')].filter((a) => !document.querySelector(a.getAttribute('href'))).length,
    };
  })(${JSON.stringify(KEY_COLUMNS)})`)) as {
    lang: string;
    headings: number[];
    colHeaders: number;
    keyCells: number;
    keyCellsHidden: string[];
    unlabelled: number;
    stacked: number;
    deadLinks: number;
  };
  assert.equal(sem.lang, 'en', `${what}: lang`);
  assert.equal(sem.headings[0], 1, `${what}: starts with h1`);
  assert.equal(sem.headings.filter((h) => h === 1).length, 1, `${what}: one h1`);
  for (const [i, h] of sem.headings.entries())
    if (i) assert.ok(h <= sem.headings[i - 1] + 1, `${what}: heading levels ${sem.headings.join(',')}`);
  assert.ok(sem.colHeaders > 0 && sem.keyCells > 0, `${what}: data tables with key columns`);
  assert.deepEqual(sem.keyCellsHidden, [], `${what}: key columns in view`);
  assert.equal(sem.stacked, width <= 480 ? sem.keyCells : 0, `${what}: tables stack on a phone only`);
  assert.equal(sem.unlabelled, 0, `${what}: stacked cells name their column`);
  assert.equal(sem.deadLinks, 0, `${what}: navigation links`);
}

test('html in chromium: a mail client that drops the stylesheet still shows a legible report (inline styles)', async (t) => {
  const exe = requireTool(t, 'chromium', 'chromium');
  if (!exe) return;
  const dir = tempDir('pvh-report-nostyle-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const html = renderHtml(fullDoc(), { system: SYSTEM });
  assert.ok(html.includes('<style>'));
  const file = join(dir, 'nostyle.html');
  writeFileSync(file, html.replace(/<style>[\s\S]*?<\/style>/, ''));
  const browser = await chromium.launch({ executablePath: exe, args: FLAGS, headless: true });
  try {
    // Light and dark preference alike: without the stylesheet the inline light look is all there is.
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: 800, height: 900 }, colorScheme });
      await page.goto(pathToFileURL(file).href);
      const a = (await page.evaluate(`(${AUDIT_JS})()`)) as AuditResult;
      assert.ok(a.textNodes > 50);
      assert.deepEqual(a.contrast, [], `${colorScheme}: contrast from inline styles alone`);
      assert.ok(a.scrollWidth <= a.clientWidth, `${colorScheme}: scrollWidth ${a.scrollWidth}`);
      assert.deepEqual(a.overflow, [], `${colorScheme}: overflow`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
