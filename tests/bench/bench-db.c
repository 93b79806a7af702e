/*
 * bench-db: the store's ingest rate against SQLite's raw insert floor, and a database of
 * N events for timing queries. scripts/bench db drives it.
 *
 *   bench-db ingest DIR [ARTICLES [WITHOUT]]
 *                                    prints one JSON object: rows/s through the store
 *                                    (articles + reported events, one transaction per
 *                                    feed fetch of 50 articles) and rows/s of the floor
 *                                    (raw_floor() below), elapsed and CPU time each.
 *                                    WITHOUT takes a part of the schema out first, to
 *                                    show what it costs: fts (full-text search),
 *                                    indexes (the events' indexes for questions) or both.
 *                                    With BENCH_SQL set in the environment, that SQL runs
 *                                    on the new store database first (for experiments)
 *   bench-db build DB EVENTS         stores synthetic articles until DB holds EVENTS
 *                                    events dated over the last year, through the store
 *
 * The workload is generated before timing starts and is the same for both sides: each
 * article has a headline and a summary of real news headlines (../shared/gold's PLOVER
 * headlines when there, else a news vocabulary) and two reported events (source, CAMEO
 * code, target) drawn with news-like skew; a report that repeats an event of the same day
 * becomes a mention of it (about 4% of them at 50,000 articles). Articles come in the
 * order they are published, as a feed poller sees them: a day's events are stored on
 * that day.
 *
 * The floor needs SQLite itself, so this program includes <sqlite3.h>: it is a
 * measuring tool, not a module of the daemon.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cameo.h"
#include "date.h"
#include "store.h"
#include "xalloc.h"

#define BATCH 50              /* articles per fetch, as a busy feed delivers them */
#define EVENTS_PER_ARTICLE 2
#define FEEDS 40

#define HEADLINES GEOTRACK_SOURCE_ROOT "/../shared/gold/headlines-plover.tsv"

/* Real headlines (the first column of HEADLINES), or NULL when absent. */
static char **headlines;
static size_t headline_count;

static void load_headlines(void)
{
	FILE *f = fopen(HEADLINES, "r");
	if (!f)
		return;
	char line[4096];
	size_t cap = 0;
	bool header = true;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\t\n")] = '\0';
		if (header || !line[0]) {
			header = false;
			continue;
		}
		headlines = xgrow(headlines, &cap, headline_count + 1, sizeof(*headlines));
		headlines[headline_count++] = xstrdup(line);
	}
	fclose(f);
}

static const char *const words[] = {
	"government", "minister", "talks", "ceasefire", "troops", "border", "sanctions",
	"president", "election", "protest", "police", "attack", "missile", "drone", "aid",
	"summit", "agreement", "trade", "oil", "gas", "prices", "refugees", "court", "ruling",
	"parliament", "vote", "opposition", "rebels", "army", "navy", "capital", "officials",
	"said", "on", "the", "in", "of", "a", "to", "after", "before", "week", "talks", "new",
	"foreign", "security", "council", "united", "nations", "crisis", "war", "peace",
	"economy", "inflation", "bank", "strike", "workers", "health", "ministry", "report",
};

/* Actors with a skew like the news': a few countries most of the time. */
static const char *const actors[] = {
	"USA", "RUS", "UKR", "CHN", "ISR", "IRN", "GBR", "FRA", "DEU", "TUR", "IND", "PAK",
	"SYR", "PSE", "SAU", "JPN", "PRK", "KOR", "EGY", "IRQ", "AFG", "VEN", "BRA", "MEX",
	"NGA", "ZAF", "ETH", "SDN", "YEM", "LBN", "POL", "ITA", "ESP", "CAN", "AUS", "QAT",
	"USAGOV", "RUSGOV", "UKRGOV", "CHNGOV", "RUSMIL", "UKRMIL", "ISRMIL", "USAMIL",
	"IRNGOV", "ISRGOV", "GBRGOV", "FRAGOV", "DEUGOV", "TURGOV", "IGOUNO", "NAT",
};

struct rng {
	uint64_t state;
};

static uint64_t next(struct rng *r)
{
	r->state ^= r->state << 13;
	r->state ^= r->state >> 7;
	r->state ^= r->state << 17;
	return r->state;
}

/* A skewed pick in [0, n): small indexes far more often (roughly Zipf). */
static size_t skewed(struct rng *r, size_t n)
{
	double u = (double)(next(r) % 1000000) / 1e6;
	return (size_t)((double)n * u * u * u) % n;
}

struct bench_event {
	const char *source;
	const char *target;
	const char *code;
	int quad_class;
	double goldstein;
	char sentence[128];
};

struct bench_article {
	char key[32];
	char url[64];
	char title[96];
	char summary[400];
	int64_t published;
	int feed;
	struct bench_event events[EVENTS_PER_ARTICLE];
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* About `count` words of news: whole headlines when there are some. */
static void sentence_of(struct rng *r, char *out, size_t size, size_t count)
{
	size_t len = 0;
	out[0] = '\0';
	if (headline_count) {
		for (size_t i = 0; i < count && len + 2 < size; i += 9)
			len += (size_t)snprintf(out + len, size - len, "%s%s.", i ? " " : "",
				headlines[next(r) % headline_count]);
		out[size - 1] = '\0';
		return;
	}
	for (size_t i = 0; i < count && len + 16 < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? " " : "",
			words[next(r) % (sizeof(words) / sizeof(words[0]))]);
	if (len + 1 < size)
		out[len++] = '.', out[len] = '\0';
}

/* Articles numbered from `first`, article n published at start + n * step, give or
 * take half an hour. */
static void make_articles(struct bench_article *out, size_t count, size_t first, int64_t start,
	double step, struct rng *r)
{
	size_t codes = 0;
	while (cameo_event_at(codes))
		codes++;
	for (size_t i = 0; i < count; i++) {
		struct bench_article *a = &out[i];
		size_t n = first + i;
		a->feed = (int)(n % FEEDS);
		snprintf(a->key, sizeof(a->key), "item-%zu", n);
		snprintf(a->url, sizeof(a->url), "https://site%d.example/news/%zu", a->feed % 12, n);
		sentence_of(r, a->title, sizeof(a->title), 9);
		sentence_of(r, a->summary, sizeof(a->summary), 45);
		a->published = start + (int64_t)((double)n * step) + (int64_t)(next(r) % 3600) - 1800;
		for (size_t k = 0; k < EVENTS_PER_ARTICLE; k++) {
			struct bench_event *e = &a->events[k];
			size_t nactors = sizeof(actors) / sizeof(actors[0]);
			e->source = actors[skewed(r, nactors)];
			do
				e->target = actors[skewed(r, nactors)];
			while (e->target == e->source);
			const struct cameo_event_code *code = cameo_event_at(skewed(r, codes));
			e->code = code->code;
			e->quad_class = code->quad_class;
			e->goldstein = code->goldstein;
			sentence_of(r, e->sentence, sizeof(e->sentence), 14);
		}
	}
}

/* The longest transaction store_articles() took, in seconds: how long one ingest holds
 * the daemon's loop. */
static double slowest_fetch;

/* Stores articles[0..count) through the store, BATCH per transaction. Returns the
 * number of new events, or -1. */
static long store_articles(struct store *store, const int64_t *feed_ids,
	const struct bench_article *articles, size_t count)
{
	long new_events = 0;
	for (size_t i = 0; i < count; i += BATCH) {
		double fetch_start = now_seconds();
		if (store_begin(store) < 0)
			return -1;
		for (size_t j = i; j < i + BATCH && j < count; j++) {
			const struct bench_article *a = &articles[j];
			struct store_article article = {
				.item_key = a->key,
				.url = a->url,
				.title = a->title,
				.summary = a->summary,
				.published = a->published,
				.fetched = a->published + 300,
			};
			int64_t article_id;
			if (store_article_add(store, feed_ids[a->feed], &article, &article_id) != 1)
				return -1;
			struct store_report_origin origin = {
				.article_id = article_id,
				.feed_id = feed_ids[a->feed],
				.url = a->url,
				.published = a->published,
				.added = a->published + 300,
				.doc_len = strlen(a->title) + strlen(a->summary),
			};
			for (size_t k = 0; k < EVENTS_PER_ARTICLE; k++) {
				const struct bench_event *e = &a->events[k];
				struct store_event ev = {
					.sentence_index = (unsigned)k + 1,
					.in_lead = k == 0,
					.event_day = (int32_t)(a->published / 86400),
					.source = e->source,
					.event_code = e->code,
					.target = e->target,
					.quad_class = e->quad_class,
					.goldstein = e->goldstein,
					.sentence = e->sentence,
					.sentence_len = strlen(e->sentence),
					.source_text = e->source,
					.verb_text = "said",
					.target_text = e->target,
					.pattern = "* +",
				};
				int r = store_event_add(store, &origin, &ev);
				if (r < 0)
					return -1;
				new_events += r;
			}
		}
		struct store_fetch_record rec = {.time = articles[i].published, .http_status = 200};
		if (store_feed_record(store, feed_ids[articles[i].feed], &rec) < 0)
			return -1;
		if (store_commit(store) < 0)
			return -1;
		if (now_seconds() - fetch_start > slowest_fetch)
			slowest_fetch = now_seconds() - fetch_start;
	}
	return new_events;
}

static struct store *open_store(const char *path, int64_t *feed_ids)
{
	char *error = NULL;
	struct store *store = store_open(path, &error);
	if (!store) {
		fprintf(stderr, "bench-db: %s\n", error);
		exit(1);
	}
	for (int f = 0; f < FEEDS; f++) {
		char url[64];
		snprintf(url, sizeof(url), "https://site%d.example/feed%d.xml", f % 12, f);
		struct store_feed_state state = {0};
		if (store_feed_open(store, url, NULL, 1700000000, &state) < 0) {
			fprintf(stderr, "bench-db: %s\n", store_errmsg(store));
			exit(1);
		}
		feed_ids[f] = state.id;
		store_feed_state_clear(&state);
	}
	return store;
}

static void check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench-db: %s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

/* CPU time of this process (user + system), which a loaded machine disturbs far less
 * than elapsed time. */
static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The system part of it: the kernel writing and syncing the files. */
static double sys_seconds(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

/*
 * Which reports open a new event: the store's rule (same day, full source code, event
 * code and target code is one event), worked out before timing so the floor inserts
 * exactly the event rows the store creates. ret_first[r] is the first report of report
 * r's event (r itself when r opens it); reports are numbered article * EVENTS_PER_ARTICLE
 * + k.
 */
static void find_first_reports(const struct bench_article *articles, size_t count,
	size_t *ret_first)
{
	size_t reports = count * EVENTS_PER_ARTICLE, slots = 1;
	while (slots < 2 * reports)
		slots <<= 1;
	size_t *table = xcalloc(slots, sizeof(*table)); /* report + 1; 0 is empty */
	for (size_t r = 0; r < reports; r++) {
		const struct bench_article *a = &articles[r / EVENTS_PER_ARTICLE];
		const struct bench_event *e = &a->events[r % EVENTS_PER_ARTICLE];
		int32_t day = (int32_t)(a->published / 86400);
		uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)day;
		for (const char *s = e->source; *s; s++)
			h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
		for (const char *s = e->code; *s; s++)
			h = ((h ^ (unsigned char)*s) * 0x100000001b3ULL) + 1;
		for (const char *s = e->target; *s; s++)
			h = ((h ^ (unsigned char)*s) * 0x100000001b3ULL) + 2;
		size_t i = (size_t)h & (slots - 1);
		for (;; i = (i + 1) & (slots - 1)) {
			if (!table[i]) {
				table[i] = r + 1;
				ret_first[r] = r;
				break;
			}
			size_t o = table[i] - 1;
			const struct bench_article *oa = &articles[o / EVENTS_PER_ARTICLE];
			const struct bench_event *oe = &oa->events[o % EVENTS_PER_ARTICLE];
			if ((int32_t)(oa->published / 86400) == day && strcmp(oe->source, e->source) == 0
				&& strcmp(oe->code, e->code) == 0 && strcmp(oe->target, e->target) == 0) {
				ret_first[r] = o;
				break;
			}
		}
	}
	free(table);
}

/* A report's event row and mention row as the store writes them, computed before
 * timing. */
struct floor_report {
	char day[16], added[DATE_TEXT_SIZE], published[DATE_TEXT_SIZE];
	struct cameo_actor_parts source, target;
	char source_name[32], target_name[32];
	char base[5], root[3];
	char site[32];
};

static void bind_or_null(sqlite3_stmt *stmt, int index, const char *text)
{
	if (text && text[0])
		sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, index);
}

static int bind_parts(sqlite3_stmt *stmt, int i, const char *code, const char *name,
	const struct cameo_actor_parts *p)
{
	sqlite3_bind_text(stmt, i++, code, -1, SQLITE_STATIC);
	bind_or_null(stmt, i++, name);
	const char *fields[8] = {p->country, p->known_group, p->ethnic, p->religion1,
		p->religion2, p->type1, p->type2, p->type3};
	for (size_t k = 0; k < 8; k++)
		bind_or_null(stmt, i++, fields[k]);
	return i;
}

/*
 * The floor: the rows the store writes for this workload (each new article, each new
 * event with GDELT's fields and its evidence, one mention per report, the feed's row
 * updated once per fetch), with the same column definitions and values, inserted with
 * prepared statements in the same transactions of BATCH articles, with the store's
 * pragmas, into tables without anything else: no UNIQUE or foreign key, no secondary
 * index, no trigger, no full-text index. Which reports open an event is known
 * beforehand, so the floor does no lookups. What SQLite needs at least to keep this
 * data; everything the store does beyond it (finding events, indexes for the questions,
 * keeping keys and counts right, full-text search) is what the ratio measures.
 */
static void raw_floor(const char *path, const struct bench_article *articles, size_t count,
	double *ret_wall, double *ret_cpu, double *ret_sys)
{
	size_t reports = count * EVENTS_PER_ARTICLE;
	size_t *first = xcalloc(reports, sizeof(*first));
	find_first_reports(articles, count, first);
	struct floor_report *rows = xcalloc(reports, sizeof(*rows));
	for (size_t r = 0; r < reports; r++) {
		const struct bench_article *a = &articles[r / EVENTS_PER_ARTICLE];
		const struct bench_event *e = &a->events[r % EVENTS_PER_ARTICLE];
		struct floor_report *f = &rows[r];
		date_format_day((int32_t)(a->published / 86400), f->day);
		date_format(a->published + 300, f->added);
		date_format(a->published, f->published);
		cameo_actor_split(e->source, &f->source);
		cameo_actor_split(e->target, &f->target);
		snprintf(f->source_name, sizeof(f->source_name), "%s", e->source);
		snprintf(f->target_name, sizeof(f->target_name), "%s", e->target);
		const struct cameo_event_code *code = cameo_event_lookup(e->code);
		snprintf(f->base, sizeof(f->base), "%s", code->base);
		snprintf(f->root, sizeof(f->root), "%s", code->root);
		snprintf(f->site, sizeof(f->site), "site%d.example", a->feed % 12);
	}
	int64_t *event_ids = xcalloc(reports, sizeof(*event_ids));

	sqlite3 *db;
	check(NULL, sqlite3_open(path, &db), "open");
	check(db, sqlite3_exec(db,
			  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
			  "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;"
			  "CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT, title TEXT, "
			  "site_url TEXT, etag TEXT, last_modified TEXT, last_fetch_at TEXT, "
			  "last_status INTEGER, last_error TEXT, last_success_at TEXT, "
			  "consecutive_failures INTEGER) STRICT;"
			  "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39) "
			  "INSERT INTO feeds (url) SELECT 'https://feed' || i FROM n;"
			  "CREATE TABLE articles (id INTEGER PRIMARY KEY, feed_id INTEGER, "
			  "item_key TEXT, url TEXT, title TEXT, summary TEXT, published_at TEXT, "
			  "published_is_fallback INTEGER, fetched_at TEXT) STRICT;"
			  "CREATE TABLE events (id INTEGER PRIMARY KEY, event_date TEXT, "
			  "actor1_code TEXT, actor1_name TEXT, actor1_country_code TEXT, "
			  "actor1_known_group_code TEXT, actor1_ethnic_code TEXT, "
			  "actor1_religion1_code TEXT, actor1_religion2_code TEXT, "
			  "actor1_type1_code TEXT, actor1_type2_code TEXT, actor1_type3_code TEXT, "
			  "actor2_code TEXT, actor2_name TEXT, actor2_country_code TEXT, "
			  "actor2_known_group_code TEXT, actor2_ethnic_code TEXT, "
			  "actor2_religion1_code TEXT, actor2_religion2_code TEXT, "
			  "actor2_type1_code TEXT, actor2_type2_code TEXT, actor2_type3_code TEXT, "
			  "is_root_event INTEGER, event_code TEXT, event_base_code TEXT, "
			  "event_root_code TEXT, quad_class INTEGER, goldstein_scale REAL, "
			  "num_mentions INTEGER, num_sources INTEGER, num_articles INTEGER, "
			  "action_country_code TEXT, date_added TEXT, source_url TEXT, "
			  "article_id INTEGER, sentence_id INTEGER, sentence TEXT, actor1_text TEXT, "
			  "action_text TEXT, actor2_text TEXT, pattern TEXT) STRICT;"
			  "CREATE TABLE mentions (id INTEGER PRIMARY KEY, event_id INTEGER, "
			  "article_id INTEGER, feed_id INTEGER, published_at TEXT, added_at TEXT, "
			  "source_name TEXT, url TEXT, sentence_id INTEGER, doc_len INTEGER, "
			  "sentence TEXT, actor1_text TEXT, action_text TEXT, actor2_text TEXT, "
			  "pattern TEXT, pattern_origin TEXT) STRICT;",
			  NULL, NULL, NULL),
		"schema");
	sqlite3_stmt *article_insert, *event_insert, *mention_insert, *feed_update, *begin, *commit;
	check(db, sqlite3_prepare_v2(db, "INSERT INTO articles VALUES (NULL, ?, ?, ?, ?, ?, ?, 0, ?)",
			  -1, &article_insert, NULL),
		"prepare");
	/* The counts are written with the event, final from the start: the number of its
	 * reports (a floor that knows the outcome needs no updates). */
	check(db, sqlite3_prepare_v2(db, "INSERT INTO events VALUES (NULL, ?, "
					 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
					 "?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  -1, &event_insert, NULL),
		"prepare");
	check(db, sqlite3_prepare_v2(db, "INSERT INTO mentions VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, "
					 "?, ?, ?, ?, ?, ?, ?, NULL)",
			  -1, &mention_insert, NULL),
		"prepare");
	check(db, sqlite3_prepare_v2(db, "UPDATE feeds SET last_fetch_at = ?2, last_status = 200, "
					 "last_error = NULL, last_success_at = ?2, "
					 "consecutive_failures = 0 WHERE id = ?1",
			  -1, &feed_update, NULL),
		"prepare");
	check(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), "prepare");
	check(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "prepare");

	/* How many reports each event gets: its counts, written with the event. */
	size_t *reports_of = xcalloc(reports, sizeof(*reports_of));
	for (size_t r = 0; r < reports; r++)
		reports_of[first[r]]++;

	double start = now_seconds(), cpu_start = cpu_seconds(), sys_start = sys_seconds();
	for (size_t i = 0; i < count; i += BATCH) {
		check(db, sqlite3_step(begin), "begin");
		sqlite3_reset(begin);
		for (size_t j = i; j < i + BATCH && j < count; j++) {
			const struct bench_article *a = &articles[j];
			const struct floor_report *ar = &rows[j * EVENTS_PER_ARTICLE];
			sqlite3_bind_int(article_insert, 1, a->feed + 1);
			sqlite3_bind_text(article_insert, 2, a->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(article_insert, 3, a->url, -1, SQLITE_STATIC);
			sqlite3_bind_text(article_insert, 4, a->title, -1, SQLITE_STATIC);
			sqlite3_bind_text(article_insert, 5, a->summary, -1, SQLITE_STATIC);
			sqlite3_bind_text(article_insert, 6, ar->published, -1, SQLITE_STATIC);
			sqlite3_bind_text(article_insert, 7, ar->added, -1, SQLITE_STATIC);
			check(db, sqlite3_step(article_insert), "article");
			sqlite3_reset(article_insert);
			int64_t article_id = sqlite3_last_insert_rowid(db);
			int64_t doc_len = (int64_t)(strlen(a->title) + strlen(a->summary));
			for (size_t k = 0; k < EVENTS_PER_ARTICLE; k++) {
				size_t r = j * EVENTS_PER_ARTICLE + k;
				const struct bench_event *e = &a->events[k];
				const struct floor_report *f = &rows[r];
				if (first[r] == r) {
					sqlite3_stmt *s = event_insert;
					int n = 1;
					sqlite3_bind_text(s, n++, f->day, -1, SQLITE_STATIC);
					n = bind_parts(s, n, e->source, f->source_name, &f->source);
					n = bind_parts(s, n, e->target, f->target_name, &f->target);
					sqlite3_bind_int(s, n++, k == 0);
					sqlite3_bind_text(s, n++, e->code, -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, f->base, -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, f->root, -1, SQLITE_STATIC);
					sqlite3_bind_int(s, n++, e->quad_class);
					sqlite3_bind_double(s, n++, e->goldstein);
					for (int c = 0; c < 3; c++)
						sqlite3_bind_int64(s, n++, (int64_t)reports_of[r]);
					sqlite3_bind_text(s, n++, f->added, -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, a->url, -1, SQLITE_STATIC);
					sqlite3_bind_int64(s, n++, article_id);
					sqlite3_bind_int(s, n++, (int)k + 1);
					sqlite3_bind_text(s, n++, e->sentence, -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, e->source, -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, "said", -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, e->target, -1, SQLITE_STATIC);
					sqlite3_bind_text(s, n++, "* +", -1, SQLITE_STATIC);
					check(db, sqlite3_step(s), "event");
					sqlite3_reset(s);
					event_ids[r] = sqlite3_last_insert_rowid(db);
				}
				sqlite3_stmt *s = mention_insert;
				int n = 1;
				sqlite3_bind_int64(s, n++, event_ids[first[r]]);
				sqlite3_bind_int64(s, n++, article_id);
				sqlite3_bind_int(s, n++, a->feed + 1);
				sqlite3_bind_text(s, n++, f->published, -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, f->added, -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, f->site, -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, a->url, -1, SQLITE_STATIC);
				sqlite3_bind_int(s, n++, (int)k + 1);
				sqlite3_bind_int64(s, n++, doc_len);
				sqlite3_bind_text(s, n++, e->sentence, -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, e->source, -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, "said", -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, e->target, -1, SQLITE_STATIC);
				sqlite3_bind_text(s, n++, "* +", -1, SQLITE_STATIC);
				check(db, sqlite3_step(s), "mention");
				sqlite3_reset(s);
			}
		}
		sqlite3_bind_int(feed_update, 1, articles[i].feed + 1);
		sqlite3_bind_text(feed_update, 2, rows[i * EVENTS_PER_ARTICLE].added, -1,
			SQLITE_STATIC);
		check(db, sqlite3_step(feed_update), "feed");
		sqlite3_reset(feed_update);
		check(db, sqlite3_step(commit), "commit");
		sqlite3_reset(commit);
	}
	*ret_wall = now_seconds() - start;
	*ret_cpu = cpu_seconds() - cpu_start;
	*ret_sys = sys_seconds() - sys_start;
	sqlite3_finalize(article_insert);
	sqlite3_finalize(event_insert);
	sqlite3_finalize(mention_insert);
	sqlite3_finalize(feed_update);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(db);
	free(reports_of);
	free(event_ids);
	free(rows);
	free(first);
}

static char *path_in(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	unlink(path);
	char *side = xasprintf("%s-wal", path);
	unlink(side);
	free(side);
	side = xasprintf("%s-shm", path);
	unlink(side);
	free(side);
	return path;
}

/* What `ingest ... WITHOUT` takes out of a new store database before the run. Without
 * full-text search the store still copies each new article's text once, into a plain
 * table of the same name. */
#define WITHOUT_FTS                                                                   \
	"DROP TRIGGER articles_fts_delete; DROP TRIGGER articles_fts_update; "          \
	"DROP TABLE articles_fts; CREATE TABLE articles_fts (title TEXT, summary TEXT);"
#define WITHOUT_INDEXES "DROP INDEX events_day; DROP INDEX events_sqldate;"
static const struct {
	const char *name;
	const char *sql;
} without[] = {
	{"fts", WITHOUT_FTS},
	{"indexes", WITHOUT_INDEXES},
	{"both", WITHOUT_FTS WITHOUT_INDEXES},
};

static const char *without_sql(const char *name)
{
	for (size_t i = 0; i < sizeof(without) / sizeof(without[0]); i++)
		if (strcmp(without[i].name, name) == 0)
			return without[i].sql;
	fprintf(stderr, "bench-db: WITHOUT is fts, indexes or both, not '%s'\n", name);
	exit(2);
}

static int bench_ingest(const char *dir, size_t count, const char *drop)
{
	struct rng r = {0x9e3779b97f4a7c15ULL};
	struct bench_article *articles = xcalloc(count, sizeof(*articles));
	/* 90 days of news from 2025-01-01. */
	make_articles(articles, count, 0, 1735689600, 90.0 * 86400 / (double)count, &r);
	size_t rows = count * (1 + EVENTS_PER_ARTICLE);

	char *raw_path = path_in(dir, "bench-raw.db");
	double raw, raw_cpu, raw_sys;
	raw_floor(raw_path, articles, count, &raw, &raw_cpu, &raw_sys);

	char *store_path = path_in(dir, "bench-store.db");
	int64_t feed_ids[FEEDS];
	struct store *store = open_store(store_path, feed_ids);
	if (getenv("BENCH_SQL")) {
		store_close(store);
		sqlite3 *db;
		check(NULL, sqlite3_open(store_path, &db), "open");
		check(db, sqlite3_exec(db, getenv("BENCH_SQL"), NULL, NULL, NULL), "BENCH_SQL");
		sqlite3_close(db);
		store = open_store(store_path, feed_ids);
	}
	if (drop) {
		store_close(store);
		sqlite3 *db;
		check(NULL, sqlite3_open(store_path, &db), "open");
		check(db, sqlite3_exec(db, without_sql(drop), NULL, NULL, NULL), drop);
		sqlite3_close(db);
		store = open_store(store_path, feed_ids);
	}
	double start = now_seconds(), cpu_start = cpu_seconds(), sys_start = sys_seconds();
	long new_events = store_articles(store, feed_ids, articles, count);
	double stored = now_seconds() - start, stored_cpu = cpu_seconds() - cpu_start;
	double stored_sys = sys_seconds() - sys_start;
	if (new_events < 0) {
		fprintf(stderr, "bench-db: %s\n", store_errmsg(store));
		return 1;
	}
	store_close(store);
	printf("{\"without\": \"%s\", \"articles\": %zu, \"reports\": %zu, \"events\": %ld, "
	       "\"batch\": %d, "
	       "\"store_seconds\": %.3f, \"store_cpu_seconds\": %.3f, \"store_sys_seconds\": %.3f, "
	       "\"store_rows_per_s\": %.0f, \"store_rows_per_cpu_s\": %.0f, "
	       "\"raw_seconds\": %.3f, \"raw_cpu_seconds\": %.3f, \"raw_sys_seconds\": %.3f, "
	       "\"raw_rows_per_s\": %.0f, \"raw_rows_per_cpu_s\": %.0f, "
	       "\"ratio\": %.3f, \"cpu_ratio\": %.3f, \"slowest_fetch_ms\": %.1f}\n",
		drop ? drop : "", count, count * EVENTS_PER_ARTICLE, new_events, BATCH, stored,
		stored_cpu, stored_sys, (double)rows / stored, (double)rows / stored_cpu, raw,
		raw_cpu, raw_sys,
		(double)rows / raw, (double)rows / raw_cpu, raw / stored, raw_cpu / stored_cpu,
		slowest_fetch * 1000);
	free(articles);
	free(raw_path);
	free(store_path);
	return 0;
}

static int bench_build(const char *path, long want_events)
{
	struct rng r = {0x2545f4914f6cdd1dULL};
	int64_t feed_ids[FEEDS];
	struct store *store = open_store(path, feed_ids);
	enum { CHUNK = 10000 };
	struct bench_article *articles = xcalloc(CHUNK, sizeof(*articles));
	/* A year of news up to now: about 0.55 articles per event is what this workload
	 * gives, so the year ends about when the database is full. */
	int64_t end = (int64_t)time(NULL) - 3600;
	double planned = (double)want_events * 0.55;
	double step = 365.0 * 86400 / (planned > CHUNK ? planned : CHUNK);
	long events = 0;
	size_t made = 0;
	double start = now_seconds();
	while (events < want_events) {
		make_articles(articles, CHUNK, made, end - 365 * 86400, step, &r);
		long n = store_articles(store, feed_ids, articles, CHUNK);
		if (n < 0) {
			fprintf(stderr, "bench-db: %s\n", store_errmsg(store));
			return 1;
		}
		events += n;
		made += CHUNK;
	}
	store_maintain(store);
	store_close(store);
	printf("{\"articles\": %zu, \"events\": %ld, \"seconds\": %.1f, "
	       "\"slowest_fetch_ms\": %.1f}\n",
		made, events, now_seconds() - start, slowest_fetch * 1000);
	free(articles);
	return 0;
}

int main(int argc, char **argv)
{
	/* What store_open() sets when it is SQLite's first user, as in the daemon; here the
	 * floor comes first, and gets the same library settings. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	load_headlines();
	if (argc >= 3 && argc <= 5 && strcmp(argv[1], "ingest") == 0)
		return bench_ingest(argv[2], argc > 3 ? strtoul(argv[3], NULL, 10) : 100000,
			argc > 4 ? argv[4] : NULL);
	if (argc == 4 && strcmp(argv[1], "build") == 0)
		return bench_build(argv[2], strtol(argv[3], NULL, 10));
	fprintf(stderr, "usage: bench-db ingest DIR [ARTICLES [fts|indexes|both]]\n"
			"       bench-db build DB EVENTS\n");
	return 2;
}
