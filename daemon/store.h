/*
 * store: the SQLite database of feeds, articles and events.
 *
 * The only module that includes <sqlite3.h>. One connection, WAL mode (readers with the
 * sqlite3 shell never block the daemon), foreign keys on, STRICT tables; the schema is
 * the migrations embedded from schema/, applied in order through PRAGMA user_version, and
 * a database newer than this binary is refused. Writes happen inside store_begin() /
 * store_commit() so a reader never sees half an ingest. Events are GDELT-shaped: one row
 * per (day, source, event code, target) with its reports as mentions (schema/0002 says
 * why), and its counts of mentions, articles and sources kept here as each report is
 * stored (schema/0004); the CAMEO lookup tables are loaded from the codebook compiled
 * into the binary.
 * Never logs: errors come back as negative errno values with the SQLite message
 * available from store_errmsg().
 */
#ifndef GEOTRACK_STORE_H
#define GEOTRACK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* What the daemon knows about a feed between fetches. Strings owned by the caller. */
struct store_feed_state {
	int64_t id;
	char *etag;          /* NULL if none */
	char *last_modified; /* NULL if none */
};

/* The outcome of one fetch, recorded on the feed's row. */
struct store_fetch_record {
	int64_t time;            /* UTC seconds */
	long http_status;        /* 0 if no response */
	const char *error;       /* NULL on success */
	const char *etag;        /* new validators, NULL to keep the old ones */
	const char *last_modified;
	const char *feed_title;  /* the feed's own title; kept only if the feed list gives none */
	const char *site_url;
};

/* One article; strings borrowed for the call. */
struct store_article {
	const char *item_key;
	const char *url;
	const char *title;
	const char *summary;
	int64_t published;
	bool published_is_fallback;
	int64_t fetched;
};

/* Where a report of an event comes from: its article. Strings borrowed for the call. */
struct store_report_origin {
	int64_t article_id;
	int64_t feed_id;
	const char *url;        /* the article's URL; may be NULL */
	const char *feed_url;   /* names the source when the article has no URL */
	int64_t published;      /* the article's time, UTC seconds */
	int64_t added;          /* when it was fetched */
	size_t doc_len;         /* characters of text the coder read */
};

/* One coded event as one report (sentence) gives it; strings borrowed for the call. */
struct store_event {
	unsigned sentence_index;  /* 1-based */
	bool in_lead;             /* in the headline or the sentence after it */
	int32_t event_day;        /* days since 1970-01-01 */
	const char *source;       /* CAMEO actor code, e.g. "RUSMIL" */
	const char *event_code;
	const char *target;       /* "" or NULL when the event has none */
	const char *location;     /* CAMEO country where it happened; "" or NULL if unknown */
	int quad_class;           /* 0: unknown */
	double goldstein;
	const char *sentence;
	size_t sentence_len;
	const char *source_text;
	const char *verb_text;
	const char *target_text;
	const char *pattern;
	const char *pattern_origin; /* "file:line" of the pattern; may be NULL */
};

/*
 * Opens (creating if needed) the database at `path` and migrates it to the current
 * schema. Returns the store, or NULL with a message the caller owns in *ret_error.
 */
struct store *store_open(const char *path, char **ret_error);

/*
 * store_open(), calling working(ctx) every few thousand steps of SQLite's while it
 * migrates the schema (not otherwise): a migration indexes or rewrites whole tables,
 * minutes of work on a large database, during which a service manager waiting for the
 * start must hear that it goes on.
 */
struct store *store_open_with_progress(const char *path, char **ret_error,
	void (*working)(void *ctx), void *ctx);
void store_close(struct store *store);

/* The last SQLite error message, for logs. Valid until the next store call. */
const char *store_errmsg(const struct store *store);
/* The schema version this binary writes. */
int store_schema_version(void);

/*
 * One transaction (BEGIN IMMEDIATE ... COMMIT): what happens between begin and commit is
 * seen by readers all at once or not at all. store_commit() first writes the full-text
 * entries of the articles the transaction added (schema/0004 says why there, not per
 * article). Both return 0 or -errno; after a failed commit, call store_rollback(), which
 * accepts a transaction SQLite already rolled back.
 */
int store_begin(struct store *store);
int store_commit(struct store *store);
void store_rollback(struct store *store);

/*
 * A batch: one transaction holding several begin/commit pairs, each still whole. Inside
 * it store_begin() opens a savepoint, store_commit() releases it and store_rollback()
 * undoes only it; readers see the batch's ingests when store_batch_commit() commits them
 * all, with the full-text entries of all their articles. What it saves is commits: each
 * one writes the pages it touched to the WAL and flushes a full-text segment, most of the
 * cost of a small ingest. A full disk or an I/O error can make SQLite roll back the whole
 * batch: store_rollback() then ends it, and store_batch_active() says false. After a
 * failed store_batch_commit(), call store_batch_rollback(). Other writes (store_prune(),
 * store_maintain(), store_feed_open()) are not for inside a batch.
 */
int store_batch_begin(struct store *store);
int store_batch_commit(struct store *store);
void store_batch_rollback(struct store *store);
bool store_batch_active(const struct store *store);

/*
 * Finds or creates the row for the feed at `url`, sets its title from the feed list when
 * `title` is non-NULL, and fills *ret_state (free its strings with
 * store_feed_state_clear()). Returns 0 or -errno.
 */
int store_feed_open(struct store *store, const char *url, const char *title, int64_t now,
	struct store_feed_state *ret_state);
void store_feed_state_clear(struct store_feed_state *state);

/* Records a fetch's outcome on the feed's row. Returns 0 or -errno. */
int store_feed_record(struct store *store, int64_t feed_id, const struct store_fetch_record *rec);

/*
 * Adds an article unless the feed already has one with the same item_key, or had one
 * that retention pruned. Returns 1 and sets *ret_article_id if it was new, 0 if not, or
 * -errno. Inside a transaction, full-text search finds the article once it commits.
 */
int store_article_add(struct store *store, int64_t feed_id, const struct store_article *article,
	int64_t *ret_article_id);

/*
 * Whether another feed than feed_id has an article at this URL, other than as that feed's
 * home page (which its items without a link are given). If so, records in
 * article_listings that feed_id lists it too (at `now`) and returns 1; 0 if not, or
 * -errno.
 */
int store_article_elsewhere(struct store *store, int64_t feed_id, const char *url,
	int64_t now);

/*
 * Records one report of an event. The report joins the event with the same day, source,
 * event code and target if there is one (as a new mention; the event's counts follow),
 * else it makes a new event whose evidence it is. A report already stored (same event,
 * article and sentence) is ignored. Returns 1 for a new event, 0 for a new mention of a
 * known event or an ignored duplicate, or -errno.
 */
int store_event_add(struct store *store, const struct store_report_origin *origin,
	const struct store_event *event);

/*
 * Retention: deletes up to `limit` articles published before `cutoff` (UTC seconds) and
 * their full-text entries, oldest first. Their events and mentions stay, with their
 * counts, and lose only the link to the article. The pruned items' keys are remembered
 * so a feed that still carries one does not bring it back; a key is forgotten once no
 * fetch has shown it for the retention period and a year (a feed answering 304 or an
 * unchanged body is not read, so "not shown" can lag). One transaction. Returns the
 * number of articles deleted (so
 * `limit` means there may be more), or -errno.
 */
int store_prune(struct store *store, int64_t cutoff, int64_t now, size_t limit);

/*
 * Housekeeping for a long-running writer: PRAGMA optimize, then a passive WAL checkpoint
 * (one that never waits for readers, so a reader with a long transaction only delays
 * the WAL's reuse). Returns 0 or -errno.
 */
int store_maintain(struct store *store);

/*
 * Opens an existing database for reading only, for `geotrackd export`: nothing is
 * created or migrated; a database at another schema version than this binary's is
 * refused with a message saying what to do. Returns NULL with *ret_error set on failure.
 */
struct store *store_open_readonly(const char *path, char **ret_error);

/* What store_export() writes out. */
enum store_export_view {
	STORE_EXPORT_GDELT,  /* the gdelt_events view: GDELT 2.0's 61 event columns */
	STORE_EXPORT_EVENTS, /* the event_view: readable names and labels */
	STORE_EXPORT_JSON,   /* one column: a JSON object per event, with evidence and mentions */
};

/*
 * Called first with `values` NULL (the column names: a header), then once per row;
 * `names` and `values` hold `count` strings (a value is NULL for SQL NULL), valid
 * during the call. Returns 0 to go on or a negative errno to stop.
 */
typedef int (*store_row_fn)(void *ctx, size_t count, const char *const *names,
	const char *const *values);

/*
 * Passes every event dated from `since` to `until` (inclusive, "YYYY-MM-DD"; NULL for no
 * bound) to `row`, in date then id order, from one consistent snapshot. Returns the
 * number of rows, the callback's error, or -errno (store_errmsg() says what failed).
 */
long store_export(struct store *store, enum store_export_view view, const char *since,
	const char *until, store_row_fn row, void *ctx);

/* --- fetch state (schema 3): what the fetcher remembers between polls --- */

enum store_feed_health {
	STORE_FEED_ACTIVE,
	STORE_FEED_DEAD, /* failing for long: tried rarely */
	STORE_FEED_GONE, /* 410 Gone: not polled */
};

/* Strings owned by the struct: free with store_feed_fetch_state_clear(). */
struct store_feed_fetch_state {
	enum store_feed_health health;
	char *fetch_url;               /* NULL: polled at the listed URL */
	char *body_hash;               /* of the last body parsed; NULL if none */
	int64_t failing_since;         /* UTC seconds; 0 when the last fetch succeeded */
	int64_t next_poll;             /* UTC seconds; 0 when unknown */
	unsigned consecutive_failures; /* read only: store_feed_record() counts them */
	char *last_error;              /* read only: store_feed_record() writes it */
	long last_status;              /* read only: the last fetch's HTTP status, 0 if none */
	int64_t last_new_item_at;      /* UTC seconds a fetch last brought a new item; 0 never */
	int64_t stale_since;           /* UTC seconds it was found stale; 0 while it is not */
	int64_t added_at;              /* read only: UTC seconds the feed was first listed */
	int64_t last_body_at;          /* UTC seconds of the last 200 with a body; 0 none yet */
	/* Hashes of the items of the last stored document (keys, fingerprints), sorted
	 * (see ingest.h); owned by the struct when read. On set, NULL keeps the stored ones. */
	uint64_t *item_keys;
	size_t item_key_count;
	/* That document's items by their bytes: three per item (the hash of its bytes in
	 * context, its key's hash, its fingerprint), sorted by the first (see
	 * ingest.h's struct ingest_span).
	 * Owned when read; on set, written with item_keys (NULL with them: none). */
	uint64_t *item_spans;
	size_t item_span_count;
};

/* Reads a feed's fetch state into *ret_state. Returns 0, -ENOENT or -errno. */
int store_feed_fetch_state_get(struct store *store, int64_t feed_id,
	struct store_feed_fetch_state *ret_state);
void store_feed_fetch_state_clear(struct store_feed_fetch_state *state);
/* Writes health, fetch_url, body_hash, failing_since, next_poll, last_new_item_at,
 * stale_since, last_body_at and (when given) item_keys with item_spans. Returns 0 or
 * -errno. */
int store_feed_fetch_state_set(struct store *store, int64_t feed_id,
	const struct store_feed_fetch_state *state);

/* One fetch as the fetch_log table records it; strings borrowed for the call. */
struct store_fetch_log_entry {
	int64_t feed_id;
	int64_t time;          /* UTC seconds */
	const char *url;
	long http_status;      /* 0 when no response arrived */
	const char *result;    /* "parsed", "unchanged", "not-modified" or "failed" */
	size_t bytes;          /* decoded body */
	size_t wire_bytes;
	unsigned duration_ms;
	size_t items_new;
	const char *error;     /* NULL unless failed */
};

/* Appends an entry and deletes the feed's oldest beyond `keep_rows`. Returns 0 or -errno. */
int store_fetch_log_add(struct store *store, const struct store_fetch_log_entry *entry,
	unsigned keep_rows);

#endif
