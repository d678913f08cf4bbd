#!/bin/sh
# A guest that prints the text screen it wrote between "screen:" and "end"
# on COM1 (vga_tos.c): its serial output must equal EXPECT, and btvmm's
# screen dump at exit (-vga-dump) must show exactly those rows.
#   run_vga_dump.sh BTVMM ELF EXPECT
# BTVMM_ACCEL (set by tests/with_backend.sh) is passed on as -accel.
BTVMM=${1:?usage: run_vga_dump.sh BTVMM ELF EXPECT}
ELF=${2:?}
EXPECT=${3:?}
out=$(mktemp) dump=$(mktemp) rows=$(mktemp)
trap 'rm -f "$out" "$dump" "$rows"' EXIT
timeout ${GUEST_TIMEOUT:-60} "$BTVMM" -kernel "$ELF" -serial stdio -nographic \
    -vga-dump "$dump" ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$out"
rc=$?
if [ $rc -ne 1 ]; then
    echo "$(basename "$ELF"): exit status $rc (want 1)"; cat "$out"; exit 1
fi
if ! cmp -s "$out" "$EXPECT"; then
    echo "$(basename "$ELF"): serial output differs from $(basename "$EXPECT")"
    diff -u "$EXPECT" "$out" | head -n 60; exit 1
fi
sed -n '/^screen:$/,/^end$/p' "$out" | sed '1d;$d' >"$rows"
if [ "$(wc -l <"$dump")" -ne 25 ] || ! cmp -s "$rows" "$dump"; then
    echo "$(basename "$ELF"): -vga-dump differs from the rows the guest wrote"
    diff -u "$rows" "$dump" | head -n 60; exit 1
fi
echo "$(basename "$ELF"): ok (serial output and screen dump)"
