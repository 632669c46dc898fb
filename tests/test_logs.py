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


# ---------------------------------------------------------------------------
# The read/emit loop (issue 7: items 11, 12, 13, 14, 22 and the acceptance test)

from conftest import proc_stat  # noqa: E402
from log_util import console_lines, first_difference, line, script, start  # noqa: E402

ALL_LENGTHS = r'''
import fcntl, os, sys, termios, time
try:
    fcntl.fcntl(1, 1031, 1 << 20)  # F_SETPIPE_SZ: room for a run that ends with > 64 KB unread
except OSError:
    pass
hand = sys.argv[1]  # a directory for the handshake, or "-"

def wall(b):
    while b:
        b = b[os.write(1, b):]

pending, size = [], 0
for n in range(1, 20001):
    data = line(n) + b"\n"
    if n % 7 == 0:  # alone, in two writes cut in the middle
        wall(b"".join(pending))
        pending, size = [], 0
        wall(data[:n // 2])
        wall(data[n // 2:])
    else:  # bursts of >= 200 KB in one write
        pending.append(data)
        size += len(data)
        if size >= 200000:
            wall(b"".join(pending))
            pending, size = [], 0
wall(b"".join(pending))
left = bytearray(4)
if hand != "-":  # once tend has read all that, the test stops reading tend's stdout
    while fcntl.ioctl(1, termios.FIONREAD, left) or int.from_bytes(left, sys.byteorder):
        time.sleep(0.01)
    open(os.path.join(hand, "phase2"), "w").close()
    while not os.path.exists(os.path.join(hand, "go")):
        time.sleep(0.01)
wall(b"".join(b"burst %06d " % i + b"y" * 86 + b"\n" for i in range(3000)) + line(5000))
fcntl.ioctl(1, termios.FIONREAD, left)
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % int.from_bytes(left, sys.byteorder))
'''


def all_lengths_bytes():
    out = [line(n) + b"\n" for n in range(1, 20001)]
    out += [b"burst %06d " % i + b"y" * 86 + b"\n" for i in range(3000)]
    return b"".join(out) + line(5000)


def test_every_line_length_console_and_file(sup, tmp_path):
    """Lines of every length from 1 to 20,000 bytes, in bursts of 200 KB and in single
    writes cut in two, then a run that ends with more than 64 KB still in the pipe and an
    unterminated 5,000-byte last line: the file gets the bytes unchanged, the console
    every line prefixed, cut into 4,000-byte pieces, nothing lost, added or torn."""
    hand = tmp_path / "hand"
    hand.mkdir()
    log = tmp_path / "all.log"
    gen = script(sup, "all.py", ALL_LENGTHS)
    t = start(sup, """
        [supervisord]
        [program:con]
        command=%s %s %s
        startsecs=0
        autorestart=false
        [program:file]
        command=%s - %s
        stdout_logfile=%s
        stdout_logfile_maxbytes=0
        startsecs=0
        autorestart=false
    """ % (gen, hand, tmp_path / "con.left", gen, tmp_path / "file.left", log))
    want = all_lengths_bytes()
    wait_for(lambda: (hand / "phase2").exists(), 120, what="the console service's first phase")
    t.out.pause()
    (hand / "go").touch()
    t.wait_event(r"^\[tend\] con: RUNNING -> EXITED: exit status 0; expected$", timeout=60)
    t.wait_event(r"^\[tend\] file: RUNNING -> EXITED: exit status 0; expected$", timeout=120)
    left = int(read_lines(tmp_path / "con.left")[0])
    assert left > 64000, "the console run must end with more than 64 KB unread (%d)" % left
    t.out.resume()
    got = log.read_bytes()
    assert got == want, "file: " + first_difference(got, want)
    want_con = console_lines(want, b"con  | ")
    wait_for(lambda: len(t.out.raw()) >= len(want_con), 60,
             what=lambda: "the console output: " + first_difference(t.out.raw(), want_con))
    assert t.stop() == 0
    got = t.out.raw()
    assert got == want_con, "console: " + first_difference(got, want_con)


def test_burst_is_emitted_without_more_writes(sup, tmp_path):
    # item 11: 62,000 bytes in one write, then silence: every line must come out
    # (the 16th read of a drain used to stay in the buffer until the next write).
    cmd = script(sup, "burst.py", r'''
import os, time
os.write(1, b"".join(b"%05d " % i + b"b" * 94 + b"\n" for i in range(620)))
time.sleep(1000)
''')
    t = sup.start("""
        [supervisord]
        [program:burst]
        command=%s
    """ % cmd)
    wait_for(lambda: t.count(r"^burst \| 00619 b{94}$", "out") == 1, 10,
             what=lambda: "the burst's last line; stdout has %d lines" % len(t.out.lines()))
    assert t.out.lines() == ["burst | %05d %s" % (i, "b" * 94) for i in range(620)]
    assert t.stop() == 0


def test_run_end_with_more_than_64k_in_pipe(sup, tmp_path):
    # item 12: the run ends with far more than 64,000 bytes unread: no line may be cut in
    # two, none lost. tend is stopped (SIGSTOP) while the service fills a 1 MiB pipe and
    # exits and its keeper exits, so tend sees the run end with the pipe still full.
    log = tmp_path / "big.log"
    go = tmp_path / "go"
    cmd = script(sup, "fill.py", r'''
import fcntl, os, sys, time
fcntl.fcntl(1, 1031, 1 << 20)
data = b"".join(b"%06d " % i + b"f" * 91 + b"\n" for i in range(10000))
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
while data:
    data = data[os.write(1, data):]
os._exit(0)
''')
    t = sup.start("""
        [supervisord]
        [program:fill]
        command=%s %s
        stdout_logfile=%s
        stdout_logfile_maxbytes=0
        startsecs=0
        autorestart=false
    """ % (cmd, go, log))
    t.wait_event(r"^\[tend\] fill: STARTING -> RUNNING")
    keeper = t.keeper("fill")
    t.kill(signal.SIGSTOP)
    wait_for(lambda: proc_stat(t.pid)["state"] == "T", 5, what="tend stopped")
    go.touch()
    wait_for(lambda: proc_stat(keeper)["state"] == "Z", 10, what="the keeper gone (a zombie of the stopped tend)")
    t.kill(signal.SIGCONT)
    t.wait_event(r"^\[tend\] fill: RUNNING -> EXITED: exit status 0; expected$")
    want = b"".join(b"%06d " % i + b"f" * 91 + b"\n" for i in range(10000))
    wait_for(lambda: log.stat().st_size >= len(want), 10,
             what=lambda: "990,000 bytes in the log, got %d" % log.stat().st_size)
    assert t.stop() == 0
    got = log.read_bytes()
    assert got == want, first_difference(got, want)


def test_lines_of_exactly_4000_times_k(sup, tmp_path):
    # item 13: lines of 4,000, 8,000 and 12,000 bytes: no invented empty line on the
    # console, no extra newline in the file.
    log = tmp_path / "k.log"
    body = r'''
import os
for n in (4000, 8000, 12000, 3999, 4001):
    os.write(1, b"k" * n + b"\n")
os.write(1, b"end\n")
'''
    t = sup.start("""
        [supervisord]
        [program:con]
        command=%s
        startsecs=0
        autorestart=false
        [program:file]
        command=%s
        stdout_logfile=%s
        startsecs=0
        autorestart=false
    """ % (script(sup, "k1.py", body), script(sup, "k2.py", body), log))
    want = b"".join(b"k" * n + b"\n" for n in (4000, 8000, 12000, 3999, 4001)) + b"end\n"
    wait_for(lambda: t.count(r"^con  \| end$", "out") == 1, 10, what="the console's last line")
    wait_for(lambda: log.exists() and log.read_bytes().endswith(b"end\n"), 10, what="the file's last line")
    assert t.stop() == 0
    pieces = [len(l) - len("con  | ") for l in t.out.lines()]
    assert pieces == [4000, 4000, 4000, 4000, 4000, 4000, 3999, 4000, 1, 3], pieces
    got = log.read_bytes()
    assert got == want, first_difference(got, want)


def test_rotation_uses_real_size_after_truncation(sup, tmp_path):
    # item 14: after `: > app.log` (logrotate copytruncate), the next line must not
    # rotate the (now small) file and push out a backup.
    log = tmp_path / "app.log"
    (tmp_path / "app.log.1").write_text("backup one\n")
    go = tmp_path / "go"
    cmd = script(sup, "trunc.py", r'''
import os, sys, time
os.write(1, b"".join(b"first %03d " % i + b"a" * 89 + b"\n" for i in range(9)))
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
os.write(1, b"after truncation " + b"z" * 182 + b"\n")
time.sleep(1000)
''')
    t = sup.start("""
        [supervisord]
        [program:app]
        command=%s %s
        stdout_logfile=%s
        stdout_logfile_maxbytes=1KB
        stdout_logfile_backups=2
    """ % (cmd, go, log))
    wait_for(lambda: log.exists() and log.stat().st_size == 900, 10, what="900 bytes in app.log")
    with open(str(log), "w"):
        pass  # truncated from outside
    go.touch()
    wait_for(lambda: log.stat().st_size > 0, 10, what="the line after the truncation")
    assert t.stop() == 0
    assert log.read_bytes() == b"after truncation " + b"z" * 182 + b"\n"
    assert (tmp_path / "app.log.1").read_text() == "backup one\n", "rotated although the file was small"
    assert not (tmp_path / "app.log.2").exists()


def test_long_name_prefixed_whole(sup, tmp_path):
    # item 22: names are aligned to 24 columns; a longer one is printed whole.
    name = "n" * 70 + "0123456789"
    t = sup.start("""
        [supervisord]
        [program:%s]
        command=sh -c 'echo hello; echo world >&2'
        startsecs=0
        autorestart=false
        [program:short]
        command=echo hi
        startsecs=0
        autorestart=false
    """ % name)
    wait_for(lambda: len(t.out.lines()) >= 2, 10, what="two lines on stdout")
    wait_for(lambda: (name + " | world") in t.err.lines(), 10, what="the stderr line")
    assert t.stop() == 0
    assert sorted(t.out.lines()) == sorted([name + " | hello", "short" + " " * 19 + " | hi"]), t.out.lines()
