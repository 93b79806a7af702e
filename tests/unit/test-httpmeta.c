/* httpmeta: Retry-After, freshness and status lines as servers really send them. */
#include <string.h>

#include "httpmeta.h"
#include "../tap.h"

/* Sat, 28 Nov 2026 10:00:00 GMT */
#define NOW 1795860000

int main(void)
{
	is_int(httpmeta_retry_after("120", NOW, 3600), 120, "Retry-After: 120 is 120 s");
	is_int(httpmeta_retry_after("Sat, 28 Nov 2026 10:01:30 GMT", NOW, 3600), 90,
		"an IMF-fixdate 90 s ahead is 90 s");
	is_int(httpmeta_retry_after("Saturday, 28-Nov-26 10:01:30 GMT", NOW, 3600), 90,
		"the obsolete RFC 850 form is read too");
	is_int(httpmeta_retry_after("Sat Nov 28 10:01:30 2026", NOW, 3600), 90,
		"and asctime's");
	is_int(httpmeta_retry_after("Fri, 27 Nov 2026 10:00:00 GMT", NOW, 3600), 0,
		"a date in the past means now");
	is_int(httpmeta_retry_after("99999999999999999999999999", NOW, 3600), 3600,
		"an absurd number saturates at the cap instead of overflowing");
	is_int(httpmeta_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", NOW, 3600), 3600,
		"a date far ahead is capped");
	is_int(httpmeta_retry_after("-5", NOW, 3600), -1, "a negative number is not a Retry-After");
	is_int(httpmeta_retry_after("soon", NOW, 3600), -1, "nor is a word");
	is_int(httpmeta_retry_after(NULL, NOW, 3600), -1, "no header, no wait");

	is_int(httpmeta_freshness("public, max-age=600", NULL, NULL, NOW, 86400), 600,
		"Cache-Control max-age=600");
	is_int(httpmeta_freshness("s-maxage=50, max-age=60", NULL, NULL, NOW, 86400), 60,
		"max-age is not mistaken inside s-maxage");
	is_int(httpmeta_freshness("MAX-AGE = 30", NULL, NULL, NOW, 86400), 30,
		"directive names are case-insensitive");
	is_int(httpmeta_freshness("max-age=60", "Sat, 28 Nov 2026 11:00:00 GMT", NULL, NOW, 86400),
		60, "max-age wins over Expires");
	is_int(httpmeta_freshness(NULL, "Sat, 28 Nov 2026 10:15:00 GMT",
		       "Sat, 28 Nov 2026 10:00:00 GMT", NOW + 100, 86400), 900,
		"Expires is counted from the server's Date, not our clock");
	is_int(httpmeta_freshness("no-cache", "Sat, 28 Nov 2026 10:15:00 GMT", NULL, NOW, 86400),
		900, "without Date, from now");
	is_int(httpmeta_freshness(NULL, "0", NULL, NOW, 86400), 0,
		"Expires: 0 means already expired");
	is_int(httpmeta_freshness("max-age=999999999999999", NULL, NULL, NOW, 86400), 86400,
		"a huge max-age saturates at the cap");
	is_int(httpmeta_freshness("no-store", NULL, NULL, NOW, 86400), -1,
		"headers without a lifetime say nothing");

	const char *lines[] = {"HTTP/1.1 301 Moved Permanently\r\n", "HTTP/2 200\r\n",
		"HTTP/1.0 30", "Location: /x\r\n", "HTTP/1.1 abc\r\n"};
	const char *what[] = {"an HTTP/1.1 status line gives its code", "so does HTTP/2's",
		"a status line cut short is not one", "a header line is not one",
		"letters are not a code"};
	long want[] = {301, 200, 0, 0, 0};
	for (int i = 0; i < 5; i++)
		is_int(httpmeta_status(lines[i], strlen(lines[i])), want[i], what[i]);
	return tap_done();
}
