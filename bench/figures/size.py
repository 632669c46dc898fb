"""Figure 1: binary size on disk."""

import os

from harness.results import add, metric, missing
from harness.tools import TEND_DYN, TEND_STATIC, is_static, tool_ok


def fig_size(res, P):
    f = res.figure("size", "1. Binary size",
                   "Size on disk of the init binary (KiB, as installed). "
                   "tend-static is compared with the statically linked anchors.")
    m = metric(f, "bytes", "binary size", "KiB")
    cands = [("tend-static", TEND_STATIC), ("tini-static", "/usr/bin/tini-static"),
             ("catatonit", "/usr/bin/catatonit"), ("dumb-init", "/usr/bin/dumb-init"),
             ("tend", TEND_DYN), ("tini", "/usr/bin/tini")]
    link = {}
    for name, path in cands:
        if not tool_ok(path):
            missing(m, name, "%s not found" % path)
            continue
        add(m, name, os.path.getsize(path) / 1024.0)
        link[name] = "static" if is_static(path) else "dynamic"
    m["linkage"] = link
    if link.get("dumb-init") == "dynamic":
        f["notes"].append("Debian ships dumb-init only dynamically linked; its size is the dynamic "
                          "binary's (libc not counted), so it is not a like-for-like anchor for tend-static.")
    for n in ("tend", "tini"):
        if n in link:
            f["notes"].append("%s is the dynamically linked build (libc not counted), shown for reference." % n)
