/* intparse.h — strtoll() without libc's scanner (see intparse.c). Pure code. */
#pragma once

/* strtoll(S, END, BASE) for BASE 2..36, the same in every respect: leading isspace()
 * blanks, an optional sign, then the longest run of digits of BASE; no digit: 0 and
 * *END = S; out of range: LLONG_MAX or LLONG_MIN and errno = ERANGE (errno is otherwise
 * left alone). Not supported: base 0 and base 16's "0x" prefix (no caller wants them).
 * END may be NULL. */
long long str_to_ll(const char *s, char **end, int base);
