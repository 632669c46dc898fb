"""src/setid.c (the static build's setuid, setgid, setgroups, setrlimit) against musl's
own: tests/unit/musl_setid_diff.c runs each case in two forked children, one per
implementation, as root and as nobody, and compares return values, errno and the
resulting ids, groups and limits."""
import os
import shutil
import subprocess

import pytest

from conftest import ASAN, musl_diff

# a musl build of src/setid.c against musl itself, whatever binary is under test: the
# sanitizer run would repeat the same comparison
pytestmark = pytest.mark.skipif(ASAN, reason="musl against musl: covered by make test")


def test_setid_matches_musl(tmp_path):
    if not shutil.which("musl-gcc") or os.geteuid() != 0:
        pytest.skip("needs musl-gcc and root")
    out = musl_diff(tmp_path, "musl_setid_diff")
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
