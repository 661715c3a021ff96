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
 * container that stays the same size, is not a suspect; nor is a table
 * that only rehashed (as many entries as before: its own size change does
 * not count). Each container's growth is credited to one group, the one
 * whose leak roots it holds retain the most, so objects that lost their
 * primary referrer count where they are kept now, and a string shared by
 * many leaked objects does not repeat its parent's growth. Suspects rank
 * by growth (with three snapshots, those still growing first).
 *
 * Folding: integer, float, boolean, object and light userdata keys fold to
 * [*]; a string key folds when it is data rather than a name: new within
 * the span, or not a constant of any proto (computed: "kind3", "12:7"),
 * except under the registry, _G and package.loaded. So sibling containers
 * of one parent (grid cells, per-event lists) are one group judged as a
 * whole: _G.World.grid[*][*]. A run of one repeated step is a chain and
 * folds to (.next)*; folded indices fold that way only from four in a row,
 * so a map of maps stays [*][*]. A reference from a table to one of its
 * keys is <key>. luaheap's own watch table and what it alone holds are
 * never candidates.
 */

typedef struct lh_diff_opts {
	uint64_t min_bytes;         /* noise floor; 0: max(4 KiB, live/1000) */
	size_t maxlabel;            /* label cut for paths (0: 40) */
} lh_diff_opts;

#define LH_DIFF_MIX 3               /* classes listed per group */
#define LH_DIFF_MEMBERS 3           /* biggest containers kept per group */

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
	/* The containers credited to the group that grew the most (a folded
	 * group's biggest members: grid cells, waiter lists), in the last
	 * snapshot, LH_NONE past the last; their growth over the span. */
	uint32_t member[LH_DIFF_MEMBERS];
	int64_t member_growth[LH_DIFF_MEMBERS];
} lh_diff_group;

/* Tables that gained entries, folded by path like the groups (the ten
 * tables _G.Index.kind0 ... kind9 are one row _G.Index[*]): the sums over
 * 'count' tables, and the one that gained the most as the example. */
typedef struct lh_diff_grown {
	uint32_t obj;               /* the example, in the last snapshot */
	char *path;                 /* its full path */
	uint32_t entries_before, entries_after;
	uint64_t bytes_before, bytes_after;         /* self */
	uint64_t retained_before, retained_after;
	char *pattern;              /* folded path */
	uint32_t count;             /* tables folded into the row */
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

/* Expected-dead objects still alive, folded by path like the groups. */
typedef struct lh_diff_dead_group {
	char *pattern;              /* folded path */
	uint32_t example_obj;       /* the one retaining the most */
	char *example;              /* its full path */
	const char *label;          /* its label (borrowed) */
	uint32_t count;
	uint64_t retained;          /* sum of their retained sizes */
} lh_diff_dead_group;

/* The diff's figures over the whole heap. */
typedef struct lh_diff_totals {
	int nsnap;                  /* 2 or 3 */
	uint64_t total_before, total_after;     /* Lua's own byte counts */
	uint64_t live_before, live_after;       /* reachable object bytes */
	uint32_t objects_before, objects_after; /* reachable objects */
	uint32_t candidates;        /* candidate objects */
	uint64_t candidate_bytes;
	uint64_t floor;             /* the noise floor used */
	uint32_t registry_before, registry_after;  /* registry entries */
	uint32_t threads_before, threads_after;    /* live coroutines */
} lh_diff_totals;

/* The result of lh_diff_compute, read with the functions below. */
typedef struct lh_diff lh_diff;

/*
 * Compares the analyses a[0..n-1] (n is 2 or 3, oldest first). *out belongs
 * to the caller (lh_diff_free); it borrows names from the analyses, which
 * must outlive it. Returns LH_OK, LH_EUSAGE or LH_ENOMEM.
 */
int lh_diff_compute(lh_diff **out, const lh_analysis *const *a, int n,
	const lh_diff_opts *opts, lh_error *err);

void lh_diff_free(lh_diff *d);

const lh_diff_totals *lh_diff_get_totals(const lh_diff *d);

/*
 * The lists of a diff: lh_diff_num_X counts them, lh_diff_get_X(d, i)
 * returns record i (NULL past the end), valid until lh_diff_free. Groups
 * come suspects first (the first lh_diff_num_suspects), ranked; grown
 * tables most entries gained first; classes largest byte change first;
 * expected-dead objects in watch order, their folded groups most bytes
 * first.
 */
uint32_t lh_diff_num_groups(const lh_diff *d);
uint32_t lh_diff_num_suspects(const lh_diff *d);
const lh_diff_group *lh_diff_get_group(const lh_diff *d, uint32_t i);
uint32_t lh_diff_num_grown(const lh_diff *d);
const lh_diff_grown *lh_diff_get_grown(const lh_diff *d, uint32_t i);
uint32_t lh_diff_num_globals(const lh_diff *d);
const lh_diff_global *lh_diff_get_global(const lh_diff *d, uint32_t i);
uint32_t lh_diff_num_classes(const lh_diff *d);
const lh_diff_class *lh_diff_get_class(const lh_diff *d, uint32_t i);
uint32_t lh_diff_num_dead(const lh_diff *d);
const lh_diff_dead *lh_diff_get_dead(const lh_diff *d, uint32_t i);
uint32_t lh_diff_num_dead_groups(const lh_diff *d);
const lh_diff_dead_group *lh_diff_get_dead_group(const lh_diff *d,
	uint32_t i);

/* Whether object v of the last snapshot is a candidate: new (in the
 * middle snapshot for three) and alive in the last. */
int lh_diff_candidate(const lh_diff *d, uint32_t v);

/*
 * (*out)[v], for each object v of 'after' (a later snapshot of the same
 * process): 1 when v is new since 'before' by the identity above, else 0.
 * *out belongs to the caller (free()). Returns LH_OK or LH_ENOMEM.
 */
int lh_diff_fresh(uint8_t **out, const lh_analysis *before,
	const lh_analysis *after, lh_error *err);

#endif
