"""The XML-RPC methods (src/rpc.c, rpc_process.c, rpc_log.c, rpc_supervisor.c) through
Python's xmlrpc.client over the UNIX socket, as scripts use them: multicall, faults,
wait=True calls that leave the loop free, the log reads at the edges of their ring, and
the cases a review found wrong (each named after what it guards)."""
import threading
import xmlrpc.client

import pytest

from conftest import wait_for
from supervise_util import sup  # noqa: F401  (fixture)
from test_ctl_server import closed_by_peer, post, proxy, read_response, start, unix_conn, \
    wait_listening

CONF = """
[unix_http_server]
file=%(sock)s

[program:tick]
command=%(tick)s

[program:slow]
command=%(tick)s
autostart=false
startsecs=2

[program:stubborn]
command=sh -c 'trap "" TERM; echo up; while :; do sleep 0.1; done'
autostart=false
startsecs=0
stopwaitsecs=1

[program:quick]
command=sh -c 'exit 1'
autostart=false
startsecs=1
startretries=0

[program:missing]
command=/nonexistent/command
autostart=false
shutdown_on=exit

[program:chatty]
command=sh -c 'i=0; while [ $i -lt 400 ]; do printf "line %%%%05d of the chatty service...\\n" $i; i=$((i+1)); done; exec sleep 1000'
startsecs=0
tail_bytes=4KB
"""


@pytest.fixture
def srv(sup):
    sock = str(sup.tmp / "ctl.sock")
    t = start(sup, conf=CONF % {"sock": sock, "tick": sup.svc_cmd("tick", 0.5)})
    wait_listening(t, sock)
    t.sock = sock
    t.rpc = proxy(sock).supervisor
    wait_for(lambda: t.rpc.getProcessInfo("chatty")["statename"] == "RUNNING", what="chatty RUNNING")
    yield t
    t.stop()


def fault(fn, *args):
    with pytest.raises(xmlrpc.client.Fault) as e:
        fn(*args)
    return e.value.faultCode, e.value.faultString


def test_faults_are_supervisords(srv):
    r = srv.rpc
    assert fault(r.getProcessInfo, "nosuch") == (10, "BAD_NAME: nosuch")
    assert fault(r.signalProcess, "tick", "NOSUCHSIG") == (11, "BAD_SIGNAL: NOSUCHSIG")
    assert fault(r.startProcess, "tick") == (60, "ALREADY_STARTED: tick")
    assert fault(r.stopProcess, "slow") == (70, "NOT_RUNNING: slow")
    assert fault(proxy(srv.sock).supervisor.noSuchMethod) == (1, "UNKNOWN_METHOD")
    assert fault(r.getProcessInfo) == (2, "INCORRECT_PARAMETERS")


def test_multicall(srv):
    m = proxy(srv.sock).system.multicall
    res = m([{"methodName": "supervisor.getState", "params": []},
             {"methodName": "supervisor.getProcessInfo", "params": ["tick"]},
             {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
             {"methodName": "system.multicall", "params": [[]]}])
    # each result bare, as supervisord's multicall gives it (Python's own server wraps it in a list)
    assert res[0] == {"statecode": 1, "statename": "RUNNING"}
    assert res[1]["name"] == "tick" and res[1]["group"] == "tick"
    assert res[2] == {"faultCode": 10, "faultString": "BAD_NAME: nosuch"}
    assert res[3] == {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"}
    # more sub-calls than one loop turn runs: the rest come in later turns, in order
    many = m([{"methodName": "supervisor.getProcessInfo", "params": [n]} for n in ["tick", "nosuch"] * 150])
    assert len(many) == 300
    assert all(x["name"] == "tick" for x in many[0::2])
    assert all(x["faultCode"] == 10 for x in many[1::2])


def test_wait_true_start_leaves_the_loop_free(srv):
    done = {}

    def starter():
        done["result"] = proxy(srv.sock).supervisor.startProcess("slow", True)

    th = threading.Thread(target=starter)
    th.start()
    srv.wait_event(r"slow: STOPPED -> STARTING")
    # while that call waits for startsecs=2, other requests are answered
    assert srv.rpc.getProcessInfo("slow")["statename"] == "STARTING"
    assert srv.rpc.getState()["statename"] == "RUNNING"
    assert th.is_alive(), "startProcess(wait=True) answered before startsecs had passed"
    th.join(30)
    assert done["result"] is True
    assert srv.rpc.getProcessInfo("slow")["statename"] == "RUNNING"


def test_start_asked_while_stopping_happens_after_the_stop(srv):
    r = srv.rpc
    assert r.startProcess("stubborn", True) is True
    wait_for(lambda: r.readProcessStdoutLog("stubborn", 0, 0) == "up\n", what="stubborn to ignore SIGTERM")
    assert r.stopProcess("stubborn", False) is True
    assert r.getProcessInfo("stubborn")["statename"] == "STOPPING"
    # supervisord answers ABNORMAL_TERMINATION and starts nothing; tend starts once the
    # stop is over (SIGKILL after stopwaitsecs=1), and the waiting call says so
    assert r.startProcess("stubborn", True) is True
    info = r.getProcessInfo("stubborn")
    assert info["statename"] == "RUNNING", info
    srv.wait_event(r"stubborn: STOPPING -> STOPPED")


def test_group_results_use_the_short_namespec(srv):
    res = srv.rpc.startProcessGroup("quick", True)
    assert [(x["name"], x["group"]) for x in res] == [("quick", "quick")]
    assert res[0]["status"] == 50 and res[0]["description"] == "SPAWN_ERROR: quick", res


def test_refused_start_is_not_an_exit(srv):
    # a missing command: NO_FILE, the state stays, and shutdown_on=exit does not fire
    code, text = fault(srv.rpc.startProcess, "missing")
    assert code == 20 and "/nonexistent/command" in text, text
    assert srv.rpc.getProcessInfo("missing")["statename"] == "STOPPED"
    assert srv.rpc.getState()["statename"] == "RUNNING"
    assert srv.run.p.poll() is None


def test_reads_at_the_edges_of_the_ring(srv):
    r = srv.rpc
    last = "line 00399 of the chatty service...\n"
    wait_for(lambda: r.readProcessStdoutLog("chatty", -len(last), 0) == last, what="chatty's last line")
    full = r.readProcessStdoutLog("chatty", -100000, 0)
    assert 3000 < len(full) <= 4096, len(full)
    end = r.tailProcessStdoutLog("chatty", 0, 0)[1]  # the position after the last byte
    assert end == 400 * len(last), end
    start = end - len(full)
    # what the ring no longer holds is absent, not replaced by later bytes
    assert r.readProcessStdoutLog("chatty", 0, 100) == ""
    assert r.readProcessStdoutLog("chatty", start - 10, 30) == full[:20]
    assert r.readProcessStdoutLog("chatty", end - len(last), len(last)) == last
    assert r.readProcessStdoutLog("chatty", end, 10) == ""
    assert fault(r.readProcessStdoutLog, "chatty", -5, 5)[0] == 3  # BAD_ARGUMENTS, as supervisord


@pytest.mark.parametrize("method,offset,length", [
    ("supervisor.readProcessStdoutLog", -2 ** 63, 0),
    ("supervisor.readProcessStdoutLog", 2 ** 63 - 1, 2 ** 63 - 1),
    ("supervisor.tailProcessStdoutLog", 2 ** 63 - 1, 2 ** 63 - 1),
    ("supervisor.tailProcessStdoutLog", -2 ** 63, -2 ** 63),
    ("supervisor.readLog", -2 ** 63, 0),
])
def test_extreme_offsets(srv, method, offset, length):
    """int64 extremes (Python's client cannot send them: raw <i8>); UBSan in check-asan
    would stop tend on an overflow."""
    args = "" if method == "supervisor.readLog" else "<param><value><string>chatty</string></value></param>"
    body = ("<?xml version='1.0'?><methodCall><methodName>%s</methodName><params>%s"
            "<param><value><i8>%d</i8></value></param><param><value><i8>%d</i8></value></param>"
            "</params></methodCall>" % (method, args, offset, length)).encode()
    s = unix_conn(srv.sock)
    s.sendall(post(body))
    status, _, reply = read_response(s)
    s.close()
    assert status == 200 and b"<methodResponse>" in reply, reply[:300]
    assert srv.rpc.getState()["statename"] == "RUNNING"


def test_log_stream_of_a_removed_service_ends(srv):
    r = srv.rpc
    assert r.stopProcess("tick", True) is True
    s = unix_conn(srv.sock)
    s.sendall(b"GET /logtail/tick HTTP/1.1\r\nHost: localhost\r\n\r\n")
    s.settimeout(10)
    assert s.recv(65536).startswith(b"HTTP/1.1 200")
    assert r.removeProcessGroup("tick") is True
    assert closed_by_peer(s), "the stream of a removed service stayed open"
    s.close()
