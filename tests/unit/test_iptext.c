/* test_iptext.c — ip_text() (iptext.c) against glibc's inet_ntop(): every pattern of
 * zero and non-zero groups (256 of them, each with random and with small values), the
 * IPv4-mapped and IPv4-compatible forms, and random IPv4 addresses. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "iptext.h"

#include "check.h"

static unsigned long rng = 11;
static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

static int shown;

static void same(int family, const unsigned char *a)
{
	char mine[INET6_ADDRSTRLEN], theirs[INET6_ADDRSTRLEN];
	memset(mine, 'X', sizeof mine);
	CHECK(ip_text(family, a, mine) == mine);
	bool ok = inet_ntop(family, a, theirs, sizeof theirs) && !strcmp(mine, theirs);
	CHECK(ok);
	if (!ok && shown++ < 20)
		fprintf(stderr, "  tend \"%.46s\", glibc \"%s\"\n", mine, theirs);
}

int main(void)
{
	unsigned char a[16];
	for (int round = 0; round < 20; round++)
		for (unsigned mask = 0; mask < 256; mask++) {
			for (int i = 0; i < 8; i++) {
				unsigned v = mask >> i & 1 ? (round % 2 ? 1 + rnd(0xffff) : 1 + rnd(round % 4 ? 0xff : 0x10)) : 0;
				a[2 * i] = (unsigned char)(v >> 8);
				a[2 * i + 1] = (unsigned char)v;
			}
			same(AF_INET6, a);
		}
	/* the low 32 bits any value after 80 zero bits and 0000 or ffff (or neither) */
	for (int round = 0; round < 4000; round++) {
		static const unsigned w5[] = {0, 0xffff, 0xff, 0xff00, 1};
		memset(a, 0, 10);
		a[10] = (unsigned char)(w5[round % 5] >> 8);
		a[11] = (unsigned char)w5[round % 5];
		for (int i = 12; i < 16; i++)
			a[i] = (unsigned char)(rnd(3) ? rnd(256) : 0);
		same(AF_INET6, a);
	}
	for (int round = 0; round < 10000; round++) {
		for (int i = 0; i < 4; i++)
			a[i] = (unsigned char)(round % 3 ? rnd(256) : rnd(2) * 255);
		same(AF_INET, a);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
