#!/bin/sh
# Debian's stock i386 kernel with a busybox initramfs: the kernel starts
# /init (tests/guests/busybox_init.sh) at ring 3, which forks, execs, pipes
# and prints; the lines it prints must come out exactly.
#   run_linux_busybox.sh BTVMM MKCPIO KERNEL BUSYBOX
# KERNEL and BUSYBOX come from scripts/get-debian-kernel.sh; without them
# the test is skipped (exit 77).
HERE=$(cd "$(dirname "$0")" && pwd)
BTVMM=${1:?usage: run_linux_busybox.sh BTVMM MKCPIO KERNEL BUSYBOX}
MKCPIO=${2:?}
KERNEL=${3:?}
BUSYBOX=${4:?}
[ -s "$KERNEL" ] && [ -s "$BUSYBOX" ] ||
    { echo "no kernel or busybox (scripts/get-debian-kernel.sh): skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$MKCPIO" "$tmp/initrd.cpio" "$BUSYBOX" "$HERE/busybox_init.sh" || exit 1
CMDLINE=$(echo console=ttyS0 panic=-1 btvmm_test=1 $(sh "$HERE/../../scripts/linux-tsc-arg.sh"))
timeout ${LINUX_TIMEOUT:-240} "$BTVMM" -kernel "$KERNEL" -initrd "$tmp/initrd.cpio" -m 128 \
    -append "$CMDLINE" ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$tmp/out" 2>"$tmp/err"
rc=$?
cat >"$tmp/want" <<'WANT'
bb: hello from the busybox init
bb: uname: Linux i686
bb: shell arithmetic: 42
bb: awk: 12
bb: pid of init: 1
bb: cmdline has btvmm_test: 1
bb: forked and exec'd 5 processes
bb: seq | sort -n -r | head: 100 99 98 
bb: md5 of 'btvmm': d091985c4c0980a84b5297199f246c3b
bb: done
WANT
grep '^bb: ' "$tmp/out" | tr -d '\r' >"$tmp/got"
if [ $rc -ne 0 ] || ! cmp -s "$tmp/want" "$tmp/got"; then
    echo "FAIL: exit status $rc (want 0), userland output:"
    diff -u "$tmp/want" "$tmp/got"
    echo "--- stderr:"; cat "$tmp/err"
    echo "--- last lines:"; tail -n 30 "$tmp/out"
    exit 1
fi
[ "$(cat "$tmp/err")" = "btvmm: the guest reset the machine: stopped" ] ||
    { echo "FAIL: stderr:"; cat "$tmp/err"; exit 1; }
echo "busybox userland ok ($(grep -c . "$tmp/out") lines of console output)"
