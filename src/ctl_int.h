/* ctl_int.h — what the files of the client share: its one state struct, the RPC
 * transport (ctl_conn.c), output (ctl_out.c) and the command table (ctl_cmd*.c). */
#pragma once
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "xmlrpc.h"

#define CTL_MAX_REPLY (64u << 20) /* one HTTP reply body */
#define CTL_MAX_LINE 65536        /* one line of the interactive shell */

/* Why a call did not return a value or a fault. */
enum ctl_err {
	CE_NONE,
	CE_SOCKET,   /* err_errno set; err_connect: while connecting */
	CE_HTTP,     /* a status other than 200 (http_status) */
	CE_PROTOCOL, /* a reply we cannot read (err_text) */
	CE_URL,      /* the server URL has a scheme we do not speak */
};

struct ctl {
	const char *progname;  /* for "For help, use PROG -h" and the usage text */
	const char *prog_path; /* argv[0] (found on $PATH): where the config search starts */
	bool tend_mode;        /* `tend ctl` (not supervisorctl): tend's defaults and extras */
	char *serverurl;
	char *username, *password;
	char *prompt;
	bool interactive;      /* supervisorctl's options.interactive: -i, or no command */
	bool json;             /* --json: one JSON document per command on stdout */
	bool err_body;         /* ctl_get: a refusal's text goes to stderr, not stdout */
	struct buf *get_buf;   /* ctl_get: a 200's body goes here, not to stdout (NULL: stdout) */
	int exitstatus;

	/* the connection, kept across the calls of one command */
	int fd;
	struct buf in;         /* received, not yet consumed */
	bool reused;           /* fd has carried a reply already */

	/* the last call */
	struct arena ar;       /* replies of the current command; freed after it */
	struct xv res;
	int fcode;
	const char *fstr;
	enum ctl_err err;
	int err_errno;
	bool err_connect;
	int http_status;
	char err_text[256];
	jmp_buf *abort;        /* where an unhandled transport error or fault unwinds to */

	/* --json */
	struct buf jdoc;       /* the command's result document ("" = none) */
	struct buf msgs;       /* the text supervisorctl would have printed */
	struct buf late;       /* wait: who is not there yet */
};

/* ctl_conn.c ------------------------------------------------------------------- */
/* Call METHOD with parameters described by SIG: 's' const char *, 'i' int, 'b' int
 * (bool), 'S' const char *const * and int (an array of strings). Returns 0 with the value
 * in c->res, 1 for a fault (c->fcode, c->fstr), -1 for a transport error (c->err…). */
int ctl_try(struct ctl *c, const char *method, const char *sig, ...);
/* The same, but a transport error unwinds to the command loop, which reports it the
 * way supervisorctl reports the exception (0 or 1 returned). */
int ctl_call(struct ctl *c, const char *method, const char *sig, ...);
/* Unwind with the current error (c->err, or the fault when c->err is CE_NONE). */
_Noreturn void ctl_raise(struct ctl *c);
void ctl_disconnect(struct ctl *c);
/* GET PATH and copy the body to stdout until the server ends it or SIGINT; supervisorctl's
 * `tail -f`. Returns 1 when interrupted. */
int ctl_stream(struct ctl *c, const char *path);
/* GET PATH, its body to stdout whatever the status (stderr with c->err_body), which goes
 * to *STATUS (0: no answer). */
int ctl_get(struct ctl *c, const char *path, int *status);

/* Ctrl-C while a command waits (tail -f, fg): SIGINT is blocked except inside
 * ctl_wait_readable, so it never breaks a call in the middle and is never lost. */
struct ctl_sigint {
	struct sigaction old;
	sigset_t orig, wait;
};
void ctl_sigint_catch(struct ctl_sigint *g);
void ctl_sigint_restore(struct ctl_sigint *g);
/* Wait until FD is readable: 1, or 0 once Ctrl-C came, -1 on an error. */
int ctl_wait_readable(int fd, const sigset_t *waitmask);

/* ctl_options.c ---------------------------------------------------------------- */
/* Parse the options and read the config into C (exits 2 with supervisorctl's message on a
 * bad one); returns the index of the first argument. */
int ctl_options(struct ctl *c, int argc, char **argv);

/* ctl_out.c -------------------------------------------------------------------- */
void ctl_out(struct ctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_outs(struct ctl *c, const char *s, size_t n); /* raw bytes, no newline */
/* The "error: <class …>" line supervisorctl prints for an exception it does not handle. */
void ctl_report_exception(struct ctl *c);
/* str() of the last fault as Python prints it: <Fault 70: 'NOT_RUNNING'> */
void ctl_fault_text(struct ctl *c, struct buf *b);
/* JSON into c->jdoc */
void cj_value(struct buf *b, const struct xv *v);
void cj_result(struct buf *b, const char *group, const char *name, int status, const char *desc);
/* after a command in --json mode: the document (or {"error"/"message": text}) */
void ctl_json_finish(struct ctl *c);
/* ctl_top.c: status --json's array of INFOS, with each tree's use from GET /metrics (tend only) */
void ctl_status_json(struct ctl *c, const struct xv **infos, size_t n);

/* ctl_cmd.c, ctl_admin.c: the commands -------------------------------------------- */
typedef int (*ctl_cmd_fn)(struct ctl *c, char **argv, int argc, const char *arg);
struct ctl_command {
	const char *name;
	ctl_cmd_fn fn;
	const char *help; /* the text of `help NAME` (NULL: no help) */
	bool tend_only;
};
extern const struct ctl_command ctl_commands[];
const struct ctl_command *ctl_find_command(const char *name);
void ctl_help(struct ctl *c, const char *name);
/* supervisorctl's upcheck(): false (message printed, exitstatus set) when the server is
 * not reachable or not a supervisor. */
bool ctl_upcheck(struct ctl *c);

/* helpers shared by the command files */
const char *ctl_namespec(struct ctl *c, const char *group, const char *name);
void ctl_split_namespec(struct ctl *c, const char *spec, const char **group, const char **name);
const char *xv_str(const struct xv *st, const char *member);
long long xv_int(const struct xv *st, const char *member);
void ctl_exit_from_fault(struct ctl *c, int code, int ignored);
/* fgets(BUF, N, stdin) for N >= 2, the same result (NULL: nothing read before EOF or an
 * error); through fread(), which the static build links anyway, not fgets(). */
char *ctl_read_line(char *buf, size_t n);
