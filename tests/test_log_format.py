"""Console log formats (docs/logging.md): --log-format=json / TEND_LOG_FORMAT /
[supervisord] log_format= (one JSON object a line, for tend's own lines and for services'
lines), --log-timestamps / TEND_LOG_TIMESTAMPS / log_timestamps= (an RFC 3339 UTC stamp
before each text line), their precedence and their errors."""
import datetime
import json
import os
import re

from conftest import wait_for
from supervise_util import sup  # noqa: F401

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

# bytes a service writes, and what its JSON "line" must decode to (every byte of an
# ill-formed UTF-8 sequence is one U+FFFD)
TRICKY = (b'q"uo\\te \x01\x1f\x7f tab\t cr\r bad\xff \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80'
          b' surrogate\xed\xa0\x80 overlong\xc0\xaf cut\xe2\x82 end')
TRICKY_TEXT = ('q"uo\\te \x01\x1f\x7f tab\t cr\r bad\ufffd \u00e9 \u20ac \U0001F600'
               ' surrogate\ufffd\ufffd\ufffd overlong\ufffd\ufffd cut\ufffd\ufffd end')


def script(tmp_path, name, body):
    p = tmp_path / name
    p.write_text("import sys, os\n" + body)
    return "/usr/bin/python3 %s" % p


def objects(raw):
    """Every line of RAW (bytes) as a JSON object: strict UTF-8, strict JSON (no raw
    control characters in strings)."""
    text = raw.decode("utf-8")  # raises on anything that is not UTF-8
    assert text == "" or text.endswith("\n"), text[-200:]
    out = []
    for line in text.split("\n")[:-1]:
        obj = json.loads(line)
        assert isinstance(obj, dict), line
        out.append(obj)
    return out


def check_time(obj, before, after):
    assert re.fullmatch(STAMP, obj["time"]), obj
    t = datetime.datetime.strptime(obj["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    # UTC whatever TZ says (the tests run tend with TZ set far from UTC): within the run
    assert before - datetime.timedelta(seconds=1) <= t <= after + datetime.timedelta(seconds=1), (obj, before, after)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def env(**kw):
    e = dict(os.environ, TZ="Asia/Tokyo")
    for k in ("TEND_LOG_FORMAT", "TEND_LOG_TIMESTAMPS"):
        e.pop(k, None)
    e.update(kw)
    return e


ONE_SERVICE = """
    [supervisord]
    %s
    [program:web]
    command=%s
    startsecs=0
    autorestart=false
"""


def run_one(sup, tmp_path, body, supervisord="", args=(), environ=None, name="web"):
    """tend with one service running BODY (python) to its end; returns (tend, before, after)."""
    cmd = script(tmp_path, "svc.py", body)
    before = now()
    t = sup.start((ONE_SERVICE % (supervisord, cmd)).replace("[program:web]", "[program:%s]" % name),
                  args=args, env=environ or env())
    exited = lambda: any(b"RUNNING -> EXITED" in l or b"RUNNING -> BACKOFF" in l for l in t.err.raw().split(b"\n"))
    wait_for(lambda: exited() or t._died(), 10, what=lambda: "the service's exit in:\n%s" % t.err.text())
    assert t.stop() == 0
    return t, before, now()


def test_json_service_lines_escaped(sup, tmp_path):
    body = ("sys.stdout.buffer.write(%r + b'\\n'); sys.stdout.flush()\n"
            "sys.stderr.buffer.write(b'to err\\n'); sys.stderr.flush()\n") % TRICKY
    t, before, after = run_one(sup, tmp_path, body, args=["--log-format=json"])
    out = objects(t.out.raw())
    assert len(out) == 1, out
    o = out[0]
    assert set(o) == {"time", "service", "stream", "line"}, o
    assert (o["service"], o["stream"], o["line"]) == ("web", "stdout", TRICKY_TEXT)
    check_time(o, before, after)
    # the raw line has no control byte and no DEL: all escaped
    assert not re.search(rb"[\x00-\x1f\x7f]", t.out.raw().rstrip(b"\n")), t.out.raw()
    err = objects(t.err.raw())
    svc = [e for e in err if "stream" in e]
    assert [(e["service"], e["stream"], e["line"]) for e in svc] == [("web", "stderr", "to err")], err


def test_json_own_lines(sup, tmp_path):
    t, before, after = run_one(sup, tmp_path, "print('hi')\n", supervisord="log_format=json", args=["-v"])
    err = objects(t.err.raw())  # every line of tend's stderr is an object
    own = [e for e in err if "msg" in e]
    assert own and len(own) == len(err), err
    for e in own:
        assert set(e) <= {"time", "level", "service", "msg"} and {"time", "level", "msg"} <= set(e), e
        assert e["level"] in ("error", "notice", "info", "debug"), e
        check_time(e, before, after)
    about = [(e["level"], e["msg"]) for e in own if e.get("service") == "web"]
    assert ("notice", "STOPPED -> STARTING") in about, own
    assert ("notice", "RUNNING -> EXITED: exit status 0; expected") in about, own
    assert any(lvl == "info" and m.startswith("spawned with pid ") for lvl, m in about), own
    # a line about no service has no "service"
    plain = [(e["level"], e["msg"]) for e in own if "service" not in e]
    assert ("info", "received SIGTERM: shutting down") in plain, own
    assert ("info", "stopping all services") in plain, own
    assert objects(t.out.raw())[0]["line"] == "hi"


def test_json_service_names_escaped(sup, tmp_path):
    t, _, _ = run_one(sup, tmp_path, "print('x')\n", args=["--log-format=json"], name='we"b\\x')
    o = objects(t.out.raw())[0]
    assert o["service"] == 'we"b\\x', o
    assert any(e.get("service") == 'we"b\\x' and e["msg"] == "STOPPED -> STARTING" for e in objects(t.err.raw()))


def test_json_long_lines_cut_like_text(sup, tmp_path):
    # 9000 ASCII bytes: pieces of 4000 as in text; 'a' + 3000 x 'é' (6001 bytes): the cut
    # at 4000 would fall inside a character, so that piece ends one byte earlier
    body = ("sys.stdout.buffer.write(b'k' * 9000 + b'\\n')\n"
            "sys.stdout.buffer.write(b'a' + '\\u00e9'.encode() * 3000 + b'\\n')\n"
            "sys.stdout.buffer.write(b'no newline at the end')\n")
    t, _, _ = run_one(sup, tmp_path, body, args=["--log-format=json"])
    lines = [o["line"] for o in objects(t.out.raw())]
    assert [len(x.encode()) for x in lines] == [4000, 4000, 1000, 3999, 2002, 21], [len(x) for x in lines]
    assert lines[:3] == ["k" * 4000, "k" * 4000, "k" * 1000]
    assert lines[3] + lines[4] == "a" + "\u00e9" * 3000 and "\ufffd" not in lines[3] + lines[4]
    assert lines[5] == "no newline at the end"


def test_exec_mode_json(procs, tend):
    before = now()
    rc, out, err = procs.run([tend, "--log-format=json", "-v", "--", "sh", "-c", "echo child-out; exit 3"],
                             pid1=True, env=env())
    after = now()
    assert rc == 3
    assert out == "child-out\n"  # the child's own stdout: not relayed, not wrapped
    own = objects(err.encode())
    assert any(e["level"] == "info" and re.fullmatch(r"main child \d+ exited with status 3", e["msg"]) for e in own), own
    for e in own:
        check_time(e, before, after)


def test_precedence(sup, tmp_path):
    body = "print('hello')\n"
    text = re.compile(r"^web \| hello$")
    # config json; the command line says text
    t, _, _ = run_one(sup, tmp_path, body, supervisord="log_format=json", args=["--log-format=text"])
    assert text.match(t.out.text()) and t.err.text().startswith("[tend] "), (t.out.text(), t.err.text())
    # config json; the environment says text
    t, _, _ = run_one(sup, tmp_path, body, supervisord="log_format=json", environ=env(TEND_LOG_FORMAT="text"))
    assert text.match(t.out.text()), t.out.text()
    # environment json; the command line says text
    t, _, _ = run_one(sup, tmp_path, body, environ=env(TEND_LOG_FORMAT="json"), args=["--log-format=text"])
    assert text.match(t.out.text()), t.out.text()
    # config text; the command line says json
    t, _, _ = run_one(sup, tmp_path, body, supervisord="log_format=TEXT", args=["--log-format=json"])
    assert objects(t.out.raw())[0]["line"] == "hello"
    # config text; the environment says JSON (values are case-insensitive)
    t, _, _ = run_one(sup, tmp_path, body, supervisord="log_format=text", environ=env(TEND_LOG_FORMAT="JSON"))
    assert objects(t.out.raw())[0]["line"] == "hello"
    # config timestamps on; the environment turns them off
    t, _, _ = run_one(sup, tmp_path, body, supervisord="log_timestamps=true", environ=env(TEND_LOG_TIMESTAMPS="0"))
    assert text.match(t.out.text()), t.out.text()


def test_timestamps(sup, tmp_path):
    body = "print('hello'); print('world')\n"
    for supervisord, args, environ in (("", ["--log-timestamps"], None),
                                       ("log_timestamps=yes", [], None),
                                       ("", [], env(TEND_LOG_TIMESTAMPS="1"))):
        t, before, after = run_one(sup, tmp_path, body, supervisord=supervisord, args=args, environ=environ)
        out = t.out.lines()
        assert len(out) == 2, out
        for line, word in zip(out, ("hello", "world")):
            m = re.fullmatch(r"(%s) web \| %s" % (STAMP, word), line)
            assert m, line
            check_time({"time": m.group(1)}, before, after)
        err = t.err.lines()
        assert err and all(re.match(r"^%s \[tend\] " % STAMP, l) for l in err), err
        assert any(re.match(r"^%s \[tend\] web: STOPPED -> STARTING$" % STAMP, l) for l in err), err
    # JSON always has its "time"; log_timestamps= changes nothing there
    t, _, _ = run_one(sup, tmp_path, body, supervisord="log_format=json\n    log_timestamps=true")
    assert [o["line"] for o in objects(t.out.raw())] == ["hello", "world"]


def test_config_errors(sup, tmp_path):
    for key, value, expect in (("log_format", "xml", "text or json"),
                               ("log_timestamps", "maybe", "true or false")):
        conf = "[supervisord]\nidentifier=x\n%s=%s\n[program:a]\ncommand=true\n" % (key, value)
        rc, out, err = sup.run(conf)
        path = str(tmp_path / "tend.conf")
        assert rc == 2, (rc, err)
        assert err == "%s:3: invalid value '%s' for key '%s' (expected %s)\n" % (path, value, key, expect), err


def test_option_and_env_errors(procs, tend):
    rc, out, err = procs.run([tend, "--log-format=xml", "--", "true"], env=env())
    assert rc == 2 and "invalid --log-format 'xml' (want text or json)" in err, (rc, err)
    rc, out, err = procs.run([tend, "--log-format"], env=env())
    assert rc == 2, (rc, err)
    rc, out, err = procs.run([tend, "--", "true"], env=env(TEND_LOG_FORMAT="yaml"))
    assert (rc, err) == (2, "tend: TEND_LOG_FORMAT: invalid value 'yaml' (expected text or json)\n")
    rc, out, err = procs.run([tend, "--", "true"], env=env(TEND_LOG_TIMESTAMPS="often"))
    assert (rc, err) == (2, "tend: TEND_LOG_TIMESTAMPS: invalid value 'often' (expected true or false)\n")
    # empty means unset
    rc, out, err = procs.run([tend, "--", "true"], env=env(TEND_LOG_FORMAT="", TEND_LOG_TIMESTAMPS=""))
    assert (rc, err) == (0, "")


def test_other_personas_keep_their_lines(procs, tend, tmp_path):
    tini = tmp_path / "tini"
    os.symlink(tend, tini)
    rc, out, err = procs.run([tini, "-vv", "--", "true"], env=env(TEND_LOG_FORMAT="json", TEND_LOG_TIMESTAMPS="1"))
    assert rc == 0
    assert err and all(l.startswith("[tini (") for l in err.splitlines()), err
