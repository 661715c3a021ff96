/*
 * Diff of two or three analysed snapshots: identity across snapshots,
 * candidates (new objects that survived), their grouping by folded root
 * path, container growth and suspects, grown tables, new globals, class
 * deltas and expected-dead objects still alive. See diff.h for the model.
 */
#include <stdlib.h>
#include <string.h>
#include "luaheap/diff.h"

#define NOT_SEEN UINT32_MAX

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
	const lh_func_info *fa, *fb;

	if (sa->type[ia] != sb->type[ib])
		return 0;
	fa = lh_snapshot_func_info(sa, ia);
	fb = lh_snapshot_func_info(sb, ib);
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

/* Every object's parent on its shortest path, as lh_bfs_parent says, in one
 * pass over the edges instead of a search per object (the diff asks for
 * each object's parent several times). The caller frees the array. */
static uint32_t *bfs_parents(const lh_analysis *an)
{
	const lh_snapshot *s = an->snap;
	const lh_bfs *b = an->bfs;
	uint32_t *par = malloc(((size_t)s->nobj + 1) * sizeof *par), u, e, v;

	if (par == NULL)
		return NULL;
	for (v = 0; v < s->nobj; v++) {
		int root = (b->rootbits[v >> 5] >> (v & 31)) & 1;

		par[v] = root || b->via[v] == LH_NONE ? lh_bfs_parent(b, v) : NOT_SEEN;
	}
	for (u = 0; u < s->nobj; u++)
		for (e = s->edge_off[u]; e < s->edge_off[u + 1]; e++) {
			v = s->edge_to[e];
			if (par[v] == NOT_SEEN && b->via[v] == e)
				par[v] = u;
		}
	return par;
}

/*
 * match[i] for every object i of b: the same object in a, or LH_NONE.
 * Same address, type and fingerprint are not enough when the allocator
 * hands a freed block to a new object of the same shape, which churn does
 * all the time; so a reachable object must also hang from the same parent
 * (matched first) by the same reference on its shortest root path, or,
 * when its path changed (a list that grew at the head), still reference
 * exactly what it did.
 */
static uint32_t *match_objects(const lh_analysis *a, const uint32_t *par_a,
	const lh_analysis *b, const uint32_t *par_b)
{
	const lh_snapshot *sa = a->snap, *sb = b->snap;
	size_t n = sb->nobj ? sb->nobj : 1;
	uint32_t *m = malloc(n * sizeof *m), *stack = malloc(n * sizeof *stack);
	uint8_t *done = calloc(n, 1);
	uint32_t i, j, k, v, sp;

	if (m == NULL || stack == NULL || done == NULL) {
		free(m);
		m = NULL;
		goto out;
	}
	for (i = 0; i < sb->nobj; i += k) {   /* in batches, for speed */
		uint64_t addr[64];
		uint32_t found[64];

		k = sb->nobj - i < 64 ? sb->nobj - i : 64;
		for (j = 0; j < k; j++)
			addr[j] = lh_snapshot_addr(sb, i + j);
		lh_snapshot_find_many(sa, addr, k, found);
		for (j = 0; j < k; j++)
			m[i + j] = found[j] != LH_NONE &&
				same_object(a, found[j], b, i + j) ? found[j] : LH_NONE;
	}
	/* Settle parents before children: climb to a settled ancestor, then
	 * decide on the way down. */
	for (i = 0; i < sb->nobj; i++) {
		sp = 0;
		for (v = i; !done[v]; v = par_b[v]) {
			stack[sp++] = v;
			done[v] = 1;
			if (par_b[v] >= sb->nobj)
				break;
		}
		while (sp > 0) {
			uint32_t pb, pa;

			v = stack[--sp];
			j = m[v];
			pb = par_b[v];
			if (j == LH_NONE || pb == LH_NONE)
				continue;               /* unreachable: address only */
			pa = par_a[j];
			if (pb == LH_DOM_VROOT) {
				if (pa != LH_DOM_VROOT || root_kind(sa, a->bfs->via[j]) !=
				    root_kind(sb, b->bfs->via[v]))
					m[v] = LH_NONE;
			} else if ((pa >= sa->nobj || m[pb] != pa ||
			    !same_reference(sa, a->bfs->via[j], sb, b->bfs->via[v])) &&
			    !same_content(sa, j, sb, v))
				m[v] = LH_NONE;
		}
	}
out:
	free(stack);
	free(done);
	return m;
}

/* ---- a string-keyed hash map of groups ---- */

typedef struct strmap {
	uint32_t *slot;             /* group index + 1, 0 empty */
	uint32_t cap;
} strmap;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* ---- folded paths ---- */

typedef struct ctx {
	const lh_analysis *w;       /* the snapshot the candidates live in */
	const uint8_t *fresh;       /* [w n] 1: created within the span */
	const uint32_t *par;        /* [w n] parents on the shortest paths */
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

/* Whether hop edge e is an index to fold: any key that is not a string
 * constant of the program (old string keys name fields; new ones are data). */
static int foldable(const ctx *c, uint32_t e)
{
	lh_label l;

	lh_snapshot_label(c->w->snap, e, &l);
	switch (l.kind) {
	case LH_E_ARRAY: case LH_E_FIELD_INT: case LH_E_FIELD_NUM:
	case LH_E_FIELD_BOOL: case LH_E_FIELD_OBJ: case LH_E_FIELD_LIGHT:
	case LH_E_KEY:
		return 1;
	case LH_E_FIELD_STR:
		return l.obj != LH_NONE && c->fresh[l.obj];
	default:
		return 0;
	}
}

/* Renders v's shortest path into c->text, folded; 0 if v is unreachable. */
static int folded_path(ctx *c, uint32_t v)
{
	const lh_snapshot *s = c->w->snap;
	lh_path *p = NULL;
	uint32_t np = 0, i;
	int any = 0;

	c->text.len = 0;
	if (lh_paths_find(&p, &np, s, c->w->graph, c->w->bfs, v, 1, NULL) !=
	    LH_OK || np == 0)
		return 0;
	size_t run_at = 0;                         /* where the last hop began */
	uint32_t repeats = 0;

	for (i = 0; i < p[0].nhops; i++) {
		const lh_hop *h = &p[0].hops[i];

		c->hop.len = 0;
		if (i > 1 && h->edge != LH_NONE && foldable(c, h->edge) &&
		    (s->edge_kind[h->edge] & LH_EDGE_KIND_MASK) != LH_E_KEY) {
			lh_strbuf_puts(&c->hop, "[*]");
		} else {
			if (!lh_path_render_hop(&c->hop, s, &p[0], i, c->maxlabel) ||
			    c->hop.len == 0)
				continue;
			/* registry[7] folds; the aliases _G and package.loaded
			 * do not */
			if (i == 1 && c->hop.buf[0] == '[' && h->edge != LH_NONE &&
			    foldable(c, h->edge)) {
				c->hop.len = 0;
				lh_strbuf_puts(&c->hop, "[*]");
			}
			fold_addresses(&c->hop, 0);
		}
		/* A run of one step (a linked list: .prev.prev.prev...) folds
		 * to (.prev)*, whatever its length. */
		if (any && c->hop.len == c->run.len &&
		    memcmp(c->run.buf, c->hop.buf, c->hop.len) == 0) {
			if (++repeats == 1) {
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
	for (i = 0; i < d->ngrown; i++)
		free(d->grown[i].path);
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
 * analysis a0, or LH_NONE if it is new) grew: its retained size, or its own
 * size when what it holds is shared with others (a table that gains entries
 * grows its array or hash part even when its retained size does not). */
static int64_t container_growth(const lh_analysis *a0, uint32_t c0,
	const lh_analysis *w, uint32_t cw)
{
	int64_t by_retained = (int64_t)retained_of(w, cw) -
		(int64_t)retained_of(a0, c0);
	int64_t by_self = 0;

	/* A table's own size also moves with rehashes (weak tables keep dead
	 * entries until the next one): it counts only when entries were added. */
	if (cw < w->snap->nobj && (w->snap->type[cw] != LH_T_TABLE ||
	    entries_of(w->snap, cw) > (c0 < a0->snap->nobj ?
	    entries_of(a0->snap, c0) : 0)))
		by_self = (int64_t)lh_snapshot_size(w->snap, cw) -
			(c0 < a0->snap->nobj ? (int64_t)lh_snapshot_size(a0->snap, c0) : 0);
	return by_retained > by_self ? by_retained : by_self;
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

/* Groups: leak roots by folded path; fills d->groups. */
static int build_groups(lh_diff *d, ctx *c, const uint8_t *cand,
	uint32_t *const *m, int n,
	const lh_analysis *const *a, lh_error *err)
{
	const lh_analysis *w = c->w;
	const lh_snapshot *s = w->snap;
	const lh_dom *dom = w->dom;
	uint32_t *top = NULL, *gid = NULL, i, k, cap = 16, npairs = 0;
	uint64_t *pairs = NULL;
	strmap map = { NULL, 0 };
	int rc = LH_ENOMEM;

	top = malloc((size_t)(s->nobj ? s->nobj : 1) * sizeof *top);
	gid = malloc((size_t)(s->nobj ? s->nobj : 1) * sizeof *gid);
	d->groups = calloc(cap, sizeof *d->groups);
	if (top == NULL || gid == NULL || d->groups == NULL)
		goto done;

	/* Leak roots: in preorder an object's idom comes first, so top[] of
	 * the idom is known when the object is reached. */
	for (k = 0; k < dom->nlive; k++) {
		uint32_t v = dom->order[k], p = dom->idom[v];

		gid[v] = NOT_SEEN;
		if (!cand[v])
			continue;
		top[v] = (p < s->nobj && cand[p]) ? top[p] : v;
	}

	map.cap = 64;
	map.slot = calloc(map.cap, sizeof *map.slot);
	if (map.slot == NULL)
		goto done;
	for (k = 0; k < dom->nlive; k++) {
		uint32_t v = dom->order[k], h, g;
		lh_diff_group *grp;

		if (!cand[v] || top[v] != v)
			continue;
		if (!folded_path(c, v))
			continue;
		if (c->text.oom)
			goto done;
		if (d->ngroups * 2 >= map.cap) {           /* grow and rehash */
			uint32_t ncap = map.cap * 2, *ns = calloc(ncap, sizeof *ns), j;

			if (ns == NULL)
				goto done;
			for (j = 0; j < d->ngroups; j++) {
				h = (uint32_t)hash_str(d->groups[j].pattern) & (ncap - 1);
				while (ns[h])
					h = (h + 1) & (ncap - 1);
				ns[h] = j + 1;
			}
			free(map.slot);
			map.slot = ns;
			map.cap = ncap;
		}
		h = (uint32_t)hash_str(c->text.buf) & (map.cap - 1);
		while (map.slot[h] &&
		    strcmp(d->groups[map.slot[h] - 1].pattern, c->text.buf) != 0)
			h = (h + 1) & (map.cap - 1);
		if (map.slot[h] == 0) {
			if (d->ngroups == cap) {
				lh_diff_group *ng = realloc(d->groups,
					(size_t)cap * 2 * sizeof *ng);
				if (ng == NULL)
					goto done;
				memset(ng + cap, 0, (size_t)cap * sizeof *ng);
				d->groups = ng;
				cap *= 2;
			}
			grp = &d->groups[d->ngroups];
			grp->pattern = text_dup(&c->text);
			if (grp->pattern == NULL)
				goto done;
			grp->example_obj = v;
			map.slot[h] = ++d->ngroups;
		}
		g = map.slot[h] - 1;
		grp = &d->groups[g];
		gid[v] = g;
		grp->count++;
		grp->retained += lh_dom_retained(dom, v);
		if (lh_dom_retained(dom, v) >
		    lh_dom_retained(dom, grp->example_obj))
			grp->example_obj = v;
	}

	/* Every candidate joins its leak root's group; (group, container) and
	 * (group, class) pairs are collected to count each once. */
	pairs = malloc(((size_t)d->candidates * 2 + 1) * 2 * sizeof *pairs);
	if (pairs == NULL)
		goto done;
	for (k = 0; k < dom->nlive; k++) {
		uint32_t v = dom->order[k], g;

		if (!cand[v] || gid[top[v]] == NOT_SEEN)
			continue;
		g = gid[top[v]];
		d->groups[g].objects++;
		d->groups[g].bytes += lh_snapshot_size(s, v);
		pairs[2 * npairs] = ((uint64_t)g << 32) | 0x80000000u |
			lh_class_of(w->classes, v);
		pairs[2 * npairs + 1] = 0;
		npairs++;
		if (top[v] == v) {
			/* The container: the nearest object on the root path
			 * that existed in the first snapshot. */
			uint32_t cont = c->par[v];

			while (cont < s->nobj && c->fresh[cont])
				cont = c->par[cont];
			pairs[2 * npairs] = (uint64_t)g << 32;
			pairs[2 * npairs + 1] = cont;
			npairs++;
		}
	}
	if (npairs > 1)
		qsort(pairs, npairs, 2 * sizeof *pairs, cmp_u64pair);
	for (i = 0; i < npairs; i++) {
		uint64_t key = pairs[2 * i], val = pairs[2 * i + 1];
		uint32_t g = (uint32_t)(key >> 32), run = 1, j;
		lh_diff_group *grp = &d->groups[g];

		while (i + run < npairs && pairs[2 * (i + run)] == key &&
		    pairs[2 * (i + run) + 1] == val)
			run++;
		if (key & 0x80000000u) {                   /* a class */
			const char *name = w->classes->name[key & 0x7fffffffu];

			for (j = 0; j < LH_DIFF_MIX; j++)
				if (grp->mix_class[j] == NULL ||
				    run > grp->mix_count[j]) {
					memmove(&grp->mix_class[j + 1],
						&grp->mix_class[j],
						(LH_DIFF_MIX - 1 - j) * sizeof(char *));
					memmove(&grp->mix_count[j + 1],
						&grp->mix_count[j],
						(LH_DIFF_MIX - 1 - j) * sizeof(uint32_t));
					grp->mix_class[j] = name;
					grp->mix_count[j] = run;
					break;
				}
		} else {                                   /* a container */
			uint32_t cw = (uint32_t)val;

			grp->ncontainers++;
			grp->growth += container_growth(a[0], back(m, n, cw, 0),
				w, cw);
			if (n == 3)
				grp->growth_late += container_growth(a[1],
					back(m, n, cw, 1), w, cw);
		}
		i += run - 1;
	}

	for (i = 0; i < d->ngroups; i++) {
		lh_diff_group *grp = &d->groups[i];

		grp->suspect = grp->growth > (int64_t)d->floor &&
			grp->retained > d->floor;
		d->nsuspects += grp->suspect != 0;
		c->text.len = 0;
		lh_analysis_render_path(&c->text, w, grp->example_obj, c->maxlabel);
		grp->example = text_dup(&c->text);
		if (grp->example == NULL || c->text.oom)
			goto done;
	}
	if (d->ngroups > 1)
		qsort(d->groups, d->ngroups, sizeof *d->groups, cmp_group);
	rc = LH_OK;
done:
	free(top);
	free(gid);
	free(pairs);
	free(map.slot);
	if (rc != LH_OK)
		lh_error_set(err, rc, "out of memory");
	return rc;
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

/* Tables of the last snapshot that gained entries since the first. */
static int build_grown(lh_diff *d, ctx *c, uint32_t *const *m, int n,
	const lh_analysis *const *a)
{
	const lh_analysis *w = c->w;
	const lh_snapshot *s = w->snap, *s0 = a[0]->snap;
	uint32_t v, cap = 0, ti = 0;

	for (v = 0; v < s->nobj; v++) {
		uint32_t v0, before, after;
		lh_diff_grown *gr;

		if (s->type[v] != LH_T_TABLE)
			continue;
		ti++;                   /* tables come in object order */
		if (!lh_graph_live(w->graph, v))
			continue;
		v0 = back(m, n, v, 0);
		if (v0 == LH_NONE)
			continue;
		before = entries_of(s0, v0);
		after = s->tables[ti - 1].array_entries + s->tables[ti - 1].hash_entries;
		if (after <= before)
			continue;
		if (reserve((void **)&d->grown, &cap, d->ngrown, sizeof *d->grown))
			return LH_ENOMEM;
		gr = &d->grown[d->ngrown++];
		memset(gr, 0, sizeof *gr);
		gr->obj = v;
		gr->entries_before = before;
		gr->entries_after = after;
		gr->bytes_before = lh_snapshot_size(s0, v0);
		gr->bytes_after = lh_snapshot_size(s, v);
		gr->retained_before = retained_of(a[0], v0);
		gr->retained_after = retained_of(w, v);
	}
	if (d->ngrown > 1)
		qsort(d->grown, d->ngrown, sizeof *d->grown, cmp_grown);
	for (v = 0; v < d->ngrown; v++) {
		c->text.len = 0;
		lh_analysis_render_path(&c->text, w, d->grown[v].obj, c->maxlabel);
		if (c->text.oom || (d->grown[v].path = text_dup(&c->text)) == NULL)
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

/* Watched objects marked expect_dead that the last snapshot still has. */
static int build_dead(lh_diff *d, ctx *c)
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

static uint32_t registry_entries(const lh_snapshot *s)
{
	return entries_of(s, s->registry);
}

int lh_diff_compute(lh_diff **out, const lh_analysis *const *a, int n,
	const lh_diff_opts *opts, lh_error *err)
{
	lh_diff *d = NULL;
	uint32_t *m[3] = { NULL, NULL, NULL }, *par[3] = { NULL, NULL, NULL };
	uint8_t *cand = NULL, *fresh = NULL;
	const lh_analysis *w;
	const lh_snapshot *s;
	uint32_t v, nobj;
	ctx c;
	int k, rc = LH_ENOMEM;

	*out = NULL;
	memset(&c, 0, sizeof c);
	if (n != 2 && n != 3)
		return lh_error_set(err, LH_EUSAGE, "diff takes two or three snapshots");
	w = a[n - 1];
	s = w->snap;
	nobj = s->nobj ? s->nobj : 1;
	if ((d = calloc(1, sizeof *d)) == NULL)
		goto done;
	d->nsnap = n;
	for (k = 0; k < n; k++)
		if ((par[k] = bfs_parents(a[k])) == NULL)
			goto done;
	for (k = 1; k < n; k++)
		if ((m[k] = match_objects(a[k - 1], par[k - 1], a[k], par[k])) == NULL)
			goto done;
	cand = calloc(nobj, 1);
	fresh = calloc(nobj, 1);
	if (cand == NULL || fresh == NULL)
		goto done;

	/* fresh: created after the first snapshot; cand: the candidates. */
	for (v = 0; v < s->nobj; v++) {
		uint32_t prev = m[n - 1][v];

		fresh[v] = back(m, n, v, 0) == LH_NONE;
		if (!lh_graph_live(w->graph, v))
			continue;
		if (n == 2)
			cand[v] = prev == LH_NONE;
		else
			cand[v] = prev != LH_NONE && m[1][prev] == LH_NONE;
		if (cand[v]) {
			d->candidates++;
			d->candidate_bytes += lh_snapshot_size(s, v);
		}
	}

	d->total_before = a[0]->snap->hdr.lua_total_bytes;
	d->total_after = s->hdr.lua_total_bytes;
	d->live_before = a[0]->dom->live_bytes;
	d->live_after = w->dom->live_bytes;
	d->objects_before = a[0]->graph->nlive;
	d->objects_after = w->graph->nlive;
	d->floor = opts && opts->min_bytes ? opts->min_bytes :
		(d->live_after / 1000 > 4096 ? d->live_after / 1000 : 4096);
	d->registry_before = registry_entries(a[0]->snap);
	d->registry_after = registry_entries(s);
	d->threads_before = a[0]->classes->types[LH_T_THREAD].count;
	d->threads_after = w->classes->types[LH_T_THREAD].count;

	c.w = w;
	c.fresh = fresh;
	c.par = par[n - 1];
	c.maxlabel = opts && opts->maxlabel ? opts->maxlabel : 40;
	lh_strbuf_init(&c.hop);
	lh_strbuf_init(&c.text);
	lh_strbuf_init(&c.run);
	if ((rc = build_groups(d, &c, cand, m, n, a, err)) != LH_OK)
		goto done;
	rc = LH_ENOMEM;
	if (build_grown(d, &c, m, n, a) != LH_OK ||
	    build_globals(d, a, n) != LH_OK ||
	    build_classes(d, a[0], w) != LH_OK ||
	    build_dead(d, &c) != LH_OK)
		goto done;
	rc = LH_OK;
	d->cand = cand;             /* kept for the growth pictures */
	d->ncand_obj = s->nobj;
	cand = NULL;
	*out = d;
	d = NULL;
done:
	if (rc == LH_ENOMEM)
		lh_error_set(err, rc, "out of memory");
	lh_strbuf_release(&c.hop);
	lh_strbuf_release(&c.text);
	lh_strbuf_release(&c.run);
	for (k = 0; k < 3; k++) {
		free(m[k]);
		free(par[k]);
	}
	free(cand);
	free(fresh);
	lh_diff_free(d);
	return rc;
}
