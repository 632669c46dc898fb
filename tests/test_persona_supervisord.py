"""tend named `supervisord` (src/persona_supervisord.c, src/pyopt.c): supervisord 4.2.5's
command line, so `CMD ["supervisord", "-n", "-c", FILE]` works unchanged. Bad command lines
are compared with the real supervisord's answers (text and exit code); the settings that
are [supervisord] keys override the file."""
import os
import subprocess

import pytest

from conftest import SLOW, wait_for
from supervise_util import Tend, sup  # noqa: F401  (fixture)
from test_ctl_server import proxy, wait_listening

REAL = "/usr/bin/supervisord"

BAD = [
    ["-x"], ["--bogus"], ["-c"], ["--configuration"], ["--mi=1"], ["--nodaemon=1"], ["-n", "foo", "bar"],
    ["-a", "x"], ["--minfds=x"], ["--minprocs", "1.5"], ["-a", " 12x"], ["--conf=/nonexistent/s.conf"],
    ["-j", "/nonexistent/x.pid", "-c", "/etc/supervisor/supervisord.conf"], ["-nxc", "f"], ["--", "x"],
    ["-v", "-h"], ["--vers"], ["-cn"], ["-h", "-Z"], ["-v", "-Z"], ["--config", "s.conf", "-v", "x"],
    ["-c", "a", "-c", "a"], ["-n", "-n", "-h"], ["-a", "5", "--minfds=6"], ["-a", "1__0"], ["-a", "_1"],
    ["-a", "x1", "-a", "2"],
]


@pytest.fixture
def link(tmp_path, tend):
    d = tmp_path / "bin"
    d.mkdir()
    os.symlink(tend, str(d / "supervisord"))
    return str(d / "supervisord")


def answer(argv0, args, cwd):
    r = subprocess.run([argv0] + args, capture_output=True, text=True, timeout=30 * SLOW, cwd=cwd)
    return r.returncode, r.stdout.replace(argv0, "PROG"), r.stderr.replace(argv0, "PROG")


@pytest.mark.parametrize("args", BAD, ids=[" ".join(a) for a in BAD])
def test_command_line_answers_as_supervisord(link, tmp_path, args):
    if not os.access(REAL, os.X_OK):
        pytest.skip("supervisord is not installed")
    real = answer(REAL, args, str(tmp_path))
    assert real[0] in (0, 2)  # the real one answered at once (nothing started)
    assert answer(link, args, str(tmp_path)) == real


def test_help_and_version(link, tmp_path):
    rc, out, err = answer(link, ["-h"], str(tmp_path))
    assert (rc, err) == (0, "") and out.startswith("supervisord (tend ") and "[-c FILE]" in out
    assert answer(link, ["--version"], str(tmp_path)) == (0, "4.2.5\n", "")


CONF = """[unix_http_server]
file=%(here)s/s.sock
[supervisord]
nodaemon=true
pidfile=%(here)s/from-file.pid
identifier=fromfile
[program:a]
command=sh -c 'ulimit -n > %(here)s/nofile; exec sleep 1000'
startsecs=0
"""


def start(sup, link, args, cwd):
    r = sup.procs.start(["prlimit", "--nofile=1024:4096", link] + args, pid1=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    t = Tend(r, None)
    t.wait_event(r"a: STARTING -> RUNNING")
    return t


def test_python_ints(link, tmp_path):
    """-a takes what Python's int() takes: blanks, a sign, underscores between digits."""
    for v in (" 12 ", "-5", "+7", "1_0", "\t3\n"):
        rc, out, err = answer(link, ["-a", v, "-c", "/nonexistent.conf"], str(tmp_path))
        assert (rc, err) == (2, "Error: could not find config file /nonexistent.conf\nFor help, use PROG -h\n"), v


def test_supervises_with_its_options(sup, link):
    (sup.tmp / "supervisord.conf").write_text(CONF)
    run = sup.tmp / "run"
    run.mkdir()
    t = start(sup, link, ["-n", "-c", "supervisord.conf", "-j", "run/cli.pid", "--identifier=cli", "-a", "2048",
                          "-u", "nobody", "-e", "debug", "-l", "/x/y.log"], str(sup.tmp))
    sock = str(sup.tmp / "s.sock")
    wait_listening(t, sock)
    assert proxy(sock).supervisor.getIdentification() == "cli"
    assert (run / "cli.pid").read_text().strip() == "1"  # PID 1 of its namespace
    assert not (sup.tmp / "from-file.pid").exists()
    # services get minfds: -a's 2048, raised from prlimit's 1024 (the file says nothing: 1024)
    nofile = sup.tmp / "nofile"
    wait_for(lambda: nofile.exists() and nofile.read_text().endswith("\n"), what="the service's ulimit -n")
    assert nofile.read_text() == "2048\n"
    # a reload keeps the command line's word over the file's
    assert proxy(sock).supervisor.reloadConfig()
    assert proxy(sock).supervisor.getIdentification() == "cli"
    t.stop()
    assert not (run / "cli.pid").exists()


def test_searches_for_its_config(sup, link):
    """No -c: supervisord's search, which starts in the working directory's supervisord.conf
    (before /etc's)."""
    (sup.tmp / "supervisord.conf").write_text(CONF)
    t = start(sup, link, [], str(sup.tmp))
    wait_listening(t, str(sup.tmp / "s.sock"))
    assert proxy(str(sup.tmp / "s.sock")).supervisor.getIdentification() == "fromfile"
    t.stop()
