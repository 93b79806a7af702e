/* libFuzzer target: the date parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t time;
	if (date_parse((const char *)data, size, &time) == 0) {
		char text[DATE_TEXT_SIZE];
		date_format(time, text);
		/* What we format, we read back as the same time. */
		int64_t again;
		if (date_parse(text, 19, &again) != 0 || again != time)
			abort();
	}
	return 0;
}
