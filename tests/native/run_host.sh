#!/bin/sh
# Second oracle: run the unprivileged guest tests as 32-bit Linux user
# programs on the real CPU and compare with their .expect files.
#   tests/native/run_host.sh [OUTDIR]
# Where the host kernel runs no 32-bit programs they run under qemu-i386
# (run32.sh), which makes QEMU the oracle; without it: skipped (77).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/run32.sh"
G=$HERE/../guests
OUT=${1:-/tmp/btvmm-host}
mkdir -p "$OUT"
CC=${CC:-gcc}
fail=0
for n in alu shifts muldiv bitops bcd string stack control fpu_sse; do
    [ -f "$G/$n.c" ] || continue
    $CC -m32 -march=i686 -O2 -fno-pie -no-pie -DHOST $(sed -n 's/.*HOST_CFLAGS:[[:space:]]*\([^*]*\).*/\1/p' "$G/$n.c" | head -n 1) \
        -I"$G/common" "$G/$n.c" "$HERE/hostlib.c" -o "$OUT/$n" || { fail=1; continue; }
    if [ -z "${RUN32_HOW:-}" ]; then
        run32_choose "$OUT/$n" || { echo "SKIP: $RUN32_HOW"; exit 77; }
        echo "running the programs $RUN32_HOW"
    fi
    if run32 "$OUT/$n" | cmp -s - "$G/$n.expect"; then
        echo "ok   $n (${RUN32:+qemu-i386, not the }host CPU)"
    else
        echo "DIFF $n (${RUN32:+qemu-i386, not the }host CPU vs .expect)"
        run32 "$OUT/$n" | diff -u "$G/$n.expect" - | head -n 30; fail=1
    fi
done
exit $fail
