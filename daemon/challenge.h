/*
 * challenge: tells a bot-challenge page (Cloudflare's "Just a moment...", DDoS-Guard,
 * Sucuri, Incapsula, a CAPTCHA) from a feed, so the log and the feeds table can say
 * "this site blocks automated clients" instead of "not a feed" or "HTTP 403". Pure: no
 * I/O, never logs, reads at most the first 32 KB of the body.
 */
#ifndef GEOTRACK_CHALLENGE_H
#define GEOTRACK_CHALLENGE_H

#include <stddef.h>

/*
 * Returns the name of the service whose challenge page this is ("Cloudflare",
 * "DDoS-Guard", ..., or "a CAPTCHA" / "a browser check" when only the kind is known), or
 * NULL when the response is not a challenge page. `content_type` and `cf_mitigated` (the
 * header of that name) may be NULL; the body need not be NUL-terminated.
 */
const char *challenge_detect(const char *content_type, const char *cf_mitigated,
	const char *body, size_t len);

#endif
