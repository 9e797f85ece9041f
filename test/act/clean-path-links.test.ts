// A guest disk named by a path of the node's own links (a site's udev rule SYMLINK+="vmdisks/db01",
// /dev/block/<major>:<minor>) is that device, whatever its text spells: `clean --yes --all` on a
// simulated node never deactivates it. A path that leads nowhere makes "no config names it" unknown
// for what it could name; a link to a disk names no LV, and a real leftover is still cleaned.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { buildNode, calls, dmNames, HAVE_FAKENODE, runCli } from './fakenode-helpers';

const skip = HAVE_FAKENODE ? false : 'needs ../shared/fakenode (not in a public clone)';
const ORPHAN = 'pve-vm--150--disk--0'; // VM 150 has no config: "guest-missing" by its name alone

/** default-lvmthin with stopped VM 103 using `path` as scsi1; `link` → its target under root/dev. */
function nodeWithPath(path: string, link?: { at: string; to: (kname: string) => string }): string {
  const out = buildNode('default-lvmthin');
  const root = join(out, 'root');
  const kname = readlinkSync(join(root, 'dev/mapper', ORPHAN)).replace('../', '');
  if (link) {
    mkdirSync(dirname(join(root, link.at)), { recursive: true });
    symlinkSync(link.to(kname), join(root, link.at));
  }
  appendFileSync(join(root, 'etc/pve/nodes/pve1/qemu-server/103.conf'), `scsi1: ${path},size=32G\n`);
  return out;
}

function entryOf(out: string, name: string): { status: string; reason: string; detail: string; protectedBy: string[] } {
  const r = runCli(out, ['dm', '--json']);
  const doc = JSON.parse(r.stdout);
  return doc.dm.entries.find((e: { name: string }) => e.name === name);
}

function touched(out: string, name: string): boolean {
  const lv = name.replace(/^pve-/, '').replace(/--/g, '-');
  return calls(out).some(
    (c) => (c.tool === 'lvchange' || c.tool === 'dmsetup') && c.argv.some((a) => a.includes(name) || a.endsWith(lv)),
  );
}

describe('a config path through the node’s own links', { skip }, () => {
  const links: [string, string, (kname: string) => string][] = [
    ['a udev link of its own', '/dev/vmdisks/db01', (k) => `../${k}`],
    ['/dev/block/<major>:<minor>', '/dev/block/252:MINOR', (k) => `../${k}`],
    ['a by-label link', '/dev/disk/by-label/db01', (k) => `../../${k}`],
  ];
  for (const [what, at, to] of links) {
    it(`${what}: the map it leads to is referenced, clean --yes --all leaves it active`, () => {
      const out = buildNode('default-lvmthin');
      const minor = readlinkSync(join(out, 'root/dev/mapper', ORPHAN)).replace('../dm-', '');
      const path = at.replace('MINOR', minor);
      const node = nodeWithPath(path, { at: path, to });
      const e = entryOf(node, ORPHAN);
      assert.equal(e.status, 'valid', e.detail);
      assert.match(e.detail, new RegExp(`VM 103 scsi1 by path ${path}`));
      runCli(node, ['clean', '--yes', '--all']);
      assert.ok(dmNames(node).has(ORPHAN), `${ORPHAN} was removed`);
      assert.equal(touched(node, ORPHAN), false, `${ORPHAN} was acted on`);
    });
  }

  it('a /dev path that does not exist: every would-be orphan is protected with the reason, the node graded; clean touches none', () => {
    const node = nodeWithPath('/dev/vmdisks/gone');
    const e = entryOf(node, ORPHAN);
    assert.equal(e.status, 'orphan', e.detail);
    assert.deepEqual(e.protectedBy, ['path-unchecked']);
    assert.match(e.detail, /\/dev\/vmdisks\/gone, which does not exist on this node: it may name this volume/);
    assert.match(e.detail, /look it up: stat -L -- \/dev\/vmdisks\/gone/);
    const check = runCli(node, ['check', '--json']);
    // Nothing failed to be read: the node is graded (its orphans warn), never UNKNOWN for a path.
    assert.equal(check.code, 1, check.stderr);
    assert.match(check.stdout, /\/dev\/vmdisks\/gone, which does not exist/);
    const r = runCli(node, ['clean', '--yes', '--all']);
    assert.ok(dmNames(node).has(ORPHAN), r.stdout);
    assert.equal(touched(node, ORPHAN), false);
    // The map without an LV is a fact of LVM and the kernel, not of configs: still removed.
    assert.ok(!dmNames(node).has('pve-vm--103--disk--2'), r.stdout);
  });

  it('a link to a disk names no LV: the real leftover is still an orphan and is cleaned', () => {
    const node = nodeWithPath('/dev/vmdisks/db01', { at: '/dev/vmdisks/db01', to: () => '../sdb' });
    writeFileSync(join(node, 'root/dev/sdb'), '');
    assert.equal(entryOf(node, ORPHAN).status, 'orphan');
    runCli(node, ['clean', '--yes', '--all']);
    assert.ok(!dmNames(node).has(ORPHAN));
  });

  it('a character device passed through (/dev/dri, /dev/ttyUSB0 unplugged) names no LV', () => {
    const node = nodeWithPath('/dev/ttyUSB0');
    mkdirSync(join(node, 'root/dev/dri'), { recursive: true });
    appendFileSync(
      join(node, 'root/etc/pve/nodes/pve1/qemu-server/103.conf'),
      'args: -device usb-host,hostbus=1 -chardev tty,id=c0,path=/dev/dri/renderD128\n',
    );
    assert.equal(entryOf(node, ORPHAN).status, 'orphan');
  });
});
