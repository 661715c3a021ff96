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
	char tmp[16];
	int n = 0;

	if (a == 0 && nullable) {
		lit(o, "null");
		return;
	}
	do {
		tmp[n++] = hex[a & 0xf];
		a >>= 4;
	} while (a != 0);
	lh_out__room(o);
	lh_out__byte(o, '"');
	lh_out__byte(o, '0');
	lh_out__byte(o, 'x');
	while (n > 0)
		lh_out__byte(o, (unsigned char)tmp[--n]);
	lh_out__byte(o, '"');
}

static void boolean(lh_out *o, int b)
{
	lit(o, b ? "true" : "false");
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
		lit(o, "\"nan\"");
	else if (isinf(v))
		lit(o, v > 0 ? "\"inf\"" : "\"-inf\"");
	else {
		snprintf(tmp, sizeof(tmp), "%.17g", v);
		lit(o, tmp);
	}
}

/* ,"name": */
static void key(lh_out *o, const char *name)
{
	lh_out__room(o);
	lh_out__byte(o, ',');
	lh_out__byte(o, '"');
	lit(o, name);
	lh_out__room(o);
	lh_out__byte(o, '"');
	lh_out__byte(o, ':');
}

static void kv_num(lh_out *o, const char *name, uint64_t v)
{
	key(o, name);
	num(o, v);
}

static void json_header(lh_dump_ctx *d, const lh_dump_header *h)
{
	lh_out *o = &d->out;

	lit(o, "{\"format\":\"" LH_JSON_FORMAT_NAME "\"");
	kv_num(o, "version", LH_FORMAT_VERSION);
	lit(o, ",\"header\":{\"lua_version_num\":");
	num(o, h->lua_version_num);
	key(o, "lua_release");
	text(o, h->lua_release, strlen(h->lua_release));
	kv_num(o, "pointer_size", h->pointer_size);
	kv_num(o, "time", h->time);
	kv_num(o, "pid", h->pid);
	key(o, "label");
	text(o, h->label, h->label_len);
	key(o, "gc_mode");
	lit(o, h->gc_mode == LH_GC_GENERATIONAL ? "\"generational\""
	                                        : "\"incremental\"");
	kv_num(o, "gc_state", h->gc_state);
	key(o, "gc_was_running");
	boolean(o, h->gc_was_running);
	kv_num(o, "gc_pause", h->gc_pause);
	kv_num(o, "gc_stepmul", h->gc_stepmul);
	kv_num(o, "gc_stepsize", h->gc_stepsize);
	kv_num(o, "gc_genminormul", h->gc_genminormul);
	kv_num(o, "gc_genmajormul", h->gc_genmajormul);
	kv_num(o, "lua_total_bytes", h->lua_total_bytes);
	kv_num(o, "vm_overhead_bytes", h->vm_overhead_bytes);
	kv_num(o, "overhead_state", h->overhead_state);
	kv_num(o, "overhead_strtab", h->overhead_strtab);
	kv_num(o, "flags", h->flags);
	kv_num(o, "string_limit", h->string_limit);
	key(o, "main_thread");
	addr(o, h->main_thread, 0);
	key(o, "registry");
	addr(o, h->registry, 0);
	lit(o, "},\n\"objects\":[");
	d->section = 0;
	d->nitems = 0;
}

static void json_object_begin(lh_dump_ctx *d, const lh_dump_object *ob)
{
	lh_out *o = &d->out;

	lit(o, d->nitems++ ? ",\n{\"id\":" : "\n{\"id\":");
	addr(o, ob->addr, 0);
	key(o, "type");
	lh_out__room(o);
	lh_out__byte(o, '"');
	lit(o, lh_type_names[ob->type]);
	lit(o, "\",\"list\":\"");
	lit(o, lh_list_names[ob->list]);
	lit(o, "\"");
	kv_num(o, "marked", ob->marked);
	kv_num(o, "size", ob->size);
	switch (ob->type) {
	case LH_T_STRING:
		key(o, "long");
		boolean(o, ob->u.str.is_long);
		kv_num(o, "length", ob->u.str.length);
		kv_num(o, "stored", ob->u.str.stored);
		key(o, "text");
		text(o, ob->u.str.bytes, (size_t)ob->u.str.stored);
		break;
	case LH_T_TABLE:
		kv_num(o, "asize", ob->u.tab.asize);
		kv_num(o, "nodes", ob->u.tab.nodes);
		key(o, "weak");
		lh_out__room(o);
		lh_out__byte(o, '"');
		lit(o, lh_weak_names[ob->u.tab.weak & 3]);
		lit(o, "\"");
		break;
	case LH_T_LFUNC:
		kv_num(o, "nupvalues", ob->u.fn.nupvalues);
		break;
	case LH_T_CFUNC:
		kv_num(o, "nupvalues", ob->u.fn.nupvalues);
		key(o, "cfunc");
		addr(o, ob->u.fn.cfunc, 0);
		key(o, "symbol");
		text(o, ob->u.fn.symbol, strlen(ob->u.fn.symbol));
		break;
	case LH_T_USERDATA:
		kv_num(o, "length", ob->u.ud.length);
		kv_num(o, "nuvalue", ob->u.ud.nuvalue);
		break;
	case LH_T_THREAD:
		key(o, "status");
		lh_out__room(o);
		lh_out__byte(o, '"');
		lit(o, lh_thread_status_names[ob->u.th.status & 3]);
		lit(o, "\"");
		kv_num(o, "stack_slots", ob->u.th.stack_slots);
		kv_num(o, "nci", ob->u.th.nci);
		lit(o, ",\"frames\":[");
		d->in_frames = 1;
		d->nsub = 0;
		return;
	case LH_T_PROTO:
		kv_num(o, "linedefined", ob->u.pr.linedefined);
		kv_num(o, "lastlinedefined", ob->u.pr.lastlinedefined);
		kv_num(o, "numparams", ob->u.pr.numparams);
		key(o, "vararg");
		boolean(o, ob->u.pr.is_vararg);
		kv_num(o, "maxstacksize", ob->u.pr.maxstacksize);
		kv_num(o, "sizecode", ob->u.pr.sizecode);
		key(o, "source");
		addr(o, ob->u.pr.source, 1);
		break;
	case LH_T_UPVALUE:
		key(o, "open");
		boolean(o, ob->u.uv.is_open);
		break;
	}
	lit(o, ",\"edges\":[");
	d->nsub = 0;
}

static void json_frame(lh_dump_ctx *d, const lh_dump_frame *f)
{
	lh_out *o = &d->out;

	lit(o, d->nsub++ ? ",{\"func\":" : "{\"func\":");
	addr(o, f->func, 1);
	kv_num(o, "line", f->line);
	key(o, "lua");
	boolean(o, f->is_lua);
	key(o, "proto");
	addr(o, f->proto, 1);
	lit(o, "}");
}

static void close_frames(lh_dump_ctx *d)
{
	if (d->in_frames) {
		lit(&d->out, "],\"edges\":[");
		d->in_frames = 0;
		d->nsub = 0;
	}
}

static void json_edge(lh_dump_ctx *d, const lh_dump_edge *e)
{
	lh_out *o = &d->out;
	unsigned kind = e->kind & LH_EDGE_KIND_MASK;

	close_frames(d);
	lit(o, d->nsub++ ? ",{\"kind\":\"" : "{\"kind\":\"");
	lit(o, kind < LH_E_COUNT ? lh_edge_kind_names[kind] : "?");
	lit(o, "\",\"to\":");
	addr(o, e->to, 0);
	switch (kind) {
	case LH_E_ARRAY: case LH_E_CONSTANT: case LH_E_CHILD:
	case LH_E_DEBUG_NAME: case LH_E_USER_VALUE:
		kv_num(o, "index", (uint64_t)e->i);
		break;
	case LH_E_FIELD_STR: case LH_E_FIELD_OBJ: case LH_E_FIELD_LIGHT:
		key(o, "key");
		addr(o, e->a, 0);
		break;
	case LH_E_FIELD_INT:
		key(o, "key");
		lit(o, "\"");
		snum(o, e->i);
		lit(o, "\"");
		break;
	case LH_E_FIELD_NUM:
		key(o, "key");
		dbl(o, e->d);
		break;
	case LH_E_FIELD_BOOL:
		key(o, "key");
		boolean(o, e->i != 0);
		break;
	case LH_E_UPVALUE:
		kv_num(o, "index", (uint64_t)e->i);
		key(o, "name");
		addr(o, e->a, 1);
		break;
	case LH_E_STACK:
		kv_num(o, "frame", (uint64_t)e->i);
		kv_num(o, "slot", e->slot);
		key(o, "name");
		addr(o, e->a, 1);
		break;
	default:
		break;
	}
	if (e->kind & LH_EDGE_WEAK)
		lit(o, ",\"weak\":true");
	if (e->kind & LH_EDGE_EPHEMERON)
		lit(o, ",\"ephemeron\":true");
	lit(o, "}");
}

static void json_object_end(lh_dump_ctx *d, const lh_dump_object *ob)
{
	lh_out *o = &d->out;

	close_frames(d);
	lit(o, "]");
	if (ob->type == LH_T_TABLE) {
		kv_num(o, "array_entries", ob->u.tab.array_entries);
		kv_num(o, "hash_entries", ob->u.tab.hash_entries);
	}
	lit(o, "}");
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
	lit(o, "\",\"to\":");
	addr(o, a, 0);
	kv_num(o, "index", index);
	lit(o, "}");
}

static void json_watch(lh_dump_ctx *d, uint64_t a, const char *label,
                       size_t len, int expect_dead)
{
	lh_out *o = &d->out;

	enter(d, 2);
	lit(o, d->nitems++ ? ",\n{\"id\":" : "\n{\"id\":");
	addr(o, a, 0);
	key(o, "label");
	text(o, label, len);
	key(o, "expect_dead");
	boolean(o, expect_dead);
	lit(o, "}");
}

static void json_finish(lh_dump_ctx *d)
{
	lh_out *o = &d->out;

	enter(d, 3);
	lit(o, "\"counts\":{\"objects\":");
	num(o, d->nobjects);
	kv_num(o, "edges", d->nedges);
	kv_num(o, "roots", d->nroots);
	lit(o, "}}\n");
	lh_out__finish(o);
}

const lh_encoder lh_dump__json = {
	json_header, json_object_begin, json_frame, json_edge, json_object_end,
	json_root, json_watch, json_finish
};
