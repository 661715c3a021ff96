/*
 * The analyzer's one hash map (map_int.h): slots of entry indexes and
 * their hashes, linear probing, growth by doubling with a rehash from the
 * stored hashes.
 */
#include <stdlib.h>
#include <string.h>
#include "map_int.h"

/* Slots for a map of 2^bits slots, empty; 0 when memory runs out. */
static int alloc_slots(lh_map *m, int bits)
{
	size_t n = (size_t)1 << bits;

	m->slot = calloc(n, sizeof *m->slot);
	m->hash = malloc(n * sizeof *m->hash);
	if (m->slot == NULL || m->hash == NULL) {
		free(m->slot);
		free(m->hash);
		return 0;
	}
	m->mask = (uint32_t)(n - 1);
	m->shift = 64 - bits;
	return 1;
}

int lh_map_init(lh_map *m, uint32_t n)
{
	int bits = 4;

	while (bits < 31 && ((uint64_t)1 << bits) < 2 * (uint64_t)n)
		bits++;
	m->count = 0;
	if (!alloc_slots(m, bits)) {
		memset(m, 0, sizeof *m);
		return LH_ENOMEM;
	}
	return LH_OK;
}

void lh_map_release(lh_map *m)
{
	free(m->slot);
	free(m->hash);
	memset(m, 0, sizeof *m);
}

/* Stores (h, slot value e1) in the first empty slot of h's probe. */
static void put(lh_map *m, uint64_t h, uint32_t e1)
{
	uint32_t i = lh_map_start(m, h);

	while (m->slot[i] != 0)
		i = (i + 1) & m->mask;
	m->slot[i] = e1;
	m->hash[i] = h;
}

static int grow(lh_map *m)
{
	lh_map o = *m;
	uint32_t i;

	if (o.shift <= 33 || !alloc_slots(m, 64 - o.shift + 1)) {
		*m = o;
		return LH_ENOMEM;
	}
	for (i = 0; i <= o.mask; i++)
		if (o.slot[i] != 0)
			put(m, o.hash[i], o.slot[i]);
	free(o.slot);
	free(o.hash);
	return LH_OK;
}

int lh_map_add(lh_map *m, uint64_t h, uint32_t entry)
{
	if (2 * ((uint64_t)m->count + 1) > (uint64_t)m->mask + 1 &&
	    grow(m) != LH_OK)
		return LH_ENOMEM;
	put(m, h, entry + 1);
	m->count++;
	return LH_OK;
}
