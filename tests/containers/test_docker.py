"""The same busybox image under docker (Debian's docker.io 20.10): the test starts its own
dockerd (which starts its own containerd) with every directory and socket in a temporary
directory, no iptables, no bridge (`--network none`), and stops it by pid at the end.
The image comes from podman (`podman save | docker load`): no registry."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from ctr_util import STATIC, Names, Runtime, ctrl_z_then_ctrl_c, podman, skip_unless_enabled, wait_for  # noqa: F401

pytestmark = skip_unless_enabled

DOCKERD = "/usr/sbin/dockerd"
DOCKER = "/usr/bin/docker"  # Debian's client, not whatever else is first on PATH
TRAP = 'trap "echo trap: got TERM; exit 7" TERM; echo ready; while :; do sleep 1 & wait $!; done'
NONET = ("--network", "none")
# directories dockerd/containerd create outside their roots (removed if they were not there)
OUTSIDE = ("/run/containerd/s", "/run/containerd", "/var/run/docker/plugins", "/var/run/docker")


def _children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stop(pids, timeout=30):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _umount_under(path):
    with open("/proc/self/mounts") as f:
        mounts = [line.split()[1] for line in f]
    for m in sorted((m for m in mounts if m.startswith(path + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def docker(podman):
    """(Runtime, Names, image, dockerd's log path, the init binary dockerd uses)."""
    if not (os.access(DOCKERD, os.X_OK) and os.access(DOCKER, os.X_OK)):
        pytest.skip("docker.io is not installed (tools/container-deps.sh installs it)")
    prt, _, image = podman
    tmp = tempfile.mkdtemp(prefix="tend-dkr-")
    existed = {d: os.path.exists(d) for d in OUTSIDE}
    # dockerd runs the init as /sbin/docker-init in containers, and runs --init-path itself
    # with --version for `docker info`: named docker-init, tend answers as tini
    init = os.path.join(tmp, "docker-init")
    shutil.copy(STATIC, init)
    sock = os.path.join(tmp, "docker.sock")
    log_path = os.path.join(tmp, "dockerd.log")
    log = open(log_path, "w")
    d = subprocess.Popen([DOCKERD, "--iptables=false", "--ip6tables=false", "--bridge=none",
                          "--data-root", os.path.join(tmp, "data"), "--exec-root", os.path.join(tmp, "exec"),
                          "--pidfile", os.path.join(tmp, "docker.pid"), "-H", "unix://" + sock,
                          "--init-path", init],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    rt = Runtime([DOCKER, "-H", "unix://" + sock], dict(os.environ, DOCKER_CONFIG=os.path.join(tmp, "cfg")))
    names = Names(rt)
    try:
        deadline = time.monotonic() + 60
        while rt.run("version", check=False, timeout=30).returncode != 0:
            if d.poll() is not None or time.monotonic() > deadline:
                with open(log_path) as f:
                    pytest.skip("dockerd does not start on this machine: %s" % f.read()[-600:])
            time.sleep(0.1)
        names.images.append(image)
        save = prt.popen("save", image, stdout=subprocess.PIPE)
        p = subprocess.run(rt.argv + ["load"], env=rt.env, stdin=save.stdout, capture_output=True, text=True)
        save.stdout.close()
        save.wait()
        assert p.returncode == 0 and save.returncode == 0, p.stderr
        p = rt.run("run", "--rm", *NONET, image, "/bin/true", check=False)
        if p.returncode != 0:
            pytest.skip("docker cannot run a container on this machine (outside tend): %s" % p.stderr[-400:])
        yield rt, names, image, log_path, init
    finally:
        names.cleanup()
        kids = _children(d.pid)  # its containerd: dockerd stops it (and restarts it if killed first)
        _stop([d.pid])
        d.wait()
        _stop(kids)
        log.close()
        _umount_under(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        for path, was in existed.items():
            if not was:
                try:
                    os.rmdir(path)
                except OSError:
                    pass


@pytest.fixture
def dk(docker):
    rt, _, image, log_path, init = docker
    names = Names(rt)
    try:
        yield rt, names, image
    finally:
        names.cleanup()


def test_docker_info_shows_the_init_version(docker):
    """dockerd runs `INIT --version` for `docker info` and wants `tini version `: tend named
    docker-init answers so; no "init version: N/A", no parse warning in the daemon's log."""
    rt, _, _, log_path, init = docker
    v = subprocess.run([init, "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("tini version ") and " - tend " in v.stdout, v.stdout
    info = rt.out("info")
    assert "Init Binary: " + init in info, info
    assert "init version: N/A" not in info, info
    with open(log_path) as f:
        log = f.read()
    assert "failed to parse" not in log and "failed to retrieve" not in log, log[-800:]


def test_docker_stop_reaches_the_trap(dk):
    """docker stop -> tend -> the shell's TERM trap; the container exits with its code."""
    rt, names, image = dk
    c = names.container("dstop")
    rt.run("run", "-d", "--name", c, *NONET, image, "tend", "--", "sh", "-c", TRAP)
    wait_for(lambda: "ready" in rt.logs(c), what="the shell's ready line")
    rt.run("stop", "-t", "10", c)
    assert rt.exit_code(c) == 7, rt.logs(c)
    assert "trap: got TERM" in rt.logs(c)


def test_docker_run_init_is_tend(dk):
    """docker run --init: /sbin/docker-init -- CMD is tend, forwards docker stop, reaps
    orphans and passes the exit code on."""
    rt, names, image = dk
    c = names.container("dinit")
    rt.run("run", "-d", "--init", "--name", c, *NONET, image, "sh", "-c",
           'i=0; while [ $i -lt 50 ]; do (sleep 0.2 &); i=$((i+1)); done; ' + TRAP)
    cmdline = rt.out("exec", c, "cat", "/proc/1/cmdline").split("\0")
    assert cmdline[:3] == ["/sbin/docker-init", "--", "sh"], cmdline
    assert " - tend " in rt.out("exec", c, "/sbin/docker-init", "--version")
    wait_for(lambda: "ready" in rt.logs(c), what="the shell's ready line")
    def settled():  # the orphans' sleeps are over and none is left a zombie
        z = rt.out("exec", c, "sh", "-c", 'grep -l "^State:.*Z" /proc/[0-9]*/status || true').split()
        sleeps = rt.out("exec", c, "sh", "-c", "pidof sleep || true").split()
        return not z and len(sleeps) <= 1  # the trap loop's own `sleep 1`
    wait_for(settled, what="the orphans reaped")
    rt.run("stop", "-t", "10", c)
    assert rt.exit_code(c) == 7, rt.logs(c)
    p = rt.run("run", "--rm", "--init", *NONET, image, "sh", "-c", "exit 5", check=False)
    assert p.returncode == 5, p.stderr


def test_docker_it_ctrl_z_does_not_wedge_ctrl_c_ends(dk):
    """docker run -it --init on a pseudo-terminal, TINI_VERBOSITY=3 (tini's variable, read
    by the tini persona): Ctrl-Z stops the child and tend resumes it (tini 0.19.0 leaves it
    stopped: the container wedges); Ctrl-C ends it with 130."""
    rt, names, image = dk
    ctrl_z_then_ctrl_c(rt, names.container("dtty"), ["--init", "-e", "TINI_VERBOSITY=3", *NONET, image])
