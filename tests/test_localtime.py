"""src/localtime.c (the static build's gmtime_r and localtime_r) against musl's own:
tests/unit/musl_time_diff.c compares every field of struct tm, the result and errno for
many times (each transition of a zone file and its neighbours, New Year's edges, the
limits of time_t and of tm_year), under POSIX TZ strings, TZ unset and empty, missing
and non-TZif files, and every zone file of the system's zoneinfo."""
import os
import subprocess

import pytest

from conftest import ASAN, musl_diff

POSIX = ["-", "", "UTC", "GMT", "UTC0", "GMT+2", "UTC+3", "GMT-14", "EST5EDT", "EST5EDT,M3.2.0,M11.1.0",
         "CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", "NZST-12NZDT,M9.5.0,M4.1.0/3",
         "AEST-10AEDT,M10.1.0,M4.1.0/3", "IST-5:30", "XYZ-5:45:30", "EST5EDT,J60,J300", "EST5EDT,60,300",
         "EST5EDT,J1,J365", "EST5EDT,0,365", "A+1B,M1.1.0/0,M12.5.6/24", "ABCDEFGHIJ5",
         "<LONGNAMEXX>5<LONGDSTNAME>4,M4.1.0,M10.5.0", "<unterminated", "EST5EDT4,M3.2.0/2:30:15,M11.1.0/-3",
         "WART4WARST,J1/0,J365/25", "EST+5EDT,M3.2.0/-1:30,M11.1.0/26", "HST10", "X-14", "Y+12",
         "EST5EDT,M3.5.6/167,M11.5.6/-167", "Europe/Berlin", ":America/New_York", "Asia/Kolkata",
         "/usr/share/zoneinfo/Australia/Lord_Howe", "Pacific/Easter", "Africa/Casablanca", "Europe/Dublin",
         "Japan", "XYZ", "Nope/Zone", "./x", ":", ":UTC", "/", "/dev/null", "/etc/passwd", "x" * 5000, "UTC"]

# a musl build of src/localtime.c against musl itself, whatever binary is under test: the
# sanitizer run would repeat the same comparison
pytestmark = pytest.mark.skipif(ASAN, reason="musl against musl: covered by make test")


@pytest.fixture(scope="module")
def diff_bin(tmp_path_factory):
    out = musl_diff(tmp_path_factory.mktemp("localtime"), "musl_time_diff")
    return out


def test_posix_strings_and_named_zones_match_musl(diff_bin):
    r = subprocess.run([diff_bin] + POSIX, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""


def test_every_zone_file_matches_musl(diff_bin):
    base = "/usr/share/zoneinfo"
    if not os.path.isdir(base):
        pytest.skip("no zoneinfo")
    zones = []
    for d, _, files in os.walk(base, followlinks=False):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                if fh.read(4) == b"TZif":
                    zones.append(os.path.relpath(p, base))
    assert len(zones) > 300
    r = subprocess.run([diff_bin, "--light"] + sorted(zones), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
