"""Figures 2 and 4: PID-1 memory and idle wake-ups. Every init runs as PID 1
of its own PID namespace, all at the same time, in a background thread while
the CPU-light figures run."""

import threading
import time

from harness.procs import children, kill_tree, pss_kb, read_status, kb, start_pid1, wait_exit, wait_for
from harness.results import add, metric, missing, note
from harness.tools import exec_tools, rotate


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
