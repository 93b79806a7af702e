#include "store.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "cameo.h"
#include "date.h"
#include "embedded.h"
#include "xalloc.h"

/* "GeoT": lets `file` and tools tell our databases from other SQLite files. */
#define APPLICATION_ID 0x47656f54
#define STATEMENT_JOURNAL_SPILL (4 << 20) /* bytes kept in memory per savepoint */
#define BUSY_TIMEOUT_MS 5000
/* The WAL file is truncated back to this after a checkpoint has emptied it. */
#define JOURNAL_LIMIT "67108864"

enum stmt_id {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_FEED_INSERT,
	STMT_FEED_SET_TITLE,
	STMT_FEED_SELECT,
	STMT_FEED_RECORD_OK,
	STMT_FEED_RECORD_FAIL,
	STMT_ARTICLE_INSERT,
	STMT_ARTICLE_SEEN_PRUNED,
	STMT_ARTICLE_ELSEWHERE,
	STMT_ARTICLE_LISTING_INSERT,
	STMT_PRUNED_ANY,
	STMT_ARTICLE_FTS_INSERT,
	STMT_EVENT_FIND,
	STMT_EVENT_INSERT,
	STMT_MENTION_INSERT,
	STMT_EVENT_COUNT,
	STMT_PRUNE_REMEMBER,
	STMT_PRUNE_DELETE,
	STMT_PRUNE_FORGET,
	/* fetch state, schema 3 */
	STMT_FEED_FETCH_STATE_GET,
	STMT_FEED_FETCH_STATE_SET,
	STMT_FETCH_LOG_INSERT,
	STMT_FETCH_LOG_TRIM,
	STMT_COUNT
};

/* Times go in as unix seconds and are written by SQLite as 'YYYY-MM-DD HH:MM:SS' UTC. */
/* An item span as feeds.item_spans stores it: three 64-bit hashes (struct ingest_span,
 * whose size app.c asserts). */
#define SPAN_BYTES (3 * sizeof(uint64_t))

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_SAVEPOINT] = "SAVEPOINT ingest",
	[STMT_RELEASE] = "RELEASE ingest",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO ingest",
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
		"published_is_fallback, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		"ON CONFLICT (feed_id, item_key) DO NOTHING",
	/* A key retention pruned stays out (the feed may still carry the item), and is kept
	 * a while longer for each fetch that shows it. */
	[STMT_ARTICLE_SEEN_PRUNED] =
		"UPDATE pruned_articles SET last_seen_at = datetime(?3, 'unixepoch') "
		"WHERE feed_id = ?1 AND item_key = ?2",
	[STMT_PRUNED_ANY] = "SELECT EXISTS (SELECT 1 FROM pruned_articles)",
	/* Not an article whose URL is its feed's home page: that feed's link-less items. */
	[STMT_ARTICLE_ELSEWHERE] =
		"SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id "
		"WHERE a.url = ?2 AND a.feed_id <> ?1 AND a.url IS NOT f.site_url LIMIT 1",
	[STMT_ARTICLE_LISTING_INSERT] =
		"INSERT INTO article_listings (article_id, feed_id, listed_at) "
		"VALUES (?1, ?2, datetime(?3, 'unixepoch')) ON CONFLICT DO NOTHING",
	/* The articles this transaction added, in one statement at commit (schema/0004
	 * says why). */
	[STMT_ARTICLE_FTS_INSERT] =
		"INSERT INTO articles_fts (rowid, title, summary) "
		"SELECT id, title, summary FROM articles WHERE id >= ?1",
	[STMT_EVENT_FIND] = "SELECT id FROM events WHERE event_date = ?1 AND actor1_code = ?2 "
			    "AND event_code = ?3 AND actor2_code = ?4",
	/* GDELT's actor names are made in C (actor_name()), not by SQL functions per row.
	 * A new event has one report; store_event_add() inserts one only after
	 * STMT_EVENT_FIND found none (the conflict clause is for a race that cannot happen
	 * on one connection). */
	[STMT_EVENT_INSERT] =
		"INSERT INTO events (event_date, "
		"actor1_code, actor1_name, actor1_country_code, actor1_known_group_code, "
		"actor1_ethnic_code, actor1_religion1_code, actor1_religion2_code, "
		"actor1_type1_code, actor1_type2_code, actor1_type3_code, "
		"actor2_code, actor2_name, actor2_country_code, actor2_known_group_code, "
		"actor2_ethnic_code, actor2_religion1_code, actor2_religion2_code, "
		"actor2_type1_code, actor2_type2_code, actor2_type3_code, "
		"is_root_event, event_code, event_base_code, event_root_code, quad_class, "
		"goldstein_scale, action_country_code, date_added, source_url, article_id, "
		"sentence_id, sentence, actor1_text, action_text, actor2_text, pattern, "
		"num_mentions, num_sources, num_articles) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 1) "
		"ON CONFLICT (event_date, actor1_code, event_code, actor2_code) DO NOTHING",
	[STMT_MENTION_INSERT] =
		"INSERT INTO mentions (event_id, article_id, feed_id, published_at, added_at, "
		"source_name, url, sentence_id, doc_len, sentence, actor1_text, action_text, "
		"actor2_text, pattern, pattern_origin) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (event_id, article_id, sentence_id) DO NOTHING",
	/* A known event's new mention ?3: one more report, and one more article and source
	 * unless another of its mentions has them. Both probes read the mentions of one event
	 * through the (event_id, article_id, sentence_id) index. */
	[STMT_EVENT_COUNT] =
		"UPDATE events SET num_mentions = num_mentions + 1, "
		"num_articles = num_articles + NOT EXISTS (SELECT 1 FROM mentions m "
		"WHERE m.event_id = ?1 AND m.article_id = ?2 AND m.id <> ?3), "
		"num_sources = num_sources + NOT EXISTS (SELECT 1 FROM mentions m "
		"WHERE m.event_id = ?1 AND m.source_name = ?4 AND m.id <> ?3) "
		"WHERE id = ?1",
	/* Oldest first, and the same rows for both statements: same order, same limit,
	 * inside one transaction. */
	[STMT_PRUNE_REMEMBER] =
		"INSERT INTO pruned_articles (feed_id, item_key, pruned_at, last_seen_at) "
		"SELECT feed_id, item_key, ?3, ?3 FROM articles WHERE published_at < ?1 "
		"ORDER BY published_at, id LIMIT ?2 "
		"ON CONFLICT (feed_id, item_key) DO UPDATE SET last_seen_at = excluded.last_seen_at",
	[STMT_PRUNE_DELETE] =
		"DELETE FROM articles WHERE id IN (SELECT id FROM articles WHERE published_at < ?1 "
		"ORDER BY published_at, id LIMIT ?2)",
	[STMT_PRUNE_FORGET] = "DELETE FROM pruned_articles WHERE last_seen_at < ?1",
	[STMT_FEED_FETCH_STATE_GET] =
		"SELECT health, fetch_url, body_hash, CAST(strftime('%s', failing_since) AS INTEGER), "
		"CAST(strftime('%s', next_poll_at) AS INTEGER), consecutive_failures, last_error, "
		"coalesce(last_status, 0), item_keys, item_spans, "
		"CAST(strftime('%s', last_new_item_at) AS INTEGER), "
		"CAST(strftime('%s', stale_since) AS INTEGER), "
		"CAST(strftime('%s', added_at) AS INTEGER), "
		"CAST(strftime('%s', last_body_at) AS INTEGER) FROM feeds WHERE id = ?1",
	[STMT_FEED_FETCH_STATE_SET] =
		"UPDATE feeds SET health = ?2, fetch_url = ?3, body_hash = ?4, "
		"failing_since = CASE WHEN ?5 > 0 THEN datetime(?5, 'unixepoch') END, "
		"next_poll_at = CASE WHEN ?6 > 0 THEN datetime(?6, 'unixepoch') END, "
		"item_keys = coalesce(?7, item_keys), "
		"item_spans = CASE WHEN ?7 IS NULL THEN item_spans ELSE ?8 END, "
		"last_new_item_at = CASE WHEN ?9 > 0 THEN datetime(?9, 'unixepoch') END, "
		"stale_since = CASE WHEN ?10 > 0 THEN datetime(?10, 'unixepoch') END, "
		"last_body_at = CASE WHEN ?11 > 0 THEN datetime(?11, 'unixepoch') END WHERE id = ?1",
	[STMT_FETCH_LOG_INSERT] =
		"INSERT INTO fetch_log (feed_id, fetched_at, url, http_status, result, bytes, "
		"wire_bytes, duration_ms, items_new, error) VALUES (?1, datetime(?2, 'unixepoch'), "
		"?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	/* The (feed_id, id) index makes this a short range scan, whatever the table's size. */
	[STMT_FETCH_LOG_TRIM] =
		"DELETE FROM fetch_log WHERE feed_id = ?1 AND id <= (SELECT id FROM fetch_log "
		"WHERE feed_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
};

/* Export queries run once per command, so they are prepared when used, not at open. */
static const char *const export_sql[] = {
	[STORE_EXPORT_GDELT] =
		"SELECT g.* FROM events e JOIN gdelt_events g ON g.GLOBALEVENTID = e.id "
		"WHERE e.event_date >= ?1 AND e.event_date <= ?2 ORDER BY e.event_date, e.id",
	[STORE_EXPORT_EVENTS] =
		"SELECT v.* FROM event_view v WHERE v.date >= ?1 AND v.date <= ?2 "
		"ORDER BY v.date, v.id",
	/* Every column of events under its own name, the labels of event_view, and the
	 * mentions in the order they were stored. */
	[STORE_EXPORT_JSON] =
		"SELECT json_object("
		"'id', e.id, 'event_date', e.event_date, "
		"'actor1_code', e.actor1_code, 'actor1_label', v.source_name, "
		"'actor1_name', e.actor1_name, 'actor1_country_code', e.actor1_country_code, "
		"'actor1_known_group_code', e.actor1_known_group_code, "
		"'actor1_ethnic_code', e.actor1_ethnic_code, "
		"'actor1_religion1_code', e.actor1_religion1_code, "
		"'actor1_religion2_code', e.actor1_religion2_code, "
		"'actor1_type1_code', e.actor1_type1_code, 'actor1_type2_code', e.actor1_type2_code, "
		"'actor1_type3_code', e.actor1_type3_code, "
		"'actor2_code', nullif(e.actor2_code, ''), 'actor2_label', v.target_name, "
		"'actor2_name', e.actor2_name, 'actor2_country_code', e.actor2_country_code, "
		"'actor2_known_group_code', e.actor2_known_group_code, "
		"'actor2_ethnic_code', e.actor2_ethnic_code, "
		"'actor2_religion1_code', e.actor2_religion1_code, "
		"'actor2_religion2_code', e.actor2_religion2_code, "
		"'actor2_type1_code', e.actor2_type1_code, 'actor2_type2_code', e.actor2_type2_code, "
		"'actor2_type3_code', e.actor2_type3_code, "
		"'is_root_event', e.is_root_event, 'event_code', e.event_code, "
		"'event_label', v.action_label, 'event_base_code', e.event_base_code, "
		"'event_root_code', e.event_root_code, 'quad_class', e.quad_class, "
		"'quad_label', v.quad_label, 'goldstein_scale', e.goldstein_scale, "
		"'num_mentions', e.num_mentions, 'num_sources', e.num_sources, "
		"'num_articles', e.num_articles, 'action_country_code', e.action_country_code, "
		"'action_country', v.location, 'date_added', e.date_added, "
		"'source_url', e.source_url, 'article_id', e.article_id, "
		"'sentence_id', e.sentence_id, 'sentence', e.sentence, "
		"'actor1_text', e.actor1_text, 'action_text', e.action_text, "
		"'actor2_text', e.actor2_text, 'pattern', e.pattern, "
		"'mentions', (SELECT json_group_array(json_object("
		"'source_name', m.source_name, 'url', m.url, 'published_at', m.published_at, "
		"'added_at', m.added_at, 'sentence_id', m.sentence_id, 'sentence', m.sentence, "
		"'actor1_text', m.actor1_text, 'action_text', m.action_text, "
		"'actor2_text', m.actor2_text, 'pattern', m.pattern, "
		"'pattern_origin', m.pattern_origin)) "
		"FROM (SELECT * FROM mentions WHERE event_id = e.id ORDER BY id) m)) AS json "
		"FROM events e JOIN event_view v ON v.id = e.id "
		"WHERE e.event_date >= ?1 AND e.event_date <= ?2 ORDER BY e.event_date, e.id",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT_COUNT];
	bool readonly;
	/* A batch is open: store_begin() opens a savepoint inside it (store_batch_begin()). */
	bool batch;
	/* The first article the open transaction added, 0 if none: it and every later one
	 * get their full-text entries at commit. */
	int64_t fts_from;
	/* Whether retention remembers any pruned key; only then does a new article need
	 * checking against them. */
	bool pruned_keys;
	/* The last times formatted: an ingest stores many reports with the same fetch time
	 * and many with the same article time. */
	struct date_memo {
		int64_t time;
		char text[DATE_TEXT_SIZE];
	} added_memo, published_memo, day_memo;
	/* A new event's source and target names, made by actor_name(). */
	struct buf actor_names[2];
	char errmsg[512];
};

/* `time` as date_format() writes it (or, for day_memo, date_format_day() of a day). */
static const char *memo_date(struct date_memo *memo, int64_t time, bool day)
{
	if (!memo->text[0] || memo->time != time) {
		if (day)
			date_format_day((int32_t)time, memo->text);
		else
			date_format(time, memo->text);
		memo->time = time;
	}
	return memo->text;
}

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

/* Binds NULL for a NULL string, else the text (copied by SQLite only if needed). */
static void bind_text(sqlite3_stmt *stmt, int index, const char *text, int len)
{
	if (text)
		sqlite3_bind_text(stmt, index, text, len, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, index);
}

/* Binds NULL for NULL or "", which is how the schema spells "absent". */
static void bind_optional(sqlite3_stmt *stmt, int index, const char *text)
{
	bind_text(stmt, index, text && text[0] ? text : NULL, -1);
}

/* Binds text when there is some ("" is absent too) and otherwise leaves the parameter
 * NULL, as run() left it: only for statements only ever stepped through run(). Most of
 * an event's GDELT codes are absent, and saving their binds is measurable. */
static void bind_present(sqlite3_stmt *stmt, int index, const char *text)
{
	if (text && text[0])
		sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC);
}

/* Steps a statement that returns no rows, then resets it and clears its bindings. */
static int run(struct store *store, enum stmt_id id)
{
	sqlite3_stmt *stmt = store->stmts[id];
	int rc = sqlite3_step(stmt);
	int r = rc == SQLITE_DONE ? 0 : fail_with(store, rc);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

/* Runs an INSERT that may meet a unique key (OR IGNORE, ON CONFLICT DO NOTHING): returns
 * 1 with the new row's id in *ret_id, 0 when the row was there already, or -errno. */
static int insert_new(struct store *store, enum stmt_id id, int64_t *ret_id)
{
	int r = run(store, id);
	if (r < 0)
		return r;
	if (sqlite3_changes(store->db) == 0)
		return 0;
	*ret_id = sqlite3_last_insert_rowid(store->db);
	return 1;
}

/* --- what the store derives from codes and URLs --- */

/* GDELT's EventBaseCode and EventRootCode; for a code the codebook lacks, its prefixes. */
static void event_code_parts(const char *code, char ret_base[5], char ret_root[3])
{
	const struct cameo_event_code *known = cameo_event_lookup(code);
	const char *base = known ? known->base : code, *root = known ? known->root : code;
	size_t base_len = strnlen(base, known ? 4 : 3), root_len = strnlen(root, 2);
	memcpy(ret_base, base, base_len);
	ret_base[base_len] = '\0';
	memcpy(ret_root, root, root_len);
	ret_root[root_len] = '\0';
}

/*
 * GDELT's MentionSourceName: the URL's host, lower case, without "www." or a port
 * ("https://www.BBC.co.uk:443/news" -> "bbc.co.uk"). Writes "" when there is no host.
 */
static void source_name_of(const char *url, char *out, size_t size)
{
	out[0] = '\0';
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p || size == 0)
		return;
	p += 3;
	size_t host_len = strcspn(p, "/?#");
	const char *at = memchr(p, '@', host_len);
	if (at) {
		host_len -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', host_len);
		if (close)
			host_len = (size_t)(close + 1 - p);
	} else {
		const char *colon = memchr(p, ':', host_len);
		if (colon)
			host_len = (size_t)(colon - p);
	}
	if (host_len > 4 && strncasecmp(p, "www.", 4) == 0) {
		p += 4;
		host_len -= 4;
	}
	while (host_len && p[host_len - 1] == '.')
		host_len--;
	if (host_len >= size)
		host_len = size - 1;
	for (size_t i = 0; i < host_len; i++)
		out[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] - 'A' + 'a' : p[i]);
	out[host_len] = '\0';
}

/* geotrack_cameo(code, part): a part of an actor or event code, for migrations. */
static void sql_cameo(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *code = (const char *)sqlite3_value_text(argv[0]);
	const char *part = (const char *)sqlite3_value_text(argv[1]);
	if (!code || !part) {
		sqlite3_result_null(ctx);
		return;
	}
	char base[5], root[3];
	struct cameo_actor_parts parts;
	const char *value = NULL;
	if (strcmp(part, "base") == 0 || strcmp(part, "root") == 0) {
		event_code_parts(code, base, root);
		value = part[0] == 'b' ? base : root;
	} else {
		cameo_actor_split(code, &parts);
		static const struct {
			const char *name;
			size_t offset;
		} fields[] = {
			{"country", offsetof(struct cameo_actor_parts, country)},
			{"known_group", offsetof(struct cameo_actor_parts, known_group)},
			{"ethnic", offsetof(struct cameo_actor_parts, ethnic)},
			{"religion1", offsetof(struct cameo_actor_parts, religion1)},
			{"religion2", offsetof(struct cameo_actor_parts, religion2)},
			{"type1", offsetof(struct cameo_actor_parts, type1)},
			{"type2", offsetof(struct cameo_actor_parts, type2)},
			{"type3", offsetof(struct cameo_actor_parts, type3)},
		};
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(part, fields[i].name) == 0)
				value = (const char *)&parts + fields[i].offset;
	}
	if (value && value[0])
		sqlite3_result_text(ctx, value, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

/* geotrack_source_name(url): see source_name_of(). */
static void sql_source_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char name[256];
	source_name_of((const char *)sqlite3_value_text(argv[0]), name, sizeof(name));
	sqlite3_result_text(ctx, name, -1, SQLITE_TRANSIENT);
}

/* DIRECTONLY: a view or trigger that called these would fail in the sqlite3 shell. */
static int register_functions(struct store *store)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;
	int rc = sqlite3_create_function_v2(store->db, "geotrack_cameo", 2, flags, NULL,
		sql_cameo, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(store->db, "geotrack_source_name", 1, flags, NULL,
			sql_source_name, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail_with(store, rc);
}

/* --- opening, migrating, the codebook --- */

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

/* FNV-1a over the codebook's file names and contents: changes when any table does. */
static uint64_t codebook_checksum(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < embedded_cameo_count; i++) {
		const struct embedded_file *f = &embedded_cameo[i];
		const unsigned char *parts[2] = {(const unsigned char *)f->name,
			(const unsigned char *)f->data};
		size_t lens[2] = {strlen(f->name) + 1, f->len};
		for (size_t k = 0; k < 2; k++)
			for (size_t j = 0; j < lens[k]; j++)
				h = (h ^ parts[k][j]) * 0x100000001b3ULL;
	}
	return h;
}

/* Splits the tab-separated line [p, end) in place into at most max fields. */
static size_t split_tsv_line(char *p, char *end, char **fields, size_t max)
{
	size_t n = 0;
	*end = '\0';
	while (n < max) {
		fields[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

/*
 * Loads one codebook table (schema/cameo/NAME.tsv) into cameo_NAME: the header row names
 * the columns, empty fields are NULL.
 */
static int load_codebook_table(struct store *store, const struct embedded_file *file)
{
	enum { MAX_COLUMNS = 16 };
	char *data = xstrndup(file->data, file->len);
	char *fields[MAX_COLUMNS];
	char *table = xstrndup(file->name, strcspn(file->name, "."));
	sqlite3_stmt *insert = NULL;
	struct buf sql = {0};
	int r = 0;

	char *line = data, *nl = strchr(line, '\n');
	if (!nl) {
		snprintf(store->errmsg, sizeof(store->errmsg), "%s: no header", file->name);
		r = -EINVAL;
		goto done;
	}
	size_t columns = split_tsv_line(line, nl, fields, MAX_COLUMNS);
	buf_printf(&sql, "DELETE FROM \"cameo_%s\"", table);
	r = exec_sql(store, sql.data);
	if (r < 0)
		goto done;
	buf_reset(&sql);
	buf_printf(&sql, "INSERT INTO \"cameo_%s\" (", table);
	for (size_t i = 0; i < columns; i++)
		buf_printf(&sql, "%s\"%s\"", i ? ", " : "", fields[i]);
	buf_append_str(&sql, ") VALUES (");
	for (size_t i = 0; i < columns; i++)
		buf_append_str(&sql, i ? ", ?" : "?");
	buf_append_char(&sql, ')');
	int rc = sqlite3_prepare_v2(store->db, sql.data, -1, &insert, NULL);
	if (rc != SQLITE_OK) {
		r = fail_with(store, rc);
		goto done;
	}
	for (line = nl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		bool last = !nl;
		if (last)
			nl = line + strlen(line);
		if (nl > line) {
			size_t n = split_tsv_line(line, nl, fields, MAX_COLUMNS);
			for (size_t i = 0; i < columns; i++)
				bind_optional(insert, (int)i + 1, i < n ? fields[i] : NULL);
			rc = sqlite3_step(insert);
			sqlite3_reset(insert);
			if (rc != SQLITE_DONE) {
				r = fail_with(store, rc);
				goto done;
			}
		}
		if (last)
			break;
	}
done:
	sqlite3_finalize(insert);
	buf_free(&sql);
	free(table);
	free(data);
	return r;
}

/* Reloads the cameo_* lookup tables when the compiled-in codebook is not the one the
 * database was loaded from (a new database, or a geotrackd with a corrected codebook). */
static int sync_codebook(struct store *store, char **ret_error)
{
	char checksum[24];
	snprintf(checksum, sizeof(checksum), "%016llx", (unsigned long long)codebook_checksum());
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE key = 'codebook'",
		-1, &stmt, NULL);
	if (rc != SQLITE_OK)
		goto fail_rc;
	bool same = sqlite3_step(stmt) == SQLITE_ROW &&
		strcmp((const char *)sqlite3_column_text(stmt, 0), checksum) == 0;
	sqlite3_finalize(stmt);
	if (same)
		return 0;

	int r = exec_sql(store, "BEGIN IMMEDIATE");
	for (size_t i = 0; r == 0 && i < embedded_cameo_count; i++)
		r = load_codebook_table(store, &embedded_cameo[i]);
	if (r == 0) {
		char *sql = xasprintf("INSERT INTO meta (key, value) VALUES ('codebook', '%s') "
				      "ON CONFLICT (key) DO UPDATE SET value = excluded.value; COMMIT",
			checksum);
		r = exec_sql(store, sql);
		free(sql);
	}
	if (r < 0) {
		*ret_error = xasprintf("cannot load the CAMEO codebook tables: %s", store->errmsg);
		exec_sql(store, "ROLLBACK");
	}
	return r;
fail_rc:
	*ret_error = xasprintf("cannot read the codebook version: %s", sqlite3_errmsg(store->db));
	return errno_of(rc);
}

/* Reads whether retention remembers any pruned key into store->pruned_keys. */
static int refresh_pruned_keys(struct store *store)
{
	sqlite3_stmt *stmt = store->stmts[STMT_PRUNED_ANY];
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		store->pruned_keys = sqlite3_column_int(stmt, 0) != 0;
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW ? 0 : fail_with(store, rc);
}

/* SQLite virtual machine steps between two calls of a migration's `working` callback:
 * tens of microseconds of work, so a callback that only reads the clock costs nothing. */
#define MIGRATION_PROGRESS_STEPS 10000

struct migration_progress {
	void (*working)(void *ctx);
	void *ctx;
};

static int on_migration_progress(void *arg)
{
	const struct migration_progress *progress = arg;
	progress->working(progress->ctx);
	return 0; /* go on */
}

struct store *store_open(const char *path, char **ret_error)
{
	return store_open_with_progress(path, ret_error, NULL, NULL);
}

struct store *store_open_with_progress(const char *path, char **ret_error,
	void (*working)(void *ctx), void *ctx)
{
	/* Memory statistics cost a global mutex around every allocation, and nothing reads
	 * them. Only possible before SQLite's first use in the process; later calls fail
	 * harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Each fetch of a batch is stored in a savepoint, whose journal holds the pages it
	 * changes (a few hundred KB for a feed with a few new items). Past SQLite's default
	 * of 64 KB that journal spills to a temporary file, and every page journaled is
	 * two write() calls: 33,000 of them in a steady 1,000-feed cycle, 10% of its store
	 * time. One ingest's journal is bounded by the body cap, and is emptied when its
	 * savepoint is released. */
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STATEMENT_JOURNAL_SPILL);
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
	 * fsync but never corrupts, which suits data we can re-fetch. The WAL file is cut
	 * back to JOURNAL_LIMIT after checkpoints. Deleted articles need not be zeroed on
	 * disk (Debian's build defaults to secure_delete, which doubles retention's I/O).
	 * Each ingest dirties index pages all over the file: a 64 MB cache keeps them, and
	 * checkpointing every 8192 pages rather than 1000 writes each hot page (and
	 * fsyncs) less often; scripts/bench db measured both. */
	if (exec_sql(store, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
			    "PRAGMA foreign_keys = ON; PRAGMA secure_delete = FAST; "
			    "PRAGMA journal_size_limit = " JOURNAL_LIMIT "; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;") < 0) {
		*ret_error = xasprintf("cannot set up database %s: %s", path, store->errmsg);
		goto fail;
	}
	if (register_functions(store) < 0) {
		*ret_error = xasprintf("cannot set up database %s: %s", path, store->errmsg);
		goto fail;
	}
	struct migration_progress progress = {working, ctx};
	if (working)
		sqlite3_progress_handler(store->db, MIGRATION_PROGRESS_STEPS, on_migration_progress,
			&progress);
	int migrated = migrate(store, ret_error);
	sqlite3_progress_handler(store->db, 0, NULL, NULL);
	if (migrated < 0)
		goto fail;
	if (sync_codebook(store, ret_error) < 0)
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
	if (refresh_pruned_keys(store) < 0) {
		*ret_error = xasprintf("cannot read database %s: %s", path, store->errmsg);
		goto fail;
	}
	return store;
fail:
	store_close(store);
	return NULL;
}

struct store *store_open_readonly(const char *path, char **ret_error)
{
	struct store *store = xcalloc(1, sizeof(*store));
	store->readonly = true;
	int version = 0, app_id = 0;
	int rc = sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
		NULL);
	if (rc != SQLITE_OK) {
		*ret_error = xasprintf("cannot open database %s: %s", path,
			store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
	if (pragma_int(store, "PRAGMA user_version", &version) < 0 ||
		pragma_int(store, "PRAGMA application_id", &app_id) < 0) {
		*ret_error = xasprintf("cannot read database %s: %s", path, store->errmsg);
		goto fail;
	}
	if (app_id != APPLICATION_ID) {
		*ret_error = xasprintf("%s is not a geotrack database", path);
		goto fail;
	}
	if (version != store_schema_version()) {
		*ret_error = version > store_schema_version()
			? xasprintf("%s has schema version %d, newer than this geotrackd supports "
				    "(%d); upgrade geotrackd", path, version, store_schema_version())
			: xasprintf("%s has schema version %d; this geotrackd reads %d: run the "
				    "daemon (geotrackd --once) once to upgrade it", path, version,
				  store_schema_version());
		goto fail;
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
	buf_free(&store->actor_names[0]);
	buf_free(&store->actor_names[1]);
	free(store);
}

const char *store_errmsg(const struct store *store)
{
	return store->errmsg;
}

int store_begin(struct store *store)
{
	return run(store, store->batch ? STMT_SAVEPOINT : STMT_BEGIN);
}

/* Writes the full-text entries of the articles added since store->fts_from. */
static int index_new_articles(struct store *store)
{
	if (!store->fts_from)
		return 0;
	sqlite3_bind_int64(store->stmts[STMT_ARTICLE_FTS_INSERT], 1, store->fts_from);
	int r = run(store, STMT_ARTICLE_FTS_INSERT);
	if (r == 0)
		store->fts_from = 0;
	return r;
}

int store_commit(struct store *store)
{
	/* In a batch, the full-text entries wait for the batch's commit: one segment for
	 * all its articles (a rolled-back savepoint's ids are reused or absent, and the
	 * entries are written from the articles table as it then is). */
	if (store->batch)
		return run(store, STMT_RELEASE);
	int r = index_new_articles(store);
	return r < 0 ? r : run(store, STMT_COMMIT);
}

void store_rollback(struct store *store)
{
	if (store->batch) {
		/* After a full disk or an I/O error SQLite may have rolled the whole
		 * transaction back already: then the batch is gone with it. */
		if (!sqlite3_get_autocommit(store->db) && run(store, STMT_ROLLBACK_TO) == 0 &&
			run(store, STMT_RELEASE) == 0)
			return;
		store_batch_rollback(store);
		return;
	}
	store->fts_from = 0;
	if (!sqlite3_get_autocommit(store->db))
		run(store, STMT_ROLLBACK);
}

int store_batch_begin(struct store *store)
{
	if (store->batch)
		return 0;
	int r = run(store, STMT_BEGIN);
	store->batch = r == 0;
	return r;
}

int store_batch_commit(struct store *store)
{
	if (!store->batch)
		return 0;
	int r = index_new_articles(store);
	if (r == 0)
		r = run(store, STMT_COMMIT);
	if (r == 0)
		store->batch = false;
	return r;
}

void store_batch_rollback(struct store *store)
{
	store->batch = false;
	store->fts_from = 0;
	if (!sqlite3_get_autocommit(store->db))
		run(store, STMT_ROLLBACK);
}

bool store_batch_active(const struct store *store)
{
	return store->batch;
}

static char *column_strdup(sqlite3_stmt *stmt, int col)
{
	const unsigned char *text = sqlite3_column_text(stmt, col);
	return text ? xstrdup((const char *)text) : NULL;
}

/* --- feeds --- */

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

/* --- articles, events, mentions --- */

/* Returns 1 if the feed's key `item_key` was pruned (and notes that the feed still shows
 * it), 0 if not, or -errno. */
static int article_was_pruned(struct store *store, int64_t feed_id, const char *item_key,
	int64_t now)
{
	if (!store->pruned_keys)
		return 0;
	sqlite3_stmt *stmt = store->stmts[STMT_ARTICLE_SEEN_PRUNED];
	sqlite3_bind_int64(stmt, 1, feed_id);
	bind_text(stmt, 2, item_key, -1);
	sqlite3_bind_int64(stmt, 3, now);
	int r = run(store, STMT_ARTICLE_SEEN_PRUNED);
	return r < 0 ? r : sqlite3_changes(store->db) > 0;
}

int store_article_elsewhere(struct store *store, int64_t feed_id, const char *url,
	int64_t now)
{
	sqlite3_stmt *stmt = store->stmts[STMT_ARTICLE_ELSEWHERE];
	sqlite3_bind_int64(stmt, 1, feed_id);
	bind_text(stmt, 2, url, -1);
	int rc = sqlite3_step(stmt);
	int64_t article_id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	int r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail_with(store, rc);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (r < 0 || !article_id)
		return r;
	stmt = store->stmts[STMT_ARTICLE_LISTING_INSERT];
	sqlite3_bind_int64(stmt, 1, article_id);
	sqlite3_bind_int64(stmt, 2, feed_id);
	sqlite3_bind_int64(stmt, 3, now);
	r = run(store, STMT_ARTICLE_LISTING_INSERT);
	return r < 0 ? r : 1;
}

int store_article_add(struct store *store, int64_t feed_id, const struct store_article *article,
	int64_t *ret_article_id)
{
	int r = article_was_pruned(store, feed_id, article->item_key, article->fetched);
	if (r != 0)
		return r < 0 ? r : 0;
	/* Memoized: the article's reports store the same time in their mentions. */
	const char *published = memo_date(&store->published_memo, article->published, false);
	sqlite3_stmt *stmt = store->stmts[STMT_ARTICLE_INSERT];
	sqlite3_bind_int64(stmt, 1, feed_id);
	bind_text(stmt, 2, article->item_key, -1);
	bind_text(stmt, 3, article->url, -1);
	bind_text(stmt, 4, article->title, -1);
	bind_text(stmt, 5, article->summary, -1);
	bind_text(stmt, 6, published, -1);
	sqlite3_bind_int(stmt, 7, article->published_is_fallback);
	bind_text(stmt, 8, memo_date(&store->added_memo, article->fetched, false), -1);
	int64_t id;
	r = insert_new(store, STMT_ARTICLE_INSERT, &id);
	if (r <= 0)
		return r; /* 0: known */
	if (!store->fts_from)
		store->fts_from = id;
	/* Outside a transaction the article is already committed: so is its entry. */
	if (sqlite3_get_autocommit(store->db) && (r = index_new_articles(store)) < 0)
		return r;
	*ret_article_id = id;
	return 1;
}

/*
 * GDELT's actor name from the words that named the actor: what SQLite's
 * upper(rtrim(words, '.,;:!?')) gives (ASCII letters upper-cased, trailing punctuation
 * cut), written to *out; NULL for no words or "".
 */
static const char *actor_name(const char *words, struct buf *out)
{
	if (!words || !words[0])
		return NULL;
	size_t len = strlen(words);
	while (len && strchr(".,;:!?", words[len - 1]))
		len--;
	buf_reset(out);
	buf_append(out, words, len);
	for (size_t i = 0; i < len; i++)
		if (out->data[i] >= 'a' && out->data[i] <= 'z')
			out->data[i] = (char)(out->data[i] - 'a' + 'A');
	return out->data ? out->data : "";
}

/* Binds an actor's full code, name and GDELT parts (split into *parts, which must
 * outlive the statement's step, as must *name) from `index` on; returns the next index. */
static int bind_actor(sqlite3_stmt *stmt, int index, const char *code, const char *words,
	struct cameo_actor_parts *parts, struct buf *name)
{
	cameo_actor_split(code, parts);
	bind_text(stmt, index++, code, -1);
	bind_text(stmt, index++, actor_name(words, name), -1);
	const char *fields[8] = {parts->country, parts->known_group, parts->ethnic,
		parts->religion1, parts->religion2, parts->type1, parts->type2, parts->type3};
	for (size_t i = 0; i < 8; i++)
		bind_present(stmt, index++, fields[i]);
	return index;
}

static int event_find(struct store *store, const char *day, const struct store_event *ev,
	const char *target, int64_t *ret_id)
{
	sqlite3_stmt *stmt = store->stmts[STMT_EVENT_FIND];
	bind_text(stmt, 1, day, -1);
	bind_text(stmt, 2, ev->source, -1);
	bind_text(stmt, 3, ev->event_code, -1);
	bind_text(stmt, 4, target, -1);
	int rc = sqlite3_step(stmt);
	int r = 0;
	if (rc == SQLITE_ROW) {
		*ret_id = sqlite3_column_int64(stmt, 0);
		r = 1;
	} else if (rc != SQLITE_DONE) {
		r = fail_with(store, rc);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

/* Inserts the event unless it exists. Returns 1 and sets *ret_id for a new event, 0 if
 * it existed, or -errno. */
static int event_insert(struct store *store, const char *day, const char *added,
	const struct store_report_origin *origin, const struct store_event *ev,
	const char *target, int64_t *ret_id)
{
	sqlite3_stmt *stmt = store->stmts[STMT_EVENT_INSERT];
	char base[5], root[3];
	struct cameo_actor_parts source_parts, target_parts;
	event_code_parts(ev->event_code, base, root);
	int i = 1;
	bind_text(stmt, i++, day, -1);
	i = bind_actor(stmt, i, ev->source, ev->source_text, &source_parts,
		&store->actor_names[0]);
	i = bind_actor(stmt, i, target, ev->target_text, &target_parts, &store->actor_names[1]);
	sqlite3_bind_int(stmt, i++, ev->in_lead);
	bind_text(stmt, i++, ev->event_code, -1);
	bind_text(stmt, i++, base, -1);
	bind_text(stmt, i++, root, -1);
	if (ev->quad_class > 0) {
		sqlite3_bind_int(stmt, i++, ev->quad_class);
		sqlite3_bind_double(stmt, i++, ev->goldstein);
	} else {
		sqlite3_bind_null(stmt, i++);
		sqlite3_bind_null(stmt, i++);
	}
	bind_optional(stmt, i++, ev->location);
	bind_text(stmt, i++, added, -1);
	bind_text(stmt, i++, origin->url, -1);
	sqlite3_bind_int64(stmt, i++, origin->article_id);
	sqlite3_bind_int(stmt, i++, (int)ev->sentence_index);
	bind_text(stmt, i++, ev->sentence, (int)ev->sentence_len);
	bind_text(stmt, i++, ev->source_text, -1);
	bind_text(stmt, i++, ev->verb_text, -1);
	bind_text(stmt, i++, ev->target_text, -1);
	bind_text(stmt, i++, ev->pattern, -1);
	return insert_new(store, STMT_EVENT_INSERT, ret_id);
}

/* Returns 1 if the mention is new (its id in *ret_id), 0 if it was stored before, or
 * -errno. */
static int mention_insert(struct store *store, int64_t event_id, const char *added,
	const struct store_report_origin *origin, const struct store_event *ev,
	const char *source_name, int64_t *ret_id)
{
	sqlite3_stmt *stmt = store->stmts[STMT_MENTION_INSERT];
	const char *published = memo_date(&store->published_memo, origin->published, false);
	int i = 1;
	sqlite3_bind_int64(stmt, i++, event_id);
	sqlite3_bind_int64(stmt, i++, origin->article_id);
	sqlite3_bind_int64(stmt, i++, origin->feed_id);
	bind_text(stmt, i++, published, -1);
	bind_text(stmt, i++, added, -1);
	bind_text(stmt, i++, source_name, -1);
	bind_text(stmt, i++, origin->url, -1);
	sqlite3_bind_int(stmt, i++, (int)ev->sentence_index);
	sqlite3_bind_int64(stmt, i++, (sqlite3_int64)origin->doc_len);
	bind_text(stmt, i++, ev->sentence, (int)ev->sentence_len);
	bind_text(stmt, i++, ev->source_text, -1);
	bind_text(stmt, i++, ev->verb_text, -1);
	bind_text(stmt, i++, ev->target_text, -1);
	bind_text(stmt, i++, ev->pattern, -1);
	bind_text(stmt, i++, ev->pattern_origin, -1);
	return insert_new(store, STMT_MENTION_INSERT, ret_id);
}

/*
 * The counts on events are kept here, in the transaction that stores the report: a new
 * event is written with one mention, article and source; a known one's counts follow
 * each new mention. Mentions are never deleted on their own (retention keeps them,
 * without their article), so the counts stay the number of reports ever stored.
 */
int store_event_add(struct store *store, const struct store_report_origin *origin,
	const struct store_event *event)
{
	char source_name[256];
	const char *target = event->target ? event->target : "";
	const char *day = memo_date(&store->day_memo, event->event_day, true);
	const char *added = memo_date(&store->added_memo, origin->added, false);
	source_name_of(origin->url, source_name, sizeof(source_name));
	if (!source_name[0])
		source_name_of(origin->feed_url, source_name, sizeof(source_name));
	int64_t event_id = 0, mention_id = 0;
	/* Most reports are of an event stored already (the same story from feed after
	 * feed): look it up first, and build the wide new row only when it is not there. */
	int r = event_find(store, day, event, target, &event_id);
	if (r < 0)
		return r;
	bool is_new = r == 0;
	if (is_new) {
		r = event_insert(store, day, added, origin, event, target, &event_id);
		if (r < 0)
			return r;
		if (r == 0) {
			snprintf(store->errmsg, sizeof(store->errmsg), "event appeared while storing");
			return -EIO;
		}
	}
	r = mention_insert(store, event_id, added, origin, event, source_name, &mention_id);
	if (r <= 0 || is_new)
		return r < 0 ? r : is_new;
	sqlite3_stmt *stmt = store->stmts[STMT_EVENT_COUNT];
	sqlite3_bind_int64(stmt, 1, event_id);
	sqlite3_bind_int64(stmt, 2, origin->article_id);
	sqlite3_bind_int64(stmt, 3, mention_id);
	bind_text(stmt, 4, source_name, -1);
	r = run(store, STMT_EVENT_COUNT);
	return r < 0 ? r : 0;
}

/* --- retention and housekeeping --- */

/* How long past the retention period a pruned key no fetch has shown is remembered. */
#define PRUNED_KEY_MEMORY (365 * 86400)

int store_prune(struct store *store, int64_t cutoff, int64_t now, size_t limit)
{
	char cutoff_text[DATE_TEXT_SIZE], now_text[DATE_TEXT_SIZE], forget_text[DATE_TEXT_SIZE];
	date_format(cutoff, cutoff_text);
	date_format(now, now_text);
	date_format(cutoff - PRUNED_KEY_MEMORY, forget_text);
	int r = store_begin(store);
	if (r < 0)
		return r;
	sqlite3_stmt *stmt = store->stmts[STMT_PRUNE_REMEMBER];
	bind_text(stmt, 1, cutoff_text, -1);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)limit);
	bind_text(stmt, 3, now_text, -1);
	r = run(store, STMT_PRUNE_REMEMBER);
	if (r < 0)
		goto fail;
	stmt = store->stmts[STMT_PRUNE_DELETE];
	bind_text(stmt, 1, cutoff_text, -1);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)limit);
	r = run(store, STMT_PRUNE_DELETE);
	if (r < 0)
		goto fail;
	int deleted = sqlite3_changes(store->db);
	stmt = store->stmts[STMT_PRUNE_FORGET];
	bind_text(stmt, 1, forget_text, -1);
	r = run(store, STMT_PRUNE_FORGET);
	if (r < 0)
		goto fail;
	r = store_commit(store);
	if (r < 0)
		goto fail;
	r = refresh_pruned_keys(store);
	return r < 0 ? r : deleted;
fail:
	store_rollback(store);
	return r;
}

int store_maintain(struct store *store)
{
	/* optimize may ANALYZE: on a million events a full one takes seconds of the loop,
	 * one that samples 1000 rows per index a few milliseconds and plans as well. */
	int r = exec_sql(store, "PRAGMA analysis_limit = 1000; PRAGMA optimize");
	if (r < 0)
		return r;
	int rc = sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail_with(store, rc);
}

/* --- export --- */

long store_export(struct store *store, enum store_export_view view, const char *since,
	const char *until, store_row_fn row, void *ctx)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(store->db, export_sql[view], -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return fail_with(store, rc);
	bind_text(stmt, 1, since ? since : "0000-00-00", -1);
	bind_text(stmt, 2, until ? until : "9999-99-99", -1);
	size_t count = (size_t)sqlite3_column_count(stmt);
	const char **names = xcalloc(count, sizeof(*names));
	const char **values = xcalloc(count, sizeof(*values));
	for (size_t i = 0; i < count; i++)
		names[i] = sqlite3_column_name(stmt, (int)i);
	long rows = 0;
	int r = row(ctx, count, names, NULL);
	rc = SQLITE_DONE;
	while (r == 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (size_t i = 0; i < count; i++)
			values[i] = (const char *)sqlite3_column_text(stmt, (int)i);
		r = row(ctx, count, names, values);
		rows++;
	}
	if (r < 0)
		rows = r;
	else if (rc != SQLITE_DONE)
		rows = fail_with(store, rc);
	free(names);
	free(values);
	sqlite3_finalize(stmt);
	return rows;
}

/* --- fetch state (schema 3) --- */

static const char *const health_names[] = {
	[STORE_FEED_ACTIVE] = "active",
	[STORE_FEED_DEAD] = "dead",
	[STORE_FEED_GONE] = "gone",
};

int store_feed_fetch_state_get(struct store *store, int64_t feed_id,
	struct store_feed_fetch_state *ret_state)
{
	sqlite3_stmt *stmt = store->stmts[STMT_FEED_FETCH_STATE_GET];
	sqlite3_bind_int64(stmt, 1, feed_id);
	int rc = sqlite3_step(stmt);
	int r;
	if (rc == SQLITE_ROW) {
		struct store_feed_fetch_state state = {0};
		const char *health = (const char *)sqlite3_column_text(stmt, 0);
		for (size_t i = 0; health && i < sizeof(health_names) / sizeof(*health_names); i++)
			if (strcmp(health, health_names[i]) == 0)
				state.health = (enum store_feed_health)i;
		state.fetch_url = column_strdup(stmt, 1);
		state.body_hash = column_strdup(stmt, 2);
		state.failing_since = sqlite3_column_int64(stmt, 3);
		state.next_poll = sqlite3_column_int64(stmt, 4);
		state.consecutive_failures = (unsigned)sqlite3_column_int(stmt, 5);
		state.last_error = column_strdup(stmt, 6);
		state.last_status = sqlite3_column_int(stmt, 7);
		size_t key_bytes = (size_t)sqlite3_column_bytes(stmt, 8);
		const void *keys = sqlite3_column_blob(stmt, 8);
		if (keys && key_bytes >= sizeof(uint64_t)) {
			state.item_key_count = key_bytes / sizeof(uint64_t);
			state.item_keys = xmalloc(state.item_key_count * sizeof(uint64_t));
			memcpy(state.item_keys, keys, state.item_key_count * sizeof(uint64_t));
		}
		size_t span_bytes = (size_t)sqlite3_column_bytes(stmt, 9);
		const void *spans = sqlite3_column_blob(stmt, 9);
		if (spans && span_bytes >= SPAN_BYTES) {
			state.item_span_count = span_bytes / SPAN_BYTES;
			state.item_spans = xmalloc(state.item_span_count * SPAN_BYTES);
			memcpy(state.item_spans, spans, state.item_span_count * SPAN_BYTES);
		}
		state.last_new_item_at = sqlite3_column_int64(stmt, 10);
		state.stale_since = sqlite3_column_int64(stmt, 11);
		state.added_at = sqlite3_column_int64(stmt, 12);
		state.last_body_at = sqlite3_column_int64(stmt, 13);
		*ret_state = state;
		r = 0;
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : fail_with(store, rc);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return r;
}

void store_feed_fetch_state_clear(struct store_feed_fetch_state *state)
{
	free(state->fetch_url);
	free(state->body_hash);
	free(state->last_error);
	free(state->item_keys);
	free(state->item_spans);
	state->fetch_url = state->body_hash = state->last_error = NULL;
	state->item_keys = state->item_spans = NULL;
	state->item_key_count = state->item_span_count = 0;
}

int store_feed_fetch_state_set(struct store *store, int64_t feed_id,
	const struct store_feed_fetch_state *state)
{
	sqlite3_stmt *stmt = store->stmts[STMT_FEED_FETCH_STATE_SET];
	sqlite3_bind_int64(stmt, 1, feed_id);
	bind_text(stmt, 2, health_names[state->health], -1);
	bind_text(stmt, 3, state->fetch_url, -1);
	bind_text(stmt, 4, state->body_hash, -1);
	sqlite3_bind_int64(stmt, 5, state->failing_since);
	sqlite3_bind_int64(stmt, 6, state->next_poll);
	if (state->item_keys)
		sqlite3_bind_blob64(stmt, 7, state->item_keys,
			(sqlite3_uint64)(state->item_key_count * sizeof(uint64_t)), SQLITE_STATIC);
	if (state->item_keys && state->item_spans)
		sqlite3_bind_blob64(stmt, 8, state->item_spans,
			(sqlite3_uint64)(state->item_span_count * SPAN_BYTES), SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 9, state->last_new_item_at);
	sqlite3_bind_int64(stmt, 10, state->stale_since);
	sqlite3_bind_int64(stmt, 11, state->last_body_at);
	return run(store, STMT_FEED_FETCH_STATE_SET);
}

int store_fetch_log_add(struct store *store, const struct store_fetch_log_entry *entry,
	unsigned keep_rows)
{
	sqlite3_stmt *stmt = store->stmts[STMT_FETCH_LOG_INSERT];
	sqlite3_bind_int64(stmt, 1, entry->feed_id);
	sqlite3_bind_int64(stmt, 2, entry->time);
	bind_text(stmt, 3, entry->url, -1);
	sqlite3_bind_int64(stmt, 4, entry->http_status);
	bind_text(stmt, 5, entry->result, -1);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)entry->bytes);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)entry->wire_bytes);
	sqlite3_bind_int64(stmt, 8, entry->duration_ms);
	sqlite3_bind_int64(stmt, 9, (sqlite3_int64)entry->items_new);
	bind_text(stmt, 10, entry->error, -1);
	int r = run(store, STMT_FETCH_LOG_INSERT);
	if (r < 0)
		return r;
	stmt = store->stmts[STMT_FETCH_LOG_TRIM];
	sqlite3_bind_int64(stmt, 1, entry->feed_id);
	sqlite3_bind_int64(stmt, 2, keep_rows);
	return run(store, STMT_FETCH_LOG_TRIM);
}
