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

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(test/e2e/suites/*.sh test/e2e/multi/*.sh)
failed=0
for s in "${suites[@]}"; do
  [ -f "$s" ] || continue
  echo "=== $s"
  # A suite that needs a kernel module the guest image does not carry names it in a line
  # "# e2e-kernel-modules: a b"; the module file of the guest's own kernel package (extracted by
  # build-guest.sh under the testbed's work directory) goes beside the suite for it to insmod.
  extra=()
  for m in $(sed -n 's/^# e2e-kernel-modules: //p' "$s"); do
    ko=$(find "${TESTBED_DIR:-/var/tmp/pve-health-testbed}/work" -path '*/lib/modules/*' -name "$m.ko" 2>/dev/null | head -1)
    if [ -n "$ko" ]; then extra+=("$ko"); else echo "module $m.ko not found in the testbed's kernel package"; fi
  done
  case "$s" in
    */multi/*) run=(bash "$s" "$TB") ;;
    *) run=("$TB/run-in-guest.sh" "$s" dist/pve-health.cjs dist/pve-health-mailer.cjs test/e2e/lib ${extra[@]+"${extra[@]}"}) ;;
  esac
  if ! "${run[@]}"; then
    echo "=== $s FAILED"
    failed=$((failed + 1))
  fi
done
[ "$failed" -eq 0 ]
