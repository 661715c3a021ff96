/*
 * Class names of objects (metatable __name, else the metatable's own
 * shortest path; functions by source:line) and per-class totals, with the
 * retained size of a class counted the way DevTools does: only instances
 * that no other instance of the same class dominates.
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"
#include "hash.h"
#include "map_int.h"
#include "snapshot_internal.h"
#include "array_int.h"

/* The metatable of table/userdata v, or LH_NONE. */
static uint32_t metatable_of(const lh_snapshot *snap, uint32_t v)
{
	uint32_t e;

	for (e = snap->edge_off[v]; e < snap->edge_off[v + 1]; e++)
		if ((snap->edge_kind[e] & LH_EDGE_KIND_MASK) == LH_E_METATABLE)
			return snap->edge_to[e];
	return LH_NONE;
}

/* The string-keyed field 'name' of table t: its edge, or LH_NONE. */
static uint32_t string_field(const lh_snapshot *snap, uint32_t t,
	const char *name)
{
	size_t n = strlen(name), len;
	uint32_t e;

	for (e = snap->edge_off[t]; e < snap->edge_off[t + 1]; e++) {
		lh_label l;
		const char *s;
		if ((snap->edge_kind[e] & LH_EDGE_KIND_MASK) != LH_E_FIELD_STR)
			continue;
		lh_snapshot_label(snap, e, &l);
		s = lh_snapshot_string(snap, l.obj, &len);
		if (s != NULL && len == n && memcmp(s, name, n) == 0)
			return e;
	}
	return LH_NONE;
}

/* Appends the text of string object s, cut at max bytes (UTF-8 safe). */
static void put_text(lh_strbuf *sb, const lh_snapshot *snap, uint32_t s,
	size_t max)
{
	size_t len = 0;
	const char *t = lh_snapshot_string(snap, s, &len);

	if (t != NULL)
		lh_strbuf_putn(sb, t, lh_render_utf8_cut(t, len, max));
}

/* The name a hop gives to what it reaches: a string key, a named
 * upvalue's value or a named local; LH_NONE if it has none. Returns the
 * name's string object. */
static uint32_t hop_name(const lh_snapshot *snap, const lh_path *p,
	uint32_t i)
{
	lh_label l;
	uint32_t e = p->hops[i].edge;

	if (e == LH_NONE)
		return LH_NONE;
	lh_snapshot_label(snap, e, &l);
	switch (l.kind) {
	case LH_E_FIELD_STR:
	case LH_E_STACK:
		return l.obj;
	case LH_E_UPVALUE:          /* C closure: the value itself */
		return l.obj;
	case LH_E_UPVAL_VALUE:
		if (i > 0 && p->hops[i - 1].edge != LH_NONE) {
			lh_snapshot_label(snap, p->hops[i - 1].edge, &l);
			if (l.kind == LH_E_UPVALUE)
				return l.obj;
		}
		return LH_NONE;
	}
	return LH_NONE;
}

/* Whether hop i is the registry's _LOADED or globals entry. */
static int is_registry_alias(const lh_snapshot *snap, const lh_path *p,
	uint32_t i)
{
	lh_strbuf sb;
	int r;

	if (i != 1)
		return 0;
	lh_strbuf_init(&sb);
	lh_render_hop(&sb, snap, p, 1, 0);
	r = sb.buf != NULL && (strcmp(sb.buf, "_G") == 0 ||
		strcmp(sb.buf, "package.loaded") == 0);
	lh_strbuf_release(&sb);
	return r;
}

/* Name of metatable m from its shortest path: the last hop's name, with
 * the name of the hop before when that one is a plain field too
 * ("game.Player"). 0 if the last hop names nothing. */
static int name_from_path(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_graph *g, const lh_bfs *bfs, uint32_t m)
{
	lh_path *paths = NULL;
	uint32_t np = 0, last, prev;
	int ok = 0;

	if (lh_paths_find(&paths, &np, g, bfs, m, 1, NULL) != LH_OK ||
	    np == 0)
		return 0;
	last = paths[0].nhops - 1;
	if (last >= 1 && !is_registry_alias(snap, &paths[0], last)) {
		uint32_t name = hop_name(snap, &paths[0], last);
		if (name != LH_NONE) {
			lh_label l;
			/* "game.Player": a field of a named table */
			prev = last - 1;
			if (prev >= 1 && paths[0].hops[last].edge != LH_NONE &&
			    !is_registry_alias(snap, &paths[0], prev)) {
				lh_snapshot_label(snap, paths[0].hops[last].edge, &l);
				if (l.kind == LH_E_FIELD_STR) {
					uint32_t pn = hop_name(snap, &paths[0], prev);
					lh_snapshot_label(snap,
						paths[0].hops[prev].edge, &l);
					if (pn != LH_NONE && l.kind == LH_E_FIELD_STR) {
						put_text(sb, snap, pn, 40);
						lh_strbuf_puts(sb, ".");
					}
				}
			}
			put_text(sb, snap, name, 60);
			ok = 1;
		}
	}
	lh_paths_free(paths, np);
	return ok;
}

/* ", suspended at quest.lua:88": the line of the topmost Lua frame of a
 * suspended thread (where it yielded). */
static void put_suspension(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_thread_info *ti)
{
	uint32_t k;

	if (ti->status != LH_THREAD_SUSPENDED)
		return;
	for (k = 0; k < ti->frame_count; k++) {   /* from the top */
		const lh_frame_info *fr = &snap->frames[ti->frame_first + k];
		size_t at = sb->len;

		if (!fr->is_lua || fr->proto == LH_NONE || fr->line == 0)
			continue;
		lh_strbuf_puts(sb, ", suspended at ");
		at = sb->len;
		lh_render_proto(sb, snap, fr->proto);    /* "src:linedefined" */
		while (sb->len > at && sb->buf != NULL && sb->buf[sb->len - 1] != ':')
			sb->len--;
		if (sb->len > at)
			sb->len--;
		lh_strbuf_printf(sb, ":%u", fr->line);
		return;
	}
}

/* A thread by what it runs: "main thread", "coroutine of function
 * (sched.lua:40), suspended at quest.lua:88" for the Lua function at the
 * bottom of its stack (its body) and the line where it yielded,
 * "coroutine" when it has none (dead, or not started). Parked coroutines,
 * the leak, group by where they wait. */
static void thread_class(lh_strbuf *sb, const lh_snapshot *snap, uint32_t v)
{
	const lh_thread_info *ti = lh_snapshot_thread_info(snap, v);
	uint32_t k;

	if (v == snap->main_thread) {
		lh_strbuf_puts(sb, "main thread");
		return;
	}
	lh_strbuf_puts(sb, "coroutine");
	if (ti == NULL || (uint64_t)ti->frame_first + ti->frame_count >
	    snap->nframes)
		return;
	for (k = ti->frame_count; k > 0; k--) {   /* from the bottom */
		const lh_frame_info *fr = &snap->frames[ti->frame_first + k - 1];

		if (fr->is_lua && fr->proto != LH_NONE) {
			lh_strbuf_puts(sb, " of function (");
			lh_render_proto(sb, snap, fr->proto);
			lh_strbuf_puts(sb, ")");
			put_suspension(sb, snap, ti);
			return;
		}
	}
}

void lh_classes_name_of(lh_strbuf *sb, const lh_snapshot *snap, const lh_graph *g,
	const lh_bfs *bfs, uint32_t v)
{
	int t = snap->type[v];
	const lh_func_info *fi;

	if (t == LH_T_TABLE || t == LH_T_USERDATA) {
		uint32_t m = metatable_of(snap, v), e;
		if (m == LH_NONE || m >= snap->nobj) {
			lh_strbuf_puts(sb, lh_type_name(t));
			return;
		}
		e = string_field(snap, m, "__name");
		if (e != LH_NONE &&
		    snap->type[snap->edge_to[e]] == LH_T_STRING) {
			put_text(sb, snap, snap->edge_to[e], 60);
			return;
		}
		if (g != NULL && bfs != NULL && name_from_path(sb, snap, g, bfs, m))
			return;
		/* a metatable of its own whose __index is the class table */
		e = string_field(snap, m, "__index");
		if (e != LH_NONE && g != NULL && bfs != NULL &&
		    snap->type[snap->edge_to[e]] == LH_T_TABLE &&
		    name_from_path(sb, snap, g, bfs, snap->edge_to[e]))
			return;
		e = string_field(snap, m, "__mode");
		if (e != LH_NONE &&
		    snap->type[snap->edge_to[e]] == LH_T_STRING) {
			lh_strbuf_printf(sb, "%s <weak ", lh_type_name(t));
			put_text(sb, snap, snap->edge_to[e], 8);
			lh_strbuf_puts(sb, ">");
			return;
		}
		lh_strbuf_printf(sb, "%s <metatable 0x%llx>", lh_type_name(t),
			(unsigned long long)lh_snapshot_addr(snap, m));
		return;
	}
	fi = lh_snapshot_func_info(snap, v);
	if (t == LH_T_LFUNC && fi != NULL && fi->proto != LH_NONE) {
		lh_strbuf_puts(sb, "function ");
		lh_render_proto(sb, snap, fi->proto);
		return;
	}
	if (t == LH_T_CFUNC && fi != NULL) {
		if (fi->symbol != UINT32_MAX && fi->symbol < snap->symbols_len &&
		    snap->symbols[fi->symbol] != '\0') {
			lh_strbuf_printf(sb, "cfunction %.60s",
				snap->symbols + fi->symbol);
			return;
		}
	}
	if (t == LH_T_PROTO) {
		lh_strbuf_puts(sb, "proto ");
		lh_render_proto(sb, snap, v);
		return;
	}
	if (t == LH_T_THREAD) {
		thread_class(sb, snap, v);
		return;
	}
	lh_strbuf_puts(sb, lh_type_name(t));
}

void lh_classes_free(lh_classes *c)
{
	uint32_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nclass; i++)
		free(c->name[i]);
	free(c->name);
	free(c->type);
	free(c->of16);
	free(c->of32);
	free(c->live);
	free(c->all);
	free(c);
}

uint32_t lh_class_of(const lh_classes *c, uint32_t v)
{
	return lh_classes__of(c, v);
}

uint32_t lh_classes_count(const lh_classes *c)
{
	return c->nclass;
}

const char *lh_classes_name(const lh_classes *c, uint32_t id)
{
	return c->name[id];
}

int lh_classes_type(const lh_classes *c, uint32_t id)
{
	return c->type[id];
}

lh_class_stat lh_classes_live(const lh_classes *c, uint32_t id)
{
	return c->live[id];
}

lh_class_stat lh_classes_all(const lh_classes *c, uint32_t id)
{
	return c->all[id];
}

typedef struct builder {
	lh_classes *c;
	lh_map by_key;              /* class_key() (its own hash) -> id */
	lh_map by_name;             /* name's hash -> id, names compared */
	uint32_t cap;
} builder;

/* Class id of 'name', adding it when new (names hash; collisions are
 * resolved by comparing the strings of the candidate's class). */
static int class_id(builder *b, const char *name, int type, uint32_t *id)
{
	lh_classes *c = b->c;
	uint64_t h = lh_hash__str(name);
	uint32_t pos = lh_map_start(&b->by_name, h), e;

	while ((e = lh_map_next(&b->by_name, h, &pos)) != LH_MAP_END &&
	    strcmp(c->name[e], name) != 0)
		;
	if (e != LH_MAP_END) {
		*id = e;
		return LH_OK;
	}
	if (c->nclass == b->cap) {
		uint32_t ncap = b->cap ? b->cap * 2 : 64;
		char **nn = realloc(c->name, ncap * sizeof *nn);
		uint8_t *nt;
		if (nn == NULL)
			return LH_ENOMEM;
		c->name = nn;
		nt = realloc(c->type, ncap);
		if (nt == NULL)
			return LH_ENOMEM;
		c->type = nt;
		b->cap = ncap;
	}
	c->name[c->nclass] = strdup(name);
	if (c->name[c->nclass] == NULL)
		return LH_ENOMEM;
	c->type[c->nclass] = (uint8_t)type;
	if (lh_map_add(&b->by_name, h, c->nclass) != LH_OK)
		return LH_ENOMEM;
	*id = c->nclass++;
	return LH_OK;
}

/* What decides v's class, as a cache key: its metatable, proto or type. */
static uint64_t class_key(const lh_snapshot *snap, uint32_t v)
{
	int t = snap->type[v];
	const lh_func_info *fi;

	if (t == LH_T_TABLE || t == LH_T_USERDATA) {
		uint32_t m = metatable_of(snap, v);
		if (m != LH_NONE)
			return (uint64_t)t << 40 | m;
	} else if (t == LH_T_LFUNC && (fi = lh_snapshot_func_info(snap, v)) != NULL &&
	    fi->proto != LH_NONE) {
		return (uint64_t)t << 40 | fi->proto;
	} else if (t == LH_T_CFUNC || t == LH_T_PROTO || t == LH_T_THREAD) {
		return (uint64_t)t << 40 | v;   /* named by their own fields */
	}
	return (uint64_t)t << 40 | 0xffffffffu;
}

/* Group of v in a grouping held in 16 bits (g16) or else 32 (g32). */
static inline uint32_t group_of(const uint16_t *g16, const uint32_t *g32,
	uint32_t v)
{
	return g16 != NULL ? g16[v] : g32[v];
}

/*
 * The walk behind lh_classes_group_retained, for up to two groupings at once: by
 * the ids in 'g16', or in 'g32' when g16 is NULL (n32 groups, sums into
 * out32) and, when g8 is not NULL, by the bytes in 'g8' (n8 groups,
 * out8). It goes through the dominator tree in the preorder of d->order,
 * keeping the current node's ancestors on a stack and, for each group,
 * how many of them belong to it; a node adds its retained size to its
 * group only when none does.
 */
static int group_walk(const lh_dom *d, const uint16_t *g16,
	const uint32_t *g32, uint32_t n32, uint64_t *out32,
	const uint8_t *g8, uint32_t n8, uint64_t *out8)
{
	uint32_t *active, *active8, *stack = NULL, k;
	size_t sp = 0, cap = 0;     /* the stack grows with the tree's depth */
	int rc = LH_OK;

	active = lh_array__zalloc((size_t)n32 + (size_t)n8 + 2, sizeof *active);
	if (active == NULL) {
		rc = LH_ENOMEM;
		goto done;
	}
	active8 = active + n32 + 1;
	for (k = 0; k <= d->nlive; k++) {
		uint32_t w = k < d->nlive ? d->order[k] : LH_NONE;
		uint32_t p = k < d->nlive ? d->idom[w] : LH_NONE;

		/* leave the subtrees w is not in */
		while (sp > 0 && stack[sp - 1] != p) {
			uint32_t v = stack[--sp], a = group_of(g16, g32, v);
			active[a < n32 ? a : n32]--;
			if (g8 != NULL)
				active8[g8[v] < n8 ? g8[v] : n8]--;
		}
		if (w == LH_NONE)
			break;
		{
			uint32_t a = group_of(g16, g32, w);
			if (a > n32)
				a = n32;
			if (active[a]++ == 0 && a < n32)
				out32[a] += lh_dom__retained(d, w);
		}
		if (g8 != NULL) {
			uint32_t b = g8[w] < n8 ? g8[w] : n8;
			if (active8[b]++ == 0 && b < n8)
				out8[b] += lh_dom__retained(d, w);
		}
		if (sp == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			uint32_t *ns = realloc(stack, ncap * sizeof *ns);
			if (ns == NULL) {
				rc = LH_ENOMEM;
				goto done;
			}
			stack = ns;
			cap = ncap;
		}
		stack[sp++] = w;
	}
done:
	free(active);
	free(stack);
	return rc;
}

int lh_classes_group_retained(uint64_t *out, const lh_dom *d, const uint32_t *group,
	uint32_t ngroups)
{
	return group_walk(d, NULL, group, ngroups, out, NULL, 0, NULL);
}

/* Moves the ids of objects 0..v-1 from of16 to a new of32. */
static int widen(lh_classes *c, uint32_t v)
{
	uint32_t i;

	c->of32 = lh_array__alloc(((size_t)c->n + 1) * sizeof *c->of32);
	if (c->of32 == NULL)
		return LH_ENOMEM;
	for (i = 0; i < v; i++)
		c->of32[i] = c->of16[i];
	free(c->of16);
	c->of16 = NULL;
	return LH_OK;
}

/* Every object's class id, naming a class when its key is first met. */
static int assign_ids(builder *b, const lh_snapshot *snap, const lh_graph *g,
	const lh_bfs *bfs)
{
	lh_classes *c = b->c;
	lh_strbuf sb;
	uint32_t v;
	int rc = LH_ENOMEM;

	lh_strbuf_init(&sb);
	/* 16-bit ids until a class id needs more, then 32 from there on */
	c->of16 = lh_array__alloc(((size_t)snap->nobj + 1) * sizeof *c->of16);
	if (c->of16 == NULL)
		goto done;
	for (v = 0; v < snap->nobj; v++) {
		uint64_t key = class_key(snap, v);
		uint32_t id = lh_map_get(&b->by_key, key);

		if (id == LH_MAP_END) {
			sb.len = 0;
			lh_classes_name_of(&sb, snap, g, bfs, v);
			if (sb.oom || class_id(b, sb.buf ? sb.buf : "?",
			    snap->type[v], &id) != LH_OK ||
			    lh_map_add(&b->by_key, key, id) != LH_OK)
				goto done;
		}
		if (c->of16 != NULL && id > UINT16_MAX &&
		    widen(c, v) != LH_OK)
			goto done;
		if (c->of16 != NULL)
			c->of16[v] = (uint16_t)id;
		else
			c->of32[v] = id;
	}
	rc = LH_OK;
done:
	lh_strbuf_release(&sb);
	return rc;
}

/* Counts and self sizes per class (every object, live ones) and per type
 * (live ones); then the retained sizes of classes and types. */
static int totals(lh_classes *c, const lh_snapshot *snap, const lh_graph *g,
	const lh_dom *dom)
{
	uint64_t *r;
	uint32_t v;

	c->live = calloc((size_t)c->nclass + 1, sizeof *c->live);
	c->all = calloc((size_t)c->nclass + 1, sizeof *c->all);
	if (c->live == NULL || c->all == NULL)
		return LH_ENOMEM;
	for (v = 0; v < snap->nobj; v++) {
		uint32_t id = lh_classes__of(c, v);
		if (lh_snapshot_shared(snap, v))
			continue;         /* no state's own object */
		c->all[id].count++;
		c->all[id].self += lh_snapshot_size(snap, v);
		if (lh_graph__live(g, v)) {
			c->live[id].count++;
			c->live[id].self += lh_snapshot_size(snap, v);
			if (snap->type[v] < LH_T_COUNT) {
				c->types[snap->type[v]].count++;
				c->types[snap->type[v]].self += lh_snapshot_size(snap, v);
			}
		}
	}
	r = calloc((size_t)c->nclass + LH_T_COUNT, sizeof *r);
	if (r == NULL || group_walk(dom, c->of16, c->of32, c->nclass, r,
	    snap->type, LH_T_COUNT, r + c->nclass) != LH_OK) {
		free(r);
		return LH_ENOMEM;
	}
	for (v = 0; v < c->nclass; v++)
		c->live[v].retained = r[v];
	for (v = 0; v < LH_T_COUNT; v++)
		c->types[v].retained = r[c->nclass + v];
	free(r);
	return LH_OK;
}

int lh_classes_build(lh_classes **out, const lh_snapshot *snap,
	const lh_graph *g, const lh_dom *dom, const lh_bfs *bfs,
	lh_error *err)
{
	builder b;
	lh_classes *c;
	int rc = LH_OK;

	*out = NULL;
	memset(&b, 0, sizeof b);
	c = b.c = calloc(1, sizeof *c);
	if (c == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	c->n = snap->nobj;
	if (lh_map_init(&b.by_key, 64) != LH_OK ||
	    lh_map_init(&b.by_name, 64) != LH_OK ||
	    assign_ids(&b, snap, g, bfs) != LH_OK ||
	    totals(c, snap, g, dom) != LH_OK)
		rc = lh_error_set(err, LH_ENOMEM,
			"out of memory naming classes");
	lh_map_release(&b.by_key);
	lh_map_release(&b.by_name);
	if (rc != LH_OK)
		lh_classes_free(c);
	else
		*out = c;
	return rc;
}
