#include "app.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "buf.h"
#include "challenge.h"
#include "coder.h"
#include "config.h"
#include "dict.h"
#include "dictset.h"
#include "fetch.h"
#include "hash.h"
#include "ingest.h"
#include "log.h"
#include "notify.h"
#include "schedule.h"
#include "store.h"
#include "strmap.h"
#include "xalloc.h"

/* At start-up feeds are spread over a window rather than all fetched in one burst: about
 * ten feeds a second, at most this long, and never longer than one interval. */
#define STARTUP_SPREAD_MS (30 * 1000)
#define STARTUP_SPREAD_PER_FEED_MS 100
#define SCHEDULE_JITTER_PERCENT 10
/* Retention, PRAGMA optimize and a WAL checkpoint run at start and then this often; a
 * retention backlog is deleted PRUNE_BATCH articles at a time, a second apart, so the
 * loop never stalls on one long transaction. */
#define MAINTENANCE_MS (60 * 60 * 1000)
#define PRUNE_BATCH 2000
/* How often systemd hears the status line while feeds are being fetched. */
#define STATUS_EVERY_MS 1000
/* Fetches stored within this long of each other, up to BATCH_FEEDS of them, share one
 * commit (store_batch_begin()): a busy cycle commits a few dozen times instead of once per
 * feed, and a reader sees a fetch at most this much later. */
#define BATCH_MS 100
#define BATCH_FEEDS 64

struct app;

_Static_assert(sizeof(struct ingest_span) == 3 * sizeof(uint64_t),
	"the feeds table stores item spans as triples of 64-bit hashes");

/* One feed of the list. Owns copies of its settings, so a reload can free the old config;
 * a feed dropped by a reload while its transfer is in flight is freed when it returns. */
struct app_feed {
	struct app *app;
	char *url;           /* as in the feed list: the feed's identity */
	char *fetch_url;     /* where it is polled: url, or where permanent redirects led */
	char *title;
	char *user_agent;    /* the feed list's, or NULL: the config's */
	unsigned interval_s; /* 0: the config's default */
	bool has_stale_after; /* the feed list's stale_after replaces the config's */
	unsigned stale_after_s;
	int64_t id;
	char *etag;
	char *last_modified;
	char *body_hash;     /* of the last body parsed */
	uint64_t *known_keys; /* item keys of the last stored document (ingest_key_hash) */
	size_t known_key_count;
	struct ingest_span *spans; /* that document's items by their bytes: not parsed again */
	size_t span_count;
	unsigned ttl_s;      /* the feed's own <ttl>, from the last parse */
	enum store_feed_health health;
	int64_t failing_since; /* UTC seconds; 0 while healthy */
	unsigned consecutive_failures;
	int64_t next_poll;   /* UTC seconds the last run meant to poll next; 0 unknown */
	long last_status;    /* the last fetch's HTTP status, from the database at start */
	int64_t added_at;    /* UTC seconds the feed was first listed */
	int64_t last_new_item_at; /* UTC seconds a fetch last brought a new item; 0 none yet */
	int64_t stale_since; /* UTC seconds it was found stale (see stale_since_after()); 0 not */
	int64_t last_body_at; /* UTC seconds of the last 200 with a body (see poll_feed()) */
	struct schedule_entry *timer;
	bool in_flight;
	bool removed;
	char *last_error; /* logged once; logged again only when it changes */
};

/*
 * A dictionary set and the coders that read it: one for the loop, and idle ones that the
 * thread pool's jobs borrow (a coder is one thread's scratch state; the dictionary is
 * read only). A reload installs a new set; the old one goes when the last job that
 * borrowed from it has been stored.
 */
struct coding_set {
	struct dict *dict;
	struct coder *coder; /* the loop's */
	uv_mutex_t lock;     /* guards idle: pool threads take and return coders */
	struct coder **idle;
	size_t idle_count;
	size_t idle_cap;
	unsigned refs;       /* the app's and one per job; changed on the loop thread only */
};

struct app {
	uv_loop_t loop;
	const struct app_options *options;
	struct config *config;
	struct store *store;
	struct coding_set *coding;
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
	/* The daemon's own counters, for --once's summary and the benchmark: time spent on
	 * the loop handling responses, split by stage; the rest of the wall time is fetching. */
	double cycle_start;
	double busy_seconds;
	double parse_seconds; /* on the loop and in the pool */
	double code_seconds;
	double loop_parse_code_seconds; /* the part of busy_seconds that was parse and code */
	double last_response_at;        /* since cycle_start: when the last transfer ended */
	double busy_at_last_response;   /* busy_seconds then */
	/* The loop idle with no transfer in flight while the pool still parses: time the
	 * fetcher waits for the parser (responses held count against `concurrency`), a part
	 * of fetch time. Between the loop's prepare and check phases it polls for events and
	 * runs their callbacks (the stores among them), so the wait is libuv's own count of
	 * the time spent blocked in the poll (UV_METRICS_IDLE_TIME). */
	uv_prepare_t idle_begin;
	uv_check_t idle_end;
	uint64_t idle_ns_before; /* uv_metrics_idle_time() at the prepare phase */
	bool idle_for_pool;
	double pool_wait_seconds;
	double pool_wait_at_last_response;
	size_t jobs; /* responses being parsed and coded in the pool */
	/* The open batch: the feeds whose fetches it stored, and the timer that commits it. */
	uv_timer_t commit_timer;
	uv_timer_t status_timer; /* a STATUS= update is due (see status_soon()) */
	bool notify_active;      /* NOTIFY_SOCKET is set: systemd reads our status */
	struct app_feed **batch;
	size_t batch_count;
	size_t batch_cap;
};

static void stop(struct app *app);
static void finish_stop(uv_timer_t *timer);

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

static double monotonic_seconds(void)
{
	return (double)uv_hrtime() / 1e9;
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

static void count_feeds(const struct app *app, size_t *ret_failing, size_t *ret_stale)
{
	size_t failing = 0, stale = 0;
	for (size_t i = 0; i < app->feed_count; i++) {
		if (app->feeds[i]->last_error)
			failing++;
		if (app->feeds[i]->stale_since)
			stale++;
	}
	*ret_failing = failing;
	*ret_stale = stale;
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
	size_t failing, stale;
	count_feeds(app, &failing, &stale);
	notify_send("STATUS=%zu feeds (%zu failing, %zu stale), last fetch %s, %llu events stored "
		    "since start",
		app->feed_count, failing, stale, when, (unsigned long long)app->events_stored);
}

static void on_status_due(uv_timer_t *timer)
{
	send_status(timer->data);
}

/* The status after a fetch, at most once a second: counting the feeds for it on every
 * fetch was a walk over all of them per fetch (10,000 x 10,000 a cycle). */
static void status_soon(struct app *app)
{
	if (app->notify_active && !uv_is_active((uv_handle_t *)&app->status_timer))
		uv_timer_start(&app->status_timer, on_status_due, STATUS_EVERY_MS, 0);
}

/* "90s", "15m", "2h30m", "3d": for log lines a person reads. */
static const char *format_duration(uint64_t seconds, char *out, size_t size)
{
	if (seconds < 120)
		snprintf(out, size, "%llus", (unsigned long long)seconds);
	else if (seconds < 2 * 3600)
		snprintf(out, size, "%llum", (unsigned long long)(seconds / 60));
	else if (seconds < 2 * 86400)
		snprintf(out, size, "%lluh%02llum", (unsigned long long)(seconds / 3600),
			(unsigned long long)(seconds % 3600 / 60));
	else
		snprintf(out, size, "%llud", (unsigned long long)(seconds / 86400));
	return out;
}

static const char *format_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
	return out;
}

/* "x3:<hash>:<length>", as the feeds table stores it: XXH3 over the body, run on the loop
 * for every 200; a collision only delays one feed's update until its body changes again.
 * Hashes stored by earlier builds begin "m64:" (MurmurHash64A): they match no new one, so
 * each feed's next body is parsed once; its items, known by their keys, are not stored
 * again. */
#define BODY_HASH_SIZE 40
#define BODY_HASH_SEED 0x8445d61a4e774912ULL
static void body_hash_text(const struct fetch_response *res, char out[BODY_HASH_SIZE])
{
	snprintf(out, BODY_HASH_SIZE, "x3:%016llx:%zu",
		(unsigned long long)hash_bulk(res->body, res->body_len, BODY_HASH_SEED),
		res->body_len);
}

/* --- dictionaries --- */

/* The set over a dictionary dictset_load() returned `r` for, its problems logged. */
static int coding_set_of(int r, struct dict *dict, struct buf *errors,
	struct coding_set **ret_set)
{
	if (errors->len) {
		/* Entry-level problems are worth seeing, not worth stopping for; the full list
		 * is one `geotrackd dict check` away. */
		size_t shown = 0;
		const char *line = errors->data;
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
	buf_free(errors);
	if (r < 0)
		return r;
	struct coding_set *set = xcalloc(1, sizeof(*set));
	set->dict = dict;
	set->coder = coder_new(dict);
	uv_mutex_init(&set->lock);
	set->refs = 1;
	*ret_set = set;
	return 0;
}

/* Loads the config's dictionary set; logs what it skipped. */
static int coding_set_load(const struct config *config, struct coding_set **ret_set)
{
	struct buf errors = {0};
	struct dict *dict = NULL;
	int r = dictset_load(config, &dict, &errors);
	return coding_set_of(r, dict, &errors, ret_set);
}

/*
 * At start the dictionaries are read on a thread of their own while the database opens
 * and the feed list is registered (reading them is about 20 ms, a tenth of a --once cycle
 * at 1,000 feeds that changed); the loop joins it before the first poll. The thread only
 * reads the config and the files: what it found is logged after the join.
 */
struct dict_loader {
	uv_thread_t thread;
	bool started;
	const struct config *config;
	struct dict *dict;
	struct buf errors;
	int result;
};

static void load_dictionaries(void *arg)
{
	struct dict_loader *loader = arg;
	loader->result = dictset_load(loader->config, &loader->dict, &loader->errors);
}

static void dict_loader_start(struct dict_loader *loader, const struct config *config)
{
	memset(loader, 0, sizeof(*loader));
	loader->config = config;
	loader->started = uv_thread_create(&loader->thread, load_dictionaries, loader) == 0;
}

/* Waits for the dictionaries (reads them here if the thread could not start) and makes
 * the coding set of them; with ret_set NULL, only waits and frees them. */
static int dict_loader_finish(struct dict_loader *loader, struct coding_set **ret_set)
{
	if (loader->started)
		uv_thread_join(&loader->thread);
	else
		load_dictionaries(loader);
	if (!ret_set) {
		dict_free(loader->dict);
		buf_free(&loader->errors);
		return 0;
	}
	return coding_set_of(loader->result, loader->dict, &loader->errors, ret_set);
}

static void coding_set_release(struct coding_set *set)
{
	if (!set || --set->refs > 0)
		return;
	for (size_t i = 0; i < set->idle_count; i++)
		coder_free(set->idle[i]);
	free(set->idle);
	uv_mutex_destroy(&set->lock);
	coder_free(set->coder);
	dict_free(set->dict);
	free(set);
}

/* From a pool thread: an idle coder of the set, or a new one. */
static struct coder *coding_set_borrow(struct coding_set *set)
{
	struct coder *coder = NULL;
	uv_mutex_lock(&set->lock);
	if (set->idle_count)
		coder = set->idle[--set->idle_count];
	uv_mutex_unlock(&set->lock);
	return coder ? coder : coder_new(set->dict);
}

static void coding_set_return(struct coding_set *set, struct coder *coder)
{
	uv_mutex_lock(&set->lock);
	set->idle = xgrow(set->idle, &set->idle_cap, set->idle_count + 1, sizeof(*set->idle));
	set->idle[set->idle_count++] = coder;
	uv_mutex_unlock(&set->lock);
}



/* --- feeds --- */

static unsigned feed_interval_s(const struct app_feed *feed)
{
	return feed->interval_s ? feed->interval_s : feed->app->config->interval_s;
}

static uint64_t feed_interval_ms(const struct app_feed *feed)
{
	return (uint64_t)feed_interval_s(feed) * 1000;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void feed_free(struct app_feed *feed)
{
	if (!feed)
		return;
	schedule_entry_close(feed->timer);
	free(feed->url);
	free(feed->fetch_url);
	free(feed->title);
	free(feed->user_agent);
	free(feed->etag);
	free(feed->last_modified);
	free(feed->body_hash);
	free(feed->known_keys);
	free(feed->spans);
	free(feed->last_error);
	free(feed);
}

static void replace(char **slot, const char *value)
{
	if (!value)
		return;
	free(*slot);
	*slot = xstrdup(value);
}

/* How a response ended, for the caller's bookkeeping and --once's exit status. */
enum outcome {
	OUTCOME_FETCHED,  /* stored, or unchanged */
	OUTCOME_FAILED,
	OUTCOME_DEFERRED, /* not attempted: the host asked to wait */
	OUTCOME_GONE,     /* 410: stopped for good */
};

/* Seconds until the next poll after a success: the interval, stretched by the feed's
 * <ttl> (ttl_s) or the response's freshness (a feed asking to be polled less often is
 * obeyed up to max_ttl, never polled more often than its interval). */
static uint64_t next_after_success(const struct app_feed *feed, unsigned ttl_s,
	const struct fetch_response *res)
{
	const struct config *config = feed->app->config;
	uint64_t interval = feed_interval_s(feed);
	uint64_t hint = ttl_s;
	if (res->fresh_for_s > 0)
		hint = max_u64(hint, (uint64_t)res->fresh_for_s);
	return max_u64(interval, min_u64(hint, config->max_ttl_s));
}

/* Seconds until the next try after a failure: the interval doubled per consecutive
 * failure up to max_backoff (never below the interval itself), dead_interval for a dead
 * feed, and never sooner than the server's Retry-After. */
static uint64_t next_after_failure(const struct app_feed *feed, const struct fetch_response *res)
{
	const struct config *config = feed->app->config;
	uint64_t interval = feed_interval_s(feed);
	uint64_t delay;
	if (feed->health == STORE_FEED_DEAD) {
		delay = max_u64(config->dead_interval_s, interval);
	} else {
		unsigned doublings = feed->consecutive_failures > 0 ? feed->consecutive_failures - 1 : 0;
		uint64_t cap = max_u64(config->max_backoff_s, interval);
		delay = doublings >= 32 ? cap : min_u64(interval << doublings, cap);
	}
	if (res && res->retry_after_s > 0)
		delay = max_u64(delay, (uint64_t)res->retry_after_s);
	return delay;
}

/* The delay with its jitter drawn once, so the deadline recorded is the one armed. */
static uint64_t jittered_ms(uint64_t delay_s)
{
	return schedule_jitter(delay_s * 1000, SCHEDULE_JITTER_PERCENT);
}

/* UTC seconds `delay_ms` after `now`, rounded up. */
static int64_t deadline(int64_t now, uint64_t delay_ms)
{
	return now + (int64_t)((delay_ms + 999) / 1000);
}

/* Writes a feed's fetch state and the fetch_log row (none when entry->url is NULL: no
 * request was made). Inside the caller's transaction. Returns 0 or -errno. */
static int write_fetch_records(struct app *app, int64_t feed_id,
	const struct store_feed_fetch_state *state, const struct store_fetch_log_entry *entry)
{
	int r = store_feed_fetch_state_set(app->store, feed_id, state);
	if (r == 0 && entry->url)
		r = store_fetch_log_add(app->store, entry, app->config->fetch_log_rows);
	return r;
}

static struct store_feed_fetch_state fetch_state_of(const struct app_feed *feed, int64_t next_poll)
{
	struct store_feed_fetch_state state = {
		.health = feed->health,
		.fetch_url = strcmp(feed->fetch_url, feed->url) != 0 ? feed->fetch_url : NULL,
		.body_hash = feed->body_hash,
		.failing_since = feed->failing_since,
		.next_poll = next_poll,
		.last_new_item_at = feed->last_new_item_at,
		.stale_since = feed->stale_since,
		.last_body_at = feed->last_body_at,
	};
	return state;
}

/* Records a fetch that stored no document, in one transaction: the failure on the feed's
 * row when `record_failure` says ingest has not recorded it already, the feed's fetch
 * state, the fetch_log row. Logs database errors. */
static void record_fetch(struct app_feed *feed, const struct store_fetch_log_entry *entry,
	int64_t next_poll, bool record_failure)
{
	struct app *app = feed->app;
	struct store_feed_fetch_state state = fetch_state_of(feed, next_poll);
	int r = store_begin(app->store);
	if (r == 0 && record_failure)
		r = ingest_record_failure(app->store, feed->id, entry->time, entry->http_status,
			entry->error);
	if (r == 0)
		r = write_fetch_records(app, feed->id, &state, entry);
	if (r == 0)
		r = store_commit(app->store);
	if (r < 0) {
		log_err("database: %s", store_errmsg(app->store));
		store_rollback(app->store);
	}
}

/* What a successful fetch will make of the feed, worked out inside ingest's transaction
 * (the new <ttl> is known only after the parse) and applied to the feed after the commit. */
struct success_plan {
	struct app_feed *feed;
	const struct fetch_response *res;
	struct store_fetch_log_entry *entry;
	const char *body_hash; /* the new body's hash; NULL when nothing was parsed */
	int64_t now;
	unsigned ttl_s;
	uint64_t delay_ms;
	int64_t last_new_item_at;
	int64_t stale_since;
};

static unsigned feed_stale_after_s(const struct app_feed *feed)
{
	return feed->has_stale_after ? feed->stale_after_s : feed->app->config->stale_after_s;
}

/* Since when the feed has brought nothing new: its last new item, else its listing. */
static int64_t quiet_since(const struct app_feed *feed)
{
	return feed->last_new_item_at ? feed->last_new_item_at : feed->added_at;
}

/*
 * A feed can answer 200 or 304 for months after its publisher stopped updating it or
 * moved it without a redirect: no fetch fails, so nothing else would say so. After a
 * successful fetch, a feed that has brought no new item for stale_after is stale from
 * now; one that already was stays so from then; a new item ends it. Returns the feed's
 * stale_since after this fetch.
 */
static int64_t stale_since_after(const struct app_feed *feed, bool new_items, int64_t now)
{
	unsigned stale_after_s = feed_stale_after_s(feed);
	if (new_items || stale_after_s == 0)
		return 0;
	if (feed->stale_since)
		return feed->stale_since;
	return now - quiet_since(feed) >= (int64_t)stale_after_s ? now : 0;
}

static int write_success(struct store *store, const struct ingest_stats *stats, void *ctx)
{
	struct success_plan *plan = ctx;
	struct app_feed *feed = plan->feed;
	(void)store;
	plan->ttl_s = plan->body_hash ? stats->ttl_minutes * 60 : feed->ttl_s;
	plan->delay_ms = jittered_ms(next_after_success(feed, plan->ttl_s, plan->res));
	/* New items of this feed, their articles stored from it or from another feed. */
	size_t new_items = stats->new_articles + stats->elsewhere;
	plan->entry->items_new = new_items;
	struct store_feed_fetch_state state = fetch_state_of(feed, deadline(plan->now,
		plan->delay_ms));
	state.health = STORE_FEED_ACTIVE;
	state.failing_since = 0;
	plan->last_new_item_at = new_items ? plan->now : feed->last_new_item_at;
	plan->stale_since = stale_since_after(feed, new_items > 0, plan->now);
	state.last_new_item_at = plan->last_new_item_at;
	state.stale_since = plan->stale_since;
	if (plan->res->http_status == 200)
		state.last_body_at = plan->now;
	if (plan->res->permanent_url)
		state.fetch_url = strcmp(plan->res->permanent_url, feed->url) != 0 ?
			(char *)plan->res->permanent_url : NULL;
	if (plan->body_hash)
		state.body_hash = (char *)plan->body_hash;
	if (stats->keys) {
		state.item_keys = stats->keys;
		state.item_key_count = stats->key_count;
		state.item_spans = (uint64_t *)stats->spans;
		state.item_span_count = stats->span_count;
	}
	return write_fetch_records(feed->app, feed->id, &state, plan->entry);
}

/* A failed fetch: counted, logged once per distinct reason, maybe the end of a feed's
 * life as an active feed. Returns the delay before the next try, in seconds. */
static uint64_t feed_failed(struct app_feed *feed, const struct fetch_response *res,
	const char *reason, int64_t now)
{
	struct app *app = feed->app;
	char url[200], why[300], when[40], span[32];
	log_url(feed->url, url, sizeof(url));
	log_quote(reason, why, sizeof(why));
	app->fetches_failed++;
	feed->consecutive_failures++;
	if (feed->failing_since == 0)
		feed->failing_since = now;
	bool changed = !feed->last_error || strcmp(feed->last_error, reason) != 0;
	free(feed->last_error);
	feed->last_error = xstrdup(reason);

	if (feed->health == STORE_FEED_ACTIVE &&
		now - feed->failing_since >= (int64_t)app->config->dead_after_s) {
		feed->health = STORE_FEED_DEAD;
		log_warn("%s: failing since %s (%s): marked dead, tried every %s from now on", url,
			format_time(feed->failing_since, when, sizeof(when)), why,
			format_duration(max_u64(app->config->dead_interval_s, feed_interval_s(feed)),
				span, sizeof(span)));
		changed = false;
	}
	uint64_t delay = next_after_failure(feed, res);
	if (app->options->once)
		log_err("%s: %s", url, why);
	else if (changed)
		log_warn("%s: %s (retrying in %s)", url, why, format_duration(delay, span, sizeof(span)));
	return delay;
}

/* Logs a feed becoming stale, or no longer, as the fetch just stored decided. */
static void note_staleness(struct app_feed *feed, const struct success_plan *plan,
	const char *url)
{
	char when[40], span[32];
	if (plan->stale_since && !feed->stale_since) {
		log_warn("%s: stale: it answers, but has brought nothing new since %s (stale_after "
			 "%s); the feed may have stopped or moved (see the site)", url,
			format_time(quiet_since(feed), when, sizeof(when)),
			format_duration(feed_stale_after_s(feed), span, sizeof(span)));
	} else if (!plan->stale_since && feed->stale_since) {
		bool new_items = plan->last_new_item_at != feed->last_new_item_at;
		log_notice("%s: no longer stale: %s", url,
			new_items ? "new items again" : "stale_after is now 0");
	}
	feed->stale_since = plan->stale_since;
	feed->last_new_item_at = plan->last_new_item_at;
}

/*
 * Calls pair(later, first, ctx) for each of n URLs (url_of(i, ctx)) that fetch_twin_key()
 * reads as the same feed as an earlier one, `first` the earliest: one index of keys, so a
 * list of 10,000 feeds is checked in one pass.
 */
typedef const char *twin_url_fn(size_t i, const void *ctx);
typedef void twin_pair_fn(size_t later, size_t first, const void *ctx);

static void each_twin(size_t n, twin_url_fn *url_of, twin_pair_fn *pair, const void *ctx)
{
	struct strmap index = {0};
	char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	for (size_t i = 0; i < n; i++) {
		keys[i] = fetch_twin_key(url_of(i, ctx));
		if (!keys[i])
			continue;
		size_t first = strmap_get(&index, keys[i]);
		if (first == STRMAP_NONE)
			strmap_put(&index, keys[i], i);
		else
			pair(i, first, ctx);
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	strmap_free(&index);
}

static const char *polled_url(size_t i, const void *ctx)
{
	const struct app *app = ctx;
	return app->feeds[i]->fetch_url;
}

static bool moved(const struct app_feed *feed)
{
	return strcmp(feed->fetch_url, feed->url) != 0;
}

static void warn_moved_twin(size_t later, size_t first, const void *ctx)
{
	const struct app *app = ctx;
	const struct app_feed *feed = app->feeds[later], *other = app->feeds[first];
	if (!moved(feed) && !moved(other))
		return; /* the list's own twins: app_warn_feed_list() */
	const struct app_feed *mover = moved(feed) ? feed : other;
	const struct app_feed *twin = moved(feed) ? other : feed;
	char url[200], to[200], twin_url[200];
	log_warn("%s: polled at %s since a permanent redirect, where %s is polled too: one feed "
		 "listed twice? Both are polled", log_url(mover->url, url, sizeof(url)),
		log_url(mover->fetch_url, to, sizeof(to)),
		log_url(twin->url, twin_url, sizeof(twin_url)));
}

/*
 * A feed that a permanent redirect moved to where another listed feed is polled:
 * warn_if_twin() says so when the move is followed, but the move is stored and the log
 * line is not, so it is said again at each start and reload. Costs nothing unless some
 * feed has moved.
 */
static void warn_moved_twins(const struct app *app)
{
	bool any = false;
	for (size_t i = 0; i < app->feed_count && !any; i++)
		any = moved(app->feeds[i]);
	if (any)
		each_twin(app->feed_count, polled_url, warn_moved_twin, app);
}

/* A feed just moved, its app, and whether a twin of it was named (the first only). */
struct move {
	const struct app *app;
	const struct app_feed *feed;
	bool *named;
};

static const char *move_polled_url(size_t i, const void *ctx)
{
	const struct move *move = ctx;
	return polled_url(i, move->app);
}

static void warn_new_twin(size_t later, size_t first, const void *ctx)
{
	const struct move *move = ctx;
	const struct app_feed *a = move->app->feeds[later], *b = move->app->feeds[first];
	if ((a != move->feed && b != move->feed) || *move->named)
		return;
	*move->named = true;
	const struct app_feed *other = a == move->feed ? b : a;
	char url[200], other_url[200];
	log_warn("%s: now polled where %s is: one feed listed twice? Both are polled",
		log_url(move->feed->url, url, sizeof(url)),
		log_url(other->url, other_url, sizeof(other_url)));
}

/*
 * A permanent redirect can lead a feed to where another feed of the list is polled (a site
 * that merged two feeds, or one listed under its old and new address): both are then
 * polled for one document. Said when the redirect is first followed (warn_moved_twins()
 * says it again at each start and reload).
 */
static void warn_if_twin(const struct app_feed *feed)
{
	bool named = false;
	struct move move = {feed->app, feed, &named};
	each_twin(feed->app->feed_count, move_polled_url, warn_new_twin, &move);
}

static void feed_succeeded(struct app_feed *feed, const struct fetch_response *res,
	const struct ingest_stats *stats, const struct success_plan *plan, bool unchanged)
{
	struct app *app = feed->app;
	char url[200];
	log_url(feed->url, url, sizeof(url));
	note_staleness(feed, plan, url);
	app->fetches_ok++;
	app->events_stored += stats->events;
	if (feed->health == STORE_FEED_DEAD)
		log_notice("%s: fetched again: no longer dead", url);
	else if (feed->last_error && !app->options->once)
		log_notice("%s: fetched again after failing", url);
	feed->health = STORE_FEED_ACTIVE;
	feed->failing_since = 0;
	feed->consecutive_failures = 0;
	free(feed->last_error);
	feed->last_error = NULL;
	if (res->permanent_url && strcmp(res->permanent_url, feed->fetch_url) != 0) {
		char to[200];
		log_notice("%s: moved permanently to %s; polling the new URL from now on (update "
			   "the feed list)", url, log_url(res->permanent_url, to, sizeof(to)));
		replace(&feed->fetch_url, res->permanent_url);
		warn_if_twin(feed);
	}
	char elsewhere[128] = "";
	if (stats->elsewhere)
		snprintf(elsewhere, sizeof(elsewhere), "; %zu more new items link to articles "
			 "stored from another feed: not stored again", stats->elsewhere);
	if (res->http_status == 304)
		log_debug("%s: not modified", url);
	else if (unchanged)
		log_debug("%s: same body as last time", url);
	else
		log_info("%s: %zu items, %zu new, %zu events%s", url, stats->items,
			stats->new_articles, stats->events, elsewhere);
	/* Worth a notice: the feed's ids are not stable, which a user may want to know. */
	if (stats->renamed)
		log_notice("%s: %zu items came back under new ids (same link, title, text and "
			   "date): not stored again", url, stats->renamed);
}

/* --- batches: the fetches of a busy moment share one commit --- */

/*
 * A batch that never reached the disk (a full disk, an I/O error): its fetches count as
 * failed. What the loop kept of them goes too (the keys of the items stored, the body's
 * hash, the validators), so the next poll of each feed fetches and stores its whole
 * document again and nothing is lost while the items are still in the feed.
 */
static void batch_lost(struct app *app, const char *reason)
{
	bool one = app->batch_count == 1;
	if (app->batch_count)
		log_err("%s: the last %zu fetch%s not stored; %s", reason, app->batch_count,
			one ? " was" : "es were", app->options->once ?
			(one ? "the next run fetches it again" : "the next run fetches them again") :
			(one ? "that feed is polled again" : "those feeds are polled again"));
	int64_t now = now_seconds();
	for (size_t i = 0; i < app->batch_count; i++) {
		struct app_feed *feed = app->batch[i];
		free(feed->known_keys);
		feed->known_keys = NULL;
		feed->known_key_count = 0;
		free(feed->spans);
		feed->spans = NULL;
		feed->span_count = 0;
		free(feed->body_hash);
		free(feed->etag);
		free(feed->last_modified);
		feed->body_hash = feed->etag = feed->last_modified = NULL;
		app->fetches_ok--;
		/* The line above said it for all of them: the daemon logs no line per feed
		 * (--once still names each failed feed, as it always does). */
		if (!app->options->once)
			replace(&feed->last_error, reason);
		uint64_t delay_ms = jittered_ms(feed_failed(feed, NULL, reason, now));
		if (app->options->once)
			app->once_failed++;
		else if (feed->timer && !feed->in_flight)
			schedule_arm(feed->timer, delay_ms, 0);
	}
	app->batch_count = 0;
}

static void batch_commit(struct app *app)
{
	uv_timer_stop(&app->commit_timer);
	if (store_batch_active(app->store) && store_batch_commit(app->store) < 0) {
		char reason[400];
		snprintf(reason, sizeof(reason), "database: %s", store_errmsg(app->store));
		store_batch_rollback(app->store);
		batch_lost(app, reason);
	}
	app->batch_count = 0;
}

static void on_commit_due(uv_timer_t *timer)
{
	struct app *app = timer->data;
	double start = monotonic_seconds();
	batch_commit(app);
	app->busy_seconds += monotonic_seconds() - start;
}

/* Opens a batch for the fetch about to be stored, unless one is open. Without one (the
 * loop is closing, or BEGIN failed and the fetch's own will say why) each fetch is its
 * own transaction. */
static void batch_join(struct app *app)
{
	if (app->closed || store_batch_active(app->store))
		return;
	if (store_batch_begin(app->store) == 0)
		uv_timer_start(&app->commit_timer, on_commit_due, BATCH_MS, 0);
}

/* After a fetch was stored: a feed whose fetch succeeded is in the batch now (undone
 * with it if it is lost); a full batch is committed. */
static void batch_add(struct app *app, struct app_feed *feed, enum outcome outcome)
{
	if (!store_batch_active(app->store)) {
		/* SQLite rolled the batch back while this fetch was stored: it failed, and
		 * said why (its last error); the ones before it are lost with it. */
		batch_lost(app, feed->last_error ? feed->last_error : "database: rolled back");
		return;
	}
	if (outcome == OUTCOME_FETCHED) {
		app->batch = xgrow(app->batch, &app->batch_cap, app->batch_count + 1,
			sizeof(*app->batch));
		app->batch[app->batch_count++] = feed;
	}
	if (app->batch_count >= BATCH_FEEDS)
		batch_commit(app);
}

struct in_flight_request {
	struct app_feed *feed;
	char *url; /* as requested: the feed's URL may move while the transfer runs */
	bool conditional; /* sent with the feed's validators: a 304 is an answer */
	char body_hash[BODY_HASH_SIZE]; /* of a 200's body, hashed once on arrival; else "" */
};

/* Decides what a response means for the feed, stores it, logs it once, and returns the
 * outcome with the delay before the next poll, jitter included, in *ret_delay_ms. */
static enum outcome handle_response(struct app_feed *feed, const struct fetch_response *res,
	const struct in_flight_request *request, const struct ingest_prepared *prepared,
	uint64_t *ret_delay_ms)
{
	struct app *app = feed->app;
	int64_t now = now_seconds();
	char reason[400];
	char url[200];
	log_url(feed->url, url, sizeof(url));
	struct store_fetch_log_entry entry = {
		.feed_id = feed->id,
		.time = now,
		.url = request->url,
		.http_status = res->http_status,
		.result = "failed",
		.bytes = res->body_len,
		.wire_bytes = res->wire_bytes,
		.duration_ms = (unsigned)(res->seconds * 1000),
	};

	if (res->error == FETCH_ERR_HOST_PAUSED) {
		/* Nothing was asked of the server: no failure, no log row, just a later slot. */
		uint64_t wait_s = res->retry_after_s > 0 ? (uint64_t)res->retry_after_s : 1;
		*ret_delay_ms = jittered_ms(wait_s);
		char span[32];
		format_duration(wait_s, span, sizeof(span));
		if (app->options->once)
			log_err("%s: not polled: its host asked to wait %s (Retry-After)", url, span);
		else
			log_debug("%s: its host asked to wait %s (Retry-After)", url, span);
		entry.url = NULL;
		record_fetch(feed, &entry, deadline(now, *ret_delay_ms), false);
		return OUTCOME_DEFERRED;
	}
	app->last_fetch_time = now;

	const char *challenge = NULL;
	if (!res->error && res->http_status != 304)
		challenge = challenge_detect(res->content_type, res->cf_mitigated, res->body,
			res->body_len);
	if (res->error) {
		snprintf(reason, sizeof(reason), "%s", res->error_text);
	} else if (challenge) {
		snprintf(reason, sizeof(reason), "an HTML bot-challenge page (%s) instead of the feed, "
			"HTTP status %ld: the site blocks automated clients", challenge, res->http_status);
	} else if (res->http_status == 410) {
		snprintf(reason, sizeof(reason), "HTTP status 410 Gone: the feed was removed; not "
			"polled any more");
		app->fetches_failed++;
		feed->health = STORE_FEED_GONE;
		free(feed->last_error);
		feed->last_error = xstrdup(reason);
		log_warn("%s: 410 Gone: not polled any more; remove it from the feed list", url);
		entry.error = reason;
		record_fetch(feed, &entry, 0, true);
		*ret_delay_ms = 0;
		return OUTCOME_GONE;
	} else if (res->http_status == 304 && !request->conditional) {
		snprintf(reason, sizeof(reason), "HTTP status 304 (Not Modified) to a request "
			"without If-None-Match or If-Modified-Since: the server's caching is broken");
	} else if (res->http_status != 200 && res->http_status != 304) {
		snprintf(reason, sizeof(reason), "HTTP status %ld", res->http_status);
	} else {
		reason[0] = '\0';
	}
	if (reason[0]) {
		*ret_delay_ms = jittered_ms(feed_failed(feed, res, reason, now));
		entry.error = reason;
		record_fetch(feed, &entry, deadline(now, *ret_delay_ms), true);
		return OUTCOME_FAILED;
	}

	bool unchanged = res->http_status == 200 && feed->body_hash &&
		strcmp(feed->body_hash, request->body_hash) == 0;
	entry.result = res->http_status == 304 ? "not-modified" : unchanged ? "unchanged" : "parsed";
	struct success_plan plan = {
		.feed = feed,
		.res = res,
		.entry = &entry,
		.body_hash = res->http_status == 200 && !unchanged ? request->body_hash : NULL,
		.now = now,
	};
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
		.unchanged = unchanged,
		.known_keys = feed->known_keys,
		.known_key_count = feed->known_key_count,
		.spans = feed->spans,
		.span_count = feed->span_count,
		.before_commit = write_success,
		.before_commit_ctx = &plan,
		.prepared = prepared,
	};
	struct ingest_stats stats = {0};
	char *error = NULL;
	int r = ingest_fetch(app->store, app->coding->coder, &in, &stats, &error);
	app->parse_seconds += stats.parse_seconds;
	app->code_seconds += stats.code_seconds;
	if (!prepared)
		app->loop_parse_code_seconds += stats.parse_seconds + stats.code_seconds;
	if (r < 0) {
		/* ingest recorded the failure on the feed's row when it could. */
		snprintf(reason, sizeof(reason), "%s", error);
		free(error);
		entry.result = "failed";
		entry.items_new = 0;
		*ret_delay_ms = jittered_ms(feed_failed(feed, res, reason, now));
		entry.error = reason;
		record_fetch(feed, &entry, deadline(now, *ret_delay_ms), false);
		return OUTCOME_FAILED;
	}
	/* Committed: the feed in memory becomes what write_success() stored. */
	if (stats.keys) {
		free(feed->known_keys);
		feed->known_keys = stats.keys;
		feed->known_key_count = stats.key_count;
		free(feed->spans);
		feed->spans = stats.spans;
		feed->span_count = stats.span_count;
	}
	if (res->http_status == 200) {
		feed->last_body_at = now;
		replace(&feed->etag, res->etag);
		replace(&feed->last_modified, res->last_modified);
		if (plan.body_hash)
			replace(&feed->body_hash, plan.body_hash);
	}
	feed->ttl_s = plan.ttl_s;
	feed_succeeded(feed, res, &stats, &plan, unchanged);
	*ret_delay_ms = plan.delay_ms;
	return OUTCOME_FETCHED;
}

static void on_fetched(const struct fetch_response *res, void *ctx);

static void poll_feed(struct app_feed *feed)
{
	struct in_flight_request *request = xcalloc(1, sizeof(*request));
	request->feed = feed;
	request->url = xstrdup(feed->fetch_url);
	/* A server whose ETag or Last-Modified does not change with the feed would answer 304
	 * for ever: refresh_after past the last full response, the feed is asked without
	 * them (the body hash still spares the parse of a body that did not change). */
	unsigned refresh_after_s = feed->app->config->refresh_after_s;
	bool refresh = refresh_after_s &&
		now_seconds() - feed->last_body_at >= (int64_t)refresh_after_s;
	request->conditional = !refresh && (feed->etag || feed->last_modified);
	struct fetch_request req = {
		.url = feed->fetch_url,
		.etag = refresh ? NULL : feed->etag,
		.last_modified = refresh ? NULL : feed->last_modified,
		.user_agent = feed->user_agent,
	};
	int r = fetch_submit(feed->app->fetch, &req, on_fetched, request);
	if (r < 0) {
		free(request->url);
		free(request);
		char url[200];
		log_err("%s: %s", log_url(feed->url, url, sizeof(url)), strerror(-r));
		if (feed->app->options->once) {
			feed->app->once_failed++;
			if (--feed->app->once_remaining == 0)
				stop(feed->app);
		}
		return;
	}
	feed->in_flight = true;
}

/* The rest of a fetch, on the loop: the response is stored (with the document `prepared`
 * in the pool, or parsed and coded here when NULL), the feed rescheduled. */
static void finish_fetch(struct in_flight_request *request, const struct fetch_response *res,
	const struct ingest_prepared *prepared)
{
	struct app_feed *feed = request->feed;
	struct app *app = feed->app;
	feed->in_flight = false;
	if (feed->removed) {
		free(request->url);
		free(request);
		feed_free(feed);
		return;
	}
	enum outcome outcome = OUTCOME_FAILED;
	uint64_t delay_ms = 0;
	if (res->error != FETCH_ERR_CANCELLED) {
		double start = monotonic_seconds();
		batch_join(app);
		outcome = handle_response(feed, res, request, prepared, &delay_ms);
		batch_add(app, feed, outcome);
		app->busy_seconds += monotonic_seconds() - start;
	}
	free(request->url);
	free(request);

	if (app->options->once) {
		if (outcome != OUTCOME_FETCHED)
			app->once_failed++;
		if (--app->once_remaining == 0)
			stop(app);
		return;
	}
	if (app->stopping) {
		if (!app->closed && fetch_pending(app->fetch) == 0 && app->jobs == 0)
			uv_timer_start(&app->stop_timer, finish_stop, 0, 0);
		return;
	}
	if (outcome != OUTCOME_GONE && feed->timer)
		schedule_arm(feed->timer, delay_ms, 0);
	status_soon(app);
}

/*
 * A response whose body is parsed and coded in libuv's thread pool, so the loop goes on
 * fetching and storing meanwhile (on two cores the parse and the coder no longer wait for
 * the store, nor the store for them). The job owns copies of what the response said; the
 * fetcher counts it as a transfer still running, which bounds the bodies held.
 */
struct prepare_job {
	uv_work_t work;
	struct app *app;
	struct in_flight_request *request;
	struct fetch_response res;
	struct ingest_input in;      /* what ingest_prepare() reads */
	struct coding_set *coding;   /* borrowed: the set may be replaced by a reload meanwhile */
	struct ingest_prepared *prepared;
};

static char *copy_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void prepare_job_free(struct prepare_job *job)
{
	free((char *)job->res.error_text);
	free((char *)job->res.body);
	free((char *)job->res.content_type);
	free((char *)job->res.etag);
	free((char *)job->res.last_modified);
	free((char *)job->res.cf_mitigated);
	free((char *)job->res.effective_url);
	free((char *)job->res.permanent_url);
	ingest_prepared_free(job->prepared);
	free(job);
}

static void prepare_in_pool(uv_work_t *work)
{
	struct prepare_job *job = work->data;
	struct coder *coder = coding_set_borrow(job->coding);
	job->prepared = ingest_prepare(coder, &job->in);
	coding_set_return(job->coding, coder);
}

static void prepared_on_loop(uv_work_t *work, int status)
{
	struct prepare_job *job = work->data;
	struct app *app = job->app;
	app->jobs--;
	if (app->fetch)
		fetch_hold(app->fetch, app->jobs);
	/* status is UV_ECANCELED only if the job never ran: then the loop parses it */
	finish_fetch(job->request, &job->res, status == 0 ? job->prepared : NULL);
	coding_set_release(job->coding);
	prepare_job_free(job);
}

/* Whether a response carries a body to parse: a 200 that is not the body parsed last time. */
static bool needs_parse(const struct app_feed *feed, const struct in_flight_request *request)
{
	return request->body_hash[0] &&
		(!feed->body_hash || strcmp(feed->body_hash, request->body_hash) != 0);
}

/* Hands the response to the pool, its body taken from the fetcher (not copied). */
static void submit_prepare(struct in_flight_request *request, const struct fetch_response *res)
{
	struct app_feed *feed = request->feed;
	struct app *app = feed->app;
	struct prepare_job *job = xcalloc(1, sizeof(*job));
	job->app = app;
	job->request = request;
	job->res = *res;
	job->res.error_text = copy_or_null(res->error_text);
	job->res.body = fetch_response_take_body(res);
	job->res.content_type = copy_or_null(res->content_type);
	job->res.etag = copy_or_null(res->etag);
	job->res.last_modified = copy_or_null(res->last_modified);
	job->res.cf_mitigated = copy_or_null(res->cf_mitigated);
	job->res.effective_url = copy_or_null(res->effective_url);
	job->res.permanent_url = copy_or_null(res->permanent_url);
	job->in = (struct ingest_input){
		.feed_id = feed->id,
		.url = job->res.effective_url,
		.http_status = res->http_status,
		.body = job->res.body,
		.body_len = job->res.body_len,
		.content_type = job->res.content_type,
		.now = now_seconds(),
		/* the feed's keys stay as they are while its fetch is in flight */
		.known_keys = feed->known_keys,
		.known_key_count = feed->known_key_count,
		.spans = feed->spans,
		.span_count = feed->span_count,
	};
	job->coding = app->coding;
	job->work.data = job;
	job->coding->refs++;
	if (uv_queue_work(&app->loop, &job->work, prepare_in_pool, prepared_on_loop) != 0) {
		/* libuv refuses only a job without a work callback: the loop parses it then,
		 * from the job's copy (the body is the job's now) */
		finish_fetch(request, &job->res, NULL);
		coding_set_release(job->coding);
		prepare_job_free(job);
		return;
	}
	app->jobs++;
	fetch_hold(app->fetch, app->jobs);
}

static void on_fetched(const struct fetch_response *res, void *ctx)
{
	struct in_flight_request *request = ctx;
	struct app_feed *feed = request->feed;
	struct app *app = feed->app;
	if (app->options->once) {
		app->last_response_at = monotonic_seconds() - app->cycle_start;
		app->busy_at_last_response = app->busy_seconds;
		app->pool_wait_at_last_response = app->pool_wait_seconds;
	}
	if (!res->error && res->http_status == 200)
		body_hash_text(res, request->body_hash);
	if (!feed->removed && needs_parse(feed, request)) {
		submit_prepare(request, res);
		return;
	}
	finish_fetch(request, res, NULL);
}

static void on_feed_due(struct schedule_entry *entry, void *data)
{
	struct app_feed *feed = data;
	(void)entry;
	if (!feed->in_flight && !feed->app->stopping && feed->health != STORE_FEED_GONE)
		poll_feed(feed);
}

static struct app_feed *feed_new(struct app *app, const struct feed_conf *conf, int64_t now)
{
	struct store_feed_state state = {0};
	struct store_feed_fetch_state fetch_state = {0};
	if (store_feed_open(app->store, conf->url, conf->title, now, &state) < 0 ||
		store_feed_fetch_state_get(app->store, state.id, &fetch_state) < 0) {
		log_err("database: %s", store_errmsg(app->store));
		store_feed_state_clear(&state);
		return NULL;
	}
	struct app_feed *feed = xcalloc(1, sizeof(*feed));
	feed->app = app;
	feed->url = xstrdup(conf->url);
	feed->fetch_url = xstrdup(fetch_state.fetch_url ? fetch_state.fetch_url : conf->url);
	feed->title = conf->title ? xstrdup(conf->title) : NULL;
	feed->user_agent = conf->user_agent ? xstrdup(conf->user_agent) : NULL;
	feed->interval_s = conf->interval_s;
	feed->has_stale_after = conf->has_stale_after;
	feed->stale_after_s = conf->stale_after_s;
	feed->id = state.id;
	feed->etag = state.etag;
	feed->last_modified = state.last_modified;
	feed->body_hash = fetch_state.body_hash;
	fetch_state.body_hash = NULL;
	feed->known_keys = fetch_state.item_keys;
	feed->known_key_count = fetch_state.item_key_count;
	fetch_state.item_keys = NULL;
	/* stored as the triples of struct ingest_span, sorted by span */
	feed->spans = (struct ingest_span *)fetch_state.item_spans;
	feed->span_count = fetch_state.item_span_count;
	fetch_state.item_spans = NULL;
	feed->health = fetch_state.health;
	feed->failing_since = fetch_state.failing_since;
	/* last_error stays NULL: each process logs a failing feed's reason once itself. */
	feed->consecutive_failures = fetch_state.consecutive_failures;
	feed->next_poll = fetch_state.next_poll;
	feed->last_status = fetch_state.last_status;
	feed->added_at = fetch_state.added_at;
	feed->last_new_item_at = fetch_state.last_new_item_at;
	feed->stale_since = fetch_state.stale_since;
	/* unknown (a feed new to the database, or one migrated): counted from now */
	feed->last_body_at = fetch_state.last_body_at ? fetch_state.last_body_at : now;
	feed->timer = schedule_entry_new(&app->loop, on_feed_due, feed);
	store_feed_fetch_state_clear(&fetch_state);
	return feed;
}

/*
 * Arms a feed's first poll after start-up or after a reload added it: when the previous
 * run meant to poll it (so a restart neither forgets a Retry-After or a backoff nor
 * re-polls everything at once), but a healthy feed no later than its interval, in case
 * the interval was shortened; a feed without a plan is due at `default_ms`. A gone feed
 * stays unarmed. Returns false for a gone feed.
 */
static bool arm_first_poll(struct app_feed *feed, int64_t now, uint64_t default_ms)
{
	const struct config *config = feed->app->config;
	if (feed->health == STORE_FEED_GONE)
		return false;
	uint64_t delay_ms = default_ms;
	if (feed->next_poll > now) {
		uint64_t wait_s = (uint64_t)(feed->next_poll - now);
		uint64_t cap_s = feed_interval_s(feed);
		if (feed->failing_since != 0 || feed->health != STORE_FEED_ACTIVE)
			cap_s = max_u64(max_u64(cap_s, config->dead_interval_s),
				max_u64(config->max_backoff_s, config->max_retry_after_s));
		delay_ms = max_u64(default_ms, min_u64(wait_s, cap_s) * 1000);
	}
	schedule_arm(feed->timer, delay_ms, 0);
	return true;
}

static void feeds_add(struct app *app, struct app_feed *feed)
{
	app->feeds = xgrow(app->feeds, &app->feed_cap, app->feed_count + 1, sizeof(*app->feeds));
	app->feeds[app->feed_count++] = feed;
}

static struct fetch_options fetch_options_of(const struct config *config)
{
	struct fetch_options fo = {
		.concurrency = config->concurrency,
		.per_host = config->per_host,
		.host_spacing_ms = config->host_spacing_ms,
		.timeout_s = config->timeout_s,
		.connect_timeout_s = config->connect_timeout_s,
		.low_speed_limit = config->low_speed_limit,
		.low_speed_time_s = config->low_speed_time_s,
		.max_redirects = config->max_redirects,
		.max_body_bytes = config->max_body_bytes,
		.max_header_bytes = config->max_header_bytes,
		.max_retry_after_s = config->max_retry_after_s,
		.user_agent = config->user_agent,
		.ca_file = config->ca_file,
	};
	return fo;
}

/* --- hosts with more feeds than their interval has room for --- */

struct host_load {
	char *host;
	size_t feeds;
	unsigned shortest_interval_s;
};

/* "2s", "250ms": host_spacing as the config writes it. */
static const char *format_spacing(unsigned ms, char *out, size_t size)
{
	if (ms % 1000 == 0)
		return format_duration(ms / 1000, out, size);
	snprintf(out, size, "%ums", ms);
	return out;
}

/*
 * Requests to one host start at least host_spacing apart, so a host with more feeds than
 * fit in their interval (a list of a thousand search feeds from one news site) has them
 * polled less often than the feed list says, and nothing would tell. Logged once per
 * such host.
 */
static void warn_crowded_hosts(const struct config *config)
{
	unsigned spacing_ms = config->host_spacing_ms;
	if (spacing_ms == 0 || config->feed_count == 0)
		return;
	struct strmap index = {0};
	struct host_load *loads = xcalloc(config->feed_count, sizeof(*loads));
	size_t host_count = 0;
	for (size_t f = 0; f < config->feed_count; f++) {
		const struct feed_conf *feed = &config->feeds[f];
		char *host = fetch_host_of(feed->url);
		if (!host[0]) { /* file:// */
			free(host);
			continue;
		}
		size_t i = strmap_get(&index, host);
		if (i == STRMAP_NONE) {
			i = host_count++;
			loads[i] = (struct host_load){.host = host, .shortest_interval_s = UINT_MAX};
			strmap_put(&index, loads[i].host, i);
		} else {
			free(host);
		}
		loads[i].feeds++;
		unsigned interval_s = feed->interval_s ? feed->interval_s : config->interval_s;
		if (interval_s < loads[i].shortest_interval_s)
			loads[i].shortest_interval_s = interval_s;
	}
	for (size_t i = 0; i < host_count; i++) {
		uint64_t round_ms = (uint64_t)loads[i].feeds * spacing_ms;
		if (round_ms > (uint64_t)loads[i].shortest_interval_s * 1000) {
			char spacing[32], round[32], interval[32];
			log_warn("host %s: %zu feeds, started host_spacing (%s) apart, take %s a round, "
				 "longer than their interval (%s): each is polled about every %s, not "
				 "as often as listed",
				loads[i].host, loads[i].feeds, format_spacing(spacing_ms, spacing,
					sizeof(spacing)),
				format_duration((round_ms + 999) / 1000, round, sizeof(round)),
				format_duration(loads[i].shortest_interval_s, interval, sizeof(interval)),
				round);
		}
		free(loads[i].host);
	}
	free(loads);
	strmap_free(&index);
}

static const char *listed_url(size_t i, const void *ctx)
{
	const struct config *config = ctx;
	return config->feeds[i].url;
}

static void warn_listed_twin(size_t later, size_t first, const void *ctx)
{
	const struct config *config = ctx;
	char url[200];
	log_warn("%s line %u: the same feed as line %u (%s)? The URLs differ only in "
		 "http/https, www., the port or trailing slashes; both are polled",
		config->feeds_path, config->feeds[later].line, config->feeds[first].line,
		log_url(config->feeds[first].url, url, sizeof(url)));
}

/*
 * One feed listed twice under URLs that differ only in http and https, "www.", the port
 * or a trailing slash (feed lists merged from two readers' exports) is polled twice: the
 * server gets twice the requests, and nothing is stored twice (an article another feed
 * stored is not stored again), so nothing else would show it.
 */
static void warn_twin_feeds(const struct config *config)
{
	each_twin(config->feed_count, listed_url, warn_listed_twin, config);
}

void app_warn_feed_list(const struct config *config)
{
	warn_crowded_hosts(config);
	warn_twin_feeds(config);
}

/* --- reload --- */

/*
 * A gone feed (410) is not polled again until a user sets its health back in the
 * database, say after the site restored it: at a reload, so that `UPDATE feeds SET
 * health = 'active'` and `systemctl reload geotrackd` are enough. Returns whether it was.
 */
static bool revive_if_reset(struct app_feed *feed)
{
	struct store_feed_fetch_state state = {0};
	bool revived = store_feed_fetch_state_get(feed->app->store, feed->id, &state) == 0 &&
		state.health != STORE_FEED_GONE;
	if (revived) {
		char url[200];
		feed->health = state.health;
		feed->failing_since = state.failing_since;
		log_notice("%s: no longer gone (its health was reset in the database): polled again",
			log_url(feed->url, url, sizeof(url)));
		schedule_arm(feed->timer, 0, 0);
	}
	store_feed_fetch_state_clear(&state);
	return revived;
}

static void reload(struct app *app)
{
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
		(unsigned long long)notify_monotonic_usec());
	log_notice("SIGHUP: reloading %s", app->options->config_path);
	batch_commit(app); /* before the feed list is written, and feeds are freed */

	struct buf errors = {0};
	struct config *config = NULL;
	struct coding_set *coding = NULL;
	if (config_load(app->options->config_path, &config, &errors) < 0) {
		log_lines(LOG_LEVEL_ERR, errors.data);
		log_err("reload rejected; still running the previous configuration");
		goto done;
	}
	if (coding_set_load(config, &coding) < 0) {
		log_err("reload rejected: dictionaries unreadable; still running the previous "
			"configuration");
		config_free(config);
		goto done;
	}
	if (strcmp(config->database, app->config->database) != 0)
		log_warn("the database path changed; it takes effect at the next restart");
	if (config->coder_threads != app->config->coder_threads)
		log_warn("[coder] threads changed; it takes effect at the next restart");

	/* jobs in the pool keep the old set until they are stored */
	coding_set_release(app->coding);
	app->coding = coding;
	struct fetch_options fo = fetch_options_of(config);
	fetch_set_options(app->fetch, &fo);
	if (!app->options->verbose)
		log_set_level(config->log_level);

	/* Feeds gone from the list stop now; a transfer in flight finishes and is dropped.
	 * Old and new lists are matched by URL through maps: ten thousand feeds compared
	 * pair by pair kept the loop busy for a third of a second. */
	size_t kept = 0, removed = 0, added = 0;
	for (size_t i = 0; i < app->feed_count; i++) {
		struct app_feed *feed = app->feeds[i];
		if (strmap_get(&config->feed_index, feed->url) != STRMAP_NONE) {
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
	struct strmap running = {0};
	for (size_t i = 0; i < app->feed_count; i++)
		strmap_put(&running, app->feeds[i]->url, i);

	/* Old config settings are read through app->config until the swap below. */
	struct config *old = app->config;
	app->config = config;
	int64_t now = now_seconds();
	for (size_t j = 0; j < config->feed_count; j++) {
		const struct feed_conf *conf = &config->feeds[j];
		size_t found = strmap_get(&running, conf->url);
		struct app_feed *feed = found != STRMAP_NONE ? app->feeds[found] : NULL;
		if (feed) {
			uint64_t old_interval = feed_interval_ms(feed);
			feed->interval_s = conf->interval_s;
			feed->has_stale_after = conf->has_stale_after;
			feed->stale_after_s = conf->stale_after_s;
			free(feed->title);
			feed->title = conf->title ? xstrdup(conf->title) : NULL;
			free(feed->user_agent);
			feed->user_agent = conf->user_agent ? xstrdup(conf->user_agent) : NULL;
			if (feed->health == STORE_FEED_GONE && revive_if_reset(feed))
				continue;
			uint64_t interval = feed_interval_ms(feed);
			uint64_t due = schedule_due_in(feed->timer);
			if (interval != old_interval && !feed->in_flight && due > interval &&
				feed->health != STORE_FEED_GONE)
				schedule_arm(feed->timer, interval, SCHEDULE_JITTER_PERCENT);
			continue;
		}
		feed = feed_new(app, conf, now);
		if (!feed)
			continue;
		feeds_add(app, feed);
		arm_first_poll(feed, now, 0);
		added++;
	}
	strmap_free(&running);
	config_free(old);
	log_notice("reloaded: %zu feeds (%zu added, %zu removed)", app->feed_count, added, removed);
	app_warn_feed_list(app->config);
	warn_moved_twins(app);
done:
	buf_free(&errors);
	notify_send("READY=1");
	send_status(app);
}

/* --- database housekeeping --- */

static void on_maintenance(uv_timer_t *timer);

static void maintain(struct app *app)
{
	batch_commit(app);
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

/* --once's account of the cycle, from the daemon's own counters. Parse and code are the
 * time spent in them, in the thread pool (where they overlap the loop and each other) or on
 * the loop; store is the loop's time handling responses less any parse and code there;
 * fetch is the time until the last transfer ended, less what the loop was busy with
 * until then; of that, "waiting for the pool" is the time the loop sat idle with no
 * transfer in flight while the pool still parsed (held responses count against
 * `concurrency`): the fetcher waiting for the parser, not fetching. */
static void log_cycle_summary(const struct app *app)
{
	double wall = monotonic_seconds() - app->cycle_start;
	double store = app->busy_seconds - app->loop_parse_code_seconds;
	double fetch = app->last_response_at - app->busy_at_last_response;
	log_notice("cycle: %zu feeds in %.3f s (%.0f feeds/s), %zu not fetched: fetch %.3f s, "
		   "parse %.3f s, code %.3f s, store %.3f s; of the fetch time, waiting for the "
		   "pool %.3f s",
		app->feed_count, wall, wall > 0 ? (double)app->feed_count / wall : 0.0,
		app->once_failed, fetch > 0 ? fetch : 0.0, app->parse_seconds, app->code_seconds,
		store > 0 ? store : 0.0, app->pool_wait_at_last_response);
}

/* The loop is about to wait for events: is it waiting for the pool alone? */
static void on_idle_begin(uv_prepare_t *handle)
{
	struct app *app = handle->data;
	app->idle_ns_before = uv_metrics_idle_time(&app->loop);
	app->idle_for_pool = app->fetch && app->jobs > 0 && fetch_in_flight(app->fetch) == 0;
}

static void on_idle_end(uv_check_t *handle)
{
	struct app *app = handle->data;
	if (app->idle_for_pool)
		app->pool_wait_seconds +=
			(double)(uv_metrics_idle_time(&app->loop) - app->idle_ns_before) / 1e9;
	app->idle_for_pool = false;
}

/* Closes every remaining handle; uv_run returns after the last close callback. */
static void finish_stop(uv_timer_t *timer)
{
	struct app *app = timer->data;
	if (app->closed)
		return;
	double start = monotonic_seconds();
	batch_commit(app);
	app->busy_seconds += monotonic_seconds() - start;
	app->closed = true;
	if (app->fetch)
		fetch_close(app->fetch, on_fetch_closed, app);
	app->fetch = NULL;
	for (size_t i = 0; i < 3; i++)
		close_handle((uv_handle_t *)&app->signals[i]);
	close_handle((uv_handle_t *)&app->stop_timer);
	close_handle((uv_handle_t *)&app->watchdog_timer);
	close_handle((uv_handle_t *)&app->maintenance_timer);
	close_handle((uv_handle_t *)&app->commit_timer);
	close_handle((uv_handle_t *)&app->status_timer);
	if (app->options->once) {
		close_handle((uv_handle_t *)&app->idle_begin);
		close_handle((uv_handle_t *)&app->idle_end);
		app->exit_status = app->once_failed ? 1 : 0;
		log_cycle_summary(app);
	}
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
	if (fetch_pending(app->fetch) || app->jobs)
		grace = (uint64_t)app->config->stop_timeout_s * 1000;
	uv_timer_start(&app->stop_timer, finish_stop, grace, 0);
}

/* --- start --- */

/*
 * The pool parses and codes while the loop fetches and stores. With a pool thread per CPU
 * (libuv's default is 4) they take the loop's CPU and every stage slows: on 2 CPUs a
 * steady 1,000-feed cycle took 0.36 s with 4 threads and 0.32 s with 1, a cold one 5.7 s
 * and 5.2 s. So by default the pool leaves one CPU to the loop. libuv reads
 * UV_THREADPOOL_SIZE when the first job is queued, which is after start().
 */
static unsigned size_thread_pool(const struct config *config)
{
	unsigned threads = config->coder_threads;
	if (threads == 0) {
		unsigned cpus = uv_available_parallelism();
		threads = cpus > 1 ? cpus - 1 : 1;
	}
	char value[16];
	snprintf(value, sizeof(value), "%u", threads);
	setenv("UV_THREADPOOL_SIZE", value, 1);
	return threads;
}

/*
 * A schema migration indexes or rewrites whole tables: on a large database it can outlast
 * systemd's start timeout (90 s by default), which would kill the daemon, roll the
 * migration back and start it again, for ever. So while one runs, systemd is asked every
 * second to wait (EXTEND_TIMEOUT_USEC), and one taking longer than a few seconds is
 * logged, so a slow start has its reason in the journal.
 */
struct migration_watch {
	const struct config *config;
	double started;
	double last_extended;
	bool logged;
};

#define MIGRATION_EXTEND_EVERY_S 1.0
#define MIGRATION_EXTEND_USEC "30000000"
#define MIGRATION_LOG_AFTER_S 3.0

static void on_migrating(void *ctx)
{
	struct migration_watch *watch = ctx;
	double now = monotonic_seconds();
	if (!watch->started)
		watch->started = watch->last_extended = now;
	if (now - watch->last_extended < MIGRATION_EXTEND_EVERY_S)
		return;
	watch->last_extended = now;
	notify_send("EXTEND_TIMEOUT_USEC=" MIGRATION_EXTEND_USEC);
	if (!watch->logged && now - watch->started >= MIGRATION_LOG_AFTER_S) {
		watch->logged = true;
		log_notice("database %s: upgrading to schema %d; on a large database this takes "
			   "a while", watch->config->database, store_schema_version());
	}
}

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
	unsigned threads = size_thread_pool(app->config);

	struct dict_loader loader;
	dict_loader_start(&loader, app->config);
	char *error = NULL;
	struct migration_watch watch = {.config = app->config};
	app->store = store_open_with_progress(app->config->database, &error, on_migrating,
		&watch);
	if (!app->store) {
		log_err("%s", error);
		free(error);
		r = -EIO;
		goto fail;
	}
	struct fetch_options fo = fetch_options_of(app->config);
	app->fetch = fetch_new(&app->loop, &fo);
	if (!app->fetch) {
		log_err("cannot initialise libcurl");
		r = -ENOMEM;
		goto fail;
	}

	/* The feed list's rows in one transaction: at 10,000 feeds, ten thousand small ones
	 * (each a lock taken and given back) were a noticeable part of starting. */
	int64_t now = now_seconds();
	if (store_begin(app->store) < 0) {
		log_err("database: %s", store_errmsg(app->store));
		r = -EIO;
		goto fail;
	}
	for (size_t i = 0; i < app->config->feed_count; i++) {
		struct app_feed *feed = feed_new(app, &app->config->feeds[i], now);
		if (!feed) {
			store_rollback(app->store);
			r = -EIO;
			goto fail;
		}
		feeds_add(app, feed);
	}
	if (store_commit(app->store) < 0) {
		log_err("database: %s", store_errmsg(app->store));
		store_rollback(app->store);
		r = -EIO;
		goto fail;
	}

	warn_moved_twins(app);

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
	uv_timer_init(&app->loop, &app->commit_timer);
	app->commit_timer.data = app;
	uv_timer_init(&app->loop, &app->status_timer);
	app->status_timer.data = app;
	maintain(app);
	r = dict_loader_finish(&loader, &app->coding);
	if (r < 0)
		return r;

	if (app->options->once) {
		uv_loop_configure(&app->loop, UV_METRICS_IDLE_TIME);
		uv_prepare_init(&app->loop, &app->idle_begin);
		app->idle_begin.data = app;
		uv_prepare_start(&app->idle_begin, on_idle_begin);
		uv_check_init(&app->loop, &app->idle_end);
		app->idle_end.data = app;
		uv_check_start(&app->idle_end, on_idle_end);
		app->cycle_start = monotonic_seconds();
		app->once_remaining = app->feed_count;
		for (size_t i = 0; i < app->feed_count; i++) {
			struct app_feed *feed = app->feeds[i];
			char url[200], when[40];
			log_url(feed->url, url, sizeof(url));
			/* --once polls every feed, except where the server said not to: a 410,
			 * or a 429/503 whose wait (Retry-After, else the backoff) is not over, so
			 * a cron job running --once is as polite as the daemon. */
			bool asked_to_wait = (feed->last_status == 429 || feed->last_status == 503) &&
				feed->next_poll > now;
			if (feed->health == STORE_FEED_GONE) {
				log_err("%s: gone (HTTP 410 earlier): not polled; remove it from the feed "
					"list", url);
			} else if (asked_to_wait) {
				log_err("%s: not polled: after its HTTP %ld the server is left alone until %s",
					url, feed->last_status, format_time(feed->next_poll, when, sizeof(when)));
			} else {
				poll_feed(feed);
				continue;
			}
			app->once_failed++;
			app->once_remaining--;
		}
		if (app->once_remaining == 0)
			stop(app);
		return 0;
	}
	uint64_t spread = min_u64(min_u64(STARTUP_SPREAD_MS, (uint64_t)app->config->interval_s * 1000),
		(uint64_t)app->feed_count * STARTUP_SPREAD_PER_FEED_MS);
	for (size_t i = 0; i < app->feed_count; i++) {
		struct app_feed *feed = app->feeds[i];
		if (arm_first_poll(feed, now, spread * i / app->feed_count))
			continue;
		char url[200];
		log_notice("%s: gone (HTTP 410 earlier): not polled; remove it from the feed list",
			log_url(feed->url, url, sizeof(url)));
	}
	if (!uv_is_active((uv_handle_t *)&app->maintenance_timer))
		uv_timer_start(&app->maintenance_timer, on_maintenance, MAINTENANCE_MS, MAINTENANCE_MS);
	uint64_t watchdog_ms = notify_watchdog_usec() / 1000;
	if (watchdog_ms > 0)
		uv_timer_start(&app->watchdog_timer, on_watchdog, watchdog_ms / 2, watchdog_ms / 2);
	log_notice("started: %zu feeds, database %s, %u coding thread%s", app->feed_count,
		app->config->database, threads, threads == 1 ? "" : "s");
	app_warn_feed_list(app->config);
	notify_send("READY=1");
	send_status(app);
	return 0;

fail:
	dict_loader_finish(&loader, NULL);
	return r;
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
	app.notify_active = notify_init() == 1;
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
	free(app.batch);
	coding_set_release(app.coding);
	store_close(app.store);
	config_free(app.config);
	notify_close();
	return status;
}
