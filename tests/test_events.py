"""[eventlistener:x] acceptance tests, each run under real supervisord 4.2.5 and under tend
with the same config and the same test body (tests/events_util.py is the harness; the
listeners are tests/helpers/ev_listener.py and stop-supervisor.sh).

`-k supervisord` runs the reference half, `-k tend` the tend half, `-k compared` the tests
that run both and compare their transcripts. What supervisord was seen to do is written
into the assertions; where it is a quirk worth knowing, a comment says so.
"""
import json
import os
import re
import time

import pytest

from conftest import alive
from ctl_compat import PY, normalise
from events_util import DATA, HELPERS, KINDS, Sv, header_tokens, mask_pids, payload_tokens
from supervise_util import free_port, read_lines

HEADER_KEYS = ["ver", "server", "serial", "pool", "poolserial", "eventname", "len"]


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def sv(procs, tmp_path):
    """sv(kind, conf): start a supervisor in tmp_path/KIND (or tmp_path/SUB); stopped in teardown."""
    started = []

    def go(kind, conf, sub=None, port=0):
        srv = Sv(kind, procs, tmp_path / (sub or kind), conf, port or free_port())
        started.append(srv)
        srv.start()
        return srv

    yield go
    for srv in started:
        srv.stop()


def check_header(rec, pool, serial, poolserial):
    """The header line, token by token, in supervisord's order."""
    h = rec["header"]
    assert header_tokens(h) == HEADER_KEYS, h
    assert rec["headers"] == {"ver": "3.0", "server": "supervisor", "serial": str(serial), "pool": pool,
                              "poolserial": str(poolserial), "eventname": rec["headers"]["eventname"],
                              "len": str(len(rec["payload"]))}, h


# ---- 1. stop-supervisor.sh: the supervisor shuts down through its pidfile ------------------

STOP_CONF = """
[eventlistener:stopsupervisor]
command=%(helpers)s/stop-supervisor.sh %(tmp)s/supervisord.pid
events=PROCESS_STATE_STOPPED,PROCESS_STATE_EXITED,PROCESS_STATE_FATAL
stderr_logfile=%(tmp)s/stopsupervisor.err

[program:svc]
command=sh -c 'sleep 1; exit 3'
startsecs=0
autostart=false
autorestart=false

[program:bystander]
command=%(py)s %(helpers)s/ev_term.py %(tmp)s/bystander.term
"""

# supervisord exits 0 after the SIGQUIT (Supervisor issue #733: the container's failure is
# lost); tend does the same until the project decides otherwise.
STOP_RC = {"supervisord": 0, "tend": 0}


def test_stop_supervisor_listener(sv, kind):
    srv = sv(kind, STOP_CONF)
    srv.wait(lambda: srv.state("bystander") == "RUNNING", 20, lambda: "bystander RUNNING")
    tree = srv.tree()
    assert len(tree) >= 2, tree   # the listener's sh and the bystander (tend adds keepers)
    # svc started by hand once the rest is up, so that its death is the only event
    assert srv.ctl(["start", "svc"])[:2] == (0, "svc: started\n")
    rc = srv.run.wait(30)
    assert rc == STOP_RC[kind], srv.logs()
    # svc's EXITED is the first event any pool accepted: serial 0, poolserial 0
    err = read_lines(srv.path("stopsupervisor.err"))
    rx = (r"^Processing Event: ver:3\.0 server:supervisor serial:0 pool:stopsupervisor poolserial:0 "
          r"eventname:PROCESS_STATE_EXITED len:(\d+)$")
    m = re.match(rx, err[0]) if err else None
    assert m, err
    pid_digits = int(m.group(1)) - len("processname:svc groupname:svc from_state:RUNNING expected:0 pid:")
    assert 1 <= pid_digits <= 7, err
    # the bystander was stopped by the supervisor (SIGTERM), not killed with the namespace
    assert read_lines(srv.path("bystander.term")) == ["TERM"], srv.logs()
    assert [p for p in tree if alive(p)] == []


# ---- 2. PROCESS_STATE through childutils: exact sequences, serials, exit status over RPC -----

STATE_CONF = """
[eventlistener:rec]
command=%(listener)s record %(tmp)s/rec.jsonl
events=PROCESS_STATE

[program:crash]
command=sh -c 'sleep 1.5; exit 7'
startsecs=1
startretries=2
autorestart=false

[program:fast]
command=sh -c 'exit 1'
startsecs=1
startretries=2
"""

# What supervisord sends, per process (the interleaving of processes depends on timing).
# A listener hears its own state changes too. No restart of crash (autorestart=false):
# supervisord resets exitstatus when it respawns, so a listener that asks over XML-RPC
# after an automatic restart reads 0 instead of the status in question (seen: exit 7 read
# back as 0 with autorestart=unexpected).
STATE_SEQ = {
    "rec": [
        ("PROCESS_STATE_STARTING", "processname:rec groupname:rec from_state:STOPPED tries:0"),
        ("PROCESS_STATE_RUNNING", "processname:rec groupname:rec from_state:STARTING pid:<PID>"),
    ],
    "crash": [
        ("PROCESS_STATE_STARTING", "processname:crash groupname:crash from_state:STOPPED tries:0"),
        ("PROCESS_STATE_RUNNING", "processname:crash groupname:crash from_state:STARTING pid:<PID>"),
        ("PROCESS_STATE_EXITED", "processname:crash groupname:crash from_state:RUNNING expected:0 pid:<PID>", 7),
    ],
    "fast": [
        ("PROCESS_STATE_STARTING", "processname:fast groupname:fast from_state:STOPPED tries:0"),
        ("PROCESS_STATE_BACKOFF", "processname:fast groupname:fast from_state:STARTING tries:1"),
        ("PROCESS_STATE_STARTING", "processname:fast groupname:fast from_state:BACKOFF tries:1"),
        ("PROCESS_STATE_BACKOFF", "processname:fast groupname:fast from_state:STARTING tries:2"),
        ("PROCESS_STATE_STARTING", "processname:fast groupname:fast from_state:BACKOFF tries:2"),
        ("PROCESS_STATE_BACKOFF", "processname:fast groupname:fast from_state:STARTING tries:3"),
        ("PROCESS_STATE_FATAL", "processname:fast groupname:fast from_state:BACKOFF"),
    ],
}


def state_transcript(sv, kind):
    """Run STATE_CONF until every expected event has arrived; the records, checked."""
    srv = sv(kind, STATE_CONF)
    want = sum(len(v) for v in STATE_SEQ.values())
    srv.wait_records("rec", lambda r: len(r) >= want, 40, "%d PROCESS_STATE events" % want)
    # nothing more comes: crash and fast are done, rec stays RUNNING (asked once both are)
    srv.wait(lambda: srv.state("crash") == "EXITED" and srv.state("fast") == "FATAL", 20,
             lambda: "crash EXITED and fast FATAL")
    recs = srv.records("rec")
    assert len(recs) == want, recs
    for i, rec in enumerate(recs):   # one pool: serial and poolserial count together from 0
        check_header(rec, "rec", i, i)
        assert rec["lpid"] == recs[0]["lpid"], "one listener process throughout"
    # the listener starts first (eventlisteners have priority -1): its own STARTING is serial 0
    assert recs[0]["payload"] == "processname:rec groupname:rec from_state:STOPPED tries:0"
    pids = {}
    for rec in recs:
        toks = payload_tokens(rec["payload"])
        assert [k for k, _ in toks[:3]] == ["processname", "groupname", "from_state"], rec
        for k, v in toks:
            if k == "pid":   # the same pid in RUNNING and EXITED of one run
                assert int(v) > 0 and pids.setdefault(toks[0][1], v) == v, rec
    return seq_by_process(recs)


def seq_by_process(recs):
    out = {}
    for rec in recs:
        name = payload_tokens(rec["payload"])[0][1]
        item = (rec["headers"]["eventname"], mask_pids(rec["payload"]))
        if "exitstatus" in rec:
            item += (rec["exitstatus"],)
        out.setdefault(name, []).append(item)
    return out


def test_process_state_sequence(sv, kind):
    assert state_transcript(sv, kind) == STATE_SEQ


def test_process_state_sequence_compared(sv):
    """Both supervisors, one transcript each, compared (masked pids, per process)."""
    ref = state_transcript(sv, "supervisord")
    got = state_transcript(sv, "tend")
    assert got == ref


# ---- 3. PROCESS_LOG_STDOUT: every line once and in order; a small buffer overflows ---------

LINES = 100000
CHATTY = "".join("chatty %d\n" % i for i in range(1, LINES + 1))

LOG_CONF = """
[eventlistener:logs]
command=%(listener)s record %(tmp)s/logs.jsonl %(work)s
events=PROCESS_LOG_STDOUT
buffer_size=%(buffer)s

[program:chatty]
command=%(py)s %(helpers)s/ev_chatty.py %(lines)s
stdout_events_enabled=true
startsecs=0
autorestart=false
"""


def log_conf(buffer, work):
    return LOG_CONF.replace("%(buffer)s", str(buffer)).replace("%(work)s", str(work)) \
        .replace("%(lines)s", str(LINES))


def log_data(rec, pid):
    """The output carried by one PROCESS_LOG_STDOUT event, after its exact first line."""
    first, data = rec["payload"].split("\n", 1)
    assert first == "processname:chatty groupname:chatty pid:%d channel:stdout" % pid, rec
    return data


def chatty_pid(srv):
    rc, out, err = srv.ctl(["pid", "chatty"])
    assert rc == 0 and out.strip().isdigit(), (rc, out, err)
    return int(out)


def test_log_events_all_lines_in_order(sv, kind):
    # a listener slower than the service (10 ms of work per event), a buffer that holds it all
    srv = sv(kind, log_conf(buffer=100000, work=0.01))
    recs = srv.wait_records("logs", lambda r: r and r[-1]["payload"].endswith("chatty %d\n" % LINES), 60,
                            "the last line")
    pid = chatty_pid(srv)
    data = "".join(log_data(rec, pid) for rec in recs)
    assert data == CHATTY
    for i, rec in enumerate(recs):
        check_header(rec, "logs", i, i)
        assert rec["headers"]["eventname"] == "PROCESS_LOG_STDOUT"
    print("%s: %d PROCESS_LOG_STDOUT events for %d bytes: %s" % (
        kind, len(recs), len(CHATTY), [len(log_data(r, pid)) for r in recs]))


def test_log_events_buffer_overflow(sv, kind):
    """buffer_size=3 and a listener that needs 0.2 s per event: supervisord keeps the newest
    3, logs every event it throws away (the oldest first), delivers the others in order.
    tend holds the service's output back instead (docs/events.md): nothing is thrown away,
    every byte arrives once, in order."""
    srv = sv(kind, log_conf(buffer=3, work=0.2))
    recs = srv.wait_records("logs", lambda r: r and r[-1]["payload"].endswith("chatty %d\n" % LINES), 60,
                            "the last line")
    pid = chatty_pid(srv)
    got = [int(r["headers"]["serial"]) for r in recs]
    lost = [int(n) for n in srv.log_findall(r"pool logs event buffer overflowed, discarding event (\d+)\n")]
    print("%s: received serials %s, discarded %s" % (kind, got, lost))
    if kind == "tend":
        assert not lost and got == list(range(len(got))), (got, lost)
        assert "".join(log_data(r, pid) for r in recs) == CHATTY
        return
    assert lost, "no overflow: the test does not test what it says"
    assert got == sorted(got) and lost == sorted(lost)
    n = len(got) + len(lost)
    assert sorted(got + lost) == list(range(n)), (got, lost)
    assert got[-3:] == [n - 3, n - 2, n - 1], "the newest 3 are kept"
    for r in recs:
        check_header(r, "logs", r["headers"]["serial"], r["headers"]["serial"])
    # what did arrive is whole chunks of the output, in order, the last one last
    data = [log_data(r, pid) for r in recs]
    pos = 0
    for d in data:
        at = CHATTY.find(d, pos)
        assert at >= pos, "a chunk out of order or not from the output: %r" % d[:80]
        pos = at + len(d)
    assert pos == len(CHATTY)


UTF8_CONF = r"""
[eventlistener:logs]
command=%(listener)s record %(tmp)s/logs.jsonl
events=PROCESS_LOG_STDOUT

[program:utf8]
command=%(py)s -c "import os, signal; os.write(1, 'h\u00e9llo \u2713\n'.encode()); signal.pause()"
stdout_events_enabled=true
"""


def test_log_event_len_counts_characters(sv, kind):
    """supervisord builds the envelope as a str: len is the payload's length in characters,
    and childutils reads that many characters (text-mode stdin). Bytes would be 3 more.
    One write(2): supervisord makes one event per read (print() wrote text and newline apart)."""
    srv = sv(kind, UTF8_CONF)
    rec = srv.wait_records("logs", lambda r: r, 20, "the line")[0]
    pid = int(srv.ctl(["pid", "utf8"])[1])
    assert rec["payload"] == "processname:utf8 groupname:utf8 pid:%d channel:stdout\nh\u00e9llo \u2713\n" % pid
    check_header(rec, "logs", 0, 0)
    assert int(rec["headers"]["len"]) == len(rec["payload"].encode()) - 3


# ---- 4. misbehaving listeners do not stop the supervisor from supervising ------------------

# buffer_size=100: with the default 10, crash's events fill the buffer while the second
# instance of "die" is still STARTING, and the rebuffered event, at the head of the buffer,
# is the first one discarded (seen: "pool bad event buffer overflowed, discarding event 0").
BAD_CONF = """
[eventlistener:bad]
command=%(listener)s %(mode)s %(tmp)s/bad.jsonl
events=PROCESS_STATE
autorestart=true
buffer_size=100

[program:crash]
command=sh -c 'echo $$ >> %(tmp)s/crash.starts; sleep 1; exit 3'
startsecs=0
autorestart=true
"""

UNKNOWN = ("bad: has entered the UNKNOWN state and will no longer receive events, this usually "
           "indicates the process violated the eventlistener protocol")


def crash_restarts_normally(srv):
    """crash is started at least twice more, and seen RUNNING, after this point."""
    n = len(read_lines(srv.path("crash.starts")))
    srv.wait(lambda: len(read_lines(srv.path("crash.starts"))) >= n + 2, 20, lambda: "2 more starts of crash")
    srv.wait(lambda: srv.state("crash") == "RUNNING", 20, lambda: "crash RUNNING again")


@pytest.mark.parametrize("mode", ["silent", "garbage", "die"])
def test_misbehaving_listener(sv, kind, mode):
    srv = sv(kind, BAD_CONF.replace("%(mode)s", mode))
    first = srv.wait_records("bad", lambda r: r, 20, "a first event")[0]
    assert first["payload"] == "processname:bad groupname:bad from_state:STOPPED tries:0", first
    check_header(first, "bad", 0, 0)
    if mode == "garbage":
        srv.wait_log(r"bad: bad result line: 'this is not a result'\n")
        srv.wait_log(re.escape(UNKNOWN) + "\n")
    if mode == "die":
        # the dead instance's event goes first to the next instance: same serial, same bytes
        died = int(srv.wait(lambda: read_lines(srv.path("bad.jsonl.died")), 20, lambda: "bad.jsonl.died")[0])
        recs = srv.wait_records("bad", lambda r: any(x["lpid"] != died for x in r), 20,
                                "an event for the second instance")
        again = [x for x in recs if x["lpid"] != died][0]
        assert (again["header"], again["payload"]) == (first["header"], first["payload"])
        assert first["lpid"] == died
    crash_restarts_normally(srv)
    if mode in ("silent", "garbage"):
        # one event and no more: a BUSY listener (silent) or an UNKNOWN one gets nothing
        assert srv.records("bad") == [first]
        assert srv.state("bad") == "RUNNING"


# ---- 5. SUPERVISOR_STATE_CHANGE_RUNNING first, then TICK_5 with when:EPOCH ------------------

TICK_CONF = """
[eventlistener:ticks]
command=%(listener)s record %(tmp)s/ticks.jsonl
events=SUPERVISOR_STATE_CHANGE,TICK_5
"""


def test_running_then_tick_5(sv, kind):
    t0 = time.time()
    srv = sv(kind, TICK_CONF)
    recs = srv.wait_records("ticks", lambda r: len(r) >= 3, 30, "RUNNING and two ticks")
    t1 = time.time()
    for i, rec in enumerate(recs):
        check_header(rec, "ticks", i, i)
    assert [r["headers"]["eventname"] for r in recs[:3]] == \
        ["SUPERVISOR_STATE_CHANGE_RUNNING", "TICK_5", "TICK_5"]
    assert recs[0]["payload"] == "" and recs[0]["headers"]["len"] == "0"
    # when: the start of the 5-second slice, in whole seconds since the epoch
    when = [int(re.fullmatch(r"when:(\d+)", r["payload"]).group(1)) for r in recs[1:3]]
    assert when[0] % 5 == 0 and when[1] == when[0] + 5, when
    assert t0 - 5 <= when[0] and when[1] <= t1, (t0, when, t1)


# ---- 6. supervisorctl shows a pool's listeners like programs -------------------------------

POOL_CONF = """
[eventlistener:pool]
command=%(listener)s record %(tmp)s/pool_%(process_num)d.jsonl
process_name=%(program_name)s_%(process_num)d
numprocs=2
events=TICK_60

[program:web]
command=%(prog)s talk web
"""

POOL_STATUS = [
    "pool:pool_0                      RUNNING   pid <PID>, uptime <UPTIME>",
    "pool:pool_1                      RUNNING   pid <PID>, uptime <UPTIME>",
    "web                              RUNNING   pid <PID>, uptime <UPTIME>",
]


def test_status_of_a_listener_pool(sv, kind):
    srv = sv(kind, POOL_CONF)
    for name in ("pool:pool_0", "pool:pool_1", "web"):
        srv.wait(lambda: srv.state(name) == "RUNNING", 20, lambda: name + " RUNNING")
    for args, want in ((["status"], POOL_STATUS), (["status", "pool:*"], POOL_STATUS[:2]),
                       (["status", "pool:pool_1"], POOL_STATUS[1:2])):
        rc, out, err = srv.ctl(args)
        assert (rc, normalise(out, srv.tmp, srv.port).splitlines(), err) == (0, want, ""), args
    # GROUP:PROCESS priorities: a pool's group has priority -1, its processes keep 999
    rc, out, err = srv.ctl(["avail"])
    assert (rc, out.splitlines(), err) == (0, [
        "pool:pool_0                      in use    auto      -1:999",
        "pool:pool_1                      in use    auto      -1:999",
        "web                              in use    auto      999:999"], ""), out


# ---- 7. the listener patterns images deploy: configs accepted, two of them run -------------

SAMPLES = sorted(f[:-len(".conf")] for f in os.listdir(DATA) if f.endswith(".conf"))

# supervisord's own parser (ServerOptions.realize): [group, config class, processes, events]
PARSE = r"""
import json, sys
from supervisor.events import getEventNameByType
from supervisor.options import ServerOptions
o = ServerOptions()
o.realize(["-c", sys.argv[1]])
print(json.dumps([[g.name, type(g).__name__, [p.name for p in g.process_configs],
                   [getEventNameByType(e) for e in getattr(g, "pool_events", [])]]
                  for g in o.process_group_configs]))
"""
PS = ["PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED", "PROCESS_STATE_FATAL"]
SAMPLE_GROUPS = {
    "exit-on-fatal": [["exit_on_fatal", "EventListenerPoolConfig", ["exit_on_fatal"], ["PROCESS_STATE_FATAL"]],
                      ["app", "ProcessGroupConfig", ["app"], []]],
    "fcgi-program": [["php", "FastCGIGroupConfig", ["php_00", "php_01"], []]],
    "httpok": [["httpok", "EventListenerPoolConfig", ["httpok"], ["TICK_60"]],
               ["web", "ProcessGroupConfig", ["web"], []]],
    "memmon": [["memmon", "EventListenerPoolConfig", ["memmon"], ["TICK_60"]],
               ["workers", "ProcessGroupConfig", ["workers_00", "workers_01"], []]],
    "pure-ftpd": [["stopsupervisor", "EventListenerPoolConfig", ["stopsupervisor"], PS],
                  ["pure-ftpd", "ProcessGroupConfig", ["pure-ftpd"], []]],
    "supervisor-stdout": [["stdout", "EventListenerPoolConfig", ["stdout"], ["PROCESS_LOG"]],
                          ["web", "ProcessGroupConfig", ["web"], []]],
    "syslog-relay": [["logging", "EventListenerPoolConfig", ["logging"], ["PROCESS_LOG"]],
                     ["haproxy", "ProcessGroupConfig", ["haproxy"], []]],
}
SAMPLE_ENV = {"FCGI_PORT": "9000"}


def test_all_samples_listed():
    assert SAMPLES == sorted(SAMPLE_GROUPS)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_config_supervisord(procs, name):
    # supervisor_stdout:event_handler must be importable, as in the images (pip install)
    env = dict(os.environ, PYTHONPATH=HELPERS, **SAMPLE_ENV)
    rc, out, err = procs.run([PY, "-c", PARSE, os.path.join(DATA, name + ".conf")], env=env)
    assert (rc, err) == (0, ""), err
    # a pool's events are a set in supervisord: their order is not kept
    got = [g[:3] + [sorted(g[3])] for g in json.loads(out)]
    assert got == [g[:3] + [sorted(g[3])] for g in SAMPLE_GROUPS[name]]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_config_tend(procs, tend, name):
    path = os.path.join(DATA, name + ".conf")
    rc, out, err = procs.run([tend, "-c", path, "--check"], env=dict(os.environ, **SAMPLE_ENV))
    if name == "supervisor-stdout":
        # tend runs no Python inside itself: a non-default result_handler is refused, clearly
        assert rc != 0 and out == "", (rc, out, err)
        assert "[eventlistener:stdout]" in err and "result_handler" in err, err
        return
    assert (rc, err) == (0, ""), err
    # the exact listing is tend's to define; every process supervisord has must be in it
    for group in SAMPLE_GROUPS[name]:
        for proc in group[2]:
            assert re.search(r"\b%s\b" % re.escape(proc), out), (proc, out)


def test_default_result_handler_accepted_tend(procs, tend, tmp_path):
    conf = tmp_path / "t.conf"
    conf.write_text("[eventlistener:x]\ncommand=/bin/cat\nevents=TICK_60\n"
                    "result_handler=supervisor.dispatchers:default_handler\n")
    rc, out, err = procs.run([tend, "-c", str(conf), "--check"])
    assert (rc, err) == (0, ""), err


RELAY_CONF = """
[program:web]
command=%(prog)s talk web
stdout_events_enabled=true
stderr_events_enabled=true

[eventlistener:stdout]
command=%(py)s %(helpers)s/supervisor_stdout.py
buffer_size=100
events=PROCESS_LOG
result_handler=supervisor_stdout:event_handler
"""


def test_supervisor_stdout_relay_supervisord(sv, monkeypatch):
    """What the supervisor-stdout pattern does under supervisord: each PROCESS_LOG chunk
    printed once, "NAME | CHANNEL | " before the chunk (not before each line; seen:
    "web | stdout | web out 1\nweb | stdout | web out 2\nweb out 3\n", two reads)."""
    monkeypatch.setenv("PYTHONPATH", HELPERS)
    srv = sv("supervisord", RELAY_CONF)
    out = lambda: open(srv.path("server.stdout")).read()  # noqa: E731
    srv.wait(lambda: "web | stderr | " in out() and "web | stdout | " in out(), 20, lambda: "the relay")
    relayed = [l for l in out().splitlines() if re.match(r"(web \| std(out|err) \| )?web (out|err) ", l)]
    bare = [re.sub(r"^web \| std(out|err) \| ", "", l) for l in relayed]
    assert [l for l in bare if " out " in l] == ["web out 1", "web out 2", "web out 3"], relayed
    assert [l for l in bare if " err " in l] == ["web err 1", "web err 2"], relayed
    assert "web | stdout | web out 1" in relayed and "web | stderr | web err 1" in relayed, relayed


def test_supervisor_stdout_relay_tend(procs, tend, tmp_path):
    conf = Sv("tend", procs, tmp_path, RELAY_CONF).conf
    rc, out, err = procs.run([tend, "-c", conf], pid1=True)
    assert rc != 0 and "[eventlistener:stdout]" in err and "result_handler" in err, (rc, out, err)


FATAL_CONF = """
[eventlistener:exit_on_fatal]
command=%(listener)s fatal %(tmp)s/fatal.jsonl
events=PROCESS_STATE_FATAL

[program:app]
command=sh -c 'exit 1'
startsecs=1
startretries=1
autostart=false

[program:bystander]
command=%(py)s %(helpers)s/ev_term.py %(tmp)s/bystander.term
"""


def test_exit_on_fatal_listener(sv, kind):
    """SIGTERM to os.getppid() must reach the supervisor: listeners are its children."""
    srv = sv(kind, FATAL_CONF)
    srv.wait(lambda: srv.state("exit_on_fatal") == "RUNNING", 20, lambda: "the listener RUNNING")
    pid = int(read_lines(srv.path("supervisord.pid"))[0])   # removed at exit
    # started by hand once the listener is up; supervisorctl's answer races the shutdown
    srv.ctl(["start", "app"])
    rc = srv.run.wait(30)
    rec = srv.records("fatal")
    assert [r["payload"] for r in rec] == ["processname:app groupname:app from_state:BACKOFF"], rec
    # supervisord is the listener's parent; under tend its keeper is, and passes on what the
    # listener sends its parent (src/keeper.c): that the signal reached tend is what the
    # exit code and the bystander's TERM below show
    assert rec[0]["ppid"] == pid or kind == "tend", rec
    assert rc == 0, srv.logs()
    assert read_lines(srv.path("bystander.term")) == ["TERM"], srv.logs()


# ---- 8. REMOTE_COMMUNICATION and PROCESS_GROUP, and a pool of two ---------------------------

GROUP_CONF = """
[eventlistener:rec]
command=%(listener)s record %(tmp)s/rec.jsonl
events=REMOTE_COMMUNICATION,PROCESS_GROUP
process_name=rec_%(process_num)d
numprocs=2
startsecs=0

[program:a]
command=%(py)s %(helpers)s/ev_term.py %(tmp)s/a.term
"""

NEW_GROUP = """
[program:b]
command=%(py)s %(helpers)s/ev_term.py %(tmp)s/b.term
"""


def remote(srv, typ, data):
    from supervisor import childutils
    rpc = childutils.getRPCInterface({"SUPERVISOR_SERVER_URL": "unix://" + srv.path("sock")})
    assert rpc.supervisor.sendRemoteCommEvent(typ, data) is True


def test_remote_and_group_events(sv, kind):
    """The start-up's PROCESS_GROUP_ADDED (priority, then name order: the pool's own first),
    sendRemoteCommEvent's payload, update's ADDED and REMOVED; the two listeners of the pool
    share the events (each event to one of them, serials without a gap or a repeat)."""
    srv = sv(kind, GROUP_CONF)
    srv.wait(lambda: srv.state("rec:rec_0") == "RUNNING" and srv.state("rec:rec_1") == "RUNNING", 20,
             lambda: "both listeners RUNNING")
    remote(srv, "greeting", "hello\nworld")
    srv.write_conf(GROUP_CONF.replace("[program:a]", "[program:x]") + NEW_GROUP)
    assert srv.ctl(["update"])[0] == 0
    srv.wait(lambda: srv.state("b") == "RUNNING", 20, lambda: "b RUNNING")
    want = [("PROCESS_GROUP_ADDED", "groupname:rec\n"), ("PROCESS_GROUP_ADDED", "groupname:a\n"),
            ("REMOTE_COMMUNICATION", "type:greeting\nhello\nworld")]
    changed = {("PROCESS_GROUP_REMOVED", "groupname:a\n"), ("PROCESS_GROUP_ADDED", "groupname:b\n"),
               ("PROCESS_GROUP_ADDED", "groupname:x\n")}
    recs = srv.wait_records("rec", lambda r: len(r) >= len(want) + len(changed), 20, "every event")
    # two listeners write their records concurrently: the file's order is theirs, the serials are the pool's
    recs.sort(key=lambda r: int(r["headers"]["serial"]))
    got = [(r["headers"]["eventname"], r["payload"]) for r in recs]
    assert got[:3] == want and set(got[3:]) == changed and len(got) == 6, got
    for i, r in enumerate(recs):
        check_header(r, "rec", i, i)
    assert len({r["lpid"] for r in recs}) <= 2
