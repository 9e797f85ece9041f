#!/usr/bin/env bash
# The testbed guest (../shared/testbed/build-guest.sh), built by one process at a time and known complete.
# Usage: testbed-build.sh TESTBED_SCRIPTS_DIR   (as root; TESTBED_DIR as build-guest.sh reads it)
# Every user of the guest (test/e2e/run.sh, test/e2e/zfs/zfs.sh, .ci/run's early build) calls this instead
# of build-guest.sh itself:
#   - flock(1) on TESTBED_DIR/.build.lock: on a fresh machine two suites started side by side would both
#     debootstrap into the same work/rootfs and write the same guest/ files (build-guest.sh has no lock);
#     the second waits and then finds every step up to date.
#   - guest/.complete is written last, after build-guest.sh succeeded, and removed before it starts: a build
#     cut anywhere (a killed CI run, a full disk) leaves no mark, and the next call checks what a cut can
#     leave behind that build-guest.sh would take as done: initrd.cpio is written in place (a cut leaves a
#     short file that passes its -s test), so it goes; a cached .deb cut in its download is unreadable to
#     the end, so it goes too (downloaded again). build-guest.sh's own marks (.done, .debootstrap-done,
#     .configured, rootfs.img.tmp renamed) cover the rest.
set -euo pipefail
TB=${1:?usage: testbed-build.sh TESTBED_SCRIPTS_DIR}
TBD=${TESTBED_DIR:-/var/tmp/pve-health-testbed}
[ -x "$TB/build-guest.sh" ] || { echo "testbed-build: no build-guest.sh in $TB" >&2; exit 2; }
mkdir -p "$TBD"
exec 9>"$TBD/.build.lock"
if ! flock -n 9; then
  echo "testbed-build: another process is building the testbed guest ($TBD/.build.lock); waiting (at most 30 min)" >&2
  flock -w 1800 9 || {
    echo "testbed-build: $TBD/.build.lock still held after 30 min: if no build-guest.sh runs (ps -ef), remove the lock file and run again" >&2
    exit 1
  }
fi
# A build cut inside debootstrap (a CI run stopped at its time limit, a killed group) leaves the rootfs's
# /proc (and what else debootstrap mounted in the target) mounted: its exit trap never ran. The next
# build's `rm -rf work/rootfs` then fails on every /proc file ("Operation not permitted") and the guest
# never builds. Unmount whatever is mounted at or below work/, deepest first, before building; a mount
# that will not go is named and stops the build (rm -rf into a live mount must not be tried).
unmount_leftovers() {
  local w=$TBD/work m left
  [ -d "$w" ] || return 0
  w=$(cd "$w" && pwd -P)
  # /proc/self/mountinfo field 5 is the mount point, octal-escaped (\040 for a space): our paths have none.
  awk -v w="$w" '$5 == w || index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do
      echo "testbed-build: unmounting $m (left mounted by a build that was cut)" >&2
      umount "$m" 2>/dev/null || umount -l "$m" || true
    done
  left=$(awk -v w="$w" '$5 == w || index($5, w "/") == 1 {print $5}' /proc/self/mountinfo)
  [ -z "$left" ] || { echo "testbed-build: still mounted below $w, not building over it: $left" >&2; return 1; }
}
unmount_leftovers
mark=$TBD/guest/.complete
if [ -d "$TBD/guest" ] && [ ! -e "$mark" ]; then
  for d in "$TBD"/cache/debs/*.deb; do
    [ -e "$d" ] || continue
    dpkg-deb --fsys-tarfile "$d" 2>/dev/null | tar -t >/dev/null 2>&1 ||
      { echo "testbed-build: $d is cut short (a build was interrupted): downloading it again" >&2; rm -f "$d"; }
  done
  rm -f "$TBD/guest/initrd.cpio"
fi
rm -f "$mark"
"$TB/build-guest.sh"
date -u +%FT%TZ >"$mark"
