"""Harness for the event-listener tests (test_events.py): one config run under real
supervisord (`supervisord -n -c CONF`) or under tend (`tend -c CONF`), both as PID 1 of
their own PID namespace, with the [unix_http_server] and [supervisorctl] sections of
ctl_compat.BASE, so that supervisorctl and childutils.getRPCInterface() reach either.

Listeners are tests/helpers/ev_listener.py (childutils-based, one JSON line per event in
TMP/NAME.jsonl) and tests/helpers/stop-supervisor.sh. In a config, %(tmp)s is the run's
directory, %(py)s python3, %(prog)s ctl_compat's prog.py, %(listener)s "python3
ev_listener.py", %(helpers)s tests/helpers and %(port)s a free TCP port.
"""
import json
import os
import re
import time

import pytest

from conftest import ROOT, SLOW, descendants
from ctl_compat import BASE, PY, Scenario, Server

HELPERS = os.path.join(ROOT, "tests", "helpers")
DATA = os.path.join(ROOT, "tests", "data", "events")
KINDS = ("supervisord", "tend")

# ctl_compat's base, with the programs' AUTO logs kept in the run's directory
EV_BASE = BASE.replace("nodaemon=true\n", "nodaemon=true\nchildlogdir=%(tmp)s\n")


class Sv(Server):
    """A supervisor (KIND) running CONF (EV_BASE + text)."""

    def __init__(self, kind, procs, tmp, conf, port=0):
        Server.__init__(self, kind, procs, tmp, Scenario("events", conf, [], base=EV_BASE), port)

    def subst(self, text):
        text = text.replace("%(listener)s", "%s %s" % (PY, os.path.join(HELPERS, "ev_listener.py")))
        return Server.subst(self, text.replace("%(helpers)s", HELPERS))

    def path(self, name):
        return os.path.join(self.tmp, name)

    # ---- what the supervisor said: its log file, stdout and stderr
    def log_findall(self, pattern):
        """re.findall in the log source that has the most matches (supervisord writes its log
        to the log file and, with -n, to stdout too: counting both would count twice)."""
        best = []
        for n in ("supervisord.log", "server.stdout", "server.stderr"):
            try:
                with open(self.path(n), errors="replace") as f:
                    found = re.findall(pattern, f.read())
            except FileNotFoundError:
                continue
            if len(found) > len(best):
                best = found
        return best

    def wait_log(self, pattern, n=1, timeout=20.0):
        """Wait until `pattern` (a regex) matches n times in the log; the matches."""
        return self.wait(lambda: len(self.log_findall(pattern)) >= n and self.log_findall(pattern), timeout,
                         lambda: "%d x %r in the %s log" % (n, pattern, self.kind))

    # ---- what a listener received
    def records(self, name):
        """The events listener NAME recorded (complete lines only), in order."""
        try:
            with open(self.path(name + ".jsonl")) as f:
                data = f.read()
        except FileNotFoundError:
            return []
        return [json.loads(l) for l in data.split("\n")[:-1]]

    def wait_records(self, name, cond, timeout=20.0, what="events"):
        """Wait until cond(records) is true; the records."""
        return self.wait(lambda: cond(self.records(name)) and self.records(name), timeout,
                         lambda: "%s for listener %s under %s; got %s" % (
                             what, name, self.kind, json.dumps(self.records(name), indent=1)[-3000:]))

    def wait(self, cond, timeout, what):
        deadline = time.monotonic() + timeout * SLOW
        while True:
            v = cond()
            if v:
                return v
            if time.monotonic() > deadline:
                pytest.fail("timed out waiting for %s\n%s" % (what(), self.logs()))
            if self.run.p.poll() is not None:
                v = cond()
                if v:
                    return v
                pytest.fail("%s exited (%s) while waiting for %s\n%s" % (
                    self.kind, self.run.p.returncode, what(), self.logs()))
            time.sleep(0.02)

    def tree(self):
        """Host pids of every process below the supervisor."""
        return descendants(self.run.tend_pid())


def header_tokens(line):
    """The header line's keys in order: its values are checked one by one."""
    assert line.endswith("\n"), "header line %r does not end in a newline" % line
    return [t.split(":", 1)[0] for t in line[:-1].split(" ")]


def payload_tokens(payload):
    """A PROCESS_STATE payload as [(key, value)], in order."""
    return [tuple(t.split(":", 1)) for t in payload.split(" ")]


def mask_pids(payload):
    return re.sub(r"\bpid:\d+", "pid:<PID>", payload)
