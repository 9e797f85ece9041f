// Container configs go through the guest-config redactor in a capture, on every node and in every
// section (issue 59: with `lxc` left out of its path pattern, a CT's `lxc.environment` values that look
// like no password were kept). Beside them, the lines of the same config that hold no secret are kept
// byte for byte, and a VM config is redacted alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSnapshot } from '../../src/core/redact/redact';
import { bareSnapshot } from '../helpers/bare-snapshot';

const CT = [
  'arch: amd64',
  'hostname: web',
  'lxc.environment: GREETING=opensesame',
  'lxc.environment.runtime = SESSION=abracadabra',
  'rootfs: local-lvm:vm-200-disk-0,size=8G',
  '',
  '[before]',
  'lxc.environment: OLD=letmein',
  'snaptime: 1700000000',
  '',
].join('\n');

test('a container config in a capture: every lxc.environment value redacted, on any node and in any section; the rest kept', () => {
  for (const path of ['/etc/pve/nodes/pve1/lxc/200.conf', '/etc/pve/nodes/pve3/lxc/4711.conf']) {
    const out = redactSnapshot(bareSnapshot({ [path]: CT })).files[path];
    for (const secret of ['opensesame', 'abracadabra', 'letmein'])
      assert.ok(!out.includes(secret), `${path}: ${secret}`);
    for (const kept of [
      'arch: amd64',
      'hostname: web',
      'rootfs: local-lvm:vm-200-disk-0,size=8G',
      'snaptime: 1700000000',
    ])
      assert.ok(out.split('\n').includes(kept), `${path}: ${kept}`);
    assert.match(out, /^lxc\.environment: \S+$/m);
  }
});
