/*
 * The whole analysis of a snapshot, for the commands: every stage run in
 * order (graph.h, dom.h, paths.h, classes.h) or read back from an index
 * file, and the reports built over them (top, referrers, instances).
 */
#ifndef LUAHEAP_ANALYSIS_H
#define LUAHEAP_ANALYSIS_H

#include "luaheap/classes.h"

typedef struct lh_analysis lh_analysis;

/*
 * Runs reachability, dominators, root paths and classes over snap,
 * which must outlive the analysis. *out belongs to the caller
 * (lh_analysis_free); its parts are borrowed from it. Returns LH_ENOMEM,
 * or LH_EFORMAT for a root without an object.
 */
int lh_analysis_new(lh_analysis **out, const lh_snapshot *snap, lh_error *err);
void lh_analysis_free(lh_analysis *a);

/* The snapshot and each stage's result, borrowed from a. */
const lh_snapshot *lh_analysis_snapshot(const lh_analysis *a);
const lh_graph *lh_analysis_graph(const lh_analysis *a);
const lh_dom *lh_analysis_dom(const lh_analysis *a);
const lh_bfs *lh_analysis_bfs(const lh_analysis *a);
const lh_classes *lh_analysis_classes(const lh_analysis *a);

/* Object and byte counts of a snapshot's analysis. */
typedef struct lh_totals {
	uint64_t total_bytes;       /* sum of all object sizes */
	uint64_t live_bytes;        /* what the roots keep alive */
	uint32_t live_count;
	uint64_t garbage_bytes;     /* objects no root reaches */
	uint32_t garbage_count;
} lh_totals;

void lh_analysis_totals(lh_totals *out, const lh_analysis *a);

/* Tables by weak mode (enum lh_weak: none, keys, values, both): how many
 * and what the live ones retain. */
typedef struct lh_weak_stats {
	uint64_t count[4];
	uint64_t retained[4];
} lh_weak_stats;

void lh_analysis_weak_stats(lh_weak_stats *out, const lh_analysis *a);

/*
 * The analysis index
 * ------------------
 * lh_analysis_open reads the snapshot at 'path' and analyses it, then
 * writes everything it found (the decoded snapshot, reachability,
 * dominators, retained sizes, root paths, classes) to an index file: PATH
 * followed by LH_INDEX_SUFFIX beside the snapshot, or, when that directory
 * is not writable, in $XDG_CACHE_HOME/luaheap/ (default ~/.cache/luaheap/),
 * mode 0600, under a temporary name renamed when complete. Later opens of
 * the same snapshot map the index instead: no reading, no analysis. The
 * index is bound to the snapshot's size, modification time and checksum
 * and to this build of luaheap, and is read as untrusted input: one that
 * is stale, foreign, truncated or damaged is ignored (with a note) and
 * rebuilt.
 */
#define LH_INDEX_SUFFIX ".lhindex"

enum lh_open_flag {
	LH_OPEN_NO_INDEX = 1,       /* neither read nor write an index */
	LH_OPEN_REBUILD = 2,        /* ignore an existing index, write anew */
	LH_OPEN_MUST_WRITE = 4      /* failing to write the index is an error */
};

/* The phases lh_analysis_open reports, in order. */
enum lh_phase { LH_PHASE_INDEX, LH_PHASE_READ, LH_PHASE_REACH,
	LH_PHASE_DOM, LH_PHASE_PATHS, LH_PHASE_CLASSES, LH_PHASE_WRITE };

typedef struct lh_open_opts {
	unsigned flags;             /* LH_OPEN_* */
	/* Told when a phase starts (done 0) and, while the snapshot is read,
	 * after each chunk: 'done' of 'total' bytes. May be NULL. */
	void (*progress)(void *ctx, int phase, uint64_t done, uint64_t total);
	/* One line the user should see about the index (one that was
	 * ignored and why, one that could not be written). May be NULL. */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
} lh_open_opts;

/*
 * Opens the snapshot at 'path' with every analysis, through its index as
 * described above ('opts' may be NULL: defaults). *out owns its snapshot
 * (lh_analysis_snapshot); free both with lh_analysis_free. Errors as lh_snapshot_load
 * and lh_analysis_new; with LH_OPEN_MUST_WRITE also LH_EIO when no index
 * could be written.
 */
int lh_analysis_open(lh_analysis **out, const char *path,
	const lh_open_opts *opts, lh_error *err);

/* Name of a phase ("reading", "dominators", ...). */
const char *lh_phase_name(int phase);

/* The index file a's results were read from or written to, or NULL
 * (none: disabled, or it could not be written). */
const char *lh_analysis_index_path(const lh_analysis *a);

/* 1 when a's results were read from an index, 0 when computed. */
int lh_analysis_indexed(const lh_analysis *a);

enum lh_top_by { LH_BY_RETAINED, LH_BY_SELF, LH_BY_COUNT };
enum lh_top_group { LH_GROUP_NONE, LH_GROUP_CLASS, LH_GROUP_TYPE,
	LH_GROUP_FUNCTION };

/* A row of a "top" report: one object (group none) or one group. */
typedef struct lh_top_row {
	const char *name;           /* group name (borrowed), NULL for objects */
	uint32_t obj;               /* the object, or the group's largest
	                               instance by retained size */
	uint32_t count;
	uint64_t self;
	uint64_t retained;
} lh_top_row;

/*
 * The first 'limit' rows (0: all) of reachable objects or groups, ranked
 * by 'by' (ties: name, then dense index). Group "function" keeps only
 * closures, grouped by their proto's source:line or C symbol. *rows
 * belongs to the caller (free()); *nrows set.
 */
int lh_analysis_top(lh_top_row **rows, uint32_t *nrows, const lh_analysis *a,
	int by, int group, uint32_t limit, lh_error *err);

/* The first 'limit' (0: all) objects by retained size that are not a root,
 * the registry, _G or package.loaded: summary's "biggest retainers". */
int lh_analysis_retainers(lh_top_row **rows, uint32_t *nrows,
	const lh_analysis *a, uint32_t limit, lh_error *err);

/* A reference into an object: the object it comes from and the edge. */
typedef struct lh_ref {
	uint32_t from;
	uint32_t edge;
	int retains;                /* strong, or an ephemeron with a live key */
} lh_ref;

/* The references to v from live objects (the roots aside), in snapshot
 * order, in *refs (caller frees, free()); *nrefs set. One pass over the
 * edges. */
int lh_analysis_referrers(lh_ref **refs, uint32_t *nrefs,
	const lh_analysis *a, uint32_t v, lh_error *err);

/* The live instances of class 'cls' (a name as lh_classes names it), by
 * retained size, the first 'limit' (0: all), one row each (count 1, name
 * the class). LH_ENOTFOUND when no object has that class. *rows belongs
 * to the caller (free()). */
int lh_analysis_instances(lh_top_row **rows, uint32_t *nrows,
	const lh_analysis *a, const char *cls, uint32_t limit, lh_error *err);

/* Shortest path of v rendered into sb (nothing if unreachable). */
void lh_analysis_render_path(lh_strbuf *sb, const lh_analysis *a, uint32_t v,
	size_t maxlabel);

/* The same, but a path of more than maxhops hops prints as an ellipsis,
 * the object where its last maxhops hops start, and those hops
 * ("…<table 0x...>.next.next"), in time bounded by maxhops (for listings
 * of many objects in deep heaps). lh_expr_resolve accepts it. */
void lh_analysis_render_tail(lh_strbuf *sb, const lh_analysis *a, uint32_t v,
	size_t maxlabel, uint32_t maxhops);

#endif
