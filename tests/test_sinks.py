"""Outputs that must never block tend (sink.c): a FIFO or a tty as a log path, tend's own
stdout without /proc, a full disk, and the cost and fairness of a flood (issue 7: items
1, 2, 16, 17)."""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import termios
import time
import tty

import pytest

from conftest import ASAN, wait_for
from log_util import first_difference, script, start
from supervise_util import sup  # noqa: F401

FLOOD = r'''
import os, sys
n = int(sys.argv[1])
data = b"".join(b"%06d " % i + b"q" * 92 + b"\n" for i in range(n))
while data:
    data = data[os.write(1, data):]
'''

# Restarted about once a second (a run of 1 s is restarted at once, without backoff).
BLINK = """
        [program:blink]
        command=sleep 1
        startsecs=0
        autorestart=true
"""

# Inside tend's mount namespace: /proc replaced by an empty tmpfs, then tend.
NO_PROC = ["sh", "-c", 'mount -t tmpfs -o size=4k no-proc /proc && exec "$@"', "sh"]
# LeakSanitizer cannot run under ptrace (strace): off there.
NO_LSAN = dict(os.environ, ASAN_OPTIONS="detect_leaks=0") if ASAN else None


def flood_bytes(n):
    return b"".join(b"%06d " % i + b"q" * 92 + b"\n" for i in range(n))


def unread(fd):
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, "little")


def alive(t):
    """tend still runs its loop: the `blink` service keeps being restarted."""
    n = t.spawns("blink")
    t.wait_event(r"^\[tend\] blink: \w+ -> STARTING", n=n + 2, timeout=20)


def blocked_writing(pid):
    """pid sleeps in write(2) on a full pipe: back-pressure has reached the service."""
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return f.read().endswith("pipe_write")
    except OSError:
        return False


def read_until(fd, size, timeout=20):
    got = bytearray()

    def more():
        try:
            while True:
                b = os.read(fd, 1 << 16)
                if not b:
                    break
                got.extend(b)
        except BlockingIOError:
            pass
        return len(got) >= size
    wait_for(more, timeout, what=lambda: "%d bytes, got %d" % (size, len(got)))
    return bytes(got)


# ---- item 1: FIFOs and ttys as log paths

def test_fifo_log_path_without_reader_then_stalled(sup, tmp_path):
    # open() of a FIFO without a reader used to block PID 1 before its loop ran.
    fifo = tmp_path / "out.fifo"
    os.mkfifo(str(fifo))
    n = 5000
    t = sup.start("""
        [supervisord]
        [program:flood]
        command=%s %d
        stdout_logfile=%s
        startsecs=0
        autorestart=false
    """ % (script(sup, "flood.py", FLOOD), n, fifo) + BLINK)
    t.wait_event(r"^\[tend\] flood: STOPPED -> STARTING")
    alive(t)  # "no reader"
    fd = os.open(str(fifo), os.O_RDONLY | os.O_NONBLOCK)  # a reader that does not read
    try:
        flood = t.main_pid("flood")
        wait_for(lambda: blocked_writing(flood), 10, what="the flood held (FIFO and tend's buffer full)")
        alive(t)  # "a stalled reader"
        got = read_until(fd, n * 100)
    finally:
        os.close(fd)
    want = flood_bytes(n)
    assert got == want, first_difference(got, want)
    assert t.stop() == 0


def test_tty_log_path_stalled(sup, tmp_path):
    # A terminal nobody reads (or stopped with ^S): write() used to block PID 1.
    master, slave = os.openpty()
    tty.setraw(slave)  # bytes unchanged
    path = os.ttyname(slave)
    os.close(slave)
    n = 3000
    try:
        t = sup.start("""
            [supervisord]
            [program:flood]
            command=%s %d
            stdout_logfile=%s
            startsecs=0
            autorestart=false
        """ % (script(sup, "flood.py", FLOOD), n, path) + BLINK)
        t.wait_event(r"^\[tend\] flood: STOPPED -> STARTING")
        alive(t)  # "nobody reading the terminal"
        os.set_blocking(master, False)
        got = read_until(master, n * 100)
        want = flood_bytes(n)
        assert got == want, first_difference(got, want)
        assert t.stop() == 0
    finally:
        os.close(master)


# ---- item 2: tend's own stdout without /proc

def test_no_proc_stalled_stdout_does_not_wedge(sup, tmp_path):
    # Without /proc tend cannot reopen its stdout non-blocking; a stalled reader used to
    # block it in write(2). Now a relay thread owns the blocking writes.
    n = 20000
    t = start(sup, """
        [supervisord]
        [program:flood]
        command=%s %d
        startsecs=0
        autorestart=false
    """ % (script(sup, "flood.py", FLOOD), n) + BLINK, wrap=NO_PROC, out_paused=True, no_proc=True)
    t.wait_event(r"^\[tend\] flood: STOPPED -> STARTING")
    flood = t.main_pid("flood")
    wait_for(lambda: blocked_writing(flood), 10, what="the flood held (stdout, relay and tend's buffer full)")
    alive(t)  # "stdout stalled"
    assert len(os.listdir("/proc/%d/task" % t.pid)) == 3, "tend and a relay thread for stdout and stderr"
    t.out.resume()
    want = b"".join(b"flood | " + l + b"\n" for l in flood_bytes(n).split(b"\n")[:-1])
    wait_for(lambda: len(t.out.raw()) >= len(want), 20, what="all lines after the stall")
    assert t.out.raw() == want, first_difference(t.out.raw(), want)
    assert t.stop() == 0


def test_no_proc_exit_with_stalled_stdout(sup, tmp_path):
    # Shutdown with a reader that never reads: tend waits a bounded time, then exits.
    t = start(sup, """
        [supervisord]
        [program:flood]
        command=%s 20000
        startsecs=0
        autorestart=false
    """ % script(sup, "flood.py", FLOOD), wrap=NO_PROC, out_paused=True, no_proc=True)
    t.wait_event(r"^\[tend\] flood: STOPPED -> STARTING")
    flood = t.main_pid("flood")
    wait_for(lambda: blocked_writing(flood), 10, what="the flood held (stdout full)")
    t.kill(signal.SIGTERM)
    t.run.wait(30)  # exits although nobody reads its stdout (a deadline: it takes about 2 s)
    t.out.resume()
    assert t.wait() == 0
    assert t.count(r"^\[tend\] flood: \d+ bytes of output not delivered: stdout is not reading$") == 1


# ---- item 16: a full disk

FILL = r'''
import os, signal, sys, time
count, go = sys.argv[1], sys.argv[2]
i = total = 0
while not os.path.exists(go):
    data = b"".join(b"%07d " % (i + k) + b"d" * 91 + b"\n" for k in range(10))
    i += 10
    os.write(1, data)
    total += len(data)
    with open(count, "w") as f:
        f.write("%d\n" % total)
    time.sleep(0.005)
last = b"last line\n"
os.write(1, last)
with open(count, "w") as f:
    f.write("%d done\n" % (total + len(last)))
time.sleep(1000)
'''


def test_disk_full_told_once_and_recovery(sup, tmp_path):
    d = tmp_path / "small"
    d.mkdir()
    count, go = tmp_path / "count", tmp_path / "go"
    wrap = ["sh", "-c", 'mount -t tmpfs -o size=256k tend-test "$0" && '
            'head -c 200000 /dev/zero > "$0/ballast" && exec "$@"', str(d)]
    t = start(sup, """
        [supervisord]
        [program:fill]
        command=%s %s %s
        stdout_logfile=%s/fill.log
        stdout_logfile_maxbytes=0
    """ % (script(sup, "fill.py", FILL), count, go, d), wrap=wrap)

    def written():
        try:
            return int(count.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0
    t.wait_event(r"^\[tend\] fill: .*/fill\.log: No space left on device; dropping output$", timeout=20)
    at_full = written()
    wait_for(lambda: written() > at_full + 50000, 20, what="50 KB more output while the disk is full")
    inside = "/proc/%d/root%s" % (t.pid, d)  # tend's private tmpfs
    os.unlink(inside + "/ballast")
    t.wait_event(r"^\[tend\] fill: .*/fill\.log: \d+ bytes dropped; writing again$", timeout=20)
    go.touch()
    wait_for(lambda: "done" in count.read_text(), 10, what="the service's last line")
    log = inside + "/fill.log"
    wait_for(lambda: open(log, "rb").read().endswith(b"last line\n"), 10, what="the last line in the log")
    size = os.path.getsize(log)
    total = written()
    assert t.stop() == 0
    full = [l for l in t.err.lines() if "No space left on device" in l]
    assert len(full) == 1, ("one warning, not one per line", len(full), full[:3])
    again = [l for l in t.err.lines() if l.endswith("bytes dropped; writing again")]
    assert len(again) == 1, again
    dropped = int(re.search(r": (\d+) bytes dropped", again[0]).group(1))
    assert dropped > 50000 and size + dropped == total, (size, dropped, total)


# ---- item 17: a flood costs few system calls, and floods share a slow reader fairly

def test_flood_syscalls_per_line(procs, tend, tmp_path):
    strace = shutil.which("strace")
    if not strace:
        pytest.skip("strace not installed (tools/deps.sh installs it)")
    n = 20000
    conf = tmp_path / "tend.conf"
    conf.write_text("[supervisord]\n[program:flood]\ncommand=/usr/bin/python3 %s %d\n"
                    "startsecs=0\nautorestart=false\nshutdown_on=exit\n" % (tmp_path / "flood.py", n))
    (tmp_path / "flood.py").write_text(FLOOD)
    out = tmp_path / "strace.out"
    rc, stdout, stderr = procs.run([strace, "-qq", "-c", "-o", out, "-e", "trace=write,sendto,timerfd_settime",
                                    tend, "-c", conf], timeout=60, env=NO_LSAN)
    assert rc == 0, stderr
    assert stdout.count("\n") == n
    calls = {}
    for l in out.read_text().splitlines():
        f = l.split()
        if len(f) >= 5 and f[-1] in ("write", "sendto", "timerfd_settime"):
            calls[f[-1]] = int(f[3])
    # (a resumption is scheduled only when a reader caught up just as a source paused)
    assert calls.get("timerfd_settime", 0) < n // 100, ("the resume timer is armed per line", calls)
    assert calls.get("sendto", 0) == 0, ("a pipe is not a socket: no sendto", calls)
    assert calls.get("write", 0) < n // 10, ("many lines per write", calls)


FOREVER = r'''
import os, sys
name = sys.argv[1].encode()
i = 0
while True:
    os.write(1, b"".join(b"%s %06d " % (name, i + k) + b"x" * 90 + b"\n" for k in range(100)))
    i += 100
'''


def test_floods_share_a_slow_reader_in_turn(sup, tmp_path):
    # Two services flooding one slow console: paused sources are resumed in turn, so
    # neither starves (the first in the list used to refill the buffer every time).
    cmd = script(sup, "forever.py", FOREVER)
    t = start(sup, """
        [supervisord]
        [program:a]
        command=%s a
        [program:b]
        command=%s b
    """ % (cmd, cmd), out_paused=True)
    t.wait_event(r"^\[tend\] b: STARTING -> RUNNING", timeout=10)
    fd = t.run.p.stdout.fileno()
    for name in ("a", "b"):
        pid = t.main_pid(name)
        wait_for(lambda: blocked_writing(pid), 10, what="%s held (stdout full)" % name)
    got = bytearray()
    while len(got) < 1500000:  # a reader of about 1 MB/s: 4 KiB every 4 ms
        got += os.read(fd, 4096)
        time.sleep(0.004)  # pacing the simulated slow reader, not waiting for anything
    text = bytes(got[300000:]).decode(errors="replace")
    a = len(re.findall(r"^a \| a \d{6} x{90}$", text, re.M))
    b = len(re.findall(r"^b \| b \d{6} x{90}$", text, re.M))
    assert min(a, b) > 0.3 * (a + b), ("one flood starves the other", a, b)
    t.out.resume()
    assert t.stop() == 0
