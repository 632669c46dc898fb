"""Loading a config must not hang or explode (issue 7): a FIFO as the config or an include
is refused without blocking, at start, in --check and on SIGHUP (item 5); memory grows
with the file, not with numprocs times its environment (8); log and pidfile directories
must exist, as supervisord requires (15, 21); control bytes are escaped (22); stored paths
are absolute (28). The pure parts are unit-tested in tests/unit/test_config_*.c."""
import os
import re
import signal

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
