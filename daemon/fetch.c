#include "fetch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "httpmeta.h"
#include "xalloc.h"

/* Longest header value kept (ETag, dates, Cache-Control...); longer ones are ignored. */
#define MAX_HEADER_VALUE 1024
/* Freshness hints beyond this are nonsense; clamp before any arithmetic. */
#define MAX_FRESH_S (10L * 365 * 86400)
#define HEAP_NONE SIZE_MAX

struct host;

/* The response headers we read, each slot holding the final response's value. */
enum header_slot {
	HEADER_CONTENT_TYPE,
	HEADER_ETAG,
	HEADER_LAST_MODIFIED,
	HEADER_RETRY_AFTER,
	HEADER_CACHE_CONTROL,
	HEADER_EXPIRES,
	HEADER_DATE,
	HEADER_CF_MITIGATED,
	HEADER_COUNT
};

static const char *const header_names[HEADER_COUNT] = {
	[HEADER_CONTENT_TYPE] = "Content-Type",
	[HEADER_ETAG] = "ETag",
	[HEADER_LAST_MODIFIED] = "Last-Modified",
	[HEADER_RETRY_AFTER] = "Retry-After",
	[HEADER_CACHE_CONTROL] = "Cache-Control",
	[HEADER_EXPIRES] = "Expires",
	[HEADER_DATE] = "Date",
	[HEADER_CF_MITIGATED] = "cf-mitigated",
};

struct transfer {
	struct fetch *fetch;
	struct host *host;
	CURL *easy;
	struct curl_slist *request_headers;
	char *url;
	char *user_agent;         /* the request's own, or NULL */
	struct buf body;
	size_t header_bytes;
	char *headers[HEADER_COUNT];
	long block_status;        /* status line of the response whose headers are arriving */
	bool temporary_redirect;  /* a redirect other than 301/308 was followed */
	bool too_large;
	bool headers_too_large;
	fetch_done_fn done;
	void *ctx;
	struct transfer *next;    /* in its host's wait list */
	size_t running_index;     /* in fetch->running while in flight */
	char error_text[CURL_ERROR_SIZE];
};

/*
 * Everything the fetcher knows about one host: the transfers waiting for it and when it
 * may be asked again. A host lives while it has transfers or a deadline to remember
 * (spacing, Retry-After), so the table stays as small as the set of busy hosts.
 * It is in at most one of: the ready queue (something can happen now) or the wake heap
 * (something can happen at wake_ms).
 */
struct host {
	char *name;
	uint64_t hash;
	struct host *hash_next;
	struct transfer *wait_head;
	struct transfer *wait_tail;
	unsigned running;
	uint64_t next_start_ms;   /* loop time before which spacing forbids a start */
	uint64_t paused_until_ms; /* loop time before which Retry-After forbids a start */
	bool in_ready;
	struct host *ready_next;
	size_t heap_index;        /* HEAP_NONE when not in the heap */
	uint64_t wake_ms;
};

/* One per socket curl asks us to watch; freed in its close callback. */
struct socket_watch {
	uv_poll_t poll;
	struct fetch *fetch;
	curl_socket_t fd;
};

struct fetch {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;      /* curl's single timeout */
	uv_timer_t kick;       /* starts queued transfers from the loop, never inside submit */
	uv_timer_t host_timer; /* the earliest host deadline in the wake heap */
	struct fetch_options options;
	char *user_agent;
	char *ca_file;
	/* Whether https verifies against one file of authorities alone (see tls_setup()). */
	bool ca_file_only;
	bool ca_reloaded;        /* options set again since fetch_new(): at ca_reloaded_at */
	uint64_t ca_reloaded_at; /* uv_now() then */
	/* Hosts by name: a chained hash table, doubled when it fills. */
	struct host **buckets;
	size_t bucket_count;
	size_t host_count;
	struct host *ready_head;
	struct host *ready_tail;
	struct host **heap;
	size_t heap_len;
	size_t heap_cap;
	size_t queued;
	/* Easy handles of finished transfers, reset and kept for the next ones (at most
	 * `concurrency` of them): creating one per transfer shows in a 10,000-feed cycle. */
	CURL **idle_easy;
	size_t idle_easy_count;
	size_t idle_easy_cap;
	struct transfer **running; /* added to the multi handle */
	size_t running_count;
	size_t running_cap;
	size_t held; /* responses the caller still works on: they count as running */
	/* Watches indexed by fd, so a socket curl closes without telling us first is unwatched. */
	struct socket_watch **watches;
	size_t watch_cap;
	bool closing;
	size_t open_handles; /* uv handles not yet closed: the three timers + socket watches */
	void (*closed)(void *ctx);
	void *closed_ctx;
};

static void check_finished(struct fetch *fetch);
static void start_queued(struct fetch *fetch);

/* --- sockets and the timer: curl's half of the multi-uv contract --- */

/* Every uv handle's close callback ends here; the last one during fetch_close() frees us. */
static void handle_closed(struct fetch *fetch)
{
	fetch->open_handles--;
	if (!fetch->closing || fetch->open_handles > 0)
		return;
	void (*closed)(void *) = fetch->closed;
	void *ctx = fetch->closed_ctx;
	free(fetch->watches);
	free(fetch->idle_easy);
	free(fetch->running);
	free(fetch->heap);
	free(fetch->buckets);
	free(fetch->user_agent);
	free(fetch->ca_file);
	free(fetch);
	if (closed)
		closed(ctx);
}

static void watch_closed(uv_handle_t *handle)
{
	struct socket_watch *watch = handle->data;
	struct fetch *fetch = watch->fetch;
	free(watch);
	handle_closed(fetch);
}

static void unwatch(struct fetch *fetch, curl_socket_t fd)
{
	if (fd < 0 || (size_t)fd >= fetch->watch_cap || !fetch->watches[fd])
		return;
	struct socket_watch *watch = fetch->watches[fd];
	fetch->watches[fd] = NULL;
	uv_poll_stop(&watch->poll);
	/* uv_close drops the fd from epoll now; only the callback is deferred. */
	uv_close((uv_handle_t *)&watch->poll, watch_closed);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
	struct socket_watch *watch = poll->data;
	struct fetch *fetch = watch->fetch;
	int flags = 0;
	if (status < 0) {
		flags = CURL_CSELECT_ERR;
	} else {
		if (events & UV_READABLE)
			flags |= CURL_CSELECT_IN;
		if (events & UV_WRITABLE)
			flags |= CURL_CSELECT_OUT;
	}
	int running;
	curl_multi_socket_action(fetch->multi, watch->fd, flags, &running);
	check_finished(fetch);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct fetch *fetch = userp;
	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		unwatch(fetch, fd);
		return 0;
	}
	if (fd < 0)
		return -1;
	if ((size_t)fd >= fetch->watch_cap) {
		size_t old_cap = fetch->watch_cap;
		fetch->watches = xgrow(fetch->watches, &fetch->watch_cap, (size_t)fd + 1,
			sizeof(*fetch->watches));
		memset(fetch->watches + old_cap, 0,
			(fetch->watch_cap - old_cap) * sizeof(*fetch->watches));
	}
	struct socket_watch *watch = fetch->watches[fd];
	if (!watch) {
		watch = xcalloc(1, sizeof(*watch));
		watch->fetch = fetch;
		watch->fd = fd;
		if (uv_poll_init_socket(fetch->loop, &watch->poll, fd) < 0) {
			free(watch);
			return -1;
		}
		watch->poll.data = watch;
		fetch->open_handles++;
		fetch->watches[fd] = watch;
	}
	int events = 0;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	uv_poll_start(&watch->poll, events, on_poll);
	return 0;
}

/* curl closes its sockets through us, so no fd is closed while libuv still polls it. */
static int on_close_socket(void *clientp, curl_socket_t fd)
{
	unwatch(clientp, fd);
	return close(fd);
}

static void on_timer(uv_timer_t *timer)
{
	struct fetch *fetch = timer->data;
	int running;
	curl_multi_socket_action(fetch->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_finished(fetch);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch *fetch = userp;
	(void)multi;
	if (timeout_ms < 0) {
		uv_timer_stop(&fetch->timer);
	} else {
		/* 0 means "now"; a 0 ms uv timer would run before I/O and can spin, so use 1. */
		uv_timer_start(&fetch->timer, on_timer, timeout_ms == 0 ? 1 : (uint64_t)timeout_ms, 0);
	}
	return 0;
}

/* --- hosts: the ready queue and the wake heap --- */

static uint64_t hash_name(const char *name)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct host *host_find(struct fetch *fetch, const char *name, uint64_t hash)
{
	if (fetch->bucket_count == 0)
		return NULL;
	struct host *h = fetch->buckets[hash & (fetch->bucket_count - 1)];
	while (h && (h->hash != hash || strcmp(h->name, name) != 0))
		h = h->hash_next;
	return h;
}

static void buckets_grow(struct fetch *fetch)
{
	size_t count = fetch->bucket_count ? fetch->bucket_count * 2 : 64;
	struct host **buckets = xcalloc(count, sizeof(*buckets));
	for (size_t i = 0; i < fetch->bucket_count; i++) {
		struct host *h = fetch->buckets[i];
		while (h) {
			struct host *next = h->hash_next;
			h->hash_next = buckets[h->hash & (count - 1)];
			buckets[h->hash & (count - 1)] = h;
			h = next;
		}
	}
	free(fetch->buckets);
	fetch->buckets = buckets;
	fetch->bucket_count = count;
}

static struct host *host_get(struct fetch *fetch, const char *name)
{
	uint64_t hash = hash_name(name);
	struct host *h = host_find(fetch, name, hash);
	if (h)
		return h;
	if (fetch->host_count >= fetch->bucket_count)
		buckets_grow(fetch);
	h = xcalloc(1, sizeof(*h));
	h->name = xstrdup(name);
	h->hash = hash;
	h->heap_index = HEAP_NONE;
	size_t b = hash & (fetch->bucket_count - 1);
	h->hash_next = fetch->buckets[b];
	fetch->buckets[b] = h;
	fetch->host_count++;
	return h;
}

static void host_unlink(struct fetch *fetch, struct host *h)
{
	struct host **link = &fetch->buckets[h->hash & (fetch->bucket_count - 1)];
	while (*link != h)
		link = &(*link)->hash_next;
	*link = h->hash_next;
	fetch->host_count--;
	free(h->name);
	free(h);
}

static void heap_swap(struct fetch *fetch, size_t a, size_t b)
{
	struct host *t = fetch->heap[a];
	fetch->heap[a] = fetch->heap[b];
	fetch->heap[b] = t;
	fetch->heap[a]->heap_index = a;
	fetch->heap[b]->heap_index = b;
}

static void heap_up(struct fetch *fetch, size_t i)
{
	while (i > 0 && fetch->heap[(i - 1) / 2]->wake_ms > fetch->heap[i]->wake_ms) {
		heap_swap(fetch, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct fetch *fetch, size_t i)
{
	for (;;) {
		size_t smallest = i, l = 2 * i + 1, r = 2 * i + 2;
		if (l < fetch->heap_len && fetch->heap[l]->wake_ms < fetch->heap[smallest]->wake_ms)
			smallest = l;
		if (r < fetch->heap_len && fetch->heap[r]->wake_ms < fetch->heap[smallest]->wake_ms)
			smallest = r;
		if (smallest == i)
			return;
		heap_swap(fetch, i, smallest);
		i = smallest;
	}
}

static void heap_remove(struct fetch *fetch, struct host *h)
{
	size_t i = h->heap_index;
	if (i == HEAP_NONE)
		return;
	h->heap_index = HEAP_NONE;
	fetch->heap_len--;
	if (i == fetch->heap_len)
		return;
	fetch->heap[i] = fetch->heap[fetch->heap_len];
	fetch->heap[i]->heap_index = i;
	heap_up(fetch, i);
	heap_down(fetch, fetch->heap[i]->heap_index);
}

static void heap_set(struct fetch *fetch, struct host *h, uint64_t wake_ms)
{
	if (h->heap_index == HEAP_NONE) {
		fetch->heap = xgrow(fetch->heap, &fetch->heap_cap, fetch->heap_len + 1,
			sizeof(*fetch->heap));
		h->heap_index = fetch->heap_len;
		fetch->heap[fetch->heap_len++] = h;
	}
	h->wake_ms = wake_ms;
	heap_up(fetch, h->heap_index);
	heap_down(fetch, h->heap_index);
}

static void ready_push(struct fetch *fetch, struct host *h)
{
	h->in_ready = true;
	h->ready_next = NULL;
	if (fetch->ready_tail)
		fetch->ready_tail->ready_next = h;
	else
		fetch->ready_head = h;
	fetch->ready_tail = h;
}

static struct host *ready_pop(struct fetch *fetch)
{
	struct host *h = fetch->ready_head;
	fetch->ready_head = h->ready_next;
	if (!fetch->ready_head)
		fetch->ready_tail = NULL;
	h->in_ready = false;
	h->ready_next = NULL;
	return h;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Puts a host where its state says it belongs: the ready queue if a transfer can start
 * (or waiting ones must be told the host is paused), the wake heap if that happens at a
 * known time, nowhere if only a finishing transfer can change things, and freed if it has
 * nothing left to wait for or to remember. Never runs callbacks. A host already in the
 * ready queue stays there: it is looked at again when it reaches the front.
 */
static void host_place(struct fetch *fetch, struct host *h)
{
	if (h->in_ready)
		return;
	uint64_t now = uv_now(fetch->loop);
	if (h->wait_head) {
		if (h->paused_until_ms > now || (h->running < fetch->options.per_host &&
							h->next_start_ms <= now)) {
			heap_remove(fetch, h);
			ready_push(fetch, h);
		} else if (h->running < fetch->options.per_host) {
			heap_set(fetch, h, h->next_start_ms);
		} else {
			heap_remove(fetch, h);
		}
		return;
	}
	if (h->running > 0) {
		heap_remove(fetch, h);
		return;
	}
	uint64_t remember_until = max_u64(h->next_start_ms, h->paused_until_ms);
	if (remember_until > now) {
		heap_set(fetch, h, remember_until);
	} else {
		heap_remove(fetch, h);
		host_unlink(fetch, h);
	}
}

static void on_host_timer(uv_timer_t *timer)
{
	struct fetch *fetch = timer->data;
	uint64_t now = uv_now(fetch->loop);
	while (fetch->heap_len && fetch->heap[0]->wake_ms <= now) {
		struct host *h = fetch->heap[0];
		heap_remove(fetch, h);
		host_place(fetch, h);
	}
	start_queued(fetch);
}

/* Arms the host timer for the earliest deadline in the heap. */
static void host_timer_update(struct fetch *fetch)
{
	if (fetch->closing)
		return;
	if (fetch->heap_len == 0) {
		uv_timer_stop(&fetch->host_timer);
		return;
	}
	uint64_t now = uv_now(fetch->loop);
	uint64_t wake = fetch->heap[0]->wake_ms;
	uint64_t delay = wake > now ? wake - now : 1;
	uv_timer_start(&fetch->host_timer, on_host_timer, delay, 0);
}

/* --- one transfer --- */

static size_t on_body(char *data, size_t size, size_t count, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * count;
	if (n > t->fetch->options.max_body_bytes - t->body.len) {
		t->too_large = true;
		return 0; /* curl aborts the transfer with CURLE_WRITE_ERROR */
	}
	buf_append(&t->body, data, n);
	return n;
}

static char *header_value(const char *data, size_t len, size_t name_len)
{
	const char *v = data + name_len;
	const char *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t n = (size_t)(end - v);
	if (n == 0 || n > MAX_HEADER_VALUE)
		return NULL;
	return xstrndup(v, n);
}

static void clear_headers(struct transfer *t)
{
	for (int i = 0; i < HEADER_COUNT; i++) {
		free(t->headers[i]);
		t->headers[i] = NULL;
	}
}

static size_t on_header(char *data, size_t size, size_t count, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * count;
	if (n > t->fetch->options.max_header_bytes - t->header_bytes) {
		t->headers_too_large = true;
		return 0;
	}
	t->header_bytes += n;
	/* A new status line starts a new response (after a redirect or a 100 Continue):
	 * only the final response's headers count, and the one before it was a hop. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		long previous = t->block_status;
		if (previous >= 300 && previous < 400 && previous != 301 && previous != 308)
			t->temporary_redirect = true;
		t->block_status = httpmeta_status(data, n);
		clear_headers(t);
		return n;
	}
	for (int i = 0; i < HEADER_COUNT; i++) {
		size_t len = strlen(header_names[i]);
		if (n > len && data[len] == ':' && strncasecmp(data, header_names[i], len) == 0) {
			free(t->headers[i]);
			t->headers[i] = header_value(data, n, len + 1);
			break;
		}
	}
	return n;
}

static void transfer_free(struct transfer *t)
{
	if (!t)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->request_headers);
	buf_free(&t->body);
	free(t->url);
	free(t->user_agent);
	clear_headers(t);
	free(t);
}

char *fetch_response_take_body(const struct fetch_response *response)
{
	struct transfer *t = response->transfer;
	return buf_steal(&t->body);
}

static void complete(struct transfer *t, int error, const char *error_text)
{
	time_t now = time(NULL);
	struct fetch_response response = {
		.error = error,
		.error_text = error_text ? error_text : "",
		.body = t->body.data ? t->body.data : "",
		.body_len = t->body.len,
		.content_type = t->headers[HEADER_CONTENT_TYPE],
		.etag = t->headers[HEADER_ETAG],
		.last_modified = t->headers[HEADER_LAST_MODIFIED],
		.cf_mitigated = t->headers[HEADER_CF_MITIGATED],
		.effective_url = t->url,
		.retry_after_s = httpmeta_retry_after(t->headers[HEADER_RETRY_AFTER], now,
			(long)t->fetch->options.max_retry_after_s),
		.fresh_for_s = httpmeta_freshness(t->headers[HEADER_CACHE_CONTROL],
			t->headers[HEADER_EXPIRES], t->headers[HEADER_DATE], now, MAX_FRESH_S),
		.transfer = t,
	};
	if (error == FETCH_ERR_HOST_PAUSED && t->host) {
		uint64_t loop_now = uv_now(t->fetch->loop);
		uint64_t until = t->host->paused_until_ms;
		response.retry_after_s = until > loop_now ? (long)((until - loop_now + 999) / 1000) : 0;
	}
	if (t->easy) {
		long status = 0, redirects = 0;
		char *effective = NULL;
		double seconds = 0;
		curl_off_t wire = 0;
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &effective);
		curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &seconds);
		curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_COUNT, &redirects);
		curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
		/* A file read has no status line; one that worked is as good as a 200. */
		if (status == 0 && error == 0 && strncmp(t->url, "file://", 7) == 0)
			status = 200;
		response.http_status = status;
		if (effective)
			response.effective_url = effective;
		response.seconds = seconds;
		response.redirects = redirects > 0 ? (unsigned)redirects : 0;
		response.wire_bytes = wire > 0 ? (size_t)wire : 0;
		if (redirects > 0 && !t->temporary_redirect && error == 0)
			response.permanent_url = response.effective_url;
	}
	t->done(&response, t->ctx);
}

/* Host names compare without case (RFC 3986); libcurl hands them back as written. */
static void lower_ascii(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

char *fetch_host_of(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	char *result;
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		result = xstrdup(host);
		lower_ascii(result);
	} else {
		result = xstrdup("");
	}
	curl_free(host);
	curl_url_cleanup(u);
	return result;
}

char *fetch_twin_key(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *key = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		(strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
		curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto done;
	curl_url_get(u, CURLUPART_PORT, &port, 0); /* NULL unless the URL names one */
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	lower_ascii(host);
	const char *name = strncmp(host, "www.", 4) == 0 ? host + 4 : host;
	bool default_port = !port || strcmp(port, "80") == 0 || strcmp(port, "443") == 0;
	size_t path_len = strlen(path);
	while (path_len && path[path_len - 1] == '/')
		path_len--;
	key = xasprintf("%s%s%s%.*s%s%s", name, default_port ? "" : ":",
		default_port ? "" : port, (int)path_len, path, query ? "?" : "", query ? query : "");
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return key;
}

static void running_add(struct fetch *fetch, struct transfer *t)
{
	fetch->running = xgrow(fetch->running, &fetch->running_cap, fetch->running_count + 1,
		sizeof(*fetch->running));
	t->running_index = fetch->running_count;
	fetch->running[fetch->running_count++] = t;
}

static void running_remove(struct fetch *fetch, struct transfer *t)
{
	size_t i = t->running_index;
	struct transfer *last = fetch->running[--fetch->running_count];
	fetch->running[i] = last;
	last->running_index = i;
}

/*
 * libcurl keeps the authorities it read from a file in the multi handle and reuses them
 * for a day, but only when it is not also told to search a directory of them: Debian's
 * libcurl is built with both the bundle and /etc/ssl/certs, so every new connection read
 * and parsed the 145 certificates of the bundle again (about 20 ms of the loop's CPU per
 * connection, against 1 ms). Debian's ca-certificates keeps the two the same, so the bundle
 * alone is enough when it is there; a ca_file is the only source of authorities by
 * definition.
 * After a reload the authorities read before it are read again, as a user who replaced
 * the file would expect: the cache's lifetime is cut to the time since the reload (none
 * in the first second).
 */
static void tls_setup(const struct fetch *fetch, CURL *e)
{
	if (fetch->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, fetch->ca_file);
	if (fetch->ca_file_only)
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
#if LIBCURL_VERSION_NUM >= 0x075700 /* 7.87.0: CURLOPT_CA_CACHE_TIMEOUT */
	if (fetch->ca_reloaded) {
		uint64_t since_s = (uv_now(fetch->loop) - fetch->ca_reloaded_at) / 1000;
		curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, (long)(since_s < 86400 ? since_s : 86400));
	}
#endif
}

/* Whether the bundle libcurl verifies against by default is there to read. */
static bool default_ca_bundle_readable(void)
{
	bool readable = false;
#if LIBCURL_VERSION_NUM >= 0x075400 /* 7.84.0: CURLINFO_CAINFO */
	CURL *e = curl_easy_init();
	char *path = NULL;
	if (e && curl_easy_getinfo(e, CURLINFO_CAINFO, &path) == CURLE_OK && path)
		readable = access(path, R_OK) == 0;
	curl_easy_cleanup(e);
#endif
	return readable;
}

static int start_transfer(struct fetch *fetch, struct transfer *t)
{
	CURL *e = fetch->idle_easy_count ? fetch->idle_easy[--fetch->idle_easy_count] :
		curl_easy_init();
	if (!e)
		return -ENOMEM;
	t->easy = e;
	const struct fetch_options *o = &fetch->options;
	bool is_file = strncmp(t->url, "file://", 7) == 0;
	curl_easy_setopt(e, CURLOPT_URL, t->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_text);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_USERAGENT, t->user_agent ? t->user_agent : fetch->user_agent);
	tls_setup(fetch, e);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, is_file ? "file" : "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	/* Some sites answer a first visit with a redirect that sets a cookie and let only a
	 * request carrying it through: without a cookie engine that is a redirect loop. The
	 * cookies live in memory for this transfer's redirects alone (dropped before the
	 * handle is reused, and erased here again should that have failed);
	 * max_header_bytes bounds how many a server can set. */
	curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(e, CURLOPT_COOKIELIST, "ALL");
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)o->max_redirects);
	/* "" offers every encoding this libcurl decodes (gzip, deflate, br, zstd...). */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)o->timeout_s);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)o->low_speed_limit);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time_s);
	/* The Content-Length check happens before any byte arrives; on_body caps the rest. */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_body_bytes);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, fetch);
	if (t->request_headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->request_headers);
	if (curl_multi_add_handle(fetch->multi, e) != CURLM_OK)
		return -ENOMEM;
	running_add(fetch, t);
	return 0;
}

/* Completes every transfer waiting for a paused host with FETCH_ERR_HOST_PAUSED. */
static void fail_paused_waiters(struct fetch *fetch, struct host *h)
{
	struct transfer *t = h->wait_head;
	h->wait_head = h->wait_tail = NULL;
	while (t) {
		struct transfer *next = t->next;
		fetch->queued--;
		complete(t, FETCH_ERR_HOST_PAUSED, "the host asked to wait (Retry-After)");
		transfer_free(t);
		t = next;
	}
}

/* Starts waiting transfers, host by host in turn, while the limits allow. */
static void start_queued(struct fetch *fetch)
{
	while (fetch->ready_head && !fetch->closing) {
		struct host *h = fetch->ready_head;
		uint64_t now = uv_now(fetch->loop);
		if (h->paused_until_ms > now) {
			ready_pop(fetch);
			fail_paused_waiters(fetch, h);
			host_place(fetch, h);
			continue;
		}
		if (fetch->running_count + fetch->held >= fetch->options.concurrency)
			break;
		ready_pop(fetch);
		struct transfer *t = h->wait_head;
		if (!t || h->running >= fetch->options.per_host || h->next_start_ms > now) {
			host_place(fetch, h);
			continue;
		}
		h->wait_head = t->next;
		if (!h->wait_head)
			h->wait_tail = NULL;
		t->next = NULL;
		fetch->queued--;
		h->running++;
		/* Spacing is for servers; files (host "") need none. */
		h->next_start_ms = now + (h->name[0] ? fetch->options.host_spacing_ms : 0);
		if (start_transfer(fetch, t) < 0) {
			h->running--;
			complete(t, FETCH_ERR_TRANSPORT, "cannot start the transfer");
			transfer_free(t);
		}
		host_place(fetch, h);
	}
	host_timer_update(fetch);
}

static void finish(struct fetch *fetch, struct transfer *t, CURLcode code)
{
	char text[CURL_ERROR_SIZE + 160];
	const char *curl_text = t->error_text[0] ? t->error_text : curl_easy_strerror(code);
	struct host *h = t->host;
	curl_multi_remove_handle(fetch->multi, t->easy);
	running_remove(fetch, t);
	h->running--;

	long status = 0;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OK && (status == 429 || status == 503)) {
		/* The host asked for a break: give it one, for every feed it serves. */
		long wait_s = httpmeta_retry_after(t->headers[HEADER_RETRY_AFTER], time(NULL),
			(long)fetch->options.max_retry_after_s);
		if (wait_s > 0)
			h->paused_until_ms = max_u64(h->paused_until_ms,
				uv_now(fetch->loop) + (uint64_t)wait_s * 1000);
	}

	if (t->too_large) {
		snprintf(text, sizeof(text), "body larger than max_body (%zu bytes)",
			fetch->options.max_body_bytes);
		complete(t, FETCH_ERR_TOO_LARGE, text);
	} else if (code == CURLE_FILESIZE_EXCEEDED) {
		snprintf(text, sizeof(text), "Content-Length larger than max_body (%zu bytes)",
			fetch->options.max_body_bytes);
		complete(t, FETCH_ERR_TOO_LARGE, text);
	} else if (t->headers_too_large) {
		snprintf(text, sizeof(text), "response headers larger than max_header (%zu bytes)",
			fetch->options.max_header_bytes);
		complete(t, FETCH_ERR_TOO_LARGE, text);
	} else if (code == CURLE_TOO_MANY_REDIRECTS) {
		snprintf(text, sizeof(text), "more than %u redirects (a redirect loop?)",
			fetch->options.max_redirects);
		complete(t, FETCH_ERR_REDIRECT, text);
	} else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
		char *target = NULL;
		curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &target);
		snprintf(text, sizeof(text), "refused a redirect to '%.120s': only http and https "
			"are followed", target ? target : "?");
		complete(t, FETCH_ERR_REDIRECT, text);
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		complete(t, FETCH_ERR_TIMEOUT, curl_text);
	} else if (code != CURLE_OK) {
		complete(t, FETCH_ERR_TRANSPORT, curl_text);
	} else {
		complete(t, 0, NULL);
	}
	if (fetch->idle_easy_count < fetch->options.concurrency && !fetch->closing) {
		/* curl_easy_reset() keeps the cookies and drops, without freeing, the list
		 * CURLOPT_COOKIEFILE made (libcurl 7.88: 17 bytes a transfer, for ever in a
		 * daemon); a NULL COOKIEFILE frees both. */
		curl_easy_setopt(t->easy, CURLOPT_COOKIEFILE, NULL);
		curl_easy_reset(t->easy);
		fetch->idle_easy = xgrow(fetch->idle_easy, &fetch->idle_easy_cap,
			fetch->idle_easy_count + 1, sizeof(*fetch->idle_easy));
		fetch->idle_easy[fetch->idle_easy_count++] = t->easy;
		t->easy = NULL;
	}
	transfer_free(t);
	host_place(fetch, h);
}

/* Drains curl's message queue; must run after every socket_action, running or not. */
static void check_finished(struct fetch *fetch)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(fetch->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct transfer *t = NULL;
		CURLcode code = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		finish(fetch, t, code);
	}
	start_queued(fetch);
}

/* --- public --- */

static void on_kick(uv_timer_t *timer)
{
	start_queued(timer->data);
}

void fetch_set_options(struct fetch *fetch, const struct fetch_options *options)
{
	char *user_agent = xstrdup(options->user_agent ? options->user_agent : "geotrack");
	char *ca_file = options->ca_file ? xstrdup(options->ca_file) : NULL;
	free(fetch->user_agent);
	free(fetch->ca_file);
	fetch->user_agent = user_agent;
	fetch->ca_file = ca_file;
	fetch->options = *options;
	fetch->options.user_agent = user_agent;
	fetch->options.ca_file = ca_file;
	if (fetch->options.concurrency == 0)
		fetch->options.concurrency = 1;
	if (fetch->options.per_host == 0)
		fetch->options.per_host = 1;
	if (fetch->options.max_body_bytes == 0)
		fetch->options.max_body_bytes = 1;
	if (fetch->options.max_header_bytes == 0)
		fetch->options.max_header_bytes = 1;
	fetch->ca_file_only = ca_file || default_ca_bundle_readable();
	fetch->ca_reloaded = true;
	fetch->ca_reloaded_at = uv_now(fetch->loop);
}

struct fetch *fetch_new(uv_loop_t *loop, const struct fetch_options *options)
{
	static bool curl_ready;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = true;
	}
	struct fetch *fetch = xcalloc(1, sizeof(*fetch));
	fetch->loop = loop;
	fetch_set_options(fetch, options);
	fetch->ca_reloaded = false; /* not a reload */
	fetch->multi = curl_multi_init();
	if (!fetch->multi) {
		free(fetch->user_agent);
		free(fetch->ca_file);
		free(fetch);
		return NULL;
	}
	curl_multi_setopt(fetch->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(fetch->multi, CURLMOPT_SOCKETDATA, fetch);
	curl_multi_setopt(fetch->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(fetch->multi, CURLMOPT_TIMERDATA, fetch);
	uv_timer_init(loop, &fetch->timer);
	fetch->timer.data = fetch;
	uv_timer_init(loop, &fetch->kick);
	fetch->kick.data = fetch;
	uv_timer_init(loop, &fetch->host_timer);
	fetch->host_timer.data = fetch;
	fetch->open_handles = 3;
	return fetch;
}

int fetch_submit(struct fetch *fetch, const struct fetch_request *request, fetch_done_fn done,
	void *ctx)
{
	if (fetch->closing)
		return -ESHUTDOWN;
	const char *url = request->url;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 &&
		strncmp(url, "file://", 7) != 0)
		return -EINVAL;
	struct transfer *t = xcalloc(1, sizeof(*t));
	t->fetch = fetch;
	t->url = xstrdup(url);
	t->user_agent = request->user_agent ? xstrdup(request->user_agent) : NULL;
	t->done = done;
	t->ctx = ctx;
	/* curl's default, any type alike, lets a site that serves one URL in several forms
	 * pick its HTML page; the feed formats the parser reads come first. */
	t->request_headers = curl_slist_append(NULL, "Accept: " FETCH_ACCEPT);
	if (request->etag) {
		char *h = xasprintf("If-None-Match: %s", request->etag);
		t->request_headers = curl_slist_append(t->request_headers, h);
		free(h);
	}
	if (request->last_modified) {
		char *h = xasprintf("If-Modified-Since: %s", request->last_modified);
		t->request_headers = curl_slist_append(t->request_headers, h);
		free(h);
	}
	char *name = fetch_host_of(url);
	struct host *h = host_get(fetch, name);
	free(name);
	t->host = h;
	if (h->wait_tail)
		h->wait_tail->next = t;
	else
		h->wait_head = t;
	h->wait_tail = t;
	fetch->queued++;
	host_place(fetch, h);
	/* Start from the loop, not here, so `done` can never run inside fetch_submit(). */
	if (!uv_is_active((uv_handle_t *)&fetch->kick))
		uv_timer_start(&fetch->kick, on_kick, 0, 0);
	return 0;
}

void fetch_hold(struct fetch *fetch, size_t held)
{
	bool fewer = held < fetch->held;
	fetch->held = held;
	if (fewer && !fetch->closing && !uv_is_active((uv_handle_t *)&fetch->kick))
		uv_timer_start(&fetch->kick, on_kick, 0, 0);
}

size_t fetch_pending(const struct fetch *fetch)
{
	return fetch->queued + fetch->running_count;
}

size_t fetch_in_flight(const struct fetch *fetch)
{
	return fetch->running_count;
}

static void timer_closed(uv_handle_t *handle)
{
	handle_closed(handle->data);
}

void fetch_cancel_queued(struct fetch *fetch)
{
	/* Detach every wait list first: a callback may submit again, and that must not
	 * disturb the walk. */
	struct transfer *cancelled = NULL;
	for (size_t b = 0; b < fetch->bucket_count; b++) {
		for (struct host *h = fetch->buckets[b]; h; h = h->hash_next) {
			if (!h->wait_head)
				continue;
			h->wait_tail->next = cancelled;
			cancelled = h->wait_head;
			h->wait_head = h->wait_tail = NULL;
		}
	}
	fetch->queued = 0;
	while (cancelled) {
		struct transfer *next = cancelled->next;
		complete(cancelled, FETCH_ERR_CANCELLED, "shutting down");
		transfer_free(cancelled);
		cancelled = next;
	}
}

void fetch_close(struct fetch *fetch, void (*closed)(void *ctx), void *ctx)
{
	fetch->closing = true;
	fetch->closed = closed;
	fetch->closed_ctx = ctx;
	fetch_cancel_queued(fetch);
	while (fetch->running_count) {
		struct transfer *t = fetch->running[fetch->running_count - 1];
		curl_multi_remove_handle(fetch->multi, t->easy);
		fetch->running_count--;
		complete(t, FETCH_ERR_CANCELLED, "shutting down");
		transfer_free(t);
	}
	for (size_t b = 0; b < fetch->bucket_count; b++) {
		while (fetch->buckets[b]) {
			struct host *h = fetch->buckets[b];
			fetch->buckets[b] = h->hash_next;
			free(h->name);
			free(h);
		}
	}
	fetch->host_count = 0;
	fetch->heap_len = 0;
	while (fetch->idle_easy_count)
		curl_easy_cleanup(fetch->idle_easy[--fetch->idle_easy_count]);
	fetch->ready_head = fetch->ready_tail = NULL;
	/* Cleaning up the multi handle closes its cached connections through on_close_socket,
	 * which unwatches them; then the timers go, and the last close callback frees us. */
	curl_multi_cleanup(fetch->multi);
	fetch->multi = NULL;
	for (size_t fd = 0; fd < fetch->watch_cap; fd++)
		unwatch(fetch, (curl_socket_t)fd);
	uv_timer_stop(&fetch->timer);
	uv_timer_stop(&fetch->kick);
	uv_timer_stop(&fetch->host_timer);
	uv_close((uv_handle_t *)&fetch->timer, timer_closed);
	uv_close((uv_handle_t *)&fetch->kick, timer_closed);
	uv_close((uv_handle_t *)&fetch->host_timer, timer_closed);
}
