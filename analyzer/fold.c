/*
 * Which path steps fold to [*]: the names a snapshot's program wrote (its
 * protos' string constants, the registry, _G, package.loaded) against
 * the keys it computed, for the diff's groups and the flame graph's boxes.
 */
#include <stdlib.h>
#include "luaheap/expr.h"
#include "fold.h"
#include "snapshot_internal.h"

int lh_fold__names_init(lh_fold_names *fn, const lh_snapshot *s)
{
	uint32_t v, e;

	fn->konst = calloc(s->nobj ? s->nobj : 1, 1);
	if (fn->konst == NULL)
		return LH_ENOMEM;
	for (v = 0; v < s->nobj; v++) {
		if (s->type[v] != LH_T_PROTO)
			continue;
		for (e = s->edge_off[v]; e < s->edge_off[v + 1]; e++)
			if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) == LH_E_CONSTANT &&
			    s->type[s->edge_to[e]] == LH_T_STRING)
				fn->konst[s->edge_to[e]] = 1;
	}
	fn->named[0] = s->registry;
	if (lh_expr_resolve(&fn->named[1], s, "_G", NULL) != LH_OK)
		fn->named[1] = LH_NONE;
	if (lh_expr_resolve(&fn->named[2], s, "package.loaded", NULL) != LH_OK)
		fn->named[2] = LH_NONE;
	return LH_OK;
}

void lh_fold__names_release(lh_fold_names *fn)
{
	free(fn->konst);
	fn->konst = NULL;
}

int lh_fold__edge(const lh_fold_names *fn, const lh_snapshot *s,
	uint32_t from, uint32_t e, lh_fold_fresh fresh, const void *ctx)
{
	lh_label l;

	lh_snapshot_label(s, e, &l);
	switch (l.kind) {
	case LH_E_ARRAY: case LH_E_FIELD_INT: case LH_E_FIELD_NUM:
	case LH_E_FIELD_BOOL: case LH_E_FIELD_OBJ: case LH_E_FIELD_LIGHT:
	case LH_E_KEY:
		return 1;
	case LH_E_FIELD_STR:
		if (l.obj == LH_NONE)
			return 0;
		if (fresh != NULL && fresh(ctx, l.obj))
			return 1;
		return !fn->konst[l.obj] && from != fn->named[0] &&
			from != fn->named[1] && from != fn->named[2];
	default:
		return 0;
	}
}
