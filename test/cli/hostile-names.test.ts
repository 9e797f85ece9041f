// Every command the tool prints is quoted for the shell it is pasted into (issue 42): hostile volume,
// image and snapshot names — `$(…)`, backquotes, `;`, `|`, `&&`, quotes, braces, globs, unicode — in a
// dir storage, an RBD pool and a ZFS snapshot, through every output form (text, -q, JSON, Nagios,
// Checkmk, HTML, the notification text). Each printed `pvesm free`/`zfs destroy` is cut and run by bash
// itself with recording functions (test/helpers/shell-argv.ts): its argv must be exactly a volume the
// document names, and no payload may run.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildSubject, buildText } from '../../src/notify/message';
import { buildNode, hasFakenode, nodePath, runCli, SHARED, tempDir } from '../helpers/cli';
import { hasBash, type ShellRun, shellRunsAfter } from '../helpers/shell-argv';

const skip = !hasFakenode ? 'fakenode not found (../shared/fakenode)' : !hasBash() ? 'no bash' : false;

// PVE's dir volume names are `(vm|base|subvol)-N-\S+` (Storage/Plugin.pm parse_name_dir): anything but
// white space. Each payload writes a file (`>x`) if it ever runs, even with no program on PATH.
const PAYLOADS = ['$(id>x)', ';id>x', `'q"\`id>x\``, '|id&&x', '{a,b}*?[x]', '~root', '\\$HOME>x', '-é☃'];
// Characters that show nothing or reorder the line (issue 59): a bidi override, the soft hyphen, the
// combining grapheme joiner, the Hangul filler, a variation selector, a zero-width space, a tag character.
// Each command must name exactly the volume (quoted first, as bytes), and no display text shows one raw:
// `vm-995-disk-0` plus an invisible character reads exactly like the real `vm-995-disk-0`.
const INVISIBLE = ['\u202e', '\u00ad', '\u034f', '\u3164', '\ufe0f', '\u200b', '\u{e0041}', '\u061c'];

function hostileNode(): { node: string; volids: string[]; datasets: string[] } {
  const node = buildNode(join(SHARED, 'fakenode/scenarios/mixed-volumes.json'));
  const dir = join(node, 'root/var/lib/vz/images/177');
  mkdirSync(dir, { recursive: true });
  const volids: string[] = [];
  [...PAYLOADS, ...INVISIBLE].forEach((p, i) => {
    const name = `vm-177-disk-${i}${p}.raw`;
    writeFileSync(join(dir, name), '');
    truncateSync(join(dir, name), 1 << 20);
    volids.push(`local:177/${name}`);
  });
  // RBD images and a ZFS snapshot with the same payloads, in fakenode's state.
  const statePath = join(node, 'state.json');
  const state = JSON.parse(readFileSync(statePath, 'utf8'));
  const images = state.rbd.pools['vm-pool'];
  const base = images.find((x: { image: string }) => x.image === 'vm-151-disk-0');
  [...PAYLOADS.slice(0, 4), ...INVISIBLE.slice(0, 2)].forEach((p, i) => {
    images.push({ ...base, image: `vm-178-disk-${i}${p}`, id: `ab${i}` });
    volids.push(`ceph-vm:vm-178-disk-${i}${p}`);
  });
  const ds = state.zfs.datasets;
  const datasets: string[] = [];
  PAYLOADS.slice(0, 3).forEach((p, i) => {
    // Snapshots of a gone guest's zvol: a running guest's disk holds snapshots without a section (issue 59).
    const name = `tank/pve/vm-150-disk-0@s${i}${p}`;
    ds[name] = { ...ds['tank/pve/vm-100-disk-0@old'], guid: 1000 + i };
    datasets.push(name);
  });
  writeFileSync(statePath, JSON.stringify(state));
  return { node, volids, datasets };
}

/** The runs of every `pvesm free` and `zfs destroy` in one output form: exact argv, nothing ran. */
function checkForm(form: string, text: string, known: { volids: Set<string>; datasets: Set<string> }): ShellRun[] {
  const runs = [...shellRunsAfter(text, 'pvesm free '), ...shellRunsAfter(text, 'zfs destroy ')];
  for (const r of runs) {
    assert.deepEqual(r.created, [], `${form}: a payload ran: ${r.command}`);
    assert.equal(r.argv.length, 3, `${form}: ${r.command} → ${JSON.stringify(r.argv)}`);
    if (r.argv[0] === 'pvesm')
      assert.ok(known.volids.has(r.argv[2]), `${form}: ${r.command} frees ${JSON.stringify(r.argv[2])}`);
    else assert.ok(known.datasets.has(r.argv[2]), `${form}: ${r.command} destroys ${JSON.stringify(r.argv[2])}`);
  }
  return runs;
}

describe('hostile names: every printed command runs exactly its argv in bash', { skip }, () => {
  const h = skip ? null : hostileNode();
  const run = (args: string[]) => runCli(['--root', join(h!.node, 'root'), ...args], { pathPrefix: nodePath(h!.node) });
  const json = skip ? null : JSON.parse(run(['volumes', '--json']).stdout);
  const known = {
    volids: new Set<string>((json?.volumes?.entries ?? []).map((e: { volid: string }) => e.volid)),
    datasets: new Set<string>(),
  };
  for (const e of json?.volumes?.entries ?? [])
    if (e.snapshot && e.volid.startsWith('local-zfs:'))
      known.datasets.add(`tank/pve/${e.volid.slice('local-zfs:'.length).split('@')[0]}@${e.snapshot}`);

  test('the JSON document: every hostile volume is an orphan whose hint frees exactly it', () => {
    for (const v of h!.volids) assert.ok(known.volids.has(v), `not listed: ${v}`);
    for (const d of h!.datasets) assert.ok(known.datasets.has(d), `not listed: ${d}`);
    const hints = json.volumes.entries.map((e: { hint?: string }) => e.hint ?? '').join('\n');
    const runs = checkForm('volumes --json', hints, known);
    const freed = new Set(runs.map((r) => r.argv[2]));
    for (const v of [...h!.volids, ...h!.datasets]) assert.ok(freed.has(v), `no hint frees ${v}`);
  });

  const forms: [string, string[]][] = [
    ['volumes (text)', ['volumes']],
    ['check (text)', ['check']],
    ['check -q', ['check', '-q']],
    ['check --json', ['check', '--json']],
    ['check --format nagios', ['check', '--format', 'nagios']],
    ['check --format checkmk', ['check', '--format', 'checkmk']],
  ];
  for (const [name, args] of forms) {
    test(`${name}: each printed command is one volume's, and nothing runs`, () => {
      const r = run(args);
      assert.ok([0, 1, 2].includes(r.code), r.stderr);
      // JSON strings are read back first: a copy from a JSON viewer or jq -r is the string's value.
      const text = args.includes('--json') ? collectStrings(JSON.parse(r.stdout)).join('\n') : r.stdout;
      // Display text shows every invisible and bidi character as an escape, never raw.
      assert.doesNotMatch(r.stdout, /[\p{Cc}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}](?<!\n)/u);
      const runs = checkForm(name, text, known);
      // -q prints one command per finding (the one that keeps the data first: docs/reports.md), so not
      // every volume's `pvesm free`; what it prints must still run exactly its argv.
      if (!/nagios|checkmk|-q/.test(name))
        assert.ok(runs.length >= h!.volids.length, `${name}: ${runs.length} commands`);
    });
  }

  test('report --html: the hints, read back from the HTML, run exactly their argv', () => {
    const file = join(tempDir('pvh-html-'), 'r.html');
    const r = run(['report', '--html', file]);
    assert.ok([0, 1, 2].includes(r.code), r.stderr);
    const html = readFileSync(file, 'utf8');
    const text = html
      .replace(/<wbr>/g, '')
      .replace(/<[^>]*>/g, '\n')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#0?39;/g, "'")
      .replace(/&#x27;/g, "'")
      .replace(/&amp;/g, '&');
    const runs = checkForm('html', text, known);
    assert.ok(runs.length >= h!.volids.length, `html: ${runs.length} commands`);
  });

  test('the notification text: the same commands, the same argv', () => {
    const doc = JSON.parse(run(['check', '--json']).stdout);
    const text = buildText(doc, { added: [], resolved: [], statusFrom: null, kind: 'test' });
    checkForm('notification', `${buildSubject(doc, 'test', null)}\n${text}`, known);
  });
});

function collectStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(...v.split('\n'));
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, out);
  return out;
}
