#!/bin/sh
# Differential check: the native 32-bit sweep and the guest sweep under
# btvmm must print identical "sweep ..." lines (per-group sub-checksums,
# check count and total checksum).
#   run_sweep_diff.sh BTVMM SWEEP_NATIVE SWEEP_ELF
# Where the host kernel runs no 32-bit programs, SWEEP_NATIVE runs under
# qemu-i386 (tests/native/run32.sh); without it the test is skipped (77).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../native/run32.sh"
BTVMM=${1:?usage: run_sweep_diff.sh BTVMM SWEEP_NATIVE SWEEP_ELF}
NATIVE=${2:?}
ELF=${3:?}
n=$(mktemp)
g=$(mktemp)
trap 'rm -f "$n" "$g" "$g.all"' EXIT
run32_choose "$NATIVE" || { echo "SKIP: $RUN32_HOW"; exit 77; }
echo "native sweep: $RUN32_HOW"
run32 "$NATIVE" | grep '^sweep ' >"$n"
timeout ${GUEST_TIMEOUT:-120} "$BTVMM" -kernel "$ELF" -serial stdio -nographic \
    ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$g.all"
rc=$?
grep '^sweep ' "$g.all" >"$g"
if [ $rc -ne 1 ]; then
    echo "guest sweep: exit status $rc (want 1)"; cat "$g.all"; exit 1
fi
if ! grep -q '^sweep checksum:' "$n"; then
    echo "native sweep produced no checksum"; exit 1
fi
if ! cmp -s "$n" "$g"; then
    echo "sweep differs (native vs btvmm guest):"; diff -u "$n" "$g"; exit 1
fi
cat "$g"
