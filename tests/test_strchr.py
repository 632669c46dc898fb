"""src/strchr.c (the static build's strchr, strchrnul and getenv) against musl's own:
tests/unit/musl_strchr_diff.c compares the returned addresses for crafted and random strings
and every C in -300..300, and getenv over several environments."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT


def test_strchr_matches_musl(tmp_path):
    if not shutil.which("musl-gcc"):
        pytest.skip("needs musl-gcc")
    out = str(tmp_path / "musl_strchr_diff")
    subprocess.run(["musl-gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O1", "-static",
                    "-o", out, os.path.join(ROOT, "tests", "unit", "musl_strchr_diff.c")], check=True)
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
