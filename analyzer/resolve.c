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

/* The object at address a in the index, probing from slot h; LH_NONE.
 * A slot holds its object's index + 1, 0 when empty (fresh zeroed pages
 * need no filling). */
static uint32_t probe(const lh_snapshot *s, const lh_snap_internal *in,
                      uint32_t h, uint64_t a)
{
	uint32_t idx;

	while ((idx = in->hash[h]) != 0 && !addr_is(s, idx - 1, a))
		if (++h == in->hash_cap)
			h = 0;
	return idx - 1;
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

/* One share of the objects to insert, [n0, n1); 'shared' when another
 * thread inserts at the same time; dup gets an object whose address was
 * already in, or LH_NONE. */
typedef struct fill_run {
	lh_snapshot *s;
	lh_snap_internal *in;
	uint32_t n0, n1, dup;
	int shared;
} fill_run;

/*
 * Linear probing from two threads: a slot goes from empty to its final
 * value once, by compare-and-swap, and is never moved. Two insertions of
 * one address walk the same probe sequence over the same filled slots, so
 * whichever claims the first empty one, the other meets it there: a
 * repeated address is always found, whatever the interleaving.
 */
static void *fill_part(void *arg)
{
	fill_run *r = arg;
	const lh_snapshot *s = r->s;
	uint32_t *hash = r->in->hash, cap = r->in->hash_cap, n, i, idx;

	r->dup = LH_NONE;
	for (n = r->n0; n < r->n1; n++) {
		uint64_t a = lh_snapshot_addr(s, n);
		if (n + 16 < r->n1)   /* the slot a later insertion will touch */
			__builtin_prefetch(&hash[hash_slot(lh_snapshot_addr(s, n + 16), cap)], 1);
		for (i = hash_slot(a, cap);; i = i + 1 == cap ? 0 : i + 1) {
			idx = r->shared ? __atomic_load_n(&hash[i], __ATOMIC_RELAXED) : hash[i];
			if (idx == 0) {
				if (!r->shared) {
					hash[i] = n + 1;
					break;
				}
				if (__atomic_compare_exchange_n(&hash[i], &idx, n + 1, 0,
				                                __ATOMIC_RELAXED, __ATOMIC_RELAXED))
					break;
				/* another thread took the slot: idx is its object */
			}
			if (addr_is(s, idx - 1, a)) {
				r->dup = n;
				return NULL;
			}
		}
	}
	return NULL;
}

/* Inserts every object, the second half on a thread of its own when the
 * snapshot is big; 0 when a repeated address was met. */
static int fill_all(lh_snapshot *s, lh_snap_internal *in)
{
	fill_run r[2];
	pthread_t tid;
	int started = 0;

	r[0].s = r[1].s = s;
	r[0].in = r[1].in = in;
	r[0].n0 = 0;
	r[0].n1 = r[1].n0 = r[1].n1 = s->nobj;
	r[0].shared = r[1].shared = 0;
	r[1].dup = LH_NONE;
	if (s->nobj >= (1u << 16) && lh_snap__threads() > 1) {
		r[0].n1 = r[1].n0 = s->nobj / 2;
		r[0].shared = r[1].shared = 1;
		started = pthread_create(&tid, NULL, fill_part, &r[1]) == 0;
	}
	fill_part(&r[0]);
	if (started)
		pthread_join(tid, NULL);
	else if (r[1].n0 < r[1].n1 && r[0].dup == LH_NONE)
		fill_part(&r[1]);
	return r[0].dup == LH_NONE && r[1].dup == LH_NONE;
}

/* Builds the address index; a repeated address fails with *dup its index:
 * the first object, in file order, whose address an earlier one has,
 * however the work was split (found again on one thread when any thread
 * met a repeat). */
static int fill_index(lh_snapshot *s, lh_snap_internal *in, uint32_t *dup)
{
	uint64_t cap = (uint64_t)s->nobj + s->nobj / 2 + 8;
	fill_run one;

	if ((in->hash = lh_array__zalloc(cap, sizeof(uint32_t))) == NULL)
		return LH_ENOMEM;
	in->hash_cap = (uint32_t)cap;
	if (fill_all(s, in))
		return LH_OK;
	memset(in->hash, 0, cap * sizeof(uint32_t));
	one.s = s;
	one.in = in;
	one.n0 = 0;
	one.n1 = s->nobj;
	one.shared = 0;
	fill_part(&one);
	*dup = one.dup;
	return LH_EFORMAT;
}

/*
 * The address index filled while the file is read. Once a big file of
 * known size shows the count of objects it is on pace to hold, a thread
 * inserts the objects the reader has finished, in file order, in batches,
 * into a table sized for that count, on the core the reader leaves free.
 * The reader publishes every LH_EARLY_STEP objects and holds 'grow' while it
 * moves the object arrays; the filler holds it while it reads them. The
 * table is given up (and built after reading, as usual) when the file
 * holds more objects than it was sized for. The filler, one thread going
 * in file order, meets a repeated address first where fill_index would.
 */
unsigned lh_snap__early_taken;

struct lh_early_index {
	pthread_t tid;
	pthread_mutex_t grow;    /* the object arrays: the filler reads, the reader moves */
	pthread_mutex_t mu;      /* with cv: the filler waits for more */
	pthread_cond_t cv;
	lh_snapshot *s;
	lh_snap_internal in;     /* the table (hash, hash_cap) */
	uint32_t limit;          /* more objects than this: give up */
	uint32_t published;      /* objects finished by the reader (atomic) */
	uint32_t done;           /* objects in the table */
	uint32_t dup;            /* the first repeated object, or LH_NONE */
	int waiting, stop;       /* atomic */
	int gave_up;
	int joined;              /* the thread has ended */
};

static void *early_main(void *arg)
{
	struct lh_early_index *x = arg;
	fill_run r;
	uint32_t to;

	r.s = x->s;
	r.in = &x->in;
	r.shared = 0;
	for (;;) {
		to = __atomic_load_n(&x->published, __ATOMIC_SEQ_CST);
		if (to == x->done) {
			if (__atomic_load_n(&x->stop, __ATOMIC_SEQ_CST))
				break;
			pthread_mutex_lock(&x->mu);
			__atomic_store_n(&x->waiting, 1, __ATOMIC_SEQ_CST);
			while (__atomic_load_n(&x->published, __ATOMIC_SEQ_CST) == x->done &&
			       !__atomic_load_n(&x->stop, __ATOMIC_SEQ_CST))
				pthread_cond_wait(&x->cv, &x->mu);
			__atomic_store_n(&x->waiting, 0, __ATOMIC_SEQ_CST);
			pthread_mutex_unlock(&x->mu);
			continue;
		}
		if (to > x->limit) {
			x->gave_up = 1;
			break;
		}
		if (to - x->done > LH_EARLY_STEP)
			to = x->done + LH_EARLY_STEP;
		r.n0 = x->done;
		r.n1 = to;
		pthread_mutex_lock(&x->grow);
		fill_part(&r);
		pthread_mutex_unlock(&x->grow);
		if (r.dup != LH_NONE) {
			x->dup = r.dup;
			break;
		}
		x->done = to;
	}
	return NULL;
}

void lh_snap__early_start(lh_snap_builder *b, uint64_t expected)
{
	struct lh_early_index *x;
	uint64_t cap = expected + expected / 2 + 8;

	if (b->early != NULL || b->early_off || expected < LH_EARLY_STEP ||
	    cap > UINT32_MAX || lh_snap__threads() < 2)
		return;
	b->early_off = 1;           /* one try */
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return;
	x->s = b->s;
	x->dup = LH_NONE;
	x->limit = (uint32_t)(cap / 4 * 3);
	x->in.hash_cap = (uint32_t)cap;
	if ((x->in.hash = lh_array__zalloc(cap, sizeof(uint32_t))) == NULL) {
		free(x);
		return;
	}
	pthread_mutex_init(&x->grow, NULL);
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	if (pthread_create(&x->tid, NULL, early_main, x) != 0) {
		pthread_mutex_destroy(&x->grow);
		pthread_mutex_destroy(&x->mu);
		pthread_cond_destroy(&x->cv);
		free(x->in.hash);
		free(x);
		return;
	}
	b->early = x;
}

void lh_snap__early_publish(lh_snap_builder *b)
{
	struct lh_early_index *x = b->early;

	__atomic_store_n(&x->published, b->s->nobj, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&x->waiting, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&x->mu);
		pthread_cond_signal(&x->cv);
		pthread_mutex_unlock(&x->mu);
	}
}

void lh_snap__early_hold(lh_snap_builder *b, int on)
{
	if (b->early == NULL)
		return;
	if (on)
		pthread_mutex_lock(&b->early->grow);
	else
		pthread_mutex_unlock(&b->early->grow);
}

/* Lets the filler finish what was published, and ends it; what it built
 * stays in b->early (in.hash, dup, gave_up) for the caller. */
static void early_join(lh_snap_builder *b)
{
	struct lh_early_index *x = b->early;

	if (x->joined)
		return;
	x->joined = 1;
	lh_snap__early_publish(b);
	lh_snap__thread_end(x->tid, &x->mu, &x->cv, &x->stop);
	pthread_mutex_destroy(&x->grow);
}

void lh_snap__early_stop(lh_snap_builder *b)
{
	if (b->early == NULL)
		return;
	early_join(b);
	free(b->early->in.hash);
	free(b->early);
	b->early = NULL;
}

/* The table the filler built, when it holds every object (*dup: the
 * first repeat, LH_NONE when none); 0 when there is none to take. */
static int early_take(lh_snap_builder *b, uint32_t *dup)
{
	struct lh_early_index *x = b->early;

	if (x == NULL)
		return 0;
	early_join(b);
	if (x->gave_up || (x->dup == LH_NONE && x->done != b->s->nobj)) {
		lh_snap__early_stop(b);
		return 0;
	}
	__atomic_fetch_add(&lh_snap__early_taken, 1, __ATOMIC_RELAXED);
	*dup = x->dup;
	b->in->hash = x->in.hash;
	b->in->hash_cap = x->in.hash_cap;
	free(x);
	b->early = NULL;
	return 1;
}

static int build_index(lh_snap_builder *b)
{
	uint32_t dup = LH_NONE;
	int rc;

	if (early_take(b, &dup))
		rc = dup == LH_NONE ? LH_OK : LH_EFORMAT;
	else
		rc = fill_index(b->s, b->in, &dup);

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
		if ((idx = in->hash[slot[k]]) == 0)
			continue;
		idx--;
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

/* What can be wrong with a resolved edge, checked where its target is
 * fresh (resolve_run) and reported after both runs in file order. */
enum {
	BAD_NONE,
	BAD_TARGET_TYPE,   /* the kind wants another target type */
	BAD_UPVALUE,       /* a Lua function's upvalue that is no upvalue */
	BAD_KEY,           /* a string-keyed field whose key is no string */
	BAD_NAME_UNKNOWN,  /* a label naming no object */
	BAD_NAME_TYPE      /* a label naming an object other than a string */
};

typedef struct edge_fault {
	uint32_t e;          /* the edge, LH_NONE for none */
	int why;             /* BAD_* */
	uint32_t obj;        /* the object of the wrong type */
	uint64_t addr;       /* the label's address */
	const char *what;    /* the label, in the message */
} edge_fault;

/* One thread's share of the edges to resolve: it takes chunks of
 * LH_EDGE_MARK_STEP edges (one per builder mark) in increasing order from
 * a counter shared with the other thread, and keeps the first edge that
 * names no object (LH_NONE if none), the first other fault, and the
 * upvalue labels that must go wide once both are done (lh_snap__wide
 * grows a shared array). */
typedef struct target_run {
	lh_snap_builder *b;
	uint32_t *next;          /* the next chunk to take (shared) */
	int *stop;               /* set once an unknown target is met (shared) */
	int ok;                  /* no fault met yet */
	uint32_t bad;
	uint64_t bad_addr;
	edge_fault fault;
	uint32_t *wide;          /* [2 * nwide] edge, name object */
	size_t nwide, wide_cap;
	int nomem;
} target_run;

static int fault(target_run *r, uint32_t e, int why, uint32_t obj,
                 uint64_t addr, const char *what)
{
	r->fault.e = e;
	r->fault.why = why;
	r->fault.obj = obj;
	r->fault.addr = addr;
	r->fault.what = what;
	return 0;
}

/* An upvalue label too wide to pack, kept for after the runs. */
static int defer_wide(target_run *r, uint32_t e, uint32_t name)
{
	if (r->nwide == r->wide_cap) {
		size_t ncap = r->wide_cap < 16 ? 16 : r->wide_cap * 2;
		uint32_t *p = realloc(r->wide, ncap * 2 * sizeof(*p));
		if (p == NULL)
			return r->nomem = 1, 0;
		r->wide = p;
		r->wide_cap = ncap;
	}
	r->wide[2 * r->nwide] = e;
	r->wide[2 * r->nwide++ + 1] = name;
	return 1;
}

/* A name label (0: none) that must be a string; 0 on a fault. */
static int check_name(target_run *r, uint32_t e, uint64_t la, uint32_t *name,
                      const char *what)
{
	if (la == 0)
		*name = LH_NONE;
	else if (*name == LH_NONE)
		return fault(r, e, BAD_NAME_UNKNOWN, 0, la, what);
	else if (r->b->s->type[*name] != LH_T_STRING)
		return fault(r, e, BAD_NAME_TYPE, *name, la, what);
	return 1;
}

/*
 * Checks edge e of object src, now resolved to 'to', against its kind,
 * and resolves its label (name: the object at label address la, for the
 * kinds that have one); 0 on a fault, recorded in r. The checks go in the
 * order a reader of the edge meets them: target type, then label.
 */
static int check_edge(target_run *r, uint32_t e, uint32_t src, uint32_t to,
                      uint64_t la, uint32_t name)
{
	lh_snapshot *s = r->b->s;
	int k = s->edge_kind[e] & LH_EDGE_KIND_MASK;
	uint32_t lab;
	uint8_t tt = s->type[to];

	if (lh_edge_specs[k].target && tt != lh_edge_specs[k].target)
		return fault(r, e, BAD_TARGET_TYPE, to, 0, NULL);
	if (k == LH_E_UPVALUE && tt != LH_T_UPVALUE && s->type[src] == LH_T_LFUNC)
		return fault(r, e, BAD_UPVALUE, to, 0, NULL);
	switch (k) {
	case LH_E_KEY:   /* after a string-keyed field, its key (the label) */
		if (e == 0 || (s->edge_kind[e - 1] & LH_EDGE_KIND_MASK) != LH_E_FIELD_STR)
			break;
		if (tt != LH_T_STRING)
			return fault(r, e - 1, BAD_KEY, to, 0, NULL);
		s->edge_label[e - 1] = to;
		break;
	case LH_E_FIELD_OBJ:
		if (name == LH_NONE)
			return fault(r, e, BAD_NAME_UNKNOWN, 0, la, "field key");
		s->edge_label[e] = name;
		break;
	case LH_E_UPVALUE:
		if (!check_name(r, e, la, &name, "upvalue name"))
			return 0;
		lab = s->edge_label[e];   /* read only where the run owns it */
		if (!(lab & LH_LABEL_WIDE) && lab < 128 &&
		    (name == LH_NONE || name < (1u << 24) - 1))
			s->edge_label[e] = (lab << 24) | (name == LH_NONE ? 0 : name + 1);
		else
			return defer_wide(r, e, name);
		break;
	case LH_E_STACK:
		if (!check_name(r, e, la, &name, "local name"))
			return 0;
		lab = s->edge_label[e];
		r->b->in->wide[lab & LH_LABEL_PAYLOAD].obj = name;
		break;
	}
	return 1;
}

/*
 * Rewrites the edge targets of chunk c (deltas from their objects, or far
 * addresses) as dense indices, in place, and checks and resolves each
 * edge's label while its target is fresh. Lookups (targets and label
 * names) go in batches whose hash slots, objects and types are prefetched
 * first: the tables are far bigger than the caches, and each lookup would
 * otherwise wait for its misses in turn. Writes only its own edges (and
 * the label of a string-keyed field just before them), so two chunks can
 * go at once. After a fault it only looks for an edge to an unknown
 * object, which is reported first; 0 when it met one.
 */
static int resolve_chunk(target_run *r, uint32_t c)
{
	lh_snapshot *s = r->b->s;
	uint64_t a[BATCH], la[BATCH];
	uint32_t idx[BATCH], lidx[BATCH], src[BATCH], k, n, m, nl;
	uint32_t e = c * LH_EDGE_MARK_STEP, i = edge_source(s, e);
	uint32_t e1 = s->nedge - e < LH_EDGE_MARK_STEP ? s->nedge : e + LH_EDGE_MARK_STEP;
	size_t far = r->b->mark[c].far, li = r->b->mark[c].label;

	for (; e < e1; e += n) {
		n = e1 - e < BATCH ? e1 - e : BATCH;
		for (k = nl = 0; k < n; k++) {
			while (s->edge_off[i + 1] <= e + k)
				i++;
			src[k] = i;
			if (r->b->tgt[e + k] == LH_FAR_TARGET)
				a[k] = r->b->far[far++];
			else
				a[k] = lh_snapshot_addr(s, i) + (uint64_t)(int64_t)(int32_t)r->b->tgt[e + k];
			if (lh_snap__names_object(s->edge_kind[e + k] & LH_EDGE_KIND_MASK))
				la[nl++] = r->b->laddr[li++];
		}
		lookup_batch(s, r->b->in, a, n, idx);
		if (r->ok && nl > 0)
			lookup_batch(s, r->b->in, la, nl, lidx);
		for (k = 0; k < n && r->ok; k++)
			if (idx[k] != LH_NONE)
				__builtin_prefetch(&s->type[idx[k]]);
		for (k = m = 0; k < n; k++) {
			if (idx[k] == LH_NONE) {
				r->bad = e + k;
				r->bad_addr = a[k];
				return 0;
			}
			r->b->tgt[e + k] = idx[k];
			if (!r->ok)
				continue;
			if (lh_snap__names_object(s->edge_kind[e + k] & LH_EDGE_KIND_MASK))
				r->ok = check_edge(r, e + k, src[k], idx[k], la[m], lidx[m]), m++;
			else
				r->ok = check_edge(r, e + k, src[k], idx[k], 0, LH_NONE);
			r->ok = r->ok && !r->nomem;
		}
	}
	return 1;
}

/* Takes chunks until none is left or an unknown target was met: the
 * chunks before it were all taken before it, so the first one in file
 * order is among those the threads found. */
static void *resolve_run(void *arg)
{
	target_run *r = arg;
	uint32_t c;

	r->bad = LH_NONE;
	r->fault.e = LH_NONE;
	r->ok = 1;
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED) &&
	       (c = __atomic_fetch_add(r->next, 1, __ATOMIC_RELAXED)) < r->b->nmark)
		if (!resolve_chunk(r, c))
			__atomic_store_n(r->stop, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* Whether loading may use a second thread (LUAHEAP_THREADS=1: never). */
int lh_snap__threads(void)
{
	const char *v = getenv("LUAHEAP_THREADS");

	return v != NULL && strcmp(v, "1") == 0 ? 1 : 2;
}

static int report_fault(lh_snap_builder *b, const edge_fault *f)
{
	lh_snapshot *s = b->s;
	int k = s->edge_kind[f->e] & LH_EDGE_KIND_MASK;
	const char *tn = lh_type_name(s->type[f->obj]);

	switch (f->why) {
	case BAD_TARGET_TYPE:
		return lh_snap__fail(b, LH_EFORMAT, "%s edge to 0x%" PRIx64 " of type %s, not %s",
		                     lh_edge_kind_names[k], lh_snapshot_addr(s, f->obj), tn,
		                     lh_type_name(lh_edge_specs[k].target));
	case BAD_UPVALUE:
		return lh_snap__fail(b, LH_EFORMAT, "upvalue edge of a Lua function to an object of type %s", tn);
	case BAD_KEY:
		return lh_snap__fail(b, LH_EFORMAT, "field key 0x%" PRIx64 " is not a string",
		                     lh_snapshot_addr(s, f->obj));
	case BAD_NAME_UNKNOWN:
		return lh_snap__fail(b, LH_EFORMAT, "%s to unknown object 0x%" PRIx64, f->what, f->addr);
	default:
		return lh_snap__fail(b, LH_EFORMAT, "%s 0x%" PRIx64 " has type %s, not %s", f->what,
		                     f->addr, tn, lh_type_name(LH_T_STRING));
	}
}

/* After the runs: the upvalue labels they left wide, in edge order (each
 * run's list is), up to the first fault (which comes before any later
 * label in file order). */
static int finish_runs(lh_snap_builder *b, target_run r[2])
{
	lh_snapshot *s = b->s;
	const edge_fault *f = r[0].fault.e <= r[1].fault.e ? &r[0].fault : &r[1].fault;
	lh_wide_label w;
	uint32_t e, lab;
	size_t j[2] = { 0, 0 };
	int i, rc;

	if (r[0].nomem || r[1].nomem)
		return lh_snap__nomem(b);
	for (;;) {
		for (i = 0; i < 2 && j[i] == r[i].nwide; i++)
			;
		if (i == 0 && j[1] < r[1].nwide && r[1].wide[2 * j[1]] < r[0].wide[2 * j[0]])
			i = 1;
		if (i == 2 || (e = r[i].wide[2 * j[i]]) >= f->e)
			break;
		lab = s->edge_label[e];
		memset(&w, 0, sizeof(w));
		w.v.i = (lab & LH_LABEL_WIDE) ? b->in->wide[lab & LH_LABEL_PAYLOAD].v.i : lab;
		w.obj = r[i].wide[2 * j[i]++ + 1];
		if ((rc = lh_snap__wide(b, &w, &s->edge_label[e])) != LH_OK)
			return rc;
	}
	return f->e != LH_NONE ? report_fault(b, f) : LH_OK;
}

/* The edge targets and labels as dense indices, each edge checked: on big
 * snapshots, by two threads taking chunks in turn. An edge to an unknown
 * object is reported before any other fault, and among faults of one kind
 * the first in file order, however the work was split. */
static int resolve_edges(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	target_run r[2];
	pthread_t tid;
	uint32_t next = 0;
	int stop = 0, started = 0, rc = LH_OK;

	memset(r, 0, sizeof(r));
	r[0].b = r[1].b = b;
	r[0].next = r[1].next = &next;
	r[0].stop = r[1].stop = &stop;
	r[1].bad = r[1].fault.e = LH_NONE;
	if (b->nmark > 1 && lh_snap__threads() > 1)
		started = pthread_create(&tid, NULL, resolve_run, &r[1]) == 0;
	resolve_run(&r[0]);
	if (started)
		pthread_join(tid, NULL);
	if (r[0].bad != LH_NONE || r[1].bad != LH_NONE) {
		const target_run *u = r[0].bad <= r[1].bad ? &r[0] : &r[1];
		rc = lh_snap__fail(b, LH_EFORMAT,
		    "edge to unknown object 0x%" PRIx64 " from object 0x%" PRIx64,
		    u->bad_addr, lh_snapshot_addr(s, edge_source(s, u->bad)));
	} else {
		s->edge_to = b->tgt;
		b->tgt = NULL;
		rc = finish_runs(b, r);
	}
	free(r[0].wide);
	free(r[1].wide);
	return rc;
}

/* The object whose edge e is (edge_off is sorted). */
static uint32_t edge_source(const lh_snapshot *s, uint32_t e)
{
	return lh_array__owner(s->edge_off, 0, s->nobj, e);
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
			if ((s->edge_kind[e] & LH_EDGE_KIND_MASK) == LH_E_PROTO)
				s->funcs[f - 1].proto = s->edge_to[e];   /* a proto: checked */
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

	if ((rc = build_rank(b)) || (rc = build_index(b)) || (rc = resolve_edges(b)) ||
	    (rc = resolve_details(b)))
		return rc;
	drop_index(b->in);
	return LH_OK;
}
