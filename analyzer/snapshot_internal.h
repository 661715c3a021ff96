/*
 * Private to the analyzer: how a snapshot is stored (flat arrays, CSR
 * edges, packed addresses, sizes and labels) and the fast inline accessors
 * the analyzer's own loops use. The builder that fills it is builder.h.
 */
#ifndef LUAHEAP_SNAPSHOT_INTERNAL_H
#define LUAHEAP_SNAPSHOT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "luaheap/format.h"
#include "luaheap/snapshot.h"
#include "arena_int.h"

struct lh_snapshot {
	char     *path;                 /* as given to the loader, owned */
	lh_header hdr;

	uint32_t  nobj;
	/* The object's address (its id): read it with lh_snapshot_addr. Most
	 * heaps span a few 4 GiB regions, so an address is stored as its low
	 * half and the index of its high half in addr_high (5 bytes, not 8);
	 * a heap with more than 256 high halves has them all in addr64. */
	uint32_t *addr_lo;              /* [nobj] */
	uint8_t  *addr_hi;              /* [nobj] index into addr_high */
	uint32_t  addr_high[256];
	uint32_t  naddr_high;
	uint64_t *addr64;               /* [nobj] or NULL */
	uint32_t *size;                 /* [nobj] bytes the collector accounts,
	                                   LH_SIZE_BIG for 4 GiB or more: read
	                                   sizes with lh_snapshot_size */
	uint8_t  *type;                 /* [nobj] enum lh_type */
	uint8_t  *list;                 /* [nobj] enum lh_list */
	uint8_t  *marked;               /* [nobj] raw 'marked' byte */
	/* For lh_snapshot_aux: for every LH_RANK_BLOCK objects, how many of
	 * each kind (LH_RANK_KINDS: strings, tables, functions, userdata,
	 * threads, protos) come before them. 0.4 bytes per object instead of
	 * a 4-byte index. */
	uint32_t *rank;                 /* [(nobj / LH_RANK_BLOCK + 1) * LH_RANK_KINDS] */
	uint32_t *open_upvals;          /* [nopen_upvals] open upvalues, increasing */
	uint32_t  nopen_upvals;

	/* Edges, CSR: object i's edges are [edge_off[i], edge_off[i+1]).
	 * A string-keyed field (LH_E_FIELD_STR) also references its key: the
	 * reader adds that reference as an LH_E_KEY edge right after it. */
	uint32_t  nedge;
	uint32_t *edge_off;             /* [nobj+1] */
	uint32_t *edge_to;              /* [nedge] dense target */
	uint8_t  *edge_kind;            /* [nedge] kind | LH_EDGE_* flags */
	uint32_t *edge_label;           /* [nedge] packed; use lh_snapshot_label */

	lh_string_info *strings;  uint32_t nstrings;
	lh_table_info  *tables;   uint32_t ntables;
	uint8_t        *table_weak;     /* [ntables] enum lh_weak */
	uint8_t        *table_lnodes;   /* [ntables] log2(hash nodes) + 1, 0 for
	                                   no hash part: use lh_table_nodes */
	lh_func_info   *funcs;    uint32_t nfuncs;
	lh_thread_info *threads;  uint32_t nthreads;
	lh_frame_info  *frames;   uint32_t nframes;
	lh_proto_info  *protos;   uint32_t nprotos;
	lh_udata_info  *udatas;   uint32_t nudatas;

	/* The stored bytes of every string, one after the other in string
	 * order; text_at[k] is where string k * LH_TEXT_STEP starts, the
	 * others follow their predecessors (lh_string_bytes). */
	char     *text;
	uint64_t  text_len;
	uint64_t *text_at;              /* [nstrings / LH_TEXT_STEP + 1] */
	char     *symbols;              /* C function names, each NUL-terminated */
	uint32_t  symbols_len;

	lh_root  *roots;    uint32_t nroots;
	lh_watch *watches;  uint32_t nwatches;

	uint32_t  main_thread;          /* dense index, or LH_NONE */
	uint32_t  registry;             /* dense index, or LH_NONE */

	/* Strings of 4 GiB or more: their index in 'strings', increasing,
	 * and their length. */
	uint32_t  nbig_len;
	uint32_t *big_len_str;          /* [nbig_len] */
	uint64_t *big_len;              /* [nbig_len] */

	/* The objects of LH_SIZE_BIG bytes or more, by increasing index. */
	uint32_t  nbig;
	uint32_t *big_obj;              /* [nbig] dense index */
	uint64_t *big_size;             /* [nbig] its size */

	void     *internal;             /* reader-private (address index, labels) */

	/* Objects shared between states (LH_OBJ_SHARED), by increasing
	 * index: use lh_snapshot_shared. */
	uint32_t *shared;               /* [nshared] */
	uint32_t  nshared;
};

#define LH_RANK_BLOCK 64
#define LH_TEXT_STEP 16
#define LH_RANK_KINDS 6

/* size[] holds this for an object whose size does not fit 32 bits (the
 * real size is in big_size): 4 bytes per object instead of 8; the same in
 * a string record's length (the real one in big_len). */
#define LH_SIZE_BIG UINT32_MAX

/* The size of an object listed in big_obj (0 if it is not). */
uint64_t lh_snapshot__big_size(const lh_snapshot *snap, uint32_t v);

/* lh_snapshot_addr and lh_snapshot_size, inline: inside the analyzer the
 * public names stand for these (snapshot.c defines the functions). */
static inline uint64_t lh_snap__addr(const lh_snapshot *snap, uint32_t v)
{
	return snap->addr64 != NULL ? snap->addr64[v] :
		(uint64_t)snap->addr_high[snap->addr_hi[v]] << 32 | snap->addr_lo[v];
}

static inline uint64_t lh_snap__size(const lh_snapshot *snap, uint32_t v)
{
	return snap->size[v] != LH_SIZE_BIG ? snap->size[v] :
		lh_snapshot__big_size(snap, v);
}

#define lh_snapshot_addr(snap, v) lh_snap__addr((snap), (v))
#define lh_snapshot_size(snap, v) lh_snap__size((snap), (v))

/* Object v's index into the array of its type (strings, tables, funcs,
 * udatas, threads or protos): how many objects of that type (for funcs,
 * of both closure types) come before it. LH_NONE for an upvalue or an
 * index out of range. */
uint32_t lh_snapshot_aux(const lh_snapshot *snap, uint32_t v);

/* The real length of the string whose record is si. */
uint64_t lh_string_length(const lh_snapshot *snap, const lh_string_info *si);

/* The si->stored bytes kept of the string whose record is si (not
 * NUL-terminated). */
const char *lh_string_bytes(const lh_snapshot *snap, const lh_string_info *si);

/* Hash nodes of table number ti (an index into 'tables'); 0: none. The
 * node count is a power of two (the reader checks). */
static inline uint32_t lh_table_nodes(const lh_snapshot *snap, uint32_t ti)
{
	return snap->table_lnodes[ti] ? 1u << (snap->table_lnodes[ti] - 1) : 0;
}

/* Position of key in the increasing array arr[0..n), or LH_NONE. */
uint32_t lh_sorted_find(const uint32_t *arr, uint32_t n, uint32_t key);

/*
 * edge_label packing: with LH_LABEL_WIDE set, the low 31 bits index the
 * wide-label side table; otherwise they are the label itself (an index, an
 * integer key, a bool or a dense object index; an upvalue packs its index
 * in bits 24..30 and its name's dense index + 1 in bits 0..23).
 */
#define LH_LABEL_WIDE     0x80000000u
#define LH_LABEL_PAYLOAD  0x7fffffffu
#define LH_MAX_OBJECTS    0x7ffffffeu   /* dense indices fit the payload */

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
	uint32_t      *hash;     /* open addressing: dense index + 1, 0 empty */
	uint32_t       hash_cap;
	lh_wide_label *wide;
	uint32_t       nwide;
	/* A snapshot read from an analysis index: its arrays lie in this
	 * private mapping of the index file (lh_snapshot_free unmaps it and
	 * frees only what lies outside it). */
	char          *map;
	size_t         map_len;
	/* A snapshot read while its index is written: its big arrays lie in
	 * the index file's pages (arena_int.h; NULL when on the heap). */
	lh_arena      *arena;
} lh_snap_internal;

/* lh_snapshot_load_progress, the big arrays the index stores taken from
 * arena (may be NULL: the heap), which the snapshot then holds a
 * reference to. */
int lh_snap__load(lh_snapshot **out, const char *path, lh_progress_fn progress,
                  void *ctx, lh_arena *arena, lh_error *err);

/* How many threads loading may use: 2, or 1 when LUAHEAP_THREADS=1 (to
 * check that both give the same snapshot). */
int lh_snap__threads(void);

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

/* For every LH_RANK_BLOCK objects, how many of each rank kind come
 * before them: stored into rank, or with 'check' compared with it (0 at
 * the first difference). cnt gets the totals. */
int lh_snap__rank_walk(const lh_snapshot *snap, uint32_t *rank, int check,
                       uint32_t cnt[LH_RANK_KINDS]);

/* CRC-32C (Castagnoli): crc = lh_crc32(crc, p, n), start at 0. Uses the
 * SSE4.2 instruction when the processor has it; lh_crc32_hw(0) forces the
 * table-driven code (for tests). */
void lh_crc32_hw(int on);
uint32_t lh_crc32(uint32_t crc, const void *p, size_t n);

#endif
