"""SIGHUP: re-read the config and apply the difference (added start, removed stop,
changed restart, unchanged keep running with the same pid); a broken config on
reload is logged and the running configuration is kept."""
import os
import signal

from conftest import wait_for
from supervise_util import ident, read_lines, same_process_alive, sup, write_conf  # noqa: F401


def prog(sup, tmp_path, name, extra=""):
    return "[program:%s]\ncommand=%s\n%s" % (name, sup.svc_cmd("slowterm", name, tmp_path, 0), extra)


def ready(tmp_path, name, n=1):
    wait_for(lambda: len(read_lines(tmp_path / (name + ".ready"))) >= n, 10,
             what="%s to be ready (%d)" % (name, n))


def test_sighup_applies_diff(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "keep") + prog(sup, tmp_path, "gone")
               + prog(sup, tmp_path, "change", "environment=X=\"1\"\n"))
    t = sup.start(str(conf))
    for n in ("keep", "gone", "change"):
        ready(tmp_path, n)
        t.wait_event(r"^\[tend\] %s: STARTING -> RUNNING" % n)
    keep = [ident(t.keeper("keep")), ident(t.main_pid("keep"))]
    gone = ident(t.main_pid("gone"))
    change = ident(t.main_pid("change"))

    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "keep")
               + prog(sup, tmp_path, "change", "environment=X=\"2\"\n") + prog(sup, tmp_path, "added"))
    t.kill(signal.SIGHUP)
    ready(tmp_path, "added")
    ready(tmp_path, "change", 2)
    t.wait_event(r"^\[tend\] gone: STOPPING -> STOPPED")
    t.wait_event(r"^\[tend\] change: STARTING -> RUNNING", n=2)
    t.wait_event(r"^\[tend\] added: STARTING -> RUNNING")
    assert not same_process_alive(gone)
    assert len(read_lines(tmp_path / "gone.done")) == 1, "removed service stopped with its stopsignal"
    assert not same_process_alive(change)
    assert len(read_lines(tmp_path / "change.done")) == 1
    new_change = t.main_pid("change")
    assert new_change != change[0]
    assert os.environ.get("X") is None
    with open("/proc/%d/environ" % new_change, "rb") as f:
        assert b"X=2" in f.read().split(b"\0"), "the changed service runs with the new settings"
    for p in keep:
        assert same_process_alive(p), "unchanged service keeps running (same keeper and pid)"
    assert len(read_lines(tmp_path / "keep.ready")) == 1
    assert not os.path.exists(tmp_path / "keep.term")
    ev = t.events()
    assert t.spawns("keep") == 1 and t.spawns("gone") == 1 and t.spawns("added") == 1, ev
    assert t.spawns("change") == 2, ev
    assert t.stop() == 0
    assert len(read_lines(tmp_path / "keep.done")) == 1


def test_sighup_broken_config_keeps_running(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    marker = tmp_path / "newprog-ran"
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "a") + prog(sup, tmp_path, "b"))
    t = sup.start(str(conf))
    for n in ("a", "b"):
        ready(tmp_path, n)
    before = [ident(t.main_pid("a")), ident(t.main_pid("b"))]
    # b removed, a new program, and an error on line 6
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "a")
               + "[program:new]\ncommand=touch %s\nautostart=perhaps\n" % marker)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] reload: %s:6: " % str(conf).replace(".", r"\."))
    for p in before:
        assert same_process_alive(p), "old configuration keeps running"
    assert not os.path.exists(marker)
    assert t.spawns("new") == 0
    assert t.run.p.poll() is None
    # fixed: the reload goes through
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "a")
               + "[program:new]\ncommand=sh -c 'touch %s; exec sleep 1000'\n" % marker)
    t.kill(signal.SIGHUP)
    wait_for(lambda: os.path.exists(marker), 10, what="new program after the fixed reload")
    t.wait_event(r"^\[tend\] b: STOPPING -> STOPPED")
    assert same_process_alive(before[0])
    assert not same_process_alive(before[1])
    assert t.stop() == 0


def test_sighup_unchanged_config_changes_nothing(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "a", "numprocs=1\n"))
    t = sup.start(str(conf))
    ready(tmp_path, "a")
    t.wait_event(r"^\[tend\] a: STARTING -> RUNNING")
    pid = ident(t.main_pid("a"))
    n_events = len(t.events())
    for i in range(3):  # one at a time: pending signals coalesce
        t.kill(signal.SIGHUP)
        t.wait_event(r"^\[tend\] reloading ", n=i + 1)
    assert same_process_alive(pid)
    assert [l for l in t.events()[n_events:] if "->" in l] == [], t.events()
    assert t.stop() == 0


def test_sighup_numprocs_change(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    body = """
        [supervisord]
        [program:w]
        command=sh -c 'echo started %(process_num)d; exec sleep 1000'
        process_name=%(program_name)s_%(process_num)d
        numprocs={n}
    """
    write_conf(conf, body.format(n=2))
    t = sup.start(str(conf))
    for i in (0, 1):
        t.wait_count(r"^w_%d \| started %d$" % (i, i), stream="out")
    w0 = ident(t.main_pid("w_0"))
    write_conf(conf, body.format(n=3))
    t.kill(signal.SIGHUP)
    t.wait_count(r"^w_2 +\| started 2$", stream="out")
    assert same_process_alive(w0), "w_0's settings did not change"
    write_conf(conf, body.format(n=1))
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] w_1: STOPPING -> STOPPED")
    t.wait_event(r"^\[tend\] w_2: STOPPING -> STOPPED")
    assert same_process_alive(w0)
    assert t.stop() == 0
