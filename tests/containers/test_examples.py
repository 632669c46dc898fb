"""examples/ built and run under podman: `podman build --network none` FROM a Debian 12
base made here by mmdebstrap (cached in build/containers/debian-base.tar: ~33 s once,
then an import), so no registry is needed. The php-nginx image serves php-fpm's FastCGI
ping through nginx, passes its own HEALTHCHECK, and survives a SIGKILLed php-fpm master
without a bind error; the supervisord image runs its unchanged config under tend; the
scratch image is tend + busybox only; the pod spec's probe commands run in the image."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from ctr_util import (BUSYBOX, CACHE, ROOT, STATIC, Names, pid_from_status, podman,  # noqa: F401
                      skip_unless_enabled, wait_for)

pytestmark = skip_unless_enabled

EXAMPLES = os.path.join(ROOT, "examples")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
BASE_TAR = os.path.join(CACHE, "debian-base.tar")
BASE_PKGS = "php8.2-fpm,nginx-light,supervisor,procps"
NONET = ("--network", "none")
PING = 'echo file_get_contents("http://127.0.0.1/ping");'


def make_base_tar():
    if os.path.exists(BASE_TAR):
        return
    os.makedirs(CACHE, exist_ok=True)
    part = BASE_TAR + ".part"
    p = subprocess.run(["mmdebstrap", "--quiet", "--format=tar", "--variant=apt", "--include=" + BASE_PKGS,
                        "bookworm", part], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        if os.path.exists(part):
            os.unlink(part)
        pytest.skip("mmdebstrap cannot make the Debian base here (needs Debian's mirror): %s" % p.stderr[-400:])
    os.rename(part, BASE_TAR)


@pytest.fixture(scope="module")
def ex(podman):
    """(Runtime, Names for this module, the Debian base image, a temporary directory)."""
    rt, _, _ = podman
    names = Names(rt)
    tmp = tempfile.mkdtemp(prefix="tend-ex-")
    try:
        make_base_tar()
        base = names.image("debian")
        rt.run("import", BASE_TAR, base, timeout=300)
        yield rt, names, base, tmp
    finally:
        names.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def build(ex, src, what, extra=(), **build_args):
    """podman build of a copy of `src` with tend (and `extra` files) in the context."""
    rt, names, _, tmp = ex
    ctx = os.path.join(tmp, what)
    shutil.copytree(src, ctx)
    shutil.copy(STATIC, os.path.join(ctx, "tend"))
    for path in extra:
        shutil.copy(path, ctx)
    image = names.image(what)
    args = []
    for k, v in build_args.items():
        args += ["--build-arg", "%s=%s" % (k, v)]
    # docker format: OCI images have no HEALTHCHECK; --layers=false: no intermediate images
    rt.run("build", "-q", "--network", "none", "--format", "docker", "--layers=false", *args,
           "-t", image, ctx, timeout=300)
    return image


def status_pid(rt, c, svc):
    return pid_from_status(rt.run("exec", c, "tend", "ctl", "status", svc, check=False).stdout, svc)


@pytest.fixture(scope="module")
def php(ex):
    """The examples/php-nginx image, running (tend's state and logs: podman logs)."""
    rt, names, base, _ = ex
    image = build(ex, os.path.join(EXAMPLES, "php-nginx"), "php-nginx", BASE=base)
    c = names.container("php")
    rt.run("run", "-d", "--name", c, *NONET, image)
    wait_for(lambda: status_pid(rt, c, "nginx"), timeout=60, what=lambda: "nginx RUNNING: %s" % rt.logs(c))
    return rt, c, image


def test_php_nginx_fastcgi_ping_through_nginx(php):
    rt, c, _ = php
    assert rt.out("exec", c, "php", "-r", PING) == "pong"
    page = rt.out("exec", c, "php", "-r", 'echo file_get_contents("http://127.0.0.1/index.php");')
    assert page.startswith("hello from php-fpm 8.2"), page


def test_php_nginx_healthcheck_passes(php):
    """The image's own HEALTHCHECK (tend ctl healthy), run by podman."""
    rt, c, image = php
    hc = rt.out("image", "inspect", "-f", "{{json .HealthCheck}}", image)
    assert '"tend","ctl","healthy"' in hc.replace(" ", ""), hc
    wait_for(lambda: rt.run("healthcheck", "run", c, check=False).returncode == 0, timeout=30,
             what=lambda: "healthy: %s" % rt.run("exec", c, "tend", "ctl", "healthy", check=False).stdout)


def probes(path):
    yaml = pytest.importorskip("yaml")
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    pods = [d for d in docs if d.get("kind") == "Pod"]
    assert pods, "no Pod in %s" % path
    out = {}
    for pod in pods:
        for ctr in pod["spec"]["containers"]:
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                if kind in ctr:
                    out[kind] = ctr[kind]
    return out


def test_k8s_pod_probes_run_in_the_image(php):
    """examples/k8s/pod.yaml parses; each exec probe passes in the running image, and the
    readiness probe fails while nginx is stopped by hand (so it can tell)."""
    rt, c, _ = php
    found = probes(os.path.join(EXAMPLES, "k8s", "pod.yaml"))
    assert set(found) == {"startupProbe", "readinessProbe", "livenessProbe"}, found
    probes(os.path.join(EXAMPLES, "kubernetes-pod.yaml"))  # the httpGet variant parses too
    for kind, probe in found.items():
        cmd = probe["exec"]["command"]
        assert cmd[:2] == ["tend", "ctl"], cmd
        p = rt.run("exec", c, *cmd, check=False)
        assert p.returncode == 0, "%s %s: %s%s" % (kind, cmd, p.stdout, p.stderr)
    ready = found["readinessProbe"]["exec"]["command"]
    rt.run("exec", c, "tend", "ctl", "stop", "nginx")
    p = rt.run("exec", c, *ready, check=False)
    assert p.returncode != 0 and "nginx" in p.stdout + p.stderr, p.stdout + p.stderr
    rt.run("exec", c, "tend", "ctl", "start", "nginx")
    wait_for(lambda: rt.run("exec", c, *ready, check=False).returncode == 0, what="ready again")


def test_php_fpm_master_sigkill_back_without_bind_error(php):
    """SIGKILL of php-fpm's master from podman exec: its orphaned workers are stopped
    before the restart; the new master binds 127.0.0.1:9000 on the first try."""
    rt, c, _ = php
    master = status_pid(rt, c, "php-fpm")
    workers = [int(x) for x in rt.out("exec", c, "pgrep", "-P", str(master)).split()]
    assert len(workers) == 2, workers
    rt.run("exec", c, "kill", "-KILL", str(master))
    new = wait_for(lambda: (status_pid(rt, c, "php-fpm") or master) != master and status_pid(rt, c, "php-fpm"),
                   what=lambda: "a new php-fpm master: %s" % rt.logs(c)[-800:])
    left = rt.run("exec", c, "ps", "-o", "pid=", "-p", ",".join(map(str, workers)), check=False).stdout.split()
    assert not left, "old workers still there: %s" % left
    assert rt.out("exec", c, "php", "-r", PING) == "pong"
    logs = rt.logs(c)
    assert logs.count("fpm is running") >= 2, logs
    assert "Address already in use" not in logs and "unable to bind" not in logs, logs
    assert len(rt.out("exec", c, "pgrep", "-P", str(new)).split()) == 2


def test_supervisord_image_runs_under_tend_unchanged(ex):
    """An existing supervisord image (stand-in: tests/containers/data/supervisord-app) with
    tend added by examples/supervisord-image: the same config, tend as PID 1, both
    supervisorctl (Python's and tend's link) answering, podman stop exits 0."""
    rt, names, base, _ = ex
    app = build(ex, os.path.join(DATA, "supervisord-app"), "supervisord-app", BASE=base)

    def up(c, ctl):
        out = rt.run("exec", c, ctl, "status", check=False).stdout
        return re.search(r"^web\s+RUNNING", out, re.M) and re.search(r"^ticker\s+RUNNING", out, re.M)
    c0 = names.container("supervisord")  # the original, under supervisord itself
    rt.run("run", "-d", "--name", c0, *NONET, app)
    wait_for(lambda: up(c0, "/usr/bin/supervisorctl"), what=lambda: "supervisord's programs: %s" % rt.logs(c0))
    assert "supervisord" in rt.out("exec", c0, "cat", "/proc/1/cmdline")
    rt.run("rm", "-f", "-t", "0", c0)

    image = build(ex, os.path.join(EXAMPLES, "supervisord-image"), "supervisord-tend", BASE=app)
    c = names.container("supervisord-tend")
    rt.run("run", "-d", "--name", c, *NONET, image)
    wait_for(lambda: up(c, "supervisorctl"), what=lambda: "programs under tend: %s" % rt.logs(c))
    # the image's own CMD, unchanged, now runs tend
    assert rt.out("exec", c, "readlink", "/proc/1/exe").strip() == "/usr/local/bin/tend"
    assert rt.out("exec", c, "cat", "/proc/1/cmdline").split("\0")[:4] == \
        ["/usr/bin/supervisord", "-n", "-c", "/etc/supervisor/supervisord.conf"]
    assert rt.out("exec", c, "sh", "-c", "readlink -f $(command -v supervisorctl)").strip() == "/usr/local/bin/tend"
    assert up(c, "/usr/bin/supervisorctl"), "Python's supervisorctl against tend"
    page = rt.out("exec", c, "python3", "-c",
                  'import urllib.request as u; print(u.urlopen("http://127.0.0.1:8000/supervisord.conf").read()[:40])')
    assert "supervisor config file" in page, page
    rt.run("stop", "-t", "10", c)
    assert rt.exit_code(c) == 0, rt.logs(c)


def test_minimal_scratch_image(ex):
    """FROM scratch with /tend and /busybox only: runs its CMD, docker-stop semantics."""
    rt, names, _, _ = ex
    image = build(ex, os.path.join(EXAMPLES, "minimal"), "minimal", extra=[BUSYBOX])
    c = names.container("minimal")
    rt.run("run", "-d", "--name", c, *NONET, image)
    wait_for(lambda: "hello from scratch" in rt.logs(c), what="the CMD's line")
    assert rt.out("exec", c, "/busybox", "cat", "/proc/1/comm").strip() == "tend"
    files = set(rt.out("exec", c, "/busybox", "ls", "/").split())
    # everything else is what the runtime mounts or creates
    assert files - {"dev", "etc", "proc", "run", "sys", "tmp"} == {"tend", "busybox"}, files
    rt.run("stop", "-t", "10", c)
    assert rt.exit_code(c) == 0, rt.logs(c)
    assert "stopping" in rt.logs(c)
