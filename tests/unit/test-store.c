/* store: the database a user opens with the sqlite3 shell. Real SQLite files in a temp dir. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "../tap.h"

static char dir[] = "/tmp/geotrack-test-store-XXXXXX";

static char *path_in_dir(const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* Runs a query through the sqlite3 shell and returns its first output line. */
static char *shell(const char *db, const char *query)
{
	char *cmd = NULL;
	if (asprintf(&cmd, "sqlite3 -batch '%s' \"%s\"", db, query) < 0)
		abort();
	FILE *p = popen(cmd, "r");
	free(cmd);
	static char line[512];
	line[0] = '\0';
	if (p) {
		if (!fgets(line, sizeof(line), p))
			line[0] = '\0';
		pclose(p);
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void test_create_and_migrate(void)
{
	char *db = path_in_dir("new.db");
	char *error = NULL;
	struct store *store = store_open(db, &error);
	ok(store != NULL, "a new database is created");
	store_close(store);
	char want[16];
	snprintf(want, sizeof(want), "%d", store_schema_version());
	is_str(shell(db, "PRAGMA user_version"), want, "user_version is the schema version");
	is_str(shell(db, "PRAGMA journal_mode"), "wal", "WAL mode persists for shell readers");
	is_str(shell(db, "PRAGMA application_id"), "1197829972", "application_id marks it as ours");
	store = store_open(db, &error);
	ok(store != NULL, "reopening an up-to-date database works");
	store_close(store);
	free(db);
}

static void test_refuses_newer(void)
{
	char *db = path_in_dir("newer.db");
	char *error = NULL;
	store_close(store_open(db, &error));
	shell(db, "PRAGMA user_version = 999");
	struct store *store = store_open(db, &error);
	ok(store == NULL, "a database from a newer geotrackd is refused");
	ok(error && strstr(error, "newer than this geotrackd"), "and the message says why");
	free(error);
	free(db);
}

static void test_refuses_foreign_file(void)
{
	char *db = path_in_dir("foreign.db");
	shell(db, "PRAGMA application_id = 42; CREATE TABLE t(x);");
	char *error = NULL;
	struct store *store = store_open(db, &error);
	ok(store == NULL, "another application's database is not touched");
	ok(error && strstr(error, "not a geotrack database"), "and the message says so");
	free(error);
	free(db);

	db = path_in_dir("text.db");
	FILE *f = fopen(db, "w");
	fputs("this is not a database, just text that happens to be long enough", f);
	fclose(f);
	store = store_open(db, &error);
	ok(store == NULL, "a file that is not SQLite is refused with an error, not a crash");
	free(error);
	free(db);
}

static void test_articles_and_events_are_unique(void)
{
	char *db = path_in_dir("unique.db");
	char *error = NULL;
	struct store *store = store_open(db, &error);
	struct store_feed_state feed = {0};
	is_int(store_feed_open(store, "https://x.example/rss", "X", 1700000000, &feed), 0,
		"feed row created");
	struct store_feed_state again = {0};
	store_feed_open(store, "https://x.example/rss", NULL, 1700000100, &again);
	is_int(again.id, feed.id, "the same URL maps to the same feed row");
	struct store_article article = {
		.item_key = "guid-1",
		.url = "https://x.example/1",
		.title = "Headline",
		.summary = "Summary.",
		.published = 1553451600, /* 2019-03-24 18:20:00 UTC */
		.fetched = 1700000000,
	};
	int64_t id = 0, id2 = 0;
	is_int(store_begin(store), 0, "begin");
	is_int(store_article_add(store, feed.id, &article, &id), 1, "a new article is added");
	is_int(store_article_add(store, feed.id, &article, &id2), 0, "the same key again is not");
	struct store_event event = {
		.article_id = id,
		.sentence_index = 1,
		.event_day = 17979, /* 2019-03-24 */
		.source = "RUS",
		.event_code = "154",
		.target = "VEN",
		.quad_class = 4,
		.goldstein = -7.2,
		.sentence = "Russia deploys troops to Venezuela",
		.sentence_len = 34,
	};
	is_int(store_event_add(store, &event), 0, "an event is added");
	is_int(store_event_add(store, &event), 0, "its duplicate is ignored without error");
	is_int(store_commit(store), 0, "commit");
	store_close(store);
	is_str(shell(db, "SELECT count(*) FROM events"), "1", "one event stored");
	is_str(shell(db, "SELECT event_date || ' ' || source || ' ' || event_code || ' ' || target FROM events"),
		"2019-03-24 RUS 154 VEN", "the event reads back as stored");
	is_str(shell(db, "SELECT published_at FROM articles"), "2019-03-24 18:20:00",
		"times are UTC text a shell user can compare with datetime()");
	store_feed_state_clear(&feed);
	store_feed_state_clear(&again);
	free(db);
}

static void test_rollback_leaves_nothing(void)
{
	char *db = path_in_dir("rollback.db");
	char *error = NULL;
	struct store *store = store_open(db, &error);
	struct store_feed_state feed = {0};
	store_feed_open(store, "https://y.example/rss", NULL, 1700000000, &feed);
	struct store_article article = {.item_key = "k", .published = 1, .fetched = 1};
	int64_t id;
	store_begin(store);
	store_article_add(store, feed.id, &article, &id);
	store_rollback(store);
	store_close(store);
	is_str(shell(db, "SELECT count(*) FROM articles"), "0",
		"a rolled-back ingest leaves no article behind");
	store_feed_state_clear(&feed);
	free(db);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_create_and_migrate();
	test_refuses_newer();
	test_refuses_foreign_file();
	test_articles_and_events_are_unique();
	test_rollback_leaves_nothing();
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return tap_done();
}
