// Which container a process runs (pve-state.ts lxcIdOfProcess): `lxc-start -F -n <vmid>` as pve-container's
// lxc@.service starts it, or the monitor's retitled `[lxc monitor] /var/lib/lxc <vmid>` (one argument with
// spaces, or several). Read cheap-first for thousands of kvm processes: every class of line is in the table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lxcIdOfProcess } from '../../src/core/node/pve-state';

const proc = (cmdline: string[]) => ({ pid: 1, comm: cmdline[0]?.split('/').pop() ?? '', cmdline, fds: [] });

test('lxcIdOfProcess: lxc-start, the monitor, and everything that is neither', () => {
  const kvm = ['/usr/bin/kvm', '-id', '100', '-name', 'vm100,debug-threads=on', '-n'];
  const cases: [string[], number | null][] = [
    [['/usr/bin/lxc-start', '-F', '-n', '101'], 101],
    [['lxc-start', '-n', '102', '-F'], 102],
    [['/usr/bin/lxc-start', '-F', '-n', 'ct'], null],
    [['/usr/bin/lxc-start', '-F', '-n', 'ct101'], null],
    [['/usr/bin/lxc-start', '-F', '-n', '101x'], null],
    [['/usr/bin/lxc-start', '-F', '-n'], null],
    [['/usr/bin/lxc-stop', '-n', '103'], null],
    [['[lxc monitor] /var/lib/lxc 104'], 104],
    [['[lxc', 'monitor]', '/var/lib/lxc', '105'], 105],
    [['[lxc monitor]', '/var/lib/lxc', '106'], 106],
    [['[lxc monitor] /var/lib/lxc 107 extra'], null],
    [['[lx', 'c monitor] /var/lib/lxc 108'], null],
    [['', '[lxc monitor] /var/lib/lxc 109'], null],
    [['x [lxc monitor] /var/lib/lxc 110'], null],
    [['[lxcfs', '[lxc monitor] /var/lib/lxc 112'], null],
    [kvm, null],
    [[...kvm, '111'], null],
    [[], null],
  ];
  for (const [cmdline, want] of cases) assert.equal(lxcIdOfProcess(proc(cmdline)), want, JSON.stringify(cmdline));
});
