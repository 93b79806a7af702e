/* log: what reaches the journal of strings a server or the feed list supplies. */
#include <string.h>

#include "log.h"
#include "../tap.h"

static void test_quote(void)
{
	char out[16];
	is_str(log_quote("line\nforged: x", out, sizeof(out)), "line?forged: x",
		"a control character cannot start a forged log line");
	is_str(log_quote("https://example.org/a/very/long/feed", out, sizeof(out)),
		"https://exam...", "a long string is cut and marked");
	is_str(log_quote(NULL, out, sizeof(out)), "(none)", "no string reads (none)");
}

static void test_url(void)
{
	char out[200];
	is_str(log_url("https://reader:s3cret@example.org/feed.xml", out, sizeof(out)),
		"https://reader:***@example.org/feed.xml", "a password in the URL is not logged");
	is_str(log_url("https://reader:p@ss:w@example.org:8443/feed?key=1", out, sizeof(out)),
		"https://reader:***@example.org:8443/feed?key=1",
		"nor one holding '@' and ':' (the last '@' ends it), and the port stays");
	is_str(log_url("https://reader@example.org/feed", out, sizeof(out)),
		"https://reader@example.org/feed", "a user name alone is kept");
	is_str(log_url("https://example.org/feed?from=a@b:c", out, sizeof(out)),
		"https://example.org/feed?from=a@b:c", "'@' after the host is not user information");
	is_str(log_url("http://127.0.0.1:8080/n/1.xml", out, sizeof(out)),
		"http://127.0.0.1:8080/n/1.xml", "a plain URL is as written");
	is_str(log_url("file:///var/feeds/a.xml", out, sizeof(out)), "file:///var/feeds/a.xml",
		"a file URL is as written");
	is_str(log_url("https://u:pw@ex\nample.org/", out, sizeof(out)),
		"https://u:***@ex?ample.org/", "and control characters are replaced as log_quote does");
	char small[12];
	ok(strstr(log_url("https://reader:s3cret@example.org/", small, sizeof(small)), "s3c") ==
			NULL, "a cut URL shows no part of the password either");
}

int main(void)
{
	test_quote();
	test_url();
	return tap_done();
}
