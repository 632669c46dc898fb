"""An event listener for tests/test_events.py, built on the installed supervisor.childutils.

    ev_listener.py MODE OUT [SECONDS]

Every event received is appended to OUT as one JSON line: the raw header line, the parsed
headers, the payload, this listener's pid, and for PROCESS_STATE_EXITED (in mode record)
the exit status read back with getProcessInfo over XML-RPC. MODE:
  record   answer OK to every event (after SECONDS of work, if given: a slow listener)
  silent   take one event and never answer it (stays BUSY for ever)
  garbage  take one event and answer it with a line that is not a RESULT
  die      the first instance (no OUT.died yet) exits 1 on its first event, unanswered;
           later instances answer OK
  fatal    answer OK; on PROCESS_STATE_FATAL, SIGTERM to the parent (the supervisor), as
           the exit-on-FATAL listeners of continuouspipe/dockerfiles and Zibbp/ganymede do
"""
import json
import os
import signal
import sys
import time

from supervisor import childutils


class LineKeeper:
    """stdin for listener.wait(), remembering the raw header line it read."""

    def __init__(self, f):
        self.f, self.line = f, None

    def readline(self):
        self.line = self.f.readline()
        return self.line

    def read(self, n):
        return self.f.read(n)


def append(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def exitstatus(payload):
    name = dict(t.split(":", 1) for t in payload.split())["processname"]
    rpc = childutils.getRPCInterface(os.environ)
    return rpc.supervisor.getProcessInfo(name)["exitstatus"]


def main():
    mode, out = sys.argv[1], sys.argv[2]
    work = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    stdin = LineKeeper(sys.stdin)
    while True:
        headers, payload = childutils.listener.wait(stdin, sys.stdout)
        rec = {"header": stdin.line, "headers": headers, "payload": payload, "lpid": os.getpid()}
        if mode == "record" and headers["eventname"] == "PROCESS_STATE_EXITED":
            rec["exitstatus"] = exitstatus(payload)
        fatal = mode == "fatal" and headers["eventname"] == "PROCESS_STATE_FATAL"
        if fatal:
            rec["ppid"] = os.getppid()
        append(out, json.dumps(rec) + "\n")
        if mode == "silent":
            sys.stdin.read()        # never answers; EOF only when the supervisor goes away
            return
        if mode == "garbage":
            sys.stdout.write("this is not a result\n")
            sys.stdout.flush()
            sys.stdin.read()
            return
        if mode == "die" and not os.path.exists(out + ".died"):
            append(out + ".died", "%d\n" % os.getpid())
            sys.exit(1)
        if work:
            time.sleep(work)        # a slow listener on purpose, not a wait for anything
        childutils.listener.ok(sys.stdout)
        if fatal:
            os.kill(os.getppid(), signal.SIGTERM)


if __name__ == "__main__":
    main()
