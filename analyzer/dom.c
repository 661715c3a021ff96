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
 * including) its forest root. The forest holds the numbers above 'w' (the
 * ones processed so far), each linked to its DFS parent, so anc starts as
 * the parent and "x is in the forest" is x > w. LH_NONE when out of memory.
 */
static uint32_t eval(uint32_t v, uint32_t w, snode *f, pathbuf *pb)
{
	size_t sp = 0;
	uint32_t x;

	if (v <= w)
		return v;
	for (x = v; f[x].anc > w; x = f[x].anc) {
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

/*
 * Memory: the peak is what the whole analysis of a big heap needs, so the
 * scratch arrays take turns. The DFS runs twice (it is deterministic):
 * once for the predecessor lists, and again after the semidominators are
 * known, when the lists are gone, for the DFS parents and the objects by
 * number. Per live object the scratch never exceeds 16 bytes plus 4 per
 * predecessor reference outside the DFS tree.
 */
static int build(lh_dom **out, const lh_graph *g, const uint64_t *size,
	const lh_snapshot *snap, lh_error *err)
{
	lh_dom *d = NULL;
	uint32_t *pre = NULL, *vertex = NULL, *parent = NULL, *semi = NULL;
	uint32_t *poff = NULL, *pred = NULL, *sub = NULL, *seq = NULL;
	snode *f = NULL;
	pathbuf pb = { NULL, 0 };
	uint32_t N, N2, i, w, k, next;
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
	free(vertex);                   /* the second DFS gives it back */
	vertex = NULL;
	/* The forest nodes take the parent array's place: spread in place
	 * from the top, each slot read before a node overwrites it. */
	f = realloc(parent, m * sizeof *f);
	if (f == NULL)
		goto oom;
	parent = NULL;
	for (i = N + 1; i-- > 0;) {
		uint32_t p = ((uint32_t *)f)[i];
		f[i].semi = i;
		f[i].label = i;
		f[i].anc = p;
	}
	/* Semidominators, in reverse preorder. */
	for (w = N; w >= 1; w--) {
		uint32_t j, sw = f[w].anc;      /* the DFS parent's references */
		for (j = poff[w]; j < poff[w + 1]; j++) {
			uint32_t u = eval(pred[j], w, f, &pb);
			if (u == LH_NONE)
				goto oom;
			if (f[u].semi < sw)
				sw = f[u].semi;
		}
		f[w].semi = sw;                 /* w joins the forest */
	}
	free(pred);
	pred = NULL;
	free(poff);
	poff = NULL;
	free(pb.p);
	pb.p = NULL;
	/* Keep the semidominators alone, packed in place from the bottom. */
	semi = (uint32_t *)f;
	for (i = 0; i <= N; i++)
		semi[i] = f[i].semi;
	f = NULL;
	if ((f = realloc(semi, m * sizeof *semi)) != NULL)
		semi = (uint32_t *)f;
	f = NULL;

	pre = calloc((size_t)g->n + 1, sizeof *pre);
	vertex = malloc(m * sizeof *vertex);
	parent = malloc(m * sizeof *parent);
	if (!pre || !vertex || !parent ||
	    dfs(g, pre, vertex, parent, &N2) != LH_OK || N2 != N)
		goto oom;
	free(pre);
	pre = NULL;
	vertex[0] = LH_NONE;
	parent[0] = 0;
	/* Immediate dominators: the nearest ancestor at or above semi. Each
	 * parent[w] turns into idom[w]; those below w are done already. */
	for (w = 1; w <= N; w++) {
		uint32_t x = parent[w];
		while (x > semi[w])
			x = parent[x];
		parent[w] = x;
	}
	free(semi);
	semi = NULL;

	/* The dominator tree's preorder, children in DFS order: subtree
	 * sizes bottom up, then each node takes the next free place in its
	 * dominator's range (sub[] turns into that cursor once visited). */
	sub = malloc(m * sizeof *sub);
	seq = malloc(m * sizeof *seq);
	if (!sub || !seq)
		goto oom;
	for (w = 0; w <= N; w++)
		sub[w] = 1;
	for (w = N; w >= 1; w--)
		sub[parent[w]] += sub[w];
	sub[0] = 0;
	for (w = 1; w <= N; w++) {
		uint32_t p = parent[w], s = sub[w];
		next = sub[p];
		sub[p] += s;
		seq[next] = w;
		sub[w] = next + 1;
	}
	free(sub);
	sub = NULL;

	d->n = g->n;
	d->nlive = N;
	d->idom = malloc(((size_t)g->n + 1) * sizeof *d->idom);
	if (!d->idom)
		goto oom;
	for (i = 0; i < g->n; i++)
		d->idom[i] = LH_NONE;
	for (w = 1; w <= N; w++)
		d->idom[vertex[w]] = parent[w] == 0 ? LH_DOM_VROOT :
			vertex[parent[w]];
	for (k = 0; k < N; k++)
		seq[k] = vertex[seq[k]];
	d->order = seq;
	seq = NULL;
	free(vertex);
	vertex = NULL;
	free(parent);
	parent = NULL;
	d->retained = calloc((size_t)g->n + 1, sizeof *d->retained);
	if (!d->retained)
		goto oom;
	for (k = 0; k < N; k++)
		d->retained[d->order[k]] = size != NULL ? size[d->order[k]] :
			snap != NULL ? lh_snapshot_size(snap, d->order[k]) : 0;
	/* Retained sizes: children come after their dominator in preorder. */
	for (k = N; k-- > 0;) {
		uint32_t v = d->order[k], p = d->idom[v];
		if (p != LH_DOM_VROOT)
			d->retained[p] += d->retained[v];
		else
			d->live_bytes += d->retained[v];
	}
	goto done;
oom:
	rc = lh_error_set(err, LH_ENOMEM,
		"out of memory computing dominators of %u objects", g->nlive);
done:
	free(pre);
	free(vertex);
	free(parent);
	free(semi);
	free(f);
	free(sub);
	free(seq);
	free(poff);
	free(pred);
	free(pb.p);
	if (rc != LH_OK)
		lh_dom_free(d);
	else
		*out = d;
	return rc;
}

int lh_dom_build(lh_dom **out, const lh_graph *g, const uint64_t *size,
	lh_error *err)
{
	return build(out, g, size, NULL, err);
}

int lh_dom_build_snapshot(lh_dom **out, const lh_graph *g,
	const lh_snapshot *snap, lh_error *err)
{
	return build(out, g, NULL, snap, err);
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
