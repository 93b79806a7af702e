/*
 * date: RFC 822 (and what feeds actually write under that name) and ISO 8601 dates.
 *
 * Two parsers: a strict-shaped ISO 8601 / RFC 3339 reader for text that starts with a
 * four-digit year, and a token-based reader for everything else, which finds a month
 * name, day, year, time and zone wherever they stand. The token reader is what makes the
 * real-world variants work (no day name, "Jan 01 2004", asctime order, "GMT+2", extra
 * spaces, two-digit years) without a format list. All arithmetic is on integers in UTC.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "date.h"

/* Inputs longer than this are not dates; the cap also bounds every loop below. */
#define DATE_MAX_TEXT 128

struct civil {
	int year, month, day, hour, minute, second;
	int zone_seconds; /* east of UTC */
};

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
	year -= month <= 2;
	int64_t era = (year >= 0 ? year : year - 399) / 400;
	int64_t year_of_era = year - era * 400;
	int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + day_of_era - 719468;
}

static void civil_from_days(int64_t days, int *ret_year, int *ret_month, int *ret_day)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t day_of_era = days - era * 146097;
	int64_t year_of_era =
		(day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
	int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	int64_t mp = (5 * day_of_year + 2) / 153;
	int day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
	int month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*ret_year = (int)(year_of_era + era * 400 + (month <= 2));
	*ret_month = month;
	*ret_day = day;
}

int64_t date_from_civil(int year, int month, int day, int hour, int minute, int second)
{
	return days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

int32_t date_days_of(int64_t time)
{
	int64_t days = time / 86400;
	if (time % 86400 < 0)
		days--;
	return (int32_t)days;
}

void date_format_day(int32_t days, char *out)
{
	int year, month, day;
	char text[48]; /* room for what the compiler thinks the ints could be */
	civil_from_days(days, &year, &month, &day);
	snprintf(text, sizeof(text), "%04d-%02d-%02d", year % 10000, month, day);
	size_t len = strnlen(text, 10);
	memcpy(out, text, len);
	out[len] = '\0';
}

void date_format(int64_t time, char *out)
{
	int32_t days = date_days_of(time);
	int64_t seconds = time - (int64_t)days * 86400;
	int year, month, day;
	char text[96];
	civil_from_days(days, &year, &month, &day);
	snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d", year % 10000, month, day,
		(int)(seconds / 3600), (int)(seconds / 60 % 60), (int)(seconds % 60));
	size_t len = strnlen(text, DATE_TEXT_SIZE - 1);
	memcpy(out, text, len);
	out[len] = '\0';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

static bool civil_valid(const struct civil *c)
{
	if (c->year < 1 || c->year > 9999 || c->month < 1 || c->month > 12)
		return false;
	if (c->day < 1 || c->day > days_in_month(c->year, c->month))
		return false;
	/* 24:00:00 is ISO 8601's end of day; 60 seconds is a leap second. */
	if (c->hour == 24 && (c->minute != 0 || c->second != 0))
		return false;
	return c->hour >= 0 && c->hour <= 24 && c->minute >= 0 && c->minute <= 59 &&
	       c->second >= 0 && c->second <= 60;
}

static int civil_to_time(const struct civil *c, int64_t *ret_time)
{
	if (!civil_valid(c))
		return -EINVAL;
	int second = c->second == 60 ? 59 : c->second;
	int64_t time = date_from_civil(c->year, c->month, c->day, c->hour, c->minute, second) -
		       c->zone_seconds;
	/* Zones and 24:00 can push a time out of the years we can write back. */
	if (time < date_from_civil(1, 1, 1, 0, 0, 0) || time > date_from_civil(9999, 12, 31, 23, 59, 59))
		return -EINVAL;
	*ret_time = time;
	return 0;
}

/* Reads exactly `count` digits at s[*pos]; returns -1 if they are not there. */
static int read_digits(const char *s, size_t len, size_t *pos, int count)
{
	int value = 0;
	if (*pos + (size_t)count > len)
		return -1;
	for (int i = 0; i < count; i++) {
		char c = s[*pos + (size_t)i];
		if (!is_digit(c))
			return -1;
		value = value * 10 + (c - '0');
	}
	*pos += (size_t)count;
	return value;
}

/*
 * A numeric zone: "Z", "+HH", "+HHMM", "+HH:MM", "+H". Returns the number of bytes used
 * (0 when there is no zone there) or -1 when it starts like a zone but is not one.
 */
static int parse_numeric_zone(const char *s, size_t len, int *ret_seconds)
{
	if (len == 0)
		return 0;
	if (s[0] == 'Z' || s[0] == 'z') {
		*ret_seconds = 0;
		return 1;
	}
	if (s[0] != '+' && s[0] != '-')
		return 0;
	int sign = s[0] == '-' ? -1 : 1;
	size_t digits = 1;
	while (digits < len && digits < 6 && (is_digit(s[digits]) || s[digits] == ':'))
		digits++;
	int hours = 0, minutes = 0, count = 0;
	bool colon = false;
	for (size_t i = 1; i < digits; i++) {
		if (s[i] == ':') {
			if (colon || count != 2)
				return -1;
			colon = true;
			continue;
		}
		count++;
		if (count <= 2 && !colon)
			hours = hours * 10 + (s[i] - '0');
		else
			minutes = minutes * 10 + (s[i] - '0');
	}
	/* "+5" and "+05" are hours; "+0530" and "+05:30" carry minutes; "+530" is H MM. */
	if (count == 3 && !colon) {
		minutes = (hours % 10) * 10 + minutes;
		hours /= 10;
	}
	if (count == 0 || count > 4 || hours > 23 || minutes > 59)
		return -1;
	*ret_seconds = sign * (hours * 3600 + minutes * 60);
	return (int)digits;
}

/*
 * ISO 8601 / RFC 3339 / W3C-DTF: YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD, then optionally
 * 'T' or ' ' and HH[:MM[:SS[.fraction]]] or HHMMSS, then an optional zone.
 */
static int parse_iso8601(const char *s, size_t len, int64_t *ret_time)
{
	struct civil c = {.month = 1, .day = 1};
	size_t pos = 0;
	if ((c.year = read_digits(s, len, &pos, 4)) < 0)
		return -EINVAL;
	if (pos < len && s[pos] == '-') {
		pos++;
		if ((c.month = read_digits(s, len, &pos, 2)) < 0)
			return -EINVAL;
		if (pos < len && s[pos] == '-') {
			pos++;
			/* Feeds write single-digit days ("2004-1-5") often enough to accept. */
			if ((c.day = read_digits(s, len, &pos, 2)) < 0 &&
				(c.day = read_digits(s, len, &pos, 1)) < 0)
				return -EINVAL;
		}
	} else if (pos < len && is_digit(s[pos])) {
		if ((c.month = read_digits(s, len, &pos, 2)) < 0 ||
			(c.day = read_digits(s, len, &pos, 2)) < 0)
			return -EINVAL;
	}
	if (pos < len && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ') && pos + 1 < len &&
		is_digit(s[pos + 1])) {
		pos++;
		if ((c.hour = read_digits(s, len, &pos, 2)) < 0)
			return -EINVAL;
		bool extended = pos < len && s[pos] == ':';
		if (extended || (pos < len && is_digit(s[pos]))) {
			if (extended)
				pos++;
			if ((c.minute = read_digits(s, len, &pos, 2)) < 0)
				return -EINVAL;
			if (pos < len && ((extended && s[pos] == ':') || (!extended && is_digit(s[pos])))) {
				if (extended)
					pos++;
				if ((c.second = read_digits(s, len, &pos, 2)) < 0)
					return -EINVAL;
				if (pos < len && (s[pos] == '.' || s[pos] == ',')) {
					pos++;
					while (pos < len && is_digit(s[pos]))
						pos++;
				}
			}
		}
		while (pos < len && s[pos] == ' ')
			pos++;
		int used = parse_numeric_zone(s + pos, len - pos, &c.zone_seconds);
		if (used < 0)
			return -EINVAL;
		if (used == 0 && len - pos >= 3 &&
			(strncmp(s + pos, "GMT", 3) == 0 || strncmp(s + pos, "UTC", 3) == 0))
			used = 3;
		pos += (size_t)used;
	}
	while (pos < len && is_space(s[pos]))
		pos++;
	if (pos != len)
		return -EINVAL;
	return civil_to_time(&c, ret_time);
}

struct zone_name {
	const char *name;
	int minutes; /* east of UTC */
};

/* Zones RFC 822 names, plus the abbreviations feeds in the wild use without ambiguity. */
static const struct zone_name zone_names[] = {
	{"UT", 0}, {"UTC", 0}, {"GMT", 0}, {"Z", 0}, {"WET", 0},
	{"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
	{"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
	{"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"AST", -240}, {"ADT", -180},
	{"NST", -210}, {"NDT", -150},
	{"BST", 60}, {"IST", 330}, {"CET", 60}, {"CEST", 120}, {"MET", 60}, {"MEST", 120},
	{"WEST", 60}, {"EET", 120}, {"EEST", 180}, {"MSK", 180}, {"MSD", 240},
	{"JST", 540}, {"KST", 540}, {"HKT", 480}, {"SGT", 480}, {"AWST", 480},
	{"ACST", 570}, {"AEST", 600}, {"AEDT", 660}, {"NZST", 720}, {"NZDT", 780},
};

static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
};

static bool word_equals(const char *word, size_t len, const char *name)
{
	size_t name_len = strlen(name);
	if (len != name_len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = word[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		char n = name[i];
		if (n >= 'a' && n <= 'z')
			n = (char)(n - 'a' + 'A');
		if (c != n)
			return false;
	}
	return true;
}

/* "Jan", "January", "Sept": a month when the first three letters name one. */
static int month_of_word(const char *word, size_t len)
{
	if (len < 3 || len > 9)
		return 0;
	for (int m = 0; m < 12; m++)
		if (word_equals(word, 3, month_names[m]))
			return m + 1;
	return 0;
}

static bool zone_of_word(const char *word, size_t len, int *ret_seconds)
{
	for (size_t i = 0; i < sizeof(zone_names) / sizeof(zone_names[0]); i++) {
		if (word_equals(word, len, zone_names[i].name)) {
			*ret_seconds = zone_names[i].minutes * 60;
			return true;
		}
	}
	/* RFC 822's military letters are known to have been specified backwards, so RFC
	 * 2822 says to read them as UTC; so do we. */
	if (len == 1 && is_alpha(word[0]) && word[0] != 'j' && word[0] != 'J') {
		*ret_seconds = 0;
		return true;
	}
	return false;
}

/* HH:MM[:SS[.fraction]] or HH.MM[.SS]; returns bytes used or 0. */
static size_t parse_clock(const char *s, size_t len, struct civil *c)
{
	size_t pos = 0;
	int fields[3] = {0, 0, 0};
	int count = 0;
	char separator = 0;
	while (count < 3) {
		size_t start = pos;
		int value = 0;
		while (pos < len && is_digit(s[pos]) && pos - start < 2)
			value = value * 10 + (s[pos++] - '0');
		if (pos == start)
			return 0;
		fields[count++] = value;
		if (pos >= len || count == 3)
			break;
		if (separator == 0 && (s[pos] == ':' || s[pos] == '.'))
			separator = s[pos];
		if (s[pos] != separator || pos + 1 >= len || !is_digit(s[pos + 1]))
			break;
		pos++;
	}
	if (count < 2)
		return 0;
	if (pos < len && (s[pos] == '.' || s[pos] == ',') && count == 3) {
		pos++;
		while (pos < len && is_digit(s[pos]))
			pos++;
	}
	c->hour = fields[0];
	c->minute = fields[1];
	c->second = fields[2];
	return pos;
}

/*
 * The RFC 822 family, read as tokens: a month word, numbers for day and year, a clock,
 * and a zone (name, "+HHMM", "GMT+2"). Day names, commas and unknown words in parentheses
 * are skipped. Order-independent enough for "01 Jan 2004", "Jan 01 2004" and asctime's
 * "Thu Jan  1 19:48:21 2004".
 */
static int parse_rfc822(const char *s, size_t len, int64_t *ret_time)
{
	struct civil c = {0};
	int numbers[3];
	int number_digits[3];
	int number_count = 0;
	bool have_clock = false, have_zone = false;
	size_t pos = 0;
	while (pos < len) {
		char ch = s[pos];
		if (is_space(ch) || ch == ',' || ch == '/') {
			pos++;
		} else if (ch == '(') {
			/* A comment, as in "+0000 (UTC)". */
			while (pos < len && s[pos] != ')')
				pos++;
			pos++;
		} else if (is_digit(ch)) {
			size_t used = have_clock ? 0 : parse_clock(s + pos, len - pos, &c);
			if (used > 0) {
				have_clock = true;
				pos += used;
				continue;
			}
			size_t start = pos;
			int value = 0;
			while (pos < len && is_digit(s[pos]) && pos - start < 5)
				value = value * 10 + (s[pos++] - '0');
			if (pos < len && is_digit(s[pos]))
				return -EINVAL;
			if (number_count == 3)
				return -EINVAL;
			number_digits[number_count] = (int)(pos - start);
			numbers[number_count++] = value;
			/* "1st", "2nd", "3rd", "4th" */
			if (pos + 1 < len && is_alpha(s[pos]) && is_alpha(s[pos + 1]) &&
				(pos + 2 >= len || !is_alpha(s[pos + 2])))
				pos += 2;
		} else if ((ch == '+' || ch == '-') && have_clock && !have_zone) {
			int used = parse_numeric_zone(s + pos, len - pos, &c.zone_seconds);
			if (used <= 0)
				return -EINVAL;
			have_zone = true;
			pos += (size_t)used;
		} else if (is_alpha(ch)) {
			size_t start = pos;
			while (pos < len && (is_alpha(s[pos]) || s[pos] == '.'))
				pos++;
			size_t word_len = pos - start;
			if (word_len > 0 && s[start + word_len - 1] == '.')
				word_len--;
			int month = month_of_word(s + start, word_len);
			int zone;
			if (month && c.month == 0) {
				c.month = month;
			} else if (!have_zone && zone_of_word(s + start, word_len, &zone)) {
				c.zone_seconds = zone;
				have_zone = true;
				/* "GMT+2", "UTC-05:00" */
				if (pos < len && (s[pos] == '+' || s[pos] == '-')) {
					int offset;
					int used = parse_numeric_zone(s + pos, len - pos, &offset);
					if (used <= 0)
						return -EINVAL;
					c.zone_seconds += offset;
					pos += (size_t)used;
				}
			} else if (word_len == 2 && (word_equals(s + start, 2, "AM") ||
							    word_equals(s + start, 2, "PM"))) {
				if (!have_clock || c.hour < 1 || c.hour > 12)
					return -EINVAL;
				bool pm = word_equals(s + start, 2, "PM");
				c.hour = c.hour % 12 + (pm ? 12 : 0);
			}
			/* Anything else (day names, "at", unknown zones) is skipped. */
		} else {
			pos++;
		}
	}
	if (c.month == 0 || number_count != 2)
		return -EINVAL;
	/* The year is the number written with four digits, else the second one. */
	int year_index = number_digits[0] >= 3 ? 0 : 1;
	c.day = numbers[1 - year_index];
	c.year = numbers[year_index];
	if (number_digits[year_index] <= 2)
		c.year += c.year < 50 ? 2000 : 1900;
	else if (number_digits[year_index] == 3)
		c.year += 1900; /* struct tm's years since 1900, as some generators leak them */
	return civil_to_time(&c, ret_time);
}

int date_parse(const char *text, size_t len, int64_t *ret_time)
{
	size_t start = 0;
	if (!text)
		return -EINVAL;
	while (start < len && is_space(text[start]))
		start++;
	while (len > start && (is_space(text[len - 1]) || text[len - 1] == '\0'))
		len--;
	if (len - start == 0 || len - start > DATE_MAX_TEXT)
		return -EINVAL;
	const char *s = text + start;
	size_t n = len - start;
	if (memchr(s, '\0', n))
		return -EINVAL;
	int64_t time;
	if (n >= 4 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
		parse_iso8601(s, n, &time) == 0) {
		*ret_time = time;
		return 0;
	}
	if (parse_rfc822(s, n, &time) == 0) {
		*ret_time = time;
		return 0;
	}
	return -EINVAL;
}

int date_parse_day(const char *text, int32_t *ret_days)
{
	struct civil c = {0};
	size_t pos = 0;
	size_t len = text ? strnlen(text, 11) : 0;
	if (len != 10)
		return -EINVAL;
	if ((c.year = read_digits(text, len, &pos, 4)) < 0 || text[pos++] != '-' ||
		(c.month = read_digits(text, len, &pos, 2)) < 0 || text[pos++] != '-' ||
		(c.day = read_digits(text, len, &pos, 2)) < 0)
		return -EINVAL;
	if (!civil_valid(&c))
		return -EINVAL;
	*ret_days = (int32_t)days_from_civil(c.year, c.month, c.day);
	return 0;
}
