"""Containment: everything a service leaves behind (double-forked, setsid'ed) is
stopped and reaped before the service is restarted or reported stopped.

The daemonizer helper binds a port without SO_REUSEADDR and hands the listening
socket to a setsid'ed grandchild, so any leftover makes the restart fail with
EADDRINUSE."""
import os
import re
import signal

import pytest

from conftest import ASAN, alive, children, descendants, proc_stat, proc_status, wait_for
from supervise_util import free_port, helper, ident, ping, same_process_alive, starttime, sup  # noqa: F401


def daemon_conf(port, extra="", opts=""):
    return """
        [supervisord]
        [program:daemon]
        command=%s %s %d
        autorestart=true
        %s
    """ % (helper("daemonizer"), opts, port, extra)


def daemon_tree(t):
    """(keeper, main, [leftovers]) host pids of the running daemon service, once the
    grandchild serves."""
    t.wait_count(r"^daemon \| READY \d+$", n=t.spawns("daemon"), stream="out")
    k = t.keeper("daemon")
    main = t.main_pid("daemon", comm="daemonizer")

    def grand():
        return [c for c in children(k) if c != main and (proc_stat(c) or {}).get("state") not in (None, "Z")]
    g = wait_for(grand, 10, what="the daemon grandchild to be re-parented to the keeper")
    return k, main, g


def assert_no_bind_error(t):
    both = t.out.text() + t.err.text()
    assert "Address already in use" not in both, both


def test_tree_shape(sup, tmp_path):
    port = free_port()
    t = sup.start(daemon_conf(port))
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING")
    k, main, g = daemon_tree(t)
    ks, ms, gs = proc_stat(k), proc_stat(main), proc_stat(g[0])
    assert ks["comm"] == "keep:daemon" and ks["ppid"] == t.pid, ks
    assert ms["ppid"] == k and ms["session"] == main, ("main runs in its own session", ms)
    assert gs["ppid"] == k, ("orphans are adopted by the keeper (child subreaper)", gs)
    assert gs["session"] not in (main, ks["session"]), gs
    assert ping(port).startswith("pong "), "daemon serves"
    assert t.stop() == 0


def kill_and_check_restart(t, port, victim, old_tree, extra_ok=()):
    before = t.spawns("daemon")
    running_before = t.count(r"^\[tend\] daemon: STARTING -> RUNNING")
    os.kill(victim, signal.SIGKILL)
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING", n=running_before + 1, timeout=20)
    ev = t.events()
    assert t.spawns("daemon") == before + 1, ("exactly one new spawn after the kill", ev)
    assert not [l for l in ev if "BACKOFF" in l or "FATAL" in l], ev
    assert_no_bind_error(t)
    for p in old_tree:
        assert not same_process_alive(p), ("process of the old tree left", p, ev)
    k, main, g = daemon_tree(t)
    assert not set((k, main) + tuple(g)) & set(p for p, _ in old_tree)
    pong = ping(port)
    assert pong and pong.startswith("pong "), pong
    return k, main, g


@pytest.mark.parametrize("keeper", ["exec", "fork-only"])
def test_killed_main_leftover_stopped_before_restart(sup, tmp_path, keeper):
    # keeper=exec: the keeper re-execs tend (a fresh small image); fork-only: the
    # fallback when /proc/self/exe cannot be exec'd, forced by TEND_KEEPER_FORK_ONLY.
    port = free_port()
    env = dict(os.environ, TEND_KEEPER_FORK_ONLY="1") if keeper == "fork-only" else None
    t = sup.start(daemon_conf(port, opts="-t %s" % tmp_path), env=env)
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING")
    k, main, g = daemon_tree(t)
    with open("/proc/%d/cmdline" % k, "rb") as f:
        argv0 = f.read().split(b"\0")[0]
    assert (argv0 == b"tend-keeper") == (keeper == "exec"), argv0
    old = [ident(main)] + [ident(x) for x in g]
    kill_and_check_restart(t, port, main, old)
    ev = t.events()
    i_exit = ev.index("[tend] daemon: RUNNING -> EXITED: terminated by SIGKILL; not expected")
    i_start = ev.index("[tend] daemon: EXITED -> STARTING")
    assert i_exit < i_start, ev
    # the leftover got the stopsignal (SIGTERM), it was not just killed
    terms = [f for f in os.listdir(str(tmp_path)) if f.startswith("term.")]
    assert len(terms) == 1, terms
    # and again: repeated crashes never leak
    k2, main2, g2 = daemon_tree(t)
    kill_and_check_restart(t, port, main2, [ident(main2)] + [ident(x) for x in g2])
    assert t.stop() == 0


def test_leftover_ignoring_term_is_killed_after_stopwaitsecs(sup, tmp_path):
    port = free_port()
    t = sup.start(daemon_conf(port, extra="stopwaitsecs=1", opts="-i"))
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING")
    k, main, g = daemon_tree(t)
    kill_and_check_restart(t, port, main, [ident(main)] + [ident(x) for x in g])
    assert t.stop() == 0


def test_main_exiting_by_itself_leftovers_stopped(sup, tmp_path):
    # Classic "daemonize and exit 0": the service exits from RUNNING, its leftover
    # (holding the port) is stopped before the restart.
    port = free_port()
    t = sup.start("""
        [supervisord]
        [program:daemon]
        command=sh -c '%s %d & sleep 1.2; kill $!; exit 0'
        autorestart=true
    """ % (helper("daemonizer"), port))
    t.wait_event(r"^\[tend\] daemon: EXITED -> STARTING", n=2, timeout=20)
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING", n=3, timeout=20)
    assert_no_bind_error(t)
    assert t.count(r"^\[tend\] daemon: RUNNING -> EXITED: exit status 0; expected$") >= 2
    assert not [l for l in t.events() if "BACKOFF" in l], t.events()
    assert t.stop() == 0


def test_killed_keeper_strays_stopped_before_restart(sup, tmp_path):
    port = free_port()
    t = sup.start(daemon_conf(port, opts="-t %s" % tmp_path))
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING")
    k, main, g = daemon_tree(t)
    old = [ident(k), ident(main)] + [ident(x) for x in g]
    kill_and_check_restart(t, port, k, old)
    assert re.search(r"daemon: keeper \d+ died", t.err.text()), t.err.text()
    assert len([f for f in os.listdir(str(tmp_path)) if f.startswith("term.")]) == 1, \
        "the stray daemon gets the stopsignal"
    assert t.stop() == 0


def test_stop_reaches_leftovers(sup, tmp_path):
    # At shutdown the daemon grandchild gets the stopsignal too, and the service is
    # STOPPED only after it is gone.
    port = free_port()
    t = sup.start(daemon_conf(port, opts="-t %s" % tmp_path))
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING")
    k, main, g = daemon_tree(t)
    assert t.stop() == 0
    assert len([f for f in os.listdir(str(tmp_path)) if f.startswith("term.")]) == 1
    assert "[tend] daemon: STOPPING -> STOPPED: terminated by SIGTERM" in t.events()


def test_containment_false_leaves_leftovers(sup, tmp_path):
    port = free_port()
    t = sup.start(daemon_conf(port, extra="containment=false\nstartretries=0"))
    t.wait_event(r"^\[tend\] daemon: STARTING -> RUNNING")
    t.wait_count(r"^daemon \| READY \d+$", stream="out")
    main = t.main_pid("daemon", comm="daemonizer")
    # without containment the keeper is no subreaper: the grandchild goes to tend
    g = wait_for(lambda: [c for c in children(t.pid) if (proc_stat(c) or {}).get("comm") == "daemonizer"],
                 10, what="the daemon grandchild re-parented to tend")
    gid = ident(g[0])
    os.kill(main, signal.SIGKILL)
    t.wait_event(r"^\[tend\] daemon: BACKOFF -> FATAL", timeout=20)
    assert same_process_alive(gid), "containment=false: the leftover is not stopped"
    assert "Address already in use" in t.err.text(), t.err.text()
    nspid = int(proc_status(g[0])["NSpid"].split()[-1])
    assert ping(port) == "pong %d\n" % nspid, "the old daemon still serves"
    assert t.stop() == 0


def test_many_services_all_contained(sup, tmp_path):
    # Several services, each with a daemon; kill every main at once; all restart on
    # the first try.
    ports = [free_port() for _ in range(4)]
    conf = "[supervisord]\n"
    for i, p in enumerate(ports):
        conf += "[program:d%d]\ncommand=%s %d\nautorestart=true\n" % (i, helper("daemonizer"), p)
    t = sup.start(conf)
    mains = []
    for i in range(4):
        t.wait_event(r"^\[tend\] d%d: STARTING -> RUNNING" % i)
        t.wait_count(r"^d%d \| SERVING" % i, stream="out")
        mains.append(t.main_pid("d%d" % i, comm="daemonizer"))
    for m in mains:
        os.kill(m, signal.SIGKILL)
    for i in range(4):
        t.wait_event(r"^\[tend\] d%d: STARTING -> RUNNING" % i, n=2, timeout=20)
        assert t.spawns("d%d" % i) == 2, t.events()
    assert_no_bind_error(t)
    for p in ports:
        assert (ping(p) or "").startswith("pong "), p
    assert t.stop() == 0
    assert not alive(t.pid)


def test_killed_keeper_single_process(sup, tmp_path):
    # A keeper SIGKILLed under a plain service: tend adopts the main process, stops it
    # with the stopsignal and only then restarts the service.
    t = sup.start("[supervisord]\n[program:plain]\ncommand=%s\nautorestart=true\n"
                  % sup.svc_cmd("slowterm", "plain", tmp_path, 0))
    t.wait_event(r"^\[tend\] plain: STARTING -> RUNNING")
    k = t.keeper("plain")
    main = t.main_pid("plain")
    old = [ident(k), ident(main)]
    os.kill(k, signal.SIGKILL)
    t.wait_event(r"^\[tend\] plain: STARTING -> RUNNING", n=2, timeout=20)
    assert t.spawns("plain") == 2, t.events()
    for p in old:
        assert not same_process_alive(p), p
    assert len(open(str(tmp_path / "plain.done")).read().splitlines()) == 1, "old main got the stopsignal"
    ev = t.events()
    i_died = [i for i, l in enumerate(ev) if re.search(r"plain: keeper \d+ died", l)]
    i_starts = [i for i, l in enumerate(ev) if re.match(r"\[tend\] plain: \w+ -> STARTING", l)]
    assert len(i_died) == 1 and i_died[0] < i_starts[1], ev
    assert t.stop() == 0


TREE_SH = """\
# three levels below the keeper: main (sleep 1001) -> sleep 1002 -> sleep 1003, which ignores SIGTERM
sh -c '(trap "" TERM; exec sleep 1003) & exec sleep 1002' &
exec sleep 1001
"""


def age(pid):
    """Seconds since pid started."""
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    return up - starttime(pid) / os.sysconf("SC_CLK_TCK")


def test_keeper_killed_200_times_nothing_of_the_old_run_survives(sup, tmp_path):
    script = tmp_path / "tree.sh"
    script.write_text(TREE_SH)
    t = sup.start("""
        [program:tree]
        command=sh %s
        startsecs=0
        stopwaitsecs=1
        autorestart=true
    """ % script)
    leaf_cmd = b"sleep\x001003\x00"

    def full_tree():
        k = t.keeper("tree")
        below = descendants(k)
        cmds = []
        for p in below:
            try:
                with open("/proc/%d/cmdline" % p, "rb") as f:
                    cmds.append(f.read())
            except OSError:
                return None
        if leaf_cmd in cmds and len(below) >= 3:
            return k, below
        return None

    # Each run is let live past tend's crash-loop delay (a run under 1 s delays the next
    # start, doubling): these kills are not a crash loop. The ASan build does fewer rounds.
    kills = int(os.environ.get("TEND_KILLS", "25" if ASAN else "200"))
    for i in range(kills):
        t.wait_event(r"^\[tend\] tree: \w+ -> RUNNING", n=i + 1, timeout=20)
        k, below = wait_for(full_tree, 10, what="the three-level tree of run %d" % (i + 1))
        wait_for(lambda: age(k) >= 1.05, 10, what="run %d to last a second" % (i + 1))
        old = [ident(p) for p in [k] + below]
        os.kill(k, signal.SIGKILL)
        t.wait_event(r"^\[tend\] tree: \w+ -> RUNNING", n=i + 2, timeout=20)
        # restarted: every process of the old run is gone, not even a zombie is left
        left = [p for p in old if starttime(p[0]) == p[1]]
        assert not left, ("run %d: old processes still there at the restart" % (i + 1), left, t.events()[-12:])
    ev = t.events()
    assert t.count(r"^\[tend\] tree: keeper \d+ died") == i + 1, ev[-10:]
    assert not [l for l in ev if "BACKOFF" in l or "FATAL" in l], ev
    assert t.stop() == 0
