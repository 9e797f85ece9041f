// A guest is named the same in every command and form whichever parts could be checked: the guest table
// and the labels come from PveState through both the DM and the volumes part (core/node/guest-identity.ts).
// Before, `volumes` alone and a check whose dmsetup failed called every guest "(no config)", "missing".
// Matrix: documents (check, volumes alone, check with DM failed) x forms (JSON guest table, inventory
// labels, Prometheus guest labels, console text).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/cli';

type Json = Record<string, any>;

const dir = tempDir();
const capture = join(dir, 'demo.json');
const noDm = join(dir, 'demo-no-dm.json');

function json(args: string[]): Json {
  const r = runCli(args);
  assert.ok(r.stdout.startsWith('{'), `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('setup: the demo node captured, and the same node with dmsetup denied', () => {
  const r = runCli(['capture', capture, '--demo']);
  assert.equal(r.code, 0, r.stderr);
  const snap = JSON.parse(readFileSync(capture, 'utf8'));
  const info = snap.commands['dmsetup.info'];
  snap.commands['dmsetup.info'] = {
    argv: info.argv,
    code: 1,
    stdout: '',
    stderr: '/dev/mapper/control: open failed: Permission denied',
  };
  writeFileSync(noDm, JSON.stringify(snap));
});

const identity = (g: Json) => ({ vmid: g.vmid, type: g.type, name: g.name, node: g.node, status: g.status });

test('the guest table names every guest alike in check, volumes alone and a check whose DM part failed', () => {
  const whole = json(['check', '--json', '--from', capture]);
  // This node's guests (a VMID only a DM map names, a guest of another node with an LV here, are rows
  // of the DM part alone); any other row the two tables share must agree too.
  const expected = whole.dm.guests.filter((g: Json) => g.node === whole.node).map(identity);
  const all = new Map(whole.dm.guests.map((g: Json) => [g.vmid, identity(g)]));
  assert.ok(expected.some((g: Json) => g.status === 'running') && expected.some((g: Json) => g.type === 'lxc'));
  for (const [what, doc] of [
    ['check', whole],
    ['volumes', json(['volumes', '--json', '--from', capture])],
    ['check, dmsetup denied', json(['check', '--json', '--from', noDm])],
  ] as const) {
    const rows = new Map(doc.overall.guests.map((g: Json) => [g.vmid, identity(g)]));
    for (const g of expected) assert.deepEqual(rows.get(g.vmid), g, `${what}: guest ${g.vmid}`);
    for (const [vmid, row] of rows) if (all.has(vmid)) assert.deepEqual(row, all.get(vmid), `${what}: ${vmid}`);
    for (const inv of doc.inventory.filter((i: Json) => i.vmid !== null && i.kind !== 'lvm')) {
      const g = expected.find((x: Json) => x.vmid === inv.vmid);
      if (g) assert.match(inv.guest, new RegExp(`^${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} ${g.name}`), what);
    }
  }
});

test('Prometheus and the console name a guest by its type and name when only the volumes part ran', () => {
  const whole = json(['check', '--json', '--from', capture]);
  const prom = runCli(['volumes', '--format', 'prometheus', '--from', capture]).stdout;
  for (const g of whole.dm.guests.filter((x: Json) => x.node === whole.node))
    assert.match(
      prom,
      new RegExp(
        `pve_health_guest_issues\\{id="${g.type}/${g.vmid}",vmid="${g.vmid}",type="${g.type}",name="${g.name}"`,
      ),
    );
  const text = runCli(['volumes', '--from', capture]).stdout;
  const orphans = json(['volumes', '--json', '--from', capture]).volumes.entries.filter(
    (e: Json) => e.status === 'orphan' && e.vmid !== null,
  );
  assert.ok(orphans.length > 0);
  for (const e of orphans) {
    const g = whole.dm.guests.find((x: Json) => x.vmid === e.vmid);
    assert.ok(text.includes(`VM ${e.vmid} ${g.name}`), `${e.volid} in:\n${text}`);
  }
});
