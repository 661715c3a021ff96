/*
 * Shared between the analyzer's files, never public: the growth of an
 * array appended to one element at a time (doubling), the owner of an
 * element of a CSR array, and huge pages under big arrays.
 */
#ifndef LUAHEAP_ARRAY_INT_H
#define LUAHEAP_ARRAY_INT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "luaheap/error.h"

/* Asks for huge pages under the array p[0..n) when it is 4 MiB or more
 * (first touches fault a page each, costly on virtual machines): over the
 * whole pages it spans, so that the mapping stays one piece realloc can
 * move. A hint; nothing changes when it is refused. */
static inline void lh_array__huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + n + 4095) & ~(uintptr_t)4095;

	if (p != NULL && n >= ((size_t)4 << 20))
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

/* malloc and calloc for arrays sized by the heap (an element per object
 * or per reference): the same, with the huge-page hint. Random reads over
 * hundreds of megabytes miss the TLB far less on 2 MiB pages, and each
 * first touch faults once per 2 MiB instead of once per 4 KiB. */
static inline void *lh_array__alloc(size_t n)
{
	void *p = malloc(n);

	lh_array__huge(p, n);
	return p;
}

static inline void *lh_array__zalloc(size_t count, size_t size)
{
	void *p = calloc(count, size);

	if (p != NULL && size != 0 && count <= SIZE_MAX / size)
		lh_array__huge(p, count * size);
	return p;
}

/* realloc of an array from old to n bytes that keeps it on huge pages:
 * a big one is copied to a fresh block instead of being moved, since a
 * move lands the pages at an address a 2 MiB page may not fit, and the
 * kernel then splits them into small ones; a first block is asked for
 * with the hint. NULL, with p untouched, when out of memory. */
static inline void *lh_array__regrow(void *p, size_t old, size_t n)
{
	void *q;

	if (p == NULL)
		return lh_array__alloc(n);
	if (n < ((size_t)4 << 20))
		return realloc(p, n);
	if ((q = lh_array__alloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	free(p);
	return q;
}

/* Room for element n of *p (*cap elements of 'size' bytes so far):
 * doubles the array when it is full, to 'first' elements the first
 * time, on huge pages once big (lh_array__regrow). LH_OK, or LH_ENOMEM
 * with *p left as it was. */
static inline int lh_array__reserve(void **p, size_t *cap, size_t n,
	size_t size, size_t first)
{
	size_t grown;
	void *t;

	if (n < *cap)
		return LH_OK;
	grown = *cap ? *cap * 2 : first;
	if ((t = lh_array__regrow(*p, *cap * size, grown * size)) == NULL)
		return LH_ENOMEM;
	*p = t;
	*cap = grown;
	return LH_OK;
}

/* The owner of element e of a CSR array whose offsets off[] increase: the
 * last i in [lo, hi) with off[i] <= e (off[lo] <= e is the caller's). */
static inline uint32_t lh_array__owner(const uint32_t *off, uint32_t lo,
	uint32_t hi, uint32_t e)
{
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (off[mid] <= e)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

#endif
