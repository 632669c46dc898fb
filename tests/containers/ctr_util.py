"""Shared pieces of `make test-containers`: tend under real container runtimes.

Not a conftest.py on purpose: tests/conftest.py is imported as `conftest` by the other
suites, and a second conftest.py would take its place in sys.modules.

Everything a test starts is registered with a fixture and removed in its finalizer, even
when the test fails: containers (`podman rm -f`), images (`podman rmi -f`), the docker
daemon (SIGTERM to its pid, then SIGKILL), temporary directories. Names carry this run's
pid (tend-test-PID-...), so parallel runs and other users' containers are never touched.

Environment:
  TEND_CONTAINERS=1  run these suites (make test-containers sets it); `make test`,
                     which collects tests/ as a whole, skips them.
  TEND_STATIC        the tend binary put in the images (default build/tend-static).
"""
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STATIC = os.path.abspath(os.environ.get("TEND_STATIC") or os.path.join(ROOT, "build", "tend-static"))
CACHE = os.path.join(ROOT, "build", "containers")
PREFIX = "tend-test-%d" % os.getpid()
PODMAN = "/usr/bin/podman"
BUSYBOX = "/bin/busybox"  # Debian's busybox-static

# The two settings this kind of VM needs (see docs/containers.md, Limits): crun refuses
# the hybrid cgroup layout, and podman's default nofile=1048576 is above the host's hard
# limit (no CAP_SYS_RESOURCE to raise it). Both are harmless on a normal host.
def _nofile():
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 1048576 if hard == resource.RLIM_INFINITY else min(hard, 1048576)


CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile={n}:{n}", "nproc=32768:32768"]
[engine]
runtime = "runc"
"""

skip_unless_enabled = pytest.mark.skipif(
    os.environ.get("TEND_CONTAINERS") != "1", reason="container suite: run `make test-containers`")


def wait_for(cond, timeout=20.0, interval=0.05, what="condition"):
    """Poll cond() until it returns a truthy value (a deadline, never a timing assert)."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            pytest.fail("timed out waiting for %s" % (what() if callable(what) else what))
        time.sleep(interval)


class Runtime:
    """One CLI (podman, or docker talking to the test's own daemon)."""

    def __init__(self, argv, env):
        self.argv, self.env = list(argv), env

    def run(self, *args, check=True, timeout=120, input=None):
        p = subprocess.run(self.argv + list(args), env=self.env, input=input, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and p.returncode != 0:
            pytest.fail("%s %s: exit %d\n%s%s" % (os.path.basename(self.argv[0]), " ".join(args),
                                                  p.returncode, p.stdout, p.stderr))
        return p

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout

    def popen(self, *args, **kw):
        return subprocess.Popen(self.argv + list(args), env=self.env, **kw)

    def logs(self, name):
        p = self.run("logs", name, check=False)
        return p.stdout + p.stderr

    def exit_code(self, name):
        return int(self.out("inspect", "-f", "{{.State.ExitCode}}", name).strip())

    def running(self, name):
        p = self.run("inspect", "-f", "{{.State.Running}}", name, check=False)
        return p.returncode == 0 and p.stdout.strip() == "true"


def podman_env(tmpdir):
    conf = os.path.join(tmpdir, "containers.conf")
    with open(conf, "w") as f:
        f.write(CONTAINERS_CONF.format(n=_nofile()))
    env = dict(os.environ, CONTAINERS_CONF=conf)
    env.pop("TEND_CTL_SOCKET", None)
    return env


class Names:
    """Containers and images to remove at teardown, in reverse order of creation."""

    def __init__(self, rt):
        self.rt, self.containers, self.images = rt, [], []

    def container(self, what):
        name = "%s-%s-%d" % (PREFIX, what, len(self.containers))
        self.containers.append(name)
        return name

    def image(self, what):
        name = "localhost/%s-%s:%d" % (PREFIX, what, len(self.images))
        self.images.append(name)
        return name

    def cleanup(self):
        for c in reversed(self.containers):
            self.rt.run("rm", "-f", "-t", "0", c, check=False, timeout=60)
        self.containers.clear()
        for i in reversed(self.images):
            self.rt.run("rmi", "-f", i, check=False, timeout=60)
        self.images.clear()


# ---------------------------------------------------------------------------------------
# the busybox image: busybox-static with its applet links, tend at /usr/local/bin/tend,
# and the few files the checks use

DAEMON_SH = """#!/bin/sh
# A daemon that double-forks: the listener (busybox httpd on 127.0.0.1:8080) ends up in
# its own session, re-parented away from this script, which stays as the service's main
# process. Killing the main process leaves the listener holding the port.
setsid sh -c 'httpd -f -p 127.0.0.1:8080 -h /www &' &
echo "daemon main $$ started"
exec sleep 100000
"""

DAEMON_CONF = """[program:web]
command = /bin/sh /daemon.sh
startsecs = 1
"""


def make_busybox_root(root):
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "etc/tend", "www", "tmp", "run", "proc",
              "sys", "dev", "root"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    subprocess.run(["chroot", root, "/bin/busybox", "--install", "-s"], check=True)
    shutil.copy(STATIC, os.path.join(root, "usr", "local", "bin", "tend"))
    files = {
        "etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n",
        "etc/group": "root:x:0:\napp:x:1000:\n",
        "www/index.html": "hello from tend\n",
        "daemon.sh": DAEMON_SH,
        "etc/tend/daemon.conf": DAEMON_CONF,
    }
    for path, text in files.items():
        with open(os.path.join(root, path), "w") as f:
            f.write(text)


def import_rootfs(rt, root, image, cmd='["/bin/sh"]'):
    tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
    p = subprocess.run(rt.argv + ["import", "--change", "CMD " + cmd, "-", image], env=rt.env,
                       stdin=tar.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tar.stdout.close()
    tar.wait()
    return p


def require_podman_works(rt, image):
    """Skip (not fail) when the runtime itself cannot run a container here, without tend."""
    p = rt.run("run", "--rm", "--network", "none", image, "/bin/true", check=False, timeout=120)
    if p.returncode != 0:
        pytest.skip("podman cannot run a container on this machine (outside tend): exit %d: %s"
                    % (p.returncode, (p.stderr or p.stdout).strip()[-400:]))


@pytest.fixture(scope="module")
def podman():
    """(Runtime, Names, busybox image name); everything removed at the module's end."""
    if not os.access(PODMAN, os.X_OK):
        pytest.skip("podman is not installed (tools/container-deps.sh installs it)")
    if not os.access(STATIC, os.X_OK):
        pytest.fail("%s missing: make build/tend-static" % STATIC)
    tmp = tempfile.mkdtemp(prefix="tend-ctr-")
    rt = Runtime([PODMAN], podman_env(tmp))
    names = Names(rt)
    try:
        root = os.path.join(tmp, "root")
        make_busybox_root(root)
        image = names.image("busybox")
        p = import_rootfs(rt, root, image)
        if p.returncode != 0:
            pytest.skip("podman cannot import an image on this machine: %s" % p.stderr.strip()[-400:])
        require_podman_works(rt, image)
        yield rt, names, image
    finally:
        names.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def pid_from_status(text, name):
    m = re.search(r"^%s\s+RUNNING\s+pid (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None


@pytest.fixture
def pm(podman):
    """Per test: (Runtime, Names for this test's containers, busybox image)."""
    rt, _, image = podman
    names = Names(rt)
    try:
        yield rt, names, image
    finally:
        names.cleanup()


class Pty:
    def __init__(self):
        self.master, self.slave = pty.openpty()
        self.buf = b""

    def read_until(self, pattern, timeout=20.0):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while not rx.search(self.buf):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail("timed out waiting for %r on the terminal; got %r" % (pattern, self.buf[-600:]))
            r, _, _ = select.select([self.master], [], [], left)
            if r:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # EIO: the other side closed
                    chunk = b""
                if not chunk:
                    pytest.fail("terminal closed waiting for %r; got %r" % (pattern, self.buf[-600:]))
                self.buf += chunk
        return rx.search(self.buf)

    def drain(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.master], [], [], deadline - time.monotonic())
            if not r:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if not chunk:
                return
            self.buf += chunk

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


TICKS = 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'


def ctrl_z_then_ctrl_c(rt, name, run_args, stopped=rb"child stopped by TSTP"):
    """`RT run -it --name NAME RUN_ARGS... sh -c TICKS` on a pseudo-terminal: Ctrl-Z must
    stop the child (the init's `stopped` message) and not wedge it (ticks go on after the
    message); Ctrl-C must end it (exit 130)."""
    t = Pty()
    p = rt.popen("run", "-it", "--name", name, *run_args, "sh", "-c", TICKS,
                 stdin=t.slave, stdout=t.slave, stderr=t.slave, start_new_session=True)
    try:
        t.read_until(rb"tick 3\b")
        os.write(t.master, b"\x1a")  # Ctrl-Z
        t.read_until(stopped)
        after = len(t.buf)
        wait_for(lambda: (t.drain(0.3), len(re.findall(rb"tick \d+", t.buf[after:])) >= 2)[1],
                 what=lambda: "ticks after Ctrl-Z: %r" % t.buf[after:])
        os.write(t.master, b"\x03")  # Ctrl-C
        rc = p.wait(timeout=30)
        assert rc == 130, t.buf[-600:]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        t.close()
