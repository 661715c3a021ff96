/*
 * Shared between the dumper's files, never public: the output sink (a fixed
 * buffer over a file descriptor, framed and checksummed for the binary
 * encoding), the record structs the heap walker fills, the two encoders, and
 * the Lua module's functions, each defined in its own dumper file.
 */
#ifndef LUAHEAP_DUMPER_INTERNAL_H
#define LUAHEAP_DUMPER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "luaheap/crc32c.h"
#include "luaheap/dump.h"
#include "luaheap/format.h"

struct lua_State;

/* ---- CRC-32C (crc32.c) ---- */

/* Continues the CRC-32C 'crc' (0 to start) over n bytes of p, with the
 * SSE4.2 instruction when the processor has it, else with 'tab' (filled by
 * lh_crc32c_init). */
uint32_t lh_dump__crc(const uint32_t *tab, uint32_t crc, const void *p,
                      size_t n);

/* CRC of A then B, from crc(A), crc(B) and B's length (as crc32_combine). */
uint32_t lh_dump__crc_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* Whether lh_dump__crc may use the processor's instruction (tests turn it
 * off to check the tables). */
void lh_dump__crc_hw(int on);

/* ---- The output sink (out.c) ---- */

#define LH_OUT_PAYLOAD (256u * 1024u)   /* frame payload / JSON buffer */
#define LH_OUT_SLACK   64u              /* the most one put_* call writes */

typedef struct lh_out {
	int fd;
	int framed;             /* binary: payloads in CRC-checked frames */
	unsigned char *mem;     /* 4 length bytes, payload, 4 CRC bytes */
	unsigned char *buf;     /* mem + 4: where the payload goes */
	size_t pos;             /* bytes in buf */
	uint32_t stream_crc;    /* CRC of every payload so far */
	uint64_t written;       /* bytes handed to the file */
	int err;                /* errno of the first failed write, 0 none */
	uint32_t *crctab;       /* LH_CRC32C_TABLE_WORDS words */
} lh_out;

/* Allocates the buffers (malloc, never the Lua state); 0 or -1 (ENOMEM). */
int lh_out__init(lh_out *o, int fd, int framed);
void lh_out__release(lh_out *o);

/* Writes what is buffered (one frame when framed). */
void lh_out__flush(lh_out *o);

/* Writes n bytes straight to the file, outside any frame (the magic). */
void lh_out__raw(lh_out *o, const void *p, size_t n);

/* Binary: flushes and writes the end frame with the stream CRC. */
void lh_out__finish(lh_out *o);

/* Appends n bytes, flushing as often as needed. */
void lh_out__put(lh_out *o, const void *p, size_t n);

/* Makes room for LH_OUT_SLACK bytes. */
static inline void lh_out__room(lh_out *o)
{
	if (o->pos > LH_OUT_PAYLOAD - LH_OUT_SLACK)
		lh_out__flush(o);
}

/* The raw appenders below need lh_out__room first. */
static inline void lh_out__byte(lh_out *o, unsigned c)
{
	o->buf[o->pos++] = (unsigned char)c;
}

static inline void lh_out__uv(lh_out *o, uint64_t v)
{
	unsigned char *p = o->buf + o->pos;
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	o->pos = (size_t)(p - o->buf);
}

static inline void lh_out__sv(lh_out *o, int64_t v)
{
	lh_out__uv(o, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* ---- Records, as the walker sees them ---- */

/* The header record's fields, indexed by lh_header_field (format.h). */
typedef struct lh_dump_header {
	lh_value f[LH_H_COUNT];
} lh_dump_header;

typedef struct lh_dump_object {
	int type, list, shared;
	unsigned marked;
	uint64_t addr, size;
	union {
		struct { int is_long; uint64_t length, stored;
		         const char *bytes; } str;
		struct { uint64_t asize, nodes; int weak;
		         uint64_t array_entries, hash_entries; } tab;
		struct { unsigned nupvalues; uint64_t cfunc;
		         const char *symbol; } fn;
		struct { uint64_t length; unsigned nuvalue; } ud;
		struct { int status; uint64_t stack_slots, nci,
		         frame_count; } th;
		struct { uint64_t linedefined, lastlinedefined;
		         unsigned numparams, is_vararg, maxstacksize;
		         uint64_t sizecode, source; } pr;
		struct { int is_open; } uv;
	} u;
} lh_dump_object;

typedef struct lh_dump_frame {
	uint64_t func, proto;   /* addresses, 0 none */
	uint64_t line;          /* 0 unknown */
	int is_lua;
} lh_dump_frame;

/* One edge; which label fields count depends on the kind (lh_edge_specs). */
typedef struct lh_dump_edge {
	unsigned kind;          /* lh_edge_kind | LH_EDGE_* flags */
	uint64_t to;
	int64_t i;              /* index, integer key, boolean key, frame */
	double d;               /* float key */
	uint64_t a;             /* key or name address, light pointer; 0 none */
	uint64_t slot;          /* stack slot */
} lh_dump_edge;

/* ---- The dump in progress ---- */

typedef struct lh_dump_ctx lh_dump_ctx;

typedef struct lh_encoder {
	void (*header)(lh_dump_ctx *d, const lh_dump_header *h);
	void (*object_begin)(lh_dump_ctx *d, const lh_dump_object *obj);
	void (*frame)(lh_dump_ctx *d, const lh_dump_frame *f);
	void (*edge)(lh_dump_ctx *d, const lh_dump_edge *e);
	void (*object_end)(lh_dump_ctx *d, const lh_dump_object *obj);
	void (*root)(lh_dump_ctx *d, int kind, uint64_t addr, uint64_t index);
	void (*watch)(lh_dump_ctx *d, uint64_t addr, const char *label,
	              size_t len, int expect_dead);
	void (*finish)(lh_dump_ctx *d);
} lh_encoder;

struct lh_dump_ctx {
	lh_out out;
	const lh_encoder *enc;
	int64_t string_limit;   /* -1 all, 0 none, N */
	int names_only;         /* strings = "keys": redact what is no name */
	/* encoder state */
	uint64_t prev_obj;      /* binary: previous object's address */
	uint64_t prev_to;       /* binary: previous edge target of this object */
	uint64_t nitems;        /* JSON: items written in the current list */
	uint64_t nsub;          /* JSON: frames or edges of this object */
	int in_frames;          /* JSON: a thread's "frames" list is open */
	int section;            /* JSON: 0 objects, 1 roots, 2 watch, 3 end */
	/* counts */
	uint64_t nobjects, nedges, nroots;
	uint64_t object_bytes;
	uint64_t ntobefnz;
	/* C function symbol cache (dladdr is slow): direct-mapped */
	struct { uint64_t f; const char *sym; } symcache[64];
	/* a fork's objects shared between states (walk.c): the addresses of
	 * those on this state's lists and of those found by reference
	 * (open addressing, 0 empty), and the latter still to walk */
	uint64_t *shared_set;
	size_t shared_cap, shared_n;
	void **shared_queue;
	size_t shared_qn, shared_qcap;
	int in_foreign;         /* walking another state's shared object */
};

/* The label field 'member' (lh_label_member) of e, as 64 bits (a float
 * key's bits for LH_LM_D). */
static inline uint64_t lh_dump__label(const lh_dump_edge *e, int member)
{
	uint64_t u;

	switch (member) {
	case LH_LM_I:
		return (uint64_t)e->i;
	case LH_LM_SLOT:
		return e->slot;
	case LH_LM_D:
		memcpy(&u, &e->d, sizeof(u));
		return u;
	default:                /* LH_LM_ADDR, LH_LM_PTR */
		return e->a;
	}
}

extern const lh_encoder lh_dump__binary;
extern const lh_encoder lh_dump__json;

/* Walks the whole heap of L's state (walk.c): header, objects, roots. The
 * collector must be out of any sweep phase. 'hdr' has the caller's fields
 * (time, pid, label, flags, string_limit, gc_was_running) set; the walker
 * fills the rest. */
void lh_dump__walk(lh_dump_ctx *d, struct lua_State *L, lh_dump_header *hdr);

/* Whether a string of len bytes at s (is_short: Lua interned it) is a name
 * that strings = "keys" keeps (see LH_DUMP_STRINGS_KEYS in dump.h). */
int lh_dump__name_like(const char *s, size_t len, int is_short);

/* Whether walk.c's mirror of lstate.c's layout fits L's state. */
int lh_dump__layout_ok(struct lua_State *L);

/* The running Lua's object layout checked against the headers' (probe.c),
 * with objects every state has and, when 'create' (this allocates in the
 * state), fresh ones of known shape: NULL if they agree, else a message
 * in buf saying what differed and how to rebuild. */
const char *lh_dump__probe_layout(struct lua_State *L, int create, char *buf,
                                  size_t len);

/* Writes the watch records of L's state (watch.c). */
void lh_dump__watches(lh_dump_ctx *d, struct lua_State *L);

/* The running Lua's release checked against the headers' (dump.c): NULL if
 * they match, else a message in buf. */
const char *lh_dump__check_release(char *buf, size_t len);

/* The same for any 'ident' string shaped like lua_ident. */
const char *lh_dump__compare_release(const char *ident, char *buf,
                                     size_t len);

/* ---- The Lua module's functions (one file each, listed in module.c) ---- */

int lh_dump__l_dump(struct lua_State *L);     /* luaheap.dump (module.c) */
int lh_dump__l_watch(struct lua_State *L);    /* luaheap.watch (watch.c) */
int lh_dump__l_expect_dead(struct lua_State *L);  /* (watch.c) */
int lh_dump__l_arm(struct lua_State *L);      /* luaheap.arm (arm.c) */
int lh_dump__l_disarm(struct lua_State *L);   /* luaheap.disarm (arm.c) */
int lh_dump__l_poll(struct lua_State *L);     /* luaheap.poll (arm.c) */

/* Called by lh_dump__read_opts for a key that is not one of dump's, the
 * value at the top: 1 taken, 0 unknown (then it raises); may raise. */
typedef int (*lh_dump_opt_fn)(struct lua_State *L, const char *key,
                              void *ud);

/* The one reader of the Lua functions' options tables (module.c): those
 * of dump into o, the others handed to extra (NULL: none). Raises on an
 * unknown key or a bad value, naming fn. */
void lh_dump__read_opts(struct lua_State *L, int idx, const char *fn,
                        lh_dump_opts *o, lh_dump_opt_fn extra, void *ud);

/* Raises "bad option 'key' to 'fn' (expected expected)". */
int lh_dump__opt_error(struct lua_State *L, const char *fn, const char *key,
                       const char *expected);

/* ---- Signal-armed dumps (arm.c) ---- */

/* Test hooks (no host can reach this header): snapshots written and
 * failed since the armed state named 'state' (NULL: the first armed)
 * armed, and the last failure's message ("" none); zeros when none is
 * armed. */
void lh_dump__arm_counts(const char *state, unsigned long *written,
                         unsigned long *failed, const char **last_error);

/* The beacon path of the armed state named 'state' (NULL: the first
 * armed), or NULL when it is not armed. */
const char *lh_dump__arm_beacon(const char *state);

#endif
