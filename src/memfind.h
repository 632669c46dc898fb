/* memfind.h — the first occurrence of a short needle in a buffer (memmem without the
 * libc member: see memfind.c). Pure code. */
#pragma once
#include <stddef.h>

/* Where NEEDLE[0..m) first occurs in HAY[0..n), or NULL; an empty needle occurs at HAY.
 * O(n * m): meant for needles of a few bytes (tend's are "?>", "-->", "%(process_num)"). */
const char *mem_find(const char *hay, size_t n, const char *needle, size_t m);
