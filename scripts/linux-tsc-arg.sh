#!/bin/sh
# linux-tsc-arg.sh - prints the kernel argument that tells Linux btvmm's TSC
# frequency when it cannot learn it itself, or nothing.
#
# The guest sees the host's CPU vendor. Linux reads the TSC frequency from
# CPUID leaf 0x15, which btvmm fills in (1 GHz), only on Intel. Elsewhere it
# calibrates against the PIT, which host jitter can make fail; it then runs
# on jiffies (docs/ARCHITECTURE.md, "Linux boot"). tsc_early_khz skips that.
grep -q '^vendor_id.*GenuineIntel' /proc/cpuinfo 2>/dev/null || echo "tsc_early_khz=1000000"
