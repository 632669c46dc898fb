/* fuzz_regex.c — libFuzzer target for the extended regular expressions of ready=log:
 * (regex.c), which compile what a config file says and run on every line a service
 * prints.
 *
 * An input is a pattern, a NUL or a newline, then the subject: the rest of the input,
 * NULs and all (no separator: the whole input is the pattern, the subject empty). Each
 * run compiles the pattern (a refusal must say why, in a short printable message),
 * searches the subject twice (the same answer: a search leaves no state behind) and the
 * empty subject, and frees; LeakSanitizer checks that nothing is left. Time is linear
 * in the subject by construction; -timeout catches it if not.
 *
 *   build/fuzz_regex -max_len=8192 -timeout=20 build/fuzz-corpus/regex
 *   (clang -fsanitize=fuzzer,address,undefined, as in the Makefile's FUZZ_FLAGS)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *pat, const char *err)
{
	if (!*err) {
		fprintf(stderr, "pattern refused without a message: %s\n", pat);
		abort();
	}
	for (const char *e = err; *e; e++)
		if ((unsigned char)*e < 0x20 || (unsigned char)*e >= 0x7f) {
			fprintf(stderr, "raw byte 0x%02x in the message: %s\n", (unsigned char)*e, err);
			abort(); /* ours are plain ASCII: they end up in tend's log */
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t plen = 0;
	while (plen < size && data[plen] && data[plen] != '\n')
		plen++;
	char *pat = malloc(plen + 1);
	if (!pat)
		return 0;
	memcpy(pat, data, plen);
	pat[plen] = 0;
	/* the subject in a buffer of its own size, so that ASan sees a read past its end */
	size_t slen = plen < size ? size - plen - 1 : 0;
	char *subj = malloc(slen ? slen : 1);
	if (!subj) {
		free(pat);
		return 0;
	}
	memcpy(subj, data + size - slen, slen);

	char err[48]; /* shorter than some messages: truncation is exercised too */
	err[0] = 0;
	struct rx *re = rx_compile(pat, err, sizeof err);
	if (!re)
		check_message(pat, err);
	else {
		bool first = rx_search(re, subj, slen);
		if (rx_search(re, subj, slen) != first) {
			fprintf(stderr, "two searches disagree\n");
			abort();
		}
		rx_search(re, subj, 0);
		rx_free(re);
	}
	free(subj);
	free(pat);
	return 0;
}
