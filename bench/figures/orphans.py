"""Figure 6: orphan storm (the init as PID 1 must reap orphans created as fast
as the machine can)."""

import os

from harness.procs import kill_tree, start_pid1, wait_exit
from harness.results import add, metric, missing, note
from harness.tools import exec_tools, helper, rotate


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
            u, init = start_pid1(argv + [helper("storm"), str(n)], stdout=out)
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
