#!/usr/bin/env bash
# Builds a minimal container rootfs in DIR from the static busybox (Debian: busybox-static):
# /bin/busybox plus one symlink per applet, and the empty mount points runc expects.
# Usage: busybox-rootfs.sh DIR
set -euo pipefail

(($# == 1)) || { echo "usage: busybox-rootfs.sh DIR" >&2; exit 2; }
rootfs=$1

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
  if [[ -x $candidate ]]; then
    busybox=$candidate
    break
  fi
done
[[ -n $busybox ]] || { echo "busybox-rootfs: no /bin/busybox (Debian: apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need the host's libraries inside the rootfs.
if file_out=$(LC_ALL=C file -L "$busybox" 2>/dev/null) && [[ $file_out == *"dynamically linked"* ]]; then
  echo "busybox-rootfs: $busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi

mkdir -p "$rootfs"/{bin,proc,dev,sys,tmp,etc,root,run}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
# Applet links relative to the rootfs, without chroot (no root needed to build it).
for applet in $("$rootfs/bin/busybox" --list); do
  [[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
done
[[ -f $rootfs/etc/passwd ]] || printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
[[ -f $rootfs/etc/group ]] || printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
