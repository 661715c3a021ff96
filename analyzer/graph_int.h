/*
 * The retention graph's storage (graph.c), private to the analyzer: the
 * borrowed CSR arrays, the ephemeron side tables, the live bitmap, and
 * the edge walks the later stages run over them.
 */
#ifndef LUAHEAP_GRAPH_INT_H
#define LUAHEAP_GRAPH_INT_H

#include "luaheap/graph.h"
#include "arena_int.h"

struct lh_graph {
	uint32_t n;                 /* objects */
	uint32_t nedge;
	const uint32_t *off;        /* [n+1] CSR offsets (borrowed) */
	const uint32_t *to;         /* [nedge] targets (borrowed) */
	const uint8_t *kind;        /* [nedge] kind|LH_EDGE_* or NULL: all strong */
	const uint8_t *type;        /* [n] LH_T_* or NULL (borrowed) */

	uint32_t *roots;            /* [nroots] root targets in order (owned) */
	uint32_t nroots;

	/* Ephemeron edges with a known key, sorted by edge (owned). */
	uint32_t neph;
	uint32_t *eph_edge;         /* [neph] edge index */
	uint32_t *eph_src;          /* [neph] the table */
	uint32_t *eph_key;          /* [neph] the key */
	uint32_t *eph_by_key;       /* [neph] indices into eph_* sorted by key */

	uint32_t *livebits;         /* [n/32+1] bit v: v is reachable (owned);
	                               read it with lh_graph__live */
	uint32_t nlive;

	/* Edges (of a root) whose targets the root path search enters ahead
	 * of the others: in a snapshot, the registry's references to _G and
	 * package.loaded. LH_NONE when unused (lh_graph_new sets none). */
	uint32_t pref_edge[2];

	/* Where the results the analysis index stores go (borrowed: the
	 * snapshot's arena, arena_int.h), or NULL: the heap. */
	lh_arena *arena;
};

/* lh_graph_live, inline for the analyzer's walks. */
static inline int lh_graph__live(const lh_graph *g, uint32_t v)
{
	return (int)(g->livebits[v >> 5] >> (v & 31) & 1);
}

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
