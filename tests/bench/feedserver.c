/*
 * bench-feedserver: serves many feeds from 127.0.0.1 fast enough not to be what a fetch
 * benchmark measures (tests/feedserver.py plays the awkward cases; this one plays volume).
 *
 * usage: bench-feedserver DIR [PORT]
 * Loads every file of DIR (sorted by name) into memory and answers GET /f/N/feed.xml with
 * file N modulo their count, as HTTP/1.1 with keep-alive, an ETag, and a 304 to a matching
 * If-None-Match; GET /n/N/feed.xml is the same without validators (every poll a full 200).
 * Each feed has a directory of its own, so relative item links in the files resolve to
 * different articles in each feed, as distinct feeds would carry.
 * Prints "PORT <n>" once it listens. One thread, one libuv loop.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#define MAX_REQUEST 16384

struct body {
	char *data;
	size_t len;
	char etag[32];
};

static struct body *bodies;
static size_t body_count;

struct conn {
	uv_tcp_t tcp;
	size_t len;
	char buf[MAX_REQUEST];
};

struct reply {
	uv_write_t req;
	char head[256];
};

static int load(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	bodies = calloc((size_t)n, sizeof(*bodies));
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		FILE *f = names[i]->d_name[0] == '.' ? NULL : fopen(path, "rb");
		free(names[i]);
		if (!f)
			continue;
		struct body *b = &bodies[body_count];
		fseek(f, 0, SEEK_END);
		b->len = (size_t)ftell(f);
		fseek(f, 0, SEEK_SET);
		b->data = malloc(b->len ? b->len : 1);
		if (fread(b->data, 1, b->len, f) != b->len) {
			fclose(f);
			return -EIO;
		}
		fclose(f);
		snprintf(b->etag, sizeof(b->etag), "\"%zu-%zu\"", body_count, b->len);
		body_count++;
	}
	free(names);
	return body_count ? 0 : -ENOENT;
}

static void on_closed(uv_handle_t *handle)
{
	free(handle->data);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req->data);
}

static void alloc_buf(uv_handle_t *handle, size_t suggested, uv_buf_t *out)
{
	struct conn *c = handle->data;
	(void)suggested;
	*out = uv_buf_init(c->buf + c->len, (unsigned)(sizeof(c->buf) - c->len));
}

/* Answers one request whose head is head[0..len). */
static void respond(struct conn *c, const char *head, size_t len)
{
	struct reply *r = malloc(sizeof(*r));
	r->req.data = r;
	const struct body *b = NULL;
	unsigned long n;
	char kind = 0;
	int end = 0;
	if (sscanf(head, "GET /%c/%lu/feed.xml %n", &kind, &n, &end) == 2 && end > 0 &&
		(kind == 'f' || kind == 'n'))
		b = &bodies[n % body_count];
	uv_buf_t bufs[2];
	int nbufs = 1;
	int head_len;
	const char *inm = NULL;
	for (const char *p = head; p && p < head + len; p = memchr(p, '\n', (size_t)(head + len - p))) {
		p += *p == '\n';
		if (strncasecmp(p, "If-None-Match:", 14) == 0)
			inm = p + 14;
	}
	while (inm && *inm == ' ')
		inm++;
	if (!b) {
		head_len = snprintf(r->head, sizeof(r->head),
			"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	} else if (kind == 'n') {
		head_len = snprintf(r->head, sizeof(r->head),
			"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
			"Content-Length: %zu\r\n\r\n", b->len);
		bufs[1] = uv_buf_init(b->data, (unsigned)b->len);
		nbufs = 2;
	} else if (inm && strncmp(inm, b->etag, strlen(b->etag)) == 0) {
		head_len = snprintf(r->head, sizeof(r->head),
			"HTTP/1.1 304 Not Modified\r\nETag: %s\r\nContent-Length: 0\r\n\r\n", b->etag);
	} else {
		head_len = snprintf(r->head, sizeof(r->head),
			"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: %s\r\n"
			"Content-Length: %zu\r\n\r\n", b->etag, b->len);
		bufs[1] = uv_buf_init(b->data, (unsigned)b->len);
		nbufs = 2;
	}
	bufs[0] = uv_buf_init(r->head, (unsigned)head_len);
	if (uv_write(&r->req, (uv_stream_t *)&c->tcp, bufs, (unsigned)nbufs, on_written) < 0)
		free(r);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = stream->data;
	(void)buf;
	if (nread < 0) {
		uv_close((uv_handle_t *)stream, on_closed);
		return;
	}
	c->len += (size_t)nread;
	char *end;
	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) != NULL) {
		size_t used = (size_t)(end - c->buf) + 4;
		respond(c, c->buf, used);
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof(c->buf))
		uv_close((uv_handle_t *)stream, on_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
	if (status < 0)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	c->tcp.data = c;
	uv_tcp_init(server->loop, &c->tcp);
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		uv_close((uv_handle_t *)&c->tcp, on_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, alloc_buf, on_read);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-feedserver DIR [PORT]\n");
		return 2;
	}
	int r = load(argv[1]);
	if (r < 0) {
		fprintf(stderr, "bench-feedserver: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	uv_loop_t *loop = uv_default_loop();
	uv_tcp_t server;
	struct sockaddr_in addr;
	uv_ip4_addr("127.0.0.1", argc > 2 ? atoi(argv[2]) : 0, &addr);
	uv_tcp_init(loop, &server);
	if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) < 0 ||
		uv_listen((uv_stream_t *)&server, 1024, on_connection) < 0) {
		fprintf(stderr, "bench-feedserver: cannot listen\n");
		return 1;
	}
	struct sockaddr_storage bound;
	int namelen = sizeof(bound);
	uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &namelen);
	printf("PORT %d\n", ntohs(((struct sockaddr_in *)&bound)->sin_port));
	fflush(stdout);
	return uv_run(loop, UV_RUN_DEFAULT);
}
