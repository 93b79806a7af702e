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

#endif
