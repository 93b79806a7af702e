#include "challenge.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

/* Challenge pages put their markers in the head; no need to read a large body. */
#define SCAN_BYTES (32 * 1024)

struct marker {
	const char *text; /* lower case */
	const char *name;
};

/* Most specific first: a Cloudflare page also says "checking your browser". */
static const struct marker markers[] = {
	{"cf-chl", "Cloudflare"},
	{"challenge-platform", "Cloudflare"},
	{"cf_chl_opt", "Cloudflare"},
	{"attention required! | cloudflare", "Cloudflare"},
	{"<title>just a moment...</title>", "Cloudflare"},
	{"ddos-guard", "DDoS-Guard"},
	{"sucuri website firewall", "Sucuri"},
	{"incapsula incident", "Imperva Incapsula"},
	{"_incapsula_resource", "Imperva Incapsula"},
	{"px-captcha", "PerimeterX"},
	{"captcha-delivery.com", "DataDome"},
	{"checking your browser", "a browser check"},
	{"enable javascript and cookies to continue", "a browser check"},
	{"g-recaptcha", "a CAPTCHA"},
	{"h-captcha", "a CAPTCHA"},
	{"hcaptcha.com", "a CAPTCHA"},
};

/* Decided on the raw bytes, so a feed costs a few comparisons and no copy. */
static bool looks_like_html(const char *content_type, const char *body, size_t len)
{
	if (content_type && strcasestr(content_type, "html"))
		return true;
	size_t i = 0;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	return (len - i >= 14 && strncasecmp(body + i, "<!doctype html", 14) == 0) ||
		(len - i >= 5 && strncasecmp(body + i, "<html", 5) == 0);
}

const char *challenge_detect(const char *content_type, const char *cf_mitigated,
	const char *body, size_t len)
{
	if (cf_mitigated && strcasecmp(cf_mitigated, "challenge") == 0)
		return "Cloudflare";
	size_t n = len < SCAN_BYTES ? len : SCAN_BYTES;
	if (!looks_like_html(content_type, body, n))
		return NULL;
	char *lower = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		lower[i] = (char)tolower((unsigned char)body[i]);
	lower[n] = '\0';
	const char *found = NULL;
	for (size_t i = 0; !found && i < sizeof(markers) / sizeof(*markers); i++)
		if (memmem(lower, n, markers[i].text, strlen(markers[i].text)))
			found = markers[i].name;
	free(lower);
	return found;
}
