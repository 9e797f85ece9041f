// Never fail open, for a part that was only partly checked: `dmsetup status` failed while the device
// list itself was read. Thin pools and multipath maps are judged by those status lines, so the DM part
// says UNKNOWN and why in every output form instead of calling the pools healthy.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli';

const demo = JSON.parse(
  readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../demo/demo-node.json'), 'utf8'),
);
// The demo node (CRITICAL already: duplicates) with `dmsetup status` failing.
const dir = mkdtempSync(join(tmpdir(), 'pvh-unchecked-'));
const file = join(dir, 'node.json');
const failed = {
  ...demo,
  commands: {
    ...demo.commands,
    'dmsetup.status': {
      argv: ['dmsetup', 'status'],
      code: 1,
      stdout: '',
      stderr: 'device-mapper: status ioctl on  failed: Permission denied\n',
      error: 'failed',
    },
  },
};
writeFileSync(file, JSON.stringify(failed));
const WHY =
  /dmsetup status failed \(dmsetup exited 1: device-mapper: status ioctl on {2}failed: Permission denied\): the kernel state of thin pool pve\/data and multipath map mpatha was not checked/;

test('JSON: dm.unchecked says what and why, and is among the warnings', () => {
  const r = runCli(['dm', '--json', '--from', file]);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.dm.unchecked.length, 1);
  assert.match(doc.dm.unchecked[0], WHY);
  assert.ok(doc.dm.warnings.includes(doc.dm.unchecked[0]));
});

test('-q, nagios, checkmk and prometheus name it as UNKNOWN even when the node is CRITICAL anyway', () => {
  const q = runCli(['dm', '-q', '--from', file]).stdout;
  assert.match(q, new RegExp(`^UNKNOWN {2}device-mapper: ${WHY.source}`, 'm'));
  const nagios = runCli(['dm', '--format', 'nagios', '--from', file]).stdout;
  assert.match(nagios, new RegExp(`^\\[UNKNOWN\\] device-mapper: ${WHY.source}`, 'm'));
  assert.doesNotMatch(nagios, /\[NOTE\] dmsetup status failed/);
  const checkmk = runCli(['dm', '--format', 'checkmk', '--from', file]).stdout;
  assert.match(checkmk.split('\n')[0], /\\nUNKNOWN dmsetup status failed/);
  const prom = runCli(['dm', '--format', 'prometheus', '--from', file]).stdout;
  assert.match(prom, /^pve_health_dm_unchecked 1$/m);
});

test('the same node with dmsetup status working has nothing unchecked', () => {
  const r = runCli(['dm', '--json', '--demo']);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.dm.unchecked, undefined);
  assert.match(runCli(['dm', '--format', 'prometheus', '--demo']).stdout, /^pve_health_dm_unchecked 0$/m);
});
