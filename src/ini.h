/* ini.h — supervisord-flavoured INI lexing (Python RawConfigParser with strict=False and
 * inline comment prefixes ';' and '#'). Only syntax lives here: sections, keys, values,
 * comments, continuation lines. What the keys mean is config.c's business. */
#pragma once
#include <stddef.h>

#define INI_MAX_FILE (4u << 20)     /* one file */
#define INI_MAX_LINE (64u << 10)    /* one physical line */
#define INI_MAX_TOTAL (32u << 20)   /* all files of one load, includes included */
#define INI_MAX_SECTIONS 20000      /* more is surely not a real config */
#define INI_MAX_KEYS 1000           /* per section */

struct ini_file {
	char *path; /* absolute, as used to open it (and in messages) */
	char *here; /* absolute directory of the file, for %(here)s and relative includes */
	unsigned long long dev, ino; /* identity, so an include cycle reads a file only once */
};

struct ini_entry {
	char *key;   /* lower-cased */
	char *value; /* stripped; continuation lines joined with "\n" */
	const struct ini_file *file;
	int line;    /* line of the key (not of its continuation lines) */
};

struct ini_section {
	char *name; /* as written between the brackets (case kept, like RawConfigParser) */
	const struct ini_file *file;
	int line;   /* first header seen for this name */
	int mark;   /* 0 after reading; free for the caller's bookkeeping */
	struct ini_entry *entries;
	int nentries, cap;
};

/* Sections merged by name across all files read (a repeated section or key: the later
 * key wins), in order of first appearance — exactly what supervisord's single parser does. */
struct ini {
	struct ini_section *sections;
	int nsections, cap;
	int *index;        /* hash of names: section number + 1, 0 = free slot */
	size_t index_cap;  /* a power of two, more than twice nsections */
	struct ini_file **files;
	int nfiles, fcap;
	size_t total_bytes;
	int io_error; /* the last failed ini_read could not open or read the file (no syntax error) */
};

/* Read PATH (absolute; a regular file, anything else is refused without blocking) and merge
 * it into INI. Returns the file record, or NULL with "PATH: ..." or "PATH:LINE: ..." in
 * err. Limits: INI_MAX_FILE, INI_MAX_LINE, INI_MAX_TOTAL. */
const struct ini_file *ini_read(struct ini *ini, const char *path, char *err, size_t errlen);

/* Has a file with the same identity (device/inode) as PATH been read already? */
int ini_seen(const struct ini *ini, const char *path);

struct ini_section *ini_section(const struct ini *ini, const char *name);
const struct ini_entry *ini_get(const struct ini_section *s, const char *key);
void ini_free(struct ini *ini);
