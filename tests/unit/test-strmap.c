/* strmap: finding a feed by URL among thousands. */
#include <stdio.h>
#include <stdlib.h>

#include "strmap.h"
#include "../tap.h"

#define MANY 10000

static void test_small(void)
{
	struct strmap map = {0};
	is_int(strmap_get(&map, "https://example.org/rss") == STRMAP_NONE, 1,
		"an empty map finds nothing");
	strmap_put(&map, "https://example.org/rss", 3);
	strmap_put(&map, "https://example.org/atom", 4);
	is_int(strmap_get(&map, "https://example.org/rss"), 3, "a key gives its index");
	is_int(strmap_get(&map, "https://example.org/atom"), 4, "and another key its own");
	ok(strmap_get(&map, "https://example.org/rs") == STRMAP_NONE, "a prefix is not the key");
	char copy[] = "https://example.org/rss";
	is_int(strmap_get(&map, copy), 3, "keys compare by their text, not their address");
	strmap_put(&map, copy, 7);
	is_int(strmap_get(&map, "https://example.org/rss"), 7, "putting an equal key replaces");
	is_int(map.count, 2, "and does not add one");
	strmap_free(&map);
	ok(strmap_get(&map, "https://example.org/rss") == STRMAP_NONE, "a freed map is empty");
}

static void test_many(void)
{
	static char keys[MANY][40];
	struct strmap map = {0};
	for (size_t i = 0; i < MANY; i++) {
		snprintf(keys[i], sizeof(keys[i]), "http://127.0.0.1:8080/n/%zu.xml", i);
		strmap_put(&map, keys[i], i);
	}
	is_int(map.count, MANY, "ten thousand keys are all kept");
	size_t wrong = 0;
	for (size_t i = 0; i < MANY; i++)
		wrong += strmap_get(&map, keys[i]) != i;
	is_int(wrong, 0, "each of them gives its own index after the table grew");
	ok(strmap_get(&map, "http://127.0.0.1:8080/n/10000.xml") == STRMAP_NONE,
		"a key never put is not found among them");
	strmap_free(&map);
}

int main(void)
{
	test_small();
	test_many();
	return tap_done();
}
