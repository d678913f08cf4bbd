#!/bin/sh
# ide_pos.c on both IDE channels: disks at indexes 0 and 3 (layout a) and
# at 1 and 2 (layout b), each a fresh 64 KiB image whose sector n is filled
# with the byte 16 * index + n and holds n (LE u32) in its first 4 bytes.
# The serial output must equal ide_pos.LAYOUT.disk-expect (what QEMU
# prints: `run_ide_pos.sh --qemu ...` checks that, QEMU_UPDATE=1 rewrites
# it), and what the guest wrote to LBA 5 must reach each image file.
#   run_ide_pos.sh [--qemu] BTVMM_OR_QEMU ELF EXPECT_DIR
qemu=
[ "$1" = "--qemu" ] && { qemu=1; shift; }
EMU=${1:?usage: run_ide_pos.sh [--qemu] BTVMM_OR_QEMU ELF EXPECT_DIR}
ELF=${2:?}
DIR=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for layout in a b; do
    case $layout in a) idx="0 3" ;; b) idx="1 2" ;; esac
    drives=
    for i in $idx; do
        python3 - "$tmp/disk$i" "$i" <<'PY'
import struct, sys
i = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    for n in range(128):
        f.write(struct.pack("<I", n) + bytes([(16 * i + n) & 0xff]) * 508)
PY
        drives="$drives -drive file=$tmp/disk$i,format=raw,if=ide,index=$i,media=disk"
    done
    if [ -n "$qemu" ]; then
        timeout 60 "$EMU" -accel tcg -kernel "$ELF" -serial stdio -display none -monitor none \
            -nodefaults -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128 \
            $drives >"$tmp/out" 2>"$tmp/err"
    else
        timeout 60 "$EMU" -kernel "$ELF" -serial stdio -nographic $drives \
            ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    want=$DIR/ide_pos.$layout.disk-expect
    if [ -n "$QEMU_UPDATE" ]; then
        cp "$tmp/out" "$want"; echo "updated $want (status $rc)"; continue
    fi
    if [ $rc -ne 1 ] || ! cmp -s "$want" "$tmp/out"; then
        echo "FAIL layout $layout: exit status $rc (want 1)"
        diff -u "$want" "$tmp/out"; cat "$tmp/err"; fail=1; continue
    fi
    for i in $idx; do
        got=$(od -A n -t x2 -j $((5 * 512)) -N 2 "$tmp/disk$i" | tr -d ' ')
        [ "$got" = "a${i}00" ] || { echo "FAIL layout $layout: disk $i LBA 5 starts $got"; fail=1; }
    done
    echo "layout $layout (disks at $idx): ok"
done
exit $fail
