// The only-copy rule (core/vocab/only-copy.ts) in every output, on a simulated node. HA recovery moves a
// fenced guest's config to another node and leaves its local disks where they were (pve-ha-manager
// PVE::HA::Env::PVE2::steal_service): VM 520's config is on pve2 and names local-lvm:vm-520-disk-1, which
// exists only here. From this node that LV is a migration leftover or the guest's only disk; only pve2 can
// tell. So: check's text, JSON, quiet line and clean's plan never offer the irreversible `pvesm free`
// without "check that pve2 has local-lvm:vm-520-disk-1" before it; reclaim (reversible) may stay, its
// evidence names pve2's config and the look; the purge refuses it, whatever its retention, and once in
// quarantine every listing holds it with the look instead of the purge. Beside it, the neighbour: pve2's
// VM 520 names another volume ID, and the LV is a plain leftover (drop offered, due for purge, purged).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withQuarantine } from '../../src/cli/quarantine-listing';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
import { quarantineRows } from '../../src/render/quarantine';
import { buildFakenode } from '../helpers/fakenode-build';
import { tempDir } from '../helpers/temp-dir';
import { FAKENODE, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const VOLID = 'local-lvm:vm-520-disk-1';
const LOOK = 'ssh pve2 pvesm list local-lvm --vmid 520';
const CHECK = `before anything irreversible, check that pve2 has ${VOLID}`;

/** default-lvmthin in a two-node cluster, VM 520 on pve2 naming `named`, the LV vm-520-disk-1 here. */
function node(named: string): string {
  const s = JSON.parse(readFileSync(join(FAKENODE, 'scenarios/default-lvmthin.json'), 'utf8'));
  s.cluster = { name: 'prod', nodes: ['pve1', 'pve2'], quorate: true };
  s.mutable_storage = true;
  s.guests.push({
    vmid: 520,
    type: 'qemu',
    node: 'pve2',
    status: 'running',
    config: ['name: ha520', `scsi0: ${named},size=8G`],
    auto_lvs: false,
  });
  s.lvs.push({ vg: 'pve', lv: 'vm-520-disk-1', pool: 'data', size: '8G', active: false });
  s.expected_lvs['pve/vm-520-disk-1'] = {
    status: 'orphan',
    reason: 'inactive-leftover',
    detail: 'VM 520 of pve2 names it: a leftover of a migration, or its only disk after an HA recovery',
  };
  const dir = tempDir('pvh-ha-recovered-');
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(s));
  const out = join(dir, 'node');
  const r = buildFakenode(join(FAKENODE, 'fakenode.py'), ['build', join(dir, 'scenario.json')], out);
  if (r.status !== 0) throw new Error(`fakenode: ${r.stderr}${r.stdout}`);
  // Purge what went in at once: the retention is not what is tested.
  mkdirSync(join(out, 'root/etc/pve-health'), { recursive: true });
  writeFileSync(join(out, 'root/etc/pve-health/config.toml'), '[reclaim]\nretention_days = 0\n');
  return out;
}

/** The text block of one entry in check's or clean's report (from its heading to the next one). */
function block(text: string): string {
  const at = text.indexOf(`  ${VOLID}  `);
  assert.ok(at >= 0, text);
  const next = text.slice(at + 1).search(/\n(- )?● |\n\n/);
  return text.slice(at, next < 0 ? undefined : at + 1 + next);
}

/** The HTML report (and mail) without its tags (a path there has break hints: html-kit.ts escPath). */
const htmlText = (doc: Parameters<typeof renderHtml>[0]) => renderHtml(doc).replace(/<[^>]*>/g, '');

/** The quarantine listing's line of the volume in check's report. */
function quarantineLine(text: string): string {
  const at = text.indexOf('In quarantine');
  assert.ok(at >= 0, text);
  return (
    text
      .slice(at)
      .replace(/\n {6}/g, ' ')
      .split('\n')
      .find((l) => l.includes(VOLID)) ?? ''
  );
}

/**
 * VM 520's only disk, now in quarantine past its retention: every listing (check's text and JSON, the HTML
 * report and mail, the dashboard's rows, reclaim's plan) holds it with the look at pve2, never the purge;
 * the dashboard's and serve's listing has no PVE state of its own, so it comes from the entries.
 */
function quarantinedHeld(out: string): void {
  const line = quarantineLine(runCli(out, ['check']).stdout);
  assert.match(
    line,
    new RegExp(`not purged: VM 520's config on pve2 names this very volume ID.*check that pve2 has ${VOLID}: ${LOOK}`),
  );
  assert.doesNotMatch(line, /due: /);
  const doc = JSON.parse(runCli(out, ['check', '--json']).stdout);
  assert.deepEqual(
    doc.quarantine.volumes.map((v: { volid: string; due: boolean; namedOn?: unknown }) => [v.volid, v.due, v.namedOn]),
    [[VOLID, true, { node: 'pve2', vmid: 520, type: 'qemu' }]],
  );
  // What serve lists: the listing made again from the document's entries alone.
  const entriesOnly = { ...doc, quarantine: undefined };
  for (const d of [doc, withQuarantine(entriesOnly, new Date(), { reclaim: { retention_days: 0 } })]) {
    const rows = quarantineRows(d);
    assert.deepEqual(
      rows.map((r) => [r.purge, r.held?.command]),
      [[null, LOOK]],
    );
    const html = htmlText(d);
    assert.ok(html.includes(LOOK), 'the HTML report and mail show the look');
    assert.doesNotMatch(html, /reclaim --purge --name|quarantined volume is past the retention/);
    assert.deepEqual(
      dashboardView(d).quarantine?.rows.map((r) => r.purge),
      [null],
    );
  }
  const plan = runCli(out, ['reclaim', '--dry-run', '--all']).stdout;
  assert.match(plan, new RegExp(`${VOLID}.*not purged: .*${LOOK}`));
  assert.doesNotMatch(plan, /due: reclaim --purge/);
  assert.doesNotMatch(runCli(out, ['restore', '--list']).stdout, /--purge/);
}

const lvNames = (out: string) =>
  JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')).lvs.map((l: { vg: string; lv: string }) => l.lv);

describe('the only copy of an HA-recovered guest, in every output', { skip }, () => {
  it('named on pve2 by this very volume ID: the look before every irreversible step, the purge refused', () => {
    const out = node(VOLID);
    const text = block(runCli(out, ['check']).stdout);
    assert.ok(text.indexOf(CHECK) >= 0 && text.indexOf(CHECK) < text.indexOf(`pvesm free ${VOLID}`), text);
    assert.match(
      text,
      new RegExp(`${LOOK}\\n\\s+only if pve2 has its own copy: drop this leftover \\(irreversible\\)`),
    );
    assert.doesNotMatch(text, /or drop it now/);

    const doc = JSON.parse(runCli(out, ['check', '--json']).stdout);
    const e = doc.dm.entries.find((x: { volume: string }) => x.volume === VOLID);
    assert.deepEqual(
      e.steps.map((s: { kind: string; command: string[] }) => [s.kind, s.command.join(' ')]),
      [
        ['reclaim', `pve-health reclaim --name ${VOLID}`],
        ['step', LOOK],
        ['drop', `pvesm free ${VOLID}`],
      ],
    );
    assert.ok(e.hint.indexOf(LOOK) < e.hint.indexOf('pvesm free'), e.hint);

    const quiet =
      runCli(out, ['check', '-q'])
        .stdout.split('\n')
        .find((l) => l.includes(VOLID)) ?? '';
    assert.doesNotMatch(quiet, /pvesm free/);

    const clean = block(runCli(out, ['clean', '--dry-run', '--all']).stdout);
    assert.ok(clean.indexOf(CHECK) < clean.indexOf(`pvesm free ${VOLID}`), clean);

    const plan = runCli(out, ['reclaim', '--dry-run', '--name', VOLID]).stdout;
    assert.match(
      plan,
      new RegExp(`VM 520's config on pve2 names this very volume ID .*check that pve2 has ${VOLID}: ${LOOK}`),
    );
    assert.doesNotMatch(plan, /no guest config of the cluster names it/);

    assert.equal(runCli(out, ['reclaim', '--yes', '--name', VOLID]).code, 0);
    quarantinedHeld(out);
    const purge = runCli(out, ['reclaim', '--purge', '--yes', '--all']);
    assert.match(purge.stdout, new RegExp(`${VOLID}  guest 520 — only-copy: .*check there: ${LOOK}`));
    assert.ok(
      lvNames(out).some((n: string) => n.endsWith('.vm-520-disk-1')),
      'the only copy is still there, in quarantine',
    );
  });

  it('neighbour: pve2 names another volume ID: a plain leftover, the drop offered, the purge destroys it', () => {
    const out = node('local-lvm:vm-520-disk-0');
    const text = block(runCli(out, ['check']).stdout);
    assert.doesNotMatch(text, /check that pve2 has/);
    assert.match(text, new RegExp(`drop it now \\(irreversible[^\\n]*\\n\\s+pvesm free ${VOLID}`));
    assert.equal(runCli(out, ['reclaim', '--yes', '--name', VOLID]).code, 0);
    // In quarantine, no config anywhere names it: due for purge in every listing.
    const line = quarantineLine(runCli(out, ['check']).stdout);
    assert.match(line, /\(due: pve-health reclaim --purge\)/);
    assert.doesNotMatch(line, /check that pve2 has/);
    const doc = JSON.parse(runCli(out, ['check', '--json']).stdout);
    assert.equal(doc.quarantine.volumes[0].namedOn, undefined);
    assert.deepEqual(
      quarantineRows(doc).map((r) => [r.purge, r.held ?? null]),
      [[`pve-health reclaim --purge --name ${VOLID}`, null]],
    );
    assert.match(htmlText(doc), new RegExp(`pve-health reclaim --purge --name ${VOLID}`));
    const purge = runCli(out, ['reclaim', '--purge', '--yes', '--all']);
    assert.doesNotMatch(purge.stdout, /— only-copy:/);
    assert.ok(!lvNames(out).some((n: string) => n.includes('vm-520-disk-1')), purge.stdout);
  });
});
