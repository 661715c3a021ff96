/*
 * The JSON snapshot encoder: the same records as the binary one, streamed
 * as text through the output sink with the names format.h gives. No DOM:
 * every value is written once, in order, and forgotten.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void lit(lh_out *o, const char *s)
{
	lh_out__put(o, s, strlen(s));
}

/* Appends n bytes, n small and (from the macros below) a constant. */
static inline void put_small(lh_out *o, const char *s, size_t n)
{
	if (n <= LH_OUT_SLACK) {
		lh_out__room(o);
		memcpy(o->buf + o->pos, s, n);
		o->pos += n;
	} else {
		lh_out__put(o, s, n);
	}
}

#define LIT(o, s) put_small(o, s, sizeof(s) - 1)
#define KEY(o, name) LIT(o, ",\"" name "\":")          /* ,"name": */
#define KV_NUM(o, name, v) (KEY(o, name), num(o, v))

static void num(lh_out *o, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	lh_out__room(o);
	while (n > 0)
		lh_out__byte(o, (unsigned char)tmp[--n]);
}

static void snum(lh_out *o, int64_t v)
{
	if (v < 0) {
		lh_out__room(o);
		lh_out__byte(o, '-');
		num(o, (uint64_t)0 - (uint64_t)v);
	} else {
		num(o, (uint64_t)v);
	}
}

/* An address as "0x" + lowercase hex, or null when zero and 'nullable'. */
static void addr(lh_out *o, uint64_t a, int nullable)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char *p;
	int shift;

	if (a == 0 && nullable) {
		LIT(o, "null");
		return;
	}
	lh_out__room(o);
	p = o->buf + o->pos;
	*p++ = '"';
	*p++ = '0';
	*p++ = 'x';
	shift = a != 0 ? (63 - __builtin_clzll(a)) & ~3 : 0;
	for (; shift >= 0; shift -= 4)
		*p++ = (unsigned char)hex[(a >> shift) & 0xf];
	*p++ = '"';
	o->pos = (size_t)(p - o->buf);
}

static void boolean(lh_out *o, int b)
{
	if (b)
		LIT(o, "true");
	else
		LIT(o, "false");
}

/* Bytes as Latin-1 code points: controls, '"', '\\' and >= 0x80 escaped. */
static void text(lh_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	lh_out__room(o);
	lh_out__byte(o, '"');
	for (i = 0; i < n; i++) {
		unsigned c = p[i];
		lh_out__room(o);
		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
			lh_out__byte(o, '\\');
			lh_out__byte(o, 'u');
			lh_out__byte(o, '0');
			lh_out__byte(o, '0');
			lh_out__byte(o, (unsigned char)hex[c >> 4]);
			lh_out__byte(o, (unsigned char)hex[c & 0xf]);
		} else {
			lh_out__byte(o, c);
		}
	}
	lh_out__room(o);
	lh_out__byte(o, '"');
}

static void dbl(lh_out *o, double v)
{
	char tmp[40];

	if (isnan(v))
		LIT(o, "\"nan\"");
	else if (isinf(v))
		lit(o, v > 0 ? "\"inf\"" : "\"-inf\"");
	else {
		snprintf(tmp, sizeof(tmp), "%.17g", v);
		lit(o, tmp);
	}
}

/* Appends ,"name": for a name from format.h's tables (short). */
static void key(lh_out *o, const char *name)
{
	size_t n = strlen(name);
	unsigned char *p;

	lh_out__room(o);
	p = o->buf + o->pos;
	*p++ = ',';
	*p++ = '"';
	memcpy(p, name, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	o->pos = (size_t)(p - o->buf);
}

/* Appends one value coded as 'code' (lh_code, format.h) says. */
static void value(lh_out *o, int code, const lh_value *v)
{
	double f;

	switch (code) {
	case LH_C_BOOL:
		boolean(o, v->u != 0);
		break;
	case LH_C_STR:
		text(o, v->s, v->len);
		break;
	case LH_C_ADDR: case LH_C_NAME:
		addr(o, v->u, code == LH_C_NAME);
		break;
	case LH_C_INT:
		LIT(o, "\"");
		snum(o, (int64_t)v->u);
		LIT(o, "\"");
		break;
	case LH_C_FLOAT:
		memcpy(&f, &v->u, sizeof(f));
		dbl(o, f);
		break;
	case LH_C_GC_MODE:
		LIT(o, "\"");
		lit(o, lh_gc_mode_names[v->u == LH_GC_GENERATIONAL]);
		LIT(o, "\"");
		break;
	default:                /* LH_C_UV, LH_C_U8 */
		num(o, v->u);
		break;
	}
}

/* The document's head and the header object, field by field from
 * lh_header_specs. */
static void json_header(lh_dump_ctx *d, const lh_dump_header *h)
{
	lh_out *o = &d->out;
	int i;

	lit(o, "{\"format\":\"" LH_JSON_FORMAT_NAME "\"");
	KV_NUM(o, "version", LH_FORMAT_VERSION);
	LIT(o, ",\"header\":{");
	for (i = 0; i < LH_H_COUNT; i++) {
		if (i == 0) {
			LIT(o, "\"");
			lit(o, lh_header_specs[i].name);
			LIT(o, "\":");
		} else {
			key(o, lh_header_specs[i].name);
		}
		value(o, lh_header_specs[i].code, &h->f[i]);
	}
	LIT(o, "},\n\"objects\":[");
	d->section = 0;
	d->nitems = 0;
}

/* The fields of ob's type (format.h's per-type list); 1 when a thread's
 * "frames" list was opened, 0 otherwise. */
static int json_type_fields(lh_out *o, const lh_dump_object *ob)
{
	switch (ob->type) {
	case LH_T_STRING:
		KEY(o, "long");
		boolean(o, ob->u.str.is_long);
		KV_NUM(o, "length", ob->u.str.length);
		KV_NUM(o, "stored", ob->u.str.stored);
		KEY(o, "text");
		text(o, ob->u.str.bytes, (size_t)ob->u.str.stored);
		break;
	case LH_T_TABLE:
		KV_NUM(o, "asize", ob->u.tab.asize);
		KV_NUM(o, "nodes", ob->u.tab.nodes);
		KEY(o, "weak");
		lh_out__room(o);
		lh_out__byte(o, '"');
		lit(o, lh_weak_names[ob->u.tab.weak & 3]);
		LIT(o, "\"");
		break;
	case LH_T_LFUNC:
		KV_NUM(o, "nupvalues", ob->u.fn.nupvalues);
		break;
	case LH_T_CFUNC:
		KV_NUM(o, "nupvalues", ob->u.fn.nupvalues);
		KEY(o, "cfunc");
		addr(o, ob->u.fn.cfunc, 0);
		KEY(o, "symbol");
		text(o, ob->u.fn.symbol, strlen(ob->u.fn.symbol));
		break;
	case LH_T_USERDATA:
		KV_NUM(o, "length", ob->u.ud.length);
		KV_NUM(o, "nuvalue", ob->u.ud.nuvalue);
		break;
	case LH_T_THREAD:
		KEY(o, "status");
		lh_out__room(o);
		lh_out__byte(o, '"');
		lit(o, lh_thread_status_names[ob->u.th.status & 3]);
		LIT(o, "\"");
		KV_NUM(o, "stack_slots", ob->u.th.stack_slots);
		KV_NUM(o, "nci", ob->u.th.nci);
		LIT(o, ",\"frames\":[");
		return 1;
	case LH_T_PROTO:
		KV_NUM(o, "linedefined", ob->u.pr.linedefined);
		KV_NUM(o, "lastlinedefined", ob->u.pr.lastlinedefined);
		KV_NUM(o, "numparams", ob->u.pr.numparams);
		KEY(o, "vararg");
		boolean(o, ob->u.pr.is_vararg);
		KV_NUM(o, "maxstacksize", ob->u.pr.maxstacksize);
		KV_NUM(o, "sizecode", ob->u.pr.sizecode);
		KEY(o, "source");
		addr(o, ob->u.pr.source, 1);
		break;
	case LH_T_UPVALUE:
		KEY(o, "open");
		boolean(o, ob->u.uv.is_open);
		break;
	}
	return 0;
}

/* An object's common fields, its type's, and the opening of its frames
 * (threads) or edges list. */
static void json_object_begin(lh_dump_ctx *d, const lh_dump_object *ob)
{
	lh_out *o = &d->out;

	if (d->nitems++)
		LIT(o, ",\n{\"id\":");
	else
		LIT(o, "\n{\"id\":");
	addr(o, ob->addr, 0);
	KEY(o, "type");
	lh_out__room(o);
	lh_out__byte(o, '"');
	lit(o, lh_type_names[ob->type]);
	LIT(o, "\",\"list\":\"");
	lit(o, lh_list_names[ob->list]);
	LIT(o, "\"");
	KV_NUM(o, "marked", ob->marked);
	KV_NUM(o, "size", ob->size);
	if (ob->shared) {
		KEY(o, "shared");
		boolean(o, 1);
	}
	d->nsub = 0;
	if (json_type_fields(o, ob)) {
		d->in_frames = 1;
		return;
	}
	LIT(o, ",\"edges\":[");
}

static void json_frame(lh_dump_ctx *d, const lh_dump_frame *f)
{
	lh_out *o = &d->out;

	if (d->nsub++)
		LIT(o, ",{\"func\":");
	else
		LIT(o, "{\"func\":");
	addr(o, f->func, 1);
	KV_NUM(o, "line", f->line);
	KEY(o, "lua");
	boolean(o, f->is_lua);
	KEY(o, "proto");
	addr(o, f->proto, 1);
	LIT(o, "}");
}

static void close_frames(lh_dump_ctx *d)
{
	if (d->in_frames) {
		LIT(&d->out, "],\"edges\":[");
		d->in_frames = 0;
		d->nsub = 0;
	}
}

/* One edge: kind name, target, then the label fields lh_edge_specs lists
 * for the kind, then the flags. */
static void json_edge(lh_dump_ctx *d, const lh_dump_edge *e)
{
	lh_out *o = &d->out;
	unsigned kind = e->kind & LH_EDGE_KIND_MASK;
	const lh_edge_spec *spec;
	lh_value v = { 0, NULL, 0 };
	int i;

	close_frames(d);
	if (d->nsub++)
		LIT(o, ",{\"kind\":\"");
	else
		LIT(o, "{\"kind\":\"");
	lit(o, kind < LH_E_COUNT ? lh_edge_kind_names[kind] : "?");
	LIT(o, "\",\"to\":");
	addr(o, e->to, 0);
	spec = &lh_edge_specs[kind < LH_E_COUNT ? kind : 0];
	for (i = 0; i < spec->nfields; i++) {
		v.u = lh_dump__label(e, spec->field[i].member);
		key(o, spec->field[i].name);
		value(o, spec->field[i].code, &v);
	}
	if (e->kind & LH_EDGE_WEAK)
		LIT(o, ",\"weak\":true");
	if (e->kind & LH_EDGE_EPHEMERON)
		LIT(o, ",\"ephemeron\":true");
	LIT(o, "}");
}

static void json_object_end(lh_dump_ctx *d, const lh_dump_object *ob)
{
	lh_out *o = &d->out;

	close_frames(d);
	LIT(o, "]");
	if (ob->type == LH_T_TABLE) {
		KV_NUM(o, "array_entries", ob->u.tab.array_entries);
		KV_NUM(o, "hash_entries", ob->u.tab.hash_entries);
	}
	LIT(o, "}");
}

/* Closes the lists before 'section' and opens it. */
static void enter(lh_dump_ctx *d, int section)
{
	static const char *const open[] = {
		"", "\n],\n\"roots\":[", "\n],\n\"watch\":[", "\n],\n"
	};

	while (d->section < section) {
		d->section++;
		lit(&d->out, open[d->section]);
		d->nitems = 0;
	}
}

static void json_root(lh_dump_ctx *d, int kind, uint64_t a, uint64_t index)
{
	lh_out *o = &d->out;

	enter(d, 1);
	lit(o, d->nitems++ ? ",\n{\"kind\":\"" : "\n{\"kind\":\"");
	lit(o, kind > 0 && kind < LH_ROOT_COUNT ? lh_root_kind_names[kind] : "?");
	LIT(o, "\",\"to\":");
	addr(o, a, 0);
	KV_NUM(o, "index", index);
	LIT(o, "}");
}

static void json_watch(lh_dump_ctx *d, uint64_t a, const char *label,
                       size_t len, int expect_dead)
{
	lh_out *o = &d->out;

	enter(d, 2);
	lit(o, d->nitems++ ? ",\n{\"id\":" : "\n{\"id\":");
	addr(o, a, 0);
	KEY(o, "label");
	text(o, label, len);
	KEY(o, "expect_dead");
	boolean(o, expect_dead);
	LIT(o, "}");
}

static void json_finish(lh_dump_ctx *d)
{
	lh_out *o = &d->out;

	enter(d, 3);
	LIT(o, "\"counts\":{\"objects\":");
	num(o, d->nobjects);
	KV_NUM(o, "edges", d->nedges);
	KV_NUM(o, "roots", d->nroots);
	LIT(o, "}}\n");
	lh_out__finish(o);
}

const lh_encoder lh_dump__json = {
	json_header, json_object_begin, json_frame, json_edge, json_object_end,
	json_root, json_watch, json_finish
};
