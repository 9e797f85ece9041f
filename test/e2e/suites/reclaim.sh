#!/bin/bash
# Real kernel: `pve-health reclaim` on real LVM-thin and plain LVM. A proven orphan is quarantined for real
# (deactivated, tagged, renamed outside PVE's vm-<id>- names: LVMPlugin.pm/LvmThinPlugin.pm list_images),
# `check` no longer calls it an orphan, `restore JOURNAL` brings it back under its own name with the same
# bytes, `reclaim --purge` after the retention removes it and the journal says what it destroyed; every
# "only proven orphans" refusal that real LVs can build refuses with its code; a run killed (-9) between
# two steps leaves a state that `restore` or a second run completes. Runs as root in the testbed guest.
set -u
cd /host
. lib/assert.sh
. lib/pve-root.sh
. lib/reclaim-lib.sh
CLI=(node /host/pve-health.cjs)
R=/tmp/pveroot
CONF=/tmp/pve-health.toml
W=/tmp/wrap
T0=$(date +%s)
stamp() { echo "[+$(($(date +%s) - T0))s] $*"; }

# --- the node: VG pve with thin pool data (local-lvm), VG ssd-ha01 (plain LVM, not shared)
modprobe dm_thin_pool 2>/dev/null
truncate -s 400M /tmp/pv1.img; L1=$(losetup -f --show /tmp/pv1.img)
truncate -s 300M /tmp/pv2.img; L2=$(losetup -f --show /tmp/pv2.img)
vgcreate -q pve "$L1" >/dev/null
lvcreate -q -y -L 200M -T pve/data >/dev/null
thin() { lvcreate -q -y -V "$2" -T pve/data -n "$1" >/dev/null; }
thick() { lvcreate -q -y -L "$2" -n "$1" ssd-ha01 >/dev/null; }
thin vm-100-disk-0 16M    # valid: VM 100 scsi0
thin vm-100-disk-1 16M    # orphan not-referenced (the quarantine, restore, purge case on LVM-thin)
thin vm-102-disk-1 16M    # not referenced, but VM 102 has lock: backup and no task (a stale lock: protected)
thin vm-150-disk-0 16M    # orphan guest-missing (the killed runs)
thin vm-170-disk-0 16M    # orphan guest-missing, origin of a thin snapshot (has-snapshots)
lvcreate -q -y -s -n snap_vm-170-disk-0_old pve/vm-170-disk-0 >/dev/null
vgcreate -q ssd-ha01 "$L2" >/dev/null
thick vm-101-disk-0 16M   # valid: VM 101 scsi0
thick vm-151-disk-0 16M   # orphan guest-missing (plain LVM: quarantine, restore, purge)
thick vm-160-disk-0 8M    # orphan held open by a process (protected)
# Data to find again: random bytes over each orphan that is quarantined and restored.
for d in /dev/pve/vm-100-disk-1 /dev/ssd-ha01/vm-151-disk-0 /dev/pve/vm-150-disk-0; do
  dd if=/dev/urandom of="$d" bs=1M count=16 status=none oflag=direct
done
sleep 3600 </dev/ssd-ha01/vm-160-disk-0 &
HOLDER=$!

pve_root "$R" pve1
cat >"$R/etc/pve/storage.cfg" <<'CFG'
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
CFG
echo '{"nodename": "pve1", "version": 3}' >"$R/etc/pve/.members"
Q=$R/etc/pve/nodes/pve1/qemu-server
printf 'name: web\nmemory: 512\nscsi0: local-lvm:vm-100-disk-0,size=16M\n' >"$Q/100.conf"
printf 'name: db\nmemory: 512\nscsi0: ssd-ha01:vm-101-disk-0,size=16M\n' >"$Q/101.conf"
printf 'name: backup-running\nmemory: 512\nlock: backup\n' >"$Q/102.conf"
pve_vmlist "$R"
printf '[reclaim]\nretention_days = 7\n' >"$CONF"
stamp "setup done"

rc_of() { "$@" >/tmp/out 2>&1; echo $?; }
lvf() { lvs --noheadings -o "$2" --select "lv_uuid=$1" 2>/dev/null | tr -d ' '; }   # field of the LV with that id
uuid_of() { lvs --noheadings -o lv_uuid "$1" | tr -d ' '; }
reclaim() { "${CLI[@]}" --root "$R" --config "$CONF" reclaim "$@"; }
restore() { "${CLI[@]}" --root "$R" --config "$CONF" restore "$@"; }

# --- the plan sees what was built
reclaim --dry-run --json >/tmp/plan.json 2>/tmp/plan.err; rc=$?
check "reclaim --dry-run --json exits 0 (got $rc)" test "$rc" = 0
planned=$(jget /tmp/plan.json 'd.plan.actions.map(a=>a.volid).sort().join(" ")')
check "planned: exactly the three unprotected orphans ($planned)" \
  test "$planned" = "local-lvm:vm-100-disk-1 local-lvm:vm-150-disk-0 ssd-ha01:vm-151-disk-0"
code_of() { jget /tmp/plan.json "(d.plan.refused.find(r=>r.volid===\"$1\")||{}).code"; }
# (--all lists findings only; a valid disk is refused by name, below)
check "vm-102-disk-1 refused protected: its guest's lock ($(code_of local-lvm:vm-102-disk-1))" test "$(code_of local-lvm:vm-102-disk-1)" = protected
check "vm-160-disk-0 refused protected ($(code_of ssd-ha01:vm-160-disk-0))"     test "$(code_of ssd-ha01:vm-160-disk-0)" = protected
check "vm-170-disk-0 refused has-snapshots ($(code_of local-lvm:vm-170-disk-0))" test "$(code_of local-lvm:vm-170-disk-0)" = has-snapshots
check "its thin snapshot refused: snapshot ($(code_of local-lvm:snap_vm-170-disk-0_old))" test "$(code_of local-lvm:snap_vm-170-disk-0_old)" = snapshot
lvs -o lv_name,lv_attr,lv_tags --noheadings >/tmp/lvs.before

# --- refusals when acting: each asked by name, each exits non-zero, nothing changes
for v in local-lvm:vm-100-disk-0:valid ssd-ha01:vm-101-disk-0:valid local-lvm:vm-102-disk-1:protected \
  ssd-ha01:vm-160-disk-0:protected local-lvm:vm-170-disk-0:has-snapshots; do
  code=${v##*:}; v=${v%:*}
  rc=$(rc_of reclaim --yes --name "$v")
  check "reclaim --yes --name $v: refused $code, with its reason" grep -q "^ *$v.* — $code: ." /tmp/out
  check "reclaim --yes --name $v: a refusal asked for by name is no success: exit 1 (got $rc)" test "$rc" = 1
  check "reclaim --yes --name $v: no journal step" test -z "$(newest_journal "$R" reclaim)"
done
# Storage disabled: the thick orphan is refused with storage-disabled.
cp "$R/etc/pve/storage.cfg" /tmp/storage.cfg.ok
printf '\tdisable 1\n' >>"$R/etc/pve/storage.cfg"
reclaim --dry-run --json --name ssd-ha01:vm-151-disk-0 >/tmp/dis.json 2>/dev/null
check "disabled storage: refused storage-disabled ($(jget /tmp/dis.json 'd.plan.refused.map(r=>r.code).join()'))" \
  test "$(jget /tmp/dis.json '(d.plan.refused.find(r=>r.volid==="ssd-ha01:vm-151-disk-0")||{}).code')" = storage-disabled
cp /tmp/storage.cfg.ok "$R/etc/pve/storage.cfg"
# Node preconditions: a cluster without quorum, /etc/pve not mounted.
cp "$R/etc/pve/.members" /tmp/members.ok
echo '{"nodename":"pve1","version":4,"cluster":{"name":"c1","version":2,"nodes":2,"quorate":0},"nodelist":{"pve1":{"id":1,"online":1,"ip":"10.0.0.1"},"pve2":{"id":2,"online":0,"ip":"10.0.0.2"}}}' >"$R/etc/pve/.members"
rc=$(rc_of reclaim --yes --name ssd-ha01:vm-151-disk-0)
check "not quorate: exit 3 (got $rc)" test "$rc" = 3
check "not quorate: says so" grep -q "not quorate" /tmp/out
cp /tmp/members.ok "$R/etc/pve/.members"
cp "$R/proc/self/mountinfo" /tmp/mountinfo.ok
grep -v ' /etc/pve ' /tmp/mountinfo.ok >"$R/proc/self/mountinfo"
rc=$(rc_of reclaim --yes --name ssd-ha01:vm-151-disk-0)
check "/etc/pve not mounted: exit 3 (got $rc)" test "$rc" = 3
check "/etc/pve not mounted: says so" grep -q "not a mounted cluster filesystem" /tmp/out
cp /tmp/mountinfo.ok "$R/proc/self/mountinfo"
lvs -o lv_name,lv_attr,lv_tags --noheadings >/tmp/lvs.after
check "the refusals changed no LV" cmp -s /tmp/lvs.before /tmp/lvs.after
stamp "refusals done"

# --- quarantine, check, restore: LVM-thin and plain LVM
U1=$(uuid_of pve/vm-100-disk-1); U2=$(uuid_of ssd-ha01/vm-151-disk-0)
S1=$(sha_of /dev/pve/vm-100-disk-1); S2=$(sha_of /dev/ssd-ha01/vm-151-disk-0)
reclaim --yes --name local-lvm:vm-100-disk-1 --name ssd-ha01:vm-151-disk-0 >/tmp/q.out 2>&1; rc=$?
cat /tmp/q.out
check "reclaim exit 0 (got $rc)" test "$rc" = 0
J=$(newest_journal "$R" reclaim)
check "reclaim journal written" test -n "$J"
for u in "$U1" "$U2"; do
  n=$(lvf "$u" lv_name)
  check "LV $u renamed outside PVE's names: $n" sh -c "echo '$n' | grep -Eq '^pve-health-q\.[0-9]{8}T[0-9]{6}Z\.vm-1[05][01]-disk-[01]$'"
  check "LV $n inactive ($(lvf "$u" lv_active))" test -z "$(lvf "$u" lv_active | grep -x active)"
  check "LV $n tagged pve-health-quarantine ($(lvf "$u" lv_tags))" test "$(lvf "$u" lv_tags)" = pve-health-quarantine
done
check "no device node under the old names" sh -c '[ ! -e /dev/pve/vm-100-disk-1 ] && [ ! -e /dev/ssd-ha01/vm-151-disk-0 ]'
check "journal: deactivate, tag, rename done for each" test "$(journal_ops "$J" | sort | uniq -c | awk '{print $1, $3, $4}' | tr '\n' ' ')" = "2 lv-addtag done 2 lv-deactivate done 2 lv-rename done "
"${CLI[@]}" --root "$R" --config "$CONF" check --json >/tmp/check.json 2>/dev/null
orph=$(jget /tmp/check.json '[...d.volumes.entries.filter(e=>e.status==="orphan").map(e=>e.volid),...d.dm.entries.filter(e=>e.status==="orphan").map(e=>e.name)].join(" ")')
check "check: the quarantined LVs are no orphans ($orph)" sh -c "! echo '$orph' | grep -q 'vm-100-disk-1\|vm-151-disk-0\|pve-health-q'"
qs=$(jget /tmp/check.json 'd.dm.entries.filter(e=>/^pve-health-q\./.test(e.lv||"")).map(e=>e.status+"/"+e.reason).join(" ")')
check "check: both LVs shown as in quarantine ($qs)" test "$qs" = "ignored/quarantined ignored/quarantined"
reclaim --dry-run --json >/tmp/plan2.json 2>/dev/null
check "reclaim plans them no more, lists them in quarantine" \
  test "$(jget /tmp/plan2.json 'd.plan.quarantined.map(q=>q.volid).sort().join(" ")+"|"+d.plan.actions.filter(a=>/vm-100-disk-1|vm-151/.test(a.volid)).length')" = "local-lvm:vm-100-disk-1 ssd-ha01:vm-151-disk-0|0"
stamp "quarantine done"

restore "$J" --yes >/tmp/r.out 2>&1; rc=$?
cat /tmp/r.out
check "restore exit 0 (got $rc)" test "$rc" = 0
check "LV-thin back under its name, active, untagged" test "$(lvf "$U1" lv_name)/$(lvf "$U1" lv_active)/$(lvf "$U1" lv_tags)" = "vm-100-disk-1/active/"
check "plain LV back under its name, active, untagged" test "$(lvf "$U2" lv_name)/$(lvf "$U2" lv_active)/$(lvf "$U2" lv_tags)" = "vm-151-disk-0/active/"
check "LV-thin: same bytes (sha256)" test "$(sha_of /dev/pve/vm-100-disk-1)" = "$S1"
check "plain LV: same bytes (sha256)" test "$(sha_of /dev/ssd-ha01/vm-151-disk-0)" = "$S2"
restore "$J" --yes >/tmp/r2.out 2>&1; rc=$?
cat /tmp/r2.out
check "a second restore changes nothing and says so (exit $rc)" grep -q "already under its original name" /tmp/r2.out
stamp "restore done"

# --- purge after the retention (0 days): the quarantine again, then --purge
printf '[reclaim]\nretention_days = 0\n' >"$CONF"
reclaim --yes --name ssd-ha01:vm-151-disk-0 >/tmp/q2.out 2>&1; rc=$?
check "quarantine again: exit 0 (got $rc)" test "$rc" = 0
QN=$(lvf "$U2" lv_name)
sleep 1.1
reclaim --purge --dry-run --json >/tmp/purge.json 2>/dev/null
check "purge plans the one past its retention ($(jget /tmp/purge.json 'd.plan.actions.map(a=>a.volid).join()'))" \
  test "$(jget /tmp/purge.json 'd.plan.actions.map(a=>a.volid).join()')" = ssd-ha01:vm-151-disk-0
reclaim --purge --yes --name ssd-ha01:vm-151-disk-0 >/tmp/p.out 2>&1; rc=$?
cat /tmp/p.out
check "purge exit 0 (got $rc)" test "$rc" = 0
check "purged LV gone (lvs by its id)" test -z "$(lvf "$U2" lv_name)"
check "no LV named $QN" sh -c "! lvs ssd-ha01/$QN >/dev/null 2>&1"
PJ=$(newest_journal "$R" reclaim)
check "purge journal says what it destroyed: lvremove of $QN" \
  test "$(jget "$PJ" 'd.actions.filter(a=>a.kind==="purge"&&a.result==="done").map(a=>a.reclaim.quarantine+" "+a.command[0]).join()')" = "$QN lvremove"
check "the thin orphan restored before is untouched" test "$(lvf "$U1" lv_name)" = vm-100-disk-1
printf '[reclaim]\nretention_days = 7\n' >"$CONF"
stamp "purge done"

# --- a run killed (-9) between two steps: deactivated and tagged, not renamed
U3=$(uuid_of pve/vm-150-disk-0); S3=$(sha_of /dev/pve/vm-150-disk-0)
killed_run() {   # killed_run: reclaim vm-150-disk-0 until lvrename is about to run, then kill -9 it
  pause_wrapper "$W" lvrename
  PATH="$W:$PATH" "${CLI[@]}" --root "$R" --config "$CONF" reclaim --yes --name local-lvm:vm-150-disk-0 >/tmp/k.out 2>&1 &
  local pid=$!
  if wait_for "$W/lvrename.pid" 60; then
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    kill -9 "$(cat "$W/lvrename.pid")" 2>/dev/null   # the paused wrapper (started by this run)
    return 0
  fi
  kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; cat /tmp/k.out; return 1
}
check "run 1 stopped right before lvrename and was killed" killed_run
check "after the kill: still its name, inactive, tagged ($(lvf "$U3" lv_name)/$(lvf "$U3" lv_active)/$(lvf "$U3" lv_tags))" \
  test "$(lvf "$U3" lv_name)/$(lvf "$U3" lv_active)/$(lvf "$U3" lv_tags)" = "vm-150-disk-0//pve-health-quarantine"
KJ=$(newest_journal "$R" reclaim)
ops=$(journal_ops "$KJ" | tr '\n' ',')
check "journal: deactivate and tag done, rename started not done ($ops)" \
  sh -c "echo '$ops' | grep -Eq '^reclaim lv-deactivate done,reclaim lv-addtag done,reclaim lv-rename [a-z]+,$' && ! echo '$ops' | grep -q 'lv-rename done'"
restore "$KJ" --yes >/tmp/kr.out 2>&1; rc=$?
cat /tmp/kr.out
check "restore of the killed run: exit 0 (got $rc)" test "$rc" = 0
check "restored: its name, active, untagged" test "$(lvf "$U3" lv_name)/$(lvf "$U3" lv_active)/$(lvf "$U3" lv_tags)" = "vm-150-disk-0/active/"
check "restored: same bytes" test "$(sha_of /dev/pve/vm-150-disk-0)" = "$S3"
# Killed again at the same place; this time a second reclaim finishes it.
check "run 2 stopped right before lvrename and was killed" killed_run
reclaim --dry-run --json --name local-lvm:vm-150-disk-0 >/tmp/k2.json 2>/dev/null
check "second run plans only the rename ($(jget /tmp/k2.json 'd.plan.actions.flatMap(a=>a.steps.map(s=>s.op)).join()'))" \
  test "$(jget /tmp/k2.json 'd.plan.actions.flatMap(a=>a.steps.map(s=>s.op)).join()')" = "lv-addtag,lv-rename"
reclaim --yes --name local-lvm:vm-150-disk-0 >/tmp/k2.out 2>&1; rc=$?
cat /tmp/k2.out
check "second run: exit 0 (got $rc)" test "$rc" = 0
check "second run: renamed, inactive, tagged ($(lvf "$U3" lv_name)/$(lvf "$U3" lv_tags))" \
  sh -c "[ '$(lvf "$U3" lv_tags)' = pve-health-quarantine ] && echo '$(lvf "$U3" lv_name)' | grep -q '^pve-health-q\..*\.vm-150-disk-0$' && [ -z '$(lvf "$U3" lv_active)' ]"
restore "$(newest_journal "$R" reclaim)" --yes >/tmp/k3.out 2>&1; rc=$?
cat /tmp/k3.out
check "restore after the second run: its name (got $(lvf "$U3" lv_name), exit $rc)" test "$(lvf "$U3" lv_name)" = vm-150-disk-0
stamp "killed runs done"

kill "$HOLDER" 2>/dev/null
finish
