/*
 * hash: fast 64-bit hashes of bytes, for telling a body or an item seen before from a new
 * one. Not for anything an adversary should not be able to collide: a collision only
 * makes the daemon treat new bytes as the ones it saw.
 *
 * Two functions because stored values must not change: hash64() made the item keys and
 * fingerprints every database holds, so it stays MurmurHash64A. hash_bulk() is for whole
 * bodies and item spans, hashed on every fetch, whose stored values may change from one
 * version to the next at the cost of one full parse per feed.
 */
#ifndef GEOTRACK_HASH_H
#define GEOTRACK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* MurmurHash64A of `len` bytes at `data`; `seed` chains hashes (the previous result). */
uint64_t hash64(const void *data, size_t len, uint64_t seed);

/* XXH3 of `len` bytes at `data`, seeded as hash64(). */
uint64_t hash_bulk(const void *data, size_t len, uint64_t seed);

#endif
