#!/bin/sh
# The triple-faulting guest must stop btvmm cleanly: exit status 2, its
# serial output up to the fault, and one stderr line naming the triple fault
# and the chain of faults (IDT limit 0: int3 -> #GP(0x1a) -> #GP(0x6b) ->
# #DF -> #GP(0x43)).
#   run_triple.sh BTVMM TRIPLE_ELF
BTVMM=${1:?usage: run_triple.sh BTVMM TRIPLE_ELF}
ELF=${2:?}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
timeout 30 "$BTVMM" -kernel "$ELF" -serial stdio -nographic ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} \
    >"$out" 2>"$err"
rc=$?
want_out='triple: loading an IDT with limit 0
triple: int3'
want_err='btvmm: triple fault: software interrupt (vector 3) at EIP 0x'
fail() { echo "triple: $*"; echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"; exit 1; }
[ $rc -eq 2 ] || fail "exit status $rc (want 2)"
[ "$(cat "$out")" = "$want_out" ] || fail "serial output differs"
[ "$(wc -l <"$err")" -eq 1 ] || fail "want exactly one stderr line"
case $(cat "$err") in
"$want_err"*"delivering it raised #GP(0x1a), delivering that raised #GP(0x6b), the double fault raised #GP(0x43); machine stopped") ;;
*) fail "unexpected message" ;;
esac
echo "triple: ok"
