/*
 * libFuzzer target: the dictionary loader on arbitrary bytes. The first byte picks the
 * kind (actors, agents, verbs, discards, options); the rest is the file. Whatever loads
 * is then indexed, checked and used to code a few sentences, so a hostile dictionary is
 * also a test of the matcher.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "coder.h"
#include "dict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sentences[] = {
	"Russia deploys troops to Venezuela.",
	"The US President has warned Russia that all options are on the table.",
	"Gondor and Osgiliath have renewed diplomatic ties, a senior official said. He left.",
	"AN ERIADORIAN WAS SHOT DEAD IN OSGILIATH BY ARNOR",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	enum dict_kind kind = (enum dict_kind)(data[0] % 5);
	struct buf errors = {0};
	struct dict *dict = dict_new();
	dict_load_text(dict, kind, "fuzz", (const char *)data + 1, size - 1, &errors);
	dict_finish(dict);
	dict_check(dict, &errors);
	struct dict_stats st;
	dict_get_stats(dict, &st);
	struct coder *coder = coder_new(dict);
	for (size_t i = 0; i < sizeof sentences / sizeof sentences[0]; i++) {
		const char *s = sentences[i];
		coder_code(coder, s, strlen(s), i % 2 ? CODER_DATE_UNKNOWN : 17983, NULL, NULL);
	}
	coder_free(coder);
	dict_free(dict);
	buf_free(&errors);
	return 0;
}
