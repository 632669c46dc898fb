"""tend's client against a real supervisord 4.2.5: for each command line, Debian's
/usr/bin/supervisorctl, `$TEND ctl` and a symlink named supervisorctl to $TEND must
print the same stdout and stderr and exit with the same code. Only what differs
between two runs is normalised (pids, uptimes, stop dates, the program's own name).
Stateful commands put the state back between the runs."""
import json
import os
import re
import signal
import subprocess
import xmlrpc.client

import pytest

from conftest import SLOW, TEND, wait_for
from supervise_util import free_port

SUPERVISORD = "/usr/bin/supervisord"
SUPERVISORCTL = "/usr/bin/supervisorctl"

pytestmark = pytest.mark.skipif(
    not (os.access(SUPERVISORD, os.X_OK) and os.access(SUPERVISORCTL, os.X_OK)),
    reason="Debian's supervisor is not installed")


PROGRAMS = """
[program:a]
command=sleep 1000
startsecs=0

[program:b]
command=sh -c 'echo out1; echo err1 >&2; exec sleep 1000'
autostart=false
startsecs=0

[program:bad]
command=/nonexistent/x
autostart=false

[program:echo]
command=cat
autostart=false
startsecs=0

[program:quick]
command=sh -c 'exit 1'
autostart=false
startsecs=1
startretries=0

[program:usr1]
command=sh -c 'trap "" USR1; echo ready; while :; do sleep 1; done'
startsecs=0

[group:g]
programs=g1,g2

[program:g1]
command=sleep 1000
startsecs=0

[program:g2]
command=sleep 1000
startsecs=0
numprocs=2
process_name=%(program_name)s_%(process_num)s
"""


def make_conf(d, port, extra=""):
    conf = d / "supervisord.conf"
    conf.write_text("""
[unix_http_server]
file=%(d)s/sock

[inet_http_server]
port=127.0.0.1:%(port)d
username=user
password=secret

[supervisord]
logfile=%(d)s/supervisord.log
pidfile=%(d)s/supervisord.pid
childlogdir=%(d)s
loglevel=info

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(d)s/sock
""" % {"d": d, "port": port} + PROGRAMS + extra)
    return conf


class Server:
    def __init__(self, d):
        self.dir = d
        self.port = free_port()
        self.conf = make_conf(d, self.port)
        self.p = subprocess.Popen([SUPERVISORD, "-n", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: self.ctl("status", check=False)[0] in (0, 3), 20, 0.05, "supervisord to answer")
        for name in ("a", "usr1", "g:g1", "g:g2_0", "g:g2_1"):
            self.wait_state(name, "RUNNING")

    def ctl(self, *args, check=True):
        r = subprocess.run([SUPERVISORCTL, "-c", str(self.conf)] + list(args), capture_output=True, text=True,
                           timeout=30 * SLOW)
        return r.returncode, r.stdout, r.stderr

    def state(self, name):
        out = self.ctl("status", name)[1].split()
        return out[1] if len(out) > 1 else None

    def wait_state(self, name, state, timeout=10):
        wait_for(lambda: self.state(name) == state, timeout, 0.05,
                 lambda: "%s to be %s (is %s)" % (name, state, self.state(name)))

    def rpc(self):
        return xmlrpc.client.ServerProxy("http://user:secret@127.0.0.1:%d/RPC2" % self.port)

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
                self.p.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("sv"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def link(tmp_path_factory):
    d = tmp_path_factory.mktemp("ctl")
    p = d / "supervisorctl"
    os.symlink(TEND, str(p))
    return str(p)


def normalise(text, prog):
    text = text.replace(prog, "PROG")
    text = re.sub(r"\bpid \d+, uptime (?:\d+ days?, )?\d+:\d\d:\d\d", "pid N, uptime U", text)
    text = re.sub(r"[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$", "DATE", text, flags=re.M)
    return text


def run(argv, prog, input=None, timeout=30):
    r = subprocess.run(argv, capture_output=True, text=True, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL, timeout=timeout * SLOW)
    return r.returncode, normalise(r.stdout, prog), normalise(r.stderr, prog)


def clients(link):
    """(argv prefix, name to normalise) of the three clients."""
    return [([SUPERVISORCTL], SUPERVISORCTL), ([TEND, "ctl"], TEND + " ctl"), ([link], link)]


def compare(server, link, args, setup=None, conf=True, input=None, sort=False):
    """Run ARGS with each client (SETUP() before each) and assert identical results;
    returns supervisorctl's (rc, out, err). SORT: the order of the lines is
    supervisord's (of processes of equal priority it varies between calls), so it is
    not compared."""
    results = []
    for prefix, prog in clients(link):
        if setup:
            setup()
        argv = prefix + (["-c", str(server.conf)] if conf else []) + list(args)
        rc, out, err = run(argv, prog, input=input)
        if sort:
            out = "".join(sorted(out.splitlines(True)))
        results.append((rc, out, err))
    real = results[0]
    assert results[1] == real, "tend ctl %r differs:\n%r\nsupervisorctl:\n%r" % (args, results[1], real)
    assert results[2] == real, "supervisorctl link %r differs:\n%r\nsupervisorctl:\n%r" % (args, results[2], real)
    return real


# ---------------------------------------------------------------------------------------------
# status


def test_status_all(server, link):
    rc, out, _ = compare(server, link, ["status"])
    assert rc == 3  # b, bad, quick are STOPPED
    assert re.search(r"^g:g2_0 +RUNNING +pid N, uptime U$", out, re.M)
    assert re.search(r"^bad +STOPPED +Not started$", out, re.M)


def test_status_names(server, link):
    rc, out, _ = compare(server, link, ["status", "a", "g:*", "g:g1"])
    assert rc == 0 and out.count("\n") == 5


def test_status_unknown_names(server, link):
    rc, out, _ = compare(server, link, ["status", "nope", "g:zz", "zz:", "a"])
    assert rc == 4
    assert "nope: ERROR (no such process)\ng:zz: ERROR (no such process)\nzz: ERROR (no such group)\n" in out


def test_status_stopped(server, link):
    rc, out, _ = compare(server, link, ["status", "b"])
    assert rc == 3 and "STOPPED" in out


def test_status_long_name_widens_column(server, link):
    # a name longer than 30 characters widens the column (max(30, longest) + 3)
    rc, out, _ = compare(server, link, ["status", "g:*"])
    assert out.splitlines()[0].startswith("g:g1" + " " * 29)


# ---------------------------------------------------------------------------------------------
# start / stop / restart / signal


def test_start_stop_name(server, link):
    stop_b = lambda: (server.ctl("stop", "b"), server.wait_state("b", "STOPPED"))
    rc, out, _ = compare(server, link, ["start", "b"], setup=stop_b)
    assert (rc, out) == (0, "b: started\n")
    start_b = lambda: (server.ctl("start", "b"), server.wait_state("b", "RUNNING"))
    rc, out, _ = compare(server, link, ["stop", "b"], setup=start_b)
    assert (rc, out) == (0, "b: stopped\n")


def test_start_errors(server, link):
    assert compare(server, link, ["start", "a"])[:2] == (0, "a: ERROR (already started)\n")
    assert compare(server, link, ["start", "nope"])[:2] == (1, "nope: ERROR (no such process)\n")
    assert compare(server, link, ["start", "nope:*"])[:2] == (2, "nope: ERROR (no such group)\n")
    assert compare(server, link, ["start", "bad"])[:2] == (1, "bad: ERROR (no such file)\n")
    assert compare(server, link, ["start", "quick"])[:2] == (7, "quick: ERROR (spawn error)\n")
    rc, out, _ = compare(server, link, ["start"])
    assert rc == 2 and out.startswith("Error: start requires a process name\nstart <name>")


def test_stop_errors(server, link):
    server.wait_state("b", "STOPPED")
    assert compare(server, link, ["stop", "b"])[:2] == (0, "b: ERROR (not running)\n")
    assert compare(server, link, ["stop", "nope"])[:2] == (1, "nope: ERROR (no such process)\n")
    assert compare(server, link, ["stop", "nope:*"])[:2] == (1, "nope: ERROR (no such group)\n")
    assert compare(server, link, ["stop"])[0] == 1


def test_group_and_all(server, link):
    def stopped_g():
        server.ctl("stop", "g:*")
        server.wait_state("g:g1", "STOPPED")

    rc, out, _ = compare(server, link, ["start", "g:*"], setup=stopped_g, sort=True)
    assert rc == 0 and out.count("started") == 3
    rc, out, _ = compare(server, link, ["stop", "g:*"], setup=lambda: server.ctl("start", "g:*"), sort=True)
    assert rc == 0 and out.count("stopped") == 3
    server.ctl("start", "g:*")

    def all_running():
        server.ctl("start", "all")
        for n in ("a", "b", "g:g1"):
            server.wait_state(n, "RUNNING")

    rc, out, _ = compare(server, link, ["stop", "all"], setup=all_running, sort=True)
    assert rc == 0 and "a: stopped" in out and "usr1: stopped" in out

    def all_stopped():
        server.ctl("stop", "all")

    rc, out, _ = compare(server, link, ["start", "all"], setup=all_stopped, sort=True)
    assert rc == 7 and "bad: ERROR (no such file)" in out and "quick: ERROR (spawn error)" in out
    server.ctl("stop", "b")
    server.wait_state("b", "STOPPED")


def test_restart(server, link):
    rc, out, _ = compare(server, link, ["restart", "a"])
    assert (rc, out) == (0, "a: stopped\na: started\n")
    rc, out, _ = compare(server, link, ["restart", "g:*"], setup=lambda: server.ctl("start", "g:*"), sort=True)
    assert rc == 0 and out.count("g:g2_1: st") == 2
    rc, out, _ = compare(server, link, ["restart"])
    assert rc == 1 and "Note: restart does not reread config files" in out


def test_signal(server, link):
    rc, out, _ = compare(server, link, ["signal", "USR1", "usr1"])
    assert (rc, out) == (0, "usr1: signalled\n")
    assert server.state("usr1") == "RUNNING"
    assert compare(server, link, ["signal", "FOO", "a"])[:2] == (1, "a: ERROR (bad signal name)\n")
    assert compare(server, link, ["signal", "USR1", "b"])[:2] == (7, "b: ERROR (not running)\n")
    assert compare(server, link, ["signal", "USR1", "nope:*"])[:2] == (1, "nope: ERROR (no such group)\n")
    assert compare(server, link, ["signal", "USR1"])[0] == 1


# ---------------------------------------------------------------------------------------------
# logs


def test_tail(server, link):
    def running_b():
        server.ctl("start", "b")
        server.wait_state("b", "RUNNING")
        wait_for(lambda: "err1" in server.ctl("tail", "b", "stderr")[1], 10, 0.05, "b's output")

    running_b()
    rc, out, _ = compare(server, link, ["tail", "b"])
    assert rc == 0 and out.endswith("out1\n\n")  # b may have run before: its log grows
    assert compare(server, link, ["tail", "-4", "b"])[:2] == (0, "ut1\n\n")
    assert compare(server, link, ["tail", "b", "stderr"])[1].endswith("err1\n\n")
    assert compare(server, link, ["tail", "b", "STDERR"])[1].endswith("err1\n\n")
    assert compare(server, link, ["tail", "b", "foo"])[:2] == (1, "Error: bad channel 'foo'\n")
    assert compare(server, link, ["tail", "-x", "b"])[:2] == (1, "Error: bad argument -x\n")
    assert compare(server, link, ["tail", "nope"])[:2] == (1, "nope: ERROR (no such process name)\n")
    assert compare(server, link, ["tail"])[0] == 1
    assert compare(server, link, ["tail", "-f"])[:2] == (1, "Error: tail requires process name\n")
    assert compare(server, link, ["tail", "a", "b", "c", "d"])[0] == 1
    rc, out, err = compare(server, link, ["tail", "-f", "nope"])
    assert rc == 0 and "Cannot read, status code 404" in err


class Output:
    """The stdout of a running client, read without blocking as it comes."""

    def __init__(self, p):
        self.p, self.got = p, b""
        os.set_blocking(p.stdout.fileno(), False)

    def has(self, text):
        try:
            self.got += self.p.stdout.read() or b""
        except BlockingIOError:
            pass
        return text.encode() in self.got

    def wait(self, text, what):
        wait_for(lambda: self.has(text), 10, 0.02, lambda: "%s (got %r)" % (what, self.got))

    def end(self, prog):
        """Kill the client if it is still there; (its stdout, stderr), normalised."""
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        os.set_blocking(self.p.stdout.fileno(), True)
        self.got += self.p.stdout.read()
        return normalise(self.got.decode(), prog), normalise(self.p.stderr.read().decode(), prog)


def follow(argv, prog, expect):
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    o = Output(p)
    try:
        o.wait(expect, "tail -f to show %r" % expect)
        p.send_signal(signal.SIGINT)
        rc = p.wait(10 * SLOW)
    finally:
        out, err = o.end(prog)
    return rc, out, err


def test_tail_follow_then_ctrl_c(server, link):
    server.ctl("start", "b")
    server.wait_state("b", "RUNNING")
    results = [follow(prefix + ["-c", str(server.conf), "tail", "-f", "b", "stderr"], prog, "err1")
               for prefix, prog in clients(link)]
    assert results[0][0] == 0 and results[0][1].startswith("==> Press Ctrl-C to exit <==\n")
    assert results[0][1].endswith("err1\n\n")
    assert results[1] == results[0]
    assert results[2] == results[0]


def fg_session(argv, prog, word, end, server, hangs):
    """`fg echo`: wait for the banner, type WORD and wait for cat to echo it, then END:
    "eof" closes stdin, "int" is Ctrl-C, "killed" stops the process and types again.
    HANGS: supervisorctl 4.2.5 never exits after "Exiting foreground" (its streaming
    thread sits in select() until more output comes), so it is killed; tend's must exit."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE)
    o = Output(p)
    rc = None
    try:
        o.wait("==> Press Ctrl-C to exit <==\n", "the fg banner")
        p.stdin.write(word.encode() + b"\n")
        p.stdin.flush()
        o.wait(word + "\n", "fg to show %r" % word)
        if end == "int":
            p.send_signal(signal.SIGINT)
        elif end == "killed":
            server.ctl("stop", "echo")
            p.stdin.write(b"again\n")
            p.stdin.flush()
        p.stdin.close()
        o.wait("Exiting foreground\n", "fg to end")
        if not hangs:
            rc = p.wait(10 * SLOW)
    finally:
        out, err = o.end(prog)
    return rc, out, err


@pytest.mark.parametrize("end", ["eof", "int", "killed"])
def test_fg(server, link, end):
    results = []
    for i, (prefix, prog) in enumerate(clients(link)):
        server.ctl("start", "echo")
        server.wait_state("echo", "RUNNING")
        word = "typed-%s-%d" % (end, i)
        rc, out, err = fg_session(prefix + ["-c", str(server.conf), "fg", "echo"], prog, word, end, server,
                                  hangs=i == 0)
        assert out.startswith("==> Press Ctrl-C to exit <==\n"), out
        assert word + "\n" in out, out
        last = "Process got killed\nExiting foreground\n" if end == "killed" else "Exiting foreground\n"
        assert out.endswith(last), (prog, out)
        results.append((rc, err))
    server.ctl("stop", "echo")
    assert results[1] == (0, results[0][1])
    assert results[2] == (0, results[0][1])


def test_fg_errors(server, link):
    server.ctl("stop", "b")
    for args in (["fg"], ["fg", "a", "b"], ["fg", "nosuch"], ["fg", "b"]):
        compare(server, link, args)


def test_maintail(server, link):
    # the main log grows between runs: compare only what a fixed byte count of it says
    rc, out, _ = compare(server, link, ["maintail", "-x"])
    assert (rc, out) == (1, "Error: bad argument -x\n")
    assert compare(server, link, ["maintail", "1", "2"])[0] == 1
    for prefix, prog in clients(link):
        rc, out, err = run(prefix + ["-c", str(server.conf), "maintail", "-50"], prog)
        assert rc == 0 and err == "" and len(out) == 51 and out.endswith("\n")


def test_clear(server, link):
    assert compare(server, link, ["clear", "a"])[:2] == (0, "a: cleared\n")
    assert compare(server, link, ["clear", "nope"])[:2] == (1, "nope: ERROR (no such process)\n")
    rc, out, _ = compare(server, link, ["clear", "all"])
    assert rc == 0 and "g:g2_1: cleared" in out
    assert compare(server, link, ["clear"])[0] == 1


# ---------------------------------------------------------------------------------------------
# pid, avail, version, help


def test_pid(server, link):
    rc, out, _ = compare(server, link, ["pid"])
    assert rc == 0 and int(out) == server.p.pid
    rc, out, _ = compare(server, link, ["pid", "a"])
    assert rc == 0 and int(out) > 0
    server.ctl("stop", "b")
    assert compare(server, link, ["pid", "b"])[:2] == (7, "0\n")
    assert compare(server, link, ["pid", "nope"])[:2] == (1, "No such process nope\n")
    rc, out, _ = compare(server, link, ["pid", "all"])
    assert rc == 0 and len(out.split()) == 9  # a b bad echo quick usr1 g1 g2_0 g2_1


def test_avail(server, link):
    rc, out, _ = compare(server, link, ["avail"])
    assert rc == 0 and re.search(r"^bad +in use +manual +999:999$", out, re.M)
    assert compare(server, link, ["avail", "x"])[0] == 1


def test_version(server, link):
    rc, out, _ = compare(server, link, ["version"])
    assert (rc, out) == (0, server.rpc().supervisor.getSupervisorVersion() + "\n")
    assert out == "4.2.5\n"
    assert compare(server, link, ["version", "x"])[0] == 1


def test_help(server, link):
    # the symlink is supervisorctl exactly; `tend ctl` lists its own `wait`, `ready`, `healthy`, `events`, `top` too
    real = run([SUPERVISORCTL, "-c", str(server.conf), "help"], SUPERVISORCTL)
    assert run([link, "-c", str(server.conf), "help"], link) == real
    import cmd
    import io
    names = sorted(re.findall(r"\w+", "".join(real[1].splitlines(True)[3:])) + ["wait", "ready", "healthy", "events", "top"])
    buf = io.StringIO()
    c = cmd.Cmd(stdout=buf)
    c.print_topics("default commands (type help <topic>):", names, 15, 80)
    assert run([TEND, "ctl", "-c", str(server.conf), "help"], TEND + " ctl") == (0, "\n" + buf.getvalue(), "")
    for topic in ("status", "tail", "maintail", "help", "quit", "nope", "EOF"):
        compare(server, link, ["help", topic])
    assert compare(server, link, ["foo"])[:2] == (1, "*** Unknown syntax: foo\n")


def test_usage_errors(server, link):
    for args in (["-x"], ["-c"], ["--serverurl"], ["--help=3"], ["-s", "foo", "status"],
                 ["-c", "/nonexistent.conf", "status"], ["--bogus"], ["--s", "unix:///x", "-s", "unix:///y"]):
        rc, out, err = compare(server, link, args, conf=False)
        assert rc == 2 and "For help, use PROG -h" in err
    real = run([SUPERVISORCTL, "-h"], SUPERVISORCTL)
    assert real[0] == 0 and real[1].startswith("supervisorctl -- control applications")
    assert run([link, "-h"], link) == real
    rc, out, err = run([TEND, "ctl", "-h"], TEND + " ctl")
    assert rc == 0 and err == "" and out.startswith(real[1][:-1]) and "--json" in out


def test_config_without_supervisorctl_section(server, link, tmp_path):
    conf = tmp_path / "x.conf"
    conf.write_text("[unix_http_server]\nfile=%s/sock\n" % server.dir)
    for prefix, prog in ((([SUPERVISORCTL], SUPERVISORCTL)), (([link], link))):
        rc, _, err = run(prefix + ["-c", str(conf), "status"], prog)
        assert (rc, err) == (2, "Error: .ini file does not include supervisorctl section\nFor help, use PROG -h\n")
    # tend ctl falls back on [unix_http_server] file=
    rc, out, _ = run([TEND, "ctl", "-c", str(conf), "status", "a"], TEND)
    assert rc == 0 and "RUNNING" in out


def test_interactive_shell(server, link):
    script = "status a\n\n  foo bar\nhelp quit\n?status\nversion\npid nope\n"
    rc, out, _ = compare(server, link, [], input=script)
    assert rc == 0 and out.startswith("a ") and out.endswith("supervisor> \n")
    assert "supervisor> 4.2.5\n" in out
    rc, out, _ = compare(server, link, [], input="status b\nquit\nstatus\n")
    assert out.endswith("supervisor> \n") and out.count("supervisor> ") == 2


# ---------------------------------------------------------------------------------------------
# configuration changes


def test_reread_update_add_remove(server, link):
    conf = server.conf
    base = conf.read_text()
    changed = base.replace("[program:b]\ncommand=sh -c 'echo out1; echo err1 >&2; exec sleep 1000'",
                           "[program:b]\ncommand=sh -c 'echo out2; exec sleep 1000'")
    changed = changed.replace("[program:quick]", "[program:quick_gone]\nautostart=false\ncommand=true\n"
                                                 "[program:old_quick]")
    changed += "\n[program:new]\ncommand=sleep 1000\nstartsecs=0\n"
    changed = changed.replace("[program:bad]\ncommand=/nonexistent/x\nautostart=false\n", "")
    assert changed != base
    try:
        conf.write_text(changed)
        rc, out, _ = compare(server, link, ["reread"])
        assert rc == 0 and "b: changed\n" in out and "new: available\n" in out and "bad: disappeared\n" in out

        def back_then_forward():
            conf.write_text(base)
            server.ctl("update")
            server.ctl("stop", "b")
            conf.write_text(changed)

        rc, out, _ = compare(server, link, ["update"], setup=back_then_forward)
        assert rc == 0 and "bad: removed process group\n" in out and "new: added process group\n" in out
        assert "b: updated process group\n" in out
        assert compare(server, link, ["reread"])[:2] == (0, "No config updates to processes\n")
        assert compare(server, link, ["update", "nope"])[:2] == (1, "ERROR: no such group: nope\n")

        def new_stopped():
            server.ctl("stop", "new")
            server.wait_state("new", "STOPPED")
        # remove, then add back
        rc, out, _ = compare(server, link, ["remove", "new"], setup=lambda: (server.ctl("add", "new"), new_stopped()))
        assert (rc, out) == (0, "new: removed process group\n")
        def new_gone():
            server.ctl("stop", "new")
            server.ctl("remove", "new")
            assert server.state("new") == "ERROR"  # "new: ERROR (no such process)"
        rc, out, _ = compare(server, link, ["add", "new"], setup=new_gone)
        assert (rc, out) == (0, "new: added process group\n")
        server.wait_state("new", "RUNNING")
        assert compare(server, link, ["remove", "new"])[:2] == (1, "ERROR: process/group still running: new\n")
        assert compare(server, link, ["add", "new"])[:2] == (0, "ERROR: process group already active\n")
        assert compare(server, link, ["add", "nope"])[:2] == (1, "ERROR: no such process/group: nope\n")
        assert compare(server, link, ["remove", "nope"])[:2] == (1, "ERROR: no such process/group: nope\n")
    finally:
        conf.write_text(base)
        server.ctl("update")
        server.ctl("stop", "b")
    assert server.state("bad") == "STOPPED" and server.state("new") is None or server.state("new") != "RUNNING"


# ---------------------------------------------------------------------------------------------
# connection failures, credentials


def test_connection_errors(server, link, tmp_path):
    port = free_port()
    for url in ("unix://%s/nosock" % tmp_path, "http://127.0.0.1:%d" % port):
        for cmd in (["status"], ["pid"], ["version"], ["start", "a"], ["tail", "a"], ["avail"], ["reread"],
                    ["update"], ["add", "x"], ["shutdown"]):
            rc, out, _ = compare(server, link, ["-s", url] + cmd, conf=False)
            assert rc in (1, 4, 7) and out
    assert compare(server, link, ["-s", "unix://%s/nosock" % tmp_path, "status"], conf=False)[:2] == (
        4, "unix://%s/nosock no such file\n" % tmp_path)
    assert compare(server, link, ["-s", "http://127.0.0.1:%d" % port, "pid"], conf=False)[:2] == (
        4, "http://127.0.0.1:%d refused connection\n" % port)


def test_credentials(server, link):
    url = "http://127.0.0.1:%d" % server.port
    for creds in ([], ["-u", "user", "-p", "wrong"], ["-u", "user"]):
        rc, out, _ = compare(server, link, ["-s", url] + creds + ["status"], conf=False)
        assert rc == 1 and out.startswith("Server requires authentication\n")
    rc, out, _ = compare(server, link, ["-s", url, "-u", "user", "-p", "secret", "status", "a"], conf=False)
    assert rc == 0 and "RUNNING" in out


# ---------------------------------------------------------------------------------------------
# beyond supervisorctl: --json, wait


def tend_json(server, *args):
    r = subprocess.run([TEND, "ctl", "-c", str(server.conf)] + list(args), capture_output=True, text=True,
                       timeout=30 * SLOW)
    return r.returncode, json.loads(r.stdout), r.stderr


def test_json(server, link):
    rc, doc, _ = tend_json(server, "--json", "status")
    assert rc == 3 and isinstance(doc, list)
    by = {(d["group"], d["name"]): d for d in doc}
    a = by[("a", "a")]
    for k in ("name", "group", "statename", "state", "pid", "description", "start", "now", "exitstatus",
              "stdout_logfile", "spawnerr"):
        assert k in a
    assert a["statename"] == "RUNNING" and a["state"] == 20 and a["pid"] > 0
    rc, doc, _ = tend_json(server, "status", "a", "--json")
    assert rc == 0 and [d["name"] for d in doc] == ["a"]
    rc, doc, err = tend_json(server, "status", "nope", "--json")
    assert rc == 4 and doc == [] and "no such process" in err
    server.ctl("stop", "g:*")
    rc, doc, _ = tend_json(server, "--json", "start", "a", "nope", "g:*")
    assert rc == 1
    assert doc[0] == {"name": "a", "group": "a", "status": 60, "description": "ALREADY_STARTED: a"}
    assert doc[1]["status"] == 10 and {d["name"] for d in doc[2:]} == {"g1", "g2_0", "g2_1"}
    assert all(set(d) == {"name", "group", "status", "description"} for d in doc)
    rc, doc, _ = tend_json(server, "--json", "version")
    assert (rc, doc) == (0, "4.2.5")
    rc, doc, _ = tend_json(server, "--json", "pid")
    assert (rc, doc) == (0, server.p.pid)
    rc, doc, _ = tend_json(server, "--json", "avail")
    assert rc == 0 and {"name", "group", "inuse", "autostart"} <= set(doc[0])
    rc, doc, _ = tend_json(server, "--json", "reread")
    assert (rc, doc) == (0, {"added": [], "changed": [], "removed": []})
    rc, doc, _ = tend_json(server, "--json", "tail", "-4", "a")
    assert rc == 0 and set(doc) == {"name", "channel", "log"}
    r = subprocess.run([TEND, "ctl", "-s", "unix:///nonexistent/sock", "--json", "status"], capture_output=True,
                       text=True)
    assert r.returncode == 4 and json.loads(r.stdout) == {"error": "unix:///nonexistent/sock no such file"}


def test_wait_polling_fallback(server, link):
    rc, out, err = run([TEND, "ctl", "-c", str(server.conf), "wait", "RUNNING", "a", "g:*"], TEND)
    assert rc == 0 and err == "" and len(out.splitlines()) == 4 and "RUNNING" in out
    rc, out, _ = run([TEND, "ctl", "-c", str(server.conf), "wait", "running", "a", "b", "--timeout", "0.3"], TEND)
    assert rc == 1 and out == "wait: timed out after 0.3 s waiting for RUNNING: b is STOPPED\n"
    rc, out, _ = run([TEND, "ctl", "-c", str(server.conf), "wait", "RUNNING", "nope"], TEND)
    assert (rc, out) == (4, "nope: ERROR (no such process)\n")
    rc, out, _ = run([TEND, "ctl", "-c", str(server.conf), "wait", "SLEEPING", "a"], TEND)
    assert rc == 2 and out == "Error: bad state name SLEEPING\n"
    # a process that gets there while we wait
    p = subprocess.Popen([TEND, "ctl", "-c", str(server.conf), "wait", "RUNNING", "b", "--timeout", "20"],
                         stdout=subprocess.PIPE, text=True)
    server.ctl("start", "b")
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 0 and out.startswith("b ")
    server.ctl("stop", "b")
    rc, doc, _ = tend_json(server, "--json", "wait", "STOPPED", "b")
    assert rc == 0 and doc[0]["statename"] == "STOPPED"
    # supervisorctl has no wait
    assert run([link, "-c", str(server.conf), "wait", "RUNNING", "a"], link)[:2] == (1, "*** Unknown syntax: "
                                                                                      "wait RUNNING a\n")


def test_default_socket_in_tend_mode(tmp_path):
    # a config with no server section at all: tend's default socket
    env = dict(os.environ, TEND_CTL_SOCKET=str(tmp_path / "none.sock"))
    conf = tmp_path / "tend.conf"
    conf.write_text("[program:x]\ncommand=true\n")
    r = subprocess.run([TEND, "ctl", "-c", str(conf), "status"], capture_output=True, text=True, env=env)
    assert (r.returncode, r.stdout) == (4, "unix://%s no such file\n" % (tmp_path / "none.sock"))


# ---------------------------------------------------------------------------------------------
# shutdown: each client on its own supervisord


def test_shutdown(tmp_path_factory, link):
    outs = []
    for prefix, prog in clients(link):
        s = Server(tmp_path_factory.mktemp("sd"))
        try:
            outs.append(run(prefix + ["-c", str(s.conf), "shutdown"], prog))
            s.p.wait(20 * SLOW)
            outs.append(run(prefix + ["-c", str(s.conf), "shutdown"], prog))
            outs[-1] = tuple(x.replace(str(s.dir), "DIR") if isinstance(x, str) else x for x in outs[-1])
        finally:
            s.stop()
    assert outs[0] == (0, "Shut down\n", "")
    assert outs[1] == (1, "ERROR: unix://DIR/sock no such file (already shut down?)\n", "")
    assert outs[2:4] == outs[0:2] and outs[4:6] == outs[0:2]
    rc, out, _ = run([link, "-s", "unix:///x", "shutdown", "now"], link)
    assert rc == 1 and out.startswith("Error: shutdown accepts no arguments\n")
