"""tend's XML-RPC encoder, read back by Python's own xmlrpc.client (expat), which is
what supervisorctl uses: tests/unit/test_xmlrpc.c writes its documents to TEND_XML_OUT,
and here they must parse to the values it meant, byte-identical to xmlrpc.client.dumps
where Python can write the same values."""
import datetime
import math
import os
import subprocess
import xmlrpc.client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT = os.path.join(ROOT, "build", "unit", "test_xmlrpc")
FFFD = "\ufffd"


def documents(tmp_path):
    subprocess.run(["make", "-s", "build/unit/test_xmlrpc"], cwd=ROOT, check=True)
    env = dict(os.environ, TEND_XML_OUT=str(tmp_path))
    r = subprocess.run([UNIT], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    names = {p.stem: p.read_bytes() for p in tmp_path.glob("*.xml")}
    assert set(names) == {"nested", "fault", "strings", "call", "roundtrip"}
    return names


def loads(doc):
    # as supervisorctl's SupervisorTransport does: decode as UTF-8, then parse
    return xmlrpc.client.loads(doc.decode("utf-8"), use_builtin_types=True)


def test_python_reads_what_tend_writes(tmp_path):
    docs = documents(tmp_path)

    nested = {"a": [1, 2.5, "x"], "b": {}, "c": [], "d": True}
    assert loads(docs["nested"]) == ((nested,), None)
    assert docs["nested"] == xmlrpc.client.dumps((nested,), methodresponse=True).encode()

    try:
        loads(docs["fault"])
        raise AssertionError("no fault")
    except xmlrpc.client.Fault as f:
        assert (f.faultCode, f.faultString) == (10, "BAD_NAME: foo")
    assert docs["fault"] == xmlrpc.client.dumps(xmlrpc.client.Fault(10, "BAD_NAME: foo")).encode()

    (strings,), _ = loads(docs["strings"])
    assert strings == [
        "a&b<c>d]]>e\"f'g",
        "t\tn\nr\rz",
        FFFD * 3 + "\x7f",
        "caf\u00e9 \u20ac \U0001F600",
        "bad %s %s %s %s %s %s end" % (FFFD, FFFD, FFFD * 2, FFFD * 3, FFFD * 3, FFFD * 4),
        "",
        "",
    ]

    params, method = loads(docs["call"])
    assert method == "a<b>&"
    assert len(params) == 1 and list(params[0]) == ["k&<>"]
    assert params[0]["k&<>"] == datetime.datetime(2026, 1, 1)

    (rt,), _ = xmlrpc.client.loads(docs["roundtrip"].decode("utf-8"), use_builtin_types=True)
    assert rt[0] == nested
    assert rt[1:3] == [-(2**63), 2**63 - 1]
    assert rt[3:6] == [0.1, -1e-300, 1.7976931348623157e308]
    assert math.isnan(rt[6]) and rt[7] == -math.inf
    assert rt[8] is False and rt[9] is None
    assert rt[10] == b"\0\1\2\3binary\xff" and rt[11] == b""
    assert rt[12] == datetime.datetime(2026, 1, 1, 12, 34, 56)
    assert rt[13] == "nul%sinside" % FFFD
    assert rt[14] == {"deep": [{"x": [], "y": {"z": None}}]}
