/*
 * libFuzzer target: the feed parser on arbitrary bytes; and the same bytes as an HTML
 * fragment, where the parser's fast reader of simple markup must say what libxml2's HTML
 * parser says whenever it takes the fragment. And the items a parse left out as seen
 * before (options.span_seen) must be exactly those, and read again the same.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare_html_readers(const char *html, size_t len)
{
	char *reference = NULL, *fast = NULL;
	if (feed_html_to_text(html, len, false, &reference) != 0)
		return; /* not UTF-8, or a NUL: neither reader is given such input */
	int r = feed_html_to_text(html, len, true, &fast);
	if (r == 0 && (reference && fast ? strcmp(reference, fast) != 0 : reference != fast)) {
		fprintf(stderr, "fast HTML reader: '%s'\nlibxml2:          '%s'\n", fast ? fast : "",
			reference ? reference : "");
		abort();
	}
	free(reference);
	free(fast);
}

/* The spans seen: all of a document's but `except` (0: none excepted). */
struct seen {
	const struct feed_doc *doc;
	uint64_t except;
};

static bool span_in(uint64_t span, void *ctx)
{
	const struct seen *seen = ctx;
	if (!seen->doc || span == seen->except)
		return false;
	for (size_t i = 0; i < seen->doc->item_count; i++)
		if (seen->doc->items[i].span == span)
			return true;
	return false;
}

static bool same(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool same_item(const struct feed_item *a, const struct feed_item *b)
{
	return same(a->id, b->id) && same(a->title, b->title) && same(a->link, b->link) &&
	       same(a->summary, b->summary) && same(a->content, b->content) &&
	       a->published == b->published && a->span == b->span;
}

static void broken(const char *what)
{
	fprintf(stderr, "items seen before: %s\n", what);
	abort();
}

/* Parses again seeing every span of `first` (nothing spanned may be read again), then all
 * but its first spanned item's (that one must read as it did). */
static void check_skipping(const char *data, size_t size, struct feed_parse_options *options,
	const struct feed_doc *first)
{
	struct seen seen = {.doc = first};
	struct feed_doc *again = NULL;
	options->span_ctx = &seen;
	if (feed_parse(data, size, options, &again) != 0)
		broken("a document that parsed fails when items are left out");
	size_t k = 0;
	for (size_t i = 0; i < first->item_count; i++) {
		if (first->items[i].span)
			continue;
		if (k >= again->item_count || !same(again->items[k].id, first->items[i].id))
			broken("an item without a span is not read again");
		k++;
	}
	if (k != again->item_count)
		broken("an item seen before is read again");
	feed_doc_free(again);

	for (size_t i = 0; i < first->item_count; i++) {
		if (!first->items[i].span)
			continue;
		seen.except = first->items[i].span;
		again = NULL;
		if (feed_parse(data, size, options, &again) != 0)
			broken("a document that parsed fails when items are left out");
		bool found = false;
		for (size_t j = 0; j < again->item_count && !found; j++)
			found = same_item(&again->items[j], &first->items[i]);
		if (!found)
			broken("an item read beside items left out reads differently");
		feed_doc_free(again);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen none = {0};
	struct feed_parse_options options = {
		.url = "http://fuzz.example/feed/",
		.fetch_time = 1700000000,
		.max_items = 500,
		.span_seen = span_in,
		.span_ctx = &none,
	};
	struct feed_doc *doc = NULL;
	if (feed_parse((const char *)data, size, &options, &doc) == 0) {
		check_skipping((const char *)data, size, &options, doc);
		feed_doc_free(doc);
	}
	if (size <= 65536)
		compare_html_readers((const char *)data, size);
	/* Any body can be an HTML page whose feed the daemon looks for. */
	free(feed_find_alternate((const char *)data, size, options.url));
	return 0;
}
