#!/bin/sh
# mb_modules under btvmm or QEMU with the same -initrd module list, compared
# with mb_modules.initrd-expect (see mb_modules.c).
#   run_modules_guest.sh btvmm BTVMM ELF
#   run_modules_guest.sh qemu QEMU ELF
HERE=$(cd "$(dirname "$0")" && pwd)
KIND=${1:?usage: run_modules_guest.sh btvmm|qemu PROGRAM ELF}
PROG=${2:?}
ELF=${3:?}
M=$HERE/modules
MODS="$M/one.txt first arg,$M/two.txt,$M/one.txt x,,y"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "$KIND" = qemu ]; then
    timeout 60 "$PROG" -accel tcg -kernel "$ELF" -initrd "$MODS" -serial stdio \
        -display none -monitor none -nodefaults -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128 >"$out" 2>&1
else
    timeout 60 "$PROG" -kernel "$ELF" -initrd "$MODS" -serial stdio -nographic \
        ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$out"
fi
rc=$?
if [ $rc -ne 1 ]; then
    echo "mb_modules ($KIND): exit status $rc (want 1)"; cat "$out"; exit 1
fi
if ! cmp -s "$out" "$HERE/mb_modules.initrd-expect"; then
    echo "mb_modules ($KIND): output differs"
    diff -u "$HERE/mb_modules.initrd-expect" "$out"; exit 1
fi
echo "mb_modules ($KIND): ok"
