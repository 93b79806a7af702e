/*
 * libFuzzer target: the feed parser on arbitrary bytes; and the same bytes as an HTML
 * fragment, where the parser's fast reader of simple markup must say what libxml2's HTML
 * parser says whenever it takes the fragment.
 */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_parse_options options = {
		.url = "http://fuzz.example/feed/",
		.fetch_time = 1700000000,
		.max_items = 500,
	};
	struct feed_doc *doc = NULL;
	if (feed_parse((const char *)data, size, &options, &doc) == 0)
		feed_doc_free(doc);
	if (size <= 65536)
		compare_html_readers((const char *)data, size);
	return 0;
}
