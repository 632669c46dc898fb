"""tend invoked as `tini` and as `dumb-init` (symlinks): their command lines,
environment variables, exit codes and signal behaviour, plus the
improvements tend brings to both (no lost start-up signals, RT signals, no
livelock on a broken stderr, waiting for the group after the main child)."""
import os
import re
import select
import shutil
import signal
import subprocess
import time

import pytest

from conftest import (SLOW, alive, proc_stat, ready_info, run_with_broken_stderr, send_and_expect,
                      sig_lines, wait_for, wait_ready)
from test_signals import REALTIME, STANDARD, startup_race

PID1 = pytest.mark.parametrize("pid1", [False, True], ids=["child", "pid1"])
SIGRTMIN = signal.SIGRTMIN


def env_with(**kw):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TINI_", "DUMB_INIT_"))}
    env.update(kw)
    return env


def clean_env():
    return env_with()


# ============================================================================
# tini


@pytest.fixture
def tini(personas):
    return personas["tini"]


def test_tini_version_only_as_sole_argument(procs, tini):
    rc, out, err = procs.run([tini, "--version"], env=clean_env())
    assert rc == 0, err
    assert out.startswith("tini version "), out
    rc, out, err = procs.run([tini, "--version", "true"], env=clean_env())
    assert rc == 1


def test_tini_help_and_license(procs, tini):
    rc, out, err = procs.run([tini, "-h"], env=clean_env())
    assert rc == 0 and out.strip()
    rc, out, err = procs.run([tini, "-l"], env=clean_env())
    assert rc == 0 and out.strip()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["-V"],
        ["-V", "true"],
        ["-x", "true"],
        ["--bogus", "true"],
        ["-e", "256", "true"],
        ["-e", "abc", "true"],
        ["-e", "-1", "true"],
        ["-e"],
        ["-p", "9", "true"],
        ["-p", "USR1", "true"],
        ["-p", "SIGRTMIN", "true"],
        ["-p", "sigusr1", "true"],
    ],
    ids=lambda a: " ".join(a) or "no-args",
)
def test_tini_usage_errors_exit_1(procs, tini, args):
    rc, out, err = procs.run([tini] + args, env=clean_env())
    assert rc == 1, (rc, out, err)
    assert err.strip()


def test_tini_no_program_prints_usage_on_stderr(procs, tini):
    rc, out, err = procs.run([tini], env=clean_env())
    assert rc == 1
    assert "usage" in err.lower(), err


def test_tini_options_stop_at_first_non_option(procs, tini):
    rc, out, err = procs.run([tini, "sh", "-c", "exit 3"], env=clean_env())
    assert rc == 3, err
    rc, out, err = procs.run([tini, "--", "sh", "-c", "exit 3"], env=clean_env())
    assert rc == 3, err
    rc, out, err = procs.run([tini, "-s", "-g", "-w", "-p", "SIGTERM", "--", "echo", "-l", "-h"],
                             env=clean_env())
    assert (rc, out) == (0, "-l -h\n"), err


@PID1
@pytest.mark.parametrize(
    "cmd,code",
    [("exit 0", 0), ("exit 3", 3), ("exit 255", 255), ("kill -TERM $$", 143), ("kill -KILL $$", 137)],
)
def test_tini_exit_codes(procs, tini, pid1, cmd, code):
    rc, out, err = procs.run([tini, "--", "sh", "-c", cmd], pid1=pid1, env=clean_env())
    assert rc == code, err


@pytest.mark.parametrize(
    "opts,cmd,code",
    [(["-e", "3"], "exit 3", 0), (["-e", "143"], "kill -TERM $$", 0), (["-e", "4"], "exit 3", 3),
     (["-e", "4", "-e", "3"], "exit 3", 0)],
)
def test_tini_exit_code_mapping(procs, tini, opts, cmd, code):
    rc, out, err = procs.run([tini] + opts + ["--", "sh", "-c", cmd], env=clean_env())
    assert rc == code, err


def test_tini_exec_failures(procs, tini, tmp_path):
    rc, out, err = procs.run([tini, "--", str(tmp_path / "missing")], env=clean_env())
    assert rc == 127
    f = tmp_path / "noexec"
    f.write_text("#!/bin/sh\n")
    os.chmod(str(f), 0o644)
    rc, out, err = procs.run([tini, "--", str(f)], env=clean_env())
    assert rc == 126
    rc, out, err = procs.run([tini, "--", str(tmp_path)], env=clean_env())
    assert rc == 126


@PID1
def test_tini_forwards_every_signal(procs, tini, helpers, pid1, tmp_path):
    log = str(tmp_path / "log")
    r = procs.start([tini, "--", helpers["sigprint"], log], pid1=pid1, env=clean_env())
    pid, pgid, sid = wait_ready(log)
    assert pgid == pid, "tini gives the child its own process group"
    for s in STANDARD + REALTIME:
        send_and_expect(r, log, s)
    os.kill(r.child_pid(), signal.SIGKILL)
    assert r.wait() == 137


def _two_printers(procs, argv0, opts, helpers, tmp_path, env, pid1=False):
    bg, main = str(tmp_path / "bg"), str(tmp_path / "main")
    script = '"$0" "$1" 15 & exec "$0" "$2" 15'
    r = procs.start([argv0] + opts + ["--", "sh", "-c", script, helpers["sigprint"], bg, main],
                    pid1=pid1, env=env)
    b = wait_ready(bg)
    m = wait_ready(main)
    return r, bg, main, b, m


@pytest.mark.parametrize(
    "opts,env,group",
    [
        ([], {}, False),
        (["-g"], {}, True),
        ([], {"TINI_KILL_PROCESS_GROUP": "0"}, True),
        ([], {"TINI_KILL_PROCESS_GROUP": ""}, True),
    ],
    ids=["plain", "-g", "TINI_KILL_PROCESS_GROUP=0", "TINI_KILL_PROCESS_GROUP="],
)
def test_tini_group_mode(procs, tini, helpers, tmp_path, opts, env, group):
    r, bg, main, b, m = _two_printers(procs, tini, opts, helpers, tmp_path, env_with(**env))
    send_and_expect(r, main, signal.SIGUSR1)
    if group:
        wait_for(lambda: signal.SIGUSR1 in sig_lines(bg), what="USR1 at the group member")
    send_and_expect(r, main, signal.SIGHUP)
    if group:
        wait_for(lambda: signal.SIGHUP in sig_lines(bg), what="HUP at the group member")
    else:
        assert sig_lines(bg) == []
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


@pytest.mark.parametrize("how", ["-s", "TINI_SUBREAPER=", "TINI_SUBREAPER=1"])
def test_tini_subreaper_orphans_reaped(procs, tini, helpers, how):
    opts, env = [], clean_env()
    if how == "-s":
        opts = ["-s"]
    else:
        env = env_with(TINI_SUBREAPER=how.split("=", 1)[1])
    rc, out, err = procs.run([tini] + opts + ["--", helpers["orphans"], "200", str(int(10000 * SLOW))],
                             env=env, timeout=20)
    assert rc == 0, out + err


def test_tini_verbosity_env_replaces_v(procs, tini):
    rc, out, err = procs.run([tini, "-vvv", "--", "true"], env=clean_env())
    assert rc == 0
    assert (out + err).strip(), "-vvv must log something"
    rc, out, err = procs.run([tini, "-vvv", "--", "true"], env=env_with(TINI_VERBOSITY="0"))
    assert (rc, out, err) == (0, "", ""), "TINI_VERBOSITY=0 must silence -vvv"


def test_tini_pdeathsig_forwarded(procs, tini, helpers, tmp_path):
    from conftest import children
    log = str(tmp_path / "log")
    r = procs.start(["sh", "-c", '"$0" -p SIGUSR1 -- "$1" "$2" 15 & wait',
                     tini, helpers["sigprint"], log], env=clean_env())
    wait_ready(log)
    tp = wait_for(lambda: children(r.pid), what="tini under sh")[0]
    os.kill(r.pid, signal.SIGKILL)
    assert wait_for(lambda: sig_lines(log), what="USR1 after parent death") == [signal.SIGUSR1]
    wait_for(lambda: (proc_stat(tp) or {}).get("ppid") == os.getpid(), what="re-parenting")
    os.kill(tp, signal.SIGTERM)
    deadline = time.monotonic() + 10 * SLOW
    while True:
        pid, status = os.waitpid(tp, os.WNOHANG)
        if pid:
            break
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 143


def test_tini_startup_signal_race(procs, tini):
    failures = startup_race(procs, [tini, "--", "sleep", "5"])
    assert not failures, "%d of 200 runs failed:\n%s" % (len(failures), "\n".join(failures[:20]))


# ============================================================================
# dumb-init


@pytest.fixture
def dumb(personas):
    return personas["dumb-init"]


@pytest.mark.parametrize("opt", ["-V", "--version"])
def test_dumb_version_on_stderr(procs, dumb, opt):
    rc, out, err = procs.run([dumb, opt], env=clean_env())
    assert (rc, out, err) == (0, "", "dumb-init v1.2.5\n")


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_dumb_help_on_stderr(procs, dumb, opt):
    rc, out, err = procs.run([dumb, opt], env=clean_env())
    assert rc == 0 and out == "" and err.strip()


def test_dumb_no_command(procs, dumb):
    rc, out, err = procs.run([dumb], env=clean_env())
    assert rc == 1
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("Usage: "), err


@pytest.mark.parametrize(
    "args",
    [["-r", ""], ["-r", "herp"], ["-r", "15"], ["-r", "32:1"], ["-r", "1:32"], ["-r", "15:derp"],
     ["-r", "herp:derp"], ["-r", "0:1"], ["-r", "-1:3"], ["-r", "TERM:QUIT"], ["--rewrite", "15::12"],
     ["-r"], ["--yolo"], ["-x", "true"]],
    ids=lambda a: " ".join(repr(x) for x in a),
)
def test_dumb_bad_options_exit_1(procs, dumb, args):
    rc, out, err = procs.run([dumb] + args + (["true"] if args[0] in ("-r", "--rewrite") and len(args) > 1 else []),
                             env=clean_env())
    assert rc == 1, (rc, out, err)
    assert err.strip()


def test_dumb_options_stop_at_first_non_option(procs, dumb):
    rc, out, err = procs.run([dumb, "echo", "-r", "15:3", "-c"], env=clean_env())
    assert (rc, out) == (0, "-r 15:3 -c\n"), err


@PID1
@pytest.mark.parametrize("cmd,code", [("exit 0", 0), ("exit 3", 3), ("exit 255", 255),
                                      ("kill -TERM $$", 143), ("kill -HUP $$", 129)])
def test_dumb_exit_codes(procs, dumb, pid1, cmd, code):
    rc, out, err = procs.run([dumb, "--", "sh", "-c", cmd], pid1=pid1, env=clean_env())
    assert rc == code, err


def test_dumb_exec_failure_exit_2(procs, dumb, tmp_path):
    missing = str(tmp_path / "doesnotexist")
    rc, out, err = procs.run([dumb, missing], env=clean_env())
    assert rc == 2
    assert "[dumb-init] %s: No such file or directory" % missing in err, err
    f = tmp_path / "noexec"
    f.write_text("#!/bin/sh\n")
    os.chmod(str(f), 0o644)
    rc, out, err = procs.run([dumb, str(f)], env=clean_env())
    assert rc == 2


@pytest.mark.parametrize(
    "opts,env,setsid",
    [
        ([], {}, True),
        (["-c"], {}, False),
        (["--single-child"], {}, False),
        (["--single"], {}, False),
        ([], {"DUMB_INIT_SETSID": "0"}, False),
        ([], {"DUMB_INIT_SETSID": "1"}, True),
        ([], {"DUMB_INIT_SETSID": "false"}, True),
    ],
    ids=["default", "-c", "--single-child", "--single", "SETSID=0", "SETSID=1", "SETSID=false"],
)
def test_dumb_setsid_vs_single_child(procs, dumb, helpers, tmp_path, opts, env, setsid):
    r, bg, main, b, m = _two_printers(procs, dumb, opts, helpers, tmp_path, env_with(**env))
    if setsid:
        assert m[0] == m[1] == m[2], "setsid mode: child is session and group leader %r" % (m,)
        assert b[1] == m[1]
    else:
        assert m[2] != m[0], "single-child mode: no new session %r" % (m,)
    send_and_expect(r, main, signal.SIGUSR1)
    if setsid:
        wait_for(lambda: signal.SIGUSR1 in sig_lines(bg), what="USR1 at the group member")
    send_and_expect(r, main, SIGRTMIN + 3)
    if setsid:
        wait_for(lambda: SIGRTMIN + 3 in sig_lines(bg), what="RTMIN+3 at the group member")
    else:
        assert sig_lines(bg) == [], "single-child mode signals only the child"
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


@PID1
def test_dumb_forwards_every_signal(procs, dumb, helpers, pid1, tmp_path):
    log = str(tmp_path / "log")
    r = procs.start([dumb, "-c", "--", helpers["sigprint"], log], pid1=pid1, env=clean_env())
    wait_ready(log)
    for s in STANDARD + REALTIME:
        if s in (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
            continue  # dumb-init stops itself after forwarding these: see below
        send_and_expect(r, log, s)
    os.kill(r.child_pid(), signal.SIGKILL)
    assert r.wait() == 137


def test_dumb_rewrite(procs, dumb, helpers, tmp_path):
    log = str(tmp_path / "log")
    r = procs.start([dumb, "-r", "15:3", "--rew=2:0", "--rewrite", "1:12", "-r", "28:0",
                     "--", helpers["sigprint"], log, "3"], env=clean_env())
    wait_ready(log)
    send_and_expect(r, log, signal.SIGHUP, signal.SIGUSR2)
    r.kill(signal.SIGINT)
    r.kill(signal.SIGWINCH)
    send_and_expect(r, log, signal.SIGUSR1)
    send_and_expect(r, log, SIGRTMIN + 2)
    assert signal.SIGINT not in sig_lines(log) and signal.SIGWINCH not in sig_lines(log)
    r.kill(signal.SIGTERM)  # arrives as QUIT, which ends the printer
    assert r.wait() == 128 + signal.SIGQUIT
    assert sig_lines(log)[-1] == signal.SIGQUIT


def _cont_until(run, cond, what):
    """Send SIGCONT to tend until cond() holds. dumb-init stops itself after
    forwarding a suspend signal; a CONT that arrives just before that SIGSTOP
    is discarded by the kernel, so one CONT is not enough in general."""
    def step():
        if cond():
            return True
        run.kill(signal.SIGCONT)
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            if cond():
                return True
            time.sleep(0.005)
        return False
    wait_for(step, what=what)


def _wait_state(pid, states, what):
    return wait_for(lambda: (proc_stat(pid) or {"state": "gone"})["state"] in states, what=what)


@pytest.mark.parametrize("sig", [signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU], ids=["TSTP", "TTIN", "TTOU"])
def test_dumb_setsid_job_control_signals_become_stop(procs, dumb, helpers, tmp_path, sig):
    log = str(tmp_path / "log")
    r = procs.start([dumb, "--", helpers["sigprint"], log], env=clean_env())
    wait_ready(log)
    child = r.child_pid()
    r.kill(sig)
    _wait_state(child, ("T", "t"), "the child to be stopped by the rewritten SIGSTOP")
    _cont_until(r, lambda: signal.SIGCONT in sig_lines(log), "CONT at the child")
    _wait_state(child, ("S", "R"), "the child to be resumed")
    assert sig not in sig_lines(log), "the suspend signal itself must not reach the child"
    send_and_expect(r, log, signal.SIGUSR1)
    r.kill(signal.SIGKILL)
    os.kill(child, signal.SIGKILL)
    r.wait()


def test_dumb_job_control_pass_through_with_rewrite_or_single_child(procs, dumb, helpers, tmp_path):
    for opts in (["-r", "20:20"], ["-c"]):
        log = str(tmp_path / ("log%s" % opts[0]))
        r = procs.start([dumb] + opts + ["--", helpers["sigprint"], log, "15"], env=clean_env())
        wait_ready(log)
        r.kill(signal.SIGTSTP)
        wait_for(lambda: signal.SIGTSTP in sig_lines(log), what="TSTP at the child with %r" % opts)
        # dumb-init may stop itself after a suspend signal: CONT resumes it.
        _cont_until(r, lambda: signal.SIGCONT in sig_lines(log), "CONT at the child")
        r.kill(signal.SIGTERM)
        assert r.wait() == 143


def test_dumb_debug_env(procs, dumb):
    rc, out, err = procs.run([dumb, "sh", "-c", "exit 0"], env=env_with(DUMB_INIT_DEBUG="1"))
    assert rc == 0
    lines = err.splitlines()
    assert lines and all(l.startswith("[dumb-init] ") for l in lines), err
    for v in ("true", "yes", "0", "11"):
        rc, out, err = procs.run([dumb, "sh", "-c", "exit 0"], env=env_with(DUMB_INIT_DEBUG=v))
        assert (rc, err) == (0, ""), "DUMB_INIT_DEBUG=%s must not enable debug" % v
    rc, out, err = procs.run([dumb, "-v", "sh", "-c", "exit 0"], env=clean_env())
    lines = err.splitlines()
    assert rc == 0 and lines and all(l.startswith("[dumb-init] ") for l in lines), err


@pytest.mark.parametrize("pid1", [True], ids=["pid1"])
def test_dumb_main_exit_terms_group_and_waits(procs, dumb, pid1, tmp_path):
    """As PID 1, main child exits while a group member runs: it gets SIGTERM through
    the rewrite table (-r 15:10 -> USR1), and tend waits for its clean-up. (Not PID 1,
    tend exits at once as dumb-init does: see test_persona_not_pid1_ends_with_child.)"""
    marker, ready = tmp_path / "done", tmp_path / "ready"
    script = (
        '( trap "sleep 0.5; touch %(m)s; exit 0" USR1; trap "exit 9" TERM; touch %(r)s; '
        "while :; do sleep 0.05; done ) & "
        "while [ ! -e %(r)s ]; do sleep 0.01; done; exit 7" % {"m": marker, "r": ready}
    )
    r = procs.start([dumb, "-r", "15:10", "--", "sh", "-c", script], pid1=pid1, env=clean_env())
    assert r.wait() == 7
    assert marker.exists(), "the group member did not finish its USR1 handler before tend exited"


def test_dumb_rt_signals_pid1(procs, dumb, helpers, tmp_path):
    log = str(tmp_path / "log")
    r = procs.start([dumb, "--", helpers["sigprint"], log, "15"], pid1=True, env=clean_env())
    wait_ready(log)
    for s in REALTIME:
        send_and_expect(r, log, s)
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


def test_dumb_startup_signal_race(procs, dumb):
    failures = startup_race(procs, [dumb, "--", "sleep", "5"])
    assert not failures, "%d of 200 runs failed:\n%s" % (len(failures), "\n".join(failures[:20]))


@pytest.mark.parametrize("persona", ["dumb-init", "tini"])
def test_persona_broken_stderr_no_livelock(procs, personas, persona):
    argv = [personas[persona], "-v" if persona == "dumb-init" else "-vvvv", "--", "sh", "-c", "sleep 1; exit 3"]
    printed, exited, cpu, rc = run_with_broken_stderr(procs, argv, env=clean_env())
    assert printed, "%s -v printed nothing" % persona
    assert exited, "%s hung with a broken stderr (cpu %.2f s)" % (persona, cpu)
    assert cpu < 0.5, "%s burnt %.2f s of CPU" % (persona, cpu)
    assert rc == 3



# ============================================================================
# an exact drop-in: messages, the main child's exit, the child's start


REAL = {"tini": "/usr/bin/tini", "dumb-init": "/usr/bin/dumb-init"}


def _real(name):
    if not os.access(REAL[name], os.X_OK):
        pytest.skip("%s is not installed" % REAL[name])
    return REAL[name]


def test_dumb_help_is_dumb_inits_text(procs, dumb):
    rc, out, err = procs.run([dumb, "--help"], env=clean_env())
    lines = err.splitlines()
    assert (rc, out) == (0, "")
    assert lines[:2] == ["dumb-init v1.2.5", "Usage: %s [option] command [[arg] ...]" % dumb], err
    real = _real("dumb-init")
    rc, _, want = procs.run([real, "--help"], env=clean_env())
    assert err == want.replace(real, dumb)


def test_dumb_debug_env_without_command_prints_usage_first(procs, dumb):
    rc, out, err = procs.run([dumb], env=env_with(DUMB_INIT_DEBUG="1"))
    assert rc == 1
    assert err == "Usage: %s [option] program [args]\nTry %s --help for full usage.\n" % (dumb, dumb)


def _debug_lines(procs, argv, env):
    rc, out, err = procs.run(argv, env=env)
    return rc, out, [re.sub(r"PID \d+", "PID N", l) for l in err.splitlines()]


@pytest.mark.parametrize(
    "args,env,cmd",
    [
        (["-v", "-c"], {}, ["sh", "-c", "exit 3"]),
        (["-v"], {}, ["sh", "-c", "exit 0"]),
        ([], {"DUMB_INIT_DEBUG": "1", "DUMB_INIT_SETSID": "0"}, ["sh", "-c", "kill -TERM $$"]),
        (["-r", "15:10"], {"DUMB_INIT_DEBUG": "1"}, ["sh", "-c", "exit 5"]),
        (["-v", "-r", "15:0"], {}, ["sh", "-c", "exit 0"]),
        (["-v"], {}, ["/nonexistent/cmd"]),
    ],
    ids=["-v -c", "-v", "DEBUG,SETSID=0,killed", "DEBUG -r 15:10", "-v -r 15:0", "-v exec-failure"],
)
def test_dumb_debug_lines_are_dumb_inits(procs, dumb, args, env, cmd):
    """Every -v / DUMB_INIT_DEBUG line as dumb-init 1.2.5 prints it (and no other),
    compared with the real dumb-init run the same way. The lines the child prints
    after fork() may interleave with the parent's: compared as a set."""
    real = _real("dumb-init")
    got = _debug_lines(procs, [dumb] + args + cmd, env_with(**env))
    want = _debug_lines(procs, [real] + args + cmd, env_with(**env))
    assert got[:2] == want[:2]
    child = ("[dumb-init] setsid complete.", "[dumb-init] Unable to attach", "[dumb-init] /nonexistent")
    ours = [l for l in got[2] if not l.startswith(child)]
    theirs = [l for l in want[2] if not l.startswith(child)]
    assert ours == theirs
    assert sorted(got[2]) == sorted(want[2])


def test_dumb_verbose_single_child_exact(procs, dumb):
    """The sequence dumb-init's own test suite asserts, independent of the real binary."""
    rc, out, err = procs.run([dumb, "-v", "-c", "echo", "oh,", "hi"], env=clean_env())
    assert (rc, out) == (0, "oh, hi\n")
    assert re.match(r"\[dumb-init\] Child spawned with PID \d+\.\n"
                    r"\[dumb-init\] Received signal 17\.\n"
                    r"\[dumb-init\] A child with PID \d+ exited with exit status 0\.\n"
                    r"\[dumb-init\] Forwarded signal 15 to children\.\n"
                    r"\[dumb-init\] Child exited with status 0\. Goodbye\.\n\Z", err), err


def test_dumb_tty_hand_off_messages(tty, dumb):
    """Session leader with a terminal: the kernel's HUP and CONT after TIOCNOTTY are
    dropped once, with dumb-init's words; the next HUP is forwarded."""
    r, t = tty.start([dumb, "-v", "sleep", "20"], env=clean_env())
    t.wait_text(r"Ignoring tty hand-off signal 1\.")
    t.wait_text(r"Ignoring tty hand-off signal 18\.")
    t.wait_text(r"Child spawned with PID")
    r.kill(signal.SIGHUP)
    assert r.wait() == 129
    t.wait_text(r"\[dumb-init\] Forwarded signal 1 to children\.")
    assert "Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive." in t.text()
    assert "Forwarded signal 18 to children." not in t.text()


def _leftover(procs, argv, tmp_path, pid1=False):
    """argv + sh -c: start a sigprint (which logs TERM and survives it) in the
    background, exit 7 once it is ready. Returns (rc, bg log path, bg pid)."""
    bg = str(tmp_path / "bg")
    script = '"$0" "$1" & while ! grep -q READY "$1" 2>/dev/null; do sleep 0.01; done; exit 7'
    r = procs.start(argv + ["sh", "-c", script, procs.helpers["sigprint"], bg], pid1=pid1, env=clean_env())
    return r.wait(), bg


@pytest.mark.parametrize(
    "persona,opts,term",
    [("dumb-init", [], True), ("dumb-init", ["-c"], False), ("dumb-init", ["-r", "15:0"], False),
     ("tini", [], False), ("tini", ["-g"], False)],
    ids=["dumb-init", "dumb-init -c", "dumb-init -r 15:0", "tini", "tini -g"],
)
def test_persona_not_pid1_ends_with_child(procs, personas, helpers, tmp_path, persona, opts, term):
    """Not PID 1, no kernel SIGKILL follows the exit, so the personas end as their
    originals: dumb-init SIGTERMs the child's group (setsid mode) and exits, tini just
    exits; what else runs is left alone (it used to get TERM, a grace, then SIGKILL)."""
    procs.helpers = helpers
    rc, bg = _leftover(procs, [personas[persona]] + opts + ["--"], tmp_path)
    assert rc == 7
    pid = ready_info(bg)[0]
    if term:
        wait_for(lambda: sig_lines(bg) == [signal.SIGTERM], what="SIGTERM at the group member")
    assert alive(pid), "the leftover was killed"
    assert sig_lines(bg) == ([signal.SIGTERM] if term else [])


@pytest.mark.parametrize("persona", ["dumb-init", "tini"])
def test_persona_pid1_keeps_grace(procs, personas, tmp_path, persona):
    """As PID 1 the kernel would SIGKILL everything at tend's exit: the remaining
    processes get SIGTERM and the time to finish their handler."""
    marker, ready = tmp_path / "done", tmp_path / "ready"
    script = ('( trap "sleep 0.5; touch %(m)s; exit 0" TERM; touch %(r)s; while :; do sleep 0.05; done ) & '
              "while [ ! -e %(r)s ]; do sleep 0.01; done; exit 7" % {"m": marker, "r": ready})
    rc, out, err = procs.run([personas[persona], "--", "sh", "-c", script], pid1=True, env=clean_env())
    assert rc == 7, err
    assert marker.exists(), "tend exited before the leftover finished its TERM handler"


def _block(*sigs):
    def pre():
        os.setsid()
        signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    return pre


@pytest.mark.parametrize("persona,kept", [("tini", True), ("dumb-init", False), ("tend", False)])
def test_child_signal_mask_per_persona(procs, personas, tend, helpers, persona, kept):
    """tini restores the mask it inherited for its child; dumb-init and tend start it
    with nothing blocked."""
    argv0 = tend if persona == "tend" else personas[persona]
    blocked = (signal.SIGUSR1, signal.SIGTERM, signal.SIGTTIN, signal.SIGILL)
    rc, out, err = procs.run([argv0, "--", helpers["procinfo"]], env=clean_env(), preexec_fn=_block(*blocked))
    assert rc == 0, err
    info = dict(l.split(None, 1) for l in out.splitlines() if " " in l or "\t" in l)
    want = sum(1 << (s - 1) for s in blocked) if kept else 0
    assert int(info["SigBlk:"], 16) == want, "SigBlk %s" % info["SigBlk:"]


def test_tini_license_is_tends_notice(procs, tini):
    rc, out, err = procs.run([tini, "-l"], env=clean_env())
    assert rc == 0
    assert "tend" in out and "It is not tini" in out, out
    assert "Orozco" not in out


def test_tini_other_exec_errors_exit_1(procs, tini, dumb, tend, tmp_path):
    """tini: ENOENT 127, EACCES 126, anything else 1 (here ENOTDIR); dumb-init always 2."""
    f = tmp_path / "file"
    f.write_text("")
    cmd = str(f / "x")
    rc, out, err = procs.run([tini, "--", cmd], env=clean_env())
    assert rc == 1, err
    assert re.search(r"\[FATAL tini \(\d+\)\] exec %s failed: Not a directory" % re.escape(cmd), err), err
    rc, out, err = procs.run([dumb, cmd], env=clean_env())
    assert rc == 2
    rc, out, err = procs.run([tend, cmd], env=clean_env())
    assert rc == 126


@PID1
@pytest.mark.parametrize("persona", ["tend", "tini", "dumb-init"])
def test_start_directory_left_to_the_child(procs, personas, tend, pid1, tmp_path, persona):
    """tend must not keep its start directory busy (dumb-init and catatonit move to
    "/"); the child still starts in it. dumb-init's own test runs the binary through
    its resolved path, i.e. under tend's own name."""
    argv0 = tend if persona == "tend" else personas[persona]
    rc, out, err = procs.run([argv0, "--", "sh", "-c", "readlink /proc/$PPID/cwd; pwd -P"],
                             pid1=pid1, cwd=str(tmp_path), env=clean_env())
    assert rc == 0, err
    assert out == "/\n%s\n" % os.path.realpath(str(tmp_path))


@pytest.mark.parametrize("name", ["tini", "dumb-init"])
def test_ctl_is_a_program_under_the_persona_names(procs, personas, name):
    """`tend ctl` is tend's client; `tini ctl` and `dumb-init ctl` run a program named ctl,
    as the originals do (compared with them)."""
    real = shutil.which(name, path="/usr/bin")
    if not real:
        pytest.skip("%s is not installed" % name)
    results = []
    for argv0 in (real, personas[name]):
        rc, out, err = procs.run([argv0, "ctl"], env=clean_env())
        last = re.sub(r"\(\d+\)", "(PID)", err.strip().splitlines()[-1]) if err.strip() else ""
        results.append((rc, out, last))
    assert results[1] == results[0]
    assert results[0][0] in (2, 127) and "ctl" in results[0][2]


STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "tend-static")


@pytest.mark.parametrize("build", ["tested", "static"])
@pytest.mark.parametrize(
    "name,args",
    [("tini", ["-x", "true"]), ("tini", ["-e"]), ("tini", ["-p"]), ("tini", ["--bogus", "true"]),
     ("tini", ["-s", "-:", "true"]),
     ("dumb-init", ["--yolo"]), ("dumb-init", ["--yolo=1"]), ("dumb-init", ["-x"]), ("dumb-init", ["-cx"]),
     ("dumb-init", ["-r"]), ("dumb-init", ["--rew"]), ("dumb-init", ["--rewrite"]), ("dumb-init", ["--ver"]),
     ("dumb-init", ["--v"]), ("dumb-init", ["--help=1"]), ("dumb-init", ["--single-child=3"]),
     ("dumb-init", ["--=3"]), ("dumb-init", ["-", "-x"])],
    ids=lambda a: a if isinstance(a, str) else " ".join(a),
)
def test_persona_option_errors_are_the_originals(procs, personas, tmp_path, build, name, args):
    """getopt's messages, compared with the real (glibc) tini and dumb-init: the first
    line of stderr, with argv[0] as its prefix, and the exit code. The static (musl)
    build too: tend parses options itself, so musl's getopt wording never shows."""
    real = _real(name)
    if build == "static":
        if not os.access(STATIC, os.X_OK):
            pytest.skip("build/tend-static is not built")
        argv0 = str(tmp_path / name)
        os.symlink(STATIC, argv0)
    else:
        argv0 = personas[name]
    rc, out, err = procs.run([real] + args, env=clean_env())
    want = (rc, err.splitlines()[0].replace(real, argv0) if err else "")
    rc, out, err = procs.run([argv0] + args, env=clean_env())
    assert (rc, err.splitlines()[0] if err else "") == want, err


# ============================================================================
# docker-init (what `docker run --init` runs) and the tend persona's environment


@pytest.fixture
def docker_init(tend, tmp_path):
    link = tmp_path / "docker-init"
    os.symlink(tend, str(link))
    return str(link)


def test_docker_init_is_tini(procs, docker_init):
    """dockerd runs `docker-init --version` and parses what follows `tini version `;
    the rest of the command line is tini's, TINI_* included."""
    rc, out, err = procs.run([docker_init, "--version"], env=clean_env())
    assert (rc, err) == (0, "") and re.match(r"tini version \d+\.\d+\.\d+ - ", out), out
    if os.access(REAL["tini"], os.X_OK):  # the format tend copies is tini's own
        assert procs.run([REAL["tini"], "--version"], env=clean_env())[1].startswith("tini version ")
    rc, out, err = procs.run([docker_init, "-vvv", "--", "true"], env=env_with(TINI_VERBOSITY="0"))
    assert (rc, out, err) == (0, "", "")
    rc, out, err = procs.run([docker_init, "-x"], env=clean_env())
    assert rc == 1 and "Usage: tini" in err


def test_docker_init_group_env(procs, docker_init, helpers, tmp_path):
    r, bg, main, b, m = _two_printers(procs, docker_init, [], helpers, tmp_path,
                                      env_with(TINI_KILL_PROCESS_GROUP="1"))
    send_and_expect(r, main, signal.SIGUSR1)
    wait_for(lambda: signal.SIGUSR1 in sig_lines(bg), what="USR1 at the group member")
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


@pytest.mark.parametrize("env,group", [({"TEND_PGROUP": "1"}, True), ({"TEND_PGROUP": "false"}, False), ({}, False)])
def test_tend_pgroup_env(procs, tend, helpers, tmp_path, env, group):
    r, bg, main, b, m = _two_printers(procs, tend, [], helpers, tmp_path, env_with(**env))
    send_and_expect(r, main, signal.SIGHUP)
    if group:
        wait_for(lambda: signal.SIGHUP in sig_lines(bg), what="HUP at the group member")
    send_and_expect(r, main, signal.SIGUSR2)  # and what reached main first reached bg, if anything did
    assert (signal.SIGHUP in sig_lines(bg)) == group
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


def test_tend_verbosity_and_grace_env(procs, tend):
    script = '(trap "" TERM; exec sleep 100) & exit 7'
    env = env_with(TEND_VERBOSITY="2", TEND_GRACE="0.25")
    rc, out, err = procs.run([tend, "--", "sh", "-c", script], pid1=True, env=env, timeout=30)
    assert rc == 7
    assert "[tend] main child 2 exited with status 7\n" in err
    assert "sending SIGTERM to the remaining processes (SIGKILL in 250 ms)\n" in err
    # the command line wins
    rc, out, err = procs.run([tend, "--grace", "0.5", "--", "sh", "-c", script], pid1=True, env=env, timeout=30)
    assert rc == 7 and "(SIGKILL in 500 ms)\n" in err
    rc, out, err = procs.run([tend, "--", "true"], env=env_with(TEND_VERBOSITY="0"))
    assert (rc, out, err) == (0, "", "")


@pytest.mark.parametrize("var,val,msg", [
    ("TEND_PGROUP", "maybe", "tend: invalid TEND_PGROUP 'maybe' (want true or false)\n"),
    ("TEND_VERBOSITY", "x", "tend: invalid TEND_VERBOSITY 'x' (want 0-9; 1 is the default, 2 is -v)\n"),
    ("TEND_GRACE", "-1", "tend: invalid TEND_GRACE '-1' (want seconds)\n")])
def test_tend_env_errors_exit_2(procs, tend, var, val, msg):
    rc, out, err = procs.run([tend, "--", "true"], env=env_with(**{var: val}))
    assert (rc, out, err) == (2, "", msg + "Try 'tend --help'.\n")


def test_tend_version_says_what_was_built(procs, tend):
    rc, out, err = procs.run([tend, "--version"], env=clean_env())
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert re.fullmatch(r"tend \d+\.\d+\.\d+", lines[0])
    assert re.fullmatch(r"build: (static|dynamic), (musl|glibc \d+\.\d+), gcc .+", lines[1]), lines[1]
    assert lines[2].startswith("personas: ") and lines[3].startswith("features: ")
