/*
 * Shortest root paths: one breadth-first search from the roots gives every
 * object its shortest path (the edge into it); further distinct paths
 * of one object are built from its other retaining references.
 */
#include <stdlib.h>
#include <string.h>
#include "graph_int.h"
#include "paths_int.h"
#include "array_int.h"

void lh_bfs_free(lh_bfs *b)
{
	if (b == NULL)
		return;
	lh_arena__free_any(b->via);
	free(b->rootbits);
	free(b->blk);
	free(b);
}

/*
 * The search's queue: two FIFO queues in one array of n + 1 slots, the
 * preferred one growing up from the bottom and the other down from the
 * top (each object is queued once, so they never meet). Costs count two
 * per reference; the preferred starts have odd costs, one less than a
 * step and a half ahead, everything else even ones. Taking the two
 * queues a cost level at a time in turn is Dial's algorithm with two
 * buckets.
 */
typedef struct bfs_queue {
	uint32_t *slot;
	uint32_t n;
	uint32_t phead, ptail;      /* preferred: [phead, ptail) */
	uint32_t ohead, otail;      /* others: slots n - 1 - [ohead, otail) */
} bfs_queue;

static void visit(lh_bfs *b, bfs_queue *q, uint32_t v, uint32_t via, int pref)
{
	b->via[v] = via;
	if (pref)
		q->slot[q->ptail++] = v;
	else
		q->slot[q->n - 1 - q->otail++] = v;
}

/* Takes the objects of the current cost level of one queue, [*head, end). */
static void expand(lh_bfs *b, bfs_queue *q, const lh_graph *g, int pref)
{
	uint32_t *head = pref ? &q->phead : &q->ohead;
	uint32_t end = pref ? q->ptail : q->otail;

	while (*head < end) {
		uint32_t u = q->slot[pref ? *head : q->n - 1 - *head], k;

		(*head)++;
		for (k = g->off[u]; k < g->off[u + 1]; k++) {
			uint32_t v = g->to[k];

			if (b->via[v] != LH_NONE || !lh_graph_edge_retains(g, u, k))
				continue;
			visit(b, q, v, k, pref);
		}
	}
}

/* Breadth-first over the retaining edges that exist in the snapshot
 * (roots in order, edges in order). The queue is the only scratch; an
 * object is reached once its 'via' is set. */
int lh_bfs_build(lh_bfs **out, const lh_graph *g, lh_error *err)
{
	lh_bfs *b;
	bfs_queue q;
	uint32_t i, e;
	int rc = LH_OK;

	*out = NULL;
	memset(&q, 0, sizeof q);
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	b->n = g->n;
	b->off = g->off;
	b->via = lh_arena__result(g->arena, LH_SLOT_VIA,
		((size_t)g->n + 1) * sizeof *b->via, 0);
	b->rootbits = lh_array__zalloc((size_t)g->n / 32 + 1, sizeof *b->rootbits);
	b->nblk = (uint32_t)(((uint64_t)g->nedge + LH_BFS_BLOCK - 1) / LH_BFS_BLOCK);
	b->blk = lh_array__alloc(((size_t)b->nblk + 1) * sizeof *b->blk);
	q.n = g->n + 1;
	q.slot = lh_array__alloc((size_t)q.n * sizeof *q.slot);
	if (b->via == NULL || b->rootbits == NULL || b->blk == NULL ||
	    q.slot == NULL) {
		rc = lh_error_set(err, LH_ENOMEM,
			"out of memory searching root paths");
		goto done;
	}
	memset(b->via, 0xff, (size_t)g->n * sizeof *b->via);
	/* blk[k]: the object whose edges hold edge k * LH_BFS_BLOCK */
	for (i = 0, e = 0; i < g->n; i++)
		for (; e < g->off[i + 1]; e += LH_BFS_BLOCK)
			b->blk[e / LH_BFS_BLOCK] = i;
	for (i = 0; i < 2; i++) {           /* cost 1: the preferred starts */
		uint32_t pe = g->pref_edge[i];

		if (pe != LH_NONE && pe < g->nedge && b->via[g->to[pe]] == LH_NONE)
			visit(b, &q, g->to[pe], pe, 1);
	}
	for (i = 0; i < g->nroots; i++) {   /* cost 2: the roots */
		uint32_t r = g->roots[i];

		if (b->rootbits[r / 32] & (1u << (r % 32)))
			continue;
		b->rootbits[r / 32] |= 1u << (r % 32);
		if (b->via[r] == LH_NONE)
			visit(b, &q, r, i, 0);
		else
			b->via[r] = i;      /* a preferred start that is a root */
	}
	while (q.phead < q.ptail || q.ohead < q.otail) {
		expand(b, &q, g, 1);
		expand(b, &q, g, 0);
	}
done:
	free(q.slot);
	if (rc != LH_OK)
		lh_bfs_free(b);
	else
		*out = b;
	return rc;
}

uint32_t lh_bfs_parent(const lh_bfs *b, uint32_t v)
{
	uint32_t e, lo = 0, hi;

	if (v >= b->n || (e = b->via[v]) == LH_NONE)
		return LH_NONE;
	if (b->rootbits[v / 32] & (1u << (v % 32)))
		return LH_DOM_VROOT;
	/* the object whose edges hold e: the last lo with off[lo] <= e,
	 * between the owners of e's block and of the next one */
	lo = b->blk[e / LH_BFS_BLOCK];
	hi = e / LH_BFS_BLOCK + 1 < b->nblk ? b->blk[e / LH_BFS_BLOCK + 1] + 1 : b->n;
	return lh_array__owner(b->off, lo, hi, e);
}

void lh_bfs__parents(const lh_bfs *b, uint32_t *par, uint32_t lo,
	uint32_t hi)
{
	uint32_t v, e, u[2] = { LH_NONE, LH_NONE }, p;  /* the last two found */

	for (v = lo; v < hi; v++) {
		e = v < b->n ? b->via[v] : LH_NONE;
		if (e == LH_NONE || (b->rootbits[v / 32] & (1u << (v % 32))))
			p = lh_bfs_parent(b, v);
		else if (u[0] < b->n && e >= b->off[u[0]] && e < b->off[u[0] + 1])
			p = u[0];               /* a sibling of the last one */
		else if (u[1] < b->n && e >= b->off[u[1]] && e < b->off[u[1] + 1]) {
			p = u[1];               /* back from a sibling's subtree */
			u[1] = u[0];
			u[0] = p;
		} else if ((p = lh_bfs_parent(b, v)) < b->n) {
			u[1] = u[0];
			u[0] = p;
		}
		par[v] = p;
	}
}

uint32_t lh_bfs_depth(const lh_bfs *b, uint32_t v)
{
	uint32_t d = 0;

	if (v >= b->n || b->via[v] == LH_NONE)
		return 0;
	/* at most n hops: only a damaged index could give a longer chain */
	for (; v != LH_DOM_VROOT && v < b->n && d <= b->n;
	    v = lh_bfs_parent(b, v))
		d++;
	return d;
}

lh_hop lh_bfs_hop(const lh_bfs *b, uint32_t v)
{
	lh_hop h;

	h.obj = v;
	h.from = lh_bfs_parent(b, v);
	h.edge = h.root = LH_NONE;
	if (h.from == LH_DOM_VROOT)
		h.root = b->via[v];
	else if (h.from != LH_NONE)
		h.edge = b->via[v];
	return h;
}

uint32_t lh_bfs_hops(lh_hop *hops, const lh_bfs *b, uint32_t v, uint32_t max)
{
	uint32_t n = 0, x = v;

	/* newest first from the end of hops[], then moved to the front */
	while (n < max && x != LH_DOM_VROOT) {
		lh_hop h = lh_bfs_hop(b, x);

		if (h.from == LH_NONE)
			break;
		hops[max - 1 - n++] = h;
		x = h.from;
	}
	if (n < max && n > 0)
		memmove(hops, hops + max - n, (size_t)n * sizeof *hops);
	return n;
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

/*
 * A path made of the BFS path of u, then the reference e (root r when u is
 * LH_DOM_VROOT) into base->hops[at].obj, then base's hops after 'at'.
 * With base NULL, the reference leads into v and ends the path.
 */
static int make_path(lh_path *p, const lh_bfs *b, uint32_t u, uint32_t e,
	uint32_t r, const lh_path *base, uint32_t at, uint32_t v)
{
	uint32_t head = u == LH_DOM_VROOT ? 0 : lh_bfs_depth(b, u);
	uint32_t tail = base != NULL ? base->nhops - at - 1 : 0;
	uint32_t len = head + 1 + tail;
	lh_hop *h;

	p->hops = malloc((size_t)len * sizeof *p->hops);
	if (p->hops == NULL)
		return LH_ENOMEM;
	p->nhops = len;
	h = &p->hops[head];
	h->from = u;
	h->edge = u == LH_DOM_VROOT ? LH_NONE : e;
	h->root = u == LH_DOM_VROOT ? r : LH_NONE;
	h->obj = base != NULL ? base->hops[at].obj : v;
	if (tail > 0)
		memcpy(h + 1, base->hops + at + 1, (size_t)tail * sizeof *h);
	if (head > 0)
		lh_bfs_hops(p->hops, b, u, head);
	return LH_OK;
}

/* A detour: the reference (u, e) or root r into hop 'at' of the base
 * path, making a path of 'len' hops. */
typedef struct cand {
	uint32_t len, at, u, e, r;
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->at != y->at)                     /* late detours first */
		return x->at > y->at ? -1 : 1;
	if (x->u != y->u)                       /* roots (VROOT) last */
		return x->u < y->u ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	return x->r < y->r ? -1 : x->r > y->r;
}

/* Whether u's BFS path meets the base path at or after hop 'at' (the
 * detour would then visit an object twice). 'pos' maps objects to their
 * hop on the base path (LH_NONE elsewhere). */
static int meets_suffix(const lh_bfs *b, uint32_t u, uint32_t at,
	const uint32_t *pos)
{
	uint32_t steps = 0;

	/* at most n steps: only a damaged index could give a longer chain */
	for (; u != LH_DOM_VROOT && u < b->n && steps++ <= b->n;
	    u = lh_bfs_parent(b, u))
		if (pos[u] != LH_NONE && pos[u] >= at)
			return 1;
	return 0;
}

/* The detours found so far. */
typedef struct cand_list {
	cand *c;
	size_t n, cap;
} cand_list;

static int push_cand(cand_list *cl, cand x)
{
	void *c = cl->c;

	if (lh_array__reserve(&c, &cl->cap, cl->n, sizeof x, 16) != LH_OK)
		return LH_ENOMEM;
	cl->c = c;
	cl->c[cl->n++] = x;
	return LH_OK;
}

/* Every detour into the base path (pos: its objects' hops): another root
 * entry that is one of its objects, or another retaining reference from
 * a live object into one of them that does not come from at or after
 * it. One pass over the edges. */
static int find_detours(cand_list *cl, const lh_graph *g, const lh_bfs *b,
	const lh_path *base, const uint32_t *pos)
{
	uint32_t n = base->nhops, i, u, e;

	for (i = 0; i < g->nroots; i++) {
		uint32_t at = pos[g->roots[i]];
		if (at == LH_NONE || (at == 0 && base->hops[0].root == i))
			continue;
		if (push_cand(cl, (cand){ n - at, at, LH_DOM_VROOT, 0, i }) != LH_OK)
			return LH_ENOMEM;
	}
	for (u = 0; u < g->n; u++) {
		if (!lh_graph__live(g, u))
			continue;
		for (e = g->off[u]; e < g->off[u + 1]; e++) {
			uint32_t at = pos[g->to[e]];
			if (at == LH_NONE || base->hops[at].edge == e ||
			    (pos[u] != LH_NONE && pos[u] >= at) ||
			    !lh_graph_edge_retains(g, u, e))
				continue;
			if (push_cand(cl, (cand){ lh_bfs_depth(b, u) + n - at,
			    at, u, e, LH_NONE }) != LH_OK)
				return LH_ENOMEM;
		}
	}
	return LH_OK;
}

int lh_paths_find(lh_path **out, uint32_t *count, const lh_graph *g,
	const lh_bfs *b, uint32_t v, uint32_t k, lh_error *err)
{
	lh_path *paths = NULL;
	const lh_path *base;
	cand_list cl = { NULL, 0, 0 };
	cand *c;
	uint32_t *pos = NULL;
	size_t i;
	uint32_t np = 0;
	int rc = LH_OK;

	*out = NULL;
	*count = 0;
	if (v >= g->n || b->via[v] == LH_NONE)
		return lh_error_set(err, LH_ENOTFOUND,
			"object is not reachable from the roots");
	if (k == 0)
		return LH_OK;
	if ((uint64_t)k > (uint64_t)g->nedge + g->nroots + 1)
		k = g->nedge + g->nroots + 1;   /* no more detours exist */
	paths = calloc(k, sizeof *paths);
	if (paths == NULL)
		goto oom;
	if (make_path(&paths[np], b, lh_bfs_parent(b, v), b->via[v], b->via[v],
	    NULL, 0, v) != LH_OK)
		goto oom;
	np++;
	if (k == 1)
		goto done;
	base = &paths[0];
	pos = lh_array__alloc(((size_t)g->n + 1) * sizeof *pos);
	if (pos == NULL)
		goto oom;
	memset(pos, 0xff, (size_t)g->n * sizeof *pos);
	for (i = 0; i < base->nhops; i++)
		pos[base->hops[i].obj] = (uint32_t)i;
	if (find_detours(&cl, g, b, base, pos) != LH_OK)
		goto oom;
	c = cl.c;
	if (cl.n > 1)
		qsort(c, cl.n, sizeof *c, cmp_cand);
	for (i = 0; i < cl.n && np < k; i++) {
		if (c[i].u != LH_DOM_VROOT && meets_suffix(b, c[i].u, c[i].at, pos))
			continue;
		if (make_path(&paths[np], b, c[i].u, c[i].e, c[i].r, base,
		    c[i].at, v) != LH_OK)
			goto oom;
		np++;
	}
	goto done;
oom:
	rc = lh_error_set(err, LH_ENOMEM, "out of memory finding paths");
done:
	free(cl.c);
	free(pos);
	if (rc != LH_OK) {
		lh_paths_free(paths, np);
	} else {
		*out = paths;
		*count = np;
	}
	return rc;
}
