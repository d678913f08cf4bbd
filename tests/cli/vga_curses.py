#!/usr/bin/env python3
"""vga_curses.py - btvmm -display curses, driven through a pseudo-terminal.

    vga_curses.py BTVMM VGA_KEYS_ELF

Runs tests/guests/vga_keys.c with -display curses on a pty, feeds what
btvmm draws into a small terminal model (cursor addressing, clear, SGR
ignored, UTF-8 text), and checks:
  1. the guest's banner appears on the modelled screen;
  2. typed text reaches the guest as PS/2 scancodes: the guest echoes it on
     screen row 2 and, after Enter, writes "got: TEXT" on row 4 and on COM1
     (-serial file:), then exits with status 1 (debug port, 0);
  3. the terminal cursor ends where the guest put the hardware cursor;
  4. the pty's settings are the same after btvmm as before (restored);
  5. a second run quits with Ctrl-A x: status 0, one stderr line, terminal
     restored;
  6. a guest that stops btvmm (triple.elf, next to VGA_KEYS_ELF) under curses:
     status 2, one stderr line, terminal restored;
  7. the serial console's other Ctrl-A keys work under curses too: Ctrl-A h
     prints the keys below the screen with the guest's cursor saved and put
     back (DECSC/DECRC), Ctrl-A c prints the counters on stderr, and typed
     keys still reach the guest afterwards;
  8. SIGTERM under curses: one stderr line, colours and cursor reset,
     terminal restored.
BTVMM_ACCEL (tests/with_backend.sh) is passed on as -accel.
"""
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import termios
import time

ROWS, COLS = 25, 80
TYPED = "Hello, World 42"


class Screen:
    """Just enough of a VT100 to follow btvmm's output."""

    def __init__(self):
        self.cells = [[" "] * COLS for _ in range(ROWS)]
        self.row = self.col = 0
        self.saved = (0, 0)
        self.pending = b""

    def feed(self, data):
        text = (self.pending + data).decode("utf-8", errors="replace")
        self.pending = b""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\x1b" and text[i + 1:i + 2] in ("7", "8"):  # DECSC, DECRC
                if text[i + 1] == "7":
                    self.saved = (self.row, self.col)
                else:
                    self.row, self.col = self.saved
                i += 2
                continue
            if ch == "\x1b":
                m = re.compile(r"\x1b\[([?0-9;]*)[ -/]*([A-Za-z])").match(text, i)
                if not m:  # a sequence cut by the read: keep it for later
                    self.pending = text[i:].encode()
                    return
                self.csi(m.group(1), m.group(2))
                i = m.end()
                continue
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.row = min(self.row + 1, ROWS)
            elif self.row < ROWS and self.col < COLS:
                self.cells[self.row][self.col] = ch
                self.col += 1
            i += 1

    def csi(self, params, final):
        if final == "H":
            parts = [int(p) if p else 1 for p in params.split(";")] if params else [1, 1]
            parts += [1] * (2 - len(parts))
            self.row, self.col = parts[0] - 1, parts[1] - 1
        elif final == "J" and params == "2":
            self.cells = [[" "] * COLS for _ in range(ROWS)]

    def line(self, r):
        return "".join(self.cells[r]).rstrip()


def spawn(btvmm, elf, serial):
    master, slave = pty.openpty()
    cmd = [btvmm, "-kernel", elf, "-display", "curses", "-serial", "file:" + serial]
    if os.environ.get("BTVMM_ACCEL"):
        cmd += ["-accel", os.environ["BTVMM_ACCEL"]]
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                            start_new_session=True)
    return master, slave, before, proc


def pump(master, screen, until, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if until():
            return True
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                screen.feed(os.read(master, 65536))
            except OSError:
                break
    return until()


def fail(msg, screen=None):
    print("FAIL:", msg)
    if screen:
        for r in range(ROWS):
            print("|" + screen.line(r))
    sys.exit(1)


def finish(proc, master, screen):
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("btvmm did not exit", screen)
    pump(master, screen, lambda: False, 0.3)  # what it drew last
    return proc.returncode, proc.stderr.read().decode()


def typed_line(btvmm, elf, tmp):
    serial = os.path.join(tmp, "com1")
    master, slave, before, proc = spawn(btvmm, elf, serial)
    screen = Screen()
    if not pump(master, screen, lambda: screen.line(0).startswith("btvmm curses test"), 30):
        proc.kill()
        fail("the guest's banner never appeared", screen)
    for ch in TYPED + "\r":  # one key at a time, as a person types
        os.write(master, ch.encode())
        time.sleep(0.02)
    status, err = finish(proc, master, screen)
    if status != 1:
        fail("exit status %d (want 1); stderr: %s" % (status, err), screen)
    if screen.line(2) != TYPED or screen.line(4) != "got: " + TYPED:
        fail("rows 2 and 4 do not show the typed text", screen)
    with open(serial) as f:
        com1 = f.read()
    if com1 != "ready\ngot: %s\n" % TYPED:
        fail("COM1 output %r" % com1)
    if termios.tcgetattr(slave) != before:
        fail("the terminal settings were not restored")
    os.close(master)
    os.close(slave)
    print("ok: typed line (screen rows 2 and 4, COM1), terminal restored")


def cursor_check(btvmm, elf, tmp):
    """The hardware cursor, as drawn: after the banner the guest puts it at
    row 2, column 0 (the last cursor move before it waits for keys)."""
    serial = os.path.join(tmp, "com1b")
    master, slave, before, proc = spawn(btvmm, elf, serial)
    screen = Screen()
    ok = pump(master, screen,
              lambda: screen.line(0).startswith("btvmm curses test") and
              (screen.row, screen.col) == (2, 0), 30)
    if not ok:
        proc.kill()
        fail("cursor not at row 2 col 0 (at %d,%d)" % (screen.row, screen.col), screen)
    os.write(master, b"\x01x")  # Ctrl-A x: quit
    status, err = finish(proc, master, screen)
    if status != 0 or err.strip() != "btvmm: terminated by Ctrl-A x":
        fail("Ctrl-A x: status %d, stderr %r" % (status, err))
    if termios.tcgetattr(slave) != before:
        fail("the terminal settings were not restored after Ctrl-A x")
    os.close(master)
    os.close(slave)
    print("ok: cursor drawn at the CRTC's position; Ctrl-A x quits, terminal restored")


def guest_stop(btvmm, elf, tmp):
    triple = os.path.join(os.path.dirname(elf), "triple.elf")
    master, slave, before, proc = spawn(btvmm, triple, os.path.join(tmp, "com1c"))
    screen = Screen()
    status, err = finish(proc, master, screen)
    if status != 2 or len(err.splitlines()) != 1 or not err.startswith("btvmm: triple fault"):
        fail("a guest stop under curses: status %d, stderr %r" % (status, err))
    if termios.tcgetattr(slave) != before:
        fail("the terminal settings were not restored after a guest stop")
    os.close(master)
    os.close(slave)
    print("ok: a guest stop under curses: one stderr line, terminal restored")


def escape_keys(btvmm, elf, tmp):
    serial = os.path.join(tmp, "com1d")
    master, slave, before, proc = spawn(btvmm, elf, serial)
    screen = Screen()
    raw = bytearray()

    def take(data):
        raw.extend(data)
        screen_feed(data)

    screen_feed = screen.feed
    screen.feed = take
    if not pump(master, screen, lambda: screen.line(0).startswith("btvmm curses test") and
                (screen.row, screen.col) == (2, 0), 30):
        proc.kill()
        fail("the guest's banner never appeared", screen)
    os.write(master, b"\x01h")
    def help_done():
        at = raw.find(b"exit btvmm")
        return at >= 0 and raw.find(b"\x1b8", at) >= 0

    if not pump(master, screen, help_done, 10):
        proc.kill()
        fail("Ctrl-A h printed no help", screen)
    text = bytes(raw)
    at = text.index(b"exit btvmm")
    if text.rfind(b"\x1b7", 0, at) < 0 or text.find(b"\x1b8", at) < 0:
        fail("Ctrl-A h: the help is not between a cursor save and restore")
    os.write(master, b"\x01c")
    time.sleep(0.5)
    for ch in "ab\r":
        os.write(master, ch.encode())
        time.sleep(0.02)
    status, err = finish(proc, master, screen)
    if status != 1 or screen.line(2) != "ab" or screen.line(4) != "got: ab":
        fail("keys after Ctrl-A h and c: status %d; stderr %r" % (status, err), screen)
    if "btvmm statistics" not in err:
        fail("Ctrl-A c printed no counters on stderr: %r" % err)
    if termios.tcgetattr(slave) != before:
        fail("the terminal settings were not restored")
    os.close(master)
    os.close(slave)
    print("ok: Ctrl-A h below the screen, Ctrl-A c on stderr, keys still reach the guest")


def sigterm(btvmm, elf, tmp):
    master, slave, before, proc = spawn(btvmm, elf, os.path.join(tmp, "com1e"))
    screen = Screen()
    if not pump(master, screen, lambda: screen.line(0).startswith("btvmm curses test"), 30):
        proc.kill()
        fail("the guest's banner never appeared", screen)
    raw = bytearray()
    screen_feed = screen.feed
    screen.feed = lambda data: (raw.extend(data), screen_feed(data))
    proc.terminate()
    status, err = finish(proc, master, screen)
    if status != -15 or err.strip() != "btvmm: terminating on signal 15":
        fail("SIGTERM under curses: status %d, stderr %r" % (status, err))
    if not bytes(raw).endswith(b"\x1b[0m\x1b[0 q\x1b[?25h\r\n"):
        fail("SIGTERM under curses: colours and cursor not reset: %r" % bytes(raw[-40:]))
    if termios.tcgetattr(slave) != before:
        fail("the terminal settings were not restored after SIGTERM")
    os.close(master)
    os.close(slave)
    print("ok: SIGTERM under curses: one stderr line, terminal restored")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    btvmm, elf = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        typed_line(btvmm, elf, tmp)
        cursor_check(btvmm, elf, tmp)
        guest_stop(btvmm, elf, tmp)
        escape_keys(btvmm, elf, tmp)
        sigterm(btvmm, elf, tmp)


if __name__ == "__main__":
    main()
