/* libFuzzer target: bot-challenge detection on a body a server chose. The first line is
 * the Content-Type, the rest the body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t type_len = nl ? (size_t)(nl - (const char *)data) : 0;
	char *content_type = malloc(type_len + 1);
	memcpy(content_type, data, type_len);
	content_type[type_len] = '\0';
	const char *body = nl ? nl + 1 : (const char *)data;
	size_t body_len = size - (size_t)(body - (const char *)data);
	/* The body is not NUL-terminated: a read past body_len is what ASan would catch. */
	char *exact = malloc(body_len ? body_len : 1);
	memcpy(exact, body, body_len);
	challenge_detect(content_type, NULL, exact, body_len);
	free(exact);
	free(content_type);
	return 0;
}
