/*
 * app: the daemon itself. Owns the libuv loop and everything on it: the configuration,
 * the store, the coders, the fetcher, one schedule entry per feed, and the signal
 * handlers. Fetching and storing happen on the loop thread; a new document is parsed and
 * coded in libuv's thread pool meanwhile (ingest_prepare), then stored on the loop.
 * Decides what gets logged: the modules below it report, the app logs once.
 */
#ifndef GEOTRACK_APP_H
#define GEOTRACK_APP_H

#include <stdbool.h>

struct app_options {
	const char *config_path;
	bool once;       /* poll every feed once, wait for all, exit */
	bool verbose;    /* -v: log level debug, whatever the config says */
};

/*
 * Runs until SIGTERM/SIGINT (or, with `once`, until every feed was polled). Returns the
 * process exit status: 0 on a clean stop (with `once`: every feed fetched), 1 when a feed
 * failed in `once` mode, 2 when start-up failed (config, database, dictionaries).
 */
int app_run(const struct app_options *options);

struct config;

/* Logs what in a valid feed list works otherwise than its user likely meant: each host
 * whose feeds, started host_spacing apart, take longer a round than their interval (they
 * are polled less often than listed), and each feed listed twice under URLs that differ
 * only in scheme, "www.", port or trailing slashes (it is polled twice). At start, after
 * each reload and by --check-config. */
void app_warn_feed_list(const struct config *config);

#endif
