"""Starting a service (src/spawn.c, run by the keeper): user= as supervisord means it,
the environment's order, and no PATH walk or user lookup inside tend's own loop."""
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from conftest import children
from supervise_util import Tend, sup  # noqa: F401

NOBODY = 65534


@pytest.fixture
def public_dir():
    """A directory an unprivileged tend can read (pytest's tmp_path is root-only)."""
    d = tempfile.mkdtemp(prefix="tend-spawn-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def start_as_nobody(procs, tend, conf_text, d):
    conf = os.path.join(d, "tend.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    os.chmod(conf, 0o644)
    argv = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups", tend, "-c", conf]
    r = procs.start(argv, pid1=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=d)
    return Tend(r, conf)


def test_user_naming_tend_itself_needs_no_switch(procs, tend, public_dir):
    # a `USER nobody` image whose supervisord.conf says user=nobody
    t = start_as_nobody(procs, tend, """
[program:me]
command=sh -c 'echo "uid=$(id -u) user=$USER"'
user=nobody
startsecs=0
autorestart=false
""", public_dir)
    t.wait_event(r"^\[tend\] me: RUNNING -> EXITED: exit status 0; expected$")
    t.wait_count(r"^me \| uid=65534 user=nobody$", stream="out")
    assert t.stop() == 0
    assert "couldn't setuid" not in t.err.text()


def test_non_root_asking_for_another_user_is_a_clear_error(procs, tend, public_dir):
    t = start_as_nobody(procs, tend, """
[program:other]
command=sleep 1000
user=root
startretries=0
""", public_dir)
    t.wait_event(r"^\[tend\] other: STARTING -> BACKOFF: couldn't setuid to root: "
                 r"Can't drop privilege as nonroot user$")
    t.wait_event(r"^\[tend\] other: BACKOFF -> FATAL")
    assert t.stop() == 0


def test_environment_wins_over_user_defaults(sup, tmp_path):
    t = sup.start("""
        [program:envhome]
        command=sh -c 'echo "home=$HOME user=$USER logname=$LOGNAME"'
        user=nobody
        environment=HOME="/custom/home",USER="custom"
        startsecs=0
        autorestart=false
    """)
    t.wait_event(r"^\[tend\] envhome: RUNNING -> EXITED")
    t.wait_count(r"^envhome \| home=/custom/home user=custom logname=nobody$", stream="out")
    assert t.stop() == 0


def test_command_lookup_runs_outside_tends_own_process(procs, tend, tmp_path):
    # tend itself never walks PATH (a stat can hang on a dead network filesystem);
    # the keeper does. strace without -f follows tend's own process only.
    trace = tmp_path / "trace"
    conf = tmp_path / "tend.conf"
    conf.write_text("[program:walk]\ncommand=true\nstartsecs=0\nautorestart=false\n"
                    "[program:nope]\ncommand=no-such-command-anywhere\nstartretries=0\n")
    env = dict(os.environ, PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               ASAN_OPTIONS="detect_leaks=0")  # LeakSanitizer cannot run under ptrace
    r = procs.start(["strace", "-o", str(trace), "-e", "trace=%file", tend, "-c", str(conf)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    t = Tend(r, str(conf))
    t.wait_event(r"^\[tend\] walk: RUNNING -> EXITED")
    t.wait_event(r"^\[tend\] nope: STARTING -> BACKOFF: can't find command 'no-such-command-anywhere'$")
    t.wait_event(r"^\[tend\] nope: BACKOFF -> FATAL")
    os.kill(children(r.p.pid)[0], signal.SIGTERM)  # tend, below strace
    assert t.wait() == 0
    lookups = [l for l in trace.read_text().splitlines() if "/bin/true" in l or "no-such-command" in l]
    assert not lookups, lookups
