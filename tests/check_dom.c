/*
 * Dominators and retained sizes against their definition: on hundreds of
 * random graphs, v dominates w iff removing v leaves w unreachable from
 * the virtual root, and retained(v) is the size of all that v dominates.
 * Plus shapes worth naming: a diamond, a star, a million-long chain.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/analysis.h"

/* A graph under construction: edges appended per source, then CSR. */
typedef struct tgraph {
	uint32_t n, m;
	uint32_t *src, *dst;
	uint8_t *kind;
	uint32_t *off, *to;
	uint8_t *ckind;
	uint8_t *type;
	uint32_t roots[8], nroots;
	uint32_t eph_edge[64], eph_key[64], neph;   /* over CSR edge numbers */
	uint64_t *size;
} tgraph;

static void tg_init(tgraph *t, uint32_t n, uint32_t cap)
{
	memset(t, 0, sizeof *t);
	t->n = n;
	t->src = malloc((cap + 1) * sizeof *t->src);
	t->dst = malloc((cap + 1) * sizeof *t->dst);
	t->kind = malloc(cap + 1);
	t->type = calloc(n + 1, 1);
	t->size = calloc(n + 1, sizeof *t->size);
	ck_assert(t->src && t->dst && t->kind && t->type && t->size);
}

static void tg_edge(tgraph *t, uint32_t a, uint32_t b, uint8_t kind)
{
	t->src[t->m] = a;
	t->dst[t->m] = b;
	t->kind[t->m] = kind;
	t->m++;
}

/* Stable counting sort of the edges by source into CSR. */
static void tg_csr(tgraph *t)
{
	uint32_t i;

	t->off = calloc(t->n + 2, sizeof *t->off);
	t->to = malloc((t->m + 1) * sizeof *t->to);
	t->ckind = malloc(t->m + 1);
	ck_assert(t->off && t->to && t->ckind);
	for (i = 0; i < t->m; i++)
		t->off[t->src[i] + 1]++;
	for (i = 1; i <= t->n; i++)
		t->off[i] += t->off[i - 1];
	{
		uint32_t *pos = malloc((t->n + 1) * sizeof *pos);
		ck_assert(pos != NULL);
		memcpy(pos, t->off, t->n * sizeof *pos);
		for (i = 0; i < t->m; i++) {
			uint32_t at = pos[t->src[i]]++;
			t->to[at] = t->dst[i];
			t->ckind[at] = t->kind[i];
		}
		free(pos);
	}
}

static void tg_release(tgraph *t)
{
	free(t->src); free(t->dst); free(t->kind); free(t->off); free(t->to);
	free(t->ckind); free(t->type); free(t->size);
}

static lh_graph *tg_graph(tgraph *t)
{
	lh_graph *g = NULL;
	lh_error err;
	int rc;

	rc = lh_graph_new(&g, t->n, t->off, t->to, t->ckind, t->type,
		t->roots, t->nroots, t->eph_edge, t->eph_key, t->neph, &err);
	ck_assert_msg(rc == LH_OK, "lh_graph_new: %s", err.msg);
	return g;
}

/* ---- the brute-force side, written from the definitions ---- */

/* The key listed for CSR edge e, or LH_NONE. */
static uint32_t bf_key(const tgraph *t, uint32_t e)
{
	uint32_t i;

	for (i = 0; i < t->neph; i++)
		if (t->eph_edge[i] == e)
			return t->eph_key[i];
	return LH_NONE;
}

/* 0 weak, 1 strong, 2 ephemeron with key *key. */
static int bf_class(const tgraph *t, uint32_t e, uint32_t *key)
{
	uint8_t k = t->ckind[e];

	*key = LH_NONE;
	if (t->type[t->to[e]] == LH_T_STRING)
		return 1;
	if (k & LH_EDGE_WEAK)
		return 0;
	if (k & LH_EDGE_EPHEMERON) {
		*key = bf_key(t, e);
		return *key == LH_NONE ? 1 : 2;
	}
	return 1;
}

/* Lua's marking to a fixpoint: ephemeron values need table and key. */
static void bf_live(const tgraph *t, uint8_t *live)
{
	uint32_t i, u, e, key;
	int changed = 1;

	memset(live, 0, t->n);
	for (i = 0; i < t->nroots; i++)
		live[t->roots[i]] = 1;
	while (changed) {
		changed = 0;
		for (u = 0; u < t->n; u++) {
			if (!live[u])
				continue;
			for (e = t->off[u]; e < t->off[u + 1]; e++) {
				int c = bf_class(t, e, &key);
				if ((c == 1 || (c == 2 && live[key])) &&
				    !live[t->to[e]]) {
					live[t->to[e]] = 1;
					changed = 1;
				}
			}
		}
	}
}

/* Reachability from the virtual root in the dominator graph (T->V and
 * K->V for a live ephemeron entry) with object 'cut' removed. */
static void bf_reach_without(const tgraph *t, const uint8_t *live,
	uint32_t cut, uint8_t *seen)
{
	uint32_t i, u, e, key;
	int changed = 1;

	memset(seen, 0, t->n);
	for (i = 0; i < t->nroots; i++)
		if (t->roots[i] != cut)
			seen[t->roots[i]] = 1;
	while (changed) {
		changed = 0;
		for (u = 0; u < t->n; u++) {
			if (!seen[u] || !live[u])
				continue;
			for (e = t->off[u]; e < t->off[u + 1]; e++) {
				uint32_t v = t->to[e];
				int c = bf_class(t, e, &key);
				if (c == 0 || (c == 2 && !live[key]) || v == cut)
					continue;
				if (!seen[v]) {
					seen[v] = 1;
					changed = 1;
				}
			}
		}
		/* key -> value edges */
		for (e = 0; e < t->m; e++) {
			uint32_t src;
			if (bf_class(t, e, &key) != 2 || !seen[key] ||
			    !live[key])
				continue;
			for (src = 0; t->off[src + 1] <= e; src++)
				;
			if (!live[src] || t->to[e] == cut || seen[t->to[e]])
				continue;
			seen[t->to[e]] = 1;
			changed = 1;
		}
	}
}

/* Checks g's dominators and retained sizes against the definitions. */
static void bf_check(const tgraph *t, const lh_graph *g, const lh_dom *d)
{
	uint32_t n = t->n, v, w;
	uint8_t *live = malloc(n + 1), *seen = malloc(n + 1);
	uint8_t *dom = calloc((size_t)n * n + 1, 1);   /* dom[v*n+w]: v dom w */
	uint32_t *ndom = calloc(n + 1, sizeof *ndom);

	ck_assert(live && seen && dom && ndom);
	bf_live(t, live);
	for (v = 0; v < n; v++)
		ck_assert_msg(!!g->live[v] == !!live[v],
			"object %u: live %d, expected %d", v, g->live[v], live[v]);
	for (v = 0; v < n; v++) {
		if (!live[v])
			continue;
		bf_reach_without(t, live, v, seen);
		for (w = 0; w < n; w++)
			if (live[w] && (w == v || !seen[w])) {
				dom[(size_t)v * n + w] = 1;
				if (w != v)
					ndom[w]++;
			}
	}
	for (w = 0; w < n; w++) {
		uint32_t expect = LH_DOM_VROOT;
		uint64_t ret = 0;

		if (!live[w]) {
			ck_assert_uint_eq(d->idom[w], LH_NONE);
			ck_assert_uint_eq(d->retained[w], 0);
			continue;
		}
		/* idom: the strict dominator dominated by all the others */
		for (v = 0; v < n; v++)
			if (v != w && dom[(size_t)v * n + w] &&
			    ndom[v] == ndom[w] - 1)
				expect = v;
		ck_assert_msg(d->idom[w] == expect, "idom(%u) = %u, expected %u",
			w, d->idom[w], expect);
		for (v = 0; v < n; v++)
			if (dom[(size_t)w * n + v])
				ret += t->size[v];
		ck_assert_msg(d->retained[w] == ret,
			"retained(%u) = %llu, expected %llu", w,
			(unsigned long long)d->retained[w], (unsigned long long)ret);
	}
	free(live);
	free(seen);
	free(dom);
	free(ndom);
}

static uint32_t rnd_state;
static uint32_t rnd(uint32_t bound)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % bound;
}

/* A random graph: cycles, self-loops, weak edges, ephemerons with keys,
 * strings as weak targets, unreachable parts, several roots. */
static void random_graph(tgraph *t, uint32_t seed)
{
	uint32_t n, m, i, e;

	rnd_state = seed * 2654435761u + 1;
	n = 1 + rnd(24);
	m = rnd(n * 3 + 1);
	tg_init(t, n, m + 1);
	for (i = 0; i < n; i++) {
		t->type[i] = rnd(6) == 0 ? LH_T_STRING : LH_T_TABLE;
		t->size[i] = 1 + rnd(100);
	}
	for (i = 0; i < m; i++) {
		uint8_t k = LH_E_FIELD_OBJ;
		uint32_t r = rnd(10);
		if (r < 2)
			k |= LH_EDGE_WEAK;
		else if (r < 4)
			k |= LH_EDGE_EPHEMERON;
		else if (r < 5)
			k |= LH_EDGE_WEAK | LH_EDGE_EPHEMERON;
		tg_edge(t, rnd(n), rnd(n), k);
	}
	tg_csr(t);
	t->nroots = 1 + rnd(3);
	for (i = 0; i < t->nroots; i++)
		t->roots[i] = rnd(n);
	for (e = 0; e < t->m && t->neph < 64; e++)
		if ((t->ckind[e] & LH_EDGE_EPHEMERON) && rnd(4) != 0) {
			t->eph_edge[t->neph] = e;
			t->eph_key[t->neph] = rnd(n);
			t->neph++;
		}
}

START_TEST(dominators_of_random_graphs_match_the_definition)
{
	uint32_t seed;

	for (seed = 0; seed < 600; seed++) {
		tgraph t;
		lh_graph *g;
		lh_dom *d = NULL;
		lh_error err;

		random_graph(&t, seed);
		g = tg_graph(&t);
		ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
		bf_check(&t, g, d);
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

START_TEST(idom_of_diamond_join_is_its_fork)
{
	/* 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 4 */
	tgraph t;
	lh_graph *g;
	lh_dom *d = NULL;
	lh_error err;
	uint32_t i;

	tg_init(&t, 5, 8);
	tg_edge(&t, 0, 1, LH_E_FIELD_OBJ);
	tg_edge(&t, 0, 2, LH_E_FIELD_OBJ);
	tg_edge(&t, 1, 3, LH_E_FIELD_OBJ);
	tg_edge(&t, 2, 3, LH_E_FIELD_OBJ);
	tg_edge(&t, 3, 4, LH_E_FIELD_OBJ);
	tg_csr(&t);
	t.roots[t.nroots++] = 0;
	for (i = 0; i < 5; i++)
		t.size[i] = 10 * (i + 1);
	g = tg_graph(&t);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	ck_assert_uint_eq(d->idom[0], LH_DOM_VROOT);
	ck_assert_uint_eq(d->idom[1], 0);
	ck_assert_uint_eq(d->idom[2], 0);
	ck_assert_uint_eq(d->idom[3], 0);
	ck_assert_uint_eq(d->idom[4], 3);
	ck_assert_uint_eq(d->retained[3], 40 + 50);
	ck_assert_uint_eq(d->retained[1], 20);
	ck_assert_uint_eq(d->retained[0], 150);
	ck_assert_uint_eq(d->live_bytes, 150);
	bf_check(&t, g, d);
	lh_dom_free(d);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

START_TEST(star_center_dominates_every_leaf)
{
	tgraph t;
	lh_graph *g;
	lh_dom *d = NULL;
	lh_domtree *tree = NULL;
	lh_error err;
	uint32_t i, cnt;
	const uint32_t *kids;

	tg_init(&t, 1001, 1000);
	for (i = 1; i <= 1000; i++) {
		tg_edge(&t, 0, i, LH_E_ARRAY);
		t.size[i] = i;
	}
	tg_csr(&t);
	t.roots[t.nroots++] = 0;
	g = tg_graph(&t);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	for (i = 1; i <= 1000; i++)
		ck_assert_uint_eq(d->idom[i], 0);
	ck_assert_uint_eq(d->retained[0], 1000 * 1001 / 2);
	ck_assert_int_eq(lh_domtree_new(&tree, d, &err), LH_OK);
	kids = lh_domtree_children(tree, 0, &cnt);
	ck_assert_uint_eq(cnt, 1000);
	for (i = 0; i < cnt; i++)    /* largest first */
		ck_assert_uint_eq(kids[i], 1000 - i);
	kids = lh_domtree_children(tree, LH_DOM_VROOT, &cnt);
	ck_assert_uint_eq(cnt, 1);
	ck_assert_uint_eq(kids[0], 0);
	lh_domtree_free(tree);
	lh_dom_free(d);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

START_TEST(chain_of_a_million_needs_no_recursion)
{
	const uint32_t n = 1000000;
	tgraph t;
	lh_graph *g;
	lh_dom *d = NULL;
	lh_error err;
	uint32_t i;

	tg_init(&t, n, n);
	for (i = 0; i + 1 < n; i++)
		tg_edge(&t, i, i + 1, LH_E_FIELD_STR);
	tg_edge(&t, n - 1, 0, LH_E_FIELD_STR);      /* and back: a cycle */
	tg_csr(&t);
	for (i = 0; i < n; i++)
		t.size[i] = 2;
	t.roots[t.nroots++] = 0;
	g = tg_graph(&t);
	ck_assert_uint_eq(g->nlive, n);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	ck_assert_uint_eq(d->idom[0], LH_DOM_VROOT);
	for (i = 1; i < n; i++)
		ck_assert_uint_eq(d->idom[i], i - 1);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(d->retained[i], 2ull * (n - i));
	lh_dom_free(d);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

START_TEST(ephemeron_value_lives_only_while_table_and_key_live)
{
	/* root 0 = table T with ephemeron entry K -> V; K is 2, V is 3.
	 * Case 1: K not referenced elsewhere: V dead.
	 * Case 2: root 4 references K: V live, dominated by the virtual root
	 * (T and K are independent roots). */
	int with_key;

	for (with_key = 0; with_key <= 1; with_key++) {
		tgraph t;
		lh_graph *g;
		lh_dom *d = NULL;
		lh_error err;

		tg_init(&t, 5, 4);
		tg_edge(&t, 0, 2, LH_E_KEY | LH_EDGE_WEAK);
		tg_edge(&t, 0, 3, LH_E_FIELD_OBJ | LH_EDGE_EPHEMERON);
		tg_edge(&t, 4, 2, LH_E_FIELD_OBJ);
		tg_csr(&t);
		t.size[0] = t.size[2] = t.size[3] = t.size[4] = 8;
		t.type[2] = LH_T_TABLE;
		t.roots[t.nroots++] = 0;
		if (with_key)
			t.roots[t.nroots++] = 4;
		t.eph_edge[0] = 1;
		t.eph_key[0] = 2;
		t.neph = 1;
		g = tg_graph(&t);
		ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
		ck_assert_int_eq(g->live[3], with_key);
		ck_assert_int_eq(g->live[2], with_key);
		if (with_key) {
			ck_assert_uint_eq(d->idom[3], LH_DOM_VROOT);
			ck_assert_uint_eq(d->idom[2], 4);
			ck_assert_uint_eq(d->retained[0], 8);
		}
		bf_check(&t, g, d);
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

START_TEST(weak_reference_to_a_string_still_retains_it)
{
	tgraph t;
	lh_graph *g;
	lh_dom *d = NULL;
	lh_error err;

	tg_init(&t, 3, 2);
	tg_edge(&t, 0, 1, LH_E_ARRAY | LH_EDGE_WEAK);
	tg_edge(&t, 0, 2, LH_E_ARRAY | LH_EDGE_WEAK);
	tg_csr(&t);
	t.type[1] = LH_T_STRING;
	t.type[2] = LH_T_TABLE;
	t.roots[t.nroots++] = 0;
	g = tg_graph(&t);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	ck_assert_int_eq(g->live[1], 1);
	ck_assert_int_eq(g->live[2], 0);
	lh_dom_free(d);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

Suite *dom_suite(void)
{
	Suite *s = suite_create("dom");
	TCase *tc = tcase_create("dom");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dominators_of_random_graphs_match_the_definition);
	tcase_add_test(tc, idom_of_diamond_join_is_its_fork);
	tcase_add_test(tc, star_center_dominates_every_leaf);
	tcase_add_test(tc, chain_of_a_million_needs_no_recursion);
	tcase_add_test(tc, ephemeron_value_lives_only_while_table_and_key_live);
	tcase_add_test(tc, weak_reference_to_a_string_still_retains_it);
	suite_add_tcase(s, tc);
	return s;
}
