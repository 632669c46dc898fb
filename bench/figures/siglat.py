"""Figure 5: signal forwarding latency.

Three placements of the driver (which sends the signal), the init and the
init's child, side by side in every block:
  unpinned  the scheduler places the three processes (what a user gets; on a
            small VM dominated by whether a wake-up crosses CPUs, see
            docs/benchmarks.md), with two control rows that separate the
            init's code from its session setup: dumb-init -c (no setsid) and
            tend-static in its dumb-init persona (setsid, like dumb-init);
  pinned1   all three on one CPU: the forwarding path itself;
  pinned2   driver and init on one CPU, the child on another: one cross-CPU
            wake-up per signal, the same for every init.
"""

import os
import statistics

from harness.procs import run_cmd
from harness.results import add, metric, note
from harness.tools import TEND_STATIC, exec_tools, helper, rotate, tool_ok


def controls(work):
    """Unpinned-only rows: (name, argv prefix)."""
    out = []
    if tool_ok("/usr/bin/dumb-init"):
        out.append(("dumb-init -c", ["/usr/bin/dumb-init", "-c", "--"]))
    if tool_ok(TEND_STATIC):
        d = os.path.join(work, "persona")
        os.makedirs(d, exist_ok=True)
        link = os.path.join(d, "dumb-init")  # tend picks its persona from argv[0]
        if not os.path.lexists(link):
            os.symlink(TEND_STATIC, link)
        out.append(("tend-static as dumb-init", [link, "--"]))
    return out


def cpus():
    allowed = sorted(os.sched_getaffinity(0))
    return allowed[0], (allowed[1] if len(allowed) > 1 else None)


def run_block(sl, fifo, P, argv, drv_cpu, child_cpu):
    pin = ["-c", str(drv_cpu)] if drv_cpu is not None else []
    child = [sl, "child", fifo] + ([str(child_cpu)] if child_cpu is not None else [])
    return run_cmd([sl, "run"] + pin + [str(P["sig_k"]), "1000", fifo] + argv + child, 60)


def fig_signal(res, P, work):
    a, b = cpus()
    f = res.figure("signal", "5. Signal forwarding latency",
                   "Time from `kill(init, SIGUSR1)` to the child's SIGUSR1 handler, which writes its "
                   "CLOCK_MONOTONIC time to a FIFO. %d blocks of %d samples per tool and placement "
                   "(1 ms apart), tool order rotated per block; the init is not PID 1. Unpinned: the "
                   "scheduler places the driver, the init and its child (two control rows: dumb-init "
                   "-c, and tend-static in its dumb-init persona). One CPU: all three pinned to CPU %d. "
                   "Two CPUs: driver and init on CPU %s, the child on CPU %s."
                   % (P["sig_blocks"], P["sig_k"], a, a, b if b is not None else "-"))
    m = metric(f, "latency", "unpinned: signal forwarding latency", "us")
    m90 = metric(f, "p90", "unpinned: 90th percentile of each block", "us")
    m1 = metric(f, "pinned1", "one CPU: signal forwarding latency", "us")
    m2 = metric(f, "pinned2", "two CPUs (child on the other CPU): signal forwarding latency", "us")
    tools = exec_tools()
    extra = controls(work)
    for name, _ in tools + extra:
        m["tools"].setdefault(name, [])
    for name, _ in tools:
        m1["tools"].setdefault(name, [])
        if b is not None:
            m2["tools"].setdefault(name, [])
    if b is None:
        for name, _ in tools:
            m2["missing"][name] = "only one CPU available"
    placements = [("unpinned", m, tools + extra, None, None), ("one CPU", m1, tools, a, a)]
    if b is not None:
        placements.append(("two CPUs", m2, tools, a, b))
    fifo = os.path.join(work, "siglat.fifo")
    sl = helper("siglat")
    for blk in range(P["sig_blocks"]):
        for label, mm, tl, dc, cc in rotate(placements, blk):
            for name, argv in rotate(tl, blk):
                rc, out, err = run_block(sl, fifo, P, argv, dc, cc)
                vals = [int(x) / 1000.0 for x in out.split()] if out else []
                if rc != 0:
                    note("signal (%s): %s: %s" % (label, name, (err or "timeout").strip()[:200]))
                for v in vals:
                    add(mm, name, v)
                if vals and mm is m:
                    vals.sort()
                    add(m90, name, vals[int(0.9 * (len(vals) - 1))])
    session_note(f, m)


def session_note(f, m):
    """Say, from this run, what the two control rows show."""
    med = {t: statistics.median(v) for t, v in m["tools"].items() if v}
    pairs = [("tend-static as dumb-init", "dumb-init"), ("tend-static", "dumb-init -c")]
    parts = ["%s %.1f us vs %s %.1f us (ratio %.2f)" % (x, med[x], y, med[y], med[x] / med[y])
             for x, y in pairs if x in med and y in med and med[y]]
    if parts:
        f["notes"].append("Unpinned, like for like (same session setup): " + "; ".join(parts) +
                          ". dumb-init's default setsid() gives its child a new session and so, with "
                          "CONFIG_SCHED_AUTOGROUP, its own scheduler group: the scheduler then keeps "
                          "driver, init and child on one CPU more often (docs/benchmarks.md).")
