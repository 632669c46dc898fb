/* duration.c — see duration.h. */
#include "duration.h"

#include <string.h>

long long seconds_to_ms(const char *s)
{
	long long ms = 0, scale = 1000;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((ms = ms * 10 + (*p - '0') * 1000) > 100000000LL * 1000)
			return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			ms += (scale /= 10) * (*p - '0');
	return (p == s || *p || (p == s + 1 && *s == '.')) ? -1 : ms;
}

long long duration_ms(const char *s)
{
	static const struct { const char *sfx; long long mult; } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	size_t n = strlen(s);
	for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
		size_t k = strlen(units[i].sfx);
		if (n <= k || strcmp(s + n - k, units[i].sfx))
			continue;
		char num[32];
		if (n - k >= sizeof num)
			return -1;
		memcpy(num, s, n - k);
		num[n - k] = 0;
		long long ms = seconds_to_ms(num); /* the number as seconds, in ms */
		if (ms < 0 || ms / 1000 > 100000000LL / units[i].mult)
			return -1;
		return units[i].mult == 1 ? ms / 1000 : ms / 1000 * units[i].mult + ms % 1000 * units[i].mult / 1000;
	}
	return seconds_to_ms(s);
}
