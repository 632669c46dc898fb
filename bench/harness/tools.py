"""Where the binaries are: tend's two builds (TEND_BIN, TEND_STATIC_BIN), the
exec-mode anchors, the benchmark helpers; small helpers about them."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HELP = os.path.join(ROOT, "build", "bench")
BSVC = os.path.join(HELP, "bsvc")

TEND_DYN = os.environ.get("TEND_BIN", os.path.join(ROOT, "build", "tend"))
TEND_STATIC = os.environ.get("TEND_STATIC_BIN", os.path.join(ROOT, "build", "tend-static"))

# Exec-mode inits: name -> (binary, argv prefix before CMD).
EXEC_TOOLS = [
    ("tend-static", TEND_STATIC, [TEND_STATIC, "--"]),
    ("tend", TEND_DYN, [TEND_DYN, "--"]),
    ("tini-static", "/usr/bin/tini-static", ["/usr/bin/tini-static", "-s", "--"]),
    ("tini", "/usr/bin/tini", ["/usr/bin/tini", "-s", "--"]),
    ("dumb-init", "/usr/bin/dumb-init", ["/usr/bin/dumb-init", "--"]),
    ("catatonit", "/usr/bin/catatonit", ["/usr/bin/catatonit", "--"]),
]
TEND_NAMES = ("tend-static", "tend")


def helper(name):
    return os.path.join(HELP, name)


def tool_ok(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def exec_tools():
    out = []
    for name, b, argv in EXEC_TOOLS:
        if tool_ok(b):
            out.append((name, argv))
    return out


def rotate(seq, k):
    k %= max(1, len(seq))
    return seq[k:] + seq[:k]


def is_static(path):
    """True if the ELF file has no PT_INTERP program header."""
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return None
        phoff = int.from_bytes(h[32:40], "little")
        phentsize = int.from_bytes(h[54:56], "little")
        phnum = int.from_bytes(h[56:58], "little")
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    for i in range(phnum):
        if int.from_bytes(ph[i * phentsize:i * phentsize + 4], "little") == 3:
            return False
    return True
