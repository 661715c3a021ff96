/*
 * Analysis of a loaded snapshot: which objects the roots keep alive
 * (reachability), who dominates whom and how much each object retains,
 * shortest root paths rendered as Lua expressions, and class names.
 * Everything is flat arrays indexed by the snapshot's dense object index.
 */
#ifndef LUAHEAP_ANALYSIS_H
#define LUAHEAP_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include "luaheap/error.h"
#include "luaheap/snapshot.h"

/*
 * The retention graph
 * -------------------
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
typedef struct lh_graph {
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
	                               read it with lh_graph_live */
	uint32_t nlive;

	/* Edges (of a root) whose targets the root path search enters ahead
	 * of the others: in a snapshot, the registry's references to _G and
	 * package.loaded. LH_NONE when unused (lh_graph_new sets none). */
	uint32_t pref_edge[2];
} lh_graph;

/* Whether object v (< g->n) is reachable: 1 or 0. */
static inline int lh_graph_live(const lh_graph *g, uint32_t v)
{
	return (int)(g->livebits[v >> 5] >> (v & 31) & 1);
}

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

/* Whether edge e (whose source is the live object src) retains its target
 * in path searches: strong, or an ephemeron whose key is alive. */
int lh_graph_edge_retains(const lh_graph *g, uint32_t src, uint32_t e);

/*
 * Dominators and retained sizes
 * -----------------------------
 * idom[v] is v's immediate dominator, LH_DOM_VROOT when only the virtual
 * root dominates it (e.g. v is a root), LH_NONE when v is unreachable.
 * v's retained size, the sum of the self sizes of v's dominator subtree
 * (0 when unreachable), is lh_dom_retained(d, v): retained[] keeps it in
 * 32 bits, LH_RETAINED_BIG for 4 GiB or more, whose real value is in the
 * side table big_obj/big_retained. 'order' lists the live objects in a
 * preorder of the dominator tree (each object's dominated children in the
 * order a depth-first search from the roots first meets them), so idom[v]
 * always comes before v and every subtree is a contiguous run of it.
 */
#define LH_DOM_VROOT (UINT32_MAX - 1)

/* retained[] holds this for a retained size that does not fit 32 bits. */
#define LH_RETAINED_BIG UINT32_MAX

typedef struct lh_dom {
	uint32_t n;
	uint32_t *idom;             /* [n] */
	uint32_t *retained;         /* [n] read with lh_dom_retained */
	uint32_t *order;            /* [nlive] */
	uint32_t nlive;
	uint64_t live_bytes;        /* retained size of the virtual root */

	/* The objects retaining LH_RETAINED_BIG bytes or more, by index. */
	uint32_t nbig;
	uint32_t *big_obj;          /* [nbig] dense index */
	uint64_t *big_retained;     /* [nbig] its retained size */
} lh_dom;

/* The retained size of an object listed in big_obj (0 if it is not). */
uint64_t lh_dom__big_retained(const lh_dom *d, uint32_t v);

/* Bytes that freeing v would give back: its retained size. */
static inline uint64_t lh_dom_retained(const lh_dom *d, uint32_t v)
{
	return d->retained[v] != LH_RETAINED_BIG ? d->retained[v] :
		lh_dom__big_retained(d, v);
}

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

/*
 * Children lists of the dominator tree, each sorted by retained size,
 * largest first (ties: dense index). Children of the virtual root are
 * the list of LH_DOM_VROOT. lh_domtree_new makes one pass over d->order
 * (8 bytes per live object, and a stack as deep as the tree); a family is
 * gathered and sorted only when lh_domtree_children first asks for it, so
 * printing the top of a huge tree sorts only what it prints. The analysis
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

/*
 * Shortest root paths
 * -------------------
 * A breadth-first search from the roots (in root order, each object's
 * edges in order, so ties break the same way every run) over the edges
 * that retain. The targets of the graph's pref_edge (_G and
 * package.loaded) enter a step and a half ahead: a path from a global or
 * a module is taken when it is at most one step longer than the shortest
 * (_G.World.grid rather than a main-chunk local holding World), so a
 * path does not change with the frames on the stack. via[v] is the edge index into v (for a root: its index in
 * the graph's roots, which start with snap->roots), LH_NONE when v is
 * unreachable. The object before v on its path, its parent, is the
 * source of that edge (lh_bfs_parent): not stored, to save 4 bytes per
 * object.
 */
typedef struct lh_bfs {
	uint32_t n;
	uint32_t *via;              /* [n] */
	uint32_t *rootbits;         /* [n/32+1] bit v: v was reached as a root */
	const uint32_t *off;        /* [n+1] the graph's CSR offsets (borrowed) */
	uint32_t *blk;              /* [nblk] owner of every LH_BFS_BLOCK-th edge */
	uint32_t nblk;
} lh_bfs;

#define LH_BFS_BLOCK 64

/* Builds the search over g, which must outlive it (its offsets are
 * borrowed). */
int lh_bfs_build(lh_bfs **out, const lh_graph *g, lh_error *err);
void lh_bfs_free(lh_bfs *b);
/* The object before v on its shortest path: LH_DOM_VROOT for a root,
 * LH_NONE when v is unreachable (a search of the offsets between the
 * owners of two edges LH_BFS_BLOCK apart, mostly a few steps). */
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
 * v is unreachable. 'snap' is unused and may be NULL.
 */
int lh_paths_find(lh_path **out, uint32_t *count, const lh_snapshot *snap,
	const lh_graph *g, const lh_bfs *b, uint32_t v, uint32_t k,
	lh_error *err);
void lh_paths_free(lh_path *paths, uint32_t count);

/*
 * Rendering
 * ---------
 * A path prints as a Lua expression starting at the registry:
 * registry[2] is "_G", registry._LOADED is "package.loaded", identifier
 * keys use ".name", other keys ["..."] / [17] / [1.5] / [true], object
 * keys [<table 0x...>]; hops that are not table fields print in angle
 * brackets: " <metatable>", " <key>", " <upvalue h of f (server.lua:40)>",
 * " <local h in coroutine 0x..., frame 2, server.lua:88>", " <uservalue 1>".
 * Labels longer than 'maxlabel' bytes (0: 40) are cut at a UTF-8 character
 * boundary and end with an ellipsis.
 */
typedef struct lh_strbuf {
	char *buf;
	size_t len, cap;
	int oom;                    /* an allocation failed: contents truncated */
} lh_strbuf;

void lh_strbuf_init(lh_strbuf *sb);
void lh_strbuf_release(lh_strbuf *sb);
void lh_strbuf_puts(lh_strbuf *sb, const char *s);
void lh_strbuf_putn(lh_strbuf *sb, const char *s, size_t n);
void lh_strbuf_printf(lh_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends the rendering of path p to sb. */
void lh_path_render(lh_strbuf *sb, const lh_snapshot *snap, const lh_path *p,
	size_t maxlabel);

/* Appends hop i of p alone (the text it adds to the expression, without
 * leading blank); for the first hop, the root's name. Hops that print
 * nothing of their own (the upvalue cell before its value, the main
 * thread before a stack slot) append nothing and return 0, others 1. */
int lh_path_render_hop(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i, size_t maxlabel);

/* Appends reference e out of 'from' as a path step prints it (".name",
 * "[3]", "<metatable>", "<upvalue h of function (server.lua:40)>"). */
void lh_render_edge(lh_strbuf *sb, const lh_snapshot *snap, uint32_t from,
	uint32_t e, size_t maxlabel);

/* Appends s (n bytes) as a Lua key: ".name" for an identifier that is not
 * a keyword, ["..."] with escapes otherwise, cut to maxlabel bytes. */
void lh_render_key(lh_strbuf *sb, const char *s, size_t n, size_t maxlabel);

/* Appends s quoted as a Lua string literal, escaped, cut to maxlabel
 * bytes at a character boundary with "..." inside the quotes. */
void lh_render_quoted(lh_strbuf *sb, const char *s, size_t n,
	size_t maxlabel);

/* Appends the float key d as Lua would read it back (1.5, 1e+100, 1/0). */
void lh_render_number(lh_strbuf *sb, double d);

/* Bytes of s to keep so that at most max bytes remain and no UTF-8
 * character is cut. */
size_t lh_utf8_cut(const char *s, size_t n, size_t max);

/* Length of the well-formed UTF-8 sequence at s (n >= 1 bytes left), 0 if
 * the bytes there are not one. */
size_t lh_utf8_seq(const unsigned char *s, size_t n);

/* Appends "table 0x55..." style: type (or class when given) and address. */
void lh_render_object(lh_strbuf *sb, const lh_snapshot *snap, uint32_t v);

/* Appends "server.lua:40" for proto p (or "?" if unknown). */
void lh_render_proto(lh_strbuf *sb, const lh_snapshot *snap, uint32_t p);

/*
 * Resolves OBJECT: an address "0x..." or a Lua expression over tables
 * starting at _G (implicit), package.loaded or registry:
 * _G.Server.timers, Server.timers, package.loaded["game.mailer"],
 * registry[7], _G.a[3].b, x["k"][true][1.5]. Each step follows the field
 * edge with that key. Every path the renderer prints is accepted too:
 * steps in angle brackets (" <upvalue h of f (server.lua:40)>", " <key
 * table 0x...>", "[<table 0x...>]", " <metatable>"), paths from other
 * roots ("<local h in main, function (server.lua:80)>") and tails
 * ("…<table 0x...>.next"); such a step follows the reference that
 * renders as it (with several, the one the rest of the path agrees with). On failure returns LH_ENOTFOUND ("no field 'b' in
 * _G.a[3] (table 0x...)") or LH_EUSAGE (syntax).
 */
int lh_expr_resolve(uint32_t *out, const lh_snapshot *snap, const char *expr,
	lh_error *err);

/*
 * Classes
 * -------
 * Tables and userdata with a metatable: the metatable's __name when it is
 * a string, else the last named step of the metatable's shortest path
 * ("Hero" for _G.Hero, "game.player" for package.loaded["game.player"],
 * "game.Player" for _G.game.Player), else the same name of its __index
 * table (setmetatable(o, {__index = Hero})), else "table <weak k>" for a weak
 * table, else "table <metatable 0x...>"; without metatable "table" and
 * "userdata". Lua functions: "function server.lua:40"; C functions:
 * "cfunction SYMBOL"; everything else its type name.
 */
typedef struct lh_class_stat {
	uint32_t count;
	uint64_t self;
	uint64_t retained;          /* instances not dominated by another one */
} lh_class_stat;

typedef struct lh_classes {
	uint32_t n;
	/* The class id of each object, in 16 bits while every id fits
	 * (nclass <= 65536: of16 set, of32 NULL), else in 32 (of16 NULL).
	 * Read it with lh_class_of. */
	uint16_t *of16;             /* [n] or NULL */
	uint32_t *of32;             /* [n] or NULL */
	uint32_t nclass;
	char **name;                /* [nclass] owned */
	uint8_t *type;              /* [nclass] type of the first instance */
	lh_class_stat *live;        /* [nclass] over reachable objects */
	lh_class_stat *all;         /* [nclass] over every object (retained 0) */
	lh_class_stat types[LH_T_COUNT];  /* reachable objects by type */
} lh_classes;

/* The class id of object v (< c->n). */
static inline uint32_t lh_class_of(const lh_classes *c, uint32_t v)
{
	return c->of16 != NULL ? c->of16[v] : c->of32[v];
}

/*
 * Retained size of groups counted the way DevTools counts a class: out[g]
 * (zeroed by the caller, [ngroups]) gets the sum of retained sizes of the
 * live objects of group g that no other object of group g dominates.
 * group[v] is v's group (values >= ngroups belong to none). Returns
 * LH_ENOMEM or LH_OK.
 */
int lh_group_retained(uint64_t *out, const lh_dom *d, const uint32_t *group,
	uint32_t ngroups);

/* The class name of object v as the rules above say, into sb. */
void lh_class_name(lh_strbuf *sb, const lh_snapshot *snap, const lh_graph *g,
	const lh_bfs *bfs, uint32_t v);

/* Classes of every object and their totals. *out belongs to the caller
 * (lh_classes_free). */
int lh_classes_build(lh_classes **out, const lh_snapshot *snap,
	const lh_graph *g, const lh_dom *dom, const lh_bfs *bfs, lh_error *err);
void lh_classes_free(lh_classes *c);

/*
 * Everything at once, for the commands
 * ------------------------------------
 */
typedef struct lh_analysis {
	const lh_snapshot *snap;    /* borrowed */
	lh_graph *graph;
	lh_dom *dom;
	lh_bfs *bfs;
	lh_classes *classes;
	uint32_t garbage_count;     /* objects no root reaches */
	uint64_t garbage_bytes;
	uint64_t total_bytes;       /* sum of all object sizes */
	/* Set by lh_analysis_open: the snapshot it read (owned) and the
	 * index it used or wrote (private). */
	lh_snapshot *own_snap;
	struct lh_index_state *index;
} lh_analysis;

/*
 * Runs reachability, dominators, root paths and classes over snap,
 * which must outlive the analysis. *out belongs to the caller
 * (lh_analysis_free); its parts are borrowed from it. Returns LH_ENOMEM,
 * or LH_EFORMAT for a root without an object.
 */
int lh_analysis_new(lh_analysis **out, const lh_snapshot *snap, lh_error *err);
void lh_analysis_free(lh_analysis *a);

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
 * (a->snap); free both with lh_analysis_free. Errors as lh_snapshot_load
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
