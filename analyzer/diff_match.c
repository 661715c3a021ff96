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
#include "hash.h"
#include "map_int.h"

#define NOT_SEEN LH_DIFF_NOT_SEEN

/* ---- identity ---- */

void lh_diff__cursor_init(lh_diff_cursor *c, const lh_snapshot *s, int type)
{
	c->s = s;
	c->type = (uint8_t)type;
	c->type2 = (uint8_t)(type == LH_T_LFUNC ? LH_T_CFUNC : type);
	c->v = UINT32_MAX;              /* nothing counted yet */
}

uint32_t lh_diff__cursor_jump(lh_diff_cursor *c, uint32_t v)
{
	const lh_snapshot *s = c->s;
	const lh_string_info *si;

	if (c->type != LH_T_STRING) {
		c->v = v;
		c->k = lh_snapshot_aux(s, v);
		return c->k;
	}
	if ((si = lh_snapshot_string_info(s, v)) == NULL)
		return LH_NONE;
	c->v = v;
	c->k = (uint32_t)(si - s->strings);
	c->at = s->text ? (uint64_t)(lh_string_bytes(s, si) - s->text) : 0;
	return c->k;
}

/* The record of string v (NULL when v is no string) and its bytes in
 * *bytes: lh_snapshot_string_info and lh_string_bytes. */
static const lh_string_info *cursor_string(lh_diff_cursor *c, uint32_t v,
	const char **bytes)
{
	const lh_snapshot *s = c->s;
	uint32_t k = lh_diff__cursor_seek(c, v);

	if (k >= s->nstrings)
		return NULL;
	*bytes = s->text ? s->text + c->at : "";
	return &s->strings[k];
}

/* Whether the strings of records x (bytes bx) of sa and y (by) of sb have
 * the same contents; a missing record is no match. */
static int same_bytes(const lh_snapshot *sa, const lh_string_info *x,
	const char *bx, const lh_snapshot *sb, const lh_string_info *y,
	const char *by)
{
	if (x == NULL || y == NULL || x->stored != y->stored)
		return 0;
	if (x->length == LH_SIZE_BIG || y->length == LH_SIZE_BIG ?
	    lh_string_length(sa, x) != lh_string_length(sb, y) :
	    x->length != y->length)
		return 0;
	return x->stored == 0 || memcmp(bx, by, x->stored) == 0;
}

static int same_string(const lh_snapshot *sa, uint32_t ia,
	const lh_snapshot *sb, uint32_t ib)
{
	const lh_string_info *x = lh_snapshot_string_info(sa, ia);
	const lh_string_info *y = lh_snapshot_string_info(sb, ib);

	return x != NULL && y != NULL && same_bytes(sa, x,
		lh_string_bytes(sa, x), sb, y, lh_string_bytes(sb, y));
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

/* What the checks of one pair of snapshots share: both sides, the match
 * being checked (m: b's objects to a's) and the class names as numbers
 * (name_a[c] == name_b[d] exactly when class c of a and class d of b have
 * the same name). */
typedef struct match_ctx {
	const lh_diff_side *a, *b;
	uint32_t *m;
	uint8_t *state;             /* [b n] DONE, LINK */
	uint32_t *name_a, *name_b;
} match_ctx;

#define DONE 1                      /* settled by the climb */
#define LINK 2                      /* same_link held */

/* Whether string ib of b is string ia of a: matched to it (so already
 * found equal), or equal in contents. */
static int same_text(const match_ctx *x, uint32_t ia, uint32_t ib)
{
	const lh_snapshot *sb = x->b->a->snap;

	if (ib < sb->nobj && sb->type[ib] == LH_T_STRING && x->m[ib] == ia)
		return 1;
	return same_string(x->a->a->snap, ia, sb, ib);
}

/* What one share of the pair checks reads through: cursors over both
 * snapshots' strings and closures ([0] a, [1] b), and the last pair of
 * prototypes compared (closures of one function share theirs). */
typedef struct pair_reader {
	lh_diff_cursor str[2], fn[2];
	uint32_t pa, pb;
	int same;                       /* same_proto(pa, pb) */
} pair_reader;

static void reader_init(pair_reader *r, const match_ctx *c)
{
	lh_diff__cursor_init(&r->str[0], c->a->a->snap, LH_T_STRING);
	lh_diff__cursor_init(&r->str[1], c->b->a->snap, LH_T_STRING);
	lh_diff__cursor_init(&r->fn[0], c->a->a->snap, LH_T_LFUNC);
	lh_diff__cursor_init(&r->fn[1], c->b->a->snap, LH_T_LFUNC);
	r->pa = r->pb = LH_NONE;
	r->same = 1;                    /* same_proto(LH_NONE, LH_NONE) */
}

/* The closure records of ia in a and ib in b (NULL when none). */
static int reader_funcs(pair_reader *r, uint32_t ia, uint32_t ib,
	const lh_func_info **fa, const lh_func_info **fb)
{
	const lh_snapshot *sa = r->fn[0].s, *sb = r->fn[1].s;
	uint32_t ka = lh_diff__cursor_seek(&r->fn[0], ia);
	uint32_t kb = lh_diff__cursor_seek(&r->fn[1], ib);

	*fa = ka < sa->nfuncs ? &sa->funcs[ka] : NULL;
	*fb = kb < sb->nfuncs ? &sb->funcs[kb] : NULL;
	return *fa != NULL && *fb != NULL;
}

/* same_proto, remembering the last answer. */
static int reader_protos(pair_reader *r, uint32_t pa, uint32_t pb)
{
	if (pa != r->pa || pb != r->pb) {
		r->same = same_proto(r->fn[0].s, pa, r->fn[1].s, pb);
		r->pa = pa;
		r->pb = pb;
	}
	return r->same;
}

/* Whether object ib of b is object ia of a (same address assumed). */
static int same_object(const match_ctx *x, pair_reader *r, uint32_t ia,
	uint32_t ib)
{
	const lh_analysis *a = x->a->a, *b = x->b->a;
	const lh_snapshot *sa = a->snap, *sb = b->snap;
	const lh_func_info *fa, *fb;
	const lh_string_info *ta, *tb;
	const char *ba = NULL, *bb = NULL;

	if (sa->type[ia] != sb->type[ib])
		return 0;
	switch (sb->type[ib]) {
	case LH_T_STRING:
		ta = cursor_string(&r->str[0], ia, &ba);
		tb = cursor_string(&r->str[1], ib, &bb);
		return same_bytes(sa, ta, ba, sb, tb, bb);
	case LH_T_TABLE:
	case LH_T_USERDATA:
		return x->name_a[lh_classes__of(a->classes, ia)] ==
			x->name_b[lh_classes__of(b->classes, ib)];
	case LH_T_LFUNC:
		return reader_funcs(r, ia, ib, &fa, &fb) &&
			reader_protos(r, fa->proto, fb->proto);
	case LH_T_PROTO:
		return reader_protos(r, ia, ib);
	case LH_T_CFUNC:
		return reader_funcs(r, ia, ib, &fa, &fb) && fa->cfunc == fb->cfunc;
	default:
		return 1;
	}
}

/* Whether the reference e of b plays the same part as the reference f of
 * a: the same kind and the same key for table fields, the same name for
 * upvalues; stack slots and the rest by kind alone. Labels that fit their
 * edge are compared as stored; the others as lh_snapshot_label reads
 * them. */
static int same_reference(const match_ctx *c, uint32_t f, uint32_t e)
{
	const lh_snapshot *sa = c->a->a->snap, *sb = c->b->a->snap;
	int kind = sb->edge_kind[e] & LH_EDGE_KIND_MASK;
	uint32_t la = sa->edge_label[f], lb = sb->edge_label[e];
	lh_label x, y;

	if ((sa->edge_kind[f] & LH_EDGE_KIND_MASK) != kind)
		return 0;
	switch (kind) {
	case LH_E_FIELD_STR:            /* the label is the key string */
		return same_text(c, la, lb);
	case LH_E_ARRAY: case LH_E_FIELD_INT: case LH_E_FIELD_BOOL:
		if (!((la | lb) & LH_LABEL_WIDE))
			return la == lb;
		break;
	case LH_E_FIELD_NUM: case LH_E_UPVALUE:
		break;
	default:
		return 1;
	}
	lh_snapshot_label(sa, f, &x);
	lh_snapshot_label(sb, e, &y);
	switch (kind) {
	case LH_E_FIELD_NUM:
		return x.d == y.d;
	case LH_E_UPVALUE:
		if (x.obj != LH_NONE && y.obj != LH_NONE)
			return same_text(c, x.obj, y.obj);
		return x.i == y.i;
	default:
		return x.i == y.i;
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
static int same_content(const match_ctx *c, uint32_t j, uint32_t v)
{
	const lh_snapshot *sa = c->a->a->snap, *sb = c->b->a->snap;
	uint32_t e = sb->edge_off[v], f = sa->edge_off[j];
	uint32_t n = sb->edge_off[v + 1] - e;

	if (n != sa->edge_off[j + 1] - f)
		return 0;
	for (; n > 0; n--, e++, f++) {
		uint32_t tb = sb->edge_to[e], ta = sa->edge_to[f];

		if (sb->edge_kind[e] != sa->edge_kind[f] ||
		    lh_snapshot_addr(sb, tb) != lh_snapshot_addr(sa, ta) ||
		    !same_reference(c, f, e) ||
		    (sb->type[tb] == LH_T_STRING && (sa->type[ta] != LH_T_STRING ||
		     !same_text(c, ta, tb))))
			return 0;
	}
	return 1;
}

/* ---- what each snapshot needs alone ---- */

void *lh_diff__big(size_t n, size_t size, int zero)
{
	return zero ? lh_array__zalloc(n + 1, size) : lh_array__alloc((n + 1) * size);
}

/* Every object's parent on its shortest path (lh_bfs_parent), once: the
 * diff asks for most objects' parents, some several times. The caller
 * frees the array. */
static uint32_t *bfs_parents(const lh_analysis *an)
{
	uint32_t *par = lh_diff__big(an->snap->nobj, sizeof *par, 0);

	if (par != NULL)
		lh_bfs__parents(an->bfs, par, 0, an->snap->nobj);
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

/* Every side's parents, one after the other. */
typedef struct prep_job {
	lh_diff_side *side;
	int n;
} prep_job;

static void *prep_run(void *arg)
{
	prep_job *p = arg;
	int k;

	for (k = 0; k < p->n; k++)
		side_run(&p->side[k]);
	return NULL;
}

/* ---- matching ---- */

static int cmp_u64pair(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] < b[1] ? -1 : a[1] > b[1]);
}

#define RADIX_MIN 4096              /* fewer records: qsort */

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

int lh_diff__sort(uint64_t *p, uint32_t n, int words)
{
	uint64_t *tmp, *src = p, *dst, *swap;
	uint32_t *count, i, d, sum, c;
	int shift, w;

	if (n < RADIX_MIN) {
		if (n > 1)
			qsort(p, n, (size_t)words * sizeof *p,
				words == 1 ? cmp_u64 : cmp_u64pair);
		return LH_OK;
	}
	tmp = malloc((size_t)n * words * sizeof *tmp);
	count = malloc(65536 * sizeof *count);
	if (tmp == NULL || count == NULL) {
		free(tmp);
		free(count);
		return LH_ENOMEM;
	}
	dst = tmp;
	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof *count);
		for (i = 0; i < n; i++)
			count[src[(size_t)i * words] >> shift & 0xffff]++;
		if (count[src[0] >> shift & 0xffff] == n)
			continue;               /* one digit: nothing moves */
		for (d = sum = 0; d < 65536; d++) {
			c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			size_t at = count[src[(size_t)i * words] >> shift & 0xffff]++;

			for (w = 0; w < words; w++)
				dst[at * words + w] = src[(size_t)i * words + w];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != p)
		memcpy(p, src, (size_t)n * words * sizeof *p);
	free(tmp);
	free(count);
	return LH_OK;
}

/* The objects of s no pair took (bit v of 'taken' clear), as (address,
 * object) pairs sorted by address, in *out (*n pairs); LH_OK or
 * LH_ENOMEM. */
static int leftovers(uint64_t **out, uint32_t *n, const lh_snapshot *s,
	const uint32_t *taken)
{
	uint64_t *pair = NULL;
	uint32_t v, k, w, nw = (s->nobj + 31) / 32;
	int fill;

	for (fill = 0; fill < 2; fill++) {  /* count, then fill */
		for (w = k = 0; w < nw; w++) {
			if (taken[w] == UINT32_MAX)
				continue;               /* 32 objects paired */
			for (v = w * 32; v < w * 32 + 32 && v < s->nobj; v++) {
				if (taken[w] >> (v % 32) & 1)
					continue;
				if (fill) {
					pair[2 * k] = lh_snapshot_addr(s, v);
					pair[2 * k + 1] = v;
				}
				k++;
			}
		}
		if (!fill && (pair = malloc(((size_t)k + 1) * 2 *
		    sizeof *pair)) == NULL)
			return LH_ENOMEM;
	}
	*out = pair;
	*n = k;
	return lh_diff__sort(pair, k, 2);
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
 * for just after the last one found; 'taken' marks the objects of either
 * snapshot so paired. What this leaves (new objects, freed ones, moved
 * ones) is paired by a merge of the two leftovers sorted by address: the
 * result is the same as a lookup of every address.
 */
static int pair_addresses(const lh_snapshot *sa, const lh_snapshot *sb,
	uint32_t *found)
{
	uint64_t *la = NULL, *lb = NULL;
	uint32_t *taken_a = calloc((size_t)sa->nobj / 32 + 1, sizeof *taken_a);
	uint32_t *taken_b = calloc((size_t)sb->nobj / 32 + 1, sizeof *taken_b);
	uint32_t v, g = 0, miss = 0, na, nb, i, j;
	int rc = LH_ENOMEM;

	if (taken_a == NULL || taken_b == NULL)
		goto done;
	for (v = 0; v < sb->nobj; v++) {
		uint64_t x = lh_snapshot_addr(sb, v);

		found[v] = look_ahead(sa, &g, x, PAIR_WINDOW);
		if (found[v] == LH_NONE && ++miss % PAIR_RESYNC == 0)
			found[v] = look_ahead(sa, &g, x, PAIR_LOOK);
		if (found[v] != LH_NONE) {
			miss = 0;
			taken_a[found[v] / 32] |= 1u << (found[v] % 32);
			taken_b[v / 32] |= 1u << (v % 32);
		}
	}
	if (leftovers(&la, &na, sa, taken_a) != LH_OK ||
	    leftovers(&lb, &nb, sb, taken_b) != LH_OK)
		goto done;
	for (i = j = 0; i < nb; i++) {
		while (j < na && la[2 * j] < lb[2 * i])
			j++;
		if (j < na && la[2 * j] == lb[2 * i])
			found[lb[2 * i + 1]] = (uint32_t)la[2 * j + 1];
	}
	rc = LH_OK;
done:
	free(taken_a);
	free(taken_b);
	free(la);
	free(lb);
	return rc;
}

/* What of v's place can be checked before its parent is settled: 1 when
 * v of b is unreachable, or a root of the same kind as its match j in a,
 * or hangs from a parent by the same reference as j (whether the parents
 * match is for same_place to say). */
static int same_link(const match_ctx *c, uint32_t j, uint32_t v)
{
	const lh_diff_side *a = c->a, *b = c->b;
	uint32_t pb = b->par[v], pa = a->par[j];

	if (pb == LH_NONE)
		return 1;                       /* unreachable: address only */
	if (pb == LH_DOM_VROOT)
		return pa == LH_DOM_VROOT && root_kind(a->a->snap,
			a->a->bfs->via[j]) == root_kind(b->a->snap, b->a->bfs->via[v]);
	return pa < a->a->snap->nobj && same_reference(c, a->a->bfs->via[j],
		b->a->bfs->via[v]);
}

/* Whether v of b keeps its match j in a: a reachable object must hang
 * from the same parent (matched first) by the same reference (same_link,
 * in LINK), or, when its path changed, still reference exactly what it
 * did. */
static int same_place(const match_ctx *c, uint32_t j, uint32_t v)
{
	uint32_t pb = c->b->par[v];
	int link = (c->state[v] & LINK) != 0;

	if (pb == LH_NONE || pb == LH_DOM_VROOT)
		return link;
	return (link && c->m[pb] == c->a->par[j]) || same_content(c, j, v);
}

/* One share [lo, hi) of b's pairs, checked in two rounds that need no
 * other object settled: first type and fingerprint (a pair that differs
 * loses its match), then, once every pair is through the first round,
 * same_link (into LINK). */
typedef struct check_job {
	const match_ctx *c;
	uint32_t lo, hi;
	int round;
} check_job;

static void *check_run(void *arg)
{
	check_job *job = arg;
	const match_ctx *c = job->c;
	pair_reader r;
	uint32_t i, j;

	reader_init(&r, c);
	for (i = job->lo; i < job->hi; i++) {
		if ((j = c->m[i]) == LH_NONE)
			continue;
		if (job->round == 0) {
			if (!same_object(c, &r, j, i))
				c->m[i] = LH_NONE;
		} else if (same_link(c, j, i))
			c->state[i] |= LINK;
	}
	return NULL;
}

void lh_diff__halves(void *(*run)(void *), void *first, void *second,
	uint32_t n)
{
	pthread_t tid;
	int started = n >= (1u << 16) && lh_snap__threads() > 1 &&
		pthread_create(&tid, NULL, run, second) == 0;

	run(first);
	if (started)
		pthread_join(tid, NULL);
	else
		run(second);
}

/* check_run's rounds over all of b, in two halves. */
static void check_pairs(const match_ctx *c)
{
	uint32_t n = c->b->a->snap->nobj;
	check_job job[2] = { { c, 0, n / 2, 0 }, { c, n / 2, n, 0 } };

	lh_diff__halves(check_run, &job[0], &job[1], n);
	job[0].round = job[1].round = 1;
	lh_diff__halves(check_run, &job[0], &job[1], n);
}

/* name_a and name_b of c (see match_ctx): one number per distinct class
 * name of either snapshot. LH_OK or LH_ENOMEM. */
static int class_names(match_ctx *c)
{
	const lh_classes *k[2] = { c->a->a->classes, c->b->a->classes };
	uint32_t *id[2], i, n = 0, e, pos;
	const char **names;
	lh_map map;
	int side, rc = LH_ENOMEM;

	names = malloc(((size_t)k[0]->nclass + k[1]->nclass + 1) * sizeof *names);
	c->name_a = id[0] = malloc(((size_t)k[0]->nclass + 1) * sizeof *id[0]);
	c->name_b = id[1] = malloc(((size_t)k[1]->nclass + 1) * sizeof *id[1]);
	if (names == NULL || id[0] == NULL || id[1] == NULL ||
	    lh_map_init(&map, k[0]->nclass + k[1]->nclass + 1) != LH_OK) {
		free(names);
		return LH_ENOMEM;
	}
	for (side = 0; side < 2; side++)
		for (i = 0; i < k[side]->nclass; i++) {
			const char *name = k[side]->name[i];
			uint64_t h = lh_hash__str(name);

			pos = lh_map_start(&map, h);
			while ((e = lh_map_next(&map, h, &pos)) != LH_MAP_END &&
			    strcmp(names[e], name) != 0)
				;
			if (e == LH_MAP_END) {
				if (lh_map_add(&map, h, n) != LH_OK)
					goto done;
				names[e = n++] = name;
			}
			id[side][i] = e;
		}
	rc = LH_OK;
done:
	lh_map_release(&map);
	free(names);
	return rc;
}

/* Settles every object of b, parents before children: climbs from each
 * to a settled ancestor (or a root), then decides on the way down. */
static int climb(const match_ctx *c)
{
	const lh_diff_side *b = c->b;
	uint32_t n = b->a->snap->nobj, i, v, j;
	uint32_t *stack = NULL;
	size_t sp, cap = 0;

	for (i = 0; i < n; i++) {
		sp = 0;
		for (v = i; !(c->state[v] & DONE); v = b->par[v]) {
			if (lh_array__reserve((void **)&stack, &cap, sp, sizeof *stack,
			    1024) != LH_OK) {
				free(stack);
				return LH_ENOMEM;
			}
			stack[sp++] = v;
			c->state[v] |= DONE;
			if (b->par[v] >= n)
				break;
		}
		while (sp > 0) {
			v = stack[--sp];
			j = c->m[v];
			if (j != LH_NONE && !same_place(c, j, v))
				c->m[v] = LH_NONE;
		}
	}
	free(stack);
	return LH_OK;
}

/* What the match of b in a does before it needs any parent: its arrays,
 * the class names and the pairs by address. LH_OK or LH_ENOMEM. */
static int match_start(match_ctx *c, const lh_diff_side *a,
	const lh_diff_side *b)
{
	const lh_snapshot *sb = b->a->snap;

	c->a = a;
	c->b = b;
	c->m = lh_diff__big(sb->nobj, sizeof *c->m, 0);
	c->state = lh_diff__big(sb->nobj, 1, 1);
	if (c->m == NULL || c->state == NULL || class_names(c) != LH_OK)
		return LH_ENOMEM;
	return pair_addresses(a->a->snap, sb, c->m);
}

/*
 * Same address, type and fingerprint are not enough when the allocator
 * hands a freed block to a new object of the same shape, which churn does
 * all the time; so the place is checked too (same_place), parents before
 * children. The parents are found on a thread while the pairs by address
 * are made; what needs no parent settled is checked first, on two
 * threads.
 */
int lh_diff__match(uint32_t **m, lh_diff_side *side, int n)
{
	match_ctx c[3];
	prep_job prep = { side, n };
	pthread_t tid;
	int k, rc = LH_OK, started = lh_snap__threads() > 1 &&
		pthread_create(&tid, NULL, prep_run, &prep) == 0;

	memset(c, 0, sizeof c);
	for (k = 1; k < n && k < 3; k++)
		if (rc == LH_OK)
			rc = match_start(&c[k], &side[k - 1], &side[k]);
	if (started)
		pthread_join(tid, NULL);
	else
		prep_run(&prep);
	for (k = 0; k < n; k++)
		if (side[k].rc != LH_OK)
			rc = side[k].rc;
	for (k = 1; k < n && k < 3; k++) {
		if (rc == LH_OK) {
			check_pairs(&c[k]);
			rc = climb(&c[k]);
		}
		free(c[k].state);
		free(c[k].name_a);
		free(c[k].name_b);
		m[k] = c[k].m;
	}
	return rc;
}
