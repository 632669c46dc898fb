"""Shared fixtures for tend's integration tests (exec mode and personas).

Environment:
  TEND       path of the tend binary (default: build/tend in the repo)
  TEND_ASAN  "1" when TEND is the ASan/UBSan build: deadlines are stretched and
             every captured stderr is checked for sanitizer reports.

Every process a test starts goes through the `procs` fixture, which kills
whatever is left (whole process trees, PID namespaces) in teardown, so a
broken tend can make a test fail but never hang the suite.
"""
import ctypes
import os
import pty  # noqa: F401  (documented dependency of the tty tests)
import re
import select
import shutil
import signal
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEND = os.path.abspath(os.environ.get("TEND") or os.path.join(ROOT, "build", "tend"))
ASAN = os.environ.get("TEND_ASAN") == "1"
# Every tend under test would otherwise listen on the default /run/tend.sock and meet the
# others there; tests of the control socket configure one (or set this) themselves.
os.environ.setdefault("TEND_CTL_SOCKET", "none")
# Deadlines only (never asserted as timings): generous, longer under ASan.
SLOW = 3.0 if ASAN else 1.0
HELPERS = ("sigprint", "procinfo", "orphans")

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
_libc = ctypes.CDLL(None, use_errno=True)


def _get_subreaper():
    v = ctypes.c_int(0)
    _libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(v), 0, 0, 0)
    return v.value


def _set_subreaper(on):
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0)


# ----------------------------------------------------------------------------
# small utilities


def musl_diff(outdir, name):
    """tests/unit/NAME.c built with musl-gcc -static into OUTDIR: a program that compares
    one of the static build's own libc functions (src/*.c under -DTEND_OWN_*) with
    musl's. Skips where musl-gcc is missing."""
    if not shutil.which("musl-gcc"):
        pytest.skip("needs musl-gcc")
    out = os.path.join(str(outdir), name)
    subprocess.run(["musl-gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O1", "-static",
                    "-o", out, os.path.join(ROOT, "tests", "unit", name + ".c")], check=True)
    return out


def wait_for(cond, timeout=5.0, interval=0.005, what="condition"):
    """Poll cond() every `interval` s until it returns a truthy value; return it.
    Fails the test after `timeout` s (scaled by SLOW)."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            pytest.fail("timed out waiting for %s" % (what() if callable(what) else what))
        time.sleep(interval)


def children(pid):
    """Direct children of pid (all threads), host pids."""
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children(p):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def proc_stat(pid):
    """Fields of /proc/pid/stat after the comm: dict with state, ppid, pgrp,
    session, tpgid, utime, stime; None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    comm = data[data.index("(") + 1:data.rindex(")")]
    rest = data[data.rindex(")") + 2:].split()
    return {
        "comm": comm,
        "state": rest[0],
        "ppid": int(rest[1]),
        "pgrp": int(rest[2]),
        "session": int(rest[3]),
        "tpgid": int(rest[5]),
        "utime": int(rest[11]),
        "stime": int(rest[12]),
    }


def proc_status(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(
                (k, v.strip()) for k, v in (l.split(":", 1) for l in f if ":" in l)
            )
    except OSError:
        return None


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st["state"] != "Z"


def check_sanitizer(text):
    if ASAN and text:
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        for pat in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
            assert pat not in text, "sanitizer report:\n" + text


def sig_lines(path):
    """The signal numbers recorded by sigprint in `path`, in order."""
    try:
        with open(path) as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return [int(l.split()[1]) for l in data.splitlines() if l.startswith("SIG ")]


def ready_info(path):
    """(pid, pgid, sid) from sigprint's READY line, or None."""
    try:
        with open(path) as f:
            for l in f:
                if l.startswith("READY "):
                    return tuple(int(x) for x in l.split()[1:4])
    except FileNotFoundError:
        pass
    return None


# ----------------------------------------------------------------------------
# process management


class Run:
    """A started process: the Popen, plus tend's host pid when it runs as the
    PID 1 of a new PID namespace (under unshare)."""

    def __init__(self, popen, pid1, argv):
        self.p = popen
        self.pid1 = pid1
        self.argv = argv
        self._tend = None if pid1 else popen.pid

    @property
    def pid(self):
        return self.p.pid

    def tend_pid(self, timeout=5.0):
        """tend's host pid. Under unshare --fork it is unshare's only child."""
        if self._tend is None:
            kids = wait_for(lambda: children(self.p.pid) or (self.p.poll() is not None and [-1]),
                            timeout, what="tend to start under unshare")
            if kids == [-1]:
                pytest.fail("unshare exited (%s) before tend appeared" % self.p.returncode)
            self._tend = kids[0]
        return self._tend

    def child_pid(self, timeout=5.0, comm=None):
        """Host pid of tend's (first) child; with comm, wait until it has exec'd."""
        tp = self.tend_pid()

        def find():
            for c in children(tp):
                st = proc_stat(c)
                if st and (comm is None or st["comm"] == comm):
                    return c
            return None

        return wait_for(find, timeout, what="tend's child%s" % (" " + comm if comm else ""))

    def kill(self, sig):
        os.kill(self.tend_pid(), sig)

    def wait(self, timeout=10.0):
        """Exit code (negative: killed by signal); fails the test on timeout."""
        try:
            rc = self.p.wait(timeout * SLOW)
        except subprocess.TimeoutExpired:
            pytest.fail("%r did not exit within %.0f s" % (self.argv, timeout * SLOW))
        return rc

    def communicate(self, timeout=10.0, input=None):
        try:
            out, err = self.p.communicate(input=input, timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            pytest.fail("%r did not exit within %.0f s" % (self.argv, timeout * SLOW))
        check_sanitizer(err)
        return self.p.returncode, out, err


class Procs:
    def __init__(self):
        self.runs = []

    def start(self, argv, pid1=False, **kw):
        """Start argv (tend's command line: argv[0] is normally TEND or a persona
        symlink). pid1=True runs it as PID 1 of a new PID namespace."""
        argv = [str(a) for a in argv]
        full = argv
        if pid1:
            full = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"] + argv
        kw.setdefault("stdin", subprocess.DEVNULL)
        if "preexec_fn" not in kw:
            kw.setdefault("start_new_session", True)
        p = subprocess.Popen(full, **kw)
        r = Run(p, pid1, argv)
        self.runs.append(r)
        return r

    def run(self, argv, pid1=False, timeout=10.0, input=None, **kw):
        """Run to completion, capturing output: (rc, stdout, stderr) as text."""
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        if input is not None:
            kw["stdin"] = subprocess.PIPE
        r = self.start(argv, pid1=pid1, **kw)
        return r.communicate(timeout=timeout, input=input)

    def cleanup(self, preexisting=None):
        for r in self.runs:
            p = r.p
            if p.poll() is None or children(p.pid):
                victims = descendants(p.pid) + [p.pid]
                for v in victims:
                    try:
                        os.kill(v, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
            for s in (p.stdout, p.stderr, p.stdin):
                if s:
                    try:
                        s.close()
                    except OSError:
                        pass
        # Kill and reap whatever was re-parented to us during the test (we are
        # a subreaper while a test runs); never touch children we had before.
        if preexisting is None:
            return
        me = os.getpid()
        tracked = {r.p.pid for r in self.runs}
        strays = [c for c in children(me) if c not in preexisting and c not in tracked]
        for c in strays:
            for v in descendants(c) + [c]:
                try:
                    os.kill(v, signal.SIGKILL)
                except OSError:
                    pass
        deadline = time.monotonic() + 5
        for c in strays:
            while True:
                try:
                    pid, _ = os.waitpid(c, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid or time.monotonic() > deadline:
                    break
                time.sleep(0.005)


@pytest.fixture
def procs():
    """Starts processes for a test and kills everything left in teardown.
    While the test runs, the test runner is a child subreaper, so processes
    orphaned by a misbehaving tend are re-parented to it and cleaned up."""
    was = _get_subreaper()
    before = set(children(os.getpid()))
    _set_subreaper(True)
    ps = Procs()
    ps.preexisting = before
    try:
        yield ps
    finally:
        ps.cleanup(before)
        _set_subreaper(was)


@pytest.fixture(scope="session")
def tend():
    assert os.access(TEND, os.X_OK), "tend binary not found: %s (set TEND)" % TEND
    return TEND


@pytest.fixture(scope="session")
def helpers():
    """Paths of the C helpers built by `make helpers` into build/helpers/."""
    d = os.path.join(ROOT, "build", "helpers")
    out = {}
    for h in HELPERS:
        path = os.path.join(d, h)
        assert os.access(path, os.X_OK), "helper missing: %s (run `make helpers`)" % path
        out[h] = path
    return out


@pytest.fixture(scope="session")
def personas(tmp_path_factory, tend):
    """Symlinks named tini and dumb-init pointing at tend."""
    d = tmp_path_factory.mktemp("personas")
    out = {}
    for name in ("tini", "dumb-init"):
        link = d / name
        os.symlink(tend, str(link))
        out[name] = str(link)
    return out


# ----------------------------------------------------------------------------
# sigprint-driven signal round trips


def send_and_expect(run, path, sig, expect=None, timeout=5.0):
    """Send `sig` to tend and wait until sigprint recorded `expect` (default: sig)
    as its next line. Returns the full list of recorded signals."""
    if expect is None:
        expect = sig
    before = len(sig_lines(path))
    run.kill(sig)

    def arrived():
        lines = sig_lines(path)
        return lines if len(lines) > before else None

    lines = wait_for(arrived, timeout, what="signal %d to arrive as %d" % (sig, expect))
    assert lines[before:] == [expect], "sent %d, expected %d, got %r" % (sig, expect, lines[before:])
    return lines


def wait_ready(path, timeout=5.0):
    return wait_for(lambda: ready_info(path), timeout, what="sigprint READY in %s" % path)


# ----------------------------------------------------------------------------
# pty support


class PtyReader:
    """Collects everything written to a pty master in a background thread."""

    def __init__(self, master):
        self.master = master
        self.buf = b""
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                break
            if not data:
                break
            with self.lock:
                self.buf += data

    def text(self):
        with self.lock:
            return self.buf.decode(errors="replace")

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def wait_text(self, pattern, timeout=5.0, start=0):
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.text(), start), timeout,
                        what=lambda: "%r on the terminal; got %r" % (pattern, self.text()[-600:]))


@pytest.fixture
def tty(procs):
    """tty.start(argv, pid1=...) runs argv with a new pty as controlling
    terminal and stdin/stdout/stderr; returns (Run, PtyReader)."""
    import fcntl
    import termios

    opened = []

    class T:
        def start(self, argv, pid1=False, env=None):
            master, slave = os.openpty()
            opened.append(master)

            def pre():
                os.setsid()
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)

            r = procs.start(argv, pid1=pid1, stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=pre, env=env)
            os.close(slave)
            return r, PtyReader(master)

    yield T()
    procs.cleanup(procs.preexisting)  # kill first: the readers then see EOF/EIO
    for m in opened:
        try:
            os.close(m)
        except OSError:
            pass


def run_with_broken_stderr(procs, argv, env=None):
    """Run argv with stdout+stderr on a pipe whose reader goes away after one byte
    (`... 2>&1 | head -c 1`). Returns (printed, exited, cpu_seconds, returncode);
    polls the CPU time until the process exits or a deadline passes."""
    r = procs.start(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    rd, _, _ = select.select([r.p.stdout], [], [], 5 * SLOW)
    printed = bool(rd) and bool(os.read(r.p.stdout.fileno(), 1))
    r.p.stdout.close()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = 0
    deadline = time.monotonic() + 15 * SLOW
    while r.p.poll() is None and time.monotonic() < deadline:
        st = proc_stat(r.pid)
        if st:
            cpu = max(cpu, st["utime"] + st["stime"])
        time.sleep(0.02)
    return printed, r.p.poll() is not None, cpu / ticks, r.p.returncode
