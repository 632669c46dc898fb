"""Loading a config must not hang or explode (issue 7): a FIFO as the config or an include
is refused without blocking, at start, in --check and on SIGHUP (item 5); memory grows
with the file, not with numprocs times its environment (8); log and pidfile directories
must exist, as supervisord requires (15, 21); control bytes are escaped (22); stored paths
are absolute (28). The pure parts are unit-tested in tests/unit/test_config_*.c."""
import os
import re
import signal
import subprocess

import pytest

from conftest import wait_for
from supervise_util import helper, ident, read_lines, same_process_alive, sup, write_conf  # noqa: F401


def prog(sup, tmp_path, name, extra=""):
    return "[program:%s]\ncommand=%s\n%s" % (name, sup.svc_cmd("slowterm", name, tmp_path, 0), extra)


def ready(tmp_path, name, n=1):
    wait_for(lambda: len(read_lines(tmp_path / (name + ".ready"))) >= n, 10,
             what="%s to be ready (%d)" % (name, n))


# ---- item 5: FIFOs -----------------------------------------------------------------------

def test_fifo_config_is_refused_promptly(sup, tmp_path):
    fifo = str(tmp_path / "tend.conf")
    os.mkfifo(fifo)
    for args, pid1 in (([], True), (["--check"], False)):
        # a hang would end in the fixture's deadline (a test failure), not in an answer
        rc, out, err = sup.run(fifo, args, pid1=pid1)
        assert rc == 2, (rc, out, err)
        assert err == "%s: not a regular file\n" % fifo, err
        assert out == ""


def test_fifo_include_on_sighup_is_refused_and_tend_stays_responsive(sup, tmp_path):
    (tmp_path / "conf.d").mkdir()
    write_conf(tmp_path / "conf.d" / "a.conf", prog(sup, tmp_path, "a"))
    conf = write_conf(tmp_path / "tend.conf", "[supervisord]\n[include]\nfiles=conf.d/*.conf\n")
    t = sup.start(conf)
    ready(tmp_path, "a")
    t.wait_event(r"^\[tend\] a: STARTING -> RUNNING")
    a = ident(t.main_pid("a"))
    fifo = str(tmp_path / "conf.d" / "b.conf")
    os.mkfifo(fifo)
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] reload: %s:3: included file %s: not a regular file; keeping the running configuration$"
                 % (re.escape(conf), re.escape(fifo)))
    assert same_process_alive(a)
    # the loop still runs: a second SIGHUP is answered the same way, SIGTERM stops everything
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] reload: .*not a regular file", n=2)
    assert t.stop() == 0
    assert len(read_lines(tmp_path / "a.done")) == 1


# ---- item 8: memory ----------------------------------------------------------------------

def test_check_memory_grows_with_the_file_not_with_numprocs(procs, tend, tmp_path):
    # ~100 KB of [supervisord] environment, 2,000 instances: a copy per instance needed
    # 2,000 x 100 KB and more (370 MB; the 490 KB x 10,000 peaked at 7-9 GB)
    pairs = ["VAR%05d=value_%05d" % (i, i) for i in range(4700)]
    env = ",\n    ".join(",".join(pairs[i:i + 40]) for i in range(0, len(pairs), 40))
    conf = write_conf(tmp_path / "big.conf", "[supervisord]\nenvironment=%s\n[program:w]\ncommand=/bin/true\n"
                      "process_name=w%%(process_num)d\nnumprocs=2000\n" % env)
    assert 90000 < os.path.getsize(conf) < 110000
    rc, out, err = procs.run([helper("maxrss"), tend, "-c", conf, "--check"], timeout=60)
    assert rc == 0, err
    m = re.search(r"^MAXRSS (\d+)$", err, re.M)
    assert m, err
    # a resource bound, not a timing: 3 MB here (11 MB for the sanitizer build, which
    # carries its runtime and shadow memory)
    assert int(m.group(1)) < 48 * 1024, "peak RSS %s KB for a 0.1 MB config" % m.group(1)
    assert "the [supervisord] environment (4700 variables)" in out


# ---- items 15, 21: directories supervisord requires ----------------------------------------

def test_log_directory_must_exist(sup, tmp_path):
    marker = tmp_path / "canary-ran"
    missing = str(tmp_path / "nodir" / "out.log")
    conf = write_conf(tmp_path / "bad.conf", "[supervisord]\n[program:canary]\ncommand=touch %s\n"
                      "stdout_logfile=%s\n" % (marker, missing))
    for args, pid1 in (([], True), (["--check"], False)):
        rc, out, err = sup.run(conf, args, pid1=pid1)
        assert rc == 2, (rc, out, err)
        assert err == "%s:4: The directory named as part of the path %s does not exist\n" % (conf, missing), err
    assert not os.path.exists(marker)


def test_sighup_with_missing_log_directory_is_refused(sup, tmp_path):
    conf = tmp_path / "tend.conf"
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "a"))
    t = sup.start(str(conf))
    ready(tmp_path, "a")
    a = ident(t.main_pid("a"))
    missing = str(tmp_path / "gone" / "a.log")
    write_conf(conf, "[supervisord]\n" + prog(sup, tmp_path, "a", "stdout_logfile=%s\n" % missing))
    t.kill(signal.SIGHUP)
    t.wait_event(r"^\[tend\] reload: %s:4: The directory named as part of the path %s does not exist; "
                 r"keeping the running configuration$" % (re.escape(str(conf)), re.escape(missing)))
    assert same_process_alive(a)
    assert t.spawns("a") == 1
    assert t.stop() == 0


def test_pidfile_minfds_minprocs_in_check_output(sup, tmp_path):
    (tmp_path / "run").mkdir()
    conf = write_conf(tmp_path / "p.conf", "[supervisord]\npidfile=run/tend.pid\nminfds=2048\nminprocs=100\n"
                      "[program:a]\ncommand=/bin/true\n")
    rc, out, err = sup.run(conf, ["--check"], pid1=False, cwd=str(tmp_path))
    assert rc == 0, err
    assert "# pidfile: %s\n" % (tmp_path / "run" / "tend.pid") in out, out
    assert "# minfds: 2048, minprocs: 100\n" in out, out
    conf = write_conf(tmp_path / "q.conf", "[supervisord]\npidfile=%s\n" % (tmp_path / "norun" / "tend.pid"))
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert rc == 2 and err.startswith("%s:2: The directory named as part of the path " % conf), (rc, err)


# ---- item 22: control bytes ----------------------------------------------------------------

def test_control_bytes_in_messages_are_escaped(sup, tmp_path):
    conf = write_conf(tmp_path / "c.conf", "[program:a]\ncommand=/bin/true\nautostart=\x1b[2J\x1b]0;x\x07\n"
                      "b\x01gus=1\n")
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert rc == 2
    assert "\x1b" not in err and "\x07" not in err and "\x01" not in err, repr(err)
    assert "invalid value '\\x1b[2J\\x1b]0;x\\x07' for key 'autostart'" in err, err
    assert "unknown key 'b\\x01gus'" in err, err


# ---- item 28: absolute paths ---------------------------------------------------------------

def test_relative_paths_are_resolved_at_load(sup, tmp_path):
    (tmp_path / "logs").mkdir()
    write_conf(tmp_path / "rel.conf", "[program:a]\ncommand=/bin/true\nstdout_logfile=logs/a.log\n")
    rc, out, err = sup.run("rel.conf", ["--check"], pid1=False, cwd=str(tmp_path))
    assert rc == 0, err
    assert out.startswith("# %s: 1 process\n" % (tmp_path / "rel.conf")), out
    assert re.search(r"^  stdout +%s " % re.escape(str(tmp_path / "logs" / "a.log")), out, re.M), out


# ---- the control server's sections: supervisord's messages, tend's FILE:LINE --------------

CTL_HEAD = "[supervisord]\nlogfile=%(here)s/sd.log\npidfile=%(here)s/sd.pid\n"
CTL_TAIL = "[program:a]\ncommand=/bin/true\n"

# (text between CTL_HEAD and CTL_TAIL, the line tend names, tend's message, whether real
# supervisord prints the same message: where its words are right, tend uses them).
CTL_ERRORS = [
    ("[unix_http_server]\nchmod=0700\n", 4, "section [unix_http_server] has no file value", True),
    ("[unix_http_server]\nfile=%(here)s/s\nchmod=0899\n", 6, "Invalid chmod value 0899", True),
    ("[unix_http_server]\nfile=%(here)s/s\nchown=no-such-user-x\n", 6, "Invalid sockchown value no-such-user-x", True),
    ("[unix_http_server]\nfile=%(here)s/s\nchown=nobody:no-such-group-x\n", 6,
     "Invalid sockchown value nobody:no-such-group-x", True),
    ("[unix_http_server]\nfile=%(here)s/s\nusername=u\n", 4,
     "Section [unix_http_server] contains incomplete authentication: If a username or a password is specified, "
     "both the username and password must be specified", True),
    ("[inet_http_server]\nusername=u\npassword=p\n", 4, "section [inet_http_server] has no port value", True),
    ("[inet_http_server]\nport=9001\npassword=p\n", 4,
     "Section [inet_http_server] contains incomplete authentication: If a username or a password is specified, "
     "both the username and password must be specified", True),
    ("[rpcinterface:supervisor]\nx=1\n", 4,
     "section [rpcinterface:supervisor] does not specify a supervisor.rpcinterface_factory", True),
    # supervisord: "not a valid port number: 'abc' " (a trailing blank)
    ("[inet_http_server]\nport=abc\n", 5, "not a valid port number: 'abc'", False),
    # supervisord: Python's "invalid literal for int() with base 10: 'x'"
    ("[inet_http_server]\nport=127.0.0.1:x\n", 5, "not a valid port number: 'x'", False),
    # supervisord: "no port number specified in ''" (it shows the empty port, not the value)
    ("[inet_http_server]\nport=127.0.0.1:\n", 5, "no port number specified in '127.0.0.1:'", False),
    # supervisord accepts it and listens on its working directory's name
    ("[unix_http_server]\nfile=\n", 5, "section [unix_http_server] has no file value", False),
    # tend's extension, in [supervisord]
    ("tail_bytes=65MB\n", 4,
     "invalid value '65MB' for key 'tail_bytes' (expected a size up to 64MB such as 1MB, 64KB or 0)", False),
]


@pytest.mark.parametrize("text,line,msg,same", CTL_ERRORS, ids=[c[2][:40] for c in CTL_ERRORS])
def test_control_server_section_errors(sup, tmp_path, text, line, msg, same):
    conf = write_conf(tmp_path / "c.conf", CTL_HEAD + text + CTL_TAIL)
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert (rc, out, err) == (2, "", "%s:%d: %s\n" % (conf, line, msg))
    if same:
        r = subprocess.run(["/usr/bin/supervisord", "-n", "-c", conf], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30, universal_newlines=True)
        assert r.returncode == 2 and r.stdout.startswith("Error: %s\n" % msg), r.stdout


def test_control_server_settings_in_check_output(sup, tmp_path):
    conf = write_conf(tmp_path / "c.conf", CTL_HEAD + "identifier=box\ntail_bytes=64KB\n"
                      "[unix_http_server]\nfile=%(here)s/sock\nchmod=0770\nchown=nobody:nogroup\n"
                      "username=u\npassword={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d\n"
                      "[inet_http_server]\nport=127.0.0.1:9001\nusername=admin\npassword=secret\n"
                      "[supervisorctl]\nserverurl=unix://%(here)s/sock\n"
                      "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
                      "supervisor.rpcinterface:make_main_rpcinterface\n" + CTL_TAIL)
    rc, out, err = sup.run(conf, ["--check"], pid1=False)
    assert rc == 0 and err == "", err
    assert "# [unix_http_server] %s mode 0770 owner 65534:65534, username u password ***\n" % (tmp_path / "sock") in out
    assert "# [inet_http_server] 127.0.0.1:9001, username admin password ***\n" in out
    assert "# identifier: box, tail_bytes: 65536\n" in out
    assert "  tail_bytes   1048576\n" in out
    assert "secret" not in out and "82ab876d" not in out
