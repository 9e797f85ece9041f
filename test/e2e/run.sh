#!/usr/bin/env bash
# Real-kernel suite (npm run test:e2e): each test/e2e/suites/*.sh boots the testbed guest once
# (Debian's kernel with device-mapper, LVM, loop and NFS under QEMU) and runs as root inside it,
# with the bundled CLI (pve-health.cjs) and test/e2e/lib beside it in /host.
# A suite prints PASS/FAIL lines and ends with "N passed, N failed"; its exit code is non-zero on failure.
# test/e2e/multi/*.sh boot several guests at once (their own launchers, given the testbed directory):
# shared-lun.sh is two nodes sharing one LUN and a network, with real sshd between them.
set -euo pipefail
cd "$(dirname "$0")/../.."
TB=${PVE_HEALTH_TESTBED:-$(cd .. && pwd)/shared/testbed}
if [ ! -x "$TB/run-in-guest.sh" ]; then
  # Under CI (CI=true) a missing testbed is a failure, as in test:zfs, never a silent skip.
  if [ "${CI:-}" = true ]; then
    echo "FAIL: testbed not found at $TB (../shared/testbed beside the clone; PVE_HEALTH_TESTBED names another)"
    exit 1
  fi
  echo "testbed not found at $TB: real-kernel suite skipped"
  exit 0
fi
{ [ -f dist/pve-health.cjs ] && [ -f dist/pve-health-mailer.cjs ]; } || node scripts/build.mjs
# One builder at a time, a cut build detected and redone (testbed-build.sh).
bash test/e2e/testbed-build.sh "$TB"
# KVM where this machine has a working one, TCG otherwise (the line it prints says which and why).
. test/e2e/lib/testbed-accel.sh
testbed_accel "$TB"

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(test/e2e/suites/*.sh test/e2e/multi/*.sh)
# One suite: its guest, its modules, its output; non-zero when it failed.
run_suite() {
  local s=$1 m ko
  local -a extra=() run
  echo "=== $s"
  # A suite that needs a kernel module the guest image does not carry names it in a line
  # "# e2e-kernel-modules: a b"; the module file of the guest's own kernel package (extracted by
  # build-guest.sh under the testbed's work directory) goes beside the suite for it to insmod.
  for m in $(sed -n 's/^# e2e-kernel-modules: //p' "$s"); do
    ko=$(find "${TESTBED_DIR:-/var/tmp/pve-health-testbed}/work" -path '*/lib/modules/*' -name "$m.ko" 2>/dev/null | head -1)
    if [ -n "$ko" ]; then extra+=("$ko"); else echo "module $m.ko not found in the testbed's kernel package"; fi
  done
  case "$s" in
    */multi/*) run=(bash "$s" "$TB") ;;
    # Booted again once if the guest hangs before its job starts (guest-boot.sh).
    *) run=(bash test/e2e/lib/guest-boot.sh "$TB/run-in-guest.sh" "$s" dist/pve-health.cjs dist/pve-health-mailer.cjs test/e2e/lib ${extra[@]+"${extra[@]}"}) ;;
  esac
  "${run[@]}" || { echo "=== $s FAILED"; return 1; }
}

# PVE_HEALTH_E2E_JOBS=N runs N suites at once, each in its own guest (the guests mostly wait on the deadlines
# their tests check: one suite alone keeps the load near 1 on two cores). Each suite's output is kept apart
# and printed whole, in the suites' order. The default, 1, is what CI runs (docs/testing.md, 'CI').
jobs_max=${PVE_HEALTH_E2E_JOBS:-1}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || { echo "PVE_HEALTH_E2E_JOBS=$jobs_max: a number of suites (1 or more)" >&2; exit 2; }
failed=0
todo=()
for s in "${suites[@]}"; do [ -f "$s" ] && todo+=("$s"); done
if [ "$jobs_max" -eq 1 ]; then
  for s in "${todo[@]}"; do run_suite "$s" || failed=$((failed + 1)); done
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/pve-health-e2e.XXXXXX")
  pids=()
  for i in "${!todo[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
    run_suite "${todo[$i]}" >"$out/$i" 2>&1 &
    pids[i]=$!
  done
  for i in "${!todo[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    cat "$out/$i"
    [ "$rc" -eq 0 ] || failed=$((failed + 1))
  done
  rm -rf "$out"
fi
[ "$failed" -eq 0 ]
