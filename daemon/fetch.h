/*
 * fetch: HTTP(S) transfers through the libcurl multi interface, driven by the libuv loop.
 *
 * The only module that includes <curl/curl.h>. No thread per transfer and nothing that
 * blocks the loop: curl's sockets are watched with uv_poll, curl's timer is a uv_timer
 * (following curl's multi-uv.c, minus its known defects).
 *
 * Politeness lives here because it is about hosts, not feeds: transfers wait per host
 * (keyed by the host name of the submitted URL) under a global and a per-host limit, with
 * a minimum spacing between starts to one host; a host that answers 429 or 503 with
 * Retry-After is left alone until then, and the transfers waiting for it complete at once
 * with FETCH_ERR_HOST_PAUSED. Starting a transfer costs O(1) whatever the number queued.
 *
 * Hostile servers: bodies are capped after decoding (a gzip bomb stops at the cap), the
 * headers are capped, redirects are counted and never leave http/https, only http and
 * https are fetched (file only when the submitted URL is file://), every number a server
 * sends is clamped. Never logs; every outcome reaches the callback.
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
	unsigned host_spacing_ms;   /* minimum time between two starts to one host */
	unsigned timeout_s;         /* whole transfer */
	unsigned connect_timeout_s;
	unsigned low_speed_limit;   /* bytes/s; slower than this for low_speed_time_s: cut off */
	unsigned low_speed_time_s;
	unsigned max_redirects;
	size_t max_body_bytes;      /* decoded body cap */
	size_t max_header_bytes;    /* all response headers of a transfer, redirects included */
	unsigned max_retry_after_s; /* Retry-After values are clamped to this */
	const char *user_agent;     /* copied */
	const char *ca_file;        /* copied; NULL: the system's certificate authorities */
};

struct fetch_request {
	const char *url;            /* copied */
	const char *etag;           /* sent as If-None-Match when non-NULL */
	const char *last_modified;  /* sent as If-Modified-Since when non-NULL */
	const char *user_agent;     /* copied; NULL: the options' */
};

enum fetch_error {
	FETCH_ERR_TRANSPORT = -2000, /* DNS, connect, TLS, reset: see error_text */
	FETCH_ERR_TOO_LARGE = -2001, /* the body passed max_body_bytes, or the headers theirs */
	FETCH_ERR_CANCELLED = -2002, /* shutting down while the transfer was queued or running */
	FETCH_ERR_TIMEOUT = -2003,   /* connect, total or low-speed timeout */
	FETCH_ERR_REDIRECT = -2004,  /* too many redirects, or one to a forbidden protocol */
	FETCH_ERR_HOST_PAUSED = -2005, /* not attempted: the host asked us to wait (retry_after_s) */
};

/* Valid only during the callback. */
struct fetch_response {
	int error;                 /* 0 if a response arrived (any HTTP status), else fetch_error */
	const char *error_text;    /* "" on success */
	long http_status;          /* 0 if no response; 200 for a file:// read that worked */
	const char *body;          /* NUL-terminated, decoded; body_len excludes the NUL */
	size_t body_len;
	size_t wire_bytes;         /* body bytes as transferred, before decoding */
	const char *content_type;  /* NULL if absent */
	const char *etag;
	const char *last_modified;
	const char *cf_mitigated;  /* Cloudflare's cf-mitigated header (e.g. "challenge") */
	const char *effective_url; /* after redirects */
	unsigned redirects;        /* redirects followed */
	/* The final URL when every redirect followed was permanent (301 or 308); else NULL. */
	const char *permanent_url;
	/* Seconds from Retry-After (either form), clamped to max_retry_after_s; -1 if absent.
	 * With FETCH_ERR_HOST_PAUSED: what is left of the host's pause. */
	long retry_after_s;
	/* Seconds the response says it stays fresh (Cache-Control max-age, else Expires
	 * minus Date), clamped to 10 years; -1 if it says nothing. */
	long fresh_for_s;
	double seconds;            /* wall time of the transfer */
	void *transfer;            /* the fetcher's: for fetch_response_take_body() */
};

/*
 * During the callback: hands the caller the body (NUL-terminated, body_len bytes; free()
 * it), so a body that outlives the callback is not copied. `body` keeps pointing at the
 * same bytes until the callback returns.
 */
char *fetch_response_take_body(const struct fetch_response *response);

typedef void (*fetch_done_fn)(const struct fetch_response *response, void *ctx);

/* The Accept header of every request: the formats the feed parser reads, then anything
 * (a feed served as text/plain is still read). */
#define FETCH_ACCEPT "application/rss+xml, application/atom+xml, application/rdf+xml, " \
	"application/feed+json, application/json;q=0.9, application/xml;q=0.9, " \
	"text/xml;q=0.9, */*;q=0.8"

/* Creates a fetcher on `loop`. Returns NULL if curl cannot be initialised. */
struct fetch *fetch_new(uv_loop_t *loop, const struct fetch_options *options);

/* Applies new limits and User-Agent to transfers started from now on. */
void fetch_set_options(struct fetch *fetch, const struct fetch_options *options);

/* The host whose limits and spacing a URL's requests share, lower-cased ("" for file://,
 * which has none). The caller frees it. */
char *fetch_host_of(const char *url);

/* What two feed URLs that are one feed have in common: an http or https URL without its
 * scheme, a leading "www.", a default port, trailing slashes or fragment. NULL for other
 * schemes. The caller frees it. */
char *fetch_twin_key(const char *url);

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

/*
 * Tells the fetcher how many finished responses the caller is still working on (parsing
 * and coding them off the loop): they count against the concurrency limit, so bodies
 * waiting for the thread pool stay bounded by it. A lower count starts waiting transfers.
 */
void fetch_hold(struct fetch *fetch, size_t held);

/* Transfers queued or in flight. */
size_t fetch_pending(const struct fetch *fetch);
/* Transfers in flight: started and not finished. */
size_t fetch_in_flight(const struct fetch *fetch);

/*
 * Cancels every queued and running transfer (their callbacks run with
 * FETCH_ERR_CANCELLED), closes every handle, and calls `closed` once the last handle
 * is closed; the fetch is freed after that. The loop must keep running until then.
 */
void fetch_close(struct fetch *fetch, void (*closed)(void *ctx), void *ctx);

#endif
