"""Capture mode (src/capture.c): text between <!--XSUPERVISOR:BEGIN--> and
<!--XSUPERVISOR:END--> in a service's stdout becomes one PROCESS_COMMUNICATION_STDOUT
event and leaves the log, with tokens split across writes. The same config runs under
real supervisord and under tend; the events must be the same, and the log the same
except where supervisord holds a short tail back (docs/events.md)."""
import json
import os
import signal
import subprocess

from conftest import wait_for
from supervise_util import sup  # noqa: F401  (fixture)

LISTENER = r'''
import json, os, sys
from supervisor import childutils
out = open(os.environ["OUT"], "a")
while True:
    h, p = childutils.listener.wait()
    head, data = p.split("\n", 1)
    out.write(json.dumps([h["eventname"], head.split()[:2], data]) + "\n")
    out.flush()
    childutils.listener.ok()
'''

TALK = (r"""printf 'before <!--XSUPERVISOR:BEGIN-->hello\nworld<!--XSUPERVISOR:END--> after\n'; sleep 0.3; """
        r"""printf 'x<!--XSUPER'; sleep 0.3; printf 'VISOR:BEGIN-->two<!--XSUPERVISOR:E'; sleep 0.3; """
        r"""printf 'ND-->y\n'; exec sleep 100""")

CONF = """[supervisord]
nodaemon=true
logfile={d}/supervisord.log
pidfile={d}/supervisord.pid
[program:talk]
command=sh -c "{talk}"
stdout_capture_maxbytes=1KB
stdout_logfile={d}/talk.log
startsecs=0
[eventlistener:rec]
command=/usr/bin/python3 {d}/rec.py
environment=OUT={d}/events
events=PROCESS_COMMUNICATION
startsecs=0
"""


def prepare(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rec.py"), "w") as f:
        f.write(LISTENER)
    path = os.path.join(d, "c.conf")
    with open(path, "w") as f:
        f.write(CONF.format(d=d, talk=TALK.replace('"', '\\"')))
    return path


def events(d):
    try:
        with open(os.path.join(d, "events")) as f:
            return [json.loads(l) for l in f]
    except FileNotFoundError:
        return []


def test_capture_as_supervisord(sup, tmp_path):
    expect = [["PROCESS_COMMUNICATION_STDOUT", ["processname:talk", "groupname:talk"], "hello\nworld"],
              ["PROCESS_COMMUNICATION_STDOUT", ["processname:talk", "groupname:talk"], "two"]]
    ref = str(tmp_path / "supervisord")
    p = subprocess.Popen(["/usr/bin/supervisord", "-n", "-c", prepare(ref)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: len(events(ref)) >= 2, 15, what="supervisord's two events")
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(15)
    assert events(ref) == expect
    mine = str(tmp_path / "tend")
    t = sup.start(prepare(mine))
    wait_for(lambda: len(events(mine)) >= 2, 15, what="tend's two events")
    wait_for(lambda: open(os.path.join(mine, "talk.log")).read().endswith("xy\n"), 10, what="the log's last line")
    t.stop()
    assert events(mine) == expect
    with open(os.path.join(ref, "talk.log")) as f:
        ref_log = f.read()
    with open(os.path.join(mine, "talk.log")) as f:
        my_log = f.read()
    # supervisord still holds "y\n" back: shorter than a token, it waits for more output
    assert ref_log == "before  after\nx"
    assert my_log == "before  after\nxy\n"


def test_run_end_with_capture_mode(sup, tmp_path):
    """A run that ends with output still in the pipe: delivered to its end (capture mode
    keeps room for a token's held bytes; it must not keep the run's end out of reach), and
    a maybe-token held at the end (`<!--XSUP`) is output after all."""
    log = tmp_path / "big.log"
    code = tmp_path / "big.py"
    code.write_text("import sys\nsys.stdout.write('x' * 200000 + '\\nLAST-LINE-MARKER\\n<!--XSUP')\n")
    t = sup.start("""
        [supervisord]
        [program:big]
        command=/usr/bin/python3 %s
        stdout_capture_maxbytes=1KB
        stdout_logfile=%s
        autorestart=false
        startsecs=0
    """ % (code, log))
    t.wait_event(r"^\[tend\] big: RUNNING -> EXITED")
    want = "x" * 200000 + "\nLAST-LINE-MARKER\n<!--XSUP"
    wait_for(lambda: log.exists() and log.read_text() == want, 10, what="the whole run's output in the log")
    t.stop()
