/*
 * Private to the snapshot reader: the builder both encodings (read_bin.c,
 * read_json.c) feed record by record, and the packed edge labels. The
 * builder grows every array geometrically and resolves addresses to dense
 * indices only once all objects are known (lh_snap__finish).
 */
#ifndef LUAHEAP_SNAPSHOT_INTERNAL_H
#define LUAHEAP_SNAPSHOT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "luaheap/format.h"
#include "luaheap/snapshot.h"

/*
 * edge_label packing: with LH_LABEL_WIDE set, the low 31 bits index the
 * wide-label side table; otherwise they are the label itself (an index, an
 * integer key, a bool or a dense object index; an upvalue packs its index
 * in bits 24..30 and its name's dense index + 1 in bits 0..23).
 */
#define LH_LABEL_WIDE     0x80000000u
#define LH_LABEL_PAYLOAD  0x7fffffffu
#define LH_MAX_OBJECTS    0x7ffffffeu   /* dense indices fit the payload */
#define LH_MAX_EDGES      0xfffffff0u
#define LH_FAR_TARGET     0x80000000u   /* INT32_MIN: delta did not fit */

typedef struct lh_wide_label {
	union {
		int64_t  i;      /* index, integer key, frame */
		double   d;      /* float key */
		uint64_t ptr;    /* light userdata / C function key */
	} v;
	uint32_t obj;            /* name object (dense) or LH_NONE */
	uint32_t slot;           /* stack slot */
} lh_wide_label;

typedef struct lh_snap_internal {
	uint32_t      *hash;     /* open addressing over dense indices */
	uint32_t       hash_cap;
	lh_wide_label *wide;
	uint32_t       nwide;
	/* A snapshot read from an analysis index: its arrays lie in this
	 * private mapping of the index file (lh_snapshot_free unmaps it and
	 * frees only what lies outside it). */
	char          *map;
	size_t         map_len;
} lh_snap_internal;

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
	uint32_t wide_cap;
	uint32_t big_cap, big_size_cap;  /* big_obj, big_size */
	uint32_t table_weak_cap, table_lnodes_cap, big_len_cap, big_len_str_cap;
	uint32_t text_at_cap, symbols_cap;
	uint32_t open_upvals_cap;
	uint32_t shared_cap;
	uint32_t last_high;      /* addr_high index of the previous object */

	uint32_t strings_cap, tables_cap, funcs_cap, threads_cap, frames_cap,
	         protos_cap, udatas_cap, roots_cap, watches_cap;
	uint64_t *frame_addr;    /* [2 * nframes] func, proto addresses */
	uint64_t *proto_src;     /* [nprotos] source string addresses */
	uint64_t text_cap;
	uint64_t *root_addr;     /* [nroots] */
	uint32_t frame_addr_cap, proto_src_cap, root_addr_cap;
	lh_progress_fn progress;  /* or NULL */
	uint64_t file_size;       /* for progress; UINT64_MAX if unknown */
	void *progress_ctx;
} lh_snap_builder;

/* How many threads loading may use: 2, or 1 when LUAHEAP_THREADS=1 (to
 * check that both give the same snapshot). */
int lh_snap__threads(void);

/* Formats "cannot read snapshot 'PATH': WHAT" into b->err; returns code. */
int lh_snap__fail(lh_snap_builder *b, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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

/* Resolves every address, checks the end-record counts and trims arrays. */
int lh_snap__finish(lh_snap_builder *b, uint64_t nobjects, uint64_t nedges,
                    uint64_t nroots);

/* For a snapshot from an analysis index: NULL when its objects keep the
 * rules the readers enforce (types, address halves, edge offsets), else
 * what breaks them; and the same of its edges (kinds and their source and
 * target types, targets and labels in range, a string field's key edge
 * after it), with nwide wide labels, once the objects are known good. */
const char *lh_snap__objects_ok(const lh_snapshot *snap);
const char *lh_snap__edges_ok(const lh_snapshot *snap, uint32_t nwide);

/* Whether snap's rank blocks agree with its types and per-type record
 * counts (for a snapshot from an analysis index). */
int lh_snap__rank_ok(const lh_snapshot *snap);

/* The two encodings. The binary reader starts right after the magic; size
 * is the file's length in bytes, or UINT64_MAX when unknown. The JSON reader
 * gets the n bytes already read from the file's start in head. */
int lh_snap__read_bin(lh_snap_builder *b, FILE *f, uint64_t size);
int lh_snap__read_json(lh_snap_builder *b, FILE *f, const unsigned char *head, size_t n);

/* CRC-32C (Castagnoli): crc = lh_crc32(crc, p, n), start at 0. Uses the
 * SSE4.2 instruction when the processor has it; lh_crc32_hw(0) forces the
 * table-driven code (for tests). */
void lh_crc32_hw(int on);
uint32_t lh_crc32(uint32_t crc, const void *p, size_t n);

#endif
