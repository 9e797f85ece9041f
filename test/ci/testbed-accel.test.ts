// test/e2e/lib/testbed-accel.sh: the guest suites run under KVM only where it works, and under TCG with the
// reason printed everywhere else. The launcher it probes with is a stand-in run-in-guest.sh that records the
// ACCEL it was started with and answers as a working or a broken KVM would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/temp-dir';

const lib = join(process.cwd(), 'test/e2e/lib/testbed-accel.sh');
const VMX = 'flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr vmx sse2\n';
const NO_VMX = 'flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse2 hypervisor\n';

// A character device every machine has, readable and writable, for the /dev/kvm that is there.
const CHAR_DEV = '/dev/null';

function run(opts: { accel?: string; kvm: string; cpuinfo: string; probeRc?: number }) {
  const dir = tempDir('pvh-testbed-accel-');
  const tb = join(dir, 'scripts');
  const calls = join(dir, 'calls');
  spawnSync('mkdir', ['-p', tb]);
  writeFileSync(
    join(tb, 'run-in-guest.sh'),
    `#!/bin/bash\necho "ACCEL=$ACCEL TIMEOUT=$TIMEOUT $(basename "$1")" >>${JSON.stringify(calls)}\n[ -x "$1" ] || [ -f "$1" ] || exit 2\necho "run-in-guest: rc=${opts.probeRc ?? 0}"\nexit ${opts.probeRc ?? 0}\n`,
  );
  chmodSync(join(tb, 'run-in-guest.sh'), 0o755);
  const cpuinfo = join(dir, 'cpuinfo');
  writeFileSync(cpuinfo, opts.cpuinfo);
  const env: NodeJS.ProcessEnv = { ...process.env, PVE_HEALTH_KVM_PROBE_TIMEOUT: '7' };
  delete env.ACCEL;
  if (opts.accel) env.ACCEL = opts.accel;
  const r = spawnSync(
    'bash',
    [
      '-c',
      `. ${JSON.stringify(lib)} && testbed_accel "$1" "$2" "$3" && echo "chosen=$ACCEL"`,
      '-',
      tb,
      opts.kvm,
      cpuinfo,
    ],
    { encoding: 'utf8', env },
  );
  return { ...r, calls: existsSync(calls) ? readFileSync(calls, 'utf8') : '' };
}

test('a working KVM (device, vmx flag, a guest that boots under it): kvm, after one probe boot', () => {
  const r = run({ kvm: CHAR_DEV, cpuinfo: VMX });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /testbed: ACCEL=kvm \(a guest booted under KVM\)/);
  assert.match(r.stdout, /chosen=kvm$/m);
  assert.equal(r.calls, 'ACCEL=kvm TIMEOUT=7 kvm-probe.sh\n');
});

test('svm (AMD) counts as vmx does', () => {
  const r = run({ kvm: CHAR_DEV, cpuinfo: VMX.replace('vmx', 'svm') });
  assert.match(r.stdout, /chosen=kvm$/m);
});

test('a KVM whose guest does not boot (a timeout): tcg, with the probe exit in the reason', () => {
  const r = run({ kvm: CHAR_DEV, cpuinfo: VMX, probeRc: 124 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /testbed: ACCEL=tcg \(a guest under KVM did not run \(exit 124: run-in-guest: rc=124\)\)/);
  assert.match(r.stdout, /chosen=tcg$/m);
});

test('a /dev/kvm without vmx or svm (a kvm_pvm host, as the testbed README describes): tcg, no probe boot', () => {
  const r = run({ kvm: CHAR_DEV, cpuinfo: NO_VMX });
  assert.match(r.stdout, /ACCEL=tcg \(\/dev\/null is there but the CPU shows no vmx or svm flag\)/);
  assert.match(r.stdout, /chosen=tcg$/m);
  assert.equal(r.calls, '');
});

test('a flag only inside another word (e.g. "vmxnet") is no vmx flag', () => {
  const r = run({ kvm: CHAR_DEV, cpuinfo: NO_VMX.replace('sse2', 'vmxnet sse2') });
  assert.match(r.stdout, /chosen=tcg$/m);
});

test('no KVM device (or a plain file where it should be): tcg, no probe boot', () => {
  const dir = tempDir('pvh-testbed-accel-file-');
  const file = join(dir, 'kvm');
  writeFileSync(file, '');
  for (const kvm of [join(dir, 'missing'), file]) {
    const r = run({ kvm, cpuinfo: VMX });
    assert.match(r.stdout, /ACCEL=tcg \(no usable .*\)/);
    assert.match(r.stdout, /chosen=tcg$/m);
    assert.equal(r.calls, '');
  }
});

test('an ACCEL the caller set is kept as it is, and nothing is probed', () => {
  for (const accel of ['tcg', 'kvm']) {
    const r = run({ accel, kvm: CHAR_DEV, cpuinfo: accel === 'tcg' ? VMX : NO_VMX });
    assert.match(r.stdout, new RegExp(`testbed: ACCEL=${accel} \\(set by the caller\\)`));
    assert.match(r.stdout, new RegExp(`chosen=${accel}$`, 'm'));
    assert.equal(r.calls, '');
  }
});
