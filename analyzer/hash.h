/*
 * Shared between the analyzer's files, never public: the one string hash
 * (FNV-1a, 64 bits) that the class table, the diff's path groups and the
 * flame graph's colours use.
 */
#ifndef LUAHEAP_HASH_H
#define LUAHEAP_HASH_H

#include <stdint.h>

static inline uint64_t lh_hash__str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

#endif
