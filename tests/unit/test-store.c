/*
 * store: the database a user opens with the sqlite3 shell. Real SQLite files in a temp
 * dir, read back through the real sqlite3 shell, as a user would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "../tap.h"

#define SCHEMA_1 GEOTRACK_SOURCE_ROOT "/schema/0001-initial.sql"
#define SCHEMA_2 GEOTRACK_SOURCE_ROOT "/schema/0002-events.sql"
#define SCHEMA_3 GEOTRACK_SOURCE_ROOT "/schema/0003-fetch.sql"
#define GDELT_SCHEMA GEOTRACK_SOURCE_ROOT "/../shared/reference/gdelt/event_schema.tsv"

static char dir[] = "/tmp/geotrack-test-store-XXXXXX";

static char *path_in_dir(const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/*
 * Runs SQL through the sqlite3 shell and returns its whole output, rows on lines joined
 * by ';' and columns by '|' ("1|a;2|b"). The SQL goes through a file: no shell quoting.
 */
static char *shell(const char *db, const char *sql)
{
	static char out[8192];
	char *sql_path = path_in_dir("query.sql");
	FILE *f = fopen(sql_path, "w");
	if (!f)
		abort();
	fputs(sql, f);
	fclose(f);
	char *cmd = NULL;
	if (asprintf(&cmd, "sqlite3 -batch '%s' < '%s' 2>&1", db, sql_path) < 0)
		abort();
	FILE *p = popen(cmd, "r");
	free(cmd);
	free(sql_path);
	size_t len = 0;
	out[0] = '\0';
	if (p) {
		char line[2048];
		while (fgets(line, sizeof(line), p)) {
			line[strcspn(line, "\n")] = '\0';
			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? ";" : "", line);
			if (len >= sizeof(out))
				len = sizeof(out) - 1;
		}
		pclose(p);
	}
	return out;
}

static struct store *open_or_die(const char *db)
{
	char *error = NULL;
	struct store *store = store_open(db, &error);
	if (!store) {
		printf("# store_open(%s): %s\n", db, error);
		free(error);
		exit(1);
	}
	return store;
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
	is_str(shell(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT "
			 "LIKE 'sqlite_%' AND name NOT LIKE 'articles_fts%' AND sql NOT LIKE '%STRICT%'"),
		"0", "every table is STRICT");
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
	error = NULL;
	store = store_open_readonly(db, &error);
	ok(store == NULL && error && strstr(error, "upgrade geotrackd"),
		"the read-only open (export) refuses it too");
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
	error = NULL;
	store = store_open(db, &error);
	ok(store == NULL, "a file that is not SQLite is refused with an error, not a crash");
	free(error);
	free(db);
}

static void test_codebook_tables(void)
{
	char *db = path_in_dir("codebook.db");
	store_close(open_or_die(db));
	is_str(shell(db, "SELECT count(*) FROM cameo_event_codes"), "317",
		"all 317 CAMEO event codes are in cameo_event_codes");
	is_str(shell(db, "SELECT label, quad_class, goldstein FROM cameo_event_codes WHERE code = '190'"),
		"Use conventional military force, not specified below|4|-10.0",
		"190 reads with GDELT's label, QuadClass and Goldstein value");
	is_str(shell(db, "SELECT label FROM cameo_countries WHERE code = 'UKR'"), "Ukraine",
		"countries have labels");
	is_str(shell(db, "SELECT label FROM cameo_known_groups WHERE code = 'NAT'"),
		"North Atlantic Treaty Organization (NATO)", "known groups have labels");
	is_str(shell(db, "SELECT label FROM cameo_actor_types WHERE code = 'MIL'"), "Military",
		"roles have labels");
	is_str(shell(db, "SELECT label FROM cameo_quad_classes WHERE quad_class = 4"),
		"Material Conflict", "quad classes have labels");

	/* Loaded once per codebook: a reopen leaves the tables alone, a changed codebook
	 * (simulated by a stale checksum) reloads them. */
	shell(db, "UPDATE cameo_countries SET label = 'edited' WHERE code = 'UKR'");
	store_close(open_or_die(db));
	is_str(shell(db, "SELECT label FROM cameo_countries WHERE code = 'UKR'"), "edited",
		"an unchanged codebook is not reloaded at every start");
	shell(db, "UPDATE meta SET value = 'stale' WHERE key = 'codebook'");
	store_close(open_or_die(db));
	is_str(shell(db, "SELECT label FROM cameo_countries WHERE code = 'UKR'"), "Ukraine",
		"a changed codebook is reloaded");
	free(db);
}

static int64_t add_feed(struct store *store, const char *url)
{
	struct store_feed_state feed = {0};
	if (store_feed_open(store, url, NULL, 1700000000, &feed) < 0)
		abort();
	store_feed_state_clear(&feed);
	return feed.id;
}

static int64_t add_article(struct store *store, int64_t feed_id, const char *key, const char *url,
	const char *title, int64_t published)
{
	struct store_article article = {
		.item_key = key,
		.url = url,
		.title = title,
		.summary = "Summary text.",
		.published = published,
		.fetched = published + 600,
	};
	int64_t id = 0;
	if (store_article_add(store, feed_id, &article, &id) != 1)
		return 0;
	return id;
}

#define DAY_2019_03_24 17979
#define TIME_2019_03_24 1553451600 /* 2019-03-24 18:20:00 UTC */

static struct store_event venezuela_event(unsigned sentence)
{
	struct store_event ev = {
		.sentence_index = sentence,
		.in_lead = sentence <= 2,
		.event_day = DAY_2019_03_24,
		.source = "RUSMIL",
		.event_code = "154",
		.target = "VEN",
		.location = "VEN",
		.quad_class = 4,
		.goldstein = -7.2,
		.sentence = "Russian troops deploy to Venezuela",
		.sentence_len = 34,
		.source_text = "Russian troops",
		.verb_text = "deploy",
		.target_text = "Venezuela",
		.pattern = "deploy * to +",
		.pattern_origin = "default.verbs:12",
	};
	return ev;
}

static struct store_report_origin origin_of(int64_t article_id, int64_t feed_id,
	const char *url, int64_t published)
{
	struct store_report_origin origin = {
		.article_id = article_id,
		.feed_id = feed_id,
		.url = url,
		.feed_url = "https://feeds.example/rss",
		.published = published,
		.added = published + 600,
		.doc_len = 120,
	};
	return origin;
}

static void test_events_and_mentions(void)
{
	char *db = path_in_dir("events.db");
	struct store *store = open_or_die(db);
	int64_t bbc = add_feed(store, "https://feeds.bbci.co.uk/news/world/rss.xml");
	int64_t dw = add_feed(store, "https://rss.dw.com/rdf/rss-en-world");
	is_int(store_begin(store), 0, "begin");
	int64_t a1 = add_article(store, bbc, "bbc-1", "https://www.bbc.co.uk/news/1",
		"Russian troops deploy to Venezuela", TIME_2019_03_24);
	ok(a1 > 0, "a new article is added");
	int64_t again = 0;
	struct store_article dup = {.item_key = "bbc-1", .published = 1, .fetched = 1};
	is_int(store_article_add(store, bbc, &dup, &again), 0, "the same key again is not");

	struct store_event ev = venezuela_event(1);
	struct store_report_origin bbc1 = origin_of(a1, bbc, "https://www.bbc.co.uk/news/1",
		TIME_2019_03_24);
	is_int(store_event_add(store, &bbc1, &ev), 1, "the first report makes a new event");
	is_int(store_event_add(store, &bbc1, &ev), 0, "the same report again adds nothing");
	/* The same article says it again two sentences later: one more mention, same article. */
	struct store_event ev3 = venezuela_event(3);
	is_int(store_event_add(store, &bbc1, &ev3), 0, "a second sentence is a mention");
	/* Another BBC feed item (same source) and a DW item (another source) the same day. */
	int64_t a2 = add_article(store, bbc, "bbc-2", "https://www.bbc.com/news/2",
		"Moscow sends soldiers to Caracas", TIME_2019_03_24 + 3600);
	struct store_report_origin bbc2 = origin_of(a2, bbc, "https://www.bbc.com/news/2",
		TIME_2019_03_24 + 3600);
	is_int(store_event_add(store, &bbc2, &ev), 0, "another article the same day is a mention");
	int64_t a3 = add_article(store, dw, "dw-1", "https://www.dw.com/en/a-1",
		"Russia deploys troops to Venezuela", TIME_2019_03_24 + 7200);
	struct store_report_origin dw1 = origin_of(a3, dw, "https://www.dw.com/en/a-1",
		TIME_2019_03_24 + 7200);
	is_int(store_event_add(store, &dw1, &ev), 0, "so is another feed's article");
	/* The next day is another event; so is another code, or no target. */
	struct store_event next_day = venezuela_event(1);
	next_day.event_day++;
	is_int(store_event_add(store, &dw1, &next_day), 1, "the same action a day later is a new event");
	struct store_event no_target = venezuela_event(2);
	no_target.target = "";
	no_target.target_text = NULL;
	is_int(store_event_add(store, &dw1, &no_target), 1, "an event without a target is its own");
	is_int(store_commit(store), 0, "commit");
	store_close(store);

	is_str(shell(db, "SELECT count(*) FROM events"), "3", "three distinct events");
	is_str(shell(db, "SELECT num_mentions, num_articles, num_sources FROM events "
			 "WHERE event_date = '2019-03-24' AND actor2_code = 'VEN'"),
		"4|3|3", "the reported event counts 4 mentions in 3 articles from 3 sources");
	is_str(shell(db, "SELECT group_concat(source_name, ' ') FROM (SELECT source_name FROM "
			 "mentions m JOIN events e ON e.id = m.event_id WHERE e.actor2_code = 'VEN' "
			 "AND e.event_date = '2019-03-24' ORDER BY m.id)"),
		"bbc.co.uk bbc.co.uk bbc.com dw.com", "source names are hosts without www.");
	is_str(shell(db, "SELECT count(*) FROM events e WHERE num_mentions <> (SELECT count(*) "
			 "FROM mentions m WHERE m.event_id = e.id)"),
		"0", "every event's num_mentions is its count of mentions");
	is_str(shell(db, "SELECT actor1_code, actor1_name, actor1_country_code, actor1_type1_code, "
			 "actor2_code, actor2_country_code, event_code, event_base_code, event_root_code, "
			 "quad_class, goldstein_scale, is_root_event, action_country_code, source_url "
			 "FROM events WHERE id = 1"),
		"RUSMIL|RUSSIAN TROOPS|RUS|MIL|VEN|VEN|154|154|15|4|-7.2|1|VEN|https://www.bbc.co.uk/news/1",
		"the event has GDELT's fields: split actors, base and root codes, first URL");
	is_str(shell(db, "SELECT sentence, actor1_text, action_text, actor2_text, pattern, article_id "
			 "FROM events WHERE id = 1"),
		"Russian troops deploy to Venezuela|Russian troops|deploy|Venezuela|deploy * to +|1",
		"and the evidence GDELT lacks: sentence, matched words, pattern, article");
	is_str(shell(db, "SELECT date, source, source_name, action, action_label, target, "
			 "target_name, mentions, sources, location FROM event_view WHERE id = 1"),
		"2019-03-24|RUSMIL|Russia military|154|Mobilize or increase armed forces|VEN|"
		"Venezuela|4|3|Venezuela",
		"event_view reads in words");
	is_str(shell(db, "SELECT e.actor2_name IS NULL, v.target IS NULL, v.target_name IS NULL FROM "
			 "events e JOIN event_view v USING (id) WHERE e.actor2_code = ''"),
		"1|1|1", "an event without a target has actor2_code '' and no target in event_view");
	is_str(shell(db, "SELECT DISTINCT feed FROM mention_view WHERE source_name = 'dw.com'"),
		"https://rss.dw.com/rdf/rss-en-world", "mention_view names each mention's feed");
	/* A four-digit code: GDELT's base code is its three-digit parent. */
	struct store *again_store = open_or_die(db);
	struct store_event appeal = venezuela_event(4);
	appeal.event_code = "0251";
	/* GDELT's names: upper case (ASCII letters, as SQLite's upper()) without the
	 * sentence's trailing punctuation; words that are all punctuation give ''. */
	appeal.source_text = "Rußland's army,";
	appeal.target_text = "...";
	store_begin(again_store);
	store_event_add(again_store, &dw1, &appeal);
	store_commit(again_store);
	store_close(again_store);
	is_str(shell(db, "SELECT event_base_code, event_root_code, quad_class FROM events "
			 "WHERE event_code = '0251'"),
		"025|02|4", "0251 has base code 025 and root 02");
	is_str(shell(db, "SELECT actor1_name, quote(actor2_name) FROM events WHERE event_code = '0251'"),
		"RUßLAND'S ARMY|''", "actor names are upper case without trailing punctuation");
	free(db);
}

/* GDELT's column names of `table` ("events" or "mentions") from the reference schema,
 * or NULL if ../shared is absent. */
static char **gdelt_columns(const char *table, size_t *ret_count)
{
	FILE *f = fopen(GDELT_SCHEMA, "r");
	if (!f)
		return NULL;
	char **names = calloc(128, sizeof(*names));
	size_t n = 0;
	char line[16384];
	while (fgets(line, sizeof(line), f) && n < 128) {
		char *fields[4] = {0};
		char *p = line;
		for (size_t i = 0; i < 4 && p; i++) {
			fields[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (fields[3] && strcmp(fields[0], table) == 0)
			names[n++] = strdup(fields[3]);
	}
	fclose(f);
	*ret_count = n;
	return names;
}

struct collected {
	size_t headers;
	size_t rows;
	size_t columns;
	char names[128][40];
	char values[128][4096];
};

static int collect_row(void *ctx, size_t count, const char *const *names,
	const char *const *values)
{
	struct collected *c = ctx;
	if (!values) {
		c->headers++;
		return 0;
	}
	c->rows++;
	c->columns = count;
	for (size_t i = 0; i < count && i < 128; i++) {
		snprintf(c->names[i], sizeof(c->names[i]), "%s", names[i]);
		snprintf(c->values[i], sizeof(c->values[i]), "%s", values[i] ? values[i] : "");
	}
	return 0;
}

static const char *column_value(const struct collected *c, const char *name)
{
	for (size_t i = 0; i < c->columns; i++)
		if (strcmp(c->names[i], name) == 0)
			return c->values[i];
	return NULL;
}

static void test_gdelt_view_and_export(void)
{
	char *db = path_in_dir("events.db"); /* built by test_events_and_mentions */
	char *error = NULL;
	struct store *store = store_open_readonly(db, &error);
	ok(store != NULL, "an up-to-date database opens read-only");
	if (!store) {
		printf("# %s\n", error);
		free(error);
		free(db);
		return;
	}
	struct collected c = {0};
	long rows = store_export(store, STORE_EXPORT_GDELT, "2019-03-24", "2019-03-24",
		collect_row, &c);
	is_int(rows, 3, "three events on 2019-03-24");
	is_int(c.columns, 61, "a GDELT row has 61 columns");
	is_int(c.headers, 1, "the column names come once, before the rows");
	size_t gdelt_count = 0;
	char **gdelt = gdelt_columns("events", &gdelt_count);
	if (gdelt) {
		is_int(gdelt_count, 61, "the reference schema lists 61 event columns");
		size_t same = 0;
		for (size_t i = 0; i < gdelt_count && i < c.columns; i++) {
			if (strcmp(gdelt[i], c.names[i]) == 0)
				same++;
			else
				printf("# column %zu is %s, GDELT's is %s\n", i + 1, c.names[i], gdelt[i]);
			free(gdelt[i]);
		}
		free(gdelt);
		is_int(same, 61, "every column has GDELT's name in GDELT's order");
	} else {
		printf("# skip: %s not found\n", GDELT_SCHEMA);
	}

	/* GDELT's mentions table: a view with its 16 columns, one row per mention. */
	gdelt = gdelt_columns("mentions", &gdelt_count);
	if (gdelt) {
		char names[1024] = "";
		for (size_t i = 0; i < gdelt_count; i++) {
			size_t len = strlen(names);
			snprintf(names + len, sizeof(names) - len, "%s%s", i ? ";" : "", gdelt[i]);
			free(gdelt[i]);
		}
		free(gdelt);
		is_int(gdelt_count, 16, "the reference lists 16 mention columns");
		is_str(shell(db, "SELECT name FROM pragma_table_info('gdelt_mentions')"), names,
			"gdelt_mentions has GDELT's mention columns in GDELT's order");
		is_str(shell(db, "SELECT (SELECT count(*) FROM gdelt_mentions) = "
				 "(SELECT count(*) FROM mentions)"),
			"1", "one gdelt_mentions row per mention");
		is_str(shell(db, "SELECT MentionType, MentionSourceName, SentenceID, InRawText FROM "
				 "gdelt_mentions WHERE MentionIdentifier = 'https://www.dw.com/en/a-1' "
				 "ORDER BY SentenceID LIMIT 1"),
			"1|dw.com|1|1", "a mention reads as a GDELT web mention of its sentence");
	}

	memset(&c, 0, sizeof(c));
	rows = store_export(store, STORE_EXPORT_GDELT, "2019-03-25", NULL, collect_row, &c);
	is_int(rows, 1, "--since alone bounds from below");
	is_str(column_value(&c, "SQLDATE"), "20190325", "SQLDATE is YYYYMMDD");
	is_str(column_value(&c, "MonthYear"), "201903", "MonthYear is YYYYMM");
	is_str(column_value(&c, "Year"), "2019", "Year");
	/* GDELT: YYYY + ((month - 1) * 30 + day) / 365, to four places. */
	is_str(column_value(&c, "FractionDate"), "2019.2329", "FractionDate as GDELT computes it");
	is_str(column_value(&c, "Actor1Code"), "RUSMIL", "Actor1Code");
	is_str(column_value(&c, "Actor1CountryCode"), "RUS", "Actor1CountryCode");
	is_str(column_value(&c, "Actor1Type1Code"), "MIL", "Actor1Type1Code");
	is_str(column_value(&c, "EventCode"), "154", "EventCode");
	is_str(column_value(&c, "EventBaseCode"), "154", "EventBaseCode");
	is_str(column_value(&c, "EventRootCode"), "15", "EventRootCode");
	is_str(column_value(&c, "QuadClass"), "4", "QuadClass");
	is_str(column_value(&c, "GoldsteinScale"), "-7.2", "GoldsteinScale");
	is_str(column_value(&c, "NumMentions"), "1", "NumMentions");
	is_str(column_value(&c, "Actor1Geo_Type"), "0", "no actor location: type 0 as in GDELT");
	is_str(column_value(&c, "ActionGeo_FullName"), "Venezuela", "the action's country by name");
	/* Stored when the DW article (2019-03-24 20:20 + 10 minutes) was fetched. */
	is_str(column_value(&c, "DATEADDED"), "20190324203000", "DATEADDED is YYYYMMDDHHMMSS");
	is_str(column_value(&c, "SOURCEURL"), "https://www.dw.com/en/a-1", "SOURCEURL");

	memset(&c, 0, sizeof(c));
	rows = store_export(store, STORE_EXPORT_JSON, NULL, "2019-03-24", collect_row, &c);
	is_int(rows, 3, "--until alone bounds from above");
	ok(c.columns == 1 && strstr(c.values[0], "\"mentions\":[{") != NULL,
		"a JSON row carries its mentions");
	store_close(store);
	free(db);
}

/* A schema-1 database with data in it, made by the sqlite3 shell from schema/0001. */
static void make_schema1_db(const char *db)
{
	FILE *f = fopen(SCHEMA_1, "r");
	if (!f)
		abort();
	static char sql[1 << 16];
	size_t len = fread(sql, 1, sizeof(sql) - 1, f);
	fclose(f);
	sql[len] = '\0';
	char *all = NULL;
	if (asprintf(&all,
		    "PRAGMA journal_mode = WAL; BEGIN; %s\n"
		    "INSERT INTO feeds (id, url, title, added_at) VALUES "
		    "(1, 'https://feeds.bbci.co.uk/news/world/rss.xml', 'BBC', '2019-03-24 00:00:00'), "
		    "(2, 'https://www.aljazeera.com/xml/rss/all.xml', NULL, '2019-03-24 00:00:00');\n"
		    "INSERT INTO articles (id, feed_id, item_key, url, title, summary, published_at, "
		    "fetched_at) VALUES "
		    "(1, 1, 'g1', 'https://www.bbc.co.uk/news/1', 'Russia deploys troops to Venezuela', "
		    "'Two planes landed in Caracas.', '2019-03-24 10:00:00', '2019-03-24 10:05:00'), "
		    "(2, 2, 'g2', 'https://www.aljazeera.com/news/2', 'Russian troops land in Venezuela', "
		    "'Moscow deploys troops; Washington condemns Moscow.', '2019-03-24 12:00:00', "
		    "'2019-03-24 12:05:00');\n"
		    "INSERT INTO events (id, article_id, sentence_index, event_date, source, event_code, "
		    "target, quad_class, goldstein, sentence, source_text, verb_text, target_text, "
		    "pattern) VALUES "
		    "(1, 1, 1, '2019-03-24', 'RUS', '154', 'VEN', 4, -7.2, "
		    "'Russia deploys troops to Venezuela', 'Russia', 'deploys', 'Venezuela', 'p1'), "
		    "(2, 2, 1, '2019-03-24', 'RUS', '154', 'VEN', 4, -7.2, "
		    "'Russian troops land in Venezuela', 'Russian troops', 'land', 'Venezuela', 'p2'), "
		    "(3, 2, 3, '2019-03-24', 'USA', '122', 'RUS', 3, -4.0, "
		    "'Washington condemns Moscow.', 'Washington', 'condemns', 'Moscow', 'p3');\n"
		    "PRAGMA user_version = 1; PRAGMA application_id = 1197829972; COMMIT;",
		    sql) < 0)
		abort();
	shell(db, all);
	free(all);
}

static void test_migrates_schema1_data(void)
{
	char *db = path_in_dir("schema1.db");
	make_schema1_db(db);
	is_str(shell(db, "SELECT count(*) FROM events"), "3", "a schema-1 database with 3 event rows");

	char *error = NULL;
	struct store *ro = store_open_readonly(db, &error);
	ok(ro == NULL && error && strstr(error, "geotrackd --once"),
		"export refuses an old schema and says how to upgrade it");
	free(error);

	store_close(open_or_die(db));
	char want[16];
	snprintf(want, sizeof(want), "%d", store_schema_version());
	is_str(shell(db, "PRAGMA user_version"), want, "it is migrated to the current schema");
	is_str(shell(db, "SELECT count(*) FROM feeds; SELECT count(*) FROM articles"), "2;2",
		"feeds and articles are kept");
	is_str(shell(db, "SELECT id, last_new_item_at, stale_since IS NULL, last_body_at IS NULL "
			 "FROM feeds ORDER BY id"),
		"1|2019-03-24 10:05:00|1|1;2|2019-03-24 12:05:00|1|1",
		"each feed last brought something new when its newest article was fetched; none is "
		"stale; with no fetch log, when the last body came is not known");
	is_str(shell(db, "SELECT id, event_date, actor1_code, event_code, actor2_code, num_mentions, "
			 "num_articles, num_sources FROM events ORDER BY id"),
		"1|2019-03-24|RUS|154|VEN|2|2|2;3|2019-03-24|USA|122|RUS|1|1|1",
		"two reports of RUS 154 VEN became one event with two mentions; ids are kept");
	is_str(shell(db, "SELECT count(*) FROM mentions"), "3", "every schema-1 row is a mention");
	is_str(shell(db, "SELECT actor1_country_code, actor2_country_code, event_base_code, "
			 "event_root_code, source_url, sentence FROM events WHERE id = 3"),
		"USA|RUS|122|12|https://www.aljazeera.com/news/2|Washington condemns Moscow.",
		"migrated events get GDELT's fields and keep their evidence");
	is_str(shell(db, "SELECT group_concat(source_name, ' ') FROM mentions"),
		"bbc.co.uk aljazeera.com aljazeera.com", "mentions name their sources");
	is_str(shell(db, "SELECT a.title FROM articles_fts JOIN articles a ON a.id = "
			 "articles_fts.rowid WHERE articles_fts MATCH 'caracas'"),
		"Russia deploys troops to Venezuela", "articles stored before are searchable");
	is_str(shell(db, "PRAGMA foreign_key_check"), "", "no dangling references");
	is_str(shell(db, "PRAGMA integrity_check"), "ok", "integrity_check is ok");
	free(db);
}

/* Appends the file at `path` to the growing string *sql. */
static void append_file(char **sql, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		abort();
	size_t len = *sql ? strlen(*sql) : 0;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		*sql = realloc(*sql, len + n + 1);
		if (!*sql)
			abort();
		memcpy(*sql + len, chunk, n);
		len += n;
		(*sql)[len] = '\0';
	}
	fclose(f);
}

/* Replaces every `from` in the string *s by `to` (no longer than `from`). */
static void replace_all(char *s, const char *from, const char *to)
{
	size_t from_len = strlen(from), to_len = strlen(to);
	for (char *p = strstr(s, from); p; p = strstr(p + to_len, from)) {
		memcpy(p, to, to_len);
		memmove(p + to_len, p + from_len, strlen(p + from_len) + 1);
	}
}

/*
 * A schema-3 database (what geotrackd wrote before schema 4) with data in it, made by
 * the sqlite3 shell from the shipped migrations 0001 to 0003. The only statements of
 * those that call geotrackd's own SQL functions copy schema-1 rows, of which there are
 * none here; built-ins of the same arity stand in for them so the shell can parse them.
 * The rows are inserted with schema 3's triggers in place, which keep the full-text
 * index and the counts as geotrackd's schema 3 did.
 */
static void make_schema3_db(const char *db)
{
	char *sql = NULL;
	append_file(&sql, SCHEMA_1);
	append_file(&sql, SCHEMA_2);
	append_file(&sql, SCHEMA_3);
	replace_all(sql, "geotrack_cameo(", "coalesce(");
	replace_all(sql, "geotrack_source_name(", "lower(");
	char *all = NULL;
	if (asprintf(&all,
		    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; BEGIN; %s\n"
		    "INSERT INTO feeds (id, url, title, added_at) VALUES "
		    "(1, 'https://feeds.bbci.co.uk/news/world/rss.xml', 'BBC', '2019-03-24 00:00:00'), "
		    "(2, 'https://rss.dw.com/rdf/rss-en-world', NULL, '2019-03-24 00:00:00');\n"
		    "INSERT INTO articles (id, feed_id, item_key, url, title, summary, published_at, "
		    "fetched_at) VALUES "
		    "(1, 1, 'bbc-1', 'https://www.bbc.co.uk/news/1', 'Russian troops deploy to "
		    "Venezuela', 'Two planes landed in Caracas.', '2019-03-24 18:20:00', "
		    "'2019-03-24 18:30:00'), "
		    "(2, 2, 'dw-1', 'https://www.dw.com/en/a-1', 'Russia deploys troops to Venezuela', "
		    "'Washington condemns Moscow.', '2019-03-24 20:20:00', '2019-03-24 20:30:00');\n"
		    "INSERT INTO events (id, event_date, actor1_code, actor1_country_code, "
		    "actor1_type1_code, actor2_code, actor2_country_code, is_root_event, event_code, "
		    "event_base_code, event_root_code, quad_class, goldstein_scale, date_added, "
		    "source_url, article_id, sentence_id, sentence) VALUES "
		    "(1, '2019-03-24', 'RUSMIL', 'RUS', 'MIL', 'VEN', 'VEN', 1, '154', '154', '15', 4, "
		    "-7.2, '2019-03-24 18:30:00', 'https://www.bbc.co.uk/news/1', 1, 1, "
		    "'Russian troops deploy to Venezuela'), "
		    "(2, '2019-03-24', 'USA', 'USA', NULL, 'RUS', 'RUS', 0, '122', '122', '12', 3, "
		    "-4.0, '2019-03-24 20:30:00', 'https://www.dw.com/en/a-1', 2, 3, "
		    "'Washington condemns Moscow.');\n"
		    "INSERT INTO mentions (event_id, article_id, feed_id, published_at, added_at, "
		    "source_name, url, sentence_id, sentence) VALUES "
		    "(1, 1, 1, '2019-03-24 18:20:00', '2019-03-24 18:30:00', 'bbc.co.uk', "
		    "'https://www.bbc.co.uk/news/1', 1, 'Russian troops deploy to Venezuela'), "
		    "(1, 2, 2, '2019-03-24 20:20:00', '2019-03-24 20:30:00', 'dw.com', "
		    "'https://www.dw.com/en/a-1', 1, 'Russia deploys troops to Venezuela'), "
		    "(2, 2, 2, '2019-03-24 20:20:00', '2019-03-24 20:30:00', 'dw.com', "
		    "'https://www.dw.com/en/a-1', 3, 'Washington condemns Moscow.');\n"
		    "PRAGMA user_version = 3; PRAGMA application_id = 1197829972; COMMIT;",
		    sql) < 0)
		abort();
	shell(db, all);
	free(all);
	free(sql);
}

static void test_migrates_schema3_data(void)
{
	char *db = path_in_dir("schema3.db");
	make_schema3_db(db);
	is_str(shell(db, "PRAGMA user_version; SELECT id, num_mentions, num_articles, num_sources "
			 "FROM events ORDER BY id"),
		"3;1|2|2|2;2|1|1|1", "a schema-3 database whose triggers counted 2 and 1 reports");

	store_close(open_or_die(db));
	char want[16];
	snprintf(want, sizeof(want), "%d", store_schema_version());
	is_str(shell(db, "PRAGMA user_version"), want, "it is migrated to the current schema");
	is_str(shell(db, "SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM articles), "
			 "(SELECT count(*) FROM events), (SELECT count(*) FROM mentions)"),
		"2|2|2|3", "feeds, articles, events and mentions are kept");
	is_str(shell(db, "SELECT id, num_mentions, num_articles, num_sources FROM events ORDER BY id"),
		"1|2|2|2;2|1|1|1", "and so are the counts");
	is_str(shell(db, "SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
			 "WHERE articles_fts MATCH 'caracas OR washington' ORDER BY a.id"),
		"1;2", "articles indexed before are still found by full-text search");
	is_str(shell(db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' "
			 "AND sql IS NOT NULL ORDER BY name"),
		"events_article;events_day;events_sqldate", "the events have schema 4's indexes");
	ok(strstr(shell(db, "EXPLAIN QUERY PLAN SELECT count(*) FROM gdelt_events WHERE SQLDATE >= "
			    "20190301 AND Actor1CountryCode = 'RUS'"),
		   "INDEX events_sqldate (<expr>>?)"),
		"a GDELT query on SQLDATE reads a range of an index");
	is_str(shell(db, "PRAGMA integrity_check; PRAGMA foreign_key_check; "
			 "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"),
		"ok", "integrity_check, foreign_key_check and the full-text index's check pass");
	is_str(shell(db, "SELECT k, v FROM articles_fts_config WHERE k IN ('automerge', "
			 "'crisismerge') ORDER BY k"),
		"automerge|32;crisismerge|128", "full-text segments are merged 32 at a time (schema 6)");

	/* The daemon goes on where schema 3 left off: a third report of event 1 from a new
	 * BBC article, which is searchable once committed. */
	struct store *store = open_or_die(db);
	store_begin(store);
	int64_t article = add_article(store, 1, "bbc-2", "https://www.bbc.co.uk/news/2",
		"Moscow sends soldiers to Caracas", TIME_2019_03_24 + 3600);
	is_int(article, 3, "a new article after the migrated ones");
	struct store_report_origin origin = origin_of(article, 1, "https://www.bbc.co.uk/news/2",
		TIME_2019_03_24 + 3600);
	struct store_event ev = venezuela_event(1);
	is_int(store_event_add(store, &origin, &ev), 0, "its report of a migrated event is a mention");
	is_int(store_event_add(store, &origin, &ev), 0, "the same report again is ignored");
	is_str(shell(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'soldiers'"),
		"0", "a reader sees nothing of the ingest before it commits");
	is_int(store_commit(store), 0, "commit");
	store_close(store);
	is_str(shell(db, "SELECT num_mentions, num_articles, num_sources FROM events WHERE id = 1"),
		"3|3|2", "the event counts 3 mentions in 3 articles from 2 sources (BBC twice)");
	is_str(shell(db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'soldiers'"), "3",
		"the new article is found by full-text search");
	is_str(shell(db, "SELECT rowid FROM articles_fts WHERE articles_fts MATCH "
			 "'\"sends soldiers to caracas\"'; SELECT rowid FROM articles_fts WHERE "
			 "articles_fts MATCH 'NEAR(moscow caracas, 3)'; SELECT count(*) FROM articles_fts "
			 "WHERE articles_fts MATCH '\"moscow caracas\"'"),
		"3;3;0", "phrase and NEAR queries find it, and only where the words are");
	is_str(shell(db, "PRAGMA integrity_check"), "ok", "integrity_check is ok");
	free(db);
}

static void test_retention(void)
{
	char *db = path_in_dir("retention.db");
	struct store *store = open_or_die(db);
	int64_t feed = add_feed(store, "https://feeds.example/rss");
	int64_t old_time = 1700000000;         /* 2023-11-14 */
	int64_t new_time = old_time + 40 * 86400;
	store_begin(store);
	int64_t old_article = add_article(store, feed, "old", "https://a.example/old",
		"Old sanctions story", old_time);
	int64_t new_article = add_article(store, feed, "new", "https://b.example/new",
		"New sanctions story", new_time);
	struct store_event ev = venezuela_event(1);
	ev.event_day = (int32_t)(old_time / 86400);
	struct store_report_origin o1 = origin_of(old_article, feed, "https://a.example/old", old_time);
	store_event_add(store, &o1, &ev);
	/* The new article reports an event of the old article's day, so one event has a
	 * mention that is pruned and one that is not. */
	struct store_report_origin o2 = origin_of(new_article, feed, "https://b.example/new", new_time);
	store_event_add(store, &o2, &ev);
	store_commit(store);
	is_str(shell(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'sanctions'"),
		"2", "both articles are indexed");

	int64_t now = new_time + 86400;
	int64_t cutoff = now - 30 * 86400;
	is_int(store_prune(store, cutoff, now, 1000), 1, "pruning with 30 days deletes the old article");
	is_int(store_prune(store, cutoff, now, 1000), 0, "and nothing more the second time");
	is_str(shell(db, "SELECT item_key FROM articles"), "new", "the new article stays");
	is_str(shell(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'sanctions'"),
		"1", "the pruned article is gone from full-text search");
	is_str(shell(db, "SELECT count(*), num_mentions, num_articles, num_sources FROM events"),
		"1|2|2|2", "the event stays, with its counts");
	is_str(shell(db, "SELECT count(*), count(article_id), group_concat(url, ' ') FROM mentions"),
		"2|1|https://a.example/old https://b.example/new",
		"both mentions stay; the pruned one keeps its URL and loses its article link");
	is_str(shell(db, "SELECT article_id IS NULL, source_url FROM events"),
		"1|https://a.example/old", "the event's first report is unlinked, its URL kept");

	/* The feed still carries the pruned item: it must not come back as new. */
	store_begin(store);
	struct store_article again = {.item_key = "old", .title = "Old sanctions story",
		.published = old_time, .fetched = now};
	int64_t id = 0;
	is_int(store_article_add(store, feed, &again, &id), 0,
		"a pruned item still in the feed is not stored again");
	store_commit(store);
	is_str(shell(db, "SELECT count(*) FROM articles"), "1", "so its events are not counted twice");
	store_close(store);
	store = open_or_die(db);
	store_begin(store);
	is_int(store_article_add(store, feed, &again, &id), 0,
		"nor after the daemon restarts");
	store_commit(store);

	/* A key no fetch has shown for the retention period and a year is forgotten; one
	 * not shown for the retention period alone is kept (the feed may be answering 304). */
	int64_t later = now + 31 * 86400;
	store_prune(store, later - 30 * 86400, later, 1000);
	is_str(shell(db, "SELECT count(*) FROM pruned_articles WHERE item_key = 'old'"), "1",
		"a pruned key unseen for the retention period is still remembered");
	int64_t much_later = now + 31 * 86400 + 365 * 86400;
	store_prune(store, much_later - 30 * 86400, much_later, 1000);
	is_str(shell(db, "SELECT count(*) FROM pruned_articles WHERE item_key = 'old'"), "0",
		"a pruned key no fetch has shown for the retention period and a year is forgotten");
	is_int(store_maintain(store), 0, "optimize and a passive checkpoint succeed");
	store_close(store);
	is_str(shell(db, "PRAGMA integrity_check"), "ok", "integrity_check is ok after pruning");
	free(db);
}

static void test_search_follows_commit(void)
{
	char *db = path_in_dir("search.db");
	struct store *store = open_or_die(db);
	int64_t feed = add_feed(store, "https://z.example/rss");
	store_begin(store);
	add_article(store, feed, "a", "https://z.example/a", "Ceasefire talks resume", 1);
	add_article(store, feed, "b", "https://z.example/b", "Ceasefire holds", 2);
	store_rollback(store);
	store_begin(store);
	add_article(store, feed, "c", "https://z.example/c", "Ceasefire collapses", 3);
	store_commit(store);
	add_article(store, feed, "d", "https://z.example/d", "Ceasefire extended", 4);
	store_close(store);
	is_str(shell(db, "SELECT a.item_key FROM articles_fts JOIN articles a ON a.id = "
			 "articles_fts.rowid WHERE articles_fts MATCH 'ceasefire' ORDER BY a.id"),
		"c;d", "search finds what was committed, in a transaction or without one, and "
		       "nothing rolled back");
	is_str(shell(db, "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"), "",
		"the full-text index matches the articles");
	free(db);
}

static void test_rollback_leaves_nothing(void)
{
	char *db = path_in_dir("rollback.db");
	struct store *store = open_or_die(db);
	int64_t feed = add_feed(store, "https://y.example/rss");
	store_begin(store);
	int64_t article = add_article(store, feed, "k", "https://y.example/1", "T", 1);
	struct store_event ev = venezuela_event(1);
	struct store_report_origin origin = origin_of(article, feed, "https://y.example/1", 1);
	store_event_add(store, &origin, &ev);
	store_rollback(store);
	store_close(store);
	is_str(shell(db, "SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM events) + "
			 "(SELECT count(*) FROM mentions)"),
		"0", "a rolled-back ingest leaves no article, event or mention behind");
	free(db);
}

/* Several ingests in one batch: each still whole (one undone leaves the others), nothing
 * visible to a reader before the batch commits, everything searchable after. */
static void test_batch_of_ingests(void)
{
	char *db = path_in_dir("batch.db");
	struct store *store = open_or_die(db);
	int64_t feed = add_feed(store, "https://x.example/rss");
	is_int(store_batch_begin(store), 0, "a batch begins");
	ok(store_batch_active(store), "and is open");
	is_int(store_begin(store), 0, "an ingest begins inside it");
	add_article(store, feed, "a", "https://x.example/a", "Ceasefire talks resume", 1);
	is_int(store_commit(store), 0, "and commits into it");
	store_begin(store);
	int64_t article = add_article(store, feed, "b", "https://x.example/b", "Ceasefire holds", 2);
	struct store_event ev = venezuela_event(2);
	struct store_report_origin origin = origin_of(article, feed, "https://x.example/b", 2);
	store_event_add(store, &origin, &ev);
	store_rollback(store);
	ok(store_batch_active(store), "an ingest undone leaves the batch open");
	store_begin(store);
	add_article(store, feed, "c", "https://x.example/c", "Ceasefire collapses", 3);
	store_commit(store);
	is_str(shell(db, "SELECT count(*) FROM articles"), "0",
		"a reader sees none of the batch before it commits");
	is_int(store_batch_commit(store), 0, "the batch commits");
	ok(!store_batch_active(store), "and is closed");
	store_close(store);
	is_str(shell(db, "SELECT item_key FROM articles ORDER BY id"), "a;c",
		"then the reader sees the ingests that committed into it, not the one undone");
	is_str(shell(db, "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM mentions)"),
		"0", "the undone ingest left no event or mention");
	is_str(shell(db, "SELECT a.item_key FROM articles_fts JOIN articles a ON a.id = "
			 "articles_fts.rowid WHERE articles_fts MATCH 'ceasefire' ORDER BY a.id"),
		"a;c", "search finds the batch's articles");
	is_str(shell(db, "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')"), "",
		"the full-text index matches the articles");
	free(db);
}

static void count_call(void *ctx)
{
	(*(int *)ctx)++;
}

/* A migration tells its caller it is working (the daemon passes that on to systemd), and
 * an up-to-date database, which migrates nothing, calls nothing. */
static void test_migration_progress(void)
{
	char *db = path_in_dir("progress.db");
	store_close(open_or_die(db));
	/* Schema 8 as it was, with 50,000 articles for schema 9 to index by URL. */
	shell(db, "DROP INDEX articles_url; DROP TABLE article_listings; PRAGMA user_version = 8; "
		  "INSERT INTO feeds (id, url, added_at) VALUES (1, 'https://example.org/feed', "
		  "'2026-11-29 00:00:00'); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		  "FROM n WHERE i < 50000) INSERT INTO articles (feed_id, item_key, url, "
		  "published_at, fetched_at) SELECT 1, 'key' || i, 'https://example.org/news/' || i, "
		  "'2026-11-29 00:00:00', '2026-11-29 00:00:00' FROM n;");
	int calls = 0;
	char *error = NULL;
	struct store *store = store_open_with_progress(db, &error, count_call, &calls);
	ok(store && calls > 0, "migrating 50,000 articles to schema 9 reports progress");
	printf("# %d calls\n", calls);
	store_close(store);
	is_str(shell(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('articles_url', "
			 "'article_listings')"), "2", "and ends with schema 9's index and table");
	calls = 0;
	store = store_open_with_progress(db, &error, count_call, &calls);
	ok(store && calls == 0, "opening it again migrates nothing and calls nothing");
	store_close(store);
	free(db);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_create_and_migrate();
	test_refuses_newer();
	test_refuses_foreign_file();
	test_codebook_tables();
	test_events_and_mentions();
	test_gdelt_view_and_export();
	test_migrates_schema1_data();
	test_migrates_schema3_data();
	test_migration_progress();
	test_retention();
	test_search_follows_commit();
	test_rollback_leaves_nothing();
	test_batch_of_ingests();
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return tap_done();
}
