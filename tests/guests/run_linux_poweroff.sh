#!/bin/sh
# Debian's kernel powers off from a busybox /init (`poweroff -f`). Without
# ACPI, Linux turns power-off into a halt (cli; hlt for good): btvmm must
# end with status 0 and its one line, not hang.
#   run_linux_poweroff.sh BTVMM MKCPIO KERNEL BUSYBOX
HERE=$(cd "$(dirname "$0")" && pwd)
BTVMM=${1:?usage: run_linux_poweroff.sh BTVMM MKCPIO KERNEL BUSYBOX}
MKCPIO=${2:?}
KERNEL=${3:?}
BUSYBOX=${4:?}
[ -s "$KERNEL" ] && [ -s "$BUSYBOX" ] ||
    { echo "no kernel or busybox (scripts/get-debian-kernel.sh): skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/busybox sh\necho "bb: powering off"\n/bin/busybox poweroff -f\necho "bb: still here"\n' >"$tmp/init"
"$MKCPIO" "$tmp/initrd.cpio" "$BUSYBOX" "$tmp/init" || exit 1
CMDLINE=$(echo console=ttyS0 panic=-1 $(sh "$HERE/../../scripts/linux-tsc-arg.sh"))
timeout ${LINUX_TIMEOUT:-240} "$BTVMM" -kernel "$KERNEL" -initrd "$tmp/initrd.cpio" -m 128 \
    -append "$CMDLINE" ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
want="btvmm: the guest halted the machine (Linux's halt or power-off): stopped"
if [ $rc -ne 0 ] || [ "$(cat "$tmp/err")" != "$want" ] || ! grep -q '^bb: powering off' "$tmp/out" ||
    grep -q 'bb: still here' "$tmp/out"; then
    echo "FAIL: exit status $rc (want 0); stderr:"; cat "$tmp/err"
    echo "--- last lines:"; tail -n 20 "$tmp/out"
    exit 1
fi
echo "power-off ok: $(grep -c 'reboot: System halted\|reboot: Power down' "$tmp/out") kernel halt line(s)"
