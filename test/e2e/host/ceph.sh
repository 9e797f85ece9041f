#!/bin/bash
# Real-Ceph suite (npm run test:ceph), on the host, as root: a one-node Ceph cluster on 127.0.0.1
# (ceph-cluster.sh: one mon, one mgr, one memstore OSD, pools of size 1, every daemon by its PID, every
# file under one temporary directory), guest disks made with the real `rbd` exactly as Proxmox's code makes
# them (each state cites the pve-storage / qemu-server / pve-container function it imitates), then
# interrupted where a crash, a kill or a failed step leaves something behind; /etc/pve written as PVE
# writes it under a fake root; then `pve-health --root <root> volumes --json` with the real rbd on PATH
# and no ceph config in its environment: it reaches the cluster only through storage.cfg's monhost and
# /etc/pve/priv/ceph/<storage>.keyring, as PVE does. Prints PASS/FAIL lines and "N passed, N failed".
# PVE_HEALTH_CEPH_RECORD=DIR: also writes what the real rbd printed for every state (the fidelity table
# in docs/real-stacks.md and the parsers' fixtures in test/fixtures/ceph-real/ come from such a run).
set -u
cd "$(dirname "$0")/../../.."
. test/e2e/lib/assert.sh
. test/e2e/lib/pve-root.sh
. test/e2e/lib/volume-assert.sh
. test/e2e/host/ceph-cluster.sh
CLI=${PVE_HEALTH_CLI:-$PWD/dist/pve-health.cjs}
# python3-rbd and python3-rados are Debian's: the system python, whatever python3 comes first on PATH.
PY=/usr/bin/python3

need=()
for c in ceph-mon ceph-mgr ceph-osd ceph rbd rados monmaptool ceph-authtool; do command -v "$c" >/dev/null || need+=("$c"); done
$PY -c 'import rados, rbd' 2>/dev/null || need+=(python3-rbd/python3-rados)
if [ "$(id -u)" != 0 ] || [ ${#need[@]} -gt 0 ]; then
  why="needs root and Debian's ceph-mon ceph-mgr ceph-osd ceph-common python3-rbd python3-rados (missing: ${need[*]:-none}; uid $(id -u))"
  # CI installs them (.ci/apt-packages): there a missing piece is a failure, never a silent skip.
  if [ "${CI:-}" = true ]; then echo "FAIL: real-Ceph suite $why"; echo "0 passed, 1 failed"; exit 1; fi
  echo "SKIP: real-Ceph suite $why"
  exit 0
fi

T=$(mktemp -d /tmp/pve-health-ceph.XXXXXX)
HOLDERS=()
cleanup() {
  local p
  for p in "${HOLDERS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ceph_down
  pve_root_remove "$T/root"
  rm -rf --one-file-system "$T"
}
trap cleanup EXIT
t0=$(date +%s)
echo "== cluster (one mon, one mgr, one memstore OSD on 127.0.0.1)"
if ! ceph_up "$T/ceph"; then
  echo "FAIL: the cluster did not come up"; tail -n 5 "$T"/ceph/log/* 2>/dev/null
  echo "0 passed, 1 failed"; exit 1
fi
echo "   up in $(($(date +%s) - t0)) s, mon $CEPH_MON"
for p in vm ssd pve broken; do
  ceph osd pool create "$p" 8 8 >/dev/null 2>&1 && ceph osd pool set "$p" size 1 --yes-i-really-mean-it >/dev/null 2>&1 &&
    rbd pool init "$p" || { echo "FAIL: pool $p"; echo "0 passed, 1 failed"; exit 1; }
done
rbd namespace create vm/tenant1

# The node's /etc/pve (pmxcfs's view): storage.cfg with external-cluster rbd storages (monhost, username,
# the keyring pvesm add copies to /etc/pve/priv/ceph/<storage>.keyring: CephConfig.pm ceph_create_keyfile)
# and one pveceph-managed storage (no monhost: /etc/pve/ceph.conf, CephConfig.pm ceph_connect_option).
R=$T/root
pve_root "$R" pve1
mkdir -p "$R/etc/pve/nodes/pve2/qemu-server" "$R/etc/pve/nodes/pve2/lxc" "$R/etc/pve/priv/ceph" "$R/var/log/pve/tasks"
: >"$R/var/log/pve/tasks/active"
printf '{\n"nodename": "pve1",\n"version": 3,\n"cluster": { "name": "lab", "version": 2, "nodes": 2, "quorate": 1 },\n"nodelist": {\n  "pve1": { "id": 1, "online": 1, "ip": "127.0.0.1"},\n  "pve2": { "id": 2, "online": 1, "ip": "127.0.0.2"}\n  }\n}\n' >"$R/etc/pve/.members"
KEY=$(ceph auth get-key client.admin)
# pvesm add copies the admin keyring for a pveceph-managed rbd storage too (CephConfig.pm ceph_create_keyfile).
for s in ceph-vm ceph-ssd ceph-broken ceph-tenant ceph-pve; do printf '[client.admin]\n\tkey = %s\n' "$KEY" >"$R/etc/pve/priv/ceph/$s.keyring"; done
printf '[client.admin]\n\tkey = %s\n' "$KEY" >"$R/etc/pve/priv/ceph.client.admin.keyring"
# An external cluster's own ceph.conf, as pvesm add writes it (CephConfig.pm ceph_create_configuration);
# ceph-ssd and ceph-broken have none (storages added before it existed): PVE passes no -c for them.
for s in ceph-vm ceph-tenant; do printf '[global]\n\tkeyring = /etc/pve/priv/ceph/%s.keyring\n' "$s" >"$R/etc/pve/priv/ceph/$s.conf"; done
# pveceph's ceph.conf (its keyring line is PVE's own path: the --keyring PVE passes is what is used)
printf '[global]\n\tauth_client_required = cephx\n\tfsid = %s\n\tmon_host = v2:%s\n\n[client]\n\tkeyring = /etc/pve/priv/$cluster.$name.keyring\n' \
  "$(ceph fsid)" "$CEPH_MON" >"$R/etc/pve/ceph.conf"
cat >"$R/etc/pve/storage.cfg" <<CFG
dir: local
	path /var/lib/vz
	content iso,vztmpl,backup

rbd: ceph-vm
	content images,rootdir
	krbd 0
	monhost $CEPH_MON
	pool vm
	username admin

rbd: ceph-ssd
	content images
	monhost $CEPH_MON
	pool ssd
	username admin

rbd: ceph-tenant
	content images
	monhost $CEPH_MON
	pool vm
	namespace tenant1
	username admin

rbd: ceph-broken
	content images
	monhost $CEPH_MON
	pool broken
	username admin

rbd: ceph-pve
	content images,rootdir
	pool pve
CFG

# PVE's rbd argv for a storage (RBDPlugin.pm $rbd_cmd, CephConfig.pm ceph_connect_option): every image
# below is made through it, with no CEPH_CONF, as pvesm/qm would.
prbd() {
  local st=$1 pool ns='' extra=()
  shift
  case $st in
    ceph-vm) pool=vm ;; ceph-ssd) pool=ssd ;; ceph-broken) pool=broken ;; ceph-tenant) pool=vm ns=tenant1 ;;
    ceph-pve) pool=pve extra=(-c "$R/etc/pve/ceph.conf") ;;
  esac
  [ -n "$ns" ] && extra=(--namespace "$ns")
  [ "$st" = ceph-pve ] || extra+=(-m "$CEPH_MON")
  [ -f "$R/etc/pve/priv/ceph/$st.conf" ] && extra+=(-c "$R/etc/pve/priv/ceph/$st.conf")
  # (without a -c, the client says on stderr that it found no ceph.conf: kept out of the log)
  env -u CEPH_CONF rbd -p "$pool" "${extra[@]}" --auth_supported cephx -n client.admin \
    --keyring "$R/etc/pve/priv/ceph/$st.keyring" "$@" 2> >(grep -v -e 'load config file' -e 'parsing config file' -e "open ceph.conf" -e '^$' >&2)
}
# RBDPlugin.pm alloc_image: rbd create --image-format 2 --size <KiB/1024 MiB> NAME
alloc() { prbd "$1" create --image-format 2 --size "$3" "$2" 2>/dev/null; }
# RBDPlugin.pm volume_snapshot: rbd snap create --snap SNAP NAME
snap() { prbd "$1" snap create --snap "$3" "$2" >/dev/null 2>&1; }
# RBDPlugin.pm create_base: rename vm-N → base-N, snap __base__, snap protect
create_base() {
  local st=$1 name=$2 pool=$3
  prbd "$st" rename "$pool/$name" "$pool/${name/vm-/base-}" && snap "$st" "${name/vm-/base-}" __base__ &&
    prbd "$st" snap protect "${name/vm-/base-}" --snap __base__
}
# RBDPlugin.pm clone_image (a base): rbd clone POOL/BASE --snap __base__ POOL/NAME
clone() { prbd "$1" clone "$4/$2" --snap __base__ "$4/$3"; }
conf() { mkdir -p "$(dirname "$R/etc/pve/nodes/$1")"; cat >"$R/etc/pve/nodes/$1"; }
# a librbd client holding IMAGE open (a kvm elsewhere): a real watcher; "write" also takes the exclusive lock
hold() {
  local out=$T/hold.$RANDOM
  $PY - "$@" >"$out" 2>&1 <<'PY' &
import os, sys, time, rados, rbd
pool, image, mode = sys.argv[1], sys.argv[2], sys.argv[3]
c = rados.Rados(conffile=os.environ["CEPH_CONF"]); c.connect()
img = rbd.Image(c.open_ioctx(pool), image)
if mode == "write": img.write(b"x" * 4096, 0)
print("ready", flush=True)
time.sleep(3600)
PY
  HOLDERS+=($!)
  HOLD_PID=$!
  for _ in $(seq 1 100); do grep -q ready "$out" && return 0; sleep 0.1; done
  return 1
}

echo "== states (each: the PVE code path it imitates)"
# S1 qemu-server create (PVE/API2/Qemu.pm create_disks → pvesm alloc: RBDPlugin.pm alloc_image), S2 a
# snapshot with RAM (AbstractConfig.pm snapshot_create → RBDPlugin.pm volume_snapshot; QemuConfig.pm
# __snapshot_save_vmstate allocs vm-N-state-<snap>), S18 a detached disk (qemu-server: unused0).
alloc ceph-vm vm-100-disk-0 1024 && snap ceph-vm vm-100-disk-0 before && alloc ceph-vm vm-100-state-before 64
alloc ceph-vm vm-100-disk-1 256
conf pve1/qemu-server/100.conf <<'C'
name: web
parent: before
scsi0: ceph-vm:vm-100-disk-0,size=1G
unused0: ceph-vm:vm-100-disk-1

[before]
scsi0: ceph-vm:vm-100-disk-0,size=1G
snaptime: 1764000000
vmstate: ceph-vm:vm-100-state-before
C
# S19 a disk qm set allocated whose config write never happened (create_disks: alloc, then the config).
alloc ceph-vm vm-100-disk-2 128
# S31 a RAM state of a snapshot that failed before its section was committed (__snapshot_save_vmstate
# ran, snapshot_commit did not): vm-100-state-crashed, no [crashed].
alloc ceph-vm vm-100-state-crashed 64

# S3 a snapshot whose delete failed (AbstractConfig.pm snapshot_delete sets snapstate=delete, then
# RBDPlugin.pm volume_snapshot_delete: snap unprotect fails — the snapshot still has a clone (a linked
# clone of it made by clone_image with a snapname) — so the section stays with snapstate: delete).
alloc ceph-vm vm-101-disk-0 256 && snap ceph-vm vm-101-disk-0 old && prbd ceph-vm snap protect vm-101-disk-0 --snap old &&
  prbd ceph-vm clone vm/vm-101-disk-0 --snap old vm/vm-102-disk-0
prbd ceph-vm snap unprotect vm-101-disk-0 --snap old >"$T/s3.err" 2>&1 && echo "   (S3: unprotect unexpectedly worked)"
conf pve1/qemu-server/101.conf <<'C'
name: db
scsi0: ceph-vm:vm-101-disk-0,size=256M

[old]
scsi0: ceph-vm:vm-101-disk-0,size=256M
snapstate: delete
snaptime: 1764000100
C
conf pve1/qemu-server/102.conf <<'C'
name: db-copy
scsi0: ceph-vm:vm-102-disk-0,size=256M
C
# S3b `qm delsnapshot --force` after the same failure: the section is gone, the rbd snapshot is not
# (snapshot_delete with $force removes the section whatever the volumes said).
alloc ceph-vm vm-103-disk-0 256 && snap ceph-vm vm-103-disk-0 forced
conf pve1/qemu-server/103.conf <<'C'
name: app
scsi0: ceph-vm:vm-103-disk-0,size=256M
C

# S4 a template with EFI, TPM and cloud-init disks (QemuServer.pm template_create → create_base for
# every disk but the cloud-init one), S5 a linked clone of it (QemuServer.pm clone_disk → clone_image;
# its cloud-init disk a fresh alloc_image).
alloc ceph-vm vm-900-disk-0 512 && alloc ceph-vm vm-900-disk-1 1 && alloc ceph-vm vm-900-disk-2 4 && alloc ceph-vm vm-900-cloudinit 4
for d in 0 1 2; do create_base ceph-vm "vm-900-disk-$d" vm; done
conf pve1/qemu-server/900.conf <<'C'
name: tmpl
template: 1
bios: ovmf
efidisk0: ceph-vm:base-900-disk-1,efitype=4m,size=1M
tpmstate0: ceph-vm:base-900-disk-2,size=4M,version=v2.0
scsi0: ceph-vm:base-900-disk-0,size=512M
ide2: ceph-vm:vm-900-cloudinit,media=cdrom
C
for d in 0 1 2; do clone ceph-vm base-900-disk-$d vm-901-disk-$d vm; done
alloc ceph-vm vm-901-cloudinit 4
conf pve1/qemu-server/901.conf <<'C'
name: clone1
bios: ovmf
efidisk0: ceph-vm:base-900-disk-1/vm-901-disk-1,efitype=4m,size=1M
tpmstate0: ceph-vm:base-900-disk-2/vm-901-disk-2,size=4M,version=v2.0
scsi0: ceph-vm:base-900-disk-0/vm-901-disk-0,size=512M
ide2: ceph-vm:vm-901-cloudinit,media=cdrom
C
# S7 a clone whose config was never written (qm clone: clone_disk ran, the new config's write did not).
clone ceph-vm base-900-disk-0 vm-902-disk-0 vm
# S6 a template whose config was deleted while linked clones remain (base-910 with clone vm-911).
alloc ceph-vm vm-910-disk-0 256 && create_base ceph-vm vm-910-disk-0 vm && clone ceph-vm base-910-disk-0 vm-911-disk-0 vm
conf pve1/qemu-server/911.conf <<'C'
name: clone-of-gone
scsi0: ceph-vm:base-910-disk-0/vm-911-disk-0,size=256M
C

# S8 an image an admin moved to the trash (rbd trash mv: never PVE), S9 the same with a deferment
# (--expires-at), S10 a trashed image a config still names.
alloc ceph-vm vm-120-disk-0 64 && prbd ceph-vm trash mv vm-120-disk-0
alloc ceph-vm vm-121-disk-0 64 && prbd ceph-vm trash mv vm-121-disk-0 --expires-at "2099-01-01"
alloc ceph-vm vm-122-disk-0 64 && prbd ceph-vm trash mv vm-122-disk-0
conf pve1/qemu-server/122.conf <<'C'
name: lost-disk
scsi0: ceph-vm:vm-122-disk-0,size=64M
C

# S11 an image whose header object is gone, its directory entry not (an rbd rm of an older librbd that
# removed the header first, stopped before the directory entry): rbd ls names it, rbd ls -l cannot open it.
alloc ceph-vm vm-130-disk-0 64
rados -p vm rm "rbd_header.$(prbd ceph-vm info vm-130-disk-0 --format json | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

# S12 `rbd rm` killed while trimming (qemu-server destroy_vm → vdisk_free → RBDPlugin.pm free_image →
# rbd rm): librbd moved the image to the trash as REMOVING and was removing its objects. The image had
# object-map off (RBDPlugin.pm krbd_feature_update disables it for kernels before 5.3), so the trim walks
# every object of its 200 GiB and the kill lands in it. Own pool: it makes `rbd ls -l` fail for the pool.
alloc ceph-broken vm-140-disk-0 204800 && prbd ceph-broken feature disable vm-140-disk-0 fast-diff,object-map,deep-flatten &&
  prbd ceph-broken bench --io-type write --io-size 4M --io-total 8M vm-140-disk-0 >/dev/null 2>&1
alloc ceph-broken vm-141-disk-0 64
conf pve1/qemu-server/141.conf <<'C'
name: on-broken-pool
scsi0: ceph-broken:vm-141-disk-0,size=64M
C
prbd ceph-broken info vm-140-disk-0 --format json | grep -q '"object-map"' && echo "   (S12: object-map still on)"
env -u CEPH_CONF rbd -p broken -m "$CEPH_MON" --auth_supported cephx -n client.admin --keyring "$R/etc/pve/priv/ceph/ceph-broken.keyring" \
  rm vm-140-disk-0 >/dev/null 2>"$T/rm.err" &
RMPID=$!
for _ in $(seq 1 400); do grep -q '[0-9]% complete' "$T/rm.err" 2>/dev/null && break; sleep 0.05; done
kill -9 $RMPID 2>/dev/null; wait $RMPID 2>/dev/null
echo "   S12: rbd rm killed at: $(tr '\r' '\n' <"$T/rm.err" | grep -o '[0-9]*% complete' | tail -1)"

# S13 a watcher that never goes away: VM 150 was migrated/destroyed here but a client elsewhere (a kvm
# through librbd) still has its disk open; no config names it on this cluster view.
alloc ceph-vm vm-150-disk-0 64 && hold vm vm-150-disk-0 read
# S13b the same with a snapshot no section names: the client that has the image open may own it (its
# rollback needs it), so the snapshot is protected by the image's watcher, never an orphan to remove.
alloc ceph-vm vm-157-disk-0 64 && snap ceph-vm vm-157-disk-0 before-upgrade && hold vm vm-157-disk-0 read
# S14 a stale exclusive lock: the client that wrote (and took the exclusive lock) was killed; its watch
# expires, its lock stays (librbd breaks it only when the next client acquires it).
alloc ceph-vm vm-151-disk-0 64 && hold vm vm-151-disk-0 write && STALE=$HOLD_PID
# S15 a running guest (kvm writing through librbd: exclusive lock + watcher), referenced.
alloc ceph-vm vm-152-disk-0 64 && hold vm vm-152-disk-0 write
conf pve1/qemu-server/152.conf <<'C'
name: running
scsi0: ceph-vm:vm-152-disk-0,size=64M
C

# S16 container backups in snapshot mode (pve-container VZDump/LXC.pm prepare/snapshot: snapshot_create
# 'vzdump' writes [vzdump] and snapshots every volume; cleanup deletes both): a crashed vzdump leaves
# both (CT 200), a failed snapshot delete leaves the rbd snapshot without the section (CT 201), and a
# vzdump still running (lock: backup, CT 202) owns its snapshot.
for c in 200 201 202; do alloc ceph-vm vm-$c-disk-0 128 && snap ceph-vm vm-$c-disk-0 vzdump; done
conf pve1/lxc/200.conf <<'C'
arch: amd64
hostname: ct200
ostype: debian
rootfs: ceph-vm:vm-200-disk-0,size=128M

[vzdump]
#vzdump backup snapshot
arch: amd64
hostname: ct200
ostype: debian
rootfs: ceph-vm:vm-200-disk-0,size=128M
snapstate: prepare
snaptime: 1764000200
C
conf pve1/lxc/201.conf <<'C'
arch: amd64
hostname: ct201
ostype: debian
rootfs: ceph-vm:vm-201-disk-0,size=128M
C
conf pve1/lxc/202.conf <<'C'
arch: amd64
hostname: ct202
lock: backup
ostype: debian
rootfs: ceph-vm:vm-202-disk-0,size=128M

[vzdump]
#vzdump backup snapshot
arch: amd64
hostname: ct202
ostype: debian
rootfs: ceph-vm:vm-202-disk-0,size=128M
snapstate: prepare
snaptime: 1764000300
C

# S17 ownership by reference: VM 161 was given VM 160's disk (qm disk reassign is how PVE does it, with a
# rename; a hand-edited config names it as is), and its snapshot [s1] names it too; VM 160 is gone.
alloc ceph-vm vm-160-disk-0 128 && snap ceph-vm vm-160-disk-0 s1
conf pve1/qemu-server/161.conf <<'C'
name: adopter
parent: s1
scsi0: ceph-vm:vm-160-disk-0,size=128M

[s1]
scsi0: ceph-vm:vm-160-disk-0,size=128M
snaptime: 1764000400
C
# S20 a destroyed guest whose disk free failed (destroy_vm: the config is gone, vdisk_free died).
alloc ceph-vm vm-170-disk-0 64
# S21 qm disk move to another storage without delete (QemuServer.pm move_disk: the source becomes unused0).
alloc ceph-vm vm-171-disk-0 64 && alloc ceph-ssd vm-171-disk-0 64
conf pve1/qemu-server/171.conf <<'C'
name: moved
scsi0: ceph-ssd:vm-171-disk-0,size=64M
unused0: ceph-vm:vm-171-disk-0
C
# S22 a pveceph-managed storage (no monhost: -c /etc/pve/ceph.conf), a referenced disk and a leftover.
alloc ceph-pve vm-180-disk-0 64 && alloc ceph-pve vm-181-disk-0 64
conf pve1/qemu-server/180.conf <<'C'
name: on-pveceph
scsi0: ceph-pve:vm-180-disk-0,size=64M
C
# S23 a guest on the other node on the shared pool (its config under nodes/pve2).
alloc ceph-vm vm-190-disk-0 64
conf pve2/qemu-server/190.conf <<'C'
name: elsewhere
scsi0: ceph-vm:vm-190-disk-0,size=64M
C
# S24 a namespace (RBDPlugin.pm get_rbd_path: pool/namespace/image): a referenced disk and a leftover.
alloc ceph-tenant vm-191-disk-0 64 && alloc ceph-tenant vm-192-disk-0 64
conf pve1/qemu-server/191.conf <<'C'
name: tenant
scsi0: ceph-tenant:vm-191-disk-0,size=64M
C
pve_vmlist "$R"
echo "   built in $(($(date +%s) - t0)) s"

J=$T/v.json
# One run of the product as an admin would run it: the real rbd on PATH, no ceph config in the environment.
vrun() {
  pve_root_proc "$R"
  env -u CEPH_CONF node "$CLI" --root "$R" volumes --json >"$J" 2>"$T/v.err"
  RC=$?
  echo "   pve-health volumes: exit $RC"
  [ -s "$T/v.err" ] && sed 's/^/   stderr: /' "$T/v.err" | head -5
}
# PVE_HEALTH_CEPH_RECORD=DIR: what the real rbd prints for these states, PVE's argv, stdout/stderr/exit.
record() {
  local name=$1 st=$2
  shift 2
  [ -n "${PVE_HEALTH_CEPH_RECORD:-}" ] || return 0
  mkdir -p "$PVE_HEALTH_CEPH_RECORD"
  prbd "$st" "$@" >"$PVE_HEALTH_CEPH_RECORD/$name.stdout" 2>"$PVE_HEALTH_CEPH_RECORD/$name.stderr"
  echo $? >"$PVE_HEALTH_CEPH_RECORD/$name.rc"
}
record ls-vm ceph-vm ls -l --format json
record ls-broken ceph-broken ls -l --format json
record ls-short-broken ceph-broken ls
record ls-tenant ceph-tenant ls -l --format json
record trash-vm ceph-vm trash ls --all --long --format json
record trash-broken ceph-broken trash ls --all --long --format json
record status-watched ceph-vm status vm-150-disk-0 --format json
record status-running ceph-vm status vm-152-disk-0 --format json
record status-none ceph-vm status vm-170-disk-0 --format json
record status-removing ceph-broken status vm-140-disk-0 --format json
record status-headless ceph-vm status vm-130-disk-0 --format json
record snapls-headless ceph-vm snap ls vm-130-disk-0 --format json
record snapls-base ceph-vm snap ls base-900-disk-0 --format json
record lock-running ceph-vm lock ls vm-152-disk-0 --format json
echo "== first run"
vrun
vdump

echo "== verdicts"
V=ceph-vm
storage_is ceph-vm ok && pass "S0 external rbd storage read through monhost + /etc/pve/priv/ceph keyring + its .conf (rbd_cmd)" || fail "S0 ceph-vm readable"
storage_is ceph-ssd ok && pass "S0b external rbd storage without its own .conf (no -c, as PVE)" || fail "S0b ceph-ssd readable"
storage_is ceph-pve ok && pass "S22 pveceph-managed storage read through -c /etc/pve/ceph.conf" || fail "S22 ceph-pve readable"
expect "S1 a disk of a VM (alloc_image): valid" $V:vm-100-disk-0 status=valid reason=referenced hint= protected=false
expect "S2 its snapshot [before] (volume_snapshot): valid, no hint (rollback)" $V:vm-100-disk-0@before status=valid hint=
expect "S2 the snapshot's RAM state vm-100-state-before: valid" $V:vm-100-state-before status=valid reason=referenced hint=
expect "S18 a detached disk (unused0): valid" $V:vm-100-disk-1 status=valid reason=referenced hint=
expect "S19 a disk allocated but never written to the config: orphan, rescan first" $V:vm-100-disk-2 status=orphan reason=not-referenced "hint~qm disk rescan --vmid 100" protected=false
expect "S31 a RAM state of a snapshot never committed: orphan, not referenced; no rescan (update_disk_config skips vm-\$vmid-state-)" $V:vm-100-state-crashed status=orphan reason=not-referenced "hint!~rescan" "hint~pve-health reclaim --name ceph-vm:vm-100-state-crashed"
expect "S3 a snapshot whose delete failed (snapstate: delete): valid, no hint" $V:vm-101-disk-0@old status=valid hint=
expect "S3 the clone that made the unprotect fail: valid" $V:vm-102-disk-0 status=valid hint=
expect "S3b delsnapshot --force left the rbd snapshot: orphan snapshot, snap rm of that snapshot only" $V:vm-103-disk-0@forced status=orphan reason=snapshot-missing "hint~snap rm vm-103-disk-0@forced" protected=false
expect "S3b its volume stays valid" $V:vm-103-disk-0 status=valid hint=
for d in 0 1 2; do
  expect "S4 template disk base-900-disk-$d (create_base): valid, protected by its clones, no hint" $V:base-900-disk-$d status=valid protected=true by~has-clones hint=
  expect "S5 linked clone vm-901-disk-$d (clone_image): valid" $V:base-900-disk-$d/vm-901-disk-$d status=valid reason=referenced hint=
done
expect "S4 the template's cloud-init disk (not converted by template_create): valid" $V:vm-900-cloudinit status=valid hint=
expect "S5 the clone's cloud-init disk: valid" $V:vm-901-cloudinit status=valid hint=
expect "S4 __base__ is part of its base, never listed alone" $V:base-900-disk-0@__base__ absent
expect "S7 a clone whose config was never written: orphan, pvesm free of the clone" $V:base-900-disk-0/vm-902-disk-0 status=orphan "hint~pvesm free ceph-vm:base-900-disk-0/vm-902-disk-0" protected=false
expect "S6 a template whose config is gone, a clone remains: protected by the clone, no hint" $V:base-910-disk-0 protected=true by~has-clones hint=
expect "S6 that clone: valid" $V:base-910-disk-0/vm-911-disk-0 status=valid hint=
expect "S8 an image an admin trashed: orphan in-trash, restore or trash rm" $V:vm-120-disk-0#trash status=orphan reason=in-trash "hint~trash restore" "hint~trash rm"
expect "S9 a trashed image with a deferment: trash rm needs --force" $V:vm-121-disk-0#trash status=orphan reason=in-trash "hint~--force" "detail~protected until"
expect "S10 a trashed image a config names: the guest's disk (valid, critical), the only hint is restore" $V:vm-122-disk-0#trash status=valid reason=in-trash-referenced "hint~trash restore" "detail~VM 122 scsi0"
expect "S11 an image whose header is gone: orphan interrupted-removal, rbd rm by name" $V:vm-130-disk-0 status=orphan reason=interrupted-removal "hint~rm vm-130-disk-0"
expect "S13 a watcher that never goes away: open, protected, no hint" $V:vm-150-disk-0 open=true by~rbd-watcher hint= protected=true
expect "S13 the watcher's address is reported" $V:vm-150-disk-0 "detail~127.0.0.1:0/"
expect "S13b the watched image is protected" $V:vm-157-disk-0 open=true by~rbd-watcher hint= protected=true
expect "S13b its snapshot no section names: protected by the image's watcher, no hint" $V:vm-157-disk-0@before-upgrade status=orphan by~rbd-watcher hint= protected=true "detail~its image is watched by 127.0.0.1:0/"
expect "S15 a running guest's disk (exclusive lock, watcher): valid, open, protected" $V:vm-152-disk-0 status=valid open=true protected=true hint=
expect "S16 crashed vzdump with [vzdump] left: the config's (valid), PVE's own pct delsnapshot --force" $V:vm-200-disk-0@vzdump status=valid "hint~pct delsnapshot 200 vzdump --force"
expect "S16b vzdump snapshot without its section: the snapshot only" $V:vm-201-disk-0@vzdump status=orphan reason=operation-leftover "hint~snap rm vm-201-disk-0@vzdump"
expect "S16c vzdump running (lock: backup): pending, protected, no hint" $V:vm-202-disk-0@vzdump pending=true protected=true hint=
expect "S17 a disk named by another VM's config: valid" $V:vm-160-disk-0 status=valid hint=
# Ownership by reference (not by the VMID in the name): VM 161's [s1] names vm-160-disk-0.
expect "S17 its snapshot named by VM 161's [s1] section: valid, no hint (VM 161's rollback)" $V:vm-160-disk-0@s1 status=valid hint=
expect "S20 a destroyed guest's disk whose free failed: orphan, pvesm free" $V:vm-170-disk-0 status=orphan reason=guest-missing "hint~pvesm free ceph-vm:vm-170-disk-0" "detail~no client watches it"
expect "S21 the source of a move without delete (unused0): valid" $V:vm-171-disk-0 status=valid reason=referenced hint=
expect "S21 the moved disk on the other pool: valid" ceph-ssd:vm-171-disk-0 status=valid hint=
expect "S22 a disk on the pveceph-managed storage: valid" ceph-pve:vm-180-disk-0 status=valid hint=
expect "S22 a leftover there: orphan, pvesm free" ceph-pve:vm-181-disk-0 status=orphan "hint~pvesm free ceph-pve:vm-181-disk-0"
expect "S23 a disk of a guest on the other node (shared pool): valid" $V:vm-190-disk-0 status=valid hint=
expect "S24 a disk in a namespace: valid" ceph-tenant:vm-191-disk-0 status=valid hint=
expect "S24 a leftover in a namespace: orphan" ceph-tenant:vm-192-disk-0 status=orphan "hint~pvesm free ceph-tenant:vm-192-disk-0"
if storage_is ceph-broken unknown vm-140-disk-0 >/dev/null; then
  pass "S12 rbd rm killed mid-trim: rbd ls -l fails for the pool, the storage is UNKNOWN naming the image"
else
  fail "S12 rbd rm killed mid-trim: storage $(storage_is ceph-broken unknown vm-140-disk-0)"
fi
# CRITICAL ranks above UNKNOWN (core/vocab/status.ts SEVERITY_RANK): S10's trashed disk of VM 122 is critical.
check "S12 an UNKNOWN storage beside a critical disk: exit 2 (got $RC)" test "$RC" = 2
expect "S12 no verdict on the unreadable pool's images (never 'no images')" ceph-broken:vm-141-disk-0 absent
expect "S12 the image it could not open: an interrupted removal, the checked way first" ceph-broken:vm-140-disk-0 status=orphan reason=interrupted-removal "hint~pve-health reclaim --purge --name ceph-broken:vm-140-disk-0"
# Never harm, over every entry: a hint only on an orphan that is neither protected nor pending.
harm=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
for (const e of d.volumes.entries) if (e.hint && ((e.status !== "orphan" && !e.namedBySection && e.reason !== "in-trash-referenced") || e.protected || e.pending)) console.log(e.volid, e.snapshot ?? "", e.status, e.hint)' "$J")
check "never harm: no hint on a valid, unknown, protected or pending entry${harm:+ ($harm)}" test -z "$harm"

. test/e2e/lib/reclaim-lib.sh
RC_CONF=$T/reclaim.toml
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
# reclaim, like every act command, reads device-mapper first. Where this host's kernel has no
# device-mapper driver, a dmsetup that answers as a node without maps stands in (lib/no-dm-dmsetup);
# every Ceph command is the real one.
ACT_PATH=$PATH
if ! dmsetup info -c >/dev/null 2>&1 || dmsetup info -c 2>&1 | grep -q 'open failed'; then
  echo "   this kernel has no device-mapper ($(dmsetup info -c 2>&1 | head -1)): test/e2e/lib/no-dm-dmsetup stands in for dmsetup"
  mkdir -p "$T/nodm" && cp test/e2e/lib/no-dm-dmsetup "$T/nodm/dmsetup"
  ACT_PATH=$T/nodm:$PATH
fi
reclaim() { pve_root_proc "$R"; env -u CEPH_CONF PATH="$ACT_PATH" node "$CLI" --root "$R" --config "$RC_CONF" reclaim "$@"; }
restore() { pve_root_proc "$R"; env -u CEPH_CONF PATH="$ACT_PATH" node "$CLI" --root "$R" --config "$RC_CONF" restore "$@"; }
echo "== after: the stale lock, the hints carried out as printed, the removal finished"
# S14: the writer dies; its watch times out (osd_client_watch_timeout), its exclusive lock stays.
kill -9 "$STALE"; wait "$STALE" 2>/dev/null
ceph_wait 60 bash -c "rbd -p vm status vm-151-disk-0 --format json | grep -q '\"watchers\":\\[\\]'"
check "S14 the real lock is left behind (rbd lock ls), no watcher" bash -c "rbd -p vm lock ls vm-151-disk-0 --format json | grep -q locker"
record ls-stale ceph-vm ls -l --format json
record status-stale ceph-vm status vm-151-disk-0 --format json
record lock-stale ceph-vm lock ls vm-151-disk-0 --format json
# The hints, run exactly as printed but with PVE's connection options (what pvesm would add).
q() { "$@" >/dev/null 2>&1; }
# S11, S12: an interrupted removal's hint names the checked way first: reclaim --purge (PVE's storage
# lock, a re-check right before, the journal), which runs librbd's own `rbd rm` of the name.
h130=$(hint_of $V:vm-130-disk-0)
check "S11 the hint names 'pve-health reclaim --purge --name $V:vm-130-disk-0' first" sh -c "echo \"\$1\" | grep -q '^finish the interrupted removal with pve-health.s checks .*: pve-health reclaim --purge --name $V:vm-130-disk-0; '" - "$h130"
reclaim --purge --yes --name $V:vm-130-disk-0 >"$T/rm130.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rm130.out"
# ceph-broken cannot be listed whole (S12): reclaim acts, and its exit code says a storage was partial.
check "S11 reclaim --purge finishes the headless image's removal: exit 3 for the partial pool (got $rc)" test "$rc" = 3
check "S11 rbd ls no longer names it" sh -c "! rbd -p vm ls | grep -qx vm-130-disk-0"
J130=$(newest_journal "$R" reclaim)
check "S11 the journal says what it destroyed" test "$(jget "$J130" 'd.actions.filter(a=>a.kind==="purge"&&a.result==="done").map(a=>a.command.slice(a.command.indexOf("rm")).join(" ")).join("|")')" = "rm vm-130-disk-0"
check "S3b the hint's 'rbd snap rm vm-103-disk-0@forced' removes that snapshot only" q prbd ceph-vm snap rm vm-103-disk-0@forced
t120=$(hint_of $V:vm-120-disk-0#trash | grep -o 'trash rm [0-9a-f]*' | head -1)
check "S8 the hint's '$t120' empties that trash entry" q prbd ceph-vm $t120
# S7 pvesm free of the clone (RBDPlugin.pm free_image: snap purge, rm): the template and its other clone stay.
free_image() { prbd "$1" snap purge "$2" && prbd "$1" rm "$2"; }
check "S7 free_image of the configless clone" q free_image ceph-vm vm-902-disk-0
# S12 the interrupted removal (its pool UNKNOWN for its sake) finished by reclaim --purge: librbd's rm of
# the name finds the REMOVING trash entry (Image.cc remove).
reclaim --purge --dry-run --json --all >"$T/rp140.json" 2>/dev/null
check "S12 the purge plans it although its pool is UNKNOWN ($(jget "$T/rp140.json" 'd.plan.actions.map(a=>a.volid).join(" ")'))" \
  test "$(jget "$T/rp140.json" 'd.plan.actions.filter(a=>a.reason==="interrupted-removal").map(a=>a.volid).join(" ")')" = "ceph-broken:vm-140-disk-0"
t1=$(date +%s)
reclaim --purge --yes --name ceph-broken:vm-140-disk-0 >"$T/rm140.out" 2>&1; rc=$?
echo "   the purge of the interrupted removal took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rm140.out"
check "S12 reclaim --purge finishes the interrupted removal: exit 3 for its partial pool (got $rc)" test "$rc" = 3
vrun
expect "S11 gone after its hint" $V:vm-130-disk-0 absent
expect "S3b gone after its hint, its volume still valid" $V:vm-103-disk-0@forced absent
expect "S3b its volume still valid" $V:vm-103-disk-0 status=valid
expect "S8 gone after its hint" $V:vm-120-disk-0#trash absent
expect "S7 the freed clone is gone" $V:base-900-disk-0/vm-902-disk-0 absent
expect "S7 the template still protected by its remaining clone" $V:base-900-disk-0 status=valid by~has-clones
expect "S7 the remaining clone still valid" $V:base-900-disk-0/vm-901-disk-0 status=valid
check "S12 after the removal finished the pool lists again" storage_is ceph-broken ok
expect "S12 the referenced disk on it is valid again" ceph-broken:vm-141-disk-0 status=valid
# S14: a lock whose owner no longer watches the image is stale (librbd's exclusive_lock BreakRequest
# breaks it when the next client takes the lock): the image is not open; the leftover keeps its hint.
expect "S14 a stale exclusive lock (no watcher): not open, orphan with its hint" $V:vm-151-disk-0 status=orphan open=false "hint~pvesm free ceph-vm:vm-151-disk-0" "detail~stale"
check "S14 rbd rm (what that pvesm free runs) removes the stale-locked image" q prbd ceph-vm rm vm-151-disk-0
expect "S13 the watcher still protects its image" $V:vm-150-disk-0 open=true by~rbd-watcher hint=
echo "== reclaim: the trash with an expiry, restore byte for byte, purge (the real rbd)"
img_sha() { prbd ceph-vm export "$1" - 2>/dev/null | sha256sum | cut -d' ' -f1; }
trash_json() { prbd ceph-vm trash ls --all --long --format json 2>/dev/null; }
# A destroyed VM's disk whose vdisk_free failed (alloc_image), with 16 MiB of data to find again.
head -c 16777216 /dev/urandom >"$T/data.bin"
alloc ceph-vm vm-195-disk-0 16 && prbd ceph-vm import --no-progress "$T/data.bin" vm-195-disk-0-data >/dev/null 2>&1 &&
  prbd ceph-vm rm vm-195-disk-0 >/dev/null 2>&1 && prbd ceph-vm rename vm-195-disk-0-data vm-195-disk-0
RS=$(img_sha vm-195-disk-0)
check "the image holds the data (sha256 of rbd export)" test "$RS" = "$(sha_of "$T/data.bin")"
reclaim --dry-run --json >"$T/rp.json" 2>/dev/null
planned=$(jget "$T/rp.json" 'd.plan.actions.map(a=>a.volid).filter(v=>/vm-195/.test(v)).join(" ")')
check "reclaim plans it ($planned)" test "$planned" = "$V:vm-195-disk-0"
rcode() { jget "$T/rp.json" "(d.plan.refused.find(r=>r.volid===\"$1\")||{}).code"; }
check "S13 the watched image is refused: protected ($(rcode $V:vm-150-disk-0))" test "$(rcode $V:vm-150-disk-0)" = protected
reclaim --dry-run --json --name $V:vm-100-disk-0 >"$T/rp.json" 2>/dev/null   # (--all lists findings only)
check "S1 the valid disk is refused when named: valid ($(rcode $V:vm-100-disk-0))" test "$(rcode $V:vm-100-disk-0)" = valid
t1=$(date +%s)
reclaim --yes --name $V:vm-195-disk-0 >"$T/rq.out" 2>&1; rc=$?
echo "   reclaim took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rq.out"
check "reclaim: exit 0 (got $rc)" test "$rc" = 0
RJ=$(newest_journal "$R" reclaim)
trash_json >"$T/trash.json"
entry='d.find(e=>/^pve-health-q\.\d{8}T\d{6}Z\.vm-195-disk-0$/.test(e.name))'
check "rbd trash ls shows it under its quarantine name ($(jget "$T/trash.json" "($entry||{}).name"))" test -n "$(jget "$T/trash.json" "($entry||{}).name")"
tstat=$(jget "$T/trash.json" "($entry||{}).status")
check "its trash entry is protected until the purge date ($tstat)" sh -c "echo '$tstat' | grep -q '^protected until'"
not_listed() { ! prbd ceph-vm ls 2>/dev/null | grep -q vm-195; }
check "rbd ls no longer lists it" not_listed
vrun
expect "in quarantine: ignored/quarantined, no hint" $V:vm-195-disk-0 status=ignored reason=quarantined hint=
t1=$(date +%s)
restore "$RJ" --yes >"$T/rr.out" 2>&1; rc=$?
echo "   restore took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rr.out"
check "restore: exit 0 (got $rc)" test "$rc" = 0
check "the image is back under its name with the same data (sha256 of rbd export)" test "$(img_sha vm-195-disk-0)" = "$RS"
trash_json >"$T/trash2.json"
check "the trash no longer has it" test -z "$(jget "$T/trash2.json" "($entry||{}).name")"
# What rbd makes of an --expires-at already past (why reclaim never passes one: reclaim-steps.ts): not
# refused (Trash.cc execute_move's `dt < 0` never fires: utime_t's seconds are unsigned), the entry is
# protected for ~136 years.
alloc ceph-vm scratch-expiry 4
prbd ceph-vm trash mv --expires-at "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" scratch-expiry >/dev/null 2>&1
trash_json >"$T/trash-past.json"
past=$(jget "$T/trash-past.json" '(d.find(e=>e.name==="scratch-expiry")||{}).status')
echo "   rbd trash mv --expires-at <a minute ago>: $past"
check "ceph: a past --expires-at protects the entry for a century ($past)" sh -c "echo '$past' | grep -Eq '^protected until .* (2[1-9][0-9]{2})$'"
prbd ceph-vm trash rm --force "$(jget "$T/trash-past.json" '(d.find(e=>e.name==="scratch-expiry")||{}).id')" >/dev/null 2>&1
# Purge: vm-195 quarantined with retention 7 (its trash entry protected a week), then the retention
# lowered to 0: the admin's retention decides, `trash rm --force` lifts the expiry stamped then; vm-196
# quarantined with retention 0: `--expires-at now`, its entry already expired, `trash rm` without --force.
reclaim --yes --name $V:vm-195-disk-0 >"$T/rq2.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rq2.out"
check "quarantined again (retention 7): exit 0 (got $rc)" test "$rc" = 0
alloc ceph-vm vm-196-disk-0 4
printf '[reclaim]\nretention_days = 0\n' >"$RC_CONF"
reclaim --yes --name $V:vm-196-disk-0 >"$T/rq3.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rq3.out"
check "vm-196 quarantined with retention 0: exit 0 (got $rc)" test "$rc" = 0
check "its trash mv said --expires-at now" grep -q -- '--expires-at now' "$T/rq3.out"
trash_json >"$T/trash3.json"
tid=$(jget "$T/trash3.json" "($entry||{}).id")
entry2='d.find(e=>/^pve-health-q\.\d{8}T\d{6}Z\.vm-196-disk-0$/.test(e.name))'
tid2=$(jget "$T/trash3.json" "($entry2||{}).id")
st1=$(jget "$T/trash3.json" "($entry||{}).status"); st2=$(jget "$T/trash3.json" "($entry2||{}).status")
check "vm-195's entry is protected a week ($st1)" sh -c "echo '$st1' | grep -q '^protected until'"
check "vm-196's entry has no deferment left ($st2)" sh -c "echo '$st2' | grep -q '^expired at'"
sleep 1.1
t1=$(date +%s)
reclaim --purge --yes --name $V:vm-195-disk-0 --name $V:vm-196-disk-0 >"$T/rpu.out" 2>&1; rc=$?
echo "   purge (2 images) took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rpu.out"
check "purge: exit 0 (got $rc)" test "$rc" = 0
check "the plan says why --force (the retention lowered since)" grep -q -- '--force lifts that deferment only' "$T/rpu.out"
trash_json >"$T/trash4.json"
check "purged: trash entries $tid and $tid2 gone" test -z "$(jget "$T/trash4.json" "(d.find(e=>e.id===\"$tid\"||e.id===\"$tid2\")||{}).id")"
no_image() { ! prbd ceph-vm info vm-195-disk-0 >/dev/null 2>&1 && ! prbd ceph-vm info vm-196-disk-0 >/dev/null 2>&1; }
check "purged: no image vm-195-disk-0 or vm-196-disk-0" no_image
PJ=$(newest_journal "$R" reclaim)
pj=$(jget "$PJ" 'd.actions.filter(a=>a.kind==="purge"&&a.result==="done").map(a=>a.command.slice(a.command.indexOf("trash")).join(" ")).sort().join("|")')
want=$(printf '%s\n' "trash rm --force $tid" "trash rm $tid2" | sort | paste -sd'|')
check "purge journal says what it destroyed ($pj)" test "$pj" = "$want"
echo "== reclaim of a leftover snapshot: renamed on its image, restored, purged alone (the real rbd)"
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
# S25 a crashed snapshot-mode vzdump of CT 203 whose snapshot delete failed (as S16b: the [vzdump]
# section gone, the rbd snapshot not), the container writing on since: the snapshot and the image differ.
head -c 8388608 /dev/urandom >"$T/data203.bin"
prbd ceph-vm import --no-progress "$T/data203.bin" vm-203-disk-0 >/dev/null 2>&1 && snap ceph-vm vm-203-disk-0 vzdump &&
  prbd ceph-vm bench --io-type write --io-size 4096 --io-threads 1 --io-total 1M --io-pattern seq vm-203-disk-0 >/dev/null 2>&1
conf pve1/lxc/203.conf <<'C'
arch: amd64
hostname: ct203
ostype: debian
rootfs: ceph-vm:vm-203-disk-0,size=8M
C
# S26 the same leftover, protected and cloned by an admin (rbd snap protect, rbd clone: to look into it).
alloc ceph-vm vm-204-disk-0 4 && snap ceph-vm vm-204-disk-0 vzdump && prbd ceph-vm snap protect vm-204-disk-0 --snap vzdump &&
  prbd ceph-vm clone vm/vm-204-disk-0 --snap vzdump vm/inspect-204
printf 'arch: amd64\nhostname: ct204\nostype: debian\nrootfs: ceph-vm:vm-204-disk-0,size=4M\n' | conf pve1/lxc/204.conf
# S27 in a namespace: a snapshot of VM 205's disk that no section names (qm delsnapshot --force, as S3b).
alloc ceph-tenant vm-205-disk-0 4 && snap ceph-tenant vm-205-disk-0 forced
printf 'name: tenant2\nscsi0: ceph-tenant:vm-205-disk-0,size=4M\n' | conf pve1/qemu-server/205.conf
pve_vmlist "$R"
# snap_of ST IMAGE NAME: "id name" of the snapshot NAME; snaps_of ST IMAGE: the snapshot names.
snap_of() { prbd "$1" snap ls "$2" --format json 2>/dev/null | $PY -c 'import json,sys; print(" ".join(str(s["id"]) + " " + s["name"] for s in json.load(sys.stdin) if s["name"] == sys.argv[1]))' "$3"; }
snaps_of() { prbd "$1" snap ls "$2" --format json 2>/dev/null | $PY -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)))'; }
crun() {
  pve_root_proc "$R"
  env -u CEPH_CONF PATH="$ACT_PATH" node "$CLI" --root "$R" --config "$RC_CONF" check --json >"$J" 2>"$T/c.err"
  echo "   pve-health check: exit $?"
  [ -s "$T/c.err" ] && sed 's/^/   stderr: /' "$T/c.err" | head -5
}
VS=$(img_sha vm-203-disk-0); MS=$(img_sha vm-203-disk-0@vzdump); MID=$(snap_of ceph-vm vm-203-disk-0 vzdump)
check "S25 the snapshot holds the imported data, the image differs since" test "$MS" = "$(sha_of "$T/data203.bin")" -a "$VS" != "$MS"
crun
expect "S25 check: the vzdump leftover is an orphan operation-leftover, reclaim before the snap rm" \
  $V:vm-203-disk-0@vzdump status=orphan reason=operation-leftover protected=false \
  "hint~pve-health reclaim --name $V:vm-203-disk-0@vzdump" "hint~snap rm vm-203-disk-0@vzdump"
kinds=$(step_kinds "$J" $V:vm-203-disk-0 vzdump)
check "S25 its steps: the reclaim, then the drop ($kinds)" test "$kinds" = "reclaim:pve-health drop:rbd"
t1=$(date +%s)
reclaim --yes --name $V:vm-203-disk-0@vzdump >"$T/rs.out" 2>&1; rc=$?
echo "   reclaim (1 snapshot) took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rs.out"
check "S25 reclaim --name VOLID@SNAP: exit 0 (got $rc)" test "$rc" = 0
SJ=$(newest_journal "$R" reclaim)
check "S25 the journal: one step, rbd-snapshot-rename, done ($(journal_ops "$SJ" | paste -sd'|'))" \
  test "$(journal_ops "$SJ" | paste -sd'|')" = "reclaim rbd-snapshot-rename done"
QN=$(snaps_of ceph-vm vm-203-disk-0)
check "S25 rbd snap ls: the quarantine name, no @vzdump ($QN)" sh -c "echo '$QN' | grep -Eqx 'pve-health-q\.[0-9]{8}T[0-9]{6}Z\.vzdump'"
check "S25 the same snapshot, renamed (snapshot id: $(snap_of ceph-vm vm-203-disk-0 "$QN"))" \
  test "$(snap_of ceph-vm vm-203-disk-0 "$QN" | cut -d' ' -f1)" = "${MID%% *}"
check "S25 the image: same bytes (sha256 of rbd export)" test "$(img_sha vm-203-disk-0)" = "$VS"
check "S25 the snapshot: same bytes (sha256 of rbd export IMG@SNAP)" test "$(img_sha "vm-203-disk-0@$QN")" = "$MS"
crun
expect "S25 check: the renamed snapshot is ignored/quarantined, no hint" "$V:vm-203-disk-0@$QN" status=ignored reason=quarantined hint=
expect "S25 check: no @vzdump entry any more" $V:vm-203-disk-0@vzdump absent
qv=$(jget "$J" '(d.quarantine?.volumes??[]).filter(q=>/vm-203/.test(q.volid)).map(q=>q.volid+" "+q.name).join("|")')
check "S25 check's quarantine list names it VOLID@SNAP ($qv)" test "$qv" = "$V:vm-203-disk-0@vzdump vm/vm-203-disk-0@$QN"
# A backup since made a new vzdump snapshot: restore never renames over it.
snap ceph-vm vm-203-disk-0 vzdump
restore "$SJ" --yes >"$T/rsr0.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rsr0.out"
check "S25 restore refused while a new @vzdump exists (exit $rc)" test "$rc" != 0
check "S25 both snapshots as they were ($(snaps_of ceph-vm vm-203-disk-0))" test "$(snaps_of ceph-vm vm-203-disk-0)" = "$QN vzdump"
prbd ceph-vm snap rm vm-203-disk-0@vzdump >/dev/null 2>&1
t1=$(date +%s)
restore "$SJ" --yes >"$T/rsr.out" 2>&1; rc=$?
echo "   restore took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rsr.out"
check "S25 restore: exit 0 (got $rc)" test "$rc" = 0
check "S25 @vzdump back, the same snapshot id ($(snap_of ceph-vm vm-203-disk-0 vzdump))" test "$(snap_of ceph-vm vm-203-disk-0 vzdump)" = "$MID"
check "S25 after restore: same bytes, image and snapshot" test "$(img_sha vm-203-disk-0) $(img_sha vm-203-disk-0@vzdump)" = "$VS $MS"
printf '[reclaim]\nretention_days = 0\n' >"$RC_CONF"
reclaim --yes --name $V:vm-203-disk-0@vzdump >"$T/rs2.out" 2>&1; rc=$?
check "S25 quarantined again for the purge: exit 0 (got $rc)" test "$rc" = 0
QN=$(snaps_of ceph-vm vm-203-disk-0)
sleep 1.1
t1=$(date +%s)
reclaim --purge --yes --name $V:vm-203-disk-0@vzdump >"$T/rspu.out" 2>&1; rc=$?
echo "   purge (1 snapshot) took $(($(date +%s) - t1)) s"; sed 's/^/   /' "$T/rspu.out"
check "S25 purge: exit 0 (got $rc)" test "$rc" = 0
check "S25 purged: no snapshot left on the image ($(snaps_of ceph-vm vm-203-disk-0))" test -z "$(snaps_of ceph-vm vm-203-disk-0)"
check "S25 the image is still there, same bytes" test "$(img_sha vm-203-disk-0)" = "$VS"
PJ=$(newest_journal "$R" reclaim)
pj=$(jget "$PJ" 'd.actions.filter(a=>a.kind==="purge"&&a.result==="done").map(a=>a.command.slice(a.command.indexOf("snap")).join(" ")).join("|")')
check "S25 the purge journal: rbd snap rm of the snapshot alone ($pj)" test "$pj" = "snap rm vm-203-disk-0@$QN"
# S26 refused by name: a protected snapshot a clone was made from (template-base), nothing renamed.
reclaim --yes --json --name $V:vm-204-disk-0@vzdump >"$T/rp.json" 2>"$T/rsx.err"; rc=$?
code=$(rcode $V:vm-204-disk-0@vzdump)
jget "$T/rp.json" 'd.plan.refused.map(r=>r.volid+": "+r.code+" ("+r.why+")").join("\n")' | sed 's/^/   /'
check "S26 a protected snapshot with a clone is refused: template-base ($code), exit 1 (got $rc)" test "$code $rc" = "template-base 1"
check "S26 nothing renamed ($(snaps_of ceph-vm vm-204-disk-0))" test "$(snaps_of ceph-vm vm-204-disk-0)" = vzdump
# S27 a namespace: the rename and its undo within pool/namespace.
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
NID=$(snap_of ceph-tenant vm-205-disk-0 forced)
reclaim --yes --name ceph-tenant:vm-205-disk-0@forced >"$T/rsn.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rsn.out"
NQ=$(snaps_of ceph-tenant vm-205-disk-0)
check "S27 in a namespace: reclaim exit 0 (got $rc), renamed ($NQ), the same id" \
  sh -c "test '$rc' = 0 && echo '$NQ' | grep -Eqx 'pve-health-q\.[0-9]{8}T[0-9]{6}Z\.forced' && test '$(snap_of ceph-tenant vm-205-disk-0 "$NQ" | cut -d' ' -f1)' = '${NID%% *}'"
restore "$(newest_journal "$R" reclaim)" --yes >"$T/rsnr.out" 2>&1; rc=$?
sed 's/^/   /' "$T/rsnr.out"
check "S27 in a namespace: restore exit 0 (got $rc), @forced back with its id" test "$rc $(snap_of ceph-tenant vm-205-disk-0 forced)" = "0 $NID"
# S30 reclaim adopts an image someone moved to the trash (rbd trash mv, no deferment): restored under
# the quarantine name (its trash id kept: the same image) and moved back with the retention as its
# expiry; restore brings it back as an image under its name with the same data.
printf '[reclaim]\nretention_days = 7\n' >"$RC_CONF"
alloc ceph-vm vm-197-disk-0 16 && prbd ceph-vm import --no-progress "$T/data.bin" vm-197-disk-0-data >/dev/null 2>&1 &&
  prbd ceph-vm rm vm-197-disk-0 >/dev/null 2>&1 && prbd ceph-vm rename vm-197-disk-0-data vm-197-disk-0
prbd ceph-vm trash mv vm-197-disk-0 >/dev/null 2>&1
trash_json >"$T/trash5.json"
aid=$(jget "$T/trash5.json" '(d.find(e=>e.name==="vm-197-disk-0")||{}).id')
check "S30 an image an admin moved to the trash ($aid)" test -n "$aid"
vrun
# The entry's one name, VOLID#trash:ID (issue 60), quoted as every output prints it ('#' starts a shell comment).
expect "S30 its hint names reclaim between restore and trash rm" $V:vm-197-disk-0#trash status=orphan reason=in-trash "hint~pve-health reclaim --name '$V:vm-197-disk-0#trash:$aid'" "hint~trash rm"
reclaim --yes --name "$V:vm-197-disk-0#trash:$aid" >"$T/ra.out" 2>&1; rc=$?
sed 's/^/   /' "$T/ra.out"
check "S30 adopted: exit 0 (got $rc)" test "$rc" = 0
trash_json >"$T/trash6.json"
entry3='d.find(e=>/^pve-health-q\.\d{8}T\d{6}Z\.vm-197-disk-0$/.test(e.name))'
check "S30 the same trash entry ($aid) under its quarantine name" test "$(jget "$T/trash6.json" "($entry3||{}).id")" = "$aid"
st3=$(jget "$T/trash6.json" "($entry3||{}).status")
check "S30 its entry is protected until the purge date ($st3)" sh -c "echo '$st3' | grep -q '^protected until'"
vrun
expect "S30 in quarantine: ignored/quarantined, no hint" $V:vm-197-disk-0 status=ignored reason=quarantined hint=
AJ=$(newest_journal "$R" reclaim)
restore "$AJ" --yes >"$T/ra2.out" 2>&1; rc=$?
sed 's/^/   /' "$T/ra2.out"
check "S30 restore: exit 0 (got $rc)" test "$rc" = 0
check "S30 back as an image under its name with the same data (sha256 of rbd export)" test "$(img_sha vm-197-disk-0)" = "$RS"
echo "== krbd"
if [ -d /sys/bus/rbd ] || modprobe rbd 2>/dev/null; then
  echo "SKIP: krbd map left on a node: the kernel has rbd, but mapping from this suite's memstore cluster is not built here"
else
  echo "SKIP: krbd map left on a node (rbd map): this kernel ($(uname -r)) has no rbd module; the testbed's volumes suite and the fake /sys/bus/rbd cover it"
fi
echo "   suite took $(($(date +%s) - t0)) s"
finish
