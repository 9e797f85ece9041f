// The ZFS parser and rules on what the real `zfs` (OpenZFS 2.1.11, Debian 12, in the testbed guest)
// printed in the real-ZFS suite (test/e2e/zfs/zfs-guest.sh; the recordings are test/fixtures/zfs-real/,
// see its README): pve-health's own `zfs list` argv on the suite's pools, /etc/pve as the suite wrote it,
// the zvol links and mountinfo of that moment.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseZfsList, ZFS_LIST_FIELDS } from '../../src/core/parse/volume-listing';
import { classifyVolumes } from '../../src/core/volumes/classify-volumes';
import { entry, volumeInput } from '../helpers/volume-node';

const DIR = new URL('../fixtures/zfs-real/', import.meta.url);
const read = (f: string): string => readFileSync(new URL(f, DIR), 'utf8');
const LIST = read('list.stdout');

/** `ls -l /dev/zvol/<pool>` lines (`vm-100-disk-0 -> ../../../zd0`) → dataset → zdN, as readZvolDevices. */
function zvolLinks(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let dir = '';
  for (const l of text.split('\n')) {
    const d = /^\/dev\/zvol\/(.+):$/.exec(l);
    if (d) dir = d[1];
    const m = / (\S+) -> \S*\/(zd\d+)$/.exec(l);
    if (m && dir) out[`${dir}/${m[1]}`] = m[2];
  }
  return out;
}

function realInput() {
  const files = JSON.parse(read('pve-files.json')) as Record<string, string>;
  const input = volumeInput({ files });
  input.raw.zfs = { argv: ['zfs', 'list', ...ZFS_LIST_FIELDS], code: 0, stdout: LIST, stderr: '' };
  input.raw.zvolDevices = zvolLinks(read('zvol-links.stdout'));
  input.hostMountinfo = read('mountinfo.stdout');
  input.replicationCfg = files['/etc/pve/replication.cfg'];
  input.replicationState = files['/var/lib/pve-manager/pve-replication-state.json'];
  return input;
}

test('real zfs list -H -p: every line parses; what each column is for each type', () => {
  const ds = parseZfsList(LIST);
  const by = (n: string) => {
    const d = ds.find((x) => x.name === n);
    assert.ok(d, `no ${n}`);
    return d;
  };
  // -r POOL prints the operand itself first.
  assert.equal(ds[0].name, 'rpool/data');
  assert.equal(by('rpool/data').type, 'filesystem');
  const zvol = by('rpool/data/vm-100-disk-0');
  assert.deepEqual(
    [zvol.type, zvol.volsize, zvol.refquota, zvol.origin, zvol.mountpoint],
    ['volume', 67108864, null, null, null],
  );
  const sub = by('rpool/data/subvol-200-disk-0');
  assert.deepEqual(
    [sub.type, sub.volsize, sub.refquota, sub.mountpoint],
    ['filesystem', null, 268435456, '/rpool/data/subvol-200-disk-0'],
  );
  assert.equal(by('rpool/data/vm-901-disk-0').origin, 'rpool/data/base-900-disk-0@__base__');
  assert.equal(by('rpool/data/subvol-921-disk-0').refquota, 134217728);
  // A snapshot of a zvol carries the volsize; a snapshot of a filesystem prints `-` (the head type).
  assert.equal(by('rpool/data/vm-100-disk-0@before').volsize, 67108864);
  assert.equal(by('rpool/data/subvol-200-disk-0@pre').volsize, null);
  // The hidden %recv clone of a cut resumable receive is never listed.
  assert.equal(
    ds.some((d) => d.name.includes('%')),
    false,
  );
});

test('real: the suite states classified from the recorded listing', () => {
  const es = classifyVolumes(realInput()).entries;
  const L = 'local-zfs';
  assert.equal(entry(es, `${L}:vm-100-disk-0`).status, 'valid');
  assert.equal(entry(es, `${L}:subvol-200-disk-0`).sizeBytes, 268435456);
  const base = entry(es, `${L}:base-900-disk-0`);
  assert.ok(base.protectedBy?.includes('has-clones'));
  const orphanClone = entry(es, `${L}:base-900-disk-0/vm-902-disk-0`);
  assert.equal(orphanClone.hint?.endsWith('pvesm free local-zfs:base-900-disk-0/vm-902-disk-0'), true);
  // pct mount's bind of a gone CT's subvol, from the real mountinfo: protected.
  const mounted = entry(es, `${L}:subvol-251-disk-0`);
  assert.ok(mounted.protectedBy?.includes('mounted'), String(mounted.protectedBy));
  assert.equal(mounted.hint, undefined);
  const replica = entry(es, `${L}:vm-300-disk-0`);
  assert.equal(replica.reason, 'replica');
  assert.equal(replica.hint, undefined);
  // PVE's cut receive left nothing; the cut resumable one left a dataset under its own name.
  assert.equal(
    es.some((e) => e.volid === `${L}:vm-310-disk-0`),
    false,
  );
  assert.equal(entry(es, `${L}:vm-311-disk-0`).status, 'orphan');
  // A hint only on an unprotected orphan, or PVE's own `pct delsnapshot N vzdump --force` on a killed
  // backup's snapshot its config's [vzdump] section still names (snapshot-verdict.ts namedBySection).
  for (const e of es)
    if (e.hint)
      assert.ok(
        (e.status === 'orphan' || e.namedBySection !== undefined) && !e.protected && !e.pending,
        `${e.volid} ${e.snapshot ?? ''}`,
      );
});

test('real: a cut-off resumable receive lists as a zvol of volsize 0; the detail says what it is', () => {
  const d = parseZfsList(LIST).find((x) => x.name === 'rpool/data/vm-311-disk-0');
  assert.deepEqual([d?.type, d?.volsize], ['volume', 0]);
  assert.match(read('get-resume.stdout'), /^rpool\/data\/vm-311-disk-0\treceive_resume_token\t1-/m);
  const e = entry(classifyVolumes(realInput()).entries, 'local-zfs:vm-311-disk-0');
  assert.deepEqual([e.status, e.reason, e.sizeBytes], ['orphan', 'guest-missing', 0]);
  assert.match(e.detail, /partially received zvol/);
  // Every other zvol has its size.
  for (const x of classifyVolumes(realInput()).entries)
    if (x.volid !== 'local-zfs:vm-311-disk-0' && !x.snapshot) assert.doesNotMatch(x.detail, /partially received/);
});
