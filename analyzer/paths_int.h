/*
 * The root path search's storage (paths.c), private to the analyzer:
 * the edge each object was reached by, and what finds its parent from
 * that edge without storing it.
 */
#ifndef LUAHEAP_PATHS_INT_H
#define LUAHEAP_PATHS_INT_H

#include "luaheap/paths.h"

/* via[v] is the edge index into v (for a root: its index in the graph's
 * roots), LH_NONE when v is unreachable. The parent, the source of that
 * edge, is not stored, to save 4 bytes per object: blk[] bounds the
 * search of the offsets for it. */
struct lh_bfs {
	uint32_t n;
	uint32_t *via;              /* [n] */
	uint32_t *rootbits;         /* [n/32+1] bit v: v was reached as a root */
	const uint32_t *off;        /* [n+1] the graph's CSR offsets (borrowed) */
	uint32_t *blk;              /* [nblk] owner of every LH_BFS_BLOCK-th edge */
	uint32_t nblk;
};

#define LH_BFS_BLOCK 64

/* lh_bfs_parent of every object v in [lo, hi) into par[v], faster than
 * one call each: objects reached from one parent mostly come one after
 * the other, so the last two parents found are tried first. */
void lh_bfs__parents(const lh_bfs *b, uint32_t *par, uint32_t lo,
	uint32_t hi);

#endif
