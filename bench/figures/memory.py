"""Figure 9: memory (RSS, PSS) of the supervision tree with 1, 10, 100 services."""

import os
import time

from harness.procs import kill_list, reap_orphans, wait_for
from harness.results import add, metric, missing
from harness.supervisors import count_starts, mark_tend_missing, service_pids, sup_kinds, tree_mem
from harness.tools import BSVC, rotate


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
