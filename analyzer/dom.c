/*
 * Dominator tree and retained sizes of the live part of a retention graph:
 * Semi-NCA (Georgiadis, "Linear-Time Algorithms for Dominators and Related
 * Problems", 2005) with every recursion turned into an explicit stack, so
 * chains of millions of objects are fine. Flat arrays only. Objects without
 * references of their own (leaves) are left out of Semi-NCA, which would
 * need their long predecessor lists; their dominators are common
 * dominators of their predecessors, found afterwards.
 */
#include <stdlib.h>
#include <string.h>
#include "graph_int.h"
#include "dom_int.h"
#include "array_int.h"
#include "snapshot_internal.h"

void lh_dom_free(lh_dom *d)
{
	if (d == NULL)
		return;
	lh_arena__free_any(d->idom);
	lh_arena__free_any(d->retained);
	lh_arena__free_any(d->order);
	free(d->big_obj);
	free(d->big_retained);
	free(d);
}

uint64_t lh_dom_retained(const lh_dom *d, uint32_t v)
{
	return lh_dom__retained(d, v);
}

uint32_t lh_dom_idom(const lh_dom *d, uint32_t v)
{
	return d->idom[v];
}

uint64_t lh_dom_live_bytes(const lh_dom *d)
{
	return d->live_bytes;
}

uint32_t lh_dom_live_count(const lh_dom *d)
{
	return d->nlive;
}

const uint32_t *lh_dom_order(const lh_dom *d, uint32_t *count)
{
	*count = d->nlive;
	return d->order;
}

uint64_t lh_dom__big_retained(const lh_dom *d, uint32_t v)
{
	uint32_t k = lh_sorted_find(d->big_obj, d->nbig, v);

	return k != LH_NONE ? d->big_retained[k] : 0;
}

/* DFS numbers stay below LEAF: the two bits above mark things in the
 * scratch arrays. */
#define MARK 0x80000000u
#define LEAF 0x40000000u
#define NUM(x) ((x) & ~(MARK | LEAF))

/* build's answer when the leaves' dominators would take too long. */
#define SLOW 1

/* Whether the live object u has no successor: a leaf (a string, an empty
 * table) dominates nothing but itself. */
static int is_leaf(const lh_graph *g, uint32_t u)
{
	uint32_t cur = g->off[u];

	return lh_graph__next(g, u, &cur) == LH_NONE;
}

/* Doubles a DFS stack of entries of 'width' words (first: 1024). */
static int grow_stack(uint32_t **st, size_t *cap, size_t width)
{
	void *p = *st;
	int rc = lh_array__reserve(&p, cap, *cap, width * sizeof **st, 1024);

	*st = p;
	return rc;
}

/*
 * Depth-first preorder from the virtual root (number 0), at most 'max'
 * objects. pre[v] is the number of object v (0: not visited), up[i] the
 * object whose edge first reached number i (LH_NONE for a root), *count
 * the number of numbered objects. The stack holds one edge cursor per
 * level, up to the number of objects in a chain: the object of the level
 * below u is up[pre[u]]. Every reference of a numbered object is met
 * once here, so the predecessors are counted on the way: cnt[i + 1] gets
 * the references to number i from objects other than its DFS parent
 * (predecessors() then drops the leaves' counts and adds the virtual
 * root's references).
 */
static int dfs_first(const lh_graph *g, uint32_t max, uint32_t *pre,
	uint32_t *up, uint32_t *cnt, uint32_t *count)
{
	uint32_t N = 0, r, *sc = NULL;
	size_t sp, cap = 0;
	int rc = LH_OK;

	for (r = 0; r < g->nroots; r++) {
		uint32_t u = g->roots[r], w;

		if (pre[u] != 0)
			continue;
		if ((cap == 0 && grow_stack(&sc, &cap, 1) != LH_OK) ||
		    N == max) {
			rc = LH_ENOMEM;
			goto done;
		}
		pre[u] = ++N;
		up[N] = LH_NONE;
		sc[0] = g->off[u];
		sp = 1;
		while (sp > 0) {
			w = lh_graph__next(g, u, &sc[sp - 1]);
			if (w == LH_NONE) {
				u = up[pre[u]];
				sp--;
				continue;
			}
			if (pre[w] != 0) {
				if (up[pre[w]] != u)
					cnt[pre[w] + 1]++;
				continue;
			}
			if ((sp == cap && grow_stack(&sc, &cap, 1) != LH_OK) ||
			    N == max) {
				rc = LH_ENOMEM;
				goto done;
			}
			pre[w] = ++N;
			up[N] = u;
			sc[sp++] = g->off[w];
			u = w;
		}
	}
done:
	free(sc);
	*count = N;
	return rc;
}

/*
 * Predecessors of every numbered object, as numbers, leaving out
 * references from the object's DFS parent (the virtual root for a root):
 * their part in the semidominator is the parent's number, which the
 * caller starts from. Objects whose parent[] has LEAF get no list. The
 * lists follow each other by increasing target number, without offsets:
 * the first entry of each list has MARK set, and so has parent[w] when
 * w's list is not empty. off ([N + 2], freed here) comes with the counts
 * dfs_first made. *npred gets the number of entries.
 */
static int predecessors(const lh_graph *g, const uint32_t *pre,
	uint32_t *parent, uint32_t N, uint32_t *off, uint32_t **pred,
	uint32_t *npred)
{
	uint32_t *p = NULL, i, u, cur, w;
	uint64_t total = 0;

	for (i = 1; i <= N; i++)        /* leaves get no list */
		if (parent[i] & LEAF)
			off[i + 1] = 0;
	/* a root the DFS reached from an earlier root first */
	for (i = 0; i < g->nroots; i++) {
		w = parent[pre[g->roots[i]]];
		if (w != 0 && !(w & LEAF))
			off[pre[g->roots[i]] + 1]++;
	}
	for (i = 1; i <= N + 1; i++) {
		total += off[i];
		off[i] = (uint32_t)total;
	}
	if (total >= UINT32_MAX)
		goto fail;
	p = lh_array__alloc((size_t)total * sizeof *p + 1);
	if (p == NULL)
		goto fail;
	/* Fill: off[i] is advanced as the write cursor, so that it ends
	 * where list i + 1 starts. */
	for (i = 0; i < g->nroots; i++) {
		w = parent[pre[g->roots[i]]];
		if (w != 0 && !(w & LEAF))
			p[off[pre[g->roots[i]]]++] = 0;
	}
	for (u = 0; u < g->n; u++) {
		if ((i = pre[u]) == 0)
			continue;
		cur = g->off[u];
		while ((w = lh_graph__next(g, u, &cur)) != LH_NONE)
			if (parent[pre[w]] != i && !(parent[pre[w]] & LEAF))
				p[off[pre[w]]++] = i;
	}
	for (i = 1; i <= N; i++)
		if (off[i] > off[i - 1]) {
			p[off[i - 1]] |= MARK;
			parent[i] |= MARK;
		}
	free(off);
	*pred = p;
	*npred = (uint32_t)total;
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
 * The first search again (it is deterministic), now that the
 * semidominators are known: pre[] (zeroed) and vertex[] get the numbers
 * and the objects by number, and sd[i], i's semidominator, turns into
 * i's immediate dominator as soon as i is numbered (the nearest DFS
 * ancestor at or above sd[i]: the ancestors, numbered before, are turned
 * already). With 'leaves', a leaf's sd[] gets MARK: its semidominator
 * was its parent, so it holds its parent. The stack holds a number and
 * an edge cursor per level.
 */
static int dfs_second(const lh_graph *g, uint32_t max, int leaves,
	uint32_t *sd, uint32_t *pre, uint32_t *vertex, uint32_t *count)
{
	uint32_t N = 0, r, *st = NULL;
	size_t sp = 0, cap = 0;
	int rc = LH_OK;

	for (r = 0; r < g->nroots; r++) {
		uint32_t w = g->roots[r], x, up = 0;

		if (pre[w] != 0)
			continue;
		for (;;) {
			if (N == max ||
			    (sp == cap && grow_stack(&st, &cap, 2) != LH_OK)) {
				rc = LH_ENOMEM;
				goto done;
			}
			pre[w] = ++N;
			vertex[N] = w;
			for (x = up; x > sd[N]; x = sd[x])
				;
			sd[N] = x;
			if (leaves && is_leaf(g, w)) {
				sd[N] |= MARK;
			} else {
				st[2 * sp] = N;
				st[2 * sp + 1] = g->off[w];
				sp++;
			}
			/* the next object not numbered yet, if any */
			for (w = LH_NONE; sp > 0 && w == LH_NONE; ) {
				uint32_t *top = st + 2 * (sp - 1);

				w = lh_graph__next(g, vertex[top[0]], &top[1]);
				if (w == LH_NONE)
					sp--;
				else if (pre[w] != 0)
					w = LH_NONE;
				else
					up = top[0];
			}
			if (w == LH_NONE)
				break;
		}
	}
done:
	free(st);
	*count = N;
	return rc;
}

/*
 * Immediate dominators of the leaves marked by dfs_second. A leaf is on
 * no path to another object, so it changes no other dominator, and its
 * own is the nearest common dominator of all its predecessors (the
 * virtual root for a root): sd[] starts at the first referrer met and
 * climbs as the references come. The climb follows the dominators of the
 * two sides, the larger number up first. Referrers come deepest first, so
 * a chain all referencing one string costs a step per link, but one that
 * references each of k strings every k-th link costs k steps per link
 * and some shapes (a comb whose teeth reference one string) are
 * quadratic: it gives up (SLOW) after 'budget' steps. Marks are cleared
 * in the end.
 */
static int leaf_dominators(const lh_graph *g, const uint32_t *pre,
	const uint32_t *vertex, uint32_t *sd, uint32_t N, uint64_t budget)
{
	uint32_t u, i, j, w, cur;

	for (j = 1; j <= N; j++)        /* no predecessor seen yet */
		if (sd[j] & MARK)
			sd[j] = MARK | LEAF;
	for (i = 0; i < g->nroots; i++) {
		j = pre[g->roots[i]];
		if (sd[j] & MARK)
			sd[j] = MARK;
	}
	/* The referrers in decreasing DFS number, so that a chain of objects
	 * all referencing the leaf climbs one step per object. */
	for (i = N; i >= 1; i--) {
		u = vertex[i];
		cur = g->off[u];
		while ((w = lh_graph__next(g, u, &cur)) != LH_NONE) {
			uint32_t a, b = i;

			j = pre[w];
			if (!(sd[j] & MARK))
				continue;
			if (sd[j] & LEAF) {     /* its first referrer */
				sd[j] = MARK | i;
				continue;
			}
			a = NUM(sd[j]);
			if (a == 0)
				continue;       /* nothing above the virtual root */
			while (a != b) {
				if (budget-- == 0)
					return SLOW;
				if (a > b)
					a = sd[a];
				else
					b = sd[b];
			}
			sd[j] = a | MARK;
		}
	}
	for (j = 1; j <= N; j++)
		sd[j] = NUM(sd[j]);
	return LH_OK;
}

/* Retained sizes of 4 GiB or more while they add up: the object's
 * retained[] slot holds an index into 'val', and bit v of 'is' says so. */
typedef struct bigacc {
	uint32_t *is;
	uint64_t *val;
	size_t n, cap;
} bigacc;

/* Stores x as v's retained size so far. */
static int retained_set(lh_dom *d, bigacc *b, uint32_t v, uint64_t x)
{
	void *val;

	if (b->is[v / 32] & (1u << v % 32)) {
		b->val[d->retained[v]] = x;
		return LH_OK;
	}
	if (x < LH_RETAINED_BIG) {
		d->retained[v] = (uint32_t)x;
		return LH_OK;
	}
	val = b->val;
	if (lh_array__reserve(&val, &b->cap, b->n, sizeof *b->val, 64) != LH_OK)
		return LH_ENOMEM;
	b->val = val;
	b->is[v / 32] |= 1u << v % 32;
	d->retained[v] = (uint32_t)b->n;
	b->val[b->n++] = x;
	return LH_OK;
}

static uint64_t retained_get(const lh_dom *d, const bigacc *b, uint32_t v)
{
	return b->is[v / 32] & (1u << v % 32) ? b->val[d->retained[v]] :
		d->retained[v];
}

/*
 * Retained sizes, exact in 64 bits: self sizes, then each object's total
 * added to its dominator's in reverse preorder (children come after their
 * dominator). Totals of 4 GiB or more end in the side table.
 */
static int retained_sizes(lh_dom *d, const uint64_t *size,
	const lh_snapshot *snap, lh_arena *ar)
{
	bigacc b = { NULL, NULL, 0, 0 };
	uint32_t k, v, j;
	int rc = LH_ENOMEM;

	d->retained = lh_arena__result(ar, LH_SLOT_RETAINED,
		((size_t)d->n + 1) * sizeof *d->retained, 1);
	b.is = lh_array__zalloc((size_t)d->n / 32 + 1, sizeof *b.is);
	if (d->retained == NULL || b.is == NULL)
		goto done;
	for (k = 0; k < d->nlive; k++) {
		v = d->order[k];
		/* objects shared between states are no state's bytes */
		if (retained_set(d, &b, v, size != NULL ? size[v] :
		    snap != NULL && !lh_snapshot_shared(snap, v) ?
		    lh_snapshot_size(snap, v) : 0) != LH_OK)
			goto done;
	}
	for (k = d->nlive; k-- > 0;) {
		uint32_t p;
		uint64_t x;

		v = d->order[k];
		p = d->idom[v];
		x = retained_get(d, &b, v);
		if (p == LH_DOM_VROOT)
			d->live_bytes += x;
		else if (retained_set(d, &b, p, retained_get(d, &b, p) + x)
		    != LH_OK)
			goto done;
	}
	if (b.n > 0) {
		d->big_obj = malloc(b.n * sizeof *d->big_obj);
		d->big_retained = malloc(b.n * sizeof *d->big_retained);
		if (d->big_obj == NULL || d->big_retained == NULL)
			goto done;
		for (v = 0, j = 0; v < d->n; v++)
			if (b.is[v / 32] & (1u << v % 32)) {
				d->big_obj[j] = v;
				d->big_retained[j++] = b.val[d->retained[v]];
				d->retained[v] = LH_RETAINED_BIG;
			}
		d->nbig = j;
	}
	rc = LH_OK;
done:
	free(b.is);
	free(b.val);
	return rc;
}

/* Numbers the live objects depth first (dfs_first): *parent ([m]) gets
 * each number's DFS parent as a number, with LEAF on the leaves when
 * 'leaves'; then the predecessor lists. The caller frees *parent. */
static int number_objects(const lh_graph *g, int leaves, size_t m,
	uint32_t **parent, uint32_t *N, uint32_t **pred, uint32_t *npred)
{
	uint32_t *pre = lh_array__zalloc((size_t)g->n + 1, sizeof *pre), *up, i, u;
	uint32_t *cnt = lh_array__zalloc(m, sizeof *cnt);
	int rc = LH_ENOMEM;

	up = *parent = lh_array__alloc(m * sizeof *up);
	if (pre == NULL || up == NULL || cnt == NULL ||
	    dfs_first(g, g->nlive, pre, up, cnt, N) != LH_OK) {
		free(cnt);
		goto done;
	}
	/* the objects that reached each number turn into their numbers */
	up[0] = 0;
	for (u = 0; u < g->n; u++) {
		if ((i = pre[u]) == 0)
			continue;
		up[i] = up[i] == LH_NONE ? 0 : pre[up[i]];
		if (leaves && is_leaf(g, u))
			up[i] |= LEAF;
	}
	rc = predecessors(g, pre, up, *N, cnt, pred, npred);
done:
	free(pre);                      /* numbers from here on */
	return rc;
}

/*
 * Semidominators of numbers 1..N from the DFS parents in *arr ([m]) and
 * the predecessor lists (freed here). One block viewed as three types in
 * turn, to keep the peak at 12 bytes per object: the forest nodes take
 * the parent array's place, spread in place from the top (each slot read
 * before a node overwrites it), then the semidominators alone are packed
 * in place from the bottom: *arr becomes sd[] ([m]). A node keeps the
 * mark of a non-empty list in its semi until its turn.
 */
static int semidominators(uint32_t **arr, size_t m, uint32_t N,
	uint32_t *pred, uint32_t npred)
{
	snode *f = realloc(*arr, m * sizeof *f);
	pathbuf pb = { NULL, 0 };
	uint32_t i, j, w, u, *sd;
	int rc = LH_ENOMEM;

	if (f == NULL)
		goto done;
	lh_array__huge(f, m * sizeof *f);
	*arr = (uint32_t *)f;
	for (i = N + 1; i-- > 0;) {
		uint32_t p = ((uint32_t *)f)[i];
		f[i].semi = i | (p & MARK);
		f[i].label = i;
		f[i].anc = NUM(p);
	}
	/* In reverse preorder, so the lists are read from the end: each one
	 * back to its marked first entry. Nodes above w (the forest) have no
	 * mark left, nodes at or below w may have. A leaf, without list,
	 * gets its parent (dfs_second knows why). */
	j = npred;
	for (w = N; w >= 1; w--) {
		uint32_t sw = f[w].anc;         /* the DFS parent's references */
		uint32_t v = f[w].semi & MARK ? 0 : MARK;

		while (!(v & MARK)) {
			uint32_t s;

			if (j == 0) {           /* lists and marks agree */
				rc = LH_EINTERNAL;
				goto done;
			}
			v = pred[--j];
			u = eval(NUM(v), w, f, &pb);
			if (u == LH_NONE)
				goto done;
			s = NUM(f[u].semi);
			if (s < sw)
				sw = s;
		}
		f[w].semi = sw;                 /* w joins the forest */
	}
	free(pred);
	pred = NULL;
	sd = (uint32_t *)f;
	for (i = 0; i <= N; i++)
		sd[i] = f[i].semi;
	if ((f = realloc(sd, m * sizeof *sd)) != NULL)
		sd = (uint32_t *)f;
	*arr = sd;
	rc = LH_OK;
done:
	free(pred);
	free(pb.p);
	return rc;
}

/* The second DFS (dfs_second) and, with 'leaves', the leaves'
 * dominators: sd[] (numbers 0..N) turns into the immediate dominators by
 * number, *vertex ([m], the caller frees it) maps numbers to objects.
 * SLOW when the leaves would take too long, LH_ENOMEM, or LH_EINTERNAL
 * when the two walks disagree (a bug). */
static int immediate_dominators(const lh_graph *g, int leaves, size_t m,
	uint32_t N, uint32_t *sd, uint32_t **vertex)
{
	uint32_t *pre = lh_array__zalloc((size_t)g->n + 1, sizeof *pre), N2;
	int rc = LH_ENOMEM;

	*vertex = lh_array__alloc(m * sizeof **vertex);
	if (!*vertex || !pre ||
	    dfs_second(g, g->nlive, leaves, sd, pre, *vertex, &N2) != LH_OK)
		goto done;
	if (N2 != N) {                  /* both walks reach the same objects */
		rc = LH_EINTERNAL;
		goto done;
	}
	(*vertex)[0] = LH_NONE;
	sd[0] = 0;                      /* sd[] holds the idoms from here on */
	rc = !leaves ? LH_OK : leaf_dominators(g, pre, *vertex, sd, N,
		32 * ((uint64_t)g->nedge + g->n) + 1024);
done:
	free(pre);
	return rc;
}

/* The dominator tree's preorder (numbers 1..N; [m]), children in DFS
 * order: subtree sizes bottom up, then each node takes the next free
 * place in its dominator's range (sub[] turns into that cursor once
 * visited). NULL when out of memory. */
static uint32_t *tree_preorder(const uint32_t *idom, uint32_t N, size_t m,
	lh_arena *ar)
{
	uint32_t *sub = lh_array__alloc(m * sizeof *sub);
	uint32_t *seq = lh_arena__result(ar, LH_SLOT_ORDER, m * sizeof *seq, 0);
	uint32_t w, next;

	if (!sub || !seq) {
		free(sub);
		lh_arena__free_any(seq);
		return NULL;
	}
	for (w = 0; w <= N; w++)
		sub[w] = 1;
	for (w = N; w >= 1; w--)
		sub[idom[w]] += sub[w];
	sub[0] = 0;
	for (w = 1; w <= N; w++) {
		uint32_t p = idom[w], s = sub[w];
		next = sub[p];
		sub[p] += s;
		seq[next] = w;
		sub[w] = next + 1;
	}
	free(sub);
	return seq;
}

/*
 * Memory: the peak is what the whole analysis of a big heap needs, so the
 * scratch arrays take turns, at most 12 bytes per object (pre[] is by
 * object, the rest by number) plus the predecessor lists:
 *   first DFS        pre, up (turns into parent), counts 12
 *   predecessors     pre, parent, counts (offsets)       12 + lists
 *   semidominators   the forest (12)                     12 + lists
 *   second DFS       semi (turns into idom), vertex, pre 12
 *   leaves           idom, vertex, pre                   12
 *   dominator order  idom, vertex, subtree sizes         12
 * plus the DFS stacks. The result (idom, order, retained) is 12 bytes per
 * object. With 'leaves', the leaves (most of them strings, which take
 * most references in a heap: keys) get no predecessor list; their
 * dominators come from one more pass over the references.
 */
static int build(lh_dom **out, const lh_graph *g, const uint64_t *size,
	const lh_snapshot *snap, int leaves, lh_error *err)
{
	lh_dom *d = NULL;
	uint32_t *vertex = NULL, *sd = NULL, *pred = NULL, *seq = NULL;
	uint32_t N, i, w, k, npred;
	size_t m = (size_t)g->nlive + 2;
	int rc = LH_OK;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (!d || number_objects(g, leaves, m, &sd, &N, &pred, &npred) != LH_OK)
		goto oom;
	rc = semidominators(&sd, m, N, pred, npred);
	pred = NULL;
	if (rc != LH_OK)
		goto oom;
	rc = immediate_dominators(g, leaves, m, N, sd, &vertex);
	if (rc == SLOW)
		goto done;
	if (rc != LH_OK || (seq = tree_preorder(sd, N, m, g->arena)) == NULL)
		goto oom;
	d->n = g->n;
	d->nlive = N;
	d->idom = lh_arena__result(g->arena, LH_SLOT_IDOM,
		((size_t)g->n + 1) * sizeof *d->idom, 0);
	if (!d->idom)
		goto oom;
	for (i = 0; i < g->n; i++)
		d->idom[i] = LH_NONE;
	for (w = 1; w <= N; w++)
		d->idom[vertex[w]] = sd[w] == 0 ? LH_DOM_VROOT : vertex[sd[w]];
	for (k = 0; k < N; k++)
		seq[k] = vertex[seq[k]];
	d->order = seq;
	seq = NULL;
	free(vertex);
	vertex = NULL;
	free(sd);
	sd = NULL;
	if (retained_sizes(d, size, snap, g->arena) != LH_OK)
		goto oom;
	goto done;
oom:
	if (rc == LH_EINTERNAL)
		rc = lh_error_set(err, LH_EINTERNAL, "internal error computing "
			"dominators of %u objects: the two depth-first walks "
			"disagree", g->nlive);
	else
		rc = lh_error_set(err, LH_ENOMEM, "out of memory computing "
			"dominators of %u objects", g->nlive);
done:
	free(vertex);
	free(sd);
	lh_arena__free_any(seq);
	free(pred);
	if (rc != LH_OK)
		lh_dom_free(d);
	else
		*out = d;
	return rc;
}

/* Leaves apart, or when that would take too long, everything at once. */
static int build_either(lh_dom **out, const lh_graph *g,
	const uint64_t *size, const lh_snapshot *snap, lh_error *err)
{
	int rc;

	if (g->nlive >= LEAF - 1)
		return lh_error_set(err, LH_ELIMIT, "cannot compute dominators "
			"of %u objects: %u at most", g->nlive, LEAF - 2);
	rc = build(out, g, size, snap, 1, err);
	if (rc == SLOW)
		rc = build(out, g, size, snap, 0, err);
	return rc;
}

int lh_dom_build(lh_dom **out, const lh_graph *g, const uint64_t *size,
	lh_error *err)
{
	return build_either(out, g, size, NULL, err);
}

int lh_dom_build_snapshot(lh_dom **out, const lh_graph *g,
	const lh_snapshot *snap, lh_error *err)
{
	return build_either(out, g, NULL, snap, err);
}
