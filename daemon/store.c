#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "embedded.h"
#include "xalloc.h"

/* "GeoT": lets `file` and tools tell our databases from other SQLite files. */
#define APPLICATION_ID 0x47656f54
#define BUSY_TIMEOUT_MS 5000

enum stmt_id {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_FEED_INSERT,
	STMT_FEED_SET_TITLE,
	STMT_FEED_SELECT,
	STMT_FEED_RECORD_OK,
	STMT_FEED_RECORD_FAIL,
	STMT_ARTICLE_INSERT,
	STMT_EVENT_INSERT,
	STMT_COUNT
};

/* Times go in as unix seconds and are written by SQLite as 'YYYY-MM-DD HH:MM:SS' UTC. */
static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_FEED_INSERT] = "INSERT INTO feeds (url, title, added_at) "
			     "VALUES (?1, ?2, datetime(?3, 'unixepoch')) "
			     "ON CONFLICT (url) DO NOTHING",
	[STMT_FEED_SET_TITLE] = "UPDATE feeds SET title = ?2 WHERE url = ?1 AND title IS NOT ?2",
	[STMT_FEED_SELECT] = "SELECT id, etag, last_modified FROM feeds WHERE url = ?1",
	[STMT_FEED_RECORD_OK] =
		"UPDATE feeds SET last_fetch_at = datetime(?2, 'unixepoch'), last_status = ?3, "
		"last_error = NULL, last_success_at = datetime(?2, 'unixepoch'), "
		"consecutive_failures = 0, etag = coalesce(?4, etag), "
		"last_modified = coalesce(?5, last_modified), "
		"title = coalesce(title, ?6), site_url = coalesce(?7, site_url) WHERE id = ?1",
	[STMT_FEED_RECORD_FAIL] =
		"UPDATE feeds SET last_fetch_at = datetime(?2, 'unixepoch'), last_status = ?3, "
		"last_error = ?4, consecutive_failures = consecutive_failures + 1 WHERE id = ?1",
	[STMT_ARTICLE_INSERT] =
		"INSERT INTO articles (feed_id, item_key, url, title, summary, published_at, "
		"published_is_fallback, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, "
		"datetime(?6, 'unixepoch'), ?7, datetime(?8, 'unixepoch')) "
		"ON CONFLICT (feed_id, item_key) DO NOTHING",
	[STMT_EVENT_INSERT] =
		"INSERT INTO events (article_id, sentence_index, event_date, source, event_code, "
		"target, quad_class, goldstein, sentence, source_text, verb_text, target_text, "
		"pattern) VALUES (?1, ?2, date(?3 * 86400, 'unixepoch'), ?4, ?5, ?6, ?7, ?8, ?9, "
		"?10, ?11, ?12, ?13) "
		"ON CONFLICT (article_id, sentence_index, source, event_code, target) DO NOTHING",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT_COUNT];
	char errmsg[512];
};

static int errno_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CONSTRAINT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* Remembers the connection's message for store_errmsg() and returns the errno for rc. */
static int fail_with(struct store *store, int rc)
{
	snprintf(store->errmsg, sizeof(store->errmsg), "%s", sqlite3_errmsg(store->db));
	return errno_of(rc);
}

static int exec_sql(struct store *store, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(store->errmsg, sizeof(store->errmsg), "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return errno_of(rc);
	}
	return 0;
}

static int pragma_int(struct store *store, const char *sql, int *ret_value)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return fail_with(store, rc);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*ret_value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : fail_with(store, rc);
}

int store_schema_version(void)
{
	return (int)embedded_schema_count;
}

/* Applies every migration past the database's user_version, each in its own transaction. */
static int migrate(struct store *store, char **ret_error)
{
	int version = 0, app_id = 0;
	int r = pragma_int(store, "PRAGMA user_version", &version);
	if (r == 0)
		r = pragma_int(store, "PRAGMA application_id", &app_id);
	if (r < 0) {
		*ret_error = xasprintf("cannot read the schema version: %s", store->errmsg);
		return r;
	}
	if (app_id != 0 && app_id != APPLICATION_ID) {
		*ret_error = xasprintf("not a geotrack database (application_id %#x)", app_id);
		return -EINVAL;
	}
	if (version > store_schema_version()) {
		*ret_error = xasprintf("database schema version %d is newer than this geotrackd "
				       "supports (%d); upgrade geotrackd",
			version, store_schema_version());
		return -EPROTO;
	}
	for (int v = version; v < store_schema_version(); v++) {
		const struct embedded_file *m = &embedded_schema[v];
		char *sql = xasprintf("BEGIN IMMEDIATE;\n%s\nPRAGMA user_version = %d;\n"
				      "PRAGMA application_id = %d;\nCOMMIT;",
			m->data, v + 1, APPLICATION_ID);
		r = exec_sql(store, sql);
		free(sql);
		if (r < 0) {
			exec_sql(store, "ROLLBACK");
			*ret_error = xasprintf("migration %s failed: %s", m->name, store->errmsg);
			return r;
		}
	}
	return 0;
}

struct store *store_open(const char *path, char **ret_error)
{
	struct store *store = xcalloc(1, sizeof(*store));
	int rc = sqlite3_open_v2(path, &store->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*ret_error = xasprintf("cannot open database %s: %s", path,
			store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(store->db, 1);
	/* WAL: readers never block the writer; NORMAL: a crash may lose the last commit's
	 * fsync but never corrupts, which suits data we can re-fetch. */
	if (exec_sql(store, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
			    "PRAGMA foreign_keys = ON;") < 0) {
		*ret_error = xasprintf("cannot set up database %s: %s", path, store->errmsg);
		goto fail;
	}
	if (migrate(store, ret_error) < 0)
		goto fail;
	for (int i = 0; i < STMT_COUNT; i++) {
		rc = sqlite3_prepare_v3(store->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
			&store->stmts[i], NULL);
		if (rc != SQLITE_OK) {
			*ret_error = xasprintf("cannot prepare statement %d: %s", i,
				sqlite3_errmsg(store->db));
			goto fail;
		}
	}
	return store;
fail:
	store_close(store);
	return NULL;
}

void store_close(struct store *store)
{
	if (!store)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(store->stmts[i]);
	if (store->db)
		sqlite3_close(store->db);
	free(store);
}

const char *store_errmsg(const struct store *store)
{
	return store->errmsg;
}

/* Binds NULL for a NULL string, else the text (copied by SQLite only if needed). */
static void bind_text(sqlite3_stmt *stmt, int index, const char *text, int len)
{
	if (text)
		sqlite3_bind_text(stmt, index, text, len, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, index);
}

/* Steps a statement that returns no rows, then resets it. */
static int run(struct store *store, enum stmt_id id)
{
	sqlite3_stmt *stmt = store->stmts[id];
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE ? 0 : fail_with(store, rc);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

int store_begin(struct store *store)
{
	return run(store, STMT_BEGIN);
}

int store_commit(struct store *store)
{
	return run(store, STMT_COMMIT);
}

void store_rollback(struct store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		run(store, STMT_ROLLBACK);
}

static char *column_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	return text ? xstrdup((const char *)text) : NULL;
}

int store_feed_open(struct store *store, const char *url, const char *title, int64_t now,
	struct store_feed_state *ret_state)
{
	sqlite3_stmt *stmt = store->stmts[STMT_FEED_INSERT];
	bind_text(stmt, 1, url, -1);
	bind_text(stmt, 2, title, -1);
	sqlite3_bind_int64(stmt, 3, now);
	int r = run(store, STMT_FEED_INSERT);
	if (r < 0)
		return r;
	if (title) {
		stmt = store->stmts[STMT_FEED_SET_TITLE];
		bind_text(stmt, 1, url, -1);
		bind_text(stmt, 2, title, -1);
		r = run(store, STMT_FEED_SET_TITLE);
		if (r < 0)
			return r;
	}
	stmt = store->stmts[STMT_FEED_SELECT];
	bind_text(stmt, 1, url, -1);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		ret_state->id = sqlite3_column_int64(stmt, 0);
		ret_state->etag = column_strdup(stmt, 1);
		ret_state->last_modified = column_strdup(stmt, 2);
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : fail_with(store, rc);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

void store_feed_state_clear(struct store_feed_state *state)
{
	free(state->etag);
	free(state->last_modified);
	state->etag = state->last_modified = NULL;
}

int store_feed_record(struct store *store, int64_t feed_id, const struct store_fetch_record *rec)
{
	enum stmt_id id = rec->error ? STMT_FEED_RECORD_FAIL : STMT_FEED_RECORD_OK;
	sqlite3_stmt *stmt = store->stmts[id];
	sqlite3_bind_int64(stmt, 1, feed_id);
	sqlite3_bind_int64(stmt, 2, rec->time);
	sqlite3_bind_int64(stmt, 3, rec->http_status);
	if (rec->error) {
		bind_text(stmt, 4, rec->error, -1);
	} else {
		bind_text(stmt, 4, rec->etag, -1);
		bind_text(stmt, 5, rec->last_modified, -1);
		bind_text(stmt, 6, rec->feed_title, -1);
		bind_text(stmt, 7, rec->site_url, -1);
	}
	return run(store, id);
}

int store_article_add(struct store *store, int64_t feed_id, const struct store_article *article,
	int64_t *ret_article_id)
{
	sqlite3_stmt *stmt = store->stmts[STMT_ARTICLE_INSERT];
	sqlite3_bind_int64(stmt, 1, feed_id);
	bind_text(stmt, 2, article->item_key, -1);
	bind_text(stmt, 3, article->url, -1);
	bind_text(stmt, 4, article->title, -1);
	bind_text(stmt, 5, article->summary, -1);
	sqlite3_bind_int64(stmt, 6, article->published);
	sqlite3_bind_int(stmt, 7, article->published_is_fallback);
	sqlite3_bind_int64(stmt, 8, article->fetched);
	int r = run(store, STMT_ARTICLE_INSERT);
	if (r < 0)
		return r;
	if (sqlite3_changes(store->db) == 0)
		return 0;
	*ret_article_id = sqlite3_last_insert_rowid(store->db);
	return 1;
}

int store_event_add(struct store *store, const struct store_event *event)
{
	sqlite3_stmt *stmt = store->stmts[STMT_EVENT_INSERT];
	sqlite3_bind_int64(stmt, 1, event->article_id);
	sqlite3_bind_int(stmt, 2, (int)event->sentence_index);
	sqlite3_bind_int64(stmt, 3, event->event_day);
	bind_text(stmt, 4, event->source, -1);
	bind_text(stmt, 5, event->event_code, -1);
	bind_text(stmt, 6, event->target ? event->target : "", -1);
	if (event->quad_class > 0) {
		sqlite3_bind_int(stmt, 7, event->quad_class);
		sqlite3_bind_double(stmt, 8, event->goldstein);
	} else {
		sqlite3_bind_null(stmt, 7);
		sqlite3_bind_null(stmt, 8);
	}
	bind_text(stmt, 9, event->sentence, (int)event->sentence_len);
	bind_text(stmt, 10, event->source_text, -1);
	bind_text(stmt, 11, event->verb_text, -1);
	bind_text(stmt, 12, event->target_text, -1);
	bind_text(stmt, 13, event->pattern, -1);
	return run(store, STMT_EVENT_INSERT);
}
