"""Figure 5: signal forwarding latency (kill(init) -> the child's handler)."""

import os

from harness.procs import run_cmd
from harness.results import add, metric, note
from harness.tools import exec_tools, helper, rotate


def fig_signal(res, P, work):
    f = res.figure("signal", "5. Signal forwarding latency",
                   "Time from `kill(init, SIGUSR1)` to the child's SIGUSR1 handler, which writes its "
                   "CLOCK_MONOTONIC time to a FIFO. %d blocks of %d samples per tool (1 ms apart), "
                   "tool order rotated per block; the init is not PID 1." % (P["sig_blocks"], P["sig_k"]))
    m = metric(f, "latency", "signal forwarding latency", "us")
    m99 = metric(f, "p90", "90th percentile of each block", "us")
    tools = exec_tools()
    fifo = os.path.join(work, "siglat.fifo")
    sl = helper("siglat")
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
