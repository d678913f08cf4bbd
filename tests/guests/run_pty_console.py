#!/usr/bin/env python3
"""The serial console on a terminal, driven through a pseudo-terminal.

  run_pty_console.py BTVMM MKCPIO KERNEL BUSYBOX DEMO_INIT TRIPLE_ELF UART_IRQ_ELF

1. Debian's kernel with the busybox initramfs of scripts/demo_init.sh
   (btvmm_shell: an interactive shell on ttyS0). While it runs, the
   terminal is raw (no echo, no canonical mode). Types `echo $((6*7))` and
   reads 42; types `sleep 2; echo slept` and, while the guest sleeps, a
   second command of 43 bytes in one write (the UART's FIFO holds 16: the
   rest waits in btvmm) and a third; all three answer. Ctrl-A h lists the
   keys, Ctrl-A c prints the counters; Ctrl-A x ends btvmm with status 0.
2. tests/guests/triple.c, which triple-faults while the terminal is raw.
3. tests/guests/uart_irq.c, which spins for ever: ended by SIGTERM.
After each, the terminal's settings (tcgetattr of the pty's slave side)
must equal those before. Part 1 is skipped (exit 77 if it is all that
could run) when the kernel or busybox is missing (scripts/get-debian-kernel.sh).
"""
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time

BTVMM, MKCPIO, KERNEL, BUSYBOX, DEMO_INIT, TRIPLE, UART_IRQ = sys.argv[1:8]
ACCEL = os.environ.get("BTVMM_ACCEL")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


class Guest:
    """btvmm with a fresh pty as stdin, stdout and stderr."""

    def __init__(self, args):
        self.master, self.slave = pty.openpty()
        self.before = termios.tcgetattr(self.slave)
        cmd = [BTVMM] + args + (["-accel", ACCEL] if ACCEL else [])
        self.proc = subprocess.Popen(cmd, stdin=self.slave, stdout=self.slave,
                                     stderr=self.slave, close_fds=True)
        self.out = b""

    def read_until(self, want, timeout):
        """Reads the pty until want (bytes) appears after self.mark."""
        end = time.time() + timeout
        while want not in self.out[self.mark:]:
            left = end - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:
                    return False
        return True

    mark = 0

    def expect(self, want, timeout, what):
        ok = self.read_until(want, timeout)
        if not ok:
            fail("%s: %r not seen within %d s" % (what, want, timeout))
        else:
            self.mark = self.out.index(want, self.mark) + len(want)
        return ok

    def send(self, data):
        os.write(self.master, data)

    def raw_now(self):
        lflag = termios.tcgetattr(self.slave)[3]
        return not (lflag & (termios.ECHO | termios.ICANON | termios.ISIG))

    def finish(self, what, want_status, timeout=20):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            fail("%s: btvmm did not exit" % what)
        self.read_until(b"\0never", 0.3)  # what is left
        after = termios.tcgetattr(self.slave)
        if after != self.before:
            fail("%s: terminal settings differ after exit:\n  before %r\n  after  %r"
                 % (what, self.before, after))
        if rc != want_status:
            fail("%s: exit status %d, want %d" % (what, rc, want_status))
        os.close(self.master)
        os.close(self.slave)
        return rc

    def tail(self):
        return self.out[-1500:].decode("latin-1")


def busybox_shell():
    tmp = tempfile.mkdtemp()
    cpio = os.path.join(tmp, "shell.cpio")
    subprocess.check_call([MKCPIO, cpio, BUSYBOX, DEMO_INIT])
    tsc = subprocess.check_output(
        ["sh", os.path.join(os.path.dirname(DEMO_INIT), "linux-tsc-arg.sh")]).decode().split()
    cmdline = " ".join(["console=ttyS0", "panic=-1", "quiet", "btvmm_shell"] + tsc)
    g = Guest(["-kernel", KERNEL, "-initrd", cpio, "-m", "128", "-append", cmdline,
               "-nographic"])
    try:
        ok = g.expect(b"Ctrl-A x leaves btvmm", 120, "boot")
        ok = ok and g.expect(b"# ", 90, "shell prompt")
        if ok and not g.raw_now():
            fail("busybox: the terminal is not in raw mode while the guest runs")
        if ok:
            g.send(b"echo $((6*7))\r")
            ok = g.expect(b"\n42\r", 90, "echo $((6*7))")
        if ok:
            g.expect(b"# ", 10, "prompt")
            g.send(b"sleep 2; echo slept\r")
            time.sleep(0.5)
            # 43 bytes in one write (the FIFO holds 16); builtins only: a
            # fork costs a second here, and busybox's line editing about
            # 50 ms a key under x64
            g.send(b"v=" + b"y" * 28 + b"; echo ${#v}\r")
            time.sleep(0.3)
            g.send(b"echo typed-ahead-$((1+2))\r")
            ok = (g.expect(b"\nslept\r", 90, "sleep 2") and
                  g.expect(b"\n28\r", 90, "the 43-byte line typed during sleep") and
                  g.expect(b"\ntyped-ahead-3\r", 90, "the line typed after it"))
        if ok:
            g.send(b"\x01h")
            ok = g.expect(b"C-a x    exit btvmm", 10, "Ctrl-A h")
        if ok:
            g.send(b"\x01c")
            ok = g.expect(b"btvmm statistics", 10, "Ctrl-A c")
        g.send(b"\x01x")
        g.expect(b"terminated by Ctrl-A x", 10, "Ctrl-A x")
    finally:
        g.finish("busybox", 0)
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    if failures:
        print("--- last console output:\n" + g.tail())


def triple_fault():
    g = Guest(["-kernel", TRIPLE, "-nographic"])
    g.expect(b"triple fault", 90, "triple fault message")
    g.finish("triple fault", 2)


def sigterm():
    g = Guest(["-kernel", UART_IRQ, "-nographic"])
    ok = g.expect(b"spinning with IF=1", 90, "uart_irq start")
    if ok and not g.raw_now():
        fail("uart_irq: the terminal is not in raw mode while the guest runs")
    g.proc.send_signal(signal.SIGTERM)
    g.expect(b"terminating on signal 15", 10, "SIGTERM message")
    g.finish("SIGTERM", -signal.SIGTERM)


have_linux = os.path.getsize(KERNEL) > 0 if os.path.exists(KERNEL) else False
have_linux = have_linux and os.path.exists(BUSYBOX) and os.path.getsize(BUSYBOX) > 0
triple_fault()
sigterm()
if have_linux:
    busybox_shell()
if failures:
    sys.exit(1)
if not have_linux:
    print("SKIP: no kernel or busybox (scripts/get-debian-kernel.sh): only the triple-fault "
          "and SIGTERM parts ran, and passed")
    sys.exit(77)
print("pty console: ok")
