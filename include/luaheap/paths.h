/*
 * Shortest root paths over the retention graph (graph.h): one
 * breadth-first search gives every object its shortest path, as hops
 * from its parent; further distinct paths of one object on request.
 */
#ifndef LUAHEAP_PATHS_H
#define LUAHEAP_PATHS_H

#include "luaheap/graph.h"

/*
 * A breadth-first search from the roots (in root order, each object's
 * edges in order, so ties break the same way every run) over the edges
 * that retain. The targets of the graph's preferred edges (_G and
 * package.loaded) enter a step and a half ahead: a path from a global or
 * a module is taken when it is at most one step longer than the shortest
 * (_G.World.grid rather than a main-chunk local holding World), so a
 * path does not change with the frames on the stack. Each object keeps
 * the edge it was reached by (for a root: its index in the graph's
 * roots, which start with snap->roots); its parent, the source of that
 * edge, is found from it (lh_bfs_parent).
 */
typedef struct lh_bfs lh_bfs;

/* Builds the search over g, which must outlive it (its offsets are
 * borrowed). */
int lh_bfs_build(lh_bfs **out, const lh_graph *g, lh_error *err);
void lh_bfs_free(lh_bfs *b);
/* The object before v on its shortest path: LH_DOM_VROOT for a root,
 * LH_NONE when v is unreachable (a search of the graph's offsets near
 * the edge, mostly a few steps). */
uint32_t lh_bfs_parent(const lh_bfs *b, uint32_t v);
/* Number of references from the virtual root to v (a root is 1), or 0
 * when v is unreachable. */
uint32_t lh_bfs_depth(const lh_bfs *b, uint32_t v);

/* One hop of a root path: the reference 'edge' (LH_NONE for the first
 * hop, which enters root number 'root') from 'from' to 'obj'. */
typedef struct lh_hop {
	uint32_t from;              /* LH_DOM_VROOT for the first hop */
	uint32_t edge;              /* snapshot edge or LH_NONE */
	uint32_t root;              /* index in snap->roots for the first hop */
	uint32_t obj;
} lh_hop;

/* The last hop of v's shortest path: from its parent by the edge the
 * search took (from LH_DOM_VROOT by its root entry for a root). 'from'
 * is LH_NONE when v is unreachable. */
lh_hop lh_bfs_hop(const lh_bfs *b, uint32_t v);

/* The last hops, at most 'max', of v's shortest path into hops[] in path
 * order (the one into v last); returns how many (0: unreachable). Time
 * bounded by 'max'. */
uint32_t lh_bfs_hops(lh_hop *hops, const lh_bfs *b, uint32_t v,
	uint32_t max);

typedef struct lh_path {
	lh_hop *hops;               /* [nhops], from the root to the object */
	uint32_t nhops;
} lh_path;

/*
 * Up to k distinct root paths of v, shortest first, in *out (an array of
 * *count paths the caller frees with lh_paths_free). Path 1 is the BFS
 * path P. The others each take one detour from the BFS tree: the BFS path
 * of some object u, one retaining reference from u into an object X of P
 * that P does not use (or another root entry that is X), then the rest of
 * P after X. Detours that would visit an object twice are dropped; the
 * rest are ordered by length, then by how late on P they rejoin it, then
 * by u and the edge. Every path thus differs from the others (each holds
 * exactly one reference outside the BFS tree). Returns LH_ENOTFOUND when
 * v is unreachable.
 */
int lh_paths_find(lh_path **out, uint32_t *count, const lh_graph *g,
	const lh_bfs *b, uint32_t v, uint32_t k, lh_error *err);
void lh_paths_free(lh_path *paths, uint32_t count);

#endif
