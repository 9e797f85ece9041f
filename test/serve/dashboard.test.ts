// The dashboard in a real browser (Debian's chromium through playwright-core). The first tests run
// the real CLI (`serve --demo`); the escaping test serves hostile names from an in-process router.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { CheckDocument } from '../../src/core/vocab/types';
import { chromiumSkip, launchChromium } from '../helpers/chromium';
import { spawnServe } from '../helpers/serve-cli';
import { withServed } from '../helpers/served-router';
import { tempDir } from '../helpers/temp-dir';
import { dmEntry, dmResult, mountEntry, mountsResult } from './sample';

const CLI = 'dist/pve-health.cjs';
const shots = process.env.PVE_HEALTH_ARTIFACTS ?? tempDir('pve-health-dashboard-');
const children: ChildProcess[] = [];
let browser: Browser | null = null;
const skip = chromiumSkip();

before(async () => {
  if (skip) return;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

/** Start the real CLI's service on a free loopback port; resolves with its base URL once it is healthy. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ base: string; child: ChildProcess }> {
  const { base, child } = await spawnServe(['serve', '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
  });
  children.push(child);
  await healthy(base, env.PVE_HEALTH_TOKEN);
  return { base, child };
}

/** Wait for /healthz to say both first scans ended (the page would show them as pending before). */
async function healthy(base: string, token?: string): Promise<void> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  for (let i = 0; i < 300; i++) {
    const r = await fetch(`${base}/healthz`, { headers });
    await r.text();
    if (r.status === 200) return;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`${base}/healthz never became 200`);
}

async function loaded(page: Page): Promise<void> {
  await page.waitForSelector('body[data-loaded]', { timeout: 15_000 });
}

/** A new page of the dashboard at `base`, its data loaded. */
async function openDashboard(base: string): Promise<Page> {
  const page = await browser!.newPage();
  await page.goto(`${base}/`);
  await loaded(page);
  return page;
}

/**
 * WCAG contrast ratio of an element's text colour against its (own or inherited) background. A
 * string, not a function: tsx's name-keeping helpers do not exist inside the page.
 */
const CONTRAST_JS = `(sel) => {
  const el = document.querySelector(sel);
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const f = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  let bgEl = el;
  let bg = [255, 255, 255];
  while (bgEl) {
    const c = rgb(getComputedStyle(bgEl).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c; break; }
    bgEl = bgEl.parentElement;
  }
  const a = lum(rgb(getComputedStyle(el).color));
  const b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}`;

async function contrast(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(${CONTRAST_JS})(${JSON.stringify(selector)})`) as Promise<number>;
}

test('dashboard: the demo node in chromium shows its grade, a known issue with its fix, and the mounts', {
  skip,
}, async () => {
  // The expected values come from a separate run of the CLI, not from the service under test.
  const check = spawnSync(process.execPath, [CLI, 'check', '--demo', '--json'], { encoding: 'utf8' });
  const expected = JSON.parse(check.stdout) as CheckDocument;
  assert.ok(expected.dm, 'the demo has a DM part');
  const issue =
    expected.dm.entries.find((e) => e.status === 'duplicate' && e.action) ?? expected.dm.entries.find((e) => e.action);
  assert.ok(issue?.action, 'the demo node has an issue with a fix');

  const { base } = await startCli(['--demo']);
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${base}/`);
  await loaded(page);
  // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');

  assert.equal((await page.textContent('#grade'))?.trim(), expected.dm.summary.grade);
  const statusWord = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][expected.status];
  assert.equal((await page.textContent('#status'))?.trim(), statusWord);
  assert.match(
    (await page.textContent('#scans')) ?? '',
    /DM \d+ s ago[\s\S]*Mounts \d+ s ago[\s\S]*Volumes \d+ s ago/,
    'time of the last scan is shown',
  );

  // Led by what the admin knows: the volume ID; the DM name and the fix are one click away.
  const title = issue.volume ?? issue.name;
  const item = page.locator('#issues li.finding', { hasText: title });
  assert.equal(await item.count(), 1, `finding ${title} listed once`);
  assert.equal((await item.locator('.f-title').textContent())?.trim(), title);
  assert.ok(((await item.textContent()) ?? '').includes(issue.status), 'kind shown');
  await item.locator('summary').click();
  const text = (await item.textContent()) ?? '';
  assert.ok(text.includes(issue.name), 'DM name shown as a detail');
  assert.ok(
    text.includes(issue.action.command.join(' ')) || text.includes(issue.action.command[0]),
    'fix command shown',
  );
  if (issue.vmid !== null) {
    const guest = expected.dm.guests.find((g) => g.vmid === issue.vmid);
    // The guest's link (the storage is linked too, to its page).
    const link = item.locator('.f-sub a[href*="qemu"], .f-sub a[href*="lxc"]');
    assert.equal(
      await item.locator('.f-sub a[href*="storage"]').getAttribute('href'),
      `https://pve1:8006/#v1:0:=storage%2Fpve1%2F${issue.storage}`,
    );
    assert.match((await link.textContent()) ?? '', new RegExp(`^(VM|CT) ${issue.vmid} ${guest?.name ?? ''}`));
    assert.equal(
      await link.getAttribute('href'),
      `https://${expected.node}:8006/#v1:0:=${guest?.type}%2F${issue.vmid}`,
      'link into the PVE GUI',
    );
  }

  // The copy button is reachable by keyboard and puts the exact command on the clipboard.
  const button = item.getByRole('button', { name: `Copy fix command for ${title}` });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Copied/.test(document.getElementById('message')?.textContent ?? ''));
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clip, (await item.locator('code').first().textContent())?.trim());

  // Guests and mounts tables have a row per guest / mount of the document.
  assert.equal(await page.locator('#guests tbody tr').count(), Math.max(1, expected.dm.guests.length));
  const mounts = expected.mounts?.entries ?? [];
  if (mounts.length) {
    assert.equal(await page.locator('#mounts tbody tr').count(), mounts.length);
    const withUsage = mounts.filter((m) => typeof m.usagePercent === 'number').length;
    assert.equal(await page.locator('#mounts [role="meter"]').count(), withUsage, 'a capacity bar per measured mount');
  }

  // Accessible: text contrast >= 4.5:1 on the status cards and table text; labelled controls.
  for (const sel of ['#grade', '#status', '#issues .f-sub', 'th']) {
    const ratio = await contrast(page, sel);
    assert.ok(ratio >= 4.5, `${sel}: contrast ${ratio.toFixed(2)} < 4.5`);
  }
  assert.equal(await page.getByLabel('Refresh every 10 s').count(), 1);
  // Without serve --cluster there is no cluster section (and no request for one).
  assert.equal(await page.isHidden('#cluster-section'), true);

  const shot = join(shots, 'dashboard-demo.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(existsSync(shot));
  process.stderr.write(`# dashboard screenshot: ${shot}\n`);
  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('dashboard: with a token the page asks for it, then shows the data', { skip }, async () => {
  const token = 'b3BlbnNlc2FtZS1ub3QtcmVhbGx5';
  const { base } = await startCli(['--demo'], { PVE_HEALTH_TOKEN: token });
  const page = await browser!.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('#auth:not([hidden])');
  assert.match((await page.textContent('#message')) ?? '', /needs an API token/);
  await page.getByLabel('API token (this service needs one)').fill(token);
  await page.keyboard.press('Enter');
  await loaded(page);
  assert.notEqual((await page.textContent('#grade'))?.trim(), '?');
  assert.equal(await page.isHidden('#auth'), true);
  await page.close();
});

test('dashboard: hostile names are shown as text, never as markup', { skip }, async () => {
  const evil = '<img src=x onerror="document.body.dataset.pwned=1">';
  await withServed(
    {
      scanDm: async () => {
        const r = dmResult(
          [
            dmEntry({
              name: `pve-${evil}`,
              status: 'orphan',
              reason: 'guest-missing',
              detail: evil,
              action: { command: ['dmsetup', 'remove', `a'b ${evil}`], effect: evil },
            }),
          ],
          1,
        );
        r.guests[0].name = evil;
        return r;
      },
      scanMounts: async () =>
        mountsResult([mountEntry({ target: `/mnt/${evil}`, source: evil, status: 'full', usagePercent: 97 })], 1),
    },
    async (base) => {
      const page = await openDashboard(base);
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate(() => document.body.dataset.pwned), undefined);
      assert.equal(await page.locator('main img').count(), 0);
      assert.ok(((await page.textContent('#guests tbody')) ?? '').includes(evil));
      await page.locator('#issues summary').first().click();
      assert.ok(((await page.textContent('#issues')) ?? '').includes(evil));
      const meter = page.locator('#mounts [role="meter"]');
      assert.equal(await meter.getAttribute('aria-valuenow'), '97', 'capacity bar with its value');
      assert.equal(await meter.getAttribute('aria-label'), `Usage of /mnt/${evil}`);
      // The copied command is shell-quoted: pasting it runs exactly this argv.
      assert.ok(((await page.textContent('#issues code')) ?? '').includes(`'a'\\''b <img`));
      await page.close();
    },
  );
});

test('dashboard: one healthy mount is "the healthy mount"; a 100 % read-only container filesystem is a red bar', {
  skip,
}, async () => {
  await withServed(
    {
      scanDm: async () => dmResult([dmEntry()], 0),
      scanMounts: async () =>
        mountsResult(
          [
            mountEntry(),
            mountEntry({
              scope: 'ct',
              ctid: 110,
              target: '/srv/data',
              status: 'readonly',
              reason: 'remounted-readonly',
              usagePercent: 100,
            }),
          ],
          1,
        ),
    },
    async (base) => {
      const page = await openDashboard(base);
      assert.equal((await page.textContent('#mounts-more'))?.trim(), 'Show the healthy mount');
      await page.click('#mounts-more');
      assert.equal((await page.textContent('#mounts-more'))?.trim(), 'Hide the healthy mount');
      assert.equal((await page.textContent('#guests-more'))?.trim(), 'Show the healthy guest');
      const fills = await page.evaluate(() =>
        [...document.querySelectorAll('#mounts [role=meter]')].map((b) => [
          b.getAttribute('aria-valuenow'),
          b.className,
          getComputedStyle(b.firstElementChild!).backgroundColor,
        ]),
      );
      const full = fills.find((f) => f[0] === '100')!;
      assert.equal(full[1], 'bar crit', JSON.stringify(fills));
      assert.notEqual(full[2], fills.find((f) => f[0] === '60')![2], 'not the healthy colour');
      await page.close();
    },
  );
});

test('dashboard, API and /metrics: a failed DM scan is UNKNOWN with its reason, never "OK" or "No issues"', {
  skip,
}, async () => {
  await withServed(
    {
      scanDm: async () => {
        throw new Error('cannot list device-mapper devices: dmsetup exited 1: permission denied');
      },
      scanMounts: async () => mountsResult([], 0),
    },
    async (base) => {
      const api = (await (await fetch(`${base}/api/status`)).json()) as CheckDocument;
      assert.equal(api.status, 3);
      assert.match(String(api.dm?.error), /dmsetup exited 1/);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^pve_health_status 3$/m);
      assert.match(metrics, /^pve_health_up\{part="dm"\} 0$/m);
      assert.doesNotMatch(metrics, /^pve_health_dm_grade/m);
      const page = await openDashboard(base);
      assert.equal((await page.textContent('#status'))?.trim(), 'UNKNOWN');
      assert.equal((await page.textContent('#grade'))?.trim(), '?');
      assert.equal(await page.isHidden('#issues-empty'), true, 'never "No issues" when a part could not be checked');
      assert.match((await page.textContent('#issues')) ?? '', /Could not check device-mapper.*dmsetup exited 1/s);
      await page.screenshot({ path: join(shots, 'failed-scan.png'), fullPage: false });
      await page.close();
    },
  );
});

test('the cluster section fits a phone (360 and 390 px): node rows stack, long UUIDs and errors wrap', {
  skip,
}, async () => {
  const uuid = 'LVM-aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1p';
  const cluster = {
    cluster: { name: 'prod-cluster-with-a-long-name', localNode: 'pve1' },
    status: 2,
    summary: 'CRITICAL: 1 shared LV open on two nodes; pve3 could not be checked',
    generatedAt: '2026-11-25T12:00:00.000Z',
    nodes: [
      {
        node: 'pve1',
        local: true,
        status: 1,
        grade: 'B',
        summary: 'DM grade B (score 90): 2 orphans, 896 valid of 950; mounts: 8 ok; volumes: 40 valid of 40',
      },
      {
        node: 'pve2-with-a-long-hostname',
        ip: '2001:db8:4711:0:0:0:0:1234',
        status: 2,
        grade: 'F',
        summary: 'DM grade F (score 20): 1 duplicate',
      },
      {
        node: 'pve3',
        ip: '10.0.0.3',
        status: 3,
        grade: null,
        error: {
          kind: 'ssh-failed',
          message: `ssh: connect to host 10.0.0.3 port 22: No route to host; /var/lib/pve-health/${uuid}`,
        },
      },
    ],
    findings: [
      {
        kind: 'shared-lv-open',
        severity: 'critical',
        title: `san-lvm:vm-130-disk-0 is open on pve1 and pve2-with-a-long-hostname`,
        nodes: ['pve1', 'pve2-with-a-long-hostname'],
        detail: `Two writers on one LV of a shared VG: ${uuid}`,
        volumes: [
          {
            vg: 'vg-san',
            lv: 'vm-130-disk-0',
            lvUuid: uuid,
            activeOn: ['pve1', 'pve2-with-a-long-hostname'],
            openOn: ['pve1', 'pve2-with-a-long-hostname'],
          },
        ],
      },
    ],
  };
  await withServed(
    {
      scanDm: async () => dmResult([dmEntry()], 0),
      scanMounts: async () => mountsResult([mountEntry()], 0),
    },
    async (base) => {
      for (const [width, height] of [
        [360, 740],
        [390, 844],
      ]) {
        const page = await browser!.newPage({ viewport: { width, height } });
        await page.goto(`${base}/`);
        await page.waitForSelector('body[data-cluster-loaded]', { timeout: 15_000 });
        await page.screenshot({ path: join(shots, `cluster-${width}.png`), fullPage: true });
        const wide = await page.evaluate(() => {
          const out: string[] = [];
          const doc = document.documentElement;
          if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth} > ${doc.clientWidth}`);
          for (const e of document.querySelectorAll('#cluster-section *')) {
            const r = (e as HTMLElement).getBoundingClientRect();
            if (r.width > 0 && r.right > doc.clientWidth + 0.5)
              out.push(`${e.tagName}#${e.id}.${e.className} right ${Math.round(r.right)}`);
          }
          return out;
        });
        assert.deepEqual(wide, [], `${width} px`);
        // Each node row is a card: its cells carry their column names; the node leads.
        const first = await page.evaluate(() => {
          const td = document.querySelector('#cluster-nodes tbody tr td');
          return [
            td?.getAttribute('data-label'),
            getComputedStyle(document.querySelector('#cluster-nodes tbody tr')!).display,
          ];
        });
        assert.deepEqual(first, ['Node', 'flex']);
        await page.close();
      }
    },
    {
      cluster: {
        json: () => JSON.stringify(cluster),
        metrics: () => '',
        report: () => ({ scans: 1, running: false, error: null, lastScanAt: cluster.generatedAt, hasDocument: true }),
      },
    },
  );
});
