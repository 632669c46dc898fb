"""src/passwd.c (the static build's getpw*, getgr*, initgroups) against musl's own, on
fixture databases with the odd lines musl's parser meets: comments, short lines,
non-numeric and trailing-junk ids, a ':' first, long lines, ',,' in member lists, no
final newline, a user in more groups than NGROUPS_MAX. The fixtures are bind-mounted over
/etc/passwd and /etc/group in a private mount namespace (needs root and unshare)."""
import os
import shutil
import subprocess

import pytest

from conftest import musl_diff

PASSWD = """root:x:0:0:root:/root:/bin/sh
# a comment:x:1:1::/:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

short:x:2
badid:x:abc:3::/x:/bin/sh
junk:x:12x:3::/x:/bin/sh
trail:x:13:14x:gecos:/x:/bin/sh
:colon:x:15:15::/c:/bin/sh
empty::16:16:::
long:x:17:17:%s:/home/long:/bin/sh
root:x:18:18:second root:/nope:/bin/false
app:x:1000:1000:App,,,:/home/app:/bin/bash
many:x:1001:1001::/home/many:/bin/sh
nonl:x:1002:1002::/home/nonl:/bin/shX""" % ("g" * 5000)

GROUP = ["root:x:0:", "daemon:x:1:app", "short:x", "badid:x:abc:app", "junk:x:7x:app",
         "wheel:x:10:root,app,,many", "dup:x:1000:app", "app:x:1000:", ":colon:x:20:app",
         "spaces:x:21: app ,app", "big:x:22:%s,app" % ",".join("u%d" % i for i in range(300)),
         "nomem:x:23:", "onech:x:24:a,b,,c,d,,,e"] + ["g%d:x:%d:many" % (i, 100 + i) for i in range(40)] + ["last:x:999:app"]

NAMES = ["root", "daemon", "short", "badid", "junk", "trail", ":colon", "empty", "long", "app",
         "many", "nonl", "nobody", "", "wheel", "dup", "big", "g3", "last", "u7", "spaces", "a", "b", "c", "d", "e", ",c", "onech"]


@pytest.fixture(scope="module")
def diff_bin(tmp_path_factory):
    if not shutil.which("musl-gcc") or not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("needs musl-gcc, unshare and root")
    out = musl_diff(tmp_path_factory.mktemp("passwd"), "musl_passwd_diff")
    return out


@pytest.mark.parametrize("final_newline", [True, False])
def test_passwd_matches_musl(diff_bin, tmp_path, final_newline):
    end = "\n" if final_newline else ""
    (tmp_path / "passwd").write_text(PASSWD + end)
    (tmp_path / "group").write_text("\n".join(GROUP) + end)
    script = ("mount --bind {0}/passwd /etc/passwd && mount --bind {0}/group /etc/group && "
              "exec \"$@\"").format(tmp_path)
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", diff_bin] + NAMES,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""


def test_missing_files_match_musl(diff_bin, tmp_path):
    """No /etc/passwd, no /etc/group (a directory mounted over /etc: both ENOENT)."""
    script = "mount -t tmpfs none /etc && exec \"$@\""
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", diff_bin] + NAMES,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
