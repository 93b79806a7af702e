#include "httpmeta.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "date.h"

/* Parses the run of decimal digits at s (after spaces and a quote, which some servers
 * send), saturating at `cap`; -1 if there is no digit. */
static long parse_seconds(const char *s, long cap)
{
	while (*s == ' ' || *s == '"')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	long value = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		value = value * 10 + (*s - '0');
		if (value >= cap)
			return cap;
	}
	return value;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static long clamp_span(int64_t from, int64_t to, long cap)
{
	if (to <= from)
		return 0;
	return to - from >= cap ? cap : (long)(to - from);
}

long httpmeta_retry_after(const char *value, int64_t now, long cap)
{
	if (!value || cap < 0)
		return -1;
	if (all_digits(value))
		return parse_seconds(value, cap);
	int64_t when;
	if (date_parse(value, strlen(value), &when) < 0)
		return -1;
	return clamp_span(now, when, cap);
}

long httpmeta_freshness(const char *cache_control, const char *expires, const char *date,
	int64_t now, long cap)
{
	if (cap < 0)
		return -1;
	const char *cc = cache_control;
	for (const char *p = cc; p && (p = strcasestr(p, "max-age")) != NULL; p += 7) {
		bool starts_token = p == cc || p[-1] == ',' || p[-1] == ' ' || p[-1] == '\t';
		const char *v = p + 7;
		while (*v == ' ')
			v++;
		if (!starts_token || *v != '=')
			continue;
		long s = parse_seconds(v + 1, cap);
		if (s >= 0)
			return s;
	}
	if (!expires)
		return -1;
	int64_t when, base;
	if (date_parse(expires, strlen(expires), &when) < 0)
		return 0; /* RFC 9111 5.3: an invalid Expires ("0", "-1") means already expired */
	if (!date || date_parse(date, strlen(date), &base) < 0)
		base = now;
	return clamp_span(base, when, cap);
}

long httpmeta_status(const char *line, size_t len)
{
	if (len < 5 || strncmp(line, "HTTP/", 5) != 0)
		return 0;
	const char *space = memchr(line, ' ', len);
	if (!space || (size_t)(space - line) + 4 > len)
		return 0;
	long status = 0;
	for (int i = 1; i <= 3; i++) {
		char c = space[i];
		if (c < '0' || c > '9')
			return 0;
		status = status * 10 + (c - '0');
	}
	return status;
}
