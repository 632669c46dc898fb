"""src/inet_pton.c (the static build's inet_pton) against musl's own:
tests/unit/musl_inet_pton_diff.c compares the return value, errno and output bytes for
crafted IPv4/IPv6 addresses and 300,000 random strings, for AF_INET, AF_INET6 and others."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT


def test_inet_pton_matches_musl(tmp_path):
    if not shutil.which("musl-gcc"):
        pytest.skip("needs musl-gcc")
    out = str(tmp_path / "musl_inet_pton_diff")
    subprocess.run(["musl-gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-O1", "-static",
                    "-o", out, os.path.join(ROOT, "tests", "unit", "musl_inet_pton_diff.c")], check=True)
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
