/* stop_budget.h — how long a shutdown can take, against the runtime's stop timeout. */
#ifndef TEND_STOP_BUDGET_H
#define TEND_STOP_BUDGET_H

#include "config.h"

#include <stddef.h>

#define STOP_BUDGET_DEFAULT_MS 10000LL /* docker stop -t and podman stop -t default to 10 s */

/* The longest a shutdown of CF can take: supervise.c's waves with every program using
 * its whole stopwaitsecs. CHAIN receives up to MAX programs, the last to
 * stop first, each started when the one after it in CHAIN was gone; *N the whole chain's
 * length (more than MAX: only the last MAX are in CHAIN). */
long long shutdown_worst_ms(const struct config *cf, const struct program **chain, int max, int *n);
/* The same as text for --check and the start-up warning: "25 s: web (15 s), then db
 * (10 s)". Returns the worst case in ms. */
long long shutdown_worst_text(const struct config *cf, char *out, size_t len);

#endif
