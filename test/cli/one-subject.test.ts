// One subject per finding and one set of counts, in every output form, on the demo and on every fakenode
// scenario (the shared ones, the project's storage scenarios, and two with what issue reports named:
// two leftover snapshots of one running VM's zvol, and two RBD trash entries of one name beside a live
// image of that name). The document comes from the CLI; every output form renders that one document.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listFindings } from '../../src/core/findings/findings';
import { overallOf } from '../../src/core/findings/overall';
import { countedProblems } from '../../src/core/findings/problems';
import type { CheckDocument } from '../../src/core/vocab/types';
import { DEFAULT_TEXTFILE_NAME } from '../../src/host/write-textfile';
import { buildText } from '../../src/notify/message';
import { renderCheckText } from '../../src/render/check-text';
import { dashboardView } from '../../src/render/dashboard-view';
import { renderHtml } from '../../src/render/html';
import { renderNagios } from '../../src/render/nagios';
import { renderPrometheus } from '../../src/render/prometheus';
import { buildNode, hasFakenode, nodePath, REPO, runCli, SHARED, tempDir } from '../helpers/cli';

const skip = hasFakenode ? false : 'needs ../shared/fakenode (not in a public clone)';
const SCENARIOS = join(REPO, 'test/fixtures/scenarios');

/** Every series of an exposition, name and labels, with how often it occurs. */
function duplicateSeries(text: string): string[] {
  const seen = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const series = line.slice(0, line.lastIndexOf(' '));
    seen.set(series, (seen.get(series) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([s]) => s);
}

function sample(text: string, name: string, labels: Record<string, string>): number[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function checkDocument(node: string): CheckDocument {
  const r = runCli(['--root', join(node, 'root'), 'check', '--json'], { pathPrefix: nodePath(node) });
  assert.ok(r.code >= 0 && r.code <= 3, `${node}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The assertions of this file over one document. */
function assertOneSubjectOneCount(doc: CheckDocument, where: string): void {
  const findings = listFindings(doc);
  const o = overallOf(doc, findings);
  // One subject per finding about a volume, a DM device or a mount (storage findings are named by their
  // storage and told apart by their kind; their keys below are unique).
  const subjects = findings.filter((f) => f.part !== 'storage').map((f) => f.subject);
  assert.deepEqual(
    subjects.filter((s, i) => subjects.indexOf(s) !== i),
    [],
    `${where}: two findings share a subject`,
  );
  const keys = findings.map((f) => f.key);
  assert.equal(new Set(keys).size, keys.length, `${where}: two findings share a key`);

  const prom = renderPrometheus(doc, { durationSeconds: 1 });
  assert.deepEqual(duplicateSeries(prom), [], `${where}: a series exported twice`);
  const view = dashboardView(doc);
  const titles = view.findings.filter((f) => f.volume).map((f) => f.title);
  assert.equal(new Set(titles).size, titles.length, `${where}: two dashboard cards share a title`);
  // The report breaks long names at separators (<wbr>) and escapes them.
  const html = renderHtml(doc).replace(/<wbr>/g, '');
  const text = renderCheckText(doc, { color: false, width: 160 });
  const nagios = renderNagios(doc);
  const mail = buildText(doc, { added: [], resolved: [], statusFrom: null, kind: 'change' });
  for (const f of findings.filter((x) => x.part === 'volumes' || x.part === 'dm')) {
    const esc = f.subject.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    assert.ok(html.includes(esc), `${where}: ${f.subject} not in the HTML report`);
    assert.ok(mail.includes(f.subject), `${where}: ${f.subject} not in the notification`);
    if (!f.acknowledged) assert.ok(text.includes(f.subject), `${where}: ${f.subject} not in the text`);
    if (!f.pending && !f.acknowledged) assert.ok(nagios.includes(f.subject), `${where}: ${f.subject} not in nagios`);
    if (f.volume && !f.pending && !f.acknowledged && !f.layerOf)
      assert.equal(
        sample(prom, 'pve_health_volume_finding', { subject: f.subject }).length,
        1,
        `${where}: ${f.subject}`,
      );
  }

  assertSameSteps(findings, { where, text, mail, html, view });

  // Counts: one computation (core/findings/problems.ts), the same in every output form.
  const problems = countedProblems(findings);
  assert.equal(o.critical + o.warning + o.unknown, problems.length, where);
  // The JSON's `overall` (written by the CLI from the same document).
  const json = (doc as CheckDocument & { overall: Record<string, unknown> }).overall;
  assert.equal(json.headline, o.headline, `${where}: the JSON's headline`);
  assert.equal(json.critical, o.critical, `${where}: the JSON's critical count`);
  assert.equal(json.warning, o.warning, `${where}: the JSON's warning count`);
  assert.ok(text.includes(o.headline), `${where}: the text headline`);
  const shown = text.match(/^Problems \((\d+)/m);
  if (shown) assert.equal(Number(shown[1]), problems.length, `${where}: "Problems (N)" of the text`);
  assert.ok(nagios.split('\n')[0].includes(o.headline), `${where}: the nagios headline`);
  assert.ok(mail.includes(o.headline), `${where}: the notification's headline`);
  assert.ok(html.includes(o.headline.replace(/&/g, '&amp;')), `${where}: the HTML headline`);
  assert.equal(view.counts.critical, o.critical, `${where}: the dashboard's critical count`);
  assert.equal(view.counts.warning, o.warning, `${where}: the dashboard's warning count`);
  // The phrase adds up to the same problems: "2 duplicates, 11 orphans, ..." before the pending part.
  const phrased = sum([...o.headline.matchAll(/(\d+) (?!pending|acknowledged)[a-z]/g)].map((m) => Number(m[1])));
  if (!o.unchecked.length) assert.equal(phrased, problems.length, `${where}: the headline's phrase (${o.headline})`);

  const v = doc.volumes;
  if (v && !v.error) {
    for (const status of ['valid', 'orphan', 'unknown', 'ignored'] as const) {
      const perStorage = sum(sample(prom, 'pve_health_volumes', { status }));
      assert.equal(perStorage, v.summary[status], `${where}: pve_health_volumes{status="${status}"} over storages`);
    }
    const perf = nagios.match(/volumes_orphan=(\d+)/);
    if (perf) assert.equal(Number(perf[1]), v.summary.orphan, `${where}: nagios volumes_orphan`);
    // Each orphan, snapshot and trash entry included, counts in its own storage.
    for (const e of v.entries.filter((x) => x.status === 'orphan'))
      assert.ok(
        sample(prom, 'pve_health_volumes', { storage: e.storage, status: 'orphan' })[0] > 0,
        `${where}: ${e.volid} counts in no storage`,
      );
  }
  const dm = doc.dm;
  if (dm && !dm.error) {
    const perf = nagios.match(/dm_orphans=(\d+)/);
    assert.equal(sample(prom, 'pve_health_dm_entries', { status: 'orphan' })[0], dm.summary.orphan, where);
    if (perf && !doc.acknowledged?.length) assert.equal(Number(perf[1]), dm.summary.orphan, `${where}: nagios`);
  }
}

/** A command that deletes data (a volume, a snapshot, an LV, an image): only ever a step marked irreversible. */
const DELETES =
  /^(pvesm free|zfs destroy|lvremove|btrfs subvolume delete|pct delsnapshot|qm delsnapshot)\b|^rbd\b.*\s(rm|trash rm|snap rm)\s/;

/**
 * Next steps (keep it, drop it, what makes it safe), the same in every output form: each command alone on a
 * line of the text, the notification and a <pre> of the report, the same list in the dashboard's view; a
 * step whose command deletes data is a drop step marked irreversible in its words; no words of a step
 * hold a command that deletes data (a copy of prose never runs one).
 */
function assertSameSteps(
  findings: ReturnType<typeof listFindings>,
  o: { where: string; text: string; mail: string; html: string; view: ReturnType<typeof dashboardView> },
): void {
  const textLines = new Set(o.text.split('\n').map((l) => l.trim()));
  const mailLines = new Set(o.mail.split('\n').map((l) => l.trim()));
  for (const f of findings) {
    const card = o.view.findings.find((x) => x.key === f.key);
    assert.deepEqual(card?.steps, f.steps, `${o.where}: ${f.subject}: the dashboard's steps`);
    for (const s of f.steps) {
      const at = `${o.where}: ${f.subject}: ${s.text}`;
      assert.doesNotMatch(s.text, /pvesm free|zfs destroy|lvremove|trash rm/, `${at}: a command in the words`);
      if (!s.command) continue;
      if (DELETES.test(s.command)) {
        assert.equal(s.kind, 'drop', at);
        assert.equal(s.irreversible, true, at);
        assert.match(s.text, /irreversible/, at);
      }
      if (!f.acknowledged) assert.ok(textLines.has(s.command), `${at}: not alone on a line of the text`);
      assert.ok(mailLines.has(s.command), `${at}: not alone on a line of the notification`);
      const esc = s.command.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      assert.ok(o.html.includes(`>${esc}</pre>`) || o.html.includes(esc), `${at}: not in the report`);
    }
  }
}

test('the demo: one subject per finding, no series twice (CLI and textfile), the same counts everywhere', () => {
  const r = runCli(['check', '--demo', '--json']);
  const doc = JSON.parse(r.stdout) as CheckDocument;
  assertOneSubjectOneCount(doc, 'demo');
  const prom = runCli(['check', '--demo', '--format', 'prometheus']);
  assert.deepEqual(duplicateSeries(prom.stdout), []);
  // The leftover snapshot of the demo's zvol is named with its snapshot and counts in local-zfs.
  assert.match(prom.stdout, /subject="local-zfs:vm-100-disk-2@__migration__"/);
  assert.equal(sample(prom.stdout, 'pve_health_volumes', { storage: 'local-zfs', status: 'orphan' })[0], 1);
  const dir = tempDir('pvh-textfile-');
  runCli(['check', '--demo', '--textfile', dir]);
  assert.deepEqual(duplicateSeries(readFileSync(join(dir, DEFAULT_TEXTFILE_NAME), 'utf8')), []);
});

/** Two leftover snapshots (@old, @older) of the zvol of a running VM, whose config names neither. */
function snapshotScenario(): string {
  const s = JSON.parse(readFileSync(join(SCENARIOS, 'volumes-rules.json'), 'utf8'));
  const disk = s.volumes.find((v: { name: string }) => v.name === 'vm-100-disk-0');
  disk.snapshots.push({ name: 'old', creation: 1712100000 }, { name: 'older', creation: 1712000001 });
  const vm = s.guests.find((g: { vmid: number }) => g.vmid === 100);
  vm.status = 'running';
  const file = join(tempDir('pvh-snapshots-'), 'scenario.json');
  writeFileSync(file, JSON.stringify(s));
  return file;
}

test('two leftover snapshots of a running VM: two subjects, two series, two orphans of local-zfs, two ack keys', {
  skip,
}, () => {
  const doc = checkDocument(buildNode(snapshotScenario()));
  assertOneSubjectOneCount(doc, 'snapshots');
  const subjects = listFindings(doc).map((f) => f.subject);
  for (const snap of ['old', 'older']) assert.ok(subjects.includes(`local-zfs:vm-100-disk-0@${snap}`), snap);
  const keys = listFindings(doc).map((f) => f.key);
  assert.ok(keys.includes('volume:orphan:snapshot-missing:local-zfs:vm-100-disk-0@old'), keys.join(' '));
  const view = dashboardView(doc);
  assert.ok(view.findings.some((f) => f.title === 'local-zfs:vm-100-disk-0@older'));
  const prom = renderPrometheus(doc);
  assert.equal(sample(prom, 'pve_health_volumes', { storage: 'local-zfs', status: 'orphan' })[0] >= 3, true);
});

test('two RBD trash entries of one name beside a live image of that name: each its own subject and series', {
  skip,
}, () => {
  const node = buildNode(join(SHARED, 'fakenode/scenarios/mixed-volumes.json'));
  const entry = (id: string, name: string) => ({
    id,
    name,
    source: 'USER',
    deleted_at: 'Mon Nov 23 17:00:01 2026',
    status: 'expired at Mon Nov 23 17:00:01 2026',
  });
  writeFileSync(
    join(node, 'rbd-depth.json'),
    JSON.stringify({
      trash: { 'vm-pool': [entry('5e4a2d9c1b7f', 'vm-152-disk-0'), entry('5e4a2d9c1b80', 'vm-152-disk-0')] },
    }),
  );
  const doc = checkDocument(node);
  assertOneSubjectOneCount(doc, 'trash');
  const trash = listFindings(doc).filter((f) => f.subject.includes('#trash:'));
  assert.equal(
    trash.length,
    2,
    listFindings(doc)
      .map((f) => f.subject)
      .join(' '),
  );
});

const scenarios = hasFakenode
  ? [
      ...readdirSync(join(SHARED, 'fakenode/scenarios')).map((f) => join(SHARED, 'fakenode/scenarios', f)),
      ...readdirSync(SCENARIOS)
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(SCENARIOS, f)),
    ]
  : [];
for (const file of scenarios)
  test(`${file.split('/').pop()}: one subject per finding, no series twice, the same counts everywhere`, () => {
    assertOneSubjectOneCount(checkDocument(buildNode(file)), file.split('/').pop() as string);
  });
