"""Signalling whole trees (src/proctree.c): a process that dies at once on the signal
must not let its children escape it. tend not PID 1 ends the rest of its tree after the
main child exits; every grandchild must get the SIGTERM, not wait for the grace's SIGKILL."""


def test_drain_reaches_grandchildren_of_processes_that_die_at_once(procs, tend):
    # 20 intermediate shells that die at once on SIGTERM, each with two sleeps. If a shell
    # were signalled before its children were read, its sleeps would pass to tend
    # unsignalled and live until the grace ends.
    script = 'for i in $(seq 20); do sh -c "sleep 1000 & sleep 1000 & wait" & done; sleep 0.5; exit 0'
    # the run's deadline (30 s, scaled) is far below the grace: it fails the test if any
    # sleep waited for the grace's SIGKILL
    rc, out, err = procs.run([tend, "--grace", "600", "--", "sh", "-c", script], timeout=30)
    assert rc == 0, err


def test_drain_reaches_a_deep_chain(procs, tend, tmp_path):
    # a chain 30 shells deep, each dying at once on SIGTERM, a sleep at the end
    chain = tmp_path / "chain.sh"
    chain.write_text('if [ "$1" -gt 0 ]; then sh "$0" $(($1 - 1)) & wait; else exec sleep 1000; fi\n')
    rc, out, err = procs.run([tend, "--grace", "600", "--", "sh", "-c", 'sh %s 30 & sleep 1; exit 0' % chain],
                             timeout=30)
    assert rc == 0, err
