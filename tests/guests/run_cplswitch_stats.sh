#!/bin/sh
# pg_cplswitch again, with -stats: besides the guest's output, the shadow
# bookkeeping must have suspended supervisor pages and never found a
# mapping whose host protection was out of step with it (a user page left
# PROT_NONE inside the suspended span would be rebuilt silently, so only
# the counter shows it).
#   run_cplswitch_stats.sh BTVMM ELF EXPECT
BTVMM=${1:?usage: run_cplswitch_stats.sh BTVMM ELF EXPECT}
ELF=${2:?}
EXPECT=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 60 "$BTVMM" -kernel "$ELF" -stats ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: exit status $rc (want 1)"; cat "$tmp/err"; exit 1; }
cmp -s "$EXPECT" "$tmp/out" || { diff -u "$EXPECT" "$tmp/out"; echo "FAIL: output differs"; exit 1; }
count() { sed -n "s/^  $1 \.* *\([0-9]*\)$/\1/p" "$tmp/err"; }
suspends=$(count "supervisor shadows made inaccessible as CPL 3 began (one call)")
rebuilds=$(count "shadows rebuilt (read fault on a readable mapping: should stay 0)")
[ -n "$suspends" ] && [ "$suspends" -gt 0 ] || { echo "FAIL: no suspensions counted ('$suspends')"; exit 1; }
[ "$rebuilds" = 0 ] || { echo "FAIL: $rebuilds shadows rebuilt (want 0)"; exit 1; }
echo "ok: $suspends suspensions, no rebuilds"
