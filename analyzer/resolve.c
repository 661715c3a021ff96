/*
 * Resolution, once every object is read: the address index (open
 * addressing, also behind lh_snapshot_find), then edge targets, labels,
 * frames, protos, roots and watches rewritten from addresses to dense
 * indices, each checked to name an object of the right type.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "resolve.h"
#include "array_int.h"

/* Whether object i is at address a; the high half (another array) is read
 * only when the low halves agree. */
static inline int addr_is(const lh_snapshot *s, uint32_t i, uint64_t a)
{
	if (s->addr64 != NULL)
		return s->addr64[i] == a;
	return s->addr_lo[i] == (uint32_t)a &&
		s->addr_high[s->addr_hi[i]] == (uint32_t)(a >> 32);
}

/* The address index: open addressing with linear probing over dense
 * indices; the slot comes from a multiplicative hash scaled to the table
 * (Lemire's multiply-shift range reduction), so any capacity works. */
static uint32_t hash_slot(uint64_t addr, uint32_t cap)
{
	uint64_t h = addr * UINT64_C(0x9e3779b97f4a7c15);
	return (uint32_t)(((h >> 32) * (uint64_t)cap) >> 32);
}

static int fill_index(lh_snapshot *s, lh_snap_internal *in, uint32_t *dup);

/* The object at address a in the index, probing from slot h; LH_NONE. */
static uint32_t probe(const lh_snapshot *s, const lh_snap_internal *in,
                      uint32_t h, uint64_t a)
{
	uint32_t idx;

	while ((idx = in->hash[h]) != LH_NONE && !addr_is(s, idx, a))
		if (++h == in->hash_cap)
			h = 0;
	return idx;
}

uint32_t lh_snapshot_find(const lh_snapshot *s, uint64_t addr)
{
	lh_snap_internal *in = s ? s->internal : NULL;
	uint32_t i, dup;

	if (in == NULL || s->nobj == 0)
		return LH_NONE;
	/* the index is dropped after loading and rebuilt on first use */
	if (in->hash == NULL && fill_index((lh_snapshot *)s, in, &dup) != LH_OK) {
		for (i = 0; i < s->nobj; i++)   /* no memory: search */
			if (lh_snapshot_addr(s, i) == addr)
				return i;
		return LH_NONE;
	}
	return probe(s, in, hash_slot(addr, in->hash_cap), addr);
}

/* Builds the address index; a repeated address fails with *dup its index. */
static int fill_index(lh_snapshot *s, lh_snap_internal *in, uint32_t *dup)
{
	uint64_t cap = (uint64_t)s->nobj + s->nobj / 2 + 8;
	uint32_t n, i, idx;

	if ((in->hash = lh_array__alloc(cap * sizeof(uint32_t))) == NULL)
		return LH_ENOMEM;
	in->hash_cap = (uint32_t)cap;
	memset(in->hash, 0xff, cap * sizeof(uint32_t));
	for (n = 0; n < s->nobj; n++) {
		uint64_t a = lh_snapshot_addr(s, n);
		if (n + 16 < s->nobj)   /* the slot a later insertion will touch */
			__builtin_prefetch(&in->hash[hash_slot(lh_snapshot_addr(s, n + 16),
			                                       in->hash_cap)], 1);
		i = hash_slot(a, in->hash_cap);
		while ((idx = in->hash[i]) != LH_NONE) {
			if (addr_is(s, idx, a)) {
				*dup = n;
				return LH_EFORMAT;
			}
			if (++i == in->hash_cap)
				i = 0;
		}
		in->hash[i] = n;
	}
	return LH_OK;
}

static int build_index(lh_snap_builder *b)
{
	uint32_t dup = 0;
	int rc = fill_index(b->s, b->in, &dup);

	if (rc == LH_ENOMEM)
		return lh_snap__nomem(b);
	if (rc != LH_OK)
		return lh_snap__fail(b, LH_EFORMAT, "duplicate object address 0x%" PRIx64,
		                     lh_snapshot_addr(b->s, dup));
	return LH_OK;
}

/* Gives the index's memory back to the analysis; lh_snapshot_find
 * rebuilds it when it is first needed. */
static void drop_index(lh_snap_internal *in)
{
	free(in->hash);
	in->hash = NULL;
	in->hash_cap = 0;
}

/* Resolves addr to a dense index that must be an object of type 'type'
 * (0: any); 'what' names the reference in the message. */
static int resolve(lh_snap_builder *b, uint64_t addr, int type, const char *what,
                   uint32_t *out)
{
	uint32_t idx = lh_snapshot_find(b->s, addr);

	if (idx == LH_NONE)
		return lh_snap__fail(b, LH_EFORMAT, "%s to unknown object 0x%" PRIx64, what, addr);
	if (type != 0 && b->s->type[idx] != type)
		return lh_snap__fail(b, LH_EFORMAT, "%s 0x%" PRIx64 " has type %s, not %s", what, addr,
		                     lh_type_name(b->s->type[idx]), lh_type_name(type));
	*out = idx;
	return LH_OK;
}

/* Like resolve, but address 0 means "none". */
static int resolve_opt(lh_snap_builder *b, uint64_t addr, int type, const char *what,
                       uint32_t *out)
{
	*out = LH_NONE;
	return addr == 0 ? LH_OK : resolve(b, addr, type, what, out);
}

#define BATCH 32

/* Looks up n <= BATCH addresses in the index at once: every hash slot is
 * prefetched, then every object they name, before any is compared. The
 * table is far bigger than the caches, and each lookup alone would wait
 * for its misses in turn. */
static void lookup_batch(const lh_snapshot *s, const lh_snap_internal *in,
                         const uint64_t *a, uint32_t n, uint32_t *out)
{
	uint32_t slot[BATCH], k, idx;

	for (k = 0; k < n; k++) {
		slot[k] = hash_slot(a[k], in->hash_cap);
		__builtin_prefetch(&in->hash[slot[k]]);
	}
	for (k = 0; k < n; k++) {
		if ((idx = in->hash[slot[k]]) == LH_NONE)
			continue;
		if (s->addr64 != NULL) {
			__builtin_prefetch(&s->addr64[idx]);
		} else {
			__builtin_prefetch(&s->addr_lo[idx]);
			__builtin_prefetch(&s->addr_hi[idx]);
		}
	}
	for (k = 0; k < n; k++)
		out[k] = probe(s, in, slot[k], a[k]);
}

void lh_snapshot_find_many(const lh_snapshot *s, const uint64_t *addr,
                           uint32_t n, uint32_t *out)
{
	lh_snap_internal *in = s->internal;
	uint32_t i, m, dup;

	if (n > 0 && in != NULL && s->nobj > 0 && in->hash == NULL)
		(void)fill_index((lh_snapshot *)s, in, &dup);
	for (i = 0; i < n; i += m) {
		m = n - i < BATCH ? n - i : BATCH;
		if (in != NULL && in->hash != NULL) {
			lookup_batch(s, in, addr + i, m, out + i);
		} else {
			uint32_t k;
			for (k = 0; k < m; k++)   /* no index (no memory): one by one */
				out[i + k] = lh_snapshot_find(s, addr[i + k]);
		}
	}
}

static uint32_t edge_source(const lh_snapshot *s, uint32_t e);

/* One run of edges to resolve: [e0, e1), its first object and far address,
 * and the first edge that names no object (LH_NONE if none). */
typedef struct target_run {
	lh_snap_builder *b;
	uint32_t e0, e1, owner;
	size_t far;
	uint32_t bad;
	uint64_t bad_addr;
} target_run;

/*
 * Rewrites the edge targets of a run (deltas from their objects, or far
 * addresses) as dense indices, in place. Lookups go in batches whose hash
 * slots and objects are prefetched first: the table is far bigger than the
 * caches, and each lookup would otherwise wait for two misses in turn.
 * Only reads the index, so two runs can go at once.
 */
static void *resolve_run(void *arg)
{
	target_run *r = arg;
	lh_snapshot *s = r->b->s;
	uint64_t a[BATCH];
	uint32_t idx[BATCH], e, k, n, i = r->owner;
	size_t far = r->far;

	r->bad = LH_NONE;
	for (e = r->e0; e < r->e1; e += n) {
		n = r->e1 - e < BATCH ? r->e1 - e : BATCH;
		for (k = 0; k < n; k++) {
			while (s->edge_off[i + 1] <= e + k)
				i++;
			if (r->b->tgt[e + k] == LH_FAR_TARGET)
				a[k] = r->b->far[far++];
			else
				a[k] = lh_snapshot_addr(s, i) + (uint64_t)(int64_t)(int32_t)r->b->tgt[e + k];
		}
		lookup_batch(s, r->b->in, a, n, idx);
		for (k = 0; k < n; k++) {
			if (idx[k] == LH_NONE) {
				r->bad = e + k;
				r->bad_addr = a[k];
				return NULL;
			}
			r->b->tgt[e + k] = idx[k];
		}
	}
	return NULL;
}

/* Whether loading may use a second thread (LUAHEAP_THREADS=1: never). */
int lh_snap__threads(void)
{
	const char *v = getenv("LUAHEAP_THREADS");

	return v != NULL && strcmp(v, "1") == 0 ? 1 : 2;
}

/* The edge targets as dense indices: on big snapshots, the second half of
 * the edges on a thread of its own. The first bad edge in file order is
 * the one reported, however the work was split. */
static int resolve_targets(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	target_run r[2];
	pthread_t tid;
	uint32_t e, mid = s->nedge / 2;
	int started = 0, i;

	memset(r, 0, sizeof(r));
	r[0].b = r[1].b = b;
	r[0].e1 = r[1].e1 = s->nedge;
	if (s->nedge >= (1u << 16) && lh_snap__threads() > 1) {
		r[0].e1 = r[1].e0 = mid;
		r[1].owner = edge_source(s, mid);
		for (e = 0; e < mid; e++)
			r[1].far += b->tgt[e] == LH_FAR_TARGET;
		started = pthread_create(&tid, NULL, resolve_run, &r[1]) == 0;
	}
	resolve_run(&r[0]);
	if (started)
		pthread_join(tid, NULL);
	else if (r[0].e1 < s->nedge && r[0].bad == LH_NONE)
		resolve_run(&r[1]);
	for (i = 0; i < 2; i++)
		if (r[i].bad != LH_NONE && (i == 0 || r[0].e1 < s->nedge))
			return lh_snap__fail(b, LH_EFORMAT,
			    "edge to unknown object 0x%" PRIx64 " from object 0x%" PRIx64,
			    r[i].bad_addr, lh_snapshot_addr(s, edge_source(s, r[i].bad)));
	s->edge_to = b->tgt;
	b->tgt = NULL;
	return LH_OK;
}

/* The object whose edge e is (edge_off is sorted). */
static uint32_t edge_source(const lh_snapshot *s, uint32_t e)
{
	return lh_array__owner(s->edge_off, 0, s->nobj, e);
}

static int resolve_labels(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	lh_snap_internal *in = b->in;
	size_t li = 0;
	uint32_t e, obj, lab;
	int rc;

	for (e = 0; e < s->nedge; e++) {
		int k = s->edge_kind[e] & LH_EDGE_KIND_MASK;
		lab = s->edge_label[e];
		if (lh_edge_specs[k].target && s->type[s->edge_to[e]] != lh_edge_specs[k].target)
			return lh_snap__fail(b, LH_EFORMAT, "%s edge to 0x%" PRIx64 " of type %s, not %s",
			                     lh_edge_kind_names[k], lh_snapshot_addr(s, s->edge_to[e]),
			                     lh_type_name(s->type[s->edge_to[e]]), lh_type_name(lh_edge_specs[k].target));
		if (k == LH_E_UPVALUE && s->type[s->edge_to[e]] != LH_T_UPVALUE &&
		    s->type[edge_source(s, e)] == LH_T_LFUNC)
			return lh_snap__fail(b, LH_EFORMAT, "upvalue edge of a Lua function to an object of type %s",
			                     lh_type_name(s->type[s->edge_to[e]]));
		switch (k) {
		case LH_E_FIELD_STR:   /* the implicit key edge follows */
			obj = s->edge_to[e + 1];
			if (s->type[obj] != LH_T_STRING)
				return lh_snap__fail(b, LH_EFORMAT, "field key 0x%" PRIx64 " is not a string",
				                     lh_snapshot_addr(s, obj));
			s->edge_label[e] = obj;
			break;
		case LH_E_FIELD_OBJ:
			if ((rc = resolve(b, b->laddr[li++], 0, "field key", &obj)) != LH_OK)
				return rc;
			s->edge_label[e] = obj;
			break;
		case LH_E_UPVALUE:
			if ((rc = resolve_opt(b, b->laddr[li++], LH_T_STRING, "upvalue name", &obj)) != LH_OK)
				return rc;
			if (!(lab & LH_LABEL_WIDE) && lab < 128 &&
			    (obj == LH_NONE || obj < (1u << 24) - 1)) {
				s->edge_label[e] = (lab << 24) | (obj == LH_NONE ? 0 : obj + 1);
			} else {
				lh_wide_label w;
				memset(&w, 0, sizeof(w));
				w.v.i = (lab & LH_LABEL_WIDE) ? in->wide[lab & LH_LABEL_PAYLOAD].v.i : lab;
				w.obj = obj;
				if ((rc = lh_snap__wide(b, &w, &s->edge_label[e])) != LH_OK)
					return rc;
			}
			break;
		case LH_E_STACK:
			if ((rc = resolve_opt(b, b->laddr[li++], LH_T_STRING, "local name", &obj)) != LH_OK)
				return rc;
			in->wide[lab & LH_LABEL_PAYLOAD].obj = obj;
			break;
		}
	}
	return LH_OK;
}

static int resolve_details(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	uint32_t i, e, f = 0;
	int rc;

	for (i = 0; i < s->nframes; i++) {
		if ((rc = resolve_opt(b, b->frame_addr[2 * i], 0, "frame function", &s->frames[i].func)))
			return rc;
		if (s->frames[i].func != LH_NONE && s->type[s->frames[i].func] != LH_T_LFUNC &&
		    s->type[s->frames[i].func] != LH_T_CFUNC)
			return lh_snap__fail(b, LH_EFORMAT, "frame function 0x%" PRIx64 " has type %s",
			                     b->frame_addr[2 * i], lh_type_name(s->type[s->frames[i].func]));
		if ((rc = resolve_opt(b, b->frame_addr[2 * i + 1], LH_T_PROTO, "frame proto",
		                      &s->frames[i].proto)))
			return rc;
	}
	for (i = 0; i < s->nprotos; i++)
		if ((rc = resolve_opt(b, b->proto_src[i], LH_T_STRING, "proto source",
		                      &s->protos[i].source)))
			return rc;
	for (i = 0; i < s->nobj; i++) {
		if (s->type[i] == LH_T_CFUNC)
			f++;
		if (s->type[i] != LH_T_LFUNC)
			continue;
		f++;
		for (e = s->edge_off[i]; e < s->edge_off[i + 1]; e++) {
			if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) != LH_E_PROTO)
				continue;
			if (s->type[s->edge_to[e]] != LH_T_PROTO)
				return lh_snap__fail(b, LH_EFORMAT, "function 0x%" PRIx64 " has a proto edge to an object of type %s",
				                     lh_snapshot_addr(s, i), lh_type_name(s->type[s->edge_to[e]]));
			s->funcs[f - 1].proto = s->edge_to[e];
		}
	}
	for (i = 0; i < s->nroots; i++)
		if ((rc = resolve(b, b->root_addr[i], 0, "root", &s->roots[i].target)))
			return rc;
	for (i = 0; i < s->nwatches; i++)
		s->watches[i].target = lh_snapshot_find(s, s->watches[i].addr);
	if ((rc = resolve_opt(b, s->hdr.main_thread, LH_T_THREAD, "main thread", &s->main_thread)))
		return rc;
	return resolve_opt(b, s->hdr.registry, LH_T_TABLE, "registry", &s->registry);
}

/* Counts every LH_RANK_BLOCK objects for lh_snapshot_aux, and checks that
 * each object got its per-type record. */
static int build_rank(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	uint32_t cnt[LH_RANK_KINDS], v;
	const uint32_t recs[LH_RANK_KINDS] = { s->nstrings, s->ntables, s->nfuncs,
		s->nudatas, s->nthreads, s->nprotos };
	size_t nblk = (size_t)s->nobj / LH_RANK_BLOCK + 1;
	int k;

	if ((s->rank = malloc(nblk * LH_RANK_KINDS * sizeof(*s->rank))) == NULL)
		return lh_snap__nomem(b);
	lh_snap__rank_walk(s, s->rank, 0, cnt);
	{       /* each string's bytes follow the previous string's */
		uint64_t total = 0;
		for (v = 0; v < s->nstrings; v++)
			total += s->strings[v].stored;
		if (total != s->text_len)
			return lh_snap__fail(b, LH_EFORMAT, "string bytes out of step (%" PRIu64
			                     " stored, %" PRIu64 " read)", total, s->text_len);
	}
	for (k = 0; k < LH_RANK_KINDS; k++)
		if (cnt[k] != recs[k])   /* the readers give every object its record */
			return lh_snap__fail(b, LH_EFORMAT, "%" PRIu32 " objects have per-type details, %" PRIu32 " expected",
			                     recs[k], cnt[k]);
	return LH_OK;
}

int lh_snap__resolve(lh_snap_builder *b)
{
	int rc;

	if ((rc = build_rank(b)) || (rc = build_index(b)) || (rc = resolve_targets(b)) ||
	    (rc = resolve_labels(b)) || (rc = resolve_details(b)))
		return rc;
	drop_index(b->in);
	return LH_OK;
}
