"""Output: the machine description, the headline ratios and targets, the
tables (latest.md), the data (latest.json), the chart (latest.png, gnuplot) and
the results section of docs/benchmarks.md."""

import json
import os
import platform
import re
import shutil
import subprocess
import time

from harness.results import NOTES, note
from harness.tools import ROOT, TEND_NAMES

START = {}


def record_start():
    """The machine's state when the run starts (printed with the results)."""
    START["loadavg"] = " ".join(open("/proc/loadavg").read().split()[:3])
    START["nproc"] = sum(1 for d in os.listdir("/proc") if d.isdigit())


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576)
    except OSError:
        pass
    try:
        deb = open("/etc/debian_version").read().strip()
    except OSError:
        deb = "?"
    pkgs = ("tini", "dumb-init", "catatonit", "supervisor", "s6", "execline", "musl-tools")
    vers = dict.fromkeys(pkgs, "not installed")
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"] + list(pkgs),
                             capture_output=True, text=True, timeout=20).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 2:
                vers[p[0]] = p[1]
    except Exception:
        pass
    return dict(cores=os.cpu_count(), cpu=cpu, kernel=platform.release(),
                libc=os.confstr("CS_GNU_LIBC_VERSION"), memory=mem, debian=deb,
                loadavg_start=START.get("loadavg", "?"), loadavg_end=" ".join(open("/proc/loadavg").read().split()[:3]),
                host_processes_start=START.get("nproc", 0),
                anchors=vers)


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v == 0:
            return "0"
        if v.is_integer() and abs(v) >= 10:
            return "%d" % v
        a = abs(v)
        if a >= 1000:
            return "%.0f" % v
        if a >= 100:
            return "%.1f" % v
        if a >= 10:
            return "%.2f" % v
        return "%.3g" % v
    return str(v)


HEADLINE = [
    # (figure id, metric key, tend tool, anchor, label)
    ("size", "bytes", "tend-static", "tini-static", "size vs tini-static"),
    ("size", "bytes", "tend-static", "catatonit", "size vs catatonit"),
    ("pid1_mem", "vmrss", "tend-static", "tini-static", "PID-1 RSS vs tini-static"),
    ("launch", "overhead", "tend-static", "tini-static", "launch overhead vs tini-static"),
    ("idle_wakeups", "wakeups", "tend-static", "tini-static", "idle wake-ups vs tini-static"),
    ("signal", "pinned1", "tend-static", "tini-static", "signal latency (1 CPU) vs tini-static"),
    ("signal", "pinned1", "tend-static", "dumb-init", "signal latency (1 CPU) vs dumb-init"),
    ("orphans", "total", "tend-static", "tini-static", "orphan storm vs tini-static"),
    ("restart", "latency", "tend-static", "supervisord", "restart vs supervisord"),
    ("restart", "latency", "tend-static", "s6", "restart vs s6"),
    ("shutdown", "slow", "tend-static", "supervisord", "shutdown (2 s svcs) vs supervisord"),
    ("shutdown", "slow", "tend-static", "s6", "shutdown (2 s svcs) vs s6"),
    ("shutdown", "plain", "tend-static", "s6", "shutdown (sleep svcs) vs s6"),
    ("shutdown", "plain_crowded", "tend-static", "s6", "same, crowded host, vs s6"),
    ("sup_mem", "rss_10", "tend-static", "supervisord", "tree RSS (10) vs supervisord"),
    ("sup_mem", "rss_10", "tend-static", "s6", "tree RSS (10) vs s6"),
    ("scale", "time", "tend-static", "supervisord", "1000 svcs start vs supervisord"),
    ("scale", "rss", "tend-static", "supervisord", "1000 svcs RSS vs supervisord"),
    ("scale", "pss", "tend-static", "supervisord", "1000 svcs PSS vs supervisord"),
    # throughput (higher is better) is shown inverted: time per MB, tend / anchor
    ("logs", "file_mbs", "tend-static", "cat", "log time/MB, file, vs cat"),
    ("logs", "file_mbs", "tend-static", "supervisord", "log time/MB, file, vs supervisord"),
    ("logs", "pipe_mbs", "tend-static", "cat", "log time/MB, pipe, vs cat"),
    ("logs", "pipe_mbs", "tend-static", "supervisord", "log time/MB, pipe, vs supervisord"),
    ("logs", "file_cpu", "tend-static", "supervisord", "log CPU/MB, file, vs supervisord"),
    ("logs", "flood_restart", "tend-static", "supervisord", "restart during a flood vs supervisord"),
    ("ctl", "sctl_1000", "tend-static", "supervisord", "supervisorctl status (1000) vs supervisord"),
    ("ctl", "tctl_10", "tend-static", "supervisord via supervisorctl", "tend ctl status (10) vs supervisorctl+supervisord"),
    ("ctl", "tctl_1000", "tend-static", "supervisord via supervisorctl", "tend ctl status (1000) vs supervisorctl+supervisord"),
    ("ctl", "rpc_1000", "tend-static", "supervisord", "getAllProcessInfo (1000) vs supervisord"),
    ("lifecycle", "fd", "tend-static", "s6", "readiness (fd:3) -> dependent vs s6"),
    ("lifecycle", "idle_wake", "tend-static", "supervisord", "wake-ups, idle services (fig. 13), vs supervisord"),
]

TARGETS = [
    # (label, figure, metric, tool, op, limit, unit); ratio ops: unit is "x ANCHOR"
    ("static binary <= 128 KiB", "size", "bytes", "tend-static", "<=", 128.0, "KiB"),
    ("PID-1 RSS <= 100 kB", "pid1_mem", "vmrss", "tend-static", "<=", 100.0, "kB"),
    ("zero idle wake-ups", "idle_wakeups", "wakeups", "tend-static", "<=", 0.0, "per 10 s"),
    ("launch overhead <= 0.5x tini's", "launch", "overhead", "tend-static", "ratio<=", 0.5, "x tini-static"),
    ("crash -> restart <= 5 ms median", "restart", "latency", "tend-static", "<=", 5.0, "ms"),
    ("shutdown of the 2 s services <= 2.2 s", "shutdown", "slow", "tend-static", "<=", 2200.0, "ms"),
    ("tree for 10 services <= 1.5 MB RSS (static)", "sup_mem", "rss_10", "tend-static", "<=", 1500.0, "kB"),
    ("log throughput to a file >= 0.5x cat's", "logs", "file_mbs", "tend-static", "ratio>=", 0.5, "x cat"),
    ("log throughput to a pipe >= 0.5x cat's", "logs", "pipe_mbs", "tend-static", "ratio>=", 0.5, "x cat"),
    ("crash -> restart during a 10-service flood <= 5 ms", "logs", "flood_restart", "tend-static", "<=", 5.0, "ms"),
    ("GET /metrics for 100 services < 10 ms (median)", "metrics", "scrape_100", "tend-static", "<=", 10.0, "ms"),
    ("GET /metrics for 100 services < 10 ms (p99)", "metrics", "scrape_p99_100", "tend-static", "<=", 10.0, "ms"),
]


def find_metric(res, fid, key):
    for f in res.figures:
        if f["id"] == fid:
            for m in f["metrics"]:
                if m["key"] == key:
                    return m
    return None


def headline(res):
    out = []
    for fid, key, t, a, label in HEADLINE:
        m = find_metric(res, fid, key)
        if not m:
            continue
        if t not in m["stats"] and t == "tend-static" and "tend" in m["stats"]:
            t = "tend"
        r = m["ratios"].get("%s/%s" % (t, a))
        if r and not m["lower_is_better"]:
            r = 1.0 / r
        if t in m["stats"] and a in m["stats"]:
            out.append(dict(label=label, figure=fid, metric=key, tend=t, anchor=a, ratio=r,
                            tend_median=m["stats"][t]["median"], anchor_median=m["stats"][a]["median"]))
    return out


def targets(res, only=None):
    """The targets; only: figure ids (a partial run), the targets of the other figures are left out."""
    out = []
    for label, fid, key, tool, op, lim, unit in TARGETS:
        if only is not None and fid not in only:
            continue
        m = find_metric(res, fid, key)
        val, ok = None, None
        if m and tool in m["stats"]:
            if op in ("ratio<=", "ratio>="):
                val = m["ratios"].get("%s/%s" % (tool, unit.split()[-1]))
                ok = val is not None and (val <= lim if op == "ratio<=" else val >= lim)
            else:
                val = m["stats"][tool]["median"]
                ok = val <= lim
        out.append(dict(target=label, value=val, unit=unit, met=ok,
                        why=None if val is not None else (m["missing"].get(tool, "not measured") if m else "not measured")))
    return out


def write_md(res, path, mach, mode, elapsed, chart_name, heads, tg, only=None):
    L = []
    L.append("# tend benchmark results (`bench/run.sh %s`)" % mode)
    L.append("")
    L.append("Generated %s by `bench/run.sh %s` in %.0f s; every cell below comes from this run." % (
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), mode, elapsed))
    L.append("")
    if only is not None:
        L.append("**Partial run:** only the figure(s) %s (`BENCH_FIGURES=%s`)." % (
            ", ".join(f["title"] for f in res.figures) or "-", ",".join(only)))
        L.append("")
    L.append("**Machine:** %d cores (%s), kernel %s, %s, Debian %s, %s RAM; load average %s at start, "
             "%s at end; %d processes on the host at start." % (
                 mach["cores"], mach["cpu"], mach["kernel"], mach["libc"], mach["debian"], mach["memory"],
                 mach["loadavg_start"], mach["loadavg_end"], mach["host_processes_start"]))
    L.append("")
    L.append("**Anchors (Debian packages):** " + ", ".join("%s %s" % kv for kv in mach["anchors"].items()))
    L.append("")
    if tg or only is None:
        L.append("## Targets")
        L.append("")
        L.append("| target | tend | met? |")
        L.append("|---|---|---|")
        for t in tg:
            v = "%s %s" % (fmt(t["value"]), t["unit"]) if t["value"] is not None else "not measured (%s)" % t["why"]
            L.append("| %s | %s | %s |" % (t["target"], v, {True: "met", False: "**missed**", None: "n/a"}[t["met"]]))
        L.append("")
    L.append("## Headline ratios (tend / anchor, median; < 1 means tend is smaller or faster)")
    L.append("")
    if chart_name:
        L.append("![headline ratios](%s)" % chart_name)
        L.append("")
    L.append("| comparison | tend | anchor | ratio |")
    L.append("|---|---|---|---|")
    for h in heads:
        L.append("| %s | %s (%s) | %s (%s) | %s |" % (h["label"], fmt(h["tend_median"]), h["tend"],
                                                   fmt(h["anchor_median"]), h["anchor"], fmt(h["ratio"])))
    L.append("")
    for f in res.figures:
        L.append("## %s" % f["title"])
        L.append("")
        L.append(f["what"])
        L.append("")
        for m in f["metrics"]:
            st = m["stats"]
            tends = [t for t in TEND_NAMES if t in st]
            L.append("**%s** (%s)%s" % (m["label"], m["unit"], "" if m["lower_is_better"] else ", higher is better"))
            L.append("")
            hdr = "| tool | median | min | max | n |" + "".join(" %s / tool |" % t for t in tends)
            L.append(hdr)
            L.append("|---" * (5 + len(tends)) + "|")
            names = list(st.keys()) + [t for t in m["missing"] if t not in st]
            for t in names:
                if t in st:
                    s = st[t]
                    extra = ""
                    if "linkage" in m and t in m["linkage"]:
                        extra = " (%s)" % m["linkage"][t]
                    row = "| %s%s | %s | %s | %s | %d |" % (t, extra, fmt(s["median"]), fmt(s["min"]), fmt(s["max"]), s["n"])
                    for tn in tends:
                        r = m["ratios"].get("%s/%s" % (tn, t))
                        row += " %s |" % (fmt(r) if t not in TEND_NAMES else "")
                else:
                    row = "| %s | not measured: %s | | | |" % (t, m["missing"][t]) + " |" * len(tends)
                L.append(row)
            L.append("")
        for n in f["notes"]:
            L.append("- " + n)
        if f["notes"]:
            L.append("")
    if NOTES:
        L.append("## Notes from this run")
        L.append("")
        for n in NOTES:
            L.append("- " + n)
        L.append("")
    with open(path, "w") as fh:
        fh.write("\n".join(L))
    return "\n".join(L)


def chart(heads, outdir, name):
    """Bar chart of the headline ratios (log scale) with gnuplot (or matplotlib)."""
    rows = [h for h in heads if h["ratio"] is not None or h["tend_median"] == 0]
    if not rows:
        return None
    dat = os.path.join(outdir, name + ".dat")
    with open(dat, "w") as f:
        for i, h in enumerate(rows):
            r = h["ratio"]
            shown = min(max(r if r is not None else 0.0, 0.001), 1000.0)
            lab = "0" if (r == 0 or (r is None and h["tend_median"] == 0)) else (
                "%.2g" % r if r < 1 else ("%.2f" % r if r < 10 else "%.0f" % r))
            colour = 0xC0504D if (r is not None and r > 1.05) else 0x3A78B5  # red: tend behind
            f.write('%d "%s" %g "%s" %d\n' % (i, h["label"].replace('"', "'"), shown, lab, colour))
    png = os.path.join(outdir, name + ".png")
    gp = shutil.which("gnuplot")
    if gp:
        script = """
set terminal pngcairo size 1100,620 font ",10" noenhanced
set output '%s'
set title "tend / anchor, medians (below 1: tend smaller or faster; red: tend behind by > 5 %%; log scale, clipped to [0.001, 1000])"
set logscale y
set yrange [0.001:1000]
set grid ytics
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by 35 right
set bmargin 10
unset key
plot '%s' using 1:3:5:xtic(2) with boxes lc rgb variable, \\
     '' using 1:3:4 with labels offset 0,0.8, \\
     1 with lines lc rgb '#c03030' lw 2
""" % (png, dat)
        r = subprocess.run([gp], input=script, text=True, capture_output=True, timeout=60)
        if r.returncode == 0 and os.path.exists(png):
            return png
        note("gnuplot failed: %s" % r.stderr.strip()[:300])
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(11, 6.2))
        vals = [min(max(h["ratio"] or 0.0, 0.001), 1000.0) for h in rows]
        ax.bar(range(len(rows)), vals)
        ax.set_yscale("log")
        ax.axhline(1, color="red")
        ax.set_xticks(range(len(rows)), [h["label"] for h in rows], rotation=35, ha="right")
        fig.tight_layout()
        fig.savefig(png)
        return png
    except Exception as e:
        note("no chart: neither gnuplot nor matplotlib worked (%r)" % (e,))
        return None


def splice_docs(md_text, chart_rel):
    doc = os.path.join(ROOT, "docs", "benchmarks.md")
    if not os.path.exists(doc):
        return
    with open(doc) as f:
        s = f.read()
    b, e = "<!-- BEGIN RESULTS (generated by bench/run.sh full) -->", "<!-- END RESULTS -->"
    if b not in s or e not in s:
        return
    body = md_text.split("\n", 1)[1]  # drop the H1
    body = body.replace("![headline ratios](full.png)", "![headline ratios](%s)" % chart_rel)
    body = body.replace("\n## ", "\n### ")
    s = s[:s.index(b) + len(b)] + "\n" + body.strip() + "\n" + s[s.index(e):]
    with open(doc, "w") as f:
        f.write(s)


def write_json(path, data):
    text = json.dumps(data, indent=1)
    # keep lists of numbers (the raw samples) on one line
    text = re.sub(r"\[\s*((?:-?[0-9.eE+-]+,\s*)*-?[0-9.eE+-]+)\s*\]",
                  lambda mo: "[" + re.sub(r"\s+", " ", mo.group(1)) + "]", text)
    with open(path, "w") as f:
        f.write(text + "\n")
