/*
 * A loaded snapshot, read from either encoding: every object a dense index
 * (in the order the file lists them), its edges, the roots and the watched
 * objects, read through accessors. Nothing in it points into the file; how
 * it is stored is private to the analyzer (analyzer/snapshot_internal.h).
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

/* Per-type details of an object, as the accessors below give them
 * (lh_snapshot_string_info, ...). Whether an upvalue is open:
 * lh_snapshot_upvalue_open. */
typedef struct lh_string_info {    /* its bytes: lh_snapshot_string */
	uint32_t length;                /* the string's real length, capped at
	                                   UINT32_MAX: lh_snapshot_string_length
	                                   gives it whole */
	uint32_t stored : 31;           /* bytes stored (<= length, < 2 GiB) */
	uint32_t is_long : 1;
} lh_string_info;

typedef struct lh_table_info {     /* weak mode and hash size:
	                                   lh_snapshot_table_weak, _nodes */
	uint32_t asize;                 /* array size */
	uint32_t array_entries, hash_entries;
} lh_table_info;

typedef struct lh_func_info {           /* Lua and C closures */
	uint32_t nupvalues;
	uint32_t proto;                 /* dense index of the proto, LH_NONE for C */
	uint64_t cfunc;                 /* C function address (C closures) */
	uint32_t symbol;                /* its name: lh_snapshot_symbol;
	                                   UINT32_MAX if unknown */
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
	uint32_t frame_first, frame_count;  /* lh_snapshot_frame(snap, k) for
	                                       k in that range */
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
	char    *label;                 /* owned by the snapshot */
	uint8_t  expect_dead;
} lh_watch;

/* A loaded snapshot (opaque). Objects are dense indices 0..count-1 in
 * file order, edges dense indices 0..edge_count-1, each object's edges
 * one run of them. */
typedef struct lh_snapshot lh_snapshot;

/* The path given to the loader (or the name given to lh_snapshot_load_mem). */
const char *lh_snapshot_path(const lh_snapshot *snap);

/* The header record as read from the file. */
const lh_header *lh_snapshot_header(const lh_snapshot *snap);

/* Header field 'field' (enum lh_header_field) as the format codes it
 * (lh_header_specs[field].code): a number in out->u, or for a string its
 * bytes in out->s and out->len (the label "" when there is none). */
void lh_snapshot_header_value(const lh_snapshot *snap, int field,
	lh_value *out);

/* How many objects, edges (the implicit key edges of string-keyed fields
 * included), roots and watched objects the snapshot holds. */
uint32_t lh_snapshot_count(const lh_snapshot *snap);
uint32_t lh_snapshot_edge_count(const lh_snapshot *snap);
uint32_t lh_snapshot_root_count(const lh_snapshot *snap);
uint32_t lh_snapshot_watch_count(const lh_snapshot *snap);

/* Root i, watched object i; NULL when i is out of range. */
const lh_root *lh_snapshot_root(const lh_snapshot *snap, uint32_t i);
const lh_watch *lh_snapshot_watch(const lh_snapshot *snap, uint32_t i);

/* Dense index of the main thread, of the registry; LH_NONE if absent. */
uint32_t lh_snapshot_main_thread(const lh_snapshot *snap);
uint32_t lh_snapshot_registry(const lh_snapshot *snap);

/* Object v (< lh_snapshot_count): its address, the bytes the collector
 * accounts for it, its type (enum lh_type), the collector list it was on
 * (enum lh_list, without LH_OBJ_SHARED: lh_snapshot_shared) and its raw
 * 'marked' byte. */
uint64_t lh_snapshot_addr(const lh_snapshot *snap, uint32_t v);
uint64_t lh_snapshot_size(const lh_snapshot *snap, uint32_t v);
int lh_snapshot_type(const lh_snapshot *snap, uint32_t v);
int lh_snapshot_list(const lh_snapshot *snap, uint32_t v);
int lh_snapshot_marked(const lh_snapshot *snap, uint32_t v);

/* Object v's edges are e in [*first, *end). */
void lh_snapshot_edges(const lh_snapshot *snap, uint32_t v, uint32_t *first,
                       uint32_t *end);

/* Edge e's target (dense index) and its kind byte: enum lh_edge_kind
 * with the LH_EDGE_WEAK and LH_EDGE_EPHEMERON flags (mask with
 * LH_EDGE_KIND_MASK). Its label: lh_snapshot_label. */
uint32_t lh_snapshot_edge_target(const lh_snapshot *snap, uint32_t e);
int lh_snapshot_edge_kind(const lh_snapshot *snap, uint32_t e);

/* Object v's per-type record, or NULL when v is not of that type. */
const lh_string_info *lh_snapshot_string_info(const lh_snapshot *snap, uint32_t v);
const lh_table_info *lh_snapshot_table_info(const lh_snapshot *snap, uint32_t v);
const lh_func_info *lh_snapshot_func_info(const lh_snapshot *snap, uint32_t v);
const lh_thread_info *lh_snapshot_thread_info(const lh_snapshot *snap, uint32_t v);
const lh_proto_info *lh_snapshot_proto_info(const lh_snapshot *snap, uint32_t v);
const lh_udata_info *lh_snapshot_udata_info(const lh_snapshot *snap, uint32_t v);

/* The real length of string object v (0 if v is not a string). */
uint64_t lh_snapshot_string_length(const lh_snapshot *snap, uint32_t v);

/* Table v's weak mode (enum lh_weak) and hash node count (0: none, else
 * a power of two); LH_WEAK_NONE and 0 when v is not a table. */
int lh_snapshot_table_weak(const lh_snapshot *snap, uint32_t v);
uint32_t lh_snapshot_table_nodes(const lh_snapshot *snap, uint32_t v);

/* Frame k of a thread (k in its lh_thread_info frame range), innermost
 * first; NULL when k is out of range. */
const lh_frame_info *lh_snapshot_frame(const lh_snapshot *snap, uint32_t k);

/* The symbol name of C closure v, NULL when unknown or v is none. */
const char *lh_snapshot_symbol(const lh_snapshot *snap, uint32_t v);

/* Whether object v is an open upvalue (a variable of a running function). */
int lh_snapshot_upvalue_open(const lh_snapshot *snap, uint32_t v);

/* Whether object v is shared between states (a fork's shared objects): no
 * state's own memory, never a state's leak. */
int lh_snapshot_shared(const lh_snapshot *snap, uint32_t v);

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
 * 'name' stands for the path in messages and lh_snapshot_path.
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

/* Type name of type code t ("table", ...). */
const char *lh_type_name(int t);

#endif
