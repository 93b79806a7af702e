/*
 * xalloc: allocation helpers that abort on out-of-memory.
 *
 * Out-of-memory in a daemon that allocates kilobytes at a time is not a state we can
 * recover from, so these print the size asked for and abort (as tmux's xmalloc.c does).
 * Anything whose size comes from the network must be capped by the caller *before* it
 * reaches these helpers: exceeding a cap is a normal error, not an abort.
 */
#ifndef GEOTRACK_XALLOC_H
#define GEOTRACK_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array to hold at least `need` elements of `size`, doubling; updates *cap. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
/* A copy of `size` bytes (size > 0). */
void *xmemdup(const void *p, size_t size);
/* Copies at most len bytes and NUL-terminates; the copy may be shorter if s has a NUL. */
char *xstrndup(const char *s, size_t len);
/* Returns a newly allocated formatted string, never NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
