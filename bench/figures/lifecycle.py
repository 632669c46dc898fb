"""Figure 13: the container lifecycle (docs/lifecycle.md). Readiness -> the
start of the service that depends on it, and what health checks and idle
supervision cost.

Readiness latency, from the services' own clocks: `rdy` (the dependency)
logs CLOCK_MONOTONIC just before it signals readiness (READY=1 to
$NOTIFY_SOCKET; a newline on fd 3; listen() on a port it has already bound);
`bsvc` (the dependent) logs its start first thing. tend: `[program:db]
ready=...` + `[program:app] depends_on=db:ready`, a fresh `tend -c` per
sample. s6: `db/notification-fd` = 3, `app/run` = `s6-svwait -U db` then exec
the dependent (started with `s6-svc -u` once both s6-supervise are up, well
before db is ready; a stamp in app/run checks that). One supervisor at a
time, the variants rotated per repetition.

Costs: N services (`bsvc sleep`) under tend as PID 1 of a fresh PID
namespace (`unshare --pid --fork --mount-proc`), as in a container:
  - no health check, side by side with supervisord and s6 (same services, all
    three at the same time, while the readiness samples are taken: a
    context-switch count does not depend on the load);
  - `healthcheck=exec:true`, `health_interval=1`, alone: all ready at once (the
    checks fire together), then spread (each service, `rdy` with
    `ready=fd:3`, ready at a random instant of its first second);
  - 2N services with `healthcheck=tcp:127.0.0.1:PORT`, `health_interval=1`,
    spread, against one listener (`rdy listen`, outside the tree), alone.
tend's own CPU: /proc/PID/schedstat; the checks' CPU (keepers + shells, every
one reaped by tend): cutime + cstime of /proc/PID/stat; wake-ups: voluntary
context switches (/proc/PID/status). Checks done in the window: exec, the PIDs
allocated in tend's PID namespace (a keeper and a shell per check; read from a
process forked into the namespace); tcp, the connections the listener accepted.
The reference for an exec check: `launch K /bin/sh -c true` (the shell alone,
fork + exec + wait from a C loop), its CPU from the harness's children's times.
"""

import ctypes
import os
import socket
import time

from harness.procs import children, kill_list, kill_tree, proc_state, read_status, reap_orphans, \
    run_cmd, spawn, wait_exit, wait_for, cpu_ns
from harness.results import add, log, metric, missing, note
from harness.supervisors import S6Sup, SupervisordSup, TendSup, count_starts, read_log, service_pids
from harness.tools import BSVC, TEND_DYN, TEND_STATIC, helper, rotate, tool_ok

RDY = helper("rdy")
S6SVC = "/usr/bin/s6-svc"
S6SVWAIT = "/usr/bin/s6-svwait"
EXECLINEB = "/usr/bin/execlineb"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PC_DOC = ("documented, not measured (process-compose is not installable here): its readiness_probe "
          "(exec or http_get) polls every period_seconds, a whole number of seconds, at least 1 "
          "(below 1 it becomes the default, 10): for a polled port, at best up to 1000 ms after the "
          "port opens, about 500 ms on average, plus the probe itself")
PC_DOC_P99 = "documented, not measured: at best up to 1000 ms (period_seconds=1)"
NO_READY_SUPD = ("supervisord has no readiness: a program is RUNNING once it has stayed up startsecs, "
                 "and `priority` orders starts without waiting for anything")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class QuietTend(TendSup):
    """tend -c without a control socket (TEND_CTL_SOCKET=none: nothing on /run/tend.sock)."""

    def launch(self, argv):
        self.pid = spawn(argv, out=self.out, env=dict(os.environ, TEND_CTL_SOCKET="none"))


class NsTend(TendSup):
    """tend -c as PID 1 of a fresh PID namespace (as in a container); .pid is tend's host PID."""
    unshare = None

    def launch(self, argv):
        self.unshare = spawn(["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] + argv,
                             out=self.out, env=dict(os.environ, TEND_CTL_SOCKET="none"))
        self.pid = wait_for(lambda: (children(self.unshare) or [None])[0], 5.0, 0.002)

    def kill(self):
        if self.unshare:
            kill_tree(self.unshare)
            wait_exit(self.unshare, 5)


# ---- readiness latency ----

def first(path, kind):
    for k, pid, t in read_log(path):
        if k == kind:
            return t
    return None


def tail(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-200:].strip().replace("\n", " | ")
    except OSError:
        return ""


def tend_rep(binary, work, tag, ready, interval, rdy_args, bound):
    """One sample: a fresh tend with db (ready=READY) and app (depends_on=db:ready).
    Returns (ms from db's readiness to app's start, None) or (None, why)."""
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    dblog, applog = os.path.join(d, "db.log"), os.path.join(d, "app.log")
    opts = {"db": {"ready": ready, "stderr_logfile": os.path.join(d, "db.err")},
            "app": {"depends_on": "db:ready"}}
    if interval:
        opts["db"]["ready_interval"] = interval
    s = QuietTend(tag, binary, work, [("db", [RDY, dblog] + rdy_args), ("app", [BSVC, applog, "sleep"])],
                  startsecs=0, prog_opts=opts)
    try:
        s.start()
        ok = wait_for(lambda: count_starts(applog) >= 1, bound, 0.005)
        if not ok:
            return None, "the dependent did not start within %.0f s (tend: %s; db: %s)" % (
                bound, tail(s.out) or "no output", tail(os.path.join(d, "db.err")) or "no stderr")
    finally:
        s.kill()
    r, st = first(dblog, "R"), first(applog, "S")
    if r is None or st is None:
        return None, "no readiness mark in the dependency's log"
    return (st - r) / 1e6, None


def s6_rep(work, tag, rdy_args, bound):
    """One sample under s6: db with notification-fd 3, app's run script waits
    with s6-svwait -U then execs the dependent."""
    d = os.path.join(work, tag)
    scan = os.path.join(d, "scan")
    dbd, appd = os.path.join(scan, "db"), os.path.join(scan, "app")
    os.makedirs(dbd, exist_ok=True)
    os.makedirs(appd, exist_ok=True)
    dblog, applog, stamp = os.path.join(d, "db.log"), os.path.join(d, "app.log"), os.path.join(d, "stamp")
    el = tool_ok(EXECLINEB)
    with open(os.path.join(dbd, "run"), "w") as f:
        if el:
            f.write("#!%s -P\n%s\n" % (EXECLINEB, " ".join([RDY, dblog] + rdy_args)))
        else:
            f.write("#!/bin/sh\nexec %s\n" % " ".join([RDY, dblog] + rdy_args))
    with open(os.path.join(dbd, "notification-fd"), "w") as f:
        f.write("3\n")
    with open(os.path.join(appd, "run"), "w") as f:
        if el:
            f.write("#!%s -P\nforeground { %s %s stamp }\nif { %s -U %s }\n%s %s sleep\n" % (
                EXECLINEB, RDY, stamp, S6SVWAIT, dbd, BSVC, applog))
        else:
            f.write("#!/bin/sh\n%s %s stamp\n%s -U %s || exit 1\nexec %s %s sleep\n" % (
                RDY, stamp, S6SVWAIT, dbd, BSVC, applog))
    for x in (dbd, appd):
        os.chmod(os.path.join(x, "run"), 0o755)
    open(os.path.join(appd, "down"), "w").close()
    out = os.path.join(d, "s6.out")
    pid = spawn(["/usr/bin/s6-svscan", scan], out=out)
    try:
        up = wait_for(lambda: all(os.path.exists(os.path.join(x, "supervise", "status")) for x in (dbd, appd)),
                      5.0, 0.002)
        if not up:
            return None, "s6-supervise did not start within 5 s"
        rc, _, err = run_cmd([S6SVC, "-u", appd], 5)
        if rc != 0:
            return None, "s6-svc -u failed: %s" % err.strip()[:100]
        if not wait_for(lambda: count_starts(applog) >= 1, bound, 0.005):
            return None, "the dependent did not start within %.0f s (%s)" % (bound, tail(out) or "no output")
    finally:
        kill_tree(pid)
        wait_exit(pid, 5)
    r, st, w = first(dblog, "R"), first(applog, "S"), first(stamp, "W")
    if r is None or st is None:
        return None, "no readiness mark in the dependency's log"
    if w is None or w > r:
        return None, "app/run started after db was ready (s6-svwait would not have waited)"
    return (st - r) / 1e6, None


def pct(vals, q):
    """Nearest-rank percentile."""
    v = sorted(vals)
    k = max(1, int(-(-q * len(v) // 100)))   # ceil(q/100 * n)
    return v[k - 1]


# ---- costs ----

def stat_sample(pid):
    """(own CPU ns from schedstat, reaped children's CPU ns from cutime+cstime,
    voluntary, involuntary context switches) of pid; None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    f2 = s[s.rfind(")") + 2:].split()
    child = (int(f2[13]) + int(f2[14])) * 1e9 / CLK_TCK
    st = read_status(pid)
    own = cpu_ns(pid)
    if not st or own is None:
        return None
    return own, child, int(st["voluntary_ctxt_switches"]), int(st["nonvoluntary_ctxt_switches"])


def tree_sample(pids):
    cpu = vol = 0
    for p in pids:
        x = stat_sample(p)
        if x:
            cpu += x[0]
            vol += x[2]
    return cpu, vol


_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWPID = 0x20000000


def ns_last_pid(init_pid):
    """The PID that a new process gets in init_pid's PID namespace (fork a child
    into it); the difference between two calls - 1 = PIDs allocated between them."""
    try:
        own = os.open("/proc/self/ns/pid", os.O_RDONLY)
        tgt = os.open("/proc/%d/ns/pid" % init_pid, os.O_RDONLY)
    except OSError:
        return None
    r, w = os.pipe()
    try:
        if _libc.setns(tgt, CLONE_NEWPID) != 0:
            return None
        try:
            pid = os.fork()
        finally:
            _libc.setns(own, CLONE_NEWPID)
        if pid == 0:
            os.write(w, str(os.getpid()).encode())
            os._exit(0)
        os.close(w)
        w = -1
        data = os.read(r, 32)
        os.waitpid(pid, 0)
        return int(data) if data else None
    finally:
        os.close(own)
        os.close(tgt)
        os.close(r)
        if w >= 0:
            os.close(w)


def read_count(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class CostRun:
    """A tend (PID 1 of its namespace) with n services, windows sampled on tend."""

    def __init__(self, binary, work, tag, n, opts_of, argv=None):
        self.lg = os.path.join(work, tag + ".log")
        svcs = [("svc%d" % i, argv(self.lg) if argv else [BSVC, self.lg, "sleep"]) for i in range(n)]
        self.s = NsTend(tag, binary, work, svcs, startsecs=0,
                        prog_opts={name: opts_of(i) for i, (name, _) in enumerate(svcs)})
        self.n = n

    def start(self, bound):
        self.s.start()
        ok = self.s.pid and wait_for(lambda: count_starts(self.lg) >= self.n, bound, 0.01)
        return ok

    def why(self, bound):
        return "%d of %d services started within %.0f s (tend: %s)" % (
            count_starts(self.lg), self.n, bound, tail(self.s.out) or "no output")

    def kill(self):
        self.s.kill()
        kill_list(service_pids(self.lg))
        reap_orphans()


def window(run, secs, count=None):
    """Sample tend over secs seconds. Returns dict or None."""
    p = run.s.pid
    a, t0 = stat_sample(p), time.monotonic()
    n0 = ns_last_pid(p)
    c0 = count() if count else None
    time.sleep(secs)
    b, el = stat_sample(p), time.monotonic() - t0
    n1 = ns_last_pid(p)
    c1 = count() if count else None
    if not a or not b or proc_state(p) in (None, "Z"):
        return None
    out = dict(el=el, own_pct=(b[0] - a[0]) / (el * 1e9) * 100, child_pct=(b[1] - a[1]) / (el * 1e9) * 100,
               own_ns=b[0] - a[0], child_ns=b[1] - a[1],
               wake=(b[2] - a[2]) / el, invol=(b[3] - a[3]) / el,
               pids=(n1 - n0 - 1) if n0 is not None and n1 is not None else None)
    if c0 is not None and c1 is not None:
        out["accepts"] = c1 - c0
    return out


def fig_lifecycle(res, P, work, tend_ok):
    reps, n = P["lc_reps"], P["lc_n"]
    n_tcp = 2 * n
    tname, tbin = ("tend-static", TEND_STATIC) if tool_ok(TEND_STATIC) else ("tend", TEND_DYN)
    lo, hi = P["lc_delay"]
    el = "an execlineb script" if tool_ok(EXECLINEB) else "a /bin/sh script (execline is not installed)"
    f = res.figure("lifecycle", "13. Lifecycle: readiness and health checks",
                   "Readiness latency: from the dependency signalling readiness to the start of the service "
                   "that depends on it, both times taken by the services themselves (CLOCK_MONOTONIC): `rdy` "
                   "logs just before it sends READY=1 to $NOTIFY_SOCKET, writes a newline to fd 3, or calls "
                   "listen() on a port it has already bound, after a random delay of %d-%d ms (%d-%d ms for the "
                   "250 ms poll, so that the poll's phase is uniform); `bsvc` logs its start first thing. tend "
                   "(%s): `[program:db] ready=notify|fd:3|tcp:127.0.0.1:PORT` and `[program:app] "
                   "depends_on=db:ready`, a fresh `tend -c` per sample. s6: `db/notification-fd` = 3 and an "
                   "`app/run` (%s) that runs `s6-svwait -U db` then execs the dependent; app is brought up "
                   "(`s6-svc -u`) once both s6-supervise run, long before db is ready (a stamp in app/run "
                   "checks it). %d samples per variant, one supervisor at a time, variants rotated per "
                   "repetition; p99 is the nearest-rank 99th percentile of those samples (with fewer than 100 "
                   "samples, the maximum). Costs: %d `bsvc sleep` services under tend as PID 1 of a fresh PID "
                   "namespace; without health checks side by side with supervisord and s6 (same services, all "
                   "at the same time, during the readiness samples, >= %.0f s); with `healthcheck=exec:true`, "
                   "`health_interval=1`, all started (and ready) together, so that the checks fire together, "
                   "and spread: each service (`rdy`, `ready=fd:3`) ready at a random instant of its first "
                   "second (%.0f s windows, alone); %d services with `healthcheck=tcp:127.0.0.1:PORT`, "
                   "`health_interval=1`, spread, against one listener outside the tree (%.0f s window, alone). "
                   "Windows start %.1f s (spread: %.1f s) after the last service has started. tend's CPU from "
                   "/proc/PID/schedstat, the checks' CPU (keepers + shells, all reaped by tend) from cutime + "
                   "cstime in /proc/PID/stat (10 ms ticks), wake-ups = voluntary context switches "
                   "(/proc/PID/status), in %% of one core and per second of the window. `/bin/sh -c true "
                   "alone`: the CPU of one fork + exec + wait of the shell from a C loop (`launch`), children's "
                   "times of the harness."
                   % (lo, hi, lo, hi + 200, tname, el, reps, n, P["lc_idle_window"], P["lc_window"], n_tcp,
                      P["lc_tcp_window"], P["lc_settle"], P["lc_settle"] + 1.0))
    V = [  # key, label, ready=, ready_interval, rdy arguments (port), short label
        ("notify", "ready=notify (sd_notify READY=1) -> start of the dependent", "notify", None,
         lambda port: ["notify", str(lo), str(hi)], "ready=notify"),
        ("fd", "ready=fd:3 (a newline on fd 3, s6's notification-fd) -> start of the dependent", "fd:3", None,
         lambda port: ["fd", "3", str(lo), str(hi)], "ready=fd:3"),
        ("tcp50", "ready=tcp:127.0.0.1:PORT, ready_interval=50ms: listen() -> start of the dependent",
         "tcp", "50ms", lambda port: ["tcp", str(port), str(lo), str(hi)], "ready=tcp, ready_interval=50ms"),
        ("tcp250", "ready=tcp:127.0.0.1:PORT, ready_interval=250ms (the default): listen() -> start of the "
         "dependent", "tcp", "250ms", lambda port: ["tcp", str(port), str(lo), str(hi + 200)],
         "ready=tcp, ready_interval=250ms"),
    ]
    lat, p99 = {}, {}
    for key, label, _, _, _, short in V:
        tools = [tname] + (["s6"] if key == "fd" else [])
        lat[key] = metric(f, key, label, "ms", tools=tools)
        p99[key] = metric(f, key + "_p99", short + ": p99 of the samples", "ms", tools=tools)
    for key in ("notify", "fd"):
        missing(lat[key], "supervisord", NO_READY_SUPD)
    missing(lat["notify"], "s6", "no sd_notify; s6's readiness is its notification fd (the fd:3 tables)")
    for key in ("tcp50", "tcp250"):
        missing(lat[key], "process-compose", PC_DOC)
        missing(p99[key], "process-compose", PC_DOC_P99)
    sup3 = [tname, "supervisord", "s6"]
    m_iw = metric(f, "idle_wake", "%d services, no health check: wake-ups per second of the supervisor "
                  "process (tend; supervisord; s6-svscan)" % n, "per s", tools=sup3)
    m_itw = metric(f, "idle_tree_wake", "%d services, no health check: wake-ups per second of the whole "
                   "supervision tree (tend + keepers; supervisord; s6-svscan + s6-supervise; services "
                   "excluded)" % n, "per s", tools=sup3)
    m_ic = metric(f, "idle_cpu", "%d services, no health check: CPU of the supervision tree" % n,
                  "% of a core", tools=sup3)
    # the health check scenarios: key, label, services, ready spread?, check, window
    SC = [("exec", "%d services, healthcheck=exec:true every 1 s, all ready at once" % n, n, False, "exec:true",
           P["lc_window"]),
          ("exec_spread", "%d services, healthcheck=exec:true every 1 s, ready at random instants of their "
           "first second" % n, n, True, "exec:true", P["lc_window"]),
          ("tcp", "%d services, healthcheck=tcp:127.0.0.1:PORT every 1 s, ready at random instants of their "
           "first second" % n_tcp, n_tcp, True, "tcp", P["lc_tcp_window"])]
    cm = {}
    for key, label, _, _, check, _ in SC:
        c = cm[key] = {}
        c["own"] = metric(f, key + "_cpu", label + ": tend's own CPU", "% of a core", tools=[tname])
        if check != "tcp":
            c["child"] = metric(f, key + "_check_cpu", label + ": CPU of the checks (keepers + shells, reaped "
                                "by tend)", "% of a core", tools=[tname])
        c["wake"] = metric(f, key + "_wake", label + ": tend's wake-ups per second", "per s", tools=[tname])
        c["rate"] = metric(f, key + "_rate", label + ": checks per second (%s)" % (
            "connections accepted by the listener" if check == "tcp" else
            "PIDs allocated in tend's namespace / 2: a keeper and a shell per check"),
            "per s", lower_is_better=False, tools=[tname])
        c["per"] = metric(f, key + "_per_check", label + ": CPU per check (%s)" % (
            "tend" if check == "tcp" else "tend + keeper + shell"), "us",
            tools=[tname] + (["/bin/sh -c true alone"] if key == "exec" else []))
        missing(c["own"], "supervisord", "supervisord has no health checks")
        missing(c["own"], "s6", "s6 has no health checks")
    cost_ms = [m for c in cm.values() for m in c.values()]
    every = list(lat.values()) + list(p99.values()) + [m_iw, m_itw, m_ic] + cost_ms
    if tend_ok is not None:
        for m in every:
            missing(m, tname, tend_ok)
    if not tool_ok(RDY):
        for m in every:
            missing(m, tname, "%s is not built" % RDY)
        return
    have_s6 = all(tool_ok(x) for x in ("/usr/bin/s6-svscan", S6SVC, S6SVWAIT))
    if not have_s6:
        for m in (lat["fd"], p99["fd"], m_iw, m_itw, m_ic):
            missing(m, "s6", "s6 (s6-svscan, s6-svc, s6-svwait) is not installed")
    if not tool_ok("/usr/bin/supervisord"):
        for m in (m_iw, m_itw, m_ic):
            missing(m, "supervisord", "/usr/bin/supervisord is not installed")

    # 1. idle trees (no health check) up, then the readiness samples inside their window
    idle = []
    try:
        if tend_ok is None:
            run = CostRun(tbin, work, "lc-idle-tend", n, lambda i: {})
            idle.append((tname, run.s, run.lg, run))
        if tool_ok("/usr/bin/supervisord"):
            lg = os.path.join(work, "lc-idle-supervisord.log")
            idle.append(("supervisord", SupervisordSup("lc-idle-supervisord", work,
                                                        [("svc%d" % i, [BSVC, lg, "sleep"]) for i in range(n)]),
                         lg, None))
        if have_s6:
            lg = os.path.join(work, "lc-idle-s6.log")
            idle.append(("s6", S6Sup("lc-idle-s6", work, [("svc%d" % i, [BSVC, lg, "sleep"]) for i in range(n)]),
                         lg, None))
        up = []
        for name, s, lg, _ in idle:
            s.start()
        for name, s, lg, _ in idle:
            if s.pid and wait_for(lambda: count_starts(lg) >= n, P["lc_bound"], 0.01):
                up.append((name, s, lg))
            else:
                why = "%d of %d services started within %.0f s" % (count_starts(lg), n, P["lc_bound"])
                for m in (m_iw, m_itw, m_ic):
                    missing(m, name, why)
        time.sleep(P["lc_settle"])
        t_idle = time.monotonic()
        first_s = {}
        for name, s, lg in up:
            tree = s.tree(service_pids(lg))
            first_s[name] = (tree, stat_sample(s.pid), tree_sample(tree))

        # 2. readiness samples
        log("lifecycle: readiness latency, %d samples per variant" % reps)
        kinds = [(key, "tend") for key, _, _, _, _, _ in V] if tend_ok is None else []
        if have_s6:
            kinds.append(("fd", "s6"))
        samples, fails = {}, {}

        def one(key, who, tag):
            v = next(x for x in V if x[0] == key)
            port = free_port()
            if who == "tend":
                ready = "tcp:127.0.0.1:%d" % port if v[2] == "tcp" else v[2]
                return tend_rep(tbin, work, tag, ready, v[3], v[4](port), P["lc_rep_bound"])
            return s6_rep(work, tag, v[4](port), P["lc_rep_bound"])

        for key, who in kinds:   # one unmeasured run each (page cache, first exec of each binary)
            one(key, who, "lc-warm-%s-%s" % (who, key))
        for rep in range(reps):
            for key, who in rotate(kinds, rep):
                ms, why = one(key, who, "lc-%s-%s-%d" % (who, key, rep))
                tool = tname if who == "tend" else "s6"
                if ms is None:
                    fails.setdefault((key, tool), []).append(why)
                else:
                    samples.setdefault((key, tool), []).append(ms)
        for (key, tool), vals in samples.items():
            for x in vals:
                add(lat[key], tool, x)
            add(p99[key], tool, pct(vals, 99))
        for (key, tool), whys in sorted(fails.items()):
            note("lifecycle (%s): %s: %d sample(s) failed: %s" % (key, tool, len(whys), "; ".join(sorted(set(whys)))[:300]))
            if not samples.get((key, tool)):
                missing(lat[key], tool, whys[0])
                missing(p99[key], tool, whys[0])

        # 3. end of the idle window
        rest = P["lc_idle_window"] - (time.monotonic() - t_idle)
        if rest > 0:
            time.sleep(rest)
        el = time.monotonic() - t_idle
        for name, s, lg in up:
            tree, a, ta = first_s[name]
            b, tb = stat_sample(s.pid), tree_sample(tree)
            if not a or not b:
                missing(m_iw, name, "the supervisor exited during the window")
                continue
            add(m_iw, name, (b[2] - a[2]) / el)
            add(m_itw, name, (tb[1] - ta[1]) / el)
            add(m_ic, name, (tb[0] - ta[0]) / (el * 1e9) * 100)
        log("lifecycle: idle window %.1f s: wake-ups/s %s" % (el, ", ".join(
            "%s %.3g" % (name, m_iw["tools"][name][-1]) for name, _, _ in up if m_iw["tools"].get(name))))
    finally:
        for name, s, lg, run in idle:
            if run:
                run.kill()
            else:
                s.kill()
                kill_list(service_pids(lg))
        reap_orphans()
    if tend_ok is not None:
        return

    # 4. health checks, one scenario at a time
    for key, label, count, spread, check, secs in SC:
        log("lifecycle: %s, %.0f s" % (label, secs))
        cost_run(cm[key], tname, tbin, work, key, count, spread, check, secs, P)
    # what the shell of an exec check costs without tend: fork + exec + wait from a C loop
    k = 5 * P["lc_n"]
    r0 = os.times()
    rc, out, err = run_cmd([helper("launch"), str(k), "/bin/sh", "-c", "true"], 60)
    r1 = os.times()
    if rc == 0 and out:
        add(cm["exec"]["per"], "/bin/sh -c true alone",
            ((r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)) / k * 1e6)
    else:
        missing(cm["exec"]["per"], "/bin/sh -c true alone", "launch helper failed: %s" % (err or "").strip()[:100])


def cost_run(c, tname, tbin, work, key, count, spread, check, secs, P):
    """count services under tend (PID 1 of its namespace) with a health check every
    second; with spread, each service is ready (ready=fd:3) at a random instant of
    its first second, so that the checks do not all fire together."""
    lpid = cnt = None
    if check == "tcp":
        port = free_port()
        cnt = os.path.join(work, "lc-%s.count" % key)
        lpid = spawn([RDY, cnt, "listen", str(port)], out=os.path.join(work, "lc-%s.err" % key))
        check = "tcp:127.0.0.1:%d" % port

    def opts(i):
        o = {"healthcheck": check, "health_interval": "1"}
        if spread:
            o["ready"] = "fd:3"
        return o
    run = CostRun(tbin, work, "lc-" + key, count, opts,
                  argv=(lambda lg: [RDY, lg, "fd", "3", "0", "1000"]) if spread else None)
    try:
        if (cnt and not wait_for(lambda: os.path.exists(cnt), 2.0)) or not run.start(P["lc_bound"]):
            for m in c.values():
                missing(m, tname, run.why(P["lc_bound"]))
            return
        time.sleep(P["lc_settle"] + (1.0 if spread else 0.0))
        w = window(run, secs, count=(lambda: read_count(cnt) or 0) if cnt else None)
        if not w:
            for m in c.values():
                missing(m, tname, "tend exited during the window (%s)" % tail(run.s.out))
            return
        add(c["own"], tname, w["own_pct"])
        if "child" in c:
            add(c["child"], tname, w["child_pct"])
        add(c["wake"], tname, w["wake"])
        checks = w.get("accepts") if cnt else (w["pids"] / 2.0 if w["pids"] else None)
        if checks:
            add(c["rate"], tname, checks / w["el"])
            add(c["per"], tname, (w["own_ns"] + w["child_ns"]) / checks / 1e3)
        else:
            for m in (c["rate"], c["per"]):
                missing(m, tname, "no check counted in the window")
        log("lifecycle: %s: tend %.2f %% + reaped %.2f %% of a core, %.1f wake-ups/s, %.1f checks/s" % (
            key, w["own_pct"], w["child_pct"], w["wake"], (checks or 0) / w["el"]))
    finally:
        run.kill()
        if lpid:
            kill_tree(lpid)
            wait_exit(lpid, 5)
