"""The keeper (src/keeper.c, and tend's side of it in src/service.c): tend's own deadline
over a keeper, grandchildren of a killed keeper, the re-exec handshake, what the keeper
sees of the service's settings, and the 'waiting for' notices of a slow stop."""
import os
import re
import signal
import subprocess

from conftest import children, descendants, proc_stat, wait_for
from supervise_util import ident, read_lines, same_process_alive, sup  # noqa: F401

LDSO = "/lib64/ld-linux-x86-64.so.2"


def tree_idents(t, root):
    """(pid, starttime) of root and everything below it."""
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(ident(p))
        todo += children(p)
    return out


def environ(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return f.read().split(b"\0")


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().split(b"\0")[:-1]


def test_stopped_keeper_is_killed_at_tends_own_deadline(sup, tmp_path):
    # A SIGSTOPped keeper never answers the stop request; tend kills it and its tree
    # after stopwaitsecs plus its margin instead of waiting forever.
    t = sup.start("""
        [program:frozen]
        command=sleep 1000
        startsecs=0
        stopwaitsecs=1
    """)
    t.wait_event(r"^\[tend\] frozen: STARTING -> RUNNING")
    k = t.keeper("frozen")
    main = ident(t.main_pid("frozen", comm="sleep"))
    os.kill(k, signal.SIGSTOP)
    wait_for(lambda: (proc_stat(k) or {}).get("state") == "T", 5, what="the keeper to stop")
    t.kill(signal.SIGTERM)
    assert t.wait(timeout=20) == 0
    assert re.search(r"frozen: keeper \d+ has not finished 2 s after stopwaitsecs; killing it", t.err.text()), \
        t.err.text()
    assert not same_process_alive(main)
    assert "[tend] frozen: STOPPING -> STOPPED" in t.err.text()


def test_killed_keeper_grandchild_ignoring_term_is_stopped_before_restart(sup, tmp_path):
    # The case: the TERM-ignoring grandchild is re-parented to tend only after
    # the snapshot of the keeper's children; it must still be SIGKILLed and reaped before
    # the restart.
    starts = tmp_path / "starts"
    t = sup.start("""
        [program:deep]
        command=sh -c 'echo $$ >> %s; (trap "" TERM; exec sleep 1001) & exec sleep 1002'
        startsecs=0
        stopwaitsecs=1
        autorestart=true
    """ % starts)
    t.wait_event(r"^\[tend\] deep: STARTING -> RUNNING")
    k = t.keeper("deep")
    main = t.main_pid("deep", comm="sleep")

    def leaf():
        for c in children(main) + children(k):
            st = proc_stat(c)
            if st and st["comm"] == "sleep" and c != main:
                return c
        return None
    lf = wait_for(leaf, 10, what="the TERM-ignoring sleep 1001")
    old = tree_idents(t, k)
    os.kill(k, signal.SIGKILL)
    wait_for(lambda: len(read_lines(starts)) >= 2 or t.run.p.poll() is not None, 20,
             what=lambda: "the restart; events:\n" + "\n".join(t.events()))
    for p in old:
        assert not same_process_alive(p), ("a process of the old run survived the restart", p, t.events())
    assert ident(lf) not in [ident(c) for c in t.tree()]
    ev = t.events()
    assert "[tend] deep: RUNNING -> EXITED: keeper died (terminated by SIGKILL); not expected" in ev, ev
    assert t.stop() == 0


def test_keeper_reexec_through_ldso_falls_back_to_fork(sup, procs, tmp_path):
    # Started through the dynamic loader, /proc/self/exe is ld.so: the exec'd image is not
    # a keeper. The handshake notices, and services run under forked keepers.
    assert os.path.exists(LDSO)
    conf = tmp_path / "ld.conf"
    conf.write_text("[program:a]\ncommand=sleep 1000\nstartsecs=0\nstartretries=0\n")
    r = procs.start([LDSO, sup.tend, "-c", str(conf)], pid1=True, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    from supervise_util import Tend
    t = Tend(r, str(conf))
    t.wait_event(r"^\[tend\] a: STARTING -> RUNNING", timeout=20)
    assert "using forked keepers from now on" in t.err.text(), t.err.text()
    assert "FATAL" not in t.err.text()
    k = t.keeper("a")
    assert cmdline(k)[0] != b"tend-keeper"
    assert t.stop() == 0


def test_keeper_gets_neither_the_services_environment_nor_its_settings_in_argv(sup, tmp_path):
    t = sup.start("""
        [program:envy]
        command=sleep 1000
        startsecs=0
        environment=ONLY_FOR_THE_SERVICE="yes",LD_LIBRARY_PATH="/nonexistent"
        stopsignal=INT
        user=root
    """)
    t.wait_event(r"^\[tend\] envy: STARTING -> RUNNING")
    k = t.keeper("envy")
    main = t.main_pid("envy", comm="sleep")
    assert b"ONLY_FOR_THE_SERVICE=yes" in environ(main)
    assert b"LD_LIBRARY_PATH=/nonexistent" in environ(main)
    assert not [e for e in environ(k) if e.startswith((b"ONLY_FOR_THE_SERVICE=", b"LD_LIBRARY_PATH=/nonexistent",
                                                        b"SUPERVISOR_"))], environ(k)
    assert cmdline(k) == [b"tend-keeper", b"--keeper", b"envy"], cmdline(k)
    assert t.stop() == 0


def test_internal_keeper_entry_refuses_to_run_without_its_record(sup, procs):
    rc, out, err = procs.run([sup.tend, "--keeper", "x"])
    assert rc == 2 and "internal to tend" in err, (rc, err)


def test_slow_stop_says_what_it_waits_for(sup, tmp_path):
    # A leftover that ignores the stop signal: without -v tend says, after a second,
    # which processes it waits for and when they get SIGKILL.
    t = sup.start("""
        [program:stubborn]
        command=sh -c '(trap "" TERM; exec sleep 1001) & exec sleep 1002'
        startsecs=0
        stopwaitsecs=3
    """)
    t.wait_event(r"^\[tend\] stubborn: STARTING -> RUNNING")
    k = t.keeper("stubborn")
    wait_for(lambda: len([c for c in descendants(k) if (proc_stat(c) or {}).get("comm") == "sleep"]) >= 2, 10,
             what="both sleeps")
    t.kill(signal.SIGTERM)
    t.wait_event(r"^\[tend\] stubborn: waiting for \d+ \(sleep\) to exit; SIGKILL in [12] s$")
    t.wait_event(r"^\[tend\] stubborn: stopwaitsecs \(3 s\) passed: SIGKILL to 1 processes$", timeout=10)
    assert t.wait() == 0
    assert "[tend] stubborn: STOPPING -> STOPPED: terminated by SIGTERM" in t.events()


def test_verbose_stop_lists_processes_at_once(sup, tmp_path):
    t = sup.start("""
        [program:quick]
        command=sleep 1000
        startsecs=0
    """, args=["-v"])
    t.wait_event(r"^\[tend\] quick: STARTING -> RUNNING")
    # startsecs=0: RUNNING may come before the forked child has exec'd sleep
    t.main_pid("quick", comm="sleep")
    t.kill(signal.SIGTERM)
    assert t.wait() == 0
    assert re.search(r"^\[tend\] quick: waiting for \d+ \(sleep\) to exit; SIGKILL in 10 s$", t.err.text(), re.M), \
        t.err.text()
