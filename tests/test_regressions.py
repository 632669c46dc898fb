"""Regression tests for bugs found in review (each fails against the code before the
fix and passes after it):

1. log.c: a paused log source was re-drained from inside its own emit when the sink
   emptied (nested emit_lines: duplicated lines or a crash).
2. reload: logs_close() left file_fd set, so a later reload closed an fd number
   reused by another service's pipe.
3. a keeper SIGKILLed while its service was STARTING: the stray SIGKILL timer was
   cancelled, strays ignoring TERM were never killed, shutdown never finished.
4. a keeper SIGKILLed after the main process exited (leftovers being cleaned up):
   the service restarted while the old run's processes were still alive.
5. reload: a service removed while STOPPING and re-added by the next reload was
   dropped for good.
6. keeper: stopasgroup with a stop request arriving before the service's setsid()
   lost the stop signal (kill(-pid) ESRCH): SIGKILL after stopwaitsecs.
"""
import fcntl
import os
import re
import signal
import subprocess
import termios


from conftest import TEND, alive, check_sanitizer, children, proc_stat, wait_for
from supervise_util import Stream, Tend, ident, read_lines, same_process_alive, sup, write_conf  # noqa: F401


def proc_state(pid):
    st = proc_stat(pid)
    return st["state"] if st else None


def child_with_comm(pid, comm):
    for c in children(pid):
        st = proc_stat(c)
        if st and st["comm"] == comm:
            return c
    return None


def fionread(fd):
    buf = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int.from_bytes(buf, "little")


def set_nonblocking(fd, on):
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, (fl | os.O_NONBLOCK) if on else (fl & ~os.O_NONBLOCK))


def read_available(fd):
    """Everything that can be read from the non-blocking fd right now."""
    out = b""
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            return out
        if not data:
            return out
        out += data


def pipe_read_fd(pid, ino):
    """tend's fd number of the read end of pipe `ino` (tend also holds the write end)."""
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return None
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "pipe:[%d]" % ino:
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                flags = [l for l in f if l.startswith("flags:")][0].split()[1]
        except (OSError, IndexError):
            continue
        if int(flags, 8) & 3 == os.O_RDONLY:
            return int(fd)
    return None


def epoll_watched(pid):
    """The fd numbers in tend's epoll set (from /proc/PID/fdinfo of its eventpoll fd)."""
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:[eventpoll]":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                out |= {int(m.group(1)) for m in re.finditer(r"^tfd:\s+(\d+)", f.read(), re.M)}
        except OSError:
            continue
    return out


# ----------------------------------------------------------------------------
# 1. a paused source re-drained from inside its own emit

BIG_PY = r'''
import os, sys, time
d = sys.argv[1]
data = b"".join(b"L%06d %s\n" % (i, b"x" * (40 + i % 97)) for i in range(1, 1501))
view = memoryview(data)
while view:
    view = view[os.write(1, view):]
open(os.path.join(d, "written"), "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(os.path.join(d, "go")) and time.monotonic() < deadline:
    time.sleep(0.01)
'''


def big_expected():
    return ["big | L%06d %s" % (i, "x" * (40 + i % 97)) for i in range(1, 1501)]


def test_paused_source_not_redrained_inside_its_emit(procs, tmp_path):
    script = tmp_path / "big.py"
    script.write_text(BIG_PY)
    conf = write_conf(tmp_path / "tend.conf", """
        [supervisord]
        [program:big]
        command=/usr/bin/python3 %s %s
        startsecs=0
        autorestart=false
    """ % (script, tmp_path))
    # tend's stdout: a pipe we read by hand. Its stderr: a pipe we fill up first, so
    # tend's own event lines never empty the stderr sink (which would resume every
    # paused source from outside an emit); we read it only at the end.
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    fds = [out_r, out_w, err_r, err_w]
    try:
        set_nonblocking(err_w, True)
        for filler in (b"filler\n" * 512, b"\n"):  # to the last byte
            while True:
                try:
                    os.write(err_w, filler)
                except BlockingIOError:
                    break
        set_nonblocking(err_w, False)
        run = procs.start([TEND, "-c", conf], pid1=True, stdout=out_w, stderr=err_w)
        for fd in (out_w, err_w):
            os.close(fd)
            fds.remove(fd)
        set_nonblocking(out_r, True)
        tp = run.tend_pid()

        keeper = wait_for(lambda: child_with_comm(tp, "keep:big"), 10, what="keeper of big")
        wait_for(lambda: (tmp_path / "written").exists() or run.p.poll() is not None, 20,
                 what="the service to write its 150 KB")
        assert run.p.poll() is None
        main = wait_for(lambda: [c for c in children(keeper) if proc_state(c) not in (None, "Z")],
                        10, what="big's main process")[0]
        ino = int(re.match(r"pipe:\[(\d+)\]", os.readlink("/proc/%d/fd/1" % main)).group(1))
        src = wait_for(lambda: pipe_read_fd(tp, ino), 10, what="tend's read end of big's stdout")

        # tend's stdout is full: the sink is full and the source paused (unwatched)
        wait_for(lambda: src not in epoll_watched(tp), 20, what="big's log source to be paused")
        full = fionread(out_r)
        first = b""
        while len(first) < 8192:
            first += os.read(out_r, 8192 - len(first))
        # tend refills the pipe from its sink (partially: the sink stays non-empty,
        # so the source stays paused while its sink now has room); it may have done so
        # before we look, so compare with the level before our read
        wait_for(lambda: fionread(out_r) > full - 8192 and proc_state(tp) == "S", 20,
                 what="tend to write into the freed room and go idle")
        assert src not in epoll_watched(tp)

        os.kill(tp, signal.SIGSTOP)
        wait_for(lambda: proc_state(tp) == "T", 10, what="tend to stop")
        (tmp_path / "go").touch()
        wait_for(lambda: proc_state(keeper) == "Z", 20, what="the keeper to exit (service done)")
        # empty tend's stdout while it is stopped: when it resumes, the keeper's death
        # is handled first, with an empty pipe to write to
        first += read_available(out_r)
        os.kill(tp, signal.SIGCONT)
        wait_for(lambda: proc_state(keeper) is None or run.p.poll() is not None, 20,
                 what="tend to reap the keeper")

        set_nonblocking(out_r, False)
        out = Stream(os.fdopen(out_r, "rb", buffering=0, closefd=False))
        err = Stream(os.fdopen(err_r, "rb", buffering=0, closefd=False))
        expected = big_expected()
        want = ("\n".join(expected) + "\n").encode()

        def got():
            return len(first) + len(out.raw()) >= len(want) or run.p.poll() is not None
        wait_for(got, 30, what="all of big's output")
        crashed = run.p.poll()
        if crashed is None:
            os.kill(tp, signal.SIGTERM)
        rc = run.wait(15)
        out.join()
        err.join()
        events = [l for l in err.text().splitlines() if l not in ("filler", "")]
        check_sanitizer(err.raw())
        assert crashed is None, ("tend died while delivering the paused output", crashed, events[-20:])
        assert rc == 0, (rc, events[-20:])
        lines = (first + out.raw()).decode(errors="replace").split("\n")
        assert lines[-1] == "", "ends with a whole line"
        lines = lines[:-1]
        bad = [(i, l) for i, (l, e) in enumerate(zip(lines, expected)) if l != e]
        assert len(lines) == len(expected) and not bad, \
            ("every line exactly once, in order, whole", len(lines), len(expected), bad[:5])
    finally:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


# ----------------------------------------------------------------------------
# 2. reload closed another service's pipe (stale file_fd)


def test_reload_does_not_close_a_reused_fd(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    log = tmp_path / "a.log"

    def a(extra=""):
        return ("[program:a]\ncommand=sh -c 'echo hello-a'\nstdout_logfile=%s\nstartsecs=0\n"
                "autorestart=false\n%s" % (log, extra))
    b = ("[program:b]\ncommand=sh -c 'i=0; while :; do i=$((i+1)); echo b-tick $i >&2; sleep 0.05; done'\n"
         "startsecs=0\n")
    write_conf(conf, "[supervisord]\n" + a())
    t = sup.start(str(conf))
    t.wait_event(r"^\[tend\] a: RUNNING -> EXITED: exit status 0; expected$")
    wait_for(lambda: "hello-a" in read_lines(log), 10, what="a's line in its log file")

    # reload 1: a changed (its log pipes and file are closed), b added (reuses the fds)
    write_conf(conf, "[supervisord]\n" + a("autostart=false\n") + b)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] b: STARTING -> RUNNING")
    t.wait_count(r"^b +\| b-tick \d+$", n=5)
    bk, bmain = ident(t.keeper("b")), ident(t.main_pid("b", comm="sh"))

    # reload 2: a changed again: its (already closed) log file must not be closed again
    write_conf(conf, "[supervisord]\n" + a("autostart=false\nenvironment=X=\"2\"\n") + b)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] a: configuration changed", n=2)
    n = t.count(r"^b +\| b-tick \d+$")
    t.wait_count(r"^b +\| b-tick \d+$", n=n + 20)
    assert same_process_alive(bmain) and same_process_alive(bk), ("b keeps running", t.events())
    assert t.spawns("b") == 1, t.events()
    assert "Bad file descriptor" not in t.err.text(), t.events()
    assert t.stop() == 0
    assert "Bad file descriptor" not in t.err.text(), t.events()
    assert not [l for l in t.events() if re.match(r"^\[tend\] b: .*(BACKOFF|EXITED|FATAL)", l)], t.events()


# ----------------------------------------------------------------------------
# 3. keeper SIGKILLed while STARTING: strays still SIGKILLed after stopwaitsecs


def ignores_term(pid):
    st = proc_status_field(pid, "SigIgn")
    return st is not None and (int(st, 16) >> (signal.SIGTERM - 1)) & 1 == 1


def proc_status_field(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for l in f:
                if l.startswith(key + ":"):
                    return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def test_keeper_killed_while_starting_strays_killed(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:stub]
        command=sh -c 'trap "" TERM; while :; do sleep 1; done'
        startsecs=30
        stopwaitsecs=2
    """)
    t.wait_event(r"^\[tend\] stub: STOPPED -> STARTING")
    k = t.keeper("stub")
    main = ident(t.main_pid("stub", comm="sh"))
    wait_for(lambda: ignores_term(main[0]), 10, what="the service to ignore SIGTERM")
    os.kill(k, signal.SIGKILL)
    t.wait_event(r"^\[tend\] stub: keeper \d+ died")
    assert t.count(r"^\[tend\] stub: STARTING -> RUNNING") == 0, "still STARTING when its keeper died"
    wait_for(lambda: not same_process_alive(main), 12,
             what=lambda: "the stray (ignoring SIGTERM) to be SIGKILLed after stopwaitsecs; events:\n%s"
             % "\n".join(t.events()))
    assert t.stop() == 0


# ----------------------------------------------------------------------------
# 4. keeper SIGKILLed during the leftover clean-up: no restart before they are gone


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return None


def test_keeper_killed_during_leftover_cleanup_no_early_restart(sup, tmp_path):
    starts = tmp_path / "starts"
    t = sup.start("""
        [supervisord]
        [program:lo]
        command=sh -c 'echo start >> %s; (trap "" TERM; exec sleep 300) & sleep 1; exit 3'
        startsecs=0
        stopwaitsecs=3
        autorestart=true
    """ % starts)
    wait_for(lambda: len(read_lines(starts)) == 1, 10, what="the first run")
    k = t.keeper("lo")

    def leftover():
        for p in t.tree():
            if cmdline(p) == b"sleep\0" + b"300\0" and ignores_term(p):
                return p
        return None
    old = ident(wait_for(leftover, 10, what="the sleep 300 ignoring SIGTERM"))
    # the main process exited and tend knows; the keeper waits stopwaitsecs for the leftover
    t.wait_event(r"^\[tend\] lo: RUNNING -> EXITED: exit status 3; not expected$")
    assert same_process_alive(old) and alive(k), "kill the keeper during the leftover clean-up"
    os.kill(k, signal.SIGKILL)
    wait_for(lambda: len(read_lines(starts)) >= 2 or t.run.p.poll() is not None, 15,
             what=lambda: "the second run; events:\n%s" % "\n".join(t.events()))
    assert not same_process_alive(old), \
        ("the old run's leftover was still alive when the service restarted", t.events())
    assert t.stop() == 0


# ----------------------------------------------------------------------------
# 5. removed while STOPPING, re-added by the next reload: started again


def test_readded_while_stopping_is_started_again(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    x = "[program:x]\ncommand=%s\nstopwaitsecs=4\n" % sup.svc_cmd("ignoreterm", "x", tmp_path)
    other = "[program:other]\ncommand=sleep 1000\nstartsecs=0\n"
    write_conf(conf, "[supervisord]\n" + x + other)
    t = sup.start(str(conf))
    wait_for(lambda: len(read_lines(tmp_path / "x.ready")) == 1, 10, what="x ready")
    t.wait_event(r"^\[tend\] x: STARTING -> RUNNING")
    first = ident(t.main_pid("x"))

    write_conf(conf, "[supervisord]\n" + other)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] x: RUNNING -> STOPPING")
    write_conf(conf, "[supervisord]\n" + x + other)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] reloading ", n=2)
    assert t.count(r"^\[tend\] x: STOPPING -> STOPPED") == 0, "re-added while still STOPPING"
    t.wait_event(r"^\[tend\] x: STOPPING -> STOPPED", timeout=15)
    assert not same_process_alive(first)
    wait_for(lambda: len(read_lines(tmp_path / "x.ready")) >= 2, 10,
             what=lambda: "x to start again; events:\n%s" % "\n".join(t.events()))
    t.wait_event(r"^\[tend\] x: STARTING -> RUNNING", n=2)
    second = ident(t.main_pid("x"))
    assert second[0] != first[0] and same_process_alive(second)
    assert t.stop() == 0


# ----------------------------------------------------------------------------
# 6. stopasgroup: a stop before the service's setsid() is not lost


def test_stopasgroup_stop_right_after_spawn(sup, procs, tmp_path):
    """tend is stopped (SIGSTOP) while SIGHUP (adds `grp`) and SIGTERM are queued, so
    one loop turn spawns grp's keeper and sends it the stop request: the keeper reads
    it right after forking the service, typically before the child's setsid(). tend
    is pinned to one CPU so the keeper runs on after fork (the child waits). Repeated,
    as it is a race in principle."""
    cpu = min(os.sched_getaffinity(0))
    for i in range(8):
        conf = write_conf(tmp_path / ("tend%d.conf" % i), """
            [supervisord]
            [program:idle]
            command=sleep 1000
            startsecs=0
        """)

        def pre():
            os.sched_setaffinity(0, {cpu})
        r = procs.start([TEND, "-c", conf], pid1=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        preexec_fn=pre, start_new_session=True)
        t = Tend(r, conf)
        t.wait_event(r"^\[tend\] idle: STARTING -> RUNNING")
        write_conf(conf, """
            [supervisord]
            [program:idle]
            command=sleep 1000
            startsecs=0
            [program:grp]
            command=sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
            stopasgroup=true
            stopwaitsecs=5
        """)
        os.kill(t.pid, signal.SIGSTOP)
        wait_for(lambda: proc_state(t.pid) == "T", 10, what="tend to stop")
        os.kill(t.pid, signal.SIGHUP)
        os.kill(t.pid, signal.SIGTERM)
        os.kill(t.pid, signal.SIGCONT)
        assert t.wait(20) == 0, t.events()
        ev = t.events()
        stopped = [l for l in ev if re.match(r"^\[tend\] grp: \w+ -> STOPPED", l)]
        assert t.spawns("grp") == 1 and stopped, ev
        assert "SIGKILL" not in stopped[0], ("the stop signal was lost (iteration %d)" % i, ev)
