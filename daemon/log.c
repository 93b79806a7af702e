#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_level current_level = LOG_LEVEL_INFO;
static bool to_journal;

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_NOTICE] = "notice",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; trust it only if it is ours. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	if (!e)
		return false;
	unsigned long long dev, ino;
	if (sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	struct stat st;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_level level)
{
	current_level = level;
	to_journal = stderr_is_journal();
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

int log_level_parse(const char *name, enum log_level *ret_level)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{"err", LOG_LEVEL_ERR},
		{"error", LOG_LEVEL_ERR},
		{"warning", LOG_LEVEL_WARNING},
		{"warn", LOG_LEVEL_WARNING},
		{"notice", LOG_LEVEL_NOTICE},
		{"info", LOG_LEVEL_INFO},
		{"debug", LOG_LEVEL_DEBUG},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*ret_level = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > current_level)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line keeps lines whole when several processes share stderr. */
	char out[2200];
	int n;
	if (to_journal)
		n = snprintf(out, sizeof(out), "<%d>%s\n", (int)level, line);
	else
		n = snprintf(out, sizeof(out), "geotrackd: %s: %s\n", level_names[level], line);
	if (n > (int)sizeof(out) - 1)
		n = (int)sizeof(out) - 1;
	if (n > 0) {
		ssize_t unused = write(STDERR_FILENO, out, (size_t)n);
		(void)unused;
	}
}

const char *log_url(const char *url, char *out, size_t out_size)
{
	const char *authority = url ? strstr(url, "://") : NULL;
	if (!authority)
		return log_quote(url, out, out_size);
	authority += 3;
	size_t authority_len = strcspn(authority, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < authority_len; i++)
		if (authority[i] == '@')
			at = authority + i;
	const char *colon = at ? memchr(authority, ':', (size_t)(at - authority)) : NULL;
	if (!colon)
		return log_quote(url, out, out_size);
	/* scheme://user: + *** + @rest; cut like log_quote when long. */
	char redacted[2048];
	snprintf(redacted, sizeof(redacted), "%.*s***%s", (int)(colon + 1 - url), url, at);
	return log_quote(redacted, out, out_size);
}

const char *log_quote(const char *s, char *out, size_t out_size)
{
	if (out_size == 0)
		return out;
	if (!s) {
		snprintf(out, out_size, "(none)");
		return out;
	}
	size_t i = 0;
	size_t limit = out_size - 1;
	for (; s[i] && i < limit; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[i] = '\0';
	if (s[i] && out_size > 4)
		memcpy(out + out_size - 4, "...", 4);
	return out;
}
