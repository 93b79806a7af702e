/*
 * hash: a fast 64-bit hash of bytes (MurmurHash64A), for telling a body or an item seen
 * before from a new one. Not for anything an adversary should not be able to collide:
 * a collision only makes the daemon treat new bytes as the ones it saw.
 */
#ifndef GEOTRACK_HASH_H
#define GEOTRACK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The hash of `len` bytes at `data`; `seed` chains hashes (the previous result). */
uint64_t hash64(const void *data, size_t len, uint64_t seed);

#endif
