#!/bin/sh
# Oracle check: run guest kernels under QEMU TCG and compare with .expect.
#   tests/guests/run_qemu.sh ELFDIR [NAME...]
# Where QEMU TCG is known to differ from hardware, NAME.qemu.expect holds
# what QEMU prints and NAME.expect what hardware (and btvmm) must print;
# README.md lists each such difference.
# Regenerate an expectation (then review it by hand!):
#   QEMU_UPDATE=1 tests/guests/run_qemu.sh ELFDIR NAME
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:?usage: run_qemu.sh ELFDIR [NAME...]}
shift
QEMU=${QEMU:-qemu-system-i386}
if [ $# -eq 0 ]; then
    for f in "$HERE"/*.expect; do
        case "$f" in *.qemu.expect | *.de.expect | *.de-tcg.expect) continue ;; esac
        b=$(basename "$f" .expect); set -- "$@" "$b"
    done
fi
fail=0
for n in "$@"; do
    out=$(mktemp)
    # -nodefaults leaves out the VGA; the vga_* guests need it
    vga=none
    case $n in vga_*) vga=std ;; esac
    # a source may ask for QEMU options with a "QEMU_ARGS: ..." line (msr: -cpu EPYC)
    args=$(sed -n 's/.*QEMU_ARGS:[[:space:]]*\(.*\)$/\1/p' "$HERE/$n.c" 2>/dev/null | head -n 1)
    # shellcheck disable=SC2086
    timeout ${QEMU_TIMEOUT:-60} "$QEMU" -accel tcg $args -kernel "$DIR/$n.elf" -serial stdio \
        -display none -monitor none -nodefaults -vga $vga -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128 >"$out" 2>"$out.err"
    rc=$?
    want="$HERE/$n.expect"
    [ -f "$HERE/$n.qemu.expect" ] && want="$HERE/$n.qemu.expect"
    if [ -n "$QEMU_UPDATE" ]; then
        cp "$out" "$HERE/$n.expect"
        echo "updated $n.expect (status $rc)"
    elif [ $rc -ne 1 ]; then
        echo "FAIL $n: exit status $rc (want 1)"; cat "$out.err"; fail=1
    elif ! cmp -s "$out" "$want"; then
        echo "FAIL $n: output differs"; diff -u "$want" "$out" | head -n 40; fail=1
    else
        echo "ok   $n"
    fi
    rm -f "$out" "$out.err"
done
exit $fail
