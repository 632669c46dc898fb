/* test_config_ctl.c — the control server's sections (config_sections.c): [unix_http_server],
 * [inet_http_server], [supervisorctl], [rpcinterface:x], [supervisord] identifier= and
 * tail_bytes=, [program:x] tail_bytes=, with supervisord 4.2.5's rules and messages
 * (server_configs_from_parser, octal_type, colon_separated_user_group, inet_address). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config_fixture.h"
#include "config_keys.h"

#define HEAD "[supervisord]\nlogfile=/tmp/x.log\n"
#define PROG "[program:a]\ncommand=sleep 1\n"

static void test_defaults(void)
{
	struct config c;
	if (LOAD_OK(PROG, &c, 1))
		return;
	CHECK(!c.unix_srv.set && !c.unix_srv.file && !c.inet_srv.set && !c.inet_srv.host);
	CHECK_STR(c.identifier, "supervisor");
	CHECK(c.tail_bytes == 1 << 20);
	CHECK(c.progs[0].tail_bytes == 1 << 20);
	config_free(&c);
}

static void test_unix(void)
{
	struct config c;
	if (!LOAD_OK(HEAD "[unix_http_server]\nfile=%(here)s/run/../sock\n" PROG, &c, 1)) {
		CHECK(c.unix_srv.set);
		CHECK_STR(c.unix_srv.file, at("run/../sock")); /* ".." left to the kernel, as elsewhere */
		CHECK(c.unix_srv.chmod == 0700 && !c.unix_srv.chown_set);
		CHECK(!c.unix_srv.username && !c.unix_srv.password && !c.inet_srv.set);
		config_free(&c);
	}
	if (!LOAD_OK("[unix_http_server]\nfile=rel.sock\nchmod=0770\nchown=nobody:nogroup\n"
		     "username=user\npassword={SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d\n" PROG, &c, 1)) {
		struct passwd *pw = getpwnam("nobody");
		struct group *gr = getgrnam("nogroup");
		char want[PATH_MAX + 16];
		CHECK(getcwd(want, PATH_MAX) != NULL);
		strcat(want, "/rel.sock"); /* normalize_path(): the current directory, not here */
		CHECK_STR(c.unix_srv.file, want);
		CHECK(c.unix_srv.chmod == 0770 && c.unix_srv.chown_set);
		CHECK(pw && c.unix_srv.uid == pw->pw_uid && gr && c.unix_srv.gid == gr->gr_gid);
		CHECK_STR(c.unix_srv.username, "user");
		CHECK_STR(c.unix_srv.password, "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d");
		char *out = print_of(&c);
		CHECK(strstr(out, "mode 0770") && strstr(out, "username user password ***\n"));
		CHECK(!strstr(out, "82ab876d"));
		free(out);
		config_free(&c);
	}
	/* ids work as names do; a user alone leaves the group; Python's 0o prefix */
	if (!LOAD_OK("[unix_http_server]\nfile=/s\nchown=0\nchmod=0o666\n" PROG, &c, 1)) {
		CHECK(c.unix_srv.chown_set && c.unix_srv.uid == 0 && c.unix_srv.gid == (gid_t)-1);
		CHECK(c.unix_srv.chmod == 0666);
		config_free(&c);
	}
	if (!LOAD_OK("[unix_http_server]\nfile=/s\nchown=root:0\nchmod=7\n" PROG, &c, 1)) {
		CHECK(c.unix_srv.uid == 0 && c.unix_srv.gid == 0 && c.unix_srv.chmod == 07);
		config_free(&c);
	}
	/* an empty username: no authentication (supervisord checks `if username`) */
	if (!LOAD_OK("[unix_http_server]\nfile=/s\nusername=\npassword=x\n" PROG, &c, 1)) {
		CHECK(!c.unix_srv.username && !c.unix_srv.password);
		config_free(&c);
	}
	if (!LOAD_OK("[unix_http_server]\nfile=/s\nusername=u\npassword=\n" PROG, &c, 1)) {
		CHECK_STR(c.unix_srv.username, "u");
		CHECK_STR(c.unix_srv.password, "");
		config_free(&c);
	}
}

static void test_unix_errors(void)
{
	EXPECT_ERROR(3, HEAD "[unix_http_server]\nchmod=0700\n" PROG, "section [unix_http_server] has no file value");
	EXPECT_ERROR(4, HEAD "[unix_http_server]\nfile=\n" PROG, "section [unix_http_server] has no file value");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchmod=0899\n" PROG, "Invalid chmod value 0899");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchmod=\n" PROG, "Invalid chmod value ");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchmod=010000\n" PROG, "Invalid chmod value 010000");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchmod=-1\n" PROG, "Invalid chmod value -1");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchown=no-such-user-here\n" PROG,
		     "Invalid sockchown value no-such-user-here");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchown=nobody:no-such-group\n" PROG,
		     "Invalid sockchown value nobody:no-such-group");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchown=nobody:\n" PROG, "Invalid sockchown value nobody:");
	EXPECT_ERROR(5, HEAD "[unix_http_server]\nfile=/s\nchown=4000000000\n" PROG, "Invalid sockchown value 4000000000");
	EXPECT_ERROR(3, HEAD "[unix_http_server]\nfile=/s\nusername=a\n" PROG,
		     "Section [unix_http_server] contains incomplete authentication: If a username or a password is "
		     "specified, both the username and password must be specified");
	EXPECT_ERROR(3, HEAD "[unix_http_server]\nfile=/s\npassword=a\n" PROG, "contains incomplete authentication");
	/* supervisord's order: the file, then authentication, then chown, then chmod */
	EXPECT_ERROR(3, HEAD "[unix_http_server]\nchmod=bad\nusername=a\n" PROG, "has no file value");
	EXPECT_ERROR(3, HEAD "[unix_http_server]\nfile=/s\nchmod=bad\nusername=a\n" PROG, "incomplete authentication");
	EXPECT_ERROR(6, HEAD "[unix_http_server]\nfile=/s\nchmod=bad\nchown=nouser-x\n" PROG, "Invalid sockchown value");
	EXPECT_ERROR(4, HEAD "[unix_http_server]\nfile=%(ENV_NO_SUCH_VAR_X)s\n" PROG, "NO_SUCH_VAR_X");
	/* only the section's own keys; others are warned about, not errors */
	struct config c;
	if (!LOAD_OK("[unix_http_server]\nfile=/s\nsocket_mode=1\n" PROG, &c, 1)) {
		CHECK(warnings && strstr(warnings, ":3: warning: unknown key 'socket_mode' in [unix_http_server] ignored"));
		config_free(&c);
	}
}

static void test_inet(void)
{
	static const struct {
		const char *port, *host;
		int n;
	} ok[] = {
		{"9001", "", 9001}, {"*:9001", "", 9001}, {":9001", "", 9001}, {"127.0.0.1:1", "127.0.0.1", 1},
		{"LocalHost:65535", "localhost", 65535}, {"a:b:80", "a:b", 80},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		struct config c;
		char text[200];
		snprintf(text, sizeof text, "[inet_http_server]\nport=%s\n" PROG, ok[i].port);
		if (LOAD_OK(text, &c, 1))
			continue;
		CHECK(c.inet_srv.set && !c.unix_srv.set);
		CHECK_STR(c.inet_srv.host, ok[i].host);
		CHECK(c.inet_srv.port == ok[i].n);
		CHECK(!c.inet_srv.username && !c.inet_srv.password);
		config_free(&c);
	}
	struct config c;
	if (!LOAD_OK("[inet_http_server]\nport=9001\nusername=admin\npassword=secret\n" PROG, &c, 1)) {
		CHECK_STR(c.inet_srv.username, "admin");
		CHECK_STR(c.inet_srv.password, "secret");
		char *out = print_of(&c);
		CHECK(strstr(out, "# [inet_http_server] *:9001, username admin password ***\n"));
		CHECK(!strstr(out, "secret"));
		free(out);
		config_free(&c);
	}
	EXPECT_ERROR(3, HEAD "[inet_http_server]\nusername=a\npassword=b\n" PROG, "section [inet_http_server] has no port value");
	EXPECT_ERROR(3, HEAD "[inet_http_server]\nport=9001\nusername=a\n" PROG, "Section [inet_http_server] contains incomplete authentication");
	EXPECT_ERROR(4, HEAD "[inet_http_server]\nport=abc\n" PROG, "not a valid port number: 'abc'");
	EXPECT_ERROR(4, HEAD "[inet_http_server]\nport=0\n" PROG, "not a valid port number: '0'");
	EXPECT_ERROR(4, HEAD "[inet_http_server]\nport=65536\n" PROG, "not a valid port number: '65536'");
	EXPECT_ERROR(4, HEAD "[inet_http_server]\nport=\n" PROG, "not a valid port number: ''");
	EXPECT_ERROR(4, HEAD "[inet_http_server]\nport=h:abc\n" PROG, "not a valid port number: 'abc'");
	EXPECT_ERROR(4, HEAD "[inet_http_server]\nport=h:\n" PROG, "no port number specified in 'h:'");
}

static void test_other_sections(void)
{
	struct config c;
	/* [supervisorctl] is the client's; [rpcinterface:supervisor] is built in */
	if (!LOAD_OK("[supervisorctl]\nserverurl=unix:///x\nusername=a\nprompt=p\nno_such=1\n"
		     "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n" PROG,
		     &c, 1)) {
		CHECK(!warnings || !*warnings);
		config_free(&c);
	}
	if (!LOAD_OK("[rpcinterface:other]\nsupervisor.rpcinterface_factory = x:y\n" PROG, &c, 1)) {
		CHECK(warnings && strstr(warnings, ":1: warning: [rpcinterface:other] ignored: tend does not load Python RPC interfaces"));
		config_free(&c);
	}
	EXPECT_ERROR(1, "[rpcinterface:supervisor]\nfoo=1\n" PROG,
		     "section [rpcinterface:supervisor] does not specify a supervisor.rpcinterface_factory");
	EXPECT_ERROR(1, "[unix_http_server:two]\nfile=/s\n" PROG, "unknown section [unix_http_server:two]");
}

static void test_supervisord_keys(void)
{
	struct config c;
	if (!LOAD_OK("[supervisord]\nidentifier=%(host_node_name)s-x\ntail_bytes=64KB\n" PROG, &c, 1)) {
		char host[200];
		gethostname(host, sizeof host);
		strcat(host, "-x");
		CHECK_STR(c.identifier, host);
		CHECK(c.tail_bytes == 64 << 10);
		CHECK(!warnings || !*warnings);
		char *out = print_of(&c);
		CHECK(strstr(out, ", tail_bytes: 65536\n"));
		free(out);
		config_free(&c);
	}
	if (!LOAD_OK("[supervisord]\nidentifier=\ntail_bytes=0\n" PROG, &c, 1)) {
		CHECK_STR(c.identifier, "");
		CHECK(c.tail_bytes == 0);
		config_free(&c);
	}
	EXPECT_ERROR(2, "[supervisord]\ntail_bytes=1.5MB\n" PROG, "invalid value '1.5MB' for key 'tail_bytes'");
	EXPECT_ERROR(2, "[supervisord]\ntail_bytes=65MB\n" PROG, "invalid value '65MB' for key 'tail_bytes'");
	EXPECT_ERROR(2, "[supervisord]\ntail_bytes=-1\n" PROG, "invalid value '-1' for key 'tail_bytes'");
}

static void test_program_tail_bytes(void)
{
	struct config c, d;
	if (!LOAD_OK("[program:a]\ncommand=x\ntail_bytes=2mb\n", &c, 1)) {
		CHECK(c.progs[0].tail_bytes == 2 << 20);
		if (!LOAD_OK("[program:a]\ncommand=x\ntail_bytes=2048KB\n", &d, 1)) {
			CHECK(program_equal(&c.progs[0], &d.progs[0])); /* the same size */
			config_free(&d);
		}
		if (!LOAD_OK("[program:a]\ncommand=x\n", &d, 1)) {
			CHECK(!program_equal(&c.progs[0], &d.progs[0]));
			config_free(&d);
		}
		char *out = print_of(&c);
		CHECK(strstr(out, "  tail_bytes   2097152\n"));
		free(out);
		config_free(&c);
	}
	if (!LOAD_OK("[program:a]\ncommand=x\ntail_bytes=64MB\n", &c, 1)) {
		CHECK(c.progs[0].tail_bytes == 64 << 20);
		config_free(&c);
	}
	EXPECT_ERROR(3, "[program:a]\ncommand=x\ntail_bytes=67108865\n", "invalid value '67108865' for key 'tail_bytes'");
	EXPECT_ERROR(3, "[program:a]\ncommand=x\ntail_bytes=1TB\n", "invalid value '1TB' for key 'tail_bytes'");
}

/* byte_size(): int(v[:-2]) * multiplier; int() allows blanks around the number. */
static void test_byte_size(void)
{
	static const struct {
		const char *v;
		long long n;
	} ok[] = {
		{"0", 0}, {"10", 10}, {"1KB", 1024}, {"1kb", 1024}, {"2Mb", 2 << 20}, {"3gB", 3LL << 30},
		{"5 MB", 5 << 20}, {"+7", 7},
	};
	static const char *const bad[] = {"", "KB", "1.5MB", "1TB", "1 K B", "-1", "x", "1KBKB", "99999999999999999999"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		long long n = -1;
		CHECK(parse_bytes(ok[i].v, &n) == 0 && n == ok[i].n);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		long long n;
		if (parse_bytes(bad[i], &n) == 0) {
			failed++;
			fprintf(stderr, "%s:%d: byte size '%s' accepted as %lld\n", __FILE__, __LINE__, bad[i], n);
		} else
			passed++;
	}
	EXPECT_ERROR(3, "[program:a]\ncommand=x\nstdout_logfile_maxbytes=1.5MB\n", "invalid value '1.5MB' for key 'stdout_logfile_maxbytes'");
}

static void cases(void)
{
	test_defaults();
	test_unix();
	test_unix_errors();
	test_inet();
	test_other_sections();
	test_supervisord_keys();
	test_program_tail_bytes();
	test_byte_size();
}

int main(void)
{
	return fixture_run("config_ctl", cases);
}
