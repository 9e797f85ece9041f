# The shared-LUN scenario, on pve1 (sourced by guest.sh; pve2 is reached over ssh like a cluster peer).
# One VG, san, on the LUN both guests see as /dev/vdb; plain LVM without cluster locking, as PVE uses a
# shared LUN (its own cluster lock serialises LVM changes). Four guests, four ways a shared LV goes
# wrong across nodes; `pve-health cluster` on pve1 must find each, and `clean` on the right node must
# fix it without touching the other node.
CLI=(node /host/pve-health.cjs --root "$R")
P2=$(node_ip pve2)
on2() {
  ssh -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=yes -o HostKeyAlias=pve2 \
    -o UserKnownHostsFile="$R/etc/pve/nodes/pve2/ssh_known_hosts" -o GlobalKnownHostsFile=none root@"$P2" "$@"
}
# A change to /etc/pve is seen by every node (pmxcfs): make it on both roots.
on_both() { (cd /host && . shared-lun/node.sh && eval "$1") && on2 "cd /host && . shared-lun/node.sh && $1"; }
q() { node shared-lun/q.js "$@"; }
# cluster FILE: `pve-health cluster --json --documents` on pve1, after both roots' proc views are refreshed.
cluster() {
  pve_root_proc "$R"
  on2 "cd /host && . lib/pve-root.sh && pve_root_proc $R"
  local t=$(date +%s)
  "${CLI[@]}" cluster --json --documents >"$1" 2>/tmp/cluster.err
  CRC=$?
  stamp "cluster run: exit $CRC in $(($(date +%s) - t)) s"
}
# snap TAG: both nodes' device-mapper tables, for "what did this change".
snap() { dmsetup table | sort >"/tmp/$1.pve1"; on2 'dmsetup table | sort' >"/tmp/$1.pve2"; }
# only_gone BEFORE AFTER MAP: AFTER is BEFORE without MAP's line.
only_gone() { grep -q "^$3: " "$1" && ! grep -q "^$3: " "$2" && grep -v "^$3: " "$1" | cmp -s - "$2"; }
# clean_on NODE ARGS...: pve-health clean --yes ARGS on that node (journal and all), output in /tmp/clean.out.
clean_on() {
  local n=$1
  shift
  pve_root_proc "$R"
  on2 "cd /host && . lib/pve-root.sh && pve_root_proc $R"
  if [ "$n" = pve1 ]; then "${CLI[@]}" clean --yes "$@" >/tmp/clean.out 2>&1; else
    on2 "node /host/pve-health.cjs --root $R clean --yes $*" >/tmp/clean.out 2>&1
  fi
  CLEAN_RC=$?
  sed 's/^/    /' /tmp/clean.out
}

for _ in $(seq 120); do on2 true 2>/dev/null && break; sleep 1; done
check "pve1 reaches pve2 by ssh (root's key, pve2's key in /etc/pve/nodes/pve2/ssh_known_hosts)" on2 true
check "pve1 has the LUN as /dev/vdb" grep -qx LUN0 /sys/block/vdb/serial
check "pve2 has it as /dev/vdb too" test "$(on2 cat /sys/block/vdb/serial)" = LUN0

# --- one shared VG on the LUN, four guests of pve1 with one disk each (autoactivation off, as PVE 9 creates them)
pvcreate -q /dev/vdb >/dev/null && vgcreate -q san /dev/vdb >/dev/null
for id in 201 202 203 204; do
  lvcreate -q -y -L 16M -n "vm-$id-disk-0" --setautoactivation n san >/dev/null
  lvchange -q -an "san/vm-$id-disk-0"
  on_both "vm_place $R $id pve1"
done
check "pve2 reads the same VG from the LUN (VG UUID)" \
  test "$(vgs --noheadings -o vg_uuid san | tr -d ' ')" = "$(on2 vgs --noheadings -o vg_uuid san | tr -d ' ')"
check "pve2 sees the four LVs" test "$(on2 lvs --noheadings -o lv_name san | wc -l)" = 4
stamp "VG san on the LUN, VMs 201-204 on pve1"

# 1. VM 201: its LV active on pve1 and on pve2 (pve2 activated it at some point), open on neither.
lvchange -q -ay san/vm-201-disk-0
on2 lvchange -q -ay san/vm-201-disk-0
# 2. VM 202: running on pve1 (its kvm holds the LV open), and something on pve2 opened it too: two writers.
lvchange -q -ay san/vm-202-disk-0 && hold san-vm--202--disk--0
on2 "cd /host && . shared-lun/node.sh && lvchange -q -ay san/vm-202-disk-0 && hold san-vm--202--disk--0"
# 3. VM 203 migrated from pve1 to pve2: it runs on pve2 now, and pve1 left its LV active.
lvchange -q -ay san/vm-203-disk-0
on_both "vm_place $R 203 pve2"
on2 "cd /host && . shared-lun/node.sh && lvchange -q -ay san/vm-203-disk-0 && hold san-vm--203--disk--0"
# 4. VM 204: its LV was left active on pve2; then pve1 deleted and allocated it anew (as a restore
#    does): pve2's map now points at extents of an LV that no longer exists, under the new LV's name.
on2 lvchange -q -ay san/vm-204-disk-0
OLD204=$(lvs --noheadings -o lv_uuid san/vm-204-disk-0 | tr -d ' ')
lvremove -q -y san/vm-204-disk-0 >/dev/null
lvcreate -q -y -L 16M -n vm-204-disk-0 --setautoactivation n san >/dev/null
printf 'NEW-204' | dd of=/dev/mapper/san-vm--204--disk--0 conv=fsync status=none
NEW204=$(lvs --noheadings -o lv_uuid san/vm-204-disk-0 | tr -d ' ')
check "vm-204-disk-0 has a new LV UUID ($OLD204 -> $NEW204)" test -n "$NEW204" -a "$OLD204" != "$NEW204"
check "pve2's vm-204 map is the old incarnation (lvs on pve2: new LV, inactive there)" \
  test "$(on2 lvs --noheadings -o lv_uuid,lv_active san/vm-204-disk-0 | xargs)" = "$NEW204"
stamp "situations built"

cluster /tmp/c1.json
cat /tmp/cluster.err
check "cluster exit 2 (critical), got $CRC" test "$CRC" = 2
check "pve1 checked in-process" test "$(q /tmp/c1.json error pve1)" = none
check "pve2 checked over ssh" test "$(q /tmp/c1.json error pve2)" = none
check "201: active on pve1 and pve2 (warning): $(q /tmp/c1.json find shared-lv-active-on-nodes vm-201-disk-0)" \
  test "$(q /tmp/c1.json find shared-lv-active-on-nodes vm-201-disk-0)" = "warning pve1,pve2"
check "201: away from home on pve2 (warning): $(q /tmp/c1.json find guest-active-away-from-home 'VM 201')" \
  test "$(q /tmp/c1.json find guest-active-away-from-home 'VM 201')" = "warning pve2"
check "202: open on pve1 and pve2 (critical): $(q /tmp/c1.json find shared-lv-open-on-nodes vm-202-disk-0)" \
  test "$(q /tmp/c1.json find shared-lv-open-on-nodes vm-202-disk-0)" = "critical pve1,pve2"
check "202: open away from home on pve2 (critical): $(q /tmp/c1.json find guest-active-away-from-home 'VM 202')" \
  test "$(q /tmp/c1.json find guest-active-away-from-home 'VM 202')" = "critical pve2"
check "203: active on pve1 and pve2 (warning): $(q /tmp/c1.json find shared-lv-active-on-nodes vm-203-disk-0)" \
  test "$(q /tmp/c1.json find shared-lv-active-on-nodes vm-203-disk-0)" = "warning pve1,pve2"
check "203: left active on pve1, its old node (warning): $(q /tmp/c1.json find guest-active-away-from-home 'VM 203')" \
  test "$(q /tmp/c1.json find guest-active-away-from-home 'VM 203')" = "warning pve1"
check "204: pve2's map is a stale map: $(q /tmp/c1.json entry pve2 san-vm--204--disk--0)" \
  test "$(q /tmp/c1.json entry pve2 san-vm--204--disk--0)" = duplicate/stale-map
check "204: pve1's map is the valid disk: $(q /tmp/c1.json entry pve1 san-vm--204--disk--0)" \
  test "$(q /tmp/c1.json entry pve1 san-vm--204--disk--0)" = valid/referenced
check "204: pve2 maps an old incarnation of the disk pve1 uses (critical): $(q /tmp/c1.json find shared-lv-stale-incarnation vm-204-disk-0)" \
  test "$(q /tmp/c1.json find shared-lv-stale-incarnation vm-204-disk-0)" = "critical pve1,pve2"
check "204: old and new incarnation are not one LV active on two nodes" \
  test "$(q /tmp/c1.json find shared-lv-active-on-nodes vm-204-disk-0)" = absent
check "pve2 is critical (the stale map)" test "$(q /tmp/c1.json node pve2)" = 2
q /tmp/c1.json cross

# --notify: the findings across nodes reach the channels with their node names (sendmail stand-in).
printf '#!/bin/sh\ncat >>/tmp/mail.txt\n' >/tmp/sendmail && chmod +x /tmp/sendmail
printf '\n[notify.sendmail]\npath = "/tmp/sendmail"\nto = "root@example.org"\n' >>"$R/etc/pve-health/config.toml"
"${CLI[@]}" cluster --notify --quiet >/dev/null 2>/tmp/notify.err
sed ':a;/=$/{N;s/=\n//;ba}' /tmp/mail.txt >/tmp/mail.joined   # quoted-printable soft line breaks
check "notify: two writers, with both node names" \
  grep -qF "[CRITICAL] cluster on pve1, pve2: san/vm-202-disk-0 is open on pve1 and pve2 at once" /tmp/mail.joined
check "notify: the stale incarnation on pve2" grep -qF "cluster on pve1, pve2: pve2 still maps an old incarnation" /tmp/mail.joined
check "notify: pve2's own status" grep -qF "[CRITICAL] cluster on pve2: pve2 reports CRITICAL" /tmp/mail.joined

# serve --cluster: the cluster view and its series with node names in /metrics.
"${CLI[@]}" serve --cluster --listen 127.0.0.1:9310 2>/tmp/serve.err &
SERVE=$!
node -e '
  const get = (p) => fetch("http://127.0.0.1:9310" + p).then(async (r) => [r.status, await r.text()]);
  (async () => {
    for (let i = 0; i < 240; i++) {
      const [st] = await get("/api/cluster").catch(() => [0]);
      if (st === 200) break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
    process.stdout.write((await get("/metrics"))[1]);
  })();' >/tmp/metrics.txt
kill "$SERVE"
grep '^pve_health_cluster' /tmp/metrics.txt | sed 's/^/    /'
check "metrics: two writers, on pve1" grep -Eq '^pve_health_cluster_finding\{finding="shared-lv-open:san/[^"]+",kind="shared-lv-open-on-nodes",severity="critical",node="pve1",id="qemu/202",vmid="202"\} 1$' /tmp/metrics.txt
check "metrics: two writers, on pve2" grep -Eq '^pve_health_cluster_finding\{finding="shared-lv-open:san/[^"]+",kind="shared-lv-open-on-nodes",severity="critical",node="pve2",id="qemu/202",vmid="202"\} 1$' /tmp/metrics.txt
check "metrics: pve2's status" grep -Eq '^pve_health_cluster_node_status\{node="pve2",error="",id="node/pve2"\} 2$' /tmp/metrics.txt
stamp "notify and serve --cluster"

# The same view from pve2 (ssh the other way), as text.
on2 "node /host/pve-health.cjs --root $R cluster" >/tmp/c2.txt 2>&1
sed 's/^/    /' /tmp/c2.txt
check "from pve2 too: two writers on vm-202-disk-0" grep -q "san/vm-202-disk-0 is open on pve1 and pve2 at once" /tmp/c2.txt
check "from pve2 too: pve1 reached over ssh" grep -Eq "^pve1 +$(node_ip pve1) " /tmp/c2.txt
stamp "found"

# --- fixes, each with `clean` on the node that must let go, and the other node untouched
snap a
clean_on pve2 --name san/vm-201-disk-0
snap b
check "201: clean on pve2 deactivated it there" only_gone /tmp/a.pve2 /tmp/b.pve2 san-vm--201--disk--0
check "201: pve1 untouched" cmp -s /tmp/a.pve1 /tmp/b.pve1

clean_on pve2 --name san/vm-202-disk-0
snap c
check "202: clean on pve2 leaves the open LV alone (never harm), exit $CLEAN_RC" cmp -s /tmp/b.pve2 /tmp/c.pve2
check "202: and says so" grep -q "Not touched" /tmp/clean.out
on2 "cd /host && . shared-lun/node.sh && unhold san-vm--202--disk--0"
clean_on pve2 --name san/vm-202-disk-0
snap d
check "202: once pve2's writer stopped, clean on pve2 deactivated it there" only_gone /tmp/c.pve2 /tmp/d.pve2 san-vm--202--disk--0
check "202: pve1 untouched (still open by its kvm)" cmp -s /tmp/a.pve1 /tmp/d.pve1

clean_on pve1 --name san/vm-203-disk-0
snap e
check "203: clean on pve1 (the old node) deactivated it there" only_gone /tmp/d.pve1 /tmp/e.pve1 san-vm--203--disk--0
check "203: pve2, where it runs, untouched" cmp -s /tmp/d.pve2 /tmp/e.pve2

clean_on pve2 --name san-vm--204--disk--0
snap f
check "204: clean on pve2 removed the stale map" only_gone /tmp/e.pve2 /tmp/f.pve2 san-vm--204--disk--0
check "204: pve1 untouched" cmp -s /tmp/e.pve1 /tmp/f.pve1
check "204: the new disk's data is intact" test "$(head -c 7 /dev/mapper/san-vm--204--disk--0)" = NEW-204
check "LVs all still there (nothing removed)" test "$(lvs --noheadings -o lv_name san | wc -l)" = 4
stamp "fixed"

cluster /tmp/c3.json
check "after the fixes: nothing across nodes ($(q /tmp/c3.json cross))" test "$(q /tmp/c3.json cross)" = none
check "after the fixes: cluster exit 0, got $CRC" test "$CRC" = 0
