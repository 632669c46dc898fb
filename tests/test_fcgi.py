"""[fcgi-program:x] (src/config_fcgi.c, src/fcgi.c): supervisord 4.2.5's keys and messages
(compared with the real supervisord where it says the same), fd 0 of every process of the
pool is the pool's listening socket, and — unlike supervisord, which closes it whenever no
process of the pool runs — the socket stays open across restarts (connections wait in the
backlog) until the pool is removed or tend exits."""
import http.client
import os
import signal
import socket
import stat
import subprocess
import textwrap
import threading
import xmlrpc.client

import pytest

from conftest import SLOW, TEND, wait_for
from supervise_util import free_port, sup, write_conf  # noqa: F401

# The FastCGI-like server: accepts on fd 0 (the socket it was given) and answers its pid.
SERVER = r'''
import os, socket
s = socket.socket(fileno=0)
while True:
    c, _ = s.accept()
    c.sendall(b"%d\n" % os.getpid())
    c.close()
'''

HEAD = "[supervisord]\nlogfile=%(here)s/sd.log\npidfile=%(here)s/sd.pid\n"


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")


def server(tmp_path):
    path = tmp_path / "fcgi_srv.py"
    path.write_text(SERVER)
    return "/usr/bin/python3 %s" % path


def ask(addr, timeout=10.0):
    """Connect (TCP port or unix path), read the pid line. (connected, pid or None)."""
    fam = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(timeout * SLOW)
    try:
        try:
            c.connect(addr if fam == socket.AF_UNIX else ("127.0.0.1", addr))
        except OSError:
            return False, None
        data = b""
        try:
            while not data.endswith(b"\n"):
                chunk = c.recv(64)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        return True, int(data) if data.endswith(b"\n") else None
    finally:
        c.close()


def refused(addr):
    return not ask(addr, timeout=2.0)[0]


def ns_pid(pid):
    """The pid the process sees itself as (tend runs in its own PID namespace)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    return pid


def pool_pids(t, *names):
    return {ns_pid(t.main_pid(n)) for n in names}


def fd0_socket(pid):
    """The inode of the socket that is the process's fd 0 ("socket:[N]"), else None."""
    try:
        link = os.readlink("/proc/%d/fd/0" % pid)
    except OSError:
        return None
    return link if link.startswith("socket:[") else None


def ctl_sock(tmp_path):
    return "[unix_http_server]\nfile=%s\n" % (tmp_path / "ctl.sock")


def tend_ctl(conf, *args):
    r = subprocess.run([TEND, "ctl", "-c", conf] + list(args), capture_output=True, text=True,
                       timeout=20 * SLOW, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def running(t, name, n=1):
    t.wait_event(r"^\[tend\] %s: STARTING -> RUNNING" % name, n=n)


# ---- --check -----------------------------------------------------------------------------

def test_check_prints_the_socket(sup, tmp_path):
    conf = write_conf(tmp_path / "c.conf", HEAD + dedent("""
        [fcgi-program:web]
        command=/bin/cat
        socket=tcp://localhost:9000
        socket_backlog=64
        numprocs=2
        process_name=%(program_name)s_%(process_num)d
        [fcgi-program:php]
        command=/bin/cat
        socket=unix://%(here)s/%(program_name)s.sock
        socket_mode=0660
        socket_owner=nobody:nogroup
        [fcgi-program:as_user]
        command=/bin/cat
        user=nobody
        socket=unix://%(here)s/u.sock
        [fcgi-program:in_group]
        command=/bin/cat
        socket=tcp://*:9001
        [group:g]
        programs=in_group
        [program:plain]
        command=/bin/cat
        """))
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert rc == 0 and err == "", err
    assert out.count("  socket       tcp://localhost:9000 (backlog 64)\n") == 2, out
    assert "  socket       unix://%s/php.sock (backlog 4096, mode 0660, owner 65534:65534)\n" % tmp_path in out
    # supervisord's rule: without socket_owner, a unix socket belongs to user= (and its group)
    assert "  socket       unix://%s/u.sock (backlog 4096, mode 0700, owner 65534:65534)\n" % tmp_path in out
    assert "  socket       'tcp://*:9001' (backlog 4096)\n" in out
    assert "  program      in_group (process_num 0, group g)\n" in out
    assert out.count("  socket ") == 5, "the [program:x] has no socket line"


def test_socket_keys_in_a_program_are_unknown(sup, tmp_path):
    conf = write_conf(tmp_path / "c.conf", "[program:p]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9000\n")
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert rc == 0, err
    assert "warning: unknown key 'socket' in [program:p] ignored" in err
    assert "  socket " not in out


# ---- config errors: supervisord's words, tend's FILE:LINE ---------------------------------

FCGI = "[fcgi-program:x]\ncommand=/bin/cat\n"  # lines 4 and 5 after HEAD
SOCK_TCP = "socket=tcp://127.0.0.1:9000\n"
# (the section after HEAD's three lines, the line tend names, its message, whether the real
# supervisord prints the same)
ERRORS = [
    (FCGI, 4, '[fcgi-program:x] section requires a "socket" line', True),
    (FCGI + "socket=\n", 6, '[fcgi-program:x] section requires a "socket" line', True),
    (FCGI + SOCK_TCP + "socket_mode=0700\n", 6, "socket_owner and socket_mode params should only be used with a "
     "Unix domain socket in [fcgi-program:x] socket", True),
    (FCGI + SOCK_TCP + "socket_owner=root\n", 6, "socket_owner and socket_mode params should only be used with a "
     "Unix domain socket in [fcgi-program:x] socket", True),
    (FCGI + "socket=tcp://127.0.0.1:0\n", 6, "0 is below lower bound (1) in [fcgi-program:x] socket", True),
    (FCGI + "socket=tcp://127.0.0.1:70000\n", 6, "70000 is above upper bound (65535) in [fcgi-program:x] socket", True),
    (FCGI + SOCK_TCP + "socket_backlog=0\n", 7, "Invalid socket_backlog value 0", True),
    (FCGI + SOCK_TCP + "socket_backlog=65536\n", 7, "Invalid socket_backlog value 65536", True),
    (FCGI + "socket=unix:///tmp/x.sock\nsocket_mode=999\n", 7, "Invalid socket_mode value 999", True),
    (FCGI + "socket=unix:///tmp/x.sock\nsocket_owner=no-such-user-x\n", 7,
     "Invalid socket_owner value no-such-user-x", True),
    (FCGI + "socket=unix:///tmp/x.sock\nsocket_owner=nobody:\n", 7, "Invalid socket_owner value nobody:", True),
    (FCGI + SOCK_TCP + "user=no-such-user-x\n", 7, "Invalid user name no-such-user-x", True),
    # supervisord: Python's "invalid literal for int() with base 10: 'abc'"
    (FCGI + SOCK_TCP + "socket_backlog=abc\n", 7, "Invalid socket_backlog value abc", False),
    # supervisord: "('Bad socket format %s', 'tcp://127.0.0.1:abc') in ..." (a tuple)
    (FCGI + "socket=tcp://127.0.0.1:abc\n", 6, "Bad socket format tcp://127.0.0.1:abc in [fcgi-program:x] socket", False),
    (FCGI + "socket=foo://x\n", 6, "Bad socket format foo://x in [fcgi-program:x] socket", False),
    (FCGI + "socket=x\n", 6, "Bad socket format x in [fcgi-program:x] socket", False),
    (FCGI + "socket=unix://relative/x\n", 6,
     "Unix socket path relative/x is not an absolute path in [fcgi-program:x] socket", False),
    # supervisord resolves the name when it binds; tend does no DNS
    (FCGI + "socket=tcp://no-such-host.invalid:9000\n", 6, "'no-such-host.invalid' is not a numeric address or "
     "localhost (tend does no DNS lookup) in [fcgi-program:x] socket", False),
    # supervisord: "contains names ('process_num') which cannot be expanded" (its list of names)
    (FCGI + "socket=tcp://127.0.0.1:%(process_num)s\n", 6, "cannot expand '%(process_num)s' in key 'socket': "
     "unknown name 'process_num' (available: here, program_name, ENV_*)", False),
]


@pytest.mark.parametrize("text,line,msg,same", ERRORS, ids=[c[2][:40] for c in ERRORS])
def test_config_errors(sup, tmp_path, text, line, msg, same):
    conf = write_conf(tmp_path / "c.conf", HEAD + text)
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert (rc, out, err) == (2, "", "%s:%d: %s\n" % (conf, line, msg))
    if same:
        r = subprocess.run(["/usr/bin/supervisord", "-n", "-c", conf], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30, universal_newlines=True)
        assert r.returncode == 2 and r.stdout.startswith("Error: %s\n" % msg), r.stdout


def test_numprocs_needs_process_num(sup, tmp_path):
    conf = write_conf(tmp_path / "c.conf", HEAD + FCGI + SOCK_TCP + "numprocs=2\n")
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert rc == 2 and "[fcgi-program:x] has numprocs=2, so process_name must contain %(process_num)d" in err, err


# ---- start-up: a socket that cannot be had is fatal ---------------------------------------

def test_socket_in_use_at_startup_exits_2(sup, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        conf = write_conf(tmp_path / "c.conf", HEAD + dedent("""
            [fcgi-program:first]
            command=/bin/cat
            socket=unix://%(here)s/first.sock
            [fcgi-program:x]
            command=/bin/cat
            socket=tcp://127.0.0.1:{port}
            """).replace("{port}", str(port)))
        rc, out, err = sup.run(conf, pid1=False)
        want = "Could not create FastCGI socket tcp://127.0.0.1:%d: " % port
        # the reason is the C library's strerror(EADDRINUSE): glibc's or musl's words
        assert rc == 2 and err in ("tend: [fcgi-program:x]: %s%s\n" % (want, why)
                                   for why in ("Address already in use", "Address in use")), err
        assert not os.path.exists(tmp_path / "first.sock"), "the sockets made before it are removed"
        # supervisord: the same words, in a traceback (exit 1)
        r = subprocess.run(["/usr/bin/supervisord", "-n", "-c", conf], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30, universal_newlines=True)
        assert r.returncode != 0 and want in r.stdout, r.stdout
    finally:
        busy.close()


def test_unix_socket_directory_missing_exits_2(sup, tmp_path):
    conf = write_conf(tmp_path / "c.conf", HEAD + FCGI + "socket=unix://%(here)s/no/such/dir/s\n")
    rc, out, err = sup.run(conf, pid1=False)
    assert rc == 2 and err == ("tend: [fcgi-program:x]: Could not create FastCGI socket unix://%s/no/such/dir/s: "
                               "No such file or directory\n" % tmp_path), err


def test_unix_path_that_is_not_a_socket_is_kept(sup, tmp_path):
    (tmp_path / "data").write_text("precious")
    conf = write_conf(tmp_path / "c.conf", HEAD + FCGI + "socket=unix://%(here)s/data\n")
    rc, out, err = sup.run(conf, pid1=False)
    assert rc == 2 and "Could not create FastCGI socket unix://%s/data: not a socket: File exists" % tmp_path in err
    assert (tmp_path / "data").read_text() == "precious"


# ---- the pool: fd 0, shared, kept across restarts -----------------------------------------

def pool_conf(tmp_path, port, extra=""):
    return HEAD + ctl_sock(tmp_path) + dedent("""
        [fcgi-program:web]
        command={cmd}
        socket=tcp://127.0.0.1:{port}
        numprocs=2
        process_name=%(program_name)s_%(process_num)d
        startsecs=0
        """).replace("{cmd}", server(tmp_path)).replace("{port}", str(port)) + extra


def both_pids(port, want, timeout=20.0):
    seen = set()

    def check():
        ok, pid = ask(port)
        if pid:
            seen.add(pid)
        return want <= seen
    wait_for(check, timeout, interval=0, what=lambda: "answers from %s (seen %s)" % (want, seen))
    return seen


def test_numprocs_share_the_socket_on_fd0(sup, tmp_path):
    port = free_port()
    t = sup.start(pool_conf(tmp_path, port))
    running(t, "web_0")
    running(t, "web_1")
    socks = {fd0_socket(t.main_pid(n)) for n in ("web_0", "web_1")}
    assert len(socks) == 1 and None not in socks, "one socket, fd 0 of both: %s" % socks
    both_pids(port, pool_pids(t, "web_0", "web_1"))
    # no stdin pipe: sendProcessStdin says NO_FILE, as supervisord does for an fcgi program
    class UnixConn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(str(tmp_path / "ctl.sock"))

    class Transport(xmlrpc.client.Transport):
        def make_connection(self, host):
            return UnixConn("localhost")

    rpc = xmlrpc.client.ServerProxy("http://localhost", transport=Transport())
    with pytest.raises(xmlrpc.client.Fault) as e:
        rpc.supervisor.sendProcessStdin("web:web_0", "x\n")
    assert e.value.faultCode == 20 and e.value.faultString == "NO_FILE: web:web_0", e.value
    assert t.stop() == 0
    assert refused(port), "closed at exit"


def connect_loop(port, stop, results):
    while not stop.is_set():
        results.append(ask(port, timeout=20.0))


@pytest.mark.parametrize("how", ["sigkill", "ctl_restart"])
def test_restarts_never_refuse_a_connection(sup, tmp_path, how):
    port = free_port()
    t = sup.start(pool_conf(tmp_path, port))
    running(t, "web_0")
    running(t, "web_1")
    old = {t.main_pid("web_0"), t.main_pid("web_1")}
    both_pids(port, pool_pids(t, "web_0", "web_1"))
    stop, results = threading.Event(), []
    th = threading.Thread(target=connect_loop, args=(port, stop, results), daemon=True)
    th.start()
    try:
        wait_for(lambda: len(results) >= 20, 10, what="connections before the restart")
        for rnd in range(3):
            if how == "sigkill":
                for p in old:
                    os.kill(p, signal.SIGKILL)
                t.wait_event(r"^\[tend\] web_1: RUNNING -> EXITED", n=rnd + 1)
                t.wait_event(r"^\[tend\] web_0: RUNNING -> EXITED", n=rnd + 1)
            else:
                rc, out = tend_ctl(t.conf, "restart", "web:*")
                assert rc == 0, out
            running(t, "web_0", n=rnd + 2)
            running(t, "web_1", n=rnd + 2)
            new = {t.main_pid("web_0"), t.main_pid("web_1")}
            assert not new & old
            n, want = len(results), {ns_pid(p) for p in new}
            wait_for(lambda: {pid for ok, pid in results[n:]} >= want, 20,
                     what="the new processes answering")
            old = new
    finally:
        stop.set()
        th.join(30 * SLOW)
    refused_n = sum(1 for ok, pid in results if not ok)
    # a connection a process had accepted when it was killed is lost with it (at most one per
    # killed process); every other one waited in the backlog for the next process
    lost = sum(1 for ok, pid in results if ok and pid is None)
    assert len(results) > 50 and refused_n == 0 and lost <= 2 * 3, (refused_n, lost, len(results))
    assert t.stop() == 0


def test_unix_socket_mode_owner_and_removal_on_reload(sup, tmp_path):
    port = free_port()
    conf = tmp_path / "tend.conf"
    unix = dedent("""
        [fcgi-program:php]
        command={cmd}
        socket=unix://%(here)s/php.sock
        socket_mode=0660
        socket_owner=nobody:nogroup
        [fcgi-program:as_user]
        command=/bin/sleep 1000
        user=nobody
        socket=unix://%(here)s/u.sock
        """).replace("{cmd}", server(tmp_path))
    write_conf(conf, pool_conf(tmp_path, port, unix))
    t = sup.start(str(conf))
    for n in ("php", "as_user", "web_0", "web_1"):
        running(t, n)
    path = str(tmp_path / "php.sock")
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660 and (st.st_uid, st.st_gid) == (65534, 65534)
    st = os.stat(str(tmp_path / "u.sock"))
    assert stat.S_IMODE(st.st_mode) == 0o700 and (st.st_uid, st.st_gid) == (65534, 65534), "user= owns it"
    ok, pid = ask(path)
    assert ok and pid == ns_pid(t.main_pid("php"))
    ino = os.stat(path).st_ino
    # a reload that keeps the pools keeps their sockets (the same file, never refused)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] reloading ")
    assert os.stat(path).st_ino == ino and ask(path)[0] and ask(port)[0]
    # a reload that removes them: connections refused, the unix path unlinked
    write_conf(conf, HEAD + ctl_sock(tmp_path) + "[program:other]\ncommand=/bin/sleep 1000\n")
    t.kill(signal.SIGHUP)
    for n in ("php", "as_user", "web_0", "web_1"):
        t.wait_event(r"^\[tend\] %s: STOPPING -> STOPPED" % n)
    wait_for(lambda: not os.path.exists(path) and refused(port), 10, what="the removed pools' sockets closed")
    assert not os.path.exists(str(tmp_path / "u.sock"))
    assert t.stop() == 0


def test_remove_process_group_closes_the_socket(sup, tmp_path):
    port = free_port()
    conf = tmp_path / "tend.conf"
    write_conf(conf, pool_conf(tmp_path, port))
    t = sup.start(str(conf))
    running(t, "web_0")
    assert ask(port)[1]
    write_conf(conf, HEAD + ctl_sock(tmp_path) + "[program:other]\ncommand=/bin/sleep 1000\nautostart=false\n")
    assert tend_ctl(str(conf), "reread")[0] == 0
    rc, out = tend_ctl(str(conf), "stop", "web:*")
    assert rc == 0, out
    assert ask(port, timeout=2.0)[0], "stopped, not removed: the socket stays (connections wait)"
    rc, out = tend_ctl(str(conf), "remove", "web")
    assert rc == 0, out
    wait_for(lambda: refused(port), 10, what="the removed group's socket closed")
    # and added again: a new socket
    write_conf(conf, pool_conf(tmp_path, port))
    assert tend_ctl(str(conf), "reread")[0] == 0
    rc, out = tend_ctl(str(conf), "add", "web")
    assert rc == 0, out
    running(t, "web_0", n=2)
    running(t, "web_1", n=2)
    both_pids(port, pool_pids(t, "web_0", "web_1"))
    assert t.stop() == 0
