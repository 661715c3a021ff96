/*
 * The retention graph of a snapshot: which references keep their target
 * alive (strong, or ephemeron with a live key) and which objects the roots
 * reach. Works over the snapshot's CSR arrays without copying them.
 */
#include <stdlib.h>
#include <string.h>
#include "graph_int.h"
#include "snapshot_internal.h"
#include "array_int.h"

void lh_graph_free(lh_graph *g)
{
	if (g == NULL)
		return;
	free(g->roots);
	free(g->eph_edge);
	free(g->eph_src);
	free(g->eph_key);
	free(g->eph_by_key);
	free(g->livebits);
	free(g);
}

/* Index into eph_* of edge e, or LH_NONE. */
static uint32_t find_eph(const lh_graph *g, uint32_t e)
{
	return lh_sorted_find(g->eph_edge, g->neph, e);
}

/* First position in eph_by_key whose key is >= k. */
uint32_t lh_graph__key_first(const lh_graph *g, uint32_t k)
{
	uint32_t lo = 0, hi = g->neph;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->eph_key[g->eph_by_key[mid]] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int lh_graph__flagged_class(const lh_graph *g, uint32_t e, uint32_t *key)
{
	uint8_t k = g->kind[e];

	*key = LH_NONE;
	/* Lua never clears a string from a weak table: it is a value there.
	 * (An ephemeron entry goes with its key, whatever its value.) */
	if (k & LH_EDGE_WEAK)
		return g->type != NULL && g->type[g->to[e]] == LH_T_STRING ?
			LH_EC_STRONG : LH_EC_WEAK;
	if (g->neph > 0) {
		uint32_t i = find_eph(g, e);
		if (i != LH_NONE) {
			*key = g->eph_key[i];
			return LH_EC_EPHEMERON;
		}
	}
	return LH_EC_STRONG;
}

uint32_t lh_graph__next(const lh_graph *g, uint32_t u, uint32_t *cur)
{
	uint32_t end = g->off[u + 1], key, j;

	while (*cur < end) {
		uint32_t e = (*cur)++;
		switch (lh_graph__edge_class(g, e, &key)) {
		case LH_EC_STRONG:
			return g->to[e];
		case LH_EC_EPHEMERON:
			if (lh_graph__live(g, key))
				return g->to[e];
			break;
		}
	}
	if (g->neph == 0)
		return LH_NONE;
	if (*cur == end)                /* past the edges: find u's entries */
		*cur = end + 1 + lh_graph__key_first(g, u);
	for (j = *cur - end - 1; j < g->neph; ) {
		uint32_t x = g->eph_by_key[j];
		if (g->eph_key[x] != u)
			break;
		j++;
		*cur = end + 1 + j;
		if (lh_graph__live(g, g->eph_src[x]))
			return g->to[g->eph_edge[x]];
	}
	return LH_NONE;
}

int lh_graph_live(const lh_graph *g, uint32_t v)
{
	return lh_graph__live(g, v);
}

uint32_t lh_graph_live_count(const lh_graph *g)
{
	return g->nlive;
}

int lh_graph_edge_retains(const lh_graph *g, uint32_t src, uint32_t e)
{
	uint32_t key;

	(void)src;
	switch (lh_graph__edge_class(g, e, &key)) {
	case LH_EC_STRONG:
		return 1;
	case LH_EC_EPHEMERON:
		return g->livebits != NULL && lh_graph__live(g, key);
	default:
		return 0;
	}
}

/* Sorts eph indices by edge, then fills eph_by_key (counting passes would
 * need n-sized arrays; ephemerons are few, so qsort it is). The sort key
 * travels with each index, not in a global: analyses of several
 * snapshots run in parallel threads (diff). */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Orders idx[0..count) by base[idx[i]], then by idx[i]. */
static int sort_by_base(uint32_t *idx, uint32_t count, const uint32_t *base)
{
	uint64_t *k = malloc(((size_t)count + 1) * sizeof *k);
	uint32_t i;

	if (k == NULL)
		return LH_ENOMEM;
	for (i = 0; i < count; i++)
		k[i] = (uint64_t)base[idx[i]] << 32 | idx[i];
	qsort(k, count, sizeof *k, cmp_u64);
	for (i = 0; i < count; i++)
		idx[i] = (uint32_t)k[i];
	free(k);
	return LH_OK;
}

/*
 * Marks everything the roots reach. Depth-first with an explicit stack of
 * objects still to scan. An ephemeron entry fires when the second of its
 * table and key becomes live: scanning the table checks the key, marking
 * a key looks up the entries it is the key of (eph_by_key).
 */
static int reach(lh_graph *g, lh_error *err)
{
	uint32_t *stack = NULL, sp = 0, i;
	uint8_t *iskey = NULL;
	int rc = LH_OK;

	stack = lh_array__alloc(((size_t)g->n + 1) * sizeof *stack);
	if (g->neph > 0)
		iskey = lh_array__zalloc((size_t)g->n / 8 + 1, 1);
	if (stack == NULL || (g->neph > 0 && iskey == NULL)) {
		rc = lh_error_set(err, LH_ENOMEM, "out of memory marking %u objects",
			g->n);
		goto done;
	}
	for (i = 0; i < g->neph; i++)
		iskey[g->eph_key[i] >> 3] |= (uint8_t)(1u << (g->eph_key[i] & 7));

#define MARK(v) do { uint32_t v_ = (v), *w_ = &g->livebits[v_ >> 5]; \
	uint32_t b_ = 1u << (v_ & 31); \
	if (!(*w_ & b_)) { *w_ |= b_; g->nlive++; stack[sp++] = v_; } \
	} while (0)

	for (i = 0; i < g->nroots; i++)
		MARK(g->roots[i]);
	while (sp > 0) {
		uint32_t u = stack[--sp], e, key;

		for (e = g->off[u]; e < g->off[u + 1]; e++) {
			switch (lh_graph__edge_class(g, e, &key)) {
			case LH_EC_STRONG:
				MARK(g->to[e]);
				break;
			case LH_EC_EPHEMERON:
				if (lh_graph__live(g, key))
					MARK(g->to[e]);
				break;
			}
		}
		if (iskey != NULL && (iskey[u >> 3] >> (u & 7) & 1)) {
			uint32_t j = lh_graph__key_first(g, u);
			for (; j < g->neph && g->eph_key[g->eph_by_key[j]] == u; j++) {
				uint32_t x = g->eph_by_key[j];
				if (lh_graph__live(g, g->eph_src[x]))
					MARK(g->to[g->eph_edge[x]]);
			}
		}
	}
#undef MARK
done:
	free(stack);
	free(iskey);
	return rc;
}

/* Keeps the listed keys of g's ephemeron edges (the first key of an
 * edge, and only of edges flagged ephemeron and not weak) sorted by edge,
 * with their sources, and eph_by_key. */
static int set_ephemerons(lh_graph *g, const uint32_t *eph_edge,
	const uint32_t *eph_key, uint32_t neph, lh_error *err)
{
	uint32_t *perm, i, m = 0, v = 0;
	int rc = LH_OK;

	perm = malloc((size_t)neph * sizeof *perm);
	g->eph_edge = malloc((size_t)neph * sizeof *g->eph_edge);
	g->eph_src = malloc((size_t)neph * sizeof *g->eph_src);
	g->eph_key = malloc((size_t)neph * sizeof *g->eph_key);
	g->eph_by_key = malloc((size_t)neph * sizeof *g->eph_by_key);
	if (!perm || !g->eph_edge || !g->eph_src || !g->eph_key ||
	    !g->eph_by_key)
		goto oom;
	for (i = 0; i < neph; i++) {
		if (eph_edge[i] >= g->nedge || eph_key[i] >= g->n) {
			rc = lh_error_set(err, LH_EUSAGE,
				"ephemeron %u out of range", i);
			goto done;
		}
		perm[i] = i;
	}
	if (sort_by_base(perm, neph, eph_edge) != LH_OK)
		goto oom;
	for (i = 0; i < neph; i++) {
		uint32_t e = eph_edge[perm[i]];
		if (m > 0 && g->eph_edge[m - 1] == e)
			continue;               /* one key per edge */
		if (g->kind == NULL || (g->kind[e] & LH_EDGE_WEAK) ||
		    !(g->kind[e] & LH_EDGE_EPHEMERON))
			continue;               /* not an ephemeron */
		g->eph_edge[m] = e;
		g->eph_key[m] = eph_key[perm[i]];
		g->eph_src[m] = 0;
		m++;
	}
	g->neph = m;
	/* Sources: walk edges and ephemerons together, both sorted. */
	for (i = 0; i < m; i++) {
		while (g->off[v + 1] <= g->eph_edge[i])
			v++;
		g->eph_src[i] = v;
		g->eph_by_key[i] = i;
	}
	if (sort_by_base(g->eph_by_key, m, g->eph_key) != LH_OK)
		goto oom;
	goto done;
oom:
	rc = lh_error_set(err, LH_ENOMEM, "out of memory building the graph");
done:
	free(perm);
	return rc;
}

int lh_graph_new(lh_graph **out, uint32_t n, const uint32_t *off,
	const uint32_t *to, const uint8_t *kind, const uint8_t *type,
	const uint32_t *roots, uint32_t nroots,
	const uint32_t *eph_edge, const uint32_t *eph_key, uint32_t neph,
	lh_error *err)
{
	lh_graph *g;
	uint32_t i;
	int rc = LH_OK;

	*out = NULL;
	if (n >= LH_DOM_VROOT)
		return lh_error_set(err, LH_EUSAGE, "too many objects (%u)", n);
	if ((uint64_t)off[n] + neph + 2 >= UINT32_MAX)
		return lh_error_set(err, LH_EUSAGE, "too many edges (%u)", off[n]);
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	g->n = n;
	g->nedge = off[n];
	g->off = off;
	g->to = to;
	g->kind = kind;
	g->type = type;
	g->pref_edge[0] = g->pref_edge[1] = LH_NONE;
	g->nroots = nroots;
	g->roots = malloc(((size_t)nroots + 1) * sizeof *g->roots);
	g->livebits = lh_array__zalloc((size_t)n / 32 + 1, sizeof *g->livebits);
	if (g->roots == NULL || g->livebits == NULL) {
		rc = lh_error_set(err, LH_ENOMEM,
			"out of memory building the graph");
		goto done;
	}
	for (i = 0; i < nroots; i++) {
		if (roots[i] >= n) {
			rc = lh_error_set(err, LH_EUSAGE, "root %u out of range", i);
			goto done;
		}
		g->roots[i] = roots[i];
	}
	if (neph > 0 && (rc = set_ephemerons(g, eph_edge, eph_key, neph,
	    err)) != LH_OK)
		goto done;
	rc = reach(g, err);
done:
	if (rc != LH_OK)
		lh_graph_free(g);
	else
		*out = g;
	return rc;
}

/* The registry's references to _G (registry[2]) and package.loaded
 * (registry._LOADED), which the root path search prefers. */
static void find_named_edges(lh_graph *g, const lh_snapshot *snap)
{
	uint32_t r = snap->registry, e;

	if (r == LH_NONE || r >= snap->nobj)
		return;
	for (e = snap->edge_off[r]; e < snap->edge_off[r + 1]; e++) {
		lh_label l;
		const char *t;
		size_t len = 0;

		lh_snapshot_label(snap, e, &l);
		if ((l.kind == LH_E_ARRAY || l.kind == LH_E_FIELD_INT) && l.i == 2)
			g->pref_edge[0] = e;
		else if (l.kind == LH_E_FIELD_STR && l.obj != LH_NONE &&
		    (t = lh_snapshot_string(snap, l.obj, &len)) != NULL &&
		    len == 7 && memcmp(t, "_LOADED", 7) == 0)
			g->pref_edge[1] = e;
	}
}

int lh_graph_from_snapshot(lh_graph **out, const lh_snapshot *snap,
	lh_error *err)
{
	uint32_t *roots = NULL, *eedge = NULL, *ekey = NULL, neph = 0, cap = 0;
	uint32_t i, e, nr = 0, nfixed = 0;
	int rc;

	*out = NULL;
	for (i = 0; i < snap->nobj; i++)
		nfixed += snap->list[i] == LH_LIST_FIXED;
	roots = malloc(((size_t)snap->nroots + nfixed + 1) * sizeof *roots);
	if (roots == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	for (i = 0; i < snap->nroots; i++) {
		if (snap->roots[i].target >= snap->nobj) {
			free(roots);
			return lh_error_set(err, LH_EFORMAT,
				"root %u has no object", i);
		}
		roots[nr++] = snap->roots[i].target;
	}
	/* The collector never frees what is on 'fixedgc' (reserved words,
	 * metamethod names): roots too, after the snapshot's own. */
	for (i = 0; i < snap->nobj; i++)
		if (snap->list[i] == LH_LIST_FIXED)
			roots[nr++] = i;
	for (e = 0; e < snap->nedge; e++) {
		lh_label l;

		if (!(snap->edge_kind[e] & LH_EDGE_EPHEMERON) ||
		    (snap->edge_kind[e] & LH_EDGE_WEAK))
			continue;
		lh_snapshot_label(snap, e, &l);
		if (l.obj == LH_NONE || l.obj >= snap->nobj)
			continue;
		if (neph == cap) {
			uint32_t ncap = cap ? cap * 2 : 64;
			uint32_t *a = realloc(eedge, (size_t)ncap * sizeof *a);
			uint32_t *b;
			if (a == NULL)
				goto oom;
			eedge = a;
			b = realloc(ekey, (size_t)ncap * sizeof *b);
			if (b == NULL)
				goto oom;
			ekey = b;
			cap = ncap;
		}
		eedge[neph] = e;
		ekey[neph] = l.obj;
		neph++;
	}
	rc = lh_graph_new(out, snap->nobj, snap->edge_off, snap->edge_to,
		snap->edge_kind, snap->type, roots, nr, eedge, ekey, neph, err);
	if (rc == LH_OK)
		find_named_edges(*out, snap);
	goto done;
oom:
	rc = lh_error_set(err, LH_ENOMEM, "out of memory");
done:
	free(roots);
	free(eedge);
	free(ekey);
	return rc;
}
