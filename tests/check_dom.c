/*
 * Dominators and retained sizes against their definition: on hundreds of
 * random graphs, v dominates w iff removing v leaves w unreachable from
 * the virtual root, retained(v) is the size of all that v dominates, and
 * the order lists each dominator subtree as one run.
 * Plus shapes worth naming: a diamond, a star, a million-long chain.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/dom.h"
#include "dom_int.h"          /* the 32-bit retained sizes and their side table */
#include "testgraph.h"

/* Checks g's dominators and retained sizes against the definitions. */
static void bf_check(const tgraph *t, const lh_graph *g, const lh_dom *d)
{
	uint32_t n = t->n, v, w;
	uint8_t *live = malloc(n + 1);
	uint8_t *dom = calloc((size_t)n * n + 1, 1);   /* dom[v*n+w]: v dom w */
	uint32_t *ndom = calloc(n + 1, sizeof *ndom);

	ck_assert(live && dom && ndom);
	bf_live(t, live);
	for (v = 0; v < n; v++)
		ck_assert_msg(!!lh_graph_live(g, v) == !!live[v],
			"object %u: live %d, expected %d", v,
			lh_graph_live(g, v), live[v]);
	bf_dominance(t, live, dom, ndom);
	for (w = 0; w < n; w++) {
		uint32_t expect = LH_DOM_VROOT;
		uint64_t ret = 0;

		if (!live[w]) {
			ck_assert_uint_eq(lh_dom_idom(d, w), LH_NONE);
			ck_assert_uint_eq(lh_dom_retained(d, w), 0);
			continue;
		}
		/* idom: the strict dominator dominated by all the others */
		for (v = 0; v < n; v++)
			if (v != w && dom[(size_t)v * n + w] &&
			    ndom[v] == ndom[w] - 1)
				expect = v;
		ck_assert_msg(lh_dom_idom(d, w) == expect, "idom(%u) = %u, expected %u",
			w, lh_dom_idom(d, w), expect);
		for (v = 0; v < n; v++)
			if (dom[(size_t)w * n + v])
				ret += t->size[v];
		ck_assert_msg(lh_dom_retained(d, w) == ret,
			"retained(%u) = %llu, expected %llu", w,
			(unsigned long long)lh_dom_retained(d, w),
			(unsigned long long)ret);
		/* 32 bits, or the escape and the side table */
		if (ret < LH_RETAINED_BIG)
			ck_assert_uint_eq(d->retained[w], ret);
		else
			ck_assert_uint_eq(d->retained[w], LH_RETAINED_BIG);
	}
	/* order: each live object once, every dominator subtree a run of it
	 * that starts with its top */
	{
		uint32_t *pos = malloc((n + 1) * sizeof *pos), k, nl = 0, no;
		const uint32_t *order;

		ck_assert(pos != NULL);
		for (v = 0; v < n; v++) {
			pos[v] = LH_NONE;
			nl += live[v] != 0;
		}
		order = lh_dom_order(d, &no);
		ck_assert_uint_eq(no, nl);
		ck_assert_uint_eq(lh_dom_live_count(d), nl);
		for (k = 0; k < no; k++) {
			ck_assert_uint_lt(order[k], n);
			ck_assert(live[order[k]]);
			ck_assert_uint_eq(pos[order[k]], LH_NONE);
			pos[order[k]] = k;
		}
		for (w = 0; w < n; w++) {
			uint32_t lo = LH_NONE, hi = 0, cnt = 0;
			if (!live[w])
				continue;
			for (v = 0; v < n; v++)
				if (dom[(size_t)w * n + v]) {
					lo = pos[v] < lo ? pos[v] : lo;
					hi = pos[v] > hi ? pos[v] : hi;
					cnt++;
				}
			ck_assert_msg(lo == pos[w] && hi - lo + 1 == cnt,
				"subtree of %u is not a run of the order", w);
		}
		free(pos);
	}
	/* the tree: each object's children are what it immediately
	 * dominates, largest retained size first, ties by index */
	{
		lh_domtree *tree = NULL;
		lh_error err;
		uint32_t k, cnt, total = 0;

		ck_assert_int_eq(lh_domtree_new(&tree, d, &err), LH_OK);
		for (v = 0; v <= n; v++) {
			uint32_t p = v < n ? v : LH_DOM_VROOT;
			const uint32_t *kids = lh_domtree_children(tree, p, &cnt);

			total += cnt;
			for (k = 0; k < cnt; k++) {
				ck_assert_uint_eq(lh_dom_idom(d, kids[k]), p);
				if (k == 0)
					continue;
				ck_assert(lh_dom_retained(d, kids[k - 1]) >
				    lh_dom_retained(d, kids[k]) ||
				    (lh_dom_retained(d, kids[k - 1]) ==
				    lh_dom_retained(d, kids[k]) &&
				    kids[k - 1] < kids[k]));
			}
		}
		ck_assert_uint_eq(total, lh_dom_live_count(d));
		lh_domtree_free(tree);
	}
	/* the side table: by increasing index, only escaped objects */
	for (v = 0; v < d->nbig; v++) {
		ck_assert_uint_lt(d->big_obj[v], n);
		ck_assert_uint_eq(d->retained[d->big_obj[v]], LH_RETAINED_BIG);
		ck_assert_uint_ge(d->big_retained[v], LH_RETAINED_BIG);
		if (v > 0)
			ck_assert_uint_lt(d->big_obj[v - 1], d->big_obj[v]);
	}
	for (w = 0, v = 0; w < n; w++)
		v += d->retained[w] == LH_RETAINED_BIG;
	ck_assert_uint_eq(v, d->nbig);
	free(live);
	free(dom);
	free(ndom);
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

START_TEST(dominators_of_larger_random_graphs_match_the_definition)
{
	uint32_t seed;

	/* long paths through the forest: path compression at work */
	for (seed = 0; seed < 40; seed++) {
		tgraph t;
		lh_graph *g;
		lh_dom *d = NULL;
		lh_error err;

		random_graph_upto(&t, seed + 90000, 160);
		g = tg_graph(&t);
		ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
		bf_check(&t, g, d);
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Asks one family of 'sel' for its children retaining at least min and
 * checks the answer against the family fully sorted ('full', [cnt]): the
 * same count, the first nbig those of full that retain at least min, in
 * its order, and the rest the other children in some order. */
static void check_selected(const lh_dom *d, lh_domtree *sel, uint32_t p,
	uint64_t min, const uint32_t *full, uint32_t cnt)
{
	uint32_t k, c2, nbig, want = 0, *rest;
	const uint32_t *kids = lh_domtree_children_min(sel, p, min, &c2, &nbig);

	ck_assert_ptr_nonnull(kids);
	ck_assert_uint_eq(c2, cnt);
	while (want < cnt && lh_dom_retained(d, full[want]) >= min)
		want++;
	ck_assert_uint_eq(nbig, want);
	for (k = 0; k < nbig; k++)
		ck_assert_uint_eq(kids[k], full[k]);
	rest = malloc(((size_t)cnt + 1) * sizeof *rest);
	ck_assert_ptr_nonnull(rest);
	memcpy(rest, kids + nbig, (cnt - nbig) * sizeof *rest);
	qsort(rest, cnt - nbig, sizeof *rest, cmp_u32);
	for (k = nbig; k < cnt; k++) {
		uint32_t *hit = bsearch(&full[k], rest, cnt - nbig,
			sizeof *rest, cmp_u32);
		ck_assert_msg(hit != NULL, "child %u of %u lost", full[k], p);
		ck_assert(lh_dom_retained(d, full[k]) < min);
	}
	free(rest);
}

/* The selective children call against the full sorted family filtered:
 * families asked in a random order, each with several minimums (a
 * child's own size, one above it, 0, more than anything), so partial
 * sorts are extended, reused, and completed by lh_domtree_children. */
START_TEST(selected_children_are_the_sorted_family_filtered)
{
	uint32_t seed;

	for (seed = 0; seed < 300; seed++) {
		tgraph t;
		lh_graph *g;
		lh_dom *d = NULL;
		lh_domtree *full = NULL, *sel = NULL;
		lh_error err;
		uint32_t n, i, q, cnt, *perm;

		random_graph_upto(&t, seed + 70000, seed < 150 ? 40 : 400);
		g = tg_graph(&t);
		ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
		ck_assert_int_eq(lh_domtree_new(&full, d, &err), LH_OK);
		ck_assert_int_eq(lh_domtree_new(&sel, d, &err), LH_OK);
		n = t.n;
		perm = malloc(((size_t)n + 1) * sizeof *perm);
		ck_assert_ptr_nonnull(perm);
		for (i = 0; i <= n; i++)
			perm[i] = i < n ? i : LH_DOM_VROOT;
		for (i = n; i > 0; i--) {          /* shuffle, the root too */
			uint32_t j = rnd(i + 1), x = perm[i];
			perm[i] = perm[j];
			perm[j] = x;
		}
		for (i = 0; i <= n; i++) {
			uint32_t p = perm[i];
			const uint32_t *kids = lh_domtree_children(full, p, &cnt);
			ck_assert_ptr_nonnull(kids);
			for (q = 0; q < 4; q++) {
				uint64_t min = cnt == 0 ? rnd(50) :
					lh_dom_retained(d, kids[rnd(cnt)]) + rnd(2);
				check_selected(d, sel, p, min, kids, cnt);
			}
			check_selected(d, sel, p, UINT64_MAX, kids, cnt);
			if (rnd(2) == 0)
				check_selected(d, sel, p, 0, kids, cnt);
		}
		for (i = 0; i <= n; i++) {          /* completed in place */
			uint32_t p = i < n ? i : LH_DOM_VROOT, c2;
			const uint32_t *kids = lh_domtree_children(full, p, &cnt);
			const uint32_t *k2 = lh_domtree_children(sel, p, &c2);
			ck_assert_uint_eq(c2, cnt);
			ck_assert(cnt == 0 || memcmp(kids, k2, cnt * sizeof *kids) == 0);
		}
		free(perm);
		lh_domtree_free(full);
		lh_domtree_free(sel);
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

START_TEST(retained_sizes_past_4_gib_add_up_exactly)
{
	const uint64_t GiB = 1ull << 30;
	uint32_t seed, i, nbig = 0;

	/* the random graphs again, a few objects of 3 GiB or so: their
	 * dominators' sums pass 4 GiB, some many times over */
	for (seed = 0; seed < 300; seed++) {
		tgraph t;
		lh_graph *g;
		lh_dom *d = NULL;
		lh_error err;

		random_graph_upto(&t, seed + 7000, 60);
		for (i = 0; i < t.n; i++)
			if (rnd(4) == 0)
				t.size[i] = 3 * GiB + rnd(1000);
		g = tg_graph(&t);
		ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
		bf_check(&t, g, d);
		nbig += d->nbig;
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
	ck_assert_uint_gt(nbig, 100);
}
END_TEST

START_TEST(retained_size_of_exactly_the_escape_value_is_in_the_side_table)
{
	/* chain 0 -> 1 -> 2 -> 3: 3 retains 2^32 - 2 (fits 32 bits), 2
	 * retains 2^32 - 1 (the escape value itself), 0 and 1 more */
	tgraph t;
	lh_graph *g;
	lh_dom *d = NULL;
	lh_domtree *tree = NULL;
	lh_error err;
	uint32_t cnt;
	const uint32_t *kids;

	tg_init(&t, 5, 4);
	tg_edge(&t, 0, 1, LH_E_FIELD_OBJ);
	tg_edge(&t, 1, 2, LH_E_FIELD_OBJ);
	tg_edge(&t, 2, 3, LH_E_FIELD_OBJ);
	tg_edge(&t, 0, 4, LH_E_FIELD_OBJ);
	tg_csr(&t);
	t.roots[t.nroots++] = 0;
	t.size[3] = 0xfffffffeull;
	t.size[2] = 1;
	t.size[1] = 1ull << 40;
	t.size[0] = 5;
	t.size[4] = 0xffffffffull;
	g = tg_graph(&t);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	ck_assert_uint_eq(d->retained[3], 0xfffffffeu);
	ck_assert_uint_eq(d->retained[2], LH_RETAINED_BIG);
	ck_assert_uint_eq(lh_dom_retained(d, 2), 0xffffffffull);
	ck_assert_uint_eq(lh_dom_retained(d, 1), (1ull << 40) + 0xffffffffull);
	ck_assert_uint_eq(lh_dom_retained(d, 4), 0xffffffffull);
	ck_assert_uint_eq(lh_dom_retained(d, 0),
		(1ull << 40) + 2 * 0xffffffffull + 5);
	ck_assert_uint_eq(lh_dom_live_bytes(d), lh_dom_retained(d, 0));
	ck_assert_uint_eq(d->nbig, 4);
	bf_check(&t, g, d);
	/* the tree sorts by the 64-bit sizes: 1 (1 TiB) before 4 (4 GiB) */
	ck_assert_int_eq(lh_domtree_new(&tree, d, &err), LH_OK);
	kids = lh_domtree_children(tree, 0, &cnt);
	ck_assert_uint_eq(cnt, 2);
	ck_assert_uint_eq(kids[0], 1);
	ck_assert_uint_eq(kids[1], 4);
	lh_domtree_free(tree);
	lh_dom_free(d);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

/* The dominators of t, rooted at object 0, whose object s is a string of
 * 1000 bytes. */
static lh_dom *string_shape_dom(tgraph *t, uint32_t s, lh_graph **g)
{
	lh_dom *d = NULL;
	lh_error err;

	tg_csr(t);
	t->type[s] = LH_T_STRING;
	t->size[s] = 1000;
	t->roots[t->nroots++] = 0;
	*g = tg_graph(t);
	ck_assert_int_eq(lh_dom_build(&d, *g, t->size, &err), LH_OK);
	return d;
}

START_TEST(chain_whose_every_link_references_one_string)
{
	/* 0 -> 1 -> ... -> n-1, each link also -> s (a string, a leaf): s's
	 * dominator is 0, the common dominator of all its referrers */
	uint32_t n;

	for (n = 2; n <= 400; n += n < 40 ? 1 : 37) {
		tgraph t;
		lh_graph *g;
		lh_dom *d;
		uint32_t i, s = n;

		tg_init(&t, n + 1, 2 * n);
		for (i = 0; i < n; i++) {
			if (i + 1 < n)
				tg_edge(&t, i, i + 1, LH_E_FIELD_OBJ);
			tg_edge(&t, i, s, LH_E_KEY);
			t.size[i] = 3;
		}
		d = string_shape_dom(&t, s, &g);
		ck_assert_uint_eq(lh_dom_idom(d, s), n > 1 ? 0 : LH_DOM_VROOT);
		for (i = 1; i < n; i++)
			ck_assert_uint_eq(lh_dom_idom(d, i), i - 1);
		ck_assert_uint_eq(lh_dom_retained(d, 0), 3 * n + 1000);
		bf_check(&t, g, d);
		lh_dom_free(d);
		lh_graph_free(g);
		tg_release(&t);
	}
}
END_TEST

START_TEST(comb_whose_every_tooth_references_one_string)
{
	/* a chain c0 -> c1 -> ... -> c(k-1) whose links each also hold a
	 * tooth t(i) (met after the rest of the chain), every tooth -> s:
	 * each tooth's climb to c0 is as long as its depth, so long combs
	 * give up climbing and take the other way, with the same answer */
	uint32_t k;

	for (k = 2; k <= 600; k += k < 40 ? 1 : 53) {
		tgraph t;
		lh_graph *g;
		lh_dom *d;
		uint32_t i, s = 2 * k;

		tg_init(&t, 2 * k + 1, 3 * k);
		for (i = 0; i < k; i++) {
			if (i + 1 < k)
				tg_edge(&t, i, i + 1, LH_E_FIELD_OBJ);
			tg_edge(&t, i, k + i, LH_E_FIELD_OBJ);
			tg_edge(&t, k + i, s, LH_E_KEY);
			t.size[i] = 3;
			t.size[k + i] = 5;
		}
		d = string_shape_dom(&t, s, &g);
		ck_assert_uint_eq(lh_dom_idom(d, s), 0);
		for (i = 0; i < k; i++)
			ck_assert_uint_eq(lh_dom_idom(d, k + i), i);
		ck_assert_uint_eq(lh_dom_retained(d, 0), 8 * k + 1000);
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
	ck_assert_uint_eq(lh_dom_idom(d, 0), LH_DOM_VROOT);
	ck_assert_uint_eq(lh_dom_idom(d, 1), 0);
	ck_assert_uint_eq(lh_dom_idom(d, 2), 0);
	ck_assert_uint_eq(lh_dom_idom(d, 3), 0);
	ck_assert_uint_eq(lh_dom_idom(d, 4), 3);
	ck_assert_uint_eq(lh_dom_retained(d, 3), 40 + 50);
	ck_assert_uint_eq(lh_dom_retained(d, 1), 20);
	ck_assert_uint_eq(lh_dom_retained(d, 0), 150);
	ck_assert_uint_eq(lh_dom_live_bytes(d), 150);
	bf_check(&t, g, d);
	lh_dom_free(d);
	lh_graph_free(g);
	tg_release(&t);
}
END_TEST

START_TEST(root_reached_from_an_earlier_root_is_its_own_dominator)
{
	/* roots 5 and 1; 5 -> 2 -> 4 -> 1 -> 3: the search meets 1 below 5
	 * first, yet 1 is a root, so only the virtual root dominates it */
	tgraph t;
	lh_graph *g;
	lh_dom *d = NULL;
	lh_error err;

	tg_init(&t, 6, 4);
	tg_edge(&t, 2, 4, LH_E_FIELD_OBJ);
	tg_edge(&t, 4, 1, LH_E_FIELD_OBJ);
	tg_edge(&t, 4, 3, LH_E_FIELD_OBJ);
	tg_edge(&t, 5, 2, LH_E_FIELD_OBJ);
	tg_csr(&t);
	t.roots[t.nroots++] = 5;
	t.roots[t.nroots++] = 1;
	g = tg_graph(&t);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	ck_assert_uint_eq(lh_dom_idom(d, 1), LH_DOM_VROOT);
	ck_assert_uint_eq(lh_dom_idom(d, 3), 4);
	ck_assert_uint_eq(lh_dom_idom(d, 4), 2);
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
		ck_assert_uint_eq(lh_dom_idom(d, i), 0);
	ck_assert_uint_eq(lh_dom_retained(d, 0), 1000 * 1001 / 2);
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
	ck_assert_uint_eq(lh_graph_live_count(g), n);
	ck_assert_int_eq(lh_dom_build(&d, g, t.size, &err), LH_OK);
	ck_assert_uint_eq(lh_dom_idom(d, 0), LH_DOM_VROOT);
	for (i = 1; i < n; i++)
		ck_assert_uint_eq(lh_dom_idom(d, i), i - 1);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(lh_dom_retained(d, i), 2ull * (n - i));
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
		ck_assert_int_eq(lh_graph_live(g, 3), with_key);
		ck_assert_int_eq(lh_graph_live(g, 2), with_key);
		if (with_key) {
			ck_assert_uint_eq(lh_dom_idom(d, 3), LH_DOM_VROOT);
			ck_assert_uint_eq(lh_dom_idom(d, 2), 4);
			ck_assert_uint_eq(lh_dom_retained(d, 0), 8);
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
	ck_assert_int_eq(lh_graph_live(g, 1), 1);
	ck_assert_int_eq(lh_graph_live(g, 2), 0);
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
	tcase_add_test(tc, dominators_of_larger_random_graphs_match_the_definition);
	tcase_add_test(tc, selected_children_are_the_sorted_family_filtered);
	tcase_add_test(tc, retained_sizes_past_4_gib_add_up_exactly);
	tcase_add_test(tc,
		retained_size_of_exactly_the_escape_value_is_in_the_side_table);
	tcase_add_test(tc, chain_whose_every_link_references_one_string);
	tcase_add_test(tc, comb_whose_every_tooth_references_one_string);
	tcase_add_test(tc, idom_of_diamond_join_is_its_fork);
	tcase_add_test(tc, root_reached_from_an_earlier_root_is_its_own_dominator);
	tcase_add_test(tc, star_center_dominates_every_leaf);
	tcase_add_test(tc, chain_of_a_million_needs_no_recursion);
	tcase_add_test(tc, ephemeron_value_lives_only_while_table_and_key_live);
	tcase_add_test(tc, weak_reference_to_a_string_still_retains_it);
	suite_add_tcase(s, tc);
	return s;
}
