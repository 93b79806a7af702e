/*
 * httpmeta: what a response's status line and headers say about when to come back.
 *
 * Retry-After (delay-seconds or an HTTP-date in any of its three forms), Cache-Control
 * max-age, Expires against Date, status lines. Every value comes from a server and is
 * read as hostile: numbers saturate at the caller's cap instead of overflowing, dates
 * that cannot be read are treated as RFC 9110/9111 say. Pure: no I/O, no clock of its
 * own (the caller passes `now`), never logs.
 */
#ifndef GEOTRACK_HTTPMETA_H
#define GEOTRACK_HTTPMETA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Seconds to wait from a Retry-After value (RFC 9110 10.2.3), clamped to [0, cap]; a date
 * in the past is 0. Returns -1 when `value` is NULL or neither form.
 */
long httpmeta_retry_after(const char *value, int64_t now, long cap);

/*
 * Seconds a response says it stays fresh (RFC 9111 4.2.1): Cache-Control max-age, else
 * Expires minus Date (minus `now` when Date is absent or unreadable), clamped to
 * [0, cap]. An unreadable Expires means already expired (0). Returns -1 when the headers
 * say nothing. Any argument but `now` and `cap` may be NULL.
 */
long httpmeta_freshness(const char *cache_control, const char *expires, const char *date,
	int64_t now, long cap);

/* The status code of a status line ("HTTP/1.1 301 Moved Permanently", "HTTP/2 200"),
 * or 0 when the `len` bytes at `line` are not one. */
long httpmeta_status(const char *line, size_t len);

#endif
