/* libFuzzer target: Retry-After, freshness headers and status lines from a server.
 * The input is up to four lines: Retry-After, Cache-Control, Expires, Date. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpmeta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1795860000
#define CAP 86400

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *fields[4] = {NULL, NULL, NULL, NULL};
	char *p = copy;
	for (int i = 0; i < 4 && p; i++) {
		fields[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	long wait = httpmeta_retry_after(fields[0], NOW, CAP);
	long fresh = httpmeta_freshness(fields[1], fields[2], fields[3], NOW, CAP);
	long status = httpmeta_status((const char *)data, size);
	/* Whatever a server sends, the answers stay in their ranges. */
	if (wait < -1 || wait > CAP || fresh < -1 || fresh > CAP || status < 0 || status > 999)
		abort();
	free(copy);
	return 0;
}
