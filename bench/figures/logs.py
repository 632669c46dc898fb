"""Figure 11: log throughput.

A service (helper `flood`) writes fixed-length lines to its stdout as fast as
it is read. Through tend (`tend -c`), through supervisord (the same config
file) and through `cat` (the ceiling: one process moving the same bytes, no
line handling), to two targets:
  file  stdout_logfile=PATH (cat: `flood | cat > PATH`)
  pipe  stdout_logfile=/dev/stdout, the supervisor's stdout being a pipe read
        by a fast reader (helper `drain`; cat: `flood | cat | drain`)
Throughput = payload bytes arriving at the target during a steady-state window
(after a warm-up) / the window's length; CPU = CPU time of the supervision tree
(the supervisor and tend's keepers, not the services) or of cat in the same
window. Then 10 such services flood 10 files (rotated at 50MB) while an 11th
service crashes and is restarted: aggregate throughput (counted by the
services), CPU, and the crash -> restart latency of the 11th (measured like
figure 7: the service logs its own exit and start).
One supervisor at a time (each uses a whole CPU), order rotated.
"""

import mmap
import os
import statistics
import struct
import time

from harness.procs import cpu_ns, kill_tree, reap_orphans, spawn, wait_exit, wait_for
from harness.results import add, metric, missing, note
from harness.supervisors import mark_tend_missing, restart_latencies, sup_kinds
from harness.tools import BSVC, helper, rotate

SERVICE_COMMS = ("flood", "bsvc")


class Drain:
    """A `drain` process reading the given pipe; lines() reads its counter."""

    def __init__(self, path, read_fd):
        self.path = path
        self.pid = spawn([helper("drain"), path], stdin_fd=read_fd)
        wait_for(lambda: os.path.exists(path) and os.path.getsize(path) >= 16, 5.0, 0.002)
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 16, prot=mmap.PROT_READ)

    def lines(self):
        return struct.unpack_from("QQ", self.map)[1]

    def close(self):
        self.map.close()
        kill_tree(self.pid)
        wait_exit(self.pid, 5)


def file_size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def window(progress, cpu, P, cap_bytes):
    """Wait for the first bytes, warm up, then measure (bytes, seconds, cpu ns)
    over the window (shorter if cap_bytes arrive first). None if nothing arrives."""
    if not wait_for(lambda: progress() > 0, 10.0, 0.01):
        return None
    time.sleep(P["log_warm"])
    b0, c0, t0 = progress(), cpu(), time.monotonic()
    end = t0 + P["log_window"]
    while time.monotonic() < end and progress() - b0 < cap_bytes:
        time.sleep(0.01)
    b1, c1, t1 = progress(), cpu(), time.monotonic()
    return b1 - b0, t1 - t0, c1 - c0


def record(m_rate, m_cpu, tool, got):
    nbytes, secs, cpu = got
    if nbytes <= 0 or secs <= 0:
        missing(m_rate, tool, "no bytes moved in the window")
        return
    add(m_rate, tool, nbytes / secs / 1e6)
    add(m_cpu, tool, cpu / 1e6 / (nbytes / 1e6))  # ms of CPU per MB


def flood_argv(P):
    return [helper("flood"), str(P["log_line"]), str(P["log_per_write"])]


def run_sup(P, work, name, mk, target, tag):
    """One service through a supervisor to `target` ('file' or 'pipe')."""
    out = os.path.join(work, "logs-%s.out" % tag)
    opts = {"stdout_logfile_maxbytes": "0", "stdout_logfile_backups": "0"}
    drain = None
    r = w = None
    if target == "pipe":
        r, w = os.pipe()
        drain = Drain(os.path.join(work, "logs-%s.count" % tag), r)
        opts["stdout_logfile"] = "/dev/stdout"
    else:
        opts["stdout_logfile"] = out
    s = mk("logs-" + tag, work, [("flood", flood_argv(P))], startsecs=0,
           prog_opts={"flood": opts}, stdout_fd=w)
    try:
        s.start()
        if w is not None:
            os.close(r)
            os.close(w)
            r = w = None
        if drain:
            progress = lambda: drain.lines() * P["log_line"]
        else:
            progress = lambda: file_size(out)
        return window(progress, lambda: s.tree_cpu_ns(SERVICE_COMMS), P, P["log_cap_mb"] * 1e6)
    finally:
        s.kill()
        for fd in (r, w):
            if fd is not None:
                os.close(fd)
        if drain:
            drain.close()
        if os.path.exists(out):
            os.unlink(out)
        reap_orphans()


def run_cat(P, work, target, tag):
    """`flood | cat > FILE` or `flood | cat | drain`."""
    out = os.path.join(work, "logs-%s.out" % tag)
    r1, w1 = os.pipe()
    fds = [r1, w1]
    drain = None
    pids = []
    try:
        if target == "pipe":
            r2, w2 = os.pipe()
            fds += [r2, w2]
            drain = Drain(os.path.join(work, "logs-%s.count" % tag), r2)
            cat = spawn(["/bin/cat"], stdin_fd=r1, stdout_fd=w2)
        else:
            cat = spawn(["/bin/cat"], stdin_fd=r1, out=out)
        pids.append(cat)
        pids.append(spawn(flood_argv(P), stdout_fd=w1))
        for fd in fds:
            os.close(fd)
        fds = []
        if drain:
            progress = lambda: drain.lines() * P["log_line"]
        else:
            progress = lambda: file_size(out)
        return window(progress, lambda: cpu_ns(cat) or 0, P, P["log_cap_mb"] * 1e6)
    finally:
        for fd in fds:
            os.close(fd)
        for p in pids:
            kill_tree(p)
            wait_exit(p, 5)
        if drain:
            drain.close()
        if os.path.exists(out):
            os.unlink(out)
        reap_orphans()


class Counter:
    """A uint64 kept by a helper in a shared file (flood: lines written)."""

    def __init__(self, path):
        self.path, self.map = path, None

    def value(self):
        if self.map is None:
            if not (os.path.exists(self.path) and os.path.getsize(self.path) >= 8):
                return 0
            with open(self.path, "rb") as f:
                self.map = mmap.mmap(f.fileno(), 8, prot=mmap.PROT_READ)
        return struct.unpack_from("Q", self.map)[0]

    def close(self):
        if self.map is not None:
            self.map.close()


def run_flood(P, work, name, mk, tag):
    """10 flooding services to 10 files plus one crashing service. Throughput is
    counted where the services write (nothing is dropped on a file target, and
    what sits in the pipes is bounded), so that the files can rotate (50MB, one
    backup: the disk use stays bounded however fast the supervisor is)."""
    n = 10
    outs = [os.path.join(work, "flood-%s-%d.out" % (tag, i)) for i in range(n)]
    counters = [Counter(os.path.join(work, "flood-%s-%d.count" % (tag, i))) for i in range(n)]
    ev = os.path.join(work, "flood-%s.events" % tag)
    startsecs, crash_ms = P["flood_crash"]
    services = [("flood%d" % i, flood_argv(P) + ["-1", counters[i].path]) for i in range(n)]
    services.append(("crashy", [BSVC, ev, "crash", str(crash_ms)]))
    opts = {"flood%d" % i: {"stdout_logfile": outs[i], "stdout_logfile_maxbytes": "50MB",
                            "stdout_logfile_backups": "1"} for i in range(n)}
    s = mk("flood-" + tag, work, services, startsecs=startsecs, prog_opts=opts)
    try:
        s.start()
        P10 = dict(P, log_window=P["flood_window"])
        got = window(lambda: sum(c.value() for c in counters) * P["log_line"],
                     lambda: s.tree_cpu_ns(SERVICE_COMMS), P10, float("inf"))
    finally:
        s.kill()
        for c in counters:
            c.close()
        for o in outs:
            for p in (o, o + ".1"):
                if os.path.exists(p):
                    os.unlink(p)
        reap_orphans()
    return got, restart_latencies(ev)


def fig_logs(res, P, work, tend_ok):
    startsecs, crash_ms = P["flood_crash"]
    f = res.figure("logs", "11. Log throughput",
                   "One service writes %d-byte lines (%d per write) as fast as it is read; throughput "
                   "of its output through the supervisor to a file (`stdout_logfile=PATH`) and to the "
                   "supervisor's stdout, a pipe read by a fast reader (`stdout_logfile=/dev/stdout`), "
                   "in a %.1f s window after %.1f s of warm-up (at most %d MB); `cat` moving the same "
                   "bytes is the ceiling. CPU: the supervision tree's (services excluded), or cat's, in "
                   "the same window. Then 10 such services flood 10 files (50MB, one backup) for %.1f s "
                   "while an 11th (startsecs=%d) crashes every %d ms: aggregate throughput (bytes the "
                   "services wrote), CPU, and the crash -> restart latency of the 11th. One supervisor at a time, %d repetition(s), order "
                   "rotated."
                   % (P["log_line"], P["log_per_write"], P["log_window"], P["log_warm"],
                      P["log_cap_mb"], P["flood_window"], startsecs, crash_ms, P["log_reps"]))
    m = {}
    for t in ("file", "pipe"):
        what = "to a file" if t == "file" else "to the supervisor's stdout (pipe)"
        m[t] = (metric(f, t + "_mbs", "1 service %s: throughput" % what, "MB/s", lower_is_better=False),
                metric(f, t + "_cpu", "1 service %s: CPU per MB" % what, "ms/MB"))
    m_fr = metric(f, "flood_mbs", "10 services to 10 files: aggregate throughput", "MB/s",
                  lower_is_better=False)
    m_fc = metric(f, "flood_cpu", "10 services to 10 files: CPU per MB", "ms/MB")
    m_rl = metric(f, "flood_restart", "crash -> restart of an 11th service during the flood", "ms")
    kinds = sup_kinds(tend_ok, s6=False)
    if tend_ok is not None:
        mark_tend_missing([x for pair in m.values() for x in pair] + [m_fr, m_fc, m_rl], tend_ok)
    single = [(name, mk) for name, mk in kinds] + [("cat", None)]
    for rep in range(P["log_reps"]):
        for target in ("file", "pipe"):
            for name, mk in rotate(single, rep):
                tag = "%s-%s-%d" % (target, name, rep)
                got = run_cat(P, work, target, tag) if mk is None else run_sup(P, work, name, mk, target, tag)
                if got is None:
                    missing(m[target][0], name, "no output arrived within 10 s")
                    continue
                record(m[target][0], m[target][1], name, got)
    for rep in range(P["flood_reps"]):
        for name, mk in rotate(kinds, rep):
            got, lat = run_flood(P, work, name, mk, "%s-%d" % (name, rep))
            if got is None:
                missing(m_fr, name, "no output arrived within 10 s")
            else:
                record(m_fr, m_fc, name, got)
            for v in lat:
                add(m_rl, name, v)
            if not lat:
                missing(m_rl, name, "no restart observed during the flood")
    compare_quiet_restart(res, f, m_rl)


def compare_quiet_restart(res, f, m_rl):
    """Put the flood's restart latency next to figure 7's (same run, no flood)."""
    quiet = None
    for g in res.figures:
        if g["id"] == "restart":
            quiet = next((x for x in g["metrics"] if x["key"] == "latency"), None)
    if not quiet:
        return
    parts = []
    for tool, vals in m_rl["tools"].items():
        q = quiet["tools"].get(tool)
        if vals and q:
            a, b = statistics.median(vals), statistics.median(q)
            parts.append("%s %.3g ms during the flood vs %.3g ms without (figure 7): x%.2g" % (tool, a, b, a / b))
    if parts:
        f["notes"].append("Restart latency, this run: " + "; ".join(parts) + ".")
    else:
        note("logs: no restart latency to compare with figure 7")
