"""tend invoked as `tini` and as `dumb-init` (symlinks): their command lines,
environment variables, exit codes and signal behaviour, plus the
improvements tend brings to both (no lost start-up signals, RT signals, no
livelock on a broken stderr, waiting for the group after the main child)."""
import os
import select
import signal
import subprocess
import time

import pytest

from conftest import (SLOW, proc_stat, run_with_broken_stderr, send_and_expect, sig_lines, wait_for,
                      wait_ready)
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


@PID1
def test_dumb_main_exit_terms_group_and_waits(procs, dumb, pid1, tmp_path):
    """Main child exits while a group member runs: it gets SIGTERM through
    the rewrite table (-r 15:10 -> USR1), and tend waits for its clean-up."""
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
