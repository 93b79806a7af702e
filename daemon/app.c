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
#include "notify.h"
#include "schedule.h"
#include "store.h"
#include "xalloc.h"

/* At start-up feeds are spread over this window rather than all fetched in one burst. */
#define STARTUP_SPREAD_MS (30 * 1000)
/* A failing feed is retried sooner than its interval would have it, but not hammered. */
#define MIN_RETRY_MS (60 * 1000)
#define SCHEDULE_JITTER_PERCENT 10
/* Retention, PRAGMA optimize and a WAL checkpoint run at start and then this often; a
 * retention backlog is deleted PRUNE_BATCH articles at a time, a second apart, so the
 * loop never stalls on one long transaction. */
#define MAINTENANCE_MS (60 * 60 * 1000)
#define PRUNE_BATCH 2000

struct app;

/* One feed of the list. Owns copies of its settings, so a reload can free the old config;
 * a feed dropped by a reload while its transfer is in flight is freed when it returns. */
struct app_feed {
	struct app *app;
	char *url;
	char *title;
	unsigned interval_s; /* 0: the config's default */
	int64_t id;
	char *etag;
	char *last_modified;
	struct schedule_entry *timer;
	bool in_flight;
	bool removed;
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
	struct app_feed **feeds;
	size_t feed_count;
	size_t feed_cap;
	uv_signal_t signals[3]; /* SIGTERM, SIGINT, SIGHUP */
	uv_timer_t stop_timer;  /* --once's end, and the bound on a graceful stop */
	uv_timer_t watchdog_timer;
	uv_timer_t maintenance_timer;
	bool stopping;
	bool closed;
	size_t once_remaining;
	size_t once_failed;
	int exit_status;
	/* For STATUS= and the log: what this process has done since it started. */
	uint64_t fetches_ok;
	uint64_t fetches_failed;
	uint64_t events_stored;
	int64_t last_fetch_time;
};

static void stop(struct app *app);
static void finish_stop(uv_timer_t *timer);

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

static void log_lines(enum log_level level, const char *text)
{
	const char *line = text;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		log_msg(level, "%.*s", (int)len, line);
		line = nl ? nl + 1 : NULL;
	}
}

static size_t failing_feeds(const struct app *app)
{
	size_t n = 0;
	for (size_t i = 0; i < app->feed_count; i++)
		if (app->feeds[i]->last_error)
			n++;
	return n;
}

static void send_status(struct app *app)
{
	char when[32] = "none yet";
	if (app->last_fetch_time) {
		time_t t = (time_t)app->last_fetch_time;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S UTC", &tm);
	}
	notify_send("STATUS=%zu feeds (%zu failing), last fetch %s, %llu events stored since start",
		app->feed_count, failing_feeds(app), when, (unsigned long long)app->events_stored);
}

/* --- feeds --- */

static uint64_t feed_interval_ms(const struct app_feed *feed)
{
	unsigned s = feed->interval_s ? feed->interval_s : feed->app->config->interval_s;
	return (uint64_t)s * 1000;
}

static void feed_free(struct app_feed *feed)
{
	if (!feed)
		return;
	schedule_entry_close(feed->timer);
	free(feed->url);
	free(feed->title);
	free(feed->etag);
	free(feed->last_modified);
	free(feed->last_error);
	free(feed);
}

static void feed_failed(struct app_feed *feed, const char *reason)
{
	char url[200], why[300];
	log_quote(feed->url, url, sizeof(url));
	log_quote(reason, why, sizeof(why));
	feed->app->fetches_failed++;
	if (feed->app->options->once)
		log_err("%s: %s", url, why);
	else if (!feed->last_error || strcmp(feed->last_error, reason) != 0)
		log_warn("%s: %s (will retry)", url, why);
	free(feed->last_error);
	feed->last_error = xstrdup(reason);
}

static void feed_succeeded(struct app_feed *feed, const struct ingest_stats *stats, long status)
{
	char url[200];
	log_quote(feed->url, url, sizeof(url));
	feed->app->fetches_ok++;
	feed->app->events_stored += stats->events;
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

/* Stores one response; returns true if the feed counts as fetched. */
static bool store_response(struct app_feed *feed, const struct fetch_response *res)
{
	struct app *app = feed->app;
	int64_t now = now_seconds();
	app->last_fetch_time = now;
	if (res->error) {
		feed_failed(feed, res->error_text);
		ingest_record_failure(app->store, feed->id, now, res->http_status, res->error_text);
		return false;
	}
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
	bool ok = ingest_fetch(app->store, app->coder, &in, &stats, &error) == 0;
	if (ok) {
		if (res->http_status == 200) {
			replace(&feed->etag, res->etag);
			replace(&feed->last_modified, res->last_modified);
		}
		feed_succeeded(feed, &stats, res->http_status);
	} else {
		feed_failed(feed, error);
	}
	free(error);
	return ok;
}

static void on_fetched(const struct fetch_response *res, void *ctx)
{
	struct app_feed *feed = ctx;
	struct app *app = feed->app;
	feed->in_flight = false;
	if (feed->removed) {
		feed_free(feed);
		return;
	}
	bool ok = res->error != FETCH_ERR_CANCELLED && store_response(feed, res);

	if (app->options->once) {
		if (!ok)
			app->once_failed++;
		if (--app->once_remaining == 0)
			stop(app);
		return;
	}
	if (app->stopping) {
		if (fetch_pending(app->fetch) == 0)
			uv_timer_start(&app->stop_timer, finish_stop, 0, 0);
		return;
	}
	uint64_t next = feed_interval_ms(feed);
	if (!ok && next > MIN_RETRY_MS * 4)
		next /= 2;
	schedule_arm(feed->timer, next, SCHEDULE_JITTER_PERCENT);
	send_status(app);
}

static void poll_feed(struct app_feed *feed)
{
	struct fetch_request req = {
		.url = feed->url,
		.etag = feed->etag,
		.last_modified = feed->last_modified,
	};
	int r = fetch_submit(feed->app->fetch, &req, on_fetched, feed);
	if (r < 0) {
		feed_failed(feed, strerror(-r));
		if (feed->app->options->once && --feed->app->once_remaining == 0)
			stop(feed->app);
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

static struct app_feed *feed_new(struct app *app, const struct feed_conf *conf, int64_t now)
{
	struct store_feed_state state = {0};
	if (store_feed_open(app->store, conf->url, conf->title, now, &state) < 0) {
		log_err("database: %s", store_errmsg(app->store));
		return NULL;
	}
	struct app_feed *feed = xcalloc(1, sizeof(*feed));
	feed->app = app;
	feed->url = xstrdup(conf->url);
	feed->title = conf->title ? xstrdup(conf->title) : NULL;
	feed->interval_s = conf->interval_s;
	feed->id = state.id;
	feed->etag = state.etag;
	feed->last_modified = state.last_modified;
	feed->timer = schedule_entry_new(&app->loop, on_feed_due, feed);
	return feed;
}

static void feeds_add(struct app *app, struct app_feed *feed)
{
	app->feeds = xgrow(app->feeds, &app->feed_cap, app->feed_count + 1, sizeof(*app->feeds));
	app->feeds[app->feed_count++] = feed;
}

static struct app_feed *feeds_find(const struct app *app, const char *url)
{
	for (size_t i = 0; i < app->feed_count; i++)
		if (strcmp(app->feeds[i]->url, url) == 0)
			return app->feeds[i];
	return NULL;
}

/* --- dictionaries --- */

/* Loads the config's dictionary set into ret_dict and ret_coder; logs what it skipped. */
static int load_coder(const struct config *config, struct dict **ret_dict,
	struct coder **ret_coder)
{
	struct buf errors = {0};
	struct dict *dict = NULL;
	int r = dictset_load(config, &dict, &errors);
	if (errors.len) {
		/* Entry-level problems are worth seeing, not worth stopping for; the full list
		 * is one `geotrackd dict check` away. */
		size_t shown = 0;
		const char *line = errors.data;
		while (line && *line && shown < 20) {
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			log_msg(r < 0 ? LOG_LEVEL_ERR : LOG_LEVEL_WARNING, "%.*s", (int)len, line);
			shown++;
			line = nl ? nl + 1 : NULL;
		}
		if (line && *line)
			log_warn("more dictionary problems not shown; run geotrackd dict check");
	}
	buf_free(&errors);
	if (r < 0)
		return r;
	*ret_dict = dict;
	*ret_coder = coder_new(dict);
	return 0;
}

static struct fetch_options fetch_options_of(const struct config *config)
{
	struct fetch_options fo = {
		.concurrency = config->concurrency,
		.per_host = config->per_host,
		.timeout_s = config->timeout_s,
		.connect_timeout_s = config->connect_timeout_s,
		.max_body_bytes = config->max_body_bytes,
		.user_agent = config->user_agent,
	};
	return fo;
}

/* --- reload --- */

static void reload(struct app *app)
{
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
		(unsigned long long)notify_monotonic_usec());
	log_notice("SIGHUP: reloading %s", app->options->config_path);

	struct buf errors = {0};
	struct config *config = NULL;
	struct dict *dict = NULL;
	struct coder *coder = NULL;
	if (config_load(app->options->config_path, &config, &errors) < 0) {
		log_lines(LOG_LEVEL_ERR, errors.data);
		log_err("reload rejected; still running the previous configuration");
		goto done;
	}
	if (load_coder(config, &dict, &coder) < 0) {
		log_err("reload rejected: dictionaries unreadable; still running the previous "
			"configuration");
		config_free(config);
		goto done;
	}
	if (strcmp(config->database, app->config->database) != 0)
		log_warn("the database path changed; it takes effect at the next restart");

	coder_free(app->coder);
	dict_free(app->dict);
	app->dict = dict;
	app->coder = coder;
	struct fetch_options fo = fetch_options_of(config);
	fetch_set_options(app->fetch, &fo);
	if (!app->options->verbose)
		log_set_level(config->log_level);

	/* Feeds gone from the list stop now; a transfer in flight finishes and is dropped. */
	size_t kept = 0, removed = 0, added = 0;
	for (size_t i = 0; i < app->feed_count; i++) {
		struct app_feed *feed = app->feeds[i];
		bool listed = false;
		for (size_t j = 0; j < config->feed_count && !listed; j++)
			listed = strcmp(config->feeds[j].url, feed->url) == 0;
		if (listed) {
			app->feeds[kept++] = feed;
			continue;
		}
		removed++;
		schedule_entry_close(feed->timer);
		feed->timer = NULL;
		if (feed->in_flight)
			feed->removed = true;
		else
			feed_free(feed);
	}
	app->feed_count = kept;

	/* Old config settings are read through app->config until the swap below. */
	struct config *old = app->config;
	app->config = config;
	int64_t now = now_seconds();
	for (size_t j = 0; j < config->feed_count; j++) {
		const struct feed_conf *conf = &config->feeds[j];
		struct app_feed *feed = feeds_find(app, conf->url);
		if (feed) {
			uint64_t old_interval = feed_interval_ms(feed);
			feed->interval_s = conf->interval_s;
			free(feed->title);
			feed->title = conf->title ? xstrdup(conf->title) : NULL;
			uint64_t interval = feed_interval_ms(feed);
			uint64_t due = schedule_due_in(feed->timer);
			if (interval != old_interval && !feed->in_flight && due > interval)
				schedule_arm(feed->timer, interval, SCHEDULE_JITTER_PERCENT);
			continue;
		}
		feed = feed_new(app, conf, now);
		if (!feed)
			continue;
		feeds_add(app, feed);
		schedule_arm(feed->timer, 0, 0);
		added++;
	}
	config_free(old);
	log_notice("reloaded: %zu feeds (%zu added, %zu removed)", app->feed_count, added, removed);
done:
	buf_free(&errors);
	notify_send("READY=1");
	send_status(app);
}

/* --- database housekeeping --- */

static void on_maintenance(uv_timer_t *timer);

static void maintain(struct app *app)
{
	int64_t now = now_seconds();
	unsigned days = app->config->retain_days;
	if (days) {
		int n = store_prune(app->store, now - (int64_t)days * 86400, now, PRUNE_BATCH);
		if (n < 0)
			log_warn("retention: database: %s (will retry)", store_errmsg(app->store));
		else if (n > 0)
			log_info("retention: deleted %d articles older than %u days", n, days);
		if (n == PRUNE_BATCH && !app->options->once)
			uv_timer_start(&app->maintenance_timer, on_maintenance, 1000, MAINTENANCE_MS);
	}
	if (store_maintain(app->store) < 0)
		log_warn("database upkeep: %s (will retry)", store_errmsg(app->store));
}

static void on_maintenance(uv_timer_t *timer)
{
	maintain(timer->data);
}

/* --- signals, watchdog, stop --- */

static void on_signal(uv_signal_t *handle, int signum)
{
	struct app *app = handle->data;
	if (signum == SIGHUP) {
		if (!app->stopping)
			reload(app);
		return;
	}
	if (app->stopping) {
		log_warn("second signal: exiting at once");
		_exit(1);
	}
	log_notice("%s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
	stop(app);
}

/* The watchdog timer runs on the loop itself, so a ping proves the loop still turns:
 * a callback stuck in a blocking call stops the pings and systemd restarts us. */
static void on_watchdog(uv_timer_t *timer)
{
	(void)timer;
	notify_send("WATCHDOG=1");
}

static void on_fetch_closed(void *ctx)
{
	(void)ctx;
}

static void close_handle(uv_handle_t *handle)
{
	if (!uv_is_closing(handle))
		uv_close(handle, NULL);
}

/* Closes every remaining handle; uv_run returns after the last close callback. */
static void finish_stop(uv_timer_t *timer)
{
	struct app *app = timer->data;
	if (app->closed)
		return;
	app->closed = true;
	if (app->fetch)
		fetch_close(app->fetch, on_fetch_closed, app);
	app->fetch = NULL;
	for (size_t i = 0; i < 3; i++)
		close_handle((uv_handle_t *)&app->signals[i]);
	close_handle((uv_handle_t *)&app->stop_timer);
	close_handle((uv_handle_t *)&app->watchdog_timer);
	close_handle((uv_handle_t *)&app->maintenance_timer);
	if (app->options->once)
		app->exit_status = app->once_failed ? 1 : 0;
}

/*
 * Stops scheduling, drops queued transfers, and gives those in flight the configured
 * stop_timeout to finish and be stored before they are aborted. Each ingest is its own
 * transaction, so whatever is aborted leaves the database as it was.
 */
static void stop(struct app *app)
{
	if (app->stopping)
		return;
	app->stopping = true;
	notify_send("STOPPING=1");
	for (size_t i = 0; i < app->feed_count; i++) {
		schedule_entry_close(app->feeds[i]->timer);
		app->feeds[i]->timer = NULL;
	}
	uv_timer_stop(&app->watchdog_timer);
	uv_timer_stop(&app->maintenance_timer);
	fetch_cancel_queued(app->fetch);
	uint64_t grace = 0;
	if (fetch_pending(app->fetch))
		grace = (uint64_t)app->config->stop_timeout_s * 1000;
	uv_timer_start(&app->stop_timer, finish_stop, grace, 0);
}

/* --- start --- */

static int start(struct app *app)
{
	struct buf errors = {0};
	int r = config_load(app->options->config_path, &app->config, &errors);
	if (r < 0) {
		log_lines(LOG_LEVEL_ERR, errors.data);
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
	r = load_coder(app->config, &app->dict, &app->coder);
	if (r < 0)
		return r;
	struct fetch_options fo = fetch_options_of(app->config);
	app->fetch = fetch_new(&app->loop, &fo);
	if (!app->fetch) {
		log_err("cannot initialise libcurl");
		return -ENOMEM;
	}

	int64_t now = now_seconds();
	for (size_t i = 0; i < app->config->feed_count; i++) {
		struct app_feed *feed = feed_new(app, &app->config->feeds[i], now);
		if (!feed)
			return -EIO;
		feeds_add(app, feed);
	}

	static const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
	for (size_t i = 0; i < 3; i++) {
		uv_signal_init(&app->loop, &app->signals[i]);
		app->signals[i].data = app;
		uv_signal_start(&app->signals[i], on_signal, signums[i]);
	}
	uv_timer_init(&app->loop, &app->stop_timer);
	app->stop_timer.data = app;
	uv_timer_init(&app->loop, &app->watchdog_timer);
	app->watchdog_timer.data = app;
	uv_timer_init(&app->loop, &app->maintenance_timer);
	app->maintenance_timer.data = app;
	maintain(app);

	if (app->options->once) {
		app->once_remaining = app->feed_count;
		if (app->feed_count == 0)
			stop(app);
		for (size_t i = 0; i < app->feed_count; i++)
			poll_feed(app->feeds[i]);
		return 0;
	}
	uint64_t spread = app->feed_count > 1 ? STARTUP_SPREAD_MS : 0;
	for (size_t i = 0; i < app->feed_count; i++)
		schedule_arm(app->feeds[i]->timer, spread * i / app->feed_count, 0);
	if (!uv_is_active((uv_handle_t *)&app->maintenance_timer))
		uv_timer_start(&app->maintenance_timer, on_maintenance, MAINTENANCE_MS, MAINTENANCE_MS);
	uint64_t watchdog_ms = notify_watchdog_usec() / 1000;
	if (watchdog_ms > 0)
		uv_timer_start(&app->watchdog_timer, on_watchdog, watchdog_ms / 2, watchdog_ms / 2);
	log_notice("started: %zu feeds, database %s", app->feed_count, app->config->database);
	notify_send("READY=1");
	send_status(app);
	return 0;
}

static void walk_close(uv_handle_t *handle, void *arg)
{
	(void)arg;
	close_handle(handle);
}

int app_run(const struct app_options *options)
{
	struct app app;
	memset(&app, 0, sizeof(app));
	app.options = options;
	signal(SIGPIPE, SIG_IGN);
	notify_init();
	uv_loop_init(&app.loop);

	int status = 0;
	if (start(&app) < 0) {
		status = 2;
		/* Close whatever start() opened so the loop can end cleanly. */
		if (app.fetch)
			fetch_close(app.fetch, on_fetch_closed, &app);
		for (size_t i = 0; i < app.feed_count; i++) {
			schedule_entry_close(app.feeds[i]->timer);
			app.feeds[i]->timer = NULL;
		}
		uv_walk(&app.loop, walk_close, NULL);
	}
	uv_run(&app.loop, UV_RUN_DEFAULT);
	if (status == 0)
		status = app.exit_status;
	if (uv_loop_close(&app.loop) != 0)
		log_err("internal: handles still open at exit");
	if (status == 0 && !options->once)
		log_notice("stopped");

	for (size_t i = 0; i < app.feed_count; i++) {
		app.feeds[i]->timer = NULL; /* closed with the loop */
		feed_free(app.feeds[i]);
	}
	free(app.feeds);
	coder_free(app.coder);
	dict_free(app.dict);
	store_close(app.store);
	config_free(app.config);
	notify_close();
	return status;
}
