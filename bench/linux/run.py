#!/usr/bin/python3
"""The benchmark suite: Linux workloads (bench/linux/bench.c) inside Debian's
i386 kernel with a busybox initramfs, on every system this host can run, in
one run, into bench/results/DATE/ (bench/run.sh is the command to use).

A "system" is one way of running the workloads: natively (the same static
i386 programs as host processes, where the host runs 32-bit code), btvmm
with each backend the host allows, with the adaptive translation and the
shadow prefill each turned off (-no-adapt, -no-prefill), the compat backend
or the x64 backend with guest ring 3 run directly in the sandbox (btvmm-compat-de and btvmm-x64-de, issue 8;
getppid is then the null system call round trip and pipe the process
switch), QEMU TCG, and KVM where /dev/kvm can run a 32-bit guest. A guest system boots once per run and
runs every workload in turn (init.sh); the runner timestamps the console
lines "BENCH-BEGIN NAME" and "BENCH NAME count=N ns=T" with the host clock as
they arrive, checks each guest figure against the host's, and for btvmm
takes the event counters of each workload from the -stats-json lines
written every SAMPLE_MS around it.

Outputs: results.csv (one row per system, workload and run), table.md
(per-operation time, best and median, and the ratio to native or to QEMU
TCG where native cannot run), events.md (btvmm's events per workload),
series.csv and the plots (gnuplot, where installed): ratios.png and
adaptive.png (forkwait's trace faults, hidden faults and call-outs over
time with and without adaptive translation).
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SAMPLE_MS = 10

# name: (argument in quick mode, in full mode, what one operation is). The
# loops run for at least the argument in ms (bench.c), so that the same
# command line suits every system; md5's argument is MiB.
WORKLOADS = {
    "boot": (0, 0, "boot to /init"),
    "forkwait": (1000, 4000, "fork+exit+waitpid"),
    "getppid": (1000, 4000, "null system call"),
    "pagefault": (1000, 4000, "anonymous page fault"),
    "ptemod": (1000, 4000, "mmap, touch, mprotect, munmap of 16 pages"),
    "pipe": (1000, 4000, "pipe round trip (2 switches)"),
    "forkexec": (1000, 4000, "fork+exec of a static true"),
    "compute": (0, 0, "integer compute (bench/cpu/workload.c, one run)"),
    "md5": (8, 32, "busybox md5sum over the argument's MiB in tmpfs"),
}
# bench/cpu/workload.c's sizes: quick, full
COMPUTE_SIZE = {"quick": "-DITER=150 -DSORT_N=262144", "full": "-DITER=1500"}

# The event table: (column, counter names summed)
EVENTS = [
    ("exits", ["exits"]),
    ("call-outs", ["callouts"]),
    ("#PF to guest", ["guest_page_faults"]),
    ("hidden faults", ["vtlb_fills"]),
    ("trace faults", ["trace_faults_pt", "trace_faults_code"]),
    ("adaptive retransl.", ["adapt_retranslations"]),
    ("vTLB flushes", ["vtlb_flushes"]),
    ("shadow maps", ["shadow_maps"]),
    ("shadow drops", ["shadow_drops"]),
    ("kernel pages hidden", ["shadow_sv_suspends"]),
    ("kernel runs restored", ["shadow_sv_restores"]),
    ("port I/O", ["io_total"]),
    ("MMIO", ["mmio_total"]),
]


def log(msg):
    print(msg, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# --- building the guest's programs and initramfs -----------------------------


def build_programs(work, mode, cc):
    """The static i386 programs, or an exception saying why not."""
    flags = ["-m32", "-static", "-O2"]
    out = {}
    for name, src, extra in [
        ("bench", "bench/linux/bench.c", []),
        ("true-static", "bench/linux/true.c", []),
        ("workload", "bench/cpu/workload.c", COMPUTE_SIZE[mode].split()),
    ]:
        exe = os.path.join(work, name)
        sh([cc] + flags + extra + ["-o", exe, os.path.join(ROOT, src)])
        out[name] = exe
    return out


def build_initrd(work, mkcpio, busybox, progs):
    initrd = os.path.join(work, "initrd.cpio")
    sh([mkcpio, initrd, busybox, os.path.join(HERE, "init.sh"),
        "bin/bench=" + progs["bench"], "bin/true-static=" + progs["true-static"],
        "bin/workload=" + progs["workload"]])
    return initrd


# --- systems -------------------------------------------------------------------


def accel_help(btvmm):
    r = subprocess.run([btvmm, "-accel", "help"], capture_output=True, text=True)
    return r.stdout + r.stderr


def backend_status(help_text, backend):
    return help_status(help_text, "bt,backend=" + backend)


def help_status(help_text, name):
    """None if btvmm -accel help says "NAME: yes", else its reason."""
    for line in help_text.splitlines():
        if line.startswith(name + ":"):
            rest = line.split(":", 1)[1].strip()
            return None if rest.startswith("yes") else rest.removeprefix("no: ")
    return "not listed by btvmm -accel help"


def native_status(progs):
    try:
        r = subprocess.run([progs["bench"], "getppid", "1"], capture_output=True)
    except OSError as e:
        return "the host cannot run 32-bit programs (%s)" % e.strerror
    return None if r.returncode == 0 else "bench exited with %d" % r.returncode


def kvm_status():
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm not accessible"
    if not shutil.which("qemu-system-i386"):
        return "qemu-system-i386 not installed"
    return None


def systems(args, progs):
    """[(name, kind, extra, skip reason or None)]"""
    out = [("native", "native", [], native_status(progs))]
    help_text = accel_help(args.btvmm)
    for backend in ("compat", "x64"):
        why = backend_status(help_text, backend)
        accel = ["-accel", "bt,backend=%s,de=off" % backend]
        out.append(("btvmm-" + backend, "btvmm", accel, why))
        out.append(("btvmm-%s-no-adapt" % backend, "btvmm", accel + ["-no-adapt"], why))
        out.append(("btvmm-%s-no-prefill" % backend, "btvmm", accel + ["-no-prefill"], why))
    # direct execution of guest ring 3 (issue 8), with each backend
    for backend in ("compat", "x64"):
        why = backend_status(help_text, backend) or help_status(help_text, "de")
        out.append(("btvmm-%s-de" % backend, "btvmm", ["-accel", "bt,backend=%s,de=on" % backend],
                    why))
    qemu = None if shutil.which("qemu-system-i386") else "qemu-system-i386 not installed"
    out.append(("qemu-tcg", "qemu", ["-accel", "tcg"], qemu))
    out.append(("kvm", "qemu", ["-accel", "kvm", "-cpu", "host"], kvm_status()))
    if args.systems:
        keep = args.systems.split(",")
        out = [s for s in out if s[0] in keep]
    return out


# --- one run -------------------------------------------------------------------


def parse_line(line):
    """("begin", name) or ("result", name, count, ns) or None."""
    parts = line.split()
    if len(parts) == 2 and parts[0] == "BENCH-BEGIN":
        return ("begin", parts[1])
    if len(parts) == 4 and parts[0] == "BENCH":
        try:
            return ("result", parts[1], int(parts[2].split("=")[1]), int(parts[3].split("=")[1]))
        except (IndexError, ValueError):
            return None
    return None


def watch(cmd, logpath, timeout, env=None):
    """Runs cmd; returns ({workload: (count, guest_ns, host_begin, host_end)},
    exit status, start time), the console in logpath."""
    results, begins = {}, {}
    start = time.monotonic_ns()
    with open(logpath, "w") as logf:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout
        for raw in p.stdout:
            now = time.monotonic_ns()
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            logf.write("%.6f %s\n" % ((now - start) / 1e9, line))
            ev = parse_line(line.strip())
            if ev and ev[0] == "begin":
                begins[ev[1]] = now
            elif ev and ev[0] == "result":
                begin = begins.get(ev[1], start)  # boot: from the start
                results[ev[1]] = (ev[2], ev[3], begin, now)
            if time.monotonic() > deadline:
                p.kill()
                logf.write("run.py: killed after %d s\n" % timeout)
                break
        rc = p.wait()
    return results, rc, start


def guest_cmdline(items, btvmm):
    tsc = ""
    if btvmm:
        tsc = subprocess.run(["sh", os.path.join(ROOT, "scripts/linux-tsc-arg.sh")],
                             capture_output=True, text=True).stdout.strip()
    return " ".join(filter(None, ["console=ttyS0 panic=-1 quiet", tsc, "bench=" + items]))


def run_guest(args, system, items, logpath, statspath):
    name, kind, extra, _ = system
    base = ["-kernel", args.kernel, "-initrd", args.initrd, "-m", "256"]
    if kind == "btvmm":
        cmd = [args.btvmm] + base + extra + [
            "-append", guest_cmdline(items, True), "-stats-json", statspath,
            "-stats-interval", str(SAMPLE_MS)]
    else:
        cmd = ["qemu-system-i386"] + extra + base + [
            "-append", guest_cmdline(items, False), "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-no-reboot"]
    return watch(cmd, logpath, args.timeout)


def run_native(args, progs, counts, logpath):
    """Each workload as a host process, the same lines parsed."""
    results = {}
    env = dict(os.environ, BENCH_TRUE=progs["true-static"])
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        for w, n in counts.items():
            if w == "boot":
                continue
            if w == "compute":
                cmd = [progs["bench"], "exec", "compute", progs["workload"]]
            elif w == "md5":
                data = os.path.join(tmp, "md5.in")
                with open(data, "wb") as f:
                    f.write(bytes(n << 20))
                cmd = [progs["bench"], "exec", "md5", args.busybox, "md5sum", data]
            else:
                cmd = [progs["bench"], w, str(n)]
            r, _, _ = watch(cmd, logpath + "." + w, args.timeout, env)
            results.update(r)
    return results, 0


# --- events from -stats-json --------------------------------------------------


def load_samples(path):
    samples = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    d = json.loads(line)
                except ValueError:
                    continue
                d["io_total"] = sum(r + w for r, w in d.get("io", {}).values())
                d["mmio_total"] = sum(r + w for r, w in d.get("mmio", {}).values())
                samples.append(d)
    except OSError:
        pass
    return samples


def events_between(samples, t0, t1):
    """Counter differences from the last sample at or before t0 to the first
    at or after t1 (so at most two sampling intervals too many)."""
    before = [s for s in samples if s["t_ns"] <= t0]
    after = [s for s in samples if s["t_ns"] >= t1]
    if not before or not after:
        return None
    a, b = before[-1], after[0]
    ev = {col: sum(b.get(k, 0) - a.get(k, 0) for k in keys) for col, keys in EVENTS}
    ka, kb = a.get("callouts_by_kind", {}), b.get("callouts_by_kind", {})
    ev["by_kind"] = {k: v - ka.get(k, 0) for k, v in kb.items() if v - ka.get(k, 0) > 0}
    return ev


# --- the report ---------------------------------------------------------------


def per_op(row):
    return row["guest_ns"] / max(row["count"], 1)


def fmt_time(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= div:
            return "%.3g %s" % (ns / div, unit)
    return "%.0f ns" % ns


def write_reports(out, rows, sysinfo, counts, events, mode):
    ran = [s for s, why in sysinfo if why is None]
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["system", "workload", "run", "count", "guest_ns", "host_ns", "ns_per_op",
                    "clock_check"])
        for r in rows:
            w.writerow([r["system"], r["workload"], r["run"], r["count"], r["guest_ns"],
                        r["host_ns"], "%.1f" % per_op(r), r["check"]])
    best, median, flagged = {}, {}, {}
    for s in ran:
        for wl in counts:
            v = [per_op(r) for r in rows if r["system"] == s and r["workload"] == wl]
            if v:
                best[s, wl], median[s, wl] = min(v), statistics.median(v)
                flagged[s, wl] = any(r["check"] != "ok" for r in rows
                                     if r["system"] == s and r["workload"] == wl)
    ref_sys = "native" if "native" in ran else ("qemu-tcg" if "qemu-tcg" in ran else None)
    lines = ["# btvmm benchmark suite (%s mode)" % mode, "",
             "Per-operation time, best of the runs (median in parentheses); the ratio is to "
             "%s%s. `!` marks a figure whose guest clock disagreed with the host's by more "
             "than 10%%." % (ref_sys or "nothing",
                             " per workload, QEMU TCG where native has no figure"
                             if ref_sys == "native" else ""), ""]
    lines.append("| workload | arg | " + " | ".join(ran) + " |")
    lines.append("|---|---:|" + "---:|" * len(ran))
    ratios = []
    for wl, n in counts.items():
        cells = []
        ref = None
        for cand in (ref_sys, "qemu-tcg"):
            if cand and (cand, wl) in best:
                ref = best[cand, wl]
                break
        for s in ran:
            if (s, wl) not in best:
                cells.append("-")
                continue
            cell = "%s (%s)" % (fmt_time(best[s, wl]), fmt_time(median[s, wl]))
            if ref:
                cell += " %.2fx" % (best[s, wl] / ref)
                ratios.append((wl, s, best[s, wl] / ref))
            if flagged[s, wl]:
                cell += " !"
            cells.append(cell)
        lines.append("| %s | %d | %s |" % (wl, n, " | ".join(cells)))
    lines += ["", "Systems not run here:", ""]
    lines += ["- %s: %s" % (s, why) for s, why in sysinfo if why is not None] or ["- none"]
    lines += ["", "Workloads: " + "; ".join("%s = %s" % (k, WORKLOADS[k][2]) for k in counts)]
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    ev = ["# btvmm events per workload (first run, per operation)", "",
          "Counter differences between the -stats-json samples around each workload "
          "(sampled every %d ms, so up to two intervals of other activity are included), "
          "divided by the operations the workload counted." % SAMPLE_MS, "",
          "| system | workload | " + " | ".join(c for c, _ in EVENTS) + " | top call-outs |",
          "|---|---|" + "---:|" * len(EVENTS) + "---|"]
    for (s, wl), (e, n) in sorted(events.items()):
        n = max(n, 1)
        top = sorted(e["by_kind"].items(), key=lambda kv: -kv[1])[:3]
        ev.append("| %s | %s | %s | %s |" % (s, wl, " | ".join(
            "%.3g" % (e[c] / n) if e[c] else "0" for c, _ in EVENTS),
            ", ".join("%s %.3g" % (k, v / n) for k, v in top)))
    with open(os.path.join(out, "events.md"), "w") as f:
        f.write("\n".join(ev) + "\n")
    with open(os.path.join(out, "ratios.dat"), "w") as f:
        systems_r = sorted({s for _, s, _ in ratios}, key=ran.index)
        f.write("workload " + " ".join(systems_r) + "\n")
        for wl in counts:
            vals = {s: r for w2, s, r in ratios if w2 == wl}
            f.write(wl + " " + " ".join("%.4f" % vals[s] if s in vals else "-"
                                        for s in systems_r) + "\n")
    return ref_sys, len([s for s in ran]) and systems_r


def series(out, samples_by_system, rows, adapt_sys):
    """forkwait's counters per sampling interval, for the adaptive plot."""
    path = os.path.join(out, "series.csv")
    written = []
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["system", "ms", "trace_faults", "hidden_faults", "callouts"])
        for s in adapt_sys:
            samples = samples_by_system.get(s)
            r = [x for x in rows if x["system"] == s and x["workload"] == "forkwait"]
            if not samples or not r:
                continue
            t0, t1 = r[0]["host_begin"], r[0]["host_end"]
            win = [x for x in samples if t0 - SAMPLE_MS * 1e6 <= x["t_ns"] <= t1 + SAMPLE_MS * 1e6]
            for a, b in zip(win, win[1:]):
                w.writerow([s, "%.1f" % ((b["t_ns"] - t0) / 1e6),
                            b["trace_faults_pt"] + b["trace_faults_code"]
                            - a["trace_faults_pt"] - a["trace_faults_code"],
                            b["vtlb_fills"] - a["vtlb_fills"], b["callouts"] - a["callouts"]])
            written.append(s)
    return written


def plots(out, systems_r, adapt_written):
    if not shutil.which("gnuplot"):
        return "gnuplot not installed: no plots"
    gp = os.path.join(out, "plots.gp")
    cols = len(systems_r)
    with open(gp, "w") as f:
        f.write("set terminal pngcairo size 1100,600 noenhanced\n" if subprocess.run(
            ["gnuplot", "-e", "set terminal pngcairo"], capture_output=True).returncode == 0
            else "set terminal png size 1100,600 noenhanced\n")
        f.write('set output "%s"\n' % os.path.join(out, "ratios.png"))
        f.write('set title "time per operation / reference system (log scale; 1 = as fast)"\n')
        f.write("set style data histograms\nset style histogram clustered gap 1\n")
        f.write("set style fill solid 0.8 border -1\nset logscale y\nset grid y\n")
        f.write('set key outside right\nset xtics rotate by -30\nset datafile missing "-"\n')
        f.write('plot for [i=2:%d] "%s" using i:xtic(1) title columnheader(i)\n'
                % (cols + 1, os.path.join(out, "ratios.dat")))
        if adapt_written:
            f.write('set output "%s"\n' % os.path.join(out, "adaptive.png"))
            f.write("unset logscale y\nset style data lines\nset datafile separator ','\n")
            f.write("set multiplot layout %d,1 title 'forkwait: events per %d ms interval'\n"
                    % (len(adapt_written), SAMPLE_MS))
            for s in adapt_written:
                f.write("set title '%s'\nset xlabel 'ms since forkwait began'\n" % s)
                f.write("plot for [c=3:5] '< grep ^%s, %s' using 2:c title word('x x trace_faults "
                        "hidden_faults callouts', c)\n" % (s, os.path.join(out, "series.csv")))
            f.write("unset multiplot\n")
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    return None if r.returncode == 0 else "gnuplot failed: " + r.stderr.strip()[:200]


# --- main -----------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description="btvmm's Linux benchmark suite")
    ap.add_argument("--mode", choices=("quick", "full"), default="quick")
    ap.add_argument("--runs", type=int, help="runs per system (quick: 1, full: 5)")
    ap.add_argument("--btvmm", default=os.path.join(ROOT, "build", "btvmm"))
    ap.add_argument("--mkcpio", default=os.path.join(ROOT, "build", "tests", "guests", "mkcpio"))
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build", "linux", "vmlinuz-686"))
    ap.add_argument("--busybox", default=os.path.join(ROOT, "build", "linux", "busybox"))
    ap.add_argument("--systems", help="comma-separated subset of the systems")
    ap.add_argument("--workloads", help="comma-separated subset of the workloads")
    ap.add_argument("--out", help="default bench/results/DATE")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per boot")
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    args = ap.parse_args()
    runs = args.runs or (1 if args.mode == "quick" else 5)
    for what, path in (("btvmm", args.btvmm), ("mkcpio", args.mkcpio),
                       ("kernel", args.kernel), ("busybox", args.busybox)):
        if not os.path.exists(path):
            sys.exit("run.py: no %s at %s (build first; scripts/get-debian-kernel.sh "
                     "build/linux fetches the kernel)" % (what, path))
    out = args.out or os.path.join(ROOT, "bench", "results", time.strftime("%Y-%m-%d-%H%M"))
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    col = 0 if args.mode == "quick" else 1
    names = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    for n in names:
        if n not in WORKLOADS:
            sys.exit("run.py: unknown workload %s (known: %s)" % (n, ", ".join(WORKLOADS)))
    counts = {n: WORKLOADS[n][col] for n in names}
    work = os.path.join(out, "build")
    os.makedirs(work, exist_ok=True)
    progs = build_programs(work, args.mode, args.cc)
    args.initrd = build_initrd(work, args.mkcpio, args.busybox, progs)
    items = ",".join("%s:%d" % (n, c) for n, c in counts.items())
    sysinfo, rows, events, samples_by_system = [], [], {}, {}
    for system in systems(args, progs):
        name, kind, _, why = system
        sysinfo.append((name, why))
        if why:
            log("%-24s skipped: %s" % (name, why))
            continue
        for run in range(1, runs + 1):
            logpath = os.path.join(out, "logs", "%s.%d.log" % (name, run))
            statspath = os.path.join(out, "logs", "%s.%d.stats.jsonl" % (name, run))
            t = time.monotonic()
            if kind == "native":
                res, rc = run_native(args, progs, counts, logpath)
            else:
                res, rc, _ = run_guest(args, system, items, logpath, statspath)
            samples = load_samples(statspath) if kind == "btvmm" else []
            if run == 1 and samples:
                samples_by_system[name] = samples
            for wl in counts:
                if wl not in res:
                    continue
                n, guest_ns, t0, t1 = res[wl]
                host_ns = t1 - t0
                check = "ok"
                if wl == "boot":  # host time includes firmware and decompression
                    check = "ok" if guest_ns <= host_ns * 1.1 else "guest>host"
                elif abs(guest_ns - host_ns) > 0.1 * max(host_ns, 1) and host_ns > 50e6:
                    check = "guest %.0f ms, host %.0f ms" % (guest_ns / 1e6, host_ns / 1e6)
                if wl == "boot":
                    guest_ns = host_ns  # what a user waits for
                rows.append(dict(system=name, workload=wl, run=run, count=n, guest_ns=guest_ns,
                                 host_ns=host_ns, check=check, host_begin=t0, host_end=t1))
                if run == 1 and samples:
                    e = events_between(samples, t0, t1)
                    if e:
                        events[name, wl] = (e, n)
            missing = [w for w in counts if w not in res and not (kind == "native" and w == "boot")]
            log("%-24s run %d/%d: %5.1f s%s%s" % (
                name, run, runs, time.monotonic() - t, "" if rc == 0 else ", exit status %d" % rc,
                ", no figure for " + ",".join(missing) if missing else ""))
    ref, systems_r = write_reports(out, rows, sysinfo, counts, events, args.mode)
    adapt = series(out, samples_by_system, rows,
                   [s for s in samples_by_system if s.endswith(("-x64", "-compat", "-no-adapt"))])
    why = plots(out, systems_r or [], adapt)
    log("results: %s (table.md, events.md, results.csv%s)" % (
        out, "; " + why if why else ", ratios.png, adaptive.png"))
    with open(os.path.join(out, "table.md")) as f:
        sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
