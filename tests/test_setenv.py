"""src/setenv.c (the static build's setenv) against musl's own: tests/unit/musl_setenv_diff.c
runs the same calls from the same environments through both and compares every return value,
errno and the resulting environment in order."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT


def test_setenv_matches_musl(tmp_path):
    if not shutil.which("musl-gcc"):
        pytest.skip("needs musl-gcc")
    out = str(tmp_path / "musl_setenv_diff")
    subprocess.run(["musl-gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O1", "-static",
                    "-o", out, os.path.join(ROOT, "tests", "unit", "musl_setenv_diff.c")], check=True)
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
