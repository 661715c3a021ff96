/*
 * Shared between the analyzer's graph files, never public: how an edge
 * retains and the successor walk of the dominator graph.
 */
#ifndef LUAHEAP_ANALYSIS_INT_H
#define LUAHEAP_ANALYSIS_INT_H

#include "luaheap/analysis.h"

enum { LH_EC_STRONG, LH_EC_WEAK, LH_EC_EPHEMERON };

/* LH_EC_* of a weak or ephemeron edge e; for an ephemeron *key gets its
 * key. */
int lh_graph__flagged_class(const lh_graph *g, uint32_t e, uint32_t *key);

/* LH_EC_* of edge e; for an ephemeron *key gets its key. Inline: every
 * walk asks this of every edge, and nearly all of them are strong. */
static inline int lh_graph__edge_class(const lh_graph *g, uint32_t e,
	uint32_t *key)
{
	if (g->kind == NULL ||
	    !(g->kind[e] & (LH_EDGE_WEAK | LH_EDGE_EPHEMERON))) {
		*key = LH_NONE;
		return LH_EC_STRONG;
	}
	return lh_graph__flagged_class(g, e, key);
}

/* First position in eph_by_key whose key is >= k. */
uint32_t lh_graph__key_first(const lh_graph *g, uint32_t k);

/*
 * Next successor of the live object u in the dominator graph, or LH_NONE.
 * *cur starts at g->off[u]; it walks u's retaining edges, then the
 * ephemeron entries u is the live key of (their key->value edge).
 */
uint32_t lh_graph__next(const lh_graph *g, uint32_t u, uint32_t *cur);

#endif
