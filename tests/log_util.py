"""Tools for the log-path tests (test_logs.py, test_sinks.py): a tend whose stdout reader
can be paused (a stalled consumer), started with an optional wrapper command inside its
PID namespace, and small service scripts."""
import os
import re
import subprocess
import threading

from conftest import check_sanitizer
from supervise_util import Stream, Tend, write_conf

# Deterministic line contents: line(n) is n bytes, no newline, starting with "n:".
LINE_SRC = r'''
def line(n):
    return ((b"%d:" % n) + b"abcdefghijklmnopqrstuvwxyz0123456789" * (n // 36 + 1))[:n]
'''
_ns = {}
exec(LINE_SRC, _ns)
line = _ns["line"]

PY = "/usr/bin/python3"


class PausableStream(Stream):
    """A Stream whose reader stops (after at most one more read) while paused."""

    def __init__(self, f, paused=False):
        self.go = threading.Event()
        if not paused:
            self.go.set()
        super().__init__(f)

    def pause(self):
        self.go.clear()

    def resume(self):
        self.go.set()

    def _loop(self):
        fd = self.f.fileno()
        while True:
            self.go.wait()
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                break
            if not data:
                break
            with self.lock:
                self.buf += data


class PausableTend(Tend):
    def __init__(self, run, conf, out_paused=False, no_proc=False):
        self.run = run
        self.conf = conf
        self.out = PausableStream(run.p.stdout, out_paused)
        self.err = Stream(run.p.stderr)
        self.rc = None
        self.no_proc = no_proc

    def wait(self, timeout=15.0):
        self.rc = self.run.wait(timeout)
        self.out.join()
        self.err.join()
        err = self.err.raw()
        if self.no_proc and b"LeakSanitizer has encountered a fatal error" in err:
            # LeakSanitizer cannot start without /proc; it then says so and exits 1 itself:
            # not a finding about tend (every test with /proc runs it)
            err = re.sub(rb"==\d+==(Can't open /proc/\d+/task for reading\.|"
                         rb"LeakSanitizer has encountered a fatal error\.|HINT: [^\n]*)\n", b"", err)
            self.rc = 0 if self.rc == 1 else self.rc
        check_sanitizer(err)
        return self.rc


def start(sup, conf, wrap=(), out_paused=False, env=None, no_proc=False):
    """tend -c CONF as PID 1 of a new PID namespace, `wrap` (a command that ends by
    exec'ing its arguments) run first inside it; no_proc: `wrap` hides /proc."""
    path = write_conf(sup.tmp / "tend.conf", conf)
    argv = list(wrap) + [sup.tend, "-c", path]
    r = sup.procs.start(argv, pid1=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    t = PausableTend(r, path, out_paused, no_proc)
    t.pid  # noqa: B018  (wait until tend exists)
    return t


def script(sup, name, text):
    """Write a python service script into the test's directory; returns its command."""
    path = sup.tmp / name
    path.write_text(LINE_SRC + text)
    return "%s %s" % (PY, path)


def first_difference(got, want):
    """Where two (large) byte strings part, with some context, for an assertion message."""
    n, i, step = min(len(got), len(want)), 0, 1 << 16
    while i < n and got[i:i + step] == want[i:i + step]:
        i += step
    while i < n and got[i] == want[i]:
        i += 1
    return "first difference at byte %d (got %d bytes, want %d): got %r, want %r" % (
        i, len(got), len(want), got[max(0, i - 60):i + 60], want[max(0, i - 60):i + 60])


def console_lines(raw, prefix):
    """What the console shows for a service that wrote `raw`: every line prefixed, a line
    longer than 4000 bytes cut into 4000-byte pieces, an unterminated last line ended."""
    parts = raw.split(b"\n")
    tail = parts.pop()
    out = []
    for p in parts + ([tail] if tail else []):
        if not p:
            out.append(prefix + b"\n")
        for i in range(0, len(p), 4000):
            out.append(prefix + p[i:i + 4000] + b"\n")
    return b"".join(out)
