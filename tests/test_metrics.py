"""GET /metrics (src/ctl_server_metrics.c), each tree's resource use (src/usage.c) in it, in
GET /status and `tend ctl status --json`, and `tend ctl top` (src/ctl_top.c).

The exposition is read with a strict parser of the Prometheus text format 0.0.4 written
here (the grammar of names, labels and escapes; HELP and TYPE once per family and before
its samples; a family's samples together; float values; no duplicate series; the final
newline), and its numbers are compared with what the processes' own /proc files say, read
just before and just after the scrape (a window, not a timing)."""
import base64
import json
import math
import os
import re
import socket
import subprocess
import time

import pytest

from conftest import SLOW, TEND, descendants, wait_for
from supervise_util import free_port, sup  # noqa: F401  (fixture)
from test_ctl_server import read_response, unix_conn, wait_listening

# ---- the strict parser -------------------------------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class PromError(Exception):
    pass


def _float(s):
    """A sample value as the format has it (Go's ParseFloat: also NaN, +Inf, -Inf)."""
    if s in ("NaN", "+Inf", "-Inf", "Inf"):
        return float(s.replace("Inf", "inf"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", s):
        raise PromError("bad value %r" % s)
    return float(s)


def _unescape(s, quote):
    """The escapes of a label value (\\\\, \\", \\n) or of a HELP text (\\\\, \\n)."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if i + 1 >= len(s):
                raise PromError("dangling backslash in %r" % s)
            n = s[i + 1]
            m = {"\\": "\\", "n": "\n"}
            if quote:
                m['"'] = '"'
            if n not in m:
                raise PromError("bad escape \\%s in %r" % (n, s))
            out.append(m[n])
            i += 2
            continue
        if quote and c == '"':
            raise PromError("unescaped quote in %r" % s)
        if c == "\n":
            raise PromError("raw newline")
        out.append(c)
        i += 1
    return "".join(out)


def _labels(text, line):
    """'a="x",b="y"' -> {a: x, b: y}, scanning escapes (a quote may be escaped)."""
    labels, i = {}, 0
    while i < len(text):
        m = re.compile(LABEL + "=\"").match(text, i)
        if not m:
            raise PromError("bad label at %r in %r" % (text[i:], line))
        name = m.group(0)[:-2]
        j = m.end()
        k = j
        while k < len(text) and text[k] != '"':
            k += 2 if text[k] == "\\" else 1
        if k >= len(text):
            raise PromError("unterminated label value in %r" % line)
        if name in labels:
            raise PromError("label %s twice in %r" % (name, line))
        labels[name] = _unescape(text[j:k], True)
        i = k + 1
        if i < len(text):
            if text[i] != ",":
                raise PromError("expected , in %r" % line)
            i += 1
            if i == len(text):
                break  # a trailing comma is allowed
    return labels


def parse_prom(text):
    """{family: {"type", "help", "samples": {frozenset(labels.items()): value}}} or PromError."""
    if not text.endswith("\n"):
        raise PromError("no newline at the end")
    fams, current, seen_samples = {}, None, set()
    for line in text[:-1].split("\n"):
        if line == "":
            raise PromError("empty line")  # allowed by the format, but tend writes none
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % NAME, line) or re.fullmatch(r"# (HELP) (%s)()" % NAME, line)
            if not m:
                if re.match(r"# (HELP|TYPE)\b", line):
                    raise PromError("bad %r" % line)
                continue  # a comment
            kind, name, rest = m.groups()
            f = fams.setdefault(name, {"type": None, "help": None, "samples": {}})
            if name in seen_samples or (current and current != name and f["samples"]):
                raise PromError("%s for %s after its samples" % (kind, name))
            if kind == "TYPE":
                if f["type"] is not None:
                    raise PromError("TYPE %s twice" % name)
                if rest not in TYPES:
                    raise PromError("bad type %r" % rest)
                f["type"] = rest
            else:
                if f["help"] is not None:
                    raise PromError("HELP %s twice" % name)
                f["help"] = _unescape(rest, False)
            current = name
            continue
        m = re.fullmatch(r"(%s)(?:\{(.*)\})? (\S+)(?: (-?\d+))?" % NAME, line)
        if not m:
            raise PromError("bad sample line %r" % line)
        name, labels, value, _ts = m.groups()
        labels = _labels(labels or "", line)
        if name not in fams or fams[name]["type"] is None:
            raise PromError("sample of %s without a TYPE before it" % name)
        if current != name:
            raise PromError("sample of %s among the samples of %s" % (name, current))
        key = frozenset(labels.items())
        if key in fams[name]["samples"]:
            raise PromError("duplicate series %r" % line)
        fams[name]["samples"][key] = _float(value)
        seen_samples.add(name)
    return fams


BAD = [
    "tend_x 1",                                            # no final newline
    "tend_x 1\n",                                          # no TYPE
    "# TYPE tend_x gauge\ntend_x 1\n# TYPE tend_x gauge\n",  # TYPE twice
    "# TYPE tend_x gauge\ntend_x 1\n# HELP tend_x late\n",  # HELP after the samples
    "# TYPE tend_x gauge\ntend_x{a=\"1\"} 1\ntend_x{a=\"1\"} 2\n",  # duplicate series
    "# TYPE tend_x gauge\ntend_x{a=\"x\\q\"} 1\n",           # bad escape
    "# TYPE tend_x gauge\ntend_x{a=\"x\"y\"} 1\n",           # unescaped quote
    "# TYPE tend_x gauge\ntend_x{1a=\"x\"} 1\n",             # bad label name
    "# TYPE tend_x gauge\ntend_x one\n",                   # not a float
    "# TYPE tend_x gauge\ntend_x 1\n\n",                   # empty line
    "# TYPE tend_x kind\ntend_x 1\n",                      # bad type
    "# TYPE tend_x gauge\n# TYPE tend_y gauge\ntend_y 1\ntend_x 1\n",  # interleaved
    "# TYPE tend_x gauge\ntend_x{a=\"1\",a=\"2\"} 1\n",      # label twice
    "# TYPE 9x gauge\n9x 1\n",                             # bad metric name
]


@pytest.mark.parametrize("text", BAD)
def test_parser_rejects(text):
    with pytest.raises(PromError):
        parse_prom(text)


def test_parser_accepts():
    f = parse_prom('# HELP a_total x\\\\y\\n\n# TYPE a_total counter\na_total{s="q\\"\\\\\\n",t="2"} 1.5e3\n'
                   '# TYPE b gauge\nb NaN\nb{x="1",} +Inf 123\n')
    assert f["a_total"]["help"] == "x\\y\n"
    assert f["a_total"]["samples"] == {frozenset({("s", 'q"\\\n'), ("t", "2")}): 1500.0}
    assert math.isnan(f["b"]["samples"][frozenset()])

# ---- /proc, as the test reads it -----------------------------------------------------------


def stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        d = f.read()
    return d[d.rindex(")") + 2:].split()


def tree_cpu(keeper, tree):
    """What tend counts: every descendant's utime+stime+cutime+cstime, the keeper's reaped
    children's (cutime+cstime), in seconds."""
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(int(x) for x in stat_fields(keeper)[13:15])
    for p in tree:
        total += sum(int(x) for x in stat_fields(p)[11:15])
    return total / hz


def vmrss(pids):
    total = 0
    for p in pids:
        with open("/proc/%d/status" % p) as f:
            total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) * 1024
    return total


def nfds(pids):
    return sum(len(os.listdir("/proc/%d/fd" % p)) for p in pids)

# ---- the server --------------------------------------------------------------------------


CONF = """
[unix_http_server]
file=%(sock)s
%(auth)s

%(inet)s

[program:three]
command=sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
startsecs=0

[program:busy]
command=sh -c 'while :; do :; done'
startsecs=0

[program:fds]
command=python3 -c 'import os, time; fs = [open("/dev/null") for _ in range(7)]; print("open", flush=True); time.sleep(1000)'
startsecs=0

[program:talk]
command=sh -c 'printf hello-world; printf oops >&2; exec sleep 1000'
startsecs=0

[program:fail]
command=sh -c 'exit 3'
startsecs=0
autorestart=false

[program:we"ird\\x]
command=sleep 1000
startsecs=0

[group:grp]
programs=member

[program:member]
command=sleep 1000
startsecs=0
"""


def start(sup, auth="", inet=""):
    sock = str(sup.tmp / "ctl.sock")
    t = sup.start(CONF % {"sock": sock, "auth": auth, "inet": inet}, args=("-v",),
                  env=dict(os.environ, TEND_CTL_SOCKET="none"))
    t.sock = sock
    wait_listening(t, sock)
    return t


def get(sock, path, auth=None):
    s = unix_conn(sock)
    head = "GET %s HTTP/1.1\r\nHost: localhost\r\n" % path
    if auth:
        head += "Authorization: Basic %s\r\n" % base64.b64encode(auth.encode()).decode()
    s.sendall((head + "\r\n").encode())
    status, hdrs, body = read_response(s)
    s.close()
    return status, hdrs, body.decode()


def scrape(t):
    status, hdrs, body = get(t.sock, "/metrics")
    assert status == 200, body
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4")
    return parse_prom(body)


def one(fams, name, **labels):
    return fams[name]["samples"][frozenset(labels.items())]


SERVICES = ["busy", "fail", "fds", "grp:member", "talk", "three", 'we"ird\\x']


def settled(t):
    f = scrape(t)
    st = f["tend_service_state"]["samples"]
    want = {s: ("EXITED" if s == "fail" else "RUNNING") for s in SERVICES}
    ok = all(st.get(frozenset({("service", s), ("state", w)})) == 1 for s, w in want.items())
    ok = ok and one(f, "tend_service_log_bytes_total", service="talk", stream="stdout") == 11
    return f if ok and one(f, "tend_service_log_bytes_total", service="fds", stream="stdout") == 5 else None


def test_metrics_format_and_families(sup):
    t = start(sup)
    f = wait_for(lambda: settled(t), 10, what="every service settled")
    for name, fam in f.items():
        assert name.startswith("tend_")
        assert fam["help"], name
        assert fam["type"] in ("counter", "gauge")
        assert name.endswith("_total") == (fam["type"] == "counter"), name
    per_service = [n for n in f if n.startswith("tend_service_")]
    assert len(per_service) == 14
    # memory.current is a cgroup's (test_cgroup.py): kept by keepers, no service has it
    assert f.pop("tend_service_memory_current_bytes")["samples"] == {}
    per_service.remove("tend_service_memory_current_bytes")
    for n in per_service:
        names = {dict(k)["service"] for k in f[n]["samples"]}
        assert names == set(SERVICES), (n, names)  # the quote and backslash came back unescaped
    # one series per state, exactly one of them 1
    for s in SERVICES:
        vals = [v for k, v in f["tend_service_state"]["samples"].items() if dict(k)["service"] == s]
        assert sorted(vals) == [0] * 6 + [1]
    assert one(f, "tend_service_exit_status", service="fail") == 3
    assert one(f, "tend_service_uptime_seconds", service="fail") == 0
    assert one(f, "tend_service_uptime_seconds", service="three") > 0
    assert one(f, "tend_service_ready", service="three") == 1
    assert one(f, "tend_service_healthy", service="fail") == 1
    assert one(f, "tend_service_restarts_total", service="three") == 0
    assert one(f, "tend_service_log_bytes_total", service="talk", stream="stderr") == 4
    assert one(f, "tend_service_log_dropped_bytes_total", service="talk", stream="stdout") == 0
    assert one(f, "tend_service_processes", service="fail") == 0
    assert one(f, "tend_service_memory_rss_bytes", service="fail") == 0
    t.stop()


def test_numbers_match_proc(sup):
    t = start(sup)
    wait_for(lambda: settled(t), 10, what="every service settled")
    keepers = {s: t.keeper(s.split(":")[-1]) for s in ("three", "busy", "fds")}
    trees = {s: descendants(k) for s, k in keepers.items()}
    assert len(trees["three"]) == 3
    first_busy = None
    for _ in range(2):
        before = {s: (tree_cpu(keepers[s], trees[s]), vmrss(trees[s])) for s in keepers}
        f = scrape(t)
        after = {s: (tree_cpu(keepers[s], trees[s]), vmrss(trees[s])) for s in keepers}
        for s in keepers:
            assert one(f, "tend_service_processes", service=s) == len(trees[s])
            assert one(f, "tend_service_open_fds", service=s) == nfds(trees[s])
            cpu = one(f, "tend_service_cpu_seconds_total", service=s)
            assert before[s][0] - 1e-6 <= cpu <= after[s][0] + 1e-6, (s, before[s], cpu, after[s])
            rss = one(f, "tend_service_memory_rss_bytes", service=s)
            lo, hi = min(before[s][1], after[s][1]), max(before[s][1], after[s][1])
            assert lo - 256 * 1024 <= rss <= hi + 256 * 1024, (s, lo, rss, hi)  # smaps_rollup vs VmRSS
            pss = one(f, "tend_service_memory_pss_bytes", service=s)
            assert 0 < pss <= rss
        assert one(f, "tend_service_open_fds", service="fds") >= 3 + 7
        busy = one(f, "tend_service_cpu_seconds_total", service="busy")
        if first_busy is None:
            first_busy = busy
            # the busy loop's CPU time grows: wait until /proc says so, then scrape again
            wait_for(lambda: tree_cpu(keepers["busy"], trees["busy"]) > busy, 10, what="busy uses CPU")
    assert busy > first_busy
    # tend's own numbers: its fds at rest, plus the scrape's connection and /proc/self/fd
    tp = t.pid
    rest = nfds([tp])
    r0 = vmrss([tp])
    f = scrape(t)
    r1 = vmrss([tp])
    assert rest <= one(f, "tend_open_fds") <= rest + 2
    assert min(r0, r1) - 256 * 1024 <= one(f, "tend_memory_rss_bytes") <= max(r0, r1) + 256 * 1024
    t.stop()


def test_restarts_and_turns(sup):
    t = start(sup)
    wait_for(lambda: settled(t), 10, what="every service settled")
    t0 = one(scrape(t), "tend_loop_turns_total")
    t1 = one(scrape(t), "tend_loop_turns_total")
    assert t1 > t0
    # nobody scrapes: no turn of tend's loop between two scrapes beyond what one costs
    time.sleep(1.2)
    t2 = one(scrape(t), "tend_loop_turns_total")
    assert t2 - t1 <= (t1 - t0) + 2, (t0, t1, t2)
    r = subprocess.run([TEND, "ctl", "-s", "unix://" + t.sock, "restart", "three"], capture_output=True, text=True,
                       timeout=30 * SLOW)
    assert r.returncode == 0, r.stderr
    f = wait_for(lambda: (lambda f: f if one(f, "tend_service_processes", service="three") == 3 else None)(scrape(t)),
                 10, what="three back with 3 processes")
    assert one(f, "tend_service_restarts_total", service="three") == 1
    t.stop()


def test_metrics_auth_and_inet(sup):
    port = free_port()
    t = start(sup, auth="username=u\npassword=p", inet="[inet_http_server]\nport=127.0.0.1:%d\nusername=u\npassword=p" % port)
    status, _, _ = get(t.sock, "/metrics")
    assert status == 401
    status, _, body = get(t.sock, "/metrics", auth="u:p")
    assert status == 200
    parse_prom(body)

    def tcp(auth):
        s = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
        head = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
        if auth:
            head += "Authorization: Basic %s\r\n" % base64.b64encode(auth.encode()).decode()
        s.sendall((head + "\r\n").encode())
        r = read_response(s)
        s.close()
        return r
    wait_for(lambda: _connects(port), 5, what="inet listener")
    assert tcp(None)[0] == 401
    status, _, body = tcp("u:p")
    assert status == 200
    assert "tend_service_processes" in parse_prom(body.decode())
    status, _, body = get(t.sock, "/status", auth="u:p")
    t.stop()


def _connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False

# ---- status --json, GET /status ------------------------------------------------------------


def ctl(t, *args, timeout=30):
    return subprocess.run([TEND, "ctl", "-s", "unix://" + t.sock] + list(args), capture_output=True, text=True,
                          timeout=timeout * SLOW)


def test_status_json_fields(sup):
    t = start(sup)
    wait_for(lambda: settled(t), 10, what="every service settled")
    tree = descendants(t.keeper("three"))
    r = ctl(t, "status", "--json")
    doc = json.loads(r.stdout)
    by = {(d["group"], d["name"]): d for d in doc}
    for d in doc:
        for k in ("cpu", "rss", "pss", "processes", "fds"):
            assert isinstance(d[k], (int, float)), (d, k)
    assert by[("three", "three")]["processes"] == 3
    assert by[("three", "three")]["fds"] == nfds(tree)
    assert by[("grp", "member")]["processes"] == 1
    assert by[("fail", "fail")]["processes"] == 0
    status, _, body = get(t.sock, "/status")
    assert status == 200
    st = {d["name"]: d for d in json.loads(body)}
    assert st["three"]["processes"] == 3 and st["three"]["rss"] > 0 and st["three"]["fds"] == nfds(tree)
    assert st["busy"]["cpu"] >= 0
    t.stop()

# ---- tend ctl top ------------------------------------------------------------------------


ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\d+\.\d\d)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")


def tables(out):
    """The tables top printed (non-tty: one per iteration, a blank line after each)."""
    assert "\033" not in out
    res = []
    for block in out.split("\n\n"):
        if not block.strip():
            continue
        lines = block.strip("\n").split("\n")
        assert lines[0].split() == ["NAME", "STATE", "CPU%", "CPU-S", "RSS-KIB", "PSS-KIB", "PROCS", "FDS"]
        rows = []
        for l in lines[1:]:
            m = ROW.match(l)
            assert m, l
            rows.append(m.groups())
        res.append(rows)
    return res


def test_top_non_tty(sup):
    t = start(sup)
    wait_for(lambda: settled(t), 10, what="every service settled")
    r = ctl(t, "top", "-n", "3", "-d", "0.2")
    assert r.returncode == 0, r.stderr
    tabs = tables(r.stdout)
    assert len(tabs) == 3
    for rows in tabs:
        assert sorted(x[0] for x in rows) == sorted(s for s in SERVICES if '"' not in s) + ['we"ird\\x']
        three = next(x for x in rows if x[0] == "three")
        assert three[1] == "RUNNING" and three[6] == "3"
    assert all(x[2] == "-" for x in tabs[0])  # no CPU% before a second sample
    for rows in tabs[1:]:
        assert rows[0][0] == "busy" and float(rows[0][2]) > 0, rows  # sorted by CPU%
        pct = [float(x[2]) for x in rows]
        assert pct == sorted(pct, reverse=True)
        assert all(float(x[2]) == 0 for x in rows if x[0] in ("three", "fail"))
    r = ctl(t, "top", "-n", "1", "-o", "mem")
    tabs = tables(r.stdout)
    assert len(tabs) == 1
    rss = [int(x[4]) for x in tabs[0]]
    assert rss == sorted(rss, reverse=True) and rss[0] > 0
    assert next(x for x in tabs[0] if x[0] == "fail")[4] == "0"
    for bad in (["-o", "disk"], ["-n", "0"], ["-d", "x"], ["-z"]):
        r = ctl(t, "top", *bad)
        assert r.returncode == 2 and "bad argument" in r.stdout, (bad, r.stdout)
    t.stop()


def test_top_without_server(sup, tmp_path):
    r = subprocess.run([TEND, "ctl", "-s", "unix://%s/none.sock" % tmp_path, "top", "-n", "1"], capture_output=True,
                       text=True, timeout=30 * SLOW)
    assert r.returncode != 0


@pytest.mark.parametrize("key", ["q", "\x03"])
def test_top_tty_refreshes_and_quits(sup, tty, key):
    """On a terminal: the screen is cleared before each table, the keys are read without
    Enter (the terminal's mode is restored at the end), and q or Ctrl-C quits."""
    t = start(sup)
    wait_for(lambda: settled(t), 10, what="every service settled")
    r, term = tty.start([TEND, "ctl", "-s", "unix://" + t.sock, "top", "-d", "0.2"])
    term.wait_text(r"(?s)\033\[H\033\[2J.*NAME.*busy", 10)
    # a second refresh shows CPU% (a number, not '-')
    term.wait_text(r"\033\[H\033\[2J[^\033]*\nbusy +RUNNING +\d+\.\d", 10, start=len(term.text()) - 1)
    import termios
    lflag = termios.tcgetattr(term.master)[3]
    assert not lflag & (termios.ICANON | termios.ECHO)  # q needs no Enter
    term.write(key)
    assert r.wait(10 * SLOW) == 0
    lflag = termios.tcgetattr(term.master)[3]
    assert lflag & termios.ICANON and lflag & termios.ECHO
    t.stop()


def test_large_answers(sup):
    """120 services: /metrics (~130 KB) is bigger than a connection's output buffer (68 KB)
    and is sent whole, from where it was built (as /status is)."""
    sock = str(sup.tmp / "ctl.sock")
    conf = ("[unix_http_server]\nfile=%s\n\n[program:many]\ncommand=sleep 1000\nstartsecs=0\nnumprocs=120\n"
            "process_name=%%(program_name)s_%%(process_num)03d\n" % sock)
    t = sup.start(conf, env=dict(os.environ, TEND_CTL_SOCKET="none", TEND_KEEPER_FORK_ONLY="1"))
    t.sock = sock
    wait_listening(t, sock)

    def all_running():
        status, hdrs, body = get(sock, "/metrics")
        assert status == 200 and int(hdrs["content-length"]) == len(body.encode())
        f = parse_prom(body)
        return (f, body) if sum(f["tend_service_processes"]["samples"].values()) == 120 else None
    f, body = wait_for(all_running, 30, what="120 services running")
    assert len(body) > 68 * 1024
    assert len(f["tend_service_state"]["samples"]) == 7 * 120
    status, _, body = get(sock, "/status")
    st = json.loads(body)
    assert len(st) == 120 and all(d["processes"] == 1 and d["state"] == "RUNNING" for d in st)
    t.stop()
