/* feed: what a reader sees of RSS, RDF and Atom documents, broken ones included. */
#include <errno.h>
#include <stdbool.h>
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

static void test_billion_laughs(void)
{
	struct feed_doc *doc = parse_fixture("billion-laughs.xml", NULL, NULL);
	ok(doc, "a billion-laughs document still parses");
	if (!doc)
		return;
	ok(doc->title && strlen(doc->title) < 64, "recursive entities are not expanded in the title");
	is_str(doc->title, "Laughs &lol9;", "the reference stays visible as text");
	is_int(doc->item_count, 1, "the item is read");
	if (doc->item_count == 1) {
		is_str(doc->items[0].title, "Item lol", "a plain-text entity from the DOCTYPE is substituted");
		ok(doc->items[0].summary && strlen(doc->items[0].summary) < 64, "nothing expands in the summary");
	}
	ok(doc->warning_count > 0, "the ignored declarations are reported");
	feed_doc_free(doc);
}

static void test_xxe(void)
{
	struct feed_doc *doc = parse_fixture("xxe.xml", NULL, NULL);
	ok(doc, "an XXE document still parses");
	if (!doc)
		return;
	is_str(doc->title, "Secrets: &xxe;", "the external entity is not loaded");
	ok(doc->item_count == 1 && !strstr(doc->items[0].summary ? doc->items[0].summary : "", "root:"),
		"no file content reaches the summary");
	feed_doc_free(doc);
}

static void test_recovery(void)
{
	struct feed_doc *doc = parse_fixture("broken.xml", NULL, NULL);
	ok(doc, "a broken, truncated document parses");
	if (!doc)
		return;
	is_str(doc->title, "Caf\xc3\xa9 & Bar \xc2\xa0News", "undeclared HTML entities are decoded");
	is_str(doc->site_link, "http://example.org/?a=1&b=2", "a bare & in a link is kept as text");
	ok(doc->item_count >= 2, "the items before the break are kept");
	if (doc->item_count >= 2) {
		is_str(doc->items[0].title, "Ceasefire talks \xe2\x80\x94 day two",
			"references to forbidden characters are dropped, &mdash; decoded");
		is_str(doc->items[0].summary, "AT&T &unknownentity; bold \xe2\x80\x99quoted\xe2\x80\x9d",
			"unknown entities stay as text; windows-1252 references become the characters meant");
		is_str(doc->items[1].title, "Second item", "the second item");
	}
	ok(doc->warning_count > 0, "what was recovered is reported");
	feed_doc_free(doc);

	doc = parse_fixture("control-chars.xml", NULL, NULL);
	ok(doc, "NULs and control characters do not stop the parser");
	if (doc) {
		is_str(doc->title, "Nul and control chars", "they are stripped");
		feed_doc_free(doc);
	}

	/* libxml2's recovery drops entity references after the first error */
	doc = parse("<rss version=\"2.0\"><channel><title>T</title>"
		    "<item><title>one</title><description>x</descriptio></item>"
		    "<item><title>AT&amp;T &lt;b&gt; &quot;q&quot; &apos;s&apos;</title>"
		    "<description><![CDATA[a & b <i>c</i> ]]]]><![CDATA[> d]]></description>"
		    "</item></channel></rss>");
	ok(doc && doc->item_count == 2, "a mismatched end tag loses no item");
	if (doc && doc->item_count == 2) {
		is_str(doc->items[1].title, "AT&T <b> \"q\" 's'",
			"references after the error are read (escaped markup in a title stays text)");
		is_str(doc->items[1].summary, "a & b c ]]> d", "so is CDATA after it");
	}
	feed_doc_free(doc);

	/* cut inside the last element's text, the id read as the text stops */
	doc = parse("<rss version=\"2.0\"><channel><item><title>Whole</title></item>"
		    "<item><link>http://example.org/cut</link><guid isPermaLink=\"false\">id-42");
	ok(doc && doc->item_count == 2, "a document cut short keeps its items");
	if (doc && doc->item_count == 2) {
		is_str(doc->items[1].link, "http://example.org/cut", "the link of the cut item");
		is_str(doc->items[1].id, "id-42", "the text cut short ends where the document ends");
	}
	feed_doc_free(doc);
}

static void test_encodings(void)
{
	struct feed_doc *doc = parse_fixture("windows-1252.xml", NULL, NULL);
	ok(doc, "undeclared windows-1252 parses");
	if (doc) {
		is_str(doc->encoding, "windows-1252", "not UTF-8, so read as windows-1252");
		is_str(doc->title, "\xe2\x80\x9c" "Caf\xc3\xa9\xe2\x80\x9d \xe2\x82\xac news",
			"curly quotes, accents and the euro sign");
		feed_doc_free(doc);
	}
	doc = parse_fixture("declared-latin1-is-utf8.xml", "text/xml; charset=utf-8", NULL);
	ok(doc, "HTTP charset given");
	if (doc) {
		is_str(doc->encoding, "utf-8", "the HTTP charset overrides the XML declaration");
		is_str(doc->title, "Stra\xc3\x9f" "e", "and the text reads right");
		feed_doc_free(doc);
	}
	doc = parse_fixture("declared-latin1-is-utf8.xml", NULL, NULL);
	if (doc) {
		is_str(doc->encoding, "iso-8859-1", "without HTTP, the declaration is followed");
		feed_doc_free(doc);
	}

	/* UTF-16 and UTF-32, with and without byte order marks, built from one document. */
	const char *text = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel>"
			   "<title>Wide</title></channel></rss>";
	size_t n = strlen(text);
	char wide[1024];
	const struct {
		const char *name;
		int unit;       /* bytes per character */
		bool big_endian;
		bool bom;
	} forms[] = {
		{"utf-16le", 2, false, true}, {"utf-16be", 2, true, true}, {"utf-16le", 2, false, false},
		{"utf-16be", 2, true, false}, {"utf-32le", 4, false, true}, {"utf-32be", 4, true, false},
	};
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		size_t len = 0;
		int unit = forms[f].unit;
		if (forms[f].bom) {
			memset(wide, 0, (size_t)unit);
			wide[forms[f].big_endian ? unit - 2 : 0] = forms[f].big_endian ? (char)0xFE : (char)0xFF;
			wide[forms[f].big_endian ? unit - 1 : 1] = forms[f].big_endian ? (char)0xFF : (char)0xFE;
			len = (size_t)unit;
		}
		for (size_t i = 0; i < n; i++, len += (size_t)unit) {
			memset(wide + len, 0, (size_t)unit);
			wide[len + (forms[f].big_endian ? (size_t)unit - 1 : 0)] = text[i];
		}
		char what[128];
		int error = 0;
		doc = parse_with(wide, len, NULL, NULL, &error);
		snprintf(what, sizeof(what), "%s %s a BOM parses", forms[f].name,
			forms[f].bom ? "with" : "without");
		ok(doc && doc->title && strcmp(doc->title, "Wide") == 0, what);
		if (doc) {
			is_str(doc->encoding, forms[f].name, "and names its encoding");
			feed_doc_free(doc);
		}
	}
}

static void test_caps(void)
{
	int error = 0;
	size_t big = (64u << 20);
	char *huge = malloc(big);
	memset(huge, ' ', big);
	ok(!parse_with(huge, big, NULL, NULL, &error), "a 64 MiB document is refused");
	is_int(error, FEED_ERR_TOO_LARGE, "as too large");
	free(huge);

	struct buf_like {
		char *data;
		size_t len;
	} many = {malloc(1 << 20), 0};
	many.len = (size_t)sprintf(many.data, "<rss><channel>");
	for (int i = 0; i < 200; i++)
		many.len += (size_t)sprintf(many.data + many.len, "<item><title>%d</title></item>", i);
	many.len += (size_t)sprintf(many.data + many.len, "</channel></rss>");
	struct feed_parse_options options = {.max_items = 50, .fetch_time = FETCH_TIME};
	struct feed_doc *doc = NULL;
	is_int(feed_parse(many.data, many.len, &options, &doc), 0, "a long feed parses");
	if (doc) {
		is_int(doc->item_count, 50, "up to the item cap");
		ok(doc->warning_count > 0, "and says it stopped");
		feed_doc_free(doc);
	}
	free(many.data);

	/* Work stays linear in the size: CDATA sections before the root element once made
	 * the sanitizer search all it had written for each, minutes for this document; the
	 * bound here is meson's test timeout. */
	size_t sections = 400000;
	char *prolog = malloc(sections * 13 + 64);
	size_t len = 0;
	for (size_t i = 0; i < sections; i++, len += 13)
		memcpy(prolog + len, "<![CDATA[x]]>", 13);
	len += (size_t)sprintf(prolog + len, "<rss><channel><title>T</title></channel></rss>");
	doc = NULL;
	feed_parse(prolog, len, &options, &doc);
	ok(true, "400,000 CDATA sections before the root element are read in linear time");
	feed_doc_free(doc);
	free(prolog);
}

static void test_json_feed(void)
{
	char when[DATE_TEXT_SIZE];
	const char *json = "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"J\","
			   " \"home_page_url\": \"/home\", \"language\": \"en_GB\","
			   " \"authors\": [{\"name\": \"Desk\"}], \"items\": ["
			   " {\"id\": 42, \"url\": \"a/1\", \"title\": \"One\","
			   " \"content_html\": \"<p>Para one.</p><p>Para &amp; two.</p>\","
			   " \"date_published\": \"2024-05-06T07:08:09+02:00\", \"tags\": [\"x\", \"y\"]},"
			   " {\"id\": \"b\", \"external_url\": \"https://other.example/b\", \"content_text\": \"a <b> c\"},"
			   " {\"id\": \"c\", \"content_html\": \"<p>Html words</p>\", \"content_text\": \"Plain words\"}]}";
	struct feed_doc *doc = parse_with(json, strlen(json), "application/feed+json",
		"https://example.org/feed.json", NULL);
	ok(doc, "JSON Feed 1.1 parses");
	if (!doc)
		return;
	is_str(feed_format_name(doc->format), "json1.1", "format");
	is_str(doc->site_link, "https://example.org/home", "home page resolved against the feed URL");
	is_str(doc->language, "en-GB", "language");
	is_int(doc->item_count, 3, "three items");
	if (doc->item_count == 3) {
		is_str(doc->items[0].id, "42", "a numeric id");
		is_str(doc->items[0].link, "https://example.org/a/1", "relative url resolved");
		is_str(doc->items[0].summary, "Para one.\n\nPara & two.", "content_html as plain text");
		is_str(time_text(doc->items[0].published, when), "2024-05-06 05:08:09", "date_published");
		is_str(doc->items[0].author, "Desk", "feed authors inherited");
		is_int(doc->items[0].category_count, 2, "tags");
		is_str(doc->items[1].link, "https://other.example/b", "external_url when there is no url");
		is_str(doc->items[1].content, "a <b> c", "content_text is not HTML");
		ok(doc->items[1].published_is_fallback, "no date: fallback");
		is_str(doc->items[2].title, "Plain words", "an untitled item shows its content_text");
		ok(doc->items[2].title_is_fallback, "flagged as a fallback");
		is_str(doc->items[2].content, "Html words", "its content is content_html's text");
	}
	feed_doc_free(doc);
	int error = 0;
	ok(!parse_with("{\"items\": ", 11, NULL, NULL, &error), "broken JSON");
	is_int(error, FEED_ERR_MALFORMED, "is malformed");
}

/* The fragment's text by both ways; checks that the fast reader takes it (when `simple`)
 * and agrees with libxml2's HTML parser. Returns the reference text (caller frees). */
static char *html_both(const char *html, bool simple, int *ret_mismatches)
{
	char *reference = NULL, *fast = NULL;
	int r = feed_html_to_text(html, strlen(html), false, &reference);
	int f = feed_html_to_text(html, strlen(html), true, &fast);
	bool same = f == -ENOTSUP ||
		    (f == 0 && (reference && fast ? strcmp(reference, fast) == 0 : reference == fast));
	if (r != 0 || (simple && f != 0) || !same) {
		(*ret_mismatches)++;
		if (*ret_mismatches <= 5)
			printf("# '%s': libxml2 '%s', fast (%d) '%s'\n", html, reference ? reference : "",
				f, fast ? fast : "");
	}
	free(fast);
	return reference;
}

/* The template with each '1' and '2' right after a '<' or "</" replaced by a tag name. */
static void html_fill(char out[256], const char *template, const char *first, const char *second)
{
	size_t n = 0;
	for (const char *c = template; *c; c++) {
		bool tag = (*c == '1' || *c == '2') && (c[-1] == '<' || c[-1] == '/');
		const char *s = tag ? (*c == '1' ? first : second) : NULL;
		if (s) {
			size_t len = strlen(s);
			memcpy(out + n, s, len);
			n += len;
		} else {
			out[n++] = *c;
		}
	}
	out[n] = '\0';
}

static void test_html_fast_path(void)
{
	/* What libxml2's HTML parser makes of these is what a reader sees; the fast reader
	 * must take each and say the same. */
	static const struct {
		const char *html;
		const char *text;
	} cases[] = {
		{"plain text", "plain text"},
		{"  leading and trailing  ", "leading and trailing"},
		{"AT&amp;T &eacute;t&eacute; &#233;&#xE9;&#Xe9;", "AT&T été ééé"},
		{"&#65&#x42x &#0;&#xD800;&#1114112;", "ABx"},
		{"&nbsp &foo; & &; &#; &", "&nbsp &foo; & &; &"},
		{"<p>one</p><p>two</p>", "one\n\ntwo"},
		{"<p>one<p>two<div>three</div>four", "one\n\ntwo\n\nthree\n\nfour"},
		{"a<br>b<br/>c<BR />d", "a\nb\nc\nd"},
		{"<a href=\"x\">link</a> <b>bold</b>", "link bold"},
		{"<b>bold</b> text", "bold\n\ntext"},
		{"text <b>bold</b> more", "text bold more"},
		{"<ul><li>one<li>two</ul>after", "one\n\ntwo\n\nafter"},
		{"<table><tr><td>a<td>b</table>", "a b"},
		{"<img src='a.png' alt=\"x > y\">caption", "caption"},
		{"<a href=x/>y</a>z", "y\n\nz"},
		{"<span class=c>x</span><figure>f</figure>", "x\n\nf"},
		{"<o:p>word</o:p>", "word"},
		{"5 < 6 <3 a<", "5 < 6 <3 a<"},
		{"<b>x</b><3", "x<\n\n3"},
		{"<div><p>a</div>b", "a\n\nb"},
		{"<td>a</div>b<td>c", "ab c"},
		{"<noscript>hidden</noscript>shown", "shown"},
		{"</p>stray end", "stray end"},
		{"<!-- c -->  <!-- d --> <b>x</b> y", "x\n\ny"},
		{"a<!-- b -->c <!---->d<!-- e --!>f", "ac df"},
		{"<!-->x-->y", "y"},
		{"<script>if (a<b && c) f('</p>');</script>after", "after"},
		{"<SCRIPT type=x>a</b></Script >b<style>p{}</style>c", "bc"},
		{"<p>t<script>never ends", "t"},
	};
	int mismatches = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = html_both(cases[i].html, true, &mismatches);
		is_str(text, cases[i].text, cases[i].html);
		free(text);
	}
	is_int(mismatches, 0, "the fast reader takes the simple cases and agrees with libxml2");

	/* Left to libxml2: */
	static const char *const refused[] = {
		"<!-- never ends", "<?pi?>x", "<script>x</scriptx>y", "<p><script></p>x</script>y",
		"<html>x", "<title>t</title>",
		"<meta charset=latin1>x", "\xEF\xBB\xBFx", "a\x01z", "<a / href=x>y</a>", "<a.b>x",
		"<x", "<a href='x>y",
	};
	int taken = 0;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *text = NULL;
		if (feed_html_to_text(refused[i], strlen(refused[i]), true, &text) != -ENOTSUP)
			taken++;
		free(text);
	}
	is_int(taken, 0, "the fast reader leaves what it does not model to libxml2");

	/* Every pair of the elements it knows, in templates where implied ends, priorities
	 * and implied paragraphs all change the text. */
	static const char *const tags[] = {"a", "abbr", "acronym", "address", "b", "big",
		"blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd",
		"del", "dfn", "div", "dl", "dt", "em", "font", "form", "h1", "h2", "h3", "h4", "h5",
		"h6", "hr", "i", "iframe", "img", "ins", "kbd", "li", "noscript", "object", "ol", "p",
		"param", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
		"table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
		"figure", "o:p", "script", "style"};
	static const char *const templates[] = {
		"<1>x<2>y</1>z</2>w",
		"a<1>b</2>c<2>d</1>e",
		"<2>x<1 class=\"c\" hidden data-x='1'>y</2>z<1/>w",
		"<1><2><1>x</2>y</1>z &amp; <2 id=i>w",
	};
	size_t tag_count = sizeof(tags) / sizeof(tags[0]);
	mismatches = 0;
	int checked = 0;
	for (size_t a = 0; a < tag_count; a++)
		for (size_t b = 0; b < tag_count; b++)
			for (size_t k = 0; k < sizeof(templates) / sizeof(templates[0]); k++) {
				char html[256];
				html_fill(html, templates[k], tags[a], tags[b]);
				/* script and style starting with a tag are left to libxml2 */
				bool raw = a >= tag_count - 2 || b >= tag_count - 2;
				free(html_both(html, !raw, &mismatches));
				checked++;
			}
	printf("# %d fragments compared\n", checked);
	is_int(mismatches, 0, "pairs of elements: the fast reader agrees with libxml2");
}

/* What items take from their feed when they lack it, as miniflux shows them. */
static void test_feed_defaults(void)
{
	struct feed_doc *doc = parse(
		"<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\""
		" xmlns:media=\"http://search.yahoo.com/mrss/\""
		" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
		"<link>http://example.org/</link><dc:creator>Desk</dc:creator>"
		"<category>World</category>"
		"<itunes:category text=\"News\"><itunes:category text=\"Politics\"/></itunes:category>"
		"<item><title>Episode</title><guid isPermaLink=\"false\">e1</guid>"
		"<enclosure url=\"http://cdn.example.org/e1.mp3\" type=\"audio/mpeg\"/></item>"
		"<item><title>Note</title><guid isPermaLink=\"false\">n1</guid>"
		"<category>Own</category><tags>one, two ,</tags>"
		"<media:category label=\"Labelled\">a/b</media:category>"
		"<media:category>c/d</media:category><dc:creator>Reporter</dc:creator></item>"
		"<item><title>Bare</title><guid isPermaLink=\"false\">b1</guid></item>"
		"</channel></rss>");
	ok(doc && doc->item_count == 3, "three items");
	if (!doc || doc->item_count != 3) {
		feed_doc_free(doc);
		return;
	}
	is_str(doc->items[0].link, "http://cdn.example.org/e1.mp3",
		"an item without a link has its enclosure's");
	is_str(doc->items[2].link, "http://example.org/", "else the feed's home page");
	is_str(doc->items[2].id, "b1", "its id stays its own");
	is_int(doc->items[0].category_count, 3, "an item without categories has the feed's");
	if (doc->items[0].category_count == 3) {
		is_str(doc->items[0].categories[0], "World", "the channel's category");
		is_str(doc->items[0].categories[1], "News", "iTunes categories");
		is_str(doc->items[0].categories[2], "Politics", "and their subcategories");
	}
	is_int(doc->items[1].category_count, 4, "an item with its own keeps only its own");
	if (doc->items[1].category_count == 4) {
		is_str(doc->items[1].categories[0], "Own", "<category>");
		is_str(doc->items[1].categories[1], "one", "<tags> is a comma-separated list");
		is_str(doc->items[1].categories[2], "two", "trimmed");
		is_str(doc->items[1].categories[3], "Labelled", "a labelled Media RSS category");
	}
	is_str(doc->items[0].author, "Desk", "an item without an author has the channel's");
	is_str(doc->items[1].author, "Reporter", "one with its own keeps it");
	feed_doc_free(doc);
}

/* --- items unchanged since the last parse --- */

struct seen_spans {
	uint64_t spans[16];
	size_t count;
};

static bool span_listed(uint64_t span, void *ctx)
{
	const struct seen_spans *seen = ctx;
	for (size_t i = 0; i < seen->count; i++)
		if (seen->spans[i] == span)
			return true;
	return false;
}

static struct feed_doc *parse_seeing(const char *text, const char *url, struct seen_spans *seen)
{
	struct feed_parse_options options = {.url = url, .fetch_time = FETCH_TIME,
		.span_seen = span_listed, .span_ctx = seen};
	struct feed_doc *doc = NULL;
	return feed_parse(text, strlen(text), &options, &doc) == 0 ? doc : NULL;
}

/* What a parse saw, to be seen by the next one. */
static void remember(const struct feed_doc *doc, struct seen_spans *seen)
{
	seen->count = 0;
	for (size_t i = 0; i < doc->item_count && seen->count < 16; i++)
		seen->spans[seen->count++] = doc->items[i].span;
	for (size_t i = 0; i < doc->skipped_span_count && seen->count < 16; i++)
		seen->spans[seen->count++] = doc->skipped_spans[i];
}

#define SPAN_CHANNEL "<rss version=\"2.0\"><channel><title>Wire</title>"
#define SPAN_ITEM_A "<item><title>Russia deploys troops</title><guid>a</guid><link>/a</link></item>"
#define SPAN_ITEM_B "<item><title>Talks resume</title><guid>b</guid><description>&lt;p&gt;In Doha&lt;/p&gt;</description></item>"
#define SPAN_ITEM_C "<item><title>Ceasefire holds</title><guid>c</guid></item>"
#define SPAN_END "</channel></rss>"

static void test_unchanged_items_skipped(void)
{
	const char *url = "https://wire.example/rss";
	struct seen_spans seen = {0};
	struct feed_doc *doc = parse_seeing(SPAN_CHANNEL SPAN_ITEM_A SPAN_ITEM_B SPAN_END, url, &seen);
	ok(doc && doc->item_count == 2 && doc->items[0].span && doc->items[1].span &&
		doc->items[0].span != doc->items[1].span && doc->skipped_span_count == 0,
		"a first parse reads every item and gives each its own span");
	remember(doc, &seen);
	feed_doc_free(doc);

	doc = parse_seeing(SPAN_CHANNEL SPAN_ITEM_C SPAN_ITEM_A SPAN_ITEM_B SPAN_END, url, &seen);
	ok(doc && doc->item_count == 1 && strcmp(doc->items[0].id, "c") == 0 &&
		doc->skipped_span_count == 2,
		"the next parse reads only the new item and lists the two it left out");
	is_str(doc ? doc->title : NULL, "Wire", "the channel is still read");
	ok(doc && doc->items[0].span && !span_listed(doc->items[0].span, &seen),
		"the new item has a span of its own");
	feed_doc_free(doc);

	doc = parse_seeing(SPAN_CHANNEL SPAN_ITEM_A "<item><title>Talks resume in Doha</title>"
		"<guid>b</guid></item>" SPAN_END, url, &seen);
	ok(doc && doc->item_count == 1 && strcmp(doc->items[0].id, "b") == 0 &&
		doc->skipped_span_count == 1, "an item whose bytes changed is read again");
	feed_doc_free(doc);

	doc = parse_seeing("<rss version=\"2.0\" xml:base=\"https://mirror.example/\"><channel>"
		"<title>Wire</title>" SPAN_ITEM_A SPAN_ITEM_B SPAN_END, url, &seen);
	ok(doc && doc->item_count == 2 && doc->skipped_span_count == 0,
		"a changed start tag around the items (xml:base) reads them all again");
	is_str(doc && doc->item_count ? doc->items[0].link : NULL, "https://mirror.example/a",
		"and their links resolve against the new base");
	feed_doc_free(doc);

	doc = parse_seeing(SPAN_CHANNEL SPAN_ITEM_A SPAN_ITEM_B SPAN_END,
		"https://moved.example/rss", &seen);
	ok(doc && doc->item_count == 2 && doc->skipped_span_count == 0,
		"so does a new feed URL (relative links resolve against it)");
	feed_doc_free(doc);

	doc = parse_seeing(SPAN_CHANNEL "<item><title>Open</title><guid>d</guid>" SPAN_ITEM_A
		SPAN_ITEM_B SPAN_END, url, &seen);
	ok(doc && doc->skipped_span_count == 0, "a document not plainly nested skips nothing");
	bool any_span = false;
	for (size_t i = 0; doc && i < doc->item_count; i++)
		any_span = any_span || doc->items[i].span;
	ok(doc && !any_span, "and gives no spans");
	feed_doc_free(doc);

	doc = parse_seeing(SPAN_CHANNEL "<item><title><![CDATA[A <b>bold</b> </item> claim]]>"
		"</title><guid>e</guid></item>" SPAN_ITEM_A SPAN_END, url, &seen);
	ok(doc && doc->item_count == 1 && strcmp(doc->items[0].id, "e") == 0 &&
		doc->skipped_span_count == 1,
		"markup inside CDATA does not end an item early");
	feed_doc_free(doc);

	doc = parse_seeing(SPAN_CHANNEL "<item><title>x</title><guid>f</guid><foo:bar>y</foo:bar></item>"
		SPAN_ITEM_A SPAN_END, url, &seen);
	ok(doc && doc->item_count == 1, "an item with an undeclared prefix is read");
	ok(doc && doc->item_count && doc->items[0].span == 0,
		"but a document libxml2 finds not well-formed gives no spans");
	feed_doc_free(doc);

	struct feed_parse_options plain = {.url = url, .fetch_time = FETCH_TIME};
	const char *text = SPAN_CHANNEL SPAN_ITEM_A SPAN_END;
	doc = NULL;
	feed_parse(text, strlen(text), &plain, &doc);
	ok(doc && doc->item_count == 1 && doc->items[0].span == 0,
		"without span_seen no span is worked out");
	feed_doc_free(doc);
}

/* What feed_find_alternate() makes of a page; "(none)" for NULL. */
static void is_alternate(const char *html, const char *base, const char *want, const char *what)
{
	char *got = feed_find_alternate(html, strlen(html), base);
	is_str(got ? got : "(none)", want, what);
	free(got);
}

static void test_feed_discovery(void)
{
	const char *base = "https://news.example/world/index.html";
	is_alternate("<html><head><link rel=\"alternate\" type=\"application/rss+xml\" "
		     "href=\"/rss.xml\"></head></html>", base, "https://news.example/rss.xml",
		"discovery: a root-relative href resolves against the page");
	is_alternate("<link href='feed.atom' type='application/atom+xml' rel='alternate'>", base,
		"https://news.example/world/feed.atom", "attributes in any order, single quotes");
	is_alternate("<LINK Rel=Alternate Type=application/feed+json Href=/feed.json>", base,
		"https://news.example/feed.json", "unquoted values, any case, JSON Feed");
	is_alternate("<link rel=\"stylesheet\" href=\"a.css\"><link rel=\"alternate\" "
		     "hreflang=\"fr\" href=\"/fr/\"><link rel=\"alternate\" "
		     "type=\"application/rss+xml\" href=\"https://feeds.example/x?a=1&amp;b=2\">",
		base, "https://feeds.example/x?a=1&b=2",
		"other links are passed over; an absolute href stays, &amp; decoded");
	is_alternate("<link rel=\"alternate\" type=\"text/html\" href=\"/m/\">", base, "(none)",
		"an alternate that is not a feed is not one");
	is_alternate("<link rel=\"alternates\" type=\"application/rss+xml\" href=\"/r\">", base,
		"(none)", "rel must hold the word alternate, not a longer one");
	is_alternate("<linkage rel=\"alternate\" type=\"application/rss+xml\" href=\"/r\">",
		base, "(none)", "a tag whose name only starts with link is not a link");
	is_alternate("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"rss\"", NULL,
		"rss", "no page URL: the href as written; a tag cut at the end still reads");
	is_alternate("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"\">", base,
		"(none)", "an empty href names nothing");
	is_alternate("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/r\" "
		     "href=\"/s\">", base, "https://news.example/r",
		"the first of repeated attributes counts, as in HTML");
	size_t filler = FEED_DISCOVERY_BYTES;
	const char *tail = "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/late\">";
	char *big = malloc(filler + strlen(tail) + 1);
	memset(big, ' ', filler);
	strcpy(big + filler, tail);
	char *late = feed_find_alternate(big, strlen(big), base);
	ok(late == NULL, "a link past the first FEED_DISCOVERY_BYTES is not looked for");
	free(late);
	free(big);
}

int main(void)
{
	test_rss20();
	test_rss10();
	test_atom10();
	test_not_feeds();
	test_future_dates_are_clamped();
	test_billion_laughs();
	test_xxe();
	test_recovery();
	test_encodings();
	test_caps();
	test_json_feed();
	test_feed_defaults();
	test_html_fast_path();
	test_unchanged_items_skipped();
	test_feed_discovery();
	return tap_done();
}
