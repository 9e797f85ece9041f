#!/bin/bash
# Storage health on a real kernel: a small LVM-thin pool filled until dm-thin reports
# out_of_data_space, grown again; a VG created inside a guest disk and activated and mounted by the
# host. pve-health reads the real dmsetup/lvs/vgs and a PVE /etc tree under --root.
# Needs: dm_thin_pool, loop, ext4 (testbed default modules), pve-health.cjs and lib/ in /host.
set -u
cd /host
. ./lib/assert.sh
CLI=${PVE_HEALTH_CLI:-/host/pve-health.cjs}
modprobe -a loop dm_mod dm_thin_pool 2>/dev/null

R=/tmp/root
mkdir -p $R/etc/pve/nodes/pve1/qemu-server $R/etc/lvm $R/proc/self $R/var/log/pve/tasks
# The kernel's list of maps is the real one (a root with the real dmsetup but no /sys/block is an
# inconsistent view, UNKNOWN by the node view's consistency check).
ln -sfn /sys $R/sys
printf '{\n"nodename": "pve1",\n"version": 0\n}\n' > $R/etc/pve/.members
printf 'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\nlvm: thick\n\tvgname pve\n\tcontent images\n' > $R/etc/pve/storage.cfg
printf 'name: web\nscsi0: local-lvm:vm-100-disk-0,size=256M\n' > $R/etc/pve/nodes/pve1/qemu-server/100.conf
printf 'name: app\nscsi0: thick:vm-101-disk-0,size=64M\n' > $R/etc/pve/nodes/pve1/qemu-server/101.conf
: > $R/var/log/pve/tasks/active
printf 'devices {\n\tglobal_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]\n}\n' > $R/etc/lvm/lvm.conf

truncate -s 1G /tmp/pv.img
L=$(losetup -f --show /tmp/pv.img)
vgcreate -q pve "$L" >/dev/null
lvcreate -q -y -L 64M -T pve/data >/dev/null 2>&1
lvcreate -q -y -V 256M -T pve/data -n vm-100-disk-0 >/dev/null 2>&1
lvcreate -q -y -L 64M -n vm-101-disk-0 pve >/dev/null 2>&1

# kinds of dm.storage[] as "kind:severity" lines, and the exit code, of one run
run() {
  cp /proc/self/mountinfo $R/proc/self/mountinfo
  node "$CLI" --root $R dm --json > /tmp/out.json 2>/tmp/err.txt
  echo $? > /tmp/rc
  node -e 'const d=JSON.parse(require("fs").readFileSync("/tmp/out.json","utf8")); for (const f of d.dm.storage ?? []) console.log(f.kind+":"+f.severity)' > /tmp/kinds 2>>/tmp/err.txt
}
has() { grep -qx "$1" /tmp/kinds; }

run
check "fresh pool: overcommit 400 % is a warning" has thin-pool-overcommit:warning
check "fresh pool: no usage finding" bash -c '! grep -q thin-pool-data /tmp/kinds'

# Fill the pool: the writer blocks (queue_if_no_space) until the kernel's no_space_timeout.
( timeout -s KILL 30 dd if=/dev/urandom of=/dev/pve/vm-100-disk-0 bs=1M count=100 oflag=direct 2>/dev/null ) &
DD=$!
for i in $(seq 1 40); do dmsetup status pve-data-tpool | grep -q out_of_data_space && break; sleep 0.5; done
check "kernel reports out_of_data_space" bash -c 'dmsetup status pve-data-tpool | grep -q out_of_data_space'
run
check "full pool: thin-pool-out-of-space critical" has thin-pool-out-of-space:critical
check "full pool: exit status 2" test "$(cat /tmp/rc)" = 2
check "full pool: the fix grows the pool by what the VG has room for" grep -q 'lvextend -L +16M pve/data' /tmp/out.json

lvextend -q -L +256M pve/data >/dev/null 2>&1
wait $DD 2>/dev/null
run
check "grown pool: no out-of-space finding" bash -c '! grep -q thin-pool-out-of-space /tmp/kinds'

# A guest VG inside VM 101's disk, activated and mounted by the host.
pvcreate -q --config 'devices/scan_lvs=1' /dev/pve/vm-101-disk-0 >/dev/null 2>&1
vgcreate -q --config 'devices/scan_lvs=1' guestvg /dev/pve/vm-101-disk-0 >/dev/null 2>&1
lvcreate -q -y --config 'devices/scan_lvs=1' -L 16M -n root guestvg >/dev/null 2>&1
mkfs.ext4 -q /dev/guestvg/root && mkdir -p /mnt/g && mount /dev/guestvg/root /mnt/g
run
check "host-lvm: the host activated the guest's VG" has host-lvm:warning
check "host-mount: the guest's LV is mounted on the host" has host-mount:warning
printf 'devices {\n\tscan_lvs = 1\n\tglobal_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]\n}\n' > $R/etc/lvm/lvm.conf
run
check "lvm.conf scan_lvs=1 without a filter for guest disks: lvm-filter" has lvm-filter:warning
check "the advice rejects the pve guest disks" grep -q 'r|/dev/mapper/pve-vm--.\*|' /tmp/out.json
umount /mnt/g; vgchange -q -an --config 'devices/scan_lvs=1' guestvg >/dev/null 2>&1
run
check "after umount + vgchange -an: no host-use finding" bash -c '! grep -q "^host-" /tmp/kinds'
[ -s /tmp/err.txt ] && { echo "--- stderr of the last run:"; cat /tmp/err.txt; }
finish
