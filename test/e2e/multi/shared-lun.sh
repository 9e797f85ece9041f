#!/usr/bin/env bash
# Two-guest suite (test/e2e/run.sh runs every test/e2e/multi/*.sh with the testbed directory):
# two testbed guests, pve1 and pve2, booted at the same time and sharing
#   - one raw disk image, the shape of a SAN LUN: the same file on a virtio-blk device in each guest,
#     share-rw=on (QEMU lets two writers open it; image locking stays on);
#   - a point-to-point network: QEMU `-netdev dgram` between two unix sockets, one virtio-net each
#     (192.0.2.11 and 192.0.2.12). The guest image has no virtio_net module: it is copied in from the
#     kernel build-guest.sh extracted (with its dependencies, as modprobe resolves them);
#   - OpenSSH: Debian's sshd, ssh and ssh-keygen, copied in from this machine's openssh-server and
#     openssh-client packages (the guest image has every library they link; rebuilding the image
#     with them would cost a minute of debootstrap and change the image the other suites share).
#     Host keys and root's key are made here; the known-hosts files go to /etc/pve/nodes/<node>/.
# pve1 drives the scenario (shared-lun/scenario.sh) and reaches pve2 over ssh; pve2 serves until
# pve1 tells it to stop. Usage: shared-lun.sh TESTBED_SCRIPTS_DIR
set -uo pipefail
cd "$(dirname "$0")/../../.."
TB=${1:?usage: shared-lun.sh TESTBED_SCRIPTS_DIR}
TBD=${TESTBED_DIR:-/var/tmp/pve-health-testbed}
skip() {
  echo "shared-lun: skipped: $*"
  # In CI (CI set) a missing prerequisite is a failure, not a skip.
  [ -z "${CI:-}" ]
  exit $?
}
for b in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen; do
  [ -x "$b" ] || skip "$b not found (Debian packages openssh-server and openssh-client, in .ci/apt-packages)"
done
command -v modprobe >/dev/null || skip "modprobe not found (kmod)"
KV=$(cat "$TBD/work/rootfs/usr/lib/testbed/kernel-version" 2>/dev/null)
KDIR=$TBD/work/kernel-$KV
[ -n "$KV" ] && [ -d "$KDIR/lib/modules/$KV" ] || skip "the guest kernel's modules are not under $TBD/work (run build-guest.sh)"

W=$(mktemp -d "${TMPDIR:-/tmp}/pve-health-lun.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The guest kit: ssh binaries, the network driver, keys.
K=$W/kit
mkdir -p "$K/ssh" "$K/mods" "$K/keys"
cp /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen "$K/ssh/"
# virtio_net and what it needs, in load order (virtio and virtio_ring are already in the guest).
modprobe -d "$KDIR" -S "$KV" --show-depends virtio_net | awk '$1 == "insmod" {print $2}' | while read -r f; do
  cp "$f" "$K/mods/" && basename "$f" .ko >>"$K/mods/order"
done
grep -qx virtio_net "$K/mods/order" || { echo "shared-lun: virtio_net.ko not found for kernel $KV"; exit 1; }
ssh-keygen -q -t ed25519 -N '' -C root@cluster -f "$K/keys/root" || exit 1
for n in pve1 pve2; do
  ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$K/keys/$n-host" || exit 1
  echo "$n $(cut -d' ' -f1,2 "$K/keys/$n-host.pub")" >"$K/keys/$n-known_hosts"
done

truncate -s 256M "$W/lun.img"
T=${SHARED_LUN_TIMEOUT:-900}
boot() {  # boot NODE MAC PEER: one guest in the background, its output in $W/NODE.log
  local n=$1 mac=$2 peer=$3
  mkdir -p "$W/$n"
  echo "$n" >"$W/$n/node-name"
  OUT_DIR=$W/$n GUEST_CPUS=1 GUEST_MEM=${SHARED_LUN_MEM:-1024} TIMEOUT=$T QEMU_EXTRA="\
 -drive id=lun,file=$W/lun.img,format=raw,if=none,cache=writeback \
 -device virtio-blk-device,drive=lun,share-rw=on,serial=LUN0 \
 -netdev dgram,id=net0,local.type=unix,local.path=$W/$n.sock,remote.type=unix,remote.path=$W/$peer.sock \
 -device virtio-net-device,netdev=net0,mac=$mac" \
    "$TB/run-in-guest.sh" test/e2e/multi/shared-lun/guest.sh \
    dist/pve-health.cjs dist/pve-health-mailer.cjs test/e2e/lib test/e2e/multi/shared-lun "$K" >"$W/$n.log" 2>&1 &
  PIDS+=($!)
}
T0=$(date +%s)
boot pve1 52:54:00:00:16:01 pve2
P1=${PIDS[0]}
boot pve2 52:54:00:00:16:02 pve1
P2=${PIDS[1]}
tail -n +1 -s 0.5 -f --pid="$P1" "$W/pve1.log" &
wait "$P1"; rc=$?
# pve1 tells pve2 to stop at its end; give it time to power off, then stop it.
for _ in $(seq 30); do kill -0 "$P2" 2>/dev/null || break; sleep 1; done
kill "$P2" 2>/dev/null
wait "$P2"; rc2=$?
sed 's/^/pve2| /' "$W/pve2.log"
echo "shared-lun: pve1 rc=$rc, pve2 rc=$rc2, $(($(date +%s) - T0)) s"
[ "$rc" = 0 ] && [ "$rc2" = 0 ]
