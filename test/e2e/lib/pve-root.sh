# A PVE-like root for a node (sourced by the suites): what every simulated node needs under --root.

# pve_root DIR NODE: /etc/hostname, /etc/pve with the node's own directories and the qemu-server, lxc
# and local links pmxcfs shows; sys and dev are the real ones (the sys view check then passes); proc
# holds links to the real processes plus a mountinfo that shows pmxcfs on /etc/pve.
# dev is a bind mount, not a link: the tool walks a config's /dev paths link by link under the root, and
# a link to the absolute /dev would be read under the root as a link to itself (a loop, nothing known).
pve_root() {
  local R=$1 NODE=$2
  mkdir -p "$R/etc/pve/nodes/$NODE/qemu-server" "$R/etc/pve/nodes/$NODE/lxc" "$R/etc/pve/priv/lock" "$R/etc/lvm"
  mkdir -p "$R/run" "$R/var/lock"
  echo "$NODE" >"$R/etc/hostname"
  ln -s /sys "$R/sys"
  pve_root_dev "$R"
  pve_root_proc "$R"
  ln -s "nodes/$NODE/qemu-server" "$R/etc/pve/qemu-server"
  ln -s "nodes/$NODE/lxc" "$R/etc/pve/lxc"
  ln -s "nodes/$NODE" "$R/etc/pve/local"
}

# pve_root_dev DIR: the real /dev at DIR/dev, read-only (a copy of the root made with cp -x needs it
# again). Read-only because the bind shows the host's own device nodes: an rm -rf of the root that
# crossed into it would delete them (pve_root_remove unmounts it first and never crosses a mount).
pve_root_dev() {
  mkdir -p "$1/dev"
  mountpoint -q "$1/dev" && return 0
  mount --bind /dev "$1/dev"
  mount -o remount,bind,ro "$1/dev"
}

# pve_root_remove DIR: unmount DIR/dev and remove the root without ever crossing into a mount.
pve_root_remove() {
  [ -d "$1" ] || return 0
  if mountpoint -q "$1/dev"; then umount "$1/dev" 2>/dev/null || umount -l "$1/dev"; fi
  rm -rf --one-file-system "$1"
}

# pve_root_proc DIR: (re)link DIR/proc to the processes running now (holders started after pve_root).
pve_root_proc() {
  local R=$1 p
  rm -rf "$R/proc"
  mkdir -p "$R/proc/self"
  for p in /proc/[0-9]*; do ln -s "$p" "$R/proc/${p#/proc/}"; done
  { cat /proc/self/mountinfo; echo '990 1 0:99 / /etc/pve rw,nosuid,nodev,relatime shared:99 - fuse /dev/fuse rw,user_id=0,group_id=0,default_permissions,allow_other'; } >"$R/proc/self/mountinfo"
  cat /proc/mounts >"$R/proc/mounts"
}

# pve_vmlist DIR: /etc/pve/.vmlist as pmxcfs serves it, from the guest configs there now (pve-cluster
# memdb.c registers every nodes/<node>/{qemu-server,lxc}/<vmid>.conf; status.c prints the list). A
# suite that writes configs calls it after them: a .vmlist that lacks a guest is read as cut short.
pve_vmlist() {
  local R=$1 f node kind id sep='' ids=''
  for f in "$R"/etc/pve/nodes/*/qemu-server/*.conf "$R"/etc/pve/nodes/*/lxc/*.conf; do
    [ -e "$f" ] || continue
    id=${f##*/}; id=${id%.conf}
    kind=${f%/*}; kind=${kind##*/}; [ "$kind" = lxc ] || kind=qemu
    node=${f%/*/*}; node=${node##*/}
    ids="$ids$sep\"$id\": { \"node\": \"$node\", \"type\": \"$kind\", \"version\": 1 }"
    sep=$',\n'
  done
  printf '{\n"version": 1,\n"ids": {\n%s}\n\n}\n' "$ids" >"$R/etc/pve/.vmlist"
}
