#!/bin/sh
# CPU benchmark: native 32-bit Linux vs. the same workload as a btvmm guest.
#   bench/cpu/run.sh BTVMM_BINARY [OUTDIR]
# Builds bench/cpu/workload.c twice (guest ELF via tests/guests/build.sh and
# a native static 32-bit binary), runs each 3 times (best wall-clock time),
# checks that both print the same checksum, and prints:
#   native_s btvmm_s ratio
# Environment: CC (default gcc), ITER / SORT_N (override workload size),
# FIB_N / DISPATCH_N (the same for calls.c),
# RUNS (default 3), QEMU=1 to time qemu-system-i386 instead of btvmm,
# WORKLOAD=calls for the call-heavy workload (bench/cpu/calls.c),
# BTVMM_ACCEL=bt,backend=... to pick btvmm's backend (-accel),
# NATIVE=0 to skip the native program (for hosts that cannot run 32-bit
# programs; native_s and ratio print as n/a, the guest must still print a
# checksum), BENCH_RESULT=FILE to also write "native_s=.. vm_s=.. checksum=.."
# there (bench/backends.sh reads it).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BTVMM=${1:?usage: run.sh BTVMM_BINARY [OUTDIR]}
OUT=${2:-${TMPDIR:-/tmp}/btvmm-bench}
CC=${CC:-gcc}
RUNS=${RUNS:-3}
mkdir -p "$OUT"
DEFS=""
[ -n "$ITER" ] && DEFS="$DEFS -DITER=$ITER"
[ -n "$SORT_N" ] && DEFS="$DEFS -DSORT_N=$SORT_N"
[ -n "$FIB_N" ] && DEFS="$DEFS -DFIB_N=$FIB_N"
[ -n "$DISPATCH_N" ] && DEFS="$DEFS -DDISPATCH_N=${DISPATCH_N}u"
NATIVE=${NATIVE:-1}

W=${WORKLOAD:-workload}
EXTRA_CFLAGS="$DEFS" CC=$CC "$ROOT/tests/guests/build.sh" "$OUT" "$W" >/dev/null
[ "$NATIVE" = 0 ] || $CC -m32 -O2 -static $DEFS "$HERE/$W.c" -o "$OUT/${W}_native"

now() { date +%s.%N; }

# best_of CMD... : runs CMD $RUNS times, stdout of the last run -> $OUT/last.out,
# prints the minimum wall-clock seconds
best_of() {
    best=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        t0=$(now)
        "$@" >"$OUT/last.out" || true
        t1=$(now)
        t=$(awk "BEGIN{print $t1 - $t0}")
        if [ -z "$best" ] || [ "$(awk "BEGIN{print ($t < $best)}")" = 1 ]; then best=$t; fi
        i=$((i + 1))
    done
    echo "$best"
}

if [ "$NATIVE" = 0 ]; then
    native_s=n/a
    native_sum=""
else
    native_s=$(best_of "$OUT/${W}_native")
    native_sum=$(grep '^workload checksum:' "$OUT/last.out" || true)
fi
if [ -n "$QEMU" ]; then
    vm_s=$(best_of timeout 600 qemu-system-i386 -accel tcg -kernel "$OUT/$W.elf" -serial stdio \
        -display none -monitor none -nodefaults -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128)
else
    vm_s=$(best_of timeout 600 "$BTVMM" -kernel "$OUT/$W.elf" -serial stdio -nographic \
        ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"})
fi
vm_sum=$(grep '^workload checksum:' "$OUT/last.out" || true)
if [ "$NATIVE" = 0 ]; then
    if [ -z "$vm_sum" ]; then
        echo "no checksum from the guest" >&2
        exit 1
    fi
elif [ -z "$native_sum" ] || [ "$native_sum" != "$vm_sum" ]; then
    echo "checksum mismatch: native '$native_sum' vs guest '$vm_sum'" >&2
    exit 1
fi
if [ -n "$BENCH_RESULT" ]; then
    echo "native_s=$native_s vm_s=$vm_s checksum=${vm_sum#workload checksum: }" >"$BENCH_RESULT"
fi
echo "native_s btvmm_s ratio"
if [ "$NATIVE" = 0 ]; then
    awk "BEGIN{printf \"n/a %.3f n/a\n\", $vm_s}"
else
    awk "BEGIN{printf \"%.3f %.3f %.2f\n\", $native_s, $vm_s, $vm_s / $native_s}"
fi
