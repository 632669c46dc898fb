"""src/setenv.c (the static build's setenv) against musl's own: tests/unit/musl_setenv_diff.c
runs the same calls from the same environments through both and compares every return value,
errno and the resulting environment in order."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_setenv_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_setenv_diff")
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
