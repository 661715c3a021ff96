/*
 * One call that runs every analysis of a snapshot (reachability,
 * dominators, root paths, classes) for the commands, and the rankings
 * they print: top objects or groups, biggest retainers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "analysis_int.h"
#include "index_int.h"
#include "snapshot_internal.h"

void lh_analysis_free(lh_analysis *a)
{
	if (a == NULL)
		return;
	lh_index__release(a);       /* the parts of a mapped analysis */
	lh_classes_free(a->classes);
	lh_bfs_free(a->bfs);
	lh_dom_free(a->dom);
	lh_graph_free(a->graph);
	lh_snapshot_free(a->own_snap);
	free(a);
}

const lh_snapshot *lh_analysis_snapshot(const lh_analysis *a)
{
	return a->snap;
}

const lh_graph *lh_analysis_graph(const lh_analysis *a)
{
	return a->graph;
}

const lh_dom *lh_analysis_dom(const lh_analysis *a)
{
	return a->dom;
}

const lh_bfs *lh_analysis_bfs(const lh_analysis *a)
{
	return a->bfs;
}

const lh_classes *lh_analysis_classes(const lh_analysis *a)
{
	return a->classes;
}

void lh_analysis_totals(lh_totals *out, const lh_analysis *a)
{
	out->total_bytes = a->total_bytes;
	out->live_bytes = a->dom->live_bytes;
	out->live_count = a->graph->nlive;
	out->garbage_bytes = a->garbage_bytes;
	out->garbage_count = a->garbage_count;
}

void lh_analysis_weak_stats(lh_weak_stats *out, const lh_analysis *a)
{
	const lh_snapshot *s = a->snap;
	uint32_t v, ti = 0;
	int m;

	memset(out, 0, sizeof *out);
	for (v = 0; v < s->nobj; v++) {
		if (s->type[v] != LH_T_TABLE)
			continue;
		m = s->table_weak[ti++] & 3;    /* tables come in object order */
		out->count[m]++;
		out->retained[m] += lh_graph__live(a->graph, v) ?
			lh_dom__retained(a->dom, v) : 0;
	}
}

static void tell(const lh_open_opts *o, int phase)
{
	if (o != NULL && o->progress != NULL)
		o->progress(o->ctx, phase, 0, 0);
}

/* The second thread's work beside the dominators: the root paths (both
 * only read the graph), then the index's sections of the snapshot, graph
 * and root paths; later, beside the classes, the dominators' sections. */
typedef struct side_job {
	lh_analysis *a;
	lh_index_writer *w;         /* NULL: no index to write */
	int bfs;                    /* build the root paths first */
	int part;                   /* the last part w stores (IDX_PART_*) */
	lh_error err;
	int rc;
} side_job;

static void *side_run(void *arg)
{
	side_job *j = arg;

	if (j->bfs)
		j->rc = lh_bfs_build(&j->a->bfs, j->a->graph, &j->err);
	if (j->rc == LH_OK && j->w != NULL)
		lh_index__writer_put(j->w, j->a, j->part);
	return NULL;
}

/* Runs j beside fn(a) when 'two' threads may run (else j is left to the
 * caller); returns fn's code. */
static int beside(side_job *j, int two, int (*fn)(lh_analysis *,
	lh_error *), lh_analysis *a, lh_error *err, int *ran)
{
	pthread_t tid;
	int rc;

	*ran = two && pthread_create(&tid, NULL, side_run, j) == 0;
	rc = fn(a, err);
	if (*ran)
		pthread_join(tid, NULL);
	return rc;
}

static int dominators(lh_analysis *a, lh_error *err)
{
	return lh_dom_build_snapshot(&a->dom, a->graph, a->snap, err);
}

static int classes(lh_analysis *a, lh_error *err)
{
	return lh_classes_build(&a->classes, a->snap, a->graph, a->dom, a->bfs,
		err);
}

/* The results the index stores, computed by two threads at once, get
 * their places in the file of the index being written (ar: the
 * snapshot's arena, NULL when there is none) now, in this order,
 * so that the file is the same whatever the threads' timing. */
static void plan(lh_graph *g, lh_arena *ar)
{
	size_t n = (size_t)g->n + 1;

	g->arena = ar;
	lh_arena__plan(ar, LH_SLOT_VIA, n * sizeof *((lh_bfs *)0)->via);
	lh_arena__plan(ar, LH_SLOT_IDOM, n * sizeof *((lh_dom *)0)->idom);
	lh_arena__plan(ar, LH_SLOT_RETAINED,
		n * sizeof *((lh_dom *)0)->retained);
	lh_arena__plan(ar, LH_SLOT_ORDER, ((size_t)g->nlive + 2) *
		sizeof *((lh_dom *)0)->order);
}

/* Every analysis of a->snap, each phase told to o (may be NULL), the
 * parts of its index stored in w (may be NULL) as they are computed
 * when a second thread may run. An error of the dominators is the one
 * reported when both fail, as in one thread. */
static int analyse(lh_analysis *a, const lh_open_opts *o, lh_index_writer *w,
	lh_error *err)
{
	const lh_snapshot *snap = a->snap;
	side_job j;
	uint32_t v;
	int rc, ran, two = snap->nobj >= (1u << 16) && lh_snap__threads() > 1;

	tell(o, LH_PHASE_REACH);
	if ((rc = lh_graph_from_snapshot(&a->graph, snap, err)) != LH_OK)
		return rc;
	plan(a->graph, ((lh_snap_internal *)snap->internal)->arena);
	tell(o, LH_PHASE_DOM);
	memset(&j, 0, sizeof j);
	j.a = a;
	j.w = w;
	j.bfs = 1;
	j.part = IDX_PART_BFS;
	if ((rc = beside(&j, two, dominators, a, err, &ran)) != LH_OK)
		return rc;
	tell(o, LH_PHASE_PATHS);
	if (!ran) {
		j.w = NULL;             /* one thread: the index at the end */
		side_run(&j);
	}
	if (j.rc != LH_OK) {
		if (err != NULL)
			*err = j.err;
		return j.rc;
	}
	tell(o, LH_PHASE_CLASSES);
	j.bfs = 0;
	j.part = IDX_PART_DOM;
	if ((rc = beside(&j, two && j.w != NULL, classes, a, err, &ran)) != LH_OK)
		return rc;
	for (v = 0; v < snap->nobj; v++) {
		if (lh_snapshot_shared(snap, v))
			continue;         /* not this state's bytes */
		a->total_bytes += lh_snapshot_size(snap, v);
		if (!lh_graph__live(a->graph, v)) {
			a->garbage_count++;
			a->garbage_bytes += lh_snapshot_size(snap, v);
		}
	}
	return LH_OK;
}

int lh_analysis_new(lh_analysis **out, const lh_snapshot *snap, lh_error *err)
{
	lh_analysis *a;
	int rc;

	*out = NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	a->snap = snap;
	if ((rc = analyse(a, NULL, NULL, err)) != LH_OK) {
		lh_analysis_free(a);
		return rc;
	}
	*out = a;
	return LH_OK;
}

const char *lh_phase_name(int phase)
{
	static const char *const names[] = { "opening the index", "reading",
		"reachability", "dominators", "root paths", "classes",
		"writing the index" };

	return phase >= 0 && phase <= LH_PHASE_WRITE ? names[phase] : "?";
}

const char *lh_analysis_index_path(const lh_analysis *a)
{
	return a->index != NULL ? a->index->path : NULL;
}

int lh_analysis_indexed(const lh_analysis *a)
{
	return a->index != NULL && a->index->mapped;
}

static void note(const lh_open_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(const lh_open_opts *o, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	if (o == NULL || o->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->note(o->ctx, msg);
}

/* The first index of 'paths' that can be believed, into *out; a note for
 * each one there that cannot. */
static void try_index(lh_analysis **out, char *const paths[2],
	const char *path, const lh_index_bind *bind, const lh_open_opts *o)
{
	lh_error why;
	int i, rc;

	for (i = 0; i < 2 && *out == NULL; i++) {
		if (paths[i] == NULL)
			continue;
		lh_error_clear(&why);
		rc = lh_index__load(out, paths[i], path, bind, &why);
		if (rc == LH_ENOMEM || rc == LH_ENOTFOUND)
			continue;
		if (rc != LH_OK)
			note(o, "ignoring index '%s': %s; rebuilding", paths[i],
				why.msg);
	}
}

/* Writes the rest of a's index (w), beside the snapshot or else in the
 * cache directory. */
static int save_index(lh_analysis *a, lh_index_writer *w,
	const lh_open_opts *o, lh_error *err)
{
	const char *where;
	lh_error why;

	tell(o, LH_PHASE_WRITE);
	lh_error_clear(&why);
	if (lh_index__writer_finish(w, a, &where, &why) == LH_OK) {
		if ((a->index = calloc(1, sizeof *a->index)) != NULL)
			a->index->path = strdup(where);
		return LH_OK;
	}
	if (o != NULL && (o->flags & LH_OPEN_MUST_WRITE))
		return lh_error_set(err, LH_EIO, "cannot write an index of '%s': "
			"%s", a->snap->path, why.msg);
	note(o, "cannot write an index of '%s': %s", a->snap->path, why.msg);
	return LH_OK;
}

static void read_progress(void *ctx, uint64_t done, uint64_t total)
{
	const lh_open_opts *o = ctx;

	o->progress(o->ctx, LH_PHASE_READ, done, total);
}

/* Reads and analyses the snapshot at path into *out, storing its index
 * in w (may be NULL) as the parts are computed. */
static int compute(lh_analysis **out, const char *path,
	const lh_open_opts *o, lh_index_writer *w, lh_error *err)
{
	lh_snapshot *snap = NULL;
	lh_analysis *a;
	int rc;

	tell(o, LH_PHASE_READ);
	/* the arrays the index stores go straight into its file's pages */
	rc = lh_snap__load(&snap, path, o != NULL && o->progress != NULL ?
		read_progress : NULL, (void *)o, w != NULL ?
		lh_index__writer_arena(w) : NULL, err);
	if (rc != LH_OK)
		return rc;
	if ((a = calloc(1, sizeof *a)) == NULL) {
		lh_snapshot_free(snap);
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	}
	a->snap = a->own_snap = snap;
	if ((rc = analyse(a, o, w, err)) != LH_OK) {
		lh_error why = *err;
		lh_error_set(err, rc, "cannot analyse snapshot '%s': %s", path,
			why.msg);
		lh_analysis_free(a);
		return rc;
	}
	*out = a;
	return LH_OK;
}

int lh_analysis_open(lh_analysis **out, const char *path,
	const lh_open_opts *o, lh_error *err)
{
	char *paths[2] = { NULL, NULL };
	lh_index_writer *w = NULL;
	unsigned flags = o != NULL ? o->flags : 0;
	lh_index_bind bind;
	lh_error why, local;
	int use = !(flags & LH_OPEN_NO_INDEX), rc = LH_OK;

	*out = NULL;
	if (err == NULL)
		err = &local;
	/* no index for what is not a regular file (a pipe) */
	if (use && lh_index__bind(&bind, path, &why) != LH_OK)
		use = 0;
	if (use && lh_index__paths(&paths[0], &paths[1], path) != LH_OK)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	if (use && !(flags & LH_OPEN_REBUILD)) {
		tell(o, LH_PHASE_INDEX);
		try_index(out, paths, path, &bind, o);
	}
	if (*out == NULL && use && (w = lh_index__writer_new(paths,
	    &bind)) == NULL)
		rc = lh_error_set(err, LH_ENOMEM, "out of memory");
	if (*out == NULL && rc == LH_OK &&
	    (rc = compute(out, path, o, w, err)) == LH_OK) {
		if (use)
			rc = save_index(*out, w, o, err);
		else if (flags & LH_OPEN_MUST_WRITE)
			rc = lh_error_set(err, LH_EIO, "cannot index '%s': not a "
				"regular file", path);
		if (rc != LH_OK) {
			lh_analysis_free(*out);
			*out = NULL;
		}
	}
	lh_index__writer_free(w);
	free(paths[0]);
	free(paths[1]);
	return rc;
}
void lh_analysis_render_path(lh_strbuf *sb, const lh_analysis *a, uint32_t v,
	size_t maxlabel)
{
	lh_path *p = NULL;
	uint32_t np = 0;

	if (lh_paths_find(&p, &np, a->graph, a->bfs, v, 1, NULL) !=
	    LH_OK || np == 0)
		return;
	lh_render_path(sb, a->snap, &p[0], maxlabel);
	lh_paths_free(p, np);
}

void lh_analysis_render_tail(lh_strbuf *sb, const lh_analysis *a, uint32_t v,
	size_t maxlabel, uint32_t maxhops)
{
	const lh_bfs *b = a->bfs;
	lh_path p;
	uint32_t n = 0, x, i;

	if (v >= b->n || lh_bfs_parent(b, v) == LH_NONE || maxhops == 0)
		return;
	for (x = v; x != LH_DOM_VROOT && n <= maxhops; x = lh_bfs_parent(b, x))
		n++;
	if (n <= maxhops) {
		lh_analysis_render_path(sb, a, v, maxlabel);
		return;
	}
	/* the last maxhops hops, after an ellipsis */
	p.nhops = maxhops;
	p.hops = malloc((size_t)maxhops * sizeof *p.hops);
	if (p.hops == NULL) {
		sb->oom = 1;
		return;
	}
	lh_bfs_hops(p.hops, b, v, maxhops);
	/* "…<table 0x...>" names where the tail starts, so that the path
	 * still resolves (lh_expr_resolve) */
	lh_strbuf_puts(sb, "\xe2\x80\xa6<");
	lh_render_object(sb, a->snap, p.hops[0].from);
	lh_strbuf_puts(sb, ">");
	i = (uint32_t)sb->len;
	lh_render_path(sb, a->snap, &p, maxlabel);
	if (sb->len > i && sb->buf[i] == '<') {     /* " <upvalue ...>" */
		lh_strbuf_puts(sb, " ");
		memmove(sb->buf + i + 1, sb->buf + i, sb->len - i - 1);
		sb->buf[i] = ' ';
	}
	free(p.hops);
}

/* Ranking: the measure 'by' (LH_BY_*), largest first, then name, then
 * index. The measure is an argument, never a global: analyses may rank
 * in parallel threads. */
static uint64_t measure(const lh_top_row *r, int by)
{
	switch (by) {
	case LH_BY_SELF: return r->self;
	case LH_BY_COUNT: return r->count;
	default: return r->retained;
	}
}

static int cmp_rows(const lh_top_row *a, const lh_top_row *b, int by)
{
	uint64_t x = measure(a, by), y = measure(b, by);
	int c;

	if (x != y)
		return x > y ? -1 : 1;
	if (a->name != NULL && b->name != NULL &&
	    (c = strcmp(a->name, b->name)) != 0)
		return c;
	return a->obj < b->obj ? -1 : a->obj > b->obj;
}

/* Keeps the best 'limit' rows of a stream in a min-heap (worst on top),
 * ranked by 'by'. */
typedef struct heap {
	lh_top_row *r;
	uint32_t n, limit;
	int by;
} heap;

static void sift_down(heap *h, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, w = i;
		lh_top_row t;
		if (l < h->n && cmp_rows(&h->r[l], &h->r[w], h->by) > 0)
			w = l;
		if (l + 1 < h->n && cmp_rows(&h->r[l + 1], &h->r[w], h->by) > 0)
			w = l + 1;
		if (w == i)
			return;
		t = h->r[i]; h->r[i] = h->r[w]; h->r[w] = t;
		i = w;
	}
}

static void heap_push(heap *h, const lh_top_row *row)
{
	uint32_t i;

	if (h->n < h->limit) {
		i = h->n++;
		h->r[i] = *row;
		while (i > 0 &&
		    cmp_rows(&h->r[(i - 1) / 2], &h->r[i], h->by) < 0) {
			lh_top_row t = h->r[i];
			h->r[i] = h->r[(i - 1) / 2];
			h->r[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (h->limit > 0 && cmp_rows(row, &h->r[0], h->by) < 0) {
		h->r[0] = *row;
		sift_down(h, 0);
	}
}

/* Whether v is one of the objects everything hangs from: a root, the
 * registry's slots for the main thread and _G, or package.loaded. */
static int is_structural(const lh_analysis *a, uint32_t v)
{
	const lh_snapshot *s = a->snap;
	uint32_t i, e;

	if (v == s->registry || v == s->main_thread)
		return 1;
	for (i = 0; i < s->nroots; i++)
		if (s->roots[i].target == v)
			return 1;
	if (s->registry >= s->nobj)
		return 0;
	/* the edge into v must be one of the registry's (cheap test first:
	 * finding the parent searches the offsets) */
	e = a->bfs->via[v];
	if (e == LH_NONE || e < s->edge_off[s->registry] ||
	    e >= s->edge_off[s->registry + 1] ||
	    lh_bfs_parent(a->bfs, v) != s->registry)
		return 0;
	switch (s->edge_kind[e] & LH_EDGE_KIND_MASK) {
	case LH_E_ARRAY:
	case LH_E_FIELD_INT: {
		lh_label l;
		lh_snapshot_label(s, e, &l);
		return l.i == 1 || l.i == 2;    /* LUA_RIDX_MAINTHREAD, _GLOBALS */
	}
	case LH_E_FIELD_STR: {
		lh_label l;
		size_t len = 0;
		const char *t;
		lh_snapshot_label(s, e, &l);
		t = lh_snapshot_string(s, l.obj, &len);
		return t != NULL && len == 7 && memcmp(t, "_LOADED", 7) == 0;
	}
	}
	return 0;
}

/* Sorts the heap's rows best first, in place: pops the worst row to the
 * end while the heap shrinks (a heapsort, where qsort would need the
 * measure in a global). */
static void heap_sort(heap *h)
{
	uint32_t n = h->n;

	while (h->n > 1) {
		lh_top_row t = h->r[0];
		h->r[0] = h->r[--h->n];
		h->r[h->n] = t;
		sift_down(h, 0);
	}
	h->n = n;
}

/* Every live object a row (the structural ones aside when asked). */
static void push_objects(heap *h, const lh_analysis *a, int skip_structural)
{
	const lh_snapshot *s = a->snap;
	uint32_t v;

	for (v = 0; v < s->nobj; v++) {
		lh_top_row r;
		if (!lh_graph__live(a->graph, v))
			continue;
		r.name = NULL;
		r.obj = v;
		r.count = 1;
		r.self = lh_snapshot_size(s, v);
		r.retained = lh_dom__retained(a->dom, v);
		/* most objects lose to the heap's worst: test that first */
		if ((h->n == h->limit && (h->limit == 0 ||
		    cmp_rows(&r, &h->r[0], h->by) >= 0)) ||
		    (skip_structural && is_structural(a, v)))
			continue;
		heap_push(h, &r);
	}
}

/* Every group with live members a row (group "function": closures only),
 * its example the instance retaining the most; best[] is scratch
 * ([ngroups]). */
static void push_groups(heap *h, const lh_analysis *a, int group,
	uint32_t *best, uint32_t ngroups)
{
	const lh_snapshot *s = a->snap;
	const lh_classes *c = a->classes;
	uint32_t v, i;

	for (i = 0; i < ngroups; i++)
		best[i] = LH_NONE;
	for (v = 0; v < s->nobj; v++) {
		uint32_t gi;
		if (!lh_graph__live(a->graph, v))
			continue;
		gi = group == LH_GROUP_TYPE ?
			(s->type[v] < LH_T_COUNT ? s->type[v] : 0) :
			lh_classes__of(c, v);
		if (best[gi] == LH_NONE ||
		    lh_dom__retained(a->dom, v) >
		    lh_dom__retained(a->dom, best[gi]))
			best[gi] = v;
	}
	for (i = 0; i < ngroups; i++) {
		lh_top_row r;
		const lh_class_stat *st = group == LH_GROUP_TYPE ?
			&c->types[i] : &c->live[i];
		if (st->count == 0)
			continue;
		if (group == LH_GROUP_FUNCTION && c->type[i] != LH_T_LFUNC &&
		    c->type[i] != LH_T_CFUNC)
			continue;
		r.name = group == LH_GROUP_TYPE ? lh_type_name((int)i) :
			c->name[i];
		r.obj = best[i];
		r.count = st->count;
		r.self = st->self;
		r.retained = st->retained;
		heap_push(h, &r);
	}
}

static int collect(lh_top_row **rows, uint32_t *nrows, const lh_analysis *a,
	int by, int group, uint32_t limit, int skip_structural, lh_error *err)
{
	heap h;
	uint32_t ngroups = 0, most, *best = NULL;
	int rc = LH_OK;

	*rows = NULL;
	*nrows = 0;
	if (group == LH_GROUP_CLASS || group == LH_GROUP_FUNCTION)
		ngroups = a->classes->nclass;
	else if (group == LH_GROUP_TYPE)
		ngroups = LH_T_COUNT;
	most = group == LH_GROUP_NONE ? a->dom->nlive : ngroups;
	h.limit = limit == 0 || limit > most ? most : limit;
	h.n = 0;
	h.by = by;
	h.r = malloc(((size_t)h.limit + 1) * sizeof *h.r);
	if (ngroups > 0)
		best = malloc((size_t)ngroups * sizeof *best);
	if (h.r == NULL || (ngroups > 0 && best == NULL)) {
		rc = lh_error_set(err, LH_ENOMEM, "out of memory ranking");
		goto done;
	}
	if (group == LH_GROUP_NONE)
		push_objects(&h, a, skip_structural);
	else
		push_groups(&h, a, group, best, ngroups);
	heap_sort(&h);
	*rows = h.r;
	*nrows = h.n;
	h.r = NULL;
done:
	free(h.r);
	free(best);
	return rc;
}

int lh_analysis_top(lh_top_row **rows, uint32_t *nrows, const lh_analysis *a,
	int by, int group, uint32_t limit, lh_error *err)
{
	return collect(rows, nrows, a, by, group, limit, 0, err);
}

int lh_analysis_retainers(lh_top_row **rows, uint32_t *nrows,
	const lh_analysis *a, uint32_t limit, lh_error *err)
{
	return collect(rows, nrows, a, LH_BY_RETAINED, LH_GROUP_NONE, limit, 1,
		err);
}
