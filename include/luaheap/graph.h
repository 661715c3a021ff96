/*
 * The retention graph, the analysis's first stage over a loaded snapshot:
 * which references keep their target alive and which objects the roots
 * reach. Everything is indexed by the snapshot's dense object index.
 */
#ifndef LUAHEAP_GRAPH_H
#define LUAHEAP_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "luaheap/error.h"
#include "luaheap/snapshot.h"

/*
 * Nodes are objects 0..n-1; a virtual root (LH_DOM_VROOT wherever a
 * result names it) points at every root in order. An edge retains its target unless it is weak; an edge
 * flagged ephemeron (a value in a weak-key table) retains its target only
 * when both the table and the key are reachable, which is how Lua's own
 * collector treats ephemerons. Weak references to strings retain (Lua
 * never clears strings from weak tables), but an ephemeron entry whose
 * value is a string still goes with its key.
 *
 * For dominators an ephemeron entry (table T, key K, value V) whose T and
 * K are both alive counts as two edges, T->V and K->V, as Chrome DevTools
 * does for WeakMap entries. Then "D dominates V" means every path of live
 * references to V, whether through the table or through the key, passes
 * through D, so freeing D surely frees V: retained sizes never promise
 * more than freeing an object would give back.
 */
typedef struct lh_graph lh_graph;

/* The virtual root, as the later stages name it (the parent or dominator
 * of a root). */
#define LH_DOM_VROOT (UINT32_MAX - 1)

/*
 * Builds the retention graph over borrowed CSR arrays (they must outlive
 * the graph) and computes reachability. 'kind' and 'type' may be NULL.
 * 'eph_edge'/'eph_key' list the key of ephemeron edges (neph pairs, any
 * order); an ephemeron edge without a listed key retains like a strong
 * edge. Roots and keys out of range are rejected with LH_EUSAGE.
 * *out belongs to the caller (lh_graph_free).
 */
int lh_graph_new(lh_graph **out, uint32_t n, const uint32_t *off,
	const uint32_t *to, const uint8_t *kind, const uint8_t *type,
	const uint32_t *roots, uint32_t nroots,
	const uint32_t *eph_edge, const uint32_t *eph_key, uint32_t neph,
	lh_error *err);

/* The retention graph of a snapshot (borrows its arrays). Its roots are
 * snap->roots in order, then every object on the collector's 'fixed' list
 * (reserved words, metamethod names: never freed, so never garbage). */
int lh_graph_from_snapshot(lh_graph **out, const lh_snapshot *snap,
	lh_error *err);

void lh_graph_free(lh_graph *g);

/* Whether object v (< the graph's object count) is reachable: 1 or 0. */
int lh_graph_live(const lh_graph *g, uint32_t v);

/* How many objects are reachable. */
uint32_t lh_graph_live_count(const lh_graph *g);

/* Whether edge e (whose source is the live object src) retains its target
 * in path searches: strong, or an ephemeron whose key is alive. */
int lh_graph_edge_retains(const lh_graph *g, uint32_t src, uint32_t e);

#endif
