/*
 * The snapshot builder: the readers of both encodings (read_bin.c,
 * read_json.c) hand it the file's records one by one; it checks each
 * against the format and stores it, keeping addresses until resolve.c
 * turns them into dense indices. It calls nothing back.
 */
#ifndef LUAHEAP_BUILDER_H
#define LUAHEAP_BUILDER_H

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "snapshot_internal.h"

#define LH_MAX_EDGES      0xfffffff0u
#define LH_FAR_TARGET     0x80000000u   /* INT32_MIN: delta did not fit */

/* Every LH_EDGE_MARK_STEP edges the builder notes how many far targets
 * and label addresses came before, so that resolving can take the edges
 * in chunks that start there, without counting. */
#define LH_EDGE_MARK_STEP 65536u

typedef struct lh_edge_mark {
	uint64_t far, label;
} lh_edge_mark;

/* Whether an edge of kind k (without flags) names an object by address in
 * its label (kept in the builder's laddr until resolved). */
static inline int lh_snap__names_object(int k)
{
	return k == LH_E_FIELD_OBJ || k == LH_E_UPVALUE || k == LH_E_STACK;
}

/* An edge label as read from the file, before addresses are resolved. */
typedef struct lh_raw_label {
	int64_t  i;              /* index, integer key, bool, frame */
	double   d;              /* float key */
	uint64_t ptr;            /* light key */
	uint64_t addr;           /* key / name object address, 0 for none */
	uint32_t slot;
} lh_raw_label;

/* Stores one decoded label field (lh_edge_specs' member, a value coded as
 * lh_value.u: a float's bits for LH_LM_D). */
static inline void lh_raw_label_set(lh_raw_label *l, int member, uint64_t u)
{
	switch (member) {
	case LH_LM_I: l->i = (int64_t)u; break;
	case LH_LM_SLOT: l->slot = (uint32_t)u; break;
	case LH_LM_ADDR: l->addr = u; break;
	case LH_LM_PTR: l->ptr = u; break;
	case LH_LM_D: memcpy(&l->d, &u, sizeof(l->d)); break;
	}
}

typedef struct lh_snap_builder {
	lh_snapshot *s;
	lh_snap_internal *in;
	const char *path;
	lh_error *err;

	uint32_t obj_cap;
	uint32_t *tgt;           /* [nedge] until resolved: the target's address
	                            minus its object's, as an int32, or
	                            LH_FAR_TARGET with the address in 'far' */
	uint64_t *far;           /* addresses of far targets, in edge order */
	size_t nfar, far_cap;
	uint32_t edge_cap;
	uint64_t written_edges;  /* edges in the file (no implicit keys) */
	uint64_t *laddr;         /* addresses of object labels, in edge order */
	size_t nladdr, laddr_cap;
	lh_edge_mark *mark;      /* [nmark]: before edge k * LH_EDGE_MARK_STEP */
	uint32_t nmark, mark_cap;
	uint32_t wide_cap;
	uint32_t big_cap, big_size_cap;  /* big_obj, big_size */
	uint32_t table_weak_cap, table_lnodes_cap, big_len_cap, big_len_str_cap;
	uint32_t text_at_cap, symbols_cap;
	uint32_t open_upvals_cap;
	uint32_t shared_cap;
	uint32_t last_high;      /* addr_high index of the previous object */
	uint64_t cur_addr;       /* the current object's address and type */
	uint8_t cur_type;

	uint32_t strings_cap, tables_cap, funcs_cap, threads_cap, frames_cap,
	         protos_cap, udatas_cap, roots_cap, watches_cap;
	uint64_t *frame_addr;    /* [2 * nframes] func, proto addresses */
	uint64_t *proto_src;     /* [nprotos] source string addresses */
	uint64_t text_cap;
	uint64_t *root_addr;     /* [nroots] */
	uint32_t frame_addr_cap, proto_src_cap, root_addr_cap;
	struct lh_prefault *prefault;  /* the thread mapping fresh pages, or NULL */
	struct lh_early_index *early;  /* the thread filling the address index, or NULL */
	int early_off;            /* started once already */
	int prefault_off;         /* none wanted, or none could start */
	lh_progress_fn progress;  /* or NULL */
	uint64_t file_size;       /* for progress; UINT64_MAX if unknown */
	uint64_t read_pos;        /* bytes of the file read so far, if known */
	void *progress_ctx;
} lh_snap_builder;

/* Formats "cannot read snapshot 'PATH': WHAT" into b->err; returns code. */
int lh_snap__fail(lh_snap_builder *b, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Header field 'field' (enum lh_header_field), decoded as its spec in
 * lh_header_specs says and checked against its bound; a string is copied. */
int lh_snap__header(lh_snap_builder *b, int field, const lh_value *v);

/* Starts object record n (its per-type and edge calls follow). */
int lh_snap__object(lh_snap_builder *b, uint64_t addr, int type, int list,
                    int marked, uint64_t size);

/* Per-type details of the current object; NULL (err set) when out of memory. */
lh_string_info *lh_snap__string(lh_snap_builder *b, int is_long,
                                uint64_t length, uint64_t stored);
lh_table_info *lh_snap__table(lh_snap_builder *b);
/* The weak mode (enum lh_weak) of the table lh_snap__table just gave. */
void lh_snap__table_weak(lh_snap_builder *b, int weak);
/* Its hash node count, which must be 0 or a power of two. */
int lh_snap__table_nodes(lh_snap_builder *b, uint64_t nodes);
lh_func_info *lh_snap__func(lh_snap_builder *b);
lh_thread_info *lh_snap__thread(lh_snap_builder *b);
lh_proto_info *lh_snap__proto(lh_snap_builder *b, uint64_t source);
lh_udata_info *lh_snap__udata(lh_snap_builder *b);
/* Records whether the current object (an upvalue) is open. */
int lh_snap__upvalue(lh_snap_builder *b, int is_open);

/* Marks the current object as shared between states (LH_OBJ_SHARED). */
int lh_snap__shared(lh_snap_builder *b);

/* Appends a frame to the current thread. */
int lh_snap__frame(lh_snap_builder *b, uint64_t func, uint64_t proto,
                   uint64_t line, int is_lua);

/* Makes room for n more bytes of text; returns where they go, or NULL.
 * Only the current string's stored bytes go there, right after
 * lh_snap__string. */
char *lh_snap__text(lh_snap_builder *b, uint64_t n);

/* Stores a NUL-terminated copy of s[0..n) in symbols; *off gets its offset
 * (UINT32_MAX when it does not fit, or for an empty name). */
int lh_snap__symbol(lh_snap_builder *b, const char *s, size_t n, uint32_t *off);

/* Adds an edge of the current object (and the implicit key edge after a
 * string-keyed field). kind carries the LH_EDGE_* flags. */
int lh_snap__edge(lh_snap_builder *b, int kind, uint64_t target,
                  const lh_raw_label *lab);

int lh_snap__root(lh_snap_builder *b, int kind, uint64_t addr, uint64_t index);
int lh_snap__watch(lh_snap_builder *b, uint64_t addr, const char *label,
                   size_t len, int expect_dead);

/* The end record: checks its counts against what was built. */
int lh_snap__end(lh_snap_builder *b, uint64_t nobjects, uint64_t nedges,
                 uint64_t nroots);

/* For resolve.c: reports "out of memory"; adds w to the wide labels and
 * sets *label to point at it. */
int lh_snap__nomem(lh_snap_builder *b);
int lh_snap__wide(lh_snap_builder *b, const lh_wide_label *w, uint32_t *label);

/* For the loader, once the reader is done: stops the thread that maps
 * the pages of growing arrays ahead of the reader (none starts after). */
void lh_snap__prefault_stop(lh_snap_builder *b);

/* Ends a loader thread that waits on cv under mu until *stop is set:
 * sets it, wakes the thread, waits for it to end, destroys mu and cv. */
void lh_snap__thread_end(pthread_t tid, pthread_mutex_t *mu,
                         pthread_cond_t *cv, int *stop);

/* For the loader, once resolved: gives back the slack of geometric
 * growth; frees what the builder kept beside the snapshot. */
void lh_snap__trim(lh_snap_builder *b);
void lh_snap__builder_release(lh_snap_builder *b);

#endif
