#!/bin/bash
# The OpenZFS kernel modules for the testbed guest's kernel, and the zfs userland for its rootfs, from
# Debian's own packages (contrib: zfs-dkms, zfsutils-linux and its libraries), cached under /var/tmp so a
# second run does not rebuild. Usage (as root):  zfs-module.sh KERNEL_VERSION
# The last line printed is the cache directory: modules/*.ko (spl, znvpair, zcommon, icp, zfs...) and
# userland.tar (the extracted .debs). The module is built with dkms against linux-headers-KERNEL_VERSION
# on this host, in dkms trees of our own (--sourcetree/--dkmstree): zfs-dkms is never installed here, so
# no package script builds for the running kernel (which has no module support), no dpkg step waits on
# an eight-minute compile, and nothing is registered with the system's dkms.
# Needs: dkms, linux-headers-KERNEL_VERSION (main) and Debian's contrib component in the apt sources
# (.ci/enable-contrib adds it from the machine's own sources). Exit 2 with the reason when a need is missing.
set -euo pipefail
KV=${1:?usage: zfs-module.sh KERNEL_VERSION}
BASE=${PVE_HEALTH_ZFS_CACHE:-/var/tmp/pve-health-zfs}
DEBS=$BASE/debs
PKGS="zfs-dkms zfsutils-linux libzfs4linux libnvpair3linux libuutil3linux libzpool5linux"
mkdir -p "$DEBS"
# One process at a time fills this cache: test:zfs may run beside .ci/run's early build of the module (or
# a second run on the machine), and both would download into $DEBS and build into the same $OUT. The second
# waits, then finds the module built. Downloads land in a directory of this process and are renamed into
# $DEBS once apt has checked them, and $OUT appears by one rename with .done inside: an interrupted run
# leaves neither a cut .deb nor an $OUT without .done (the $OUT.tmp-* and build.* of a killed run are removed here).
exec 9>"$BASE/.lock"
if ! flock -n 9; then
  echo "zfs-module.sh: another process is filling $BASE; waiting (at most 30 min)" >&2
  flock -w 1800 9 || { echo "zfs-module.sh: $BASE/.lock still held after 30 min: if no zfs-module.sh or dkms runs (ps -ef), remove it and run again" >&2; exit 1; }
fi
rm -rf "$BASE"/*.tmp-* "$BASE"/build.* "$DEBS"/.dl-*
deb_of() { ls "$DEBS/$1"_*.deb 2>/dev/null | sort -V | tail -1; }
missing=()
for p in $PKGS; do [ -n "$(deb_of "$p")" ] || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  DL=$(mktemp -d "$DEBS/.dl-XXXXXX")
  # apt-get download runs as _apt where it can write; our cache is root's (the warning is noise).
  if ! (cd "$DL" && apt-get download -q "${missing[@]}" 2>&1 | grep -v -e unsandboxed -e '^Get:' -e '^Fetched' >&2); then :; fi
  for f in "$DL"/*.deb; do [ -e "$f" ] && mv "$f" "$DEBS/"; done
  rm -rf "$DL"
  for p in "${missing[@]}"; do
    [ -n "$(deb_of "$p")" ] || { echo "zfs-module.sh: cannot download $p (Debian's contrib component: run .ci/enable-contrib, then apt-get update)" >&2; exit 2; }
  done
fi
ZVER=$(dpkg-deb -f "$(deb_of zfs-dkms)" Version)
for p in $PKGS; do
  v=$(dpkg-deb -f "$(deb_of "$p")" Version)
  [ "$v" = "$ZVER" ] || { echo "zfs-module.sh: $p is $v, zfs-dkms $ZVER (remove $DEBS to download again)" >&2; exit 2; }
done
OUT=$BASE/$KV+zfs-$ZVER
if [ -f "$OUT/.done" ]; then
  echo "zfs-module.sh: cached: $(cat "$OUT/.done")" >&2
  echo "$OUT"
  exit 0
fi
[ -e "/lib/modules/$KV/build/Makefile" ] ||
  { echo "zfs-module.sh: no headers for $KV (/lib/modules/$KV/build): apt-get install linux-headers-$KV" >&2; exit 2; }
command -v dkms >/dev/null || { echo "zfs-module.sh: dkms is not installed (apt-get install dkms)" >&2; exit 2; }

T=$(mktemp -d "$BASE/build.XXXXXX")
mkdir -p "$T/dkms"
trap 'rm -rf --one-file-system "$T"' EXIT
dpkg-deb -x "$(deb_of zfs-dkms)" "$T/src"
SRC=$(ls -d "$T"/src/usr/src/zfs-*)
MV=${SRC##*/zfs-}   # dkms.conf's PACKAGE_VERSION (2.1.11 for 2.1.11-1+deb12u1)
t0=$(date +%s)
echo "zfs-module.sh: building zfs $ZVER for $KV with dkms (several minutes)" >&2
dk=(-m zfs -v "$MV" --sourcetree "$T/src/usr/src" --dkmstree "$T/dkms")
if ! { dkms add "${dk[@]}" && dkms build "${dk[@]}" -k "$KV"; } >"$T/dkms.log" 2>&1; then
  tail -n 30 "$T/dkms.log" >&2
  for f in "$T"/dkms/zfs/"$MV"/build/make.log; do [ -f "$f" ] && tail -n 30 "$f" >&2; done
  echo "zfs-module.sh: dkms build failed (above)" >&2
  exit 1
fi
secs=$(($(date +%s) - t0))
# (an $OUT without .done is what a run before the lock and the rename could leave: built again)
rm -rf "$OUT"
NEW=$OUT.tmp-$$
mkdir -p "$NEW/modules" "$NEW/userland"
find "$T/dkms/zfs/$MV/$KV" -name '*.ko*' -exec cp {} "$NEW/modules/" \;
[ -n "$(ls "$NEW/modules/"zfs.ko* 2>/dev/null)" ] || { echo "zfs-module.sh: dkms built no zfs.ko" >&2; exit 1; }
for p in $PKGS; do [ "$p" = zfs-dkms ] || dpkg-deb -x "$(deb_of "$p")" "$NEW/userland"; done
tar -C "$NEW/userland" -cf "$NEW/userland.tar" .
rm -rf "$NEW/userland"
cp "$T/dkms.log" "$NEW/dkms.log"
echo "zfs $ZVER for $KV, built in $secs s on $(date -u +%FT%TZ)" >"$NEW/.done"
mv "$NEW" "$OUT"
echo "zfs-module.sh: built in $secs s" >&2
echo "$OUT"
