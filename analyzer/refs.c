/*
 * Questions about one object or one class that the commands ask of an
 * analysis: who references an object (refs), and every instance of a
 * class (top --class).
 */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"
#include "snapshot_internal.h"

int lh_analysis_referrers(lh_ref **refs, uint32_t *nrefs,
	const lh_analysis *a, uint32_t v, lh_error *err)
{
	const lh_snapshot *s = a->snap;
	uint32_t u, e, n = 0, cap = 0;
	lh_ref *r = NULL;

	*refs = NULL;
	*nrefs = 0;
	if (v >= s->nobj)
		return lh_error_set(err, LH_EUSAGE, "no object %u", v);
	for (u = 0; u < s->nobj; u++) {
		if (!lh_graph__live(a->graph, u))
			continue;
		for (e = s->edge_off[u]; e < s->edge_off[u + 1]; e++) {
			if (s->edge_to[e] != v)
				continue;
			if (n == cap) {
				lh_ref *nr;

				cap = cap ? cap * 2 : 16;
				if ((nr = realloc(r, (size_t)cap * sizeof *nr)) == NULL) {
					free(r);
					return lh_error_set(err, LH_ENOMEM,
						"out of memory");
				}
				r = nr;
			}
			r[n].from = u;
			r[n].edge = e;
			r[n].retains = lh_graph_edge_retains(a->graph, u, e);
			n++;
		}
	}
	*refs = r;
	*nrefs = n;
	return LH_OK;
}

static int cmp_instance(const void *x, const void *y)
{
	const lh_top_row *a = x, *b = y;

	if (a->retained != b->retained)
		return a->retained < b->retained ? 1 : -1;
	return a->obj < b->obj ? -1 : a->obj > b->obj;
}

int lh_analysis_instances(lh_top_row **rows, uint32_t *nrows,
	const lh_analysis *a, const char *cls, uint32_t limit, lh_error *err)
{
	const lh_classes *c = a->classes;
	uint32_t id, v, n = 0;
	lh_top_row *r;

	*rows = NULL;
	*nrows = 0;
	for (id = 0; id < c->nclass && strcmp(c->name[id], cls) != 0; id++)
		;
	if (id == c->nclass)
		return lh_error_set(err, LH_ENOTFOUND, "no class '%s' in the "
			"snapshot", cls);
	r = malloc(((size_t)c->live[id].count + 1) * sizeof *r);
	if (r == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	for (v = 0; v < c->n && n < c->live[id].count; v++) {
		if (lh_classes__of(c, v) != id || !lh_graph__live(a->graph, v))
			continue;
		r[n].name = c->name[id];
		r[n].obj = v;
		r[n].count = 1;
		r[n].self = lh_snapshot_size(a->snap, v);
		r[n].retained = lh_dom__retained(a->dom, v);
		n++;
	}
	if (n > 1)
		qsort(r, n, sizeof *r, cmp_instance);
	*rows = r;
	*nrows = limit && n > limit ? limit : n;
	return LH_OK;
}
