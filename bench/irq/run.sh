#!/bin/sh
# Interrupt-delivery benchmark: the cost of one guest interrupt under btvmm.
#   bench/irq/run.sh BTVMM_BINARY [OUTDIR]
#
# The guest is bench/cpu/irq.c (tests/guests/build.sh only finds guest
# sources in bench/cpu/ and tests/guests/, so it lives there; see its header
# comment). It is built three times (N = $N, default 100000):
#   ipi   IPI_N=N PIT_N=0   N self-IPIs through the local APIC ICR, vector 0x40
#   base  IPI_N=0 PIT_N=0   start-up and exit only (the baseline)
#   pit   IPI_N=0 PIT_N=N   PIT mode 2, count 12 (~99.4 kHz), `sti; hlt` per tick
# and each is run $RUNS times (default 3; the best wall-clock time counts).
# Printed per interrupt:
#   selfipi: guest TSC ns (btvmm's TSC is 1 GHz: 1 tick = 1 ns; the raw
#            tick count is printed as well) and host wall clock
#            (t_ipi - t_base) / N
#   pit:     guest TSC ns per tick against the nominal 10057 ns period (a
#            VMM that cannot keep up coalesces late ticks), ticks/s, and the
#            host CPU time (user+sys, /usr/bin/time) per tick beyond the
#            baseline's
#   kvm:     n/a (no KVM here; btvmm's -accel kvm is not implemented)
# Environment: N, RUNS, CC, PIT=0 (skip the PIT part), QEMU=1 (run the
# guests under qemu-system-i386 TCG instead of btvmm: its TSC runs at the
# host TSC rate, so only tsc_ticks and the wall-clock figures mean anything).
# BTVMM_ACCEL=bt,backend=... picks btvmm's backend (-accel).
# BENCH_RESULT=FILE also writes one machine-readable line there (for
# bench/backends.sh): selfipi_ns (guest TSC ns per self-IPI), selfipi_wall_ns
# ((t_ipi - t_base) / N), pit_ticks (K, the ticks counted), pit_ns (guest
# TSC ns per counted tick) and pit_wall_ns ((t_pit - t_base) / K); pit_* are
# n/a with PIT=0. With QEMU=1 the guest TSC figures are converted to ns with
# the host TSC rate (bench/mmu/native_fault tsc).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BTVMM=${1:?usage: run.sh BTVMM_BINARY [OUTDIR]}
OUT=${2:-${TMPDIR:-/tmp}/btvmm-bench-irq}
N=${N:-100000}
RUNS=${RUNS:-3}
PIT=${PIT:-1}
CC=${CC:-gcc}
TIME=/usr/bin/time
mkdir -p "$OUT"
[ -x "$TIME" ] || { echo "run.sh: $TIME not found (install the 'time' package)" >&2; exit 1; }

build() { # build VARIANT IPI_N PIT_N
    EXTRA_CFLAGS="-DIPI_N=$2u -DPIT_N=$3u" CC=$CC \
        "$ROOT/tests/guests/build.sh" "$OUT/$1" irq >/dev/null
}
build ipi "$N" 0
build base 0 0
[ "$PIT" = 0 ] || build pit 0 "$N"

# vm.sh ELF: run one guest (serial output on stdout); a script so that
# /usr/bin/time can run it.
cat >"$OUT/vm.sh" <<EOF
#!/bin/sh
if [ -n "${QEMU:-}" ]; then
    exec timeout 600 qemu-system-i386 -accel tcg -kernel "\$1" -serial stdio \\
        -display none -monitor none -nodefaults -no-reboot \\
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128
else
    exec timeout 600 "$BTVMM" -kernel "\$1" -serial stdio -nographic ${BTVMM_ACCEL:+-accel $BTVMM_ACCEL}
fi
EOF
chmod +x "$OUT/vm.sh"
TIMEVM="$OUT/vm.sh"

# best VARIANT: runs it $RUNS times; the run with the least wall-clock time
# leaves its serial output in $OUT/VARIANT.out and "user sys wall" seconds
# in $OUT/VARIANT.time (CPU from /usr/bin/time, wall clock from date).
# Fails unless the guest exits 0 (status 1).
best() {
    v=$1
    bestt=""
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        rc=0
        t0=$(date +%s.%N)
        "$TIME" -o "$OUT/$v.cpu.$i" -f '%U %S' "$TIMEVM" "$OUT/$v/irq.elf" \
            >"$OUT/$v.out.$i" 2>&1 || rc=$?
        t1=$(date +%s.%N)
        echo "$(tail -n 1 "$OUT/$v.cpu.$i") $(awk "BEGIN { printf \"%.4f\", $t1 - $t0 }")" \
            >"$OUT/$v.time.$i"
        if [ "$rc" -ne 1 ]; then
            echo "run.sh: guest '$v' exited with status $rc (want 1):" >&2
            cat "$OUT/$v.out.$i" >&2
            exit 1
        fi
        e=$(tail -n 1 "$OUT/$v.time.$i" | awk '{ print $3 }')
        if [ -z "$bestt" ] || awk "BEGIN { exit !($e < $bestt) }"; then
            bestt=$e
            cp "$OUT/$v.out.$i" "$OUT/$v.out"
            tail -n 1 "$OUT/$v.time.$i" >"$OUT/$v.time"
        fi
        i=$((i + 1))
    done
}

field() { # field VARIANT NAME: NAME=value from the guest's "irq ..." line
    sed -n "s/^irq .* $2=\([^ ]*\).*/\1/p" "$OUT/$1.out" | head -n 1
}

best base
best ipi
read -r bu bs be <"$OUT/base.time"
read -r iu is ie <"$OUT/ipi.time"

if [ -n "${QEMU:-}" ]; then vmname="qemu-system-i386 (TCG)"; else vmname="btvmm ($BTVMM)"; fi
echo "irq benchmark under $vmname, N=$N, best of $RUNS"
grep '^irq ' "$OUT/ipi.out"
awk -v n="$N" -v ie="$ie" -v be="$be" -v t="$(field ipi ns_per_irq)" -v q="${QEMU:-}" 'BEGIN {
    printf "selfipi: guest TSC %s ns/irq%s; host wall (%.2f s - baseline %.2f s) / N = %.0f ns/irq\n",
        t, (q != "" ? " (TSC at the host rate, not ns)" : ""), ie, be, (ie - be) * 1e9 / n
}'

if [ "$PIT" != 0 ]; then
    best pit
    read -r pu ps pe <"$OUT/pit.time"
    grep '^irq ' "$OUT/pit.out"
    awk -v k="$(field pit N)" -v ticks="$(field pit tsc_ticks)" -v t="$(field pit ns_per_irq)" \
        -v pu="$pu" -v ps="$ps" -v pe="$pe" -v bu="$bu" -v bs="$bs" -v q="${QEMU:-}" 'BEGIN {
        rate = (q == "" && ticks > 0) ? sprintf("%.1f kHz", k / (ticks / 1e9) / 1e3) : "n/a"
        printf "pit: %d ticks, guest TSC %s ns/tick (nominal 10057), rate %s; host cpu (%.2f+%.2f s - baseline) / ticks = %.0f ns/tick over %.2f s wall\n",
            k, t, rate, pu, ps, (k > 0 ? ((pu + ps) - (bu + bs)) * 1e9 / k : 0), pe
    }'
fi
if [ -n "${BENCH_RESULT:-}" ]; then
    ghz=1 # btvmm's guest TSC: 1 tick = 1 ns
    if [ -n "${QEMU:-}" ]; then
        $CC -O2 "$ROOT/bench/mmu/native_fault.c" -o "$OUT/native_fault"
        ghz=$("$OUT/native_fault" tsc | sed -n 's/^native tsc ghz=//p')
    fi
    pit="pit_ticks=n/a pit_ns=n/a pit_wall_ns=n/a"
    if [ "$PIT" != 0 ]; then
        pit=$(awk -v k="$(field pit N)" -v t="$(field pit tsc_ticks)" -v g="$ghz" \
            -v pe="$pe" -v be="$be" 'BEGIN {
            if (k > 0) printf "pit_ticks=%d pit_ns=%.0f pit_wall_ns=%.0f", k, t / g / k, (pe - be) * 1e9 / k
            else printf "pit_ticks=0 pit_ns=n/a pit_wall_ns=n/a" }')
    fi
    awk -v n="$N" -v t="$(field ipi tsc_ticks)" -v g="$ghz" -v ie="$ie" -v be="$be" -v pit="$pit" 'BEGIN {
        printf "selfipi_ns=%.0f selfipi_wall_ns=%.0f %s\n", t / g / n, (ie - be) * 1e9 / n, pit }' >"$BENCH_RESULT"
fi
echo "kvm: n/a (no KVM here)"
