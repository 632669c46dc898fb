"""tend exec mode: command line, exit status, child set-up, reaping, shutdown
of leftovers, idle cost, broken stderr."""
import os
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import ASAN, SLOW, alive, proc_stat, proc_status, run_with_broken_stderr, wait_for

PID1 = pytest.mark.parametrize("pid1", [False, True], ids=["child", "pid1"])


# ----------------------------------------------------------------------------
# command line


@pytest.mark.parametrize("opt", ["-V", "--version"])
def test_version(procs, tend, opt):
    rc, out, err = procs.run([tend, opt])
    assert rc == 0, err
    assert re.match(r"^tend \d+\.\d+\.\d+\b", out), out


@pytest.mark.parametrize("opt", ["-h", "--help"])
def test_help(procs, tend, opt):
    rc, out, err = procs.run([tend, opt])
    assert rc == 0, err
    assert out.strip(), "help must go to stdout"


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--"],
        ["--bogus-option", "true"],
        ["-x", "true"],
        ["-r"],
        ["-r", "15", "--", "true"],
        ["-r", "FOO:BAR", "--", "true"],
        ["-r", "TERM:NOPE", "--", "true"],
        ["-p", "NOSUCHSIG", "--", "true"],
        ["-e", "abc", "--", "true"],
        ["--grace", "abc", "--", "true"],
        ["--grace"],
    ],
    ids=lambda a: " ".join(a) or "no-args",
)
def test_bad_usage(procs, tend, args):
    rc, out, err = procs.run([tend] + args)
    assert rc == 2, (rc, out, err)
    assert err.strip(), "usage errors must be explained on stderr"


def test_options_stop_at_first_non_option(procs, tend):
    # No getopt permutation: everything after CMD belongs to CMD.
    rc, out, err = procs.run([tend, "echo", "-v", "-g", "--help", "-r", "1:2"])
    assert rc == 0, err
    assert out == "-v -g --help -r 1:2\n"
    rc, out, err = procs.run([tend, "-g", "--", "echo", "-V"])
    assert rc == 0, err
    assert out == "-V\n"


def test_accepted_options(procs, tend):
    rc, out, err = procs.run([tend, "-s", "-g", "-w", "-r", "SIGUSR1:USR2", "-r", "10:0",
                              "-r", "RTMIN+3:TERM", "-e", "3", "-p", "SIGTERM",
                              "--grace", "2", "--", "sh", "-c", "exit 3"])
    assert rc == 0, (out, err)


def test_quiet_by_default(procs, tend):
    rc, out, err = procs.run([tend, "--", "sh", "-c", "(true &); echo hi"])
    assert (rc, out, err) == (0, "hi\n", "")
    rc, out, err = procs.run([tend, "--", "sh", "-c", "(true &); echo hi"], pid1=True)
    assert (rc, out, err) == (0, "hi\n", "")


# ----------------------------------------------------------------------------
# exit status


EXIT_CASES = [
    (["true"], 0),
    (["false"], 1),
    (["sh", "-c", "exit 3"], 3),
    (["sh", "-c", "exit 255"], 255),
    (["sh", "-c", "exit 128"], 128),
    (["sh", "-c", "kill -TERM $$"], 143),
    (["sh", "-c", "kill -KILL $$"], 137),
    (["sh", "-c", "ulimit -c 0; kill -SEGV $$"], 139),
    (["sh", "-c", "kill -HUP $$"], 129),
    (["sh", "-c", "kill -USR1 $$"], 138),
]


@PID1
@pytest.mark.parametrize("cmd,code", EXIT_CASES, ids=[" ".join(c[0]) for c in EXIT_CASES])
def test_exit_status(procs, tend, pid1, cmd, code):
    # Also without "--": option parsing stops at the command.
    rc, out, err = procs.run([tend] + cmd, pid1=pid1)
    assert rc == code, err


@pytest.mark.parametrize(
    "opts,cmd,code",
    [
        (["-e", "3"], "exit 3", 0),
        (["-e", "4"], "exit 3", 3),
        (["-e", "4", "-e", "3"], "exit 3", 0),
        (["-e", "143"], "kill -TERM $$", 0),
        (["-e", "137"], "kill -KILL $$", 0),
        (["-e", "15"], "kill -TERM $$", 143),
        (["-e", "0"], "exit 0", 0),
    ],
)
def test_exit_code_mapping(procs, tend, opts, cmd, code):
    rc, out, err = procs.run([tend] + opts + ["--", "sh", "-c", cmd])
    assert rc == code, err


@PID1
def test_exec_not_found(procs, tend, pid1, tmp_path):
    missing = str(tmp_path / "no-such-program")
    rc, out, err = procs.run([tend, "--", missing, "arg"], pid1=pid1)
    assert rc == 127
    assert missing in err
    rc, out, err = procs.run([tend, "tend-no-such-command-xyz"], pid1=pid1)
    assert rc == 127
    assert "tend-no-such-command-xyz" in err


@PID1
def test_exec_not_executable(procs, tend, pid1, tmp_path):
    f = tmp_path / "script"
    f.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(str(f), 0o644)
    rc, out, err = procs.run([tend, "--", str(f)], pid1=pid1)
    assert rc == 126, err
    d = tmp_path / "adir"
    d.mkdir()
    rc, out, err = procs.run([tend, "--", str(d)], pid1=pid1)
    assert rc == 126, err


def test_exec_uses_path(procs, tend, tmp_path):
    prog = tmp_path / "myprog"
    prog.write_text("#!/bin/sh\necho from-path \"$@\"\nexit 9\n")
    os.chmod(str(prog), 0o755)
    env = dict(os.environ, PATH=str(tmp_path) + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
    rc, out, err = procs.run([tend, "myprog", "a", "b"], env=env)
    assert (rc, out) == (9, "from-path a b\n"), err


# ----------------------------------------------------------------------------
# child set-up: cwd, environment, fds, signal mask and dispositions


@PID1
def test_child_inherits_cwd_env_fds_and_clean_signal_state(procs, tend, helpers, pid1, tmp_path):
    r_fd, w_fd = os.pipe()
    try:
        env = dict(os.environ, TEND_TEST_VAR="hello world")

        def pre():
            os.setsid()
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGUSR2, signal.SIG_IGN)

        rc, out, err = procs.run(
            [tend, "--", helpers["procinfo"], "TEND_TEST_VAR"],
            pid1=pid1, cwd=str(tmp_path), env=env, pass_fds=(w_fd,), preexec_fn=pre,
        )
    finally:
        os.close(r_fd)
        os.close(w_fd)
    assert rc == 0, err
    info = dict(l.split(None, 1) for l in out.splitlines() if " " in l or "\t" in l)
    assert info["CWD"] == str(tmp_path)
    assert info["ENV"] == "TEND_TEST_VAR=hello world"
    fds = sorted(int(x) for x in info["FDS"].split())
    assert fds == sorted([0, 1, 2, w_fd]), "child fds %r: tend leaked its own fds or lost an inherited one" % fds
    assert int(info["SigBlk:"], 16) == 0, "child's signal mask must be empty"
    # Compare the standard signals only: 32 and up belong to the C library (make, for one,
    # starts its recipes with 32 and 33 ignored, and glibc re-claims 33 in every process).
    std = (1 << 31) - 1
    ign = int(info["SigIgn:"], 16) & std
    expected = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGUSR2 - 1))
    assert ign == expected, "SigIgn %x, expected %x (inherited SIG_IGN kept, nothing else)" % (ign, expected)
    assert int(info["SigCgt:"], 16) == 0


def test_child_gets_own_process_group_without_tty(procs, tend, helpers):
    rc, out, err = procs.run([tend, "--", helpers["procinfo"]])
    assert rc == 0, err
    pid, ppid, pgid, sid = (int(x) for x in out.splitlines()[0].split()[1:])
    assert pgid == pid, "the child must lead its own process group"


# ----------------------------------------------------------------------------
# verbosity


def test_verbose_not_pid1_mentions_subreaper(procs, tend):
    rc, out, err = procs.run([tend, "-v", "--", "sh", "-c", "exit 4"])
    assert rc == 4
    lines = err.splitlines()
    assert lines, "-v must print something on stderr"
    assert all(l.startswith("[tend]") for l in lines), err
    assert re.search("subreaper", err, re.I), err
    assert out == ""


def test_verbose_pid1(procs, tend):
    rc, out, err = procs.run([tend, "-vv", "--", "sh", "-c", "exit 4"], pid1=True)
    assert rc == 4
    lines = err.splitlines()
    assert lines
    assert all(l.startswith("[tend]") for l in lines), err
    assert out == ""


def test_w_logs_reaped_zombies(procs, tend):
    # (true &) in a subshell: `true` is orphaned and reaped by tend (PID 1).
    cmd = ["sh", "-c", "(true &); (true &); exit 0"]
    rc, out, err = procs.run([tend, "-w", "--"] + cmd, pid1=True)
    assert rc == 0
    assert err.strip(), "-w must log the reaped orphans"
    assert all(l.startswith("[tend]") for l in err.splitlines()), err
    rc, out, err = procs.run([tend, "--"] + cmd, pid1=True)
    assert (rc, err) == (0, "")


# ----------------------------------------------------------------------------
# main child exits while other processes remain


@PID1
def test_leftovers_get_term_and_are_awaited(procs, tend, pid1, tmp_path):
    marker = tmp_path / "cleaned-up"
    ready = tmp_path / "ready"
    script = (
        '( trap "sleep 0.5; touch %(m)s; exit 0" TERM; touch %(r)s; '
        "while :; do sleep 0.05; done ) & "
        "while [ ! -e %(r)s ]; do sleep 0.01; done; exit 7" % {"m": marker, "r": ready}
    )
    # A long grace: tend must exit as soon as the last one is reaped,
    # not after the grace period.
    r = procs.start([tend, "--grace", "60", "--", "sh", "-c", script], pid1=pid1)
    rc = r.wait(timeout=10)
    assert rc == 7
    assert marker.exists(), "tend exited before the background process finished its TERM handler"


@PID1
def test_leftovers_ignoring_term_are_killed_after_grace(procs, tend, pid1, tmp_path):
    pidfile = tmp_path / "pid"
    script = (
        '(trap "" TERM; exec sleep 100) & bg=$!; '
        'while [ "$(cat /proc/$bg/comm 2>/dev/null)" != sleep ]; do sleep 0.01; done; '
        "echo $bg > %s; exit 7" % pidfile
    )
    r = procs.start([tend, "--grace", "1", "--", "sh", "-c", script], pid1=pid1)
    # Well below the default grace of 5 s: --grace 1 was honoured.
    rc = r.wait(timeout=4.5)
    assert rc == 7
    if not pid1:
        bg = int(pidfile.read_text())
        st = proc_stat(bg)
        assert st is None or st["comm"] != "sleep" or st["state"] == "Z", \
            "the TERM-ignoring background process survived tend: %r" % (st,)


def test_default_grace_escalates_to_kill(procs, tend, tmp_path):
    # Default grace is 5 s: a TERM-ignoring leftover is still killed and tend exits.
    script = (
        '(trap "" TERM; exec sleep 100) & bg=$!; '
        'while [ "$(cat /proc/$bg/comm 2>/dev/null)" != sleep ]; do sleep 0.01; done; exit 5'
    )
    r = procs.start([tend, "--", "sh", "-c", script], pid1=True)
    assert r.wait(timeout=15) == 5


# ----------------------------------------------------------------------------
# reaping


def test_orphan_burst_pid1_leaves_no_zombie(procs, tend, helpers):
    rc, out, err = procs.run([tend, "--", helpers["orphans"], "1000", str(int(15000 * SLOW)), "all"],
                             pid1=True, timeout=30)
    assert rc == 0, out + err


def test_orphans_adopted_and_reaped_when_not_pid1(procs, tend, helpers):
    rc, out, err = procs.run([tend, "--", helpers["orphans"], "1000", str(int(15000 * SLOW))], timeout=30)
    assert rc == 0, out + err


# ----------------------------------------------------------------------------
# idle cost and broken stderr


def test_idle_pid1_makes_no_wakeups(procs, tend):
    r = procs.start([tend, "--", "sleep", "30"], pid1=True)
    tp = r.tend_pid()
    r.child_pid(comm="sleep")
    wait_for(lambda: (proc_stat(tp) or {}).get("state") == "S", what="tend to go idle")

    def vcsw():
        return int(proc_status(tp)["voluntary_ctxt_switches"])

    before = vcsw()
    time.sleep(3)  # counting events over a window, not waiting for a condition
    after = vcsw()
    assert after - before == 0, "tend woke up %d times in 3 s while idle" % (after - before)
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


def test_broken_stderr_no_spin_no_hang(procs, tend):
    # Like `tend -v -- sh -c 'sleep 1; exit 3' 2>&1 | head -c 1`
    printed, exited, cpu, rc = run_with_broken_stderr(procs, [tend, "-v", "--", "sh", "-c", "sleep 1; exit 3"])
    assert printed, "tend -v printed nothing"
    assert exited, "tend hung with a broken stderr (cpu %.2f s)" % cpu
    assert cpu < 0.5, "tend burnt %.2f s of CPU with a broken stderr" % cpu
    assert rc == 3
