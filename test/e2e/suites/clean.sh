#!/bin/bash
# Real kernel: `pve-health clean` removes exactly the right device-mapper maps, deactivates orphaned
# LVs (data kept), leaves open/valid ones alone, refuses on a root that is not this system, and
# `pve-health restore` brings the removed maps back with the same tables. Runs as root in the testbed.
set -u
cd /host
. lib/assert.sh
. lib/clean-setup.sh
CLI=(node /host/pve-health.cjs)
R=/tmp/pveroot
T0=$(date +%s)
stamp() { echo "[+$(($(date +%s) - T0))s] $*"; }

setup_lvm            # VGs pve (thin pool data) + ssd-ha01, LVs, raw maps, kpartx child, open holder
setup_root "$R"      # PVE-like /etc/pve under $R; sys, dev -> real; proc: real pids + a pmxcfs line
stamp "setup done"
dmsetup table >/tmp/tables.before

# --- analysis sees what we built
"${CLI[@]}" --root "$R" dm --json >/tmp/dm.json; rc=$?
check "dm --json exits 1 or 2 (findings), got $rc" test "$rc" -ge 1 -a "$rc" -le 2
st() { node -e 'const d=JSON.parse(require("fs").readFileSync("/tmp/dm.json"));const e=d.dm.entries.find(x=>x.name===process.argv[1]);console.log(e?`${e.status}/${e.reason}${e.protected?"/protected":""}`:"absent")' "$1"; }
check "vm-100-disk-0 valid"            test "$(st pve-vm--100--disk--0)" = valid/referenced
check "vm-150-disk-0 guest-missing"    test "$(st pve-vm--150--disk--0)" = orphan/guest-missing
check "vm-100-disk-1 not-referenced"   test "$(st pve-vm--100--disk--1)" = orphan/not-referenced
check "103-disk-2 lv-missing"          test "$(st ssd--ha01-vm--103--disk--2 | cut -d/ -f1-2)" = orphan/lv-missing
check "104-disk-0 stale-map"           test "$(st ssd--ha01-vm--104--disk--0)" = duplicate/stale-map
check "160-disk-0 orphan but protected (open): $(st ssd--ha01-vm--160--disk--0)" \
  sh -c "echo '$(st ssd--ha01-vm--160--disk--0)' | grep -q '^orphan/.*/protected$'"

stamp "dm analysed"
# --- refusals: a root that is not this system must never act (exit 3, nothing changes)
# The copy leaves the bind-mounted /dev out (-x) and mounts it again: rm -rf never reaches the real /dev.
mk_bad_root() { pve_root_remove "$2"; cp -a -x "$R" "$2"; pve_root_dev "$2"; rm -f "$2/sys"; "$1" "$2"; }
fake_sys() { mkdir -p "$1/sys/block/dm-0/dm"; echo other >"$1/sys/block/dm-0/dm/name"; : >"$1/sys/block/dm-0/dm/uuid"; }
mk_bad_root fake_sys /tmp/badroot
"${CLI[@]}" --root /tmp/badroot clean --yes --all >/tmp/bad.out 2>&1; rc=$?
check "mismatching sys view: exit 3 (got $rc)" test "$rc" = 3
check "mismatching sys view: message" grep -q "device-mapper view is inconsistent" /tmp/bad.out
no_pmxcfs() { ln -s /sys "$1/sys"; grep -v ' /etc/pve ' "$R/proc/self/mountinfo" >"$1/proc/self/mountinfo.new"; rm "$1/proc/self/mountinfo"; mv "$1/proc/self/mountinfo.new" "$1/proc/self/mountinfo"; }
mk_bad_root no_pmxcfs /tmp/badroot2
"${CLI[@]}" --root /tmp/badroot2 clean --yes --all >/tmp/bad2.out 2>&1; rc=$?
check "/etc/pve not mounted: exit 3 (got $rc)" test "$rc" = 3
check "/etc/pve not mounted: message" grep -q "not a mounted cluster filesystem" /tmp/bad2.out
dmsetup table >/tmp/tables.afterbad
check "refused runs changed nothing" cmp -s /tmp/tables.before /tmp/tables.afterbad

stamp "refusals done"
# --- dry run
"${CLI[@]}" --root "$R" clean --dry-run >/tmp/dry.out 2>&1
check "dry-run prints dmsetup remove -u" grep -q "dmsetup remove --retry -u LVM-" /tmp/dry.out
check "dry-run prints lvchange --select" grep -q "lvchange -an --select lv_uuid=.* pve/vm-150-disk-0" /tmp/dry.out
check "dry-run changed nothing" sh -c 'dmsetup table | cmp -s - /tmp/tables.before'

stamp "dry run done"
# --- clean
"${CLI[@]}" --root "$R" clean --yes --all >/tmp/clean.out 2>&1; rc=$?
cat /tmp/clean.out
check "clean exit code reflects what is left (1: the open orphan), got $rc" test "$rc" = 1
gone() { ! dmsetup info "$1" >/dev/null 2>&1; }
there() { dmsetup info "$1" >/dev/null 2>&1; }
lv_active() { [ "$(lvs --noheadings -o lv_active "$1" 2>/dev/null | tr -d ' ')" = active ]; }
lv_exists() { lvs "$1" >/dev/null 2>&1; }
check "lv-missing map removed"              gone ssd--ha01-vm--103--disk--2
check "its kpartx child removed"            gone ssd--ha01-vm--103--disk--2p1
check "stale map removed"                   gone ssd--ha01-vm--104--disk--0
check "stale map's LV still exists"         lv_exists ssd-ha01/vm-104-disk-0
check "guest-missing LV deactivated"        sh -c '! lvs --noheadings -o lv_active pve/vm-150-disk-0 | grep -q active'
check "guest-missing LV still exists"       lv_exists pve/vm-150-disk-0
check "not-referenced LV deactivated"       sh -c '! lvs --noheadings -o lv_active pve/vm-100-disk-1 | grep -q active'
check "open orphan untouched"               there ssd--ha01-vm--160--disk--0
check "valid disk untouched"                there pve-vm--100--disk--0
check "valid thick disk untouched"          there ssd--ha01-vm--101--disk--0
check "thin pool untouched"                 there pve-data-tpool
check "open orphan named in the summary"    grep -q "Not touched" /tmp/clean.out
J=$(ls /tmp/pveroot/var/lib/pve-health/journal/clean-*.json 2>/dev/null | head -1)
check "journal written" test -n "$J"
check "journal has 5 done actions" test "$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(j.actions.filter(a=>a.result==="done").length)' "$J")" = 5
for n in ssd--ha01-vm--103--disk--2 ssd--ha01-vm--104--disk--0; do
  want=$(grep "^$n: " /tmp/tables.before | sed "s/^$n: //")
  got=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(j.actions.find(a=>a.name===process.argv[2]).table.join("\n"))' "$J" "$n")
  check "journal holds the full table of $n" test "$want" = "$got"
done

# A new LV now takes the extents the stale map pointed at: restoring that map must be refused. It is
# created inactive (as PVE 9 does), so only LVM metadata knows those extents are taken.
lvcreate -q -y -an -Zn -L 16M -n vm-170-disk-0 ssd-ha01 >/dev/null 2>&1
check "new LV is inactive" sh -c '! dmsetup info ssd--ha01-vm--170--disk--0 >/dev/null 2>&1'

stamp "clean done"
# --- restore
"${CLI[@]}" --root "$R" restore "$J" --yes >/tmp/restore.out 2>&1; rc=$?
cat /tmp/restore.out
check "restore exit 1 (one refusal), got $rc" test "$rc" = 1
check "LV reactivated: vm-150-disk-0" lv_active pve/vm-150-disk-0
check "LV reactivated: vm-100-disk-1" lv_active pve/vm-100-disk-1
check "lv-missing map recreated" there ssd--ha01-vm--103--disk--2
check "kpartx child recreated" there ssd--ha01-vm--103--disk--2p1
check "recreated map has the same table" test "$(dmsetup table ssd--ha01-vm--103--disk--2)" = "$(grep '^ssd--ha01-vm--103--disk--2: ' /tmp/tables.before | sed 's/^[^:]*: //')"
pmm=$(dmsetup info -c --noheadings -o major,minor --separator : ssd--ha01-vm--103--disk--2 | tr -d ' ')
check "child maps onto the recreated parent ($pmm)" sh -c "dmsetup table ssd--ha01-vm--103--disk--2p1 | grep -q ' linear $pmm '"
check "recreated maps are read-only" sh -c 'dmsetup info ssd--ha01-vm--103--disk--2 | grep -q "READ-ONLY"'
check "stale map over reused extents refused" gone ssd--ha01-vm--104--disk--0
check "refusal names the new LV" grep -q "now belong to LV ssd-ha01/vm-170-disk-0" /tmp/restore.out
check "restore journal written" sh -c 'ls /tmp/pveroot/var/lib/pve-health/journal/restore-*.json >/dev/null'

stamp "restore done"
kill "$HOLDER" 2>/dev/null
finish
