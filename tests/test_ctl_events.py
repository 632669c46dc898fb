"""GET /events and `tend ctl events` (src/ctl_server_events.c, the client in src/ctl_wait.c):
every state change from set_state(), in order, as text or JSON lines; the --service filter;
a subscriber that does not read loses events (counted, then told) but never holds tend up
or makes it grow; the stream ends cleanly when tend shuts down."""
import base64
import json
import os
import re
import signal
import socket
import subprocess
import time

from conftest import ASAN, SLOW, TEND, wait_for
from supervise_util import Stream, free_port, sup  # noqa: F401  (fixture)
from test_ctl_server import proxy, rss_kib, unix_conn, wait_listening

CONF = """
[unix_http_server]
file=%(sock)s
%(extra)s

[program:crash]
command=sh -c 'test -e %(tmp)s/ran && exit 3; touch %(tmp)s/ran; until test -e %(tmp)s/go; do sleep 0.05; done; exit 3'
startsecs=1
startretries=1
autostart=false

[program:other]
command=sleep 1000
startsecs=0
autostart=false

[group:g]
programs=g1,g2

[program:g1]
command=sleep 1000
startsecs=0
autostart=false

[program:g2]
command=sleep 1000
startsecs=0
autostart=false
"""

BIG = "big_" + "x" * 240  # long lines fill a queue sooner (XML-RPC takes names up to 255)
# ASan keeps freed memory (its quarantine, 256 MB) to catch use after free: RSS would
# measure that, not tend's buffers
NO_QUARANTINE = {"ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "quarantine_size_mb=0"]))} \
    if ASAN else {}
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def start(sup, extra="", env=None):
    sock = str(sup.tmp / "ctl.sock")
    t = sup.start(CONF % {"sock": sock, "tmp": sup.tmp, "extra": extra}, args=("-v",),
                  env=dict(os.environ, TEND_CTL_SOCKET="none", **(env or {})))
    t.sock = sock
    wait_listening(t, sock)
    return t


def ctl(t, *args):
    return subprocess.run([TEND, "ctl", "-s", "unix://" + t.sock] + list(args), capture_output=True, text=True,
                          timeout=30 * SLOW)


class Follower:
    """`tend ctl events ARGS` reading along."""

    def __init__(self, sup, t, *args):
        self.r = sup.procs.start([TEND, "ctl", "-s", "unix://" + t.sock, "events"] + list(args),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = Stream(self.r.p.stdout)
        self.err = Stream(self.r.p.stderr)

    def lines(self):
        return self.out.lines()

    def wait_line(self, pattern, timeout=10.0):
        rx = re.compile(pattern)
        wait_for(lambda: any(rx.search(l) for l in self.lines()), timeout,
                 what=lambda: "%r in %r" % (pattern, self.lines()))

    def wait(self):
        rc = self.r.wait()
        self.out.join()
        self.err.join()
        return rc


def subscribed(t, n):
    """tend has registered n subscribers (-v says so as each one begins)."""
    t.wait_event(r"control: a client follows the events", n)


def transitions(lines):
    out = []
    for l in lines:
        m = re.match(r"^" + STAMP + r" (\S+) (\w+) -> (\w+)", l)
        if m:
            out.append("%s %s -> %s" % m.groups())
    return out


def test_crash_sequence_text_and_json(sup):
    t = start(sup)
    before = int(time.time() * 1000)
    text, js = Follower(sup, t), Follower(sup, t, "--json")
    subscribed(t, 2)
    assert ctl(t, "start", "crash").returncode == 0  # returns once RUNNING (startsecs=1)
    text.wait_line(r" crash STARTING -> RUNNING ")
    (sup.tmp / "go").write_text("")
    for f in (text, js):
        f.wait_line(r"FATAL")
    after = int(time.time() * 1000)
    lines = text.lines()
    pids = [int(p) for p in re.findall(r"crash: spawned with pid (\d+)", t.err.text())]
    assert len(pids) == 3, t.err.text()
    want = [
        r"crash STOPPED -> STARTING$",
        r"crash STARTING -> RUNNING pid=%d \(process has stayed up for > than 1 seconds \(startsecs\)\)$" % pids[0],
        r"crash RUNNING -> EXITED pid=%d status=exit 3 \(exit status 3; not expected\)$" % pids[0],
        r"crash EXITED -> STARTING$",
        r"crash STARTING -> BACKOFF pid=%d status=exit 3 \(exit status 3\)$" % pids[1],
        r"crash BACKOFF -> STARTING$",
        r"crash STARTING -> BACKOFF pid=%d status=exit 3 \(exit status 3\)$" % pids[2],
        r"crash BACKOFF -> FATAL pid=%d status=exit 3 \(too many start retries too quickly\)$" % pids[2],
    ]
    assert len(lines) == len(want), lines
    for l, w in zip(lines, want):
        assert re.match("^" + STAMP + " " + w, l), (l, w)
    objs = [json.loads(l) for l in js.lines()]
    assert len(objs) == len(want)
    for o, l in zip(objs, lines):
        assert set(o) == {"time", "time_ms", "service", "group", "from", "to", "pid", "exit_status", "signal",
                          "reason"}
        assert (o["service"], o["group"], o["signal"]) == ("crash", "crash", None)
        assert l.startswith("%s crash %s -> %s" % (o["time"], o["from"], o["to"]))
        assert o["time"] == time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(o["time_ms"] // 1000)) + \
            ".%03dZ" % (o["time_ms"] % 1000)
        assert before <= o["time_ms"] <= after
        assert (o["pid"] is None) == (" pid=" not in l)
        assert o["pid"] is None or " pid=%d" % o["pid"] in l
        assert (o["exit_status"] == 3) == (" status=exit 3" in l)
        assert o["exit_status"] in (None, 3)
        assert o["reason"] == (l.split(" (", 1)[1][:-1] if " (" in l else "")
    assert [o["time_ms"] for o in objs] == sorted(o["time_ms"] for o in objs)
    assert t.stop() == 0
    assert (text.wait(), js.wait()) == (0, 0)  # the stream ended with tend
    assert text.err.text() == js.err.text() == ""


def test_filter(sup):
    t = start(sup)
    only_other = Follower(sup, t, "--service", "other")
    group = Follower(sup, t, "--service=g:*")
    mixed = Follower(sup, t, "--service", "g:g1,other")
    every = Follower(sup, t, "--json")
    subscribed(t, 4)
    # each follower's last wanted event comes after every event it must not see
    for args in (("start", "g:g2"), ("start", "g:g1"), ("start", "other"), ("stop", "g:g2"), ("stop", "other")):
        assert ctl(t, *args).returncode == 0
    up = ["STOPPED -> STARTING", "STARTING -> RUNNING"]
    down = ["RUNNING -> STOPPING", "STOPPING -> STOPPED"]
    expect = {
        only_other: ["other " + x for x in up + down],
        group: ["g:g2 " + x for x in up] + ["g:g1 " + x for x in up] + ["g:g2 " + x for x in down],
        mixed: ["g:g1 " + x for x in up] + ["other " + x for x in up + down],
    }
    for f, want in expect.items():
        f.wait_line(re.escape(want[-1]))
        assert transitions(f.lines()) == want
    every.wait_line(r'"service":"other","group":"other","from":"STOPPING","to":"STOPPED"')
    assert [(o["group"], o["service"], o["to"]) for o in map(json.loads, every.lines())] == [
        ("g", "g2", "STARTING"), ("g", "g2", "RUNNING"), ("g", "g1", "STARTING"), ("g", "g1", "RUNNING"),
        ("other", "other", "STARTING"), ("other", "other", "RUNNING"), ("g", "g2", "STOPPING"),
        ("g", "g2", "STOPPED"), ("other", "other", "STOPPING"), ("other", "other", "STOPPED")]
    # a name that selects nothing is refused, with the reason on stderr
    r = ctl(t, "events", "--service", "nosuch")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "no such process: nosuch\n")
    r = ctl(t, "events", "--service", "g:nosuch")
    assert (r.returncode, r.stderr) == (1, "no such process: g:nosuch\n")
    r = ctl(t, "events", "--bogus")
    assert r.returncode == 2 and r.stdout.startswith("Error: bad argument --bogus\nevents ")
    # the server's own refusals
    for req, status in ((b"GET /events?format=xml HTTP/1.0\r\n\r\n", 400), (b"GET /events?x=1 HTTP/1.0\r\n\r\n", 400),
                        (b"POST /events HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 400)):
        s = unix_conn(t.sock)
        s.sendall(req)
        got = b""
        while not got.endswith(b"\n") or b"\r\n\r\n" not in got:
            d = s.recv(65536)
            if not d:
                break
            got += d
        assert re.match(rb"HTTP/1\.[01] %d " % status, got), got
        s.close()
    # Ctrl-C ends a follower as it ends `tail -f`: 0
    every.r.p.send_signal(signal.SIGINT)
    assert every.wait() == 0
    t.stop()


def lazy(sock, query):
    """A subscriber that reads nothing (HTTP/1.0: the raw lines until close)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(sock)
    s.sendall(b"GET /events?%s HTTP/1.0\r\n\r\n" % query.encode())
    return s


def drain(s, got):
    s.setblocking(False)
    try:
        while True:
            d = s.recv(1 << 16)
            if not d:
                break
            got += d
    except BlockingIOError:
        pass
    return got


def read_until(s, done, what):
    """Read S (without blocking) until DONE(all read so far) holds; what was read."""
    got = [b""]

    def check():
        got[0] = drain(s, got[0])
        return done(got[0])
    wait_for(check, 10, 0.02, what=lambda: "%s (read %d bytes)" % (what, len(got[0])))
    return got[0]


def accounted(data, dropped_rx, total):
    """(lines, dropped counts) once the lines plus the dropped make TOTAL events."""
    lines = data.split(b"\r\n\r\n", 1)[-1].split(b"\n")[:-1]
    drops = [int(m.group(1)) for m in (re.match(dropped_rx, l) for l in lines) if m]
    return len(lines) - len(drops) + sum(drops) == total and (lines, drops)


def test_slow_subscriber_drops_and_counts(sup):
    t = start(sup, extra="""
[supervisord]
tail_bytes=65536

[program:tick]
command=sh -c 'sleep 1.1; exit 1'
startsecs=0
autorestart=true

[program:%s]
command=sleep 1000
startsecs=0
autostart=false
""" % BIG, env=NO_QUARANTINE)
    follower = Follower(sup, t, "--service", BIG)
    subscribed(t, 1)
    slow_text, slow_json = lazy(t.sock, "service=" + BIG), lazy(t.sock, "format=json&service=" + BIG)
    subscribed(t, 3)
    p = proxy(t.sock)

    def cycle(n):
        for _ in range(n):
            p.supervisor.startProcess(BIG)
            p.supervisor.stopProcess(BIG)
    cycles = 0
    deadline = time.monotonic() + 20  # within the 30 s write bound after which the lazy two are closed
    while t.count("control: an events client lags") < 2:
        assert time.monotonic() < deadline, "the lazy subscribers never fell behind in %d cycles" % cycles
        cycle(10)
        cycles += 10
    cycle(100)
    rss0 = rss_kib(t.pid)  # the queues are full: from now on tend holds no more
    n = t.spawns("tick")
    cycle(600)  # about 2 MB more for the lazy two: all dropped
    # meanwhile the other service went on being restarted, and nothing piled up in tend
    t.wait_count(r"^\[tend\] tick: \w+ -> STARTING", n + 2, timeout=10)
    total = 4 * (cycles + 700)  # each cycle: STARTING, RUNNING, STOPPING, STOPPED
    # one that reads keeps up (or, on a slow machine, says what it lost too)
    wait_for(lambda: accounted(follower.out.raw(), rb"^# (\d+) events dropped$", total), 10,
             what=lambda: "the follower to account for all %d events" % total)
    assert rss_kib(t.pid) - rss0 < 512, (rss0, rss_kib(t.pid))
    # the lazy ones read now: what they got plus what they were told was dropped is everything
    for s, dropped_rx in ((slow_text, rb"^# (\d+) events dropped$"), (slow_json, rb'^\{"dropped":(\d+)\}$')):
        got = read_until(s, lambda data, rx=dropped_rx: accounted(data, rx, total), "all %d events" % total)
        assert got.startswith(b"HTTP/1.0 200 OK\r\n")
        lines, _ = accounted(got, dropped_rx, total)
        assert re.match(dropped_rx, lines[-1])  # told as soon as there was room again
        p.supervisor.startProcess(BIG)  # and what comes next comes after it
        read_until(s, lambda data: re.match(rb'^\S+ \w+ STOPPED -> STARTING\n|^\{.*"to":"STARTING"', data),
                   "the next event")
        p.supervisor.stopProcess(BIG)
        total += 4
    t.stop()


def test_shutdown_ends_the_stream(sup):
    port = free_port()
    t = start(sup, extra="[inet_http_server]\nport=127.0.0.1:%d\nusername=u\npassword=pw\n" % port)
    t.wait_event(r"control: listening on 127\.0\.0\.1:%d$" % port)  # bound after the unix socket
    # the TCP listener wants the credentials, as /status does
    s = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 401 ")
    s.close()
    url = "http://127.0.0.1:%d" % port
    r = subprocess.run([TEND, "ctl", "-s", url, "events"], capture_output=True, text=True, timeout=30 * SLOW)
    assert (r.returncode, r.stdout, r.stderr) == (1, "", url + "/events?format=text Cannot read, status code 401\n")
    raw = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    raw.sendall(b"GET /events?format=json HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n\r\n"
                % base64.b64encode(b"u:pw"))
    f = Follower(sup, t)
    subscribed(t, 2)
    assert ctl(t, "start", "other").returncode == 0
    f.wait_line(r"other STARTING -> RUNNING pid=\d+")
    t.kill(signal.SIGTERM)
    assert f.wait() == 0
    assert transitions(f.lines())[-2:] == ["other RUNNING -> STOPPING", "other STOPPING -> STOPPED"]
    assert re.search(r" other STOPPING -> STOPPED pid=\d+ status=SIGTERM \(terminated by SIGTERM\)$", f.lines()[-1])
    got = b""
    while True:
        d = raw.recv(65536)
        if not d:
            break
        got += d
    head, _, body = got.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and b"application/x-ndjson" in head
    assert body.endswith(b"\r\n0\r\n\r\n")  # the last chunk: a clean end, not a cut
    assert b'"to":"STOPPED","pid":' in body and b'"signal":"SIGTERM"' in body
    assert t.wait() == 0
