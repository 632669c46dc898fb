"""Readiness through sd_notify with real daemons (Debian's builds link libsystemd): php-fpm
8.2 and PostgreSQL 15 each say READY=1 on tend's NOTIFY_SOCKET, and a service that
depends_on both starts only after both are ready — it checks that itself, at its start,
by connecting to each."""
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

import pytest

from conftest import wait_for
from supervise_util import free_port, sup, write_conf  # noqa: F401
from test_phpfpm import PHPFPM, fpm_conf

PGBIN = "/usr/lib/postgresql/15/bin"

pytestmark = [
    pytest.mark.skipif(not os.access(PHPFPM, os.X_OK), reason="php8.2-fpm is not installed"),
    pytest.mark.skipif(not os.access(PGBIN + "/postgres", os.X_OK), reason="postgresql-15 is not installed"),
]


@pytest.fixture
def pgdata():
    """initdb in a temp dir owned by postgres (it refuses to run as root; pytest's own
    temp dirs are private to root)."""
    pw = pwd.getpwnam("postgres")
    base = pathlib.Path(tempfile.mkdtemp(prefix="tend-pg-"))
    os.chmod(base, 0o755)
    (base / "run").mkdir()
    for d in (base, base / "run"):
        os.chown(d, pw.pw_uid, pw.pw_gid)
    data = base / "data"
    subprocess.run(["runuser", "-u", "postgres", "--", PGBIN + "/initdb", "-D", str(data), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True, timeout=120)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def test_app_starts_after_postgres_and_phpfpm_are_ready(sup, tmp_path, pgdata):
    fpm_port, pg_port = free_port(), free_port()
    probe = tmp_path / "app_start.txt"
    check = write_conf(tmp_path / "check.py", """
        import socket, subprocess, sys
        ok = []
        with socket.create_connection(("127.0.0.1", %d), timeout=2):
            ok.append("fpm")
        r = subprocess.run(["%s/psql", "-h", "%s", "-p", "%d", "-U", "postgres", "-Atc", "select 42"],
                           capture_output=True, text=True, timeout=10)
        if r.stdout.strip() == "42":
            ok.append("db")
        open("%s", "w").write(" ".join(ok) + "\\n")
    """ % (fpm_port, PGBIN, pgdata / "run", pg_port, probe))
    sock = tmp_path / "ctl.sock"
    t = sup.start("""
        [unix_http_server]
        file=%s
        [supervisorctl]
        serverurl=unix://%s
        [program:db]
        command=%s/postgres -D %s -p %d -k %s -c listen_addresses=''
        user=postgres
        ready=notify
        ready_timeout=60
        [program:fpm]
        command=%s -F -y %s
        ready=notify
        [program:app]
        command=sh -c '/usr/bin/python3 %s; exec sleep 1000'
        depends_on=db:ready, fpm:ready
        startsecs=0
    """ % (sock, sock, PGBIN, pgdata / "data", pg_port, pgdata / "run", PHPFPM, fpm_conf(tmp_path, fpm_port), check),
        args=["-v"])
    t.wait_event(r"^\[tend\] app: STOPPED -> STARTING: waiting for db:ready$")
    t.wait_event(r"^\[tend\] db: STARTING -> RUNNING: ready$", timeout=60)
    t.wait_event(r"^\[tend\] fpm: STARTING -> RUNNING: ready$", timeout=30)
    t.wait_event(r"^\[tend\] app: spawned with pid", timeout=30)
    ev = t.events()
    first_spawn = next(i for i, l in enumerate(ev) if l.startswith("[tend] app: spawned"))
    readies = [i for i, l in enumerate(ev) if l.endswith(": STARTING -> RUNNING: ready")]
    assert len(readies) == 2 and max(readies) < first_spawn, ev
    wait_for(lambda: probe.exists() and probe.read_text().endswith("\n"), 20, what="app's own check")
    assert probe.read_text().split() == ["fpm", "db"], (probe.read_text(), t.err.text()[-3000:])
    out = subprocess.run([sup.tend, "ctl", "-c", t.conf, "ready"], capture_output=True, text=True, timeout=10)
    status = subprocess.run([sup.tend, "ctl", "-c", t.conf, "status", "fpm"], capture_output=True, text=True,
                            timeout=10)
    assert out.returncode == 0, (out.stdout, out.stderr)
    # php-fpm's own STATUS= text is shown next to the state
    assert "ready; " in status.stdout and "Ready to handle connections" in status.stdout or \
        "Processes active" in status.stdout, status.stdout
    assert t.stop(timeout=30) == 0, t.err.text()[-3000:]
