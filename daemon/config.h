/*
 * config: the daemon's settings file (INI) and its feed list.
 *
 * geotrackd.conf has sections [daemon], [fetch] and [coder]; unknown sections and keys
 * are errors, so a typo never silently falls back to a default. Relative paths are
 * resolved against the directory of the file that names them. The feed list has one URL
 * per line, '#' comments, and optional `key=value` settings after the URL (interval,
 * title). Loading never logs: every problem is appended to the caller's buffer as
 * "file:line: message", and the whole config is rejected if there is any.
 */
#ifndef GEOTRACK_CONFIG_H
#define GEOTRACK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "strmap.h"

struct buf;

struct feed_conf {
	char *url;
	char *title;          /* NULL if the list gives none */
	char *user_agent;     /* NULL: the config's */
	unsigned interval_s;  /* 0: use the config's default */
	bool has_stale_after; /* stale_after= given: it replaces the config's for this feed */
	unsigned stale_after_s;
	unsigned line;        /* line in the feed list, for messages */
};

struct path_list {
	char **paths;
	size_t count;
};

struct config {
	char *path;             /* the config file as given */
	char *database;         /* absolute or relative to the working directory */
	char *feeds_path;
	enum log_level log_level;
	unsigned stop_timeout_s; /* on SIGTERM, how long transfers in flight may finish */
	unsigned retain_days;    /* articles older than this are pruned; 0: kept forever */
	unsigned interval_s;    /* default poll interval */
	unsigned concurrency;   /* transfers in flight at once, all hosts */
	unsigned per_host;      /* transfers in flight at once per host */
	unsigned host_spacing_ms; /* minimum time between two request starts to one host */
	unsigned timeout_s;     /* whole transfer */
	unsigned connect_timeout_s;
	unsigned low_speed_limit;  /* bytes/s below which, for low_speed_time_s, a transfer is cut */
	unsigned low_speed_time_s;
	unsigned max_redirects;
	size_t max_body_bytes;  /* decoded body cap */
	size_t max_header_bytes; /* all response headers of one transfer */
	char *user_agent;
	char *ca_file;          /* PEM certificate authorities for https; NULL: the system's */
	unsigned max_ttl_s;     /* cap on <ttl>, Cache-Control max-age, Expires as interval floors */
	unsigned max_retry_after_s; /* cap on a server's Retry-After */
	unsigned max_backoff_s; /* cap on the exponential backoff of a failing feed */
	unsigned dead_after_s;  /* failing this long marks a feed dead */
	unsigned dead_interval_s; /* how often a dead feed is still tried */
	unsigned stale_after_s; /* answering with nothing new this long: reported stale; 0 never */
	unsigned refresh_after_s; /* no 200 this long: ask without validators; 0 never */
	unsigned fetch_log_rows; /* fetch_log rows kept per feed */
	unsigned coder_threads; /* threads that parse and code documents; 0: CPUs less one */
	struct path_list dictionary_dirs; /* every *.actors, *.agents, *.verbs, *.discards inside */
	struct path_list actors;
	struct path_list agents;
	struct path_list verbs;
	struct path_list discards;
	struct feed_conf *feeds;
	size_t feed_count;
	struct strmap feed_index; /* URL -> index in feeds */
};

/*
 * Reads and validates the config at `path` and the feed list it names. On success
 * returns 0 and sets *ret_config (free with config_free()). On failure returns -EINVAL
 * with one "file:line: message" line per problem in `errors`, or -errno if a file cannot
 * be read (also described in `errors`).
 */
int config_load(const char *path, struct config **ret_config, struct buf *errors);
void config_free(struct config *config);

/* Parses "90", "90s", "15m", "2h", "1d" into seconds. Returns 0 or -EINVAL. */
int config_parse_duration(const char *text, unsigned *ret_seconds);

#endif
