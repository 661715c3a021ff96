/*
 * Shared between the analyzer's files, never public: the growth of an
 * array appended to one element at a time (doubling).
 */
#ifndef LUAHEAP_ARRAY_INT_H
#define LUAHEAP_ARRAY_INT_H

#include <stdlib.h>
#include "luaheap/error.h"

/* Room for element n of *p (*cap elements of 'size' bytes so far):
 * doubles the array when it is full, to 'first' elements the first
 * time. LH_OK, or LH_ENOMEM with *p left as it was. */
static inline int lh_array__reserve(void **p, size_t *cap, size_t n,
	size_t size, size_t first)
{
	size_t grown;
	void *t;

	if (n < *cap)
		return LH_OK;
	grown = *cap ? *cap * 2 : first;
	if ((t = realloc(*p, grown * size)) == NULL)
		return LH_ENOMEM;
	*p = t;
	*cap = grown;
	return LH_OK;
}

#endif
