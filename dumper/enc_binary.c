/*
 * The binary snapshot encoder: records as format.h lays them out, varint
 * coded, addresses as deltas, written through the framed output sink.
 */
#include <string.h>

#include "internal.h"

static void put_str(lh_out *o, const char *s, size_t n)
{
	lh_out__room(o);
	lh_out__uv(o, n);
	lh_out__put(o, s, n);
}

/*
 * Appends one value coded as 'code' (lh_code, format.h) says; strings take
 * their own room, the others need lh_out__room first (at most 10 bytes).
 */
static void put_value(lh_out *o, int code, const lh_value *v)
{
	int i;

	switch (code) {
	case LH_C_U8: case LH_C_GC_MODE:
		lh_out__byte(o, (unsigned)v->u & 0xff);
		break;
	case LH_C_BOOL:
		lh_out__byte(o, v->u != 0);
		break;
	case LH_C_INT:
		lh_out__sv(o, (int64_t)v->u);
		break;
	case LH_C_FLOAT:        /* the double's bits, little-endian */
		for (i = 0; i < 8; i++)
			lh_out__byte(o, (unsigned)(v->u >> (8 * i)) & 0xff);
		break;
	case LH_C_STR:
		put_str(o, v->s, v->len);
		break;
	default:                /* LH_C_UV, LH_C_ADDR, LH_C_NAME */
		lh_out__uv(o, v->u);
		break;
	}
}

/* The magic, the version and the header record, field by field from
 * lh_header_specs. */
static void bin_header(lh_dump_ctx *d, const lh_dump_header *h)
{
	lh_out *o = &d->out;
	unsigned char pre[LH_MAGIC_LEN + 4];
	int i;

	memcpy(pre, LH_MAGIC, LH_MAGIC_LEN);
	pre[LH_MAGIC_LEN] = LH_FORMAT_VERSION & 0xff;
	pre[LH_MAGIC_LEN + 1] = (LH_FORMAT_VERSION >> 8) & 0xff;
	pre[LH_MAGIC_LEN + 2] = pre[LH_MAGIC_LEN + 3] = 0;
	lh_out__raw(o, pre, sizeof(pre));

	lh_out__room(o);
	lh_out__byte(o, LH_REC_HEADER);
	for (i = 0; i < LH_H_COUNT; i++) {
		lh_out__room(o);
		put_value(o, lh_header_specs[i].code, &h->f[i]);
	}
}

static void bin_object_begin(lh_dump_ctx *d, const lh_dump_object *ob)
{
	lh_out *o = &d->out;

	lh_out__room(o);
	lh_out__byte(o, LH_REC_OBJECT);
	lh_out__byte(o, (unsigned)ob->type);
	lh_out__byte(o, (unsigned)ob->list | (ob->shared ? LH_OBJ_SHARED : 0));
	lh_out__byte(o, ob->marked & 0xff);
	lh_out__sv(o, (int64_t)(ob->addr - d->prev_obj));
	lh_out__uv(o, ob->size);
	d->prev_obj = d->prev_to = ob->addr;
	switch (ob->type) {
	case LH_T_STRING:
		lh_out__byte(o, (unsigned)ob->u.str.is_long);
		lh_out__uv(o, ob->u.str.length);
		lh_out__uv(o, ob->u.str.stored);
		lh_out__put(o, ob->u.str.bytes, (size_t)ob->u.str.stored);
		break;
	case LH_T_TABLE:
		lh_out__uv(o, ob->u.tab.asize);
		lh_out__uv(o, ob->u.tab.nodes);
		lh_out__byte(o, (unsigned)ob->u.tab.weak);
		break;
	case LH_T_LFUNC:
		lh_out__uv(o, ob->u.fn.nupvalues);
		break;
	case LH_T_CFUNC:
		lh_out__uv(o, ob->u.fn.nupvalues);
		lh_out__uv(o, ob->u.fn.cfunc);
		put_str(o, ob->u.fn.symbol, strlen(ob->u.fn.symbol));
		break;
	case LH_T_USERDATA:
		lh_out__uv(o, ob->u.ud.length);
		lh_out__uv(o, ob->u.ud.nuvalue);
		break;
	case LH_T_THREAD:
		lh_out__byte(o, (unsigned)ob->u.th.status);
		lh_out__uv(o, ob->u.th.stack_slots);
		lh_out__uv(o, ob->u.th.nci);
		lh_out__uv(o, ob->u.th.frame_count);
		break;
	case LH_T_PROTO:
		lh_out__uv(o, ob->u.pr.linedefined);
		lh_out__uv(o, ob->u.pr.lastlinedefined);
		lh_out__byte(o, ob->u.pr.numparams);
		lh_out__byte(o, ob->u.pr.is_vararg);
		lh_out__byte(o, ob->u.pr.maxstacksize);
		lh_out__uv(o, ob->u.pr.sizecode);
		lh_out__room(o);
		lh_out__uv(o, ob->u.pr.source);
		break;
	case LH_T_UPVALUE:
		lh_out__byte(o, (unsigned)ob->u.uv.is_open);
		break;
	}
}

static void bin_frame(lh_dump_ctx *d, const lh_dump_frame *f)
{
	lh_out *o = &d->out;

	lh_out__room(o);
	lh_out__uv(o, f->func);
	lh_out__uv(o, f->line);
	lh_out__byte(o, (unsigned)f->is_lua);
	lh_out__uv(o, f->proto);
}

/* One edge: kind, target delta, then the label fields lh_edge_specs lists
 * for the kind (at most 31 bytes: one room check covers the edge). */
static void bin_edge(lh_dump_ctx *d, const lh_dump_edge *e)
{
	lh_out *o = &d->out;
	const lh_edge_spec *spec;
	lh_value v = { 0, NULL, 0 };
	int i;

	lh_out__room(o);
	lh_out__byte(o, e->kind);
	lh_out__sv(o, (int64_t)(e->to - d->prev_to));
	d->prev_to = e->to;
	spec = &lh_edge_specs[e->kind & LH_EDGE_KIND_MASK];
	for (i = 0; i < spec->nfields; i++) {
		v.u = lh_dump__label(e, spec->field[i].member);
		put_value(o, spec->field[i].code, &v);
	}
}

static void bin_object_end(lh_dump_ctx *d, const lh_dump_object *ob)
{
	lh_out *o = &d->out;

	lh_out__room(o);
	lh_out__byte(o, 0);
	if (ob->type == LH_T_TABLE) {
		lh_out__uv(o, ob->u.tab.array_entries);
		lh_out__uv(o, ob->u.tab.hash_entries);
	}
}

static void bin_root(lh_dump_ctx *d, int kind, uint64_t addr, uint64_t index)
{
	lh_out *o = &d->out;

	lh_out__room(o);
	lh_out__byte(o, LH_REC_ROOT);
	lh_out__byte(o, (unsigned)kind);
	lh_out__uv(o, addr);
	lh_out__uv(o, index);
}

static void bin_watch(lh_dump_ctx *d, uint64_t addr, const char *label,
                      size_t len, int expect_dead)
{
	lh_out *o = &d->out;

	lh_out__room(o);
	lh_out__byte(o, LH_REC_WATCH);
	lh_out__uv(o, addr);
	put_str(o, label, len);
	lh_out__room(o);
	lh_out__byte(o, expect_dead != 0);
}

static void bin_finish(lh_dump_ctx *d)
{
	lh_out *o = &d->out;

	lh_out__room(o);
	lh_out__byte(o, LH_REC_END);
	lh_out__uv(o, d->nobjects);
	lh_out__uv(o, d->nedges);
	lh_out__uv(o, d->nroots);
	lh_out__finish(o);
}

const lh_encoder lh_dump__binary = {
	bin_header, bin_object_begin, bin_frame, bin_edge, bin_object_end,
	bin_root, bin_watch, bin_finish
};
