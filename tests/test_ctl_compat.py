"""The real Debian supervisorctl (Supervisor 4.2.5) against real supervisord and against
tend, scenario by scenario, command by command (tests/ctl_compat.py is the harness).
A difference fails unless ALLOW names it, with the reason (the docs list them).
COMPAT_BOTH=supervisord runs supervisord in both halves (proves the harness)."""
import hashlib

import pytest

from ctl_compat import (BASE, BOTH, Check, Conf, Ctl, Exit, Fg, Scenario, TailF, Wait, WaitGone, WaitOut,
                        compare, free_port, run_half, sock_mode_owner)

TALK = "command=%(prog)s talk %(program_name)s\nstartsecs=0\n"

STATUS_CONF = """
[program:a]
""" + TALK + """
[program:b]
command=%(prog)s exit 0
startsecs=0
autorestart=false

[program:c]
command=%(prog)s exit 1
startsecs=1
startretries=0
autorestart=false

[program:d]
""" + TALK + """autostart=false

[program:w]
""" + TALK + """numprocs=2
process_name=%(program_name)s_%(process_num)d

[group:g]
programs=a,d
"""

FG_CONF = """
[program:e]
command=%(prog)s echo e
startsecs=0

[program:d]
""" + TALK + """autostart=false
"""

START_CONF = """
[program:a]
""" + TALK + """
[program:b]
command=%(prog)s talk b
startsecs=1

[program:w]
""" + TALK + """numprocs=2
process_name=%(program_name)s_%(process_num)d

[group:g]
programs=a,b
"""

ERRORS_CONF = """
[program:missing]
command=/nonexistent/command arg
autostart=false

[program:notinpath]
command=no-such-command-xyz
autostart=false

[program:notexec]
command=%(tmp)s/prog.py talk x
autostart=false

[program:quick]
command=%(prog)s exit 3
startsecs=1
startretries=0
autostart=false

[program:a]
""" + TALK

TAIL_CONF = """
[program:f]
""" + TALK + """stdout_logfile=%(tmp)s/f.out
stderr_logfile=%(tmp)s/f.err

[program:s]
""" + TALK + """stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stderr_logfile=/dev/stderr
stderr_logfile_maxbytes=0

[program:r]
""" + TALK + """redirect_stderr=true
stdout_logfile=%(tmp)s/r.out
"""

PIDS_CONF = """
[program:a]
""" + TALK + """
[program:b]
""" + TALK + """
[program:d]
""" + TALK + """autostart=false
"""

RELOAD_CONF = """
[program:keep]
""" + TALK + """
[program:change]
""" + TALK + """
[program:drop]
""" + TALK

RELOAD_CONF_2 = """
[program:keep]
""" + TALK + """
[program:change]
command=%(prog)s talk changed
startsecs=0

[program:new]
""" + TALK

INET_BASE = BASE + """
[inet_http_server]
port=127.0.0.1:%(port)s
username=user
password=pass
"""

SHA = hashlib.sha1(b"pass").hexdigest()
UNIX_AUTH_BASE = BASE.replace("file=%(tmp)s/sock\n", "file=%(tmp)s/sock\nchmod=0770\nchown=nobody:nogroup\n"
                              "username=user\npassword={SHA}" + SHA + "\n")

SCENARIOS = [
    Scenario("status", STATUS_CONF, [
        Wait("g:a", "RUNNING"), Wait("b", "EXITED"), Wait("c", "FATAL"), Wait("w:w_0", "RUNNING"),
        Wait("w:w_1", "RUNNING"),
        Ctl("status"), Ctl("status all"), Ctl("status g:a"), Ctl("status g:*"), Ctl("status w:*"),
        Ctl("status w:w_1"), Ctl("status g:a w:w_0"), Ctl("status nosuch"), Ctl("status g:a nosuch"),
        Ctl("status nosuch:*"), Ctl("status b"), Ctl("status c"), Ctl("status g:d"), Ctl("status a"),
    ]),
    Scenario("start_stop", START_CONF, [
        Wait("g:a", "RUNNING"), Wait("g:b", "RUNNING"), Wait("w:w_1", "RUNNING"),
        Ctl("stop g:a"), Ctl("stop g:a", "stop g:a (not running)"), Ctl("status g:a"),
        Ctl("start g:a"), Ctl("start g:a", "start g:a (already started)"), Ctl("restart g:a"),
        Ctl("restart g:b"), Ctl("stop g:*"), Ctl("start g:*"), Ctl("stop w:*"), Ctl("start w:w_0"),
        Ctl("status"), Ctl("stop all"), Ctl("stop all", "stop all (none running)"), Ctl("start all"),
        Ctl("restart all"), Ctl("status"), Ctl("stop nosuch"), Ctl("start nosuch"), Ctl("restart nosuch"),
        Ctl("start"), Ctl("stop"), Ctl("start nosuch:*"),
    ]),
    Scenario("errors", ERRORS_CONF, [
        Wait("a", "RUNNING"),
        Ctl("start missing"), Ctl("start notinpath"), Ctl("start notexec"), Ctl("start quick"),
        Wait("quick", "FATAL", "BACKOFF", "EXITED"), Ctl("status"), Ctl("stop quick"), Ctl("stop missing"),
    ]),
    Scenario("signal", STATUS_CONF, [
        Wait("g:a", "RUNNING"), Wait("w:w_0", "RUNNING"), Wait("w:w_1", "RUNNING"),
        Ctl("signal HUP g:a"), WaitOut("tail g:a", "a got HUP"), Ctl("signal USR1 g:a"), Ctl("signal 1 g:a"),
        Ctl("signal SIGHUP w:*"), Ctl("signal HUP all"), Ctl("signal BAD g:a"), Ctl("signal HUP g:d"),
        Ctl("signal HUP nosuch"), Ctl("signal HUP"), Ctl("signal"), Ctl("status g:a"),
    ]),
    Scenario("tail", TAIL_CONF, [
        Wait("f", "RUNNING"), Wait("s", "RUNNING"), Wait("r", "RUNNING"),
        WaitOut("tail f", "f out 3"), WaitOut("tail f stderr", "f err 2"), WaitOut("tail r", "r err 2"),
        Ctl("tail f"), Ctl("tail f stdout"), Ctl("tail f stderr"), Ctl("tail -5 f"), Ctl("tail -100 f stderr"),
        Ctl("tail -0 f"), Ctl("tail r"), Ctl("tail r stderr"), Ctl("tail nosuch"), Ctl("tail f bad"),
        Ctl("tail"), Ctl("tail -x f"),
        Ctl("tail s", "tail s (stdout_logfile=/dev/stdout)"), Ctl("tail s stderr", "tail s stderr (/dev/stderr)"),
        TailF("tail -f f", ["f out 3"]), TailF("tail -f f stderr", ["f err 2"]),
    ]),
    Scenario("fg", FG_CONF, [
        Wait("e", "RUNNING"), WaitOut("tail e", "e ready"),
        Ctl("fg"), Ctl("fg e a"), Ctl("fg nosuch"), Ctl("fg d"),
        Fg("fg e", ["hello", "world"], ["e got hello", "e got world"]),
        Ctl("status e"),
    ]),
    Scenario("pid", PIDS_CONF, [
        Wait("a", "RUNNING"), Wait("b", "RUNNING"),
        Ctl("pid"), Ctl("pid a"), Ctl("pid all"), Ctl("pid d"), Ctl("pid nosuch"),
    ]),
    Scenario("reread_update", RELOAD_CONF, [
        Wait("keep", "RUNNING"), Wait("change", "RUNNING"), Wait("drop", "RUNNING"),
        Ctl("avail"), Ctl("reread", "reread (nothing changed)"), Conf(RELOAD_CONF_2), Ctl("reread"),
        Ctl("avail"), Ctl("update"), Wait("new", "RUNNING"), Wait("change", "RUNNING"), Ctl("status"),
        Ctl("avail", "avail (after update)"), Ctl("update", "update (nothing to do)"),
    ]),
    Scenario("add_remove", RELOAD_CONF, [
        Wait("keep", "RUNNING"), Conf(RELOAD_CONF_2), Ctl("reread"), Ctl("add new"),
        Ctl("add new", "add new (again)"), Wait("new", "RUNNING"), Ctl("remove new"), Ctl("stop new"),
        Ctl("remove new", "remove new (stopped)"), WaitGone("new"), Ctl("remove nosuch"), Ctl("add nosuch"),
        Ctl("remove drop", "remove drop (running, removed from the file)"), Ctl("stop drop"),
        Ctl("remove drop", "remove drop (stopped)"), Ctl("status"),
    ]),
    Scenario("clear_maintail_version", TAIL_CONF, [
        Wait("f", "RUNNING"), WaitOut("tail f", "f out 3"), Ctl("clear f"), Ctl("tail f", "tail f (cleared)"),
        Ctl("clear nosuch"), Ctl("clear all"), Ctl("clear"),
        Ctl("maintail -100", shape=True), Ctl("maintail", shape=True), Ctl("maintail -x"), Ctl("version"),
    ]),
    Scenario("shutdown", PIDS_CONF, [
        Wait("a", "RUNNING"), Ctl("shutdown"), Exit(), Ctl("status", "status (after shutdown)"),
    ]),
    Scenario("inet_auth", PIDS_CONF, [
        Wait("a", "RUNNING"),
        Ctl("-s http://127.0.0.1:%(port)s -u user -p pass status", "tcp status (right password)"),
        Ctl("-s http://127.0.0.1:%(port)s -u user -p wrong status", "tcp status (wrong password)"),
        Ctl("-s http://127.0.0.1:%(port)s -u nobody -p pass status", "tcp status (wrong user)"),
        Ctl("-s http://127.0.0.1:%(port)s status", "tcp status (no credentials)"),
        Ctl("-s http://127.0.0.1:%(port)s -u user -p pass pid a", "tcp pid a"),
        Ctl("status", "unix status (no authentication there)"),
    ], base=INET_BASE),
    Scenario("unix_auth", PIDS_CONF, [
        Check("socket mode and owner", sock_mode_owner),
        Ctl("status", "status (no credentials)"),
        Ctl("-u user -p pass status", "status (right password, {SHA} stored)"),
        Ctl("-u user -p wrong status", "status (wrong password)"),
    ], base=UNIX_AUTH_BASE),
]

# (scenario, step label) -> why tend answers differently. Each is a deliberate difference
# or one supervisord gets wrong; the lead copies them into the docs.
DEV_STDOUT = ("supervisord reads back whatever the file behind its own /dev/stdout (/dev/stderr) holds, so its "
              "answer is not reproducible: seen against itself with the program's lines once, twice, and after "
              "its own log lines (on a pipe it would read from the pipe, on a terminal it cannot); tend answers "
              "from the program's last output kept in memory (tail_bytes=)")
ALLOW = {
    ("tail", "tail s (stdout_logfile=/dev/stdout)"): DEV_STDOUT,
    ("tail", "tail s stderr (/dev/stderr)"): DEV_STDOUT,
}

# Compared by shape only (rc, stderr, the number of lines), not listed in ALLOW:
SHAPE_ONLY = {
    "maintail": "tend's own log lines are not supervisord's (its wording, its events)",
}


def _run(procs, tmp_path, sc, kind, half):
    return run_half(kind, procs, tmp_path / half, sc, free_port())


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_supervisorctl_compat(procs, tmp_path, sc):
    ref, ref_logs = _run(procs, tmp_path, sc, "supervisord", "ref")
    got, got_logs = _run(procs, tmp_path, sc, BOTH or "tend", "test")
    for (label, a), (_, b) in zip(ref, got):  # shown with -s, and on a failure
        print("--- %s\n  supervisord: %r\n  %-12s %r" % (label, a, (BOTH or "tend") + ":", b))
    bad, allowed = compare(sc, ref, got, ALLOW)
    for a in allowed:
        print(a)
    assert not bad, "\n".join(bad) + "\n\n" + got_logs
