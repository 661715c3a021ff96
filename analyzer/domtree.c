/*
 * Children lists of the dominator tree, gathered lazily: one pass over the
 * dominator preorder finds where each subtree ends, so a family is a few
 * jumps away; only the families asked for are gathered, and of each only
 * the children asked for (those retaining at least some size) sorted.
 */
#include <stdlib.h>
#include <string.h>
#include "dom_int.h"
#include "array_int.h"

/* A child with its retained size, sorted largest first, then by index:
 * the key travels with the index, so the sort needs no global state;
 * 'at' is the child's position in d->order. */
typedef struct keyed {
	uint64_t key;
	uint32_t v, at;
} keyed;

/* A family gathered: the object, and its children, the first 'nsorted'
 * in their final order (each retaining more than any later one), the
 * rest in the order of the preorder or of a partition. kids mirrors
 * kb[].v: the list handed out. */
typedef struct family {
	uint32_t v;              /* LH_NONE: empty slot */
	uint32_t cnt, nsorted;
	int cut;                 /* the rest all retain less than 'floor' */
	uint64_t floor;
	keyed *kb;               /* [cnt] */
	uint32_t *kids;          /* [cnt] */
} family;

struct lh_domtree {
	const lh_dom *d;
	uint32_t *end;           /* [nlive] position after the subtree at i */
	uint32_t *pos;           /* [n] or NULL: position of every object */
	uint32_t misses;         /* objects whose position had to be found */
	family *fam;             /* open addressing, keyed by object */
	uint32_t fam_cap, nfam;
};

static const uint32_t no_kids[1];

/* Where each subtree of the preorder ends: a stack of the objects on the
 * path from the root; an object's arrival pops every one that is not its
 * dominator. end[i] > i whatever the arrays hold, so jumps always move on. */
static int find_ends(lh_domtree *t)
{
	const lh_dom *d = t->d;
	uint32_t j, sp = 0, cap = 1024, *sat, *sv;

	sat = malloc(cap * sizeof *sat);
	sv = malloc(cap * sizeof *sv);
	for (j = 0; j < d->nlive && sat != NULL && sv != NULL; j++) {
		uint32_t v = d->order[j], p = d->idom[v];

		while (sp > 0 && sv[sp - 1] != p)
			t->end[sat[--sp]] = j;
		if (sp == cap) {
			uint32_t *a = realloc(sat, 2 * (size_t)cap * sizeof *a);
			if (a != NULL)
				sat = a;
			if (a == NULL || (a = realloc(sv, 2 * (size_t)cap * sizeof *a)) == NULL)
				break;
			sv = a;
			cap *= 2;
		}
		sat[sp] = j;
		sv[sp++] = v;
	}
	while (sp > 0)
		t->end[sat[--sp]] = d->nlive;
	free(sat);
	free(sv);
	return j == d->nlive ? LH_OK : LH_ENOMEM;
}

int lh_domtree_new(lh_domtree **out, const lh_dom *d, lh_error *err)
{
	lh_domtree *t;

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	t->d = d;
	t->fam_cap = 64;
	t->fam = malloc(t->fam_cap * sizeof *t->fam);
	t->end = lh_array__alloc(((size_t)d->nlive + 1) * sizeof *t->end);
	if (t->fam == NULL || t->end == NULL || find_ends(t) != LH_OK) {
		lh_domtree_free(t);
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	}
	memset(t->fam, 0xff, t->fam_cap * sizeof *t->fam);
	*out = t;
	return LH_OK;
}

void lh_domtree_free(lh_domtree *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; t->fam != NULL && i < t->fam_cap; i++)
		if (t->fam[i].v != LH_NONE) {
			free(t->fam[i].kids);
			free(t->fam[i].kb);
		}
	free(t->fam);
	free(t->end);
	free(t->pos);
	free(t);
}

static uint32_t fam_slot(const lh_domtree *t, uint32_t v)
{
	uint32_t i = (uint32_t)(((uint64_t)v * 0x9e3779b1u) & (t->fam_cap - 1));

	while (t->fam[i].v != LH_NONE && t->fam[i].v != v)
		i = (i + 1) & (t->fam_cap - 1);
	return i;
}

static family *fam_find(const lh_domtree *t, uint32_t v)
{
	uint32_t i = fam_slot(t, v);

	return t->fam[i].v == v ? &t->fam[i] : NULL;
}

/* A new entry for v (not in the table); NULL when out of memory. */
static family *fam_add(lh_domtree *t, uint32_t v)
{
	uint32_t i = fam_slot(t, v), k;

	if (2 * (t->nfam + 1) > t->fam_cap) {
		family *old = t->fam;
		uint32_t ocap = t->fam_cap;

		if ((t->fam = malloc(2 * (size_t)ocap * sizeof *t->fam)) == NULL) {
			t->fam = old;
			return NULL;
		}
		t->fam_cap = 2 * ocap;
		memset(t->fam, 0xff, t->fam_cap * sizeof *t->fam);
		for (k = 0; k < ocap; k++)
			if (old[k].v != LH_NONE)
				t->fam[fam_slot(t, old[k].v)] = old[k];
		free(old);
		i = fam_slot(t, v);
	}
	t->nfam++;
	t->fam[i].v = v;
	return &t->fam[i];
}

/* The position of live object v in the order, LH_NONE if it is not there:
 * the first time a scan, later a table of every position. */
static uint32_t position(lh_domtree *t, uint32_t v)
{
	const lh_dom *d = t->d;
	uint32_t j;

	if (v >= d->n || d->idom[v] == LH_NONE)
		return LH_NONE;
	if (t->pos == NULL && t->misses++ == 0) {
		for (j = 0; j < d->nlive && d->order[j] != v; j++)
			;
		return j < d->nlive ? j : LH_NONE;
	}
	if (t->pos == NULL) {
		if ((t->pos = lh_array__alloc((size_t)d->n * sizeof *t->pos)) == NULL)
			return LH_NONE;
		memset(t->pos, 0xff, (size_t)d->n * sizeof *t->pos);
		for (j = 0; j < d->nlive; j++)
			if (d->order[j] < d->n)
				t->pos[d->order[j]] = j;
	}
	return t->pos[v];
}

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->v < y->v ? -1 : x->v > y->v;
}

/* The position of v from its dominator's family when that one is
 * gathered: a binary search in its sorted part, else a look through the
 * rest. */
static uint32_t position_in_parent(const lh_domtree *t, uint32_t v)
{
	const lh_dom *d = t->d;
	const family *f;
	keyed key;
	uint32_t lo = 0, hi;

	if (v >= d->n || d->idom[v] == LH_NONE ||
	    (f = fam_find(t, d->idom[v])) == NULL)
		return LH_NONE;
	key.key = lh_dom__retained(d, v);
	key.v = v;
	for (hi = f->nsorted; lo < hi; ) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cmp_keyed(&f->kb[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->nsorted && f->kb[lo].v == v)
		return f->kb[lo].at;
	for (lo = f->nsorted; lo < f->cnt && f->kb[lo].v != v; lo++)
		;
	return lo < f->cnt ? f->kb[lo].at : LH_NONE;
}

/* Gathers the children of the subtree run [first, stop) into v's family:
 * every subtree right below it, none sorted yet. NULL when out of
 * memory. */
static family *gather(lh_domtree *t, uint32_t v, uint32_t first,
	uint32_t stop)
{
	const lh_dom *d = t->d;
	uint32_t q, n = 0;
	keyed *kb;
	uint32_t *kids;
	family *f = NULL;

	for (q = first; q < stop; q = t->end[q])
		n++;
	kb = lh_array__alloc(((size_t)n + 1) * sizeof *kb);
	kids = lh_array__alloc(((size_t)n + 1) * sizeof *kids);
	if (kb == NULL || kids == NULL || (f = fam_add(t, v)) == NULL) {
		free(kb);
		free(kids);
		return NULL;
	}
	for (n = 0, q = first; q < stop; q = t->end[q], n++) {
		kb[n].v = d->order[q];
		kb[n].at = q;
		kb[n].key = kb[n].v < d->n ? lh_dom__retained(d, kb[n].v) : 0;
		kids[n] = kb[n].v;
	}
	f->cnt = n;
	f->nsorted = 0;
	f->cut = 0;
	f->kb = kb;
	f->kids = kids;
	return f;
}

/* Sorts the children retaining at least min into place after the sorted
 * part (they all retain less than it): a partition of the rest, then a
 * sort of only what the partition kept. */
static void sort_from(family *f, uint64_t min)
{
	keyed *kb = f->kb;
	uint32_t i = f->nsorted, j = f->cnt, k;

	while (i < j) {
		if (kb[i].key >= min) {
			i++;
		} else {
			keyed x = kb[i];
			kb[i] = kb[--j];
			kb[j] = x;
		}
	}
	qsort(kb + f->nsorted, i - f->nsorted, sizeof *kb, cmp_keyed);
	for (k = f->nsorted; k < f->cnt; k++)
		f->kids[k] = kb[k].v;
	f->nsorted = i;
	f->cut = 1;
	f->floor = min;
}

const uint32_t *lh_domtree_children_min(lh_domtree *t, uint32_t v,
	uint64_t min, uint32_t *count, uint32_t *nbig)
{
	family *f = fam_find(t, v);
	uint32_t at, lo = 0, hi;

	*count = *nbig = 0;
	if (f == NULL && v == LH_DOM_VROOT) {
		f = gather(t, v, 0, t->d->nlive);
	} else if (f == NULL) {
		if ((at = position_in_parent(t, v)) == LH_NONE &&
		    (at = position(t, v)) == LH_NONE)
			return no_kids;
		f = gather(t, v, at + 1, t->end[at]);
	}
	if (f == NULL)
		return NULL;
	if (f->nsorted < f->cnt && (!f->cut || min < f->floor))
		sort_from(f, min);
	for (hi = f->nsorted; lo < hi; ) {      /* the first below min */
		uint32_t mid = lo + (hi - lo) / 2;
		if (f->kb[mid].key >= min)
			lo = mid + 1;
		else
			hi = mid;
	}
	*count = f->cnt;
	*nbig = lo;
	return f->kids;
}

const uint32_t *lh_domtree_children(lh_domtree *t, uint32_t v,
	uint32_t *count)
{
	uint32_t nbig;

	return lh_domtree_children_min(t, v, 0, count, &nbig);
}
