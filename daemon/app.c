#include "app.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "buf.h"
#include "coder.h"
#include "config.h"
#include "dict.h"
#include "dictset.h"
#include "fetch.h"
#include "ingest.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "xalloc.h"

/* At start-up feeds are spread over this window rather than all fetched in one burst. */
#define STARTUP_SPREAD_MS (30 * 1000)
/* A failing feed is retried sooner than its interval would have it, but not hammered. */
#define MIN_RETRY_MS (60 * 1000)

struct app_feed {
	struct app *app;
	const struct feed_conf *conf;
	int64_t id;
	char *etag;
	char *last_modified;
	struct schedule_entry *timer;
	bool in_flight;
	char *last_error; /* logged once; logged again only when it changes */
};

struct app {
	uv_loop_t loop;
	const struct app_options *options;
	struct config *config;
	struct store *store;
	struct dict *dict;
	struct coder *coder;
	struct fetch *fetch;
	struct app_feed *feeds;
	size_t feed_count;
	uv_signal_t signals[3]; /* SIGTERM, SIGINT, SIGHUP */
	uv_timer_t stop_timer;  /* lets --once stop outside a fetch callback */
	bool stopping;
	size_t once_remaining;
	size_t once_failed;
	int exit_status;
};

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

static void stop(struct app *app);

static uint64_t feed_interval_ms(const struct app_feed *feed)
{
	unsigned s = feed->conf->interval_s ? feed->conf->interval_s : feed->app->config->interval_s;
	return (uint64_t)s * 1000;
}

static void feed_failed(struct app_feed *feed, const char *reason)
{
	char url[200], why[300];
	log_quote(feed->conf->url, url, sizeof(url));
	log_quote(reason, why, sizeof(why));
	if (feed->app->options->once) {
		log_err("%s: %s", url, why);
	} else if (!feed->last_error || strcmp(feed->last_error, reason) != 0) {
		log_warn("%s: %s (will retry)", url, why);
	}
	free(feed->last_error);
	feed->last_error = xstrdup(reason);
}

static void feed_succeeded(struct app_feed *feed, const struct ingest_stats *stats, long status)
{
	char url[200];
	log_quote(feed->conf->url, url, sizeof(url));
	if (feed->last_error && !feed->app->options->once)
		log_notice("%s: fetched again after failing", url);
	free(feed->last_error);
	feed->last_error = NULL;
	if (status == 304)
		log_debug("%s: not modified", url);
	else
		log_info("%s: %zu items, %zu new, %zu events", url, stats->items,
			stats->new_articles, stats->events);
}

static void replace(char **slot, const char *value)
{
	if (!value)
		return;
	free(*slot);
	*slot = xstrdup(value);
}

static void on_fetched(const struct fetch_response *res, void *ctx)
{
	struct app_feed *feed = ctx;
	struct app *app = feed->app;
	feed->in_flight = false;
	if (res->error == FETCH_ERR_CANCELLED)
		return;
	int64_t now = now_seconds();
	bool ok = false;
	if (res->error) {
		feed_failed(feed, res->error_text);
		ingest_record_failure(app->store, feed->id, now, res->http_status, res->error_text);
	} else {
		struct ingest_input in = {
			.feed_id = feed->id,
			.url = res->effective_url,
			.http_status = res->http_status,
			.body = res->body,
			.body_len = res->body_len,
			.content_type = res->content_type,
			.etag = res->etag,
			.last_modified = res->last_modified,
			.now = now,
		};
		struct ingest_stats stats;
		char *error = NULL;
		if (ingest_fetch(app->store, app->coder, &in, &stats, &error) == 0) {
			ok = true;
			if (res->http_status == 200) {
				replace(&feed->etag, res->etag);
				replace(&feed->last_modified, res->last_modified);
			}
			feed_succeeded(feed, &stats, res->http_status);
		} else {
			feed_failed(feed, error);
		}
		free(error);
	}

	if (app->options->once) {
		if (!ok)
			app->once_failed++;
		if (--app->once_remaining == 0)
			uv_timer_start(&app->stop_timer, (uv_timer_cb)stop, 0, 0);
		return;
	}
	if (!app->stopping) {
		uint64_t next = feed_interval_ms(feed);
		if (!ok && next > MIN_RETRY_MS * 4)
			next = next / 2; /* fetch failures retry sooner; issue #7 refines this */
		schedule_arm(feed->timer, next, 10);
	}
}

static void poll_feed(struct app_feed *feed)
{
	struct fetch_request req = {
		.url = feed->conf->url,
		.etag = feed->etag,
		.last_modified = feed->last_modified,
	};
	int r = fetch_submit(feed->app->fetch, &req, on_fetched, feed);
	if (r < 0) {
		feed_failed(feed, strerror(-r));
		if (feed->app->options->once && --feed->app->once_remaining == 0)
			uv_timer_start(&feed->app->stop_timer, (uv_timer_cb)stop, 0, 0);
		return;
	}
	feed->in_flight = true;
}

static void on_feed_due(struct schedule_entry *entry, void *data)
{
	struct app_feed *feed = data;
	(void)entry;
	if (!feed->in_flight && !feed->app->stopping)
		poll_feed(feed);
}

static void on_signal(uv_signal_t *handle, int signum)
{
	struct app *app = handle->data;
	if (signum == SIGHUP) {
		log_notice("SIGHUP: reload is not supported yet; restart to apply changes");
		return;
	}
	if (app->stopping) {
		log_warn("second signal: exiting at once");
		_exit(1);
	}
	log_notice("%s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	stop(app);
}

static void on_fetch_closed(void *ctx)
{
	(void)ctx;
}

/* Closes every handle; uv_run returns when the last close callback has run. */
static void stop(struct app *app)
{
	if (app->stopping)
		return;
	app->stopping = true;
	for (size_t i = 0; i < app->feed_count; i++) {
		schedule_entry_close(app->feeds[i].timer);
		app->feeds[i].timer = NULL;
	}
	if (app->fetch)
		fetch_close(app->fetch, on_fetch_closed, app);
	app->fetch = NULL;
	for (size_t i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&app->signals[i], NULL);
	uv_close((uv_handle_t *)&app->stop_timer, NULL);
	if (app->options->once)
		app->exit_status = app->once_failed ? 1 : 0;
}

static int load_dictionaries(struct app *app)
{
	struct buf errors = {0};
	int r = dictset_load(app->config, &app->dict, &errors);
	if (errors.len) {
		/* One line per entry the loader skipped: worth seeing, not worth stopping for. */
		char *line = errors.data;
		size_t shown = 0;
		while (line && *line && shown < 20) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			log_warn("%s", line);
			shown++;
			line = nl ? nl + 1 : NULL;
		}
		if (line && *line)
			log_warn("further dictionary problems not shown; see geotrackd dict check");
	}
	buf_free(&errors);
	if (r < 0)
		return r;
	app->coder = coder_new(app->dict);
	return 0;
}

static int start(struct app *app)
{
	struct buf errors = {0};
	int r = config_load(app->options->config_path, &app->config, &errors);
	if (r < 0) {
		char *line = errors.data;
		while (line && *line) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			log_err("%s", line);
			line = nl ? nl + 1 : NULL;
		}
		buf_free(&errors);
		return r;
	}
	buf_free(&errors);
	log_set_level(app->options->verbose ? LOG_LEVEL_DEBUG : app->config->log_level);

	char *error = NULL;
	app->store = store_open(app->config->database, &error);
	if (!app->store) {
		log_err("%s", error);
		free(error);
		return -EIO;
	}
	r = load_dictionaries(app);
	if (r < 0)
		return r;

	struct fetch_options fo = {
		.concurrency = app->config->concurrency,
		.per_host = app->config->per_host,
		.timeout_s = app->config->timeout_s,
		.connect_timeout_s = app->config->connect_timeout_s,
		.max_body_bytes = app->config->max_body_bytes,
		.user_agent = app->config->user_agent,
	};
	app->fetch = fetch_new(&app->loop, &fo);
	if (!app->fetch) {
		log_err("cannot initialise libcurl");
		return -ENOMEM;
	}

	int64_t now = now_seconds();
	app->feed_count = app->config->feed_count;
	app->feeds = xcalloc(app->feed_count ? app->feed_count : 1, sizeof(*app->feeds));
	for (size_t i = 0; i < app->feed_count; i++) {
		struct app_feed *feed = &app->feeds[i];
		feed->app = app;
		feed->conf = &app->config->feeds[i];
		struct store_feed_state state = {0};
		r = store_feed_open(app->store, feed->conf->url, feed->conf->title, now, &state);
		if (r < 0) {
			log_err("database: %s", store_errmsg(app->store));
			return r;
		}
		feed->id = state.id;
		feed->etag = state.etag;
		feed->last_modified = state.last_modified;
		feed->timer = schedule_entry_new(&app->loop, on_feed_due, feed);
	}

	static const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
	for (size_t i = 0; i < 3; i++) {
		uv_signal_init(&app->loop, &app->signals[i]);
		app->signals[i].data = app;
		uv_signal_start(&app->signals[i], on_signal, signums[i]);
	}
	uv_timer_init(&app->loop, &app->stop_timer);
	app->stop_timer.data = app;

	if (app->options->once) {
		app->once_remaining = app->feed_count;
		if (app->feed_count == 0)
			uv_timer_start(&app->stop_timer, (uv_timer_cb)stop, 0, 0);
		for (size_t i = 0; i < app->feed_count; i++)
			poll_feed(&app->feeds[i]);
	} else {
		uint64_t spread = app->feed_count > 1 ? STARTUP_SPREAD_MS : 0;
		for (size_t i = 0; i < app->feed_count; i++)
			schedule_arm(app->feeds[i].timer, spread * i / app->feed_count, 0);
		log_notice("started: %zu feeds, database %s", app->feed_count, app->config->database);
	}
	return 0;
}

static void walk_close(uv_handle_t *handle, void *arg)
{
	(void)arg;
	if (!uv_is_closing(handle))
		uv_close(handle, NULL);
}

int app_run(const struct app_options *options)
{
	struct app app;
	memset(&app, 0, sizeof(app));
	app.options = options;
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&app.loop);

	int status = 0;
	if (start(&app) < 0) {
		status = 2;
		/* Close whatever start() opened so the loop can end cleanly. */
		if (app.fetch)
			fetch_close(app.fetch, on_fetch_closed, &app);
		for (size_t i = 0; i < app.feed_count; i++)
			schedule_entry_close(app.feeds[i].timer);
		uv_walk(&app.loop, walk_close, NULL);
	}
	uv_run(&app.loop, UV_RUN_DEFAULT);
	if (status == 0)
		status = app.exit_status;
	if (uv_loop_close(&app.loop) != 0)
		log_err("internal: handles still open at exit");

	for (size_t i = 0; i < app.feed_count; i++) {
		free(app.feeds[i].etag);
		free(app.feeds[i].last_modified);
		free(app.feeds[i].last_error);
	}
	free(app.feeds);
	coder_free(app.coder);
	dict_free(app.dict);
	store_close(app.store);
	config_free(app.config);
	return status;
}
