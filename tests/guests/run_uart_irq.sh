#!/bin/sh
# uart_irq.c: input piped into stdin must reach a guest that never halts
# and reads COM1 only in its IRQ 4 handler. The input comes a little after
# start-up, so the guest is spinning in translated code when it arrives.
#   run_uart_irq.sh BTVMM ELF EXPECT
BTVMM=${1:?usage: run_uart_irq.sh BTVMM ELF EXPECT}
ELF=${2:?}
EXPECT=${3:?}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
{ sleep 1; printf 'first line\n'; sleep 0.5
  printf 'the second line is longer than the sixteen-byte FIFO\n'; } |
    timeout 20 "$BTVMM" -kernel "$ELF" -serial stdio -nographic \
        ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$out" 2>"$err"
rc=$?
if [ $rc -ne 1 ] || ! cmp -s "$EXPECT" "$out"; then
    echo "FAIL: exit status $rc (want 1; 124 is the timeout: no input arrived)"
    diff -u "$EXPECT" "$out"
    echo "--- stderr:"; cat "$err"
    exit 1
fi
echo "uart_irq: ok"
