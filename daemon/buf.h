/*
 * buf: a growable byte buffer, always NUL-terminated after its contents.
 *
 * A plain value struct: zero-initialise it (`struct buf b = {0};`), append, read
 * `data`/`len`, and release with buf_free(). Appends abort on out-of-memory (xalloc);
 * callers that take sizes from the network check their caps before appending.
 */
#ifndef GEOTRACK_BUF_H
#define GEOTRACK_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append; else NUL-terminated */
	size_t len;
	size_t cap;
};

void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
void buf_append_json_string(struct buf *b, const char *s, size_t len);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Returns the contents as a string the caller owns ("" if empty) and empties the buffer. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
