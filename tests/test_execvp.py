"""src/execvp.c (the static build's execvp) against musl's own: tests/unit/musl_execvp_diff.c
runs each PATH and name through both in forked children and compares what happened (the
program's exit status, or the errno)."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_execvp_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_execvp_diff")
    r = subprocess.run([out, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
