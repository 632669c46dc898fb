"""src/getline.c (the static build's getdelim and getline) against musl's own:
tests/unit/musl_getline_diff.c reads the same inputs (empty, no trailing newline, NUL bytes,
lines longer than the buffers, several delimiters, from a file and from a pipe) through both
and compares every call's result; and tend's ENOMEM and EINVAL paths."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_getline_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_getline_diff")
    r = subprocess.run([out, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
