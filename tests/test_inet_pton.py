"""src/inet_pton.c (the static build's inet_pton) against musl's own:
tests/unit/musl_inet_pton_diff.c compares the return value, errno and output bytes for
crafted IPv4/IPv6 addresses and 300,000 random strings, for AF_INET, AF_INET6 and others."""
import os
import subprocess

import pytest

from conftest import musl_diff


def test_inet_pton_matches_musl(tmp_path):
    out = musl_diff(tmp_path, "musl_inet_pton_diff")
    r = subprocess.run([out], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert " 0 differences" in r.stderr
