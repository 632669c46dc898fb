#!/usr/bin/python3
"""tend benchmark harness. Run through bench/run.sh MODE [OUTDIR].

Every figure is measured for tend and each applicable anchor in the same run,
alternating the order between repetitions; results are medians/min/max of the
samples, plus the ratio tend/anchor. Everything started is tracked by PID and
killed (SIGKILL) at the end of each measurement; the harness is a child
subreaper, so nothing it starts can escape to the host init.
"""

import ctypes
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELP = os.path.join(ROOT, "build", "bench")
BSVC = os.path.join(HELP, "bsvc")

MODES = {
    # reps: repetitions (alternating tool order); n: sizes per figure.
    "smoke": dict(idle_reps=1, idle_window=1.0, launch_n=5, launch_reps=1,
                  sig_blocks=1, sig_k=5, storm_n=200, storm_reps=1,
                  crash_window=3.5, crash_ms=1200, shut_overlap=True, shut_slow_reps=1, shut_plain_reps=1,
                  mem_counts=[1, 10], mem_reps=1, scale_n=20, scale_reps=1,
                  scale_bound=20.0, stop_secs=1, settle=0.5, crowd=0),
    "quick": dict(idle_reps=1, idle_window=10.0, launch_n=100, launch_reps=3,
                  sig_blocks=3, sig_k=50, storm_n=10000, storm_reps=1,
                  crash_window=6.5, crash_ms=1500, shut_overlap=True, shut_slow_reps=1, shut_plain_reps=2,
                  mem_counts=[1, 10, 100], mem_reps=1, scale_n=1000, scale_reps=1,
                  scale_bound=30.0, stop_secs=2, settle=0.3, crowd=0),
    "full": dict(idle_reps=3, idle_window=10.0, launch_n=1000, launch_reps=5,
                 sig_blocks=5, sig_k=200, storm_n=10000, storm_reps=5,
                 crash_window=30.0, crash_ms=1500, shut_overlap=False, shut_slow_reps=3, shut_plain_reps=5,
                 mem_counts=[1, 10, 100], mem_reps=2, scale_n=1000, scale_reps=2,
                 scale_bound=60.0, stop_secs=2, settle=1.0, crowd=2000),
}

TEND_DYN = os.environ.get("TEND_BIN", os.path.join(ROOT, "build", "tend"))
TEND_STATIC = os.environ.get("TEND_STATIC_BIN", os.path.join(ROOT, "build", "tend-static"))

# Exec-mode inits: name -> (binary, argv prefix before CMD).
EXEC_TOOLS = [
    ("tend-static", TEND_STATIC, [TEND_STATIC, "--"]),
    ("tend", TEND_DYN, [TEND_DYN, "--"]),
    ("tini-static", "/usr/bin/tini-static", ["/usr/bin/tini-static", "-s", "--"]),
    ("tini", "/usr/bin/tini", ["/usr/bin/tini", "-s", "--"]),
    ("dumb-init", "/usr/bin/dumb-init", ["/usr/bin/dumb-init", "--"]),
    ("catatonit", "/usr/bin/catatonit", ["/usr/bin/catatonit", "--"]),
]
TEND_NAMES = ("tend-static", "tend")

NOTES = []          # free-text notes collected during the run (go to latest.md)
LOCK = threading.Lock()


def note(msg):
    with LOCK:
        NOTES.append(msg)
    log("note: " + msg)


def log(msg):
    sys.stderr.write("[bench %6.1fs] %s\n" % (time.monotonic() - T_START, msg))
    sys.stderr.flush()


T_START = time.monotonic()

# --------------------------------------------------------------------------
# process plumbing


def set_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def spawn(argv, out=None, err=None, env=None):
    """posix_spawn argv; stdin /dev/null; out/err: path or None (/dev/null)."""
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 1, out or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
          (os.POSIX_SPAWN_OPEN, 2, err or out or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)]
    return os.posix_spawn(argv[0], argv, env if env is not None else os.environ, file_actions=fa)


def proc_table():
    """pid -> (ppid, state, comm) for every process visible in /proc."""
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        rp = s.rfind(")")
        f2 = s[rp + 2:].split()
        t[int(d)] = (int(f2[1]), f2[0], s[s.find("(") + 1:rp])
    return t


def descendants(root, table=None):
    table = table or proc_table()
    kids = {}
    for pid, (ppid, _, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, stack = [], [root]
    while stack:
        p = stack.pop()
        for c in kids.get(p, []):
            out.append(c)
            stack.append(c)
    return out


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def reap_orphans():
    """Reap any exited child of the harness (orphans re-parented to us)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_tree(root):
    """SIGKILL root and all its descendants, by PID, until none is left."""
    for _ in range(20):
        pids = [root] + descendants(root) if os.path.exists("/proc/%d" % root) else []
        live = [p for p in pids if proc_state(p) not in (None, "Z")]
        if not live:
            break
        for p in live:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    try:
        os.waitpid(root, os.WNOHANG)
    except ChildProcessError:
        pass


def kill_all_mine():
    me = os.getpid()
    for _ in range(20):
        live = [p for p in descendants(me) if proc_state(p) not in (None, "Z")]
        if not live:
            break
        for p in live:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    reap_orphans()


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rfind(")") + 2]
    except (OSError, IndexError):
        return None


def wait_exit(pid, timeout):
    """Wait (bounded) for pid, a child of ours, to exit. Returns the
    CLOCK_MONOTONIC ns at which its exit was seen, or None on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return time.monotonic_ns()
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        r = p.poll(timeout * 1000)
        t = time.monotonic_ns()
        if not r:
            return None
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        return t
    finally:
        os.close(fd)


def read_status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        return None
    return out


def kb(v):
    return int(v.split()[0]) if v else 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def run_cmd(argv, timeout):
    """Run to completion (bounded), return (rc, stdout). Killed by PID on timeout."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(p.pid)
        out, err = p.communicate()
        return None, out, err
    return p.returncode, out, err


def wait_for(pred, timeout, step=0.005):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


# --------------------------------------------------------------------------
# results model

class Results:
    def __init__(self):
        self.figures = []

    def figure(self, fid, title, what):
        f = dict(id=fid, title=title, what=what, metrics=[], notes=[])
        self.figures.append(f)
        return f


def metric(fig, key, label, unit, lower_is_better=True, tools=None):
    m = dict(key=key, label=label, unit=unit, lower_is_better=lower_is_better,
             tools={}, missing={})
    for t in tools or []:
        m["tools"][t] = []
    fig["metrics"].append(m)
    return m


def add(m, tool, value):
    m["tools"].setdefault(tool, []).append(value)


def missing(m, tool, why):
    m["missing"][tool] = why


def summarize(res):
    for f in res.figures:
        for m in f["metrics"]:
            st = {}
            for t, vals in m["tools"].items():
                if vals:
                    st[t] = dict(median=statistics.median(vals), min=min(vals), max=max(vals),
                                 n=len(vals))  # raw samples stay in m["tools"]
                elif t not in m["missing"]:
                    m["missing"][t] = "no sample obtained"
            m["stats"] = st
            ratios = {}
            for tn in TEND_NAMES:
                if tn not in st:
                    continue
                for a, s in st.items():
                    if a in TEND_NAMES:
                        continue
                    num, den = st[tn]["median"], s["median"]
                    ratios["%s/%s" % (tn, a)] = (num / den) if den else (None if num else 1.0)
            m["ratios"] = ratios


# --------------------------------------------------------------------------
# helpers availability


def tool_ok(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def exec_tools():
    out = []
    for name, b, argv in EXEC_TOOLS:
        if tool_ok(b):
            out.append((name, argv))
    return out


def rotate(seq, k):
    k %= max(1, len(seq))
    return seq[k:] + seq[:k]


def is_static(path):
    """True if the ELF file has no PT_INTERP program header."""
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return None
        phoff = int.from_bytes(h[32:40], "little")
        phentsize = int.from_bytes(h[54:56], "little")
        phnum = int.from_bytes(h[56:58], "little")
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    for i in range(phnum):
        if int.from_bytes(ph[i * phentsize:i * phentsize + 4], "little") == 3:
            return False
    return True


# --------------------------------------------------------------------------
# Figure 1: binary size


def fig_size(res, P):
    f = res.figure("size", "1. Binary size",
                   "Size on disk of the init binary (KiB, as installed). "
                   "tend-static is compared with the statically linked anchors.")
    m = metric(f, "bytes", "binary size", "KiB")
    cands = [("tend-static", TEND_STATIC), ("tini-static", "/usr/bin/tini-static"),
             ("catatonit", "/usr/bin/catatonit"), ("dumb-init", "/usr/bin/dumb-init"),
             ("tend", TEND_DYN), ("tini", "/usr/bin/tini")]
    link = {}
    for name, path in cands:
        if not tool_ok(path):
            missing(m, name, "%s not found" % path)
            continue
        add(m, name, os.path.getsize(path) / 1024.0)
        link[name] = "static" if is_static(path) else "dynamic"
    m["linkage"] = link
    if link.get("dumb-init") == "dynamic":
        f["notes"].append("Debian ships dumb-init only dynamically linked; its size is the dynamic "
                          "binary's (libc not counted), so it is not a like-for-like anchor for tend-static.")
    for n in ("tend", "tini"):
        if n in link:
            f["notes"].append("%s is the dynamically linked build (libc not counted), shown for reference." % n)


# --------------------------------------------------------------------------
# Figures 2 and 4: PID-1 memory and idle wake-ups (run in the background)


def start_pid1(argv, stdout=None):
    """Start argv as PID 1 of a fresh PID namespace. Returns (unshare_pid, init_pid)."""
    u = spawn(["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] + argv, out=stdout)
    init = wait_for(lambda: (children(u) or [None])[0], 5.0, 0.002)
    return u, init


class IdlePhase(threading.Thread):
    def __init__(self, P, m_rss, m_hwm, m_pss, m_wake, m_invol):
        super().__init__(daemon=True)
        self.P = P
        self.m = (m_rss, m_hwm, m_pss, m_wake, m_invol)

    def run(self):
        try:
            self._run()
        except Exception as e:  # never let the thread die silently
            note("idle phase failed: %r" % (e,))

    def _run(self):
        m_rss, m_hwm, m_pss, m_wake, m_invol = self.m
        tools = exec_tools()
        win = self.P["idle_window"]
        for rep in range(self.P["idle_reps"]):
            started = []
            try:
                for name, argv in rotate(tools, rep):
                    u, init = start_pid1(argv + ["/bin/sleep", "1000000"])
                    started.append((name, u, init))
                # wait until each init has its child (the sleep) and settle
                for name, u, init in started:
                    if init:
                        wait_for(lambda: children(init), 3.0)
                time.sleep(0.5)
                first = {}
                for name, u, init in started:
                    st = read_status(init) if init else None
                    if not st or not children(init):
                        for mm in self.m:
                            missing(mm, name, "init did not start its child")
                        continue
                    first[name] = (time.monotonic(), st, pss_kb(init))
                time.sleep(win)
                for name, u, init in started:
                    if name not in first:
                        continue
                    t0, st0, pss = first[name]
                    st1 = read_status(init)
                    el = time.monotonic() - t0
                    if not st1:
                        continue
                    add(m_rss, name, kb(st0["VmRSS"]))
                    add(m_hwm, name, kb(st1["VmHWM"]))
                    if pss is not None:
                        add(m_pss, name, pss)
                    v = int(st1["voluntary_ctxt_switches"]) - int(st0["voluntary_ctxt_switches"])
                    iv = int(st1["nonvoluntary_ctxt_switches"]) - int(st0["nonvoluntary_ctxt_switches"])
                    add(m_wake, name, v * 10.0 / el)
                    add(m_invol, name, iv * 10.0 / el)
            finally:
                for name, u, init in started:
                    kill_tree(u)
                    wait_exit(u, 5)


def fig_idle_start(res, P):
    f2 = res.figure("pid1_mem", "2. PID-1 memory",
                    "The init runs as PID 1 of a fresh PID namespace (`unshare --pid --fork "
                    "--mount-proc INIT -- sleep 1000000`); VmRSS is read 0.5 s after start, VmHWM "
                    "(peak RSS) and PSS (smaps_rollup) at the end of the idle window.")
    m_rss = metric(f2, "vmrss", "VmRSS of the init", "kB")
    m_hwm = metric(f2, "vmhwm", "VmHWM of the init", "kB")
    m_pss = metric(f2, "pss", "PSS of the init", "kB")
    f4 = res.figure("idle_wakeups", "4. Idle wake-ups",
                    "Voluntary context switches of the init (PID 1 of a fresh PID namespace) during "
                    "a %.0f s window while its only child sleeps, scaled to 10 s. Every tool runs at "
                    "the same time, in the same window." % P["idle_window"])
    m_wake = metric(f4, "wakeups", "voluntary context switches per 10 s", "count")
    m_invol = metric(f4, "invol", "involuntary context switches per 10 s", "count")
    for name, _ in exec_tools():
        for mm in (m_rss, m_hwm, m_pss, m_wake, m_invol):
            mm["tools"].setdefault(name, [])
    th = IdlePhase(P, m_rss, m_hwm, m_pss, m_wake, m_invol)
    th.start()
    return th


# --------------------------------------------------------------------------
# Figure 3: launch overhead


def fig_launch(res, P):
    n = P["launch_n"]
    f = res.figure("launch", "3. Launch overhead",
                   "%d sequential launches of `INIT -- /bin/true` against %d of `/bin/true` alone, "
                   "by a C helper (fork, exec, waitpid; the init is not PID 1, so tend and tini run "
                   "as child subreapers: tini with -s). Overhead = (INIT run - bare run of the same "
                   "repetition) / N. %d repetitions, tool order rotated each time." % (n, n, P["launch_reps"]))
    m_over = metric(f, "overhead", "overhead per launch", "us")
    m_per = metric(f, "per_launch", "wall time per launch (incl. /bin/true)", "us")
    tools = exec_tools() + [("/bin/true alone", [])]
    for rep in range(P["launch_reps"]):
        base = None
        got = {}
        for name, argv in rotate(tools, rep):
            rc, out, err = run_cmd([os.path.join(HELP, "launch"), str(n)] + argv + ["/bin/true"], 120)
            if rc != 0 or not out:
                missing(m_per, name, "launch helper failed: %s" % (err or "").strip()[:200])
                continue
            ns, bad = (int(x) for x in out.split())
            if bad:
                note("launch: %s: %d of %d runs did not exit 0" % (name, bad, n))
            got[name] = ns / n / 1000.0
        base = got.get("/bin/true alone")
        for name, v in got.items():
            add(m_per, name, v)
            if base is not None and name != "/bin/true alone":
                add(m_over, name, v - base)


# --------------------------------------------------------------------------
# Figure 5: signal forwarding latency


def fig_signal(res, P, work):
    f = res.figure("signal", "5. Signal forwarding latency",
                   "Time from `kill(init, SIGUSR1)` to the child's SIGUSR1 handler, which writes its "
                   "CLOCK_MONOTONIC time to a FIFO. %d blocks of %d samples per tool (1 ms apart), "
                   "tool order rotated per block; the init is not PID 1." % (P["sig_blocks"], P["sig_k"]))
    m = metric(f, "latency", "signal forwarding latency", "us")
    m99 = metric(f, "p90", "90th percentile of each block", "us")
    tools = exec_tools()
    fifo = os.path.join(work, "siglat.fifo")
    sl = os.path.join(HELP, "siglat")
    for b in range(P["sig_blocks"]):
        for name, argv in rotate(tools, b):
            rc, out, err = run_cmd([sl, "run", str(P["sig_k"]), "1000", fifo] + argv + [sl, "child", fifo], 60)
            vals = [int(x) / 1000.0 for x in out.split()] if out else []
            if rc != 0:
                note("signal: %s: %s" % (name, (err or "timeout").strip()[:200]))
            for v in vals:
                add(m, name, v)
            if vals:
                vals.sort()
                add(m99, name, vals[int(0.9 * (len(vals) - 1))])
    for mm in (m,):
        for name, _ in tools:
            mm["tools"].setdefault(name, [])


# --------------------------------------------------------------------------
# Figure 6: orphan storm


def fig_storm(res, P, work):
    n = P["storm_n"]
    f = res.figure("orphans", "6. Orphan storm",
                   "The init is PID 1 of a fresh PID namespace; its child creates %d orphans as fast "
                   "as it can (each orphan exits at once, so the init must reap it) while scanning "
                   "/proc for zombies. Total = first orphan created until a scan sees zero zombies; "
                   "drain = from the last orphan created until zero zombies; peak = most zombies seen "
                   "in one scan. %d repetition(s), order rotated." % (n, P["storm_reps"]))
    m_tot = metric(f, "total", "time until zero zombies", "ms")
    m_dr = metric(f, "drain", "drain after the last orphan", "ms")
    m_pk = metric(f, "peak", "peak zombies seen", "count")
    tools = exec_tools()
    for rep in range(P["storm_reps"]):
        for name, argv in rotate(tools, rep):
            out = os.path.join(work, "storm.out")
            if os.path.exists(out):
                os.unlink(out)
            u, init = start_pid1(argv + [os.path.join(HELP, "storm"), str(n)], stdout=out)
            if wait_exit(u, 40) is None:
                note("orphans: %s did not finish within 40 s" % name)
            kill_tree(u)
            wait_exit(u, 5)
            try:
                with open(out) as fh:
                    vals = fh.read().split()
                os.unlink(out)
            except OSError:
                vals = []
            if len(vals) != 5:
                missing(m_tot, name, "storm helper produced no result")
                continue
            tot, cre, dr, peak, final = (int(x) for x in vals)
            if final != 0:
                note("orphans: %s: %d zombies still present after 30 s" % (name, final))
                missing(m_tot, name, "zombies remained after 30 s")
                continue
            add(m_tot, name, tot / 1e6)
            add(m_dr, name, dr / 1e6)
            add(m_pk, name, peak)


# --------------------------------------------------------------------------
# Supervisors (figures 7-10)


def read_log(path):
    ev = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 3:
                    ev.append((p[0], int(p[1]), int(p[2])))
    except OSError:
        pass
    return ev


def count_starts(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"S ")
    except OSError:
        return 0


class Sup:
    """One supervision tree (tend, supervisord or s6) on a set of services.
    services: list of (name, [argv...]) with argv starting with BSVC."""
    kind = None

    def __init__(self, name, work, services, startsecs=0, stopwait=10, group=False):
        self.name = name
        self.group = group
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.services = services
        self.startsecs = startsecs
        self.stopwait = stopwait
        self.pid = None
        self.out = os.path.join(self.dir, "supervisor.out")

    def ini(self):
        lines = ["[supervisord]", "nodaemon=true", "logfile=/dev/null", "logfile_maxbytes=0",
                 "pidfile=%s/supervisord.pid" % self.dir, "minfds=8192", "minprocs=4096",
                 "loglevel=warn", "user=root", ""]
        for name, argv in self.services:
            lines += ["[program:%s]" % name, "command=%s" % " ".join(argv),
                      "autostart=true", "autorestart=true", "startsecs=%d" % self.startsecs,
                      "startretries=1000", "stopwaitsecs=%d" % self.stopwait,
                      "stopsignal=TERM", "stdout_logfile=NONE", "stderr_logfile=NONE", ""]
        if self.group:
            # one group: supervisord stops the programs of a group in parallel,
            # but stops groups one after the other
            lines += ["[group:all]", "programs=" + ",".join(n for n, _ in self.services), ""]
        path = os.path.join(self.dir, "services.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines))
        return path

    def start(self):
        raise NotImplementedError

    def stop_signal(self):
        os.kill(self.pid, signal.SIGTERM)

    def tree(self, service_pids):
        """PIDs of the supervision tree: the supervisor and its descendants,
        minus the services and anything below them."""
        tab = proc_table()
        svc = set(service_pids)
        kids = {}
        for pid, (ppid, _, _) in tab.items():
            kids.setdefault(ppid, []).append(pid)
        out, stack = [self.pid], [self.pid]
        while stack:
            p = stack.pop()
            for c in kids.get(p, []):
                if c in svc or tab[c][1] == "Z":
                    continue
                out.append(c)
                stack.append(c)
        return out

    def kill(self):
        if self.pid:
            kill_tree(self.pid)
            wait_exit(self.pid, 5)


class TendSup(Sup):
    def __init__(self, name, binary, *a, **k):
        super().__init__(name, *a, **k)
        self.binary = binary

    def start(self):
        self.pid = spawn([self.binary, "-c", self.ini()], out=self.out)


class SupervisordSup(Sup):
    def start(self):
        self.pid = spawn(["/usr/bin/supervisord", "-n", "-c", self.ini()], out=self.out)


class S6Sup(Sup):
    def start(self):
        scan = os.path.join(self.dir, "scan")
        os.makedirs(scan, exist_ok=True)
        for name, argv in self.services:
            d = os.path.join(scan, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "run"), "w") as f:
                if os.path.exists("/usr/bin/execlineb"):
                    f.write("#!/usr/bin/execlineb -P\n%s\n" % " ".join(argv))
                else:
                    f.write("#!/bin/sh\nexec %s\n" % " ".join(argv))
            os.chmod(os.path.join(d, "run"), 0o755)
        # -c: s6-svscan 2.11 supervises at most 500 service directories by default
        self.pid = spawn(["/usr/bin/s6-svscan", "-c", str(max(500, 2 * len(self.services))), scan],
                         out=self.out)


def tend_supervision_probe(work):
    """Does `tend -c` supervise? Returns None if yes, else the reason."""
    if not tool_ok(TEND_DYN):
        return "%s not built" % TEND_DYN
    d = os.path.join(work, "probe")
    os.makedirs(d, exist_ok=True)
    lg = os.path.join(d, "log")
    s = TendSup("probe", TEND_DYN, work, [("p", [BSVC, lg, "sleep"])])
    s.start()
    try:
        ok = wait_for(lambda: count_starts(lg) >= 1, 3.0)
        if ok:
            return None
        alive = proc_state(s.pid) not in (None, "Z")
        try:
            with open(s.out) as f:
                tail = f.read()[-300:].strip().replace("\n", " | ")
        except OSError:
            tail = ""
        return "`tend -c` did not start a service within 3 s (%s; stderr: %s)" % (
            "still running" if alive else "exited", tail or "empty")
    finally:
        s.kill()


def sup_kinds(tend_ok, include_dyn=False):
    k = []
    if tend_ok is None:
        if tool_ok(TEND_STATIC):
            k.append(("tend-static", lambda n, w, sv, **kw: TendSup(n, TEND_STATIC, w, sv, **kw)))
        if include_dyn or not tool_ok(TEND_STATIC):
            k.append(("tend", lambda n, w, sv, **kw: TendSup(n, TEND_DYN, w, sv, **kw)))
    if tool_ok("/usr/bin/supervisord"):
        k.append(("supervisord", lambda n, w, sv, **kw: SupervisordSup(n, w, sv, **kw)))
    if tool_ok("/usr/bin/s6-svscan"):
        k.append(("s6", lambda n, w, sv, **kw: S6Sup(n, w, sv, **kw)))
    return k


def mark_tend_missing(metrics, why, names=("tend-static", "tend")):
    for m in metrics:
        for n in names:
            missing(m, n, why)


# Figure 7: crash -> restart


def fig_crash(res, P, work, tend_ok, during=None):
    f = res.figure("restart", "7. Crash -> restart latency",
                   "A supervised service (startsecs=1) runs %d ms, logs its CLOCK_MONOTONIC exit "
                   "time and exits 1; the next instance logs its start time. Latency = start of the "
                   "next instance - exit of the previous one. All supervisors run at the same time, "
                   "for %.1f s. s6's run script is an execlineb script exec'ing the service."
                   % (P["crash_ms"], P["crash_window"]))
    m = metric(f, "latency", "crash -> restart latency", "ms")
    kinds = sup_kinds(tend_ok)
    if tend_ok is not None:
        mark_tend_missing([m], tend_ok)
    sups = []
    try:
        for i, (name, mk) in enumerate(kinds):
            d = os.path.join(work, "crash-" + name)
            os.makedirs(d, exist_ok=True)
            lg = os.path.join(d, "events")
            s = mk("crash-" + name, work, [("crashy", [BSVC, lg, "crash", str(P["crash_ms"])])],
                   startsecs=1)
            s.log = lg
            s.tool = name
            s.start()
            sups.append(s)
            time.sleep(0.15)  # stagger the crash instants
        t_start = time.monotonic()
        if during:
            during()
        time.sleep(max(0.0, P["crash_window"] - (time.monotonic() - t_start)))
    finally:
        for s in sups:
            s.kill()
    for s in sups:
        ev = read_log(s.log)
        last_x = None
        for kind, pid, t in ev:
            if kind == "X":
                last_x = t
            elif kind == "S" and last_x is not None:
                add(m, s.tool, (t - last_x) / 1e6)
                last_x = None
        if not m["tools"].get(s.tool):
            missing(m, s.tool, "no restart observed in %.1f s" % P["crash_window"])


# Figure 8: shutdown


def start_and_wait(s, logpath, n, bound):
    s.start()
    ok = wait_for(lambda: count_starts(logpath) >= n, bound, 0.005)
    return ok


def service_pids(logpath):
    return [pid for kind, pid, _ in read_log(logpath) if kind == "S"]


def live(pids):
    return [p for p in pids if proc_state(p) not in (None, "Z")]


def fig_shutdown(res, P, work, tend_ok):
    """Returns (run_slow_rep, run_plain): the slow scenario's repetition
    returns a join() callable so that, in quick mode, the long tail of a slow
    supervisor can overlap later, untimed-sensitive figures."""
    f = res.figure("shutdown", "8. Shutdown",
                   "SIGTERM to the supervisor until the supervisor exits. The 10 programs are listed "
                   "in one `[group:all]` (supervisord stops the programs of a group in parallel, but "
                   "one group after the other; `supervisord-ungrouped` shows the same 10 "
                   "`[program:]` sections without the group). Scenario slow: 10 services "
                   "that each take %d s to stop after SIGTERM (stopwaitsecs=10); all supervisors get "
                   "SIGTERM at the same instant, side by side. Scenario plain: 10 services that "
                   "behave like `sleep` (default SIGTERM action); the supervisors are started together "
                   "but stopped one at a time, order rotated. s6: SIGTERM to s6-svscan (its own shutdown path: it brings every "
                   "service down, waits for them and exits). A supervisor that exits while a service "
                   "still runs is flagged in the notes." % P["stop_secs"])
    m_slow = metric(f, "slow", "10 services needing %d s to stop" % P["stop_secs"], "ms")
    m_plain = metric(f, "plain", "10 sleep-like services", "ms")
    m_crowd = None
    if P["crowd"]:
        m_crowd = metric(f, "plain_crowded", "10 sleep-like services, %d extra idle processes on the "
                         "host (full mode only)" % P["crowd"], "ms")
    if tend_ok is not None:
        mark_tend_missing([m for m in (m_slow, m_plain, m_crowd) if m], tend_ok)
    kinds = sup_kinds(tend_ok)

    def make(name, mk, tag, mode):
        lg = os.path.join(work, "shut-%s-%s.log" % (tag, name))
        if os.path.exists(lg):
            os.unlink(lg)
        argv = [BSVC, lg] + (["slow", str(P["stop_secs"])] if mode == "slow" else ["sleep"])
        s = mk("shut-%s-%s" % (tag, name), work, [("svc%d" % i, argv) for i in range(10)],
               startsecs=0, stopwait=10, group=(name != "supervisord-ungrouped"))
        s.log, s.tool = lg, name
        return s

    def measure(group, m, bound, one_at_a_time=False):
        """Start the group (all at once), SIGTERM each member -- at the same
        instant, or one after the other when one_at_a_time -- return join()."""
        ready = []
        for s in group:
            s.start()
        for s in group:
            if wait_for(lambda: count_starts(s.log) >= 10, 15.0):
                ready.append(s)
            else:
                missing(m, s.tool, "services did not all start within 15 s")
        time.sleep(P["settle"])
        res_t = {}
        threads = []

        def waiter(s, t0):
            t1 = wait_exit(s.pid, bound)
            res_t[s.tool] = (t0, t1, live(service_pids(s.log)))

        for s in ready:
            t0 = time.monotonic_ns()
            s.stop_signal()
            if one_at_a_time:
                waiter(s, t0)
                continue
            th = threading.Thread(target=waiter, args=(s, t0), daemon=True)
            th.start()
            threads.append(th)

        def join():
            try:
                for th in threads:
                    th.join(bound + 5)
                for tool, (t0, t1, left) in res_t.items():
                    if t1 is None:
                        note("shutdown: %s did not exit within %d s of SIGTERM" % (tool, bound))
                        missing(m, tool, "did not exit within %d s of SIGTERM" % bound)
                        continue
                    add(m, tool, (t1 - t0) / 1e6)
                    if left:
                        note("shutdown (%s): %s exited while %d service(s) still ran" % (
                            m["key"], tool, len(left)))
            finally:
                for s in group:
                    s.kill()
                    kill_list(service_pids(s.log))

        def fast_done():
            return all(t.tool in res_t for t in ready if t.tool != "supervisord-ungrouped")

        join.fast_done = fast_done
        return join

    slow_kinds = list(kinds)
    if tool_ok("/usr/bin/supervisord"):
        slow_kinds.append(("supervisord-ungrouped", lambda n, w, sv, **kw: SupervisordSup(n, w, sv, **kw)))

    def run_slow_rep(rep):
        group = [make(n, mk, "slow%d" % rep, "slow") for n, mk in rotate(slow_kinds, rep)]
        j = measure(group, m_slow, 40)
        # let every supervisor but the slowest finish before anything else runs
        wait_for(j.fast_done, P["stop_secs"] + 10, 0.01)
        return j

    def run_plain():
        for rep in range(P["shut_plain_reps"]):
            group = [make(n, mk, "plain%d" % rep, "plain") for n, mk in rotate(kinds, rep)]
            measure(group, m_plain, 40, one_at_a_time=True)()
            reap_orphans()
        if not m_crowd:
            return
        # The same, on a host with many more processes: a supervisor that scans
        # all of /proc on the way pays for every process of the machine.
        crowd = []
        try:
            for _ in range(P["crowd"]):
                crowd.append(spawn(["/bin/sleep", "600"]))
            for rep in range(P["shut_plain_reps"]):
                group = [make(n, mk, "crowd%d" % rep, "plain") for n, mk in rotate(kinds, rep)]
                measure(group, m_crowd, 40, one_at_a_time=True)()
        finally:
            kill_list(crowd)
            for p in crowd:
                try:
                    os.waitpid(p, 0)
                except ChildProcessError:
                    pass
            reap_orphans()

    return run_slow_rep, run_plain


def kill_list(pids):
    for p in live(pids):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


# Figure 9: supervisor memory / Figure 10: scale


def tree_mem(s, logpath):
    pids = s.tree(service_pids(logpath))
    rss = pss = 0
    for p in pids:
        st = read_status(p)
        if st:
            rss += kb(st.get("VmRSS"))
        ps = pss_kb(p)
        if ps:
            pss += ps
    return rss, pss, len(pids)


def fig_supmem(res, P, work, tend_ok):
    f = res.figure("sup_mem", "9. Supervisor memory",
                   "Total VmRSS and total PSS (/proc/PID/smaps_rollup) of the supervision tree "
                   "(tend + keepers; supervisord alone; s6-svscan + one s6-supervise per service), "
                   "not counting the services, with %s sleep-like services, %.1f s after the "
                   "last service started. The supervisors run at the same time (so PSS shares of "
                   "common libraries are split between all of them). RSS counts every page a process "
                   "maps, shared or not, once per process; PSS divides shared pages between their "
                   "users, so it is the better measure of what a tree really costs."
                   % (", ".join(map(str, P["mem_counts"])), P["settle"]))
    ms = {}
    for c in P["mem_counts"]:
        ms[c] = (metric(f, "rss_%d" % c, "tree RSS, %d service(s)" % c, "kB"),
                 metric(f, "pss_%d" % c, "tree PSS, %d service(s)" % c, "kB"),
                 metric(f, "procs_%d" % c, "processes in the tree, %d service(s)" % c, "count"))
    if tend_ok is not None:
        for c in ms:
            mark_tend_missing(ms[c], tend_ok)
    kinds = sup_kinds(tend_ok, include_dyn=True)
    for rep in range(P["mem_reps"]):
        for c in P["mem_counts"]:
            group = []
            try:
                for name, mk in rotate(kinds, rep):
                    lg = os.path.join(work, "mem-%d-%d-%s.log" % (rep, c, name))
                    s = mk("mem-%d-%d-%s" % (rep, c, name), work,
                           [("svc%d" % i, [BSVC, lg, "sleep"]) for i in range(c)], startsecs=0)
                    s.log, s.tool = lg, name
                    s.start()
                    group.append(s)
                for s in group:
                    if not wait_for(lambda: count_starts(s.log) >= c, 20.0, 0.01):
                        missing(ms[c][0], s.tool, "services did not all start within 20 s")
                        s.failed = True
                time.sleep(P["settle"])
                for s in group:
                    if getattr(s, "failed", False):
                        continue
                    rss, pss, n = tree_mem(s, s.log)
                    add(ms[c][0], s.tool, rss)
                    add(ms[c][1], s.tool, pss)
                    add(ms[c][2], s.tool, n)
            finally:
                for s in group:
                    s.kill()
                    kill_list(service_pids(s.log))
                reap_orphans()


def fig_scale(res, P, work, tend_ok):
    n = P["scale_n"]
    f = res.figure("scale", "10. Scale",
                   "%d sleep-like services (startsecs=0): time from starting the supervisor until "
                   "every service has logged its start, then total RSS and PSS of the supervision tree "
                   "(%.1f s later). One supervisor at a time, bounded at %.0f s."
                   % (n, P["settle"], P["scale_bound"]))
    m_t = metric(f, "time", "time until all %d services run" % n, "ms")
    m_r = metric(f, "rss", "tree RSS with %d services" % n, "kB")
    m_p = metric(f, "pss", "tree PSS with %d services" % n, "kB")
    if tend_ok is not None:
        mark_tend_missing([m_t, m_r, m_p], tend_ok)
    kinds = sup_kinds(tend_ok)
    for rep in range(P["scale_reps"]):
        for name, mk in rotate(kinds, rep):
            lg = os.path.join(work, "scale-%d-%s.log" % (rep, name))
            s = mk("scale-%d-%s" % (rep, name), work,
                   [("svc%d" % i, [BSVC, lg, "sleep"]) for i in range(n)], startsecs=0)
            try:
                t0 = time.monotonic_ns()
                s.start()
                ok = wait_for(lambda: count_starts(lg) >= n, P["scale_bound"], 0.005)
                t1 = time.monotonic_ns()
                if not ok:
                    missing(m_t, name, "only %d of %d services started within %.0f s" % (
                        count_starts(lg), n, P["scale_bound"]))
                    note("scale: %s started %d of %d services within %.0f s" % (
                        name, count_starts(lg), n, P["scale_bound"]))
                    continue
                # the last start time as the service itself logged it
                last = max(t for k, _, t in read_log(lg) if k == "S")
                add(m_t, name, (min(last, t1) - t0) / 1e6)
                log("scale: %s: %d services running after %.0f ms" % (name, n, (min(last, t1) - t0) / 1e6))
                time.sleep(P["settle"])
                rss, pss, cnt = tree_mem(s, lg)
                add(m_r, name, rss)
                add(m_p, name, pss)
            finally:
                s.kill()
                kill_list(service_pids(lg))
                reap_orphans()
                log("scale: %s: measured and cleaned up" % name)


# --------------------------------------------------------------------------
# output


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576)
    except OSError:
        pass
    try:
        deb = open("/etc/debian_version").read().strip()
    except OSError:
        deb = "?"
    pkgs = ("tini", "dumb-init", "catatonit", "supervisor", "s6", "execline", "musl-tools")
    vers = dict.fromkeys(pkgs, "not installed")
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"] + list(pkgs),
                             capture_output=True, text=True, timeout=20).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 2:
                vers[p[0]] = p[1]
    except Exception:
        pass
    return dict(cores=os.cpu_count(), cpu=cpu, kernel=platform.release(),
                libc=os.confstr("CS_GNU_LIBC_VERSION"), memory=mem, debian=deb,
                loadavg_start=LOAD0, loadavg_end=" ".join(open("/proc/loadavg").read().split()[:3]),
                host_processes_start=NPROC0,
                anchors=vers)


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v == 0:
            return "0"
        if v.is_integer() and abs(v) >= 10:
            return "%d" % v
        a = abs(v)
        if a >= 1000:
            return "%.0f" % v
        if a >= 100:
            return "%.1f" % v
        if a >= 10:
            return "%.2f" % v
        return "%.3g" % v
    return str(v)


HEADLINE = [
    # (figure id, metric key, tend tool, anchor, label)
    ("size", "bytes", "tend-static", "tini-static", "size vs tini-static"),
    ("size", "bytes", "tend-static", "catatonit", "size vs catatonit"),
    ("pid1_mem", "vmrss", "tend-static", "tini-static", "PID-1 RSS vs tini-static"),
    ("launch", "overhead", "tend-static", "tini-static", "launch overhead vs tini-static"),
    ("idle_wakeups", "wakeups", "tend-static", "tini-static", "idle wake-ups vs tini-static"),
    ("signal", "latency", "tend-static", "tini-static", "signal latency vs tini-static"),
    ("signal", "latency", "tend-static", "dumb-init", "signal latency vs dumb-init"),
    ("orphans", "total", "tend-static", "tini-static", "orphan storm vs tini-static"),
    ("restart", "latency", "tend-static", "supervisord", "restart vs supervisord"),
    ("restart", "latency", "tend-static", "s6", "restart vs s6"),
    ("shutdown", "slow", "tend-static", "supervisord", "shutdown (2 s svcs) vs supervisord"),
    ("shutdown", "slow", "tend-static", "s6", "shutdown (2 s svcs) vs s6"),
    ("shutdown", "plain", "tend-static", "s6", "shutdown (sleep svcs) vs s6"),
    ("shutdown", "plain_crowded", "tend-static", "s6", "same, crowded host, vs s6"),
    ("sup_mem", "rss_10", "tend-static", "supervisord", "tree RSS (10) vs supervisord"),
    ("sup_mem", "rss_10", "tend-static", "s6", "tree RSS (10) vs s6"),
    ("scale", "time", "tend-static", "supervisord", "1000 svcs start vs supervisord"),
    ("scale", "rss", "tend-static", "supervisord", "1000 svcs RSS vs supervisord"),
    ("scale", "pss", "tend-static", "supervisord", "1000 svcs PSS vs supervisord"),
]

TARGETS = [
    # (label, figure, metric, tool, op, limit, unit)
    ("static binary <= 128 KiB", "size", "bytes", "tend-static", "<=", 128.0, "KiB"),
    ("PID-1 RSS <= 100 kB", "pid1_mem", "vmrss", "tend-static", "<=", 100.0, "kB"),
    ("zero idle wake-ups", "idle_wakeups", "wakeups", "tend-static", "<=", 0.0, "per 10 s"),
    ("launch overhead <= 0.5x tini's", "launch", "overhead", "tend-static", "ratio<=", 0.5, "x tini-static"),
    ("crash -> restart <= 5 ms median", "restart", "latency", "tend-static", "<=", 5.0, "ms"),
    ("shutdown of the 2 s services <= 2.2 s", "shutdown", "slow", "tend-static", "<=", 2200.0, "ms"),
    ("tree for 10 services <= 1.5 MB RSS (static)", "sup_mem", "rss_10", "tend-static", "<=", 1500.0, "kB"),
]


def find_metric(res, fid, key):
    for f in res.figures:
        if f["id"] == fid:
            for m in f["metrics"]:
                if m["key"] == key:
                    return m
    return None


def headline(res):
    out = []
    for fid, key, t, a, label in HEADLINE:
        m = find_metric(res, fid, key)
        if not m:
            continue
        if t not in m["stats"] and t == "tend-static" and "tend" in m["stats"]:
            t = "tend"
        r = m["ratios"].get("%s/%s" % (t, a))
        if t in m["stats"] and a in m["stats"]:
            out.append(dict(label=label, figure=fid, metric=key, tend=t, anchor=a, ratio=r,
                            tend_median=m["stats"][t]["median"], anchor_median=m["stats"][a]["median"]))
    return out


def targets(res):
    out = []
    for label, fid, key, tool, op, lim, unit in TARGETS:
        m = find_metric(res, fid, key)
        val, ok = None, None
        if m and tool in m["stats"]:
            if op == "ratio<=":
                val = m["ratios"].get("%s/tini-static" % tool)
                ok = val is not None and val <= lim
            else:
                val = m["stats"][tool]["median"]
                ok = val <= lim
        out.append(dict(target=label, value=val, unit=unit, met=ok,
                        why=None if val is not None else (m["missing"].get(tool, "not measured") if m else "not measured")))
    return out


def write_md(res, path, mach, mode, elapsed, chart_name, heads, tg):
    L = []
    L.append("# tend benchmark results (`bench/run.sh %s`)" % mode)
    L.append("")
    L.append("Generated %s by `bench/run.sh %s` in %.0f s; every cell below comes from this run." % (
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), mode, elapsed))
    L.append("")
    L.append("**Machine:** %d cores (%s), kernel %s, %s, Debian %s, %s RAM; load average %s at start, "
             "%s at end; %d processes on the host at start." % (
                 mach["cores"], mach["cpu"], mach["kernel"], mach["libc"], mach["debian"], mach["memory"],
                 mach["loadavg_start"], mach["loadavg_end"], mach["host_processes_start"]))
    L.append("")
    L.append("**Anchors (Debian packages):** " + ", ".join("%s %s" % kv for kv in mach["anchors"].items()))
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("| target | tend | met? |")
    L.append("|---|---|---|")
    for t in tg:
        v = "%s %s" % (fmt(t["value"]), t["unit"]) if t["value"] is not None else "not measured (%s)" % t["why"]
        L.append("| %s | %s | %s |" % (t["target"], v, {True: "met", False: "**missed**", None: "n/a"}[t["met"]]))
    L.append("")
    L.append("## Headline ratios (tend / anchor, median; < 1 means tend is smaller or faster)")
    L.append("")
    if chart_name:
        L.append("![headline ratios](%s)" % chart_name)
        L.append("")
    L.append("| comparison | tend | anchor | ratio |")
    L.append("|---|---|---|---|")
    for h in heads:
        L.append("| %s | %s (%s) | %s (%s) | %s |" % (h["label"], fmt(h["tend_median"]), h["tend"],
                                                   fmt(h["anchor_median"]), h["anchor"], fmt(h["ratio"])))
    L.append("")
    for f in res.figures:
        L.append("## %s" % f["title"])
        L.append("")
        L.append(f["what"])
        L.append("")
        for m in f["metrics"]:
            st = m["stats"]
            tends = [t for t in TEND_NAMES if t in st]
            L.append("**%s** (%s)%s" % (m["label"], m["unit"], "" if m["lower_is_better"] else ", higher is better"))
            L.append("")
            hdr = "| tool | median | min | max | n |" + "".join(" %s / tool |" % t for t in tends)
            L.append(hdr)
            L.append("|---" * (5 + len(tends)) + "|")
            names = list(st.keys()) + [t for t in m["missing"] if t not in st]
            for t in names:
                if t in st:
                    s = st[t]
                    extra = ""
                    if "linkage" in m and t in m["linkage"]:
                        extra = " (%s)" % m["linkage"][t]
                    row = "| %s%s | %s | %s | %s | %d |" % (t, extra, fmt(s["median"]), fmt(s["min"]), fmt(s["max"]), s["n"])
                    for tn in tends:
                        r = m["ratios"].get("%s/%s" % (tn, t))
                        row += " %s |" % (fmt(r) if t not in TEND_NAMES else "")
                else:
                    row = "| %s | not measured: %s | | | |" % (t, m["missing"][t]) + " |" * len(tends)
                L.append(row)
            L.append("")
        for n in f["notes"]:
            L.append("- " + n)
        if f["notes"]:
            L.append("")
    if NOTES:
        L.append("## Notes from this run")
        L.append("")
        for n in NOTES:
            L.append("- " + n)
        L.append("")
    with open(path, "w") as fh:
        fh.write("\n".join(L))
    return "\n".join(L)


def chart(heads, outdir, name):
    """Bar chart of the headline ratios (log scale) with gnuplot (or matplotlib)."""
    rows = [h for h in heads if h["ratio"] is not None or h["tend_median"] == 0]
    if not rows:
        return None
    dat = os.path.join(outdir, name + ".dat")
    with open(dat, "w") as f:
        for i, h in enumerate(rows):
            r = h["ratio"]
            shown = min(max(r if r is not None else 0.0, 0.001), 1000.0)
            lab = "0" if (r == 0 or (r is None and h["tend_median"] == 0)) else (
                "%.2g" % r if r < 1 else ("%.2f" % r if r < 10 else "%.0f" % r))
            colour = 0xC0504D if (r is not None and r > 1.05) else 0x3A78B5  # red: tend behind
            f.write('%d "%s" %g "%s" %d\n' % (i, h["label"].replace('"', "'"), shown, lab, colour))
    png = os.path.join(outdir, name + ".png")
    gp = shutil.which("gnuplot")
    if gp:
        script = """
set terminal pngcairo size 1100,620 font ",10" noenhanced
set output '%s'
set title "tend / anchor, medians (below 1: tend smaller or faster; red: tend behind by > 5 %%; log scale, clipped to [0.001, 1000])"
set logscale y
set yrange [0.001:1000]
set grid ytics
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by 35 right
set bmargin 10
unset key
plot '%s' using 1:3:5:xtic(2) with boxes lc rgb variable, \\
     '' using 1:3:4 with labels offset 0,0.8, \\
     1 with lines lc rgb '#c03030' lw 2
""" % (png, dat)
        r = subprocess.run([gp], input=script, text=True, capture_output=True, timeout=60)
        if r.returncode == 0 and os.path.exists(png):
            return png
        note("gnuplot failed: %s" % r.stderr.strip()[:300])
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(11, 6.2))
        vals = [min(max(h["ratio"] or 0.0, 0.001), 1000.0) for h in rows]
        ax.bar(range(len(rows)), vals)
        ax.set_yscale("log")
        ax.axhline(1, color="red")
        ax.set_xticks(range(len(rows)), [h["label"] for h in rows], rotation=35, ha="right")
        fig.tight_layout()
        fig.savefig(png)
        return png
    except Exception as e:
        note("no chart: neither gnuplot nor matplotlib worked (%r)" % (e,))
        return None


def splice_docs(md_text, chart_rel):
    doc = os.path.join(ROOT, "docs", "benchmarks.md")
    if not os.path.exists(doc):
        return
    with open(doc) as f:
        s = f.read()
    b, e = "<!-- BEGIN RESULTS (generated by bench/run.sh full) -->", "<!-- END RESULTS -->"
    if b not in s or e not in s:
        return
    body = md_text.split("\n", 1)[1]  # drop the H1
    body = body.replace("![headline ratios](full.png)", "![headline ratios](%s)" % chart_rel)
    body = body.replace("\n## ", "\n### ")
    s = s[:s.index(b) + len(b)] + "\n" + body.strip() + "\n" + s[s.index(e):]
    with open(doc, "w") as f:
        f.write(s)


# --------------------------------------------------------------------------


LOAD0 = " ".join(open("/proc/loadavg").read().split()[:3])
NPROC0 = sum(1 for d in os.listdir("/proc") if d.isdigit())


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "quick"
    if mode not in MODES:
        sys.exit("usage: bench.py full|quick|smoke [OUTDIR]")
    P = MODES[mode]
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "bench", "results")
    os.makedirs(outdir, exist_ok=True)
    set_subreaper()
    work = tempfile.mkdtemp(prefix="tend-bench.")

    def on_term(sig, frame):
        kill_all_mine()
        shutil.rmtree(work, ignore_errors=True)
        os._exit(124)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    res = Results()
    t0 = time.monotonic()
    for name, b, _ in EXEC_TOOLS:
        if not tool_ok(b):
            note("%s (%s) is not available: its cells are empty" % (name, b))
    try:
        log("mode %s, output %s" % (mode, outdir))
        fig_size(res, P)
        idle = fig_idle_start(res, P)
        time.sleep(0.2)
        log("launch overhead"); fig_launch(res, P)
        log("signal latency"); fig_signal(res, P, work)
        log("orphan storm"); fig_storm(res, P, work)
        tend_ok = tend_supervision_probe(work)
        if tend_ok:
            note("tend supervision mode not measured: " + tend_ok)
        run_slow, run_plain = fig_shutdown(res, P, work, tend_ok)
        pending = []

        def slow_shutdowns():
            for rep in range(P["shut_slow_reps"]):
                log("shutdown (slow services), repetition %d" % (rep + 1))
                while pending:
                    pending.pop()()
                pending.append(run_slow(rep))
            if not P["shut_overlap"]:
                while pending:
                    pending.pop()()

        if P["shut_overlap"]:
            # quick/smoke: both figures mostly wait, so the slow shutdown runs
            # inside the crash -> restart window; the tail of the slowest
            # supervisor (supervisord-ungrouped stops its services one at a
            # time) finishes while the next figures run.
            log("crash -> restart, with the slow shutdown inside its window")
            fig_crash(res, P, work, tend_ok, during=slow_shutdowns)
        else:
            slow_shutdowns()
            log("crash -> restart"); fig_crash(res, P, work, tend_ok)
        log("supervisor memory"); fig_supmem(res, P, work, tend_ok)
        log("shutdown (plain services)"); run_plain()
        log("scale"); fig_scale(res, P, work, tend_ok)
        while pending:
            pending.pop()()
        reap_orphans()
        idle.join(P["idle_reps"] * (P["idle_window"] + 15))
        # figures 2 and 4 are listed in order
        order = ["size", "pid1_mem", "launch", "idle_wakeups", "signal", "orphans", "restart",
                 "shutdown", "sup_mem", "scale"]
        res.figures.sort(key=lambda f: order.index(f["id"]))
    finally:
        kill_all_mine()
        shutil.rmtree(work, ignore_errors=True)
    summarize(res)
    elapsed = time.monotonic() - t0
    mach = machine()
    heads = headline(res)
    tg = targets(res)
    png = chart(heads, outdir, "latest")
    write_md(res, os.path.join(outdir, "latest.md"), mach, mode, elapsed,
                  os.path.basename(png) if png else None, heads, tg)
    data = dict(mode=mode, generated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                elapsed_s=elapsed, machine=mach, params=P, headline=heads, targets=tg,
                notes=NOTES, chart=os.path.basename(png) if png else None,
                figures=res.figures)
    text = json.dumps(data, indent=1)
    # keep lists of numbers (the raw samples) on one line
    text = re.sub(r"\[\s*((?:-?[0-9.eE+-]+,\s*)*-?[0-9.eE+-]+)\s*\]",
                  lambda mo: "[" + re.sub(r"\s+", " ", mo.group(1)) + "]", text)
    with open(os.path.join(outdir, "latest.json"), "w") as f:
        f.write(text + "\n")
    if mode == "full" and os.path.abspath(outdir) == os.path.join(ROOT, "bench", "results"):
        for ext in ("md", "json", "png"):
            src = os.path.join(outdir, "latest." + ext)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(outdir, "full." + ext))
        with open(os.path.join(outdir, "full.md")) as f:
            full = f.read().replace("(latest.png)", "(full.png)")
        with open(os.path.join(outdir, "full.md"), "w") as f:
            f.write(full)
        splice_docs(full, "../bench/results/full.png")
    for t in tg:
        v = "%s %s" % (fmt(t["value"]), t["unit"]) if t["value"] is not None else "not measured"
        print("target %-45s %-22s %s" % (t["target"], v, {True: "met", False: "MISSED", None: "n/a"}[t["met"]]))
    for h in heads:
        print("ratio  %-45s %s" % (h["label"], fmt(h["ratio"])))
    log("done in %.1f s: %s" % (elapsed, os.path.join(outdir, "latest.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
