/* date: the date forms feeds write, and our own formatting. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "../tap.h"

/* Checks that `text` parses to the UTC time written as "YYYY-MM-DD HH:MM:SS". */
static void parses_to(const char *text, const char *want)
{
	int64_t time = 0;
	char got[DATE_TEXT_SIZE] = "(error)";
	char what[256];
	if (date_parse(text, strlen(text), &time) == 0)
		date_format(time, got);
	snprintf(what, sizeof(what), "'%s' is %s", text, want);
	is_str(got, want, what);
}

static void rejects(const char *text)
{
	int64_t time = 0;
	char what[256];
	snprintf(what, sizeof(what), "'%s' is not a date", text);
	is_int(date_parse(text, strlen(text), &time), -EINVAL, what);
}

static void test_rfc822(void)
{
	parses_to("Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01 19:48:21");
	parses_to("Sat, 07 Sep 2002 00:00:01 +0000", "2002-09-07 00:00:01");
	parses_to("Sun, 19 May 2002 15:21:36 -0700", "2002-05-19 22:21:36");
	parses_to("Tue, 10 Jun 2003 09:41:01 +0530", "2003-06-10 04:11:01");
	parses_to("Wed, 02 Oct 2002 08:00:00 EST", "2002-10-02 13:00:00");
	parses_to("Wed, 02 Oct 2002 13:00:00 EDT", "2002-10-02 17:00:00");
	parses_to("Wed, 02 Oct 2002 15:00:00 PDT", "2002-10-02 22:00:00");
	parses_to("Wed, 02 Oct 2002 08:00:00 UT", "2002-10-02 08:00:00");
	/* the variants RFC 822 does not allow but feeds write */
	parses_to("01 Jan 2004 19:48:21 GMT", "2004-01-01 19:48:21");
	parses_to("Thu, 1 Jan 04 19:48:21 GMT", "2004-01-01 19:48:21");
	parses_to("Thu, 01 Jan 99 19:48:21 GMT", "1999-01-01 19:48:21");
	parses_to("Thu, 01 January 2004 19:48 GMT", "2004-01-01 19:48:00");
	parses_to("Thu,  01   Jan 2004   19:48:21   GMT", "2004-01-01 19:48:21");
	parses_to("Thu,01 Jan 2004 19:48:21 GMT", "2004-01-01 19:48:21");
	parses_to("Thu, 01 Jan 2004 19:48:21 GMT+2", "2004-01-01 17:48:21");
	parses_to("Thu, 01 Jan 2004 19:48:21 GMT-05:00", "2004-01-02 00:48:21");
	parses_to("Thu, 01 Jan 2004 19:48:21 +02:00", "2004-01-01 17:48:21");
	parses_to("Thu, 01 Jan 2004 19:48:21", "2004-01-01 19:48:21");
	parses_to("Thu, 01 Jan 2004", "2004-01-01 00:00:00");
	parses_to("Thu, 01 Jan 2004 9:08:07 Z", "2004-01-01 09:08:07");
	parses_to("Sun, 20 Jan 2013 18:03:22 +0000 (UTC)", "2013-01-20 18:03:22");
	parses_to("Thu Jan  1 19:48:21 2004", "2004-01-01 19:48:21");
	parses_to("Jan 01 2004 19:48:21 GMT", "2004-01-01 19:48:21");
	parses_to("Mon, 10 Sep 2012 7:15:00 PM -0800", "2012-09-11 03:15:00");
	parses_to("Thu, 31 Dec 2099 23:59:59 CET", "2099-12-31 22:59:59");
	parses_to("Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31 23:59:59");
}

static void test_iso8601(void)
{
	parses_to("2003-12-31T10:14:55Z", "2003-12-31 10:14:55");
	parses_to("2003-12-31T10:14:55-08:00", "2003-12-31 18:14:55");
	parses_to("2003-12-31T10:14:55.123+01:00", "2003-12-31 09:14:55");
	parses_to("2003-12-31T10:14Z", "2003-12-31 10:14:00");
	parses_to("2003-12-31 10:14:55", "2003-12-31 10:14:55");
	parses_to("2003-12-31 10:14:55 +0100", "2003-12-31 09:14:55");
	parses_to("2003-12-31", "2003-12-31 00:00:00");
	parses_to("2003-12", "2003-12-01 00:00:00");
	parses_to("2003", "2003-01-01 00:00:00");
	parses_to("20031231T101455Z", "2003-12-31 10:14:55");
	parses_to("20031231", "2003-12-31 00:00:00");
	parses_to("2003-12-31t10:14:55z", "2003-12-31 10:14:55");
	parses_to("  2003-12-31T10:14:55Z\n", "2003-12-31 10:14:55");
	parses_to("2004-02-29T00:00:00Z", "2004-02-29 00:00:00");
	parses_to("1969-12-31T23:59:59Z", "1969-12-31 23:59:59");
}

static void test_rejects(void)
{
	rejects("");
	rejects("   ");
	rejects("yesterday");
	rejects("2003-13-01T00:00:00Z");
	rejects("2003-02-29T00:00:00Z");
	rejects("2003-12-31T25:00:00Z");
	rejects("Thu, 32 Jan 2004 19:48:21 GMT");
	rejects("Thu, 01 Foo 2004 19:48:21 GMT");
	rejects("2003-12-31T10:14:55+99:00");
	rejects("12345678901234567890");
	rejects("9999-12-31T24:00:00Z");
	rejects("0001-01-01T00:00:00+01:00");
}

static void test_length_is_respected(void)
{
	const char *text = "2003-12-31T10:14:55Z trailing garbage";
	int64_t time = 0;
	is_int(date_parse(text, 20, &time), 0, "only the first len bytes are read");
	is_int(time, date_from_civil(2003, 12, 31, 10, 14, 55), "and they are the date");
}

static void test_days(void)
{
	char out[DATE_TEXT_SIZE];
	int32_t days = -1;
	is_int(date_parse_day("1970-01-01", &days), 0, "epoch day parses");
	is_int(days, 0, "epoch is day 0");
	is_int(date_parse_day("2024-02-29", &days), 0, "a leap day parses");
	is_int(days, 19782, "2024-02-29 is day 19782");
	date_format_day(days, out);
	is_str(out, "2024-02-29", "and formats back");
	is_int(date_parse_day("2023-02-29", &days), -EINVAL, "no 29 February in 2023");
	is_int(date_parse_day("2023-1-01", &days), -EINVAL, "exactly YYYY-MM-DD");
	is_int(date_parse_day("2023-01-011", &days), -EINVAL, "nothing after the day");
	is_int(date_days_of(-1), -1, "one second before the epoch is day -1");
	is_int(date_days_of(86399), 0, "the last second of day 0");
	date_format(-1, out);
	is_str(out, "1969-12-31 23:59:59", "formatting before 1970");
	date_format(date_from_civil(2000, 3, 1, 12, 0, 0), out);
	is_str(out, "2000-03-01 12:00:00", "date_from_civil round-trips");
}

int main(void)
{
	test_rfc822();
	test_iso8601();
	test_rejects();
	test_length_is_respected();
	test_days();
	return tap_done();
}
