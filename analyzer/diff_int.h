/*
 * Private to the diff (diff.c, diff_match.c): what the diff computes once
 * per snapshot before comparing any two (shortest-path parents), and the
 * identity of objects across two snapshots.
 */
#ifndef LUAHEAP_DIFF_INT_H
#define LUAHEAP_DIFF_INT_H

#include <stdint.h>
#include "analysis_int.h"
#include "luaheap/diff.h"

#define LH_DIFF_NOT_SEEN UINT32_MAX

/* The result, behind the accessors of diff.h. */
struct lh_diff {
	lh_diff_totals t;
	lh_diff_group *groups;  uint32_t ngroups;   /* suspects first, ranked */
	uint32_t nsuspects;
	lh_diff_grown *grown;   uint32_t ngrown;    /* most entries gained first */
	lh_diff_global *globals; uint32_t nglobals;
	lh_diff_class *classes; uint32_t nclasses;  /* largest byte change first */
	lh_diff_dead *dead;     uint32_t ndead;     /* in watch order */
	lh_diff_dead_group *dead_groups; uint32_t ndead_groups; /* most bytes first */
	uint8_t *cand;              /* [ncand_obj] candidates */
	uint32_t ncand_obj;
};

/* One snapshot of the diff and what is computed for it alone. */
typedef struct lh_diff_side {
	const lh_analysis *a;
	uint32_t *par;              /* [nobj + 1] lh_bfs_parent of every object */
	int rc;                     /* LH_OK or LH_ENOMEM */
} lh_diff_side;

/* An array of n + 1 elements of 'size' bytes (zeroed if 'zero'), with
 * huge pages asked for when it is big; free() it. NULL: no memory. */
void *lh_diff__big(size_t n, size_t size, int zero);

/* Fills sides[0..n-1] (each with its analysis set), one thread per
 * snapshot when threads are allowed (LUAHEAP_THREADS); LH_OK or
 * LH_ENOMEM. Release each with lh_diff__side_release. */
int lh_diff__sides_prepare(lh_diff_side *sides, int n);
void lh_diff__side_release(lh_diff_side *s);

/*
 * The match of every object of b in a (a is the earlier snapshot), or
 * LH_NONE: the same address, type and fingerprint, and for a reachable
 * object the same place (see diff.c). NULL when memory runs out; the
 * caller frees the array.
 */
uint32_t *lh_diff__match(const lh_diff_side *a, const lh_diff_side *b);

#endif
