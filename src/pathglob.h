/* pathglob.h — shell-style path globbing for [include] files=. Our own, not glob(3):
 * musl's pulls in wide-character class tables worth 12 KB of the static binary. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* *, ?, [abc], [a-z], [!x] against one name; a leading '.' must be matched literally.
 * Linear in the name per pattern token: at most (|name| + 1) * (|pat| + 1) steps. */
bool name_match(const char *pat, const char *name);
/* The same, adding the steps taken to *steps (for the unit test of that bound). */
bool name_match_counted(const char *pat, const char *name, unsigned long *steps);

#define GLOB_MAX_DEPTH 64        /* path components */
#define GLOB_MAX_MATCHES 10000   /* paths one pattern may yield */
#define GLOB_MAX_VISITS 200000   /* directory entries read plus stat() calls */

/* Every existing path matching PATTERN, sorted (strcmp). 0 on success (n may be 0),
 * -1 on allocation failure, -2 when a GLOB_MAX_* limit is reached (a pattern walking all
 * of /proc costs more than any include should). Free with path_globfree. */
int path_glob(const char *pattern, char ***out, size_t *n);
void path_globfree(char **v, size_t n);
