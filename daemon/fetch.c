#include "fetch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "xalloc.h"

#define MAX_REDIRECTS 5
#define MAX_HEADER_BYTES (256 * 1024)
#define MAX_HEADER_VALUE 1024
/* A server that sends less than this many bytes per second for LOW_SPEED_TIME is cut off. */
#define LOW_SPEED_BYTES 64
#define LOW_SPEED_TIME_S 30

struct transfer {
	struct fetch *fetch;
	CURL *easy;
	struct curl_slist *request_headers;
	char *url;
	char host[256];
	struct buf body;
	size_t header_bytes;
	char *content_type;
	char *etag;
	char *last_modified;
	bool too_large;
	bool headers_too_large;
	fetch_done_fn done;
	void *ctx;
	struct transfer *next; /* in the wait queue */
	char error_text[CURL_ERROR_SIZE];
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
	uv_timer_t timer; /* curl's single timeout */
	uv_timer_t kick;  /* starts queued transfers from the loop, apart from curl's timer */
	struct fetch_options options;
	char *user_agent;
	struct transfer *queue_head;
	struct transfer *queue_tail;
	size_t queued;
	struct transfer **running; /* added to the multi handle */
	size_t running_count;
	size_t running_cap;
	/* Watches indexed by fd, so a socket curl closes without telling us first is unwatched. */
	struct socket_watch **watches;
	size_t watch_cap;
	bool closing;
	size_t open_handles; /* uv handles not yet closed: the two timers + socket watches */
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
	free(fetch->running);
	free(fetch->user_agent);
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

/* --- one transfer --- */

static size_t on_body(char *data, size_t size, size_t count, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * count;
	if (t->body.len + n > t->fetch->options.max_body_bytes) {
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

static void replace(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

static size_t on_header(char *data, size_t size, size_t count, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * count;
	t->header_bytes += n;
	if (t->header_bytes > MAX_HEADER_BYTES) {
		t->headers_too_large = true;
		return 0;
	}
	/* A new status line starts a new response (after a redirect or a 100 Continue):
	 * only the final response's headers count. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		replace(&t->content_type, NULL);
		replace(&t->etag, NULL);
		replace(&t->last_modified, NULL);
		return n;
	}
	if (n > 13 && strncasecmp(data, "Content-Type:", 13) == 0)
		replace(&t->content_type, header_value(data, n, 13));
	else if (n > 5 && strncasecmp(data, "ETag:", 5) == 0)
		replace(&t->etag, header_value(data, n, 5));
	else if (n > 14 && strncasecmp(data, "Last-Modified:", 14) == 0)
		replace(&t->last_modified, header_value(data, n, 14));
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
	free(t->content_type);
	free(t->etag);
	free(t->last_modified);
	free(t);
}

static void complete(struct transfer *t, int error, const char *error_text)
{
	struct fetch_response response = {
		.error = error,
		.error_text = error_text ? error_text : "",
		.body = t->body.data ? t->body.data : "",
		.body_len = t->body.len,
		.content_type = t->content_type,
		.etag = t->etag,
		.last_modified = t->last_modified,
		.effective_url = t->url,
	};
	if (t->easy) {
		long status = 0;
		char *effective = NULL;
		double seconds = 0;
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &effective);
		curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &seconds);
		response.http_status = status;
		if (effective)
			response.effective_url = effective;
		response.seconds = seconds;
	}
	t->done(&response, t->ctx);
}

static int host_running(const struct fetch *fetch, const char *host)
{
	int n = 0;
	for (size_t i = 0; i < fetch->running_count; i++)
		if (strcmp(fetch->running[i]->host, host) == 0)
			n++;
	return n;
}

static void set_host(struct transfer *t)
{
	CURLU *u = curl_url();
	char *host = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, t->url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		snprintf(t->host, sizeof(t->host), "%s", host);
	}
	curl_free(host);
	curl_url_cleanup(u);
}

static int start_transfer(struct fetch *fetch, struct transfer *t)
{
	CURL *e = curl_easy_init();
	if (!e)
		return -ENOMEM;
	t->easy = e;
	bool is_file = strncmp(t->url, "file://", 7) == 0;
	curl_easy_setopt(e, CURLOPT_URL, t->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_text);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_USERAGENT, fetch->user_agent);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, is_file ? "file" : "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)fetch->options.connect_timeout_s);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)fetch->options.timeout_s);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_TIME_S);
	/* The Content-Length check happens before any byte arrives; on_body caps the rest. */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)fetch->options.max_body_bytes);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, fetch);
	if (t->request_headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->request_headers);
	CURLMcode mc = curl_multi_add_handle(fetch->multi, e);
	if (mc != CURLM_OK)
		return -ENOMEM;
	fetch->running = xgrow(fetch->running, &fetch->running_cap, fetch->running_count + 1,
		sizeof(*fetch->running));
	fetch->running[fetch->running_count++] = t;
	return 0;
}

/* Moves queued transfers into the multi handle while the limits allow. */
static void start_queued(struct fetch *fetch)
{
	struct transfer **link = &fetch->queue_head;
	struct transfer *prev = NULL;
	while (*link && fetch->running_count < fetch->options.concurrency) {
		struct transfer *t = *link;
		if (host_running(fetch, t->host) >= (int)fetch->options.per_host) {
			prev = t;
			link = &t->next;
			continue;
		}
		*link = t->next;
		if (fetch->queue_tail == t)
			fetch->queue_tail = prev;
		t->next = NULL;
		fetch->queued--;
		if (start_transfer(fetch, t) < 0) {
			complete(t, FETCH_ERR_TRANSPORT, "cannot start the transfer");
			transfer_free(t);
		}
	}
}

static void remove_running(struct fetch *fetch, struct transfer *t)
{
	for (size_t i = 0; i < fetch->running_count; i++) {
		if (fetch->running[i] == t) {
			fetch->running[i] = fetch->running[--fetch->running_count];
			return;
		}
	}
}

static void finish(struct fetch *fetch, struct transfer *t, CURLcode code)
{
	curl_multi_remove_handle(fetch->multi, t->easy);
	remove_running(fetch, t);
	if (t->too_large) {
		complete(t, FETCH_ERR_TOO_LARGE, "body larger than the configured max_body");
	} else if (code == CURLE_FILESIZE_EXCEEDED) {
		complete(t, FETCH_ERR_TOO_LARGE, "Content-Length larger than the configured max_body");
	} else if (t->headers_too_large) {
		complete(t, FETCH_ERR_TRANSPORT, "response headers too large");
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		complete(t, FETCH_ERR_TIMEOUT,
			t->error_text[0] ? t->error_text : curl_easy_strerror(code));
	} else if (code != CURLE_OK) {
		complete(t, FETCH_ERR_TRANSPORT,
			t->error_text[0] ? t->error_text : curl_easy_strerror(code));
	} else {
		complete(t, 0, NULL);
	}
	transfer_free(t);
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
	if (!fetch->closing)
		start_queued(fetch);
}

/* --- public --- */

static void on_kick(uv_timer_t *timer)
{
	struct fetch *fetch = timer->data;
	if (!fetch->closing)
		start_queued(fetch);
}

void fetch_set_options(struct fetch *fetch, const struct fetch_options *options)
{
	char *user_agent = xstrdup(options->user_agent ? options->user_agent : "geotrack");
	free(fetch->user_agent);
	fetch->user_agent = user_agent;
	fetch->options = *options;
	fetch->options.user_agent = user_agent;
	if (fetch->options.concurrency == 0)
		fetch->options.concurrency = 1;
	if (fetch->options.per_host == 0)
		fetch->options.per_host = 1;
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
	fetch->multi = curl_multi_init();
	if (!fetch->multi) {
		free(fetch->user_agent);
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
	fetch->open_handles = 2;
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
	t->done = done;
	t->ctx = ctx;
	set_host(t);
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
	if (fetch->queue_tail)
		fetch->queue_tail->next = t;
	else
		fetch->queue_head = t;
	fetch->queue_tail = t;
	fetch->queued++;
	/* Start from the loop, not here, so `done` can never run inside fetch_submit(). */
	if (!uv_is_active((uv_handle_t *)&fetch->kick))
		uv_timer_start(&fetch->kick, on_kick, 0, 0);
	return 0;
}

size_t fetch_pending(const struct fetch *fetch)
{
	return fetch->queued + fetch->running_count;
}

static void timer_closed(uv_handle_t *handle)
{
	handle_closed(handle->data);
}

void fetch_cancel_queued(struct fetch *fetch)
{
	/* Detach the queue first: a callback may submit again, and that joins a new queue. */
	struct transfer *t = fetch->queue_head;
	fetch->queue_head = fetch->queue_tail = NULL;
	fetch->queued = 0;
	while (t) {
		struct transfer *next = t->next;
		complete(t, FETCH_ERR_CANCELLED, "shutting down");
		transfer_free(t);
		t = next;
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
	/* Cleaning up the multi handle closes its cached connections through on_close_socket,
	 * which unwatches them; then the timer goes, and the last close callback frees us. */
	curl_multi_cleanup(fetch->multi);
	fetch->multi = NULL;
	for (size_t fd = 0; fd < fetch->watch_cap; fd++)
		unwatch(fetch, (curl_socket_t)fd);
	uv_timer_stop(&fetch->timer);
	uv_timer_stop(&fetch->kick);
	uv_close((uv_handle_t *)&fetch->timer, timer_closed);
	uv_close((uv_handle_t *)&fetch->kick, timer_closed);
}
