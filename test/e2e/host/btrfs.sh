#!/bin/bash
# Real-btrfs suite (npm run test:btrfs), on the host, as root, in a mount namespace of its own (nothing
# it mounts is seen outside it or outlives it): a btrfs filesystem on a loop-backed file, laid out as
# PVE's BTRFSPlugin.pm makes it — a raw disk is the subvolume images/<vmid>/vm-<vmid>-disk-N holding
# disk.raw, a container's volume the subvolume images/<vmid>/subvol-<vmid>-disk-N.subvol, a snapshot the
# read-only sibling subvolume <name>@<snap> (alloc_image, filesystem_path, volume_snapshot) — under a
# fake root whose /etc/pve names it `btrfs: local-btrfs`. Then `pve-health --root <root> reclaim` for
# real: quarantine (one rename(2) of each subvolume: the same subvolume ID after, never a copy),
# `restore JOURNAL` byte for byte, a second quarantine and `reclaim --purge` (btrfs subvolume delete,
# as free_image) with retention_days = 0; a volume with an @snap sibling and a subvolume bind-mounted as
# a container's rootfs are refused. Prints PASS/FAIL lines and "N passed, N failed".
set -u
cd "$(dirname "$0")/../../.."
if [ "${PVE_HEALTH_BTRFS_NS:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  # Mounts of this suite stay in its own namespace: private propagation, gone with its last process.
  PVE_HEALTH_BTRFS_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. test/e2e/lib/assert.sh
. test/e2e/lib/pve-root.sh
. test/e2e/lib/reclaim-lib.sh
CLI=${PVE_HEALTH_CLI:-$PWD/dist/pve-health.cjs}

need=()
for c in mkfs.btrfs btrfs losetup unshare; do command -v "$c" >/dev/null || need+=("$c"); done
grep -qw btrfs /proc/filesystems 2>/dev/null || modprobe btrfs 2>/dev/null || need+=("the btrfs kernel module")
if [ "$(id -u)" != 0 ] || [ "${PVE_HEALTH_BTRFS_NS:-}" != 1 ] || [ ${#need[@]} -gt 0 ]; then
  why="needs root, unshare and Debian's btrfs-progs on a kernel with btrfs (missing: ${need[*]:-none}; uid $(id -u))"
  # CI installs btrfs-progs (.ci/apt-packages): there a missing piece is a failure, never a silent skip.
  if [ "${CI:-}" = true ]; then echo "FAIL: real-btrfs suite $why"; echo "0 passed, 1 failed"; exit 1; fi
  echo "SKIP: real-btrfs suite $why"
  exit 0
fi

T=$(mktemp -d /tmp/pve-health-btrfs.XXXXXX)
R=$T/root
S=$R/mnt/btrfs
cleanup() {
  umount "$T/alt" "$T/other" "$I/205/vm-205-disk-0" 2>/dev/null
  umount "$R/var/lib/lxc/203/rootfs" 2>/dev/null
  umount "$S" 2>/dev/null || umount -l "$S" 2>/dev/null
  pve_root_remove "$R"
  rm -rf --one-file-system "$T"
}
trap cleanup EXIT

pve_root "$R" pve1
mkdir -p "$R/var/log/pve/tasks" "$S" "$R/var/lib/lxc/203/rootfs"
: >"$R/var/log/pve/tasks/active"
printf '{\n"nodename": "pve1",\n"version": 2,\n"cluster": { "name": "lab", "version": 1, "nodes": 1, "quorate": 1 },\n"nodelist": {\n  "pve1": { "id": 1, "online": 1, "ip": "127.0.0.1"}\n  }\n}\n' >"$R/etc/pve/.members"
printf 'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nbtrfs: local-btrfs\n\tpath /mnt/btrfs\n\tcontent images,rootdir\n' >"$R/etc/pve/storage.cfg"
# A guest that still has its disk: valid, never planned.
printf 'scsi0: local-btrfs:204/vm-204-disk-0.raw,size=4M\nmemory: 512\n' >"$R/etc/pve/nodes/pve1/qemu-server/204.conf"
pve_vmlist "$R"

echo "== a btrfs filesystem on a loop-backed file, PVE's layout (BTRFSPlugin.pm)"
truncate -s 512M "$T/btrfs.img"
mkfs.btrfs -q "$T/btrfs.img" >/dev/null 2>&1 && mount -o loop "$T/btrfs.img" "$S" ||
  { echo "FAIL: mkfs.btrfs or the loop mount"; echo "0 passed, 1 failed"; exit 1; }
I=$S/images
# alloc_image: `btrfs subvolume create` of images/<vmid>/<name> (raw: disk.raw inside it, made by qemu-img
# create; here the data written straight into it).
raw_disk() { mkdir -p "$I/$1" && btrfs -q subvolume create "$I/$1/$2" && head -c "$3" /dev/urandom >"$I/$1/$2/disk.raw"; }
subvol() {
  mkdir -p "$I/$1" && btrfs -q subvolume create "$I/$1/$2" && mkdir -p "$I/$1/$2/etc" "$I/$1/$2/var/lib" &&
    head -c 1048576 /dev/urandom >"$I/$1/$2/var/lib/data.bin" && echo "ct$1" >"$I/$1/$2/etc/hostname"
}
raw_disk 200 vm-200-disk-0 8388608   # a destroyed VM's disk whose free_image never ran
subvol 201 subvol-201-disk-0.subvol  # a destroyed container's volume
raw_disk 202 vm-202-disk-0 4194304   # a leftover with a snapshot: volume_snapshot `btrfs subvolume snapshot -r`
btrfs -q subvolume snapshot -r "$I/202/vm-202-disk-0" "$I/202/vm-202-disk-0@before"
subvol 203 subvol-203-disk-0.subvol  # no config, but a container runs from it (LXC.pm mountpoint_mount)
mount --bind "$I/203/subvol-203-disk-0.subvol" "$R/var/lib/lxc/203/rootfs"
raw_disk 204 vm-204-disk-0 4194304   # VM 204's disk (its config names it)

# tree_sha DIR: one sha256 over every file's path (relative), mode and content.
tree_sha() { (cd "$1" && find . -type f -printf '%p %m\n' | sort && find . -type f -print0 | sort -z | xargs -0 cat) | sha256sum | cut -d' ' -f1; }
subvol_id() { btrfs subvolume show "$1" 2>/dev/null | sed -n 's/^[[:space:]]*Subvolume ID:[[:space:]]*//p'; }
A0=$(sha_of "$I/200/vm-200-disk-0/disk.raw"); B0=$(tree_sha "$I/201/subvol-201-disk-0.subvol")
AID=$(subvol_id "$I/200/vm-200-disk-0"); BID=$(subvol_id "$I/201/subvol-201-disk-0.subvol")
check "the raw disk and the subvol are subvolumes (IDs $AID, $BID)" test -n "$AID" -a -n "$BID"

# The node's mount table as the node sees it: the kernel's own lines, the fake root's prefix taken off
# the targets (the storage at /mnt/btrfs, the container's rootfs at /var/lib/lxc/203/rootfs).
node_proc() {
  pve_root_proc "$R"
  awk -v r="$R" '{ if (index($5, r "/") == 1) $5 = substr($5, length(r) + 1); print }' "$R/proc/self/mountinfo" >"$T/mi" &&
    cat "$T/mi" >"$R/proc/self/mountinfo"
}
RC_CONF=$T/reclaim.toml
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
# reclaim, like every act command, reads device-mapper first: without a device-mapper driver in this
# kernel, a dmsetup that answers as a node without maps stands in (lib/no-dm-dmsetup).
ACT_PATH=$PATH
if ! dmsetup info -c >/dev/null 2>&1 || dmsetup info -c 2>&1 | grep -q 'open failed'; then
  mkdir -p "$T/nodm" && cp test/e2e/lib/no-dm-dmsetup "$T/nodm/dmsetup"
  ACT_PATH=$T/nodm:$PATH
fi
pvh() { node_proc; PATH="$ACT_PATH" node "$CLI" --root "$R" --config "$RC_CONF" "$@"; }
V=local-btrfs
A=$V:200/vm-200-disk-0.raw; B=$V:201/subvol-201-disk-0.subvol

echo "== the volumes part: verdicts and hints"
pvh volumes --json >"$T/v.json" 2>"$T/v.err"
field() { jget "$T/v.json" "(d.volumes.entries.find(e=>e.volid===\"$1\"&&!e.snapshot)||{}).$2"; }
for v in "$A" "$B"; do
  check "$v: orphan ($(field "$v" status)/$(field "$v" reason)), the hint names reclaim first" \
    sh -c "test '$(field "$v" status)' = orphan && echo '$(field "$v" hint)' | grep -q 'pve-health reclaim --name $v.*pvesm free $v'"
done
check "the mounted subvol: protected by its mount ($(field $V:203/subvol-203-disk-0.subvol protectedBy))" \
  test "$(field $V:203/subvol-203-disk-0.subvol protectedBy)" = '["mounted"]'
check "VM 204's disk: valid ($(field $V:204/vm-204-disk-0.raw status))" test "$(field $V:204/vm-204-disk-0.raw status)" = valid

echo "== reclaim --dry-run: what is planned, what is refused and why"
pvh reclaim --dry-run --json --all >"$T/p.json" 2>/dev/null
planned=$(jget "$T/p.json" 'd.plan.actions.map(a=>a.volid).sort().join(" ")')
check "only the two orphans are planned ($planned)" test "$planned" = "$A $B"
rcode() { jget "$T/p.json" "(d.plan.refused.find(r=>r.volid===\"$1\")||{}).code"; }
pvh reclaim --dry-run --json --name $V:202/vm-202-disk-0.raw --name $V:203/subvol-203-disk-0.subvol --name $V:204/vm-204-disk-0.raw >"$T/p.json" 2>/dev/null
check "the disk with an @before sibling: refused has-snapshots ($(rcode $V:202/vm-202-disk-0.raw))" test "$(rcode $V:202/vm-202-disk-0.raw)" = has-snapshots
check "the subvol a container runs from: refused protected ($(rcode $V:203/subvol-203-disk-0.subvol))" test "$(rcode $V:203/subvol-203-disk-0.subvol)" = protected
check "VM 204's disk: refused valid ($(rcode $V:204/vm-204-disk-0.raw))" test "$(rcode $V:204/vm-204-disk-0.raw)" = valid

echo "== reclaim: one rename(2) of each subvolume into images/pve-health-quarantine"
pvh reclaim --yes --name "$A" --name "$B" >"$T/r.out" 2>&1; rc=$?
sed 's/^/   /' "$T/r.out"
check "reclaim: exit 0 (got $rc)" test "$rc" = 0
RJ=$(newest_journal "$R" reclaim)
QA=$(ls -d "$I"/pve-health-quarantine/pve-health-q.*.200.vm-200-disk-0 2>/dev/null)
QB=$(ls -d "$I"/pve-health-quarantine/pve-health-q.*.201.subvol-201-disk-0.subvol 2>/dev/null)
check "the originals are gone from images/<vmid>" test ! -e "$I/200/vm-200-disk-0" -a ! -e "$I/201/subvol-201-disk-0.subvol"
check "in quarantine, the same subvolumes (IDs $(subvol_id "$QA"), $(subvol_id "$QB")): renamed, not copied" \
  test -n "$QA" -a -n "$QB" -a "$(subvol_id "$QA")" = "$AID" -a "$(subvol_id "$QB")" = "$BID"
pvh volumes --json >"$T/v.json" 2>/dev/null
check "the volumes part lists them quarantined ($(field "$A" reason), $(field "$B" reason)), no hint" \
  test "$(field "$A" reason)$(field "$B" reason)$(field "$A" hint)$(field "$B" hint)" = quarantinedquarantined

echo "== restore JOURNAL: back under their names, byte for byte"
pvh restore "$RJ" --yes >"$T/rr.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rr.out"
check "restore: exit 0 (got $rc)" test "$rc" = 0
check "the raw disk is back, the same data (sha256 of disk.raw) and subvolume" \
  test "$(sha_of "$I/200/vm-200-disk-0/disk.raw" 2>/dev/null)" = "$A0" -a "$(subvol_id "$I/200/vm-200-disk-0")" = "$AID"
check "the subvol is back, the same tree (sha256 of paths, modes, contents) and subvolume" \
  test "$(tree_sha "$I/201/subvol-201-disk-0.subvol" 2>/dev/null)" = "$B0" -a "$(subvol_id "$I/201/subvol-201-disk-0.subvol")" = "$BID"

echo "== a second quarantine, then reclaim --purge with retention_days = 0: btrfs subvolume delete"
printf '[reclaim]\nretention_days = 0\n' >"$RC_CONF"
pvh reclaim --yes --name "$A" --name "$B" >"$T/r2.out" 2>&1; rc=$?
check "reclaim again: exit 0 (got $rc)" test "$rc" = 0
pvh reclaim --purge --yes --name "$A" --name "$B" >"$T/pu.out" 2>&1; rc=$?
sed 's/^/   /' "$T/pu.out"
check "reclaim --purge: exit 0 (got $rc)" test "$rc" = 0
PJ=$(newest_journal "$R" reclaim)
ops=$(journal_ops "$PJ" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "its journal: two subvolume deletes, done ($ops)" sh -c "echo '$ops' | grep -q '2 purge btrfs-subvolume-delete done'"
left=$(btrfs subvolume list "$S" | grep -c -e 'vm-200-disk-0' -e 'subvol-201-disk-0')
check "btrfs subvolume list no longer has them ($left left)" test "$left" = 0
check "the quarantine directory is empty" test -z "$(ls -A "$I/pve-health-quarantine")"
check "the refused ones are untouched: the @before sibling, the mounted subvol, VM 204's disk" \
  test -f "$I/202/vm-202-disk-0/disk.raw" -a -f "$I/202/vm-202-disk-0@before/disk.raw" -a -f "$R/var/lib/lxc/203/rootfs/etc/hostname" -a -f "$I/204/vm-204-disk-0/disk.raw"
echo "== a subvol holding a subvolume of its own (docker or a nested CT inside): the purge fails, nothing deleted"
subvol 207 subvol-207-disk-0.subvol && btrfs -q subvolume create "$I/207/subvol-207-disk-0.subvol/var/lib/inner"
C=$V:207/subvol-207-disk-0.subvol
pvh reclaim --yes --name "$C" >"$T/r3.out" 2>&1; rc=$?
check "reclaim of it: exit 0 (got $rc)" test "$rc" = 0
pvh reclaim --purge --yes --name "$C" >"$T/pu2.out" 2>&1; rc=$?
grep -E 'FAILED|Directory not empty' "$T/pu2.out" | head -2 | sed 's/^/   /'
QC=$(ls -d "$I"/pve-health-quarantine/pve-health-q.*.207.subvol-207-disk-0.subvol 2>/dev/null)
check "reclaim --purge: exit 2, btrfs refuses (Directory not empty), the subvol and its inner one stay (got $rc)" \
  sh -c "test $rc = 2 && grep -q 'Directory not empty' '$T/pu2.out' && test -d '$QC/var/lib/inner' -a -f '$QC/etc/hostname'"
echo "== the mover alone: never a mount point, never another filesystem, never a copy"
mv_file() { node "$CLI" --pve-health-move-file "$1" "$2" >"$T/mv.out" 2>&1; }
QD=$I/pve-health-quarantine
mkdir -p "$T/other" && mount -t tmpfs -o size=1m pvh-other "$T/other" && mkdir "$T/other/d"
mv_file "$T/other/d" "$QD/x1"; rc=$?
check "a directory of a tmpfs: refused, its directory on another device (exit $rc: $(cat "$T/mv.out"))" test "$rc" = 1 -a -e "$T/other/d" -a ! -e "$QD/x1"
mv_file "$I/203/subvol-203-disk-0.subvol" "$QD/x2"; rc=$?
check "the subvol the container's rootfs is bound from is no mount point: the mover alone would move it, so the plan's mount check is what keeps it (exit $rc)" test "$rc" = 0 -a -e "$QD/x2"
mv_file "$QD/x2" "$I/203/subvol-203-disk-0.subvol"
# A subvolume mounted inside the storage (its parent directory on the storage's own device): a mount point.
mkdir -p "$I/205/vm-205-disk-0" && mount --bind "$I/203/subvol-203-disk-0.subvol" "$I/205/vm-205-disk-0"
mv_file "$I/205/vm-205-disk-0" "$QD/x3"; rc=$?
check "a subvolume mounted at a directory of the storage: refused as a mount point (exit $rc: $(cat "$T/mv.out"))" \
  sh -c "test $rc = 1 && grep -q 'on another device' '$T/mv.out' && test ! -e '$QD/x3'"
umount "$I/205/vm-205-disk-0"
# The same filesystem seen through a second mount: the same devices, a subvolume root, no mount point —
# every test passes, and rename(2) across the two mounts fails EXDEV: refused, nothing copied.
raw_disk 206 vm-206-disk-0 65536
mkdir -p "$T/alt" && mount --bind "$S" "$T/alt"
mv_file "$T/alt/images/206/vm-206-disk-0" "$QD/x4"; rc=$?
check "a subvolume reached through another mount of the same btrfs: rename(2) says EXDEV, refused, nothing copied (exit $rc: $(cat "$T/mv.out"))" \
  sh -c "test $rc = 1 && grep -q EXDEV '$T/mv.out' && test -f '$I/206/vm-206-disk-0/disk.raw' && test ! -e '$QD/x4'"
umount "$T/alt" "$T/other"
finish
