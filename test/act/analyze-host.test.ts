// The executor's look (src/act/analyze-host.ts analyzeHost), in-process: what `clean`, `reclaim` and
// `restore` decide from before each action is the decision `pve-health dm` makes over the same gather —
// every dm/LVM command run with the caller's deadline (the default gather's when none is given), the
// node's files read under the root, and the admin's config applied (its thin-pool thresholds here).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeHost } from '../../src/act/analyze-host';
import { analyzeNode } from '../../src/core/analyze/analyze-node';
import { parseNode } from '../../src/core/node/node-view';
import type { Config } from '../../src/core/vocab/config';
import type { ExecOptions, ExecResult } from '../../src/host/exec';
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../../src/host/gather';
import { createHost, hostPath } from '../../src/host/host';
import { DM_COMMANDS, LVM_COMMANDS } from '../../src/host/read-dm';
import { LOCAL_LVM, NodeBuilder } from '../helpers/node-builder';
import { tempDir } from '../helpers/temp-dir';

/** A node with a leftover LV (VM 100's config no longer names disk-1) on a thin pool 40 % full. */
function node() {
  const b = new NodeBuilder('pve1')
    .storage(LOCAL_LVM)
    .pool('pve', 'data')
    .guest(100, 'qemu', ['scsi0: local-lvm:vm-100-disk-0,size=8G'])
    .lv({ vg: 'pve', lv: 'vm-100-disk-0', pool: 'data' })
    .lv({ vg: 'pve', lv: 'vm-100-disk-1', pool: 'data' });
  const snap = b.build();
  snap.commands['dmsetup.status'] = {
    argv: ['dmsetup', 'status'],
    code: 0,
    stdout: 'pve-data-tpool: 0 209715200 thin-pool 1 10/1000 800/2000 - rw discard_passdown queue_if_no_space - 1024\n',
    stderr: '',
  };
  const root = tempDir('pvh-analyze-host-');
  for (const [path, text] of Object.entries(snap.files)) {
    mkdirSync(dirname(hostPath({ root }, path)), { recursive: true });
    writeFileSync(hostPath({ root }, path), text);
  }
  // The kernel's list of maps, as /sys/block shows it.
  for (const d of snap.sysDm ?? []) {
    const dir = hostPath({ root }, `/sys/block/${d.kname}`);
    for (const sub of ['dm', 'holders', 'slaves']) mkdirSync(`${dir}/${sub}`, { recursive: true });
    writeFileSync(`${dir}/dm/name`, `${d.name}\n`);
    writeFileSync(`${dir}/dm/uuid`, `${d.uuid}\n`);
    if (d.dev) writeFileSync(`${dir}/dev`, `${d.dev}\n`);
  }
  const keyOf = new Map(Object.entries({ ...DM_COMMANDS, ...LVM_COMMANDS }).map(([k, argv]) => [argv.join('\0'), k]));
  const deadlines: [string, number | undefined][] = [];
  const exec = async (argv: string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    const key = keyOf.get(argv.join('\0'));
    assert.ok(key, `a gather command: ${argv.join(' ')}`);
    deadlines.push([key, opts.timeoutMs]);
    const out = snap.commands[key];
    return { argv, code: out?.code ?? 0, stdout: out?.stdout ?? '', stderr: out?.stderr ?? '', ms: 1 };
  };
  return { host: createHost({ root, exec }), deadlines };
}

const THRESHOLDS: Config = { dm: { thin_data_warning: 30, thin_data_critical: 90 } };

describe('analyzeHost: the decision `pve-health dm` makes over one gather', () => {
  it('the result is analyzeNode of the view parsed from what was gathered', async () => {
    const { host } = node();
    const a = await analyzeHost(host, THRESHOLDS);
    assert.ok(a.snapshot, 'the gathered snapshot is kept (the narrow re-check decides again over it)');
    assert.equal(a.snapshot.hostname, 'pve1', "the node's files were read under the root");
    assert.deepEqual(a.view, parseNode(a.snapshot), 'the view is the parse of that snapshot');
    assert.deepEqual(a.result, analyzeNode(a.view, THRESHOLDS), 'the result is the same decision');
    const leftover = a.result.entries.find((e) => e.name === 'pve-vm--100--disk--1');
    assert.ok(leftover, `the leftover LV's map is an entry: ${a.result.entries.map((e) => e.name).join(', ')}`);
  });

  it("the admin's config is applied: a pool past its warning threshold is a finding, not past the default", async () => {
    const warned = (await analyzeHost(node().host, THRESHOLDS)).result.storage ?? [];
    const plain = (await analyzeHost(node().host)).result.storage ?? [];
    const over = (fs: typeof warned) => fs.filter((f) => f.severity !== 'info').map((f) => f.kind);
    assert.ok(over(warned).length > 0, `a finding under the thresholds given: ${JSON.stringify(warned)}`);
    assert.deepEqual(over(plain), [], 'none with the default thresholds');
  });

  it('every dm and LVM command runs with the deadline given', async () => {
    const { host, deadlines } = node();
    await analyzeHost(host, {}, 1234);
    assert.deepEqual(
      deadlines.map(([k]) => k).sort(),
      Object.keys({ ...DM_COMMANDS, ...LVM_COMMANDS }).sort(),
      'each gather command ran once',
    );
    assert.deepEqual(new Set(deadlines.map(([, t]) => t)), new Set([1234]));
  });

  it("without a deadline: the gather's default", async () => {
    const { host, deadlines } = node();
    await analyzeHost(host);
    assert.deepEqual(new Set(deadlines.map(([, t]) => t)), new Set([DEFAULT_COMMAND_TIMEOUT_MS]));
  });
});
