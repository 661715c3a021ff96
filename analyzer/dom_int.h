/*
 * The dominator result's storage (dom.c), private to the analyzer:
 * idom[], the 32-bit retained sizes with their side table for the big
 * ones, and the dominator-tree preorder.
 */
#ifndef LUAHEAP_DOM_INT_H
#define LUAHEAP_DOM_INT_H

#include "luaheap/dom.h"

/* retained[] holds this for a retained size that does not fit 32 bits. */
#define LH_RETAINED_BIG UINT32_MAX

struct lh_dom {
	uint32_t n;
	uint32_t *idom;             /* [n] */
	uint32_t *retained;         /* [n] read with lh_dom__retained */
	uint32_t *order;            /* [nlive] */
	uint32_t nlive;
	uint64_t live_bytes;        /* retained size of the virtual root */

	/* The objects retaining LH_RETAINED_BIG bytes or more, by index. */
	uint32_t nbig;
	uint32_t *big_obj;          /* [nbig] dense index */
	uint64_t *big_retained;     /* [nbig] its retained size */
};

/* The retained size of an object listed in big_obj (0 if it is not). */
uint64_t lh_dom__big_retained(const lh_dom *d, uint32_t v);

/* lh_dom_retained, inline for the analyzer's walks. */
static inline uint64_t lh_dom__retained(const lh_dom *d, uint32_t v)
{
	return d->retained[v] != LH_RETAINED_BIG ? d->retained[v] :
		lh_dom__big_retained(d, v);
}

#endif
