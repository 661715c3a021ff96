/*
 * Diff of two or three analysed snapshots: identity across snapshots,
 * candidates (new objects that survived), their grouping by folded root
 * path, container growth and suspects, grown tables, new globals, class
 * deltas and expected-dead objects still alive. See diff.h for the model.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/diff.h"
#include "diff_int.h"
#include "hash.h"
#include "map_int.h"
#include "fold.h"
#include "analysis_int.h"
#include "luaheap/expr.h"
#include "snapshot_internal.h"
#include "array_int.h"

#define NOT_SEEN LH_DIFF_NOT_SEEN

/* ---- folded paths ---- */

typedef struct ctx {
	const lh_analysis *w;       /* the snapshot the candidates live in */
	const uint8_t *fresh;       /* [w n] 1: created within the span */
	const uint32_t *par;        /* [w n] parents on the shortest paths */
	uint8_t *own;               /* [w n] 1: luaheap's own bookkeeping */
	lh_fold_names names;        /* which string keys are names */
	uint32_t *co, nco;          /* the candidates in dominator preorder */
	uint32_t *candbits;         /* [w n / 32 + 1] bit v: d->cand[v] */
	size_t maxlabel;
	lh_strbuf hop, text, run;
} ctx;

/* Replaces every "0x<hex>" in sb from 'from' on by "*". */
static void fold_addresses(lh_strbuf *sb, size_t from)
{
	size_t i, j = from;

	for (i = from; i < sb->len; ) {
		if (sb->buf[i] == '0' && i + 2 < sb->len && sb->buf[i + 1] == 'x' &&
		    ((sb->buf[i + 2] >= '0' && sb->buf[i + 2] <= '9') ||
		     (sb->buf[i + 2] >= 'a' && sb->buf[i + 2] <= 'f'))) {
			sb->buf[j++] = '*';
			i += 2;
			while (i < sb->len && ((sb->buf[i] >= '0' && sb->buf[i] <= '9') ||
			    (sb->buf[i] >= 'a' && sb->buf[i] <= 'f')))
				i++;
		} else
			sb->buf[j++] = sb->buf[i++];
	}
	sb->len = j;
	if (sb->buf != NULL)
		sb->buf[j] = '\0';
}

static int is_fresh(const void *fresh, uint32_t v)
{
	return ((const uint8_t *)fresh)[v];
}

/* Whether hop edge e out of 'from' is an index to fold (lh_fold__edge):
 * sibling containers under computed or new keys fold into one group
 * (World.grid[*][*]). */
static int foldable(const ctx *c, uint32_t from, uint32_t e)
{
	return lh_fold__edge(&c->names, c->w->snap, from, e, is_fresh,
		c->fresh);
}

/* The folded text of hop i of p into c->hop; 0 when it prints nothing. */
static int folded_hop(ctx *c, const lh_path *p, uint32_t i)
{
	const lh_snapshot *s = c->w->snap;
	const lh_hop *h = &p->hops[i];
	int kind = h->edge == LH_NONE ? -1 :
		s->edge_kind[h->edge] & LH_EDGE_KIND_MASK;

	c->hop.len = 0;
	if (kind == LH_E_KEY) {                 /* a key of the table: any key */
		lh_strbuf_puts(&c->hop, "<key>");
		return 1;
	}
	if (i > 1 && h->edge != LH_NONE && foldable(c, h->from, h->edge)) {
		lh_strbuf_puts(&c->hop, "[*]");
		return 1;
	}
	if (!lh_render_hop(&c->hop, s, p, i, c->maxlabel) ||
	    c->hop.len == 0)
		return 0;
	/* registry[7] folds; the aliases _G and package.loaded do not */
	if (i == 1 && c->hop.buf[0] == '[' && h->edge != LH_NONE &&
	    foldable(c, h->from, h->edge)) {
		c->hop.len = 0;
		lh_strbuf_puts(&c->hop, "[*]");
	}
	fold_addresses(&c->hop, 0);
	return 1;
}

/*
 * Renders v's shortest path into c->text, folded; 0 if v is unreachable.
 * A run of one repeated step is a chain (a linked list .next.next..., a
 * closure wrapping a closure) and folds to (.next)* whatever its length;
 * a folded index repeats without being a chain in a map of maps
 * (cells[x][y]), so only four or more of them in a row fold to ([*])*.
 */
static int folded_path(ctx *c, uint32_t v)
{
	lh_path *p = NULL;
	uint32_t np = 0, i, repeats = 0;
	size_t run_at = 0;                      /* where the current run began */
	int any = 0;

	c->text.len = 0;
	if (lh_paths_find(&p, &np, c->w->graph, c->w->bfs, v, 1,
	    NULL) != LH_OK || np == 0)
		return 0;
	for (i = 0; i < p[0].nhops; i++) {
		int index;

		if (!folded_hop(c, &p[0], i))
			continue;
		index = c->hop.len == 3 && memcmp(c->hop.buf, "[*]", 3) == 0;
		if (any && c->hop.len == c->run.len &&
		    memcmp(c->run.buf, c->hop.buf, c->hop.len) == 0) {
			repeats++;
			if (index && repeats < 3)
				lh_strbuf_putn(&c->text, c->hop.buf, c->hop.len);
			else if (repeats == (index ? 3u : 1u)) {
				c->text.len = run_at;
				lh_strbuf_puts(&c->text, "(");
				lh_strbuf_putn(&c->text, c->hop.buf, c->hop.len);
				lh_strbuf_puts(&c->text, ")*");
			}
			continue;
		}
		repeats = 0;
		if (any && c->hop.buf[0] != '.' && c->hop.buf[0] != '[')
			lh_strbuf_puts(&c->text, " ");
		run_at = c->text.len;
		c->run.len = 0;
		lh_strbuf_putn(&c->run, c->hop.buf, c->hop.len);
		lh_strbuf_putn(&c->text, c->hop.buf, c->hop.len);
		any = 1;
	}
	lh_paths_free(p, np);
	if (c->text.len == 0)
		lh_strbuf_puts(&c->text, "<root>");
	return 1;
}

/* ---- the diff ---- */

void lh_diff_free(lh_diff *d)
{
	uint32_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ngroups; i++) {
		free(d->groups[i].pattern);
		free(d->groups[i].example);
	}
	for (i = 0; i < d->ngrown; i++) {
		free(d->grown[i].path);
		free(d->grown[i].pattern);
	}
	for (i = 0; i < d->ndead_groups; i++)
		free(d->dead_groups[i].pattern);   /* examples: in d->dead */
	free(d->dead_groups);
	for (i = 0; i < d->nglobals; i++)
		free(d->globals[i].name);
	for (i = 0; i < d->ndead; i++)
		free(d->dead[i].path);
	free(d->groups);
	free(d->grown);
	free(d->globals);
	free(d->classes);
	free(d->dead);
	free(d->cand);
	free(d);
}

static char *text_dup(const lh_strbuf *sb)
{
	char *s = malloc(sb->len + 1);

	if (s != NULL) {
		if (sb->len)
			memcpy(s, sb->buf, sb->len);
		s[sb->len] = '\0';
	}
	return s;
}

static uint64_t retained_of(const lh_analysis *a, uint32_t v)
{
	if (v == LH_DOM_VROOT)
		return a->dom->live_bytes;
	if (v == LH_NONE || !lh_graph_live(a->graph, v))
		return 0;
	return lh_dom_retained(a->dom, v);
}

static uint32_t entries_of(const lh_snapshot *s, uint32_t v)
{
	const lh_table_info *t = v == LH_NONE ? NULL : lh_snapshot_table_info(s, v);

	if (t == NULL)
		return 0;
	return t->array_entries + t->hash_entries;
}

/* How much container c (cw in the last analysis w, c0 in the earlier
 * analysis a0, or LH_NONE if it is new) grew: its retained size (in
 * *by_retained), or its own size (*by_self) when what it holds is shared
 * with others (a table that gains entries grows its array or hash part
 * even when its retained size does not). A table that did not gain
 * entries only rehashed (or, weak, kept dead entries until its next
 * rehash): its own size change is not growth. */
static void container_delta(const lh_analysis *a0, uint32_t c0,
	const lh_analysis *w, uint32_t cw, int64_t *by_retained,
	int64_t *by_self)
{
	int64_t self = 0;
	int old = c0 < a0->snap->nobj;

	*by_retained = (int64_t)retained_of(w, cw) - (int64_t)retained_of(a0, c0);
	*by_self = 0;
	if (cw < w->snap->nobj)
		self = (int64_t)lh_snapshot_size(w->snap, cw) -
			(old ? (int64_t)lh_snapshot_size(a0->snap, c0) : 0);
	if (cw < w->snap->nobj && w->snap->type[cw] == LH_T_TABLE &&
	    entries_of(w->snap, cw) <= (old ? entries_of(a0->snap, c0) : 0))
		*by_retained -= self;           /* a rehash, not growth */
	else
		*by_self = self;
}

/* Follows a chain of match arrays from the last snapshot back to the first. */
static uint32_t back(uint32_t *const *m, int n, uint32_t v, int to)
{
	int k;

	for (k = n - 1; k > to && v != LH_NONE; k--)
		v = (v == LH_DOM_VROOT) ? v : m[k][v];
	return v;
}

static int cmp_u64pair(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] < b[1] ? -1 : a[1] > b[1]);
}

/* Suspects first; among them, groups that still grow (three snapshots)
 * and then the most growth; the others by retained size. */
static int cmp_group(const void *x, const void *y)
{
	const lh_diff_group *a = x, *b = y;
	int la, lb;

	if (a->suspect != b->suspect)
		return b->suspect - a->suspect;
	la = a->growth_late > 0;
	lb = b->growth_late > 0;
	if (la != lb)
		return lb - la;
	if (a->suspect && a->growth != b->growth)
		return a->growth < b->growth ? 1 : -1;
	if (a->retained != b->retained)
		return a->retained < b->retained ? 1 : -1;
	if (a->objects != b->objects)
		return a->objects < b->objects ? 1 : -1;
	return strcmp(a->pattern, b->pattern);
}

static int cmp_grown(const void *x, const void *y)
{
	const lh_diff_grown *a = x, *b = y;
	int64_t da = (int64_t)a->entries_after - a->entries_before;
	int64_t db = (int64_t)b->entries_after - b->entries_before;

	if (da != db)
		return da < db ? 1 : -1;
	return a->obj < b->obj ? -1 : a->obj > b->obj;
}

static int cmp_global(const void *x, const void *y)
{
	const lh_diff_global *a = x, *b = y;

	if (a->retained != b->retained)
		return a->retained < b->retained ? 1 : -1;
	return strcmp(a->name, b->name);
}

static int64_t class_change(const lh_diff_class *c)
{
	int64_t d = (int64_t)c->bytes_after - (int64_t)c->bytes_before;

	return d < 0 ? -d : d;
}

static int cmp_class(const void *x, const void *y)
{
	const lh_diff_class *a = x, *b = y;
	int64_t da = class_change(a), db = class_change(b);

	if (da != db)
		return da < db ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* Makes room in the array *p (of *cap elements of 'size' bytes) for
 * element number n, doubling it as needed; -1 when memory runs out. */
static int reserve(void **p, uint32_t *cap, uint32_t n, size_t size)
{
	uint32_t ncap;
	void *np;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if ((np = realloc(*p, (size_t)ncap * size)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Finds the group of 'pattern' (map: pattern hash -> group), adding it
 * (with example v) when it is new; its index, or NOT_SEEN when memory
 * runs out. */
static uint32_t group_of(lh_diff *d, lh_map *map, uint32_t *cap,
	const char *pattern, uint32_t v)
{
	uint64_t h = lh_hash__str(pattern);
	uint32_t pos = lh_map_start(map, h), g, j;
	lh_diff_group *grp;

	while ((g = lh_map_next(map, h, &pos)) != LH_MAP_END &&
	    strcmp(d->groups[g].pattern, pattern) != 0)
		;
	if (g != LH_MAP_END)
		return g;
	if (reserve((void **)&d->groups, cap, d->ngroups, sizeof *grp))
		return NOT_SEEN;
	grp = &d->groups[d->ngroups];
	memset(grp, 0, sizeof *grp);
	for (j = 0; j < LH_DIFF_MEMBERS; j++)
		grp->member[j] = LH_NONE;
	if ((grp->pattern = malloc(strlen(pattern) + 1)) == NULL)
		return NOT_SEEN;
	strcpy(grp->pattern, pattern);
	grp->example_obj = v;
	if (lh_map_add(map, h, d->ngroups) != LH_OK) {
		free(grp->pattern);
		return NOT_SEEN;
	}
	return d->ngroups++;
}

/* The folded paths of the leak roots roots[lo, hi) into pat[] (left
 * NULL for an unreachable one), with buffers of its own: one half of
 * them, on a thread when there are many. */
typedef struct fold_job {
	const ctx *c;
	const uint32_t *roots;
	char **pat;
	uint32_t lo, hi;
	int rc;
} fold_job;

static void *fold_run(void *arg)
{
	fold_job *j = arg;
	ctx mine = *j->c;
	uint32_t i;

	lh_strbuf_init(&mine.hop);
	lh_strbuf_init(&mine.text);
	lh_strbuf_init(&mine.run);
	j->rc = LH_OK;
	for (i = j->lo; i < j->hi && j->rc == LH_OK; i++)
		if (folded_path(&mine, j->roots[i]) && (mine.text.oom ||
		    (j->pat[i] = text_dup(&mine.text)) == NULL))
			j->rc = LH_ENOMEM;
	lh_strbuf_release(&mine.hop);
	lh_strbuf_release(&mine.text);
	lh_strbuf_release(&mine.run);
	return NULL;
}

/* pat[k]: the folded path of roots[k] (NULL if unreachable), k < n, the
 * second half on a thread (a path costs as much as some 16 objects'
 * checks). LH_OK or LH_ENOMEM; the caller frees the patterns. */
static int fold_roots(const ctx *c, const uint32_t *roots, uint32_t n,
	char **pat)
{
	fold_job job[2] = { { c, roots, pat, 0, n / 2, LH_OK },
		{ c, roots, pat, n / 2, n, LH_OK } };

	lh_diff__halves(fold_run, &job[0], &job[1],
		n > UINT32_MAX / 16 ? UINT32_MAX : n * 16);
	return job[0].rc != LH_OK ? job[0].rc : job[1].rc;
}

/* Leak roots (top[v] == v) into groups by folded path: gid[v]. The
 * candidates come in the dominator tree's preorder (c->co), where an
 * object's idom comes first, so top[] of the idom is known when the
 * object is reached. */
static int group_roots(lh_diff *d, ctx *c, const uint8_t *cand,
	uint32_t *top, uint32_t *gid)
{
	const lh_dom *dom = c->w->dom;
	const lh_snapshot *s = c->w->snap;
	uint32_t *roots = malloc(((size_t)c->nco + 1) * sizeof *roots);
	char **pat = calloc((size_t)c->nco + 1, sizeof *pat);
	lh_map map;
	uint32_t k, cap = 0, nroots = 0;
	int rc = LH_ENOMEM, mapped = 0;

	if (roots == NULL || pat == NULL ||
	    !(mapped = lh_map_init(&map, 64) == LH_OK))
		goto done;
	for (k = 0; k < c->nco; k++) {
		uint32_t v = c->co[k], p = dom->idom[v];

		gid[v] = NOT_SEEN;
		top[v] = (p < s->nobj && cand[p]) ? top[p] : v;
		if (top[v] == v)
			roots[nroots++] = v;
	}
	if (fold_roots(c, roots, nroots, pat) != LH_OK)
		goto done;
	for (k = 0; k < nroots; k++) {
		uint32_t v = roots[k], g;
		lh_diff_group *grp;

		if (pat[k] == NULL)
			continue;               /* unreachable */
		if ((g = group_of(d, &map, &cap, pat[k], v)) == NOT_SEEN)
			goto done;
		grp = &d->groups[g];
		gid[v] = g;
		grp->count++;
		grp->retained += lh_dom_retained(dom, v);
		if (lh_dom_retained(dom, v) >
		    lh_dom_retained(dom, grp->example_obj))
			grp->example_obj = v;
	}
	rc = LH_OK;
done:
	if (mapped)
		lh_map_release(&map);
	for (k = 0; pat != NULL && k < nroots; k++)
		free(pat[k]);
	free(pat);
	free(roots);
	return rc;
}

/* Adds the class of 'run' objects to the group's mix if it is among the
 * LH_DIFF_MIX most common. */
static void add_mix(lh_diff_group *grp, const char *name, uint32_t run)
{
	uint32_t j;

	for (j = 0; j < LH_DIFF_MIX; j++)
		if (grp->mix_class[j] == NULL || run > grp->mix_count[j]) {
			memmove(&grp->mix_class[j + 1], &grp->mix_class[j],
				(LH_DIFF_MIX - 1 - j) * sizeof(char *));
			memmove(&grp->mix_count[j + 1], &grp->mix_count[j],
				(LH_DIFF_MIX - 1 - j) * sizeof(uint32_t));
			grp->mix_class[j] = name;
			grp->mix_count[j] = run;
			return;
		}
}

/* Every candidate counts in its leak root's group: objects, bytes and the
 * class mix ((group, class) pairs sorted to count each class once). */
static int tally_groups(lh_diff *d, ctx *c, const uint32_t *top,
	const uint32_t *gid)
{
	const lh_analysis *w = c->w;
	uint64_t *pairs = malloc(((size_t)c->nco + 1) * sizeof *pairs);
	uint32_t i, k, n = 0;

	if (pairs == NULL)
		return LH_ENOMEM;
	for (k = 0; k < c->nco; k++) {
		uint32_t v = c->co[k], g;

		if (gid[top[v]] == NOT_SEEN)
			continue;
		g = gid[top[v]];
		d->groups[g].objects++;
		d->groups[g].bytes += lh_snapshot_size(w->snap, v);
		pairs[n++] = ((uint64_t)g << 32) | lh_class_of(w->classes, v);
	}
	if (lh_diff__sort(pairs, n, 1) != LH_OK) {
		free(pairs);
		return LH_ENOMEM;
	}
	for (i = 0; i < n; ) {
		uint32_t run = 1;

		while (i + run < n && pairs[i + run] == pairs[i])
			run++;
		add_mix(&d->groups[pairs[i] >> 32],
			w->classes->name[(uint32_t)pairs[i]], run);
		i += run;
	}
	free(pairs);
	return LH_OK;
}

/* A leak root's container: the nearest object on its root path that
 * existed in the first snapshot. */
static uint32_t container_of(const ctx *c, uint32_t v)
{
	uint32_t cont = c->par[v];

	while (cont < c->w->snap->nobj && c->fresh[cont])
		cont = c->par[cont];
	return cont;
}

/* One container: the group credited with it and its growth over the
 * span and (three snapshots) from the middle one. */
typedef struct cont_rec {
	uint32_t obj, group;
	int64_t ret[2], self[2];        /* container_delta, [0] whole span */
	int64_t raw[2];                 /* retained size change as measured */
	uint64_t roots_retained;        /* what its leak roots retain */
	uint32_t nroots;                /* its leak roots, all groups */
} cont_rec;

/* The containers of the leak roots, each with the group whose leak roots
 * it holds retain the most; *out (*count) belongs to the caller. */
static int list_containers(cont_rec **out, uint32_t *count, lh_diff *d,
	ctx *c, const uint32_t *top, const uint32_t *gid)
{
	const lh_dom *dom = c->w->dom;
	uint64_t *trip = malloc(((size_t)c->nco + 1) * 3 * sizeof *trip);
	cont_rec *cr = calloc((size_t)c->nco + 1, sizeof *cr);
	uint32_t i, k, nt = 0, nc = 0;

	*out = NULL;
	if (trip == NULL || cr == NULL) {
		free(trip);
		free(cr);
		return LH_ENOMEM;
	}
	for (k = 0; k < c->nco; k++) {
		uint32_t v = c->co[k];

		if (gid[v] == NOT_SEEN || top[v] != v)
			continue;
		trip[3 * nt] = container_of(c, v);
		trip[3 * nt + 1] = gid[v];
		trip[3 * nt + 2] = lh_dom_retained(dom, v);
		nt++;
	}
	if (nt > 1)
		qsort(trip, nt, 3 * sizeof *trip, cmp_u64pair);
	for (i = 0; i < nt; nc++) {
		uint64_t cont = trip[3 * i], best_sum = 0, sum;

		cr[nc].obj = (uint32_t)cont;
		cr[nc].group = (uint32_t)trip[3 * i + 1];
		while (i < nt && trip[3 * i] == cont) {  /* one run per group */
			uint64_t g = trip[3 * i + 1];

			for (sum = 0; i < nt && trip[3 * i] == cont &&
			    trip[3 * i + 1] == g; i++) {
				sum += trip[3 * i + 2];
				cr[nc].nroots++;
			}
			cr[nc].roots_retained += sum;
			d->groups[g].ncontainers++;
			if (sum > best_sum) {
				best_sum = sum;
				cr[nc].group = (uint32_t)g;
			}
		}
	}
	free(trip);
	*out = cr;
	*count = nc;
	return LH_OK;
}

/* A container's retained growth includes that of the containers below it
 * in the dominator tree (_G holds everything): each one's is taken off
 * its nearest container above, so each byte of growth counts once. */
static int nest_containers(cont_rec *cr, uint32_t nc, const lh_analysis *w,
	int nspan)
{
	const lh_snapshot *s = w->snap;
	/* a sparse index (at[v] is believed only when cr[at[v]].obj == v);
	 * calloc, so no slot is ever read unset (fresh pages cost nothing) */
	uint32_t *at = calloc((size_t)s->nobj + 1, sizeof *at), i, v, steps;
	int k;

	if (at == NULL)
		return LH_ENOMEM;
	for (i = 0; i < nc; i++)
		if (cr[i].obj < s->nobj)
			at[cr[i].obj] = i;
	for (i = 0; i < nc; i++) {
		v = cr[i].obj;
		if (v >= s->nobj)
			continue;
		for (steps = 0, v = w->dom->idom[v]; v < s->nobj && steps < 100000;
		    v = w->dom->idom[v], steps++) {
			uint32_t j = at[v];

			if (j < nc && cr[j].obj == v) {
				for (k = 0; k < nspan; k++)
					cr[j].ret[k] -= cr[i].raw[k];
				break;
			}
		}
	}
	free(at);
	return LH_OK;
}

/*
 * A table whose new entries are shared with another container (a set and
 * a list both holding each leaked player) retains none of them, and its
 * retained size grows by its own size only. Its growth is then counted as
 * its own growth and what the entries it gained hold: the entries gained
 * times what its leak roots retain on average (in three snapshots the
 * leak roots are those of the middle span alone, the entries those of the
 * whole span).
 */
static void shared_growth(cont_rec *cr, const lh_analysis *a0, uint32_t c0,
	const lh_analysis *w, int k)
{
	uint32_t after, before;
	double held;

	if (cr->obj >= w->snap->nobj || w->snap->type[cr->obj] != LH_T_TABLE ||
	    cr->nroots == 0)
		return;
	after = entries_of(w->snap, cr->obj);
	before = c0 < a0->snap->nobj ? entries_of(a0->snap, c0) : 0;
	if (after <= before)
		return;
	held = (double)cr->roots_retained * (after - before) / cr->nroots;
	if (cr->self[k] + (int64_t)held > cr->self[k])
		cr->self[k] += (int64_t)held;
}

/* Keeps container v among the group's LH_DIFF_MEMBERS that grew most. */
static void add_member(lh_diff_group *g, uint32_t v, int64_t grew)
{
	uint32_t j;

	if (v == LH_NONE || v == LH_DOM_VROOT)
		return;
	for (j = 0; j < LH_DIFF_MEMBERS; j++)
		if (g->member[j] == LH_NONE || grew > g->member_growth[j]) {
			memmove(&g->member[j + 1], &g->member[j],
				(LH_DIFF_MEMBERS - 1 - j) * sizeof *g->member);
			memmove(&g->member_growth[j + 1], &g->member_growth[j],
				(LH_DIFF_MEMBERS - 1 - j) * sizeof *g->member_growth);
			g->member[j] = v;
			g->member_growth[j] = grew;
			return;
		}
}

/*
 * Container growth, each container credited to one group: the one whose
 * leak roots it holds retain the most. So a string shared by many leaked
 * objects (its own leak root, in the same container) does not repeat its
 * parent's growth, and groups are judged by what their containers gained.
 */
static int credit_containers(lh_diff *d, ctx *c, const uint32_t *top,
	const uint32_t *gid, uint32_t *const *m, int n,
	const lh_analysis *const *a)
{
	const lh_analysis *w = c->w;
	cont_rec *cr;
	uint32_t i, nc = 0;
	int k;

	if (list_containers(&cr, &nc, d, c, top, gid) != LH_OK)
		return LH_ENOMEM;
	for (i = 0; i < nc; i++)
		for (k = 0; k < n - 1; k++) {
			uint32_t c0 = back(m, n, cr[i].obj, k);

			container_delta(a[k], c0, w, cr[i].obj, &cr[i].ret[k],
				&cr[i].self[k]);
			cr[i].raw[k] = (int64_t)retained_of(w, cr[i].obj) -
				(int64_t)retained_of(a[k], c0);
		}
	if (nest_containers(cr, nc, w, n - 1) != LH_OK) {
		free(cr);
		return LH_ENOMEM;
	}
	for (i = 0; i < nc; i++) {
		lh_diff_group *g = &d->groups[cr[i].group];
		int64_t grew;

		for (k = 0; k < n - 1; k++)
			shared_growth(&cr[i], a[k], back(m, n, cr[i].obj, k), w, k);
		grew = cr[i].ret[0] > cr[i].self[0] ? cr[i].ret[0] : cr[i].self[0];
		g->growth += grew;
		add_member(g, cr[i].obj, grew);
		if (n == 3)
			g->growth_late += cr[i].ret[1] > cr[i].self[1] ?
				cr[i].ret[1] : cr[i].self[1];
	}
	free(cr);
	return LH_OK;
}

/* ---- sibling groups under names written in the program ---- */

/* The next ".name" step of pattern p at or after *i, outside brackets
 * and quotes: its start in *at and its end returned, or 0 for none. */
static size_t next_name_step(const char *p, size_t *i, size_t *at)
{
	int depth = 0, quote = 0;

	for (; p[*i] != '\0'; (*i)++) {
		char c = p[*i];

		if (quote) {
			if (c == '\\' && p[*i + 1] != '\0')
				(*i)++;
			else if (c == '"')
				quote = 0;
		} else if (c == '"') {
			quote = 1;
		} else if (c == '<' || c == '[') {
			depth++;
		} else if (c == '>' || c == ']') {
			depth--;
		} else if (c == '.' && depth == 0 && (p[*i + 1] == '_' ||
		    ((p[*i + 1] | 0x20) >= 'a' && (p[*i + 1] | 0x20) <= 'z'))) {
			size_t j = *i + 1;

			while (p[j] == '_' || (p[j] >= '0' && p[j] <= '9') ||
			    ((p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'z'))
				j++;
			*at = (*i)++;
			return j;
		}
	}
	return 0;
}

typedef struct sibling {
	char *key;                  /* the pattern with one step folded */
	uint32_t group;
} sibling;

static int cmp_sibling(const void *x, const void *y)
{
	const sibling *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : a->group < b->group ? -1 : a->group > b->group;
}

/* The patterns of every group that grew, each with one ".name" step
 * folded to [*]
 * (not right under _G, package.loaded or the registry), sorted. */
static sibling *sibling_keys(const lh_diff *d, uint32_t *count)
{
	uint32_t g, n = 0, cap = 0;
	sibling *sk = NULL;

	for (g = 0; g < d->ngroups; g++) {
		const char *p = d->groups[g].pattern;
		size_t i = 0, at, end;

		if (d->groups[g].growth <= 0)
			continue;
		while ((end = next_name_step(p, &i, &at)) != 0) {
			size_t len = strlen(p) - (end - at) + 3;
			char *k;

			if ((at == 2 && strncmp(p, "_G", 2) == 0) ||
			    (at == 14 && strncmp(p, "package.loaded", 14) == 0) ||
			    (at == 8 && strncmp(p, "registry", 8) == 0) || at == 0)
				continue;
			if (reserve((void **)&sk, &cap, n, sizeof *sk) ||
			    (k = malloc(len + 1)) == NULL) {
				*count = n;
				return sk;          /* as far as memory went */
			}
			memcpy(k, p, at);
			memcpy(k + at, "[*]", 3);
			strcpy(k + at + 3, p + end);
			sk[n].key = k;
			sk[n++].group = g;
		}
	}
	if (n > 1)
		qsort(sk, n, sizeof *sk, cmp_sibling);
	*count = n;
	return sk;
}

/* Adds group y into group x (whose pattern becomes 'pattern'). */
static void merge_group(lh_diff_group *x, lh_diff_group *y,
	const lh_analysis *w)
{
	uint32_t i, j;

	for (i = 0; i < LH_DIFF_MIX && y->mix_class[i] != NULL; i++) {
		for (j = 0; j < LH_DIFF_MIX && x->mix_class[j] != NULL &&
		    x->mix_class[j] != y->mix_class[i]; j++)
			;
		if (j < LH_DIFF_MIX && x->mix_class[j] == y->mix_class[i]) {
			uint32_t sum = x->mix_count[j] + y->mix_count[i];

			memmove(&x->mix_class[j], &x->mix_class[j + 1],
				(LH_DIFF_MIX - 1 - j) * sizeof(char *));
			memmove(&x->mix_count[j], &x->mix_count[j + 1],
				(LH_DIFF_MIX - 1 - j) * sizeof(uint32_t));
			x->mix_class[LH_DIFF_MIX - 1] = NULL;
			add_mix(x, y->mix_class[i], sum);
		} else
			add_mix(x, y->mix_class[i], y->mix_count[i]);
	}
	if (lh_dom_retained(w->dom, y->example_obj) >
	    lh_dom_retained(w->dom, x->example_obj))
		x->example_obj = y->example_obj;
	x->count += y->count;
	x->objects += y->objects;
	x->bytes += y->bytes;
	x->retained += y->retained;
	x->growth += y->growth;
	x->growth_late += y->growth_late;
	x->ncontainers += y->ncontainers;
	for (i = 0; i < LH_DIFF_MEMBERS && y->member[i] != LH_NONE; i++)
		add_member(x, y->member[i], y->member_growth[i]);
	y->count = 0;                       /* merged away */
}

/* The most any group of the run s[0..n-1] grew (merged ones aside). */
static int64_t run_max_growth(const lh_diff *d, const sibling *s, uint32_t n)
{
	int64_t max = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (d->groups[s[i].group].count != 0 &&
		    d->groups[s[i].group].growth > max)
			max = d->groups[s[i].group].growth;
	return max;
}

/* Whether member i of a run merges: not merged already, and it grew by
 * at least a sixteenth of the most any member grew (max). */
static int sibling_takes_part(const lh_diff *d, const sibling *s,
	int64_t max, uint32_t i)
{
	const lh_diff_group *g = &d->groups[s[i].group];

	return g->count != 0 && g->growth > 0 && g->growth * 16 >= max;
}

/* Whether the run has two members that take part and that together grew
 * past the noise floor. */
static int siblings_grew(const lh_diff *d, const sibling *s, uint32_t n)
{
	uint32_t i, m = 0;
	int64_t sum = 0, max = run_max_growth(d, s, n);

	for (i = 0; i < n; i++)
		if (sibling_takes_part(d, s, max, i)) {
			m++;
			sum += d->groups[s[i].group].growth;
		}
	return m >= 2 && sum > (int64_t)d->t.floor;
}

/*
 * Growing groups whose paths differ in one step only, a name under one
 * parent (waiters under Sched.waiting.login, .logout, .tick, the names
 * written in the program), are sibling containers like those under
 * computed keys: one group, _G.Sched.waiting[*][*], judged as a whole.
 * Siblings merge when together they grew past the noise floor, each by at
 * least a sixteenth of the most any of them grew: churn beside a leak
 * (World.online next to World.sessions) stays apart.
 */
static int merge_siblings(lh_diff *d, const lh_analysis *w)
{
	uint32_t n = 0, i, j, k, out;
	sibling *sk = sibling_keys(d, &n);
	int64_t max;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(sk[j].key, sk[i].key) == 0; j++)
			;
		if (!siblings_grew(d, sk + i, j - i))
			continue;
		max = run_max_growth(d, sk + i, j - i);
		for (k = i; k < j && !sibling_takes_part(d, sk + i, max, k - i); k++)
			;
		{
			lh_diff_group *x = &d->groups[sk[k].group];
			uint32_t m = 0, l;

			for (l = k + 1; l < j; l++)
				if (sibling_takes_part(d, sk + i, max, l - i)) {
					merge_group(x, &d->groups[sk[l].group], w);
					m++;
				}
			if (m > 0) {
				free(x->pattern);
				x->pattern = sk[k].key;
				sk[k].key = NULL;
			}
		}
	}
	for (i = 0; i < n; i++)
		free(sk[i].key);
	free(sk);
	for (i = out = 0; i < d->ngroups; i++) {
		if (d->groups[i].count == 0) {
			free(d->groups[i].pattern);
			continue;
		}
		d->groups[out++] = d->groups[i];
	}
	d->ngroups = out;
	return LH_OK;
}

/* Suspects and examples; then the groups in report order. */
static int judge_groups(lh_diff *d, ctx *c)
{
	uint32_t i;

	for (i = 0; i < d->ngroups; i++) {
		lh_diff_group *grp = &d->groups[i];

		grp->suspect = grp->growth > (int64_t)d->t.floor &&
			grp->retained > d->t.floor;
		d->nsuspects += grp->suspect != 0;
		c->text.len = 0;
		lh_analysis_render_path(&c->text, c->w, grp->example_obj,
			c->maxlabel);
		grp->example = text_dup(&c->text);
		if (grp->example == NULL || c->text.oom)
			return LH_ENOMEM;
	}
	if (d->ngroups > 1)
		qsort(d->groups, d->ngroups, sizeof *d->groups, cmp_group);
	return LH_OK;
}

/* c->co: the candidates in the dominator tree's preorder, so that the
 * passes over them need not visit every live object. */
static int list_candidates(ctx *c, uint32_t ncand)
{
	const lh_dom *dom = c->w->dom;
	uint32_t k;

	if ((c->co = malloc(((size_t)ncand + 1) * sizeof *c->co)) == NULL)
		return LH_ENOMEM;
	for (k = 0; k < dom->nlive && c->nco < ncand; k++) {
		uint32_t v = dom->order[k];     /* bits: random reads that hit */

		if (c->candbits[v / 32] >> (v % 32) & 1)
			c->co[c->nco++] = v;
	}
	return LH_OK;
}

/* Groups: leak roots by folded path; fills d->groups. */
static int build_groups(lh_diff *d, ctx *c, const uint8_t *cand,
	uint32_t *const *m, int n, const lh_analysis *const *a)
{
	size_t nobj = c->w->snap->nobj ? c->w->snap->nobj : 1;
	uint32_t *top = malloc(nobj * sizeof *top);   /* sparse: small pages */
	uint32_t *gid = malloc(nobj * sizeof *gid);   /* sparse: small pages */
	int rc = LH_ENOMEM;

	if (top == NULL || gid == NULL ||
	    list_candidates(c, d->t.candidates) != LH_OK)
		goto done;
	if ((rc = group_roots(d, c, cand, top, gid)) != LH_OK ||
	    (rc = tally_groups(d, c, top, gid)) != LH_OK ||
	    (rc = credit_containers(d, c, top, gid, m, n, a)) != LH_OK ||
	    (rc = merge_siblings(d, c->w)) != LH_OK)
		goto done;
	rc = judge_groups(d, c);
done:
	free(top);
	free(gid);
	return rc;
}

/* Rows folded by pattern: each row's pattern, and its index. */
typedef struct fold_row {
	char *pattern;
	uint32_t row;
} fold_row;

static int cmp_fold_row(const void *x, const void *y)
{
	const fold_row *a = x, *b = y;
	int c = strcmp(a->pattern, b->pattern);

	return c != 0 ? c : a->row < b->row ? -1 : a->row > b->row;
}

/* The folded paths of objs[0..n-1], sorted by pattern so that each fold
 * is a run; NULL when memory runs out. The caller frees the patterns. */
static fold_row *fold_rows(ctx *c, const uint32_t *objs, uint32_t n)
{
	fold_row *fr = calloc((size_t)n + 1, sizeof *fr);
	uint32_t i;

	if (fr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		fr[i].row = i;
		if (!folded_path(c, objs[i]))
			lh_strbuf_puts(&c->text, "<unreachable>");
		if (c->text.oom || (fr[i].pattern = text_dup(&c->text)) == NULL) {
			while (i > 0)
				free(fr[--i].pattern);
			free(fr);
			return NULL;
		}
	}
	if (n > 1)
		qsort(fr, n, sizeof *fr, cmp_fold_row);
	return fr;
}

/* Entries of table v that hold luaheap's own objects (in the registry:
 * the watch table), and what they retain. */
static uint32_t own_entries(const ctx *c, uint32_t v, uint64_t *retained)
{
	const lh_snapshot *s = c->w->snap;
	uint32_t e, n = 0;

	*retained = 0;
	for (e = s->edge_off[v]; e < s->edge_off[v + 1]; e++) {
		int kind = s->edge_kind[e] & LH_EDGE_KIND_MASK;

		if (kind != LH_E_KEY && kind != LH_E_METATABLE &&
		    c->own[s->edge_to[e]]) {
			n++;
			*retained += retained_of(c->w, s->edge_to[e]);
		}
	}
	return n;
}

/* One share [lo, hi) of the last snapshot's objects, scanned once (on a
 * thread of its own when there are two) for the candidates and the
 * tables that grew. */
typedef struct scan_job {
	lh_diff *d;
	const ctx *c;
	uint32_t *const *m;
	int n;
	const lh_analysis *const *a;
	uint8_t *fresh;                 /* see scan_object */
	uint32_t lo, hi;
	uint32_t ncand;                 /* candidates found, and their bytes */
	uint64_t cand_bytes;
	lh_diff_grown *grown;           /* rows found, in object order */
	uint32_t ngrown, cap;
	lh_diff_cursor tw, t0;          /* tables of the last and first */
	int rc;
} scan_job;

/* A row for table v of the last snapshot (v0 in the first) if it gained
 * entries; luaheap's own entries (the registry's watch table) do not
 * count. Rows are one per table (the row's obj) before folding. */
static int grown_row(scan_job *j, uint32_t v, uint32_t v0)
{
	const lh_analysis *w = j->c->w, *a0 = j->a[0];
	const lh_snapshot *s = w->snap, *s0 = a0->snap;
	uint32_t kw = lh_diff__cursor_seek(&j->tw, v);
	uint32_t k0 = lh_diff__cursor_seek(&j->t0, v0);
	uint32_t before = 0, after = 0, own;
	uint64_t own_bytes = 0;
	lh_diff_grown *gr;

	if (k0 < s0->ntables)
		before = s0->tables[k0].array_entries + s0->tables[k0].hash_entries;
	if (kw < s->ntables)
		after = s->tables[kw].array_entries + s->tables[kw].hash_entries;
	own = v == s->registry ? own_entries(j->c, v, &own_bytes) : 0;
	if (after - own <= before)
		return LH_OK;
	if (reserve((void **)&j->grown, &j->cap, j->ngrown, sizeof *j->grown))
		return LH_ENOMEM;
	gr = &j->grown[j->ngrown++];
	memset(gr, 0, sizeof *gr);
	gr->obj = v;
	gr->count = 1;
	gr->entries_before = before;
	gr->entries_after = after;
	gr->bytes_before = lh_snapshot_size(s0, v0);
	gr->bytes_after = lh_snapshot_size(s, v);
	gr->retained_before = retained_of(a0, v0);
	gr->retained_after = retained_of(w, v) - (own ? own_bytes : 0);
	return LH_OK;
}

/* Adds row y into the folded row x; the example is the one that gained
 * the most entries. */
static void merge_grown(lh_diff_grown *x, const lh_diff_grown *y)
{
	if (y->entries_after - y->entries_before >
	    x->entries_after - x->entries_before ||
	    (y->entries_after - y->entries_before ==
	     x->entries_after - x->entries_before && y->obj < x->obj))
		x->obj = y->obj;
	x->count += y->count;
	x->entries_before += y->entries_before;
	x->entries_after += y->entries_after;
	x->bytes_before += y->bytes_before;
	x->bytes_after += y->bytes_after;
	x->retained_before += y->retained_before;
	x->retained_after += y->retained_after;
}

/* Grown tables, folded by path (most entries gained first). */
static int build_grown(lh_diff *d, ctx *c, uint32_t *const *m, int n,
	const lh_analysis *const *a)
{
	uint32_t *objs, i, k, nf = 0;
	lh_diff_grown *folded;
	fold_row *fr;

	objs = malloc(((size_t)d->ngrown + 1) * sizeof *objs);
	folded = calloc((size_t)d->ngrown + 1, sizeof *folded);
	if (objs == NULL || folded == NULL) {
		free(objs);
		free(folded);
		return LH_ENOMEM;
	}
	for (i = 0; i < d->ngrown; i++)
		objs[i] = d->grown[i].obj;
	fr = fold_rows(c, objs, d->ngrown);
	free(objs);
	if (fr == NULL) {
		free(folded);
		return LH_ENOMEM;
	}
	for (i = 0; i < d->ngrown; i = k) {
		lh_diff_grown *row = &folded[nf++];

		*row = d->grown[fr[i].row];
		row->pattern = fr[i].pattern;
		for (k = i + 1; k < d->ngrown &&
		    strcmp(fr[k].pattern, fr[i].pattern) == 0; k++) {
			merge_grown(row, &d->grown[fr[k].row]);
			free(fr[k].pattern);
		}
	}
	free(fr);
	free(d->grown);
	d->grown = folded;
	d->ngrown = nf;
	if (d->ngrown > 1)
		qsort(d->grown, d->ngrown, sizeof *d->grown, cmp_grown);
	for (i = 0; i < d->ngrown; i++) {
		c->text.len = 0;
		lh_analysis_render_path(&c->text, c->w, d->grown[i].obj, c->maxlabel);
		if (c->text.oom || (d->grown[i].path = text_dup(&c->text)) == NULL)
			return LH_ENOMEM;
	}
	return LH_OK;
}

/* Whether the table t of snapshot s has a string-keyed field named k. */
static int has_field(const lh_snapshot *s, uint32_t t, const char *k, size_t kn)
{
	uint32_t e;
	lh_label l;
	const char *name;
	size_t len;

	if (t == LH_NONE)
		return 0;
	for (e = s->edge_off[t]; e < s->edge_off[t + 1]; e++) {
		if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) != LH_E_FIELD_STR)
			continue;
		lh_snapshot_label(s, e, &l);
		name = lh_snapshot_string(s, l.obj, &len);
		if (name != NULL && len == kn && memcmp(name, k, kn) == 0)
			return 1;
	}
	return 0;
}

/* Keys of _G in the last snapshot that the first one did not have. */
static int build_globals(lh_diff *d, const lh_analysis *const *a, int n)
{
	const lh_analysis *w = a[n - 1];
	const lh_snapshot *s = w->snap;
	uint32_t g, g0, e, cap = 0;

	if (lh_expr_resolve(&g, s, "_G", NULL) != LH_OK)
		return LH_OK;
	if (lh_expr_resolve(&g0, a[0]->snap, "_G", NULL) != LH_OK)
		g0 = LH_NONE;
	for (e = s->edge_off[g]; e < s->edge_off[g + 1]; e++) {
		lh_label l;
		const char *name;
		size_t len;
		lh_diff_global *gl;

		if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) != LH_E_FIELD_STR)
			continue;
		lh_snapshot_label(s, e, &l);
		name = lh_snapshot_string(s, l.obj, &len);
		if (name == NULL || has_field(a[0]->snap, g0, name, len))
			continue;
		if (reserve((void **)&d->globals, &cap, d->nglobals, sizeof *d->globals))
			return LH_ENOMEM;
		gl = &d->globals[d->nglobals];
		gl->obj = s->edge_to[e];
		gl->retained = retained_of(w, gl->obj);
		if ((gl->name = malloc(len + 1)) == NULL)
			return LH_ENOMEM;
		memcpy(gl->name, name, len);
		gl->name[len] = '\0';
		d->nglobals++;
	}
	if (d->nglobals > 1)
		qsort(d->globals, d->nglobals, sizeof *d->globals, cmp_global);
	return LH_OK;
}

/* Class ids in name order, for merging two histograms. Each id travels
 * with its name (qsort has no context argument, and a global would race
 * between threads). */
typedef struct named_class {
	const char *name;
	uint32_t id;
} named_class;

static int cmp_named_class(const void *x, const void *y)
{
	const named_class *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c != 0 ? c : a->id < b->id ? -1 : a->id > b->id;
}

static uint32_t *sorted_classes(const lh_classes *c)
{
	uint32_t *ix = malloc(((size_t)c->nclass + 1) * sizeof *ix), i;
	named_class *nc = malloc(((size_t)c->nclass + 1) * sizeof *nc);

	if (ix == NULL || nc == NULL) {
		free(ix);
		free(nc);
		return NULL;
	}
	for (i = 0; i < c->nclass; i++) {
		nc[i].name = c->name[i];
		nc[i].id = i;
	}
	if (c->nclass > 1)
		qsort(nc, c->nclass, sizeof *nc, cmp_named_class);
	for (i = 0; i < c->nclass; i++)
		ix[i] = nc[i].id;
	free(nc);
	return ix;
}

/* Class histogram of the first and last snapshots, merged by name. */
static int build_classes(lh_diff *d, const lh_analysis *first,
	const lh_analysis *last)
{
	const lh_classes *c0 = first->classes, *c1 = last->classes;
	uint32_t *x0 = sorted_classes(c0), *x1 = sorted_classes(c1);
	uint32_t i = 0, j = 0, n = 0;

	d->classes = calloc((size_t)c0->nclass + c1->nclass + 1, sizeof *d->classes);
	if (d->classes == NULL || x0 == NULL || x1 == NULL) {
		free(x0);
		free(x1);
		return LH_ENOMEM;
	}
	while (i < c0->nclass || j < c1->nclass) {
		int order = i == c0->nclass ? 1 : j == c1->nclass ? -1 :
			strcmp(c0->name[x0[i]], c1->name[x1[j]]);
		lh_diff_class *dc = &d->classes[n];

		memset(dc, 0, sizeof *dc);
		if (order <= 0) {
			dc->name = c0->name[x0[i]];
			dc->count_before = c0->live[x0[i]].count;
			dc->bytes_before = c0->live[x0[i]].self;
			i++;
		}
		if (order >= 0) {
			dc->name = c1->name[x1[j]];
			dc->count_after = c1->live[x1[j]].count;
			dc->bytes_after = c1->live[x1[j]].self;
			j++;
		}
		if (dc->count_before != dc->count_after ||
		    dc->bytes_before != dc->bytes_after)
			n++;                        /* keep only the classes that moved */
	}
	free(x0);
	free(x1);
	d->nclasses = n;
	if (d->nclasses > 1)
		qsort(d->classes, d->nclasses, sizeof *d->classes, cmp_class);
	return LH_OK;
}

/* Watched objects marked expect_dead that the last snapshot still has,
 * in watch order. */
static int list_dead(lh_diff *d, ctx *c)
{
	const lh_snapshot *s = c->w->snap;
	uint32_t i;

	d->dead = calloc((size_t)s->nwatches + 1, sizeof *d->dead);
	if (d->dead == NULL)
		return LH_ENOMEM;
	for (i = 0; i < s->nwatches; i++) {
		const lh_watch *wt = &s->watches[i];
		lh_diff_dead *dd;

		if (!wt->expect_dead || wt->target == LH_NONE ||
		    !lh_graph_live(c->w->graph, wt->target))
			continue;
		dd = &d->dead[d->ndead++];
		dd->label = wt->label;
		dd->obj = wt->target;
		c->text.len = 0;
		lh_analysis_render_path(&c->text, c->w, wt->target, c->maxlabel);
		if (c->text.oom || (dd->path = text_dup(&c->text)) == NULL)
			return LH_ENOMEM;
	}
	return LH_OK;
}

static int cmp_dead_group(const void *x, const void *y)
{
	const lh_diff_dead_group *a = x, *b = y;

	if (a->retained != b->retained)
		return a->retained < b->retained ? 1 : -1;
	return strcmp(a->pattern, b->pattern);
}

/* The expected-dead objects still alive, folded by path, most bytes
 * first. */
static int build_dead(lh_diff *d, ctx *c)
{
	uint32_t *objs, i, k;
	fold_row *fr;

	if (list_dead(d, c) != LH_OK)
		return LH_ENOMEM;
	objs = malloc(((size_t)d->ndead + 1) * sizeof *objs);
	d->dead_groups = calloc((size_t)d->ndead + 1, sizeof *d->dead_groups);
	if (objs == NULL || d->dead_groups == NULL) {
		free(objs);
		return LH_ENOMEM;
	}
	for (i = 0; i < d->ndead; i++)
		objs[i] = d->dead[i].obj;
	fr = fold_rows(c, objs, d->ndead);
	free(objs);
	if (fr == NULL)
		return LH_ENOMEM;
	for (i = 0; i < d->ndead; i = k) {
		lh_diff_dead_group *dg = &d->dead_groups[d->ndead_groups++];

		dg->pattern = fr[i].pattern;
		for (k = i; k < d->ndead && strcmp(fr[k].pattern, dg->pattern) == 0;
		    k++) {
			const lh_diff_dead *dd = &d->dead[fr[k].row];
			uint64_t r = retained_of(c->w, dd->obj);

			if (k > i)
				free(fr[k].pattern);
			if (dg->count++ == 0 || r > retained_of(c->w, dg->example_obj)) {
				dg->example_obj = dd->obj;
				dg->example = dd->path;   /* borrowed from d->dead */
				dg->label = dd->label;
			}
			dg->retained += r;
		}
	}
	free(fr);
	if (d->ndead_groups > 1)
		qsort(d->dead_groups, d->ndead_groups, sizeof *d->dead_groups,
			cmp_dead_group);
	return LH_OK;
}

/* Whether table t is luaheap's watch table: a weak-keyed table whose
 * values are all strings of a flag byte ('d' or 'w') and a label, stored
 * in the registry under a light userdata key (see dumper/watch.c). */
static int is_watch_table(const lh_snapshot *s, uint32_t t)
{
	const lh_table_info *ti = lh_snapshot_table_info(s, t);
	uint32_t e, mt = LH_NONE, nval = 0;

	if (ti == NULL || ti->asize != 0)
		return 0;
	for (e = s->edge_off[t]; e < s->edge_off[t + 1]; e++) {
		int kind = s->edge_kind[e] & LH_EDGE_KIND_MASK;
		const char *b;
		size_t len;

		if (kind == LH_E_METATABLE)
			mt = s->edge_to[e];
		else if (kind == LH_E_FIELD_OBJ) {
			b = lh_snapshot_string(s, s->edge_to[e], &len);
			if (b == NULL || len == 0 || (b[0] != 'd' && b[0] != 'w'))
				return 0;
			nval++;
		} else if (kind != LH_E_KEY)
			return 0;
	}
	return mt != LH_NONE && (nval > 0 || s->nwatches == 0) &&
		has_field(s, mt, "__mode", 6);
}

/* own[]: luaheap's watch table, its labels (values of weak-key entries,
 * which the dominator tree hangs under the common dominator of table and
 * key) and what it alone keeps (its dominator subtree, a run of the
 * preorder): never part of a leak report. */
static void mark_own(const lh_analysis *w, uint8_t *own)
{
	const lh_snapshot *s = w->snap;
	const lh_dom *dom = w->dom;
	uint32_t e, k;

	if (s->registry == LH_NONE)
		return;
	for (e = s->edge_off[s->registry]; e < s->edge_off[s->registry + 1]; e++) {
		uint32_t t = s->edge_to[e];

		if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) != LH_E_FIELD_LIGHT ||
		    s->type[t] != LH_T_TABLE || !lh_graph_live(w->graph, t) ||
		    !is_watch_table(s, t))
			continue;
		own[t] = 1;
		for (k = s->edge_off[t]; k < s->edge_off[t + 1]; k++)
			if ((s->edge_kind[k] & LH_EDGE_KIND_MASK) == LH_E_FIELD_OBJ)
				own[s->edge_to[k]] = 1;
		for (k = 0; k < dom->nlive && dom->order[k] != t; k++)
			;
		for (k++; k < dom->nlive; k++) {
			uint32_t v = dom->order[k];

			if (dom->idom[v] >= s->nobj || !own[dom->idom[v]])
				break;
			own[v] = 1;
		}
	}
}

/* The context of the folded paths over the last analysis w. */
static int ctx_init(ctx *c, const lh_analysis *w, const uint8_t *fresh,
	const uint32_t *par, const lh_diff_opts *opts)
{
	const lh_snapshot *s = w->snap;
	size_t nobj = s->nobj ? s->nobj : 1;

	c->w = w;
	c->fresh = fresh;
	c->par = par;
	c->maxlabel = opts && opts->maxlabel ? opts->maxlabel : 40;
	lh_strbuf_init(&c->hop);
	lh_strbuf_init(&c->text);
	lh_strbuf_init(&c->run);
	c->own = lh_diff__big(nobj, 1, 1);
	c->candbits = calloc(nobj / 32 + 1, sizeof *c->candbits);
	if (c->own == NULL || c->candbits == NULL || lh_fold__names_init(&c->names, s) != LH_OK)
		return LH_ENOMEM;
	mark_own(w, c->own);
	return LH_OK;
}

/* The registry's entries, luaheap's watch table left out. */
static uint32_t registry_entries(const lh_snapshot *s)
{
	uint32_t n = entries_of(s, s->registry), e;

	if (s->registry == LH_NONE)
		return n;
	for (e = s->edge_off[s->registry]; e < s->edge_off[s->registry + 1]; e++)
		if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) == LH_E_FIELD_LIGHT &&
		    s->type[s->edge_to[e]] == LH_T_TABLE &&
		    is_watch_table(s, s->edge_to[e]) && n > 0)
			n--;
	return n;
}

/* m[k] for k = 1..n-1: the objects of a[k] matched in a[k - 1], after
 * each snapshot's own work (side[k]). */
static int match_all(uint32_t **m, lh_diff_side *side,
	const lh_analysis *const *a, int n)
{
	int k;

	for (k = 0; k < n; k++)
		side[k].a = a[k];
	k = lh_diff__match(m, side, n);
	return k;
}

/* scan_run's work on object v: fresh[v] (v was created after the first
 * snapshot), d->cand[v] (v is a candidate, see diff.h) and v's row among
 * the grown tables. */
static int scan_object(scan_job *j, uint32_t v)
{
	const lh_analysis *w = j->c->w;
	const lh_snapshot *s = w->snap;
	uint32_t *const *m = j->m;
	uint32_t prev = m[j->n - 1][v], v0 = back(m, j->n, v, 0);
	int live = lh_graph__live(w->graph, v);

	if (v0 == LH_NONE)
		j->fresh[v] = 1;        /* sparse: pages never written stay unset */
	if (s->type[v] == LH_T_TABLE && live && !j->c->own[v] &&
	    v0 != LH_NONE && grown_row(j, v, v0) != LH_OK)
		return LH_ENOMEM;
	if (!live || j->c->own[v] ||
	    (s->nshared > 0 && lh_snapshot_shared(s, v)))
		return LH_OK;           /* luaheap's own, or no state's leak */
	if (j->n == 2 ? prev == LH_NONE :
	    prev != LH_NONE && m[1][prev] == LH_NONE) {
		j->d->cand[v] = 1;
		j->c->candbits[v / 32] |= 1u << (v % 32);  /* words: one job's */
		j->ncand++;
		j->cand_bytes += lh_snapshot_size(s, v);
	}
	return LH_OK;
}

static void *scan_run(void *arg)
{
	scan_job *j = arg;
	uint32_t v;

	lh_diff__cursor_init(&j->tw, j->c->w->snap, LH_T_TABLE);
	lh_diff__cursor_init(&j->t0, j->a[0]->snap, LH_T_TABLE);
	j->rc = LH_OK;
	for (v = j->lo; v < j->hi && j->rc == LH_OK; v++)
		j->rc = scan_object(j, v);
	return NULL;
}

/* fresh[], d->cand[] and the candidates' totals, and d->grown: the
 * tables that grew in object order, unfolded (build_grown folds them).
 * The second half of the objects is scanned on a thread of its own. */
static int scan_objects(lh_diff *d, const ctx *c, uint32_t *const *m,
	int n, const lh_analysis *const *a, uint8_t *fresh)
{
	uint32_t nobj = c->w->snap->nobj, k;
	lh_diff_grown *all;
	scan_job job[2];
	int rc;

	memset(job, 0, sizeof job);
	for (k = 0; k < 2; k++) {
		job[k].d = d;
		job[k].c = c;
		job[k].m = m;
		job[k].n = n;
		job[k].a = a;
		job[k].fresh = fresh;
		job[k].lo = k == 0 ? 0 : nobj / 64 * 32;   /* whole bit words */
		job[k].hi = k == 0 ? nobj / 64 * 32 : nobj;
	}
	lh_diff__halves(scan_run, &job[0], &job[1], nobj);
	for (k = 0; k < 2; k++) {
		d->t.candidates += job[k].ncand;
		d->t.candidate_bytes += job[k].cand_bytes;
	}
	d->grown = job[0].grown;
	d->ngrown = job[0].ngrown;
	if (job[0].rc == LH_OK && job[1].rc == LH_OK && job[1].ngrown > 0 &&
	    (all = realloc(d->grown, ((size_t)d->ngrown + job[1].ngrown) *
	    sizeof *all)) != NULL) {
		memcpy(&all[d->ngrown], job[1].grown, job[1].ngrown * sizeof *all);
		d->grown = all;
		d->ngrown += job[1].ngrown;
		job[1].ngrown = 0;
	}
	rc = job[0].rc != LH_OK || job[1].rc != LH_OK || job[1].ngrown > 0 ?
		LH_ENOMEM : LH_OK;
	free(job[1].grown);
	return rc;
}

/* The figures over the whole heap, first and last snapshots. */
static void fill_totals(lh_diff *d, const lh_analysis *first,
	const lh_analysis *w, const lh_diff_opts *opts)
{
	d->t.total_before = first->snap->hdr.lua_total_bytes;
	d->t.total_after = w->snap->hdr.lua_total_bytes;
	d->t.live_before = first->dom->live_bytes;
	d->t.live_after = w->dom->live_bytes;
	d->t.objects_before = first->graph->nlive;
	d->t.objects_after = w->graph->nlive;
	d->t.floor = opts && opts->min_bytes ? opts->min_bytes :
		(d->t.live_after / 1000 > 4096 ? d->t.live_after / 1000 : 4096);
	d->t.registry_before = registry_entries(first->snap);
	d->t.registry_after = registry_entries(w->snap);
	d->t.threads_before = first->classes->types[LH_T_THREAD].count;
	d->t.threads_after = w->classes->types[LH_T_THREAD].count;
}

static void ctx_release(ctx *c)
{
	lh_strbuf_release(&c->hop);
	lh_strbuf_release(&c->text);
	lh_strbuf_release(&c->run);
	lh_fold__names_release(&c->names);
	free(c->own);
	free(c->candbits);
	free(c->co);
}

int lh_diff_compute(lh_diff **out, const lh_analysis *const *a, int n,
	const lh_diff_opts *opts, lh_error *err)
{
	lh_diff *d = NULL;
	lh_diff_side side[3];
	uint32_t *m[3] = { NULL, NULL, NULL };
	uint8_t *fresh = NULL;
	const lh_analysis *w;
	ctx c;
	int k, rc = LH_ENOMEM;

	*out = NULL;
	memset(&c, 0, sizeof c);
	memset(side, 0, sizeof side);
	if (n != 2 && n != 3)
		return lh_error_set(err, LH_EUSAGE, "diff takes two or three snapshots");
	w = a[n - 1];
	if ((d = calloc(1, sizeof *d)) == NULL ||
	    match_all(m, side, a, n) != LH_OK)
		goto done;
	d->t.nsnap = n;
	d->ncand_obj = w->snap->nobj;
	d->cand = lh_diff__big(w->snap->nobj, 1, 1);  /* kept for the pictures */
	fresh = lh_diff__big(w->snap->nobj, 1, 1);
	if (d->cand == NULL || fresh == NULL ||
	    ctx_init(&c, w, fresh, side[n - 1].par, opts) != LH_OK)
		goto done;
	if (scan_objects(d, &c, m, n, a, fresh) != LH_OK)
		goto done;
	fill_totals(d, a[0], w, opts);
	if (build_groups(d, &c, d->cand, m, n, a) != LH_OK ||
	    build_grown(d, &c, m, n, a) != LH_OK ||
	    build_globals(d, a, n) != LH_OK ||
	    build_classes(d, a[0], w) != LH_OK ||
	    build_dead(d, &c) != LH_OK)
		goto done;
	rc = LH_OK;
	*out = d;
	d = NULL;
done:
	if (rc == LH_ENOMEM)
		lh_error_set(err, rc, "out of memory");
	ctx_release(&c);
	for (k = 0; k < 3; k++) {
		free(m[k]);
		lh_diff__side_release(&side[k]);
	}
	free(fresh);
	lh_diff_free(d);
	return rc;
}

int lh_diff_fresh(uint8_t **out, const lh_analysis *before,
	const lh_analysis *after, lh_error *err)
{
	lh_diff_side side[2];
	uint32_t v, n = after->snap->nobj, *m[2] = { NULL, NULL };
	int rc = LH_ENOMEM;

	*out = NULL;
	memset(side, 0, sizeof side);
	side[0].a = before;
	side[1].a = after;
	if (lh_diff__match(m, side, 2) != LH_OK ||
	    (*out = malloc((size_t)n + 1)) == NULL)
		goto done;
	for (v = 0; v < n; v++)
		(*out)[v] = m[1][v] == LH_NONE;
	rc = LH_OK;
done:
	if (rc != LH_OK)
		lh_error_set(err, rc, "out of memory");
	lh_diff__side_release(&side[0]);
	lh_diff__side_release(&side[1]);
	free(m[1]);
	return rc;
}

/* ---- reading the result ---- */

const lh_diff_totals *lh_diff_get_totals(const lh_diff *d)
{
	return &d->t;
}

uint32_t lh_diff_num_groups(const lh_diff *d)
{
	return d->ngroups;
}

uint32_t lh_diff_num_suspects(const lh_diff *d)
{
	return d->nsuspects;
}

const lh_diff_group *lh_diff_get_group(const lh_diff *d, uint32_t i)
{
	return i < d->ngroups ? &d->groups[i] : NULL;
}

uint32_t lh_diff_num_grown(const lh_diff *d)
{
	return d->ngrown;
}

const lh_diff_grown *lh_diff_get_grown(const lh_diff *d, uint32_t i)
{
	return i < d->ngrown ? &d->grown[i] : NULL;
}

uint32_t lh_diff_num_globals(const lh_diff *d)
{
	return d->nglobals;
}

const lh_diff_global *lh_diff_get_global(const lh_diff *d, uint32_t i)
{
	return i < d->nglobals ? &d->globals[i] : NULL;
}

uint32_t lh_diff_num_classes(const lh_diff *d)
{
	return d->nclasses;
}

const lh_diff_class *lh_diff_get_class(const lh_diff *d, uint32_t i)
{
	return i < d->nclasses ? &d->classes[i] : NULL;
}

uint32_t lh_diff_num_dead(const lh_diff *d)
{
	return d->ndead;
}

const lh_diff_dead *lh_diff_get_dead(const lh_diff *d, uint32_t i)
{
	return i < d->ndead ? &d->dead[i] : NULL;
}

uint32_t lh_diff_num_dead_groups(const lh_diff *d)
{
	return d->ndead_groups;
}

const lh_diff_dead_group *lh_diff_get_dead_group(const lh_diff *d,
	uint32_t i)
{
	return i < d->ndead_groups ? &d->dead_groups[i] : NULL;
}

int lh_diff_candidate(const lh_diff *d, uint32_t v)
{
	return v < d->ncand_obj && d->cand[v];
}
