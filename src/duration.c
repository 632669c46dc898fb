/* duration.c — see duration.h. */
#include "duration.h"

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
