/*
 * Private to the diff (diff.c, diff_match.c): what the diff computes once
 * per snapshot before comparing any two (shortest-path parents), and the
 * identity of objects across two snapshots.
 */
#ifndef LUAHEAP_DIFF_INT_H
#define LUAHEAP_DIFF_INT_H

#include <stdint.h>
#include "analysis_int.h"
#include "snapshot_internal.h"
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

/*
 * The index of objects of one type in their type's array (strings,
 * tables, closures of both kinds, ...: lh_snapshot_aux) when they are
 * asked about in mostly increasing order, as the diff's passes over pairs
 * do: counted on from the last object asked about, not from the start of
 * its rank block. For strings it also keeps where the record's bytes
 * start ('at', as lh_string_bytes finds it).
 */
typedef struct lh_diff_cursor {
	const lh_snapshot *s;
	uint8_t type, type2;            /* type2: LH_T_CFUNC for closures */
	uint32_t v;                 /* objects before v are counted: */
	uint32_t k;                 /* those of the type among them */
	uint64_t at;                /* strings: where record k's bytes start */
} lh_diff_cursor;

#define LH_DIFF_CURSOR_REACH 256    /* farther on: start afresh */

void lh_diff__cursor_init(lh_diff_cursor *c, const lh_snapshot *s, int type);

/* lh_diff__cursor_seek from afresh: v is of the cursor's type. */
uint32_t lh_diff__cursor_jump(lh_diff_cursor *c, uint32_t v);

/* lh_snapshot_aux of v for the cursor's type: LH_NONE when v has another
 * type or the snapshot has no such object. */
static inline uint32_t lh_diff__cursor_seek(lh_diff_cursor *c, uint32_t v)
{
	const lh_snapshot *s = c->s;

	if (v >= s->nobj || (s->type[v] != c->type && s->type[v] != c->type2))
		return LH_NONE;
	if (c->v > v || v - c->v > LH_DIFF_CURSOR_REACH)
		return lh_diff__cursor_jump(c, v);
	for (; c->v < v; c->v++)
		if ((s->type[c->v] == c->type || s->type[c->v] == c->type2) &&
		    c->k++ < s->nstrings && c->type == LH_T_STRING)
			c->at += s->strings[c->k - 1].stored;
	return c->k;
}

/* Runs run(first) and run(second), the second on a thread of its own
 * when the two share n objects, enough to be worth one, and threads are
 * allowed (LUAHEAP_THREADS). */
void lh_diff__halves(void *(*run)(void *), void *first, void *second,
	uint32_t n);

/* Sorts n records of 'words' 64-bit words (1 or 2) at p in increasing
 * order. When n is big, a radix sort of the first words, stable: records
 * with equal first words must then come in increasing order of their
 * second already. LH_OK or LH_ENOMEM. */
int lh_diff__sort(uint64_t *p, uint32_t n, int words);

/* An array of n + 1 elements of 'size' bytes (zeroed if 'zero'), with
 * huge pages asked for when it is big; free() it. NULL: no memory. */
void *lh_diff__big(size_t n, size_t size, int zero);

void lh_diff__side_release(lh_diff_side *s);

/*
 * m[k] for k = 1..n-1 (n is 2 or 3; side[k].a set): the match of every
 * object of side k in side k - 1, the earlier snapshot, or LH_NONE: the
 * same address, type and fingerprint, and for a reachable object the
 * same place (see diff.c). Fills each side's parents first (on a thread
 * of their own when threads are allowed, LUAHEAP_THREADS). LH_OK or
 * LH_ENOMEM; either way the caller frees every m[k] (NULL or an array)
 * and releases every side (lh_diff__side_release).
 */
int lh_diff__match(uint32_t **m, lh_diff_side *side, int n);

#endif
