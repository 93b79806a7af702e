/* config: the settings file and feed list a user edits by hand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "../tap.h"

static char dir[] = "/tmp/geotrack-test-config-XXXXXX";

static char *write_file(const char *name, const char *contents)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	FILE *f = fopen(path, "w");
	fputs(contents, f);
	fclose(f);
	return path;
}

static void test_valid(void)
{
	free(write_file("feeds.list", "# world news\n"
				 "https://example.org/rss.xml\n"
				 "  https://example.com/atom interval=30m title=\"Example News\"  "
				 "user_agent=\"Mozilla/5.0 (X11)\" stale_after=60d\n"
				 "https://example.net/monthly stale_after=0\n"
				 "\n"));
	char *conf = write_file("ok.conf", "[daemon]\ndatabase = geo.db\nfeeds = feeds.list\n"
					   "retain_days = 90\n"
					   "[fetch]\ninterval = 10m\nconcurrency = 4\n"
					   "user_agent = test-agent\n"
					   "[coder]\nactors = a.actors\nactors = /abs/b.actors\n"
					   "threads = 3\n");
	struct config *cfg = NULL;
	struct buf errors = {0};
	is_int(config_load(conf, &cfg, &errors), 0, "a valid config loads");
	if (!cfg)
		return;
	is_int(cfg->feed_count, 3, "the three feeds are read");
	is_str(cfg->feeds[1].title, "Example News", "a quoted title keeps its spaces");
	is_int(cfg->feeds[1].interval_s, 1800, "per-feed interval 30m is 1800 s");
	is_int(cfg->feeds[0].interval_s, 0, "a feed without interval uses the default");
	is_str(cfg->feeds[1].user_agent, "Mozilla/5.0 (X11)", "a feed's own user_agent");
	ok(cfg->feeds[0].user_agent == NULL, "a feed without one uses the config's");
	ok(cfg->feeds[1].has_stale_after && cfg->feeds[1].stale_after_s == 60 * 86400,
		"a feed's own stale_after (60d)");
	ok(cfg->feeds[2].has_stale_after && cfg->feeds[2].stale_after_s == 0,
		"stale_after=0: this feed is never reported stale");
	ok(!cfg->feeds[0].has_stale_after, "a feed without one uses the config's");
	is_int(cfg->interval_s, 600, "default interval from [fetch]");
	is_int(cfg->concurrency, 4, "concurrency");
	is_int(cfg->retain_days, 90, "retain_days from [daemon]");
	is_str(cfg->user_agent, "test-agent", "user agent");
	char *want_db = NULL;
	if (asprintf(&want_db, "%s/geo.db", dir) < 0)
		abort();
	is_str(cfg->database, want_db, "relative database path resolves against the config dir");
	is_int(cfg->actors.count, 2, "repeatable dictionary keys accumulate");
	is_str(cfg->actors.paths[1], "/abs/b.actors", "absolute paths stay as written");
	is_int(cfg->coder_threads, 3, "coding threads from [coder]");
	free(want_db);
	config_free(cfg);
	buf_free(&errors);
	free(conf);
}

static void test_errors_name_file_and_line(void)
{
	free(write_file("bad.list", "https://ok.example/feed\n"
			       "ftp://example.org/feed\n"
			       "https://ok.example/feed\n"
			       "https://x.example/ interval=5s\n"
			       "https://y.example/ colour=blue\n"
			       "https://z.example/ user_agent=\"Bot\rX-Forged: 1\"\n"
			       "https://w.example/ stale_after=2y\n"));
	char *conf = write_file("bad.conf", "[daemon]\ndatabase = geo.db\nfeeds = bad.list\n"
					    "[fetch]\nintervall = 10m\nconcurrency = many\n"
					    "[weird]\nkey = value\n"
					    "[daemon]\nretain_days = a month\n"
					    "[coder]\nthreads = 0\n");
	struct config *cfg = NULL;
	struct buf errors = {0};
	is_int(config_load(conf, &cfg, &errors), -EINVAL, "an invalid config is rejected");
	ok(cfg == NULL, "no config is returned on error");
	const char *e = errors.data ? errors.data : "";
	ok(strstr(e, "bad.conf:5: unknown key 'intervall' in [fetch]") != NULL,
		"unknown key names file and line");
	ok(strstr(e, "bad.conf:6: concurrency must be") != NULL, "bad number names its line");
	ok(strstr(e, "bad.conf:7: unknown section [weird]") != NULL, "unknown section");
	ok(strstr(e, "bad.conf:10: retain_days must be a number of days") != NULL,
		"retain_days must be a number");
	ok(strstr(e, "bad.conf:12: threads must be auto or a number from 1 to 256") != NULL,
		"threads must be auto or at least 1");
	ok(strstr(e, "bad.list:2: 'ftp://example.org/feed' is not an http") != NULL,
		"feed list: unsupported scheme");
	ok(strstr(e, "bad.list:3: feed already listed on line 1") != NULL,
		"feed list: duplicate URL");
	ok(strstr(e, "bad.list:4: interval must be") != NULL, "feed list: interval too short");
	ok(strstr(e, "bad.list:5: unknown feed setting 'colour'") != NULL,
		"feed list: unknown setting");
	ok(strstr(e, "bad.list:6: user_agent must not hold control characters") != NULL,
		"feed list: a user_agent that would forge a header line");
	ok(strstr(e, "bad.list:7: stale_after must be a duration from 0 (never) to 365d") != NULL,
		"feed list: stale_after in an unknown unit");
	if (tap_failed)
		printf("# errors were:\n%s", e);
	buf_free(&errors);
	free(conf);
}

static void test_retention_default(void)
{
	free(write_file("one.list", "https://example.org/rss.xml\n"));
	char *conf = write_file("min.conf", "[daemon]\ndatabase = geo.db\nfeeds = one.list\n");
	struct config *cfg = NULL;
	struct buf errors = {0};
	is_int(config_load(conf, &cfg, &errors), 0, "a config without retain_days loads");
	ok(cfg && cfg->retain_days == 0, "and keeps articles forever");
	ok(cfg && cfg->coder_threads == 0, "and sizes the coding threads by the CPUs (auto)");
	config_free(cfg);
	buf_free(&errors);
	free(conf);
}

static void test_fetch_keys(void)
{
	free(write_file("one.list", "https://example.org/rss.xml\n"));
	char *conf = write_file("fetch.conf", "[daemon]\ndatabase = geo.db\nfeeds = one.list\n"
					      "[fetch]\ninterval = 2s\nhost_spacing = 250ms\n"
					      "low_speed_limit = 10\nlow_speed_time = 5s\n"
					      "max_redirects = 3\nmax_header = 32k\nmax_ttl = 2h\n"
					      "max_retry_after = 1h\nmax_backoff = 3h\n"
					      "dead_after = 3d\ndead_interval = 12h\n"
					      "fetch_log_rows = 7\nca_file = ca.pem\nstale_after = 30d\n"
					      "refresh_after = 6h\n");
	char *ca = write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
	struct config *cfg = NULL;
	struct buf errors = {0};
	is_int(config_load(conf, &cfg, &errors), 0, "every [fetch] key is accepted");
	if (cfg) {
		is_int(cfg->interval_s, 2, "interval may be seconds (for tests)");
		is_int(cfg->host_spacing_ms, 250, "host_spacing takes milliseconds");
		is_int(cfg->low_speed_limit, 10, "low_speed_limit in bytes/s");
		is_int(cfg->low_speed_time_s, 5, "low_speed_time");
		is_int(cfg->max_redirects, 3, "max_redirects");
		is_int(cfg->max_header_bytes, 32 * 1024, "max_header 32k");
		is_int(cfg->max_ttl_s, 7200, "max_ttl 2h");
		is_int(cfg->max_retry_after_s, 3600, "max_retry_after 1h");
		is_int(cfg->max_backoff_s, 3 * 3600, "max_backoff 3h");
		is_int(cfg->dead_after_s, 3 * 86400, "dead_after 3d");
		is_int(cfg->dead_interval_s, 12 * 3600, "dead_interval 12h");
		is_int(cfg->fetch_log_rows, 7, "fetch_log_rows");
		is_int(cfg->stale_after_s, 30 * 86400, "stale_after 30d");
		is_int(cfg->refresh_after_s, 6 * 3600, "refresh_after 6h");
		is_str(cfg->ca_file, ca, "ca_file resolves against the config's directory");
	}
	config_free(cfg);
	buf_free(&errors);
	free(conf);
	free(ca);

	conf = write_file("defaults.conf", "[daemon]\ndatabase = geo.db\nfeeds = one.list\n");
	cfg = NULL;
	is_int(config_load(conf, &cfg, NULL), 0, "a config without [fetch] loads");
	if (cfg) {
		is_int(cfg->per_host, 2, "per_host defaults to 2");
		ok(cfg->ca_file == NULL, "https is verified against the system's authorities by default");
		is_int(cfg->host_spacing_ms, 1000, "host_spacing defaults to 1s");
		is_int(cfg->max_redirects, 5, "max_redirects defaults to 5");
		is_int(cfg->low_speed_limit, 100, "low_speed_limit defaults to 100 bytes/s");
		is_int(cfg->low_speed_time_s, 30, "for 30 s");
		is_int(cfg->max_header_bytes, 64 * 1024, "max_header defaults to 64k");
		is_int(cfg->dead_after_s, 7 * 86400, "dead_after defaults to 7 days");
		is_int(cfg->dead_interval_s, 86400, "a dead feed is tried daily by default");
		is_int(cfg->stale_after_s, 14 * 86400, "a feed is stale after 14 days without news");
		is_int(cfg->refresh_after_s, 86400, "a feed is asked without validators daily");
		ok(cfg->user_agent && strstr(cfg->user_agent, "geotrack/") &&
			strstr(cfg->user_agent, "https://"),
			"the default User-Agent names geotrack and its URL");
	}
	config_free(cfg);
	free(conf);

	conf = write_file("badfetch.conf", "[daemon]\ndatabase = geo.db\nfeeds = one.list\n"
					   "[fetch]\nhost_spacing = 2m\nmax_redirects = 50\n"
					   "max_header = 12\ndead_after = 0\nfetch_log_rows = 0\n"
					   "host_spacing = 5xs\nstale_after = 2y\nstale_after = 400d\n"
					   "refresh_after = -1d\n");
	cfg = NULL;
	is_int(config_load(conf, &cfg, &errors), -EINVAL, "out-of-range [fetch] values are rejected");
	const char *e = errors.data ? errors.data : "";
	ok(strstr(e, "badfetch.conf:5: host_spacing must be") != NULL, "host_spacing over 60s");
	ok(strstr(e, "badfetch.conf:6: max_redirects must be a number from 0 to 20") != NULL,
		"max_redirects over 20");
	ok(strstr(e, "badfetch.conf:7: max_header must be a size") != NULL, "max_header under 1k");
	ok(strstr(e, "badfetch.conf:8: dead_after must be") != NULL, "dead_after 0");
	ok(strstr(e, "badfetch.conf:9: fetch_log_rows must be") != NULL, "fetch_log_rows 0");
	ok(strstr(e, "badfetch.conf:10: host_spacing must be") != NULL, "host_spacing junk");
	ok(strstr(e, "badfetch.conf:11: stale_after must be a duration from 0 (never) to 365d") !=
		NULL, "stale_after in an unknown unit");
	ok(strstr(e, "badfetch.conf:12: stale_after must be") != NULL, "stale_after over a year");
	ok(strstr(e, "badfetch.conf:13: refresh_after must be a duration from 0 (never) to 365d") !=
		NULL, "refresh_after negative");
	buf_free(&errors);
	free(conf);
}

static void test_missing_file(void)
{
	struct config *cfg = NULL;
	struct buf errors = {0};
	int r = config_load("/nonexistent/geotrackd.conf", &cfg, &errors);
	is_int(r, -ENOENT, "a missing config file is -ENOENT");
	ok(errors.data && strstr(errors.data, "/nonexistent/geotrackd.conf: cannot open"),
		"and the message names the file");
	buf_free(&errors);
}

static void test_durations(void)
{
	unsigned s = 0;
	ok(config_parse_duration("90", &s) == 0 && s == 90, "bare seconds");
	ok(config_parse_duration("2h", &s) == 0 && s == 7200, "hours");
	ok(config_parse_duration("1d", &s) == 0 && s == 86400, "days");
	ok(config_parse_duration("-5m", &s) < 0, "negative rejected");
	ok(config_parse_duration("5 m", &s) < 0, "junk after the number rejected");
	ok(config_parse_duration("99999999999d", &s) < 0, "overflow rejected");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_valid();
	test_errors_name_file_and_line();
	test_retention_default();
	test_fetch_keys();
	test_missing_file();
	test_durations();
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
	return tap_done();
}
