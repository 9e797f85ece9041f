#!/bin/bash
# Real-ZFS suite (npm run test:zfs), as root. The host kernel may have no module support, so ZFS runs in
# the testbed guest (Debian's kernel under QEMU, ../shared/testbed): the OpenZFS modules are built with
# dkms on this host against that kernel's linux-headers and cached (zfs-module.sh), then the guest loads
# them and runs zfs-guest.sh: real pools on file vdevs, PVE's own zfs operations, pve-health's verdicts.
# Prints PASS/FAIL lines and "N passed, N failed" (from the guest). Without root, the testbed, dkms, the
# headers or Debian's contrib packages it prints one SKIP line with what is missing and exits 0; under CI
# (CI=true) that is a failure.
# PVE_HEALTH_ZFS_RECORD=DIR: also keeps what the real zfs printed (test/fixtures/zfs-real comes from it).
set -u
cd "$(dirname "$0")/../../.."
TB=${PVE_HEALTH_TESTBED:-$(cd .. && pwd)/shared/testbed}
TBD=${TESTBED_DIR:-/var/tmp/pve-health-testbed}
not_here() {
  if [ "${CI:-}" = true ]; then echo "FAIL: real-ZFS suite $*"; echo "0 passed, 1 failed"; exit 1; fi
  echo "SKIP: real-ZFS suite $*"
  exit 0
}
[ "$(id -u)" = 0 ] || not_here "needs root (dkms build, the testbed guest)"
[ -x "$TB/run-in-guest.sh" ] || not_here "needs the testbed (../shared/testbed, not in a public clone)"
command -v dkms >/dev/null || not_here "needs dkms (apt-get install dkms; .ci/apt-packages lists it)"
{ [ -f dist/pve-health.cjs ] || node scripts/build.mjs; } || exit 1
t0=$(date +%s)
bl=$(mktemp /tmp/pve-health-zfs-build-guest.XXXXXX)
bash test/e2e/testbed-build.sh "$TB" >"$bl" 2>&1 ||
  { tail -n 20 "$bl"; echo "FAIL: the testbed guest (test/e2e/testbed-build.sh) did not build"; echo "0 passed, 1 failed"; exit 1; }
rm -f "$bl"
# KVM where this machine has a working one, TCG otherwise (the line it prints says which and why).
. test/e2e/lib/testbed-accel.sh
testbed_accel "$TB"
KV=$(cat "$TBD/work/rootfs/usr/lib/testbed/kernel-version" 2>/dev/null)
KDIR=$TBD/work/kernel-$KV
[ -n "$KV" ] && [ -d "$KDIR/lib/modules/$KV" ] || { echo "FAIL: no testbed kernel under $TBD/work"; echo "0 passed, 1 failed"; exit 1; }
[ -e "/lib/modules/$KV/build/Makefile" ] ||
  not_here "needs linux-headers-$KV, the testbed kernel's headers (apt-get install linux-headers-$KV; .ci/run installs them)"
t1=$(date +%s)
ZC=$(bash test/e2e/zfs/zfs-module.sh "$KV")
rc=$?
[ "$rc" = 2 ] && not_here "cannot build the zfs module (above: a package or Debian's contrib component is missing)"
[ "$rc" = 0 ] || { echo "FAIL: zfs module build for $KV"; echo "0 passed, 1 failed"; exit 1; }
echo "   zfs module for $KV ready in $(($(date +%s) - t1)) s ($(cat "$ZC/.done"))"

S=$(mktemp -d /tmp/pve-health-zfs.XXXXXX)
trap 'rm -rf --one-file-system "$S"' EXIT
mkdir -p "$S/modules"
cp "$ZC"/modules/*.ko "$S/modules/"
# Kernel modules the zfs set needs from the testbed's kernel package (none with Debian's 6.1 config, but
# a kernel that builds zlib as a module would need them): each dependency's closure beside them.
ours=" $(for f in "$S"/modules/*.ko; do basename "$f" .ko; done | tr '\n' ' ') "
for f in "$S"/modules/*.ko; do
  for d in $(modinfo -F depends "$f" | tr , ' '); do
    case $ours in *" $d "*) continue ;; esac
    modprobe -d "$KDIR" -S "$KV" --show-depends "$d" 2>/dev/null | awk '$1=="insmod"{print $2}' | while read -r k; do cp "$k" "$S/modules/"; done
  done
done
cp "$ZC/userland.tar" "$S/"
files=(dist/pve-health.cjs test/e2e/lib "$S/modules" "$S/userland.tar")
out=()
if [ -n "${PVE_HEALTH_ZFS_RECORD:-}" ]; then
  : >"$S/record-on"
  files+=("$S/record-on")
  out=(OUT_DIR="$S/out")
fi
# The guest's time limit: every pve-health run in it takes 75-250 s under TCG (load 8-18), and the
# reclaim sections run ~20 of them (the snapshot section 9): at load ~17 its setup and states alone took 660 s.
env "${out[@]}" GUEST_MODULES=loop GUEST_MEM=${GUEST_MEM:-3072} TIMEOUT=${TIMEOUT:-5400} \
  bash test/e2e/lib/guest-boot.sh "$TB/run-in-guest.sh" test/e2e/zfs/zfs-guest.sh "${files[@]}"
rc=$?
if [ -n "${PVE_HEALTH_ZFS_RECORD:-}" ] && [ -d "$S/out/record" ]; then
  mkdir -p "$PVE_HEALTH_ZFS_RECORD" && cp "$S"/out/record/* "$PVE_HEALTH_ZFS_RECORD/"
  echo "   recorded into $PVE_HEALTH_ZFS_RECORD"
fi
echo "   real-ZFS suite took $(($(date +%s) - t0)) s"
exit $rc
