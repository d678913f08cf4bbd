#!/bin/sh
# The flagship smoke test: Debian 12's stock i386 kernel (686 flavour) boots
# under btvmm up to the point where it wants a root file system.
#   run_linux_boot.sh BTVMM KERNEL
# KERNEL comes from scripts/get-debian-kernel.sh (scripts/test.sh fetches it
# into build/linux/). Without it the test is skipped (exit 77).
#
# Checked, since the rest of the log depends on the host CPU and timing:
#   - btvmm exits 0 with exactly "btvmm: the guest reset the machine: stopped"
#     (panic=-1 reboots at once, and btvmm stops on a reset);
#   - the log has the kernel's banner, the boot command line, the MP table
#     btvmm builds, the serial console, and the panic for the missing root
#     file system, and the TSC frequency btvmm reports (1 GHz).
#   - no kernel bug report (Oops, BUG:, general protection fault). WARNING:
#     lines are printed but do not fail the test: the guest sees the host's
#     CPU vendor and model, and a vendor-specific warning on a CI host could
#     not have been seen here first.
HERE=$(cd "$(dirname "$0")" && pwd)
BTVMM=${1:?usage: run_linux_boot.sh BTVMM KERNEL}
KERNEL=${2:?}
[ -s "$KERNEL" ] || { echo "no kernel at $KERNEL (scripts/get-debian-kernel.sh): skipped"; exit 77; }
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
CMDLINE=$(echo console=ttyS0 panic=-1 btvmm_test=1 $(sh "$HERE/../../scripts/linux-tsc-arg.sh"))
# Linux prints "Detected 1000.000 MHz TSC" beside the processor speed it
# measured with the PIT, or, when that measurement fails, "Detected
# 1000.000 MHz processor" alone.
WANT_TSC="tsc: Detected 1000.000 MHz"
timeout ${LINUX_TIMEOUT:-240} "$BTVMM" -kernel "$KERNEL" -m 128 -append "$CMDLINE" \
    ${BTVMM_ACCEL:+-accel "$BTVMM_ACCEL"} >"$out" 2>"$err"
rc=$?
fail() {
    echo "FAIL: $*"
    echo "--- stderr:"; cat "$err"
    echo "--- last lines of the log:"; tail -n 40 "$out"
    exit 1
}
[ $rc -eq 0 ] || fail "exit status $rc (want 0: the guest resets after its panic)"
[ "$(cat "$err")" = "btvmm: the guest reset the machine: stopped" ] || fail "stderr is not the reset line"
for want in "Linux version 6.1." "Kernel command line: $CMDLINE" "$WANT_TSC" "found SMP MP-table at" "printk: console [ttyS0] enabled" \
    "Kernel panic - not syncing: VFS: Unable to mount root fs"; do
    grep -qF "$want" "$out" || fail "no line with '$want'"
done
grep -F "WARNING:" "$out" | head -n 5
for bad in "Oops" "BUG:" "general protection fault"; do
    if grep -qF "$bad" "$out"; then
        grep -F "$bad" "$out" | head -n 5
        fail "the kernel reported '$bad'"
    fi
done
echo "$(grep -F 'Linux version' "$out" | sed 's/^\[[^]]*\] //' | cut -c1-40)...: booted to the root-mount panic ($(wc -l <"$out") lines)"
