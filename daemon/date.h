/*
 * date: parsing the dates feeds carry, and formatting ours.
 *
 * Feeds write dates as RFC 822 (with every real-world variation: no day name, two-digit
 * years, named, numeric and "GMT+2" zones, extra spaces) and as RFC 3339 / ISO 8601.
 * Everything is converted to seconds since the epoch, UTC. Pure: no locale, no TZ
 * environment, no logging.
 */
#ifndef GEOTRACK_DATE_H
#define GEOTRACK_DATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses an RFC 822 or ISO 8601 date-time (or plain date) from the first `len` bytes of
 * text. Returns 0 and sets *ret_time (UTC seconds since 1970) on success, -EINVAL if the
 * text is not a date we understand.
 */
int date_parse(const char *text, size_t len, int64_t *ret_time);

/* Parses exactly "YYYY-MM-DD" into days since 1970-01-01. Returns 0 or -EINVAL. */
int date_parse_day(const char *text, int32_t *ret_days);

/* Days since the epoch for a UTC time (floor division, correct before 1970). */
int32_t date_days_of(int64_t time);

/* Seconds since the epoch for a proleptic Gregorian UTC date-time; no range checks. */
int64_t date_from_civil(int year, int month, int day, int hour, int minute, int second);

/* Writes "YYYY-MM-DD HH:MM:SS" (UTC) into out, which must hold DATE_TEXT_SIZE bytes. */
#define DATE_TEXT_SIZE 24
void date_format(int64_t time, char *out);
/* Writes "YYYY-MM-DD" into out (at least 11 bytes). */
void date_format_day(int32_t days, char *out);

#endif
