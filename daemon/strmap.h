/*
 * strmap: strings to indexes, for finding one feed by its URL among thousands (the feed
 * list's duplicates, a reload's old and new lists) without comparing every pair.
 * Keys are not copied: each must stay valid, unchanged, while the map holds it.
 */
#ifndef GEOTRACK_STRMAP_H
#define GEOTRACK_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#define STRMAP_NONE SIZE_MAX

struct strmap {
	struct strmap_slot *slots;
	size_t slot_count; /* a power of two, or 0 */
	size_t count;
};

/* An empty map is all zeroes. */
void strmap_free(struct strmap *map);

/* The index stored for `key`, or STRMAP_NONE. */
size_t strmap_get(const struct strmap *map, const char *key);

/* Stores `key` -> `index`, replacing the index of an equal key already there. */
void strmap_put(struct strmap *map, const char *key, size_t index);

#endif
