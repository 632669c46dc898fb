"""src/strspn.c (the static build's strspn and strcspn) against musl's own:
tests/unit/musl_strspn_diff.c compares both on crafted and 400,000 random strings and sets."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_strspn_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_strspn_diff")
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
