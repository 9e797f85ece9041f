#!/bin/sh
# "Container init" in a private mount namespace, by container ID ($1).
# 105: drops the host's NFS mounts, mounts its own filesystems (an ext4 data disk, a read-only bind of
#      it, an NFS export), signals ready, then idles.
# 106: binds what the host has at /mnt/pve/nfs-late (mp0), /srv-local (mp1) and /var/lib/pvh/late (mp2,
#      a symlink to /mnt/disk3) the way LXC binds a path mount point at start, then drops the other
#      inherited NFS mounts and the host's disks under /mnt (not the container's; the binds stay).
if [ "$1" = 106 ]; then
  mkdir -p /late /local /disk
  mount --bind /mnt/pve/nfs-late /late
  mount --bind /srv-local /local
  mount --bind /var/lib/pvh/late /disk
  for m in $(awk '($3 ~ /^nfs/ || $2 ~ /^\/mnt\//) && $2 != "/late" {print $2}' /proc/self/mounts); do umount -l "$m"; done
  touch /tmp/ct106-ready
  exec sleep 3600
fi
for m in $(awk '$3 ~ /^nfs/ {print $2}' /proc/self/mounts); do umount -l "$m"; done
mkdir -p /data /ro-data /mnt/ctnfs
mount -o errors=remount-ro "$(cat /tmp/ct-loop)" /data
echo hello > /data/f
mount --bind /data /ro-data && mount -o remount,bind,ro /ro-data
mount -t nfs -o vers=4.2,actimeo=0 127.0.0.1:/srv/ok /mnt/ctnfs
touch /tmp/ct-ready
exec sleep 3600
