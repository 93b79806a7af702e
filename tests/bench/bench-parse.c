/*
 * bench-parse: throughput of feed_parse() over a set of files, and libxml2's own floor
 * on the same bytes (parse into a tree with the same options and walk every node, no
 * feed logic). Prints one JSON object; scripts/bench parse puts it beside feedparser.
 *
 *   bench-parse [--rounds N] FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "feed.h"

struct input {
	char *data;
	size_t len;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t walk(xmlNode *node, size_t *text_bytes)
{
	size_t count = 0;
	for (; node; node = node->next) {
		count++;
		if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) && node->content)
			*text_bytes += strlen((const char *)node->content);
		for (xmlAttr *a = node->type == XML_ELEMENT_NODE ? node->properties : NULL; a; a = a->next)
			count++;
		count += walk(node->children, text_bytes);
	}
	return count;
}

/* One pass of our parser over every input; returns items read. */
static size_t pass_feed(const struct input *inputs, size_t count)
{
	size_t items = 0;
	for (size_t i = 0; i < count; i++) {
		struct feed_parse_options options = {.url = "http://bench.example/", .fetch_time = 1700000000};
		struct feed_doc *doc = NULL;
		if (feed_parse(inputs[i].data, inputs[i].len, &options, &doc) == 0) {
			items += doc->item_count;
			feed_doc_free(doc);
		}
	}
	return items;
}

/* One pass of libxml2 alone: same options as the parser's XML step, tree walked. */
static size_t pass_floor(const struct input *inputs, size_t count)
{
	size_t nodes = 0, text_bytes = 0;
	for (size_t i = 0; i < count; i++) {
		xmlDocPtr doc = xmlReadMemory(inputs[i].data, (int)inputs[i].len, "http://bench.example/", NULL,
			XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
		if (doc) {
			nodes += walk(doc->children, &text_bytes);
			xmlFreeDoc(doc);
		}
	}
	return nodes + (text_bytes & 1);
}

/* Best seconds per pass over `rounds` timed rounds of at least 0.5 s each. */
static double best_pass(size_t (*pass)(const struct input *, size_t), const struct input *inputs,
	size_t count, int rounds, size_t *ret_result)
{
	double best = 1e9;
	for (int r = 0; r < rounds; r++) {
		int passes = 0;
		double start = now(), elapsed;
		do {
			*ret_result = pass(inputs, count);
			passes++;
			elapsed = now() - start;
		} while (elapsed < 0.5);
		if (elapsed / passes < best)
			best = elapsed / passes;
	}
	return best;
}

int main(int argc, char **argv)
{
	int rounds = 3, first = 1;
	if (argc > 2 && strcmp(argv[1], "--rounds") == 0) {
		rounds = atoi(argv[2]);
		first = 3;
	}
	struct input *inputs = calloc((size_t)argc, sizeof(*inputs));
	size_t count = 0, bytes = 0;
	for (int i = first; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, 0, SEEK_SET);
		inputs[count].data = malloc((size_t)size + 1);
		inputs[count].len = fread(inputs[count].data, 1, (size_t)size, f);
		bytes += inputs[count].len;
		count++;
		fclose(f);
	}
	xmlInitParser();
	size_t items = 0, nodes = 0;
	double ours = best_pass(pass_feed, inputs, count, rounds, &items);
	double floor_seconds = best_pass(pass_floor, inputs, count, rounds, &nodes);
	printf("{\"files\":%zu,\"bytes\":%zu,\"items\":%zu,\"seconds\":%.6f,\"floor_seconds\":%.6f}\n",
		count, bytes, items, ours, floor_seconds);
	for (size_t i = 0; i < count; i++)
		free(inputs[i].data);
	free(inputs);
	xmlCleanupParser();
	return 0;
}
