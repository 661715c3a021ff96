/*
 * The snapshot reader against files written by a small encoder of its own
 * (field by field from format.h, both encodings): valid files load to the
 * expected arrays, and truncated, corrupt or hostile ones fail cleanly.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "luaheap/dump.h"
#include "luaheap/snapshot.h"
#include "snapshot_internal.h"
#include "resolve.h"

/* ---- a growable byte buffer ---- */

typedef struct buf {
	unsigned char *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put_u8(buf *b, unsigned v) { unsigned char c = (unsigned char)v; put(b, &c, 1); }

static void put_uv(buf *b, uint64_t v)
{
	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		put(b, &c, 1);
	} while (v);
}

static void put_sv(buf *b, int64_t v)
{
	put_uv(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_le(buf *b, uint64_t v, int n)
{
	while (n--) {
		put_u8(b, v & 0xff);
		v >>= 8;
	}
}

static void put_bytes(buf *b, const char *s, size_t n) { put_uv(b, n); put(b, s, n); }
static void put_cstr(buf *b, const char *s) { put_bytes(b, s, strlen(s)); }

static void putf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	ck_assert_int_lt(n, (int)sizeof(tmp));
	put(b, tmp, (size_t)n);
}

/* ---- a heap description both encoders write ---- */

typedef struct tedge {
	int kind;               /* with LH_EDGE_* flags */
	uint64_t to;
	int64_t i;
	double d;
	uint64_t ptr, addr;
	uint32_t slot;
} tedge;

typedef struct tframe { uint64_t func, line, proto; int is_lua; } tframe;

typedef struct tobj {
	int type, list, marked;
	uint64_t addr, size;
	const char *text; size_t stored; uint64_t length; int is_long;
	uint32_t asize, nodes, aent, hent; int weak;
	uint32_t nup; uint64_t cfunc; const char *symbol;
	uint64_t ulen; uint32_t nuv;
	int status; uint32_t slots, nci; int nframes; tframe frames[3];
	uint32_t ld, lld, sizecode; int np, va, ms; uint64_t source;
	int open;
	int nedges; tedge edges[12];
} tobj;

typedef struct troot { int kind; uint64_t to; uint32_t index; } troot;
typedef struct twatch { uint64_t addr; const char *label; int dead; } twatch;

typedef struct theap {
	tobj *objs; int nobj;
	troot roots[8]; int nroots;
	twatch watches[4]; int nwatches;
	uint64_t main_thread, registry;
} theap;

static int count_edges(const theap *h)
{
	int i, n = 0;

	for (i = 0; i < h->nobj; i++)
		n += h->objs[i].nedges;
	return n;
}

/* The header values every encoded heap carries (label with a byte that
 * needs escaping in JSON). */
static void header_values(const theap *h, lh_value *hv)
{
	static const uint64_t u[LH_H_COUNT] = {
		[LH_H_LUA_VERSION_NUM] = 504, [LH_H_POINTER_SIZE] = 8,
		[LH_H_TIME] = 1795000000, [LH_H_PID] = 4242,
		[LH_H_GC_MODE] = LH_GC_INCREMENTAL, [LH_H_GC_STATE] = 8,
		[LH_H_GC_WAS_RUNNING] = 1, [LH_H_GC_PAUSE] = 200,
		[LH_H_GC_STEPMUL] = 100, [LH_H_GC_STEPSIZE] = 13,
		[LH_H_GC_GENMINORMUL] = 20, [LH_H_GC_GENMAJORMUL] = 100,
		[LH_H_LUA_TOTAL_BYTES] = 123456, [LH_H_VM_OVERHEAD_BYTES] = 3000,
		[LH_H_OVERHEAD_STATE] = 2000, [LH_H_OVERHEAD_STRTAB] = 1000,
		[LH_H_FLAGS] = LH_FLAG_COLLECTED | LH_FLAG_STRINGS_CUT,
		[LH_H_STRING_LIMIT] = 64,
	};
	int i;

	for (i = 0; i < LH_H_COUNT; i++)
		hv[i] = (lh_value){ u[i], NULL, 0 };
	hv[LH_H_LUA_RELEASE].s = "Lua 5.4.4";
	hv[LH_H_LUA_RELEASE].len = 9;
	hv[LH_H_LABEL].s = "lab\xe9l \"q\"\n";
	hv[LH_H_LABEL].len = 11;
	hv[LH_H_MAIN_THREAD].u = h->main_thread;
	hv[LH_H_REGISTRY].u = h->registry;
}

/* One binary value, coded as lh_code says. */
static void put_value(buf *b, int code, const lh_value *v)
{
	switch (code) {
	case LH_C_U8: case LH_C_BOOL: case LH_C_GC_MODE: put_u8(b, (unsigned)v->u); break;
	case LH_C_STR: put_bytes(b, v->s, v->len); break;
	case LH_C_INT: put_sv(b, (int64_t)v->u); break;
	case LH_C_FLOAT: put_le(b, v->u, 8); break;
	default: put_uv(b, v->u); break;
	}
}

/* Label field 'member' (lh_label_member) of e as a coded value. */
static lh_value label_value(const tedge *e, int member)
{
	lh_value v = { 0, NULL, 0 };

	switch (member) {
	case LH_LM_I: v.u = (uint64_t)e->i; break;
	case LH_LM_SLOT: v.u = e->slot; break;
	case LH_LM_ADDR: v.u = e->addr; break;
	case LH_LM_PTR: v.u = e->ptr; break;
	case LH_LM_D: memcpy(&v.u, &e->d, 8); break;
	}
	return v;
}

/* The record stream of h, as format.h describes it. */
static void encode_records(buf *r, const theap *h)
{
	lh_value hv[LH_H_COUNT];
	const lh_edge_spec *spec;
	uint64_t prev = 0, prevt;
	int i, k, f;

	header_values(h, hv);
	put_u8(r, LH_REC_HEADER);
	for (i = 0; i < LH_H_COUNT; i++)
		put_value(r, lh_header_specs[i].code, &hv[i]);
	for (i = 0; i < h->nobj; i++) {
		const tobj *o = &h->objs[i];
		put_u8(r, LH_REC_OBJECT);
		put_u8(r, (unsigned)o->type);
		put_u8(r, (unsigned)o->list);
		put_u8(r, (unsigned)o->marked);
		put_sv(r, (int64_t)(o->addr - prev));
		prev = o->addr;
		put_uv(r, o->size);
		switch (o->type) {
		case LH_T_STRING:
			put_u8(r, (unsigned)o->is_long);
			put_uv(r, o->length);
			put_uv(r, o->stored);
			put(r, o->text, o->stored);
			break;
		case LH_T_TABLE:
			put_uv(r, o->asize); put_uv(r, o->nodes); put_u8(r, (unsigned)o->weak);
			break;
		case LH_T_LFUNC:
			put_uv(r, o->nup);
			break;
		case LH_T_CFUNC:
			put_uv(r, o->nup); put_uv(r, o->cfunc); put_cstr(r, o->symbol ? o->symbol : "");
			break;
		case LH_T_USERDATA:
			put_uv(r, o->ulen); put_uv(r, o->nuv);
			break;
		case LH_T_THREAD:
			put_u8(r, (unsigned)o->status); put_uv(r, o->slots); put_uv(r, o->nci);
			put_uv(r, (uint64_t)o->nframes);
			for (k = 0; k < o->nframes; k++) {
				put_uv(r, o->frames[k].func); put_uv(r, o->frames[k].line);
				put_u8(r, (unsigned)o->frames[k].is_lua); put_uv(r, o->frames[k].proto);
			}
			break;
		case LH_T_PROTO:
			put_uv(r, o->ld); put_uv(r, o->lld); put_u8(r, (unsigned)o->np);
			put_u8(r, (unsigned)o->va); put_u8(r, (unsigned)o->ms); put_uv(r, o->sizecode);
			put_uv(r, o->source);
			break;
		case LH_T_UPVALUE:
			put_u8(r, (unsigned)o->open);
			break;
		}
		prevt = o->addr;
		for (k = 0; k < o->nedges; k++) {
			const tedge *e = &o->edges[k];
			put_u8(r, (unsigned)e->kind);
			put_sv(r, (int64_t)(e->to - prevt));
			prevt = e->to;
			spec = &lh_edge_specs[e->kind & LH_EDGE_KIND_MASK];
			for (f = 0; f < spec->nfields; f++) {
				lh_value v = label_value(e, spec->field[f].member);
				put_value(r, spec->field[f].code, &v);
			}
		}
		put_u8(r, 0);
		if (o->type == LH_T_TABLE) {
			put_uv(r, o->aent);
			put_uv(r, o->hent);
		}
	}
	for (i = 0; i < h->nroots; i++) {
		put_u8(r, LH_REC_ROOT);
		put_u8(r, (unsigned)h->roots[i].kind);
		put_uv(r, h->roots[i].to);
		put_uv(r, h->roots[i].index);
	}
	for (i = 0; i < h->nwatches; i++) {
		put_u8(r, LH_REC_WATCH);
		put_uv(r, h->watches[i].addr);
		put_cstr(r, h->watches[i].label);
		put_u8(r, (unsigned)h->watches[i].dead);
	}
	put_u8(r, LH_REC_END);
	put_uv(r, (uint64_t)h->nobj);
	put_uv(r, (uint64_t)count_edges(h));
	put_uv(r, (uint64_t)h->nroots);
}

/* Frames a record stream into a file, 'fsize' payload bytes per frame. */
static void frame_stream(buf *f, const unsigned char *rec, size_t n, size_t fsize)
{
	size_t at, k;

	put(f, LH_MAGIC, LH_MAGIC_LEN);
	put_le(f, LH_FORMAT_VERSION, 2);
	put_le(f, 0, 2);
	for (at = 0; at < n; at += k) {
		k = n - at < fsize ? n - at : fsize;
		put_le(f, k, 4);
		put(f, rec + at, k);
		put_le(f, lh_crc32(0, rec + at, k), 4);
	}
	put_le(f, 0, 4);
	put_le(f, lh_crc32(0, rec, n), 4);
}

static void encode_bin(buf *f, const theap *h, size_t fsize)
{
	buf r = { 0 };

	encode_records(&r, h);
	frame_stream(f, r.p, r.n, fsize);
	free(r.p);
}

/* JSON string of bytes as Latin-1 code points, escaped as format.h says. */
static void put_jstr(buf *b, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	put_u8(b, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80 || c < 0x20 || c == '"' || c == '\\')
			putf(b, "\\u%04x", c);
		else
			put_u8(b, c);
	}
	put_u8(b, '"');
}

static void put_jaddr(buf *b, uint64_t a)
{
	if (a == 0)
		putf(b, "null");
	else
		putf(b, "\"0x%" PRIx64 "\"", a);
}

/* One JSON value, coded as lh_code says. */
static void put_jvalue(buf *b, int code, const lh_value *v)
{
	double d;

	switch (code) {
	case LH_C_BOOL: putf(b, "%s", v->u ? "true" : "false"); break;
	case LH_C_STR: put_jstr(b, v->s, v->len); break;
	case LH_C_GC_MODE: putf(b, "\"%s\"", lh_gc_mode_names[v->u == LH_GC_GENERATIONAL]); break;
	case LH_C_ADDR: putf(b, "\"0x%" PRIx64 "\"", v->u); break;
	case LH_C_NAME: put_jaddr(b, v->u); break;
	case LH_C_INT: putf(b, "\"%" PRId64 "\"", (int64_t)v->u); break;
	case LH_C_FLOAT:
		memcpy(&d, &v->u, 8);
		if (isnan(d)) putf(b, "\"nan\"");
		else if (isinf(d)) putf(b, "\"%sinf\"", d < 0 ? "-" : "");
		else putf(b, "%.17g", d);
		break;
	default: putf(b, "%" PRIu64, v->u); break;
	}
}

static void encode_json(buf *b, const theap *h)
{
	lh_value hv[LH_H_COUNT];
	int i, k, f;

	header_values(h, hv);
	putf(b, " {\"format\":\"luaheap-snapshot\",\"version\":1,\"header\":{");
	for (i = 0; i < LH_H_COUNT; i++) {
		putf(b, "%s\"%s\":", i ? "," : "", lh_header_specs[i].name);
		put_jvalue(b, lh_header_specs[i].code, &hv[i]);
	}
	putf(b, "},\n\"objects\":[");
	for (i = 0; i < h->nobj; i++) {
		const tobj *o = &h->objs[i];
		putf(b, "%s\n{\"id\":\"0x%" PRIx64 "\",\"type\":\"%s\",\"list\":\"%s\",\"marked\":%d,"
		     "\"size\":%" PRIu64, i ? "," : "", o->addr, lh_type_names[o->type],
		     lh_list_names[o->list], o->marked, o->size);
		switch (o->type) {
		case LH_T_STRING:
			putf(b, ",\"long\":%s,\"length\":%" PRIu64 ",\"stored\":%zu,\"text\":",
			     o->is_long ? "true" : "false", o->length, o->stored);
			put_jstr(b, o->text, o->stored);
			break;
		case LH_T_TABLE:
			putf(b, ",\"asize\":%u,\"nodes\":%u,\"weak\":\"%s\",\"array_entries\":%u,\"hash_entries\":%u",
			     o->asize, o->nodes, lh_weak_names[o->weak], o->aent, o->hent);
			break;
		case LH_T_LFUNC:
			putf(b, ",\"nupvalues\":%u", o->nup);
			break;
		case LH_T_CFUNC:
			putf(b, ",\"nupvalues\":%u,\"cfunc\":\"0x%" PRIx64 "\",\"symbol\":", o->nup, o->cfunc);
			put_jstr(b, o->symbol ? o->symbol : "", o->symbol ? strlen(o->symbol) : 0);
			break;
		case LH_T_USERDATA:
			putf(b, ",\"length\":%" PRIu64 ",\"nuvalue\":%u", o->ulen, o->nuv);
			break;
		case LH_T_THREAD:
			putf(b, ",\"status\":\"%s\",\"stack_slots\":%u,\"nci\":%u,\"frames\":[",
			     lh_thread_status_names[o->status], o->slots, o->nci);
			for (k = 0; k < o->nframes; k++) {
				putf(b, "%s{\"func\":", k ? "," : "");
				put_jaddr(b, o->frames[k].func);
				putf(b, ",\"line\":%" PRIu64 ",\"lua\":%s,\"proto\":", o->frames[k].line,
				     o->frames[k].is_lua ? "true" : "false");
				put_jaddr(b, o->frames[k].proto);
				putf(b, "}");
			}
			putf(b, "]");
			break;
		case LH_T_PROTO:
			putf(b, ",\"linedefined\":%u,\"lastlinedefined\":%u,\"numparams\":%d,\"vararg\":%s,"
			     "\"maxstacksize\":%d,\"sizecode\":%u,\"source\":", o->ld, o->lld, o->np,
			     o->va ? "true" : "false", o->ms, o->sizecode);
			put_jaddr(b, o->source);
			break;
		case LH_T_UPVALUE:
			putf(b, ",\"open\":%s", o->open ? "true" : "false");
			break;
		}
		putf(b, ",\"edges\":[");
		for (k = 0; k < o->nedges; k++) {
			const tedge *e = &o->edges[k];
			int kind = e->kind & LH_EDGE_KIND_MASK;
			putf(b, "%s{\"kind\":\"%s\",\"to\":\"0x%" PRIx64 "\"", k ? "," : "",
			     lh_edge_kind_names[kind], e->to);
			for (f = 0; f < lh_edge_specs[kind].nfields; f++) {
				const lh_label_field *lf = &lh_edge_specs[kind].field[f];
				lh_value v = label_value(e, lf->member);
				putf(b, ",\"%s\":", lf->name);
				put_jvalue(b, lf->code, &v);
			}
			if (e->kind & LH_EDGE_WEAK)
				putf(b, ",\"weak\":true");
			if (e->kind & LH_EDGE_EPHEMERON)
				putf(b, ",\"ephemeron\":true");
			putf(b, "}");
		}
		putf(b, "]}");
	}
	putf(b, "],\n\"roots\":[");
	for (i = 0; i < h->nroots; i++)
		putf(b, "%s{\"kind\":\"%s\",\"to\":\"0x%" PRIx64 "\",\"index\":%u}", i ? "," : "",
		     lh_root_kind_names[h->roots[i].kind], h->roots[i].to, h->roots[i].index);
	putf(b, "],\n\"watch\":[");
	for (i = 0; i < h->nwatches; i++) {
		putf(b, "%s{\"id\":\"0x%" PRIx64 "\",\"label\":", i ? "," : "", h->watches[i].addr);
		put_jstr(b, h->watches[i].label, strlen(h->watches[i].label));
		putf(b, ",\"expect_dead\":%s}", h->watches[i].dead ? "true" : "false");
	}
	putf(b, "],\n\"counts\":{\"objects\":%d,\"edges\":%d,\"roots\":%d}}\n", h->nobj,
	     count_edges(h), h->nroots);
}

/* ---- the sample heap: every type, every edge kind, wide labels ---- */

#define A_THREAD 0x55d000001000ull
#define A_REG    0x55d000002000ull
#define A_G      0x55d000003000ull
#define A_KEYT   0x55d000003100ull
#define A_WEAKT  0x55d000003200ull
#define A_SPRINT 0x55d000005000ull
#define A_SX     0x55d000005010ull
#define A_SLONG  0x55d000005020ull
#define A_SSRC   0x55d000005030ull
#define A_CF     0x55d000006000ull
#define A_LF     0x55d000007000ull
#define A_PROTO  0x55d000008000ull
#define A_PROTO2 0x55d000008100ull
#define A_UPV    0x55d000009000ull
#define A_UD     0x55d00000a000ull
#define A_CO     0x55d00000b000ull

static const char long_text[] = "a\0b\xe9\xff\"\\\x01z";   /* 9 bytes */

static void sample_heap(theap *h)
{
	static tobj o[16];
	int n = 0;

	memset(o, 0, sizeof(o));
	memset(h, 0, sizeof(*h));
	h->objs = o;
	h->main_thread = A_THREAD;
	h->registry = A_REG;

	o[n] = (tobj){ .type = LH_T_THREAD, .list = LH_LIST_MAIN, .marked = 0x20, .addr = A_THREAD,
	               .size = 1000, .status = LH_THREAD_RUNNING, .slots = 40, .nci = 2, .nframes = 2,
	               .frames = { { A_LF, 12, A_PROTO, 1 }, { A_CF, 0, 0, 0 } }, .nedges = 3,
	               .edges = { { .kind = LH_E_STACK, .to = A_G, .i = 0, .slot = 1, .addr = A_SX },
	                          { .kind = LH_E_STACK, .to = A_LF, .i = 1, .slot = 0 },
	                          { .kind = LH_E_OPEN_UPVAL | LH_EDGE_WEAK, .to = A_UPV } } };
	n++;
	o[n] = (tobj){ .type = LH_T_TABLE, .addr = A_REG, .size = 120, .asize = 2, .aent = 2,
	               .nedges = 2, .edges = { { .kind = LH_E_ARRAY, .to = A_THREAD, .i = 1 },
	                                       { .kind = LH_E_ARRAY, .to = A_G, .i = 2 } } };
	n++;
	o[n] = (tobj){ .type = LH_T_TABLE, .addr = A_G, .size = 400, .nodes = 16, .hent = 9,
	               .nedges = 10, .edges = {
		{ .kind = LH_E_FIELD_STR, .to = A_CF, .addr = A_SPRINT },
		{ .kind = LH_E_FIELD_STR, .to = A_LF, .addr = A_SX },
		{ .kind = LH_E_FIELD_INT, .to = A_SLONG, .i = -5 },
		{ .kind = LH_E_FIELD_INT, .to = A_SLONG, .i = INT64_C(1) << 40 },
		{ .kind = LH_E_FIELD_NUM, .to = A_SX, .d = 1.5 },
		{ .kind = LH_E_FIELD_BOOL, .to = A_SX, .i = 1 },
		{ .kind = LH_E_FIELD_OBJ, .to = A_UD, .addr = A_KEYT },
		{ .kind = LH_E_KEY, .to = A_KEYT },
		{ .kind = LH_E_FIELD_LIGHT, .to = A_SX, .ptr = 0x7fff12345678ull },
		{ .kind = LH_E_METATABLE, .to = A_WEAKT } } };
	n++;
	o[n] = (tobj){ .type = LH_T_TABLE, .list = LH_LIST_FINOBJ, .addr = A_KEYT, .size = 56,
	               .nedges = 1, .edges = { { .kind = LH_E_ARRAY, .to = A_SX, .i = INT64_C(1) << 33 } },
	               .asize = 0, .aent = 1 };
	n++;
	o[n] = (tobj){ .type = LH_T_TABLE, .addr = A_WEAKT, .size = 88, .weak = LH_WEAK_KEYS, .nodes = 1,
	               .hent = 1, .nedges = 1,
	               .edges = { { .kind = LH_E_FIELD_OBJ | LH_EDGE_EPHEMERON, .to = A_SLONG,
	                            .addr = A_KEYT } } };
	n++;
	o[n] = (tobj){ .type = LH_T_STRING, .list = LH_LIST_FIXED, .addr = A_SPRINT, .size = 30,
	               .text = "print", .stored = 5, .length = 5 };
	n++;
	o[n] = (tobj){ .type = LH_T_STRING, .addr = A_SX, .size = 26, .text = "x", .stored = 1, .length = 1 };
	n++;
	o[n] = (tobj){ .type = LH_T_STRING, .addr = A_SLONG, .size = 200, .text = long_text, .stored = 9,
	               .length = 100, .is_long = 1 };
	n++;
	o[n] = (tobj){ .type = LH_T_STRING, .addr = A_SSRC, .size = 31, .text = "@t.lua", .stored = 6,
	               .length = 6 };
	n++;
	o[n] = (tobj){ .type = LH_T_CFUNC, .addr = A_CF, .size = 48, .nup = 1, .cfunc = 0x7f0000001234ull,
	               .symbol = "luaB_print", .nedges = 1,
	               .edges = { { .kind = LH_E_UPVALUE, .to = A_SX, .i = 1 } } };
	n++;
	o[n] = (tobj){ .type = LH_T_LFUNC, .addr = A_LF, .size = 40, .nup = 200, .nedges = 3,
	               .edges = { { .kind = LH_E_PROTO, .to = A_PROTO },
	                          { .kind = LH_E_UPVALUE, .to = A_UPV, .i = 1, .addr = A_SX },
	                          { .kind = LH_E_UPVALUE, .to = A_UPV, .i = 200 } } };
	n++;
	o[n] = (tobj){ .type = LH_T_PROTO, .addr = A_PROTO, .size = 300, .ld = 10, .lld = 20, .np = 2,
	               .va = 1, .ms = 7, .sizecode = 33, .source = A_SSRC, .nedges = 4,
	               .edges = { { .kind = LH_E_SOURCE, .to = A_SSRC },
	                          { .kind = LH_E_CONSTANT, .to = A_SPRINT, .i = 1 },
	                          { .kind = LH_E_CHILD, .to = A_PROTO2, .i = 1 },
	                          { .kind = LH_E_DEBUG_NAME, .to = A_SX, .i = 3 } } };
	n++;
	o[n] = (tobj){ .type = LH_T_PROTO, .addr = A_PROTO2, .size = 100, .ld = 0, .lld = 0 };
	n++;
	o[n] = (tobj){ .type = LH_T_UPVALUE, .addr = A_UPV, .size = 40, .open = 1, .nedges = 1,
	               .edges = { { .kind = LH_E_UPVAL_VALUE, .to = A_G } } };
	n++;
	o[n] = (tobj){ .type = LH_T_USERDATA, .addr = A_UD, .size = 64, .ulen = 16, .nuv = 2, .nedges = 2,
	               .edges = { { .kind = LH_E_USER_VALUE, .to = A_SX, .i = 2 },
	                          { .kind = LH_E_METATABLE, .to = A_WEAKT } } };
	n++;
	o[n] = (tobj){ .type = LH_T_THREAD, .addr = A_CO, .size = 500, .status = LH_THREAD_SUSPENDED,
	               .slots = 20, .nci = 1, .nframes = 1, .frames = { { A_LF, 7, A_PROTO, 1 } } };
	n++;
	h->nobj = n;
	h->roots[0] = (troot){ LH_ROOT_REGISTRY, A_REG, 0 };
	h->roots[1] = (troot){ LH_ROOT_MAIN_THREAD, A_THREAD, 0 };
	h->roots[2] = (troot){ LH_ROOT_TYPE_MT, A_WEAKT, 4 };
	h->roots[3] = (troot){ LH_ROOT_FINALIZER, A_KEYT, 0 };
	h->nroots = 4;
	h->watches[0] = (twatch){ A_KEYT, "the \xe9 key", 1 };
	h->watches[1] = (twatch){ 0xdead0ull, "gone", 0 };
	h->nwatches = 2;
}

/* ---- helpers ---- */

static lh_snapshot *load_ok(const buf *f, const char *name)
{
	lh_snapshot *s = NULL;
	lh_error err;
	int rc = lh_snapshot_load_mem(&s, name, f->p, f->n, &err);

	ck_assert_msg(rc == LH_OK, "%s: %s", name, err.msg);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* Loads f expecting failure with 'code'; returns the message. */
static const char *load_fails(const void *p, size_t n, int code)
{
	static lh_error err;
	lh_snapshot *s = (lh_snapshot *)1;
	int rc = lh_snapshot_load_mem(&s, "bad.snap", p, n, &err);

	if (rc == LH_OK)
		lh_snapshot_free(s);
	ck_assert_msg(rc == code, "expected %d, got %d (%s)", code, rc, err.msg);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strncmp(err.msg, "cannot read snapshot 'bad.snap': ", 33) == 0, "%s", err.msg);
	return err.msg;
}

static uint32_t find(const lh_snapshot *s, uint64_t addr)
{
	uint32_t i = lh_snapshot_find(s, addr);

	ck_assert_msg(i != LH_NONE, "no object 0x%" PRIx64, addr);
	return i;
}

/* The edge of object i with kind k after skipping 'skip' of them. */
static uint32_t edge_of(const lh_snapshot *s, uint32_t i, int k, int skip)
{
	uint32_t e;

	for (e = s->edge_off[i]; e < s->edge_off[i + 1]; e++)
		if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) == k && skip-- == 0)
			return e;
	ck_abort_msg("object %u has no edge of kind %d", i, k);
	return 0;
}

/* Every index in the snapshot is in range and every label decodes. */
static void check_consistent(const lh_snapshot *s)
{
	uint32_t i, e, n[LH_T_COUNT] = { 0 }, seen[LH_T_COUNT] = { 0 };
	lh_label l;
	size_t len;

	n[LH_T_STRING] = s->nstrings; n[LH_T_TABLE] = s->ntables; n[LH_T_LFUNC] = s->nfuncs;
	n[LH_T_CFUNC] = s->nfuncs; n[LH_T_USERDATA] = s->nudatas; n[LH_T_THREAD] = s->nthreads;
	n[LH_T_PROTO] = s->nprotos; n[LH_T_UPVALUE] = 2;
	ck_assert_uint_le(s->hdr.gc_mode, LH_GC_GENERATIONAL);
	ck_assert_uint_le(s->hdr.gc_was_running, 1);
	ck_assert_uint_eq(s->edge_off[0], 0);
	ck_assert_uint_eq(s->edge_off[s->nobj], s->nedge);
	for (i = 0; i < s->nobj; i++) {
		ck_assert(s->type[i] > 0 && s->type[i] < LH_T_COUNT);
		ck_assert_uint_lt(s->list[i], LH_LIST_COUNT);
		if (s->type[i] == LH_T_TABLE)
			ck_assert_uint_le(s->table_weak[lh_snapshot_aux(s, i)], LH_WEAK_BOTH);
		if (s->type[i] == LH_T_PROTO)
			ck_assert_uint_le(lh_snapshot_proto_info(s, i)->is_vararg, 1);
		/* the per-type index is the count of earlier objects of the
		 * type (both closure types share funcs) */
		if (s->type[i] == LH_T_UPVALUE) {
			ck_assert_uint_eq(lh_snapshot_aux(s, i), LH_NONE);
		} else {
			int k = s->type[i] == LH_T_CFUNC ? LH_T_LFUNC : s->type[i];
			ck_assert_uint_eq(lh_snapshot_aux(s, i), seen[k]);
			seen[k]++;
			ck_assert_uint_lt(lh_snapshot_aux(s, i), n[s->type[i]]);
		}
		ck_assert_uint_le(s->edge_off[i], s->edge_off[i + 1]);
		ck_assert_uint_eq(lh_snapshot_find(s, lh_snapshot_addr(s, i)), i);
		if (s->type[i] == LH_T_STRING) {
			ck_assert_ptr_nonnull(lh_snapshot_string(s, i, &len));
			ck_assert_uint_le(lh_snapshot_string_info(s, i)->is_long, 1);
			ck_assert_uint_le(lh_snapshot_string_info(s, i)->stored,
			                  lh_string_length(s, lh_snapshot_string_info(s, i)));
			ck_assert(lh_snapshot_string(s, i, NULL) >= s->text &&
			          lh_snapshot_string(s, i, NULL) + len <= s->text + s->text_len);
		}
		if (s->type[i] == LH_T_THREAD) {
			const lh_thread_info *t = lh_snapshot_thread_info(s, i);
			ck_assert_uint_le((uint64_t)t->frame_first + t->frame_count, s->nframes);
			ck_assert_uint_le(t->status, LH_THREAD_DEAD);
		}
	}
	for (e = 0; e < s->nedge; e++) {
		ck_assert_uint_lt(s->edge_to[e], s->nobj);
		lh_snapshot_label(s, e, &l);
		ck_assert(l.kind > 0 && l.kind < LH_E_COUNT);
		ck_assert(l.obj == LH_NONE || l.obj < s->nobj);
		if (l.kind == LH_E_FIELD_BOOL)
			ck_assert(l.i == 0 || l.i == 1);
		if (l.kind == LH_E_FIELD_STR)
			ck_assert_uint_eq(s->type[l.obj], LH_T_STRING);
	}
	for (i = 0; i < s->nframes; i++) {
		ck_assert(s->frames[i].func == LH_NONE || s->frames[i].func < s->nobj);
		ck_assert(s->frames[i].proto == LH_NONE || s->type[s->frames[i].proto] == LH_T_PROTO);
		ck_assert_uint_le(s->frames[i].is_lua, 1);
	}
	for (i = 0; i < s->nprotos; i++)
		ck_assert(s->protos[i].source == LH_NONE || s->type[s->protos[i].source] == LH_T_STRING);
	for (i = 0; i < s->nfuncs; i++)
		ck_assert(s->funcs[i].proto == LH_NONE || s->type[s->funcs[i].proto] == LH_T_PROTO);
	for (i = 0; i < s->nroots; i++)
		ck_assert_uint_lt(s->roots[i].target, s->nobj);
	for (i = 0; i < s->nwatches; i++)
		ck_assert(s->watches[i].target == LH_NONE || s->watches[i].target < s->nobj);
}

/* Two snapshots hold the same content (encodings aside). */
static void check_same(const lh_snapshot *a, const lh_snapshot *b)
{
	uint32_t i, e;
	lh_label la, lb;
	size_t na, nb;
	const char *sa, *sb;

	ck_assert_uint_eq(a->hdr.format_version, b->hdr.format_version);
	ck_assert_uint_eq(a->hdr.lua_version_num, b->hdr.lua_version_num);
	ck_assert_str_eq(a->hdr.lua_release, b->hdr.lua_release);
	ck_assert_str_eq(a->hdr.label, b->hdr.label);
	ck_assert_uint_eq(a->hdr.time, b->hdr.time);
	ck_assert_uint_eq(a->hdr.pid, b->hdr.pid);
	ck_assert_uint_eq(a->hdr.gc_mode, b->hdr.gc_mode);
	ck_assert_uint_eq(a->hdr.gc_state, b->hdr.gc_state);
	ck_assert_uint_eq(a->hdr.gc_was_running, b->hdr.gc_was_running);
	ck_assert_uint_eq(a->hdr.gc_pause, b->hdr.gc_pause);
	ck_assert_uint_eq(a->hdr.gc_genmajormul, b->hdr.gc_genmajormul);
	ck_assert_uint_eq(a->hdr.lua_total_bytes, b->hdr.lua_total_bytes);
	ck_assert_uint_eq(a->hdr.vm_overhead_bytes, b->hdr.vm_overhead_bytes);
	ck_assert_uint_eq(a->hdr.overhead_strtab, b->hdr.overhead_strtab);
	ck_assert_uint_eq(a->hdr.flags, b->hdr.flags);
	ck_assert_uint_eq(a->hdr.string_limit, b->hdr.string_limit);
	ck_assert_uint_eq(a->main_thread, b->main_thread);
	ck_assert_uint_eq(a->registry, b->registry);
	ck_assert_uint_eq(a->nobj, b->nobj);
	ck_assert_uint_eq(a->nedge, b->nedge);
	for (i = 0; i < a->nobj; i++)
		ck_assert_uint_eq(lh_snapshot_addr(a, i), lh_snapshot_addr(b, i));
	ck_assert_mem_eq(a->size, b->size, a->nobj * sizeof(*a->size));
	ck_assert_uint_eq(a->nbig, b->nbig);
	if (a->nbig) {
		ck_assert_mem_eq(a->big_obj, b->big_obj, a->nbig * sizeof(uint32_t));
		ck_assert_mem_eq(a->big_size, b->big_size, a->nbig * sizeof(uint64_t));
	}
	ck_assert_mem_eq(a->type, b->type, a->nobj);
	ck_assert_mem_eq(a->list, b->list, a->nobj);
	ck_assert_mem_eq(a->marked, b->marked, a->nobj);
	for (i = 0; i < a->nobj; i++) {
		ck_assert_uint_eq(lh_snapshot_aux(a, i), lh_snapshot_aux(b, i));
		ck_assert_int_eq(lh_snapshot_upvalue_open(a, i), lh_snapshot_upvalue_open(b, i));
	}
	ck_assert_mem_eq(a->edge_off, b->edge_off, (a->nobj + 1) * sizeof(uint32_t));
	if (a->nedge) {
		ck_assert_mem_eq(a->edge_to, b->edge_to, a->nedge * sizeof(uint32_t));
		ck_assert_mem_eq(a->edge_kind, b->edge_kind, a->nedge);
	}
	for (e = 0; e < a->nedge; e++) {
		lh_snapshot_label(a, e, &la);
		lh_snapshot_label(b, e, &lb);
		ck_assert_uint_eq(la.kind, lb.kind);
		ck_assert_uint_eq(la.flags, lb.flags);
		ck_assert_int_eq(la.i, lb.i);
		ck_assert(la.d == lb.d || (isnan(la.d) && isnan(lb.d)));
		ck_assert_uint_eq(la.ptr, lb.ptr);
		ck_assert_uint_eq(la.obj, lb.obj);
		ck_assert_uint_eq(la.slot, lb.slot);
	}
	for (i = 0; i < a->nobj; i++) {
		switch (a->type[i]) {
		case LH_T_STRING:
			sa = lh_snapshot_string(a, i, &na);
			sb = lh_snapshot_string(b, i, &nb);
			ck_assert_uint_eq(na, nb);
			ck_assert_mem_eq(sa, sb, na);
			ck_assert_uint_eq(lh_string_length(a, lh_snapshot_string_info(a, i)),
			                  lh_string_length(b, lh_snapshot_string_info(b, i)));
			ck_assert_uint_eq(lh_snapshot_string_info(a, i)->is_long, lh_snapshot_string_info(b, i)->is_long);
			break;
		case LH_T_TABLE: {
			const lh_table_info *x = lh_snapshot_table_info(a, i), *y = lh_snapshot_table_info(b, i);
			ck_assert(x->asize == y->asize && lh_table_nodes(a, lh_snapshot_aux(a, i)) == lh_table_nodes(b, lh_snapshot_aux(b, i)) && a->table_weak[lh_snapshot_aux(a, i)] == b->table_weak[lh_snapshot_aux(b, i)] &&
			          x->array_entries == y->array_entries && x->hash_entries == y->hash_entries);
			break;
		}
		case LH_T_LFUNC: case LH_T_CFUNC: {
			const lh_func_info *x = lh_snapshot_func_info(a, i), *y = lh_snapshot_func_info(b, i);
			ck_assert(x->nupvalues == y->nupvalues && x->proto == y->proto && x->cfunc == y->cfunc);
			ck_assert((x->symbol == UINT32_MAX) == (y->symbol == UINT32_MAX));
			if (x->symbol != UINT32_MAX)
				ck_assert_str_eq(a->symbols + x->symbol, b->symbols + y->symbol);
			break;
		}
		case LH_T_THREAD: {
			const lh_thread_info *x = lh_snapshot_thread_info(a, i), *y = lh_snapshot_thread_info(b, i);
			uint32_t k;
			ck_assert(x->status == y->status && x->stack_slots == y->stack_slots &&
			          x->nci == y->nci && x->frame_count == y->frame_count);
			for (k = 0; k < x->frame_count; k++) {
				const lh_frame_info *fa = &a->frames[x->frame_first + k];
				const lh_frame_info *fb = &b->frames[y->frame_first + k];
				ck_assert(fa->func == fb->func && fa->proto == fb->proto &&
				          fa->line == fb->line && fa->is_lua == fb->is_lua);
			}
			break;
		}
		case LH_T_PROTO: {
			const lh_proto_info *x = lh_snapshot_proto_info(a, i), *y = lh_snapshot_proto_info(b, i);
			ck_assert(x->linedefined == y->linedefined && x->lastlinedefined == y->lastlinedefined &&
			          x->numparams == y->numparams && x->is_vararg == y->is_vararg &&
			          x->maxstacksize == y->maxstacksize && x->sizecode == y->sizecode &&
			          x->source == y->source);
			break;
		}
		case LH_T_USERDATA:
			ck_assert(lh_snapshot_udata_info(a, i)->length == lh_snapshot_udata_info(b, i)->length &&
			          lh_snapshot_udata_info(a, i)->nuvalue == lh_snapshot_udata_info(b, i)->nuvalue);
			break;
		}
	}
	ck_assert_uint_eq(a->nroots, b->nroots);
	for (i = 0; i < a->nroots; i++)
		ck_assert(a->roots[i].kind == b->roots[i].kind && a->roots[i].target == b->roots[i].target &&
		          a->roots[i].index == b->roots[i].index);
	ck_assert_uint_eq(a->nwatches, b->nwatches);
	for (i = 0; i < a->nwatches; i++) {
		ck_assert(a->watches[i].addr == b->watches[i].addr && a->watches[i].target == b->watches[i].target &&
		          a->watches[i].expect_dead == b->watches[i].expect_dead);
		ck_assert_str_eq(a->watches[i].label, b->watches[i].label);
	}
}

/* ---- valid files ---- */

/* CRC-32C's check value, from the processor's instruction and from the
 * tables, and any cut of a buffer continues to the same CRC either way. */
START_TEST(crc32_matches_the_standard_check_value)
{
	unsigned char b[1000];
	uint32_t hw[1000], i;
	int on;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 131 + 7);
	for (on = 1; on >= 0; on--) {
		lh_crc32_hw(on);
		ck_assert_uint_eq(lh_crc32(0, "123456789", 9), 0xe3069283u);
		ck_assert_uint_eq(lh_crc32(lh_crc32(0, "1234", 4), "56789", 5), 0xe3069283u);
		ck_assert_uint_eq(lh_crc32(0, "", 0), 0);
		for (i = 0; i < sizeof(b); i++) {
			uint32_t c = lh_crc32(lh_crc32(0, b, i), b + i, sizeof(b) - i);
			if (on)
				hw[i] = c;
			else
				ck_assert_uint_eq(c, hw[i]);
		}
	}
	lh_crc32_hw(1);
}
END_TEST

START_TEST(binary_snapshot_loads_to_the_expected_arrays)
{
	theap h;
	buf f = { 0 };
	lh_snapshot *s;
	lh_label l;
	uint32_t g, lf, cf, th, e, sx, slong;
	size_t len;
	const char *p;

	sample_heap(&h);
	encode_bin(&f, &h, 4096);
	s = load_ok(&f, "sample.snap");
	check_consistent(s);
	ck_assert_str_eq(s->path, "sample.snap");
	ck_assert_int_eq(s->hdr.encoding, 0);
	ck_assert_str_eq(s->hdr.lua_release, "Lua 5.4.4");
	ck_assert_str_eq(s->hdr.label, "lab\xe9l \"q\"\n");
	ck_assert_uint_eq(s->hdr.lua_total_bytes, 123456);
	ck_assert_uint_eq(s->hdr.gc_stepsize, 13);
	ck_assert_uint_eq(s->nobj, (uint32_t)h.nobj);
	/* written edges plus one implicit key edge per string-keyed field */
	ck_assert_uint_eq(s->nedge, (uint32_t)count_edges(&h) + 2);
	ck_assert_uint_eq(s->main_thread, find(s, A_THREAD));
	ck_assert_uint_eq(s->registry, find(s, A_REG));

	g = find(s, A_G); lf = find(s, A_LF); cf = find(s, A_CF); th = find(s, A_THREAD);
	sx = find(s, A_SX); slong = find(s, A_SLONG);
	ck_assert_uint_eq(g, 2);
	ck_assert_uint_eq(s->type[g], LH_T_TABLE);
	ck_assert_uint_eq(lh_snapshot_size(s, g), 400);
	ck_assert_uint_eq(lh_snapshot_table_info(s, g)->hash_entries, 9);
	ck_assert_uint_eq(lh_table_nodes(s, lh_snapshot_aux(s, g)), 16);
	ck_assert_uint_eq(lh_table_nodes(s, lh_snapshot_aux(s, find(s, A_WEAKT))), 1);
	ck_assert_uint_eq(lh_table_nodes(s, lh_snapshot_aux(s, find(s, A_REG))), 0);
	ck_assert_uint_eq(s->table_weak[lh_snapshot_aux(s, find(s, A_WEAKT))], LH_WEAK_KEYS);
	ck_assert_uint_eq(s->edge_off[g + 1] - s->edge_off[g], 12);

	e = edge_of(s, g, LH_E_FIELD_STR, 1);
	lh_snapshot_label(s, e, &l);
	ck_assert_uint_eq(s->edge_to[e], lf);
	ck_assert_uint_eq(l.obj, sx);
	ck_assert_uint_eq(s->edge_kind[e + 1], LH_E_KEY);
	ck_assert_uint_eq(s->edge_to[e + 1], sx);
	lh_snapshot_label(s, edge_of(s, g, LH_E_FIELD_INT, 0), &l);
	ck_assert_int_eq(l.i, -5);
	lh_snapshot_label(s, edge_of(s, g, LH_E_FIELD_INT, 1), &l);
	ck_assert_int_eq(l.i, INT64_C(1) << 40);
	lh_snapshot_label(s, edge_of(s, g, LH_E_FIELD_NUM, 0), &l);
	ck_assert(l.d == 1.5);
	lh_snapshot_label(s, edge_of(s, g, LH_E_FIELD_BOOL, 0), &l);
	ck_assert_int_eq(l.i, 1);
	lh_snapshot_label(s, edge_of(s, g, LH_E_FIELD_OBJ, 0), &l);
	ck_assert_uint_eq(l.obj, find(s, A_KEYT));
	lh_snapshot_label(s, edge_of(s, g, LH_E_FIELD_LIGHT, 0), &l);
	ck_assert_uint_eq(l.ptr, 0x7fff12345678ull);
	lh_snapshot_label(s, edge_of(s, find(s, A_KEYT), LH_E_ARRAY, 0), &l);
	ck_assert_int_eq(l.i, INT64_C(1) << 33);
	e = edge_of(s, find(s, A_WEAKT), LH_E_FIELD_OBJ, 0);
	ck_assert_uint_eq(s->edge_kind[e], LH_E_FIELD_OBJ | LH_EDGE_EPHEMERON);

	lh_snapshot_label(s, edge_of(s, lf, LH_E_UPVALUE, 0), &l);
	ck_assert_int_eq(l.i, 1);
	ck_assert_uint_eq(l.obj, sx);
	lh_snapshot_label(s, edge_of(s, lf, LH_E_UPVALUE, 1), &l);
	ck_assert_int_eq(l.i, 200);
	ck_assert_uint_eq(l.obj, LH_NONE);
	ck_assert_uint_eq(lh_snapshot_func_info(s, lf)->proto, find(s, A_PROTO));
	ck_assert_uint_eq(lh_snapshot_func_info(s, lf)->nupvalues, 200);
	ck_assert_uint_eq(lh_snapshot_func_info(s, cf)->proto, LH_NONE);
	ck_assert_uint_eq(lh_snapshot_func_info(s, cf)->cfunc, 0x7f0000001234ull);
	ck_assert_str_eq(s->symbols + lh_snapshot_func_info(s, cf)->symbol, "luaB_print");

	lh_snapshot_label(s, edge_of(s, th, LH_E_STACK, 0), &l);
	ck_assert(l.i == 0 && l.slot == 1 && l.obj == sx);
	lh_snapshot_label(s, edge_of(s, th, LH_E_STACK, 1), &l);
	ck_assert(l.i == 1 && l.slot == 0 && l.obj == LH_NONE);
	ck_assert_uint_eq(s->edge_kind[edge_of(s, th, LH_E_OPEN_UPVAL, 0)], LH_E_OPEN_UPVAL | LH_EDGE_WEAK);
	ck_assert_uint_eq(lh_snapshot_thread_info(s, th)->frame_count, 2);
	ck_assert_uint_eq(s->frames[lh_snapshot_thread_info(s, th)->frame_first].func, lf);
	ck_assert_uint_eq(s->frames[lh_snapshot_thread_info(s, th)->frame_first].line, 12);
	ck_assert_uint_eq(s->frames[lh_snapshot_thread_info(s, th)->frame_first + 1].proto, LH_NONE);
	ck_assert_uint_eq(lh_snapshot_thread_info(s, find(s, A_CO))->status, LH_THREAD_SUSPENDED);

	p = lh_snapshot_string(s, slong, &len);
	ck_assert_uint_eq(len, 9);
	ck_assert_mem_eq(p, long_text, 9);
	ck_assert_uint_eq(lh_string_length(s, lh_snapshot_string_info(s, slong)), 100);
	ck_assert_ptr_null(lh_snapshot_string(s, g, &len));
	ck_assert_uint_eq(lh_snapshot_proto_info(s, find(s, A_PROTO))->source, find(s, A_SSRC));
	ck_assert_int_eq(lh_snapshot_upvalue_open(s, find(s, A_UPV)), 1);
	ck_assert_uint_eq(lh_snapshot_udata_info(s, find(s, A_UD))->nuvalue, 2);

	ck_assert_uint_eq(s->nroots, 4);
	ck_assert_uint_eq(s->roots[2].kind, LH_ROOT_TYPE_MT);
	ck_assert_uint_eq(s->roots[2].index, 4);
	ck_assert_uint_eq(s->roots[2].target, find(s, A_WEAKT));
	ck_assert_uint_eq(s->nwatches, 2);
	ck_assert_uint_eq(s->watches[0].target, find(s, A_KEYT));
	ck_assert_str_eq(s->watches[0].label, "the \xe9 key");
	ck_assert_uint_eq(s->watches[1].target, LH_NONE);
	ck_assert_uint_eq(lh_snapshot_find(s, 0xdead0ull), LH_NONE);
	ck_assert_str_eq(lh_type_name(LH_T_PROTO), "proto");
	ck_assert_str_eq(lh_type_name(99), "?");
	lh_snapshot_free(s);
	lh_snapshot_free(NULL);
	free(f.p);
}
END_TEST

START_TEST(frame_size_does_not_change_what_loads)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 64, 1000 };
	theap h;
	buf whole = { 0 };
	lh_snapshot *a, *b;
	size_t i;

	sample_heap(&h);
	encode_bin(&whole, &h, LH_FRAME_MAX);
	a = load_ok(&whole, "whole");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf f = { 0 };
		encode_bin(&f, &h, sizes[i]);
		b = load_ok(&f, "framed");
		check_same(a, b);
		lh_snapshot_free(b);
		free(f.p);
	}
	lh_snapshot_free(a);
	free(whole.p);
}
END_TEST

/* size[] holds 32 bits: larger sizes go to the side table, exactly. */
START_TEST(sizes_of_4_gib_and_more_load_exactly)
{
	static const uint64_t sizes[] = { UINT32_MAX - 1, UINT32_MAX,
		UINT64_C(5) << 30, UINT64_C(1) << 40, 7 };
	theap h;
	buf fb = { 0 }, fj = { 0 };
	lh_snapshot *a, *b;
	uint32_t i;

	sample_heap(&h);
	ck_assert_int_ge(h.nobj, 5);
	for (i = 0; i < 5; i++)
		h.objs[i].size = sizes[i];
	encode_bin(&fb, &h, 4096);
	encode_json(&fj, &h);
	a = load_ok(&fb, "big.snap");
	b = load_ok(&fj, "big.json");
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(lh_snapshot_size(a, i), sizes[i]);
		ck_assert_uint_eq(lh_snapshot_size(b, i), sizes[i]);
	}
	ck_assert_uint_eq(a->nbig, 3);
	ck_assert_uint_eq(a->size[0], UINT32_MAX - 1);
	ck_assert_uint_eq(a->size[1], LH_SIZE_BIG);
	check_same(a, b);
	lh_snapshot_free(a);
	lh_snapshot_free(b);
	free(fb.p);
	free(fj.p);
}
END_TEST

START_TEST(json_and_binary_encodings_load_to_identical_arrays)
{
	theap h;
	buf fb = { 0 }, fj = { 0 };
	lh_snapshot *a, *b;

	sample_heap(&h);
	encode_bin(&fb, &h, 100);
	encode_json(&fj, &h);
	a = load_ok(&fb, "a.snap");
	b = load_ok(&fj, "a.json");
	ck_assert_int_eq(b->hdr.encoding, 1);
	check_consistent(b);
	check_same(a, b);
	lh_snapshot_free(a);
	lh_snapshot_free(b);
	free(fb.p);
	free(fj.p);
}
END_TEST

/* A pseudo-random heap of n objects with edges among them. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* With 'spread', every object lies in its own 4 GiB region (more than
 * the 256 high address halves the compact address arrays hold). */
static void random_heap(theap *h, int n, int spread)
{
	static char pool[4096 + 32];    /* string bytes, different everywhere */
	tobj *o = calloc((size_t)n, sizeof(tobj));
	int i, k;

	for (i = 0; i < (int)sizeof(pool); i++)
		pool[i] = (char)('a' + rnd() % 26);

	ck_assert_ptr_nonnull(o);
	memset(h, 0, sizeof(*h));
	h->objs = o;
	h->nobj = n;
	for (i = 0; i < n; i++) {
		/* addresses in a shuffled order, 16-byte aligned, some far apart */
		o[i].addr = 0x55d000000000ull + ((uint64_t)(i * 7919 % n) << 4) + (i % 5 == 0 ? (1ull << 40) : 0);
		if (spread)
			o[i].addr = ((uint64_t)(i * 7919 % n + 1) << 32) | 0x40;
		o[i].size = 16 + rnd() % 500;
		o[i].marked = (int)(rnd() & 0xff);
		if (i % 3 == 0) {
			o[i].type = LH_T_STRING;
			o[i].text = pool + (i * 37) % 4096;
			o[i].stored = (size_t)(rnd() % 17);
			o[i].length = o[i].stored + rnd() % 3;
		} else {
			o[i].type = LH_T_TABLE;
			o[i].nedges = (int)(rnd() % 12);
			for (k = 0; k < o[i].nedges; k++) {
				int t = (int)(rnd() % n);
				o[i].edges[k].to = 0;   /* filled below */
				o[i].edges[k].i = t;
				if (k % 2) {
					o[i].edges[k].kind = LH_E_FIELD_STR;
					o[i].edges[k].addr = (uint64_t)((t / 3) * 3);   /* a string's index */
				} else {
					o[i].edges[k].kind = LH_E_ARRAY | (rnd() % 4 == 0 ? LH_EDGE_WEAK : 0);
				}
			}
		}
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < o[i].nedges; k++) {
			o[i].edges[k].to = o[o[i].edges[k].i].addr;
			if ((o[i].edges[k].kind & LH_EDGE_KIND_MASK) == LH_E_FIELD_STR)
				o[i].edges[k].addr = o[o[i].edges[k].addr].addr;
			o[i].edges[k].i += 1;
		}
	h->roots[0] = (troot){ LH_ROOT_REGISTRY, o[1].addr, 0 };
	h->nroots = 1;
}

START_TEST(random_heaps_load_the_same_from_both_encodings)
{
	theap h;
	int round;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (round = 0; round < 5; round++) {
		buf fb = { 0 }, fj = { 0 };
		lh_snapshot *a, *b;
		int n = 10 + round * 700, i;

		random_heap(&h, n, round >= 3);
		encode_bin(&fb, &h, 1 + rnd() % 5000);
		encode_json(&fj, &h);
		a = load_ok(&fb, "r.snap");
		b = load_ok(&fj, "r.json");
		check_consistent(a);
		check_same(a, b);
		/* thousands of regions need 64-bit addresses, a few fit 5 bytes */
		ck_assert_int_eq(a->addr64 != NULL, round >= 3 && n > 256);
		ck_assert_int_eq(b->addr64 != NULL, round >= 3 && n > 256);
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(lh_snapshot_addr(a, i), h.objs[i].addr);
			ck_assert_uint_eq(lh_snapshot_find(a, h.objs[i].addr), (uint32_t)i);
			if (h.objs[i].type == LH_T_STRING) {   /* each its own bytes */
				size_t len;
				const char *t = lh_snapshot_string(a, i, &len);
				ck_assert_uint_eq(len, h.objs[i].stored);
				ck_assert(len == 0 || memcmp(t, h.objs[i].text, len) == 0);
				t = lh_snapshot_string(b, i, &len);
				ck_assert(len == 0 || memcmp(t, h.objs[i].text, len) == 0);
			}
		}
		{       /* batched lookups: every address, each one also off by 8 */
			uint64_t *addrs = malloc(2 * (size_t)n * sizeof(*addrs));
			uint32_t *found = malloc(2 * (size_t)n * sizeof(*found));

			ck_assert(addrs != NULL && found != NULL);
			for (i = 0; i < n; i++) {
				addrs[2 * i] = h.objs[n - 1 - i].addr;
				addrs[2 * i + 1] = h.objs[i].addr + 8;
			}
			lh_snapshot_find_many(b, addrs, 2 * (uint32_t)n, found);
			for (i = 0; i < 2 * n; i++)
				ck_assert_uint_eq(found[i], lh_snapshot_find(b, addrs[i]));
			for (i = 0; i < n; i++) {
				ck_assert_uint_eq(found[2 * i], (uint32_t)(n - 1 - i));
				ck_assert_uint_eq(found[2 * i + 1], LH_NONE);
			}
			free(addrs);
			free(found);
		}
		ck_assert_uint_eq(lh_snapshot_find(a, 0x1234), LH_NONE);
		lh_snapshot_free(a);
		lh_snapshot_free(b);
		free(fb.p);
		free(fj.p);
		free(h.objs);
	}
}
END_TEST

START_TEST(an_empty_heap_loads)
{
	theap h;
	buf f = { 0 };
	lh_snapshot *s;

	memset(&h, 0, sizeof(h));
	encode_bin(&f, &h, 100);
	s = load_ok(&f, "empty");
	ck_assert_uint_eq(s->nobj, 0);
	ck_assert_uint_eq(s->nedge, 0);
	ck_assert_uint_eq(s->main_thread, LH_NONE);
	ck_assert_uint_eq(lh_snapshot_find(s, 0x10), LH_NONE);
	lh_snapshot_free(s);
	free(f.p);
}
END_TEST

/* ---- damaged and hostile files ---- */

START_TEST(truncation_at_every_byte_is_rejected)
{
	theap h;
	buf f = { 0 }, j = { 0 };
	size_t n;

	sample_heap(&h);
	encode_bin(&f, &h, 50);
	encode_json(&j, &h);
	for (n = 0; n < f.n; n++)
		load_fails(f.p, n, LH_EFORMAT);
	for (n = 0; n < j.n - 1; n++)   /* the last byte is a newline */
		load_fails(j.p, n, LH_EFORMAT);
	lh_snapshot_free(load_ok(&f, "whole"));
	free(f.p);
	free(j.p);
}
END_TEST

/* Loads data: it must fail with a format error or load a consistent snapshot. */
static int load_any(const unsigned char *p, size_t n)
{
	lh_snapshot *s = NULL;
	lh_error err;
	int rc = lh_snapshot_load_mem(&s, "bad.snap", p, n, &err);

	if (rc == LH_OK) {
		check_consistent(s);
		lh_snapshot_free(s);
	} else {
		ck_assert_msg(rc == LH_EFORMAT || rc == LH_EVERSION, "rc %d: %s", rc, err.msg);
		ck_assert_ptr_null(s);
		ck_assert(strncmp(err.msg, "cannot read snapshot 'bad.snap': ", 33) == 0);
	}
	return rc;
}

/*
 * Caps this (forked) test process's address space at what it uses now plus
 * 'extra' bytes, so that an allocation the input does not justify fails.
 * Not under AddressSanitizer, whose shadow memory needs terabytes of it.
 */
static void cap_memory(size_t extra)
{
#if !defined(__SANITIZE_ADDRESS__)
	struct rlimit rl;
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL || fscanf(f, "%lu", &pages) != 1) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + extra;
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &rl), 0);
#else
	(void)extra;
#endif
}

START_TEST(every_flipped_byte_is_caught_by_a_checksum)
{
	theap h;
	buf f = { 0 };
	size_t i;
	int loaded = 0;

	sample_heap(&h);
	encode_bin(&f, &h, 40);
	for (i = 0; i < f.n; i++) {
		f.p[i] ^= 0xff;
		if (load_any(f.p, f.n) == LH_OK) {
			/* only the reserved header word is not checked */
			ck_assert(i == LH_MAGIC_LEN + 2 || i == LH_MAGIC_LEN + 3);
			loaded++;
		}
		f.p[i] ^= 0xff;
	}
	ck_assert_int_eq(loaded, 2);
	free(f.p);
}
END_TEST

START_TEST(every_corrupted_record_byte_is_rejected_or_loads_consistently)
{
	static const unsigned char masks[] = { 0xff, 0x01, 0x80, 0x7f };
	theap h;
	buf r = { 0 };
	size_t i, m;
	int rejected = 0;

	sample_heap(&h);
	encode_records(&r, &h);
	cap_memory(256 << 20);
	/* valid checksums over corrupted content: the parser itself must cope */
	for (m = 0; m < sizeof(masks); m++)
		for (i = 0; i < r.n; i++) {
			buf f = { 0 };
			r.p[i] ^= masks[m];
			frame_stream(&f, r.p, r.n, 64);
			if (load_any(f.p, f.n) != LH_OK)
				rejected++;
			r.p[i] ^= masks[m];
			free(f.p);
		}
	ck_assert_int_gt(rejected, (int)r.n);
	free(r.p);
}
END_TEST

START_TEST(every_corrupted_json_byte_is_rejected_or_loads_consistently)
{
	static const unsigned char repl[] = { '}', '"', '0', '-', 0xe9, '\\' };
	theap h;
	buf j = { 0 };
	size_t i, m;
	unsigned char saved;

	sample_heap(&h);
	encode_json(&j, &h);
	cap_memory(256 << 20);
	for (m = 0; m < sizeof(repl); m++)
		for (i = 0; i < j.n; i += 1) {
			saved = j.p[i];
			j.p[i] = repl[m];
			load_any(j.p, j.n);
			j.p[i] = saved;
		}
	free(j.p);
}
END_TEST

/* A file whose record stream is: the sample header, then 'tail'. */
static void hostile(buf *f, const buf *tail)
{
	theap h;
	buf r = { 0 }, full = { 0 };
	size_t hdr_len;

	memset(&h, 0, sizeof(h));
	encode_records(&full, &h);
	hdr_len = full.n - 4;   /* minus the end record: tag and three zeros */
	put(&r, full.p, hdr_len);
	put(&r, tail->p, tail->n);
	frame_stream(f, r.p, r.n, 4096);
	free(r.p);
	free(full.p);
}

static const char *hostile_fails(const buf *tail)
{
	buf f = { 0 };
	const char *msg;

	hostile(&f, tail);
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	free(f.p);
	return msg;
}

static void put_object_head(buf *t, int type, uint64_t delta, uint64_t size)
{
	put_u8(t, LH_REC_OBJECT);
	put_u8(t, (unsigned)type);
	put_u8(t, 0);
	put_u8(t, 0);
	put_sv(t, (int64_t)delta);
	put_uv(t, size);
}

static void put_end(buf *t, uint64_t no, uint64_t ne, uint64_t nr)
{
	put_u8(t, LH_REC_END);
	put_uv(t, no);
	put_uv(t, ne);
	put_uv(t, nr);
}

START_TEST(huge_declared_lengths_are_rejected_before_allocating)
{
	buf t = { 0 };
	const char *msg;

	cap_memory(64 << 20);
	/* a string of 2^60 bytes */
	put_object_head(&t, LH_T_STRING, 0x1000, 32);
	put_u8(&t, 1);
	put_uv(&t, UINT64_C(1) << 60);
	put_uv(&t, UINT64_C(1) << 60);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "exceeds the remaining") != NULL, "%s", msg);
	free(t.p);

	/* a thread with four billion frames */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_THREAD, 0x1000, 32);
	put_u8(&t, 0);
	put_uv(&t, 10);
	put_uv(&t, 1);
	put_uv(&t, UINT64_C(4000000000));
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "frame count") != NULL, "%s", msg);
	free(t.p);

	/* a C function symbol of 2^40 bytes */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_CFUNC, 0x1000, 32);
	put_uv(&t, 0);
	put_uv(&t, 0x1234);
	put_uv(&t, UINT64_C(1) << 40);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "symbol length 1099511627776 out of range") != NULL, "%s", msg);
	free(t.p);

	/* a watch label of 2^32 - 1 bytes */
	memset(&t, 0, sizeof(t));
	put_u8(&t, LH_REC_WATCH);
	put_uv(&t, 0x1000);
	put_uv(&t, UINT32_MAX);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "exceeds the remaining") != NULL, "%s", msg);
	free(t.p);

	/* four billion edges declared at the end */
	memset(&t, 0, sizeof(t));
	put_end(&t, 0, UINT64_C(4000000000), 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "edges") != NULL, "%s", msg);
	free(t.p);
}
END_TEST

START_TEST(frame_lengths_beyond_the_limit_or_the_file_are_rejected)
{
	buf f = { 0 };
	const char *msg;

	put(&f, LH_MAGIC, LH_MAGIC_LEN);
	put_le(&f, 1, 2);
	put_le(&f, 0, 2);
	put_le(&f, LH_FRAME_MAX + 1, 4);
	put(&f, "xxxxxxxx", 8);
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	ck_assert_msg(strstr(msg, "bad length") != NULL, "%s", msg);
	f.n = LH_MAGIC_LEN + 4;
	put_le(&f, LH_FRAME_MAX, 4);
	put(&f, "xxxxxxxx", 8);
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	ck_assert_msg(strstr(msg, "truncated frame at byte 12") != NULL, "%s", msg);
	free(f.p);
}
END_TEST

START_TEST(references_to_unknown_objects_are_rejected)
{
	buf t = { 0 };
	const char *msg;

	/* an edge to an address no object has */
	put_object_head(&t, LH_T_TABLE, 0x1000, 56);
	put_uv(&t, 0); put_uv(&t, 0); put_u8(&t, 0);
	put_u8(&t, LH_E_ARRAY); put_sv(&t, 0x55d0); put_uv(&t, 1);
	put_u8(&t, 0);
	put_uv(&t, 1); put_uv(&t, 0);
	put_end(&t, 1, 1, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "edge to unknown object 0x65d0") != NULL, "%s", msg);
	free(t.p);

	/* a root naming no object */
	memset(&t, 0, sizeof(t));
	put_u8(&t, LH_REC_ROOT); put_u8(&t, LH_ROOT_REGISTRY); put_uv(&t, 0x777); put_uv(&t, 0);
	put_end(&t, 0, 0, 1);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "root to unknown object 0x777") != NULL, "%s", msg);
	free(t.p);

	/* a field whose key string is not in the file */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_TABLE, 0x1000, 56);
	put_uv(&t, 0); put_uv(&t, 1); put_u8(&t, 0);
	put_u8(&t, LH_E_FIELD_STR); put_sv(&t, 0); put_uv(&t, 0x2000);
	put_u8(&t, 0);
	put_uv(&t, 0); put_uv(&t, 1);
	put_end(&t, 1, 1, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "unknown object 0x2000") != NULL, "%s", msg);
	free(t.p);

	/* a field key that is a table, not a string */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_TABLE, 0x1000, 56);
	put_uv(&t, 0); put_uv(&t, 1); put_u8(&t, 0);
	put_u8(&t, LH_E_FIELD_STR); put_sv(&t, 0); put_uv(&t, 0x1000);
	put_u8(&t, 0);
	put_uv(&t, 0); put_uv(&t, 1);
	put_end(&t, 1, 1, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "not a string") != NULL, "%s", msg);
	free(t.p);

	/* a hash part whose size is not a power of two */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_TABLE, 0x1000, 56);
	put_uv(&t, 0); put_uv(&t, 12); put_u8(&t, 0);
	put_u8(&t, 0);
	put_uv(&t, 0); put_uv(&t, 0);
	put_end(&t, 1, 0, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "table of 12 hash nodes, not a power of two") != NULL, "%s", msg);
	free(t.p);
}
END_TEST

START_TEST(duplicate_addresses_and_wrong_counts_are_rejected)
{
	buf t = { 0 };
	const char *msg;
	int i;

	for (i = 0; i < 2; i++) {
		put_object_head(&t, LH_T_UPVALUE, i == 0 ? 0x1000 : 0, 40);
		put_u8(&t, 0);
		put_u8(&t, 0);
	}
	put_end(&t, 2, 0, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "duplicate object address 0x1000") != NULL, "%s", msg);
	free(t.p);

	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_UPVALUE, 0x1000, 40);
	put_u8(&t, 0);
	put_u8(&t, 0);
	put_end(&t, 2, 0, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "end record counts 2 objects") != NULL, "%s", msg);
	free(t.p);
}
END_TEST

/* A file of n upvalue objects at the addresses a[0..n), in that order. */
static void upvalue_heap(buf *f, const uint64_t *a, int n)
{
	buf t = { 0 };
	uint64_t prev = 0;
	int i;

	for (i = 0; i < n; i++) {
		put_object_head(&t, LH_T_UPVALUE, a[i] - prev, 40);
		put_u8(&t, 0);
		put_u8(&t, 0);
		prev = a[i];
	}
	put_end(&t, (uint64_t)n, 0, 0);
	hostile(f, &t);
	free(t.p);
}

typedef struct addr_at { uint64_t addr; int at; } addr_at;

static int by_addr_then_at(const void *x, const void *y)
{
	const addr_at *p = x, *q = y;

	if (p->addr != q->addr)
		return p->addr < q->addr ? -1 : 1;
	return p->at - q->at;
}

/* The first object, in file order, whose address an earlier one has (by
 * sorting, not hashing); -1 when every address is unique. */
static int first_repeat(const uint64_t *a, int n)
{
	addr_at *s = malloc((size_t)n * sizeof(*s));
	int i, first = -1;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		s[i] = (addr_at){ a[i], i };
	qsort(s, (size_t)n, sizeof(*s), by_addr_then_at);
	for (i = 1; i < n; i++)
		if (s[i].addr == s[i - 1].addr && (first < 0 || s[i].at < first))
			first = s[i].at;
	free(s);
	return first;
}

/* Loading on two threads where it may (NULL), or on one ("1"). */
static void set_threads(const char *threads)
{
	if (threads != NULL)
		setenv("LUAHEAP_THREADS", threads, 1);
	else
		unsetenv("LUAHEAP_THREADS");
}

/* Loads f (then frees it) expecting it refused with a message holding
 * 'want'; the message goes to msg. */
static void refused_naming(buf *f, char msg[512], const char *want)
{
	snprintf(msg, 512, "%s", load_fails(f->p, f->n, LH_EFORMAT));
	free(f->p);
	ck_assert_msg(strstr(msg, want) != NULL, "%s, not %s", msg, want);
}

START_TEST(the_address_index_filled_on_two_threads_finds_every_object_and_the_first_repeat)
{
	enum { N = 150000, PROBES = 3000 };
	uint64_t *a = malloc(N * sizeof(*a)), x;
	const char *threads[2] = { NULL, "1" };
	char msg[2][512], want[128];
	int round, t, i, k, rep, bad;

	ck_assert_ptr_nonnull(a);
	rng_state = 0x5851f42d4c957f2dull;
	for (round = 0; round < 3; round++) {
		uint32_t mul = (uint32_t)(rnd() | 1), off = (uint32_t)rnd();
		for (i = 0; i < N; i++)   /* distinct low halves, a few high ones */
			a[i] = (0x55d0ull + rnd() % (round + 1)) << 32 |
			       (uint64_t)(((uint32_t)i * mul + off) & 0x0fffffffu) << 4;
		ck_assert_int_eq(first_repeat(a, N), -1);
		for (t = 0; t < 2; t++) {   /* both splits find every object */
			buf f = { 0 };
			lh_snapshot *s;

			set_threads(threads[t]);
			upvalue_heap(&f, a, N);
			s = load_ok(&f, "many.snap");
			/* counted, then checked once: each check writes to Check's pipe */
			for (i = bad = 0; i < N; i++)
				bad += lh_snapshot_find(s, a[i]) != (uint32_t)i;
			ck_assert_int_eq(bad, 0);
			for (k = 0; k < PROBES; k++) {   /* near misses, by brute force */
				uint32_t want_at = LH_NONE;
				x = a[rnd() % N] + (rnd() % 2 ? 16 : (uint64_t)1 << 32);
				for (i = 0; i < N; i++)
					if (a[i] == x)
						want_at = (uint32_t)i;
				bad += lh_snapshot_find(s, x) != want_at;
			}
			ck_assert_int_eq(bad, 0);
			lh_snapshot_free(s);
			free(f.p);
		}
		/* repeats planted in both halves: the first in file order is
		 * named, on one thread or two */
		for (k = 0; k < 2 + round; k++) {
			int from = (int)(rnd() % N), to = (int)(rnd() % N);
			a[to] = a[from];
		}
		a[N / 2 + 7] = a[N - 3];
		rep = first_repeat(a, N);
		ck_assert_int_ge(rep, 0);
		snprintf(want, sizeof(want), "duplicate object address 0x%" PRIx64, a[rep]);
		for (t = 0; t < 2; t++) {
			buf f = { 0 };

			set_threads(threads[t]);
			upvalue_heap(&f, a, N);
			refused_naming(&f, msg[t], want);
		}
		ck_assert_str_eq(msg[0], msg[1]);
	}
	unsetenv("LUAHEAP_THREADS");
	free(a);
}
END_TEST

/* n tables at addresses a[], table i with a metatable edge to table
 * (i * 7919 + 13) % n, or to table i - 1 from 'near' on: every object is
 * the target of one reference. */
static void linked_tables(buf *f, const uint64_t *a, int n, int near)
{
	buf t = { 0 };
	uint64_t prev = 0;
	int i, j;

	for (i = 0; i < n; i++) {
		j = i >= near ? i - 1 : (int)(((int64_t)i * 7919 + 13) % n);
		put_object_head(&t, LH_T_TABLE, a[i] - prev, 56);
		put_uv(&t, 0); put_uv(&t, 0); put_u8(&t, 0);
		put_u8(&t, LH_E_METATABLE);
		put_sv(&t, (int64_t)(a[j] - a[i]));
		put_u8(&t, 0);
		put_uv(&t, 0); put_uv(&t, 0);
		prev = a[i];
	}
	put_end(&t, (uint64_t)n, (uint64_t)n, 0);
	hostile(f, &t);
	free(t.p);
}

/* A file big enough for the reader to size its arrays by its pace has its
 * address index filled by a thread while it is read: every reference is
 * resolved as on one thread, and a repeated address is named the same
 * way (the first repeat in file order, by sorting). */
START_TEST(the_address_index_filled_while_reading_resolves_as_one_thread_does)
{
	enum { N = 700000 };
	uint64_t *a = malloc(N * sizeof(*a));
	const char *threads[2] = { NULL, "1" };
	char msg[2][512], want[128];
	unsigned taken;
	int t, i, rep, bad;

	ck_assert_ptr_nonnull(a);
	rng_state = 0x2545f4914f6cdd1dull;
	for (i = 0; i < N; i++)   /* distinct, in two high halves */
		a[i] = (0x7f10ull + (uint64_t)(rnd() % 2)) << 32 |
		       (uint64_t)(((uint32_t)i * 2654435761u) & 0x0fffffffu) << 4;
	ck_assert_int_eq(first_repeat(a, N), -1);
	for (t = 0; t < 2; t++) {
		buf f = { 0 };
		lh_snapshot *s;

		set_threads(threads[t]);
		linked_tables(&f, a, N, N);
		taken = lh_snap__early_taken;
		s = load_ok(&f, "linked.snap");
		ck_assert_uint_eq(lh_snap__early_taken - taken, t == 0 ? 1 : 0);
		ck_assert_uint_eq(s->nobj, N);
		ck_assert_uint_eq(s->nedge, N);
		for (i = bad = 0; i < N; i++)   /* one check: each one writes to Check's pipe */
			bad += s->edge_off[i] != (uint32_t)i ||
			       s->edge_to[i] != (uint32_t)(((int64_t)i * 7919 + 13) % N);
		ck_assert_int_eq(bad, 0);
		lh_snapshot_free(s);
		free(f.p);
	}
	/* repeats late in the file, and one early that comes second */
	a[N * 9 / 10] = a[N * 8 / 10];
	a[N * 7 / 10] = a[N / 10];
	a[N - 5] = a[N / 2];
	rep = first_repeat(a, N);
	ck_assert_int_eq(rep, N * 7 / 10);
	snprintf(want, sizeof(want), "duplicate object address 0x%" PRIx64, a[rep]);
	for (t = 0; t < 2; t++) {
		buf f = { 0 };

		set_threads(threads[t]);
		linked_tables(&f, a, N, N);
		taken = lh_snap__early_taken;
		refused_naming(&f, msg[t], want);
		ck_assert_uint_eq(lh_snap__early_taken - taken, t == 0 ? 1 : 0);
	}
	ck_assert_str_eq(msg[0], msg[1]);
	unsetenv("LUAHEAP_THREADS");
	free(a);
}
END_TEST

/* A file whose later objects take fewer bytes than its first ones holds
 * more objects than its pace promised: the object arrays move while the
 * filler reads them, then it gives its table up once the count passes
 * what the table was sized for, and the index is built after reading. */
START_TEST(the_address_index_filled_while_reading_gives_up_on_a_denser_end)
{
	enum { P = 524288, N = P + 1500000 };
	uint64_t *a = malloc(N * sizeof(*a));
	buf f = { 0 };
	lh_snapshot *s;
	unsigned taken;
	int i, bad;

	ck_assert_ptr_nonnull(a);
	for (i = 0; i < P; i++)       /* far apart: long deltas, random edges */
		a[i] = (0x7f00ull << 32) + ((uint64_t)i << 20);
	for (i = P; i < N; i++)       /* close together, each to the one before */
		a[i] = (0x7f80ull << 32) + ((uint64_t)i << 6);
	set_threads(NULL);
	linked_tables(&f, a, N, P + 1);
	taken = lh_snap__early_taken;
	s = load_ok(&f, "denser.snap");
	ck_assert_uint_eq(lh_snap__early_taken, taken);
	ck_assert_uint_eq(s->nobj, N);
	for (i = bad = 0; i < N; i++)
		bad += s->edge_to[i] != (uint32_t)(i > P ? i - 1 : ((int64_t)i * 7919 + 13) % N);
	ck_assert_int_eq(bad, 0);
	lh_snapshot_free(s);
	free(f.p);
	free(a);
}
END_TEST

START_TEST(edges_between_the_wrong_types_are_rejected)
{
	buf t = { 0 };
	const char *msg;

	/* a table with a stack-slot edge */
	put_object_head(&t, LH_T_TABLE, 0x1000, 56);
	put_uv(&t, 0); put_uv(&t, 0); put_u8(&t, 0);
	put_u8(&t, LH_E_STACK); put_sv(&t, 0); put_uv(&t, 0); put_uv(&t, 1); put_uv(&t, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "of type table has an edge of kind stack") != NULL, "%s", msg);
	free(t.p);

	/* a metatable that is an upvalue object */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_TABLE, 0x1000, 56);
	put_uv(&t, 0); put_uv(&t, 0); put_u8(&t, 0);
	put_u8(&t, LH_E_METATABLE); put_sv(&t, 0x1000);
	put_u8(&t, 0);
	put_uv(&t, 0); put_uv(&t, 0);
	put_object_head(&t, LH_T_UPVALUE, 0x1000, 40);
	put_u8(&t, 0);
	put_u8(&t, 0);
	put_end(&t, 2, 1, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "metatable edge to 0x2000 of type upvalue, not table") != NULL, "%s", msg);
	free(t.p);

	/* a Lua function whose upvalue edge skips the upvalue object */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_LFUNC, 0x1000, 40);
	put_uv(&t, 1);
	put_u8(&t, LH_E_UPVALUE); put_sv(&t, 0); put_uv(&t, 1); put_uv(&t, 0);
	put_u8(&t, 0);
	put_end(&t, 1, 1, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "upvalue edge of a Lua function to an object of type function") != NULL, "%s", msg);
	free(t.p);

	/* a call frame whose function is a table */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_THREAD, 0x1000, 200);
	put_u8(&t, LH_THREAD_RUNNING); put_uv(&t, 20); put_uv(&t, 1); put_uv(&t, 1);
	put_uv(&t, 0x1000); put_uv(&t, 3); put_u8(&t, 0); put_uv(&t, 0);
	put_u8(&t, 0);
	put_end(&t, 1, 0, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "frame function 0x1000 has type thread") != NULL, "%s", msg);
	free(t.p);
}
END_TEST

START_TEST(unknown_types_kinds_and_tags_are_rejected)
{
	buf t = { 0 };
	const char *msg;

	put_object_head(&t, 9, 0x1000, 40);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "unknown type 9") != NULL, "%s", msg);
	free(t.p);

	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_UPVALUE, 0x1000, 40);
	put_u8(&t, 0);
	put_u8(&t, LH_E_COUNT); put_sv(&t, 0);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "unknown edge kind") != NULL, "%s", msg);
	free(t.p);

	memset(&t, 0, sizeof(t));
	put_u8(&t, 77);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "unexpected record tag 77") != NULL, "%s", msg);
	free(t.p);

	/* an object after a root: out of order */
	memset(&t, 0, sizeof(t));
	put_u8(&t, LH_REC_ROOT); put_u8(&t, LH_ROOT_REGISTRY); put_uv(&t, 0x1000); put_uv(&t, 0);
	put_object_head(&t, LH_T_UPVALUE, 0x1000, 40);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "unexpected record tag 2") != NULL, "%s", msg);
	free(t.p);

	/* records after the end record */
	memset(&t, 0, sizeof(t));
	put_end(&t, 0, 0, 0);
	put_u8(&t, LH_REC_END);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "after the end record") != NULL, "%s", msg);
	free(t.p);

	/* a varint longer than 64 bits */
	memset(&t, 0, sizeof(t));
	put_object_head(&t, LH_T_UPVALUE, 0x1000, 40);
	t.n--;
	put(&t, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
	msg = hostile_fails(&t);
	ck_assert_msg(strstr(msg, "varint") != NULL, "%s", msg);
	free(t.p);
}
END_TEST

/* Loads f through a pipe (a file of unknown size); returns the code. */
static int load_through_pipe(const buf *f, lh_error *err)
{
	lh_snapshot *s = NULL;
	char path[32];
	int fd[2], rc, status;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		size_t at = 0;
		ssize_t k;
		close(fd[0]);
		while (at < f->n && (k = write(fd[1], f->p + at, f->n - at)) > 0)
			at += (size_t)k;
		_exit(0);
	}
	close(fd[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fd[0]);
	rc = lh_snapshot_load(&s, path, err);
	if (rc == LH_OK) {
		check_consistent(s);
		lh_snapshot_free(s);
	}
	close(fd[0]);
	waitpid(pid, &status, 0);
	return rc;
}

START_TEST(pipes_load_and_their_hostile_lengths_fail_without_allocating)
{
	theap h;
	buf f = { 0 }, t = { 0 }, g = { 0 };
	lh_error err;

	sample_heap(&h);
	encode_bin(&f, &h, 33);
	ck_assert_int_eq(load_through_pipe(&f, &err), LH_OK);
	f.n -= 3;
	ck_assert_int_eq(load_through_pipe(&f, &err), LH_EFORMAT);
	free(f.p);

	/* without the file's size, a 2 GiB string (the most a string may
	 * store) is read as far as the bytes go: a truncated record, not an
	 * allocation of 2 GiB */
	cap_memory(64 << 20);
	put_object_head(&t, LH_T_STRING, 0x1000, 32);
	put_u8(&t, 1);
	put_uv(&t, UINT32_MAX);
	put_uv(&t, INT32_MAX);
	put(&t, "some bytes", 10);
	hostile(&g, &t);
	ck_assert_int_eq(load_through_pipe(&g, &err), LH_EFORMAT);
	ck_assert_msg(strstr(err.msg, "ends inside a record") != NULL, "%s", err.msg);
	free(g.p);
	free(t.p);

	/* the same for a watch label */
	memset(&t, 0, sizeof(t));
	memset(&g, 0, sizeof(g));
	put_u8(&t, LH_REC_WATCH);
	put_uv(&t, 0x1000);
	put_uv(&t, UINT32_MAX);
	hostile(&g, &t);
	ck_assert_int_eq(load_through_pipe(&g, &err), LH_EFORMAT);
	ck_assert_msg(strstr(err.msg, "ends inside a record") != NULL, "%s", err.msg);
	free(g.p);
	free(t.p);
}
END_TEST

START_TEST(bad_magic_version_and_trailing_bytes_are_rejected)
{
	theap h;
	buf f = { 0 };
	const char *msg;

	sample_heap(&h);
	encode_bin(&f, &h, 4096);
	f.p[LH_MAGIC_LEN] = 7;
	msg = load_fails(f.p, f.n, LH_EVERSION);
	ck_assert_msg(strstr(msg, "unsupported format version 7") != NULL, "%s", msg);
	f.p[LH_MAGIC_LEN] = 1;
	f.p[1] = 'X';
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	ck_assert_msg(strstr(msg, "not a luaheap snapshot") != NULL, "%s", msg);
	f.p[1] = 'L';
	put_u8(&f, 0);
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	ck_assert_msg(strstr(msg, "trailing bytes") != NULL, "%s", msg);
	f.n--;
	f.p[f.n - 1] ^= 1;   /* the stream checksum */
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	ck_assert_msg(strstr(msg, "stream checksum") != NULL, "%s", msg);
	f.p[f.n - 1] ^= 1;
	f.p[20] ^= 1;
	msg = load_fails(f.p, f.n, LH_EFORMAT);
	ck_assert_msg(strstr(msg, "bad checksum in frame 1") != NULL, "%s", msg);
	free(f.p);
}
END_TEST

/* Replaces the first occurrence of 'from' in the sample JSON by 'to'. */
static const char *json_variant_fails(const char *from, const char *to, int code)
{
	theap h;
	buf j = { 0 }, v = { 0 };
	const char *at, *msg;

	sample_heap(&h);
	encode_json(&j, &h);
	put_u8(&j, 0);
	at = strstr((const char *)j.p, from);
	ck_assert_msg(at != NULL, "no '%s' in the sample", from);
	put(&v, j.p, (size_t)(at - (const char *)j.p));
	put(&v, to, strlen(to));
	put(&v, at + strlen(from), strlen(at + strlen(from)));
	msg = load_fails(v.p, v.n, code);
	free(j.p);
	free(v.p);
	return msg;
}

START_TEST(malformed_json_is_rejected)
{
	const char *msg;

	msg = json_variant_fails("\"version\":1", "\"version\":7", LH_EVERSION);
	ck_assert_msg(strstr(msg, "unsupported format version 7") != NULL, "%s", msg);
	msg = json_variant_fails("luaheap-snapshot", "other", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "not a luaheap snapshot") != NULL, "%s", msg);
	msg = json_variant_fails("\"size\":400", "\"size\":-400", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "object 2: field 'size'") != NULL, "%s", msg);
	msg = json_variant_fails("\"size\":400", "\"size\":4.5", LH_EFORMAT);
	msg = json_variant_fails("\"size\":400", "\"size\":\"400\"", LH_EFORMAT);
	msg = json_variant_fails("\"size\":400,", "", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "missing field 'size'") != NULL, "%s", msg);
	msg = json_variant_fails("\"type\":\"table\"", "\"type\":\"tabel\"", LH_EFORMAT);
	msg = json_variant_fails("\"kind\":\"array\"", "\"kind\":\"end\"", LH_EFORMAT);
	msg = json_variant_fails("\"id\":\"0x55d000003000\"", "\"id\":\"55d000003000\"", LH_EFORMAT);
	msg = json_variant_fails("\"id\":\"0x55d000003000\"", "\"id\":\"0x10000000000000000\"", LH_EFORMAT);
	msg = json_variant_fails("\"id\":\"0x55d000003000\"", "\"id\":\"0x55d000002000\"", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "duplicate object address") != NULL, "%s", msg);
	msg = json_variant_fails("\"text\":\"print\"", "\"text\":\"pr\\u0100nt\"", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "Latin-1") != NULL, "%s", msg);
	msg = json_variant_fails("\"text\":\"print\"", "\"text\":\"prin\"", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "'stored'") != NULL, "%s", msg);
	msg = json_variant_fails("\"stored\":5", "\"stored\":1152921504606846976", LH_EFORMAT);
	msg = json_variant_fails("\"objects\":16", "\"objects\":4000000000", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "end record counts") != NULL, "%s", msg);
	msg = json_variant_fails("\"to\":\"0x55d000002000\"", "\"to\":\"0x55d000002008\"", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "unknown object 0x55d000002008") != NULL, "%s", msg);
	msg = json_variant_fails("\"objects\":[", "\"objects\":{", LH_EFORMAT);
	msg = json_variant_fails("\"counts\":", "\"counts\":[],\"x\":", LH_EFORMAT);
	msg = json_variant_fails("}}\n", "}} x", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "trailing bytes") != NULL, "%s", msg);
	msg = json_variant_fails("\"key\":\"-5\"", "\"key\":\"-5x\"", LH_EFORMAT);
	msg = json_variant_fails("\"key\":1.5", "\"key\":\"1.5\"", LH_EFORMAT);
	msg = json_variant_fails("\"gc_mode\":\"incremental\"", "\"gc_mode\":\"x\"", LH_EFORMAT);
	ck_assert_msg(strstr(msg, "header: field 'gc_mode'") != NULL, "%s", msg);
	load_fails("{", 1, LH_EFORMAT);
	load_fails("  {}", 4, LH_EFORMAT);
	load_fails("[]", 2, LH_EFORMAT);
}
END_TEST

/* The sample's JSON with its top-level fields reordered and spaced out. */
START_TEST(json_top_level_fields_may_come_in_any_order)
{
	theap h;
	buf j = { 0 }, v = { 0 }, fb = { 0 };
	const char *doc, *objs, *roots, *counts;
	lh_snapshot *a, *b;

	sample_heap(&h);
	encode_json(&j, &h);
	put_u8(&j, 0);
	doc = (const char *)j.p;
	objs = strstr(doc, "\"objects\":[");
	roots = strstr(doc, "\"roots\":[");
	counts = strstr(doc, "\"counts\":");
	ck_assert(objs && roots && counts);
	/* counts, roots and watch first, then an unknown field, then the rest */
	putf(&v, "\n\t{ ");
	put(&v, counts, strlen(counts) - 2);   /* without the final "}\n" */
	putf(&v, " ,\n ");
	put(&v, roots, (size_t)(counts - roots));
	putf(&v, " \"x-extra\" : [1, {\"a\": \"]}\\\"\"}], \"x-more\":null,");
	put(&v, doc + 2, (size_t)(objs - doc - 2));   /* format, version, header */
	put(&v, objs, (size_t)(roots - objs) - 2);   /* without ",\n" */
	putf(&v, "\r\n}\n\n");
	b = load_ok(&v, "reordered.json");
	encode_bin(&fb, &h, 4096);
	a = load_ok(&fb, "a.snap");
	check_same(a, b);
	lh_snapshot_free(a);
	lh_snapshot_free(b);

	/* a field twice is refused */
	v.n = 0;
	putf(&v, "{\"roots\":[],");
	put(&v, doc + 2, strlen(doc) - 2);   /* the sample starts with " {" */
	ck_assert_ptr_nonnull(strstr(load_fails(v.p, v.n, LH_EFORMAT), "field 'roots' appears twice"));
	/* and so is a missing one */
	v.n = 0;
	put(&v, doc, (size_t)(counts - doc) - 2);   /* without ",\n" */
	putf(&v, "}");
	ck_assert_ptr_nonnull(strstr(load_fails(v.p, v.n, LH_EFORMAT), "missing field 'counts'"));
	free(j.p);
	free(v.p);
	free(fb.p);
}
END_TEST

START_TEST(json_elements_larger_than_the_read_window_load)
{
	static tobj o[2];
	theap h;
	buf fb = { 0 }, fj = { 0 };
	lh_snapshot *a, *b;
	char *text = malloc(300000);
	size_t i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 300000; i++)
		text[i] = (char)(i * 7 % 256);   /* every byte, escaped or not */
	memset(o, 0, sizeof(o));
	memset(&h, 0, sizeof(h));
	o[0] = (tobj){ .type = LH_T_STRING, .addr = 0x1000, .size = 300040, .text = text,
	               .stored = 300000, .length = 300000, .is_long = 1 };
	o[1] = (tobj){ .type = LH_T_TABLE, .addr = 0x2000, .size = 56, .nodes = 1, .hent = 1,
	               .nedges = 1, .edges = { { .kind = LH_E_FIELD_STR, .to = 0x1000, .addr = 0x1000 } } };
	h.objs = o;
	h.nobj = 2;
	encode_bin(&fb, &h, 1000);
	encode_json(&fj, &h);
	ck_assert_uint_gt(fj.n, 1000000);
	a = load_ok(&fb, "big.snap");
	b = load_ok(&fj, "big.json");
	check_same(a, b);
	ck_assert_mem_eq(lh_snapshot_string(b, 0, &i), text, 300000);
	lh_snapshot_free(a);
	lh_snapshot_free(b);
	free(fb.p);
	free(fj.p);
	free(text);
}
END_TEST

START_TEST(strings_without_contents_keep_their_length_in_both_encodings)
{
	static tobj o[4];
	theap h;
	buf fb = { 0 }, fj = { 0 };
	lh_snapshot *a, *b;
	size_t len;
	uint32_t i;

	memset(o, 0, sizeof(o));
	memset(&h, 0, sizeof(h));
	o[0] = (tobj){ .type = LH_T_STRING, .addr = 0x1000, .size = 32, .text = "", .stored = 0,
	               .length = 7 };
	o[1] = (tobj){ .type = LH_T_STRING, .addr = 0x2000, .size = 32, .text = "", .stored = 0,
	               .length = 0 };
	/* lengths past 32 bits: 5 GiB and 4 GiB - 1 (the escape value) */
	o[2] = (tobj){ .type = LH_T_STRING, .addr = 0x3000, .size = (5ull << 30) + 25,
	               .text = "abc", .stored = 3, .length = 5ull << 30, .is_long = 1 };
	o[3] = (tobj){ .type = LH_T_STRING, .addr = 0x4000, .size = (4ull << 30) + 24,
	               .text = "", .stored = 0, .length = (4ull << 30) - 1, .is_long = 1 };
	h.objs = o;
	h.nobj = 4;
	encode_bin(&fb, &h, 100);
	encode_json(&fj, &h);
	a = load_ok(&fb, "none.snap");
	b = load_ok(&fj, "none.json");
	check_same(a, b);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(lh_string_length(a, lh_snapshot_string_info(a, i)), o[i].length);
		ck_assert_uint_eq(lh_string_length(b, lh_snapshot_string_info(b, i)), o[i].length);
		ck_assert_uint_eq(lh_snapshot_string_info(b, i)->is_long, o[i].is_long);
	}
	ck_assert_mem_eq(lh_snapshot_string(a, 2, &len), "abc", 3);
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_nonnull(lh_snapshot_string(b, 0, &len));
	ck_assert_uint_eq(len, 0);
	lh_snapshot_free(a);
	lh_snapshot_free(b);
	free(fb.p);
	free(fj.p);
}
END_TEST

START_TEST(json_strings_keep_nul_and_high_bytes)
{
	theap h;
	buf j = { 0 };
	lh_snapshot *s;
	const char *p;
	size_t len;

	sample_heap(&h);
	encode_json(&j, &h);
	ck_assert_ptr_nonnull(strstr((const char *)j.p, "a\\u0000b\\u00e9\\u00ff\\u0022\\u005c\\u0001z"));
	s = load_ok(&j, "nul.json");
	p = lh_snapshot_string(s, lh_snapshot_find(s, A_SLONG), &len);
	ck_assert_uint_eq(len, 9);
	ck_assert_mem_eq(p, long_text, 9);
	lh_snapshot_free(s);
	free(j.p);
}
END_TEST

typedef struct progress_log { int calls; uint64_t last, total; int monotone; } progress_log;

static void log_progress(void *ctx, uint64_t done, uint64_t total)
{
	progress_log *pl = ctx;

	if (done < pl->last || (pl->calls > 0 && total != pl->total))
		pl->monotone = 0;
	pl->calls++;
	pl->last = done;
	pl->total = total;
}

START_TEST(loading_reports_its_progress_up_to_the_file_size)
{
	theap h;
	buf f = { 0 };
	char path[] = "/tmp/lhprogXXXXXX";
	int fd = mkstemp(path);
	progress_log pl = { 0, 0, 0, 1 };
	lh_snapshot *s;
	lh_error err;

	ck_assert_int_ge(fd, 0);
	sample_heap(&h);
	encode_bin(&f, &h, 50);
	ck_assert_int_eq(write(fd, f.p, f.n), (ssize_t)f.n);
	close(fd);
	ck_assert_int_eq(lh_snapshot_load_progress(&s, path, log_progress, &pl, &err), LH_OK);
	ck_assert_int_gt(pl.calls, 5);   /* one per frame */
	ck_assert(pl.monotone);
	ck_assert_uint_eq(pl.total, f.n);
	ck_assert_uint_eq(pl.last, f.n - 8);   /* all but the end frame */
	lh_snapshot_free(s);
	unlink(path);
	free(f.p);
}
END_TEST

START_TEST(missing_and_unreadable_files_fail_with_a_message)
{
	lh_snapshot *s = (lh_snapshot *)1;
	lh_error err;

	ck_assert_int_eq(lh_snapshot_load(&s, "/nonexistent/x.snap", &err), LH_ENOTFOUND);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.msg, "cannot read snapshot '/nonexistent/x.snap': No such file or directory");
	ck_assert_int_eq(lh_snapshot_load(&s, "/", &err), LH_EIO);
	ck_assert_int_eq(lh_snapshot_load(&s, "/dev/null", &err), LH_EFORMAT);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty file"));
	ck_assert_int_eq(lh_snapshot_load(&s, "/dev/null", NULL), LH_EFORMAT);
}
END_TEST

/* ---- snapshots written by the real dumper ---- */

/* A heap with every object type. */
static const char heap_script[] =
	"Server = { timers = {}, names = setmetatable({}, { __mode = 'k' }) }\n"
	"for i = 1, 50 do\n"
	"  local p = { id = i, name = 'player' .. i, [1.5] = true, [true] = i, [-i] = 'n' }\n"
	"  Server.timers[i] = function() return p end\n"
	"  Server.names[p] = string.rep('\\0\\233', i)\n"
	"end\n"
	"Server.ud = io.tmpfile()\n"
	"Server.co = coroutine.create(function(a) local zz = a; coroutine.yield(zz) end)\n"
	"coroutine.resume(Server.co, {})\n"
	"Server.cf = string.gmatch('a b', '%a')\n"
	"Server.open = coroutine.wrap(function() local up = {} ; local function f() return up end\n"
	"  coroutine.yield(f) end)\n"
	"Server.f = Server.open()\n";

/*
 * Builds the heap in a Lua state of this process and dumps it from C into
 * dir/heap.snap and dir/heap.json: no Lua code runs between the two dumps,
 * so both see the same heap. stats gets the binary dump's figures.
 */
static void dump_real(char *dir, size_t dirlen, lh_dump_stats *stats)
{
	char path[512];
	lh_error derr;
	lh_dump_opts opts;
	lua_State *L = luaL_newstate();

	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	ck_assert_msg(luaL_dostring(L, heap_script) == LUA_OK, "%s", lua_tostring(L, -1));
	lua_gc(L, LUA_GCCOLLECT);
	lua_gc(L, LUA_GCCOLLECT);
	snprintf(dir, dirlen, "%s", "/tmp/lhsnapXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	lh_dump_opts_init(&opts);
	opts.collect = 0;
	snprintf(path, sizeof(path), "%s/heap.snap", dir);
	ck_assert_msg(lh_dump_write(L, path, &opts, stats, &derr) == LH_OK, "%s", derr.msg);
	opts.encoding = LH_DUMP_JSON;
	snprintf(path, sizeof(path), "%s/heap.json", dir);
	ck_assert_msg(lh_dump_write(L, path, &opts, NULL, &derr) == LH_OK, "%s", derr.msg);
	lua_close(L);
}

static void remove_real(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void read_whole(const char *path, buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		put(b, tmp, n);
	fclose(f);
}

/* The record stream of a binary snapshot (its frames' payloads). */
static void deframe(const buf *f, buf *rec)
{
	size_t at = LH_MAGIC_LEN + 4, len;

	for (;;) {
		ck_assert_uint_le(at + 4, f->n);
		len = (size_t)f->p[at] | (size_t)f->p[at + 1] << 8 | (size_t)f->p[at + 2] << 16 |
		      (size_t)f->p[at + 3] << 24;
		if (len == 0)
			break;
		put(rec, f->p + at + 4, len);
		at += 4 + len + 4;
	}
}

START_TEST(real_dumps_load_the_same_from_both_encodings)
{
	char dir[64], path[600];
	lh_snapshot *a, *b;
	lh_error err;
	lh_dump_stats st;
	uint32_t i, nfields = 0, nstack = 0;
	uint64_t bytes = 0;

	dump_real(dir, sizeof(dir), &st);
	snprintf(path, sizeof(path), "%s/heap.snap", dir);
	ck_assert_msg(lh_snapshot_load(&a, path, &err) == LH_OK, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/heap.json", dir);
	ck_assert_msg(lh_snapshot_load(&b, path, &err) == LH_OK, "%s", err.msg);
	check_consistent(a);
	check_consistent(b);
	check_same(a, b);
	ck_assert_uint_gt(a->nobj, 300);
	ck_assert_uint_ne(a->main_thread, LH_NONE);
	ck_assert_uint_ne(a->registry, LH_NONE);
	for (i = 0; i < a->nedge; i++) {
		nfields += (a->edge_kind[i] & LH_EDGE_KIND_MASK) == LH_E_FIELD_STR;
		nstack += (a->edge_kind[i] & LH_EDGE_KIND_MASK) == LH_E_STACK;
	}
	ck_assert_uint_gt(nfields, 100);
	ck_assert_uint_gt(nstack, 0);
	/* the dumper's own count of what it wrote */
	for (i = 0; i < a->nobj; i++)
		bytes += lh_snapshot_size(a, i);
	ck_assert_uint_eq(st.objects, a->nobj);
	ck_assert_uint_eq(st.edges + nfields, a->nedge);
	ck_assert_uint_eq(st.roots, a->nroots);
	ck_assert_uint_eq(st.object_bytes, bytes);
	ck_assert_uint_eq(st.lua_total_bytes, a->hdr.lua_total_bytes);
	ck_assert_uint_eq(st.vm_overhead_bytes, a->hdr.vm_overhead_bytes);
	lh_snapshot_free(a);
	lh_snapshot_free(b);
	remove_real(dir);
}
END_TEST

START_TEST(real_dumps_survive_truncation_and_corruption)
{
	char dir[64], path[600];
	buf f = { 0 }, rec = { 0 };
	size_t i, step;
	int rejected = 0;
	lh_dump_stats st;

	dump_real(dir, sizeof(dir), &st);
	snprintf(path, sizeof(path), "%s/heap.snap", dir);
	read_whole(path, &f);
	cap_memory(256 << 20);
	lh_snapshot_free(load_ok(&f, "real"));
	for (i = 0; i < f.n; i++)
		load_fails(f.p, i, LH_EFORMAT);
	deframe(&f, &rec);
	step = rec.n / 3000 + 1;   /* a few thousand loads at most */
	for (i = 0; i < rec.n; i += step) {
		buf g = { 0 };
		rec.p[i] ^= 0xff;
		frame_stream(&g, rec.p, rec.n, 1000);
		if (load_any(g.p, g.n) != LH_OK)
			rejected++;
		rec.p[i] ^= 0xff;
		free(g.p);
	}
	ck_assert_int_gt(rejected, 0);
	free(f.p);
	free(rec.p);
	remove_real(dir);
}
END_TEST

Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("reader");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, crc32_matches_the_standard_check_value);
	tcase_add_test(tc, binary_snapshot_loads_to_the_expected_arrays);
	tcase_add_test(tc, frame_size_does_not_change_what_loads);
	tcase_add_test(tc, sizes_of_4_gib_and_more_load_exactly);
	tcase_add_test(tc, json_and_binary_encodings_load_to_identical_arrays);
	tcase_add_test(tc, random_heaps_load_the_same_from_both_encodings);
	tcase_add_test(tc, an_empty_heap_loads);
	tcase_add_test(tc, truncation_at_every_byte_is_rejected);
	tcase_add_test(tc, every_flipped_byte_is_caught_by_a_checksum);
	tcase_add_test(tc, every_corrupted_record_byte_is_rejected_or_loads_consistently);
	tcase_add_test(tc, every_corrupted_json_byte_is_rejected_or_loads_consistently);
	tcase_add_test(tc, huge_declared_lengths_are_rejected_before_allocating);
	tcase_add_test(tc, frame_lengths_beyond_the_limit_or_the_file_are_rejected);
	tcase_add_test(tc, references_to_unknown_objects_are_rejected);
	tcase_add_test(tc, duplicate_addresses_and_wrong_counts_are_rejected);
	tcase_add_test(tc, the_address_index_filled_while_reading_resolves_as_one_thread_does);
	tcase_add_test(tc, the_address_index_filled_while_reading_gives_up_on_a_denser_end);
	tcase_add_test(tc, the_address_index_filled_on_two_threads_finds_every_object_and_the_first_repeat);
	tcase_add_test(tc, unknown_types_kinds_and_tags_are_rejected);
	tcase_add_test(tc, edges_between_the_wrong_types_are_rejected);
	tcase_add_test(tc, bad_magic_version_and_trailing_bytes_are_rejected);
	tcase_add_test(tc, pipes_load_and_their_hostile_lengths_fail_without_allocating);
	tcase_add_test(tc, malformed_json_is_rejected);
	tcase_add_test(tc, json_strings_keep_nul_and_high_bytes);
	tcase_add_test(tc, strings_without_contents_keep_their_length_in_both_encodings);
	tcase_add_test(tc, json_top_level_fields_may_come_in_any_order);
	tcase_add_test(tc, json_elements_larger_than_the_read_window_load);
	tcase_add_test(tc, missing_and_unreadable_files_fail_with_a_message);
	tcase_add_test(tc, loading_reports_its_progress_up_to_the_file_size);
	suite_add_tcase(s, tc);
	tc = tcase_create("dumped");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, real_dumps_load_the_same_from_both_encodings);
	tcase_add_test(tc, real_dumps_survive_truncation_and_corruption);
	suite_add_tcase(s, tc);
	return s;
}
