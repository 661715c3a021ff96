/*
 * The luaheap snapshot format: one definition for the dumper (writer) and the
 * analyzer (reader). Binary layout, record tags, type codes, edge kinds and
 * the JSON names of each. The header fields and each edge kind's label are
 * data (lh_header_specs, lh_edge_specs at the end) that the encoders and
 * readers follow; man/luaheap-snapshot.5 is the prose version.
 */
#ifndef LUAHEAP_FORMAT_H
#define LUAHEAP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Binary encoding
 * ---------------
 * file    := magic[8] version:u16le reserved:u16le frame* endframe
 * frame   := len:u32le (1..LH_FRAME_MAX) payload[len] crc:u32le
 *            (crc is CRC-32C, Castagnoli, of payload: reflected
 *            polynomial 0x82F63B78, check value 0xE3069283 for "123456789")
 * endframe:= 0:u32le streamcrc:u32le   (CRC-32C of all payloads concatenated)
 * Nothing may follow the end frame.
 *
 * The payloads, concatenated, form the record stream. Records may span
 * frames. Integers in the record stream are LEB128 varints ("uv"), signed
 * ones zigzag-coded ("sv"); a "str" is uv length + bytes; "f64" is an
 * IEEE-754 double, 8 bytes little-endian.
 *
 * stream  := header-record object-record* root-record* watch-record* end-record
 *
 * header-record (LH_REC_HEADER), the fields of lh_header_specs in order:
 *   uv  lua_version_num      (504 for 5.4)
 *   str lua_release          ("Lua 5.4.4")
 *   u8  pointer_size
 *   uv  time                 (seconds since the epoch)
 *   uv  pid
 *   str label
 *   u8  gc_mode              (LH_GC_INCREMENTAL / LH_GC_GENERATIONAL)
 *   u8  gc_state             (the collector's 'gcstate' when walked)
 *   u8  gc_was_running       (1 if the collector was running before the dump)
 *   uv  gc_pause, gc_stepmul, gc_stepsize, gc_genminormul, gc_genmajormul
 *   uv  lua_total_bytes      (Lua's own count, as collectgarbage("count")*1024)
 *   uv  vm_overhead_bytes    (bytes not owned by any object)
 *   uv  overhead_state       (the global state beside the main thread; the
 *                             main thread itself is an object, LH_LIST_MAIN)
 *   uv  overhead_strtab      (the string table's bucket array)
 *   uv  flags                (LH_FLAG_*)
 *   uv  string_limit         (bytes kept per string with LH_FLAG_STRINGS_CUT;
 *                             0 otherwise: all, or none with ..._NONE)
 *   uv  main_thread          (address of the main thread)
 *   uv  registry             (address of the registry table)
 *
 * object-record (tag = LH_REC_OBJECT):
 *   u8  type                 (LH_T_*)
 *   u8  list                 (LH_LIST_*: which collector list it was on,
 *                             | LH_OBJ_SHARED for an object shared between
 *                             states)
 *   u8  marked               (the collector's raw 'marked' byte; age = marked & 7)
 *   sv  id delta             (address minus the previous object's address;
 *                             the first object's delta is from 0)
 *   uv  size                 (bytes the collector would free with it)
 *   ... per-type fields (below)
 *   edge* 0                  (edges end with a zero kind byte)
 *   ... per-type trailer (below)
 *
 * edge := u8 kind|flags, sv target delta, label
 *   target delta is from the previous edge's target of this object, the
 *   first from the object's own address. The label depends on the kind
 *   (lh_edge_specs lists its fields). Flags: LH_EDGE_WEAK, LH_EDGE_EPHEMERON.
 *
 * per-type fields:
 *   string   u8 is_long, uv length, uv stored (<= length, < 2^31), bytes[stored]
 *   table    uv array_size, uv node_count (a power of two <= 2^31, or 0 when
 *            the hash part is the dummy),
 *            u8 weak (LH_WEAK_*)
 *            trailer: uv array_entries, uv hash_entries (non-nil values)
 *   lfunc    uv nupvalues
 *   cfunc    uv nupvalues, uv function address, str symbol ("" unknown)
 *   userdata uv byte length, uv nuvalue
 *   thread   u8 status (LH_THREAD_*), uv stack_slots (allocated, without
 *            EXTRA_STACK), uv nci (CallInfos allocated beyond the base one),
 *            uv frame_count (innermost first; the last is the thread's base
 *            C frame), then frame_count times:
 *              uv function address (0 if not an object), uv currentline
 *              (0 unknown), u8 is_lua, uv proto address (0 for C)
 *   proto    uv linedefined, uv lastlinedefined, u8 numparams,
 *            u8 is_vararg, u8 maxstacksize, uv sizecode, uv source
 *            address (0 none)
 *   upvalue  u8 is_open
 *
 * root-record (LH_REC_ROOT): u8 kind (LH_ROOT_*), uv address, uv index
 * watch-record (LH_REC_WATCH): uv address, str label, u8 expect_dead
 * end-record (LH_REC_END): uv object_count, uv edge_count, uv root_count
 *
 * JSON encoding
 * -------------
 * One object, written as a stream by the dumper:
 *   {"format":"luaheap-snapshot","version":1,"header":{...},
 *    "objects":[{...},...],"roots":[{...},...],"watch":[{...},...],
 *    "counts":{"objects":N,"edges":M,"roots":R}}
 * Addresses are strings "0x" + lowercase hex; other integers are JSON
 * numbers; type, list, weak, status and kind values are the names in the
 * tables at the end of this file. String bytes (text, label, symbol) are
 * written as Latin-1 code points: every byte >= 0x80 or < 0x20, and '"' and
 * '\', is escaped (\u00XX), so a reader maps each code point back to a byte.
 *   header: the header-record fields under the same names, with
 *     "gc_mode":"incremental"|"generational", "gc_was_running":bool,
 *     "main_thread" and "registry" as addresses (null for 0).
 *   object: "id","type","list","marked","size", "shared":true only when
 *     LH_OBJ_SHARED is set, then per type
 *     string   "long":bool,"length","stored","text"
 *     table    "asize","nodes","weak":""|"k"|"v"|"kv","array_entries",
 *              "hash_entries"
 *     function "nupvalues"
 *     cfunction "nupvalues","cfunc":address,"symbol"
 *     userdata "length","nuvalue"
 *     thread   "status","stack_slots","nci","frames":[{"func":address|null,
 *              "line","lua":bool,"proto":address|null},...]
 *     proto    "linedefined","lastlinedefined","numparams","vararg":bool,
 *              "maxstacksize","sizecode","source":address|null
 *     upvalue  "open":bool
 *   and "edges":[...], each {"kind":name,"to":address, label fields,
 *   "weak":true and "ephemeron":true only when set}; label fields by kind
 *   (the names in lh_edge_specs):
 *     array "index"; field "key":address; ifield "key":"decimal string";
 *     nfield "key":number (or "inf","-inf","nan" strings); bfield "key":bool;
 *     ofield, lfield "key":address; upvalue "index","name":address|null;
 *     constant, child, debugname, uservalue "index";
 *     stack "frame","slot","name":address|null; the others none.
 *   root: {"kind":name,"to":address,"index":N}
 *   watch: {"id":address,"label":string,"expect_dead":bool}
 */

#define LH_MAGIC            "\x89LHSNAP\n"
#define LH_MAGIC_LEN        8
#define LH_FORMAT_VERSION   1
#define LH_FRAME_MAX        (1u << 20)   /* largest frame payload */
#define LH_STORED_MAX       0x7fffffffu  /* most bytes of one string stored;
                                            the dumper keeps the start of
                                            longer ones */
#define LH_JSON_FORMAT_NAME "luaheap-snapshot"

enum lh_record {
	LH_REC_HEADER = 1,
	LH_REC_OBJECT = 2,
	LH_REC_ROOT   = 3,
	LH_REC_WATCH  = 4,
	LH_REC_END    = 5
};

/* Object types. */
enum lh_type {
	LH_T_STRING   = 1,
	LH_T_TABLE    = 2,
	LH_T_LFUNC    = 3,   /* Lua closure */
	LH_T_CFUNC    = 4,   /* C closure (light C functions are not objects) */
	LH_T_USERDATA = 5,   /* full userdata */
	LH_T_THREAD   = 6,
	LH_T_PROTO    = 7,   /* function prototype */
	LH_T_UPVALUE  = 8,
	LH_T_COUNT    = 9
};

/* Which collector list the object was found on. */
enum lh_list {
	LH_LIST_ALLGC   = 0,
	LH_LIST_FINOBJ  = 1,  /* has a finalizer, not yet due */
	LH_LIST_TOBEFNZ = 2,  /* unreachable, finalizer pending (a root) */
	LH_LIST_FIXED   = 3,  /* never collected (reserved words, ...) */
	LH_LIST_MAIN    = 4,  /* the main thread, owned by the global state */
	LH_LIST_SHARED  = 5,  /* on no list of this state: another state's
	                         object shared with it (always LH_OBJ_SHARED) */
	LH_LIST_COUNT   = 6
};

/*
 * In the list byte: the object is shared between states (a fork's shared
 * objects, such as skynet's lua_sharestring/lua_sharefunction/sharetable):
 * no state's own memory, never collected while shared. On this state's
 * lists they are in lua_total_bytes; with LH_LIST_SHARED they are not.
 */
#define LH_OBJ_SHARED 0x80

/* Weak mode of a table (its metatable's __mode). */
enum lh_weak {
	LH_WEAK_NONE = 0,
	LH_WEAK_KEYS = 1,    /* ephemeron table */
	LH_WEAK_VALUES = 2,
	LH_WEAK_BOTH = 3
};

/* Thread status, as coroutine.status would say (from the dumping thread). */
enum lh_thread_status {
	LH_THREAD_RUNNING = 0,
	LH_THREAD_SUSPENDED = 1,
	LH_THREAD_NORMAL = 2,
	LH_THREAD_DEAD = 3
};

/*
 * Edge kinds and their labels. Low 6 bits of the kind byte; a kind byte of 0
 * ends an object's edge list.
 */
enum lh_edge_kind {
	LH_E_ARRAY     = 1,  /* array part slot          label: uv index (1-based) */
	LH_E_FIELD_STR = 2,  /* hash value, string key   label: uv key string address
	                        (the table also references the key: readers add
	                        that reference themselves; no LH_E_KEY is written) */
	LH_E_FIELD_INT = 3,  /* hash value, integer key  label: sv key */
	LH_E_FIELD_NUM = 4,  /* hash value, float key    label: f64 key */
	LH_E_FIELD_BOOL = 5, /* hash value, boolean key  label: u8 key */
	LH_E_FIELD_OBJ = 6,  /* hash value, object key   label: uv key address */
	LH_E_FIELD_LIGHT = 7,/* hash value, light userdata or light C function key
	                        label: uv pointer value */
	LH_E_KEY       = 8,  /* non-string object key    label: none
	                        (also a string key whose value is not an
	                        object: no FIELD_STR edge carries it then) */
	LH_E_METATABLE = 9,  /* table/userdata -> metatable   label: none */
	LH_E_UPVALUE   = 10, /* closure -> upvalue        label: uv index (1-based),
	                        uv name string address (0 unknown). Lua closures
	                        point at the upvalue object, C closures at the value */
	LH_E_UPVAL_VALUE = 11, /* upvalue object -> its value  label: none */
	LH_E_PROTO     = 12, /* Lua closure -> proto      label: none */
	LH_E_CONSTANT  = 13, /* proto -> constant         label: uv index (1-based) */
	LH_E_CHILD     = 14, /* proto -> nested proto     label: uv index (1-based) */
	LH_E_SOURCE    = 15, /* proto -> source string    label: none */
	LH_E_DEBUG_NAME = 16,/* proto -> upvalue or local name  label: uv index
	                        (1..sizeupvalues: upvalue names, then the
	                        locals in 'locvars' order) */
	LH_E_USER_VALUE = 17,/* userdata -> user value    label: uv index (1-based) */
	LH_E_STACK     = 18, /* thread -> stack slot value
	                        label: uv frame (0 innermost), uv slot (0 is the
	                        frame's function, 1.. its locals and temporaries),
	                        uv local name string address (0 none) */
	LH_E_OPEN_UPVAL = 19,/* thread -> its open upvalue (strong: the
	                        collector marks a thread's open upvalues) label: none */
	LH_E_ENV       = 20, /* reserved */
	LH_E_COUNT     = 21
};

#define LH_EDGE_KIND_MASK  0x3f
#define LH_EDGE_WEAK       0x40  /* does not keep the target alive */
#define LH_EDGE_EPHEMERON  0x80  /* value kept alive by its key (weak-key table) */

/* Roots: what the collector marks first. */
enum lh_root_kind {
	LH_ROOT_REGISTRY = 1,     /* index 0 */
	LH_ROOT_MAIN_THREAD = 2,  /* index 0 */
	LH_ROOT_TYPE_MT = 3,      /* index: the basic type's tag (LUA_T*) */
	LH_ROOT_FINALIZER = 4,    /* object awaiting its finalizer; index 0 */
	LH_ROOT_COUNT = 5
};

/* Header flags. */
#define LH_FLAG_COLLECTED     0x1  /* a full collection ran just before */
#define LH_FLAG_STRINGS_NONE  0x2  /* no string contents recorded */
#define LH_FLAG_STRINGS_CUT   0x4  /* contents cut at string_limit bytes */
#define LH_FLAG_GARBAGE       0x8  /* may hold unreachable objects (no collect) */
#define LH_FLAG_STRINGS_KEYS  0x10 /* only name-like strings' contents kept */

enum lh_gc_mode { LH_GC_INCREMENTAL = 0, LH_GC_GENERATIONAL = 1 };

/* Names used in JSON and reports, indexed by the enums above. */
static const char *const lh_type_names[LH_T_COUNT] = {
	"?", "string", "table", "function", "cfunction", "userdata", "thread",
	"proto", "upvalue"
};
static const char *const lh_list_names[LH_LIST_COUNT] = {
	"allgc", "finobj", "tobefnz", "fixed", "main", "shared"
};
static const char *const lh_weak_names[4] = { "", "k", "v", "kv" };
static const char *const lh_thread_status_names[4] = {
	"running", "suspended", "normal", "dead"
};
static const char *const lh_edge_kind_names[LH_E_COUNT] = {
	"end", "array", "field", "ifield", "nfield", "bfield", "ofield", "lfield",
	"key", "metatable", "upvalue", "value", "proto", "constant", "child",
	"source", "debugname", "uservalue", "stack", "openupval", "env"
};
static const char *const lh_root_kind_names[LH_ROOT_COUNT] = {
	"?", "registry", "mainthread", "typemt", "finalizer"
};
static const char *const lh_gc_mode_names[2] = {
	"incremental", "generational"
};

/* The header flags' names, in the order reports list them. */
#define LH_NFLAGS 5
static const struct lh_flag_name {
	unsigned bit;
	const char *name;
} lh_flag_names[LH_NFLAGS] = {
	{ LH_FLAG_COLLECTED, "collected" },
	{ LH_FLAG_STRINGS_NONE, "strings-none" },
	{ LH_FLAG_STRINGS_CUT, "strings-cut" },
	{ LH_FLAG_STRINGS_KEYS, "strings-keys" },
	{ LH_FLAG_GARBAGE, "garbage" },
};

/*
 * How one value is coded, in the header record and in edge labels: its
 * binary form and its JSON form.
 */
enum lh_code {
	LH_C_UV = 1,   /* uv; JSON number */
	LH_C_U8,       /* u8; JSON number */
	LH_C_BOOL,     /* u8 0 or 1; JSON true/false */
	LH_C_STR,      /* str; JSON string of Latin-1 code points */
	LH_C_ADDR,     /* uv address; JSON "0x..." */
	LH_C_NAME,     /* uv address, 0 none; JSON "0x..." or null */
	LH_C_INT,      /* sv; JSON decimal string ("-3") */
	LH_C_FLOAT,    /* f64; JSON number, or "inf", "-inf", "nan" */
	LH_C_GC_MODE   /* u8 lh_gc_mode; JSON lh_gc_mode_names */
};

/* ---- The header record, as data ---- */

/* Its fields, in record (and JSON) order. */
enum lh_header_field {
	LH_H_LUA_VERSION_NUM, LH_H_LUA_RELEASE, LH_H_POINTER_SIZE, LH_H_TIME,
	LH_H_PID, LH_H_LABEL, LH_H_GC_MODE, LH_H_GC_STATE, LH_H_GC_WAS_RUNNING,
	LH_H_GC_PAUSE, LH_H_GC_STEPMUL, LH_H_GC_STEPSIZE, LH_H_GC_GENMINORMUL,
	LH_H_GC_GENMAJORMUL, LH_H_LUA_TOTAL_BYTES, LH_H_VM_OVERHEAD_BYTES,
	LH_H_OVERHEAD_STATE, LH_H_OVERHEAD_STRTAB, LH_H_FLAGS,
	LH_H_STRING_LIMIT, LH_H_MAIN_THREAD, LH_H_REGISTRY,
	LH_H_COUNT
};

/* One header field: its name (the JSON key), its coding, the largest
 * value a reader accepts (for a string its longest length; 0: only the
 * coding's own bound), and what a reader's error calls it. */
typedef struct lh_header_spec {
	const char *name;
	unsigned char code;    /* lh_code */
	uint64_t max;
	const char *what;
} lh_header_spec;

#define LH_H_U32(name, what) { name, LH_C_UV, UINT32_MAX, what }
#define LH_H_UV(name) { name, LH_C_UV, 0, name }

static const lh_header_spec lh_header_specs[LH_H_COUNT] = {
	[LH_H_LUA_VERSION_NUM] = LH_H_U32("lua_version_num", "lua version"),
	[LH_H_LUA_RELEASE] = { "lua_release", LH_C_STR, 63,
	                       "lua release length" },
	[LH_H_POINTER_SIZE] = { "pointer_size", LH_C_U8, 0, "pointer size" },
	[LH_H_TIME] = LH_H_UV("time"),
	[LH_H_PID] = LH_H_UV("pid"),
	[LH_H_LABEL] = { "label", LH_C_STR, UINT32_MAX, "label length" },
	[LH_H_GC_MODE] = { "gc_mode", LH_C_GC_MODE, LH_GC_GENERATIONAL,
	                   "gc mode" },
	[LH_H_GC_STATE] = { "gc_state", LH_C_U8, 0, "gc state" },
	[LH_H_GC_WAS_RUNNING] = { "gc_was_running", LH_C_BOOL, 1,
	                          "gc_was_running" },
	[LH_H_GC_PAUSE] = LH_H_U32("gc_pause", "gc pause"),
	[LH_H_GC_STEPMUL] = LH_H_U32("gc_stepmul", "gc stepmul"),
	[LH_H_GC_STEPSIZE] = LH_H_U32("gc_stepsize", "gc stepsize"),
	[LH_H_GC_GENMINORMUL] = LH_H_U32("gc_genminormul", "gc genminormul"),
	[LH_H_GC_GENMAJORMUL] = LH_H_U32("gc_genmajormul", "gc genmajormul"),
	[LH_H_LUA_TOTAL_BYTES] = LH_H_UV("lua_total_bytes"),
	[LH_H_VM_OVERHEAD_BYTES] = LH_H_UV("vm_overhead_bytes"),
	[LH_H_OVERHEAD_STATE] = LH_H_UV("overhead_state"),
	[LH_H_OVERHEAD_STRTAB] = LH_H_UV("overhead_strtab"),
	[LH_H_FLAGS] = LH_H_U32("flags", "flags"),
	[LH_H_STRING_LIMIT] = LH_H_UV("string_limit"),
	[LH_H_MAIN_THREAD] = { "main_thread", LH_C_NAME, 0, "main thread" },
	[LH_H_REGISTRY] = { "registry", LH_C_NAME, 0, "registry" },
};

#undef LH_H_U32
#undef LH_H_UV

/* A coded value (header field or label field): 'u' for numbers (a
 * float's bits for LH_C_FLOAT), 's' and 'len' for strings. */
typedef struct lh_value {
	uint64_t u;
	const char *s;
	size_t len;
} lh_value;

/* ---- Edge kinds, as data ---- */

#define LH_TYPE_BIT(t) (1u << (t))

/* Which member of a decoded label a label field is (the writer's and the
 * readers' label records all have these). */
enum lh_label_member {
	LH_LM_I = 1,   /* int64: index, frame, integer or boolean key */
	LH_LM_SLOT,    /* stack slot */
	LH_LM_ADDR,    /* object address: key string or object, name */
	LH_LM_PTR,     /* light userdata or light C function pointer */
	LH_LM_D        /* float key */
};

/* One field of an edge label. */
typedef struct lh_label_field {
	unsigned char code;    /* lh_code: LH_C_UV, _ADDR, _NAME, _INT, ... */
	unsigned char member;  /* lh_label_member */
	const char *name;      /* its key in a JSON edge */
	const char *what;      /* what a reader's error calls it */
	uint64_t max;          /* largest valid value (LH_C_UV only) */
} lh_label_field;

#define LH_LABEL_FIELDS_MAX 3

/*
 * One edge kind: the types it may leave from, the type its target must
 * have (0 any), and its label fields in order (binary and JSON). Its name
 * is in lh_edge_kind_names. Indexed by lh_edge_kind; [0] is the end
 * marker, LH_E_ENV is reserved (any source, no label).
 */
typedef struct lh_edge_spec {
	uint16_t sources;      /* LH_TYPE_BIT(LH_T_*) set */
	uint8_t target;        /* LH_T_*, 0 any */
	uint8_t nfields;
	lh_label_field field[LH_LABEL_FIELDS_MAX];
} lh_edge_spec;

#define LH_F_INDEX(what) \
	{ LH_C_UV, LH_LM_I, "index", what, INT64_MAX }
#define LH_F_KEY(code, member) { code, member, "key", "key", 0 }
#define LH_F_NAME { LH_C_NAME, LH_LM_ADDR, "name", "name", 0 }
#define LH_TAB LH_TYPE_BIT(LH_T_TABLE)

static const lh_edge_spec lh_edge_specs[LH_E_COUNT] = {
	[LH_E_ARRAY] = { LH_TAB, 0, 1, { LH_F_INDEX("edge index") } },
	[LH_E_FIELD_STR] = { LH_TAB, 0, 1, { LH_F_KEY(LH_C_ADDR, LH_LM_ADDR) } },
	[LH_E_FIELD_INT] = { LH_TAB, 0, 1, { LH_F_KEY(LH_C_INT, LH_LM_I) } },
	[LH_E_FIELD_NUM] = { LH_TAB, 0, 1, { LH_F_KEY(LH_C_FLOAT, LH_LM_D) } },
	[LH_E_FIELD_BOOL] = { LH_TAB, 0, 1,
		{ { LH_C_BOOL, LH_LM_I, "key", "boolean key", 1 } } },
	[LH_E_FIELD_OBJ] = { LH_TAB, 0, 1, { LH_F_KEY(LH_C_ADDR, LH_LM_ADDR) } },
	[LH_E_FIELD_LIGHT] = { LH_TAB, 0, 1, { LH_F_KEY(LH_C_ADDR, LH_LM_PTR) } },
	[LH_E_KEY] = { LH_TAB, 0, 0, { { 0 } } },
	[LH_E_METATABLE] = { LH_TAB | LH_TYPE_BIT(LH_T_USERDATA), LH_T_TABLE, 0,
		{ { 0 } } },
	[LH_E_UPVALUE] = { LH_TYPE_BIT(LH_T_LFUNC) | LH_TYPE_BIT(LH_T_CFUNC), 0, 2,
		{ LH_F_INDEX("upvalue index"), LH_F_NAME } },
	[LH_E_UPVAL_VALUE] = { LH_TYPE_BIT(LH_T_UPVALUE), 0, 0, { { 0 } } },
	[LH_E_PROTO] = { LH_TYPE_BIT(LH_T_LFUNC), LH_T_PROTO, 0, { { 0 } } },
	[LH_E_CONSTANT] = { LH_TYPE_BIT(LH_T_PROTO), 0, 1,
		{ LH_F_INDEX("edge index") } },
	[LH_E_CHILD] = { LH_TYPE_BIT(LH_T_PROTO), LH_T_PROTO, 1,
		{ LH_F_INDEX("edge index") } },
	[LH_E_SOURCE] = { LH_TYPE_BIT(LH_T_PROTO), LH_T_STRING, 0, { { 0 } } },
	[LH_E_DEBUG_NAME] = { LH_TYPE_BIT(LH_T_PROTO), LH_T_STRING, 1,
		{ LH_F_INDEX("edge index") } },
	[LH_E_USER_VALUE] = { LH_TYPE_BIT(LH_T_USERDATA), 0, 1,
		{ LH_F_INDEX("edge index") } },
	[LH_E_STACK] = { LH_TYPE_BIT(LH_T_THREAD), 0, 3,
		{ { LH_C_UV, LH_LM_I, "frame", "frame", INT64_MAX },
		  { LH_C_UV, LH_LM_SLOT, "slot", "stack slot", UINT32_MAX },
		  LH_F_NAME } },
	[LH_E_OPEN_UPVAL] = { LH_TYPE_BIT(LH_T_THREAD), LH_T_UPVALUE, 0,
		{ { 0 } } },
	[LH_E_ENV] = { 0xffff, 0, 0, { { 0 } } },
};

#undef LH_F_INDEX
#undef LH_F_KEY
#undef LH_F_NAME
#undef LH_TAB

#endif
