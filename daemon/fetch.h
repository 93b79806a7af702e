/*
 * fetch: HTTP(S) transfers through the libcurl multi interface, driven by the libuv loop.
 *
 * The only module that includes <curl/curl.h>. No thread per transfer and nothing that
 * blocks the loop: curl's sockets are watched with uv_poll, curl's timer is a uv_timer
 * (following curl's multi-uv.c, minus its known defects). Transfers beyond the global
 * and per-host limits wait in a queue. Bodies are capped after decoding (a gzip bomb stops
 * at the cap), only http and https are allowed (file only when the request says so), and
 * redirects never leave http/https. Never logs; every outcome reaches the callback.
 */
#ifndef GEOTRACK_FETCH_H
#define GEOTRACK_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

struct fetch;

struct fetch_options {
	unsigned concurrency;       /* transfers in flight, all hosts */
	unsigned per_host;          /* transfers in flight per host */
	unsigned timeout_s;         /* whole transfer */
	unsigned connect_timeout_s;
	size_t max_body_bytes;      /* decoded body cap */
	const char *user_agent;     /* copied */
};

struct fetch_request {
	const char *url;            /* copied */
	const char *etag;           /* sent as If-None-Match when non-NULL */
	const char *last_modified;  /* sent as If-Modified-Since when non-NULL */
};

enum fetch_error {
	FETCH_ERR_TRANSPORT = -2000, /* DNS, connect, TLS, reset, timeout: see error_text */
	FETCH_ERR_TOO_LARGE = -2001, /* the body passed max_body_bytes */
	FETCH_ERR_CANCELLED = -2002, /* fetch_close() while the transfer was queued or running */
	FETCH_ERR_TIMEOUT = -2003,
};

/* Valid only during the callback. */
struct fetch_response {
	int error;                 /* 0 if a response arrived (any HTTP status), else fetch_error */
	const char *error_text;    /* "" on success */
	long http_status;          /* 0 if no response */
	const char *body;          /* NUL-terminated; body_len excludes the NUL */
	size_t body_len;
	const char *content_type;  /* NULL if absent */
	const char *etag;
	const char *last_modified;
	const char *effective_url; /* after redirects */
	double seconds;            /* wall time of the transfer */
};

typedef void (*fetch_done_fn)(const struct fetch_response *response, void *ctx);

/* Creates a fetcher on `loop`. Returns NULL if curl cannot be initialised. */
struct fetch *fetch_new(uv_loop_t *loop, const struct fetch_options *options);

/* Applies new limits and User-Agent to transfers started from now on. */
void fetch_set_options(struct fetch *fetch, const struct fetch_options *options);

/*
 * Queues a transfer; `done` is called exactly once, later, from the loop (never from
 * inside this call). Returns 0, or -EINVAL for a URL with a scheme other than http,
 * https or file, or -ESHUTDOWN after fetch_close().
 */
int fetch_submit(struct fetch *fetch, const struct fetch_request *request, fetch_done_fn done,
	void *ctx);

/* Cancels the transfers still waiting in the queue (their callbacks run with
 * FETCH_ERR_CANCELLED); transfers in flight go on. Used to wind down gracefully. */
void fetch_cancel_queued(struct fetch *fetch);

/* Transfers queued or in flight. */
size_t fetch_pending(const struct fetch *fetch);

/*
 * Cancels every queued and running transfer (their callbacks run with
 * FETCH_ERR_CANCELLED), closes every handle, and calls `closed` once the last handle
 * is closed; the fetch is freed after that. The loop must keep running until then.
 */
void fetch_close(struct fetch *fetch, void (*closed)(void *ctx), void *ctx);

#endif
