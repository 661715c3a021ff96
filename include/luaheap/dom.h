/*
 * Dominators and retained sizes over the retention graph (graph.h), and
 * the dominator tree's children lists for printing it: what freeing an
 * object would give back.
 */
#ifndef LUAHEAP_DOM_H
#define LUAHEAP_DOM_H

#include "luaheap/graph.h"

/*
 * lh_dom_idom(d, v) is v's immediate dominator, LH_DOM_VROOT when only
 * the virtual root dominates it (e.g. v is a root), LH_NONE when v is
 * unreachable. v's retained size is the sum of the self sizes of v's
 * dominator subtree (0 when unreachable). lh_dom_order lists the live
 * objects in a preorder of the dominator tree (each object's dominated
 * children in the order a depth-first search from the roots first meets
 * them), so the dominator of v always comes before v and every subtree is
 * a contiguous run of it.
 */
typedef struct lh_dom lh_dom;

/*
 * Computes the dominator tree of the live part of g (Semi-NCA,
 * Georgiadis 2005, iterative) and the retained sizes with self sizes
 * 'size' ([n]). *out belongs to the caller (lh_dom_free). Besides the
 * result (12 bytes per object), its scratch takes at most 12 bytes per
 * object plus 4 per live reference outside the depth-first tree whose
 * target has references of its own (in a heap that leaves out most:
 * strings, the keys, take them), and the depth-first search's stack (4
 * bytes per level, 8 in its second run). Should the leaves' dominators
 * take too long to find apart (more than 32 steps per object and
 * reference), it starts again with all references, and 4 bytes for each. Up to 2^30 - 2 live objects (more: LH_ENOMEM).
 */
int lh_dom_build(lh_dom **out, const lh_graph *g, const uint64_t *size,
	lh_error *err);
/* The same with the self sizes of snap's objects (lh_snapshot_size). */
int lh_dom_build_snapshot(lh_dom **out, const lh_graph *g,
	const lh_snapshot *snap, lh_error *err);
void lh_dom_free(lh_dom *d);

/* Bytes that freeing v would give back: its retained size. */
uint64_t lh_dom_retained(const lh_dom *d, uint32_t v);

/* v's immediate dominator (LH_DOM_VROOT, LH_NONE as above). */
uint32_t lh_dom_idom(const lh_dom *d, uint32_t v);

/* The retained size of the virtual root: every live byte. */
uint64_t lh_dom_live_bytes(const lh_dom *d);

/* The number of live objects, and their dominator-tree preorder
 * ([*count], borrowed from d). */
uint32_t lh_dom_live_count(const lh_dom *d);
const uint32_t *lh_dom_order(const lh_dom *d, uint32_t *count);

/*
 * Children lists of the dominator tree, each sorted by retained size,
 * largest first (ties: dense index). Children of the virtual root are
 * the list of LH_DOM_VROOT. lh_domtree_new makes one pass over the
 * preorder (8 bytes per live object, and a stack as deep as the tree); a family is
 * gathered only when first asked for, and sorted only as far as asked
 * (lh_domtree_children_min), so printing the top of a huge tree sorts
 * only what it prints. The analysis
 * does not keep one: build it where it is needed.
 */
typedef struct lh_domtree lh_domtree;

int lh_domtree_new(lh_domtree **out, const lh_dom *d, lh_error *err);
void lh_domtree_free(lh_domtree *t);
/* Children of v (or of the virtual root for LH_DOM_VROOT); *count set (0
 * for an object not in the tree). The list stays valid until
 * lh_domtree_free. NULL (and *count 0) when out of memory. */
const uint32_t *lh_domtree_children(lh_domtree *t, uint32_t v,
	uint32_t *count);
/* The same children, of which only those retaining at least min bytes
 * are sorted: they are the first *nbig, in the order above; the other
 * *count - *nbig follow in no particular order (a later call for v may
 * reorder them). NULL (and both counts 0) when out of memory. */
const uint32_t *lh_domtree_children_min(lh_domtree *t, uint32_t v,
	uint64_t min, uint32_t *count, uint32_t *nbig);

#endif
