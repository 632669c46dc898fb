/* metrics.h — the families of GET /metrics (ctl_server_metrics.c), which `tend ctl top`
 * reads back (ctl_top.c). */
#pragma once

/* In output order; the per-service ones first. */
enum { M_STATE, M_UPTIME, M_RESTARTS, M_EXIT, M_READY, M_HEALTHY, M_CPU, M_RSS, M_PSS, M_MEM, M_PROCS, M_FDS,
       M_LOG, M_DROPPED, M_SVC_END, M_OWN_RSS = M_SVC_END, M_OWN_FDS, M_TURNS, M_END };

/* "NAME TYPE HELP" (NAME without the "tend_" prefix) */
extern const char *const metric_fams[M_END];
