/* pathname.h — file names the config stores: made absolute at load time (tend leaves its
 * start directory once running, and a SIGHUP reload must mean the same files), `~`
 * expanded and the directory checked the way supervisord's existing_dirpath() does. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;

/* PATH against CWD (absolute): unchanged when absolute; "." components and repeated '/'
 * dropped, ".." kept (the kernel resolves it, through symlinks). NULL when out of memory,
 * or when PATH is relative and CWD is NULL. */
char *path_absolute(struct arena *a, const char *cwd, const char *path);

/* Python's os.path.expanduser into out (PATH_MAX): "~" and "~/x" use $HOME (else the
 * passwd entry of the uid), "~user/x" that user's home; anything else, or an unknown
 * user, is copied unchanged. -1 when the result does not fit. */
int path_expand_user(const char *path, char *out, size_t outlen);

/* Has PATH a directory part ("a/b", "/b": yes; "b": no), and does that directory exist?
 * *checked caches the last directory found (PATH_MAX bytes, "" at first), so numprocs
 * instances logging into one directory cost one stat(). CWD resolves a relative PATH. */
bool path_dir_missing(const char *path, const char *cwd, char *checked);
