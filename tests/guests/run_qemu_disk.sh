#!/bin/sh
# Oracle check for guests that need a disk on the primary IDE channel
# (ide_rw). Creates the deterministic test image, runs QEMU with it as the
# primary master and compares the serial output with NAME.disk-expect.
#   tests/guests/run_qemu_disk.sh ELFDIR [NAME...]        (default: ide_rw)
#   QEMU_UPDATE=1 tests/guests/run_qemu_disk.sh ELFDIR NAME   (then review!)
#   tests/guests/run_qemu_disk.sh --image FILE             (only write the image)
#
# The image is 1 MiB = 2048 sectors of 512 bytes; sector n is filled with the
# byte n & 0xff and its first 4 bytes hold n as a little-endian u32. The
# guest writes to the image (sector 5), so every run starts from a fresh one.
# btvmm runs the same guest with `-drive file=IMG,format=raw` on a fresh
# image and must print NAME.disk-expect exactly. (The file is not named
# *.expect because run_qemu.sh and CMake run every NAME.expect without a
# disk.)
HERE=$(cd "$(dirname "$0")" && pwd)

make_image() {
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    for n in range(2048):
        f.write(struct.pack("<I", n) + bytes([n & 0xff]) * 508)
PY
    else
        perl -e 'open(F, ">", $ARGV[0]) or die; binmode F;
                 for $n (0..2047) { print F pack("V", $n) . chr($n & 255) x 508 }' "$1"
    fi
}

if [ "$1" = "--image" ]; then
    make_image "${2:?usage: run_qemu_disk.sh --image FILE}"
    exit $?
fi

DIR=${1:?usage: run_qemu_disk.sh ELFDIR [NAME...]}
shift
[ $# -eq 0 ] && set -- ide_rw
QEMU=${QEMU:-qemu-system-i386}
fail=0
for n in "$@"; do
    img=$(mktemp)
    out=$(mktemp)
    make_image "$img"
    timeout ${QEMU_TIMEOUT:-60} "$QEMU" -accel tcg -kernel "$DIR/$n.elf" -serial stdio \
        -display none -monitor none -nodefaults -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128 \
        -drive file="$img",format=raw,if=ide,index=0,media=disk >"$out" 2>"$out.err"
    rc=$?
    want="$HERE/$n.disk-expect"
    if [ -n "$QEMU_UPDATE" ]; then
        cp "$out" "$want"
        echo "updated $n.disk-expect (status $rc)"
    elif [ $rc -ne 1 ]; then
        echo "FAIL $n (disk): exit status $rc (want 1)"; cat "$out.err"; fail=1
    elif ! cmp -s "$out" "$want"; then
        echo "FAIL $n (disk): output differs"; diff -u "$want" "$out" | head -n 40; fail=1
    else
        echo "ok   $n (disk)"
    fi
    rm -f "$img" "$out" "$out.err"
done
exit $fail
