#!/bin/busybox sh
# /init of the benchmark initramfs (bench/linux/run.py builds it): runs the
# workloads named on the kernel command line, then resets the machine
# (btvmm stops on a reset; QEMU runs with -no-reboot and exits).
#   bench=NAME:COUNT[,NAME:COUNT...]   e.g. bench=boot:1,forkwait:2000
# NAME is a bench subcommand (bench/linux/bench.c), or
#   boot      the kernel's clock at the moment /init starts (COUNT ignored)
#   compute   bench/cpu/workload.c as a static program (COUNT ignored)
#   md5       busybox md5sum over a COUNT MiB file in tmpfs
/bin/busybox mount -t proc proc /proc
/bin/busybox mknod /dev/null c 1 3
/bin/busybox mknod /dev/zero c 1 5
/bin/bench uptime
/bin/busybox --install -s /bin
mount -t tmpfs tmpfs /tmp
list=$(sed -n 's/.*bench=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "BENCH-LIST $list"
for item in $(echo "$list" | tr ',' ' '); do
    name=${item%%:*}
    count=${item#*:}
    case $name in
    boot) ;;
    compute) /bin/bench exec compute /bin/workload ;;
    md5)
        dd if=/dev/zero of=/tmp/md5.in bs=1048576 count="$count" 2>/dev/null
        /bin/bench exec md5 /bin/busybox md5sum /tmp/md5.in
        rm -f /tmp/md5.in ;;
    *) /bin/bench "$name" "$count" ;;
    esac
done
echo "BENCH-DONE"
reboot -f
