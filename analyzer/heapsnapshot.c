/*
 * The V8 heap snapshot export: a Lua heap as the .heapsnapshot JSON that
 * Chrome DevTools and memlab read. Streams sections in V8's order (meta,
 * nodes, edges, empty traces, samples and locations, strings last), naming
 * strings by number without a table: see 'Strings' below.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/heapsnapshot.h"
#include "luaheap/out.h"
#include "analysis_int.h"
#include "snapshot_internal.h"

/* V8's node and edge types, in the order meta lists them. */
enum { N_HIDDEN, N_ARRAY, N_STRING, N_OBJECT, N_CODE, N_CLOSURE, N_REGEXP,
	N_NUMBER, N_NATIVE, N_SYNTHETIC };
enum { E_CONTEXT, E_ELEMENT, E_PROPERTY, E_INTERNAL, E_HIDDEN, E_SHORTCUT,
	E_WEAK };

#define NODE_FIELDS 7

static const char meta[] =
	"{\"snapshot\":{\"meta\":{"
	"\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
	"\"trace_node_id\",\"detachedness\"],\n"
	"\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\","
	"\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\","
	"\"concatenated string\",\"sliced string\",\"symbol\",\"bigint\","
	"\"object shape\"],\"string\",\"number\",\"number\",\"number\","
	"\"number\",\"number\"],\n"
	"\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\n"
	"\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\","
	"\"hidden\",\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],\n"
	"\"trace_function_info_fields\":[\"function_id\",\"name\","
	"\"script_name\",\"script_id\",\"line\",\"column\"],\n"
	"\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\","
	"\"size\",\"children\"],\n"
	"\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],\n"
	"\"location_fields\":[\"object_index\",\"script_id\",\"line\","
	"\"column\"]},\n";

/*
 * Strings
 * -------
 * The strings section comes last, so every name is a number decided
 * before its text is written. Numbers are given by rule, never looked up:
 * the fixed names below, then the class names (by class id), then the
 * contents of every string object (by its index among strings), then one
 * per edge whose name is made up of text (a float key, a stack slot), in
 * the order the edges are written; the strings section replays the edges
 * to write those texts in the same order.
 */
enum { S_EMPTY, S_METATABLE, S_KEY, S_VALUE, S_PROTO, S_SOURCE, S_OPENUPVAL,
	S_EPHEMERON, S_REGISTRY, S_MAIN, S_TYPEMT, S_FINALIZER, S_FIXED,
	S_OTHER, NFIXED };

static const char *const fixed_names[NFIXED] = {
	"", "metatable", "key", "value", "proto", "source", "open upvalue",
	"ephemeron value", "registry", "main thread", "basic type metatable",
	"to be finalized", "fixed", "reference"
};

typedef struct ctx {
	const lh_analysis *a;
	const lh_snapshot *snap;
	const lh_graph *g;
	lh_out *o;
	uint32_t base_class, base_str, base_text;
	uint32_t ntext;             /* edge texts numbered so far */
	uint32_t *ids;              /* [nobj] node ids */
	lh_strbuf text;             /* the current edge's text */
	lh_hop hops[2];
} ctx;

static uint32_t node_type(int t)
{
	switch (t) {
	case LH_T_STRING: return N_STRING;
	case LH_T_LFUNC: case LH_T_CFUNC: return N_CLOSURE;
	case LH_T_PROTO: return N_CODE;
	case LH_T_UPVALUE: return N_HIDDEN;
	default: return N_OBJECT;    /* tables, userdata, threads */
	}
}

/* The name of string object s, or LH_NONE when s is not a string. */
static uint32_t string_name(const ctx *c, uint32_t s)
{
	if (s >= c->snap->nobj || c->snap->type[s] != LH_T_STRING)
		return LH_NONE;
	return c->base_str + lh_snapshot_aux(c->snap, s);
}

/* Edge e's text (as its step in a root path prints) into c->text. */
static void edge_text(ctx *c, uint32_t src, uint32_t e)
{
	lh_path p;

	c->hops[0].from = LH_DOM_VROOT;
	c->hops[0].edge = LH_NONE;
	c->hops[0].root = LH_NONE;
	c->hops[0].obj = src;
	c->hops[1].from = src;
	c->hops[1].edge = e;
	c->hops[1].root = LH_NONE;
	c->hops[1].obj = c->snap->edge_to[e];
	p.hops = c->hops;
	p.nhops = 2;
	c->text.len = 0;
	if (!lh_render_hop(&c->text, c->snap, &p, 1, 60) || c->text.len == 0)
		lh_strbuf_puts(&c->text, "reference");
}

/*
 * Type and name_or_index of edge e of src. Returns 1 when the name is a
 * text of its own (then with 'want' its text is in c->text), else 0.
 */
static int describe(ctx *c, uint32_t src, uint32_t e, uint32_t *type,
	uint32_t *noi, int want)
{
	lh_label l;
	uint32_t key, s;
	int cls = lh_graph__edge_class(c->g, e, &key);
	int weak = cls == LH_EC_WEAK ||
		(cls == LH_EC_EPHEMERON && !lh_graph__live(c->g, key));

	lh_snapshot_label(c->snap, e, &l);
	*type = weak ? E_WEAK : E_PROPERTY;
	switch (l.kind) {
	case LH_E_ARRAY:
	case LH_E_FIELD_INT:
		if (!weak && l.i >= 0 && (uint64_t)l.i <= UINT32_MAX) {
			*type = E_ELEMENT;
			*noi = (uint32_t)l.i;
			return 0;
		}
		break;
	case LH_E_FIELD_STR:
		if ((s = string_name(c, l.obj)) != LH_NONE) {
			*noi = s;
			return 0;
		}
		break;
	case LH_E_UPVALUE:
		if (!weak)
			*type = E_CONTEXT;
		if ((s = string_name(c, l.obj)) != LH_NONE) {
			*noi = s;
			return 0;
		}
		break;
	case LH_E_FIELD_NUM: case LH_E_FIELD_BOOL: case LH_E_FIELD_OBJ:
	case LH_E_FIELD_LIGHT:
		break;
	default:
		if (!weak)
			*type = E_INTERNAL;
		switch (l.kind) {
		case LH_E_METATABLE: *noi = S_METATABLE; return 0;
		case LH_E_KEY: *noi = S_KEY; return 0;
		case LH_E_UPVAL_VALUE: *noi = S_VALUE; return 0;
		case LH_E_PROTO: *noi = S_PROTO; return 0;
		case LH_E_SOURCE: *noi = S_SOURCE; return 0;
		case LH_E_OPEN_UPVAL: *noi = S_OPENUPVAL; return 0;
		case LH_E_CONSTANT: case LH_E_CHILD: case LH_E_DEBUG_NAME:
		case LH_E_USER_VALUE:
			if (!weak && l.i >= 0 && (uint64_t)l.i <= UINT32_MAX) {
				*type = E_HIDDEN;
				*noi = (uint32_t)l.i;
				return 0;
			}
			break;
		case LH_E_STACK:
			break;
		default:
			*noi = S_OTHER;
			return 0;
		}
		break;
	}
	if (want)
		edge_text(c, src, e);
	*noi = c->base_text + c->ntext++;
	return 1;
}

/* The ephemeron entries whose key is v: positions [*first, end) of
 * eph_by_key. */
static uint32_t keyed_entries(const lh_graph *g, uint32_t v, uint32_t *first)
{
	uint32_t j;

	*first = j = g->neph ? lh_graph__key_first(g, v) : 0;
	while (j < g->neph && g->eph_key[g->eph_by_key[j]] == v)
		j++;
	return j;
}

/*
 * Node ids
 * --------
 * Odd, like V8's ids of heap objects, from the address: (address / 8) plus
 * a multiple of its 16 GiB window, modulo ID_SPAN, so objects within one
 * window never share an id and the same object has the same id in every
 * snapshot of its process. Allocators that align regions to large powers
 * of two (ASan's, jemalloc's) can still make two objects meet: after
 * sorting, each id that repeats moves up to the next free odd number (the
 * span leaves room), which keeps them unique at the price of stability
 * for those few. 8 bytes per object while sorting, 4 kept.
 */
#define ID_SPAN 0x7ff00000u

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static uint32_t *node_ids(const lh_snapshot *s)
{
	uint64_t *pair = malloc(((size_t)s->nobj + 1) * sizeof *pair);
	uint32_t *ids = malloc(((size_t)s->nobj + 1) * sizeof *ids);
	uint64_t last = 0, id;
	uint32_t v;

	if (pair == NULL || ids == NULL) {
		free(pair);
		free(ids);
		return NULL;
	}
	for (v = 0; v < s->nobj; v++) {
		uint64_t a = lh_snapshot_addr(s, v);
		uint64_t k = ((a >> 3) + (a >> 34) * 0x9e3779b1u) % ID_SPAN;
		pair[v] = (2 * k + 3) << 32 | v;
	}
	qsort(pair, s->nobj, sizeof *pair, cmp_u64);
	for (v = 0; v < s->nobj; v++) {
		id = pair[v] >> 32;
		if (id <= last)
			id = last + 2;
		if (id > UINT32_MAX)        /* more than a million collisions */
			id = UINT32_MAX;
		ids[(uint32_t)pair[v]] = (uint32_t)id;
		last = id;
	}
	free(pair);
	return ids;
}

static void put3(lh_out *o, uint32_t x, uint32_t y, uint32_t z, int first)
{
	if (!first)
		lh_out_putn(o, ",", 1);
	lh_out_u64(o, x);
	lh_out_putn(o, ",", 1);
	lh_out_u64(o, y);
	lh_out_putn(o, ",", 1);
	lh_out_u64(o, z);
	lh_out_putn(o, "\n", 1);
}

static void write_nodes(ctx *c)
{
	const lh_snapshot *s = c->snap;
	uint32_t v, first, end;

	lh_out_puts(c->o, "\"nodes\":[");
	lh_out_printf(c->o, "%d,%d,1,0,%u,0,0\n", N_SYNTHETIC, S_EMPTY,
		c->g->nroots);
	for (v = 0; v < s->nobj; v++) {
		uint64_t size = lh_snapshot_size(s, v);
		uint32_t name = s->type[v] == LH_T_STRING ? string_name(c, v) :
			c->base_class + lh_classes__of(c->a->classes, v);

		end = keyed_entries(c->g, v, &first);
		lh_out_putn(c->o, ",", 1);
		lh_out_u64(c->o, node_type(s->type[v]));
		lh_out_putn(c->o, ",", 1);
		lh_out_u64(c->o, name);
		lh_out_putn(c->o, ",", 1);
		lh_out_u64(c->o, c->ids[v]);
		lh_out_putn(c->o, ",", 1);
		lh_out_u64(c->o, size > UINT32_MAX ? UINT32_MAX : size);
		lh_out_putn(c->o, ",", 1);
		lh_out_u64(c->o, s->edge_off[v + 1] - s->edge_off[v] + end - first);
		lh_out_puts(c->o, ",0,0\n");
	}
	lh_out_puts(c->o, "],\n");
}

static uint32_t root_name(const ctx *c, uint32_t i)
{
	if (i >= c->snap->nroots)
		return S_FIXED;
	switch (c->snap->roots[i].kind) {
	case LH_ROOT_REGISTRY: return S_REGISTRY;
	case LH_ROOT_MAIN_THREAD: return S_MAIN;
	case LH_ROOT_TYPE_MT: return S_TYPEMT;
	case LH_ROOT_FINALIZER: return S_FINALIZER;
	default: return S_OTHER;
	}
}

/* Every edge in order, or with 'texts' only the texts of the edges named
 * by a text of their own, as JSON strings. */
static void walk_edges(ctx *c, int texts)
{
	const lh_snapshot *s = c->snap;
	const lh_graph *g = c->g;
	uint32_t v, e, i, j, first, end, type, noi;
	int any = 0;

	c->ntext = 0;
	for (i = 0; i < g->nroots && !texts; i++, any = 1)
		put3(c->o, E_PROPERTY, root_name(c, i), (g->roots[i] + 1) *
			NODE_FIELDS, !any);
	for (v = 0; v < s->nobj; v++) {
		for (e = s->edge_off[v]; e < s->edge_off[v + 1]; e++) {
			int own = describe(c, v, e, &type, &noi, texts);

			if (!texts) {
				put3(c->o, type, noi, (s->edge_to[e] + 1) * NODE_FIELDS,
					!any);
				any = 1;
			} else if (own) {
				lh_out_puts(c->o, ",\n\"");
				lh_out_json(c->o, c->text.buf, c->text.len);
				lh_out_puts(c->o, "\"");
			}
		}
		if (texts)
			continue;
		/* The key of an ephemeron entry keeps its value alive while
		 * the table is alive, as Lua's collector does. */
		end = keyed_entries(g, v, &first);
		for (j = first; j < end; j++, any = 1) {
			uint32_t x = g->eph_by_key[j];
			put3(c->o, lh_graph__live(g, g->eph_src[x]) ? E_INTERNAL : E_WEAK,
				S_EPHEMERON, (g->to[g->eph_edge[x]] + 1) * NODE_FIELDS, !any);
		}
	}
}

static void write_strings(ctx *c)
{
	const lh_snapshot *s = c->snap;
	const lh_classes *cl = c->a->classes;
	uint32_t i, v;
	size_t len;
	const char *t;

	lh_out_puts(c->o, "\"strings\":[");
	for (i = 0; i < NFIXED; i++) {
		lh_out_puts(c->o, i ? ",\n\"" : "\"");
		lh_out_puts(c->o, fixed_names[i]);
		lh_out_puts(c->o, "\"");
	}
	for (i = 0; i < cl->nclass; i++) {
		lh_out_puts(c->o, ",\n\"");
		lh_out_json(c->o, cl->name[i], strlen(cl->name[i]));
		lh_out_puts(c->o, "\"");
	}
	for (v = 0; v < s->nobj; v++) {
		if (s->type[v] != LH_T_STRING)
			continue;
		t = lh_snapshot_string(s, v, &len);
		lh_out_puts(c->o, ",\n\"");
		lh_out_json(c->o, t != NULL ? t : "", t != NULL ? len : 0);
		lh_out_puts(c->o, "\"");
	}
	walk_edges(c, 1);
	lh_out_puts(c->o, "]}\n");
}

/* Counts the texts the edges will need: the number of the last string. */
static uint64_t count_texts(ctx *c)
{
	const lh_snapshot *s = c->snap;
	uint32_t v, e, type, noi;

	c->ntext = 0;
	for (v = 0; v < s->nobj; v++)
		for (e = s->edge_off[v]; e < s->edge_off[v + 1]; e++)
			describe(c, v, e, &type, &noi, 0);
	return c->ntext;
}

int lh_heapsnapshot_write(lh_out *o, const lh_analysis *a,
	lh_heapsnapshot_stats *stats, lh_error *err)
{
	const lh_snapshot *s = a->snap;
	uint64_t nodes = (uint64_t)s->nobj + 1;
	uint64_t edges = (uint64_t)s->nedge + a->graph->nroots + a->graph->neph;
	uint64_t strings;
	ctx c;
	int rc;

	if (nodes * NODE_FIELDS > UINT32_MAX || edges * 3 > UINT32_MAX)
		return lh_error_set(err, LH_EUSAGE, "'%s': %llu objects and %llu "
			"references are more than a heap snapshot can hold", s->path,
			(unsigned long long)s->nobj, (unsigned long long)edges);
	memset(&c, 0, sizeof c);
	c.a = a;
	c.snap = s;
	c.g = a->graph;
	c.o = o;
	c.base_class = NFIXED;
	c.base_str = c.base_class + a->classes->nclass;
	c.base_text = c.base_str + s->nstrings;
	strings = (uint64_t)c.base_text + count_texts(&c);
	if (strings > UINT32_MAX)
		return lh_error_set(err, LH_EUSAGE, "'%s': more names than a heap "
			"snapshot can hold", s->path);
	if ((c.ids = node_ids(s)) == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	lh_strbuf_init(&c.text);
	lh_out_puts(o, meta);
	lh_out_printf(o, "\"node_count\":%llu,\"edge_count\":%llu,"
		"\"trace_function_count\":0},\n", (unsigned long long)nodes,
		(unsigned long long)edges);
	write_nodes(&c);
	lh_out_puts(o, "\"edges\":[");
	walk_edges(&c, 0);
	lh_out_puts(o, "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n"
		"\"samples\":[],\n\"locations\":[],\n");
	write_strings(&c);
	rc = c.text.oom ? lh_error_set(err, LH_ENOMEM, "out of memory") : LH_OK;
	lh_strbuf_release(&c.text);
	free(c.ids);
	if (rc == LH_OK && stats != NULL) {
		stats->nodes = (uint32_t)nodes;
		stats->edges = (uint32_t)edges;
		stats->strings = (uint32_t)strings;
	}
	return rc;
}
