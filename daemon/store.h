/*
 * store: the SQLite database of feeds, articles and events.
 *
 * The only module that includes <sqlite3.h>. One connection, WAL mode (readers with the
 * sqlite3 shell never block the daemon), foreign keys on, STRICT tables; the schema is
 * the migrations embedded from schema/, applied in order through PRAGMA user_version, and
 * a database newer than this binary is refused. Writes happen inside store_begin() /
 * store_commit() so a reader never sees half an ingest. Never logs: errors come back as
 * negative errno values with the SQLite message available from store_errmsg().
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

/* One event; strings borrowed for the call. */
struct store_event {
	int64_t article_id;
	unsigned sentence_index;
	int32_t event_day;        /* days since 1970-01-01 */
	const char *source;
	const char *event_code;
	const char *target;
	int quad_class;           /* 0: unknown */
	double goldstein;
	const char *sentence;
	size_t sentence_len;
	const char *source_text;
	const char *verb_text;
	const char *target_text;
	const char *pattern;
};

/*
 * Opens (creating if needed) the database at `path` and migrates it to the current
 * schema. Returns the store, or NULL with a message the caller owns in *ret_error.
 */
struct store *store_open(const char *path, char **ret_error);
void store_close(struct store *store);

/* The last SQLite error message, for logs. Valid until the next store call. */
const char *store_errmsg(const struct store *store);
/* The schema version this binary writes. */
int store_schema_version(void);

int store_begin(struct store *store);
int store_commit(struct store *store);
void store_rollback(struct store *store);

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
 * Adds an article unless the feed already has one with the same item_key. Returns 1 and
 * sets *ret_article_id if it was new, 0 if it already existed, or -errno.
 */
int store_article_add(struct store *store, int64_t feed_id, const struct store_article *article,
	int64_t *ret_article_id);

/* Adds an event; a duplicate (article, sentence, source, code, target) is ignored. */
int store_event_add(struct store *store, const struct store_event *event);

#endif
