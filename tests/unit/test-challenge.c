/* challenge: bot-challenge pages are told apart from feeds and from ordinary HTML. */
#include <string.h>

#include "challenge.h"
#include "../tap.h"

static const char *detect(const char *content_type, const char *cf_mitigated, const char *body)
{
	return challenge_detect(content_type, cf_mitigated, body, strlen(body));
}

int main(void)
{
	is_str(detect("text/html; charset=UTF-8", NULL,
		       "<!DOCTYPE html><html><head><title>Just a moment...</title>"
		       "<script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate\"></script>"),
		"Cloudflare", "Cloudflare's interstitial is a Cloudflare challenge");
	is_str(detect("text/html", "challenge", "<html></html>"), "Cloudflare",
		"the cf-mitigated: challenge header alone says Cloudflare");
	is_str(detect(NULL, NULL, "  <html><body>DDoS-Guard protection</body></html>"),
		"DDoS-Guard", "HTML recognised without a Content-Type");
	is_str(detect("text/html", NULL, "<html><title>Sucuri WebSite Firewall - Access Denied"),
		"Sucuri", "Sucuri, case folded");
	is_str(detect("text/html", NULL, "<html><div class=\"g-recaptcha\"></div></html>"),
		"a CAPTCHA", "a bare reCAPTCHA is reported as a CAPTCHA");
	is_str(detect("text/html", NULL, "<html><h1>Checking your browser before accessing"),
		"a browser check", "a generic browser check");
	ok(detect("text/html", NULL, "<html><body>Welcome to our news site</body></html>") == NULL,
		"an ordinary HTML page is not a challenge");
	ok(detect("application/rss+xml", NULL,
		   "<rss><channel><title>Checking your browser: a how-to</title></channel></rss>") == NULL,
		"a feed that mentions a marker is not a challenge");
	return tap_done();
}
