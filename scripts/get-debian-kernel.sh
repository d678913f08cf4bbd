#!/bin/sh
# get-debian-kernel.sh DIR - Debian 12's stock i386 kernel and busybox for
# the Linux boot tests: the bzImage of the package linux-image-686 depends
# on, as DIR/vmlinuz-686 (with its version in DIR/vmlinuz-686.version), and
# the static busybox of busybox-static:i386 as DIR/busybox.
#
# Needs root the first time (it enables the i386 architecture for apt to
# download an i386 package; nothing is installed). Does nothing when
# DIR/vmlinuz-686 exists. Exits non-zero, saying why, when it cannot get
# the kernel (no network, no root): the test that needs it is then skipped.
set -eu
DIR=${1:?usage: get-debian-kernel.sh DIR}
[ -s "$DIR/vmlinuz-686" ] && [ -s "$DIR/busybox" ] && exit 0
mkdir -p "$DIR"
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    [ "$(id -u)" -eq 0 ] || { echo "get-debian-kernel.sh: needs root to add the i386 architecture" >&2; exit 1; }
    dpkg --add-architecture i386
    timeout 300 apt-get update -qq >/dev/null 2>&1 || true
fi
pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
      sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
    timeout 300 apt-get update -qq >/dev/null 2>&1 || true
    pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
          sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
fi
[ -n "$pkg" ] || { echo "get-debian-kernel.sh: apt knows no linux-image-686:i386" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && timeout 300 apt-get download -qq "$pkg" >/dev/null 2>&1) ||
    { echo "get-debian-kernel.sh: cannot download $pkg" >&2; exit 1; }
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
cp "$tmp"/x/boot/vmlinuz-* "$DIR/vmlinuz-686.tmp"
mv "$DIR/vmlinuz-686.tmp" "$DIR/vmlinuz-686"
echo "${pkg%:i386}" >"$DIR/vmlinuz-686.version"
echo "get-debian-kernel.sh: $pkg -> $DIR/vmlinuz-686"
rm -rf "$tmp"/*
(cd "$tmp" && timeout 300 apt-get download -qq busybox-static:i386 >/dev/null 2>&1) ||
    { echo "get-debian-kernel.sh: cannot download busybox-static:i386" >&2; exit 1; }
dpkg-deb -x "$tmp"/busybox-static*.deb "$tmp/x"
cp "$tmp/x/bin/busybox" "$DIR/busybox.tmp"
mv "$DIR/busybox.tmp" "$DIR/busybox"
echo "get-debian-kernel.sh: busybox-static:i386 -> $DIR/busybox"
