"""Process plumbing: spawning, the /proc view, bounded waits, and cleanup by
PID (the harness is a child subreaper, so nothing it starts escapes it)."""

import ctypes
import os
import select
import signal
import subprocess
import time


def set_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def spawn(argv, out=None, err=None, env=None, stdin_fd=None, stdout_fd=None):
    """posix_spawn argv. stdin: /dev/null or stdin_fd; stdout: the file `out`
    (appended; /dev/null if None) or the descriptor stdout_fd; stderr: the file
    `err`, else `out`, else /dev/null."""
    fa = [(os.POSIX_SPAWN_DUP2, stdin_fd, 0) if stdin_fd is not None else
          (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_DUP2, stdout_fd, 1) if stdout_fd is not None else
          (os.POSIX_SPAWN_OPEN, 1, out or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
          (os.POSIX_SPAWN_OPEN, 2, err or out or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)]
    return os.posix_spawn(argv[0], argv, env if env is not None else os.environ, file_actions=fa)


def proc_table():
    """pid -> (ppid, state, comm) for every process visible in /proc."""
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        rp = s.rfind(")")
        f2 = s[rp + 2:].split()
        t[int(d)] = (int(f2[1]), f2[0], s[s.find("(") + 1:rp])
    return t


def descendants(root, table=None):
    table = table or proc_table()
    kids = {}
    for pid, (ppid, _, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, stack = [], [root]
    while stack:
        p = stack.pop()
        for c in kids.get(p, []):
            out.append(c)
            stack.append(c)
    return out


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def reap_orphans():
    """Reap any exited child of the harness (orphans re-parented to us)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
        return s[s.rfind(")") + 2]
    except (OSError, IndexError):
        return None


def kill_tree(root):
    """SIGKILL root and all its descendants, by PID, until none is left."""
    for _ in range(20):
        pids = [root] + descendants(root) if os.path.exists("/proc/%d" % root) else []
        live = [p for p in pids if proc_state(p) not in (None, "Z")]
        if not live:
            break
        for p in live:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    try:
        os.waitpid(root, os.WNOHANG)
    except ChildProcessError:
        pass


def kill_all_mine():
    me = os.getpid()
    for _ in range(20):
        live = [p for p in descendants(me) if proc_state(p) not in (None, "Z")]
        if not live:
            break
        for p in live:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    reap_orphans()


def live(pids):
    return [p for p in pids if proc_state(p) not in (None, "Z")]


def kill_list(pids):
    for p in live(pids):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_exit(pid, timeout):
    """Wait (bounded) for pid, a child of ours, to exit. Returns the
    CLOCK_MONOTONIC ns at which its exit was seen, or None on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return time.monotonic_ns()
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        r = p.poll(timeout * 1000)
        t = time.monotonic_ns()
        if not r:
            return None
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        return t
    finally:
        os.close(fd)


def read_status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        return None
    return out


def kb(v):
    return int(v.split()[0]) if v else 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_ns(pid):
    """CPU time the process (its main thread) has used, in ns (/proc/PID/schedstat);
    None once it is gone."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def run_cmd(argv, timeout):
    """Run to completion (bounded), return (rc, stdout, stderr). Killed by PID on timeout."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(p.pid)
        out, err = p.communicate()
        return None, out, err
    return p.returncode, out, err


def wait_for(pred, timeout, step=0.005):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def start_pid1(argv, stdout=None):
    """Start argv as PID 1 of a fresh PID namespace. Returns (unshare_pid, init_pid)."""
    u = spawn(["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"] + argv, out=stdout)
    init = wait_for(lambda: (children(u) or [None])[0], 5.0, 0.002)
    return u, init
