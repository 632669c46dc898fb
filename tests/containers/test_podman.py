"""tend under podman (runc): the image is busybox-static + build/tend-static, imported
locally (no registry). Each test is one named check of what a container user relies on:
`podman stop`, zombie reaping, `--init`, supervision with a double-forking daemon,
`--read-only --user`, and Ctrl-Z/Ctrl-C under `-it`."""
import pytest

from ctr_util import (STATIC, ctrl_z_then_ctrl_c, pid_from_status, pm, podman,  # noqa: F401 (fixtures)
                      skip_unless_enabled, wait_for)

pytestmark = skip_unless_enabled

# a shell that says it is ready, then waits for TERM and answers it with its own code
TRAP = 'trap "echo trap: got TERM; exit 7" TERM; echo ready; while :; do sleep 1 & wait $!; done'
NONET = ("--network", "none")


def run_d(rt, name, image, *args, opts=()):
    rt.run("run", "-d", "--name", name, *NONET, *opts, image, *args)


def stop_and_check_trap(rt, c):
    wait_for(lambda: "ready" in rt.logs(c), what="the shell's ready line")
    rt.run("stop", "-t", "10", c)
    assert rt.exit_code(c) == 7, rt.logs(c)
    assert "trap: got TERM" in rt.logs(c)


def test_stop_reaches_the_trap(pm):
    """podman stop -> tend -> the shell's TERM trap; the container exits with its code."""
    rt, names, image = pm
    c = names.container("stop")
    run_d(rt, c, image, "tend", "--", "sh", "-c", TRAP)
    stop_and_check_trap(rt, c)


def zombies(rt, c):
    p = rt.run("exec", c, "sh", "-c", 'grep -l "^State:.*Z" /proc/[0-9]*/status || true')
    return p.stdout.split()


def test_orphan_burst_leaves_no_zombies(pm):
    """100 orphans re-parented to tend (PID 1) are all reaped: -w logs each one."""
    rt, names, image = pm
    c = names.container("zombies")
    burst = ('i=0; while [ $i -lt 100 ]; do (sleep 0.2 &); i=$((i+1)); done; '
             'echo burst done; exec sleep 100000')
    run_d(rt, c, image, "tend", "-w", "--", "sh", "-c", burst)
    wait_for(lambda: "burst done" in rt.logs(c), what="the burst")
    wait_for(lambda: rt.logs(c).count("Reaped zombie process") >= 100,
             what=lambda: "100 reaped orphans, log: %r" % rt.logs(c)[-500:])
    wait_for(lambda: not zombies(rt, c), what=lambda: "no zombies, left: %s" % zombies(rt, c))
    assert rt.out("exec", c, "cat", "/proc/1/comm").strip() == "tend"


def test_init_path_is_tend(pm):
    """podman run --init --init-path=build/tend-static: /run/podman-init -- CMD is tend
    (the tend persona), forwards podman stop, and passes the exit code on."""
    rt, names, image = pm
    init = ("--init", "--init-path", STATIC)
    c = names.container("init")
    run_d(rt, c, image, "sh", "-c", TRAP, opts=init)
    cmdline = rt.out("exec", c, "cat", "/proc/1/cmdline").split("\0")
    assert cmdline[:3] == ["/run/podman-init", "--", "sh"], cmdline
    version = rt.out("exec", c, "/run/podman-init", "--version")
    assert version.startswith("tend "), version
    stop_and_check_trap(rt, c)
    p = rt.run("run", "--rm", *NONET, *init, image, "sh", "-c", "exit 5", check=False)
    assert p.returncode == 5, p.stderr
    assert "[tend]" not in p.stderr  # quiet by default ...
    # ... and configured through the environment, the only channel an injected init has
    p = rt.run("run", "--rm", *NONET, *init, "-e", "TEND_VERBOSITY=3", image, "sh", "-c", "exit 5", check=False)
    assert p.returncode == 5 and "main child" in p.stderr and "exited with status 5" in p.stderr, p.stderr


def ctl_pid(rt, c, svc):
    p = rt.run("exec", c, "tend", "ctl", "status", svc, check=False)
    return pid_from_status(p.stdout, svc)


def pidof(rt, c, prog):
    return [int(x) for x in rt.run("exec", c, "pidof", prog, check=False).stdout.split()]


# as uid 1000 /run is not writable: the control socket moves to /tmp (podman exec keeps
# the container's environment, so `tend ctl` finds it there too)
USER_RO = ("--read-only", "--user", "1000", "-e", "TEND_CTL_SOCKET=/tmp/tend.sock")


@pytest.mark.parametrize("opts", [(), USER_RO], ids=["root", "read-only-user-1000"])
def test_supervised_double_fork_daemon_restarts_bound(pm, opts):
    """Supervision mode: the daemon's main process is SIGKILLed from podman exec; its
    double-forked listener is stopped before the restart, and the new one binds 8080 on
    the first try (no "Address already in use"), answering over HTTP."""
    rt, names, image = pm
    c = names.container("supervise")
    run_d(rt, c, image, "tend", "-c", "/etc/tend/daemon.conf", opts=opts)
    main1 = wait_for(lambda: ctl_pid(rt, c, "web"), what=lambda: "web RUNNING: %s" % rt.logs(c))
    httpd1 = wait_for(lambda: pidof(rt, c, "httpd"), what="the listener")
    assert len(httpd1) == 1
    assert rt.out("exec", c, "wget", "-qO-", "http://127.0.0.1:8080/") == "hello from tend\n"
    if opts:
        assert rt.out("exec", c, "id", "-u").strip() == "1000"
        assert rt.run("exec", c, "touch", "/x", check=False).returncode != 0  # read-only
    rt.run("exec", c, "kill", "-KILL", str(main1))
    main2 = wait_for(lambda: (ctl_pid(rt, c, "web") or main1) != main1 and ctl_pid(rt, c, "web"),
                     what=lambda: "a new main process: %s" % rt.logs(c))
    assert main2 != main1
    httpd2 = wait_for(lambda: [p for p in pidof(rt, c, "httpd") if p not in httpd1],
                      what=lambda: "a new listener: %s" % rt.logs(c))
    assert pidof(rt, c, "httpd") == httpd2, "the old listener is still there"
    assert rt.out("exec", c, "wget", "-qO-", "http://127.0.0.1:8080/") == "hello from tend\n"
    logs = rt.logs(c)
    assert logs.count("daemon main") >= 2, logs  # the service's output is in the log
    assert "in use" not in logs, logs
    rt.run("stop", "-t", "10", c)
    assert rt.exit_code(c) == 0, rt.logs(c)


def test_read_only_user_exec_mode(pm):
    """--read-only --user 1000, exec mode: tend runs, the child is uid 1000 on a read-only
    root, and its exit code comes back."""
    rt, names, image = pm
    p = rt.run("run", "--rm", *NONET, "--read-only", "--user", "1000", image, "tend", "--", "sh", "-c",
               'id -u; touch /x 2>/dev/null || echo read-only; exit 4', check=False)
    assert p.returncode == 4, p.stderr
    assert p.stdout.split() == ["1000", "read-only"]


def test_ctrl_z_does_not_wedge_ctrl_c_ends(pm):
    """podman run -it driven through a pseudo-terminal: Ctrl-Z stops the child (tend -vv
    says so) and tend, as PID 1, resumes it (its ticks go on); Ctrl-C then ends it: 130."""
    rt, names, image = pm
    ctrl_z_then_ctrl_c(rt, names.container("tty"), [*NONET, image, "tend", "-vv", "--"])
