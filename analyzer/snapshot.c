/*
 * The snapshot's accessors: the public ones over its private arrays, the
 * per-type records found through rank blocks, decoded edge labels, and the
 * checks of a snapshot's invariants (for one mapped from an index).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "snapshot_internal.h"

uint64_t lh_string_length(const lh_snapshot *s, const lh_string_info *si)
{
	uint32_t k;

	if (si->length != LH_SIZE_BIG)
		return si->length;
	k = lh_sorted_find(s->big_len_str, s->nbig_len, (uint32_t)(si - s->strings));
	return k != LH_NONE ? s->big_len[k] : si->length;
}

const char *lh_string_bytes(const lh_snapshot *s, const lh_string_info *si)
{
	uint32_t k = (uint32_t)(si - s->strings), j = k - k % LH_TEXT_STEP;
	uint64_t at = s->text_at[j / LH_TEXT_STEP];

	for (; j < k; j++)
		at += s->strings[j].stored;
	return s->text ? s->text + at : "";
}

#define T(t) (1u << (t))

/* The label rules of edge e of object v (see lh_snapshot_label). */
static int label_ok(const lh_snapshot *s, uint32_t v, uint32_t e, int k,
                    uint32_t nwide)
{
	uint32_t lab = s->edge_label[e];

	if (k == LH_E_FIELD_STR)   /* its key edge follows, to the same string */
		return e + 1 < s->edge_off[v + 1] &&
		       (s->edge_kind[e + 1] & LH_EDGE_KIND_MASK) == LH_E_KEY &&
		       s->edge_to[e + 1] == lab && s->type[lab] == LH_T_STRING;
	if (k == LH_E_FIELD_OBJ)
		return lab < s->nobj;
	if (lab & LH_LABEL_WIDE)
		return (lab & LH_LABEL_PAYLOAD) < nwide;
	return k != LH_E_UPVALUE || (lab & 0xffffffu) <= s->nobj;
}

const char *lh_snap__objects_ok(const lh_snapshot *s)
{
	uint32_t v, n = s->nobj;

	if (s->addr64 == NULL && (s->addr_lo == NULL || s->addr_hi == NULL ||
	    s->naddr_high > 256))
		return "addresses";
	if (s->edge_off[0] != 0 || s->edge_off[n] != s->nedge)
		return "edge offsets";
	for (v = 0; v < n; v++)
		if (s->type[v] >= LH_T_COUNT || s->edge_off[v] > s->edge_off[v + 1] ||
		    (s->addr64 == NULL && s->addr_hi[v] >= s->naddr_high))
			return "objects";
	return NULL;
}

const char *lh_snap__edges_ok(const lh_snapshot *s, uint32_t nwide)
{
	uint32_t v, e, n = s->nobj;

	for (v = 0; v < n; v++) {
		for (e = s->edge_off[v]; e < s->edge_off[v + 1]; e++) {
			int k = s->edge_kind[e] & LH_EDGE_KIND_MASK;
			uint32_t to = s->edge_to[e];
			if (k >= LH_E_COUNT || to >= n ||
			    !(lh_edge_specs[k].sources & T(s->type[v])))
				return "edges";
			if ((lh_edge_specs[k].target && s->type[to] != lh_edge_specs[k].target) ||
			    (k == LH_E_UPVALUE && s->type[v] == LH_T_LFUNC &&
			     s->type[to] != LH_T_UPVALUE))
				return "edge targets";
			if (!label_ok(s, v, e, k, nwide))
				return "edge labels";
		}
	}
	return NULL;
}

/* The kind of each type in the rank counts (-1: no per-type array). */
static const int8_t rank_kind[LH_T_COUNT] = {
	[0] = -1, [LH_T_STRING] = 0, [LH_T_TABLE] = 1, [LH_T_LFUNC] = 2,
	[LH_T_CFUNC] = 2, [LH_T_USERDATA] = 3, [LH_T_THREAD] = 4,
	[LH_T_PROTO] = 5, [LH_T_UPVALUE] = -1,
};

int lh_snap__rank_walk(const lh_snapshot *s, uint32_t *rank, int check,
                       uint32_t cnt[LH_RANK_KINDS])
{
	size_t nblk = (size_t)s->nobj / LH_RANK_BLOCK + 1, at;
	uint32_t v;
	int k;

	memset(cnt, 0, LH_RANK_KINDS * sizeof(*cnt));
	for (v = 0; v <= s->nobj; v++) {
		if (v % LH_RANK_BLOCK == 0 && (v < s->nobj || (size_t)v / LH_RANK_BLOCK == nblk - 1)) {
			at = (size_t)v / LH_RANK_BLOCK * LH_RANK_KINDS;
			if (!check)
				memcpy(&rank[at], cnt, LH_RANK_KINDS * sizeof(*cnt));
			else if (memcmp(&rank[at], cnt, LH_RANK_KINDS * sizeof(*cnt)) != 0)
				return 0;
		}
		if (v < s->nobj && (k = rank_kind[s->type[v]]) >= 0)
			cnt[k]++;
	}
	return 1;
}

int lh_snap__rank_ok(const lh_snapshot *s)
{
	uint32_t cnt[LH_RANK_KINDS];
	const uint32_t recs[LH_RANK_KINDS] = { s->nstrings, s->ntables, s->nfuncs,
		s->nudatas, s->nthreads, s->nprotos };

	return lh_snap__rank_walk(s, s->rank, 1, cnt) &&
	       memcmp(cnt, recs, sizeof(cnt)) == 0;
}

/* Bytes equal to t among p[0..n), eight at a time: a byte of x = w ^ t*1s
 * is zero exactly when the high bit of ~(((x & 7f..) + 7f..) | x | 7f..)
 * is set (no carry crosses bytes). Those bits, moved down to one per byte,
 * are summed by a multiplication into the top byte. */
static uint32_t count_bytes(const uint8_t *p, uint32_t n, uint8_t t)
{
	const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t pat = ones * t;
	uint32_t c = 0;
	uint64_t w, x;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		x = w ^ pat;
		x = ~(((x & low7) + low7) | x | low7) >> 7;
		c += (uint32_t)((x * ones) >> 56);
	}
	while (n-- > 0)
		c += *p++ == t;
	return c;
}

uint32_t lh_snapshot_aux(const lh_snapshot *s, uint32_t v)
{
	uint32_t blk, start, r;
	int t, k;

	if (v >= s->nobj || (k = rank_kind[t = s->type[v]]) < 0)
		return LH_NONE;
	blk = v / LH_RANK_BLOCK;
	start = blk * LH_RANK_BLOCK;
	r = s->rank[(size_t)blk * LH_RANK_KINDS + (size_t)k];
	if (k == rank_kind[LH_T_LFUNC])   /* both closure types */
		return r + count_bytes(s->type + start, v - start, LH_T_LFUNC) +
			count_bytes(s->type + start, v - start, LH_T_CFUNC);
	return r + count_bytes(s->type + start, v - start, (uint8_t)t);
}

/* The record of v in arr (of n), when v has type t (or t2). */
static const void *info(const lh_snapshot *s, uint32_t v, int t, int t2,
                        const void *arr, uint32_t n, size_t elem)
{
	uint32_t i;

	if (v >= s->nobj || (s->type[v] != t && s->type[v] != t2) ||
	    (i = lh_snapshot_aux(s, v)) >= n)
		return NULL;
	return (const char *)arr + (size_t)i * elem;
}

const lh_string_info *lh_snapshot_string_info(const lh_snapshot *s, uint32_t v)
{
	return info(s, v, LH_T_STRING, 0, s->strings, s->nstrings, sizeof(*s->strings));
}

const lh_table_info *lh_snapshot_table_info(const lh_snapshot *s, uint32_t v)
{
	return info(s, v, LH_T_TABLE, 0, s->tables, s->ntables, sizeof(*s->tables));
}

const lh_func_info *lh_snapshot_func_info(const lh_snapshot *s, uint32_t v)
{
	return info(s, v, LH_T_LFUNC, LH_T_CFUNC, s->funcs, s->nfuncs, sizeof(*s->funcs));
}

const lh_thread_info *lh_snapshot_thread_info(const lh_snapshot *s, uint32_t v)
{
	return info(s, v, LH_T_THREAD, 0, s->threads, s->nthreads, sizeof(*s->threads));
}

const lh_proto_info *lh_snapshot_proto_info(const lh_snapshot *s, uint32_t v)
{
	return info(s, v, LH_T_PROTO, 0, s->protos, s->nprotos, sizeof(*s->protos));
}

const lh_udata_info *lh_snapshot_udata_info(const lh_snapshot *s, uint32_t v)
{
	return info(s, v, LH_T_USERDATA, 0, s->udatas, s->nudatas, sizeof(*s->udatas));
}

uint32_t lh_sorted_find(const uint32_t *arr, uint32_t n, uint32_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (arr[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && arr[lo] == key ? lo : LH_NONE;
}

int lh_snapshot_upvalue_open(const lh_snapshot *s, uint32_t v)
{
	return lh_sorted_find(s->open_upvals, s->nopen_upvals, v) != LH_NONE;
}

int lh_snapshot_shared(const lh_snapshot *s, uint32_t v)
{
	return s->nshared > 0 &&
	       lh_sorted_find(s->shared, s->nshared, v) != LH_NONE;
}

/* free(p), unless p lies in the index mapping or in the pages of the
 * index written (unmapped with the arena). */
static void drop(const lh_snap_internal *in, void *p)
{
	if (in != NULL && in->map != NULL && (char *)p >= in->map &&
	    (char *)p < in->map + in->map_len)
		return;
	if (in != NULL && lh_arena__owns(in->arena, p, NULL))
		return;
	free(p);
}

void lh_snapshot_free(lh_snapshot *s)
{
	lh_snap_internal *in;
	uint32_t i;

	if (s == NULL)
		return;
	in = s->internal;
	drop(in, s->addr_lo); drop(in, s->addr_hi); drop(in, s->addr64);
	drop(in, s->size); drop(in, s->type); drop(in, s->list);
	drop(in, s->marked); drop(in, s->rank); drop(in, s->open_upvals);
	drop(in, s->shared);
	drop(in, s->edge_off); drop(in, s->edge_to);
	drop(in, s->edge_kind); drop(in, s->edge_label);
	drop(in, s->strings); drop(in, s->tables); drop(in, s->table_weak);
	drop(in, s->table_lnodes); drop(in, s->funcs); drop(in, s->threads);
	drop(in, s->frames); drop(in, s->protos); drop(in, s->udatas);
	drop(in, s->text); drop(in, s->text_at); drop(in, s->symbols);
	drop(in, s->roots);
	drop(in, s->big_obj); drop(in, s->big_size);
	drop(in, s->big_len_str); drop(in, s->big_len);
	for (i = 0; i < s->nwatches; i++)
		free(s->watches[i].label);
	free(s->watches);
	free(s->path);
	free(s->hdr.label);
	if (in != NULL) {
		free(in->hash);
		drop(in, in->wide);
		if (in->map != NULL)
			munmap(in->map, in->map_len);
		lh_arena__unref(in->arena);
		free(in);
	}
	free(s);
}

void lh_snapshot_label(const lh_snapshot *s, uint32_t e, lh_label *out)
{
	const lh_snap_internal *in = s->internal;
	uint32_t lab = s->edge_label[e];
	const lh_wide_label *w = NULL;

	memset(out, 0, sizeof(*out));
	out->kind = s->edge_kind[e] & LH_EDGE_KIND_MASK;
	out->flags = s->edge_kind[e] & (LH_EDGE_WEAK | LH_EDGE_EPHEMERON);
	out->obj = LH_NONE;
	if (lab & LH_LABEL_WIDE)
		w = &in->wide[lab & LH_LABEL_PAYLOAD];
	switch (out->kind) {
	case LH_E_ARRAY: case LH_E_CONSTANT: case LH_E_CHILD:
	case LH_E_DEBUG_NAME: case LH_E_USER_VALUE: case LH_E_FIELD_INT:
	case LH_E_FIELD_BOOL:
		out->i = w ? w->v.i : (int64_t)lab;
		break;
	case LH_E_FIELD_NUM:
		out->d = w ? w->v.d : 0;
		break;
	case LH_E_FIELD_LIGHT:
		out->ptr = w ? w->v.ptr : 0;
		break;
	case LH_E_FIELD_STR: case LH_E_FIELD_OBJ:
		out->obj = lab;
		break;
	case LH_E_UPVALUE:
		if (w) {
			out->i = w->v.i;
			out->obj = w->obj;
		} else {
			out->i = lab >> 24;
			out->obj = (lab & 0xffffffu) ? (lab & 0xffffffu) - 1 : LH_NONE;
		}
		break;
	case LH_E_STACK:
		if (w) {
			out->i = w->v.i;
			out->slot = w->slot;
			out->obj = w->obj;
		}
		break;
	}
}

const char *lh_snapshot_string(const lh_snapshot *s, uint32_t i, size_t *len)
{
	const lh_string_info *si = lh_snapshot_string_info(s, i);

	if (si == NULL) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = si->stored;
	return lh_string_bytes(s, si);
}

uint64_t lh_snapshot__big_size(const lh_snapshot *s, uint32_t v)
{
	uint32_t k = lh_sorted_find(s->big_obj, s->nbig, v);

	return k != LH_NONE ? s->big_size[k] : 0;
}

const char *lh_type_name(int t)
{
	return t > 0 && t < LH_T_COUNT ? lh_type_names[t] : "?";
}

/* ---- The public accessors ---- */

const char *lh_snapshot_path(const lh_snapshot *s)
{
	return s->path;
}

const lh_header *lh_snapshot_header(const lh_snapshot *s)
{
	return &s->hdr;
}

uint32_t lh_snapshot_count(const lh_snapshot *s)
{
	return s->nobj;
}

uint32_t lh_snapshot_edge_count(const lh_snapshot *s)
{
	return s->nedge;
}

uint32_t lh_snapshot_root_count(const lh_snapshot *s)
{
	return s->nroots;
}

uint32_t lh_snapshot_watch_count(const lh_snapshot *s)
{
	return s->nwatches;
}

const lh_root *lh_snapshot_root(const lh_snapshot *s, uint32_t i)
{
	return i < s->nroots ? &s->roots[i] : NULL;
}

const lh_watch *lh_snapshot_watch(const lh_snapshot *s, uint32_t i)
{
	return i < s->nwatches ? &s->watches[i] : NULL;
}

uint32_t lh_snapshot_main_thread(const lh_snapshot *s)
{
	return s->main_thread;
}

uint32_t lh_snapshot_registry(const lh_snapshot *s)
{
	return s->registry;
}

/* The parentheses keep snapshot_internal.h's inline macros out. */
uint64_t (lh_snapshot_addr)(const lh_snapshot *s, uint32_t v)
{
	return lh_snap__addr(s, v);
}

uint64_t (lh_snapshot_size)(const lh_snapshot *s, uint32_t v)
{
	return lh_snap__size(s, v);
}

int lh_snapshot_type(const lh_snapshot *s, uint32_t v)
{
	return s->type[v];
}

int lh_snapshot_list(const lh_snapshot *s, uint32_t v)
{
	return s->list[v];
}

int lh_snapshot_marked(const lh_snapshot *s, uint32_t v)
{
	return s->marked[v];
}

void lh_snapshot_edges(const lh_snapshot *s, uint32_t v, uint32_t *first,
                       uint32_t *end)
{
	*first = s->edge_off[v];
	*end = s->edge_off[v + 1];
}

uint32_t lh_snapshot_edge_target(const lh_snapshot *s, uint32_t e)
{
	return s->edge_to[e];
}

int lh_snapshot_edge_kind(const lh_snapshot *s, uint32_t e)
{
	return s->edge_kind[e];
}

uint64_t lh_snapshot_string_length(const lh_snapshot *s, uint32_t v)
{
	const lh_string_info *si = lh_snapshot_string_info(s, v);

	return si != NULL ? lh_string_length(s, si) : 0;
}

int lh_snapshot_table_weak(const lh_snapshot *s, uint32_t v)
{
	return lh_snapshot_table_info(s, v) != NULL ?
		s->table_weak[lh_snapshot_aux(s, v)] : LH_WEAK_NONE;
}

uint32_t lh_snapshot_table_nodes(const lh_snapshot *s, uint32_t v)
{
	return lh_snapshot_table_info(s, v) != NULL ?
		lh_table_nodes(s, lh_snapshot_aux(s, v)) : 0;
}

const lh_frame_info *lh_snapshot_frame(const lh_snapshot *s, uint32_t k)
{
	return k < s->nframes ? &s->frames[k] : NULL;
}

const char *lh_snapshot_symbol(const lh_snapshot *s, uint32_t v)
{
	const lh_func_info *f = lh_snapshot_func_info(s, v);

	return f != NULL && f->symbol < s->symbols_len ? s->symbols + f->symbol : NULL;
}
