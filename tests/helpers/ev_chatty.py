"""ev_chatty.py COUNT: COUNT numbered lines ("chatty 1" ...) on stdout as fast as it can
(block-buffered), then wait for a signal (so it stays RUNNING, its pid known)."""
import signal
import sys

n = int(sys.argv[1])
sys.stdout.write("".join("chatty %d\n" % i for i in range(1, n + 1)))
sys.stdout.flush()
signal.pause()
