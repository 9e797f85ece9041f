// What clean writes and reports per action (apply-cleanup.ts), in-process: the journal entry restore
// undoes from is filled from the fresh look under the locks — the map's own device number and read-only
// flag when the plan had none, the identity of every device its table names, lvm2's activation-skip
// flag of the LV (restore needs `-K`), the node the guest lived on — and the progress and the outcomes
// of a run: an action's effect as its title, a declined action named, the command's deadline on a
// shared storage what is left of PVE's 60 s under the cluster lock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Analysis, applyCleanup, type Outcome } from '../../src/act/apply-cleanup';
import type { Journal, JournalAction } from '../../src/act/journal';
import type { Answer } from '../../src/act/prompt';
import { type CleanupAction, planCleanup } from '../../src/core/cleanup/plan-cleanup';
import type { DmEntry, DmResult } from '../../src/core/vocab/types';
import type { ExecOptions } from '../../src/host/exec';
import { createHost } from '../../src/host/host';
import { dmEntry } from '../helpers/dm-entry';
import { lv, nodeView } from '../helpers/node-view';
import { tempDir } from '../helpers/temp-dir';

const LV_UUID = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
// The look's two maps: VM 103's disk (252:10) and the LV its table sits on (252:11).
const disk = lv('pve', 'vm-103-disk-2', { uuid: LV_UUID, active: true, attr: 'Vwi-a-tz-k' });
const under = lv('pve', 'base-900-disk-0', { active: true });

function look(o: { readonly?: boolean; attr?: string; guestsFirst?: number } = {}): Analysis {
  const row = o.attr ? { ...disk, attr: o.attr } : disk;
  const view = nodeView({
    lvs: [row, under],
    maps: [{ lv: row }, { lv: under }],
    storageCfg: 'lvmthin: local-lvm\n\tvgname pve\n\tthinpool data\n\tcontent images\n',
    // VM 104 first: the guest's node is looked up by its VMID, not taken from the first guest.
    guests: [
      { vmid: o.guestsFirst ?? 104, node: 'pve3', text: '' },
      { vmid: 103, node: 'pve2', text: '' },
    ],
  });
  view.files['/etc/pve/.members'] = '{"nodename":"pve1","version":1}';
  if (o.readonly) view.dm.info[0].readonly = true;
  return { view, result: { entries: [entryOf(view.dm.info[0].uuid)], guests: [] } as unknown as DmResult };
}

function entryOf(uuid: string, p: Partial<DmEntry> = {}): DmEntry {
  return dmEntry({
    name: 'pve-vm--103--disk--2',
    uuid,
    lv: 'vm-103-disk-2',
    lvUuid: LV_UUID,
    vmid: 103,
    guestType: 'qemu',
    volume: 'local-lvm:vm-103-disk-2',
    status: 'orphan',
    reason: 'guest-on-other-node',
    table: ['0 8388608 linear 252:11 2048'],
    majorMinor: undefined,
    ...p,
  });
}

interface Ran {
  out: Outcome[];
  entries: Omit<JournalAction, 'seq' | 'result' | 'startedAt'>[];
  execs: { argv: string[]; timeoutMs?: number }[];
  titles: string[];
  ends: string[];
}

async function clean(
  actions: CleanupAction[],
  o: { look?: () => Analysis; confirm?: Answer[]; commandTimeoutMs?: number } = {},
): Promise<Ran> {
  const r: Omit<Ran, 'out'> = { entries: [], execs: [], titles: [], ends: [] };
  const host = createHost({
    root: tempDir('pvh-clean-journal-'),
    // flock answers "taken"; the action's command succeeds. Nothing runs for real.
    exec: (async (argv: string[], opts: ExecOptions = {}) => {
      if (argv[0] !== 'flock') r.execs.push({ argv, timeoutMs: opts.timeoutMs });
      return { argv, code: 0, stdout: '', stderr: '', ms: 1 };
    }) as never,
  });
  const journal = {
    begin: (e: Omit<JournalAction, 'seq' | 'result' | 'startedAt'>) => {
      r.entries.push(e);
      return e;
    },
    finish: () => {},
  } as unknown as Journal;
  const answers = o.confirm ? [...o.confirm] : null;
  const out = await applyCleanup(actions, {
    host,
    analyze: async () => (o.look ?? look)(),
    pveMount: () => ({ mounted: true, detail: 'fuse /dev/fuse' }),
    journal,
    commandTimeoutMs: o.commandTimeoutMs,
    confirm: answers ? async () => answers.shift() ?? 'q' : null,
    progress: {
      begin: (p) => r.titles.push(p.title),
      command: () => {},
      end: (p) => r.ends.push(p.result),
    },
  });
  return { ...r, out };
}

const planOf = (a: Analysis, shared: string[] = []) =>
  planCleanup(a.result.entries, { node: 'pve1', sharedStorages: shared }).actions;

describe('the journal entry of a clean action, from the fresh look', () => {
  it('an LV deactivation: its device number, the devices its table names, activation skip, the guest node', async () => {
    const [a] = planOf(look());
    assert.equal(a.kind, 'lv-deactivate');
    assert.equal(a.majorMinor, null, 'planned without a device number');
    const r = await clean([a]);
    assert.equal(r.out[0].result, 'done', r.out[0].why);
    const e = r.entries[0];
    assert.equal(e.majorMinor, '252:10');
    assert.equal(e.readonly, false);
    assert.deepEqual(e.tableDevices, {
      '252:11': { name: 'pve-base--900--disk--0', uuid: look().view.dm.info[1].uuid },
    });
    assert.equal(e.activationSkip, true);
    assert.equal(e.guestNode, 'pve2');
    assert.deepEqual(
      [e.kind, e.name, e.vg, e.lv, e.lvUuid, e.vmid, e.guestType],
      ['lv-deactivate', 'pve-vm--103--disk--2', 'pve', 'vm-103-disk-2', LV_UUID, 103, 'qemu'],
    );
    assert.deepEqual([e.status, e.reason, e.parent, e.storage], ['orphan', 'guest-on-other-node', null, 'local-lvm']);
    assert.deepEqual(e.command, a.command);
    assert.deepEqual(e.table, ['0 8388608 linear 252:11 2048']);
  });

  it('a read-only map and an LV without the skip flag', async () => {
    const ro = () => look({ readonly: true, attr: 'Vwi-a-tz--' });
    const r = await clean(planOf(ro()), { look: ro });
    assert.deepEqual([r.entries[0].readonly, r.entries[0].activationSkip], [true, false]);
  });

  it('a map without a UUID is found by name; the device number the plan had is kept', async () => {
    const a0 = look();
    const bare = entryOf('', { status: 'duplicate', reason: 'stale-map', majorMinor: '252:10', lvUuid: undefined });
    const bareLook = (): Analysis => {
      const l = look({ readonly: true });
      l.view.dm.info[0].uuid = '';
      // The other map without a UUID too (a plain `dmsetup create`), listed first: the map is looked up by
      // its name, not by an empty UUID nor taken as the first one.
      l.view.dm.info[1].uuid = '';
      l.view.dm.info.reverse();
      return { ...l, result: { ...l.result, entries: [bare] } };
    };
    const [a] = planOf({ ...a0, result: { ...a0.result, entries: [bare] } });
    assert.deepEqual(a.command, ['dmsetup', 'remove', '--retry', '-j', '252', '-m', '10']);
    const r = await clean([a], { look: bareLook });
    assert.equal(r.out[0].result, 'done', r.out[0].why);
    assert.deepEqual([r.entries[0].majorMinor, r.entries[0].readonly], ['252:10', true]);
  });

  it('no guest of that VMID anywhere: no guest node', async () => {
    const gone = () => look({ guestsFirst: 104 });
    const l = gone();
    l.view.pve.vmlist = l.view.pve.vmlist.filter((g) => g.vmid !== 103);
    const r = await clean(planOf(l), { look: () => l });
    assert.equal(r.entries[0].guestNode, null);
  });
});

describe('a run of clean: progress, declined actions, the deadline under a cluster lock', () => {
  it("each action's title is its effect; the outcome of each is reported", async () => {
    const [a] = planOf(look());
    const r = await clean([a]);
    assert.deepEqual(r.titles, [a.effect]);
    assert.deepEqual(r.ends, ['done']);
  });

  it('answered no: declined with the action, nothing runs', async () => {
    const [a] = planOf(look());
    const r = await clean([a], { confirm: ['n'] });
    assert.deepEqual(r.out, [{ action: a, result: 'declined', why: 'answered no' }]);
    assert.deepEqual(r.execs, []);
  });

  it("on a shared storage the command's deadline is what is left of PVE's 60 s; on a local one the command timeout", async () => {
    const [shared] = planOf(look(), ['local-lvm']);
    assert.equal(shared.storageShared, true);
    const s = await clean([shared]);
    const t = s.execs[0].timeoutMs ?? 0;
    assert.ok(t > 30_000 && t < 60_000, `${t}`);
    const [local] = planOf(look());
    const l = await clean([local], { commandTimeoutMs: 5_000 });
    assert.equal(l.execs[0].timeoutMs, 5_000);
    const lDefault = await clean([local]);
    assert.equal(lDefault.execs[0].timeoutMs, 60_000);
  });
});
