"""Figure 12: control (the round trip of a `status` command, and the
getAllProcessInfo() XML-RPC call alone, with 10 and 1,000 services).

Each supervisor (tend, supervisord) runs on one config file carrying
`[unix_http_server]`, `[supervisorctl]` and `[rpcinterface:supervisor]`
(Sup(ctl_socket=...)), so the same file serves the server and both clients:
  /usr/bin/supervisorctl -c CONF status    (Debian's, Python)
  tend ctl -c CONF status                  (tend's client, the tend-static binary)
Round trip = from posix_spawn of the client to its exit (seen through a pidfd).
An answer counts only if the client exits 0 and lists every service, once,
as RUNNING. RPC = supervisor.getAllProcessInfo() from Python's xmlrpc.client
over the UNIX socket, timed inside this process (no client start-up; the
reply's XML parsing by xmlrpc.client is included), and the same call until the
whole reply has arrived, before it is parsed. One supervisor at a time,
order rotated per repetition; within a supervisor the clients alternate.
"""

import http.client
import os
import select
import socket
import statistics
import time
import xmlrpc.client

from harness.procs import kill_list, kill_tree, reap_orphans, spawn, wait_for
from harness.results import add, log, metric, missing, note
from harness.supervisors import count_starts, mark_tend_missing, service_pids, sup_kinds
from harness.tools import BSVC, TEND_DYN, TEND_STATIC, rotate, tool_ok

SUPERVISORCTL = "/usr/bin/supervisorctl"
REF = "supervisord via supervisorctl"   # reference row of the `tend ctl` tables


class _UnixConn(http.client.HTTPConnection):
    def __init__(self, path, timeout, counter):
        super().__init__("localhost", timeout=timeout)
        self.sock_path = path
        self.counter = counter

    def connect(self):
        self.counter[0] += 1
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.sock_path)
        self.sock = s


class _UnixTransport(xmlrpc.client.Transport):
    """xmlrpc.client over a UNIX socket; the connection is kept between calls
    (as the stdlib transport keeps its HTTP/1.1 connection) when the server
    keeps it open."""

    def __init__(self, path, timeout):
        super().__init__()
        self.sock_path = path
        self.timeout = timeout
        self.connects = [0]   # connections opened (a server that closes after each reply: one a call)

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, _UnixConn(self.sock_path, self.timeout, self.connects)
        return self._connection[1]

    def parse_response(self, response):
        # the whole reply first (t_received), then the parse (the stdlib
        # transport reads and parses 1 KiB at a time)
        data = response.read()
        self.t_received = time.perf_counter_ns()
        p, u = self.getparser()
        p.feed(data)
        p.close()
        return u.close()


def proxy(path, timeout=30.0):
    return xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=_UnixTransport(path, timeout))


def infos_ok(infos, names):
    """None if infos (getAllProcessInfo's answer) lists exactly `names`, all RUNNING."""
    if not isinstance(infos, list):
        return "the answer is not a list"
    if len(infos) != len(names):
        return "%d processes in the answer for %d services" % (len(infos), len(names))
    run = {i.get("name") for i in infos if i.get("statename") == "RUNNING"}
    if run != names:
        return "%d of %d services RUNNING in the answer" % (len(run & names), len(names))
    return None


def all_running(path, names):
    try:
        return infos_ok(proxy(path, 5.0).supervisor.getAllProcessInfo(), names) is None
    except (OSError, xmlrpc.client.Error, http.client.HTTPException):
        return False


def status_ok(rc, text, names):
    """None if a `status` answer is right: exit 0, one line per service, each RUNNING."""
    if rc != 0:
        return "exit code %s" % rc
    lines = [ln.split() for ln in text.splitlines() if ln.strip()]
    if len(lines) != len(names):
        return "%d lines for %d services" % (len(lines), len(names))
    run = [p[0] for p in lines if len(p) > 1 and p[1] == "RUNNING"]
    if len(run) != len(names) or set(run) != names:
        return "%d of %d lines show a service RUNNING" % (len(set(run) & names), len(names))
    return None


def timed_run(argv, outpath, bound):
    """posix_spawn argv, stdout to outpath (truncated), stderr to outpath.err;
    wait (bounded) for its exit through a pidfd. Returns (ms from just before
    the spawn to the exit, exit code, stdout, stderr); ms and code are None
    if it did not exit within bound seconds (it is then killed)."""
    fd = os.open(outpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    errpath = outpath + ".err"
    if os.path.exists(errpath):
        os.unlink(errpath)
    try:
        t0 = time.monotonic_ns()
        pid = spawn(argv, stdout_fd=fd, err=errpath)
    finally:
        os.close(fd)
    ms = rc = None
    pfd = os.pidfd_open(pid)   # the child cannot be reaped before we wait for it
    try:
        p = select.poll()
        p.register(pfd, select.POLLIN)
        if p.poll(bound * 1000):
            t1 = time.monotonic_ns()
            ms = (t1 - t0) / 1e6
    finally:
        os.close(pfd)
    if ms is None:
        kill_tree(pid)
    try:
        _, st = os.waitpid(pid, 0)
        if ms is not None:
            rc = os.waitstatus_to_exitcode(st)
    except ChildProcessError:
        ms = None
    with open(outpath, errors="replace") as f:
        out = f.read()
    try:
        with open(errpath, errors="replace") as f:
            err = f.read()
    except OSError:
        err = ""
    return ms, rc, out, err


def p95(vals):
    v = sorted(vals)
    return v[int(0.95 * (len(v) - 1))]


def fig_ctl(res, P, work, tend_ok):
    counts, runs, calls = P["ctl_counts"], P["ctl_runs"], P["ctl_calls"]
    client = TEND_STATIC if tool_ok(TEND_STATIC) else TEND_DYN
    f = res.figure("ctl", "12. Control",
                   "Round trip of a `status` command with %s sleep-like services (startsecs=0), all "
                   "RUNNING: from posix_spawn of the client until it has exited, median of %d runs per "
                   "client and supervisor start (after one unmeasured run each), the clients alternating. "
                   "Clients: Debian's `supervisorctl -c CONF status` and tend's `tend ctl -c CONF status` "
                   "(the %s binary); CONF is the config file the supervisor runs on, with "
                   "`[unix_http_server]` (a UNIX socket in the work directory), `[supervisorctl]` and "
                   "`[rpcinterface:supervisor]`. A row is the server; `%s` repeats the supervisord row "
                   "of the `supervisorctl` table (the same samples), so `tend ctl` against tend is compared "
                   "with the whole supervisor stack. An answer counts only if the client exits 0 and "
                   "lists every service once, as RUNNING. RPC: `supervisor.getAllProcessInfo()` through "
                   "Python's xmlrpc.client over the same socket (one connection, kept when the server "
                   "keeps it), %d calls per supervisor start, or fewer (at least %d) once %.0f s have "
                   "passed, timed inside the Python process (no client start-up; parsing the reply's XML "
                   "is included; a second table stops the clock once the whole reply has been read, "
                   "before it is parsed). One supervisor at a time, order rotated per repetition (%d)."
                   % (", ".join(map(str, counts)), runs, os.path.basename(client), REF, calls,
                      P["ctl_calls_min"], P["ctl_rpc_secs"], P["ctl_reps"]))
    kinds = sup_kinds(tend_ok, include_dyn=True, s6=False)
    names_k = [n for n, _ in kinds]
    ms = {c: {} for c in counts}   # count -> kind -> metric; tables grouped by kind
    for c in counts:
        ms[c]["sctl"] = metric(f, "sctl_%d" % c, "`supervisorctl status` round trip, %d services" % c,
                               "ms", tools=names_k)
    for c in counts:
        ms[c]["tctl"] = metric(f, "tctl_%d" % c, "`tend ctl status` round trip, %d services" % c, "ms",
                               tools=names_k + ([REF] if "supervisord" in names_k else []))
    for c in counts:
        ms[c]["rpc"] = metric(f, "rpc_%d" % c, "getAllProcessInfo(), %d services: every call" % c,
                              "ms", tools=names_k)
    for c in counts:
        ms[c]["recv"] = metric(f, "rpc_recv_%d" % c, "getAllProcessInfo(), %d services: until the whole "
                               "reply has arrived (before xmlrpc.client parses it)" % c, "ms", tools=names_k)
    for c in counts:
        ms[c]["p95"] = metric(f, "rpc_p95_%d" % c, "getAllProcessInfo(), %d services: 95th percentile "
                              "of the calls of each supervisor start" % c, "ms", tools=names_k)
    every = [m for c in counts for m in ms[c].values()]
    if tend_ok is not None:
        mark_tend_missing(every, tend_ok)
    if not tool_ok("/usr/bin/supervisord"):
        for m in every:
            missing(m, "supervisord", "/usr/bin/supervisord is not installed")
    have_sctl = tool_ok(SUPERVISORCTL)
    if not have_sctl:
        for c in counts:
            for t in names_k:
                missing(ms[c]["sctl"], t, "%s is not installed" % SUPERVISORCTL)
            missing(ms[c]["tctl"], REF, "%s is not installed" % SUPERVISORCTL)
    if not tool_ok(client):
        for c in counts:
            for t in names_k:
                missing(ms[c]["tctl"], t, "no tend binary to run `tend ctl`")
    bad = {}   # (metric key, tool) -> [reasons]: wrong or failed answers, not samples

    def reject(m, tool, why):
        bad.setdefault((m["key"], tool), []).append(why)
        missing(m, tool, "wrong or failed answer: " + why)

    for rep in range(P["ctl_reps"]):
        for c in counts:
            for name, mk in rotate(kinds, rep):
                tag = "ctl-%d-%d-%s" % (rep, c, name)
                lg = os.path.join(work, tag + ".log")
                sock = os.path.join(work, tag + ".sock")
                names = {"svc%d" % i for i in range(c)}
                s = mk(tag, work, [("svc%d" % i, [BSVC, lg, "sleep"]) for i in range(c)],
                       startsecs=0, ctl_socket=sock)
                try:
                    s.start()
                    t_end = time.monotonic() + P["ctl_bound"]
                    ok = wait_for(lambda: count_starts(lg) >= c, P["ctl_bound"], 0.005) and \
                        wait_for(lambda: all_running(sock, names), max(0.0, t_end - time.monotonic()), 0.05)
                    if not ok:
                        why = "not every service RUNNING within %.0f s (%d of %d started)" % (
                            P["ctl_bound"], count_starts(lg), c)
                        for m in ms[c].values():
                            missing(m, name, why)
                        if name == "supervisord":
                            missing(ms[c]["tctl"], REF, why)
                        note("ctl: %s: %s" % (name, why))
                        continue
                    measure(P, s, name, c, names, ms[c], runs, calls, client, have_sctl, reject)
                finally:
                    s.kill()
                    kill_list(service_pids(lg))
                    reap_orphans()
    for (key, tool), whys in sorted(bad.items()):
        note("ctl (%s): %s: %d wrong or failed answer(s), not counted: %s" % (
            key, tool, len(whys), "; ".join(sorted(set(whys)))[:300]))


def measure(P, s, name, c, names, m, runs, calls, client, have_sctl, reject):
    conf = s.conf
    out = os.path.join(s.dir, "status.out")
    clients = []
    if have_sctl:
        clients.append(("sctl", [SUPERVISORCTL, "-c", conf, "status"]))
    if tool_ok(client):
        clients.append(("tctl", [client, "ctl", "-c", conf, "status"]))
    bound = 60.0

    def one(kind, argv, record):
        t, rc, text, err = timed_run(argv, out, bound)
        if t is None:
            why = "no exit within %.0f s" % bound
        else:
            why = status_ok(rc, text, names)
            if why and err.strip():
                why += " (stderr: %s)" % err.strip().splitlines()[-1][:120]
        mm = m[kind]
        if not record:
            return why
        if why:
            reject(mm, name, why)
            if kind == "sctl" and name == "supervisord":
                reject(m["tctl"], REF, why)
            return why
        add(mm, name, t)
        if kind == "sctl" and name == "supervisord":
            add(m["tctl"], REF, t)
        return None

    for kind, argv in clients:   # warm-up (page cache, Python's imports), not counted
        why = one(kind, argv, False)
        if why:
            log("ctl: %s, %d services: warm-up `%s` failed: %s" % (name, c, " ".join(argv[1:]), why))
    for i in range(runs):
        for kind, argv in rotate(clients, i):
            one(kind, argv, True)
    vals, recv = [], []
    pr = proxy(s.ctl_socket)
    t_end = time.monotonic() + P["ctl_rpc_secs"]
    for i in range(calls):
        if i >= P["ctl_calls_min"] and time.monotonic() > t_end:
            break
        try:
            t0 = time.perf_counter_ns()
            infos = pr.supervisor.getAllProcessInfo()
            t1 = time.perf_counter_ns()
            tr = pr("transport").t_received
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as e:
            reject(m["rpc"], name, "%s: %s" % (type(e).__name__, str(e)[:100]))
            pr = proxy(s.ctl_socket)
            continue
        why = infos_ok(infos, names)
        if why:
            reject(m["rpc"], name, why)
            continue
        vals.append((t1 - t0) / 1e6)
        recv.append((tr - t0) / 1e6)
    conns = pr("transport").connects[0]
    for v, r in zip(vals, recv):
        add(m["rpc"], name, v)
        add(m["recv"], name, r)
    if vals:
        add(m["p95"], name, p95(vals))
    def med(k):
        v = m[k]["tools"].get(name)
        return statistics.median(v) if v else float("nan")
    log("ctl: %s, %d services: supervisorctl %.1f ms, tend ctl %.1f ms, getAllProcessInfo %.2f ms "
        "(medians so far; %d calls on %d connection(s))" % (name, c, med("sctl"), med("tctl"), med("rpc"),
                                                           len(vals), conns))
