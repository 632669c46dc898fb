#!/usr/bin/python3
"""tend benchmark harness. Run through bench/run.sh MODE [OUTDIR].

Every figure is measured for tend and each applicable anchor in the same run,
alternating the order between repetitions; results are medians/min/max of the
samples, plus the ratio tend/anchor. Everything started is tracked by PID and
killed (SIGKILL) at the end of each measurement; the harness is a child
subreaper, so nothing it starts can escape to the host init.

This file is the driver: the modes, the order of the figures, the outputs.
The figures are in figures/ (one module each), the shared parts in harness/.

BENCH_FIGURES=ID[,ID...] (figure ids from ORDER, e.g. `BENCH_FIGURES=ctl
bench/run.sh quick DIR`) runs only those figures; such a partial run writes
partial.{md,json,png} instead of latest.*, and never full.* or the docs.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

from harness import report
from harness.procs import kill_all_mine, reap_orphans, set_subreaper
from harness.results import NOTES, Results, log, note, summarize
from harness.supervisors import tend_supervision_probe
from harness.tools import EXEC_TOOLS, ROOT, tool_ok
from figures.ctl import fig_ctl
from figures.idle import fig_idle_start
from figures.launch import fig_launch
from figures.lifecycle import fig_lifecycle
from figures.logs import fig_logs
from figures.memory import fig_supmem
from figures.metrics import fig_metrics
from figures.orphans import fig_storm
from figures.restart import fig_crash
from figures.scale import fig_scale
from figures.shutdown import fig_shutdown
from figures.siglat import fig_signal
from figures.size import fig_size

# flood_crash: (startsecs, run time in ms) of the crashing service; runs under 1 s
# get tend's doubling crash delay (src/service.c STABLE_RUN), so it runs longer
LOG_SMOKE = dict(log_line=100, log_per_write=40, log_window=0.2, log_warm=0.1, log_cap_mb=64,
                 log_reps=1, flood_window=1.3, flood_reps=1, flood_crash=(1, 1100))
LOG_QUICK = dict(LOG_SMOKE, log_window=1.0, log_warm=0.3, log_cap_mb=256, flood_window=3.0,
                 flood_crash=(1, 1200))
LOG_FULL = dict(LOG_SMOKE, log_window=3.0, log_warm=0.5, log_cap_mb=512, log_reps=3,
                flood_window=10.0, flood_reps=2, flood_crash=(1, 1500))
# figure 12: ctl_counts services per supervisor start, ctl_reps starts per
# supervisor, ctl_runs `status` runs per client and start, ctl_calls
# getAllProcessInfo() calls per start (no more once ctl_rpc_secs have passed
# and ctl_calls_min are done: supervisord needs ~0.7 s a call with 1,000
# services), ctl_bound s for every service to run
CTL_SMOKE = dict(ctl_counts=[10, 50], ctl_reps=1, ctl_runs=2, ctl_calls=5, ctl_calls_min=5,
                 ctl_rpc_secs=1.0, ctl_bound=20.0)
CTL_QUICK = dict(ctl_counts=[10, 1000], ctl_reps=1, ctl_runs=5, ctl_calls=100, ctl_calls_min=10,
                 ctl_rpc_secs=3.0, ctl_bound=30.0)
CTL_FULL = dict(ctl_counts=[10, 1000], ctl_reps=2, ctl_runs=15, ctl_calls=300, ctl_calls_min=20,
                ctl_rpc_secs=10.0, ctl_bound=60.0)
# figure 13: lc_reps readiness samples per variant; lc_delay (ms) the range of
# the dependency's random delay before readiness; lc_n services for the costs
# (2 x lc_n with tcp checks); lc_idle_window (s, at least: it spans the
# readiness samples), lc_window (each of the two exec-check windows),
# lc_tcp_window (tcp checks);
# lc_settle s after the last service started; lc_bound s for every service to
# start, lc_rep_bound s for one readiness sample
LC_SMOKE = dict(lc_reps=2, lc_delay=[100, 150], lc_n=10, lc_idle_window=2.0, lc_window=1.5,
                lc_tcp_window=1.5, lc_settle=0.3, lc_bound=20.0, lc_rep_bound=5.0)
LC_QUICK = dict(LC_SMOKE, lc_reps=20, lc_n=100, lc_idle_window=10.0, lc_window=10.0, lc_tcp_window=10.0,
                lc_settle=2.0, lc_bound=30.0)
LC_FULL = dict(LC_QUICK, lc_reps=100, lc_idle_window=60.0, lc_window=60.0, lc_tcp_window=60.0,
               lc_settle=3.0, lc_bound=60.0)

# figure 14: met_n services, met_scrapes GET /metrics per start, met_reps starts
MET_SMOKE = dict(met_n=20, met_scrapes=20, met_reps=1)
MET_QUICK = dict(met_n=100, met_scrapes=300, met_reps=1)
MET_FULL = dict(met_n=100, met_scrapes=1000, met_reps=3)

MODES = {
    # reps: repetitions (alternating tool order); n: sizes per figure.
    "smoke": dict(idle_reps=1, idle_window=1.0, launch_n=5, launch_reps=1,
                  sig_blocks=1, sig_k=5, storm_n=200, storm_reps=1,
                  crash_window=3.5, crash_ms=1200, shut_overlap=True, shut_slow_reps=1, shut_plain_reps=1,
                  mem_counts=[1, 10], mem_reps=1, scale_n=20, scale_reps=1,
                  scale_bound=20.0, stop_secs=1, settle=0.5, crowd=0, **LOG_SMOKE, **CTL_SMOKE, **LC_SMOKE, **MET_SMOKE),
    "quick": dict(idle_reps=1, idle_window=10.0, launch_n=100, launch_reps=3,
                  sig_blocks=3, sig_k=50, storm_n=10000, storm_reps=1,
                  crash_window=6.5, crash_ms=1500, shut_overlap=True, shut_slow_reps=1, shut_plain_reps=2,
                  mem_counts=[1, 10, 100], mem_reps=1, scale_n=1000, scale_reps=1,
                  scale_bound=30.0, stop_secs=2, settle=0.3, crowd=0, **LOG_QUICK, **CTL_QUICK, **LC_QUICK, **MET_QUICK),
    "full": dict(idle_reps=3, idle_window=10.0, launch_n=1000, launch_reps=5,
                 sig_blocks=5, sig_k=200, storm_n=10000, storm_reps=5,
                 crash_window=30.0, crash_ms=1500, shut_overlap=False, shut_slow_reps=3, shut_plain_reps=5,
                 mem_counts=[1, 10, 100], mem_reps=2, scale_n=1000, scale_reps=2,
                 scale_bound=60.0, stop_secs=2, settle=1.0, crowd=2000, **LOG_FULL, **CTL_FULL, **LC_FULL, **MET_FULL),
}

ORDER = ["size", "pid1_mem", "launch", "idle_wakeups", "signal", "orphans", "restart",
         "shutdown", "sup_mem", "scale", "logs", "ctl", "lifecycle", "metrics"]
SUPERVISION = ("restart", "shutdown", "sup_mem", "scale", "logs", "ctl", "lifecycle", "metrics")  # need the tend -c probe


def selection():
    """The figure ids to run: BENCH_FIGURES (comma-separated), else all."""
    v = os.environ.get("BENCH_FIGURES", "").strip()
    if not v:
        return list(ORDER)
    sel = [x.strip() for x in v.split(",") if x.strip()]
    bad = [x for x in sel if x not in ORDER]
    if bad:
        sys.exit("bench.py: unknown figure(s) in BENCH_FIGURES: %s (known: %s)" % (
            ", ".join(bad), ", ".join(ORDER)))
    return [x for x in ORDER if x in sel]


def run_figures(res, P, work, sel=ORDER):
    want = set(sel)
    if "size" in want:
        fig_size(res, P)
    idle = None
    if want & {"pid1_mem", "idle_wakeups"}:
        idle = fig_idle_start(res, P)
        time.sleep(0.2)
    if "launch" in want:
        log("launch overhead"); fig_launch(res, P)
    if "signal" in want:
        log("signal latency"); fig_signal(res, P, work)
    if "orphans" in want:
        log("orphan storm"); fig_storm(res, P, work)
    tend_ok = None
    if want & set(SUPERVISION):
        tend_ok = tend_supervision_probe(work)
        if tend_ok:
            note("tend supervision mode not measured: " + tend_ok)
    run_slow = run_plain = None
    if "shutdown" in want:
        run_slow, run_plain = fig_shutdown(res, P, work, tend_ok)
    pending = []

    def slow_shutdowns():
        if run_slow is None:
            return
        for rep in range(P["shut_slow_reps"]):
            log("shutdown (slow services), repetition %d" % (rep + 1))
            while pending:
                pending.pop()()
            pending.append(run_slow(rep))
        if not P["shut_overlap"]:
            while pending:
                pending.pop()()

    if P["shut_overlap"] and "restart" in want:
        # quick/smoke: both figures mostly wait, so the slow shutdown runs
        # inside the crash -> restart window; the tail of the slowest
        # supervisor (supervisord-ungrouped stops its services one at a
        # time) finishes while the next figures run.
        log("crash -> restart, with the slow shutdown inside its window")
        fig_crash(res, P, work, tend_ok, during=slow_shutdowns)
    else:
        slow_shutdowns()
        if "restart" in want:
            log("crash -> restart"); fig_crash(res, P, work, tend_ok)
    if "sup_mem" in want:
        log("supervisor memory"); fig_supmem(res, P, work, tend_ok)
    if run_plain:
        log("shutdown (plain services)"); run_plain()
    if "scale" in want:
        log("scale"); fig_scale(res, P, work, tend_ok)
    while pending:
        pending.pop()()
    reap_orphans()
    # latencies of one supervisor at a time: with nothing else of ours running
    if "ctl" in want:
        log("control (status round trip, getAllProcessInfo)"); fig_ctl(res, P, work, tend_ok)
    if "lifecycle" in want:
        log("lifecycle (readiness latency, health check costs)"); fig_lifecycle(res, P, work, tend_ok)
    if "metrics" in want:
        log("metrics (GET /metrics with %d services)" % P["met_n"]); fig_metrics(res, P, work, tend_ok)
    # CPU-bound: after everything else has finished
    if "logs" in want:
        log("log throughput"); fig_logs(res, P, work, tend_ok)
    if idle:
        idle.join(P["idle_reps"] * (P["idle_window"] + 15))
    res.figures = [f for f in res.figures if f["id"] in want]
    res.figures.sort(key=lambda f: ORDER.index(f["id"]))


def write_outputs(res, mode, P, outdir, elapsed, sel=ORDER):
    partial = list(sel) != list(ORDER)
    base = "partial" if partial else "latest"
    only = list(sel) if partial else None
    mach = report.machine()
    heads = report.headline(res)
    tg = report.targets(res, only)
    png = report.chart(heads, outdir, base)
    report.write_md(res, os.path.join(outdir, base + ".md"), mach, mode, elapsed,
                    os.path.basename(png) if png else None, heads, tg, only)
    data = dict(mode=mode, generated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                elapsed_s=elapsed, machine=mach, params=P, headline=heads, targets=tg,
                notes=NOTES, chart=os.path.basename(png) if png else None,
                figures_selected=list(sel), figures=res.figures)
    report.write_json(os.path.join(outdir, base + ".json"), data)
    if not partial and mode == "full" and os.path.abspath(outdir) == os.path.join(ROOT, "bench", "results"):
        for ext in ("md", "json", "png"):
            src = os.path.join(outdir, "latest." + ext)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(outdir, "full." + ext))
        with open(os.path.join(outdir, "full.md")) as f:
            full = f.read().replace("(latest.png)", "(full.png)")
        with open(os.path.join(outdir, "full.md"), "w") as f:
            f.write(full)
        report.splice_docs(full, "../bench/results/full.png")
    for t in tg:
        v = "%s %s" % (report.fmt(t["value"]), t["unit"]) if t["value"] is not None else "not measured"
        print("target %-45s %-22s %s" % (t["target"], v, {True: "met", False: "MISSED", None: "n/a"}[t["met"]]))
    for h in heads:
        print("ratio  %-45s %s" % (h["label"], report.fmt(h["ratio"])))


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "quick"
    if mode not in MODES:
        sys.exit("usage: bench.py full|quick|smoke [OUTDIR]")
    P = MODES[mode]
    sel = selection()
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "bench", "results")
    os.makedirs(outdir, exist_ok=True)
    report.record_start()
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
        log("mode %s, output %s%s" % (mode, outdir, "" if sel == ORDER else
                                      ", figures " + ",".join(sel)))
        run_figures(res, P, work, sel)
    finally:
        kill_all_mine()
        shutil.rmtree(work, ignore_errors=True)
    summarize(res)
    elapsed = time.monotonic() - t0
    write_outputs(res, mode, P, outdir, elapsed, sel)
    log("done in %.1f s: %s" % (elapsed, os.path.join(outdir, ("latest" if sel == ORDER else "partial") + ".md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
