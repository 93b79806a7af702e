/* feed: what a reader sees of RSS, RDF and Atom documents, broken ones included. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "feed.h"
#include "../tap.h"

#ifndef FEED_FIXTURES
#define FEED_FIXTURES "tests/feeds"
#endif

#define FETCH_TIME 1735689600 /* 2025-01-01 00:00:00 UTC */

static struct feed_doc *parse_with(const char *text, size_t len, const char *content_type,
	const char *url, int *ret_error)
{
	struct feed_parse_options options = {
		.url = url, .content_type = content_type, .fetch_time = FETCH_TIME};
	struct feed_doc *doc = NULL;
	int r = feed_parse(text, len, &options, &doc);
	if (ret_error)
		*ret_error = r;
	return r == 0 ? doc : NULL;
}

static struct feed_doc *parse(const char *text)
{
	return parse_with(text, strlen(text), NULL, NULL, NULL);
}

static char *read_fixture(const char *name, size_t *ret_len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", FEED_FIXTURES, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("# cannot open %s\n", path);
		return NULL;
	}
	char *data = malloc(1 << 20);
	size_t len = fread(data, 1, (1 << 20) - 1, f);
	fclose(f);
	data[len] = '\0';
	*ret_len = len;
	return data;
}

static struct feed_doc *parse_fixture(const char *name, const char *content_type, int *ret_error)
{
	size_t len = 0;
	char *data = read_fixture(name, &len);
	if (!data) {
		if (ret_error)
			*ret_error = -ENOENT;
		return NULL;
	}
	struct feed_doc *doc = parse_with(data, len, content_type, "http://example.org/feed/", ret_error);
	free(data);
	return doc;
}

static const char *time_text(int64_t time, char *out)
{
	date_format(time, out);
	return out;
}

static void test_rss20(void)
{
	char when[DATE_TEXT_SIZE];
	struct feed_doc *doc = parse_fixture("rss20.xml", NULL, NULL);
	ok(doc, "RSS 2.0 parses");
	if (!doc)
		return;
	is_str(feed_format_name(doc->format), "rss2.0", "format");
	is_str(doc->title, "World News & Views", "feed title, entity decoded");
	is_str(doc->site_link, "http://example.org/world/", "site link");
	is_str(doc->language, "en-gb", "feed language");
	is_int(doc->ttl_minutes, 15, "ttl");
	is_int(doc->item_count, 3, "three items");
	if (doc->item_count < 3)
		goto done;
	struct feed_item *first = &doc->items[0];
	is_str(first->title, "Talks resume in Geneva", "item title");
	is_str(first->link, "http://example.org/world/geneva-talks", "item link");
	is_str(first->id, "urn:example:geneva-1", "guid is the id");
	is_str(time_text(first->published, when), "2024-03-05 09:30:00", "pubDate in UTC");
	ok(!first->published_is_fallback, "a real date is not a fallback");
	is_str(first->summary,
		"Delegations from Russia and Ukraine met in Geneva on Tuesday.\n\n"
		"The UN envoy called the talks \"constructive\".",
		"summary: HTML stripped, entities decoded, paragraphs kept");
	is_str(first->author, "Jane Reporter", "dc:creator is the author");
	is_int(first->category_count, 2, "two categories");
	if (first->category_count == 2)
		is_str(first->categories[1], "Diplomacy", "second category");
	is_str(first->language, "en-gb", "items inherit the feed language");

	struct feed_item *second = &doc->items[1];
	is_str(second->link, "http://example.org/feed/relative/path", "relative link resolved against the feed URL");
	ok(strncmp(second->id, "hash:", 5) == 0, "no guid: id is a hash");
	is_str(second->summary, "Full text from content:encoded.", "summary falls back to content:encoded");
	is_str(time_text(second->published, when), "2024-03-04 22:00:00", "RFC 822 date with numeric zone");

	struct feed_item *third = &doc->items[2];
	ok(third->published_is_fallback, "no date: marked as fallback");
	is_int(third->published, FETCH_TIME, "no date: the fetch time");
	is_str(third->link, "http://example.org/permalink/3", "permalink guid becomes the link");
done:
	feed_doc_free(doc);
}

static void test_rss10(void)
{
	char when[DATE_TEXT_SIZE];
	struct feed_doc *doc = parse_fixture("rss10.rdf", NULL, NULL);
	ok(doc, "RSS 1.0 parses");
	if (!doc)
		return;
	is_str(feed_format_name(doc->format), "rss1.0", "format");
	is_str(doc->title, "Daily Digest", "channel title");
	is_int(doc->item_count, 2, "items outside the channel are found");
	if (doc->item_count == 2) {
		is_str(doc->items[0].title, "Ceasefire announced", "first item title");
		is_str(doc->items[0].id, "http://example.net/a/1", "rdf:about is the id");
		is_str(time_text(doc->items[0].published, when), "2024-01-02 03:04:05", "dc:date");
		is_str(doc->items[1].link, "http://example.net/a/2", "second link");
	}
	feed_doc_free(doc);
}

static void test_atom10(void)
{
	char when[DATE_TEXT_SIZE];
	struct feed_doc *doc = parse_fixture("atom10.xml", NULL, NULL);
	ok(doc, "Atom 1.0 parses");
	if (!doc)
		return;
	is_str(feed_format_name(doc->format), "atom1.0", "format");
	is_str(doc->title, "Example Wire", "feed title");
	is_str(doc->site_link, "http://example.com/", "alternate link, not self");
	is_str(doc->language, "fr", "xml:lang on the feed");
	is_int(doc->item_count, 2, "two entries");
	if (doc->item_count < 2)
		goto done;
	struct feed_item *first = &doc->items[0];
	is_str(first->id, "tag:example.com,2024:1", "atom:id");
	is_str(first->title, "Sanctions <widened>", "type=text keeps angle brackets");
	is_str(first->link, "http://example.com/base/entries/1", "link resolved against xml:base");
	is_str(time_text(first->published, when), "2024-02-01 12:00:00", "published");
	is_str(time_text(first->updated, when), "2024-02-02 08:00:00", "updated");
	is_str(first->author, "Feed Author", "entries inherit the feed's author");
	is_str(first->summary, "The EU widened sanctions.", "html summary stripped");
	is_str(first->content, "Ministers agreed.\n\nDetails follow.", "xhtml content as text");
	is_str(first->language, "fr", "language inherited from the feed");
	struct feed_item *second = &doc->items[1];
	is_str(second->author, "Own Author", "an entry's own author wins");
	is_str(time_text(second->published, when), "2024-02-03 00:00:00", "published falls back to updated");
	ok(!second->published_is_fallback, "updated is a real date");
	is_str(second->language, "de", "xml:lang on the entry");
	is_int(second->category_count, 1, "category term");
done:
	feed_doc_free(doc);
}

static void test_not_feeds(void)
{
	int error = 0;
	const char *page = "<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>"
			   "<body>Checking your browser</body></html>";
	ok(!parse_with(page, strlen(page), "text/html", NULL, &error), "an HTML page is not a feed");
	is_int(error, FEED_ERR_HTML, "it is reported as HTML");
	const char *other = "<?xml version=\"1.0\"?><catalog><book/></catalog>";
	ok(!parse_with(other, strlen(other), NULL, NULL, &error), "other XML is not a feed");
	is_int(error, FEED_ERR_NOT_A_FEED, "reported as not a feed");
	ok(!parse_with("", 0, NULL, NULL, &error), "empty input");
	is_int(error, FEED_ERR_MALFORMED, "reported as malformed");
	ok(feed_strerror(FEED_ERR_HTML)[0] != '\0', "errors have descriptions");
}

static void test_future_dates_are_clamped(void)
{
	struct feed_doc *doc = parse("<rss version=\"2.0\"><channel><title>t</title>"
				     "<item><title>a</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>"
				     "<item><title>b</title><pubDate>Wed, 01 Jan 2025 12:00:00 GMT</pubDate></item>"
				     "</channel></rss>");
	ok(doc && doc->item_count == 2, "two items");
	if (!doc || doc->item_count != 2)
		goto done;
	is_int(doc->items[0].published, FETCH_TIME, "a date in 2100 is clamped to the fetch time");
	ok(!doc->items[0].published_is_fallback, "clamped, not a fallback");
	is_int(doc->items[1].published, FETCH_TIME + 12 * 3600, "half a day ahead is kept (clock skew)");
	ok(doc->warning_count >= 1, "the clamp is reported");
done:
	feed_doc_free(doc);
}

int main(void)
{
	test_rss20();
	test_rss10();
	test_atom10();
	test_not_feeds();
	test_future_dates_are_clamped();
	return tap_done();
}
