"""tend exec mode on a terminal: foreground process group, Ctrl-C, Ctrl-Z,
job control of an interactive shell."""
import os
import signal

import pytest

from conftest import SLOW, children, proc_stat, proc_status, wait_for

PID1 = pytest.mark.parametrize("pid1", [False, True], ids=["child", "pid1"])


def base_env():
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": "/tmp",
        "TERM": "dumb",
        "PS1": "PROMPT$ ",
        "LANG": "C",
    }


@PID1
def test_child_gets_terminal_foreground(tty, tend, pid1):
    r, t = tty.start([tend, "--", "cat"], pid1=pid1, env=base_env())
    cat = r.child_pid(comm="cat")
    st = wait_for(lambda: (lambda s: s if s and s["tpgid"] == s["pgrp"] else None)(proc_stat(cat)),
                  what="cat to own the terminal's foreground; stat %r" % (proc_stat(cat),))
    assert st["pgrp"] == cat, "the child must lead its own process group"
    tst = proc_stat(r.tend_pid())
    assert tst["pgrp"] != cat
    # cat works through the terminal
    t.write("hello\n")
    t.wait_text(r"hello\r?\nhello")
    t.write("\x03")
    assert r.wait() == 130


@PID1
def test_ctrl_c_sleep(tty, tend, pid1):
    r, t = tty.start([tend, "--", "sleep", "100"], pid1=pid1, env=base_env())
    sl = r.child_pid(comm="sleep")
    wait_for(lambda: (lambda s: s and s["tpgid"] == s["pgrp"] == sl)(proc_stat(sl)),
             what="sleep in the foreground")
    t.write("\x03")
    assert r.wait() == 130


def _stopped_and_resumed(pid, base_vcsw):
    """True once `pid` is seen stopped (T), or has visibly gone through a
    stop and a resume (two more voluntary context switches: into the stop,
    and back to sleep in read() after SIGCONT) and sleeps again."""
    st = proc_stat(pid)
    if st is None:
        return "gone"
    if st["state"] in ("T", "t"):
        return "T"
    s = proc_status(pid)
    if s and st["state"] == "S" and int(s["voluntary_ctxt_switches"]) >= base_vcsw + 2:
        return "resumed"
    return None


def test_ctrl_z_pid1_child_is_resumed(tty, tend):
    r, t = tty.start([tend, "--", "cat"], pid1=True, env=base_env())
    cat = r.child_pid(comm="cat")
    wait_for(lambda: (lambda s: s and s["tpgid"] == s["pgrp"] == cat and s["state"] == "S")(proc_stat(cat)),
             what="cat in the foreground, waiting for input")
    base = int(proc_status(cat)["voluntary_ctxt_switches"])
    t.write("\x1a")
    seen = wait_for(lambda: _stopped_and_resumed(cat, base), what="cat to be stopped by Ctrl-Z")
    assert seen != "gone", "Ctrl-Z must stop cat, not end it"
    # tend (PID 1) must not leave it stopped forever.
    wait_for(lambda: (proc_stat(cat) or {"state": "gone"})["state"] not in ("T", "t"),
             what="tend to resume the stopped child (it is still stopped)")
    # ... so Ctrl-C still ends it.
    wait_for(lambda: (lambda s: s and s["tpgid"] == s["pgrp"] == cat)(proc_stat(cat)),
             what="cat back in the terminal's foreground")
    t.write("\x03")
    assert r.wait() == 130


@PID1
def test_interactive_bash_has_job_control(tty, tend, pid1):
    r, t = tty.start([tend, "--", "bash", "--norc", "--noprofile", "--noediting", "-i"],
                     pid1=pid1, env=base_env())
    t.wait_text(r"PROMPT\$ ")
    out = t.text()
    assert "no job control" not in out and "cannot set terminal process group" not in out, out
    bash = r.child_pid(comm="bash")
    mark = len(t.text())
    t.write("sleep 100\n")

    def fg_sleep():
        for c in children(bash):
            st = proc_stat(c)
            if st and st["comm"] == "sleep" and st["tpgid"] == st["pgrp"] == c:
                return c
        return None

    sl = wait_for(fg_sleep, what="sleep 100 as bash's foreground job")
    t.write("\x1a")
    t.wait_text(r"Stopped", start=mark)
    t.wait_text(r"PROMPT\$ ", start=t.text().index("Stopped", mark))
    assert proc_stat(sl)["state"] in ("T", "t")
    # `kill %1; exit 5` on one line makes bash refuse ("There are stopped
    # jobs.") because it has not noticed the job's death yet; the same can
    # happen a little later, in which case bash's rule is: a second `exit`
    # leaves anyway.
    t.write("kill %1\n")
    wait_for(lambda: (proc_stat(sl) or {"state": "Z"})["state"] == "Z", what="job 1 killed")
    mark = len(t.text())
    t.write("exit 5\n")
    wait_for(lambda: r.p.poll() is not None or "There are stopped jobs" in t.text()[mark:], 10,
             what=lambda: "bash to exit; terminal: %r" % t.text()[-600:])
    if r.p.poll() is None:
        t.write("exit 5\n")
    wait_for(lambda: r.p.poll() is not None, 10,
             what=lambda: "bash to exit; terminal: %r" % t.text()[-600:])
    rc = r.wait()
    assert rc == 5, t.text()[-500:]
