#!/bin/busybox sh
# /init of the busybox boot test (run_linux_busybox.sh): ring-3 code under
# btvmm, printing facts that do not depend on the host, then a reboot
# (btvmm stops on a reset). Each line starts with "bb:" for the checker.
/bin/busybox --install -s /bin
mount -t proc proc /proc
echo "bb: hello from the busybox init"
echo "bb: uname: $(uname -s -m)"
echo "bb: shell arithmetic: $((6 * 7))"
echo "bb: awk: $(echo 3 4 | awk '{ print $1 * $2 }')"
echo "bb: pid of init: $$"
echo "bb: cmdline has btvmm_test: $(grep -c btvmm_test /proc/cmdline)"
i=0
while [ $i -lt 5 ]; do /bin/true; i=$((i + 1)); done
echo "bb: forked and exec'd 5 processes"
echo "bb: seq | sort -n -r | head: $(seq 1 100 | sort -n -r | head -n 3 | tr '\n' ' ')"
echo "bb: md5 of 'btvmm': $(echo -n btvmm | md5sum | cut -c1-32)"
echo "bb: done"
reboot -f
