"""src/stat.c (the static build's stat, lstat, fstat and fstatat on x86-64) against musl's
own: tests/unit/musl_stat_diff.c makes each call through both and compares the return value,
errno and every byte of the struct."""
import os
import shutil
import subprocess

import pytest

from conftest import musl_diff


def test_stat_matches_musl(tmp_path):
    if not shutil.which("musl-gcc") or os.uname().machine != "x86_64":
        pytest.skip("needs musl-gcc on x86-64")
    out = musl_diff(tmp_path, "musl_stat_diff")
    r = subprocess.run([out, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
