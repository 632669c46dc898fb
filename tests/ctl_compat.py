"""The compatibility harness: one scenario (a config and supervisorctl command lines, with
"wait until" conditions between them) run under real supervisord and under tend, both
driven by the real Debian /usr/bin/supervisorctl, and the two transcripts compared
command by command after a narrow normaliser (pids, uptimes, stop dates, the tmp path).

Both servers run as PID 1 of their own PID namespace (conftest's procs, unshare), with
stdout and stderr in files in their tmp directory (not pipes: supervisord's tail of a
program logging to /dev/stdout reads its own stdout, which would steal from a pipe).

Switch: COMPAT_BOTH=supervisord runs the "tend" half with supervisord too, to prove that
the harness finds no difference where there is none (what tests/test_ctl_compat.py
compares is then supervisord against itself).
"""
import grp
import os
import pwd
import re
import shlex
import signal
import stat
import subprocess
import time

import pytest

from conftest import SLOW, TEND
from supervise_util import free_port  # noqa: F401  (the scenarios import it from here)

SUPERVISORD = "/usr/bin/supervisord"
SUPERVISORCTL = "/usr/bin/supervisorctl"
PY = "/usr/bin/python3"
BOTH = os.environ.get("COMPAT_BOTH", "")

# What every scenario's config starts with; tend must accept it unchanged.
BASE = """\
[supervisord]
logfile=%(tmp)s/supervisord.log
pidfile=%(tmp)s/supervisord.pid
nodaemon=true

[unix_http_server]
file=%(tmp)s/sock

[supervisorctl]
serverurl=unix://%(tmp)s/sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""

# A service for the scenarios: known text on stdout and stderr, a signal answered in
# writing, no %-signs needed in the command lines.
PROG_PY = r'''
import os, signal, sys, time
mode = sys.argv[1]
if mode == "talk":              # talk NAME: 3 lines on stdout, 2 on stderr, then wait
    name = sys.argv[2]
    for i in range(1, 4):
        sys.stdout.write("%s out %d\n" % (name, i))
    sys.stdout.flush()
    for i in range(1, 3):
        sys.stderr.write("%s err %d\n" % (name, i))
    sys.stderr.flush()
    def on_hup(sig, frm):
        sys.stdout.write("%s got HUP\n" % name)
        sys.stdout.flush()
    signal.signal(signal.SIGHUP, on_hup)
    signal.signal(signal.SIGUSR1, on_hup)
    while True:
        signal.pause()
elif mode == "tick":            # tick NAME: a numbered line every 0.2 s
    i = 0
    while True:
        i += 1
        sys.stdout.write("%s tick %d\n" % (sys.argv[2], i))
        sys.stdout.flush()
        time.sleep(0.2)
elif mode == "echo":            # echo NAME: "NAME ready", then each line of stdin back
    sys.stdout.write("%s ready\n" % sys.argv[2])
    sys.stdout.flush()
    for line in sys.stdin:
        sys.stdout.write("%s got %s" % (sys.argv[2], line))
        sys.stdout.flush()
    signal.pause()
elif mode == "exit":            # exit CODE [DELAY]
    if len(sys.argv) > 3:
        time.sleep(float(sys.argv[3]))
    sys.exit(int(sys.argv[2]))
else:
    sys.exit("prog.py: unknown mode " + mode)
'''

STATES = ("STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN")


# ---- steps of a scenario -----------------------------------------------------------------

class Ctl:
    """supervisorctl ARGS (a string, split like a shell), compared. label: how the
    allow-list names it (default: the command itself). shape: compare only rc, stderr
    and the number of output lines (maintail: tend's own log is not supervisord's)."""

    def __init__(self, args, label=None, shape=False, timeout=20.0):
        self.args, self.label, self.shape, self.timeout = args, label or args, shape, timeout


class Wait:
    """Poll `supervisorctl status NAME` until its state is one of STATES. Compared as
    "reached"; when it is not, the half's transcript ends there."""

    def __init__(self, name, *states, timeout=20.0):
        self.name, self.states, self.timeout = name, states, timeout
        self.label = "(wait until %s is %s)" % (name, "/".join(states))


class WaitGone(Wait):
    """Poll `supervisorctl status NAME` until it answers "no such process"."""

    def __init__(self, name, timeout=20.0):
        Wait.__init__(self, name, "GONE", timeout=timeout)


class WaitOut:
    """Poll `supervisorctl ARGS` (a tail) until its stdout contains TEXT; not compared."""

    def __init__(self, args, text, timeout=20.0):
        self.args, self.text, self.timeout = args, text, timeout


class Conf:
    """Rewrite the config file (for reread/update): BASE + TEXT."""

    def __init__(self, text):
        self.text = text


class TailF:
    """supervisorctl ARGS (tail -f), until its stdout has every string of EXPECT, then
    SIGINT; compared like Ctl."""

    def __init__(self, args, expect, timeout=20.0):
        self.args, self.expect, self.timeout, self.label = args, expect, timeout, args


class Fg:
    """supervisorctl ARGS (fg NAME): after its banner, type each line of SEND, wait until
    stdout has every string of EXPECT, then end the input and wait for "Exiting
    foreground". supervisorctl 4.2.5 does not exit after that line (its streaming thread
    waits in select() for more output), so it is then killed in both halves; its stdout
    and stderr are compared."""

    def __init__(self, args, send, expect, timeout=20.0):
        self.args, self.send, self.expect, self.timeout, self.label = args, send, expect, timeout, args


class Check:
    """FN(server) -> text, compared (e.g. the socket's mode and owner)."""

    def __init__(self, label, fn):
        self.label, self.fn = label, fn


class Exit:
    """Wait until the server has exited (after shutdown); its exit code is compared."""
    label = "(server exit)"


class Scenario:
    def __init__(self, name, conf, steps, base=BASE):
        self.name, self.conf, self.steps, self.base = name, conf, steps, base


# ---- a server under test -----------------------------------------------------------------

class Server:
    def __init__(self, kind, procs, tmp, scenario, port):
        self.kind, self.procs, self.tmp, self.sc, self.port = kind, procs, str(tmp), scenario, port
        os.makedirs(self.tmp, exist_ok=True)
        self.conf = os.path.join(self.tmp, "supervisord.conf")
        with open(os.path.join(self.tmp, "prog.py"), "w") as f:
            f.write(PROG_PY)
        self.write_conf(scenario.conf)
        self.run = None

    def subst(self, text):
        return (text.replace("%(tmp)s", self.tmp).replace("%(py)s", PY)
                .replace("%(prog)s", PY + " " + os.path.join(self.tmp, "prog.py"))
                .replace("%(port)s", str(self.port)))

    def write_conf(self, text):
        with open(self.conf + ".new", "w") as f:
            f.write(self.subst(self.sc.base + text))
        os.rename(self.conf + ".new", self.conf)

    def start(self):
        argv = [SUPERVISORD, "-n", "-c", self.conf] if self.kind == "supervisord" else [TEND, "-c", self.conf]
        # O_APPEND, as a pipe would merge: supervisord reopens /dev/stdout for a program
        # logging there, and without it the two writers overwrite each other
        self.out = open(os.path.join(self.tmp, "server.stdout"), "ab")
        self.err = open(os.path.join(self.tmp, "server.stderr"), "ab")
        self.run = self.procs.start(argv, pid1=True, stdout=self.out, stderr=self.err, cwd=self.tmp)
        # up when supervisorctl gets an answer (rc 0 from `pid`); dead: fail with its output
        deadline = time.monotonic() + 20 * SLOW
        while True:
            if self.run.p.poll() is not None:
                pytest.fail("%s exited (%s) before answering:\n%s" % (self.kind, self.run.p.returncode, self.logs()))
            rc, out, err = self.ctl(["pid"], timeout=10)
            if rc == 0 or "401 Unauthorized" in out:  # it answers (an auth scenario without credentials)
                return
            if time.monotonic() > deadline:
                pytest.fail("%s does not answer supervisorctl: rc %s %r %r\n%s" % (self.kind, rc, out, err, self.logs()))
            time.sleep(0.05)

    def logs(self):
        text = ""
        for n in ("server.stdout", "server.stderr"):
            try:
                with open(os.path.join(self.tmp, n), errors="replace") as f:
                    text += "--- %s %s:\n%s" % (self.kind, n, f.read()[-4000:])
            except OSError:
                pass
        return text

    def ctl(self, args, timeout=20.0):
        """supervisorctl -c CONF ARGS: (rc, stdout, stderr); rc None on timeout."""
        try:
            r = subprocess.run([SUPERVISORCTL, "-c", self.conf] + list(args), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout * SLOW)
        except subprocess.TimeoutExpired as e:
            return None, (e.stdout or b"").decode(errors="replace"), "(timed out)"
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")

    def state(self, name):
        rc, out, err = self.ctl(["status", name], timeout=10)
        if "no such process" in out:
            return "GONE"
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 2 and f[0] == name and f[1] in STATES:
                return f[1]
        return None

    def wait_state(self, name, states, timeout):
        """"reached", or why not (the scenario ends there: what follows would mean little)."""
        deadline = time.monotonic() + timeout * SLOW
        last = None
        while time.monotonic() < deadline:
            last = self.state(name)
            if last in states:
                return "reached"
            if self.run.p.poll() is not None:
                return "the server exited (%s)" % self.run.p.returncode
            time.sleep(0.05)
        return "timed out, last state %s" % last

    def tail_f(self, args, expect, timeout):
        p = subprocess.Popen([SUPERVISORCTL, "-c", self.conf] + args, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.set_blocking(p.stdout.fileno(), False)
        buf = b""
        deadline = time.monotonic() + timeout * SLOW
        try:
            while time.monotonic() < deadline and p.poll() is None:
                try:
                    buf += p.stdout.read() or b""
                except BlockingIOError:
                    pass
                if all(e.encode() in buf for e in expect):
                    break
                time.sleep(0.05)
            p.send_signal(signal.SIGINT)
            os.set_blocking(p.stdout.fileno(), True)
            out, err = p.communicate(timeout=10 * SLOW)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        return p.returncode, (buf + out).decode(errors="replace"), err.decode(errors="replace")

    def fg(self, args, send, expect, timeout):
        p = subprocess.Popen([SUPERVISORCTL, "-c", self.conf] + args, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.set_blocking(p.stdout.fileno(), False)
        buf = b""
        deadline = time.monotonic() + timeout * SLOW

        def until(texts):
            nonlocal buf
            while time.monotonic() < deadline and p.poll() is None:
                try:
                    buf += p.stdout.read() or b""
                except BlockingIOError:
                    pass
                if all(t.encode() in buf for t in texts):
                    return
                time.sleep(0.05)

        try:
            until(["==> Press Ctrl-C to exit <==\n"])
            for line in send:
                p.stdin.write(line.encode() + b"\n")
            p.stdin.flush()
            until(expect)
            p.stdin.close()
            until(["Exiting foreground\n"])
        finally:
            p.kill()
            p.wait()
            os.set_blocking(p.stdout.fileno(), True)
            out, err = p.stdout.read(), p.stderr.read()
        return "killed", (buf + out).decode(errors="replace"), err.decode(errors="replace")

    def stop(self):
        if self.run and self.run.p.poll() is None:
            self.run.kill(signal.SIGTERM)
            try:
                self.run.p.wait(30 * SLOW)
            except subprocess.TimeoutExpired:
                pass
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()


# ---- the normaliser ----------------------------------------------------------------------

_UPTIME = re.compile(r"pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d")
_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d [AP]M\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}")
_PIDLINE = re.compile(r"^\d+$", re.M)


def normalise(text, tmp, port, pids=False):
    text = text.replace(tmp, "<TMP>").replace(":%d" % port, ":<PORT>")
    text = _UPTIME.sub("pid <PID>, uptime <UPTIME>", text)
    text = _DATE.sub("<DATE>", text)
    text = _STAMP.sub("<STAMP>", text)
    if pids:
        text = _PIDLINE.sub("<PID>", text)
    return text


def sort_runs(text):
    """Lines in runs of the same result (": stopped", ": started", ...) sorted: supervisord
    reports processes of one priority in the order they happen to finish."""
    out, run, key = [], [], None
    for line in text.splitlines(True):
        k = line.split(": ", 1)[1] if ": " in line else None
        if k != key or k is None:
            out += sorted(run)
            run, key = [], k
        run.append(line)
    return "".join(out + sorted(run))


def shape(args, rc, out, err):
    """maintail [-N]: at most N bytes (default 1600) of log and a newline, some of them."""
    n = 1600
    if len(args) > 1 and re.match(r"^-\d+$", args[1]):
        n = int(args[1][1:])
    return rc, "%s, %s" % ("some output" if out.strip() else "no output",
                           "at most %d bytes and a newline" % n if len(out) <= n + 1 and out.endswith("\n")
                           else "%d bytes" % len(out)), err


# ---- running a scenario ------------------------------------------------------------------

def run_half(kind, procs, tmp, sc, port):
    """The transcript of SC under KIND: [(label, (rc, stdout, stderr))], normalised."""
    srv = Server(kind, procs, tmp, sc, port)
    t = []
    try:
        srv.start()
        for st in sc.steps:
            if isinstance(st, Wait):
                r = srv.wait_state(st.name, st.states, st.timeout)
                t.append((st.label, (r,)))
                if r != "reached":
                    break
            elif isinstance(st, WaitOut):
                deadline = time.monotonic() + st.timeout * SLOW
                while st.text not in srv.ctl(shlex.split(srv.subst(st.args)), 10)[1]:
                    if time.monotonic() > deadline or srv.run.p.poll() is not None:
                        pytest.fail("%s: %r never showed %r\n%s" % (kind, st.args, st.text, srv.logs()))
                    time.sleep(0.05)
            elif isinstance(st, Conf):
                srv.write_conf(st.text)
            elif isinstance(st, Check):
                t.append((st.label, (st.fn(srv),)))
            elif isinstance(st, Exit):
                try:
                    rc = srv.run.p.wait(30 * SLOW)
                except subprocess.TimeoutExpired:
                    rc = "still running"
                t.append((st.label, (rc, os.path.exists(os.path.join(srv.tmp, "sock")))))
            else:
                args = shlex.split(srv.subst(st.args))
                if isinstance(st, TailF):
                    rc, out, err = srv.tail_f(args, st.expect, st.timeout)
                elif isinstance(st, Fg):
                    rc, out, err = srv.fg(args, st.send, st.expect, st.timeout)
                else:
                    rc, out, err = srv.ctl(args, st.timeout)
                pids = args and args[0] == "pid" or (len(args) > 1 and args[-2] == "pid")
                res = (rc, normalise(out, srv.tmp, port, pids), normalise(err, srv.tmp, port))
                if set(args) & {"start", "stop", "restart", "signal", "update"}:
                    res = (res[0], sort_runs(res[1]), res[2])
                t.append((st.label, shape(args, *res) if getattr(st, "shape", False) else res))
    finally:
        logs = srv.logs()
        srv.stop()
    return t, logs


def compare(sc, ref, got, allow):
    """Differences not in ALLOW ({(scenario, label): reason}) as text; and those allowed."""
    bad, allowed = [], []
    for i in range(max(len(ref), len(got))):
        a = ref[i] if i < len(ref) else ("(missing)", None)
        b = got[i] if i < len(got) else ("(missing)", None)
        if a == b:
            continue
        label = a[0] if a[0] != "(missing)" else b[0]
        what = "[%s] step %d %r:\n  supervisord: %r\n  tend:        %r" % (sc.name, i, label, a[1], b[1])
        if (sc.name, label) in allow:
            allowed.append(what + "\n  allowed: " + allow[(sc.name, label)])
        else:
            bad.append(what)
    return bad, allowed


def sock_mode_owner(srv):
    st = os.stat(os.path.join(srv.tmp, "sock"))
    return "%s %04o %s:%s" % ("socket" if stat.S_ISSOCK(st.st_mode) else "not a socket", stat.S_IMODE(st.st_mode),
                              pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name)
