"""The php-fpm orphan scenario (supervisord reference §11) with the real Debian
php-fpm8.2 under tend: SIGKILL the master; the old workers must be gone before the
restart, the new master binds on the first try and serves FastCGI."""
import os
import signal
import socket
import struct

import pytest

from conftest import children, descendants, proc_stat, proc_status, wait_for
from supervise_util import free_port, ident, same_process_alive, sup, write_conf  # noqa: F401

PHPFPM = "/usr/sbin/php-fpm8.2"

pytestmark = pytest.mark.skipif(not os.access(PHPFPM, os.X_OK), reason="php8.2-fpm is not installed")


def fcgi_ping(port, path="/ping", timeout=5.0):
    """One FastCGI GET request (responder role); returns the FCGI_STDOUT bytes."""
    def record(rtype, content, rid=1):
        return struct.pack("!BBHHBx", 1, rtype, rid, len(content), 0) + content

    def nv(k, v):
        k, v = k.encode(), v.encode()
        return bytes([len(k)]) + bytes([len(v)]) + k + v if len(v) < 128 else \
            bytes([len(k)]) + struct.pack("!I", len(v) | 0x80000000) + k + v

    params = b"".join(nv(k, v) for k, v in [
        ("SCRIPT_FILENAME", path), ("SCRIPT_NAME", path), ("REQUEST_URI", path),
        ("REQUEST_METHOD", "GET"), ("QUERY_STRING", ""), ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("GATEWAY_INTERFACE", "CGI/1.1"), ("REMOTE_ADDR", "127.0.0.1"), ("SERVER_NAME", "localhost"),
        ("SERVER_PORT", "80")])
    req = (record(1, struct.pack("!HB5x", 1, 1))  # BEGIN_REQUEST, RESPONDER, KEEP_CONN
           + record(4, params) + record(4, b"") + record(5, b""))
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(req)
        buf = b""
        while True:
            while len(buf) < 8:
                chunk = c.recv(4096)
                if not chunk:
                    return out
                buf += chunk
            _, rtype, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
            while len(buf) < 8 + clen + plen:
                chunk = c.recv(4096)
                if not chunk:
                    return out
                buf += chunk
            content = buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if rtype == 6:
                out += content
            elif rtype == 3:  # END_REQUEST: we close first (KEEP_CONN), no TIME_WAIT on port
                return out


def fpm_conf(tmp_path, port):
    return write_conf(tmp_path / "fpm.conf", """
        [global]
        daemonize = no
        error_log = /proc/self/fd/2
        log_level = notice

        [www]
        user = www-data
        group = www-data
        listen = 127.0.0.1:%d
        pm = static
        pm.max_children = 2
        ping.path = /ping
        ping.response = pong
        catch_workers_output = yes
    """ % port)


def worker_uid(pid):
    st = proc_status(pid) or {}
    return st.get("Uid", "").split()[:1]


def fpm_tree(t):
    """(master, [workers]) host pids once both workers exist and have dropped to
    www-data (a worker is forked as root and calls setuid itself a moment later)."""
    master = t.main_pid("php-fpm")

    def workers():
        w = [c for c in children(master) if (proc_stat(c) or {}).get("state") not in (None, "Z")]
        return w if len(w) == 2 and all(worker_uid(c) == ["33"] for c in w) else None
    return master, wait_for(workers, 15, what="2 php-fpm workers running as www-data (uid 33)")


def test_phpfpm_master_sigkill(sup, tmp_path):
    port = free_port()
    conf = fpm_conf(tmp_path, port)
    t = sup.start("""
        [supervisord]
        [program:php-fpm]
        command=%s -F -y %s
        autorestart=true
        startsecs=1
        startretries=3
        redirect_stderr=true
        stdout_logfile=/dev/stdout
        stdout_logfile_maxbytes=0
    """ % (PHPFPM, conf))
    t.wait_event(r"^\[tend\] php-fpm: STARTING -> RUNNING")
    master, workers = fpm_tree(t)
    assert fcgi_ping(port).endswith(b"pong"), "php-fpm answers before the kill"
    old = [ident(master)] + [ident(w) for w in workers]

    os.kill(master, signal.SIGKILL)
    t.wait_event(r"^\[tend\] php-fpm: RUNNING -> EXITED: terminated by SIGKILL; not expected$")
    t.wait_event(r"^\[tend\] php-fpm: STARTING -> RUNNING", n=2, timeout=20)
    ev = t.events()
    assert t.spawns("php-fpm") == 2, ("exactly one new spawn after the kill", ev)
    assert not [l for l in ev if "BACKOFF" in l or "FATAL" in l], ev
    both = t.out.text() + t.err.text()
    assert "Address already in use" not in both, both
    assert "FPM initialization failed" not in both, both
    for p in old:
        assert not same_process_alive(p), ("process of the old php-fpm tree left", p)
    new_master, new_workers = fpm_tree(t)
    assert not {new_master, *new_workers} & {p for p, _ in old}
    # nothing else in the namespace but tend, the keeper and the new tree
    left = set(descendants(t.pid)) - {t.keeper("php-fpm"), new_master, *new_workers}
    assert not left, [(p, proc_stat(p)) for p in left]
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    assert fcgi_ping(port).endswith(b"pong"), "the new php-fpm serves FastCGI"
    assert t.stop() == 0, t.err.text()
    assert "[tend] php-fpm: STOPPING -> STOPPED" in "\n".join(t.events())
