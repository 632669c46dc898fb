"""src/strspn.c (the static build's strspn and strcspn) against musl's own:
tests/unit/musl_strspn_diff.c compares both on crafted and 400,000 random strings and sets."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT


def test_strspn_matches_musl(tmp_path):
    if not shutil.which("musl-gcc"):
        pytest.skip("needs musl-gcc")
    out = str(tmp_path / "musl_strspn_diff")
    subprocess.run(["musl-gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O1", "-static",
                    "-o", out, os.path.join(ROOT, "tests", "unit", "musl_strspn_diff.c")], check=True)
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
