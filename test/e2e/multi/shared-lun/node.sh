# Bring-up of one node of the shared-LUN suite (sourced by guest.sh). Node pveN has address
# 192.0.2.1N on eth0; the kit (/host/kit) holds the ssh binaries, virtio_net and the keys.
KIT=/host/kit
node_ip() { echo "192.0.2.1${1#pve}"; }

node_net() {
  local m
  for m in $(cat "$KIT/mods/order"); do insmod "$KIT/mods/$m.ko" 2>/dev/null; done
  ip link set eth0 up && ip addr add "$(node_ip "$1")/24" dev eth0
}

# sshd as on a PVE node: root by key only, the cluster's key in root's authorized_keys; root's own key
# for reaching the other node. DM_DISABLE_UDEV as in the guest's own environment (no udev runs here).
node_ssh() {
  local n=$1
  install -m 0755 "$KIT/ssh/sshd" /usr/sbin/sshd
  install -m 0755 "$KIT/ssh/ssh" "$KIT/ssh/ssh-keygen" /usr/bin/
  grep -q '^sshd:' /etc/passwd || echo 'sshd:x:109:65534::/run/sshd:/usr/sbin/nologin' >>/etc/passwd
  mkdir -p /run/sshd /etc/ssh /root/.ssh
  chmod 0755 /run/sshd
  chmod 0700 /root/.ssh
  install -m 0600 "$KIT/keys/$n-host" /etc/ssh/ssh_host_ed25519_key
  install -m 0600 "$KIT/keys/root" /root/.ssh/id_ed25519
  install -m 0600 "$KIT/keys/root.pub" /root/.ssh/authorized_keys
  cat >/etc/ssh/sshd_config <<EOC
ListenAddress $(node_ip "$n"):22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
SetEnv DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
EOC
  /usr/sbin/sshd -t && /usr/sbin/sshd
}

# The node's PVE root: the cluster lab of pve1 and pve2, the shared LVM storage san on the LUN, the
# ssh known-hosts files PVE keeps per node, and pve-health's config (the program on the other node).
node_root() {
  local R=$1 n=$2 other
  pve_root "$R" "$n"
  for other in pve1 pve2; do
    mkdir -p "$R/etc/pve/nodes/$other/qemu-server" "$R/etc/pve/nodes/$other/lxc"
    cp "$KIT/keys/$other-known_hosts" "$R/etc/pve/nodes/$other/ssh_known_hosts"
  done
  printf '{"nodename": "%s", "version": 4, "cluster": {"name": "lab", "version": 2, "nodes": 2, "quorate": 1},\n "nodelist": {"pve1": {"id": 1, "online": 1, "ip": "%s"}, "pve2": {"id": 2, "online": 1, "ip": "%s"}}}\n' \
    "$n" "$(node_ip pve1)" "$(node_ip pve2)" >"$R/etc/pve/.members"
  cat >"$R/etc/pve/storage.cfg" <<'EOC'
dir: local
	path /var/lib/vz
	content iso,vztmpl,backup

lvm: san
	vgname san
	content images,rootdir
	shared 1
EOC
  printf '{\n"version": 1,\n"ids": {}\n}\n' >"$R/etc/pve/.vmlist"
  mkdir -p "$R/etc/pve-health"
  printf '[cluster]\nremote_command = "node /host/pve-health.cjs --root %s"\nnode_timeout = 240\n' "$R" \
    >"$R/etc/pve-health/config.toml"
  chmod 0600 "$R/etc/pve-health/config.toml"
}

# vm_place ROOT VMID NODE: VM VMID (one disk, san:vm-VMID-disk-0) lives on NODE: its config is
# created there or moved there from the node it was on (a migration), and .vmlist follows.
vm_place() {
  local R=$1 id=$2 n=$3 f to
  to=$R/etc/pve/nodes/$n/qemu-server/$id.conf
  f=$(ls "$R"/etc/pve/nodes/*/qemu-server/"$id".conf 2>/dev/null | head -1)
  if [ -z "$f" ]; then
    printf 'name: vm%s\nmemory: 512\nscsi0: san:vm-%s-disk-0,size=16M\n' "$id" "$id" >"$to"
  elif [ "$f" != "$to" ]; then
    mv "$f" "$to"
  fi
  # {"version": N, "ids": {"201": {"node": "pve1", "type": "qemu", "version": 1}, ...}}
  (cd "$R/etc/pve/nodes" && ls -- */qemu-server/*.conf) | awk -F'[/.]' '
    BEGIN { printf "{\n\"version\": %d,\n\"ids\": {", systime() % 100000 }
    { printf "%s\n\"%s\": { \"node\": \"%s\", \"type\": \"qemu\", \"version\": 1 }", (NR > 1 ? "," : ""), $3, $1 }
    END { print "}\n}" }' >"$R/etc/pve/.vmlist"
}

# hold MAP: a process named kvm holds /dev/mapper/MAP open (a running guest); its pid in /tmp/hold-MAP.
# unhold MAP: that process ends (the guest stopped).
hold() {
  [ -x /tmp/kvm ] || cp /bin/sleep /tmp/kvm
  /tmp/kvm 3600 <"/dev/mapper/$1" >/dev/null 2>&1 &
  echo $! >"/tmp/hold-$1"
}
unhold() { kill "$(cat "/tmp/hold-$1")" && rm "/tmp/hold-$1"; }
