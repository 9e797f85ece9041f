# Builders for suites/clean.sh (sourced). Real LVM and device-mapper on loop devices in the guest.
. lib/pve-root.sh

# VG pve with thin pool data (local-lvm) and VG ssd-ha01 (thick LVM storage), plus the findings:
#   pve/vm-100-disk-0        valid (VM 100 scsi0)
#   pve/vm-100-disk-1        orphan not-referenced (a disk removed from VM 100's config)
#   pve/vm-150-disk-0        orphan guest-missing (a deleted guest)
#   ssd-ha01/vm-101-disk-0   valid (VM 101 scsi0)
#   ssd-ha01/vm-104-disk-0   inactive LV; a stale map under its name over old (now free) extents
#   ssd-ha01/vm-160-disk-0   orphan held open by a process (HOLDER)
#   ssd--ha01-vm--103--disk--2   hand-made map without LV (lv-missing), with a kpartx child p1
setup_lvm() {
  modprobe dm_thin_pool 2>/dev/null
  truncate -s 400M /tmp/pv1.img; L1=$(losetup -f --show /tmp/pv1.img)
  truncate -s 300M /tmp/pv2.img; L2=$(losetup -f --show /tmp/pv2.img)
  vgcreate -q pve "$L1" >/dev/null
  lvcreate -q -y -L 200M -T pve/data >/dev/null
  for lv in vm-100-disk-0 vm-100-disk-1 vm-150-disk-0; do lvcreate -q -y -V 32M -T pve/data -n "$lv" >/dev/null; done
  vgcreate -q ssd-ha01 "$L2" >/dev/null
  lvcreate -q -y -L 32M -n vm-101-disk-0 ssd-ha01 >/dev/null
  lvcreate -q -y -L 16M -n vm-104-disk-0 ssd-ha01 >/dev/null
  lvcreate -q -y -L 16M -n vm-160-disk-0 ssd-ha01 >/dev/null
  lvchange -q -an ssd-ha01/vm-104-disk-0
  local vgid pe ext devno
  vgid=$(vgs --noheadings -o vg_uuid ssd-ha01 | tr -d ' -')
  pe=$(pvs --noheadings --units s --nosuffix -o pe_start "$L2" | tr -d ' ')
  ext=8192   # 4 MiB extents in sectors
  devno=$(lsblk -dno MAJ:MIN "$L2" 2>/dev/null | tr -d ' ')
  [ -n "$devno" ] || devno=$(printf '%d:%d' "$(stat -c '0x%t' "$L2")" "$(stat -c '0x%T' "$L2")")
  # Stale map: the LV's name, another LV id, over the first free extents (PE 16: after 8+4+4).
  dmsetup create ssd--ha01-vm--104--disk--0 -u "LVM-${vgid}$(printf %-32s StaleOldIncarnation | tr " " 0)" \
    --table "0 32768 linear $devno $((pe + 16 * ext))"
  # Map without LV: far out in free space (PE 60), with a partition table and a kpartx child.
  dmsetup create ssd--ha01-vm--103--disk--2 -u "LVM-${vgid}$(printf %-32s GoneLvIdentity | tr " " 0)" \
    --table "0 65536 linear $devno $((pe + 60 * ext))"
  echo 'start=2048, size=20480, type=83' | sfdisk -q /dev/mapper/ssd--ha01-vm--103--disk--2 >/dev/null 2>&1
  kpartx -a /dev/mapper/ssd--ha01-vm--103--disk--2
  # A process holds the orphaned vm-160 open (like a forgotten dd or qemu-img).
  sleep 3600 </dev/mapper/ssd--ha01-vm--160--disk--0 &
  HOLDER=$!
}

# A PVE-like root for node pve1 (lib/pve-root.sh) with storages local-lvm and ssd-ha01 and VMs 100, 101.
setup_root() {
  local R=$1
  pve_root "$R" pve1
  cat >"$R/etc/pve/storage.cfg" <<'EOF'
dir: local
	path /var/lib/vz
	content iso,vztmpl,backup

lvmthin: local-lvm
	thinpool data
	vgname pve
	content rootdir,images

lvm: ssd-ha01
	vgname ssd-ha01
	content images,rootdir
EOF
  echo '{"nodename": "pve1", "version": 3}' >"$R/etc/pve/.members"
  cat >"$R/etc/pve/.vmlist" <<'EOF'
{
"version": 5,
"ids": {
"100": { "node": "pve1", "type": "qemu", "version": 2 },
"101": { "node": "pve1", "type": "qemu", "version": 3 }}

}
EOF
  printf 'name: web\nmemory: 512\nscsi0: local-lvm:vm-100-disk-0,size=32M\n' >"$R/etc/pve/nodes/pve1/qemu-server/100.conf"
  printf 'name: db\nmemory: 512\nscsi0: ssd-ha01:vm-101-disk-0,size=32M\n' >"$R/etc/pve/nodes/pve1/qemu-server/101.conf"
}
