/*
 * log: one line per message to stderr.
 *
 * Under journald (JOURNAL_STREAM names our stderr) each line carries a "<N>" priority
 * prefix and no timestamp, since the journal adds its own; on a terminal or a file the
 * line is "geotrackd: level: message". Messages above the configured level are dropped.
 * Strings that come from remote servers must be passed through log_quote() first.
 */
#ifndef GEOTRACK_LOG_H
#define GEOTRACK_LOG_H

#include <stddef.h>

/* Values are syslog priorities so they can be written as "<N>" prefixes as they are. */
enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Decides between journald and plain output from the environment; call once at start. */
void log_init(enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "err", "warning", "notice", "info", "debug"; returns 0 or -EINVAL. */
int log_level_parse(const char *name, enum log_level *ret_level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/*
 * Copies an untrusted string into out (size out_size) with control characters replaced
 * by '?' and cut to fit with "..." so one remote string cannot forge or flood log lines.
 * Returns out.
 */
const char *log_quote(const char *s, char *out, size_t out_size);

/*
 * log_quote() for a URL, with the password of its user information, if any, written as
 * "***": a feed list may hold https://reader:secret@host/feed, and the log is read by
 * more people than the feed list.
 */
const char *log_url(const char *url, char *out, size_t out_size);

#endif
