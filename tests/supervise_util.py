"""Shared tools for tend's supervision-mode tests (test_supervise, test_containment,
test_logs, test_reload, test_phpfpm).

`sup` fixture: sup.start(conf_text_or_path, ...) runs `tend -c FILE` as the real PID 1
of a new PID namespace (unshare), with its stdout and stderr on pipes drained by
reader threads. Everything goes through conftest's `procs`, whose teardown SIGKILLs
the namespace, so nothing survives a failing test.
"""
import os
import re
import signal
import socket
import subprocess
import textwrap
import threading

import pytest

from conftest import ROOT, SLOW, alive, check_sanitizer, children, descendants, proc_stat, wait_for

HELPER_DIR = os.path.join(ROOT, "build", "helpers")

# A small service used by many tests (python3, no %-signs in command lines needed).
SVC_PY = r'''
import os, signal, sys, time

def append(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.write(fd, text.encode())
    os.close(fd)

mode = sys.argv[1]
if mode == "slowterm":          # slowterm NAME DIR DELAY: TERM -> NAME.term, sleep, NAME.done, exit 0
    name, d, delay = sys.argv[2], sys.argv[3], float(sys.argv[4])
    def on_term(sig, frm):
        append(os.path.join(d, name + ".term"), "%r\n" % time.time())
        time.sleep(delay)
        append(os.path.join(d, name + ".done"), "%r\n" % time.time())
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    append(os.path.join(d, name + ".ready"), "%d\n" % os.getpid())
    while True:
        signal.pause()
elif mode == "ignoreterm":      # ignoreterm NAME DIR
    name, d = sys.argv[2], sys.argv[3]
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    append(os.path.join(d, name + ".ready"), "%d\n" % os.getpid())
    while True:
        signal.pause()
elif mode == "ordered":         # ordered NAME EVENTFILE DELAY: start/term/done events in one file
    name, f, delay = sys.argv[2], sys.argv[3], float(sys.argv[4])
    def on_term(sig, frm):
        append(f, "term %s\n" % name)
        time.sleep(delay)
        append(f, "done %s\n" % name)
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    append(f, "start %s\n" % name)
    while True:
        signal.pause()
elif mode == "lines":           # lines NAME COUNT: "NAME <i> <payload>" i=1..COUNT, block-buffered
    name, n = sys.argv[2], int(sys.argv[3])
    out = sys.stdout
    for i in range(1, n + 1):
        out.write("%s %d %s\n" % (name, i, "x" * (i % 97)))
    out.flush()
elif mode == "tick":            # tick PERIOD: "tick <i>" every PERIOD s, forever
    period = float(sys.argv[2])
    i = 0
    while True:
        i += 1
        sys.stdout.write("tick %d\n" % i)
        sys.stdout.flush()
        time.sleep(period)
elif mode == "stamp":           # stamp FILE CODE [SLEEP]: append a timestamp, sleep, exit CODE
    append(sys.argv[2], "%r\n" % time.time())
    if len(sys.argv) > 4:
        time.sleep(float(sys.argv[4]))
    sys.exit(int(sys.argv[3]))
else:
    sys.exit("svc.py: unknown mode " + mode)
'''


def helper(name):
    path = os.path.join(HELPER_DIR, name)
    assert os.access(path, os.X_OK), "helper missing: %s (run `make helpers`)" % path
    return path


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def ping(port, timeout=2.0):
    """Connect to 127.0.0.1:port, read one line, close first (no TIME_WAIT on port).
    Returns the line, or None if the connection failed."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
            data = b""
            while not data.endswith(b"\n"):
                chunk = c.recv(100)
                if not chunk:
                    break
                data += chunk
            return data.decode(errors="replace")
    except OSError:
        return None


def write_conf(path, text):
    with open(str(path), "w") as f:
        f.write(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def read_lines(path):
    try:
        with open(str(path)) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def exec_done(pid):
    """True once execve() has finished: the kernel renames the process (comm) before it lays out the
    new argv and environment, so a matching comm alone can still show an empty /proc/PID/environ."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read(1) != b""
    except OSError:
        return False


def starttime(pid):
    """Process identity (pid, starttime) so a reused pid is not mistaken for the old one."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
        return int(data[data.rindex(")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def same_process_alive(ident):
    pid, st = ident
    return alive(pid) and starttime(pid) == st


def ident(pid):
    return (pid, starttime(pid))


class Stream:
    """Collects everything written to a pipe, in a thread."""

    def __init__(self, f):
        self.f = f
        self.buf = bytearray()
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        fd = self.f.fileno()
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                break
            if not data:
                break
            with self.lock:
                self.buf += data

    def raw(self):
        with self.lock:
            return bytes(self.buf)

    def text(self):
        return self.raw().decode(errors="replace")

    def lines(self):
        return self.text().splitlines()

    def join(self, timeout=5.0):
        self.t.join(timeout * SLOW)


class Tend:
    """tend -c CONF running as PID 1 of its own PID namespace."""

    def __init__(self, run, conf):
        self.run = run
        self.conf = conf
        self.out = Stream(run.p.stdout)
        self.err = Stream(run.p.stderr)
        self.rc = None

    # ---- output
    def events(self):
        return [l for l in self.err.lines() if l.startswith("[tend] ")]

    def count(self, pattern, stream="err"):
        rx = re.compile(pattern)
        src = self.err if stream == "err" else self.out
        return sum(1 for l in src.lines() if rx.search(l))

    def wait_count(self, pattern, n=1, timeout=10.0, stream="err"):
        """Wait until `pattern` matches at least n lines."""
        def what():
            return "%d x %r on tend's std%s; stderr so far:\n%s" % (
                n, pattern, stream, "\n".join(self.err.lines()[-40:]))
        wait_for(lambda: self.count(pattern, stream) >= n or self._died(), timeout, what=what)
        if self.count(pattern, stream) < n:
            pytest.fail("tend exited (rc %s) before %s" % (self.run.p.returncode, what()))

    def wait_event(self, pattern, n=1, timeout=10.0):
        self.wait_count(pattern, n, timeout, "err")

    def _died(self):
        return self.run.p.poll() is not None

    def spawns(self, name):
        return self.count(r"^\[tend\] %s: \w+ -> STARTING" % re.escape(name))

    # ---- processes (host pids)
    @property
    def pid(self):
        return self.run.tend_pid()

    def keeper(self, name, timeout=10.0):
        comm = ("keep:" + name)[:15]

        def find():
            for c in children(self.pid):
                st = proc_stat(c)
                if st and st["comm"] == comm and st["state"] != "Z":
                    return c
            return None
        return wait_for(find, timeout, what="keeper %s" % comm)

    def main_pid(self, name, comm=None, timeout=10.0):
        """Host pid of the service's main process (the keeper's child that has exec'd)."""
        def find():
            for k in children(self.pid):
                st = proc_stat(k)
                if not st or st["comm"] != ("keep:" + name)[:15]:
                    continue
                for c in children(k):
                    cs = proc_stat(c)
                    if cs and cs["state"] != "Z" and (comm is None or cs["comm"] == comm) \
                            and cs["comm"] != st["comm"] and exec_done(c):
                        return c
            return None
        return wait_for(find, timeout, what="main process of %s%s" % (name, " (%s)" % comm if comm else ""))

    def tree(self):
        """Every process in the namespace below tend (host pids)."""
        return descendants(self.pid)

    def kill(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout=15.0):
        self.rc = self.run.wait(timeout)
        self.out.join()
        self.err.join()
        check_sanitizer(self.err.raw())
        return self.rc

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        self.kill(sig)
        return self.wait(timeout)


class Sup:
    def __init__(self, procs, tend, tmp_path):
        self.procs = procs
        self.tend = tend
        self.tmp = tmp_path
        self.svc = str(tmp_path / "svc.py")
        with open(self.svc, "w") as f:
            f.write(SVC_PY)
        self.py = "/usr/bin/python3"

    def svc_cmd(self, *args):
        return " ".join([self.py, self.svc] + [str(a) for a in args])

    def start(self, conf, args=(), cmd=None, name="tend.conf", cwd=None, env=None, prefix=()):
        """conf: INI text (written to tmp/name) or an existing path. prefix: a command that
        execs tend (e.g. prlimit ...), run inside the namespace."""
        if "\n" in conf or "[" in conf:
            conf = write_conf(self.tmp / name, conf)
        argv = list(prefix) + [self.tend, "-c", conf] + list(args)
        if cmd:
            argv += ["--"] + list(cmd)
        r = self.procs.start(argv, pid1=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=cwd, env=env)
        t = Tend(r, conf)
        t.pid  # noqa: B018  (wait until tend exists)
        return t

    def run(self, conf, args=(), name="tend.conf", timeout=10.0, pid1=True, cwd=None):
        """Run to completion (config errors, --check): (rc, out, err)."""
        if "\n" in conf or "[" in conf:
            conf = write_conf(self.tmp / name, conf)
        return self.procs.run([self.tend, "-c", conf] + list(args), pid1=pid1, timeout=timeout, cwd=cwd)


@pytest.fixture
def sup(procs, tend, tmp_path):
    return Sup(procs, tend, tmp_path)


def floats(path):
    return [float(x) for x in read_lines(path) if x.strip()]
