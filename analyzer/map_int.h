/*
 * Shared between the analyzer's files, never public: one open-addressing
 * hash map from a caller's 64-bit hash to an index into the caller's own
 * entry array. The caller keeps keys and values; equality is the caller's.
 */
#ifndef LUAHEAP_MAP_INT_H
#define LUAHEAP_MAP_INT_H

#include <stdint.h>
#include "luaheap/error.h"

#define LH_MAP_END UINT32_MAX     /* no (further) candidate */

/*
 * slot[i] holds an entry index + 1 (0: empty) and hash[i] that entry's
 * hash, so growth rehashes without the caller and a lookup compares keys
 * only for entries whose whole hash matches. Linear probing from a slot
 * taken from the hash's high bits after a multiply (any hash spreads,
 * sequential indexes too); at most half the slots are used. Entries are
 * never removed. Iterate the caller's array, never the slots: slot order
 * is no order at all.
 */
typedef struct lh_map {
	uint32_t *slot;
	uint64_t *hash;
	uint32_t mask;              /* slots - 1 (slots: a power of two) */
	uint32_t count;             /* entries added */
	int shift;                  /* 64 - log2(slots) */
} lh_map;

/* An empty map with room for n entries before it grows. LH_OK, or
 * LH_ENOMEM with *m released. */
int lh_map_init(lh_map *m, uint32_t n);
void lh_map_release(lh_map *m);

/* Adds entry 'entry' (the caller's index, below LH_MAP_END - 1) under
 * hash h, whether or not an equal entry is there: look it up first.
 * Doubles the slots when half would be used. LH_OK or LH_ENOMEM (also
 * past 2^31 slots); the map is unchanged on failure. */
int lh_map_add(lh_map *m, uint64_t h, uint32_t entry);

/* Where the probe for hash h starts; pass it to lh_map_next. */
static inline uint32_t lh_map_start(const lh_map *m, uint64_t h)
{
	return (uint32_t)((h * 0x9e3779b97f4a7c15ull) >> m->shift) & m->mask;
}

/* The next entry whose hash is h from probe position *pos on (advancing
 * *pos past it), or LH_MAP_END once the probe meets an empty slot. The
 * caller compares the candidate's key and calls again on a mismatch:
 *   pos = lh_map_start(m, h);
 *   while ((e = lh_map_next(m, h, &pos)) != LH_MAP_END && !same(e)) ; */
static inline uint32_t lh_map_next(const lh_map *m, uint64_t h,
	uint32_t *pos)
{
	uint32_t i = *pos, e;

	while ((e = m->slot[i]) != 0) {
		uint64_t hi = m->hash[i];
		i = (i + 1) & m->mask;
		if (hi == h) {
			*pos = i;
			return e - 1;
		}
	}
	*pos = i;
	return LH_MAP_END;
}

/* The first entry under hash h, for keys that are their own hash (equal
 * hashes mean equal keys), or LH_MAP_END. */
static inline uint32_t lh_map_get(const lh_map *m, uint64_t h)
{
	uint32_t pos = lh_map_start(m, h);

	return lh_map_next(m, h, &pos);
}

#endif
