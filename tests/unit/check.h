/* check.h — the unit tests' one assertion: count, report FILE:LINE, keep going. */
#pragma once
#include <stdio.h>

static int passed, failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (cond)                                                                \
			passed++;                                                        \
		else {                                                                   \
			failed++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                        \
	} while (0)
