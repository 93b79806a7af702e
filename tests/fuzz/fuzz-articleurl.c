/* libFuzzer target: an article's URL from a link a feed chose. The result may only drop
 * parameters: it is never longer than the link, and is the link itself when it drops none. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "articleurl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *link = malloc(size + 1);
	memcpy(link, data, size);
	link[size] = '\0';
	struct buf out = {0};
	const char *url = article_url(link, &out);
	if (strlen(url) > strlen(link) || (url != link && strcmp(url, link) == 0))
		abort();
	buf_free(&out);
	free(link);
	return 0;
}
