/*
 * Test helper: small graphs built edge by edge, turned into CSR and into
 * an lh_graph, plus the brute-force side of the oracles (Lua's marking
 * to a fixpoint, reachability with one object removed), written from the
 * definitions and independent of the analyzer's code.
 */
#ifndef LUAHEAP_TESTGRAPH_H
#define LUAHEAP_TESTGRAPH_H

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/graph.h"

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

static inline void tg_init(tgraph *t, uint32_t n, uint32_t cap)
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

static inline void tg_edge(tgraph *t, uint32_t a, uint32_t b, uint8_t kind)
{
	t->src[t->m] = a;
	t->dst[t->m] = b;
	t->kind[t->m] = kind;
	t->m++;
}

/* Stable counting sort of the edges by source into CSR. */
static inline void tg_csr(tgraph *t)
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

static inline void tg_release(tgraph *t)
{
	free(t->src); free(t->dst); free(t->kind); free(t->off); free(t->to);
	free(t->ckind); free(t->type); free(t->size);
}

static inline lh_graph *tg_graph(tgraph *t)
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
static inline uint32_t bf_key(const tgraph *t, uint32_t e)
{
	uint32_t i;

	for (i = 0; i < t->neph; i++)
		if (t->eph_edge[i] == e)
			return t->eph_key[i];
	return LH_NONE;
}

/* 0 weak, 1 strong, 2 ephemeron with key *key. */
static inline int bf_class(const tgraph *t, uint32_t e, uint32_t *key)
{
	uint8_t k = t->ckind[e];

	*key = LH_NONE;
	if (k & LH_EDGE_WEAK)           /* strings are never cleared */
		return t->type[t->to[e]] == LH_T_STRING;
	if (k & LH_EDGE_EPHEMERON) {
		*key = bf_key(t, e);
		return *key == LH_NONE ? 1 : 2;
	}
	return 1;
}

/* Lua's marking to a fixpoint: ephemeron values need table and key. */
static inline void bf_live(const tgraph *t, uint8_t *live)
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
static inline void bf_reach_without(const tgraph *t, const uint8_t *live,
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

/* The definition: dom[v * n + w] is 1 iff the live object v dominates w
 * (w == v, or removing v leaves w unreachable); ndom[w] counts w's strict
 * dominators. */
static inline void bf_dominance(const tgraph *t, const uint8_t *live,
	uint8_t *dom, uint32_t *ndom)
{
	uint32_t n = t->n, v, w;
	uint8_t *seen = malloc(n + 1);

	ck_assert_ptr_nonnull(seen);
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
	free(seen);
}

static uint32_t rnd_state;
static inline uint32_t rnd(uint32_t bound)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % bound;
}

/* A random graph: cycles, self-loops, weak edges, ephemerons with keys,
 * strings as weak targets, unreachable parts, several roots. */
static inline void random_graph_upto(tgraph *t, uint32_t seed, uint32_t maxn)
{
	uint32_t n, m, i, e;

	rnd_state = seed * 2654435761u + 1;
	n = 1 + rnd(maxn);
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

static inline void random_graph(tgraph *t, uint32_t seed)
{
	random_graph_upto(t, seed, 24);
}

#endif
