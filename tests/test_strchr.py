"""src/strchr.c (the static build's strchr, strchrnul and getenv) against musl's own:
tests/unit/musl_strchr_diff.c compares the returned addresses for crafted and random strings
and every C in -300..300, and getenv over several environments."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_strchr_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_strchr_diff")
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
