/* musl_inet_pton_diff.c — src/inet_pton.c against musl's own inet_pton: the return value,
 * errno and all 16 output bytes (filled with the same pattern first, so partial writes on
 * failure count too; after a failure, bytes 14-15 are left out: musl 1.2.3 copies an
 * uninitialised group of its stack array there when an IPv6 address's IPv4 tail does not
 * parse, where tend's has zero) for AF_INET, AF_INET6 and other families, over crafted addresses and
 * 300,000 random strings from the characters addresses are made of. Built by
 * tests/test_inet_pton.py with musl-gcc -static; prints one line per difference (at most
 * 20), exits 1 if any. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TEND_OWN_INET_PTON
#define inet_pton t_inet_pton
#include "../../src/inet_pton.c"
#undef inet_pton

static int bad, cases;

static void compare(int af, const char *s)
{
	unsigned char a[16], b[16];
	memset(a, 0x5a, sizeof a);
	memset(b, 0x5a, sizeof b);
	errno = 0;
	int ra = inet_pton(af, s, a), ea = errno;
	errno = 0;
	int rb = t_inet_pton(af, s, b), eb = errno;
	cases++;
	if (ra != rb || ea != eb || memcmp(a, b, ra == 1 ? sizeof a : 14)) {
		if (bad++ < 20) {
			printf("af %d \"%s\": musl %d errno %d, tend %d errno %d, bytes", af, s, ra, ea, rb, eb);
			for (int i = 0; i < 16; i++)
				printf(" %02x/%02x", a[i], b[i]);
			putchar('\n');
		}
	}
}

int main(void)
{
	static const char *crafted[] = {
		"", "0.0.0.0", "127.0.0.1", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04",
		"1.2.3.4 ", " 1.2.3.4", "1..2.3", "1.2.3.", "1234.1.1.1", "0x1.2.3.4", "::", "::1", "1::", ":::", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8", "1:2::3::4", "fe80::1%eth0", "::ffff:1.2.3.4",
		"::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:256.1.1.1",
		"::ffff:1.2.3", "12345::", "abcd:EF01::", "g::", ":1::", "1:", ":", "1:2:3:4:5:6:7:", "::1.2.3.4.5",
		"0:0:0:0:0:0:0:0", "00000::", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8", "1.2.3.4::",
		"[::1]", "localhost", "1:2:3:4:5::1.2.3.4", "1::1.2.3.4", "::.1.2.3", "::1.", "1:2:3:4:5:6:7:8.",
	};
	int afs[] = {AF_INET, AF_INET6, AF_UNIX, -1, 0};
	for (size_t i = 0; i < sizeof crafted / sizeof *crafted; i++)
		for (size_t k = 0; k < sizeof afs / sizeof *afs; k++)
			compare(afs[k], crafted[i]);
	static const char alpha[] = "0123456789abcdefABCDEFgG:..:::x% \x80";
	srand(11);
	for (int n = 0; n < 300000; n++) {
		char s[48];
		int len = rand() % 46;
		for (int i = 0; i < len; i++)
			s[i] = alpha[rand() % (int)(sizeof alpha - 1)];
		s[len] = 0;
		if (n % 3 == 0) /* mostly well-formed pieces: digits and separators in address-like runs */
			for (int i = 0; i < len; i++)
				s[i] = "0123456789.:f"[rand() % 13];
		compare(AF_INET6, s);
		compare(AF_INET, s);
	}
	fprintf(stderr, "%d cases, %d differences\n", cases, bad);
	return bad != 0;
}
