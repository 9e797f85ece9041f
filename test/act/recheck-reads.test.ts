// The reads of clean's narrow re-check (act/recheck-narrow.ts readNarrow): one after the other, each map's
// `dmsetup info`, its holders (/sys/block/dm-N/holders) and its `dmsetup table`, then one `lvs` of its LV,
// each with the deadline given. A map that is gone or unreadable ends the reads: what it rests on is
// already a reason to skip (core/cleanup/recheck-narrow.ts classifyRecheck), and nothing else is asked of
// a node that changed. The tools are answered by a fake exec that records what was asked; the holders are
// real directories under a root.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readNarrow } from '../../src/act/recheck-narrow';
import type { RecheckTarget } from '../../src/core/cleanup/recheck-narrow';
import { DM_INFO_SEPARATOR } from '../../src/core/parse/parse-dmsetup';
import type { ExecOptions, ExecResult } from '../../src/host/exec';
import { createHost } from '../../src/host/host';
import { tempDir } from '../helpers/temp-dir';

const PARENT_UUID = `LVM-${'V'.repeat(32)}${'L'.repeat(32)}`;
const SELF_UUID = `part1-${PARENT_UUID}`;

const TARGET: RecheckTarget = {
  devices: [
    {
      role: 'self',
      name: 'pve-vm--150--disk--0p1',
      uuid: SELF_UUID,
      devno: '252:8',
      table: ['0 100 linear 252:7 2048'],
      open: 0,
    },
    {
      role: 'parent',
      name: 'pve-vm--150--disk--0',
      uuid: PARENT_UUID,
      devno: '252:7',
      table: ['0 9 thin 252:2 4'],
      open: 1,
    },
  ],
  lvs: { vg: 'pve', names: ['vm-150-disk-0'], lvIds: ['L'.repeat(32)], vgKnown: true },
};

const infoLine = (name: string, uuid: string, minor: number, open: number) =>
  `${[name, uuid, `dm-${minor}`, '252', String(minor), 'L--w', String(open), '1', '0'].join(DM_INFO_SEPARATOR)}\n`;

type Answer = Partial<ExecResult> | undefined;
/** Per uuid: the `dmsetup info` answer (default: the map as planned) and the table answer. */
interface NodeNow {
  info?: Record<string, Answer>;
}

function nodeOf(now: NodeNow = {}) {
  const root = tempDir('pvh-recheck-reads-');
  mkdirSync(join(root, 'sys/block/dm-7/holders/dm-8'), { recursive: true });
  mkdirSync(join(root, 'sys/block/dm-8/holders'), { recursive: true });
  const asked: { argv: string[]; timeoutMs: number | undefined }[] = [];
  const planned: Record<string, string> = {
    [SELF_UUID]: infoLine('pve-vm--150--disk--0p1', SELF_UUID, 8, 0),
    [PARENT_UUID]: infoLine('pve-vm--150--disk--0', PARENT_UUID, 7, 1),
  };
  const exec = async (argv: string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    asked.push({ argv, timeoutMs: opts.timeoutMs });
    const uuid = argv[argv.indexOf('-u') + 1];
    const r = (x: Partial<ExecResult>): ExecResult => ({ argv, code: 0, stdout: '', stderr: '', ms: 1, ...x });
    if (argv[1] === 'info') return r(uuid in (now.info ?? {}) ? (now.info?.[uuid] ?? {}) : { stdout: planned[uuid] });
    if (argv[1] === 'table')
      return r({ stdout: `${uuid === SELF_UUID ? TARGET.devices[0].table : TARGET.devices[1].table}\n` });
    if (argv[0] === 'lvs') return r({ stdout: '{"report":[{"lv":[]}]}' });
    throw new Error(`not a read of the re-check: ${argv.join(' ')}`);
  };
  return { host: createHost({ root, exec }), asked };
}

/** What was asked, in order: `info self`, `table parent`, `lvs`. */
const whatOf = (asked: { argv: string[] }[]) =>
  asked.map(({ argv }) =>
    argv[0] === 'lvs' ? 'lvs' : `${argv[1]} ${argv[argv.indexOf('-u') + 1] === SELF_UUID ? 'self' : 'parent'}`,
  );

const GONE: Answer = { code: 1, stderr: 'Device does not exist.\nCommand failed.\n' };

describe('readNarrow: what is read again, in order', () => {
  it('each map: its info, its holders, its table; then the LV rows; each with the deadline given', async () => {
    const { host, asked } = nodeOf();
    const read = await readNarrow(host, TARGET, 1234);
    assert.deepEqual(whatOf(asked), ['info self', 'table self', 'info parent', 'table parent', 'lvs']);
    assert.deepEqual(
      asked.map((x) => x.timeoutMs),
      [1234, 1234, 1234, 1234, 1234],
    );
    assert.deepEqual(
      read.devices.map((d) => [d.holders, d.table?.stdout]),
      [
        [[], '0 100 linear 252:7 2048\n'],
        [['dm-8'], '0 9 thin 252:2 4\n'],
      ],
    );
    assert.equal(read.lvs?.stdout, '{"report":[{"lv":[]}]}');
  });

  it('no LV to select: no lvs', async () => {
    const { host, asked } = nodeOf();
    const read = await readNarrow(host, { ...TARGET, lvs: null }, 1234);
    assert.deepEqual(whatOf(asked), ['info self', 'table self', 'info parent', 'table parent']);
    assert.equal(read.lvs, null);
  });
});

describe('readNarrow: a map gone or unreadable ends the reads', () => {
  const cases: [string, NodeNow, string[]][] = [
    ['the map is gone: nothing more', { info: { [SELF_UUID]: GONE } }, ['info self']],
    [
      'its parent is gone: no table of it, no LV rows',
      { info: { [PARENT_UUID]: GONE } },
      ['info self', 'table self', 'info parent'],
    ],
    ['dmsetup info lists no map: nothing more', { info: { [SELF_UUID]: { stdout: '' } } }, ['info self']],
    [
      'dmsetup info failed after printing the row: nothing more (a failed read is not read on)',
      {
        info: {
          [SELF_UUID]: {
            code: 1,
            stdout: infoLine('pve-vm--150--disk--0p1', SELF_UUID, 8, 0),
            stderr: 'Command failed.\n',
          },
        },
      },
      ['info self'],
    ],
    [
      'dmsetup info printed what is not its table of columns: nothing more',
      { info: { [SELF_UUID]: { stdout: 'Name: pve-vm--150--disk--0p1\nState: ACTIVE\n' } } },
      ['info self'],
    ],
  ];
  for (const [what, now, want] of cases)
    it(what, async () => {
      const { host, asked } = nodeOf(now);
      const read = await readNarrow(host, TARGET, 1234);
      assert.deepEqual(whatOf(asked), want);
      assert.equal(read.lvs, null, 'the LV rows are not read');
      const last = read.devices.at(-1);
      assert.deepEqual([last?.table, last?.holders], [null, null], 'the last map: info only');
    });
});
