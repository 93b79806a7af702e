/* libFuzzer target: the feed parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	return 0;
}
