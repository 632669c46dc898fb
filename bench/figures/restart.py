"""Figure 7: crash -> restart latency, all supervisors at the same time."""

import os
import time

from harness.results import add, metric, missing
from harness.supervisors import mark_tend_missing, restart_latencies, sup_kinds
from harness.tools import BSVC


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
        for v in restart_latencies(s.log):
            add(m, s.tool, v)
        if not m["tools"].get(s.tool):
            missing(m, s.tool, "no restart observed in %.1f s" % P["crash_window"])
