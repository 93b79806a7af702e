/*
 * suite: what the validation-suite runners share: reading a whole file, and a record's
 * date as days since 1970-01-01.
 */
#ifndef GEOTRACK_TESTS_SUITE_H
#define GEOTRACK_TESTS_SUITE_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "coder.h"
#include "date.h"
#include "dict.h"
#include "xalloc.h"

/* The whole file, NUL-terminated, or NULL if it cannot be read. The caller frees it. */
static inline char *suite_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return b.data ? b.data : xstrdup("");
}

/* Days since the epoch, or CODER_DATE_UNKNOWN when month or day are out of range. */
static inline int32_t suite_day(int year, int month, int day)
{
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return CODER_DATE_UNKNOWN;
	return date_days_of(date_from_civil(year, month, day, 0, 0, 0));
}

struct suite_file {
	const char *name;
	enum dict_kind kind;
};

/*
 * Loads and finishes the suite's dictionaries from dir. Returns the dictionary, or NULL
 * (after printing the SKIP line meson expects with exit 77) when a file is missing.
 */
static inline struct dict *suite_load(const char *dir, const struct suite_file *files, size_t n,
	struct buf *errors)
{
	char path[4096];
	struct dict *dict = dict_new();
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		if (dict_load_file(dict, files[i].kind, path, errors) < 0) {
			printf("SKIP: cannot read %s\n", path);
			dict_free(dict);
			return NULL;
		}
	}
	dict_finish(dict);
	return dict;
}

#endif
