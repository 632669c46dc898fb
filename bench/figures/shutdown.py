"""Figure 8: shutdown (SIGTERM to the supervisor until it exits), slow and
sleep-like services, and the same on a crowded host (full mode)."""

import os
import threading
import time

from harness.procs import kill_list, live, reap_orphans, spawn, wait_exit, wait_for
from harness.results import add, metric, missing, note
from harness.supervisors import SupervisordSup, count_starts, mark_tend_missing, service_pids, sup_kinds
from harness.tools import BSVC, rotate, tool_ok


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
