"""cgroup v2 containment (docs/cgroups.md): each service in its own cgroup under a parent
given by TEND_CGROUP, stopped with one write to cgroup.kill, its run over (and its restart
released) when cgroup.events says "populated 0"; the cgroups removed at exit and when a
reload drops the service; the limit keys checked at load and warned about where the
controller is missing.

The parent is a temporary child of the host's cgroup2 mount (/sys/fs/cgroup/unified on
this kind of machine, or TEND_TEST_CGROUP), created by the fixture and removed at the end
even on failure (everything left in it is cgroup.kill'ed first)."""
import os
import re
import signal
import subprocess
import textwrap
import uuid

import pytest

from conftest import SLOW, TEND, alive, proc_stat, wait_for
from supervise_util import sup, write_conf  # noqa: F401

CG_BASE = os.environ.get("TEND_TEST_CGROUP", "/sys/fs/cgroup/unified")


def read(path):
    with open(path) as f:
        return f.read()


def pids_in(cg):
    return [int(x) for x in read(os.path.join(cg, "cgroup.procs")).split()]


def populated(cg):
    return "populated 1" in read(os.path.join(cg, "cgroup.events"))


def subdirs(cg):
    return sorted(d for d in os.listdir(cg) if os.path.isdir(os.path.join(cg, d)))


def remove_tree(cg):
    for d in subdirs(cg):
        remove_tree(os.path.join(cg, d))
    try:
        with open(os.path.join(cg, "cgroup.kill"), "w") as f:
            f.write("1")
        wait_for(lambda: not populated(cg), 10, what="%s to empty" % cg)
    except OSError:
        pass

    def gone():
        try:
            os.rmdir(cg)
            return True
        except OSError:
            return False
    wait_for(gone, 10, what="rmdir %s" % cg)


@pytest.fixture
def cgroot():
    """Request it first: it is then torn down last, after tend and its namespace are gone."""
    path = os.path.join(CG_BASE, "tend-test-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8]))
    try:
        os.mkdir(path)
    except OSError as e:
        pytest.skip("no writable cgroup v2 hierarchy at %s (%s): cgroup mode cannot be tested here" % (CG_BASE, e))
    if not os.path.exists(os.path.join(path, "cgroup.kill")):
        os.rmdir(path)
        pytest.skip("%s is not cgroup v2 with cgroup.kill (Linux 5.14+)" % CG_BASE)
    try:
        yield path
    finally:
        remove_tree(path)


def cg_env(where):
    return dict(os.environ, TEND_CGROUP=where)


def start(sup, conf, where, args=("-v",)):
    return sup.start(conf, args=args, env=cg_env(where))


def check(procs, tmp_path, conf, where):
    path = write_conf(tmp_path / "check.conf", conf)
    return procs.run([TEND, "-c", path, "--check"], env=cg_env(where))


def ctl(conf, *args):
    return subprocess.run([TEND, "ctl", "-c", conf] + list(args), capture_output=True, text=True,
                          timeout=20 * SLOW, stdin=subprocess.DEVNULL)


def index_of(lines, pattern, start=0):
    rx = re.compile(pattern)
    for i in range(start, len(lines)):
        if rx.search(lines[i]):
            return i
    raise AssertionError("%r not in tend's log after line %d:\n%s" % (pattern, start, "\n".join(lines)))


# A main process that ignores TERM and a setsid'ed, double-forked daemon that ignores it too.
DOUBLE_FORK = r"""sh -c 'trap "" TERM; setsid sh -c "trap \"\" TERM; sleep 1000 & wait" & sleep 1000 & wait'"""


def test_double_fork_ignoring_term_is_gone_in_one_cgroup_kill(cgroot, sup, tmp_path):
    sock = tmp_path / "ctl.sock"
    t = start(sup, """
        [unix_http_server]
        file=%s
        [program:dd]
        command=%s
        startsecs=0
        stopwaitsecs=1
        autorestart=false
    """ % (sock, DOUBLE_FORK), cgroot)
    cg = os.path.join(cgroot, "dd")
    t.wait_event(r"^\[tend\] dd: STARTING -> RUNNING")
    wait_for(lambda: os.path.isdir(cg) and len(pids_in(cg)) >= 4, 10, what="4 processes in %s" % cg)
    victims = pids_in(cg)
    assert t.count(r"dd: contained by cgroup %s$" % re.escape(cg)) == 1, t.events()
    # the setsid'ed daemon is not the keeper's child: the keeper has no subreaper walk to do
    keeper = t.keeper("dd")
    assert keeper not in victims
    r = ctl(str(t.conf), "stop", "dd")
    assert r.returncode == 0, (r.stdout, r.stderr)
    t.wait_event(r"^\[tend\] dd: STOPPING -> STOPPED")
    assert pids_in(cg) == [] and not populated(cg)
    for p in victims:
        wait_for(lambda: not alive(p), 5, what="pid %d to be gone" % p)
    ev = t.events()
    assert t.count(r"dd: stopwaitsecs \(1 s\) passed: cgroup\.kill$") == 1, ev
    assert t.count(r"SIGKILL to \d+ processes") == 0, ev
    assert t.stop() == 0
    assert not os.path.exists(cg), "the service's cgroup is removed at exit"
    assert subdirs(cgroot) == []


def test_populated_0_releases_the_restart(cgroot, sup, tmp_path):
    """The main process exits at once; a grandchild that ignores TERM lingers in the
    cgroup until the test lets it go. The restart waits for exactly that."""
    fifo, ready = tmp_path / "go", tmp_path / "ready"
    os.mkfifo(fifo)
    os.mkfifo(ready)
    # the main process exits only once the grandchild ignores TERM (it says so through READY)
    t = start(sup, """
        [program:linger]
        command=sh -c 'sh -c "trap \\"\\" TERM; echo ok > %s; read x < %s" & read y < %s; exit 3'
        startsecs=0
        autorestart=true
        stopwaitsecs=60
    """ % (ready, fifo, ready), cgroot)
    cg = os.path.join(cgroot, "linger")
    t.wait_event(r"linger: keeper gone, 1 processes left in its cgroup: SIGTERM, cgroup\.kill after stopwaitsecs$")
    grandchild = pids_in(cg)
    assert len(grandchild) == 1 and populated(cg), "\n".join([str(grandchild)] + t.err.lines())
    # the keeper's exit was handled (where a keeper-only run would have restarted): still one spawn
    assert t.spawns("linger") == 1, t.events()
    assert t.count(r"linger: cgroup empty") == 0
    with open(fifo, "w") as f:
        f.write("go\n")
    t.wait_event(r"^\[tend\] linger: spawned with pid", n=2)
    wait_for(lambda: not alive(grandchild[0]), 5, what="the grandchild to be gone")
    ev = t.events()
    exited = index_of(ev, r"linger: RUNNING -> EXITED: exit status 3; not expected")
    gone = index_of(ev, r"linger: keeper gone, 1 processes left", exited)
    empty = index_of(ev, r"linger: cgroup empty \(populated 0\)$", gone)
    index_of(ev, r"linger: \w+ -> STARTING", empty)
    assert t.spawns("linger") == 2, ev


def test_reload_and_exit_remove_the_cgroups(cgroot, sup, tmp_path):
    two = """
        [program:a]
        command=sleep 1000
        startsecs=0
        [program:b%s]
        command=sleep 1000
        startsecs=0
    """
    t = start(sup, two % ".x", cgroot)
    ca, cb = os.path.join(cgroot, "a"), os.path.join(cgroot, "b%2Ex")
    wait_for(lambda: os.path.isdir(ca) and os.path.isdir(cb) and pids_in(ca) and pids_in(cb), 10,
             what="both services in their cgroups: %s" % subdirs(cgroot))
    write_conf(t.conf, """
        [program:a]
        command=sleep 1000
        startsecs=0
    """)
    t.kill(signal.SIGHUP)
    t.wait_event(r"b\.x: removed from the configuration")
    wait_for(lambda: not os.path.exists(cb), 10, what="%s removed after the reload" % cb)
    assert os.path.isdir(ca) and pids_in(ca)
    assert t.stop() == 0
    assert subdirs(cgroot) == [], "tend removes every cgroup it made at exit"


def test_check_names_the_mechanism(cgroot, procs, tmp_path):
    conf = """
        [program:web]
        command=sleep 1
        [program:raw]
        command=sleep 1
        containment=false
    """
    rc, out, err = check(procs, tmp_path, conf, cgroot)
    assert rc == 0, err
    assert "# containment: cgroup v2 under %s\n" % cgroot in out
    assert re.search(r"^  containment  cgroup %s/web$" % re.escape(cgroot), out, re.M), out
    assert re.search(r"^  containment  false$", out, re.M), out
    rc, out, err = check(procs, tmp_path, conf, "off")
    assert rc == 0 and "# containment: keeper (cgroup=off)" in out
    assert re.search(r"^  containment  keeper$", out, re.M), out
    rc, out, err = check(procs, tmp_path, conf, "/nonexistent")
    assert rc == 0 and "# containment: keeper (not a cgroup v2 directory)" in out, out
    # the [supervisord] key, when TEND_CGROUP is unset
    env = dict(os.environ)
    env.pop("TEND_CGROUP", None)
    path = write_conf(tmp_path / "key.conf", "[supervisord]\ncgroup=%s\n" % cgroot + textwrap.dedent(conf))
    rc, out, err = procs.run([TEND, "-c", path, "--check"], env=env)
    assert rc == 0 and re.search(r"^  containment  cgroup %s/web$" % re.escape(cgroot), out, re.M), out


def test_auto_is_the_keeper_where_tend_shares_its_cgroup(sup):
    """On this host tend (PID 1 of a new PID namespace only) is in a cgroup with every
    other process: auto mode does not take it, the keeper contains the services."""
    env = dict(os.environ)
    env.pop("TEND_CGROUP", None)
    t = sup.start("[program:x]\ncommand=sleep 1000\nstartsecs=0\n", args=("-v",), env=env)
    t.wait_event(r"^\[tend\] x: STARTING -> RUNNING")
    ev = t.events()
    assert any(re.search(r"containment: keeper \(", l) for l in ev), ev
    assert t.count(r"contained by cgroup") == 0
    assert t.stop() == 0


@pytest.mark.parametrize("key,value", [
    ("memory_max", "0"), ("memory_max", "12Q"), ("memory_max", "1.5G"), ("memory_max", "-1"),
    ("pids_max", "0"), ("pids_max", "ten"), ("cpu_max", "0.0001"), ("cpu_max", "abc"),
    ("cpu_max", "50%%x"), ("cpu_max", "1000000"),
])
def test_bad_limits_are_config_errors(procs, tmp_path, key, value):
    path = write_conf(tmp_path / "bad.conf", "[program:x]\ncommand=sleep 1\n%s=%s\n" % (key, value))
    rc, out, err = procs.run([TEND, "-c", path, "--check"])
    assert rc == 2, (out, err)
    shown = value.replace("%%", "%")
    assert re.search(r"^%s:3: invalid value '%s' for key '%s' \(expected " % (re.escape(path), re.escape(shown), key),
                     err, re.M), err


def test_good_limits_in_check(procs, tmp_path):
    path = write_conf(tmp_path / "ok.conf", """
        [program:x]
        command=sleep 1
        memory_max=64M
        pids_max=max
        cpu_max=150%%
        [program:y]
        command=sleep 1
        memory_max=1048576
        pids_max=20
        cpu_max=0.5
    """)
    rc, out, err = procs.run([TEND, "-c", path, "--check"])
    assert rc == 0, err
    blocks = dict((b.split("\n", 1)[0], b) for b in out.split("\n\n"))
    x, y = blocks["[x]"], blocks["[y]"]
    assert re.search(r"memory\.max +67108864\n", x) and re.search(r"pids\.max +max\n", x), x
    assert re.search(r"cpu\.max +150000 100000\n", x), x
    assert re.search(r"memory\.max +1048576\n", y) and re.search(r"pids\.max +20\n", y), y
    assert re.search(r"cpu\.max +50000 100000\n", y), y


def controllers(cg):
    return read(os.path.join(cg, "cgroup.controllers")).split()


def test_limits_applied_or_warned(cgroot, sup):
    t = start(sup, """
        [program:lim]
        command=sleep 1000
        startsecs=0
        memory_max=64M
        pids_max=50
    """, cgroot)
    t.wait_event(r"^\[tend\] lim: STARTING -> RUNNING")
    cg = os.path.join(cgroot, "lim")
    have = controllers(cgroot)
    for ctrl, f, val in (("memory", "memory.max", "67108864"), ("pids", "pids.max", "50")):
        if ctrl in have:
            assert read(os.path.join(cg, f)).strip() == val
        else:
            t.wait_event(r"lim: %s=%s not applied: no %s controller for %s$" % (re.escape(f), val, ctrl, re.escape(cgroot)))
    assert t.stop() == 0


def test_limits_warned_without_cgroup(sup):
    t = sup.start("[program:lim]\ncommand=sleep 1000\nstartsecs=0\nmemory_max=64M\n",
                  env=cg_env("off"))
    t.wait_event(r"^\[tend\] lim: limits not applied: no cgroup \(cgroup=off\)$")
    assert t.stop() == 0


def test_killed_keeper_leftovers_are_stopped_through_the_cgroup(cgroot, sup):
    t = start(sup, """
        [program:k]
        command=%s
        startsecs=0
        stopwaitsecs=1
        autorestart=true
    """ % DOUBLE_FORK, cgroot)
    cg = os.path.join(cgroot, "k")
    wait_for(lambda: os.path.isdir(cg) and len(pids_in(cg)) >= 4, 10, what="4 processes in %s" % cg)
    old = pids_in(cg)
    os.kill(t.keeper("k"), signal.SIGKILL)
    t.wait_event(r"k: stopwaitsecs \(1 s\) passed: cgroup\.kill$")
    t.wait_event(r"^\[tend\] k: spawned with pid", n=2)
    for p in old:
        wait_for(lambda: not alive(p) or (proc_stat(p) or {}).get("state") == "Z", 5, what="pid %d gone" % p)
    ev = t.events()
    empty = index_of(ev, r"k: cgroup empty \(populated 0\)$")
    index_of(ev, r"k: \w+ -> STARTING", empty)
    assert t.stop() == 0


def test_auto_takes_a_cgroup_tend_has_to_itself(cgroot, procs, tmp_path):
    """As in a container: tend starts alone in its cgroup (here: a shell moves itself into
    the temporary cgroup and execs tend), so auto mode puts the services below it."""
    conf = write_conf(tmp_path / "auto.conf", "[program:x]\ncommand=sleep 1000\nstartsecs=0\n")
    env = dict(os.environ)
    env.pop("TEND_CGROUP", None)
    r = procs.start(["sh", "-c", 'echo $$ > "$1/cgroup.procs" && exec "$2" -v -c "$3"', "sh", cgroot, TEND, conf],
                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cg = os.path.join(cgroot, "x")
    wait_for(lambda: os.path.isdir(cg) and pids_in(cg), 10, what="x in %s" % cg)
    here = pids_in(cgroot)  # tend and the keeper it forked; the service is below, in x
    assert r.p.pid in here and all((proc_stat(p) or {}).get("comm") == "keep:x" for p in here if p != r.p.pid), here
    os.kill(r.p.pid, signal.SIGTERM)
    out, err = r.p.communicate(timeout=15 * SLOW)
    assert r.p.returncode == 0, err
    assert "[tend] containment: cgroup v2 under %s\n" % cgroot in err.decode(), err
    assert not os.path.exists(cg)


def test_usage_from_the_cgroup(cgroot, sup, tmp_path):
    """In cgroup mode a service's use is its cgroup's: its members wherever they were
    re-parented (a setsid'ed daemon is no descendant of the keeper), its CPU time from
    cpu.stat (what exited counts too); /metrics and /status say so."""
    from test_metrics import get, parse_prom, one
    sock = str(tmp_path / "ctl.sock")
    t = start(sup, """
        [unix_http_server]
        file=%s
        [program:dd]
        command=%s
        startsecs=0
    """ % (sock, DOUBLE_FORK), cgroot)
    cg = os.path.join(cgroot, "dd")
    wait_for(lambda: os.path.isdir(cg) and len(pids_in(cg)) >= 4, 10, what="4 processes in %s" % cg)
    def usec():
        return int(read(os.path.join(cg, "cpu.stat")).split()[1])  # its first line: usage_usec N
    before = usec()
    status, _, body = get(sock, "/metrics")
    after = usec()
    assert status == 200, body
    f = parse_prom(body)
    members = pids_in(cg)
    assert one(f, "tend_service_processes", service="dd") == len(members)
    cpu = one(f, "tend_service_cpu_seconds_total", service="dd")
    assert before - 1 <= cpu * 1e6 <= after + 1
    mem = os.path.exists(os.path.join(cg, "memory.current"))
    assert ("tend_service_memory_current_bytes" in f and
            frozenset({("service", "dd")}) in f["tend_service_memory_current_bytes"]["samples"]) == mem
    status, _, body = get(sock, "/status")
    assert status == 200 and ('"memory": ' in body) == mem and '"processes": %d' % len(members) in body
    assert t.stop() == 0


def test_cgroup_removed_behind_tends_back_is_made_again(cgroot, sup, tmp_path):
    """Someone rmdir's a stopped service's cgroup: its next start makes it again (it used
    to fail every start with "cannot join cgroup")."""
    sock = tmp_path / "ctl.sock"
    t = start(sup, """
        [unix_http_server]
        file=%s
        [program:a]
        command=sleep 1000
        startsecs=0
    """ % sock, cgroot)
    cg = os.path.join(cgroot, "a")
    t.wait_event(r"^\[tend\] a: STARTING -> RUNNING")
    assert ctl(str(t.conf), "stop", "a").returncode == 0
    t.wait_event(r"^\[tend\] a: STOPPING -> STOPPED")
    wait_for(lambda: not populated(cg), 10, what="%s to empty" % cg)
    os.rmdir(cg)
    assert ctl(str(t.conf), "start", "a").returncode == 0
    t.wait_event(r"^\[tend\] a: STARTING -> RUNNING", n=2)
    wait_for(lambda: os.path.isdir(cg) and len(pids_in(cg)) == 1, 10, what="the new run in %s" % cg)
    assert t.count(r"cannot join cgroup") == 0
    assert t.stop() == 0
