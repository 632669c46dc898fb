/* regex.h — POSIX extended regular expressions for ready=log:REGEX, our own: musl's
 * regcomp/regexec add ~45 KB to the static binary. Match or no match, no captures, in
 * time linear in the subject (an NFA simulated state set by state set, no backtracking).
 * Pure code. The syntax is glibc's regcomp(REG_EXTENDED|REG_NOSUB) in the C locale, with
 * the few differences listed at the top of regex.c.
 *
 * Not <regex.h>: under -Isrc this file shadows the system header of that name. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define RX_MAX_PATTERN 1024 /* bytes of pattern */
#define RX_MAX_PROG 2048    /* instructions, {m,n} expanded */
#define RX_MAX_DEPTH 32     /* nested groups */

struct rx; /* a compiled pattern */

/* NULL with a message in ERR (e.g. "unmatched ( at offset 3") on a bad or too big
 * pattern, or "out of memory". */
struct rx *rx_compile(const char *pattern, char *err, size_t errlen);
/* Does any part of the LEN bytes at S match (^ and $ anchor at S and S + LEN)? S need not
 * be NUL-terminated. Uses scratch memory inside RE: one search at a time per pattern. */
bool rx_search(const struct rx *re, const char *s, size_t len);
void rx_free(struct rx *re);
