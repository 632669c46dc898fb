"""Services' output: prefixed whole lines on tend's stdout/stderr, /dev/stdout,
/dev/fd/N, NONE, redirect_stderr, log files with rotation, SIGUSR2 reopen."""
import os
import re
import signal

import pytest

from conftest import wait_for
from supervise_util import read_lines, sup  # noqa: F401




def test_two_services_100k_lines_each(sup, tmp_path):
    n = 100000
    t = sup.start("""
        [supervisord]
        [program:alpha]
        command=%s
        startsecs=0
        autorestart=false
        [program:be]
        command=%s
        startsecs=0
        autorestart=false
    """ % (sup.svc_cmd("lines", "alpha", n), sup.svc_cmd("lines", "be", n)))
    for name in ("alpha", "be"):
        t.wait_event(r"^\[tend\] %s: RUNNING -> EXITED: exit status 0; expected$" % name, timeout=60)
    wait_for(lambda: t.out.raw().count(b"\n") >= 2 * n, 60,
             what=lambda: "200000 lines on stdout, got %d" % t.out.raw().count(b"\n"))
    assert t.stop() == 0
    data = t.out.text()
    assert data.endswith("\n")
    rx = re.compile(r"^(alpha|be   ) \| (alpha|be) (\d+) (x*)$")
    nxt = {"alpha": 1, "be": 1}
    bad = []
    for line in data.split("\n")[:-1]:
        m = rx.match(line)
        if not m or m.group(1).strip() != m.group(2):
            bad.append(line)
            continue
        name, i, pad = m.group(2), int(m.group(3)), m.group(4)
        if i != nxt[name] or len(pad) != i % 97:
            bad.append(line)
        nxt[name] = i + 1
    assert not bad, ("torn, mis-prefixed, lost or reordered lines", len(bad), bad[:5])
    assert nxt == {"alpha": n + 1, "be": n + 1}, nxt
    assert not [l for l in t.err.lines() if not l.startswith("[tend] ")], t.err.lines()[:5]


def test_stderr_prefixed_and_redirect(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:split]
        command=sh -c 'echo to-out; echo to-err >&2'
        startsecs=0
        autorestart=false
        [program:merged]
        command=sh -c 'echo m-out; echo m-err >&2'
        startsecs=0
        autorestart=false
        redirect_stderr=true
    """)
    for n in ("split", "merged"):
        t.wait_event(r"^\[tend\] %s: RUNNING -> EXITED" % n)
    wait_for(lambda: len(t.out.lines()) >= 3, 5, what="3 lines on stdout")
    wait_for(lambda: "split  | to-err" in t.err.lines(), 5, what="stderr line")
    assert t.stop() == 0
    assert sorted(t.out.lines()) == ["merged | m-err", "merged | m-out", "split  | to-out"], t.out.lines()
    assert [l for l in t.err.lines() if not l.startswith("[tend]")] == ["split  | to-err"], t.err.lines()


def test_line_across_read_boundary(sup, tmp_path):
    # 300 lines of exactly 30 bytes in a single write(2): 9000 bytes, no line may be
    # cut where tend's reads end.
    t = sup.start("""
        [supervisord]
        [program:burst]
        command=/usr/bin/python3 -c 'import os; os.write(1, b"".join(b"line %%04d " %% i + b"y" * 19 + b"\\n" for i in range(300)))'
        startsecs=0
        autorestart=false
    """)
    t.wait_event(r"^\[tend\] burst: RUNNING -> EXITED: exit status 0; expected$")
    wait_for(lambda: t.count(r"^burst \| line 0299 ", "out") == 1, 10,
             what=lambda: "the last line; stdout tail: %r" % t.out.text()[-300:])
    assert t.stop() == 0
    assert t.out.lines() == ["burst | line %04d %s" % (i, "y" * 19) for i in range(300)], \
        [l for l in t.out.lines() if not re.match(r"^burst \| line \d{4} y{19}$", l)]


def test_final_line_without_newline(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:nonl]
        command=sh -c 'printf "first\\nno-newline-at-end"'
        startsecs=0
        autorestart=false
        [program:other]
        command=sleep 1000
    """)
    t.wait_event(r"^\[tend\] nonl: RUNNING -> EXITED")
    wait_for(lambda: "nonl  | no-newline-at-end" in t.out.lines(), 5,
             what=lambda: "the unterminated line after the service exited; stdout: %r" % t.out.text())
    assert t.out.lines()[:2] == ["nonl  | first", "nonl  | no-newline-at-end"], t.out.lines()
    assert t.stop() == 0


def test_final_line_not_glued_to_next_run(sup, tmp_path):
    runs = tmp_path / "runs"
    t = sup.start("""
        [supervisord]
        [program:nonl]
        command=sh -c 'echo x >> %s; printf "run-start\\nno-newline"'
        startsecs=0
        autorestart=true
    """ % runs)
    wait_for(lambda: len(read_lines(runs)) >= 3, 10, what="3 runs")
    assert t.stop() == 0
    out = t.out.lines()
    assert "nonl | no-newlinerun-start" not in out, out[:6]
    assert out[:4] == ["nonl | run-start", "nonl | no-newline"] * 2, out[:6]


def test_partial_line_of_running_service_delivered_at_shutdown(sup, tmp_path):
    t = sup.start("""
        [supervisord]
        [program:partial]
        command=sh -c 'printf "err-without-newline" >&2; exec sleep 1000'
    """)
    t.wait_event(r"^\[tend\] partial: STARTING -> RUNNING")
    assert t.stop() == 0
    assert "partial | err-without-newline" in t.err.lines(), t.err.text()


def test_dev_stdout_default_maxbytes(sup, tmp_path):
    # supervisord's "Illegal seek" trap: /dev/stdout with the default maxbytes (50MB)
    # must just work; tend's stdout and stderr are pipes here.
    t = sup.start("""
        [supervisord]
        [program:devout]
        command=%s
        stdout_logfile=/dev/stdout
        startsecs=0
        autorestart=false
        [program:deverr]
        command=sh -c 'echo e1 >&2; echo e2 >&2'
        stderr_logfile=/dev/stderr
        startsecs=0
        autorestart=false
        [program:fd1]
        command=sh -c 'echo viafd'
        stdout_logfile=/dev/fd/1
        startsecs=0
        autorestart=false
        [program:fd2]
        command=sh -c 'echo out-to-fd2'
        stdout_logfile=/dev/fd/2
        startsecs=0
        autorestart=false
    """ % sup.svc_cmd("lines", "devout", 100))
    for n in ("devout", "deverr", "fd1", "fd2"):
        t.wait_event(r"^\[tend\] %s: RUNNING -> EXITED: exit status 0; expected$" % n)
    wait_for(lambda: t.count(r"^devout \| devout 100 ", "out") == 1, 10, what="all 100 lines")
    wait_for(lambda: "fd1    | viafd" in t.out.lines(), 5, what="/dev/fd/1 line")
    wait_for(lambda: "fd2    | out-to-fd2" in t.err.lines(), 5, what="/dev/fd/2 line")
    wait_for(lambda: "deverr | e2" in t.err.lines(), 5, what="/dev/stderr lines")
    assert t.stop() == 0
    # 100 lines (< 4000 bytes: independent of the torn-line bug)
    assert t.count(r"^devout \| devout \d+ x*$", "out") == 100
    assert "Illegal seek" not in t.err.text()
    assert [l for l in t.err.lines() if l.startswith("deverr")] == ["deverr | e1", "deverr | e2"]


def test_none_drains_output(sup, tmp_path):
    # NONE drops the output but keeps draining: a chatty service never blocks.
    done = tmp_path / "done"
    t = sup.start("""
        [supervisord]
        [program:quiet]
        command=sh -c '%s; touch %s'
        stdout_logfile=NONE
        stderr_logfile=NONE
        startsecs=0
        autorestart=false
    """ % (sup.svc_cmd("lines", "q", 200000), done))
    t.wait_event(r"^\[tend\] quiet: RUNNING -> EXITED: exit status 0; expected$", timeout=30)
    assert os.path.exists(done)
    assert t.stop() == 0
    assert t.out.text() == ""


def test_file_log_raw_and_rotated(sup, tmp_path):
    # 180 lines, ~3.3 KB in all: more than maxbytes * (backups + 1), so the oldest
    # rotation is dropped; < 4000 bytes so the torn-line bug cannot interfere.
    log = tmp_path / "svc.log"
    n = 180
    t = sup.start("""
        [supervisord]
        [program:rot]
        command=sh -c 'i=1; while [ $i -le %d ]; do echo "line $i abcdefghij"; i=$((i+1)); done'
        stdout_logfile=%s
        stdout_logfile_maxbytes=1KB
        stdout_logfile_backups=2
        startsecs=0
        autorestart=false
    """ % (n, log))
    t.wait_event(r"^\[tend\] rot: RUNNING -> EXITED: exit status 0; expected$")
    # the keeper exits after everything is reaped; the file is complete once the
    # last line is there
    wait_for(lambda: ("line %d abcdefghij" % n) in read_lines(log), 10, what="the last line in the log file")
    assert t.stop() == 0
    assert t.out.text() == "", "a file log does not go to tend's stdout"
    files = sorted(os.listdir(str(tmp_path)))
    assert "svc.log.1" in files and "svc.log.2" in files and "svc.log.3" not in files, files
    lines = []
    for f in ("svc.log.2", "svc.log.1", "svc.log"):
        with open(str(tmp_path / f)) as fh:
            data = fh.read()
        assert data.endswith("\n"), (f, data[-50:])
        assert len(data) <= 1024, (f, len(data), "rotated at maxbytes")
        lines += data.splitlines()
    # raw lines (no prefix), the newest ones, contiguous, in order
    nums = [int(re.match(r"^line (\d+) abcdefghij$", l).group(1)) for l in lines]
    assert nums == list(range(nums[0], n + 1)), nums
    assert nums[0] > 1, "only 2 backups are kept: the oldest lines are gone"
    assert len(nums) > 2 * (1024 // 20), "backups hold the older lines"


def test_sigusr2_reopens_log_files(sup, tmp_path):
    log = tmp_path / "tick.log"
    t = sup.start("""
        [supervisord]
        [program:tick]
        command=%s
        stdout_logfile=%s
        stdout_logfile_maxbytes=0
    """ % (sup.svc_cmd("tick", 0.01), log))
    wait_for(lambda: len(read_lines(log)) >= 5, 10, what="ticks in the log")
    os.rename(str(log), str(tmp_path / "tick.log.old"))
    t.kill(signal.SIGUSR2)
    wait_for(lambda: len(read_lines(log)) >= 5, 10, what="ticks in the reopened log")
    assert t.stop() == 0
    old, new = read_lines(tmp_path / "tick.log.old"), read_lines(log)
    nums = [int(l.split()[1]) for l in old + new]
    assert nums == list(range(1, len(nums) + 1)), "no tick lost or duplicated across the reopen"
    assert t.run.p.returncode == 0


def test_sigusr2_without_files_is_harmless(sup, tmp_path):
    t = sup.start("[supervisord]\n[program:s]\ncommand=%s\n" % sup.svc_cmd("tick", 0.05))
    t.wait_count(r"^s \| tick 2$", stream="out")
    t.kill(signal.SIGUSR2)
    n = t.count(r"^s \| tick", "out")
    t.wait_count(r"^s \| tick", n=n + 3, stream="out")
    assert t.stop() == 0
    assert t.spawns("s") == 1
