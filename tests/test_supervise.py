"""tend supervision mode (`tend -c FILE`): supervisord's state machine (autorestart ×
exitcodes, startsecs, startretries), numprocs, priorities, groups, includes, process
set-up keys, config errors on the command line, parallel shutdown, shutdown_on= and
`-- CMD` mode. tend runs as the real PID 1 of a new PID namespace."""
import os
import re
import shutil
import tempfile
import signal
import time

import pytest

from conftest import SLOW, wait_for
from supervise_util import floats, read_lines, sup, write_conf  # noqa: F401

# ----------------------------------------------------------------------------
# autorestart × exitcodes (exits from RUNNING)

# name: (autorestart, exitcodes or None, how it ends, restarts?, EXITED description)
MATRIX = {
    "t_exp": ("true", None, "exit 0", True, "exit status 0; expected"),
    "t_unexp": ("true", None, "exit 3", True, "exit status 3; not expected"),
    "f_exp": ("false", None, "exit 0", False, "exit status 0; expected"),
    "f_unexp": ("false", None, "exit 3", False, "exit status 3; not expected"),
    "u_exp": ("unexpected", "0,3", "exit 3", False, "exit status 3; expected"),
    "u_unexp": ("unexpected", "0", "exit 3", True, "exit status 3; not expected"),
    "u_def0": ("unexpected", None, "exit 0", False, "exit status 0; expected"),
    "u_sig": ("unexpected", "0,137", "kill -KILL $$", True, "terminated by SIGKILL; not expected"),
}


def test_autorestart_exitcodes_matrix(sup, tmp_path):
    conf = "[supervisord]\n"
    for name, (ar, codes, end, _, _) in MATRIX.items():
        conf += "[program:%s]\ncommand=sh -c 'echo run >> %s/%s.runs; %s'\n" % (name, tmp_path, name, end)
        conf += "startsecs=0\nautorestart=%s\n" % ar
        if codes:
            conf += "exitcodes=%s\n" % codes
    t = sup.start(conf)
    restarting = [n for n, m in MATRIX.items() if m[3]]
    steady = [n for n, m in MATRIX.items() if not m[3]]
    # The restarting ones must run 3 times (so at least two restart delays have passed) ...
    for n in restarting:
        wait_for(lambda: len(read_lines(tmp_path / (n + ".runs"))) >= 3, 10,
                 what=lambda: "%s to be restarted twice; log:\n%s" % (n, "\n".join(t.events())))
    # ... while the others ran exactly once and were not restarted meanwhile.
    for n in steady:
        t.wait_event(r"^\[tend\] %s: RUNNING -> EXITED" % n)
    for n in steady:
        assert len(read_lines(tmp_path / (n + ".runs"))) == 1, (n, t.events())
        assert t.spawns(n) == 1, (n, t.events())
    ev = t.events()
    for n, (_, _, _, _, desc) in MATRIX.items():
        line = "[tend] %s: RUNNING -> EXITED: %s" % (n, desc)
        assert line in ev, (line, ev)
    for n in restarting:
        assert "[tend] %s: EXITED -> STARTING" % n in ev, ev
    assert not [l for l in ev if re.match(r"\[tend\] (%s): EXITED -> STARTING" % "|".join(steady), l)], ev
    assert not [l for l in ev if "BACKOFF" in l or "FATAL" in l], ev
    assert t.stop() == 0, t.err.text()


# ----------------------------------------------------------------------------
# startsecs, startretries


def test_startsecs(sup, tmp_path):
    # Exiting before startsecs is a failed start even with an expected exit code;
    # staying up longer than startsecs reaches RUNNING.
    t = sup.start("""
        [supervisord]
        [program:early]
        command=sh -c 'sleep 0.3; exit 0'
        startsecs=2
        startretries=0
        [program:steady]
        command=sh -c 'sleep 1.6; exit 0'
        startsecs=1
        autorestart=false
    """)
    t.wait_event(r"^\[tend\] early: BACKOFF -> FATAL: too many start retries too quickly$")
    t.wait_event(r"^\[tend\] steady: RUNNING -> EXITED: exit status 0; expected$")
    ev = t.events()
    assert "[tend] early: STARTING -> BACKOFF: exit status 0" in ev, ev
    assert not [l for l in ev if re.match(r"\[tend\] early: .*-> RUNNING", l)], ev
    assert t.spawns("early") == 1, ev
    assert ev.index("[tend] steady: STARTING -> RUNNING: process has stayed up for > than 1 seconds (startsecs)") \
        < ev.index("[tend] steady: RUNNING -> EXITED: exit status 0; expected"), ev
    assert t.spawns("steady") == 1, ev
    assert t.stop() == 0


def test_startretries_exact(sup, tmp_path):
    # /bin/false with startretries=3: exactly 4 spawns then FATAL (supervisord: 5-12),
    # retries 1 s, 2 s, 3 s after each failure; startretries=0: one spawn.
    stamps = tmp_path / "stamps"
    t = sup.start("""
        [supervisord]
        [program:false]
        command=/bin/false
        startretries=3
        [program:stamp]
        command=%s
        startretries=3
        [program:once]
        command=sh -c 'exit 1'
        startretries=0
    """ % sup.svc_cmd("stamp", stamps, 1))
    t.wait_event(r"^\[tend\] once: BACKOFF -> FATAL")
    t.wait_event(r"^\[tend\] false: BACKOFF -> FATAL: too many start retries too quickly$", timeout=20)
    t.wait_event(r"^\[tend\] stamp: BACKOFF -> FATAL", timeout=20)
    ev = t.events()
    assert t.spawns("false") == 4, ev
    assert t.count(r"^\[tend\] false: STARTING -> BACKOFF: exit status 1$") == 4, ev
    assert t.spawns("once") == 1, ev
    assert t.spawns("stamp") == 4, ev
    for n in ("false", "once", "stamp"):
        assert not [l for l in ev if re.match(r"\[tend\] %s: .*-> RUNNING" % n, l)], ev
    ts = floats(stamps)
    assert len(ts) == 4, ts
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    # Lower bounds only (a retry is never early); slack for interpreter start-up jitter.
    for want, got in zip((1, 2, 3), gaps):
        assert got > want - 0.25, ("retry delays must be 1 s, 2 s, 3 s", gaps)
    assert t.stop() == 0
    assert not [l for l in t.events() if "FATAL ->" in l], t.events()


# ----------------------------------------------------------------------------
# numprocs, names, padding, groups, priorities, include


def test_numprocs_process_names(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:web]
        command=sh -c 'echo num=%(process_num)d name=%(program_name)s; exec sleep 1000'
        process_name=%(program_name)s_%(process_num)02d
        numprocs=3
        numprocs_start=5
        [program:x]
        command=sh -c 'echo hi; exec sleep 1000'
    """)
    for i in (5, 6, 7):
        t.wait_count(r"^web_0%d \| num=%d name=web$" % (i, i), stream="out")
    t.wait_count(r"^x      \| hi$", stream="out")
    for n in ("web_05", "web_06", "web_07", "x"):
        t.keeper(n)
        t.wait_event(r"^\[tend\] %s: STARTING -> RUNNING" % n)
    assert t.spawns("web") == 0  # no process is called plain "web"
    assert t.stop() == 0
    out = t.out.lines()
    assert sorted(out) == sorted(["web_05 | num=5 name=web", "web_06 | num=6 name=web",
                                  "web_07 | num=7 name=web", "x      | hi"]), out
    assert "\x1b" not in t.out.text() + t.err.text(), "no colour when stdout is not a tty"


def test_check_lists_effective_services(sup, tmp_path):
    marker = tmp_path / "ran"
    conf = write_conf(tmp_path / "c.conf", """
        [supervisord]
        [program:web]
        command=sh -c 'touch %s; sleep 1'
        process_name=%%(program_name)s_%%(process_num)02d
        numprocs=2
        [program:a]
        command=sh -c 'touch %s'
        [program:b]
        command=sh -c 'touch %s'
        priority=700
        [group:g]
        programs=a,b
        priority=50
    """ % (marker, marker, marker))
    rc, out, err = sup.run(conf, ["--check"])
    assert rc == 0, err
    for n in ("web_00", "web_01", "a", "b"):
        assert re.search(r"^\[%s\]$" % n, out, re.M), out
    # a takes the group's priority, b keeps its own; both belong to g
    blocks = dict((m.group(1), m.group(2)) for m in re.finditer(r"^\[(\w+)\]\n((?:  .*\n?)*)", out, re.M))
    assert re.search(r"priority\s+50\b", blocks["a"]), blocks["a"]
    assert re.search(r"priority\s+700\b", blocks["b"]), blocks["b"]
    assert re.search(r"group g\b", blocks["a"]) and re.search(r"group g\b", blocks["b"]), blocks
    assert not os.path.exists(marker), "--check must not start anything"


def test_priorities_start_and_stop_order(sup, tmp_path):
    # Start: lower priority first. Stop: reverse order, one level at a time, the
    # services of a level in parallel (both get TERM before either finishes).
    ev_file = tmp_path / "events"
    cmd = lambda n: sup.svc_cmd("ordered", n, ev_file, 0.3)  # noqa: E731
    t = sup.start("""
        [supervisord]
        [program:a]
        command=%s
        priority=300
        [program:b]
        command=%s
        priority=100
        [program:c]
        command=%s
        priority=200
        [program:d]
        command=%s
        priority=200
    """ % (cmd("a"), cmd("b"), cmd("c"), cmd("d")))
    wait_for(lambda: len(read_lines(ev_file)) == 4, 10, what="4 services to start")
    starts = [l.split()[1] for l in t.events() if l.endswith(": STOPPED -> STARTING")]
    assert starts[0] == "b:" and starts[3] == "a:" and sorted(starts[1:3]) == ["c:", "d:"], starts
    assert t.stop() == 0, t.err.text()
    ev = read_lines(ev_file)[4:]
    assert len(ev) == 8, ev
    i = ev.index
    assert ev[:2] == ["term a", "done a"], ev
    assert max(i("term c"), i("term d")) < min(i("done c"), i("done d")), ("same level must stop in parallel", ev)
    assert ev[6:] == ["term b", "done b"], ev


def test_group_members_run(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:a]
        command=sh -c 'echo from-a; exec sleep 1000'
        [program:b]
        command=sh -c 'echo from-b; exec sleep 1000'
        [program:solo]
        command=sh -c 'echo from-solo; exec sleep 1000'
        priority=10
        [group:g]
        programs=a,b
        priority=20
    """)
    for n in ("a", "b", "solo"):
        t.wait_count(r"^%s +\| from-%s$" % (n, n), stream="out")
    starts = [l.split()[1] for l in t.events() if l.endswith(": STOPPED -> STARTING")]
    assert starts == ["solo:", "a:", "b:"], starts
    assert t.stop() == 0


def test_include_relative_to_including_file(sup, tmp_path):
    main = tmp_path / "etc"
    (main / "conf.d").mkdir(parents=True)
    (main / "more").mkdir()
    write_conf(main / "tend.conf", """
        [supervisord]
        [include]
        files = conf.d/*.conf more/one.conf nothing/*.conf
        [program:top]
        command=sh -c 'echo here=%(here)s; exec sleep 1000'
    """)
    write_conf(main / "conf.d" / "b.conf", """
        [program:bee]
        command=sh -c 'echo here=%(here)s; exec sleep 1000'
    """)
    write_conf(main / "conf.d" / "a.conf", """
        [program:ay]
        command=sh -c 'echo here=%(here)s; exec sleep 1000'
    """)
    write_conf(main / "conf.d" / "ignored.txt", """
        [program:nope]
        command=sh -c 'echo nope'
    """)
    write_conf(main / "more" / "one.conf", """
        [program:one]
        command=sh -c 'echo here=%(here)s; exec sleep 1000'
    """)
    t = sup.start(str(main / "tend.conf"), cwd="/")
    want = {"top": main, "ay": main / "conf.d", "bee": main / "conf.d", "one": main / "more"}
    for n, d in want.items():
        t.wait_count(r"^%s +\| here=%s$" % (n, re.escape(str(d))), stream="out")
    assert t.stop() == 0
    assert "nope" not in t.out.text()
    names = set(l.split()[1] for l in t.events() if l.endswith(": STOPPED -> STARTING"))
    assert names == {"top:", "ay:", "bee:", "one:"}, names


def test_process_setup_keys(sup, tmp_path):
    # environment (quoted values with spaces), %(ENV_X)s, directory, umask, user.
    env = dict(os.environ, TEND_TEST_GREETING="hello-env")
    t = sup.start("""
        [supervisord]
        [program:setup]
        command=sh -c 'echo "A=$A B=$B G=%(ENV_TEND_TEST_GREETING)s U=$(umask) D=$(pwd) ID=$(id -un)"'
        environment=A="1",B="x y"
        directory=/usr
        umask=027
        user=nobody
        startsecs=0
        autorestart=false
    """, env=env)
    t.wait_event(r"^\[tend\] setup: RUNNING -> EXITED: exit status 0; expected$")
    t.wait_count(r"^setup \|", stream="out")
    assert t.out.lines() == ["setup | A=1 B=x y G=hello-env U=0027 D=/usr ID=nobody"], t.out.lines()
    assert t.stop() == 0


def test_verbose_logs_spawn_pid(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:web]
        command=sleep 1000
    """, args=["-v"])
    t.wait_event(r"^\[tend\] web: spawned with pid \d+$")
    t.wait_event(r"^\[tend\] web: STARTING -> RUNNING: process has stayed up for > than 1 seconds \(startsecs\)$")
    assert t.stop() == 0
    ev = t.events()
    assert ev.index("[tend] web: STOPPED -> STARTING") < ev.index("[tend] web: RUNNING -> STOPPING") \
        < ev.index("[tend] web: STOPPING -> STOPPED: terminated by SIGTERM"), ev


# ----------------------------------------------------------------------------
# config errors: FILE:LINE:, exit 2, nothing started

BAD = {
    # id: (config text after the canary, 1-based line of the error within the whole file)
    "no-command": ("[program:bad]\nautostart=true\n", 4),
    "bad-bool": ("[program:bad]\ncommand=true\nautostart=maybe\n", 6),
    "unclosed-quote": ("[program:bad]\ncommand=sh -c 'echo\n", 5),
    "numprocs-without-process-num": ("[program:bad]\ncommand=true\nprocess_name=x\nnumprocs=2\n", 6),
    "group-unknown-program": ("[group:g]\nprograms=canary,ghost\n", 5),
    "unknown-env-expansion": ("[program:bad]\ncommand=echo %(ENV_TEND_SURELY_UNSET_XYZ)s\n", 5),
    "bad-signal": ("[program:bad]\ncommand=true\nstopsignal=NOSUCHSIG\n", 6),
    "stopasgroup-without-killasgroup": ("[program:bad]\ncommand=true\nstopasgroup=true\nkillasgroup=false\n", 7),
    "bad-integer": ("[program:bad]\ncommand=true\nstartretries=lots\n", 6),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_config_error(sup, tmp_path, case):
    text, line = BAD[case]
    marker = tmp_path / "canary-ran"
    conf = write_conf(tmp_path / "bad.conf",
                      "[supervisord]\n[program:canary]\ncommand=touch %s\n" % marker + text)
    rc, out, err = sup.run(conf)
    assert rc == 2, (rc, out, err)
    assert err.startswith("%s:%d: " % (conf, line)), err
    assert out == "", out
    assert not os.path.exists(marker), "nothing may start on a config error"
    # --check reports the same error
    rc, out, err2 = sup.run(conf, ["--check"], pid1=False)
    assert rc == 2 and err2.startswith("%s:%d: " % (conf, line)), (rc, err2)


def test_config_error_in_included_file(sup, tmp_path):
    marker = tmp_path / "canary-ran"
    (tmp_path / "d").mkdir()
    inc = write_conf(tmp_path / "d" / "x.conf", "[program:x]\ncommand=true\nautorestart=sometimes\n")
    conf = write_conf(tmp_path / "main.conf", "[supervisord]\n[include]\nfiles=d/*.conf\n"
                      "[program:canary]\ncommand=touch %s\n" % marker)
    rc, out, err = sup.run(conf)
    assert rc == 2, (rc, out, err)
    assert err.startswith("%s:3: " % inc), err
    assert not os.path.exists(marker)


def test_missing_config_file(sup, tmp_path):
    rc, out, err = sup.run(str(tmp_path / "nope.conf"))
    assert rc == 2, (rc, out, err)
    assert str(tmp_path / "nope.conf") in err, err


# ----------------------------------------------------------------------------
# shutdown


def test_parallel_shutdown_and_stopwaitsecs(sup, tmp_path):
    # Three services needing 1 s to stop after TERM stop in parallel; one ignoring
    # TERM is SIGKILLed after stopwaitsecs=1; tend exits 0 right after the last reap.
    names = ("s1", "s2", "s3")
    conf = "[supervisord]\n"
    for n in names:
        conf += "[program:%s]\ncommand=%s\n" % (n, sup.svc_cmd("slowterm", n, tmp_path, 1.0))
    conf += "[program:ign]\ncommand=%s\nstopwaitsecs=1\n" % sup.svc_cmd("ignoreterm", "ign", tmp_path)
    t = sup.start(conf)
    for n in names + ("ign",):
        wait_for(lambda: os.path.exists(tmp_path / (n + ".ready")), 10, what="%s ready" % n)
    t.kill(signal.SIGTERM)
    wait_for(lambda: t.run.p.poll() is not None, 15, interval=0.002, what="tend to exit")
    t_exit = time.time()
    assert t.wait() == 0, t.err.text()
    terms = [floats(tmp_path / (n + ".term")) for n in names]
    dones = [floats(tmp_path / (n + ".done")) for n in names]
    assert all(len(x) == 1 for x in terms + dones), (terms, dones, t.err.text())
    terms = [x[0] for x in terms]
    dones = [x[0] for x in dones]
    assert max(terms) < min(dones), ("not parallel: every service must get TERM before the first one finishes",
                                     terms, dones)
    ev = t.events()
    for n in names:
        assert "[tend] %s: STOPPING -> STOPPED: exit status 0" % n in ev, ev
    assert "[tend] ign: STOPPING -> STOPPED: terminated by SIGKILL" in ev, ev
    # hang detector: tend exits right after the last service is reaped
    assert t_exit - max(dones) < 1.0 * SLOW, (t_exit - max(dones), ev)


@pytest.mark.parametrize("signame", ["SIGINT", "SIGQUIT"])
def test_other_stop_signals(sup, tmp_path, signame):
    t = sup.start("[supervisord]\n[program:a]\ncommand=%s\n" % sup.svc_cmd("slowterm", "a", tmp_path, 0))
    wait_for(lambda: os.path.exists(tmp_path / "a.ready"), 10, what="a ready")
    assert t.stop(getattr(signal, signame)) == 0, t.err.text()
    assert len(floats(tmp_path / "a.done")) == 1
    assert "[tend] a: STOPPING -> STOPPED: exit status 0" in t.events()


# ----------------------------------------------------------------------------
# shutdown_on= and -- CMD


@pytest.mark.parametrize("startsecs,code", [(1, 7), (0, 7), (0, 0)], ids=["backoff-7", "running-7", "running-0"])
def test_shutdown_on_exit(sup, tmp_path, startsecs, code):
    t = sup.start("""
        [supervisord]
        [program:main]
        command=sh -c 'sleep 0.3; exit %d'
        startsecs=%d
        shutdown_on=exit
        [program:other]
        command=%s
    """ % (code, startsecs, sup.svc_cmd("slowterm", "other", tmp_path, 0)))
    assert t.wait(15) == code, t.err.text()
    assert t.spawns("main") == 1, t.events()
    assert len(floats(tmp_path / "other.done")) == 1, "the other services are stopped first"
    assert "[tend] other: STOPPING -> STOPPED: exit status 0" in t.events()


def test_shutdown_on_exit_by_signal(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:main]
        command=sh -c 'sleep 0.2; kill -KILL $$'
        shutdown_on=exit
    """)
    assert t.wait(15) == 128 + 9, t.err.text()


def test_shutdown_on_fatal(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:bad]
        command=sh -c 'exit 5'
        startretries=1
        shutdown_on=fatal
        [program:other]
        command=%s
    """ % sup.svc_cmd("slowterm", "other", tmp_path, 0))
    assert t.wait(20) == 5, t.err.text()
    assert t.spawns("bad") == 2, t.events()
    assert "[tend] bad: BACKOFF -> FATAL: too many start retries too quickly" in t.events()
    assert len(floats(tmp_path / "other.done")) == 1


def test_shutdown_on_fatal_ignores_restarts(sup, tmp_path):
    # shutdown_on=fatal: an exit from RUNNING that is restarted is not fatal.
    runs = tmp_path / "runs"
    t = sup.start("""
        [supervisord]
        [program:flappy]
        command=sh -c 'echo x >> %s; exit 3'
        startsecs=0
        autorestart=true
        shutdown_on=fatal
    """ % runs)
    wait_for(lambda: len(read_lines(runs)) >= 3, 10, what="3 runs")
    assert t.run.p.poll() is None, "tend exited on a non-fatal exit: %s" % t.err.text()
    assert t.stop() == 0


def test_cmd_mode_exit_status(sup, tmp_path):
    ready = tmp_path / "svc.ready"
    t = sup.start("[supervisord]\n[program:svc]\ncommand=%s\n" % sup.svc_cmd("slowterm", "svc", tmp_path, 0.3),
                  cmd=["sh", "-c", "while [ ! -e %s ]; do sleep 0.01; done; echo cmd-out; exit 3" % ready])
    assert t.wait(15) == 3, t.err.text()
    assert "cmd-out" in t.out.text()
    assert len(floats(tmp_path / "svc.done")) == 1, "services are stopped before tend exits"
    assert "[tend] svc: STOPPING -> STOPPED: exit status 0" in t.events()


def test_cmd_mode_services_keep_running_while_cmd_runs(sup, tmp_path):
    runs = tmp_path / "runs"
    t = sup.start("""
        [supervisord]
        [program:svc]
        command=sh -c 'echo x >> %s; exit 1'
        startsecs=0
        autorestart=true
    """ % runs, cmd=["sh", "-c", "while [ $(wc -l < %s 2>/dev/null || echo 0) -lt 3 ]; do sleep 0.01; done" % runs])
    assert t.wait(15) == 0, t.err.text()
    assert len(read_lines(runs)) >= 3


def test_crash_loop_after_running_is_capped(sup, tmp_path):
    # startsecs=0 makes every instant exit a RUNNING -> EXITED: supervisord restarts it at
    # once, forever (a CPU spin). tend delays restarts after runs shorter than 1 s by
    # 100 ms, doubling (docs/supervision.md): the gaps between spawns grow.
    stamps = tmp_path / "stamps"
    t = sup.start("""
        [program:loop]
        command=%s
        startsecs=0
        autorestart=true
    """ % sup.svc_cmd("stamp", stamps, 1))
    wait_for(lambda: len(floats(stamps)) >= 5 if stamps.exists() else False, timeout=15,
             what="5 spawns of the crash loop")
    ts = floats(stamps)
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    # lower bounds only (never early): 0.1, 0.2, 0.4, 0.8 s minus start-up jitter
    for want, got in zip((0.1, 0.2, 0.4, 0.8), gaps):
        assert got > want * 0.9, ("restart delays must double from 100 ms", gaps)
    ev = t.events()
    assert [l for l in ev if re.match(r"\[tend\] loop: RUNNING -> EXITED: exit status 1; not expected", l)], ev
    assert t.stop() == 0


def test_pidfile_written_after_start_and_removed_at_exit(sup, tmp_path):
    pidfile = tmp_path / "run" / "supervisord.pid"
    pidfile.parent.mkdir()
    t = sup.start("""
        [supervisord]
        pidfile=%s
        [program:a]
        command=sleep 1000
        startsecs=0
    """ % pidfile)
    t.wait_event(r"^\[tend\] a: STARTING -> RUNNING")
    wait_for(lambda: pidfile.exists(), 5, what="the pidfile")
    assert pidfile.read_text() == "1\n"  # tend is PID 1 of its namespace
    assert t.stop() == 0
    assert not pidfile.exists()


def test_minfds_raises_the_services_limit(sup, tmp_path):
    # supervisord raises a soft RLIMIT_NOFILE below minfds, and its children inherit it
    t = sup.start("""
        [supervisord]
        minfds=3000
        [program:lim]
        command=sh -c 'echo "nofile=$(ulimit -n)"'
        startsecs=0
        autorestart=false
    """, prefix=["prlimit", "--nofile=512:4096"])
    t.wait_count(r"^lim \| nofile=3000$", stream="out")
    assert t.stop() == 0


def test_minfds_above_what_a_non_root_tend_may_have_is_fatal(procs, tend):
    d = tempfile.mkdtemp(prefix="tend-minfds-")  # readable by nobody, unlike tmp_path
    try:
        os.chmod(d, 0o755)
        conf = os.path.join(d, "tend.conf")
        with open(conf, "w") as f:
            f.write("[supervisord]\nminfds=100000\n[program:a]\ncommand=sleep 1\n")
        os.chmod(conf, 0o644)
        rc, out, err = procs.run(["prlimit", "--nofile=1024:2048", "setpriv", "--reuid=65534", "--regid=65534",
                                  "--clear-groups", tend, "-c", conf])
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert rc == 2, (rc, err)
    assert err.startswith('tend: The minimum number of file descriptors required to run this process is 100000 '
                          'as per the "minfds" command-line argument or config file setting. The current '
                          'environment will only allow you to open 2048 file descriptors.'), err


def test_stop_budget_warning(sup):
    """-v says at start-up when a shutdown can outlast the runtime's stop timeout (the
    waves of stopwaitsecs: web, then what it depends on); within the budget, nothing."""
    conf = ("[supervisord]\nstop_budget=%s\n[program:db]\ncommand=sleep 100\nstopwaitsecs=6\n"
            "[program:web]\ncommand=sleep 100\ndepends_on=db\nstopwaitsecs=5\n")
    t = sup.start(conf % "10", args=("-v",))
    t.wait_event(r"web: STARTING -> RUNNING")
    assert "a shutdown can take 11 s: web (5 s), then db (6 s), more than stop_budget (10 s;" in t.err.text()
    t.stop()
    t = sup.start(conf % "11", args=("-v",))
    t.wait_event(r"web: STARTING -> RUNNING")
    assert "stop_budget" not in t.err.text()
    t.stop()
