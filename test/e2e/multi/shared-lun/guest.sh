#!/bin/bash
# One node of the two-guest shared-LUN suite (test/e2e/multi/shared-lun.sh), as root in a testbed guest.
# Both nodes: network, sshd, a simulated PVE root with the same /etc/pve (pmxcfs shows every node
# the same files). pve1 then runs scenario.sh and reaches pve2 over ssh; pve2 serves until told to stop.
set -u
cd /host
NODE=$(cat node-name)
. lib/assert.sh
. lib/pve-root.sh
. shared-lun/node.sh
R=/tmp/pveroot
T0=$(date +%s)
stamp() { echo "[$NODE +$(($(date +%s) - T0))s] $*"; }

node_net "$NODE" || { echo "FAIL: network"; exit 1; }
node_ssh "$NODE" || { echo "FAIL: sshd"; exit 1; }
node_root "$R" "$NODE"
stamp "network, sshd and root ready"
if [ "$NODE" = pve1 ]; then
  . shared-lun/scenario.sh
  finish; rc=$?
  on2 'touch /tmp/stop' 2>/dev/null
  exit "$rc"
fi
# pve2: serve until pve1 is done (the launcher stops this guest if pve1 never says so).
while [ ! -e /tmp/stop ]; do sleep 1; done
stamp "stopped by pve1"
