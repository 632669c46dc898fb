"""ev_term.py FILE: a service that waits; on SIGTERM it writes "TERM" to FILE and exits 0
(proof that its supervisor stopped it, rather than the kernel with the PID namespace)."""
import signal
import sys


def on_term(sig, frame):
    with open(sys.argv[1], "w") as f:
        f.write("TERM\n")
    sys.exit(0)


signal.signal(signal.SIGTERM, on_term)
while True:
    signal.pause()
