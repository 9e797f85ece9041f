# A one-node Ceph cluster on the loopback address for the real-Ceph suite (sourced): one mon, one mgr and
# one memstore OSD, a pool of size 1, every daemon started in the foreground by this shell and stopped by
# its PID, every file (config, keyrings, mon store, logs, sockets) under one temporary directory.
# Debian 12's ceph 16.2 packages: ceph-mon, ceph-mgr, ceph-osd, ceph-common (rbd, rados, ceph,
# monmaptool, ceph-authtool).

# ceph_up DIR: builds and starts the cluster in DIR; sets CEPH_DIR, CEPH_CONF (exported: every ceph/rbd
# call of the suite reads it), CEPH_MON (127.0.0.1:port), CEPH_PIDS. Returns non-zero if it did not come up.
ceph_up() {
  CEPH_DIR=$1
  CEPH_PIDS=()
  local fsid port d=$1
  fsid=$(cat /proc/sys/kernel/random/uuid)
  # A free port of the loopback, so that two runs (or another cluster) never share a mon.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CEPH_MON=127.0.0.1:$port
  mkdir -p "$d/mon" "$d/mgr" "$d/osd0" "$d/run" "$d/log"
  CEPH_CONF=$d/ceph.conf
  export CEPH_CONF
  cat >"$CEPH_CONF" <<CONF
[global]
fsid = $fsid
mon_host = v2:$CEPH_MON
public_addr = 127.0.0.1
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $d/keyring
run_dir = $d/run
log_file = $d/log/\$name.log
pid_file = $d/run/\$name.pid
crash_dir = $d/crash
osd_objectstore = memstore
memstore_device_bytes = 2147483648
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
osd_memory_target = 939524096
[mon]
admin_socket = $d/run/\$name.asok
mon_data = $d/mon
[mgr]
admin_socket = $d/run/\$name.asok
mgr_data = $d/mgr
[osd]
admin_socket = $d/run/\$name.asok
osd_data = $d/osd\$id
osd_journal_size = 0
# A client that died stops watching after this many seconds (default 30): the stale-lock state waits for it.
osd_client_watch_timeout = 10
CONF
  ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
    ceph-authtool "$d/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
      --cap mgr 'allow *' --cap mds 'allow *' >/dev/null &&
    monmaptool --create --fsid "$fsid" --addv a "[v2:$CEPH_MON]" "$d/monmap" >/dev/null &&
    ceph-mon --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring" 2>>"$d/log/setup.log" || return 1
  ceph-mon -f -i a >>"$d/log/mon.stderr" 2>&1 &
  CEPH_PIDS+=($!)
  ceph_wait 60 ceph -s --connect-timeout 5 || return 1
  ceph auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' -o "$d/mgr/keyring" >/dev/null || return 1
  ceph-mgr -f -i x --keyring "$d/mgr/keyring" >>"$d/log/mgr.stderr" 2>&1 &
  CEPH_PIDS+=($!)
  local uuid id
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph osd create "$uuid") || return 1
  ceph-osd -i "$id" --mkfs --mkkey --osd-uuid "$uuid" --no-mon-config --keyring "$d/osd0/keyring" 2>>"$d/log/setup.log" >/dev/null || return 1
  ceph auth add "osd.$id" osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i "$d/osd0/keyring" >/dev/null 2>&1 || return 1
  ceph-osd -f -i "$id" --keyring "$d/osd0/keyring" >>"$d/log/osd.stderr" 2>&1 &
  CEPH_PIDS+=($!)
  ceph_wait 60 bash -c 'ceph osd stat -f json | grep -q "\"num_up_osds\":1"' || return 1
}

# ceph_wait SECONDS CMD...: retries CMD every half second until it succeeds or SECONDS have passed.
ceph_wait() {
  local until=$(($(date +%s) + $1))
  shift
  while ! "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$until" ] || return 1
    sleep 0.5
  done
}

# ceph_down: stops the daemons by their PIDs (TERM, then KILL after 10 s) and removes the directory.
ceph_down() {
  local p
  for p in "${CEPH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${CEPH_PIDS[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  [ -n "${CEPH_DIR:-}" ] && rm -rf "$CEPH_DIR"
}
