// Inside `clean`'s plan the action is the step (issue 60: a deactivation also offered `reclaim` and
// `pvesm free`): the plan and its --dry-run commands show the action and what keeps the data it leaves;
// the alternatives stay in `check`'s hints for the same finding, and in the plan's "Not touched" items.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';

/** The block of a numbered plan item (or "- " item) that names `subject`, up to the next item. */
function itemOf(text: string, subject: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^(\d+\.|-) ● /.test(l) && l.includes(` ${subject} `));
  assert.ok(at >= 0, `${subject} not in\n${text}`);
  const end = lines.findIndex((l, i) => i > at && (/^(\d+\.|-) ● /.test(l) || l === ''));
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
}

test('a deactivation in the plan: its command and the keep step, no reclaim or pvesm free; check keeps them', () => {
  const plan = runCli(['clean', '--demo', '--dry-run']);
  assert.ok(plan.code >= 0 && plan.code <= 3, plan.stderr);
  const item = itemOf(plan.stdout, 'local-lvm:vm-150-disk-0');
  assert.match(item, /^1?\d\. /);
  assert.match(item, /^ {6}lvchange -an --select lv_uuid=\S+ pve\/vm-150-disk-0$/m);
  assert.match(item, /^ {6}qm disk rescan --vmid 150$/m);
  assert.doesNotMatch(item, /pve-health reclaim|pvesm free/);
  const commands = plan.stdout.slice(plan.stdout.indexOf('\nCommands'));
  assert.match(commands, /# {3}qm disk rescan --vmid 150$/m);
  assert.doesNotMatch(commands, /pve-health reclaim|pvesm free/);
  // A finding the plan leaves alone is shown as check shows it: its alternatives with it.
  assert.match(
    itemOf(plan.stdout.slice(plan.stdout.indexOf('Not touched')), 'san-lvm:vm-105-disk-0'),
    /qm disk rescan/,
  );

  const check = runCli(['check', '--demo']);
  const finding = check.stdout.slice(check.stdout.indexOf('local-lvm:vm-150-disk-0  '));
  const own = finding.slice(0, finding.indexOf('\n●'));
  assert.match(own, /^ {6}pve-health reclaim --name local-lvm:vm-150-disk-0$/m);
  assert.match(own, /^ {6}pvesm free local-lvm:vm-150-disk-0$/m);
  assert.match(own, /^ {6}lvchange -an /m);
});
