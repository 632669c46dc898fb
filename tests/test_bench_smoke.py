"""Runs the benchmark harness once with minimal repetitions (bench/run.sh smoke).

No timing is asserted here: timings live in `make bench` / `make bench-quick`.
This only checks that the code path works and that every figure was produced,
with results written to a temporary directory (never bench/results).
"""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIGURES = ["size", "pid1_mem", "launch", "idle_wakeups", "signal", "orphans",
           "restart", "shutdown", "sup_mem", "scale", "logs", "ctl", "lifecycle", "metrics"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the harness needs root (PID namespaces)")
@pytest.mark.skipif(shutil.which("gcc") is None, reason="the harness compiles C helpers")
def test_bench_smoke(tmp_path):
    out = tmp_path / "results"
    before = sorted(p.name for p in (ROOT / "bench" / "results").glob("*")) \
        if (ROOT / "bench" / "results").is_dir() else []
    r = subprocess.run(["bash", str(ROOT / "bench" / "run.sh"), "smoke", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ("latest.md", "latest.json"):
        assert (out / name).is_file(), name
    data = json.loads((out / "latest.json").read_text())
    assert data["mode"] == "smoke"
    assert [f["id"] for f in data["figures"]] == FIGURES
    for fig in data["figures"]:
        assert fig["metrics"], fig["id"]
        produced = [m for m in fig["metrics"] if any(s["n"] > 0 for s in m["stats"].values())]
        assert produced, "figure %s has no sample at all: %s" % (
            fig["id"], [m["missing"] for m in fig["metrics"]])
    md = (out / "latest.md").read_text()
    for fig in data["figures"]:
        assert fig["title"] in md
    if shutil.which("gnuplot"):
        assert (out / "latest.png").is_file()
    after = sorted(p.name for p in (ROOT / "bench" / "results").glob("*")) \
        if (ROOT / "bench" / "results").is_dir() else []
    assert after == before, "smoke must not write to bench/results"
