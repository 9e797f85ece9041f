# Sourced by the guest suites' launchers (test/e2e/run.sh, test/e2e/zfs/zfs.sh) after the testbed is built:
# exports ACCEL=kvm for ../shared/testbed/run-in-guest.sh when this machine's KVM really runs the guest, so a
# machine with hardware virtualisation runs the suites at its speed instead of under TCG (about 10x slower:
# docs/testing.md "CI"). Decided by what the machine shows, then by a boot:
#   - an ACCEL already set is the caller's choice and is kept;
#   - /dev/kvm a character device (the suites run as root), and the CPU flags vmx or svm (a KVM without them, such as a kvm_pvm
#     host, cannot boot a stock guest kernel: the testbed's README);
#   - a guest booted under KVM that runs `true` within PVE_HEALTH_KVM_PROBE_TIMEOUT seconds (60): a KVM
#     that is there but does not work falls back to TCG, with the reason printed.
# Usage: testbed_accel TESTBED_SCRIPTS_DIR [KVM_DEVICE [CPUINFO]]   (the last two for its tests: /dev/kvm, /proc/cpuinfo)
testbed_accel() {
  local tb=$1 kvm=${2:-/dev/kvm} cpuinfo=${3:-/proc/cpuinfo} why probe rc
  if [ -n "${ACCEL:-}" ]; then
    echo "testbed: ACCEL=$ACCEL (set by the caller)"
    return 0
  fi
  if [ ! -c "$kvm" ]; then
    why="no usable $kvm"
  elif ! grep -qwE 'vmx|svm' "$cpuinfo"; then
    why="$kvm is there but the CPU shows no vmx or svm flag"
  else
    probe=$(mktemp -d "${TMPDIR:-/tmp}/pve-health-kvm-probe.XXXXXX")
    printf '#!/bin/bash\ntrue\n' >"$probe/kvm-probe.sh"
    rc=0
    ACCEL=kvm GUEST_MODULES= TIMEOUT=${PVE_HEALTH_KVM_PROBE_TIMEOUT:-60} \
      "$tb/run-in-guest.sh" "$probe/kvm-probe.sh" >"$probe/log" 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then
      rm -rf "$probe"
      export ACCEL=kvm
      echo "testbed: ACCEL=kvm (a guest booted under KVM)"
      return 0
    fi
    why="a guest under KVM did not run (exit $rc: $(tail -n 1 "$probe/log"))"
    rm -rf "$probe"
  fi
  export ACCEL=tcg
  echo "testbed: ACCEL=tcg ($why)"
}
