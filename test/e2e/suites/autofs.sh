#!/bin/bash
# An automount under a `dir` storage whose NAS is down, on a real kernel: `pve-health mounts` and
# `check` end near --timeout with the automount reported, never blocked behind it.
#
# What a node has: fstab `x-systemd.automount` (or the autofs package) puts a *direct* autofs mount at
# the NAS mount point; the first walk into it asks the automount daemon to mount the NAS, and until
# the daemon answers every walk into it — and, once a mount is pending, even a stat of the trigger
# itself — waits in the kernel (fs/autofs/root.c autofs_d_manage → autofs_mount_wait; fs/autofs/
# waitq.c autofs_wait sleeps killable until the daemon answers; systemd gives up after the mount
# unit's timeout, 90 s by default). Here the daemon is a process that never answers: the autofs
# mount is made by hand (mount -t autofs -o fd=<pipe>,pgrp=<daemon's group>,direct, the way
# systemd's automount unit and automount(8) make it), the pipe the kernel writes its requests to is
# a FIFO nobody reads, and the "daemon" is a sleeping process in its own process group (the kernel
# lets that group through without waiting: autofs_oz_mode). A pending NAS mount, indefinitely.
#
# The testbed's guest has no autofs module (its kernel package builds fs/autofs as autofs4.ko, the
# guest image carries only the modules it lists): run.sh passes the suite the module from the same
# kernel package (see "e2e-kernel-modules" below) and the suite insmods it.
# e2e-kernel-modules: autofs4
set -u
cd /host
. ./lib/assert.sh
CLI=${PVE_HEALTH_CLI:-/host/pve-health.cjs}
J=/tmp/a.json
# 15 s: under emulation (TCG) on a shared host node's own start-up takes seconds, and the probe child
# must start before its deadline (else the run is UNKNOWN "the probe process did not start", which is
# right but tests nothing here). Wall times are printed, never asserted: what is asserted is that each
# run ends by itself (a run blocked behind a daemon that never answers would never end: the outer
# bound only catches that) and that the automount is reported stale by its probe's deadline.
TIMEOUT=15
export PVE_HEALTH_MOUNT_TIMEOUT=$TIMEOUT

if ! grep -qw autofs /proc/filesystems; then
  if [ -f /host/autofs4.ko ]; then insmod /host/autofs4.ko || true; fi
fi
if ! grep -qw autofs /proc/filesystems; then
  echo "autofs is not available in this guest (no autofs4.ko from the kernel package): the automount case cannot be built here"
  fail "autofs filesystem available (insmod autofs4.ko)"
  finish
  exit 1
fi

# The automount "daemon": its own process group, never answers. The kernel writes its requests
# into the FIFO, which this shell holds open (read+write, so writes never fail) and never reads.
mkfifo /run/autofs.pipe
exec 7<>/run/autofs.pipe
setsid sleep 100000 </dev/null >/dev/null 2>&1 &
DAEMON=$!
sleep 0.2
automount() { # automount DIR: a direct autofs trigger at DIR whose daemon never answers
  mkdir -p "$1"
  mount -t autofs -o fd=7,pgrp=$DAEMON,minproto=5,maxproto=5,direct nas-automount "$1"
}
mkdir -p /etc/pve/lxc
printf '{"nodename":"pve1","version":1}\n' > /etc/pve/.members
echo pve1 > /etc/hostname   # pmxcfs names the node after the short hostname: the two agree on a PVE node
# nas: the way PVE's docs set up a dir storage on a mount (is_mountpoint names the mount point).
# nas2: the same without is_mountpoint (the storage path only lies under the automount).
cat > /etc/pve/storage.cfg <<'CFG'
dir: local
	path /var/lib/vz
	content iso,backup

dir: nas
	path /mnt/nas/pve
	content images,backup
	is_mountpoint /mnt/nas

dir: nas2
	path /mnt/nas2/pve
	content images
CFG

# run NAME ARGS...: one run of the CLI with a hard outer bound (far above --timeout: it only
# catches a checker that blocks, 137); $RC, $MS (printed).
run() {
  local name=$1 t
  shift
  t=$(date +%s%N)
  timeout -s KILL 600 node "$CLI" "$@" > $J 2> /tmp/a.err
  RC=$?
  MS=$(( ($(date +%s%N) - t) / 1000000 ))
  echo "   $name: exit $RC in ${MS} ms"
  [ -s /tmp/a.err ] && sed 's/^/   stderr: /' /tmp/a.err | head -20
}

# For the log: the same command before the automounts exist (node's start-up under TCG).
echo "== for comparison: mounts without the automounts"
mv /etc/pve/storage.cfg /tmp/storage.cfg; printf 'dir: local\n\tpath /var/lib/vz\n\tcontent iso\n' > /etc/pve/storage.cfg
run baseline mounts --json
mv /tmp/storage.cfg /etc/pve/storage.cfg
automount /mnt/nas
automount /mnt/nas2
grep autofs /proc/self/mountinfo | sed 's/^/   mountinfo: /'

echo "== mounts, with both automounts idle (nothing pending yet)"
run mounts mounts --json
node lib/mounts-get.js $J list | sed 's/^/   /'
check "mounts ended by itself (exit $RC)" test "$RC" -ne 137
check "the automount at nas's mount point is reported stale (its probe hung)" \
  bash -c "node lib/mounts-get.js $J host:/mnt/nas | grep -q '^stale '"
check "the automount above nas2's path is reported too" \
  bash -c "node lib/mounts-get.js $J host:/mnt/nas2 | grep -Eq '^(stale|unchecked) '"
check "exit CRITICAL (a storage's mount hangs)" test "$RC" = 2

echo "== mounts again: now a mount is pending (the first run's probes asked for it), so even a stat waits"
ps -eo pid,stat,wchan:24,etimes,cmd | grep -vE ' \[|ps -eo' | awk '$2 ~ /D|S/ && $3 !~ /^(-|do_wait|do_select|do_sys_poll|ep_poll|hrtimer_nanosleep|pipe_read|futex_wait_queue|do_epoll_wait)$/' | sed 's/^/   ps: /' | head -20
t=$(date +%s%N); node -e 1; echo "   node -e 1: $(( ($(date +%s%N) - t) / 1000000 )) ms"
run mounts mounts --json
check "mounts ended by itself with a pending automount (exit $RC)" test "$RC" -ne 137
check "still reported stale" bash -c "node lib/mounts-get.js $J host:/mnt/nas | grep -q '^stale '"

echo "== check (every part: dm, mounts, volumes)"
run check check --json --timeout $TIMEOUT
check "check ended by itself (exit $RC)" test "$RC" -ne 137
check "check is CRITICAL or UNKNOWN (exit $RC)" bash -c "[ $RC = 2 ] || [ $RC = 3 ]"
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const e of d.mounts?.entries ?? []) console.log(`   mounts: ${e.target} ${e.status} ${e.reason}`);
for (const [id, s] of Object.entries(d.volumes?.storages ?? {})) console.log(`   volumes: ${id} ${JSON.stringify(s).slice(0, 160)}`);
console.log(`   volumes: status ${d.volumes?.status} ${d.volumes?.error ?? ""} ${(d.volumes?.warnings ?? []).join("; ")}`);
' $J
check "the volumes part did not read nas or nas2 (said, not hidden)" \
  bash -c "grep -q 'nas' $J && node -e 'const d=JSON.parse(require(\"fs\").readFileSync(\"$J\",\"utf8\")); process.exit(d.volumes && d.volumes.status !== 0 ? 0 : 1)'"

echo "== no checker process left behind in the automount"
sleep 1
left=$(ps -eo pid,stat,wchan:24,cmd | grep -E 'pve-health\.cjs|const fd = fs\.openSync' | grep -v grep)
[ -n "$left" ] && sed 's/^/   /' <<< "$left"
check "no checker process left behind (the probe children were killed at their deadline)" test -z "$left"

kill $DAEMON 2>/dev/null
umount -l /mnt/nas /mnt/nas2 2>/dev/null
finish
