/*
 * Dominator tree and retained sizes of the live part of a retention graph:
 * Semi-NCA (Georgiadis, "Linear-Time Algorithms for Dominators and Related
 * Problems", 2005) with every recursion turned into an explicit stack, so
 * chains of millions of objects are fine. Flat arrays only.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/analysis.h"
#include "analysis_int.h"

void lh_dom_free(lh_dom *d)
{
	if (d == NULL)
		return;
	free(d->idom);
	free(d->retained);
	free(d->order);
	free(d);
}

/* Doubles the two DFS stacks (first call: 1024 entries). */
static int grow_stacks(uint32_t **sv, uint32_t **sc, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 1024;
	uint32_t *a, *b;

	a = realloc(*sv, ncap * sizeof *a);
	if (a == NULL)
		return LH_ENOMEM;
	*sv = a;
	b = realloc(*sc, ncap * sizeof *b);
	if (b == NULL)
		return LH_ENOMEM;
	*sc = b;
	*cap = ncap;
	return LH_OK;
}

/*
 * Depth-first preorder from the virtual root (number 0). pre[v] is the
 * number of object v (0: not visited), vertex[i] the object numbered i,
 * parent[i] the number of i's parent in the DFS tree. *count gets the
 * number of numbered objects. The two stacks (object, edge cursor) grow
 * with the depth, up to the number of objects in a chain.
 */
static int dfs(const lh_graph *g, uint32_t *pre, uint32_t *vertex,
	uint32_t *parent, uint32_t *count)
{
	uint32_t N = 0, r, *sv = NULL, *sc = NULL;
	size_t sp = 0, cap = 0;
	int rc = LH_OK;

	for (r = 0; r < g->nroots; r++) {
		uint32_t root = g->roots[r];

		if (pre[root] != 0)
			continue;
		if (cap == 0 && grow_stacks(&sv, &sc, &cap) != LH_OK) {
			rc = LH_ENOMEM;
			goto done;
		}
		pre[root] = ++N;
		vertex[N] = root;
		parent[N] = 0;
		sv[0] = root;
		sc[0] = g->off[root];
		sp = 1;
		while (sp > 0) {
			uint32_t u = sv[sp - 1];
			uint32_t w = lh_graph__next(g, u, &sc[sp - 1]);

			if (w == LH_NONE) {
				sp--;
				continue;
			}
			if (pre[w] != 0)
				continue;
			if (sp == cap && grow_stacks(&sv, &sc, &cap) != LH_OK) {
				rc = LH_ENOMEM;
				goto done;
			}
			pre[w] = ++N;
			vertex[N] = w;
			parent[N] = pre[u];
			sv[sp] = w;
			sc[sp] = g->off[w];
			sp++;
		}
	}
done:
	free(sv);
	free(sc);
	*count = N;
	return rc;
}

/*
 * Predecessors of every numbered object, as numbers, in CSR form over
 * numbers 1..N, leaving out references from the object's DFS parent
 * (the virtual root for a root): their part in the semidominator is the
 * parent's number, which the caller starts from.
 */
static int predecessors(const lh_graph *g, const uint32_t *pre,
	const uint32_t *vertex, const uint32_t *parent, uint32_t N,
	uint32_t **poff, uint32_t **pred)
{
	uint32_t *off, *p = NULL, i, cur, w;
	uint64_t total = 0;

	off = calloc((size_t)N + 2, sizeof *off);
	if (off == NULL)
		return LH_ENOMEM;
	/* a root the DFS reached from an earlier root first */
	for (i = 0; i < g->nroots; i++)
		if (parent[pre[g->roots[i]]] != 0)
			off[pre[g->roots[i]] + 1]++;
	for (i = 1; i <= N; i++) {
		uint32_t u = vertex[i];
		cur = g->off[u];
		while ((w = lh_graph__next(g, u, &cur)) != LH_NONE)
			if (parent[pre[w]] != i)
				off[pre[w] + 1]++;
	}
	for (i = 1; i <= N + 1; i++) {
		total += off[i];
		off[i] = (uint32_t)total;
	}
	if (total >= UINT32_MAX)
		goto fail;
	p = malloc((size_t)total * sizeof *p + 1);
	if (p == NULL)
		goto fail;
	/* Fill: off[i] is advanced as the write cursor, then shifted back. */
	for (i = 0; i < g->nroots; i++)
		if (parent[pre[g->roots[i]]] != 0)
			p[off[pre[g->roots[i]]]++] = 0;
	for (i = 1; i <= N; i++) {
		uint32_t u = vertex[i];
		cur = g->off[u];
		while ((w = lh_graph__next(g, u, &cur)) != LH_NONE)
			if (parent[pre[w]] != i)
				p[off[pre[w]]++] = i;
	}
	for (i = N + 1; i > 0; i--)
		off[i] = off[i - 1];
	off[0] = 0;
	*poff = off;
	*pred = p;
	return LH_OK;
fail:
	free(off);
	free(p);
	return LH_ENOMEM;
}

/* Per DFS number, the fields Semi-NCA's forest touches together, side by
 * side so that one cache miss serves them all on large heaps. */
typedef struct snode {
	uint32_t semi;          /* semidominator (a DFS number) */
	uint32_t label;         /* number with the least semi on the path */
	uint32_t anc;           /* forest parent, LH_NONE for a forest root */
} snode;

/* Scratch for eval's path, grown on demand (paths are short in practice,
 * up to the number of objects in the worst case). */
typedef struct pathbuf {
	uint32_t *p;
	size_t cap;
} pathbuf;

/*
 * eval(v) of Lengauer-Tarjan with path compression, iteratively: the
 * number with the smallest semi on the forest path from v up to (not
 * including) its forest root. LH_NONE when out of memory.
 */
static uint32_t eval(uint32_t v, snode *f, pathbuf *pb)
{
	size_t sp = 0;
	uint32_t x;

	if (f[v].anc == LH_NONE)
		return v;
	for (x = v; f[f[x].anc].anc != LH_NONE; x = f[x].anc) {
		if (sp == pb->cap) {
			size_t ncap = pb->cap ? pb->cap * 2 : 256;
			uint32_t *np = realloc(pb->p, ncap * sizeof *np);
			if (np == NULL)
				return LH_NONE;
			pb->p = np;
			pb->cap = ncap;
		}
		pb->p[sp++] = x;
	}
	/* Compress from the top down: each node takes its ancestor's best. */
	while (sp > 0) {
		uint32_t a;
		x = pb->p[--sp];
		a = f[x].anc;
		if (f[f[a].label].semi < f[f[x].label].semi)
			f[x].label = f[a].label;
		f[x].anc = f[a].anc;
	}
	return f[v].label;
}

int lh_dom_build(lh_dom **out, const lh_graph *g, const uint64_t *size,
	lh_error *err)
{
	lh_dom *d = NULL;
	uint32_t *pre = NULL, *vertex = NULL, *parent = NULL, *idom = NULL;
	uint32_t *poff = NULL, *pred = NULL;
	snode *f = NULL;
	pathbuf pb = { NULL, 0 };
	uint32_t N, i, w;
	size_t m = (size_t)g->nlive + 2;
	int rc = LH_OK;

	*out = NULL;
	d = calloc(1, sizeof *d);
	pre = calloc((size_t)g->n + 1, sizeof *pre);
	vertex = malloc(m * sizeof *vertex);
	parent = malloc(m * sizeof *parent);
	if (!d || !pre || !vertex || !parent ||
	    dfs(g, pre, vertex, parent, &N) != LH_OK)
		goto oom;
	vertex[0] = LH_NONE;
	parent[0] = 0;
	if (predecessors(g, pre, vertex, parent, N, &poff, &pred) != LH_OK)
		goto oom;
	free(pre);                      /* numbers from here on */
	pre = NULL;
	f = malloc(m * sizeof *f);
	if (f == NULL)
		goto oom;
	for (i = 0; i <= N; i++) {
		f[i].semi = i;
		f[i].label = i;
		f[i].anc = LH_NONE;
	}
	/* Semidominators, in reverse preorder. */
	for (w = N; w >= 1; w--) {
		uint32_t j, sw = parent[w];     /* the DFS parent's references */
		for (j = poff[w]; j < poff[w + 1]; j++) {
			uint32_t u = eval(pred[j], f, &pb);
			if (u == LH_NONE)
				goto oom;
			if (f[u].semi < sw)
				sw = f[u].semi;
		}
		f[w].semi = sw;
		f[w].anc = parent[w];           /* link w into the forest */
	}
	free(pred);
	pred = NULL;
	idom = poff;                    /* N + 2 entries, free again */
	poff = NULL;
	/* Immediate dominators: the nearest ancestor at or above semi. */
	idom[0] = 0;
	for (w = 1; w <= N; w++) {
		uint32_t x = parent[w];
		while (x > f[w].semi)
			x = idom[x];
		idom[w] = x;
	}
	free(f);
	f = NULL;
	free(parent);
	parent = NULL;

	d->n = g->n;
	d->nlive = N;
	d->idom = malloc(((size_t)g->n + 1) * sizeof *d->idom);
	d->retained = calloc((size_t)g->n + 1, sizeof *d->retained);
	d->order = malloc(((size_t)N + 1) * sizeof *d->order);
	if (!d->idom || !d->retained || !d->order)
		goto oom;
	for (i = 0; i < g->n; i++)
		d->idom[i] = LH_NONE;
	for (w = 1; w <= N; w++) {
		uint32_t v = vertex[w];
		d->order[w - 1] = v;
		d->idom[v] = idom[w] == 0 ? LH_DOM_VROOT : vertex[idom[w]];
		d->retained[v] = size != NULL ? size[v] : 0;
	}
	/* Retained sizes: children come after their dominator in preorder. */
	for (w = N; w >= 1; w--) {
		uint64_t r = d->retained[vertex[w]];
		if (idom[w] != 0)
			d->retained[vertex[idom[w]]] += r;
		else
			d->live_bytes += r;
	}
	goto done;
oom:
	rc = lh_error_set(err, LH_ENOMEM,
		"out of memory computing dominators of %u objects", g->nlive);
done:
	free(pre);
	free(vertex);
	free(parent);
	free(f);
	free(idom);
	free(poff);
	free(pred);
	free(pb.p);
	if (rc != LH_OK)
		lh_dom_free(d);
	else
		*out = d;
	return rc;
}

/* Sorting children by retained size, largest first, then by index. */
static const uint64_t *sort_retained;
static int cmp_child(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (sort_retained[x] != sort_retained[y])
		return sort_retained[x] > sort_retained[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

int lh_domtree_new(lh_domtree **out, const lh_dom *d, lh_error *err)
{
	lh_domtree *t;
	uint32_t i, n = d->n;

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	t->n = n;
	t->off = calloc((size_t)n + 3, sizeof *t->off);
	t->child = malloc(((size_t)d->nlive + 1) * sizeof *t->child);
	if (t->off == NULL || t->child == NULL) {
		lh_domtree_free(t);
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	}
	/* Counting sort by parent (slot n is the virtual root). */
	for (i = 0; i < d->nlive; i++) {
		uint32_t p = d->idom[d->order[i]];
		t->off[(p == LH_DOM_VROOT ? n : p) + 2]++;
	}
	for (i = 2; i < n + 3; i++)
		t->off[i] += t->off[i - 1];
	for (i = 0; i < d->nlive; i++) {
		uint32_t v = d->order[i], p = d->idom[v];
		t->child[t->off[(p == LH_DOM_VROOT ? n : p) + 1]++] = v;
	}
	sort_retained = d->retained;
	for (i = 0; i <= n; i++)
		if (t->off[i + 1] - t->off[i] > 1)
			qsort(t->child + t->off[i], t->off[i + 1] - t->off[i],
				sizeof *t->child, cmp_child);
	*out = t;
	return LH_OK;
}

void lh_domtree_free(lh_domtree *t)
{
	if (t == NULL)
		return;
	free(t->off);
	free(t->child);
	free(t);
}

const uint32_t *lh_domtree_children(const lh_domtree *t, uint32_t v,
	uint32_t *count)
{
	uint32_t s = v == LH_DOM_VROOT ? t->n : v;

	if (s > t->n) {
		*count = 0;
		return t->child;
	}
	*count = t->off[s + 1] - t->off[s];
	return t->child + t->off[s];
}
