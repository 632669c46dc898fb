/* duration.h — "2", "0.5", "1.25" seconds as milliseconds, without strtod (it would pull
 * floating-point scanning into the static binary). Pure code. */
#pragma once

/* -1 if S is not [digits][.digits] (at least one digit) or above 10^8 seconds. */
long long seconds_to_ms(const char *s);
/* A duration: seconds as above, or with a unit suffix: "250ms", "2s", "1.5m", "1h"; in ms
 * (fractions of a millisecond are dropped). -1 if not one, or above 10^8 seconds. */
long long duration_ms(const char *s);
