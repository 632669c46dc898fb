/* sort.c — qsort() as a heap sort: in place, O(n log n) in the worst case, no recursion,
 * no malloc.
 *
 * Why it exists: the static size budget. It replaces musl's qsort (qsort.lo and
 * qsort_nr.lo, a smoothsort of about 2.1 KB) with about 200 bytes. It defines the
 * standard name, as fmt.c does for printf, so the call sites stay as they are and the
 * glibc and ASan builds sort with this code too: the two builds order alike. The whole
 * standard contract is kept, for any caller (libc's own, in the static link): any
 * element size, any comparator; like every qsort it is not stable, so tend's callers
 * compare with a total order (ties broken by an index or by names that are unique). */
#include <stddef.h>
#include <stdlib.h>

static void swap(char *a, char *b, size_t size)
{
	while (size--) {
		char c = *a;
		*a++ = *b;
		*b++ = c;
	}
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *v = base;
	/* i = n + n/2 - 1 .. n build the heap (sift down from root i - n); then each i = n-1
	 * .. 1 moves the largest element to v[i] and sifts the new root down in v[0..i) */
	for (size_t i = n + n / 2; i-- > 1;) {
		size_t root = i - n, end = n;
		if (i < n) {
			end = i;
			swap(v, v + end * size, size);
			root = 0;
		}
		for (size_t child; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && cmp(v + child * size, v + (child + 1) * size) < 0)
				child++;
			if (cmp(v + root * size, v + child * size) >= 0)
				break;
			swap(v + root * size, v + child * size, size);
		}
	}
}
