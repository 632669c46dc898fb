"""Figure 10: scale (1,000 services: time until all run, tree RSS and PSS)."""

import os
import time

from harness.procs import kill_list, reap_orphans, wait_for
from harness.results import add, log, metric, missing, note
from harness.supervisors import count_starts, mark_tend_missing, read_log, service_pids, sup_kinds, tree_mem
from harness.tools import BSVC, rotate


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
