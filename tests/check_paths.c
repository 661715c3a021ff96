/*
 * Root paths: BFS distances against an independent brute-force search on
 * random graphs, the k distinct paths, rendering of every kind of hop as
 * a Lua expression (identifiers, keywords, odd strings, UTF-8 cuts), and
 * parsing OBJECT expressions back to objects. Snapshots for rendering are
 * written as JSON text and loaded by the real reader.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/analysis.h"
#include "luaheap/expr.h"
#include "testgraph.h"
#include "testsnap.h"

/* ---- BFS on random graphs ---- */

/* Distance of every object from the virtual root over the references
 * that retain (strong, or ephemeron with a live key), by relaxation. */
static void bf_dist(const tgraph *t, const uint8_t *live, uint32_t *dist)
{
	uint32_t i, u, e, key;
	int changed = 1;

	for (i = 0; i < t->n; i++)
		dist[i] = UINT32_MAX;
	for (i = 0; i < t->nroots; i++)
		dist[t->roots[i]] = 1;
	while (changed) {
		changed = 0;
		for (u = 0; u < t->n; u++) {
			if (dist[u] == UINT32_MAX)
				continue;
			for (e = t->off[u]; e < t->off[u + 1]; e++) {
				int c = bf_class(t, e, &key);
				if (c == 0 || (c == 2 && !live[key]))
					continue;
				if (dist[u] + 1 < dist[t->to[e]]) {
					dist[t->to[e]] = dist[u] + 1;
					changed = 1;
				}
			}
		}
	}
}

/* Whether hop h is a reference that exists and retains. */
static int hop_ok(const tgraph *t, const uint8_t *live, const lh_hop *h,
	uint32_t i)
{
	uint32_t key;
	int c;

	if (i == 0)
		return h->edge == LH_NONE && h->root < t->nroots &&
			t->roots[h->root] == h->obj;
	if (h->edge >= t->m || h->edge < t->off[h->from] ||
	    h->edge >= t->off[h->from + 1] || t->to[h->edge] != h->obj)
		return 0;
	c = bf_class(t, h->edge, &key);
	return c == 1 || (c == 2 && live[key]);
}

static int same_path(const lh_path *x, const lh_path *y)
{
	uint32_t i;

	if (x->nhops != y->nhops)
		return 0;
	for (i = 0; i < x->nhops; i++)
		if (x->hops[i].edge != y->hops[i].edge ||
		    x->hops[i].root != y->hops[i].root)
			return 0;
	return 1;
}

/* Hops of p that are not the BFS tree's way into their object. */
static uint32_t detours(const lh_bfs *b, const lh_path *p)
{
	uint32_t i, n = 0;

	for (i = 0; i < p->nhops; i++) {
		const lh_hop *h = &p->hops[i];
		lh_hop t = lh_bfs_hop(b, h->obj);
		if (t.from != h->from || t.edge != h->edge ||
		    (t.edge == LH_NONE && t.root != h->root))
			n++;
	}
	return n;
}

/* Whether following BFS parents from u meets an object of path p at or
 * after hop 'at'. */
static int bf_meets(const lh_bfs *b, uint32_t u, const lh_path *p,
	uint32_t at)
{
	uint32_t i;

	for (; u != LH_DOM_VROOT; u = lh_bfs_parent(b, u))
		for (i = at; i < p->nhops; i++)
			if (p->hops[i].obj == u)
				return 1;
	return 0;
}

/* Enumerates every simple single-detour path from the definition and
 * checks that the paths found are the k shortest of them (by length). */
static void check_detours(const tgraph *t, const uint8_t *live,
	const lh_bfs *b, const lh_path *p, uint32_t np, uint32_t k)
{
	const lh_path *base = &p[0];
	uint32_t *lens = malloc((t->m + t->nroots + 1) * sizeof *lens);
	uint32_t nl = 0, at, u, e, key, i, j;

	ck_assert_ptr_nonnull(lens);
	for (at = 0; at < base->nhops; at++) {
		uint32_t x = base->hops[at].obj;
		for (i = 0; i < t->nroots; i++)
			if (t->roots[i] == x && !(at == 0 && base->hops[0].root == i))
				lens[nl++] = base->nhops - at;
		for (u = 0; u < t->n; u++) {
			if (!live[u])
				continue;
			for (e = t->off[u]; e < t->off[u + 1]; e++) {
				int c = bf_class(t, e, &key);
				if (t->to[e] != x || e == base->hops[at].edge ||
				    c == 0 || (c == 2 && !live[key]) ||
				    bf_meets(b, u, base, at))
					continue;
				lens[nl++] = lh_bfs_depth(b, u) + base->nhops - at;
			}
		}
	}
	/* sort the candidate lengths; the found ones must be the smallest */
	for (i = 1; i < nl; i++)
		for (j = i; j > 0 && lens[j - 1] > lens[j]; j--) {
			uint32_t tmp = lens[j];
			lens[j] = lens[j - 1];
			lens[j - 1] = tmp;
		}
	ck_assert_uint_eq(np, 1 + (nl < k - 1 ? nl : k - 1));
	for (i = 1; i < np; i++)
		ck_assert_uint_eq(p[i].nhops, lens[i - 1]);
	free(lens);
}

START_TEST(root_paths_are_shortest_and_detours_come_shortest_first)
{
	uint32_t seed;

	for (seed = 0; seed < 400; seed++) {
		tgraph t;
		lh_graph *g;
		lh_bfs *b = NULL;
		lh_error err;
		uint8_t *live;
		uint32_t *dist, v;

		random_graph(&t, seed + 1000);
		g = tg_graph(&t);
		ck_assert_int_eq(lh_bfs_build(&b, g, &err), LH_OK);
		live = malloc(t.n + 1);
		dist = malloc((t.n + 1) * sizeof *dist);
		bf_live(&t, live);
		bf_dist(&t, live, dist);
		for (v = 0; v < t.n; v++) {
			lh_path *p = NULL;
			uint32_t np = 0, i, j;
			int rc;

			if (!live[v]) {
				ck_assert_uint_eq(lh_bfs_depth(b, v), 0);
				continue;
			}
			ck_assert_msg(lh_bfs_depth(b, v) == dist[v],
				"seed %u: depth(%u) = %u, expected %u", seed, v,
				lh_bfs_depth(b, v), dist[v]);
			rc = lh_paths_find(&p, &np, g, b, v, 4, &err);
			ck_assert_int_eq(rc, LH_OK);
			ck_assert_uint_ge(np, 1);
			ck_assert_uint_eq(p[0].nhops, dist[v]);
			for (i = 0; i < np; i++) {
				/* valid, simple, ending at v, sorted by length */
				ck_assert_uint_eq(p[i].hops[p[i].nhops - 1].obj, v);
				if (i > 0)
					ck_assert_uint_le(p[i - 1].nhops, p[i].nhops);
				for (j = 0; j < p[i].nhops; j++) {
					ck_assert(hop_ok(&t, live, &p[i].hops[j], j));
					if (j > 0)
						ck_assert_uint_eq(p[i].hops[j].from,
							p[i].hops[j - 1].obj);
					ck_assert(j + 1 == p[i].nhops ||
						p[i].hops[j].obj != v);
				}
				for (j = 0; j < i; j++)
					ck_assert(!same_path(&p[i], &p[j]));
				if (i > 0)      /* one detour from the BFS tree */
					ck_assert_uint_eq(detours(b, &p[i]), 1);
			}
			check_detours(&t, live, b, p, np, 4);
			lh_paths_free(p, np);
		}
		free(live);
		free(dist);
		lh_bfs_free(b);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

START_TEST(unreachable_object_has_no_path)
{
	tgraph t;
	lh_graph *g;
	lh_bfs *b = NULL;
	lh_path *p = NULL;
	uint32_t np = 0;
	lh_error err;

	tg_init(&t, 3, 2);
	tg_edge(&t, 0, 1, LH_E_ARRAY | LH_EDGE_WEAK);
	tg_edge(&t, 2, 0, LH_E_ARRAY);
	tg_csr(&t);
	t.type[1] = LH_T_TABLE;
	t.roots[t.nroots++] = 0;
	g = tg_graph(&t);
	ck_assert_int_eq(lh_bfs_build(&b, g, &err), LH_OK);
	ck_assert_int_eq(lh_paths_find(&p, &np, g, b, 1, 3, &err),
		LH_ENOTFOUND);
	ck_assert_int_eq(lh_paths_find(&p, &np, g, b, 2, 3, &err),
		LH_ENOTFOUND);
	ck_assert_int_eq(lh_paths_find(&p, &np, g, b, 0, 3, &err), LH_OK);
	ck_assert_uint_eq(np, 1);
	ck_assert_uint_eq(p[0].nhops, 1);
	lh_paths_free(p, np);
	lh_bfs_free(b);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

/* ---- strings ---- */

/* Checks that key s (n bytes), cut at max, renders as expect. */
static void check_key(const char *s, size_t n, size_t max, const char *expect)
{
	lh_strbuf sb;

	lh_strbuf_init(&sb);
	lh_render_key(&sb, s, n, max);
	ck_assert_str_eq(sb.buf, expect);
	lh_strbuf_release(&sb);
}

START_TEST(identifier_keys_use_dots_and_keywords_use_brackets)
{
	check_key("timers", 6, 0, ".timers");
	check_key("_x9", 3, 0, "._x9");
	check_key("end", 3, 0, "[\"end\"]");
	check_key("9lives", 6, 0, "[\"9lives\"]");
	check_key("game.mailer", 11, 0, "[\"game.mailer\"]");
	check_key("", 0, 0, "[\"\"]");
	check_key("a\"b\\c\nd\x01\xff", 9, 0, "[\"a\\\"b\\\\c\\nd\\x01\\xFF\"]");
	check_key("caf\xc3\xa9", 5, 0, "[\"caf\xc3\xa9\"]");   /* UTF-8 kept */
}
END_TEST

START_TEST(long_keys_are_cut_at_a_character_boundary)
{
	/* "ééééé": each é is two bytes; a cut at 5 bytes keeps two of them */
	const char *s = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";

	ck_assert_uint_eq(lh_render_utf8_cut(s, 10, 5), 4);
	ck_assert_uint_eq(lh_render_utf8_cut(s, 10, 4), 4);
	ck_assert_uint_eq(lh_render_utf8_cut(s, 10, 1), 0);
	ck_assert_uint_eq(lh_render_utf8_cut(s, 10, 10), 10);
	ck_assert_uint_eq(lh_render_utf8_cut("\xe2\x82\xac" "abc", 6, 2), 0);
	check_key(s, 10, 5, "[\"\xc3\xa9\xc3\xa9\xe2\x80\xa6\"]");
	check_key("abcdefghij", 10, 4, "[\"abcd\xe2\x80\xa6\"]");
}
END_TEST

START_TEST(float_keys_read_back_as_the_same_float)
{
	static const double v[] = { 1.5, -0.25, 0.1, 1e100, 3.0e-300,
		123456789.125, 1.0 / 3.0 };
	lh_strbuf sb;
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		lh_strbuf_init(&sb);
		lh_render_number(&sb, v[i]);
		ck_assert_msg(strtod(sb.buf, NULL) == v[i], "%s", sb.buf);
		ck_assert_ptr_nonnull(strpbrk(sb.buf, ".eE"));
		lh_strbuf_release(&sb);
	}
	lh_strbuf_init(&sb);
	lh_render_number(&sb, 1.0 / 0.0);
	ck_assert_str_eq(sb.buf, "1/0");
	lh_strbuf_release(&sb);
}
END_TEST

/* ---- a hand-written snapshot ---- */

static void obj(jbuf *j, unsigned id, const char *type, const char *extra,
	const char *edges)
{
	jput(j, "%s{\"id\":\"0x%x\",\"type\":\"%s\",\"list\":\"allgc\","
		"\"marked\":0,\"size\":%u%s%s,\"edges\":[%s]%s}",
		j->nobj++ ? ",\n" : "", id, type, 16 + id % 64,
		extra[0] ? "," : "", extra, edges,
		strcmp(type, "table") == 0 ?
		",\"array_entries\":0,\"hash_entries\":0" : "");
}

static void table(jbuf *j, unsigned id, const char *edges)
{
	obj(j, id, "table", "\"asize\":0,\"nodes\":0,\"weak\":\"\"", edges);
}

/* A string object; text in JSON notation (already escaped). */
static void str(jbuf *j, unsigned id, const char *text, unsigned len)
{
	char extra[512];

	snprintf(extra, sizeof extra, "\"long\":false,\"length\":%u,"
		"\"stored\":%u,\"text\":\"%s\"", len, len, text);
	obj(j, id, "string", extra, "");
}

#define FIELD(key, to) "{\"kind\":\"field\",\"to\":\"" to "\",\"key\":\"" key "\"}"

static lh_snapshot *sample(void)
{
	jbuf j = { NULL, 0, 0, 0 };
	lh_snapshot *s = NULL;
	lh_error err;
	int rc, nedge = 0;

	jheader(&j, 0, 1);
	table(&j, 0x100,
		"{\"kind\":\"array\",\"to\":\"0x200\",\"index\":1},"
		"{\"kind\":\"array\",\"to\":\"0x110\",\"index\":2},"
		"{\"kind\":\"array\",\"to\":\"0x173\",\"index\":3},"
		FIELD("0x300", "0x120"));
	table(&j, 0x110,
		FIELD("0x301", "0x130") "," FIELD("0x302", "0x131") ","
		FIELD("0x303", "0x132") "," FIELD("0x304", "0x133") ","
		"{\"kind\":\"ifield\",\"to\":\"0x134\",\"key\":\"17\"},"
		"{\"kind\":\"nfield\",\"to\":\"0x135\",\"key\":1.5},"
		"{\"kind\":\"bfield\",\"to\":\"0x136\",\"key\":true},"
		"{\"kind\":\"ofield\",\"to\":\"0x138\",\"key\":\"0x137\"},"
		"{\"kind\":\"key\",\"to\":\"0x137\"},"
		FIELD("0x305", "0x140") "," FIELD("0x30e", "0x210") ","
		FIELD("0x30f", "0x220") "," FIELD("0x310", "0x13c") ","
		FIELD("0x311", "0x13b") "," FIELD("0x312", "0x13e") ","
		FIELD("0x314", "0x142") ","
		"{\"kind\":\"lfield\",\"to\":\"0x175\",\"key\":\"0x99\"}");
	table(&j, 0x120, FIELD("0x306", "0x121") "," FIELD("0x313", "0x13d"));
	table(&j, 0x121, FIELD("0x307", "0x122"));
	table(&j, 0x122, "{\"kind\":\"array\",\"to\":\"0x123\",\"index\":3}");
	table(&j, 0x123, "");
	table(&j, 0x130, "{\"kind\":\"metatable\",\"to\":\"0x139\"},"
		FIELD("0x30a", "0x13a"));
	table(&j, 0x131, "");
	table(&j, 0x132, "");
	table(&j, 0x133, "");
	table(&j, 0x134, "");
	table(&j, 0x135, "");
	table(&j, 0x136, "");
	table(&j, 0x137, "");
	table(&j, 0x138, "");
	table(&j, 0x139, FIELD("0x308", "0x309"));
	table(&j, 0x13a, "{\"kind\":\"ifield\",\"to\":\"0x141\",\"key\":\"17\"}");
	table(&j, 0x13b, "{\"kind\":\"metatable\",\"to\":\"0x13c\"}");
	table(&j, 0x13c, "");
	table(&j, 0x13d, "");
	table(&j, 0x13e, "{\"kind\":\"metatable\",\"to\":\"0x13d\"}");
	table(&j, 0x161, "");
	table(&j, 0x170, "");
	table(&j, 0x171, "");
	table(&j, 0x172, "");
	table(&j, 0x173, "");
	obj(&j, 0x140, "function", "\"nupvalues\":1",
		"{\"kind\":\"proto\",\"to\":\"0x150\"},"
		"{\"kind\":\"upvalue\",\"to\":\"0x160\",\"index\":1,"
		"\"name\":\"0x30b\"}");
	obj(&j, 0x141, "function", "\"nupvalues\":0",
		"{\"kind\":\"proto\",\"to\":\"0x150\"}");
	obj(&j, 0x150, "proto", "\"linedefined\":40,\"lastlinedefined\":50,"
		"\"numparams\":0,\"vararg\":false,\"maxstacksize\":2,"
		"\"sizecode\":4,\"source\":\"0x30c\"",
		"{\"kind\":\"source\",\"to\":\"0x30c\"},"
		"{\"kind\":\"constant\",\"to\":\"0x315\",\"index\":3},"
		"{\"kind\":\"child\",\"to\":\"0x151\",\"index\":1}");
	obj(&j, 0x151, "proto", "\"linedefined\":44,\"lastlinedefined\":46,"
		"\"numparams\":1,\"vararg\":false,\"maxstacksize\":2,"
		"\"sizecode\":3,\"source\":\"0x30c\"", "");
	obj(&j, 0x142, "cfunction", "\"nupvalues\":1,\"cfunc\":\"0x4000\","
		"\"symbol\":\"str_find\"",
		"{\"kind\":\"upvalue\",\"to\":\"0x176\",\"index\":1,"
		"\"name\":null}");
	table(&j, 0x175, "");
	table(&j, 0x176, "");
	table(&j, 0x177, "");
	table(&j, 0x178, "");
	jput(&j, ",\n{\"id\":\"0x316\",\"type\":\"string\",\"list\":\"fixed\","
		"\"marked\":0,\"size\":22,\"long\":false,\"length\":5,"
		"\"stored\":5,\"text\":\"while\",\"edges\":[]}");
	j.nobj++;
	obj(&j, 0x160, "upvalue", "\"open\":false",
		"{\"kind\":\"value\",\"to\":\"0x161\"}");
	obj(&j, 0x200, "thread", "\"status\":\"running\",\"stack_slots\":8,"
		"\"nci\":1,\"frames\":[{\"func\":\"0x140\",\"line\":88,"
		"\"lua\":true,\"proto\":\"0x150\"}]",
		"{\"kind\":\"stack\",\"to\":\"0x170\",\"frame\":0,\"slot\":1,"
		"\"name\":\"0x30d\"},{\"kind\":\"openupval\",\"to\":\"0x162\"}");
	obj(&j, 0x162, "upvalue", "\"open\":true",
		"{\"kind\":\"value\",\"to\":\"0x174\"}");
	table(&j, 0x174, "");
	obj(&j, 0x210, "thread", "\"status\":\"suspended\",\"stack_slots\":8,"
		"\"nci\":1,\"frames\":[{\"func\":\"0x141\",\"line\":12,"
		"\"lua\":true,\"proto\":\"0x150\"}]",
		"{\"kind\":\"stack\",\"to\":\"0x171\",\"frame\":0,\"slot\":2,"
		"\"name\":null}");
	obj(&j, 0x220, "userdata", "\"length\":16,\"nuvalue\":1",
		"{\"kind\":\"uservalue\",\"to\":\"0x172\",\"index\":1}");
	str(&j, 0x300, "_LOADED", 7);
	str(&j, 0x301, "Server", 6);
	str(&j, 0x302, "end", 3);
	str(&j, 0x303, "not an id", 9);
	/* 30 times "é" (60 bytes) and "!" */
	str(&j, 0x304, "\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9\\u00c3\\u00a9"
		"\\u00c3\\u00a9\\u00c3\\u00a9!", 61);
	str(&j, 0x305, "f", 1);
	str(&j, 0x306, "game.mailer", 11);
	str(&j, 0x307, "recipients", 10);
	str(&j, 0x308, "__name", 6);
	str(&j, 0x309, "ServerClass", 11);
	str(&j, 0x30a, "timers", 6);
	str(&j, 0x30b, "memo", 4);
	str(&j, 0x30c, "@server.lua", 11);
	str(&j, 0x30d, "h", 1);
	str(&j, 0x30e, "co", 2);
	str(&j, 0x30f, "u", 1);
	str(&j, 0x310, "Hero", 4);
	str(&j, 0x311, "hero", 4);
	str(&j, 0x312, "p", 1);
	str(&j, 0x313, "game.player", 11);
	str(&j, 0x314, "cf", 2);
	str(&j, 0x315, "only a constant", 15);
	nedge = jcount_edges(&j);
	jput(&j, "],\n\"roots\":[{\"kind\":\"registry\",\"to\":\"0x100\","
		"\"index\":0},{\"kind\":\"mainthread\",\"to\":\"0x200\","
		"\"index\":0},{\"kind\":\"typemt\",\"to\":\"0x177\","
		"\"index\":4},{\"kind\":\"finalizer\",\"to\":\"0x178\","
		"\"index\":0}],\"watch\":[],\"counts\":{\"objects\":%d,"
		"\"edges\":%d,\"roots\":4}}\n", j.nobj, nedge);
	rc = lh_snapshot_load_mem(&s, "sample.json", j.s, j.len, &err);
	free(j.s);
	ck_assert_msg(rc == LH_OK, "load: %s", err.msg);
	return s;
}

static char *render_of(const lh_analysis *a, uint64_t addr)
{
	lh_strbuf sb;
	uint32_t v = lh_snapshot_find(lh_analysis_snapshot(a), addr);

	ck_assert_uint_ne(v, LH_NONE);
	lh_strbuf_init(&sb);
	lh_analysis_render_path(&sb, a, v, 0);
	return sb.buf ? sb.buf : strdup("");
}

#define CHECK_RENDER(a, addr, expect) do { \
	char *r_ = render_of(a, addr); \
	ck_assert_str_eq(r_, expect); \
	free(r_); \
	} while (0)

static lh_analysis *analyse(lh_snapshot **snap)
{
	lh_analysis *a = NULL;
	lh_error err;

	*snap = sample();
	ck_assert_int_eq(lh_analysis_new(&a, *snap, &err), LH_OK);
	return a;
}

START_TEST(every_hop_kind_renders_as_lua_reads_it)
{
	lh_snapshot *s;
	lh_analysis *a = analyse(&s);

	CHECK_RENDER(a, 0x110, "_G");
	CHECK_RENDER(a, 0x120, "package.loaded");
	CHECK_RENDER(a, 0x123, "package.loaded[\"game.mailer\"].recipients[3]");
	CHECK_RENDER(a, 0x141, "_G.Server.timers[17]");
	CHECK_RENDER(a, 0x131, "_G[\"end\"]");
	CHECK_RENDER(a, 0x132, "_G[\"not an id\"]");
	CHECK_RENDER(a, 0x133, "_G[\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xe2\x80\xa6\"]");
	CHECK_RENDER(a, 0x134, "_G[17]");
	CHECK_RENDER(a, 0x135, "_G[1.5]");
	CHECK_RENDER(a, 0x136, "_G[true]");
	CHECK_RENDER(a, 0x138, "_G[<table 0x137>]");
	CHECK_RENDER(a, 0x137, "_G <key table 0x137>");
	CHECK_RENDER(a, 0x303, "_G <key \"not an id\">");
	CHECK_RENDER(a, 0x139, "_G.Server <metatable>");
	CHECK_RENDER(a, 0x161, "_G.f <upvalue memo of f (server.lua:40)>");
	CHECK_RENDER(a, 0x170, "<local h in main, function (server.lua:40)>");
	CHECK_RENDER(a, 0x171,
		"_G.co <slot 2 in coroutine 0x210, function (server.lua:40)>");
	CHECK_RENDER(a, 0x172, "_G.u <uservalue 1>");
	CHECK_RENDER(a, 0x174, "<open upvalue in main>");
	CHECK_RENDER(a, 0x175, "_G[<lightuserdata 0x99>]");
	CHECK_RENDER(a, 0x176, "_G.cf <upvalue 1 of cfunction str_find>");
	CHECK_RENDER(a, 0x315, "_G.f <proto> <constant 3>");
	CHECK_RENDER(a, 0x151, "_G.f <proto> <child proto 1>");
	CHECK_RENDER(a, 0x177, "<metatable of strings>");
	CHECK_RENDER(a, 0x178, "<awaiting finalizer>");
	CHECK_RENDER(a, 0x316, "<never collected>");
	CHECK_RENDER(a, 0x162, "<open upvalue cell in main>");
	CHECK_RENDER(a, 0x173, "registry[3]");
	CHECK_RENDER(a, 0x100, "registry");
	CHECK_RENDER(a, 0x200, "<main thread>");
	lh_analysis_free(a);
	lh_snapshot_free(s);
}
END_TEST

static const char *class_of(const lh_analysis *a, uint64_t addr)
{
	const lh_classes *c = lh_analysis_classes(a);
	uint32_t v = lh_snapshot_find(lh_analysis_snapshot(a), addr);

	ck_assert_uint_ne(v, LH_NONE);
	return lh_classes_name(c, lh_class_of(c, v));
}

START_TEST(classes_come_from_name_field_or_metatable_path)
{
	lh_snapshot *s;
	lh_analysis *a = analyse(&s);

	ck_assert_str_eq(class_of(a, 0x130), "ServerClass");
	ck_assert_str_eq(class_of(a, 0x13b), "Hero");
	ck_assert_str_eq(class_of(a, 0x13e), "game.player");
	ck_assert_str_eq(class_of(a, 0x131), "table");
	ck_assert_str_eq(class_of(a, 0x140), "function server.lua:40");
	ck_assert_str_eq(class_of(a, 0x220), "userdata");
	ck_assert_str_eq(class_of(a, 0x301), "string");
	ck_assert_str_eq(class_of(a, 0x142), "cfunction str_find");
	ck_assert_str_eq(class_of(a, 0x151), "proto server.lua:44");
	lh_analysis_free(a);
	lh_snapshot_free(s);
}
END_TEST

static uint64_t resolve(const lh_snapshot *s, const char *expr, int *rc,
	lh_error *err)
{
	uint32_t v = LH_NONE;

	*rc = lh_expr_resolve(&v, s, expr, err);
	return v == LH_NONE ? 0 : lh_snapshot_addr(s, v);
}

START_TEST(expressions_resolve_to_the_object_they_name)
{
	static const struct { const char *expr; uint64_t addr; } ok[] = {
		{ "_G.Server.timers[17]", 0x141 },
		{ "Server.timers[17]", 0x141 },
		{ " _G . Server [ 'timers' ] [ 17 ] ", 0x141 },
		{ "_G[\"Server\"][\"timers\"][17.0]", 0x141 },
		{ "package.loaded[\"game.mailer\"].recipients[3]", 0x123 },
		{ "_G.package", 0 },      /* no such field in this heap */
		{ "registry[3]", 0x173 },
		{ "registry._LOADED", 0x120 },
		{ "registry", 0x100 },
		{ "_G", 0x110 },
		{ "_G[\"end\"]", 0x131 },
		{ "_G['not an id']", 0x132 },
		{ "_G[\"not\\32an\\x20id\"]", 0x132 },
		{ "_G[1.5]", 0x135 },
		{ "_G[true]", 0x136 },
		{ "_G[0x11]", 0x134 },
		{ "0x131", 0x131 },
		{ "0X13A", 0x13a },
	};
	lh_snapshot *s = sample();
	lh_error err;
	size_t i;
	int rc;

	for (i = 0; i < sizeof ok / sizeof *ok; i++) {
		uint64_t got = resolve(s, ok[i].expr, &rc, &err);
		if (ok[i].addr == 0) {
			ck_assert_int_eq(rc, LH_ENOTFOUND);
			continue;
		}
		ck_assert_msg(rc == LH_OK, "%s: %s", ok[i].expr, err.msg);
		ck_assert_msg(got == ok[i].addr, "%s gave 0x%llx", ok[i].expr,
			(unsigned long long)got);
	}
	lh_snapshot_free(s);
}
END_TEST

START_TEST(missing_steps_and_bad_syntax_are_clear_errors)
{
	lh_snapshot *s = sample();
	lh_error err;
	int rc;

	resolve(s, "_G.Server.nope", &rc, &err);
	ck_assert_int_eq(rc, LH_ENOTFOUND);
	ck_assert_msg(strstr(err.msg, "no field 'nope' in '_G.Server'") != NULL,
		"%s", err.msg);
	resolve(s, "Nope.x", &rc, &err);
	ck_assert_int_eq(rc, LH_ENOTFOUND);
	ck_assert_msg(strstr(err.msg, "'Nope'") != NULL, "%s", err.msg);
	resolve(s, "_G.f.x", &rc, &err);
	ck_assert_int_eq(rc, LH_ENOTFOUND);
	ck_assert_msg(strstr(err.msg, "'_G.f' is a function") != NULL, "%s",
		err.msg);
	resolve(s, "_G.Server.timers[18]", &rc, &err);
	ck_assert_int_eq(rc, LH_ENOTFOUND);
	resolve(s, "_G.[", &rc, &err);
	ck_assert_int_eq(rc, LH_EUSAGE);
	resolve(s, "_G[\"unterminated]", &rc, &err);
	ck_assert_int_eq(rc, LH_EUSAGE);
	resolve(s, "_G.Server timers", &rc, &err);
	ck_assert_int_eq(rc, LH_EUSAGE);
	resolve(s, "42", &rc, &err);
	ck_assert_int_eq(rc, LH_EUSAGE);
	resolve(s, "0x999", &rc, &err);
	ck_assert_int_eq(rc, LH_ENOTFOUND);
	resolve(s, "0xzz", &rc, &err);
	ck_assert_int_eq(rc, LH_EUSAGE);
	lh_snapshot_free(s);
}
END_TEST

Suite *paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("paths");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, root_paths_are_shortest_and_detours_come_shortest_first);
	tcase_add_test(tc, unreachable_object_has_no_path);
	tcase_add_test(tc, identifier_keys_use_dots_and_keywords_use_brackets);
	tcase_add_test(tc, long_keys_are_cut_at_a_character_boundary);
	tcase_add_test(tc, float_keys_read_back_as_the_same_float);
	tcase_add_test(tc, every_hop_kind_renders_as_lua_reads_it);
	tcase_add_test(tc, classes_come_from_name_field_or_metatable_path);
	tcase_add_test(tc, expressions_resolve_to_the_object_they_name);
	tcase_add_test(tc, missing_steps_and_bad_syntax_are_clear_errors);
	suite_add_tcase(s, tc);
	return s;
}
