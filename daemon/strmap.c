#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "xalloc.h"

/* Open addressing with linear probing; kept at most half full so probes stay short. */
struct strmap_slot {
	const char *key; /* NULL: empty */
	uint64_t hash;
	size_t index;
};

void strmap_free(struct strmap *map)
{
	free(map->slots);
	memset(map, 0, sizeof(*map));
}

static struct strmap_slot *find_slot(struct strmap_slot *slots, size_t slot_count,
	const char *key, uint64_t hash)
{
	size_t mask = slot_count - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct strmap_slot *slot = &slots[i];
		if (!slot->key || (slot->hash == hash && strcmp(slot->key, key) == 0))
			return slot;
	}
}

size_t strmap_get(const struct strmap *map, const char *key)
{
	if (map->slot_count == 0)
		return STRMAP_NONE;
	uint64_t hash = hash64(key, strlen(key), 0);
	const struct strmap_slot *slot = find_slot(map->slots, map->slot_count, key, hash);
	return slot->key ? slot->index : STRMAP_NONE;
}

static void grow(struct strmap *map)
{
	size_t slot_count = map->slot_count ? map->slot_count * 2 : 64;
	struct strmap_slot *slots = xcalloc(slot_count, sizeof(*slots));
	for (size_t i = 0; i < map->slot_count; i++) {
		const struct strmap_slot *old = &map->slots[i];
		if (old->key)
			*find_slot(slots, slot_count, old->key, old->hash) = *old;
	}
	free(map->slots);
	map->slots = slots;
	map->slot_count = slot_count;
}

void strmap_put(struct strmap *map, const char *key, size_t index)
{
	if ((map->count + 1) * 2 > map->slot_count)
		grow(map);
	uint64_t hash = hash64(key, strlen(key), 0);
	struct strmap_slot *slot = find_slot(map->slots, map->slot_count, key, hash);
	if (!slot->key)
		map->count++;
	*slot = (struct strmap_slot){.key = key, .hash = hash, .index = index};
}
