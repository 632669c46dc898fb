"""Figure 14: GET /metrics with 100 services (each tree read from /proc per scrape).

tend-static runs N sleep-like services (startsecs=0) with `[unix_http_server]`; once
every service runs, the harness scrapes GET /metrics over the UNIX socket again and
again, one request at a time: from connect() until the server has closed the
connection after the whole body (tend closes after such a reply). Each answer must list
every service. The harness also reads tend's own CPU time (/proc/PID/schedstat) before
and after the batch: divided by the number of scrapes, it is what one scrape costs tend
(the HTTP request, the /proc walk of every tree and the text), without the client.
The percentiles are those of all the scrapes of one supervisor start."""

import os
import socket
import time

from harness.procs import cpu_ns, kill_list, reap_orphans, wait_for
from harness.results import add, metric, missing, note
from harness.supervisors import count_starts, mark_tend_missing, service_pids, sup_kinds
from harness.tools import BSVC


def scrape(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10.0)
    t0 = time.perf_counter_ns()
    s.connect(path)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = []
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        data.append(d)
    t1 = time.perf_counter_ns()
    s.close()
    return (t1 - t0) / 1e6, b"".join(data)


def pct(vals, p):
    v = sorted(vals)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def fig_metrics(res, P, work, tend_ok):
    n, k = P["met_n"], P["met_scrapes"]
    f = res.figure("metrics", "14. Metrics",
                   "GET /metrics with %d sleep-like services, %d scrapes per start, one at a time, over "
                   "the UNIX socket of `[unix_http_server]`: every scrape reads each service's tree from "
                   "/proc (stat, smaps_rollup, the fd directory of each process) and writes 13 families "
                   "per service. Round trip from connect() until the reply is complete; tend's CPU time "
                   "per scrape from its /proc/PID/schedstat over the batch. Goal: under 10 ms for 100 services. "
                   "%d start(s)." % (n, k, P["met_reps"]))
    m_med = metric(f, "scrape_%d" % n, "GET /metrics round trip, %d services: every scrape" % n, "ms")
    m_p99 = metric(f, "scrape_p99_%d" % n, "GET /metrics, %d services: 99th percentile of a start's scrapes" % n, "ms")
    m_cpu = metric(f, "cpu", "tend's CPU time per scrape, %d services" % n, "ms")
    m_len = metric(f, "bytes", "size of the answer, %d services" % n, "bytes")
    every = [m_med, m_p99, m_cpu, m_len]
    if tend_ok is not None:
        mark_tend_missing(every, tend_ok)
    kinds = [kv for kv in sup_kinds(tend_ok) if kv[0].startswith("tend")]
    for rep in range(P["met_reps"]):
        for name, mk in kinds:
            lg = os.path.join(work, "met-%d-%s.log" % (rep, name))
            sock = os.path.join(work, "met-%d-%s.sock" % (rep, name))
            s = mk("met-%d-%s" % (rep, name), work, [("svc%d" % i, [BSVC, lg, "sleep"]) for i in range(n)],
                   startsecs=0, ctl_socket=sock)
            try:
                s.start()
                if not wait_for(lambda: count_starts(lg) >= n and os.path.exists(sock), 30.0, 0.01):
                    for m in every:
                        missing(m, name, "services did not all start within 30 s")
                    continue
                scrape(sock)  # unmeasured: the first pages of the code
                c0 = cpu_ns(s.pid)
                times = []
                for _ in range(k):
                    ms, body = scrape(sock)
                    if body.count(b"\ntend_service_processes{") != n:
                        note("metrics: %s answered without every service" % name)
                        break
                    times.append(ms)
                c1 = cpu_ns(s.pid)
                if len(times) < k:
                    for m in every:
                        missing(m, name, "wrong answer")
                    continue
                for v in times:
                    add(m_med, name, v)
                add(m_p99, name, pct(times, 99))
                add(m_cpu, name, (c1 - c0) / 1e6 / k)
                add(m_len, name, len(body.partition(b"\r\n\r\n")[2]))
            finally:
                s.kill()
                kill_list(service_pids(lg))
                reap_orphans()
