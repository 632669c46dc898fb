"""Supervision trees under test (tend -c, supervisord, s6) on one config, and
reading the services' own event logs (bsvc: S/T/X lines with timestamps)."""

import os
import signal

from harness.procs import kill_tree, proc_state, proc_table, read_status, kb, pss_kb, \
    spawn, wait_exit, wait_for, cpu_ns
from harness.results import missing
from harness.tools import BSVC, TEND_DYN, TEND_STATIC, tool_ok


def read_log(path):
    ev = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 3:
                    ev.append((p[0], int(p[1]), int(p[2])))
    except OSError:
        pass
    return ev


def count_starts(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"S ")
    except OSError:
        return 0


def service_pids(logpath):
    return [pid for kind, pid, _ in read_log(logpath) if kind == "S"]


def restart_latencies(logpath):
    """crash -> restart latencies (ms) from a bsvc crash log: each S after an X."""
    out, last_x = [], None
    for kind, _, t in read_log(logpath):
        if kind == "X":
            last_x = t
        elif kind == "S" and last_x is not None:
            out.append((t - last_x) / 1e6)
            last_x = None
    return out


# per-program keys; prog_opts can override them per program
PROGRAM_DEFAULTS = [("autostart", "true"), ("autorestart", "true"), ("startsecs", None),
                    ("startretries", "1000"), ("stopwaitsecs", None), ("stopsignal", "TERM"),
                    ("stdout_logfile", "NONE"), ("stderr_logfile", "NONE")]


class Sup:
    """One supervision tree (tend, supervisord or s6) on a set of services.
    services: list of (name, [argv...]); prog_opts: {name: {key: value}} extra
    or overriding [program:] keys (tend and supervisord only); stdout_fd: the
    supervisor's stdout (default: its .out file); ctl_socket: a UNIX socket path
    for the control server (`[unix_http_server]`, with the `[supervisorctl]`
    and `[rpcinterface:supervisor]` sections that make the same file serve
    supervisord, tend and supervisorctl); None: no control section."""
    kind = None

    def __init__(self, name, work, services, startsecs=0, stopwait=10, group=False,
                 prog_opts=None, stdout_fd=None, ctl_socket=None):
        self.name = name
        self.group = group
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.services = services
        self.startsecs = startsecs
        self.stopwait = stopwait
        self.prog_opts = prog_opts or {}
        self.stdout_fd = stdout_fd
        self.ctl_socket = ctl_socket
        self.pid = None
        self.out = os.path.join(self.dir, "supervisor.out")
        self.conf = os.path.join(self.dir, "services.conf")  # written by ini()

    def ini(self):
        lines = ["[supervisord]", "nodaemon=true", "logfile=/dev/null", "logfile_maxbytes=0",
                 "pidfile=%s/supervisord.pid" % self.dir, "minfds=8192", "minprocs=4096",
                 "loglevel=warn", "user=root", ""]
        if self.ctl_socket:
            lines += ["[unix_http_server]", "file=%s" % self.ctl_socket, "",
                      "[supervisorctl]", "serverurl=unix://%s" % self.ctl_socket, "",
                      "[rpcinterface:supervisor]",
                      "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", ""]
        for name, argv in self.services:
            keys = dict(PROGRAM_DEFAULTS, startsecs=str(self.startsecs), stopwaitsecs=str(self.stopwait))
            keys.update(self.prog_opts.get(name, {}))
            lines += ["[program:%s]" % name, "command=%s" % " ".join(argv)]
            lines += ["%s=%s" % kv for kv in keys.items()] + [""]
        if self.group:
            # one group: supervisord stops the programs of a group in parallel,
            # but stops groups one after the other
            lines += ["[group:all]", "programs=" + ",".join(n for n, _ in self.services), ""]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines))
        return self.conf

    def launch(self, argv):
        if self.stdout_fd is None:
            self.pid = spawn(argv, out=self.out)
        else:
            self.pid = spawn(argv, stdout_fd=self.stdout_fd, err=self.out)

    def start(self):
        raise NotImplementedError

    def stop_signal(self):
        os.kill(self.pid, signal.SIGTERM)

    def tree(self, service_pids=(), service_comms=()):
        """PIDs of the supervision tree: the supervisor and its descendants,
        minus the services (given by PID or by command name) and anything below them."""
        tab = proc_table()
        svc = set(service_pids)
        kids = {}
        for pid, (ppid, _, _) in tab.items():
            kids.setdefault(ppid, []).append(pid)
        out, stack = [self.pid], [self.pid]
        while stack:
            p = stack.pop()
            for c in kids.get(p, []):
                if c in svc or tab[c][1] == "Z" or tab[c][2] in service_comms:
                    continue
                out.append(c)
                stack.append(c)
        return out

    def tree_cpu_ns(self, service_comms):
        """CPU time used so far by the supervision tree (services excluded)."""
        return sum(cpu_ns(p) or 0 for p in self.tree(service_comms=service_comms))

    def kill(self):
        if self.pid:
            kill_tree(self.pid)
            wait_exit(self.pid, 5)


class TendSup(Sup):
    def __init__(self, name, binary, *a, **k):
        super().__init__(name, *a, **k)
        self.binary = binary

    def start(self):
        self.launch([self.binary, "-c", self.ini()])


class SupervisordSup(Sup):
    def start(self):
        self.launch(["/usr/bin/supervisord", "-n", "-c", self.ini()])


class S6Sup(Sup):
    def start(self):
        scan = os.path.join(self.dir, "scan")
        os.makedirs(scan, exist_ok=True)
        for name, argv in self.services:
            d = os.path.join(scan, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "run"), "w") as f:
                if os.path.exists("/usr/bin/execlineb"):
                    f.write("#!/usr/bin/execlineb -P\n%s\n" % " ".join(argv))
                else:
                    f.write("#!/bin/sh\nexec %s\n" % " ".join(argv))
            os.chmod(os.path.join(d, "run"), 0o755)
        # -c: s6-svscan 2.11 supervises at most 500 service directories by default
        self.launch(["/usr/bin/s6-svscan", "-c", str(max(500, 2 * len(self.services))), scan])


def tend_supervision_probe(work):
    """Does `tend -c` supervise? Returns None if yes, else the reason."""
    if not tool_ok(TEND_DYN):
        return "%s not built" % TEND_DYN
    d = os.path.join(work, "probe")
    os.makedirs(d, exist_ok=True)
    lg = os.path.join(d, "log")
    s = TendSup("probe", TEND_DYN, work, [("p", [BSVC, lg, "sleep"])])
    s.start()
    try:
        ok = wait_for(lambda: count_starts(lg) >= 1, 3.0)
        if ok:
            return None
        alive = proc_state(s.pid) not in (None, "Z")
        try:
            with open(s.out) as f:
                tail = f.read()[-300:].strip().replace("\n", " | ")
        except OSError:
            tail = ""
        return "`tend -c` did not start a service within 3 s (%s; stderr: %s)" % (
            "still running" if alive else "exited", tail or "empty")
    finally:
        s.kill()


def sup_kinds(tend_ok, include_dyn=False, s6=True):
    k = []
    if tend_ok is None:
        if tool_ok(TEND_STATIC):
            k.append(("tend-static", lambda n, w, sv, **kw: TendSup(n, TEND_STATIC, w, sv, **kw)))
        if include_dyn or not tool_ok(TEND_STATIC):
            k.append(("tend", lambda n, w, sv, **kw: TendSup(n, TEND_DYN, w, sv, **kw)))
    if tool_ok("/usr/bin/supervisord"):
        k.append(("supervisord", lambda n, w, sv, **kw: SupervisordSup(n, w, sv, **kw)))
    if s6 and tool_ok("/usr/bin/s6-svscan"):
        k.append(("s6", lambda n, w, sv, **kw: S6Sup(n, w, sv, **kw)))
    return k


def mark_tend_missing(metrics, why, names=("tend-static", "tend")):
    for m in metrics:
        for n in names:
            missing(m, n, why)


def start_and_wait(s, logpath, n, bound):
    s.start()
    ok = wait_for(lambda: count_starts(logpath) >= n, bound, 0.005)
    return ok


def tree_mem(s, logpath):
    pids = s.tree(service_pids(logpath))
    rss = pss = 0
    for p in pids:
        st = read_status(p)
        if st:
            rss += kb(st.get("VmRSS"))
        ps = pss_kb(p)
        if ps:
            pss += ps
    return rss, pss, len(pids)

