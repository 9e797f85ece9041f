#!/bin/sh
# "Container" 106 init, started the way pve-container starts a container with path mount points:
# each is a plain bind of the host path as it is at start (no storage activated), whatever that path
# holds then: mp0 /mnt/pve/nfs-late → /late, mp1 /var/lib/ct-local → /local, mp2 /var/lib/pvh/late
# (a symlink to /mnt/disk3) → /disk. The host's other NFS mounts and its disks under /mnt are not the
# container's: dropped from its namespace (the binds are mounts of their own and stay).
mkdir -p /late /local /disk
mount --bind /mnt/pve/nfs-late /late
mount --bind /var/lib/ct-local /local
mount --bind /var/lib/pvh/late /disk
for m in $(awk '($3 ~ /^nfs/ || $2 ~ /^\/mnt\//) && $2 != "/late" {print $2}' /proc/self/mounts); do umount -l "$m"; done
touch /tmp/ct106-ready
exec sleep 3600
