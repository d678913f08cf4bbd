#!/bin/busybox sh
# /init of the default guest (scripts/run-default.sh): Debian's busybox at
# ring 3 under btvmm, a few words about where it runs, then either an
# interactive shell on the serial console (btvmm_shell on the kernel command
# line: run-default.sh on a terminal) or a reboot (btvmm stops on a reset).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
echo
echo "=== busybox /init, ring 3, under btvmm ==="
echo "kernel:  $(uname -sr)"
echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "memory:  $(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2-3)"
echo "uptime:  $(cut -d' ' -f1 /proc/uptime) s"
echo "a pipeline: $(seq 1 10 | awk '{ s += $1 } END { print "sum of 1..10 =", s }')"
echo "==========================================="
if grep -q btvmm_shell /proc/cmdline; then
	echo "A busybox shell on ttyS0. 'poweroff -f' ends the machine; Ctrl-A x leaves btvmm."
	# setsid + cttyhack: the shell gets ttyS0 as its controlling terminal,
	# so Ctrl-C interrupts the command it runs
	exec setsid cttyhack sh
fi
reboot -f
