#!/bin/sh
# Second oracle: run the unprivileged guest tests as 32-bit Linux user
# programs on the real CPU and compare with their .expect files.
#   tests/native/run_host.sh [OUTDIR]
HERE=$(cd "$(dirname "$0")" && pwd)
G=$HERE/../guests
OUT=${1:-/tmp/btvmm-host}
mkdir -p "$OUT"
CC=${CC:-gcc}
fail=0
for n in alu shifts muldiv bitops bcd string stack control fpu_sse; do
    [ -f "$G/$n.c" ] || continue
    $CC -m32 -march=i686 -O2 -fno-pie -no-pie -DHOST $(sed -n 's/.*HOST_CFLAGS:[[:space:]]*\([^*]*\).*/\1/p' "$G/$n.c" | head -n 1) \
        -I"$G/common" "$G/$n.c" "$HERE/hostlib.c" -o "$OUT/$n" || { fail=1; continue; }
    if "$OUT/$n" | cmp -s - "$G/$n.expect"; then
        echo "ok   $n (host CPU)"
    else
        echo "DIFF $n (host CPU vs .expect)"; "$OUT/$n" | diff -u "$G/$n.expect" - | head -n 30; fail=1
    fi
done
exit $fail
