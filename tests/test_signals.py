"""tend exec mode: signal forwarding, group mode, rewriting, parent-death
signal, and signals arriving during start-up."""
import concurrent.futures
import os
import platform
import random
import resource
import signal
import subprocess
import time

import pytest

from conftest import (ASAN, SLOW, children, proc_stat, proc_status, ready_info, send_and_expect,
                      sig_lines, wait_for, wait_ready)

PID1 = pytest.mark.parametrize("pid1", [False, True], ids=["child", "pid1"])

SIGRTMIN = signal.SIGRTMIN
SIGRTMAX = signal.SIGRTMAX
FAULT = [signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGABRT,
         signal.SIGTRAP, signal.SIGSYS]
# Every catchable standard signal except CHLD (the fault signals too: sent with kill(),
# they are forwarded like any other), then all real-time signals.
STANDARD = [s for s in range(1, 32) if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)]
REALTIME = list(range(SIGRTMIN, SIGRTMAX + 1))


@PID1
def test_every_signal_forwarded_once_in_order(procs, tend, helpers, pid1, tmp_path):
    log = str(tmp_path / "log")
    r = procs.start([tend, "--", helpers["sigprint"], log], pid1=pid1)
    wait_ready(log)
    sent = []
    for s in STANDARD + REALTIME:
        send_and_expect(r, log, s)
        sent.append(s)
    assert sig_lines(log) == sent
    # Ending: the child is killed; tend reports 128+9.
    os.kill(r.child_pid(), signal.SIGKILL)
    assert r.wait() == 137


@PID1
def test_signal_kills_child_gives_128_plus_n(procs, tend, pid1):
    r = procs.start([tend, "--", "sleep", "100"], pid1=pid1)
    r.child_pid(comm="sleep")
    r.kill(signal.SIGTERM)
    assert r.wait() == 143
    r = procs.start([tend, "--", "sleep", "100"], pid1=pid1)
    r.child_pid(comm="sleep")
    r.kill(signal.SIGHUP)
    assert r.wait() == 129


def _two_printers(procs, tend, helpers, tmp_path, opts, pid1=False, env=None):
    """sh -c 'sigprint BG & exec sigprint MAIN': two processes in the child's
    process group; both die on SIGTERM."""
    bg, main = str(tmp_path / "bg"), str(tmp_path / "main")
    script = '"$0" "$1" 15 & exec "$0" "$2" 15'
    r = procs.start([tend] + opts + ["--", "sh", "-c", script, helpers["sigprint"], bg, main],
                    pid1=pid1, env=env)
    b = wait_ready(bg)
    m = wait_ready(main)
    return r, bg, main, b, m


@PID1
def test_group_mode_signals_whole_group(procs, tend, helpers, pid1, tmp_path):
    r, bg, main, b, m = _two_printers(procs, tend, helpers, tmp_path, ["-g"], pid1=pid1)
    assert b[1] == m[1] == m[0], "both printers must be in the child's process group"
    for s in (signal.SIGUSR1, signal.SIGHUP, signal.SIGINT, SIGRTMIN + 5):
        send_and_expect(r, main, s)
        wait_for(lambda: s in sig_lines(bg), what="signal %d at the background printer" % s)
    r.kill(signal.SIGTERM)
    assert r.wait() == 143
    assert sig_lines(bg)[-1] == 15


@PID1
def test_without_g_only_the_child_is_signalled(procs, tend, helpers, pid1, tmp_path):
    r, bg, main, b, m = _two_printers(procs, tend, helpers, tmp_path, [], pid1=pid1)
    send_and_expect(r, main, signal.SIGUSR1)
    send_and_expect(r, main, signal.SIGHUP)
    send_and_expect(r, main, SIGRTMIN + 1)
    assert sig_lines(bg) == [], "without -g the background printer must not be signalled"
    # TERM kills the main child; the leftover then gets TERM from tend.
    r.kill(signal.SIGTERM)
    assert r.wait() == 143
    assert sig_lines(bg) == [15]


@PID1
def test_rewrite(procs, tend, helpers, pid1, tmp_path):
    log = str(tmp_path / "log")
    r = procs.start([tend, "-r", "TERM:USR1", "-r", "2:0", "-r", "SIGHUP:SIGUSR2",
                     "-r", "RTMIN+2:28", "-r", "USR1:RTMIN+4",
                     "--", helpers["sigprint"], log, "3"], pid1=pid1)
    wait_ready(log)
    send_and_expect(r, log, signal.SIGTERM, signal.SIGUSR1)
    r.kill(signal.SIGINT)  # dropped
    send_and_expect(r, log, signal.SIGHUP, signal.SIGUSR2)
    send_and_expect(r, log, SIGRTMIN + 2, signal.SIGWINCH)
    send_and_expect(r, log, signal.SIGUSR1, SIGRTMIN + 4)
    send_and_expect(r, log, signal.SIGWINCH)  # unmapped
    send_and_expect(r, log, SIGRTMIN + 7)
    assert signal.SIGINT not in sig_lines(log)
    assert signal.SIGTERM not in sig_lines(log)
    r.kill(signal.SIGQUIT)
    assert r.wait() == 128 + signal.SIGQUIT


def test_pdeathsig_forwarded(procs, tend, helpers, tmp_path):
    """tend -p SIGUSR1 (not PID 1) under an intermediate parent that gets
    SIGKILLed: tend receives USR1 and forwards it to its child."""
    log = str(tmp_path / "log")
    r = procs.start(["sh", "-c", '"$0" -p SIGUSR1 -- "$1" "$2" 15 & wait',
                     tend, helpers["sigprint"], log])
    wait_ready(log)
    tend_pid = wait_for(lambda: children(r.pid), what="tend under sh")[0]
    assert proc_stat(tend_pid)["ppid"] == r.pid
    os.kill(r.pid, signal.SIGKILL)
    lines = wait_for(lambda: sig_lines(log), what="USR1 from the parent-death signal")
    assert lines == [signal.SIGUSR1]
    # tend was re-parented to us (the test runner is a subreaper).
    wait_for(lambda: (proc_stat(tend_pid) or {}).get("ppid") == os.getpid(),
             what="tend re-parented to the test runner")
    os.kill(tend_pid, signal.SIGTERM)
    deadline = time.monotonic() + 10 * SLOW
    while True:
        pid, status = os.waitpid(tend_pid, os.WNOHANG)
        if pid:
            break
        assert time.monotonic() < deadline, "tend did not exit after SIGTERM"
        time.sleep(0.01)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 143
    assert sig_lines(log) == [signal.SIGUSR1, signal.SIGTERM]


def test_pdeathsig_default_not_set_when_not_asked(procs, tend, helpers, tmp_path):
    """Without -p, the parent's death is not turned into a signal for the child."""
    log = str(tmp_path / "log")
    r = procs.start(["sh", "-c", '"$0" -- "$1" "$2" 15 & wait', tend, helpers["sigprint"], log])
    wait_ready(log)
    tend_pid = wait_for(lambda: children(r.pid), what="tend under sh")[0]
    os.kill(r.pid, signal.SIGKILL)
    wait_for(lambda: (proc_stat(tend_pid) or {}).get("ppid") == os.getpid(),
             what="tend re-parented to the test runner")
    os.kill(tend_pid, signal.SIGHUP)
    wait_for(lambda: sig_lines(log), what="HUP")
    assert sig_lines(log) == [signal.SIGHUP]
    os.kill(tend_pid, signal.SIGTERM)
    deadline = time.monotonic() + 10 * SLOW
    while os.waitpid(tend_pid, os.WNOHANG)[0] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def main_started(pid, exe, timeout=5.0):
    """Wait until the freshly started process `pid` has exec'd `exe` and runs
    its main(): tend blocks signals as the first thing in main(), so SigBlk
    becomes non-zero. A signal sent before that (while the dynamic loader or
    sanitizer runtime still initialise) gets the default action, which no
    program can prevent. (Popen may return before the exec when other threads
    fork concurrently.)"""
    exe = os.path.realpath(exe)
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        st = proc_status(pid)
        if not st or st.get("State", "").startswith("Z"):
            return "gone"
        try:
            cur = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            cur = None
        if cur == exe and int(st.get("SigBlk", "0"), 16):
            return "%s blk=%s" % (st.get("Name"), st.get("SigBlk"))
        time.sleep(0.0001)
    return "timeout"


def startup_race(procs, argv, runs=200, workers=4):
    """Start argv `runs` times, each sent SIGTERM 1-3 ms after launch (but not
    before its main() started); return a list of failures (empty = every run
    exited 143 promptly)."""
    failures = []

    def one(i):
        delay = 0.001 + (i % 21) * 0.0001  # 1.0 .. 3.0 ms
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            gate = main_started(p.pid, argv[0])
            left = t0 + delay - time.monotonic()
            if left > 0:
                time.sleep(left)
            os.kill(p.pid, signal.SIGTERM)
            try:
                _, err = p.communicate(timeout=4 * SLOW)
            except subprocess.TimeoutExpired:
                return "run %d (delay %.1f ms): still running 4 s after SIGTERM (signal lost)" % (i, delay * 1000)
            if p.returncode != 143:
                return "run %d (delay %.1f ms): exit %s, stderr %r (%s)" % (i, delay * 1000, p.returncode, err[-300:], gate)
            return None
        finally:
            if p.poll() is None:
                for c in [p.pid] + children(p.pid):
                    try:
                        os.kill(c, signal.SIGKILL)
                    except OSError:
                        pass
                p.wait(5)
            if p.stderr:
                p.stderr.close()

    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        for res in ex.map(one, range(runs)):
            if res:
                failures.append(res)
    return failures


def test_startup_signal_race(procs, tend):
    failures = startup_race(procs, [tend, "--", "sleep", "5"])
    assert not failures, "%d of 200 runs failed:\n%s" % (len(failures), "\n".join(failures[:20]))


def test_signal_to_tend_before_child_exec_is_not_lost(procs, tend, tmp_path):
    """A signal that arrives while the child is still being set up is delivered
    once the child exists (SIGUSR1 caught by the child's own trap)."""
    out = tmp_path / "out"
    script = 'trap "echo usr1 >> %s; exit 42" USR1; while :; do sleep 0.01; done' % out
    for i in range(20):
        r = procs.start([tend, "--", "sh", "-c", script])
        main_started(r.pid, tend)
        time.sleep(0.0005 * (i % 4))
        r.kill(signal.SIGUSR1)
        rc = r.wait()
        # Either the child had set its trap (42) or it was killed by USR1 before (138);
        # never lost, never tend itself dying.
        assert rc in (42, 138), "run %d: exit %s" % (i, rc)


# ----------------------------------------------------------------------------
# fault signals: forwarded when sent, fatal when real


@PID1
def test_fault_signals_sent_with_kill_are_forwarded(procs, tend, helpers, pid1, tmp_path):
    """kill -SEGV (BUS, FPE, ILL, ABRT, TRAP, SYS) is an ordinary message to pass on,
    as dumb-init does; it used to kill tend (or be ignored as PID 1)."""
    log = str(tmp_path / "log")
    r = procs.start([tend, "--", helpers["sigprint"], log, "15"], pid1=pid1)
    wait_ready(log)
    for s in FAULT:
        send_and_expect(r, log, s)
    r.kill(signal.SIGTERM)
    assert r.wait() == 143


def _no_core():
    os.setsid()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _epoll_pc(pid):
    """tend's user-space pc while it sleeps in the kernel (/proc/PID/syscall: nr, 6 args, sp, pc)."""
    def sleeping():
        try:
            with open("/proc/%d/syscall" % pid) as f:
                fields = f.read().split()
        except OSError:
            return None
        st = proc_stat(pid)
        return fields if st and st["state"] == "S" and len(fields) == 9 else None
    return int(wait_for(sleeping, what="tend asleep in its loop")[-1], 16)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the injected instruction is x86-64")
def test_real_fault_in_tend_still_kills_it(procs, tend, helpers, tmp_path):
    """Blocking the fault signals must not swallow a real fault. Without a test hook
    in tend: the instruction tend returns to from epoll_wait is overwritten (through
    /proc/PID/mem, as a debugger would) with a load from address 0; a signal wakes tend
    up, and the kernel's SIGSEGV must kill it although SIGSEGV is blocked and read from
    the signalfd. The child must not be sent the SIGSEGV."""
    log = str(tmp_path / "log")
    r = procs.start([tend, "--", helpers["sigprint"], log], preexec_fn=_no_core)
    wait_ready(log)
    pc = _epoll_pc(r.pid)
    try:
        with open("/proc/%d/mem" % r.pid, "r+b", buffering=0) as mem:
            mem.seek(pc)
            mem.write(b"\x8b\x04\x25\x00\x00\x00\x00")  # mov eax, [0]
    except OSError as e:
        pytest.skip("cannot write tend's memory: %s" % e)
    r.kill(signal.SIGUSR1)
    assert r.wait() == -signal.SIGSEGV, "tend survived a real SIGSEGV"
    assert signal.SIGSEGV not in sig_lines(log)
