#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "strmap.h"
#include "xalloc.h"

#define DEFAULT_USER_AGENT "geotrack/" GEOTRACK_VERSION " (+https://github.com/geotrack/geotrack)"
#define MAX_LINE 8192
#define MAX_CODER_THREADS 256 /* libuv's pool takes up to 1024 */

/* One file being read: where messages point, and the directory relative paths use. */
struct source {
	const char *path;
	char *dir;
	unsigned line;
	struct buf *errors;
	int error_count;
};

static void __attribute__((format(printf, 2, 3))) complain(struct source *src, const char *fmt, ...)
{
	va_list ap;
	src->error_count++;
	if (!src->errors)
		return;
	buf_printf(src->errors, "%s:%u: ", src->path, src->line);
	va_start(ap, fmt);
	buf_vprintf(src->errors, fmt, ap);
	va_end(ap);
	buf_append_char(src->errors, '\n');
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *resolve_path(const struct source *src, const char *value)
{
	if (value[0] == '/' || strcmp(src->dir, ".") == 0)
		return xstrdup(value);
	return xasprintf("%s/%s", src->dir, value);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_parse_duration(const char *text, unsigned *ret_seconds)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	unsigned long value = strtoul(text, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned long scale = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		scale = 60, end++;
	else if (*end == 'h')
		scale = 3600, end++;
	else if (*end == 'd')
		scale = 86400, end++;
	if (*end != '\0' || value > UINT_MAX / scale)
		return -EINVAL;
	*ret_seconds = (unsigned)(value * scale);
	return 0;
}

static int parse_size(const char *text, size_t *ret_bytes)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned long long scale = 1;
	if (*end == 'k' || *end == 'K')
		scale = 1024, end++;
	else if (*end == 'M')
		scale = 1024 * 1024, end++;
	else if (*end == 'G')
		scale = 1024ULL * 1024 * 1024, end++;
	if (*end != '\0' || value > SIZE_MAX / scale)
		return -EINVAL;
	*ret_bytes = (size_t)(value * scale);
	return 0;
}

static int parse_count(const char *text, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	unsigned long value = strtoul(text, &end, 10);
	if (errno || *end || value < min || value > max)
		return -EINVAL;
	*ret = (unsigned)value;
	return 0;
}

static void path_list_add(struct path_list *list, char *path)
{
	list->paths = xrealloc(list->paths, (list->count + 1) * sizeof(*list->paths));
	list->paths[list->count++] = path;
}

static void path_list_free(struct path_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->paths[i]);
	free(list->paths);
}

static void set_string(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

/* A duration that may be given in milliseconds ("250ms"), or as config_parse_duration. */
static int parse_duration_ms(const char *text, unsigned *ret_ms)
{
	size_t len = strlen(text);
	if (len > 2 && strcmp(text + len - 2, "ms") == 0) {
		char digits[16];
		unsigned ms;
		if (len - 2 >= sizeof(digits))
			return -EINVAL;
		memcpy(digits, text, len - 2);
		digits[len - 2] = '\0';
		if (parse_count(digits, 0, UINT_MAX, &ms) < 0)
			return -EINVAL;
		*ret_ms = ms;
		return 0;
	}
	unsigned s;
	if (config_parse_duration(text, &s) < 0 || s > UINT_MAX / 1000)
		return -EINVAL;
	*ret_ms = s * 1000;
	return 0;
}

/* A duration key that must lie within [min_s, max_s], set in *slot; returns false,
 * having complained, when the value is not a duration in that range. */
static bool set_duration(struct source *src, const char *key, const char *value,
	unsigned min_s, unsigned max_s, const char *range, unsigned *slot)
{
	unsigned n;
	if (config_parse_duration(value, &n) < 0 || n < min_s || n > max_s) {
		complain(src, "%s must be a duration from %s", key, range);
		return false;
	}
	*slot = n;
	return true;
}

/* stale_after (in [fetch] and on a feed list line) and refresh_after: 0 turns them off. */
#define UP_TO_A_YEAR_S (365 * 86400)
#define UP_TO_A_YEAR "0 (never) to 365d"

static void set_count(struct source *src, const char *key, const char *value, unsigned min,
	unsigned max, unsigned *slot)
{
	if (parse_count(value, min, max, slot) < 0)
		complain(src, "%s must be a number from %u to %u", key, min, max);
}

static void set_size(struct source *src, const char *key, const char *value, size_t min,
	size_t max, const char *range, size_t *slot)
{
	size_t bytes;
	if (parse_size(value, &bytes) < 0 || bytes < min || bytes > max)
		complain(src, "%s must be a size from %s", key, range);
	else
		*slot = bytes;
}

static void set_coder_threads(struct config *cfg, struct source *src, const char *value)
{
	if (strcmp(value, "auto") == 0)
		cfg->coder_threads = 0;
	else if (parse_count(value, 1, MAX_CODER_THREADS, &cfg->coder_threads) < 0)
		complain(src, "threads must be auto or a number from 1 to %d", MAX_CODER_THREADS);
}

/* A User-Agent is sent as a header line: it must have text and no control character
 * (a CR or LF would start a header of its own). */
static bool user_agent_valid(struct source *src, const char *value)
{
	if (value[0] == '\0') {
		complain(src, "user_agent must not be empty");
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			complain(src, "user_agent must not hold control characters");
			return false;
		}
	}
	return true;
}

/* Checked here so a wrong path is a config error, not every https feed failing later. */
static void set_ca_file(struct config *cfg, struct source *src, const char *value)
{
	char *path = resolve_path(src, value);
	if (access(path, R_OK) != 0) {
		complain(src, "ca_file: cannot read %s: %s", path, strerror(errno));
		free(path);
		return;
	}
	set_string(&cfg->ca_file, path);
}

static void apply_fetch_setting(struct config *cfg, struct source *src, const char *key,
	const char *value)
{
	if (strcmp(key, "interval") == 0) {
		/* Seconds are allowed so tests can run the daemon's schedule quickly; the
		 * feed list keeps its one-minute floor. */
		set_duration(src, key, value, 1, 30 * 86400, "1s to 30d (e.g. 15m)", &cfg->interval_s);
	} else if (strcmp(key, "concurrency") == 0) {
		set_count(src, key, value, 1, 10000, &cfg->concurrency);
	} else if (strcmp(key, "per_host") == 0) {
		set_count(src, key, value, 1, 100, &cfg->per_host);
	} else if (strcmp(key, "host_spacing") == 0) {
		unsigned ms;
		if (parse_duration_ms(value, &ms) < 0 || ms > 60 * 1000)
			complain(src, "host_spacing must be a duration from 0 to 60s (e.g. 500ms)");
		else
			cfg->host_spacing_ms = ms;
	} else if (strcmp(key, "timeout") == 0) {
		set_duration(src, key, value, 1, 3600, "1s to 1h", &cfg->timeout_s);
	} else if (strcmp(key, "connect_timeout") == 0) {
		set_duration(src, key, value, 1, 600, "1s to 10m", &cfg->connect_timeout_s);
	} else if (strcmp(key, "low_speed_limit") == 0) {
		set_count(src, key, value, 0, 100 * 1024 * 1024, &cfg->low_speed_limit);
	} else if (strcmp(key, "low_speed_time") == 0) {
		set_duration(src, key, value, 1, 3600, "1s to 1h", &cfg->low_speed_time_s);
	} else if (strcmp(key, "max_redirects") == 0) {
		set_count(src, key, value, 0, 20, &cfg->max_redirects);
	} else if (strcmp(key, "max_body") == 0) {
		set_size(src, key, value, 1024, 1024UL * 1024 * 1024, "1k to 1G (e.g. 16M)",
			&cfg->max_body_bytes);
	} else if (strcmp(key, "max_header") == 0) {
		set_size(src, key, value, 1024, 16UL * 1024 * 1024, "1k to 16M (e.g. 64k)",
			&cfg->max_header_bytes);
	} else if (strcmp(key, "ca_file") == 0) {
		set_ca_file(cfg, src, value);
	} else if (strcmp(key, "user_agent") == 0) {
		if (user_agent_valid(src, value))
			set_string(&cfg->user_agent, xstrdup(value));
	} else if (strcmp(key, "max_ttl") == 0) {
		set_duration(src, key, value, 0, 30 * 86400, "0 to 30d", &cfg->max_ttl_s);
	} else if (strcmp(key, "max_retry_after") == 0) {
		set_duration(src, key, value, 1, 30 * 86400, "1s to 30d", &cfg->max_retry_after_s);
	} else if (strcmp(key, "max_backoff") == 0) {
		set_duration(src, key, value, 1, 30 * 86400, "1s to 30d", &cfg->max_backoff_s);
	} else if (strcmp(key, "dead_after") == 0) {
		set_duration(src, key, value, 1, 365 * 86400, "1s to 365d", &cfg->dead_after_s);
	} else if (strcmp(key, "dead_interval") == 0) {
		set_duration(src, key, value, 1, 30 * 86400, "1s to 30d", &cfg->dead_interval_s);
	} else if (strcmp(key, "stale_after") == 0) {
		set_duration(src, key, value, 0, UP_TO_A_YEAR_S, UP_TO_A_YEAR, &cfg->stale_after_s);
	} else if (strcmp(key, "refresh_after") == 0) {
		set_duration(src, key, value, 0, UP_TO_A_YEAR_S, UP_TO_A_YEAR,
			&cfg->refresh_after_s);
	} else if (strcmp(key, "fetch_log_rows") == 0) {
		set_count(src, key, value, 1, 100000, &cfg->fetch_log_rows);
	} else {
		complain(src, "unknown key '%s' in [fetch]", key);
	}
}

static void apply_setting(struct config *cfg, struct source *src, const char *section,
	const char *key, const char *value)
{
	unsigned n;
	if (strcmp(section, "daemon") == 0) {
		if (strcmp(key, "database") == 0) {
			set_string(&cfg->database, resolve_path(src, value));
		} else if (strcmp(key, "feeds") == 0) {
			set_string(&cfg->feeds_path, resolve_path(src, value));
		} else if (strcmp(key, "stop_timeout") == 0) {
			if (config_parse_duration(value, &n) < 0 || n > 600)
				complain(src, "stop_timeout must be a duration from 0s to 10m");
			else
				cfg->stop_timeout_s = n;
		} else if (strcmp(key, "retain_days") == 0) {
			if (parse_count(value, 0, 36500, &n) < 0)
				complain(src, "retain_days must be a number of days from 0 (keep "
					      "articles forever) to 36500");
			else
				cfg->retain_days = n;
		} else if (strcmp(key, "log_level") == 0) {
			if (log_level_parse(value, &cfg->log_level) < 0)
				complain(src, "log_level must be one of err, warning, notice, info, debug");
		} else {
			complain(src, "unknown key '%s' in [daemon]", key);
		}
	} else if (strcmp(section, "fetch") == 0) {
		apply_fetch_setting(cfg, src, key, value);
	} else if (strcmp(section, "coder") == 0) {
		if (strcmp(key, "dictionaries") == 0)
			path_list_add(&cfg->dictionary_dirs, resolve_path(src, value));
		else if (strcmp(key, "actors") == 0)
			path_list_add(&cfg->actors, resolve_path(src, value));
		else if (strcmp(key, "agents") == 0)
			path_list_add(&cfg->agents, resolve_path(src, value));
		else if (strcmp(key, "verbs") == 0)
			path_list_add(&cfg->verbs, resolve_path(src, value));
		else if (strcmp(key, "discards") == 0)
			path_list_add(&cfg->discards, resolve_path(src, value));
		else if (strcmp(key, "threads") == 0)
			set_coder_threads(cfg, src, value);
		else
			complain(src, "unknown key '%s' in [coder]", key);
	}
}

/* Reads the next line into `line`; returns 0 at EOF, -1 on an over-long line (skipped). */
static int read_line(FILE *f, char *line, size_t size, struct source *src)
{
	if (!fgets(line, (int)size, f))
		return 0;
	src->line++;
	size_t len = strlen(line);
	if (len == size - 1 && line[len - 1] != '\n' && !feof(f)) {
		int c;
		while ((c = fgetc(f)) != EOF && c != '\n')
			;
		complain(src, "line longer than %zu bytes", size - 2);
		return -1;
	}
	return 1;
}

static int parse_ini(struct config *cfg, FILE *f, struct source *src)
{
	char line[MAX_LINE];
	char section[32] = "";
	int r;
	while ((r = read_line(f, line, sizeof(line), src)) != 0) {
		if (r < 0)
			continue;
		char *s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1] != '\0') {
				complain(src, "malformed section header");
				section[0] = '\0';
				continue;
			}
			*close = '\0';
			const char *name = trim(s + 1);
			if (strcmp(name, "daemon") && strcmp(name, "fetch") && strcmp(name, "coder")) {
				complain(src, "unknown section [%s] (expected daemon, fetch or coder)", name);
				section[0] = '\0';
				continue;
			}
			snprintf(section, sizeof(section), "%s", name);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			complain(src, "expected 'key = value'");
			continue;
		}
		*eq = '\0';
		char *key = trim(s);
		char *value = trim(eq + 1);
		if (section[0] == '\0') {
			complain(src, "'%s' is outside any known section", key);
			continue;
		}
		if (*value == '\0' && strcmp(key, "user_agent") != 0) {
			complain(src, "'%s' has no value", key);
			continue;
		}
		apply_setting(cfg, src, section, key, value);
	}
	return 0;
}

static bool url_scheme_allowed(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0 ||
		strncmp(url, "file://", 7) == 0;
}

/* Reads a `key=value` or `key="quoted value"` token at *p; advances *p. */
static int next_setting(char **p, char **ret_key, char **ret_value)
{
	char *s = *p;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	char *key = s;
	while (*s && *s != '=' && !isspace((unsigned char)*s))
		s++;
	if (*s != '=')
		return -EINVAL;
	*s++ = '\0';
	char *value;
	if (*s == '"') {
		value = ++s;
		while (*s && *s != '"')
			s++;
		if (*s != '"')
			return -EINVAL;
		*s++ = '\0';
	} else {
		value = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	*ret_key = key;
	*ret_value = value;
	*p = s;
	return 1;
}

static int parse_feed_list(struct config *cfg, FILE *f, struct source *src)
{
	char line[MAX_LINE];
	size_t cap = 0;
	struct strmap *listed = &cfg->feed_index;
	int r;
	while ((r = read_line(f, line, sizeof(line), src)) != 0) {
		if (r < 0)
			continue;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *url = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
		if (!url_scheme_allowed(url)) {
			complain(src, "'%.200s' is not an http://, https:// or file:// URL", url);
			continue;
		}
		struct feed_conf feed = {.line = src->line};
		char *key, *value;
		int ok = 1;
		while ((r = next_setting(&s, &key, &value)) > 0) {
			if (strcmp(key, "interval") == 0) {
				if (config_parse_duration(value, &feed.interval_s) < 0 ||
					feed.interval_s < 60) {
					complain(src, "interval must be a duration of at least 60s");
					ok = 0;
				}
			} else if (strcmp(key, "stale_after") == 0) {
				feed.has_stale_after = set_duration(src, key, value, 0,
					UP_TO_A_YEAR_S, UP_TO_A_YEAR, &feed.stale_after_s);
				if (!feed.has_stale_after)
					ok = 0;
			} else if (strcmp(key, "title") == 0) {
				free(feed.title);
				feed.title = xstrdup(value);
			} else if (strcmp(key, "user_agent") == 0) {
				if (user_agent_valid(src, value)) {
					free(feed.user_agent);
					feed.user_agent = xstrdup(value);
				} else {
					ok = 0;
				}
			} else {
				complain(src, "unknown feed setting '%s' (expected interval, title, "
					"user_agent or stale_after)", key);
				ok = 0;
			}
		}
		if (r < 0) {
			complain(src, "expected key=value or key=\"value\" after the URL");
			ok = 0;
		}
		size_t first = strmap_get(listed, url);
		if (ok && first != STRMAP_NONE) {
			complain(src, "feed already listed on line %u", cfg->feeds[first].line);
			ok = 0;
		}
		if (!ok) {
			free(feed.title);
			free(feed.user_agent);
			continue;
		}
		feed.url = xstrdup(url);
		cfg->feeds = xgrow(cfg->feeds, &cap, cfg->feed_count + 1, sizeof(*cfg->feeds));
		strmap_put(listed, feed.url, cfg->feed_count);
		cfg->feeds[cfg->feed_count++] = feed;
	}
	return 0;
}

static int read_file(const char *path, struct buf *errors,
	int (*parse)(struct config *, FILE *, struct source *), struct config *cfg)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int err = errno;
		if (errors)
			buf_printf(errors, "%s: cannot open: %s\n", path, strerror(err));
		return -err;
	}
	struct source src = {.path = path, .dir = dir_of(path), .errors = errors};
	parse(cfg, f, &src);
	fclose(f);
	free(src.dir);
	return src.error_count ? -EINVAL : 0;
}

int config_load(const char *path, struct config **ret_config, struct buf *errors)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(path);
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->stop_timeout_s = 10;
	cfg->interval_s = 15 * 60;
	cfg->concurrency = 16;
	cfg->per_host = 2;
	cfg->host_spacing_ms = 1000;
	cfg->timeout_s = 60;
	cfg->connect_timeout_s = 15;
	cfg->low_speed_limit = 100;
	cfg->low_speed_time_s = 30;
	cfg->max_redirects = 5;
	cfg->max_body_bytes = 16 * 1024 * 1024;
	cfg->max_header_bytes = 64 * 1024;
	cfg->max_ttl_s = 6 * 3600;
	cfg->max_retry_after_s = 6 * 3600;
	cfg->max_backoff_s = 6 * 3600;
	cfg->dead_after_s = 7 * 86400;
	cfg->dead_interval_s = 86400;
	cfg->stale_after_s = 14 * 86400;
	cfg->refresh_after_s = 86400;
	cfg->fetch_log_rows = 100;
	cfg->user_agent = xstrdup(DEFAULT_USER_AGENT);

	int r = read_file(path, errors, parse_ini, cfg);
	if (r < 0 && r != -EINVAL)
		goto fail;
	int config_errors = r;
	if (!cfg->database) {
		if (errors)
			buf_printf(errors, "%s: [daemon] database is not set\n", path);
		config_errors = -EINVAL;
	}
	if (!cfg->feeds_path) {
		if (errors)
			buf_printf(errors, "%s: [daemon] feeds is not set\n", path);
		r = -EINVAL;
		goto fail;
	}
	r = read_file(cfg->feeds_path, errors, parse_feed_list, cfg);
	if (r < 0)
		goto fail;
	if (config_errors < 0) {
		r = config_errors;
		goto fail;
	}
	*ret_config = cfg;
	return 0;
fail:
	config_free(cfg);
	return r;
}

void config_free(struct config *config)
{
	if (!config)
		return;
	free(config->path);
	free(config->database);
	free(config->feeds_path);
	free(config->user_agent);
	free(config->ca_file);
	path_list_free(&config->dictionary_dirs);
	path_list_free(&config->actors);
	path_list_free(&config->agents);
	path_list_free(&config->verbs);
	path_list_free(&config->discards);
	for (size_t i = 0; i < config->feed_count; i++) {
		free(config->feeds[i].url);
		free(config->feeds[i].title);
		free(config->feeds[i].user_agent);
	}
	free(config->feeds);
	strmap_free(&config->feed_index);
	free(config);
}
