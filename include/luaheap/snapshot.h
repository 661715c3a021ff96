/*
 * A loaded snapshot: every object in flat arrays indexed by a dense uint32_t
 * (in the order the file lists them), edges in CSR form, roots and watched
 * objects. Read from either encoding; nothing in it points into the file.
 */
#ifndef LUAHEAP_SNAPSHOT_H
#define LUAHEAP_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include "luaheap/error.h"
#include "luaheap/format.h"

#define LH_NONE UINT32_MAX   /* "no object" in any dense-index field */

typedef struct lh_header {
	uint32_t format_version;
	int      encoding;              /* 0 binary, 1 JSON */
	uint32_t lua_version_num;
	char     lua_release[64];
	uint8_t  pointer_size;
	uint64_t time;
	uint64_t pid;
	char    *label;                 /* NUL-terminated, owned */
	uint8_t  gc_mode;               /* enum lh_gc_mode */
	uint8_t  gc_state;
	uint8_t  gc_was_running;
	uint32_t gc_pause, gc_stepmul, gc_stepsize, gc_genminormul, gc_genmajormul;
	uint64_t lua_total_bytes;
	uint64_t vm_overhead_bytes;
	uint64_t overhead_state;
	uint64_t overhead_strtab;
	uint32_t flags;                 /* LH_FLAG_* */
	uint64_t string_limit;
	uint64_t main_thread;           /* address */
	uint64_t registry;              /* address */
} lh_header;

/* Per-type details, one array per type (strings, tables, funcs for both
 * closure types, threads, protos, udatas) in object order:
 * lh_snapshot_aux(snap, i) is object i's index into the array of its type.
 * Whether an upvalue is open: lh_snapshot_upvalue_open. */
typedef struct lh_string_info {    /* 8 bytes; its bytes: lh_string_bytes */
	uint32_t length;                /* the string's real length, LH_SIZE_BIG
	                                   for 4 GiB or more: lh_string_length */
	uint32_t stored : 31;           /* bytes stored (<= length, < 2 GiB) */
	uint32_t is_long : 1;
} lh_string_info;

typedef struct lh_table_info {     /* weak mode and hash size: table_weak[]
	                                   and lh_table_nodes, apart from the
	                                   record to keep it 12 bytes */
	uint32_t asize;                 /* array size */
	uint32_t array_entries, hash_entries;
} lh_table_info;

typedef struct lh_func_info {           /* Lua and C closures */
	uint32_t nupvalues;
	uint32_t proto;                 /* dense index of the proto, LH_NONE for C */
	uint64_t cfunc;                 /* C function address (C closures) */
	uint32_t symbol;                /* offset in 'symbols' of a NUL-terminated
	                                   symbol name, UINT32_MAX if unknown */
} lh_func_info;

typedef struct lh_frame_info {
	uint32_t func;                  /* dense index, LH_NONE if not an object */
	uint32_t proto;                 /* dense index, LH_NONE for C frames */
	uint32_t line;                  /* current line, 0 unknown */
	uint8_t  is_lua;
} lh_frame_info;

typedef struct lh_thread_info {
	uint8_t  status;                /* enum lh_thread_status */
	uint32_t stack_slots, nci;
	uint32_t frame_first, frame_count;  /* range in lh_snapshot.frames */
} lh_thread_info;

typedef struct lh_proto_info {
	uint32_t linedefined, lastlinedefined;
	uint8_t  numparams, is_vararg, maxstacksize;
	uint32_t sizecode;
	uint32_t source;                /* dense index of the source string or LH_NONE */
} lh_proto_info;

typedef struct lh_udata_info {
	uint64_t length;
	uint32_t nuvalue;
} lh_udata_info;

/* A decoded edge label (see lh_edge_kind in format.h for which is set). */
typedef struct lh_label {
	uint8_t  kind;                  /* enum lh_edge_kind */
	uint8_t  flags;                 /* LH_EDGE_WEAK, LH_EDGE_EPHEMERON */
	int64_t  i;                     /* index, integer key, bool, frame */
	double   d;                     /* float key */
	uint64_t ptr;                   /* light userdata / C function key */
	uint32_t obj;                   /* key or name object (dense), or LH_NONE */
	uint32_t slot;                  /* stack slot (LH_E_STACK) */
} lh_label;

typedef struct lh_root {
	uint8_t  kind;                  /* enum lh_root_kind */
	uint32_t target;                /* dense index */
	uint32_t index;
} lh_root;

typedef struct lh_watch {
	uint32_t target;                /* dense index, LH_NONE if not in the snapshot */
	uint64_t addr;
	char    *label;                 /* owned */
	uint8_t  expect_dead;
} lh_watch;

typedef struct lh_snapshot {
	char     *path;                 /* as given to lh_snapshot_load, owned */
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
} lh_snapshot;

#define LH_RANK_BLOCK 64
#define LH_TEXT_STEP 16
#define LH_RANK_KINDS 6

/* The address of object v. */
static inline uint64_t lh_snapshot_addr(const lh_snapshot *snap, uint32_t v)
{
	return snap->addr64 != NULL ? snap->addr64[v] :
		(uint64_t)snap->addr_high[snap->addr_hi[v]] << 32 | snap->addr_lo[v];
}

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

/* Object v's per-type record, or NULL when v is not of that type. */
const lh_string_info *lh_snapshot_string_info(const lh_snapshot *snap, uint32_t v);
const lh_table_info *lh_snapshot_table_info(const lh_snapshot *snap, uint32_t v);
const lh_func_info *lh_snapshot_func_info(const lh_snapshot *snap, uint32_t v);
const lh_thread_info *lh_snapshot_thread_info(const lh_snapshot *snap, uint32_t v);
const lh_proto_info *lh_snapshot_proto_info(const lh_snapshot *snap, uint32_t v);
const lh_udata_info *lh_snapshot_udata_info(const lh_snapshot *snap, uint32_t v);

/* Whether object v is an open upvalue (a variable of a running function). */
int lh_snapshot_upvalue_open(const lh_snapshot *snap, uint32_t v);

/* Whether object v is shared between states (a fork's shared objects): no
 * state's own memory, never a state's leak. */
int lh_snapshot_shared(const lh_snapshot *snap, uint32_t v);

/* size[] holds this for an object whose size does not fit 32 bits (the
 * real size is in big_size): 4 bytes per object instead of 8. */
#define LH_SIZE_BIG UINT32_MAX

/* The size of an object listed in big_obj (0 if it is not). */
uint64_t lh_snapshot__big_size(const lh_snapshot *snap, uint32_t v);

/* Bytes the collector accounts for object v. */
static inline uint64_t lh_snapshot_size(const lh_snapshot *snap, uint32_t v)
{
	return snap->size[v] != LH_SIZE_BIG ? snap->size[v] :
		lh_snapshot__big_size(snap, v);
}

/*
 * Reads and validates the snapshot at 'path' (binary or JSON, detected from
 * its first bytes). On success *out is a snapshot the caller frees with
 * lh_snapshot_free. On failure returns LH_EIO, LH_EFORMAT, LH_EVERSION or
 * LH_ENOMEM with err->msg like "cannot read snapshot 'F': truncated frame".
 */
int lh_snapshot_load(lh_snapshot **out, const char *path, lh_error *err);

/* Told now and then while a snapshot loads: 'done' bytes of 'total' read
 * (total is 0 when the size is unknown, as for a pipe). */
typedef void (*lh_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* lh_snapshot_load, calling progress(ctx, ...) after each chunk it reads. */
int lh_snapshot_load_progress(lh_snapshot **out, const char *path,
                              lh_progress_fn progress, void *ctx, lh_error *err);

/*
 * Like lh_snapshot_load, from the len bytes at data (not copied, not kept);
 * 'name' stands for the path in messages and in snap->path.
 */
int lh_snapshot_load_mem(lh_snapshot **out, const char *name, const void *data,
                         size_t len, lh_error *err);

/* Frees everything the snapshot owns. lh_snapshot_free(NULL) does nothing. */
void lh_snapshot_free(lh_snapshot *snap);

/* Dense index of the object at address addr, or LH_NONE. The first call
 * builds an address index inside the snapshot (about 6 bytes per object;
 * not thread-safe), which the loader drops to leave memory to analyses. */
uint32_t lh_snapshot_find(const lh_snapshot *snap, uint64_t addr);

/* lh_snapshot_find of each of addr[0..n) into out[0..n), faster: lookups
 * in batches whose memory is fetched ahead. */
void lh_snapshot_find_many(const lh_snapshot *snap, const uint64_t *addr,
                           uint32_t n, uint32_t *out);

/* Decodes edge e's kind, flags and label into *out. */
void lh_snapshot_label(const lh_snapshot *snap, uint32_t e, lh_label *out);

/* The stored bytes of string object i (not NUL-terminated); *len gets the
 * stored length. NULL if i is not a string. */
const char *lh_snapshot_string(const lh_snapshot *snap, uint32_t i, size_t *len);

/* Position of key in the increasing array arr[0..n), or LH_NONE. */
uint32_t lh_sorted_find(const uint32_t *arr, uint32_t n, uint32_t key);

/* Type name of type code t ("table", ...). */
const char *lh_type_name(int t);

#endif
