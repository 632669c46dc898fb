"""src/clock.c (the static build's clock_gettime, time and mkdtemp) against musl's own:
tests/unit/musl_clock_diff.c compares return values and errno for many clock ids, that both
read the same clock, and mkdtemp's errors, restored templates and names (as root, also the
EACCES path as nobody)."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_clock_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_clock_diff")
    r = subprocess.run([out, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
