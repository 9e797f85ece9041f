#!/usr/bin/env bash
# guest-boot.sh RUN_IN_GUEST SCRIPT [FILES...]: the testbed's run-in-guest.sh, booted again once when the
# guest hangs before its job starts. Under TCG a microvm guest now and then stops early in its boot and
# prints nothing more (seen in a CI run: the console's last line "PCI: Fatal: No config space access
# function found", then 1,200 s at full CPU until the launcher's time limit; the testbed's README, "TCG
# boot hang"). The guest's stage 2 writes "testbed: job start" to its console as the job starts (about 5 s
# after QEMU starts; 30 s under load); a guest that has not within PVE_HEALTH_GUEST_BOOT_LIMIT seconds
# (240) is stopped (run-in-guest.sh stops its QEMU on TERM), the console's tail is printed, and it is
# booted once more from the same pristine image. A hang at the second boot fails as before, with the
# launcher's own message. A guest whose job started is never touched: its tests' own time limits stand.
# OUT_DIR is honoured (the launcher keeps that folder); without it one is made here and removed after.
set -uo pipefail
launcher=$1
shift
limit=${PVE_HEALTH_GUEST_BOOT_LIMIT:-240}
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "PVE_HEALTH_GUEST_BOOT_LIMIT=$limit: a number of seconds" >&2; exit 2; }
own_dir=
dir=${OUT_DIR:-}
if [ -z "$dir" ]; then
  dir=$(mktemp -d "${TMPDIR:-/tmp}/pve-health-guest.XXXXXX")
  own_dir=$dir
fi
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; [ -z "$own_dir" ] || rm -rf "$own_dir"' EXIT
trap 'exit 143' TERM INT HUP
for boot in 1 2; do
  console=$dir/.testbed/console.log
  # Only this boot's console is read (an OUT_DIR used before holds an earlier one until the launcher
  # empties .testbed).
  rm -f "$console"
  OUT_DIR=$dir "$launcher" "$@" &
  pid=$!
  started=0
  for ((t = 0; ; t++)); do
    if grep -qs '^testbed: job start' "$console"; then started=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    [ "$t" -ge "$limit" ] && break
    sleep 1
  done
  if [ "$started" = 1 ] || ! kill -0 "$pid" 2>/dev/null || [ "$boot" = 2 ]; then
    rc=0
    wait "$pid" || rc=$?
    pid=
    exit "$rc"
  fi
  echo "guest-boot: the guest did not start its job within ${limit} s (a boot hang under emulation); its console's last lines:" >&2
  [ -s "$console" ] && tail -n 5 "$console" >&2 || echo "(the console is empty)" >&2
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
  echo "guest-boot: booting it once more" >&2
done
