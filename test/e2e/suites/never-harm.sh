#!/bin/bash
# Real kernel: what must survive `pve-health clean --all`, and a restore that must be refused.
# - an LV a guest uses by path (/dev/dm-N, a udev-style by-path link, args: -drive file=/dev/mapper/...):
#   qemu-server activates nothing for path drives, so deactivating it would break the guest;
# - hand-made maps without an LVM- UUID (a layer-looking name, the exact name of no LV): not LVM's;
# - restore over reused extents on a DM-backed PV (a linear map with an mpath- UUID standing in for
#   multipath, the normal shared-SAN setup): the new LV is inactive, only LVM's segments know.
set -u
cd /host
. lib/assert.sh
. lib/clean-setup.sh
CLI=(node /host/pve-health.cjs)
R=/tmp/pveroot

truncate -s 300M /tmp/lun.img
L=$(losetup -f --show /tmp/lun.img)
SECTORS=$(blockdev --getsz "$L")
dmsetup create mpatha -u mpath-36001405deadbeef00000000000000001 --table "0 $SECTORS linear $L 0"
# LVM must use the multipath device, never its path (lvm2 skips multipath components the same way).
mkdir -p /etc/lvm
cat >/etc/lvm/lvm.conf <<'EOF'
devices {
	global_filter = [ "a|^/dev/mapper/mpatha$|", "r|.*|" ]
}
EOF
pvcreate -q /dev/mapper/mpatha >/dev/null
vgcreate -q san /dev/mapper/mpatha >/dev/null
lvcreate -q -y -L 16M -n vm-300-disk-0 san >/dev/null     # used by VM 301 through /dev/dm-N
lvcreate -q -y -L 16M -n vm-302-disk-0 san >/dev/null     # used by VM 303 through a by-path link
lvcreate -q -y -L 16M -n vm-304-disk-0 san >/dev/null     # used by VM 305 in args:
lvcreate -q -y -L 16M -n vm-150-disk-0 san >/dev/null     # a real orphan: guest 150 is gone
check "VG san on the DM-backed PV" sh -c 'pvs --noheadings -o pv_name | grep -q /dev/mapper/mpatha'

setup_root "$R"
cat >>"$R/etc/pve/storage.cfg" <<'EOF'

lvm: san
	vgname san
	content images
EOF
minor=$(dmsetup info -c --noheadings -o minor san-vm--300--disk--0 | tr -d ' ')
mkdir -p /dev/disk/by-path
ln -sf "../../mapper/san-vm--302--disk--0" /dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7
printf 'name: a\nscsi0: /dev/dm-%s\n' "$minor" >"$R/etc/pve/nodes/pve1/qemu-server/301.conf"
printf 'name: b\nvirtio1: /dev/disk/by-path/ip-10.0.0.9:3260-iscsi-lun-7,size=16M\n' >"$R/etc/pve/nodes/pve1/qemu-server/303.conf"
printf 'name: c\nargs: -drive file=/dev/mapper/san-vm--304--disk--0,if=none,id=d1 -device virtio-blk,drive=d1\n' \
  >"$R/etc/pve/nodes/pve1/qemu-server/305.conf"
pve_vmlist "$R"

# Hand-made maps without a UUID.
dmsetup create san-vm--300--disk--0-backup --table "0 2048 zero"
dmsetup create san-vm--401--disk--0 --table "0 2048 zero"

# A map without LV over free extents of the DM-backed PV (PE 40), to be cleaned and then restored.
vgid=$(vgs --noheadings -o vg_uuid san | tr -d ' -')
pe=$(pvs --noheadings --units s --nosuffix -o pe_start /dev/mapper/mpatha | tr -d ' ')
mm=$(dmsetup info -c --noheadings -o major,minor --separator : mpatha | tr -d ' ')
dmsetup create san-vm--160--disk--0 -u "LVM-${vgid}$(printf %-32s GoneLvOnMultipath | tr " " 0)" \
  --table "0 16384 linear $mm $((pe + 40 * 8192))"

"${CLI[@]}" --root "$R" dm --json >/tmp/dm.json
st() { node -e 'const d=JSON.parse(require("fs").readFileSync("/tmp/dm.json"));const e=d.dm.entries.find(x=>x.name===process.argv[1]);console.log(e?`${e.status}/${e.reason}`:"absent")' "$1"; }
check "LV used by /dev/dm-N is valid: $(st san-vm--300--disk--0)" test "$(st san-vm--300--disk--0)" = valid/referenced
check "LV used by a by-path link is valid: $(st san-vm--302--disk--0)" test "$(st san-vm--302--disk--0)" = valid/referenced
check "LV used in args: is valid: $(st san-vm--304--disk--0)" test "$(st san-vm--304--disk--0)" = valid/referenced
check "UUID-less layer-looking map ignored: $(st san-vm--300--disk--0-backup)" test "$(st san-vm--300--disk--0-backup)" = ignored/not-lvm
check "UUID-less map named like no LV ignored: $(st san-vm--401--disk--0)" test "$(st san-vm--401--disk--0)" = ignored/not-lvm
check "the real orphan is found: $(st san-vm--150--disk--0)" test "$(st san-vm--150--disk--0)" = orphan/guest-missing

"${CLI[@]}" --root "$R" clean --yes --all >/tmp/clean.out 2>&1
cat /tmp/clean.out
there() { dmsetup info "$1" >/dev/null 2>&1; }
gone() { ! there "$1"; }
check "path-referenced LV still active (/dev/dm-N)" there san-vm--300--disk--0
check "path-referenced LV still active (by-path link)" there san-vm--302--disk--0
check "path-referenced LV still active (args:)" there san-vm--304--disk--0
check "hand-made layer-looking map survives" there san-vm--300--disk--0-backup
check "hand-made map of no LV survives" there san-vm--401--disk--0
check "the orphan was deactivated" gone san-vm--150--disk--0
check "the map without LV was removed" gone san-vm--160--disk--0
J=$(ls "$R"/var/lib/pve-health/journal/clean-*.json | head -1)

# A new LV takes the extents the removed map pointed at, inactive (as PVE 9 creates LVs).
lvcreate -q -y -an -Zn -L 200M -n vm-170-disk-0 san >/dev/null 2>&1
segs=$(pvs --segments --noheadings -o lv_name,pvseg_start /dev/mapper/mpatha | tr -s ' ')
check "the new LV lies over PE 40 ($segs)" sh -c "pvs --segments --noheadings -o lv_name,pvseg_start,pvseg_size /dev/mapper/mpatha | awk '\$1==\"vm-170-disk-0\" && \$2<=40 && \$2+\$3>40' | grep -q ."
"${CLI[@]}" --root "$R" restore "$J" --yes --name san-vm--160--disk--0 >/tmp/restore.out 2>&1
cat /tmp/restore.out
check "restore over reused extents on the DM-backed PV refused" gone san-vm--160--disk--0
check "the refusal names the new LV" grep -q "now belong to LV san/vm-170-disk-0" /tmp/restore.out
finish
