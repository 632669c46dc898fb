"""The control server's transport (src/ctl_server*.c): listeners, HTTP/1.x with
keep-alive, authentication, socket mode and owner, log streams, and the bounds that keep
PID 1 responsive whatever a client does."""
import grp
import hashlib
import http.client
import os
import pwd
import random
import re
import signal
import socket
import stat
import subprocess
import time
import xmlrpc.client

import pytest

from conftest import SLOW, wait_for
from supervise_util import free_port, sup  # noqa: F401  (fixture)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10.0):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class UnixTransport(xmlrpc.client.Transport):
    """xmlrpc.client over a UNIX socket, as supervisorctl's SupervisorTransport does."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def make_connection(self, host):
        if self._connection and self._connection[0] == host:
            return self._connection[1]
        self._connection = host, UnixHTTPConnection(self.path)
        return self._connection[1]


def proxy(path):
    return xmlrpc.client.ServerProxy("http://localhost", transport=UnixTransport(path))


def unix_conn(path, timeout=10.0):
    def attempt():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout * SLOW)
        try:
            s.connect(path)
        except BlockingIOError:  # the backlog is full for a moment: not refused
            s.close()
            return None
        return s
    return wait_for(attempt, timeout, what="connect to %s" % path)


def call_body(method, *params):
    return xmlrpc.client.dumps(params, method).encode()


def post(body, auth=None, extra=""):
    head = "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n" % len(body)
    if auth:
        import base64
        head += "Authorization: Basic %s\r\n" % base64.b64encode(auth.encode()).decode()
    return (head + extra + "\r\n").encode() + body


def read_response(s):
    """One whole response with a Content-Length (or to EOF): (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1]) if lines[0] else 0
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "content-length" in hdrs:
        n = int(hdrs["content-length"])
        while len(rest) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    return status, hdrs, rest


def closed_by_peer(s):
    """True once the server has closed (EOF or reset); everything sent is read away."""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


CONF = """
[unix_http_server]
file=%(sock)s
%(extra)s

[program:tick]
command=%(tick)s
"""


def start(sup, extra="", env=None, conf=None, args=("-v",)):
    sock = str(sup.tmp / "ctl.sock")
    text = conf or CONF % {"sock": sock, "extra": extra, "tick": sup.svc_cmd("tick", 0.2)}
    e = dict(os.environ, TEND_CTL_SOCKET="none")
    e.update(env or {})
    t = sup.start(text, args=args, env=e)
    t.sock = sock
    return t


def wait_listening(t, path):
    wait_for(lambda: os.path.exists(path), what="socket %s" % path)


def test_xmlrpc_over_unix_and_keepalive(sup):
    t = start(sup)
    wait_listening(t, t.sock)
    p = proxy(t.sock)
    assert p.supervisor.getAPIVersion() == "3.0"
    assert p.supervisor.getState() == {"statecode": 1, "statename": "RUNNING"}
    t.wait_event(r"tick: STARTING -> RUNNING")
    infos = p.supervisor.getAllProcessInfo()
    assert [i["name"] for i in infos] == ["tick"] and infos[0]["statename"] == "RUNNING"
    # one connection, several calls: keep-alive
    c = UnixHTTPConnection(t.sock)
    for _ in range(3):
        c.request("POST", "/RPC2", body=call_body("supervisor.getAPIVersion"), headers={"Content-Type": "text/xml"})
        r = c.getresponse()
        assert r.status == 200 and r.getheader("Content-Type") == "text/xml"
        assert xmlrpc.client.loads(r.read())[0] == ("3.0",)
    first = c.sock
    c.request("POST", "/RPC2", body=call_body("supervisor.getState"))
    r = c.getresponse()
    r.read()
    assert c.sock is first  # http.client would have reconnected after a close
    c.close()
    t.stop()
    assert not os.path.exists(t.sock)  # removed at exit


def test_http10_and_errors(sup):
    t = start(sup)
    wait_listening(t, t.sock)
    s = unix_conn(t.sock)
    body = call_body("supervisor.getAPIVersion")
    s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    st, h, b = read_response(s)
    assert st == 200 and b"3.0" in b and h.get("connection") == "close"
    assert closed_by_peer(s)
    for req, want in [(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404),
                      (b"GET /RPC2 HTTP/1.1\r\n\r\n", 400),
                      (b"POST /RPC2 HTTP/1.1\r\n\r\n", 411),
                      (b"GET /logtail/nosuch HTTP/1.1\r\n\r\n", 404),
                      (b"\x00\x01garbage\r\n\r\n", 400)]:
        s = unix_conn(t.sock)
        s.sendall(req)
        st, h, b = read_response(s)
        assert st == want, (req, st)
        if want == 404:
            assert b"<p>Error code 404." in b and h["content-type"] == "text/html"
        assert closed_by_peer(s)
    # Expect: 100-continue
    s = unix_conn(t.sock)
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body))
    assert s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    s.sendall(body)
    st, h, b = read_response(s)
    assert st == 200 and b"3.0" in b
    # a chunked body
    s = unix_conn(t.sock)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7))
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
    st, h, b = read_response(s)
    assert st == 200 and b"3.0" in b
    t.stop()


AUTH = """
[inet_http_server]
port=127.0.0.1:%(port)d
username=admin
password=%(pw)s

[unix_http_server]
file=%(sock)s
username=admin
password=%(pw)s

[program:tick]
command=%(tick)s
"""


@pytest.mark.parametrize("hashed", [False, True])
def test_authentication(sup, hashed):
    port = free_port()
    pw = "{SHA}" + hashlib.sha1(b"s3cret").hexdigest() if hashed else "s3cret"
    sock = str(sup.tmp / "ctl.sock")
    t = start(sup, conf=AUTH % {"port": port, "pw": pw, "sock": sock, "tick": sup.svc_cmd("tick", 1)})
    wait_listening(t, sock)
    t.wait_event(r"control: listening on 127\.0\.0\.1:%d$" % port)

    def tcp():
        return socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    body = call_body("supervisor.getAPIVersion")
    for conn in (tcp, lambda: unix_conn(sock)):
        for auth in (None, "admin:wrong", "root:s3cret"):
            s = conn()
            s.sendall(post(body, auth))
            st, h, b = read_response(s)
            assert st == 401, auth
            assert h["www-authenticate"] == 'Basic realm="default"'
            assert b"3.0" not in b
        s = conn()
        s.sendall(post(body, "admin:s3cret"))
        st, h, b = read_response(s)
        assert st == 200 and xmlrpc.client.loads(b)[0] == ("3.0",)
    # the real supervisorctl, both ways
    for url in ("http://127.0.0.1:%d" % port, "unix://" + sock):
        r = subprocess.run(["supervisorctl", "-s", url, "-u", "admin", "-p", "s3cret", "pid"],
                           capture_output=True, text=True, timeout=20 * SLOW)
        assert r.stdout.strip().isdigit(), r
        r = subprocess.run(["supervisorctl", "-s", url, "-u", "admin", "-p", "bad", "pid"],
                           capture_output=True, text=True, timeout=20 * SLOW)
        assert "401" in r.stdout + r.stderr, r
    t.stop()


def test_socket_mode_and_owner(sup):
    t = start(sup, extra="chmod=0770\nchown=nobody:nogroup")
    wait_listening(t, t.sock)
    st = os.lstat(t.sock)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o770
    assert st.st_uid == pwd.getpwnam("nobody").pw_uid and st.st_gid == grp.getgrnam("nogroup").gr_gid
    assert [n for n in os.listdir(str(sup.tmp)) if n.startswith(".tend-")] == []  # no private dir left
    assert proxy(t.sock).supervisor.getAPIVersion() == "3.0"
    t.stop()


def test_default_socket_and_stale_and_taken(sup):
    path = str(sup.tmp / "default.sock")
    # a stale socket file is replaced
    old = socket.socket(socket.AF_UNIX)
    old.bind(path)
    old.close()
    conf = "[program:tick]\ncommand=%s\n" % sup.svc_cmd("tick", 1)
    t = start(sup, conf=conf, env={"TEND_CTL_SOCKET": path})
    t.wait_event(r"control: listening on " + re.escape(path))
    assert "Unlinking stale socket %s" % path in t.err.text()
    st = os.lstat(path)
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert proxy(path).supervisor.getAPIVersion() == "3.0"
    # a second tend finds it alive: the default socket is a warning, a configured one fatal (2)
    t2 = start(sup, conf=conf, env={"TEND_CTL_SOCKET": path}, args=())
    t2.wait_event(r"control: Another program is already listening")
    t2.stop()
    conf3 = "[unix_http_server]\nfile=%s\n[program:tick]\ncommand=%s\n" % (path, sup.svc_cmd("tick", 1))
    rc, out, err = sup.run(conf3, name="c3.conf")
    assert rc == 2
    assert "tend: Another program is already listening on a port that one of our HTTP servers is " \
           "configured to use.  Shut this program down first before starting supervisord." in err
    assert proxy(path).supervisor.getAPIVersion() == "3.0"  # the first one is untouched
    t.stop()
    assert not os.path.exists(path)


def test_logtail_stream(sup):
    t = start(sup)
    wait_listening(t, t.sock)
    t.wait_event(r"tick: STARTING -> RUNNING")
    s = unix_conn(t.sock)
    s.sendall(b"GET /logtail/tick HTTP/1.1\r\nHost: x\r\nAccept-Encoding: chunked\r\n\r\n\r\n")
    buf = bytearray()

    def got(n):
        buf.extend(s.recv(65536))
        return len(re.findall(rb"tick \d+\n", bytes(buf))) >= n
    wait_for(lambda: got(5), 10, what="5 tick lines streamed")
    head, _, body = bytes(buf).partition(b"\r\n\r\n")
    head = head.decode()
    assert head.startswith("HTTP/1.1 200 OK\r\n")
    assert "Transfer-Encoding: chunked" in head and "Content-Type: text/plain;charset=utf-8" in head
    assert re.match(rb"[0-9a-f]+\r\ntick \d+\n", body)  # chunked framing
    s.close()
    for path in (b"/logtail/tick/bogus", b"/logtail/nosuch/stdout", b"/logtail/"):
        s = unix_conn(t.sock)
        s.sendall(b"GET " + path + b" HTTP/1.1\r\n\r\n")
        assert read_response(s)[0] == 404, path
        s.close()
    # HTTP/1.0: the raw bytes, no framing
    s = unix_conn(t.sock)
    s.sendall(b"GET /logtail/tick HTTP/1.0\r\n\r\n")
    buf.clear()
    wait_for(lambda: got(2), 10, what="HTTP/1.0 stream")
    head, _, body = bytes(buf).partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and body.startswith(b"tick ")
    s.close()
    # tend's own log
    s = unix_conn(t.sock)
    s.sendall(b"GET /mainlogtail HTTP/1.1\r\n\r\n")
    buf.clear()
    wait_for(lambda: buf.extend(s.recv(65536)) or b"control: connection from" in buf, 10, what="mainlogtail")
    assert bytes(buf).startswith(b"HTTP/1.1 200 OK\r\n") and b"X-Accel-Buffering" not in buf
    s.close()
    # the real supervisorctl tail -f
    p = subprocess.Popen(["supervisorctl", "-s", "unix://" + t.sock, "tail", "-f", "tick"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        lines = []
        wait_for(lambda: (lines.append(p.stdout.readline()) or sum(1 for l in lines if l.startswith(b"tick ")) >= 3),
                 10, what="supervisorctl tail -f output")
    finally:
        p.kill()
        p.wait()
    # the waiters of closed streams are gone: output goes on, tend answers
    n = t.count(r"control: connection from")
    assert proxy(t.sock).supervisor.getAPIVersion() == "3.0"
    t.wait_event(r"control: connection from", n + 1)
    assert proxy(t.sock).supervisor.getAPIVersion() == "3.0"
    t.stop()


ABUSE = """
[unix_http_server]
file=%(sock)s

[program:crash]
command=%(crash)s
startsecs=0
autorestart=true
"""


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    return 0


def test_abuse_keeps_supervising(sup):
    sock = str(sup.tmp / "ctl.sock")
    crash = sup.svc_cmd("stamp", sup.tmp / "crash.stamps", 1, 0.3)
    t = start(sup, conf=ABUSE % {"sock": sock, "crash": crash}, args=())
    t.sock = sock
    wait_listening(t, sock)
    held = []
    # 200 idle connections: the oldest idle ones make room, nobody is locked out
    for _ in range(200):
        held.append(unix_conn(sock))
    assert proxy(sock).supervisor.getAPIVersion() == "3.0"
    # a 100 MB body announced: refused from the head, nothing buffered
    s = unix_conn(sock)
    s.sendall(b"POST /RPC2 HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n" + b"x" * 65536)
    assert read_response(s)[0] == 413
    # and 9 MB of a chunked body: counted as it is decoded, refused past 8 MiB
    s = unix_conn(sock)
    try:
        s.sendall(b"POST /RPC2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  (b"100000\r\n" + b"y" * 0x100000 + b"\r\n") * 9)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        assert read_response(s)[0] == 413
    except ConnectionResetError:
        pass
    # a 1 MB header
    s = unix_conn(sock)
    try:
        s.sendall(b"POST /RPC2 HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        assert read_response(s)[0] == 431
    except ConnectionResetError:
        pass  # closed while we were still sending: also refused
    # 10,000 nested elements
    deep = b"<?xml version='1.0'?><methodCall><methodName>supervisor.getState</methodName><params><param>" + \
        b"<value><array><data>" * 10000 + b"</data></array></value>" * 10000 + b"</param></params></methodCall>"
    s = unix_conn(sock)
    s.sendall(post(deep))
    st, h, b = read_response(s)
    assert st in (200, 400) and (st == 400 or b"<fault>" in b)
    # random bytes
    rnd = random.Random(7)
    for _ in range(20):
        s = unix_conn(sock)
        try:
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 5000))) + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        held.append(s)
    # a client that pipelines many calls and never reads the replies
    lazy = unix_conn(sock)
    req = post(call_body("supervisor.getAllProcessInfo"))
    try:
        lazy.setblocking(False)
        for _ in range(20000):
            lazy.send(req)
    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
        pass
    # through all that, tend supervises: the crashing service keeps being restarted
    n = t.spawns("crash")
    t.wait_count(r"^\[tend\] crash: \w+ -> STARTING", n + 3, timeout=20)
    assert proxy(sock).supervisor.getState()["statename"] == "RUNNING"
    assert rss_kib(t.pid) < 64 * 1024  # nothing from all that stayed buffered
    for s in held:
        s.close()
    t.stop()


def test_timeouts(sup):
    t = start(sup, env={"TEND_CTL_IDLE_MS": "300", "TEND_CTL_REQUEST_MS": "400", "TEND_CTL_WRITE_MS": "500"})
    wait_listening(t, t.sock)
    # idle: no request at all
    s = unix_conn(t.sock)
    s.settimeout(0.05)
    wait_for(lambda: closed_by_peer(s), 10, what="idle connection closed")
    # slowloris: a request that never completes, a byte now and then
    s = unix_conn(t.sock)
    s.settimeout(0.05)
    s.sendall(b"POST /RPC2 HTTP/1.1\r\n")

    def dribble():
        try:
            s.send(b"X")
        except OSError:
            return True
        return closed_by_peer(s)
    wait_for(dribble, 10, interval=0.05, what="slow request closed")
    t.wait_event(r"control: closing a connection whose request took over 400 ms")
    # a reader that never reads: closed after the write bound, its memory freed
    lazy = unix_conn(t.sock)
    lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    big = post(call_body("supervisor.getAllProcessInfo"))
    lazy.setblocking(False)
    try:
        for _ in range(5000):
            lazy.send(big)
    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
        pass
    t.wait_event(r"control: closing a connection that has not read its reply for 500 ms", timeout=20)
    assert proxy(t.sock).supervisor.getAPIVersion() == "3.0"
    t.stop()


DEFER = """
[unix_http_server]
file=%(sock)s

[program:slow]
command=%(tick)s
autostart=false
startsecs=2
"""


def test_deferred_call_answered_and_abandoned(sup):
    sock = str(sup.tmp / "ctl.sock")
    t = start(sup, conf=DEFER % {"sock": sock, "tick": sup.svc_cmd("tick", 0.5)})
    wait_listening(t, sock)
    # parked until startsecs have passed, then answered
    assert proxy(sock).supervisor.startProcess("slow", True) is True
    assert proxy(sock).supervisor.getProcessInfo("slow")["statename"] == "RUNNING"
    assert proxy(sock).supervisor.stopProcess("slow", True) is True
    # a client that goes away while its call is parked: the call ends with the connection
    s = unix_conn(sock)
    s.sendall(post(call_body("supervisor.startProcess", "slow", True)))
    t.wait_event(r"slow: \w+ -> STARTING", 2)
    s.close()
    t.wait_event(r"slow: STARTING -> RUNNING")
    assert proxy(sock).supervisor.getState()["statename"] == "RUNNING"
    # peer credentials of UNIX clients (the pid is 0: the client is outside tend's pid namespace)
    assert t.count(r"control: connection from pid \d+ uid %d$" % os.getuid()) >= 4
    t.stop()
