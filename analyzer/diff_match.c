/*
 * Identity of objects across two snapshots of one process, for the diff:
 * objects paired by address (mostly in dump order, the rest by a merge in
 * address order), then checked by type, fingerprint and place on the
 * shortest root path. Each snapshot's parents are found on its own thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "diff_int.h"
#include "array_int.h"
#include "snapshot_internal.h"

#define NOT_SEEN LH_DIFF_NOT_SEEN

/* ---- identity ---- */

static const char *class_of(const lh_analysis *a, uint32_t v)
{
	return a->classes->name[lh_class_of(a->classes, v)];
}

static int same_string(const lh_snapshot *sa, uint32_t ia,
	const lh_snapshot *sb, uint32_t ib)
{
	const lh_string_info *x = lh_snapshot_string_info(sa, ia);
	const lh_string_info *y = lh_snapshot_string_info(sb, ib);

	if (x == NULL || y == NULL || x->stored != y->stored ||
	    lh_string_length(sa, x) != lh_string_length(sb, y))
		return 0;
	return x->stored == 0 || memcmp(lh_string_bytes(sa, x),
		lh_string_bytes(sb, y), x->stored) == 0;
}

static int same_proto(const lh_snapshot *sa, uint32_t pa,
	const lh_snapshot *sb, uint32_t pb)
{
	const lh_proto_info *x, *y;

	if (pa == LH_NONE || pb == LH_NONE)
		return pa == pb;
	x = lh_snapshot_proto_info(sa, pa);
	y = lh_snapshot_proto_info(sb, pb);
	if (x == NULL || y == NULL)
		return x == y;
	if (x->linedefined != y->linedefined ||
	    x->lastlinedefined != y->lastlinedefined ||
	    x->numparams != y->numparams || x->sizecode != y->sizecode)
		return 0;
	if (x->source == LH_NONE || y->source == LH_NONE)
		return x->source == y->source;
	return same_string(sa, x->source, sb, y->source);
}

/* Whether object ib of b is object ia of a (same address assumed). */
static int same_object(const lh_analysis *a, uint32_t ia,
	const lh_analysis *b, uint32_t ib)
{
	const lh_snapshot *sa = a->snap, *sb = b->snap;
	const lh_func_info *fa = NULL, *fb = NULL;

	if (sa->type[ia] != sb->type[ib])
		return 0;
	if (sb->type[ib] == LH_T_LFUNC || sb->type[ib] == LH_T_CFUNC) {
		fa = lh_snapshot_func_info(sa, ia);
		fb = lh_snapshot_func_info(sb, ib);
	}
	switch (sb->type[ib]) {
	case LH_T_STRING:
		return same_string(sa, ia, sb, ib);
	case LH_T_TABLE:
	case LH_T_USERDATA:
		return strcmp(class_of(a, ia), class_of(b, ib)) == 0;
	case LH_T_LFUNC:
		return fa != NULL && fb != NULL &&
			same_proto(sa, fa->proto, sb, fb->proto);
	case LH_T_PROTO:
		return same_proto(sa, ia, sb, ib);
	case LH_T_CFUNC:
		return fa != NULL && fb != NULL && fa->cfunc == fb->cfunc;
	default:
		return 1;
	}
}

/* Whether the reference e of snapshot sb plays the same part as the
 * reference f of sa: the same kind and the same key for table fields,
 * the same name for upvalues; stack slots and the rest by kind alone. */
static int same_reference(const lh_snapshot *sa, uint32_t f,
	const lh_snapshot *sb, uint32_t e)
{
	lh_label x, y;

	lh_snapshot_label(sa, f, &x);
	lh_snapshot_label(sb, e, &y);
	if (x.kind != y.kind)
		return 0;
	switch (y.kind) {
	case LH_E_ARRAY: case LH_E_FIELD_INT: case LH_E_FIELD_BOOL:
		return x.i == y.i;
	case LH_E_FIELD_NUM:
		return x.d == y.d;
	case LH_E_FIELD_STR:
		return x.obj != LH_NONE && y.obj != LH_NONE &&
			same_string(sa, x.obj, sb, y.obj);
	case LH_E_UPVALUE:
		if (x.obj != LH_NONE && y.obj != LH_NONE)
			return same_string(sa, x.obj, sb, y.obj);
		return x.i == y.i;
	default:
		return 1;
	}
}

/* The kind of root number r of the BFS; the analysis adds roots of its own
 * (the objects the collector never frees) after the snapshot's. */
static int root_kind(const lh_snapshot *s, uint32_t r)
{
	return r < s->nroots ? s->roots[r].kind : LH_ROOT_COUNT;
}

/* Whether object v of b references exactly what object j of a did: the
 * same edges in the same order, by the same references, to the same
 * addresses (strings with the same contents). */
static int same_content(const lh_snapshot *sa, uint32_t j,
	const lh_snapshot *sb, uint32_t v)
{
	uint32_t e = sb->edge_off[v], f = sa->edge_off[j];
	uint32_t n = sb->edge_off[v + 1] - e;

	if (n != sa->edge_off[j + 1] - f)
		return 0;
	for (; n > 0; n--, e++, f++) {
		uint32_t tb = sb->edge_to[e], ta = sa->edge_to[f];

		if (sb->edge_kind[e] != sa->edge_kind[f] ||
		    lh_snapshot_addr(sb, tb) != lh_snapshot_addr(sa, ta) ||
		    !same_reference(sa, f, sb, e) ||
		    (sb->type[tb] == LH_T_STRING && (sa->type[ta] != LH_T_STRING ||
		     !same_string(sa, ta, sb, tb))))
			return 0;
	}
	return 1;
}

/* ---- what each snapshot needs alone ---- */

void *lh_diff__big(size_t n, size_t size, int zero)
{
	size_t bytes = (n + 1) * size;
	void *p = zero ? calloc(n + 1, size) : malloc(bytes);

	lh_array__huge(p, bytes);
	return p;
}

/* Every object's parent on its shortest path (lh_bfs_parent), once: the
 * diff asks for most objects' parents, some several times. The caller
 * frees the array. */
static uint32_t *bfs_parents(const lh_analysis *an)
{
	const lh_bfs *b = an->bfs;
	uint32_t n = an->snap->nobj, v;
	uint32_t *par = lh_diff__big(n, sizeof *par, 0);

	if (par == NULL)
		return NULL;
	for (v = 0; v < n; v++)
		par[v] = lh_bfs_parent(b, v);
	return par;
}

void lh_diff__side_release(lh_diff_side *s)
{
	free(s->par);
	s->par = NULL;
}

static void *side_run(void *arg)
{
	lh_diff_side *s = arg;

	s->rc = LH_ENOMEM;
	if ((s->par = bfs_parents(s->a)) != NULL)
		s->rc = LH_OK;
	return NULL;
}

int lh_diff__sides_prepare(lh_diff_side *sides, int n)
{
	pthread_t tid[3];
	int started[3] = { 0, 0, 0 }, k, rc = LH_OK;

	for (k = 0; k < n - 1 && k < 3 && lh_snap__threads() > 1; k++)
		started[k] = pthread_create(&tid[k], NULL, side_run, &sides[k]) == 0;
	for (k = 0; k < n; k++)
		if (k >= 3 || !started[k])
			side_run(&sides[k]);
	for (k = 0; k < n && k < 3; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		if (sides[k].rc != LH_OK)
			rc = sides[k].rc;
	}
	return rc;
}

/* ---- matching ---- */

static int cmp_u64pair(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] < b[1] ? -1 : a[1] > b[1]);
}

/* The objects of s that 'skip' leaves out, as (address, object) pairs
 * sorted by address, in *out (*n pairs); LH_OK or LH_ENOMEM. */
static int leftovers(uint64_t **out, uint32_t *n, const lh_snapshot *s,
	const uint32_t *skip, uint32_t none)
{
	uint64_t *pair;
	uint32_t v, k = 0;

	for (v = 0; v < s->nobj; v++)
		k += skip[v] == none;
	if ((pair = malloc(((size_t)k + 1) * 2 * sizeof *pair)) == NULL)
		return LH_ENOMEM;
	for (v = k = 0; v < s->nobj; v++)
		if (skip[v] == none) {
			pair[2 * k] = lh_snapshot_addr(s, v);
			pair[2 * k++ + 1] = v;
		}
	if (k > 1)
		qsort(pair, k, 2 * sizeof *pair, cmp_u64pair);
	*out = pair;
	*n = k;
	return LH_OK;
}

#define PAIR_WINDOW 8               /* a's objects tried after the last match */
#define PAIR_RESYNC 32              /* misses in a row before a long look */
#define PAIR_LOOK 4096              /* how far the long look goes */

/* The object of sa at address x, looked for among the next 'len' objects
 * from *g; moves *g past it. LH_NONE when not there. */
static uint32_t look_ahead(const lh_snapshot *sa, uint32_t *g, uint64_t x,
	uint32_t len)
{
	uint32_t j, end = sa->nobj - *g < len ? sa->nobj : *g + len;

	for (j = *g; j < end; j++)
		if (lh_snapshot_addr(sa, j) == x) {
			*g = j + 1;
			return j;
		}
	return LH_NONE;
}

/*
 * found[v] for every object v of sb: the object of sa at the same address,
 * or LH_NONE. Two dumps of one process list most objects in the same
 * order (the walk follows much the same graph), so each object is looked
 * for just after the last one found; claim[j] records which object of sb
 * took object j of sa. What this leaves (new objects, freed ones, moved
 * ones) is paired by a merge of the two leftovers sorted by address: the
 * result is the same as a lookup of every address.
 */
static int pair_addresses(const lh_snapshot *sa, const lh_snapshot *sb,
	uint32_t *found)
{
	uint64_t *la = NULL, *lb = NULL;
	uint32_t *claim = lh_diff__big(sa->nobj, sizeof *claim, 0);
	uint32_t v, g = 0, miss = 0, na, nb, i, j;
	int rc = LH_ENOMEM;

	if (claim == NULL)
		return LH_ENOMEM;
	for (j = 0; j < sa->nobj; j++)
		claim[j] = LH_NONE;
	for (v = 0; v < sb->nobj; v++) {
		uint64_t x = lh_snapshot_addr(sb, v);

		found[v] = look_ahead(sa, &g, x, PAIR_WINDOW);
		if (found[v] == LH_NONE && ++miss % PAIR_RESYNC == 0)
			found[v] = look_ahead(sa, &g, x, PAIR_LOOK);
		if (found[v] != LH_NONE) {
			miss = 0;
			claim[found[v]] = v;
		}
	}
	if (leftovers(&la, &na, sa, claim, LH_NONE) != LH_OK ||
	    leftovers(&lb, &nb, sb, found, LH_NONE) != LH_OK)
		goto done;
	for (i = j = 0; i < nb; i++) {
		while (j < na && la[2 * j] < lb[2 * i])
			j++;
		if (j < na && la[2 * j] == lb[2 * i])
			found[lb[2 * i + 1]] = (uint32_t)la[2 * j + 1];
	}
	rc = LH_OK;
done:
	free(claim);
	free(la);
	free(lb);
	return rc;
}

/* What of v's place can be checked before its parent is settled: 1 when
 * v of b is unreachable, or a root of the same kind as its match j in a,
 * or hangs from a parent by the same reference as j (whether the parents
 * match is for same_place to say). */
static int same_link(const lh_diff_side *a, uint32_t j,
	const lh_diff_side *b, uint32_t v)
{
	const lh_snapshot *sa = a->a->snap, *sb = b->a->snap;
	uint32_t pb = b->par[v], pa = a->par[j];

	if (pb == LH_NONE)
		return 1;                       /* unreachable: address only */
	if (pb == LH_DOM_VROOT)
		return pa == LH_DOM_VROOT && root_kind(sa, a->a->bfs->via[j]) ==
			root_kind(sb, b->a->bfs->via[v]);
	return pa < sa->nobj && same_reference(sa, a->a->bfs->via[j], sb,
		b->a->bfs->via[v]);
}

/* Whether v of b keeps its match j in a (link: same_link): a reachable
 * object must hang from the same parent (matched first) by the same
 * reference, or, when its path changed, still reference exactly what it
 * did. */
static int same_place(const lh_diff_side *a, uint32_t j,
	const lh_diff_side *b, uint32_t v, const uint32_t *m, int link)
{
	uint32_t pb = b->par[v];

	if (pb == LH_NONE || pb == LH_DOM_VROOT)
		return link;
	return (link && m[pb] == a->par[j]) ||
		same_content(a->a->snap, j, b->a->snap, v);
}

/* One share of the checks that need no other object settled: pairs
 * [lo, hi) of b whose type or fingerprint differ lose their match, the
 * others get same_link in link[]. */
typedef struct check_job {
	const lh_diff_side *a, *b;
	uint32_t *m;
	uint8_t *link;
	uint32_t lo, hi;
} check_job;

static void *check_run(void *arg)
{
	check_job *c = arg;
	uint32_t i, j;

	for (i = c->lo; i < c->hi; i++) {
		if ((j = c->m[i]) == LH_NONE)
			continue;
		if (!same_object(c->a->a, j, c->b->a, i))
			c->m[i] = LH_NONE;
		else
			c->link[i] = (uint8_t)same_link(c->a, j, c->b, i);
	}
	return NULL;
}

/* check_run over all of b, the second half on a thread of its own. */
static void check_pairs(const lh_diff_side *a, const lh_diff_side *b,
	uint32_t *m, uint8_t *link)
{
	uint32_t n = b->a->snap->nobj;
	check_job c[2] = { { a, b, m, link, 0, n / 2 }, { a, b, m, link, n / 2, n } };
	pthread_t tid;
	int started = n >= (1u << 16) && lh_snap__threads() > 1 &&
		pthread_create(&tid, NULL, check_run, &c[1]) == 0;

	check_run(&c[0]);
	if (started)
		pthread_join(tid, NULL);
	else
		check_run(&c[1]);
}

/*
 * Same address, type and fingerprint are not enough when the allocator
 * hands a freed block to a new object of the same shape, which churn does
 * all the time; so the place is checked too (same_place), parents before
 * children: climb to a settled ancestor, then decide on the way down.
 * What needs no parent settled is checked first, on two threads.
 */
uint32_t *lh_diff__match(const lh_diff_side *a, const lh_diff_side *b)
{
	const lh_snapshot *sb = b->a->snap;
	uint32_t *m = lh_diff__big(sb->nobj, sizeof *m, 0);
	uint32_t *stack = lh_diff__big(sb->nobj, sizeof *stack, 0);
	uint8_t *done = lh_diff__big(sb->nobj, 1, 1);
	uint8_t *link = lh_diff__big(sb->nobj, 1, 0);
	uint32_t i, j, v, sp;

	if (m == NULL || stack == NULL || done == NULL || link == NULL) {
		free(m);
		m = NULL;
		goto out;
	}
	if (pair_addresses(a->a->snap, sb, m) != LH_OK) {
		free(m);
		m = NULL;
		goto out;
	}
	check_pairs(a, b, m, link);
	for (i = 0; i < sb->nobj; i++) {
		sp = 0;
		for (v = i; !done[v]; v = b->par[v]) {
			stack[sp++] = v;
			done[v] = 1;
			if (b->par[v] >= sb->nobj)
				break;
		}
		while (sp > 0) {
			v = stack[--sp];
			j = m[v];
			if (j != LH_NONE && !same_place(a, j, b, v, m, link[v]))
				m[v] = LH_NONE;
		}
	}
out:
	free(stack);
	free(done);
	free(link);
	return m;
}
