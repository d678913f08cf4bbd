#!/bin/busybox sh
# /init of the default guest (scripts/run-default.sh): Debian's busybox at
# ring 3 under btvmm, a few words about where it runs, then a reboot (btvmm
# stops on a reset).
/bin/busybox --install -s /bin
mount -t proc proc /proc
echo
echo "=== busybox /init, ring 3, under btvmm ==="
echo "kernel:  $(uname -sr)"
echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "memory:  $(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2-3)"
echo "uptime:  $(cut -d' ' -f1 /proc/uptime) s"
echo "a pipeline: $(seq 1 10 | awk '{ s += $1 } END { print "sum of 1..10 =", s }')"
echo "==========================================="
reboot -f
