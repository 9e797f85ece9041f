#!/bin/bash
# Real-ZFS suite, inside the testbed guest (Debian's kernel under QEMU) as root; started by zfs.sh on the
# host, which put beside it: the OpenZFS modules built for this kernel (modules/), the zfs userland
# (userland.tar, Debian's zfsutils-linux and libraries), pve-health.cjs and lib/. Pools on file vdevs in
# /tmp; guest disks made with the real `zfs` exactly as Proxmox's code makes them (each state cites the
# pve-storage / qemu-server / pve-container / pve-guest-common function it imitates), interrupted where a
# crash, a kill or a failed step leaves something behind; /etc/pve written as PVE writes it under a fake
# root; then `pve-health --root <root> volumes --json` with the real zfs on PATH.
# Prints PASS/FAIL lines and "N passed, N failed". With a file record-on beside it, it writes what the
# real zfs printed for pve-health's own argv into ./record/ (the host keeps it: test/fixtures/zfs-real).
set -u
cd /host
. ./lib/assert.sh
. ./lib/pve-root.sh
. ./lib/volume-assert.sh
CLI=/host/pve-health.cjs
t0=$(date +%s)

echo "== zfs: modules and userland"
KV=$(uname -r)
# The userland over the guest's usr-merged root (keep /sbin, /lib as the links they are).
tar --keep-directory-symlink -C / -xf userland.tar && ldconfig
mkdir -p "/lib/modules/$KV/extra/zfs"
cp modules/*.ko "/lib/modules/$KV/extra/zfs/"
depmod -a "$KV"
if ! modprobe zfs zfs_arc_max=134217728 2>/tmp/modprobe.err; then
  echo "FAIL: modprobe zfs: $(cat /tmp/modprobe.err)"; dmesg | tail -n 20
  echo "0 passed, 1 failed"; exit 1
fi
echo "   $(cat /sys/module/zfs/version 2>/dev/null) loaded; $(zfs version 2>&1 | head -1)"
missing=$(ldd /sbin/zfs 2>&1 | grep 'not found')
[ -z "$missing" ] || { echo "FAIL: zfs userland: $missing"; echo "0 passed, 1 failed"; exit 1; }
# udev makes /dev/zvol/<pool>/<name> (zfsutils' 60-zvol.rules); PVE waits for that link (zfs_wait_for_zvol_link).
. /usr/lib/testbed/udev-start >/dev/null 2>&1
zvol_link() {
  local i
  for i in $(seq 1 100); do [ -b "/dev/zvol/$1" ] && return 0; udevadm settle -t 5 2>/dev/null; sleep 0.1; done
  echo "   no /dev/zvol/$1"; return 1
}
for p in rpool tank pve2; do truncate -s 1G /tmp/$p.img; done
zpool create -f -o ashift=12 -O mountpoint=/rpool rpool /tmp/rpool.img &&
  zpool create -f -o ashift=12 -O mountpoint=/tank tank /tmp/tank.img &&
  zpool create -f -o ashift=12 -O mountpoint=/pve2 pve2 /tmp/pve2.img &&
  zfs create rpool/data && zfs create pve2/data || { echo "FAIL: zpool create"; echo "0 passed, 1 failed"; exit 1; }
echo "   pools up after $(($(date +%s) - t0)) s"

# The node's /etc/pve. local-zfs as the installer writes it (sparse); tank-zfs with a blocksize, not
# sparse. Node pve1 of a two-node cluster; pve2's pool here plays pve2's disks (replication and migration
# sources: what pve2 sends arrives through a real zfs send | zfs recv).
R=/tmp/root
pve_root "$R" pve1
mkdir -p "$R/etc/pve/nodes/pve2/qemu-server" "$R/etc/pve/nodes/pve2/lxc" "$R/var/log/pve/tasks" "$R/var/lib/pve-manager"
: >"$R/var/log/pve/tasks/active"
printf '{\n"nodename": "pve1",\n"version": 3,\n"cluster": { "name": "lab", "version": 2, "nodes": 2, "quorate": 1 },\n"nodelist": {\n  "pve1": { "id": 1, "online": 1, "ip": "127.0.0.1"},\n  "pve2": { "id": 2, "online": 1, "ip": "127.0.0.2"}\n  }\n}\n' >"$R/etc/pve/.members"
cat >"$R/etc/pve/storage.cfg" <<'CFG'
dir: local
	path /var/lib/vz
	content iso,vztmpl,backup

zfspool: local-zfs
	pool rpool/data
	sparse 1
	content images,rootdir

zfspool: tank-zfs
	pool tank
	blocksize 16k
	content images,rootdir
CFG
conf() { mkdir -p "$(dirname "$R/etc/pve/nodes/$1")"; cat >"$R/etc/pve/nodes/$1"; }
pool_of() { case $1 in local-zfs) echo rpool/data ;; tank-zfs) echo tank ;; pve2) echo pve2/data ;; esac; }

# ZFSPoolPlugin.pm alloc_image → zfs_create_zvol: size in KiB aligned to 1 MiB, -s when sparse, -b blocksize;
# then zfs_wait_for_zvol_link. alloc STORAGE NAME KIB
alloc() {
  local st=$1 name=$2 kib=$3 o=()
  kib=$((kib + (1024 - kib % 1024) % 1024))
  [ "$st" = local-zfs ] && o+=(-s)
  [ "$st" = tank-zfs ] && o+=(-b 16k)
  zfs create "${o[@]}" -V "${kib}k" "$(pool_of "$st")/$name" && zvol_link "$(pool_of "$st")/$name"
}
# alloc_image subvol → zfs_create_subvol: acltype, xattr, refquota (none for size 0).
subvol() { zfs create -o acltype=posixacl -o xattr=sa -o "refquota=${3}k" "$(pool_of "$1")/$2"; }
# volume_snapshot: zfs snapshot; a subvol's refquota also goes to the snapshot as pve-storage:refquota.
snap() {
  local ds
  ds="$(pool_of "$1")/$2"
  zfs snapshot "$ds@$3" || return 1
  case $2 in subvol-* | basevol-*) zfs set "pve-storage:refquota=$(zfs get -o value -Hp refquota "$ds")" "$ds@$3" ;; esac
}
# create_base: rename vm- → base- (subvol- → basevol-), then volume_snapshot __base__.
create_base() {
  local p new
  p=$(pool_of "$1")
  new=${2/#vm-/base-}
  new=${new/#subvol-/basevol-}
  zfs rename "$p/$2" "$p/$new" && snap "$1" "$new" __base__
}
# clone_image (a base): zfs clone BASE@__base__ NAME (a subvol with the base's refquota).
clone() {
  local p q
  p=$(pool_of "$1")
  case $2 in
    basevol-*) q=$(zfs get -o value -Hp refquota "$p/$2"); [ "$q" = 0 ] && q=none
      zfs clone "$p/$2@__base__" "$p/$3" -o "refquota=$q" ;;
    *) zfs clone "$p/$2@__base__" "$p/$3" && zvol_link "$p/$3" ;;
  esac
}
# free_image → zfs_delete_zvol: destroy -r, retried while "dataset is busy".
free_image() {
  local i out
  for i in 1 2 3 4 5 6; do
    out=$(zfs destroy -r "$(pool_of "$1")/$2" 2>&1) && return 0
    case $out in *"dataset is busy"*) sleep 1 ;; *"does not exist"*) return 0 ;; *) echo "$out"; return 1 ;; esac
  done
  echo "$out"; return 1
}
# volume_export (zfs send -RpvU [-I base] -- DS@SNAP) piped into volume_import (zfs recv -F -x encryption -- DS)
# as storage_migrate runs them (pvesm export | ssh pvesm import): SRC_DS SNAP DST_DS [BASE]. Without -U:
# --skip-missing came with OpenZFS 2.2 (PVE's own zfs has it); Debian 12's 2.1 refuses the option, and
# with one source dataset and no missing snapshot it changes nothing.
transfer() {
  local inc=()
  [ -n "${4:-}" ] && inc=(-I "$4")
  zfs send -Rpv "${inc[@]}" -- "$1@$2" 2>/dev/null | zfs recv -F -x encryption -- "$3" ||
    echo "   transfer $1@$2 → $3 failed"
}

echo "== states (each: the PVE code path it imitates)"
# Z1 qemu-server create_disks → alloc_image (zvol), Z2 snapshot [before] (AbstractConfig.pm snapshot_create
# → volume_snapshot), Z3 a detached disk (unused0), Z4 a disk allocated whose config write never happened.
alloc local-zfs vm-100-disk-0 65536 && snap local-zfs vm-100-disk-0 before
alloc local-zfs vm-100-disk-1 32768
alloc local-zfs vm-100-disk-2 32768
conf pve1/qemu-server/100.conf <<'C'
name: web
parent: before
scsi0: local-zfs:vm-100-disk-0,size=64M
unused0: local-zfs:vm-100-disk-1

[before]
scsi0: local-zfs:vm-100-disk-0,size=64M
snaptime: 1764000000
C
# Z5 a CT rootfs (pve-container create → alloc_image subvol: refquota), Z6 its snapshot (refquota kept as
# the pve-storage:refquota user property), Z7 then rolled back (volume_snapshot_rollback: zfs rollback).
subvol local-zfs subvol-200-disk-0 262144 && echo hello >/rpool/data/subvol-200-disk-0/etc-hostname &&
  snap local-zfs subvol-200-disk-0 pre && echo changed >/rpool/data/subvol-200-disk-0/etc-hostname &&
  zfs rollback rpool/data/subvol-200-disk-0@pre
conf pve1/lxc/200.conf <<'C'
arch: amd64
hostname: ct200
ostype: debian
parent: pre
rootfs: local-zfs:subvol-200-disk-0,size=256M

[pre]
arch: amd64
hostname: ct200
ostype: debian
rootfs: local-zfs:subvol-200-disk-0,size=256M
snaptime: 1764000050
C
# Z8 a snapshot whose delete failed (AbstractConfig.pm snapshot_delete sets snapstate: delete, then
# volume_snapshot_delete's zfs destroy fails: a user hold, e.g. a backup tool's, makes it "dataset is busy").
alloc local-zfs vm-101-disk-0 32768 && snap local-zfs vm-101-disk-0 old && zfs hold keep rpool/data/vm-101-disk-0@old
zfs destroy rpool/data/vm-101-disk-0@old >/tmp/z8.err 2>&1 && echo "   (Z8: destroy unexpectedly worked)"
echo "   Z8: zfs destroy said: $(cat /tmp/z8.err)"
conf pve1/qemu-server/101.conf <<'C'
name: db
scsi0: local-zfs:vm-101-disk-0,size=32M

[old]
scsi0: local-zfs:vm-101-disk-0,size=32M
snapstate: delete
snaptime: 1764000100
C
# Z9 `qm delsnapshot --force` after a failed delete: the section is gone, the zfs snapshot is not.
alloc local-zfs vm-103-disk-0 32768 && snap local-zfs vm-103-disk-0 forced
conf pve1/qemu-server/103.conf <<'C'
name: app
scsi0: local-zfs:vm-103-disk-0,size=32M
C

# Z10 a template (QemuServer.pm template_create → create_base: rename, __base__), Z11 a linked clone
# (clone_disk → clone_image: zfs clone), Z12 a clone whose config was never written (qm clone: clone_disk
# ran, the new config's write did not), Z13 a template whose config is gone while a clone remains.
alloc local-zfs vm-900-disk-0 65536 && create_base local-zfs vm-900-disk-0
conf pve1/qemu-server/900.conf <<'C'
name: tmpl
template: 1
scsi0: local-zfs:base-900-disk-0,size=64M
C
clone local-zfs base-900-disk-0 vm-901-disk-0
conf pve1/qemu-server/901.conf <<'C'
name: clone1
scsi0: local-zfs:base-900-disk-0/vm-901-disk-0,size=64M
C
clone local-zfs base-900-disk-0 vm-902-disk-0
alloc local-zfs vm-910-disk-0 32768 && create_base local-zfs vm-910-disk-0 && clone local-zfs base-910-disk-0 vm-911-disk-0
conf pve1/qemu-server/911.conf <<'C'
name: clone-of-gone
scsi0: local-zfs:base-910-disk-0/vm-911-disk-0,size=32M
C
# Z14 a CT template (create_base on a subvol: basevol-) and a linked clone of it (clone_image: refquota).
subvol local-zfs subvol-920-disk-0 131072 && create_base local-zfs subvol-920-disk-0 && clone local-zfs basevol-920-disk-0 subvol-921-disk-0
conf pve1/lxc/920.conf <<'C'
arch: amd64
hostname: tmpl-ct
ostype: debian
rootfs: local-zfs:basevol-920-disk-0,size=128M
template: 1
C
conf pve1/lxc/921.conf <<'C'
arch: amd64
hostname: ct921
ostype: debian
rootfs: local-zfs:basevol-920-disk-0/subvol-921-disk-0,size=128M
C

# Z15 a destroyed VM whose vdisk_free failed (destroy_vm: the config is gone, the zvol is not), Z16 a
# dataset whose CT is gone (its refquota left), Z17 a gone CT's rootfs left mounted by `pct mount`
# (pve-container LXC.pm mount_all → mountpoint_mount: the subvol's path bind-mounted at
# /var/lib/lxc/<vmid>/rootfs), its config deleted since.
alloc local-zfs vm-150-disk-0 32768
subvol local-zfs subvol-250-disk-0 65536
subvol local-zfs subvol-251-disk-0 65536 && mkdir -p /var/lib/lxc/251/rootfs &&
  mount --bind /rpool/data/subvol-251-disk-0 /var/lib/lxc/251/rootfs
# Z18 a busy zvol: a process has it open, no config names it (a kvm of a guest destroyed under it).
HOLDERS=()
alloc local-zfs vm-160-disk-0 32768
sleep 3600 3<>/dev/zvol/rpool/data/vm-160-disk-0 &
HOLDERS+=($!)
# Z19 held through a partition: a partition table on the zvol, a process on zdNp1 only.
alloc local-zfs vm-161-disk-0 32768 && echo 'start=2048, type=83' | sfdisk -q /dev/zvol/rpool/data/vm-161-disk-0 >/dev/null 2>&1
udevadm settle -t 10 2>/dev/null
P161=$(readlink -f /dev/zvol/rpool/data/vm-161-disk-0)p1
for _ in $(seq 1 50); do [ -b "$P161" ] && break; sleep 0.1; done
sleep 3600 3<"$P161" &
HOLDERS+=($!)
# Z20 a zvol with a mounted filesystem (a guest disk looped onto the host by an admin).
alloc local-zfs vm-162-disk-0 32768 && mkfs.ext4 -q /dev/zvol/rpool/data/vm-162-disk-0 && mkdir -p /mnt/z162 &&
  mount /dev/zvol/rpool/data/vm-162-disk-0 /mnt/z162
# Z21 a running guest's disk (referenced, open).
alloc local-zfs vm-163-disk-0 32768
sleep 3600 3<>/dev/zvol/rpool/data/vm-163-disk-0 &
HOLDERS+=($!)
conf pve1/qemu-server/163.conf <<'C'
name: running
scsi0: local-zfs:vm-163-disk-0,size=32M
C

# Z22 crashed snapshot-mode vzdump of a CT (VZDump/LXC.pm snapshot: snapshot_create 'vzdump' writes [vzdump]
# and snapshots every volume; cleanup deletes both): both left (CT 210); Z23 the snapshot without its
# section (CT 211: the section went, the zfs destroy did not); Z24 a vzdump still running (lock: backup).
for c in 210 211 212; do subvol local-zfs subvol-$c-disk-0 65536 && snap local-zfs subvol-$c-disk-0 vzdump; done
for c in 210 212; do
  { printf 'arch: amd64\nhostname: ct%s\n' $c; [ $c = 212 ] && printf 'lock: backup\n'
    printf 'ostype: debian\nrootfs: local-zfs:subvol-%s-disk-0,size=64M\n\n[vzdump]\n#vzdump backup snapshot\narch: amd64\nhostname: ct%s\nostype: debian\nrootfs: local-zfs:subvol-%s-disk-0,size=64M\nsnapstate: prepare\nsnaptime: 1764000200\n' $c $c $c
  } | conf pve1/lxc/$c.conf
done
printf 'arch: amd64\nhostname: ct211\nostype: debian\nrootfs: local-zfs:subvol-211-disk-0,size=64M\n' | conf pve1/lxc/211.conf

# Z25 a migration's __migration__ snapshot left on the source (Storage.pm storage_migrate: volume_snapshot
# __migration__, export | import; the source snapshot's delete failed: "could not remove source snapshot").
alloc local-zfs vm-170-disk-0 32768 && snap local-zfs vm-170-disk-0 __migration__
conf pve1/qemu-server/170.conf <<'C'
name: migrated-back
scsi0: local-zfs:vm-170-disk-0,size=32M
C
# Z26 an offline migration of VM 171 from pve2 to here whose import side was killed before its
# -delete-snapshot: the received zvol carries __migration__, the VM still lives on pve2 (the move of its
# config never happened) — a copy nothing here references.
zfs create -s -V 32768k pve2/data/vm-171-disk-0 && zfs snapshot pve2/data/vm-171-disk-0@__migration__ &&
  transfer pve2/data/vm-171-disk-0 __migration__ rpool/data/vm-171-disk-0
conf pve2/qemu-server/171.conf <<'C'
name: half-migrated
scsi0: local-zfs:vm-171-disk-0,size=32M
C

# Z27 replication (pve-guest-common Replication.pm replicate → replicate_volume → storage_migrate with
# with_snapshots, ReplicationState.pm replication_snapshot_name __replicate_<job>_<last_sync>__): VM 300
# lives on pve2, job 300-0 replicates it here; two runs: full, then incremental (-I), then the job's
# prepare removed the older sync snapshot on both sides.
T1=1764003000 T2=1764003900
zfs create -s -V 32768k pve2/data/vm-300-disk-0 && zfs snapshot "pve2/data/vm-300-disk-0@__replicate_300-0_${T1}__" &&
  transfer pve2/data/vm-300-disk-0 "__replicate_300-0_${T1}__" rpool/data/vm-300-disk-0 &&
  zfs snapshot "pve2/data/vm-300-disk-0@__replicate_300-0_${T2}__" &&
  transfer pve2/data/vm-300-disk-0 "__replicate_300-0_${T2}__" rpool/data/vm-300-disk-0 "@__replicate_300-0_${T1}__" &&
  zfs destroy "rpool/data/vm-300-disk-0@__replicate_300-0_${T1}__"
conf pve2/qemu-server/300.conf <<'C'
name: replicated
scsi0: local-zfs:vm-300-disk-0,size=32M
C
# Z28 the source side here: VM 100 replicates to pve2 (job 100-0); its last sync snapshot on its disk and
# this node's state file naming it (ReplicationState.pm write_job_state: last_sync).
zfs snapshot "rpool/data/vm-100-disk-0@__replicate_100-0_${T2}__"
# Z29 a __replicate_ snapshot of a job replication.cfg no longer has (pvesr delete --force "will not cleanup").
zfs snapshot "rpool/data/vm-101-disk-0@__replicate_101-0_${T1}__"
cat >"$R/etc/pve/replication.cfg" <<'C'
local: 100-0
	target pve2
	schedule */15

local: 300-0
	target pve1
	schedule */15
	source pve2
C
printf '{"qemu/100":{"local/pve2":{"last_sync":%s,"last_try":%s,"fail_count":0,"last_node":"pve1","storeid_list":["local-zfs"],"duration":2.1,"last_iteration":%s}}}' \
  $T2 $T2 $T2 >"$R/var/lib/pve-manager/pve-replication-state.json"

# Z30 PVE's own receive cut off (volume_import's zfs recv -F, no -s: killed mid-stream, the import's own
# cleanup never ran): what the kernel leaves. Z31 a resumable receive (zfs recv -s: syncoid, zrepl — not
# PVE) cut off: full into a new dataset, and incremental into an existing one (a hidden %recv clone).
# (48 MiB of random data: the stream is long enough to be cut at 4 MiB)
zfs create -V 65536k pve2/data/vm-310-disk-0 && zvol_link pve2/data/vm-310-disk-0 &&
  dd if=/dev/urandom of=/dev/zvol/pve2/data/vm-310-disk-0 bs=1M count=48 conv=fsync status=none
zfs snapshot pve2/data/vm-310-disk-0@s1
cut_recv() { # SRC@SNAP DST RECV-OPTS...: the stream stopped after 4 MiB (a link that died)
  local src=$1 dst=$2
  shift 2
  zfs send -p "$src" 2>/dev/null | head -c 4194304 | zfs recv "$@" -- "$dst" >/tmp/cut.err 2>&1
  echo "   cut recv into $dst ($*): exit $?, $(head -c 200 /tmp/cut.err | tr '\n' ' ')"
}
cut_recv pve2/data/vm-310-disk-0@s1 rpool/data/vm-310-disk-0 -F -x encryption
cut_recv pve2/data/vm-310-disk-0@s1 rpool/data/vm-311-disk-0 -s
zfs send pve2/data/vm-310-disk-0@s1 | zfs recv rpool/data/vm-312-disk-0
dd if=/dev/urandom of=/dev/zvol/pve2/data/vm-310-disk-0 bs=1M count=16 conv=fsync status=none
zfs snapshot pve2/data/vm-310-disk-0@s2
zfs send -i @s1 pve2/data/vm-310-disk-0@s2 2>/dev/null | head -c 4194304 | zfs recv -s rpool/data/vm-312-disk-0 >/tmp/cut.err 2>&1
echo "   cut incremental recv -s into vm-312: exit $?"
conf pve1/qemu-server/312.conf <<'C'
name: synced-by-a-tool
scsi0: local-zfs:vm-312-disk-0,size=64M
C

# Z32 qm disk reassign (QemuServer.pm / API2 move_disk with target-vmid → rename_volume: zfs rename), the
# config updated: VM 104 owns what was vm-100-disk-2's sibling.
alloc local-zfs vm-102-disk-0 32768 && zfs rename rpool/data/vm-102-disk-0 rpool/data/vm-104-disk-0
conf pve1/qemu-server/104.conf <<'C'
name: reassigned
scsi0: local-zfs:vm-104-disk-0,size=32M
C
# Z33 qm disk move to another storage without delete (move_disk: the source becomes unused0), on a
# non-sparse storage with a blocksize (zfs create -b 16k -V).
alloc local-zfs vm-105-disk-0 32768 && alloc tank-zfs vm-105-disk-0 32768
conf pve1/qemu-server/105.conf <<'C'
name: moved
scsi0: tank-zfs:vm-105-disk-0,size=32M
unused0: local-zfs:vm-105-disk-0
C
# Z34 a guest on the other node on this node-local pool, no replication job: a leftover copy.
alloc local-zfs vm-180-disk-0 32768
conf pve2/qemu-server/180.conf <<'C'
name: elsewhere
scsi0: local-zfs:vm-180-disk-0,size=32M
C
pve_vmlist "$R"
echo "   built in $(($(date +%s) - t0)) s"

ZARGV=(zfs list -H -p -r -t volume,filesystem,snapshot -o name,type,volsize,used,refer,refquota,origin,mountpoint rpool/data tank)
record() { # NAME CMD...: what the real tool printed (RECORD=1)
  local name=$1
  shift
  [ -f /host/record-on ] || return 0
  mkdir -p /host/record
  "$@" >"/host/record/$name.stdout" 2>"/host/record/$name.stderr"
  echo $? >"/host/record/$name.rc"
}
record list "${ZARGV[@]}"
record list-all-types zfs list -H -p -r -t all -o name,type,volsize,used,refer,refquota,origin,mountpoint rpool tank
record get-resume zfs get -H -p -r -o name,property,value receive_resume_token,written,usedbysnapshots,clones rpool/data
record list-missing-pool zfs list -H -p -r -t volume,filesystem,snapshot -o name,type,volsize,used,refer,refquota,origin,mountpoint rpool/data nopool
record destroy-held zfs destroy rpool/data/vm-101-disk-0@old
record recv-hidden zfs list -H -p -o name,type rpool/data/vm-312-disk-0/%recv
record zvol-links ls -l /dev/zvol/rpool/data /dev/zvol/tank
# /etc/pve and the replication state as written above, one JSON object path → text (the unit tests'
# node: test/core/zfs-real.test.ts classifies the recorded zfs list against it).
record pve-files node -e '
const fs = require("fs"), path = require("path"), root = process.argv[1], out = {};
const walk = (d) => { for (const n of fs.readdirSync(d)) { const p = path.join(d, n), s = fs.lstatSync(p);
  if (s.isDirectory()) walk(p); else if (s.isFile()) out[p.slice(root.length)] = fs.readFileSync(p, "utf8"); } };
walk(root + "/etc/pve"); walk(root + "/var/lib/pve-manager");
console.log(JSON.stringify(out, null, 1));' "$R"
record mountinfo cat /proc/self/mountinfo

J=/tmp/v.json
vrun() {
  pve_root_proc "$R"
  node "$CLI" --root "$R" volumes --json >"$J" 2>/tmp/v.err
  RC=$?
  echo "   pve-health volumes: exit $RC"
  [ -s /tmp/v.err ] && sed 's/^/   stderr: /' /tmp/v.err | head -5
}
# The destructive command at the end of a hint (after the last ": "), run as printed.
run_hint() {
  local h cmd
  h=$(hint_of "$1")
  cmd=${h##*: }
  [ -n "$cmd" ] || { echo "   no hint for $1"; return 1; }
  echo "   running the hint of $1: $cmd"
  # pvesm free STORAGE:VOLNAME is free_image: zfs destroy -r POOL/NAME (the base prefix dropped).
  case $cmd in
    "pvesm free "*) local v=${cmd#pvesm free } st name
      v=${v//\'/}; st=${v%%:*}; name=${v#*:}; name=${name##*/}
      free_image "$st" "$name" ;;
    *) eval "$cmd" ;;
  esac
}

echo "== first run"
vrun
vdump
[ -f /host/record-on ] && cp "$J" /host/record/volumes.json
L=local-zfs
echo "== verdicts"
expect "Z1 a VM disk (alloc_image: zfs create -s -V): valid" $L:vm-100-disk-0 status=valid reason=referenced hint= protected=false
expect "Z1 its size is the zvol's volsize (64 MiB)" $L:vm-100-disk-0 sizeBytes=67108864
expect "Z2 its snapshot [before] (volume_snapshot): valid, no hint (rollback)" $L:vm-100-disk-0@before status=valid hint=
expect "Z3 a detached disk (unused0): valid" $L:vm-100-disk-1 status=valid reason=referenced hint=
expect "Z4 a disk allocated but never written to the config: orphan, rescan first" $L:vm-100-disk-2 status=orphan reason=not-referenced "hint~qm disk rescan --vmid 100" protected=false
expect "Z5 a CT rootfs (zfs_create_subvol): valid, size from refquota" $L:subvol-200-disk-0 status=valid hint= sizeBytes=268435456
expect "Z6 its snapshot (refquota in pve-storage:refquota), after a rollback (Z7): valid, no hint" $L:subvol-200-disk-0@pre status=valid hint=
expect "Z8 a snapshot whose delete failed (snapstate: delete, a hold): valid, no hint" $L:vm-101-disk-0@old status=valid hint=
expect "Z9 delsnapshot --force left the zfs snapshot: orphan, destroy of that snapshot only" $L:vm-103-disk-0@forced status=orphan reason=snapshot-missing "hint~zfs destroy rpool/data/vm-103-disk-0@forced" protected=false
expect "Z9 its volume stays valid" $L:vm-103-disk-0 status=valid hint=
expect "Z10 template disk (create_base): valid, protected by its clones, no hint" $L:base-900-disk-0 status=valid protected=true by~has-clones hint=
expect "Z10 __base__ is part of its base, never listed alone" $L:base-900-disk-0@__base__ absent
expect "Z11 linked clone (zfs clone of @__base__): valid, volid with its base" $L:base-900-disk-0/vm-901-disk-0 status=valid reason=referenced hint=
expect "Z12 a clone whose config was never written: orphan, pvesm free of the clone" $L:base-900-disk-0/vm-902-disk-0 status=orphan "hint~pvesm free local-zfs:base-900-disk-0/vm-902-disk-0" protected=false
expect "Z13 a template whose config is gone, a clone remains: protected, no hint" $L:base-910-disk-0 protected=true by~has-clones hint=
expect "Z13 that clone: valid" $L:base-910-disk-0/vm-911-disk-0 status=valid hint=
expect "Z14 CT template (basevol-): valid, protected by its clone" $L:basevol-920-disk-0 status=valid by~has-clones hint=
expect "Z14 CT linked clone (refquota from the base): valid, size the base's refquota" $L:basevol-920-disk-0/subvol-921-disk-0 status=valid hint= sizeBytes=134217728
expect "Z15 a destroyed VM's zvol whose free failed: orphan guest-missing, pvesm free" $L:vm-150-disk-0 status=orphan reason=guest-missing "hint~pvesm free local-zfs:vm-150-disk-0"
expect "Z16 a dataset whose CT is gone: orphan guest-missing, pvesm free" $L:subvol-250-disk-0 status=orphan reason=guest-missing "hint~pvesm free local-zfs:subvol-250-disk-0" sizeBytes=67108864
expect "Z17 a gone CT's rootfs left mounted by pct mount (bind at /var/lib/lxc/251/rootfs): protected, no hint" $L:subvol-251-disk-0 protected=true by~mounted hint=
expect "Z18 a zvol a process holds open, no config: open, protected, no hint" $L:vm-160-disk-0 open=true by~open protected=true hint=
expect "Z19 a zvol held through its partition (zdNp1): open, protected, no hint" $L:vm-161-disk-0 open=true protected=true hint=
expect "Z20 a zvol with a mounted filesystem: protected (mounted), no hint" $L:vm-162-disk-0 by~mounted protected=true hint=
expect "Z21 a running guest's disk: valid, open, protected" $L:vm-163-disk-0 status=valid open=true protected=true hint=
expect "Z22 crashed vzdump with [vzdump] left: the config's (valid), PVE's own pct delsnapshot --force" $L:subvol-210-disk-0@vzdump status=valid "hint~pct delsnapshot 210 vzdump --force"
expect "Z23 vzdump snapshot without its section: destroy that snapshot only" $L:subvol-211-disk-0@vzdump status=orphan reason=operation-leftover "hint~zfs destroy rpool/data/subvol-211-disk-0@vzdump"
expect "Z24 vzdump running (lock: backup): pending, protected, no hint" $L:subvol-212-disk-0@vzdump pending=true protected=true hint=
expect "Z25 a __migration__ snapshot left on the source: operation-leftover, its destroy" $L:vm-170-disk-0@__migration__ status=orphan reason=operation-leftover "hint~rpool/data/vm-170-disk-0@__migration__"
expect "Z25 its volume stays valid" $L:vm-170-disk-0 status=valid hint=
expect "Z26 a half-migrated copy of a guest on pve2 (no job): orphan guest-on-other-node" $L:vm-171-disk-0 status=orphan reason=guest-on-other-node "hint~pvesm free local-zfs:vm-171-disk-0"
expect "Z27 a replica of VM 300 (job 300-0 targets here): valid replica, protected, no hint" $L:vm-300-disk-0 reason=replica protected=true by~replication-job:300-0 hint=
expect "Z27 its last sync snapshot (received by zfs recv): no hint" "$L:vm-300-disk-0@__replicate_300-0_${T2}__" hint=
expect "Z28 the source's last sync snapshot (state file last_sync): valid, no hint" "$L:vm-100-disk-0@__replicate_100-0_${T2}__" status=valid hint=
expect "Z29 a __replicate_ snapshot of a job that is gone: orphan, destroy that snapshot" "$L:vm-101-disk-0@__replicate_101-0_${T1}__" status=orphan "hint~zfs destroy rpool/data/vm-101-disk-0@__replicate_101-0_${T1}__"
expect "Z30 PVE's zfs recv -F cut off: the kernel left no dataset" $L:vm-310-disk-0 absent
# A partial receive into a new dataset stays under its own name with a receive_resume_token: no PVE
# operation resumes it (volume_import never passes -s), no config names it.
expect "Z31 a resumable receive cut off (recv -s, new dataset): orphan guest-missing, pvesm free, said to be a partial receive" $L:vm-311-disk-0 status=orphan reason=guest-missing "hint~pvesm free local-zfs:vm-311-disk-0" "detail~partially received zvol"
expect "Z31b a disk whose incremental recv -s was cut (a hidden %recv clone under it): valid, no hint" $L:vm-312-disk-0 status=valid hint=
expect "Z31b the hidden %recv clone is not listed as a volume" "$L:vm-312-disk-0/%recv" absent
expect "Z32 rename_volume (qm disk reassign): valid under its new owner" $L:vm-104-disk-0 status=valid hint=
expect "Z33 the source of a move without delete (unused0): valid" $L:vm-105-disk-0 status=valid hint=
expect "Z33 the moved disk (zfs create -b 16k, not sparse): valid" tank-zfs:vm-105-disk-0 status=valid hint= sizeBytes=33554432
expect "Z34 a copy of a guest on the other node, no job: orphan guest-on-other-node" $L:vm-180-disk-0 status=orphan reason=guest-on-other-node
# Never harm, over every entry: a hint only on an orphan that is neither protected nor pending — or PVE's own
# step for a snapshot a config's section names (Z22: `pct delsnapshot --force`, what the next backup does), as
# in the Ceph suite.
harm=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
for (const e of d.volumes.entries) if (e.hint && ((e.status !== "orphan" && !e.namedBySection) || e.protected || e.pending)) console.log(e.volid, e.snapshot ?? "", e.status, e.hint)' "$J")
check "never harm: no hint on a valid, unknown, protected or pending entry${harm:+ ($harm)}" test -z "$harm"
check "orphans found: exit 1" test "$RC" = 1

echo "== the hints carried out as printed"
q() { "$@" >/dev/null 2>&1; }
check "Z9 the hint destroys that snapshot only" q run_hint $L:vm-103-disk-0@forced
check "Z12 pvesm free of the configless clone (free_image: zfs destroy -r)" q run_hint $L:base-900-disk-0/vm-902-disk-0
check "Z15 pvesm free of the destroyed VM's zvol" q run_hint $L:vm-150-disk-0
check "Z16 pvesm free of the gone CT's dataset" q run_hint $L:subvol-250-disk-0
check "Z23 the vzdump snapshot's destroy" q run_hint $L:subvol-211-disk-0@vzdump
check "Z29 the gone job's __replicate_ snapshot's destroy" q run_hint "$L:vm-101-disk-0@__replicate_101-0_${T1}__"
check "Z31 pvesm free of the partial receive" q run_hint $L:vm-311-disk-0
record list-after "${ZARGV[@]}"
vrun
expect "Z9 gone after its hint" $L:vm-103-disk-0@forced absent
expect "Z9 its volume still valid" $L:vm-103-disk-0 status=valid
expect "Z12 the freed clone is gone" $L:base-900-disk-0/vm-902-disk-0 absent
expect "Z12 the template still protected by its remaining clone" $L:base-900-disk-0 status=valid by~has-clones
expect "Z12 the remaining clone still valid" $L:base-900-disk-0/vm-901-disk-0 status=valid
expect "Z15 gone" $L:vm-150-disk-0 absent
expect "Z16 gone" $L:subvol-250-disk-0 absent
expect "Z23 gone, its dataset still valid" $L:subvol-211-disk-0 status=valid
expect "Z29 gone; the hold's snapshot [old] still there" $L:vm-101-disk-0@old status=valid
expect "Z31 the partial receive gone" $L:vm-311-disk-0 absent
check "Z31 its source on pve2 untouched" q zfs list pve2/data/vm-310-disk-0@s1
check "Z27 the replica and its sync snapshot are untouched" q zfs list "rpool/data/vm-300-disk-0@__replicate_300-0_${T2}__"
check "Z28 the source's sync snapshot is untouched (next incremental's base)" q zfs list "rpool/data/vm-100-disk-0@__replicate_100-0_${T2}__"
check "Z2 the rollback target [before] is untouched" q zfs list rpool/data/vm-100-disk-0@before
# What the PVE commands would do to the protected ones (why they are protected): the busy zvol and the
# mounted CT rootfs. PVE's free_image on them (zfs destroy -r) must fail or take the mount with it.
out=$(zfs destroy -r rpool/data/vm-160-disk-0 2>&1)
check "Z18 why protected: zfs destroy of the open zvol fails (${out})" test -n "$out"
out=$(zfs destroy -r rpool/data/subvol-251-disk-0 2>&1)
echo "   Z17: zfs destroy -r of the bind-mounted subvol said: ${out:-nothing (exit 0)}"
check "Z17 why protected: the running CT's rootfs mount would break (destroy fails or the bind loses its dataset)" \
  test -n "$out" -o ! -e /var/lib/lxc/251/rootfs/.

echo "== reclaim: quarantine, restore byte for byte, purge (the real zfs)"
. ./lib/reclaim-lib.sh
RC_CONF=/tmp/reclaim.toml
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
reclaim() { pve_root_proc "$R"; node "$CLI" --root "$R" --config "$RC_CONF" reclaim "$@"; }
restore() { pve_root_proc "$R"; node "$CLI" --root "$R" --config "$RC_CONF" restore "$@"; }
QD=rpool/data/pve-health-quarantine
# A destroyed VM's zvol and a gone CT's dataset (alloc_image as Z15, Z16), each with data to find again.
alloc local-zfs vm-190-disk-0 32768 && dd if=/dev/urandom of=/dev/zvol/rpool/data/vm-190-disk-0 bs=1M count=32 status=none oflag=direct
subvol local-zfs subvol-290-disk-0 65536 && dd if=/dev/urandom of=/rpool/data/subvol-290-disk-0/data.bin bs=1M count=8 status=none
ZS=$(sha_of /dev/zvol/rpool/data/vm-190-disk-0); DS=$(sha_of /rpool/data/subvol-290-disk-0/data.bin)
reclaim --dry-run --json >/tmp/rp.json 2>/dev/null
rcode() { jget /tmp/rp.json "(d.plan.refused.find(r=>r.volid===\"$1\")||{}).code"; }
planned=$(jget /tmp/rp.json 'd.plan.actions.map(a=>a.volid).filter(v=>/190|290/.test(v)).sort().join(" ")')
check "reclaim plans the zvol and the dataset ($planned)" test "$planned" = "$L:subvol-290-disk-0 $L:vm-190-disk-0"
check "Z18 the open zvol is refused: protected ($(rcode $L:vm-160-disk-0))" test "$(rcode $L:vm-160-disk-0)" = protected
# (--all lists findings only: what is not one is refused when named)
reclaim --dry-run --json --name $L:vm-300-disk-0 --name $L:vm-100-disk-0 --name $L:base-900-disk-0 >/tmp/rp.json 2>/dev/null
check "Z27 the replica is refused: replica ($(rcode $L:vm-300-disk-0))" test "$(rcode $L:vm-300-disk-0)" = replica
check "Z1 the valid disk is refused: valid ($(rcode $L:vm-100-disk-0))" test "$(rcode $L:vm-100-disk-0)" = valid
check "Z10 the template with clones is refused: template-base ($(rcode $L:base-900-disk-0))" test "$(rcode $L:base-900-disk-0)" = template-base
t1=$(date +%s)
reclaim --yes --name $L:vm-190-disk-0 --name $L:subvol-290-disk-0 >/tmp/rq.out 2>&1; rc=$?
echo "   reclaim (2 volumes) took $(($(date +%s) - t1)) s"; sed 's/^/   /' /tmp/rq.out
check "reclaim: exit 0 (got $rc)" test "$rc" = 0
RJ=$(newest_journal "$R" reclaim)
zq=$(zfs list -H -o name -r $QD | grep 'vm-190-disk-0$'); dq=$(zfs list -H -o name -r $QD | grep 'subvol-290-disk-0$')
check "zvol in $QD ($zq)" sh -c "echo '$zq' | grep -Eq '^$QD/pve-health-q\.[0-9]{8}T[0-9]{6}Z\.vm-190-disk-0$'"
check "dataset in $QD ($dq)" sh -c "echo '$dq' | grep -Eq '^$QD/pve-health-q\.[0-9]{8}T[0-9]{6}Z\.subvol-290-disk-0$'"
check "both read-only" test "$(zfs get -H -o value readonly "$zq" "$dq" 2>/dev/null | tr '\n' ' ')" = "on on "
check "the quarantine dataset is not mounted (mountpoint none)" test "$(zfs get -H -o value mountpoint $QD)" = none
check "the original names are gone" sh -c '! zfs list rpool/data/vm-190-disk-0 >/dev/null 2>&1 && ! zfs list rpool/data/subvol-290-disk-0 >/dev/null 2>&1'
vrun
expect "in quarantine, the zvol is no orphan: ignored/quarantined" "$L:vm-190-disk-0" status=ignored reason=quarantined hint=
expect "in quarantine, the dataset is no orphan: ignored/quarantined" "$L:subvol-290-disk-0" status=ignored reason=quarantined hint=
orph=$(jget "$J" 'd.volumes.entries.filter(e=>e.status==="orphan"&&/190|290|pve-health/.test(e.volid)).map(e=>e.volid).join()')
check "volumes: none of them an orphan (${orph})" test -z "$orph"
t1=$(date +%s)
restore "$RJ" --yes >/tmp/rr.out 2>&1; rc=$?
echo "   restore took $(($(date +%s) - t1)) s"; sed 's/^/   /' /tmp/rr.out
check "restore: exit 0 (got $rc)" test "$rc" = 0
check "zvol back under its name" zvol_link rpool/data/vm-190-disk-0
check "zvol: same bytes (sha256 of /dev/zvol)" test "$(sha_of /dev/zvol/rpool/data/vm-190-disk-0)" = "$ZS"
# The rename out of the mountpoint=none quarantine does not mount the dataset (OpenZFS 2.1.11): restore
# mounts it itself (zfs mount, as ZFSPoolPlugin.pm activate_volume would). Checked as zfs says it, never
# mounted here.
check "restore planned and ran zfs mount for the dataset" grep -q '^ *zfs mount rpool/data/subvol-290-disk-0$' /tmp/rr.out
check "dataset back, mounted at its path by restore ($(zfs get -H -o value mounted,mountpoint rpool/data/subvol-290-disk-0 | tr '\n' ' '))" \
  test "$(zfs get -H -o value mounted,mountpoint rpool/data/subvol-290-disk-0 | tr '\n' ' ')" = "yes /rpool/data/subvol-290-disk-0 "
check "dataset: same bytes (sha256 of its file)" test "$(sha_of /rpool/data/subvol-290-disk-0/data.bin 2>/dev/null)" = "$DS"
check "readonly inherited again (not local)" test "$(zfs get -H -o source readonly rpool/data/vm-190-disk-0 rpool/data/subvol-290-disk-0 | grep -c local)" = 0
check "dataset: refquota kept" test "$(zfs get -Hp -o value refquota rpool/data/subvol-290-disk-0)" = 67108864
printf '[reclaim]\nretention_days = 0\n' >"$RC_CONF"
reclaim --yes --name $L:vm-190-disk-0 --name $L:subvol-290-disk-0 >/tmp/rq2.out 2>&1; rc=$?
sed 's/^/   /' /tmp/rq2.out
check "quarantined again for the purge: exit 0 (got $rc)" test "$rc" = 0
zq=$(zfs list -H -o name -r $QD | grep 'vm-190-disk-0$'); dq=$(zfs list -H -o name -r $QD | grep 'subvol-290-disk-0$')
sleep 1.1
t1=$(date +%s)
reclaim --purge --yes --name $L:vm-190-disk-0 --name $L:subvol-290-disk-0 >/tmp/rpu.out 2>&1; rc=$?
echo "   purge took $(($(date +%s) - t1)) s"; sed 's/^/   /' /tmp/rpu.out
check "purge: exit 0 (got $rc)" test "$rc" = 0
check "purged: neither dataset exists" sh -c "! zfs list '$zq' >/dev/null 2>&1 && ! zfs list '$dq' >/dev/null 2>&1"
PJ=$(newest_journal "$R" reclaim)
check "purge journal says what it destroyed" \
  test "$(jget "$PJ" 'd.actions.filter(a=>a.kind==="purge"&&a.result==="done").map(a=>a.command.join(" ")).sort().join("|")')" = "zfs destroy -r $dq|zfs destroy -r $zq"
check "Z1 the valid disk untouched" q zfs list rpool/data/vm-100-disk-0@before

echo "== reclaim of a leftover snapshot: renamed on its zvol, restored, purged alone (the real zfs)"
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
# Z35 an interrupted migration's __migration__ left on the zvol of VM 175, whose config names the zvol
# (Storage.pm storage_migrate: volume_snapshot __migration__ before the export; its delete on the
# source failed), the guest writing on since: the snapshot and the zvol differ.
SD=rpool/data/vm-175-disk-0
alloc local-zfs vm-175-disk-0 32768 && dd if=/dev/urandom of=/dev/zvol/$SD bs=1M count=16 status=none oflag=direct &&
  snap local-zfs vm-175-disk-0 __migration__ &&
  dd if=/dev/urandom of=/dev/zvol/$SD bs=1M count=8 seek=4 status=none oflag=direct
conf pve1/qemu-server/175.conf <<'C'
name: migrated-once
scsi0: local-zfs:vm-175-disk-0,size=32M
C
# Z36 the same leftover with a clone an admin made of it (zfs clone, to look into it), and Z37 one whose
# clone lies outside the storage's dataset (rpool/…, not under rpool/data).
for v in 176 177; do
  alloc local-zfs vm-$v-disk-0 32768 && snap local-zfs vm-$v-disk-0 __migration__ &&
    printf 'name: vm%s\nscsi0: local-zfs:vm-%s-disk-0,size=32M\n' $v $v | conf pve1/qemu-server/$v.conf
done
zfs clone rpool/data/vm-176-disk-0@__migration__ rpool/data/inspect-176
zfs clone rpool/data/vm-177-disk-0@__migration__ rpool/inspect-177
pve_vmlist "$R"
# snap_sha DS@SNAP: sha256 of the snapshot's bytes through its device (snapdev=visible only for the read:
# no device of it is left when pve-health looks). snap_id DS@SNAP: guid and createtxg (the same snapshot,
# whatever its name). snaps_of DS: the snapshot names of DS.
snap_sha() {
  local ds=${1%@*} r=''
  zfs set snapdev=visible "$ds" && zvol_link "$1" >/dev/null && r=$(sha_of "/dev/zvol/$1")
  zfs inherit snapdev "$ds"; udevadm settle -t 10 2>/dev/null
  echo "$r"
}
snap_id() { zfs get -H -p -o value guid,createtxg "$1" 2>/dev/null | paste -sd' '; }
snaps_of() { zfs list -H -o name -t snapshot -r "$1" 2>/dev/null | sed 's/.*@//' | paste -sd' '; }
crun() {
  pve_root_proc "$R"
  node "$CLI" --root "$R" --config "$RC_CONF" check --json >"$J" 2>/tmp/c.err
  echo "   pve-health check: exit $?"
  [ -s /tmp/c.err ] && sed 's/^/   stderr: /' /tmp/c.err | head -5
}
VS=$(sha_of /dev/zvol/$SD); MS=$(snap_sha $SD@__migration__); MID=$(snap_id $SD@__migration__)
check "Z35 the snapshot and the zvol differ (the guest wrote on)" test -n "$MS" -a "$MS" != "$VS"
crun
expect "Z35 check: the __migration__ leftover is an orphan operation-leftover, reclaim before the destroy" \
  $L:vm-175-disk-0@__migration__ status=orphan reason=operation-leftover protected=false \
  "hint~pve-health reclaim --name $L:vm-175-disk-0@__migration__" "hint~zfs destroy $SD@__migration__"
kinds=$(step_kinds "$J" $L:vm-175-disk-0 __migration__)
check "Z35 its steps: the reclaim, then the drop ($kinds)" test "$kinds" = "reclaim:pve-health drop:zfs"
expect "Z35 its zvol stays valid" $L:vm-175-disk-0 status=valid hint=
t1=$(date +%s)
reclaim --yes --name $L:vm-175-disk-0@__migration__ >/tmp/rs.out 2>&1; rc=$?
echo "   reclaim (1 snapshot) took $(($(date +%s) - t1)) s"; sed 's/^/   /' /tmp/rs.out
check "Z35 reclaim --name VOLID@SNAP: exit 0 (got $rc)" test "$rc" = 0
SJ=$(newest_journal "$R" reclaim)
check "Z35 the journal: one step, zfs-snapshot-rename, done ($(journal_ops "$SJ" | paste -sd'|'))" \
  test "$(journal_ops "$SJ" | paste -sd'|')" = "reclaim zfs-snapshot-rename done"
QS=$(snaps_of $SD)
check "Z35 zfs list -t snapshot: the quarantine name, no @__migration__ ($QS)" \
  sh -c "echo '$QS' | grep -Eqx 'pve-health-q\.[0-9]{8}T[0-9]{6}Z\.__migration__'"
QN=$QS
check "Z35 the same snapshot, renamed (guid, createtxg: $(snap_id "$SD@$QN"))" test "$(snap_id "$SD@$QN")" = "$MID"
check "Z35 the zvol: same bytes (sha256 of /dev/zvol)" test "$(sha_of /dev/zvol/$SD)" = "$VS"
check "Z35 the snapshot: same bytes (sha256 of its device)" test "$(snap_sha "$SD@$QN")" = "$MS"
check "Z35 the zvol is not moved, not read-only" test "$(zfs get -H -o value readonly $SD)" = off
crun
expect "Z35 check: the renamed snapshot is ignored/quarantined, no hint" "$L:vm-175-disk-0@$QN" status=ignored reason=quarantined hint=
expect "Z35 check: no @__migration__ entry any more" $L:vm-175-disk-0@__migration__ absent
qv=$(jget "$J" '(d.quarantine?.volumes??[]).filter(q=>/vm-175/.test(q.volid)).map(q=>q.volid+" "+q.name).join("|")')
check "Z35 check's quarantine list names it VOLID@SNAP ($qv)" test "$qv" = "$L:vm-175-disk-0@__migration__ $SD@$QN"
orph=$(jget "$J" 'd.volumes.entries.filter(e=>e.status==="orphan"&&/vm-175/.test(e.volid)).map(e=>e.volid+"@"+e.snapshot).join()')
check "Z35 none of it an orphan ($orph)" test -z "$orph"
# A migration since made a new __migration__: restore never renames over it.
zfs snapshot $SD@__migration__
restore "$SJ" --yes >/tmp/rsr0.out 2>&1; rc=$?
sed 's/^/   /' /tmp/rsr0.out
check "Z35 restore refused while a new @__migration__ exists (exit $rc)" test "$rc" != 0
check "Z35 both snapshots as they were ($(snaps_of $SD))" test "$(snaps_of $SD)" = "$QN __migration__"
zfs destroy $SD@__migration__
t1=$(date +%s)
restore "$SJ" --yes >/tmp/rsr.out 2>&1; rc=$?
echo "   restore took $(($(date +%s) - t1)) s"; sed 's/^/   /' /tmp/rsr.out
check "Z35 restore: exit 0 (got $rc)" test "$rc" = 0
check "Z35 @__migration__ back, the quarantine name gone ($(snaps_of $SD))" test "$(snaps_of $SD)" = __migration__
check "Z35 the same snapshot back (guid, createtxg)" test "$(snap_id $SD@__migration__)" = "$MID"
check "Z35 after restore: same bytes, zvol and snapshot" test "$(sha_of /dev/zvol/$SD) $(snap_sha $SD@__migration__)" = "$VS $MS"
printf '[reclaim]\nretention_days = 0\n' >"$RC_CONF"
reclaim --yes --name $L:vm-175-disk-0@__migration__ >/tmp/rs2.out 2>&1; rc=$?
check "Z35 quarantined again for the purge: exit 0 (got $rc)" test "$rc" = 0
QN=$(snaps_of $SD)
sleep 1.1
t1=$(date +%s)
reclaim --purge --yes --name $L:vm-175-disk-0@__migration__ >/tmp/rspu.out 2>&1; rc=$?
echo "   purge (1 snapshot) took $(($(date +%s) - t1)) s"; sed 's/^/   /' /tmp/rspu.out
check "Z35 purge: exit 0 (got $rc)" test "$rc" = 0
check "Z35 purged: no snapshot left on the zvol ($(snaps_of $SD))" test -z "$(snaps_of $SD)"
check "Z35 the zvol is still there, same bytes" test "$(sha_of /dev/zvol/$SD)" = "$VS"
PJ=$(newest_journal "$R" reclaim)
pj=$(jget "$PJ" 'd.actions.filter(a=>a.kind==="purge"&&a.result==="done").map(a=>a.command.join(" ")).join("|")')
check "Z35 the purge journal: zfs destroy of the snapshot alone ($pj)" test "$pj" = "zfs destroy $SD@$QN"
# Z36 refused by name: a snapshot a clone was made from (template-base), nothing renamed.
reclaim --yes --json --name $L:vm-176-disk-0@__migration__ >/tmp/rp.json 2>/tmp/rsx.err; rc=$?
code=$(rcode $L:vm-176-disk-0@__migration__)
jget /tmp/rp.json 'd.plan.refused.map(r=>r.volid+": "+r.code+" ("+r.why+")").join("\n")' | sed 's/^/   /'
check "Z36 a snapshot with a clone (rpool/data/inspect-176) is refused: template-base ($code), exit 1 (got $rc)" test "$code $rc" = "template-base 1"
check "Z36 nothing renamed ($(snaps_of rpool/data/vm-176-disk-0))" test "$(snaps_of rpool/data/vm-176-disk-0)" = __migration__
# Z37 the clone lies outside what pve-health lists (zfs list -r of the storages' datasets: rpool/data, tank):
# what reclaim does is shown, not asserted (docs/reclaim.md "Not covered yet"); asserted is that the
# clone keeps its origin, the same snapshot whatever its name.
OID=$(snap_id rpool/data/vm-177-disk-0@__migration__)
reclaim --yes --json --name $L:vm-177-disk-0@__migration__ >/tmp/rp.json 2>/tmp/rsx.err; rc=$?
code=$(rcode $L:vm-177-disk-0@__migration__)
echo "   Z37 a clone outside rpool/data: reclaim exit $rc, refused '${code}', the snapshots now: $(snaps_of rpool/data/vm-177-disk-0)"
org=$(zfs get -H -o value origin rpool/inspect-177)
check "Z37 the clone outside the storage keeps its origin, the same snapshot ($org)" test "$(snap_id "$org")" = "$OID"
if [ "$rc" = 0 ]; then
  # Taken: nothing may be lost. The purge's zfs destroy (never -R) is refused by zfs while the clone
  # exists (the step fails: exit 2, journaled); restore renames it back.
  J37=$(newest_journal "$R" reclaim)
  printf '[reclaim]\nretention_days = 0\n' >"$RC_CONF"
  reclaim --purge --yes --name $L:vm-177-disk-0@__migration__ >/tmp/rsp7.out 2>&1; rc=$?
  grep -E 'cannot|clone|Summary' /tmp/rsp7.out | head -4 | sed 's/^/   /'
  check "Z37 its purge fails at zfs destroy, exit 2 (got $rc); the snapshot and the clone stay" \
    test "$rc $(snap_id "$org") $(zfs get -H -o value origin rpool/inspect-177)" = "2 $OID $org"
  restore "$J37" --yes >/tmp/rsr7.out 2>&1; rc=$?
  check "Z37 restore: exit $rc, @__migration__ back, the clone's origin with it" \
    test "$rc $(snaps_of rpool/data/vm-177-disk-0) $(zfs get -H -o value origin rpool/inspect-177)" = "0 __migration__ rpool/data/vm-177-disk-0@__migration__"
fi
echo "== a zfs list that lost whole lines (exit 0): caught by the zvol link udev made (the real zfs)"
# Z38 the first listing loses a zvol's lines (a pipe cut where a line ended), while asked by name zfs
# lists it: reclaim --all names local-zfs not seen whole, exit 3. Beside it, a /dev/zvol link that outlived
# its zvol (udev's lag after a destroy): zfs says "dataset does not exist", the storage is graded.
REALZFS=$(command -v zfs)
mkdir -p /tmp/cutzfs
printf '#!/bin/sh\ncase " $* " in *" -r "*) "%s" "$@" | grep -Ev "^rpool/data/vm-100-disk-0[@[:space:]]"; exit 0;; esac\nexec "%s" "$@"\n' \
  "$REALZFS" "$REALZFS" >/tmp/cutzfs/zfs
chmod +x /tmp/cutzfs/zfs
PATH=/tmp/cutzfs:$PATH reclaim --dry-run --json --all >/tmp/cut.json 2>/tmp/cut.err; rc=$?
head -3 /tmp/cut.err | sed 's/^/   /'
why=$(jget /tmp/cut.json '(d.partial??[]).filter(x=>x.storage==="local-zfs").map(x=>x.why).join()')
check "Z38 the cut listing: exit 3 (got $rc)" test "$rc" = 3
names_it() { case $1 in *"left out rpool/data/vm-100-disk-0 (its link /dev/zvol/rpool/data/vm-100-disk-0 -> zd"*"), which zfs lists when asked by name"*) ;; *) return 1 ;; esac; }
check "Z38 local-zfs not seen whole, the zvol and its link named ($why)" names_it "$why"
ln -s ../../../zd9999 /dev/zvol/rpool/data/vm-999-disk-0
reclaim --dry-run --json --all >/tmp/stale.json 2>/tmp/stale.err
why=$(jget /tmp/stale.json '(d.partial??[]).map(x=>x.storage+": "+x.why).join()')
check "Z38 a link whose zvol is gone: local-zfs and tank-zfs seen whole ($why)" test "${why#*zfs}" = "$why"
rm -f /dev/zvol/rpool/data/vm-999-disk-0
for p in "${HOLDERS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
umount /mnt/z162 /var/lib/lxc/251/rootfs 2>/dev/null
echo "   suite took $(($(date +%s) - t0)) s"
zpool export -a 2>/dev/null
finish
