/*
 * Leak hunting across snapshots of one process: which objects are new and
 * survived, grouped by the root path that holds them (indices folded), which
 * containers grew, which globals appeared, how classes moved, and which
 * objects that should be dead are alive.
 */
#ifndef LUAHEAP_DIFF_H
#define LUAHEAP_DIFF_H

#include <stdint.h>
#include "luaheap/analysis.h"

/*
 * Identity across snapshots: an object of the later snapshot is "the same"
 * as the object at the same address in the earlier one when both have the
 * same type and fingerprint (strings: contents; tables and userdata: class;
 * Lua functions and protos: source and line; C functions: the C address),
 * since Lua reuses the addresses of freed objects.
 *
 * With two snapshots (A, B) the candidates are B's live objects that are
 * new since A. With three (A, B, C) they are C's live objects that were new
 * in B (not in A) and are still there in C: churn between A and B no longer
 * shows, and groups that also grew from B to C rank first.
 *
 * A candidate's "leak root" is its highest ancestor in the dominator tree
 * that is also a candidate: the entry point of a new subgraph into older
 * memory. Leak roots are grouped by their shortest root path with every
 * index folded to [*] (integer, float, boolean and object keys, and string
 * keys that are themselves new), addresses folded to *. A group's
 * containers are, for each leak root, the nearest object on its shortest
 * root path that already existed in the first snapshot; the group is a
 * suspect when its containers grew by more than the noise floor over the
 * span, in retained size or (for tables that gained entries) in their own
 * size. So balanced churn, where new objects replace old ones in a
 * container that stays the same size, is not a suspect.
 */

typedef struct lh_diff_opts {
	uint64_t min_bytes;         /* noise floor; 0: max(4 KiB, live/1000) */
	size_t maxlabel;            /* label cut for paths (0: 40) */
} lh_diff_opts;

#define LH_DIFF_MIX 3               /* classes listed per group */

typedef struct lh_diff_group {
	char *pattern;              /* folded root path, e.g. _G.Server.timers[*] */
	char *example;              /* full path of the largest instance */
	uint32_t example_obj;       /* that instance, in the last snapshot */
	uint32_t count;             /* leak roots (instances) */
	uint32_t objects;           /* all candidates in the group */
	uint64_t bytes;             /* their self sizes */
	uint64_t retained;          /* sum of the instances' retained sizes */
	int64_t growth;             /* containers' retained growth, first to last */
	int64_t growth_late;        /* three snapshots: from the middle to last */
	uint32_t ncontainers;
	int suspect;
	const char *mix_class[LH_DIFF_MIX];  /* borrowed from the last analysis */
	uint32_t mix_count[LH_DIFF_MIX];
} lh_diff_group;

typedef struct lh_diff_grown {
	uint32_t obj;               /* in the last snapshot */
	char *path;
	uint32_t entries_before, entries_after;
	uint64_t bytes_before, bytes_after;         /* self */
	uint64_t retained_before, retained_after;
} lh_diff_grown;

typedef struct lh_diff_global {
	char *name;
	uint32_t obj;               /* value in the last snapshot */
	uint64_t retained;
} lh_diff_global;

typedef struct lh_diff_class {
	const char *name;           /* borrowed from an analysis */
	uint32_t count_before, count_after;
	uint64_t bytes_before, bytes_after;
} lh_diff_class;

typedef struct lh_diff_dead {
	const char *label;          /* borrowed from the last snapshot */
	uint32_t obj;
	char *path;
} lh_diff_dead;

typedef struct lh_diff {
	int nsnap;                  /* 2 or 3 */
	uint64_t total_before, total_after;     /* Lua's own byte counts */
	uint64_t live_before, live_after;       /* reachable object bytes */
	uint32_t objects_before, objects_after; /* reachable objects */
	uint32_t candidates;        /* candidate objects */
	uint64_t candidate_bytes;
	uint64_t floor;             /* the noise floor used */

	lh_diff_group *groups;  uint32_t ngroups;   /* suspects first, ranked */
	uint32_t nsuspects;
	lh_diff_grown *grown;   uint32_t ngrown;    /* most entries gained first */
	lh_diff_global *globals; uint32_t nglobals;
	lh_diff_class *classes; uint32_t nclasses;  /* largest byte change first */
	lh_diff_dead *dead;     uint32_t ndead;

	uint32_t registry_before, registry_after;  /* registry entries */
	uint32_t threads_before, threads_after;    /* live coroutines */

	uint8_t *cand;              /* [nobj of the last snapshot] candidates;
	                               read with lh_diff_candidate */
	uint32_t ncand_obj;
} lh_diff;

/* Whether object v of the last snapshot is a candidate: new (in the
 * middle snapshot for three) and alive in the last. */
static inline int lh_diff_candidate(const lh_diff *d, uint32_t v)
{
	return v < d->ncand_obj && d->cand[v];
}

/*
 * Compares the analyses a[0..n-1] (n is 2 or 3, oldest first). *out belongs
 * to the caller (lh_diff_free); it borrows names from the analyses, which
 * must outlive it. Returns LH_OK, LH_EUSAGE or LH_ENOMEM.
 */
int lh_diff_compute(lh_diff **out, const lh_analysis *const *a, int n,
	const lh_diff_opts *opts, lh_error *err);

void lh_diff_free(lh_diff *d);

#endif
