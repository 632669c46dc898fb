"""[eventlistener:x] in the config loader (src/config_listener.c): every check supervisord
4.2.5 makes, with its wording (the same config is given to real supervisord, whose error
line must be the end of tend's `FILE:LINE: ...`), the defaults --check shows, and the
one deliberate refusal (a result_handler other than the default: tend runs no Python)."""
import subprocess

import pytest

from supervise_util import sup, write_conf  # noqa: F401  (fixture)

BASE = "[supervisord]\nnodaemon=true\n[eventlistener:x]\ncommand=/bin/cat\n"


def supervisord_error(path):
    p = subprocess.run(["/usr/bin/supervisord", "-n", "-c", str(path)], capture_output=True, text=True, timeout=30)
    first = (p.stderr or p.stdout).splitlines()[0]
    assert first.startswith("Error: "), p.stderr
    return first[len("Error: "):]


@pytest.mark.parametrize("keys,line", [
    ("", 3),
    ("events=PROCESS_STATE, nosuch_thing", 5),
    ("events=TICK_5\nbuffer_size=0", 6),
    ("events=TICK_5\nredirect_stderr=true", 6),
])
def test_errors_as_supervisord(sup, tmp_path, keys, line):
    conf = write_conf(tmp_path / "l.conf", BASE + keys + "\n")
    want = supervisord_error(conf)
    rc, out, err = sup.run(str(conf), ["--check"])
    assert rc == 2, err
    assert err.strip().endswith("l.conf:%d: %s" % (line, want)), (err, want)


def test_result_handler_other_than_default(sup, tmp_path):
    conf = write_conf(tmp_path / "l.conf", BASE + "events=PROCESS_LOG\nresult_handler=supervisor_stdout:event_handler\n")
    rc, out, err = sup.run(str(conf), ["--check"])
    assert rc == 2
    assert "l.conf:6: supervisor_stdout:event_handler cannot be resolved within [eventlistener:x]: tend runs no Python" in err
    conf = write_conf(tmp_path / "d.conf", BASE + "events=TICK_5\nresult_handler=supervisor.dispatchers:default_handler\n")
    assert sup.run(str(conf), ["--check"])[0] == 0


def test_check_shows_pool(sup, tmp_path):
    conf = write_conf(tmp_path / "l.conf", BASE + "events=PROCESS_STATE_FATAL,tick_60,PROCESS_GROUP\nbuffer_size=3\n"
                      "numprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n"
                      "[program:web]\ncommand=/bin/sleep 9\nstdout_events_enabled=true\nstdout_capture_maxbytes=1KB\n")
    rc, out, err = sup.run(str(conf), ["--check"])
    assert rc == 0, err
    blocks = out.split("\n[")
    x0 = next(b for b in blocks if b.startswith("x_0]"))
    assert "listener     PROCESS_STATE_FATAL TICK_60 PROCESS_GROUP_ADDED PROCESS_GROUP_REMOVED (buffer_size 3)" in x0
    assert "priority     -1" in x0            # supervisord: listeners start first, stop last
    assert "stdout       NONE" in x0           # the protocol channel, never the console
    assert "(process_num 0, group x)" in x0
    assert any(b.startswith("x_1]") for b in blocks)
    web = next(b for b in blocks if b.startswith("web]"))
    assert "events       stdout on, stderr off, capture 1024/0 bytes" in web
