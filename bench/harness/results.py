"""The results model (figures, metrics, raw samples, medians and ratios) and
the run's log and free-text notes."""

import statistics
import sys
import threading
import time

from harness.tools import TEND_NAMES

T_START = time.monotonic()
NOTES = []          # free-text notes collected during the run (go to latest.md)
LOCK = threading.Lock()


def log(msg):
    sys.stderr.write("[bench %6.1fs] %s\n" % (time.monotonic() - T_START, msg))
    sys.stderr.flush()


def note(msg):
    with LOCK:
        NOTES.append(msg)
    log("note: " + msg)


class Results:
    def __init__(self):
        self.figures = []

    def figure(self, fid, title, what):
        f = dict(id=fid, title=title, what=what, metrics=[], notes=[])
        self.figures.append(f)
        return f


def metric(fig, key, label, unit, lower_is_better=True, tools=None):
    m = dict(key=key, label=label, unit=unit, lower_is_better=lower_is_better,
             tools={}, missing={})
    for t in tools or []:
        m["tools"][t] = []
    fig["metrics"].append(m)
    return m


def add(m, tool, value):
    m["tools"].setdefault(tool, []).append(value)


def missing(m, tool, why):
    m["missing"][tool] = why


def summarize(res):
    for f in res.figures:
        for m in f["metrics"]:
            st = {}
            for t, vals in m["tools"].items():
                if vals:
                    st[t] = dict(median=statistics.median(vals), min=min(vals), max=max(vals),
                                 n=len(vals))  # raw samples stay in m["tools"]
                elif t not in m["missing"]:
                    m["missing"][t] = "no sample obtained"
            m["stats"] = st
            ratios = {}
            for tn in TEND_NAMES:
                if tn not in st:
                    continue
                for a, s in st.items():
                    if a in TEND_NAMES:
                        continue
                    num, den = st[tn]["median"], s["median"]
                    ratios["%s/%s" % (tn, a)] = (num / den) if den else (None if num else 1.0)
            m["ratios"] = ratios
