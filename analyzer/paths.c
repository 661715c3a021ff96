/*
 * Shortest root paths: one breadth-first search from the roots gives every
 * object its shortest path (parent and edge arrays); further distinct paths
 * of one object are built from its other retaining references.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/analysis.h"
#include "analysis_int.h"

void lh_bfs_free(lh_bfs *b)
{
	if (b == NULL)
		return;
	free(b->parent);
	free(b->via);
	free(b);
}

/* Breadth-first over the retaining edges that exist in the snapshot
 * (roots in order, edges in order). The queue is the only scratch. */
int lh_bfs_build(lh_bfs **out, const lh_graph *g, lh_error *err)
{
	lh_bfs *b;
	uint32_t *queue = NULL, head = 0, tail = 0, i;
	int rc = LH_OK;

	*out = NULL;
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	b->n = g->n;
	b->parent = malloc(((size_t)g->n + 1) * sizeof *b->parent);
	b->via = malloc(((size_t)g->n + 1) * sizeof *b->via);
	queue = malloc(((size_t)g->n + 1) * sizeof *queue);
	if (b->parent == NULL || b->via == NULL || queue == NULL) {
		rc = lh_error_set(err, LH_ENOMEM,
			"out of memory searching root paths");
		goto done;
	}
	memset(b->parent, 0xff, (size_t)g->n * sizeof *b->parent);
	memset(b->via, 0xff, (size_t)g->n * sizeof *b->via);
	for (i = 0; i < g->nroots; i++) {
		uint32_t r = g->roots[i];
		if (b->parent[r] != LH_NONE)
			continue;
		b->parent[r] = LH_DOM_VROOT;
		b->via[r] = i;
		queue[tail++] = r;
	}
	while (head < tail) {
		uint32_t u = queue[head++], e;

		for (e = g->off[u]; e < g->off[u + 1]; e++) {
			uint32_t v = g->to[e];
			if (b->parent[v] != LH_NONE ||
			    !lh_graph_edge_retains(g, u, e))
				continue;
			b->parent[v] = u;
			b->via[v] = e;
			queue[tail++] = v;
		}
	}
done:
	free(queue);
	if (rc != LH_OK)
		lh_bfs_free(b);
	else
		*out = b;
	return rc;
}

uint32_t lh_bfs_depth(const lh_bfs *b, uint32_t v)
{
	uint32_t d = 0;

	if (v >= b->n || b->parent[v] == LH_NONE)
		return 0;
	for (; v != LH_DOM_VROOT; v = b->parent[v])
		d++;
	return d;
}

void lh_paths_free(lh_path *paths, uint32_t count)
{
	uint32_t i;

	if (paths == NULL)
		return;
	for (i = 0; i < count; i++)
		free(paths[i].hops);
	free(paths);
}

/* The BFS path of u, followed by the reference (u, e) into v when e is
 * not LH_NONE; for a root entered through root r, u is LH_DOM_VROOT. */
static int make_path(lh_path *p, const lh_bfs *b, uint32_t u, uint32_t e,
	uint32_t r, uint32_t v)
{
	uint32_t len = 1, i, x;

	if (u != LH_DOM_VROOT)
		len += lh_bfs_depth(b, u);
	p->hops = malloc((size_t)len * sizeof *p->hops);
	if (p->hops == NULL)
		return LH_ENOMEM;
	p->nhops = len;
	i = len - 1;
	p->hops[i].from = u;
	p->hops[i].edge = u == LH_DOM_VROOT ? LH_NONE : e;
	p->hops[i].root = u == LH_DOM_VROOT ? r : LH_NONE;
	p->hops[i].obj = v;
	for (x = u; x != LH_DOM_VROOT; x = b->parent[x]) {
		i--;
		p->hops[i].obj = x;
		p->hops[i].from = b->parent[x];
		if (b->parent[x] == LH_DOM_VROOT) {
			p->hops[i].edge = LH_NONE;
			p->hops[i].root = b->via[x];
		} else {
			p->hops[i].edge = b->via[x];
			p->hops[i].root = LH_NONE;
		}
	}
	return LH_OK;
}

typedef struct cand {
	uint32_t len, u, e, r;
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	return x->r < y->r ? -1 : x->r > y->r;
}

/* Whether v lies on u's BFS path (then u's path plus one hop to v is
 * not simple); *len gets u's depth. */
static int passes_through(const lh_bfs *b, uint32_t u, uint32_t v,
	uint32_t *len)
{
	uint32_t d = 0;
	int hit = 0;

	for (; u != LH_DOM_VROOT; u = b->parent[u]) {
		if (u == v)
			hit = 1;
		d++;
	}
	*len = d;
	return hit;
}

int lh_paths_find(lh_path **out, uint32_t *count, const lh_snapshot *snap,
	const lh_graph *g, const lh_bfs *b, uint32_t v, uint32_t k,
	lh_error *err)
{
	lh_path *paths = NULL;
	cand *c = NULL;
	size_t nc = 0, cap = 0, i;
	uint32_t np = 0, u, e;
	int rc = LH_OK;

	(void)snap;
	*out = NULL;
	*count = 0;
	if (v >= g->n || b->parent[v] == LH_NONE)
		return lh_error_set(err, LH_ENOTFOUND,
			"object is not reachable from the roots");
	if (k == 0)
		return LH_OK;
	paths = calloc(k, sizeof *paths);
	if (paths == NULL)
		goto oom;
	if (make_path(&paths[np], b, b->parent[v],
	    b->via[v], b->via[v], v) != LH_OK)
		goto oom;
	np++;
	if (k == 1)
		goto done;
	/* Candidates: other roots that are v, other references into v. */
#define PUSH(L, U, E, R) do { \
	if (nc == cap) { \
		size_t ncap = cap ? cap * 2 : 16; \
		cand *t = realloc(c, ncap * sizeof *c); \
		if (t == NULL) goto oom; \
		c = t; cap = ncap; \
	} \
	c[nc].len = (L); c[nc].u = (U); c[nc].e = (E); c[nc].r = (R); nc++; \
	} while (0)
	for (i = 0; i < g->nroots; i++)
		if (g->roots[i] == v && !(b->parent[v] == LH_DOM_VROOT &&
		    b->via[v] == i))
			PUSH(1, LH_DOM_VROOT, 0, (uint32_t)i);
	for (u = 0; u < g->n; u++) {
		if (!g->live[u] || u == v)
			continue;
		for (e = g->off[u]; e < g->off[u + 1]; e++) {
			uint32_t len;
			if (g->to[e] != v || (b->parent[v] == u && b->via[v] == e))
				continue;
			if (!lh_graph_edge_retains(g, u, e))
				continue;
			if (passes_through(b, u, v, &len))
				continue;
			PUSH(len + 1, u, e, LH_NONE);
		}
	}
#undef PUSH
	if (nc > 1)
		qsort(c, nc, sizeof *c, cmp_cand);
	for (i = 0; i < nc && np < k; i++) {
		if (make_path(&paths[np], b, c[i].u, c[i].e, c[i].r, v) != LH_OK)
			goto oom;
		np++;
	}
	goto done;
oom:
	rc = lh_error_set(err, LH_ENOMEM, "out of memory finding paths");
done:
	free(c);
	if (rc != LH_OK) {
		lh_paths_free(paths, np);
	} else {
		*out = paths;
		*count = np;
	}
	return rc;
}
