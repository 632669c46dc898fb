"""Figure 3: launch overhead (INIT -- /bin/true against /bin/true alone)."""

from harness.procs import run_cmd
from harness.results import add, metric, missing, note
from harness.tools import exec_tools, helper, rotate


def fig_launch(res, P):
    n = P["launch_n"]
    f = res.figure("launch", "3. Launch overhead",
                   "%d sequential launches of `INIT -- /bin/true` against %d of `/bin/true` alone, "
                   "by a C helper (fork, exec, waitpid; the init is not PID 1, so tend and tini run "
                   "as child subreapers: tini with -s). Overhead = (INIT run - bare run of the same "
                   "repetition) / N. %d repetitions, tool order rotated each time." % (n, n, P["launch_reps"]))
    m_over = metric(f, "overhead", "overhead per launch", "us")
    m_per = metric(f, "per_launch", "wall time per launch (incl. /bin/true)", "us")
    tools = exec_tools() + [("/bin/true alone", [])]
    for rep in range(P["launch_reps"]):
        base = None
        got = {}
        for name, argv in rotate(tools, rep):
            rc, out, err = run_cmd([helper("launch"), str(n)] + argv + ["/bin/true"], 120)
            if rc != 0 or not out:
                missing(m_per, name, "launch helper failed: %s" % (err or "").strip()[:200])
                continue
            ns, bad = (int(x) for x in out.split())
            if bad:
                note("launch: %s: %d of %d runs did not exit 0" % (name, bad, n))
            got[name] = ns / n / 1000.0
        base = got.get("/bin/true alone")
        for name, v in got.items():
            add(m_per, name, v)
            if base is not None and name != "/bin/true alone":
                add(m_over, name, v - base)
