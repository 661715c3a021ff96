/*
 * The snapshot builder: the readers hand it the file's records one by one;
 * it checks each against the format and stores it in the snapshot's arrays
 * (grown geometrically), keeping addresses for resolve.c. It calls nothing
 * back.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "builder.h"
#include "resolve.h"
#include "array_int.h"

int lh_snap__fail(lh_snap_builder *b, int code, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lh_error_set(b->err, code, "cannot read snapshot '%s': %s",
	                    b->path, what);
}

int lh_snap__nomem(lh_snap_builder *b)
{
	return lh_snap__fail(b, LH_ENOMEM, "out of memory");
}

/*
 * Prefaulting: the kernel zeroes every page of a fresh array at its first
 * write, which on the reader's thread costs a fifth of loading a big heap.
 * While a reader runs, a second thread maps the part an array has just
 * grown by (MADV_POPULATE_WRITE never changes what a page holds), ahead of
 * the reader's writes, up to the size it is on pace to reach. A hint only:
 * a request the queue cannot take is dropped, and so is the rest of a
 * range that realloc has moved since.
 */
#define PREFAULT_MIN   ((size_t)1 << 20)
#define PREFAULT_QUEUE 64u
#define PREFAULT_STEP  ((uintptr_t)2 << 20)

struct lh_prefault {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uintptr_t lo[PREFAULT_QUEUE], hi[PREFAULT_QUEUE];
	unsigned head, tail;    /* requests [tail, head), modulo the queue */
	int stop;
};

#ifdef MADV_POPULATE_WRITE
static void *prefault_main(void *arg)
{
	struct lh_prefault *pf = arg;
	uintptr_t lo, hi;

	pthread_mutex_lock(&pf->mu);
	for (;;) {
		while (pf->tail == pf->head && !pf->stop)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->stop)
			break;
		lo = pf->lo[pf->tail % PREFAULT_QUEUE];
		hi = pf->hi[pf->tail++ % PREFAULT_QUEUE];
		pthread_mutex_unlock(&pf->mu);
		for (; lo < hi && !__atomic_load_n(&pf->stop, __ATOMIC_RELAXED); lo += PREFAULT_STEP)
			if (madvise((void *)lo, hi - lo < PREFAULT_STEP ? hi - lo : PREFAULT_STEP,
			            MADV_POPULATE_WRITE) != 0)
				break;   /* moved or refused: the reader faults them */
		pthread_mutex_lock(&pf->mu);
	}
	pthread_mutex_unlock(&pf->mu);
	return NULL;
}

/* Asks for bytes [from, to) of the array at p to be mapped (whole pages
 * inside them), starting the thread on the first request. */
static void prefault(lh_snap_builder *b, void *p, size_t from, size_t to)
{
	struct lh_prefault *pf = b->prefault;
	uintptr_t lo = ((uintptr_t)p + from + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + to) & ~(uintptr_t)4095;
	double end;

	/* Not past the size the array will have at the pace of the file read
	 * so far (and a sixteenth): the rest of a doubling may never be used.
	 * Without that pace (a pipe, the JSON reader), nothing. */
	if (b->prefault_off || b->file_size == UINT64_MAX || b->read_pos == 0 ||
	    b->read_pos >= b->file_size)
		return;
	end = (double)from * (double)b->file_size / (double)b->read_pos * 1.0625;
	if (end < (double)(hi - (uintptr_t)p))
		hi = ((uintptr_t)p + (uintptr_t)end) & ~(uintptr_t)4095;
	if (hi < lo + PREFAULT_MIN)
		return;
	if (pf == NULL) {
		if (lh_snap__threads() < 2 || (pf = calloc(1, sizeof(*pf))) == NULL) {
			b->prefault_off = 1;
			return;
		}
		pthread_mutex_init(&pf->mu, NULL);
		pthread_cond_init(&pf->cv, NULL);
		if (pthread_create(&pf->tid, NULL, prefault_main, pf) != 0) {
			pthread_mutex_destroy(&pf->mu);
			pthread_cond_destroy(&pf->cv);
			free(pf);
			b->prefault_off = 1;
			return;
		}
		b->prefault = pf;
	}
	pthread_mutex_lock(&pf->mu);
	if (pf->head - pf->tail < PREFAULT_QUEUE) {
		pf->lo[pf->head % PREFAULT_QUEUE] = lo;
		pf->hi[pf->head++ % PREFAULT_QUEUE] = hi;
		pthread_cond_signal(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
}
#else
static void prefault(lh_snap_builder *b, void *p, size_t from, size_t to)
{
	(void)b; (void)p; (void)from; (void)to;
}
#endif

void lh_snap__thread_end(pthread_t tid, pthread_mutex_t *mu,
                         pthread_cond_t *cv, int *stop)
{
	pthread_mutex_lock(mu);
	__atomic_store_n(stop, 1, __ATOMIC_SEQ_CST);
	pthread_cond_signal(cv);
	pthread_mutex_unlock(mu);
	pthread_join(tid, NULL);
	pthread_mutex_destroy(mu);
	pthread_cond_destroy(cv);
}

void lh_snap__prefault_stop(lh_snap_builder *b)
{
	struct lh_prefault *pf = b->prefault;

	b->prefault_off = 1;
	if (pf == NULL)
		return;
	lh_snap__thread_end(pf->tid, &pf->mu, &pf->cv, &pf->stop);
	free(pf);
	b->prefault = NULL;
}

/*
 * The capacity an array of n elements takes next (next_cap), 'doubled'
 * being twice the old one. A big array of a file whose size is known
 * goes at once to the count the reader is on pace to reach, and a
 * sixteenth (on_pace; 0 when unknown), so that it is copied once instead
 * of at every doubling, and the pages of the copies are not zeroed in
 * vain. The pace asks for no more than the file can hold: n elements
 * came out of the read_pos bytes read so far. It depends on counts only,
 * so that arrays sharing a capacity keep it.
 */
#define PACE_MIN ((uint64_t)1 << 20)

static uint64_t on_pace(const lh_snap_builder *b, uint64_t doubled, uint64_t n)
{
	double end;

	if (doubled < PACE_MIN || b->file_size == UINT64_MAX || b->read_pos == 0 ||
	    b->read_pos >= b->file_size)
		return 0;
	end = (double)n * (double)b->file_size / (double)b->read_pos * 1.0625;
	return end >= (double)UINT32_MAX ? UINT32_MAX : (uint64_t)end;
}

static uint64_t next_cap(const lh_snap_builder *b, uint64_t doubled, uint64_t n)
{
	uint64_t pace = on_pace(b, doubled, n);

	return pace > doubled ? pace : doubled;
}

/*
 * realloc of *pp from old to n bytes. An array the index stores (a field
 * of the snapshot, of its internals, or the targets that become edge_to)
 * goes to the pages of the index being written when there is one and it
 * is big (arena_int.h), else to the heap (lh_array__regrow).
 */
static int stored(const lh_snap_builder *b, void **pp)
{
	return ((char *)pp >= (char *)b->s && (char *)pp < (char *)(b->s + 1)) ||
	       ((char *)pp >= (char *)b->in && (char *)pp < (char *)(b->in + 1)) ||
	       pp == (void **)&b->tgt;
}

static void *regrow(lh_snap_builder *b, void **pp, size_t old, size_t n)
{
	lh_arena *ar = b->in->arena;
	void *p = *pp, *q = NULL;

	if (ar != NULL && n >= lh_arena__min && stored(b, pp))
		q = lh_arena__alloc(ar, n);
	if (q == NULL && !lh_arena__owns(ar, p, NULL))
		return lh_array__regrow(p, old, n);
	if (q == NULL && (q = lh_array__alloc(n)) == NULL)
		return NULL;
	if (p != NULL)
		memcpy(q, p, old < n ? old : n);
	lh_arena__free(ar, p);
	return q;
}

/* Grows *p (of *cap elements of elem bytes) to hold at least n. */
static int grow(lh_snap_builder *b, void **p, uint32_t *cap, uint64_t n,
                size_t elem)
{
	uint64_t ncap;
	void *np;

	if (n <= *cap)
		return LH_OK;
	ncap = next_cap(b, *cap < 16 ? 16 : (uint64_t)*cap * 2, n);
	if (ncap < n)
		ncap = n;
	if (ncap > UINT32_MAX)
		ncap = UINT32_MAX;
	if (n > ncap || ncap > SIZE_MAX / elem)
		return lh_snap__nomem(b);
	np = regrow(b, p, (size_t)*cap * elem, (size_t)ncap * elem);
	if (np == NULL)
		return lh_snap__nomem(b);
	prefault(b, np, (size_t)*cap * elem, (size_t)ncap * elem);
	*p = np;
	*cap = (uint32_t)ncap;
	return LH_OK;
}

/* Reallocates *p (of old elements) to exactly n elements of elem bytes. */
static int resize(lh_snap_builder *b, void **p, uint64_t old, uint64_t n, size_t elem)
{
	void *np;

	if (n > SIZE_MAX / elem ||
	    (np = regrow(b, p, (size_t)old * elem, (size_t)n * elem)) == NULL)
		return lh_snap__nomem(b);
	if (old < n)
		prefault(b, np, (size_t)old * elem, (size_t)n * elem);
	*p = np;
	return LH_OK;
}

/* grow() when arr (of cap elements) cannot hold n; the test is inline, as
 * most calls find room. n must have no side effects. */
#define GROW(b, arr, cap, n) ((uint64_t)(n) <= (cap) ? LH_OK : \
	grow((b), (void **)&(arr), &(cap), (n), sizeof(*(arr))))

/* Stores every address in 64 bits: the heap spans more than 256 high
 * halves. */
static int widen_addr(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	uint64_t *a = regrow(b, (void **)&s->addr64, 0,
		(size_t)(b->obj_cap ? b->obj_cap : 1) * sizeof(*a));
	uint32_t i;

	if (a == NULL)
		return lh_snap__nomem(b);
	for (i = 0; i < s->nobj; i++)
		a[i] = lh_snapshot_addr(s, i);
	lh_snap__early_hold(b, 1);
	lh_arena__free(b->in->arena, s->addr_lo);
	lh_arena__free(b->in->arena, s->addr_hi);
	s->addr_lo = NULL;
	s->addr_hi = NULL;
	s->addr64 = a;
	lh_snap__early_hold(b, 0);
	return LH_OK;
}

/* Records object n's address: its low half, and its high half's index in
 * addr_high (the last one used is tried first). */
static int set_addr(lh_snap_builder *b, uint32_t n, uint64_t addr)
{
	lh_snapshot *s = b->s;
	uint32_t hi = (uint32_t)(addr >> 32), k = b->last_high;
	int rc;

	if (s->addr64 == NULL && (k >= s->naddr_high || s->addr_high[k] != hi)) {
		for (k = 0; k < s->naddr_high && s->addr_high[k] != hi; k++)
			;
		if (k == s->naddr_high && k == 256 && (rc = widen_addr(b)) != LH_OK)
			return rc;
		if (k == s->naddr_high && k < 256)
			s->addr_high[s->naddr_high++] = hi;
		b->last_high = k;
	}
	if (s->addr64 != NULL) {
		s->addr64[n] = addr;
	} else {
		s->addr_lo[n] = (uint32_t)addr;
		s->addr_hi[n] = (uint8_t)k;
	}
	return LH_OK;
}

/* Where each header field goes in lh_header, and its width. */
#define SLOT(f) { offsetof(lh_header, f), sizeof(((lh_header *)0)->f) }

static const struct header_slot {
	size_t off;
	size_t size;
} header_slots[LH_H_COUNT] = {
	[LH_H_LUA_VERSION_NUM] = SLOT(lua_version_num),
	[LH_H_LUA_RELEASE] = SLOT(lua_release),
	[LH_H_POINTER_SIZE] = SLOT(pointer_size),
	[LH_H_TIME] = SLOT(time),
	[LH_H_PID] = SLOT(pid),
	[LH_H_LABEL] = SLOT(label),
	[LH_H_GC_MODE] = SLOT(gc_mode),
	[LH_H_GC_STATE] = SLOT(gc_state),
	[LH_H_GC_WAS_RUNNING] = SLOT(gc_was_running),
	[LH_H_GC_PAUSE] = SLOT(gc_pause),
	[LH_H_GC_STEPMUL] = SLOT(gc_stepmul),
	[LH_H_GC_STEPSIZE] = SLOT(gc_stepsize),
	[LH_H_GC_GENMINORMUL] = SLOT(gc_genminormul),
	[LH_H_GC_GENMAJORMUL] = SLOT(gc_genmajormul),
	[LH_H_LUA_TOTAL_BYTES] = SLOT(lua_total_bytes),
	[LH_H_VM_OVERHEAD_BYTES] = SLOT(vm_overhead_bytes),
	[LH_H_OVERHEAD_STATE] = SLOT(overhead_state),
	[LH_H_OVERHEAD_STRTAB] = SLOT(overhead_strtab),
	[LH_H_FLAGS] = SLOT(flags),
	[LH_H_STRING_LIMIT] = SLOT(string_limit),
	[LH_H_MAIN_THREAD] = SLOT(main_thread),
	[LH_H_REGISTRY] = SLOT(registry),
};

#undef SLOT

/* The getter, beside the setter so that one slot table serves both. */
void lh_snapshot_header_value(const lh_snapshot *snap, int field,
	lh_value *out)
{
	const struct header_slot *hs = &header_slots[field];
	const char *p = (const char *)&snap->hdr + hs->off;
	uint8_t u8;
	uint32_t u32;

	memset(out, 0, sizeof *out);
	if (lh_header_specs[field].code != LH_C_STR) {
		if (hs->size == 1) {
			memcpy(&u8, p, 1);
			out->u = u8;
		} else if (hs->size == 4) {
			memcpy(&u32, p, 4);
			out->u = u32;
		} else {
			memcpy(&out->u, p, 8);
		}
		return;
	}
	out->s = field != LH_H_LABEL ? p :
		snap->hdr.label != NULL ? snap->hdr.label : "";
	out->len = strlen(out->s);
}

int lh_snap__header(lh_snap_builder *b, int field, const lh_value *v)
{
	const struct header_slot *hs = &header_slots[field];
	char *p = (char *)&b->s->hdr + hs->off;
	uint8_t u8 = (uint8_t)v->u;
	uint32_t u32 = (uint32_t)v->u;

	if (lh_header_specs[field].code != LH_C_STR) {
		/* a number, within the spec's bound (the reader checked) */
		if (hs->size == 1)
			memcpy(p, &u8, 1);
		else if (hs->size == 4)
			memcpy(p, &u32, 4);
		else
			memcpy(p, &v->u, 8);
	} else if (field == LH_H_LABEL) {
		char *s = malloc(v->len + 1);
		if (s == NULL)
			return lh_snap__nomem(b);
		memcpy(s, v->s, v->len);
		s[v->len] = '\0';
		free(b->s->hdr.label);
		b->s->hdr.label = s;
	} else if (v->len < hs->size) {   /* the reader checked the length */
		memcpy(p, v->s, v->len);
		p[v->len] = '\0';
	}
	return LH_OK;
}

int lh_snap__object(lh_snap_builder *b, uint64_t addr, int type, int list,
                    int marked, uint64_t size)
{
	lh_snapshot *s = b->s;
	uint32_t n = s->nobj;
	int rc;

	if (type <= 0 || type >= LH_T_COUNT)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has unknown type %d", n, type);
	if (list < 0 || list >= LH_LIST_COUNT)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has unknown list %d", n, list);
	if (marked < 0 || marked > 0xff)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has a bad marked byte", n);
	if (addr == 0)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " at address 0", n);
	if (n >= LH_MAX_OBJECTS)
		return lh_snap__fail(b, LH_EFORMAT, "too many objects");
	if (n >= b->obj_cap) {   /* all arrays share one capacity */
		uint32_t o = b->obj_cap;
		uint64_t doubled = o < 256 ? 256 : (uint64_t)o * 2;
		uint64_t pace = on_pace(b, doubled, (uint64_t)n + 1);
		uint64_t c = pace > doubled ? pace : doubled;
		if (c > LH_MAX_OBJECTS)
			c = LH_MAX_OBJECTS;
		if (pace != 0)       /* the count is known: index while reading */
			lh_snap__early_start(b, pace);
		lh_snap__early_hold(b, 1);
		rc = ((s->addr64 != NULL ?
		     resize(b, (void **)&s->addr64, o, c, sizeof(*s->addr64)) :
		     resize(b, (void **)&s->addr_lo, o, c, sizeof(*s->addr_lo)) ||
		     resize(b, (void **)&s->addr_hi, o, c, 1)) ||
		    resize(b, (void **)&s->size, o, c, sizeof(*s->size)) ||
		    resize(b, (void **)&s->type, o, c, 1) ||
		    resize(b, (void **)&s->list, o, c, 1) ||
		    resize(b, (void **)&s->marked, o, c, 1) ||
		    resize(b, (void **)&s->edge_off, o, (uint64_t)c + 1, sizeof(*s->edge_off))) ?
		    b->err->code : LH_OK;
		lh_snap__early_hold(b, 0);
		if (rc != LH_OK)
			return rc;
		b->obj_cap = (uint32_t)c;
	}
	if (size >= LH_SIZE_BIG) {
		if (GROW(b, s->big_obj, b->big_cap, (uint64_t)s->nbig + 1) ||
		    (b->big_cap != b->big_size_cap ?
		     resize(b, (void **)&s->big_size, b->big_size_cap, b->big_cap,
		            sizeof(*s->big_size)) : 0))
			return b->err->code;
		b->big_size_cap = b->big_cap;
		s->big_obj[s->nbig] = n;
		s->big_size[s->nbig++] = size;
		size = LH_SIZE_BIG;
	}
	if ((rc = set_addr(b, n, addr)) != LH_OK)
		return rc;
	b->cur_addr = addr;
	b->cur_type = (uint8_t)type;
	s->size[n] = (uint32_t)size;
	s->type[n] = (uint8_t)type;
	s->list[n] = (uint8_t)list;
	s->marked[n] = (uint8_t)marked;
	s->edge_off[n] = s->nedge;
	s->nobj = n + 1;
	if (b->early != NULL && (s->nobj & (LH_EARLY_STEP - 1)) == 0)
		lh_snap__early_publish(b);
	return LH_OK;
}

#define CUR(b) ((b)->s->nobj - 1)

lh_string_info *lh_snap__string(lh_snap_builder *b, int is_long,
                                uint64_t length, uint64_t stored)
{
	lh_snapshot *s = b->s;
	lh_string_info *si;

	if (stored > length)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 ": string stores more bytes than it has",
		                     CUR(b)), NULL;
	if (stored > LH_STORED_MAX)
		return lh_snap__fail(b, LH_EFORMAT, "stored string of %" PRIu64 " bytes is too long",
		                     stored), NULL;
	if (GROW(b, s->strings, b->strings_cap, (uint64_t)s->nstrings + 1))
		return NULL;
	if (s->nstrings % LH_TEXT_STEP == 0) {
		if (GROW(b, s->text_at, b->text_at_cap, (uint64_t)s->nstrings / LH_TEXT_STEP + 1))
			return NULL;
		s->text_at[s->nstrings / LH_TEXT_STEP] = s->text_len;
	}
	if (length >= LH_SIZE_BIG) {
		if (GROW(b, s->big_len_str, b->big_len_str_cap, (uint64_t)s->nbig_len + 1) ||
		    GROW(b, s->big_len, b->big_len_cap, (uint64_t)s->nbig_len + 1))
			return NULL;
		s->big_len_str[s->nbig_len] = s->nstrings;
		s->big_len[s->nbig_len++] = length;
		length = LH_SIZE_BIG;
	}
	si = &s->strings[s->nstrings++];
	memset(si, 0, sizeof(*si));
	si->length = (uint32_t)length;
	si->stored = (uint32_t)stored;
	si->is_long = is_long != 0;
	return si;
}

lh_table_info *lh_snap__table(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;

	if (GROW(b, s->tables, b->tables_cap, (uint64_t)s->ntables + 1))
		return NULL;
	if (GROW(b, s->table_weak, b->table_weak_cap, (uint64_t)s->ntables + 1) ||
	    GROW(b, s->table_lnodes, b->table_lnodes_cap, (uint64_t)s->ntables + 1))
		return NULL;
	memset(&s->tables[s->ntables], 0, sizeof(lh_table_info));
	s->table_weak[s->ntables] = LH_WEAK_NONE;
	s->table_lnodes[s->ntables] = 0;
	return &s->tables[s->ntables++];
}

void lh_snap__table_weak(lh_snap_builder *b, int weak)
{
	b->s->table_weak[b->s->ntables - 1] = (uint8_t)weak;
}

int lh_snap__table_nodes(lh_snap_builder *b, uint64_t nodes)
{
	uint8_t l = 0;

	if (nodes != 0 && (nodes & (nodes - 1)) == 0 && nodes <= (UINT64_C(1) << 31))
		l = (uint8_t)(__builtin_ctzll(nodes) + 1);
	else if (nodes != 0)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 ": table of %" PRIu64
		                     " hash nodes, not a power of two", CUR(b), nodes);
	b->s->table_lnodes[b->s->ntables - 1] = l;
	return LH_OK;
}

lh_func_info *lh_snap__func(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	lh_func_info *f;

	if (GROW(b, s->funcs, b->funcs_cap, (uint64_t)s->nfuncs + 1))
		return NULL;
	f = &s->funcs[s->nfuncs++];
	memset(f, 0, sizeof(*f));
	f->proto = LH_NONE;
	f->symbol = UINT32_MAX;
	return f;
}

lh_thread_info *lh_snap__thread(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	lh_thread_info *t;

	if (GROW(b, s->threads, b->threads_cap, (uint64_t)s->nthreads + 1))
		return NULL;
	t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof(*t));
	t->frame_first = s->nframes;
	return t;
}

int lh_snap__frame(lh_snap_builder *b, uint64_t func, uint64_t proto,
                   uint64_t line, int is_lua)
{
	lh_snapshot *s = b->s;
	lh_thread_info *t = &s->threads[s->nthreads - 1];
	lh_frame_info *f;

	if (line > UINT32_MAX)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 ": frame line out of range", CUR(b));
	if (is_lua != 0 && is_lua != 1)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 ": bad frame kind", CUR(b));
	if (s->nframes == UINT32_MAX)
		return lh_snap__fail(b, LH_EFORMAT, "too many frames");
	if (GROW(b, s->frames, b->frames_cap, (uint64_t)s->nframes + 1))
		return b->err->code;
	if (GROW(b, b->frame_addr, b->frame_addr_cap, 2 * ((uint64_t)s->nframes + 1)))
		return b->err->code;
	f = &s->frames[s->nframes];
	f->func = f->proto = LH_NONE;
	f->line = (uint32_t)line;
	f->is_lua = (uint8_t)is_lua;
	b->frame_addr[2 * s->nframes] = func;
	b->frame_addr[2 * s->nframes + 1] = proto;
	s->nframes++;
	t->frame_count++;
	return LH_OK;
}

lh_proto_info *lh_snap__proto(lh_snap_builder *b, uint64_t source)
{
	lh_snapshot *s = b->s;

	if (GROW(b, s->protos, b->protos_cap, (uint64_t)s->nprotos + 1))
		return NULL;
	if (GROW(b, b->proto_src, b->proto_src_cap, (uint64_t)s->nprotos + 1))
		return NULL;
	b->proto_src[s->nprotos] = source;
	memset(&s->protos[s->nprotos], 0, sizeof(lh_proto_info));
	s->protos[s->nprotos].source = LH_NONE;
	return &s->protos[s->nprotos++];
}

lh_udata_info *lh_snap__udata(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;

	if (GROW(b, s->udatas, b->udatas_cap, (uint64_t)s->nudatas + 1))
		return NULL;
	memset(&s->udatas[s->nudatas], 0, sizeof(lh_udata_info));
	return &s->udatas[s->nudatas++];
}

int lh_snap__upvalue(lh_snap_builder *b, int is_open)
{
	lh_snapshot *s = b->s;

	if (!is_open)
		return LH_OK;
	if (GROW(b, s->open_upvals, b->open_upvals_cap, (uint64_t)s->nopen_upvals + 1))
		return b->err->code;
	s->open_upvals[s->nopen_upvals++] = CUR(b);
	return LH_OK;
}

int lh_snap__shared(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;

	if (GROW(b, s->shared, b->shared_cap, (uint64_t)s->nshared + 1))
		return b->err->code;
	s->shared[s->nshared++] = CUR(b);
	return LH_OK;
}

char *lh_snap__text(lh_snap_builder *b, uint64_t n)
{
	lh_snapshot *s = b->s;
	uint64_t need = s->text_len + n, ncap;
	char *p;

	if (need < n)
		return (lh_snap__nomem(b), NULL);
	if (need > b->text_cap || s->text == NULL) {   /* never NULL, even for 0 */
		ncap = b->text_cap < 4096 ? 4096 : b->text_cap * 2;
		if (ncap < need)
			ncap = need;
		if (ncap > SIZE_MAX)
			return (lh_snap__nomem(b), NULL);
		p = realloc(s->text, (size_t)ncap);
		if (p == NULL)
			return (lh_snap__nomem(b), NULL);
		prefault(b, p, (size_t)b->text_cap, (size_t)ncap);
		s->text = p;
		b->text_cap = ncap;
	}
	p = s->text + s->text_len;
	s->text_len = need;
	return p;
}

int lh_snap__symbol(lh_snap_builder *b, const char *str, size_t n, uint32_t *off)
{
	lh_snapshot *s = b->s;
	uint64_t need = (uint64_t)s->symbols_len + n + 1;

	*off = UINT32_MAX;
	if (n == 0 || need >= UINT32_MAX)   /* a name past 4 GiB stays unknown */
		return LH_OK;
	if (GROW(b, s->symbols, b->symbols_cap, need))
		return b->err->code;
	memcpy(s->symbols + s->symbols_len, str, n);
	s->symbols[s->symbols_len + n] = '\0';
	*off = s->symbols_len;
	s->symbols_len = (uint32_t)need;
	return LH_OK;
}

int lh_snap__wide(lh_snap_builder *b, const lh_wide_label *w, uint32_t *label)
{
	lh_snap_internal *in = b->in;

	if (in->nwide >= LH_LABEL_PAYLOAD)
		return lh_snap__fail(b, LH_EFORMAT, "too many wide edge labels");
	if (GROW(b, in->wide, b->wide_cap, (uint64_t)in->nwide + 1))
		return b->err->code;
	in->wide[in->nwide] = *w;
	*label = LH_LABEL_WIDE | in->nwide++;
	return LH_OK;
}

static int push_laddr(lh_snap_builder *b, uint64_t addr)
{
	if (b->nladdr == b->laddr_cap) {
		size_t ncap = b->laddr_cap < 16 ? 16 : b->laddr_cap * 2;
		uint64_t *p = realloc(b->laddr, ncap * sizeof(*p));
		if (p == NULL)
			return lh_snap__nomem(b);
		b->laddr = p;
		b->laddr_cap = ncap;
	}
	b->laddr[b->nladdr++] = addr;
	return LH_OK;
}

/* Packs a non-negative index-like label, going wide when it is too big. */
static int pack_index(lh_snap_builder *b, int64_t i, uint32_t *label)
{
	lh_wide_label w;

	if (i >= 0 && i <= (int64_t)LH_LABEL_PAYLOAD) {
		*label = (uint32_t)i;
		return LH_OK;
	}
	memset(&w, 0, sizeof(w));
	w.v.i = i;
	w.obj = LH_NONE;
	return lh_snap__wide(b, &w, label);
}

/* Room for one more edge. edge_cap never passes LH_MAX_EDGES, so that
 * append_edge tests one bound per edge. */
static int more_edges(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	uint32_t cap = b->edge_cap, c;

	if (s->nedge >= LH_MAX_EDGES)
		return lh_snap__fail(b, LH_EFORMAT, "too many edges");
	c = cap; if (GROW(b, b->tgt, c, (uint64_t)s->nedge + 1)) return b->err->code;
	c = cap; if (GROW(b, s->edge_kind, c, (uint64_t)s->nedge + 1)) return b->err->code;
	c = cap; if (GROW(b, s->edge_label, c, (uint64_t)s->nedge + 1)) return b->err->code;
	b->edge_cap = c < LH_MAX_EDGES ? c : LH_MAX_EDGES;
	return LH_OK;
}

/* Notes the far targets and label addresses before this edge (of kind
 * 'kind', whose label address, if it has one, is already pushed). */
static int mark_edges(lh_snap_builder *b, int kind)
{
	lh_edge_mark *m;

	if (GROW(b, b->mark, b->mark_cap, (uint64_t)b->nmark + 1))
		return b->err->code;
	m = &b->mark[b->nmark++];
	m->far = b->nfar;
	m->label = b->nladdr - (size_t)lh_snap__names_object(kind & LH_EDGE_KIND_MASK);
	return LH_OK;
}

static int append_edge(lh_snap_builder *b, int kind, uint64_t target, uint32_t label)
{
	lh_snapshot *s = b->s;
	int64_t delta;
	int rc;

	if (s->nedge >= b->edge_cap && (rc = more_edges(b)) != LH_OK)
		return rc;
	if (s->nedge % LH_EDGE_MARK_STEP == 0 && (rc = mark_edges(b, kind)) != LH_OK)
		return rc;
	/* most targets lie within 2 GiB of their object: 4 bytes instead of 8 */
	delta = (int64_t)(target - b->cur_addr);
	if (delta > INT32_MIN && delta <= INT32_MAX) {
		b->tgt[s->nedge] = (uint32_t)(int32_t)delta;
	} else {
		if (b->nfar == b->far_cap) {
			size_t ncap = b->far_cap < 16 ? 16 : b->far_cap * 2;
			uint64_t *p = realloc(b->far, ncap * sizeof(*p));
			if (p == NULL)
				return lh_snap__nomem(b);
			b->far = p;
			b->far_cap = ncap;
		}
		b->far[b->nfar++] = target;
		b->tgt[s->nedge] = LH_FAR_TARGET;
	}
	s->edge_kind[s->nedge] = (uint8_t)kind;
	s->edge_label[s->nedge] = label;
	s->nedge++;
	return LH_OK;
}

int lh_snap__edge(lh_snap_builder *b, int kind, uint64_t target,
                  const lh_raw_label *lab)
{
	int k = kind & LH_EDGE_KIND_MASK, rc;
	uint32_t label = 0;
	lh_wide_label w;

	if (kind < 0 || kind > 0xff || k == 0 || k >= LH_E_COUNT)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has an edge of unknown kind %d",
		                     CUR(b), kind);
	if (!(lh_edge_specs[k].sources & (1u << b->cur_type)))
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " of type %s has an edge of kind %s",
		                     CUR(b), lh_type_name(b->cur_type), lh_edge_kind_names[k]);
	memset(&w, 0, sizeof(w));
	w.obj = LH_NONE;
	switch (k) {
	case LH_E_ARRAY: case LH_E_CONSTANT: case LH_E_CHILD:
	case LH_E_DEBUG_NAME: case LH_E_USER_VALUE: case LH_E_FIELD_INT:
		rc = pack_index(b, lab->i, &label);
		break;
	case LH_E_UPVALUE:   /* index now, name resolved by resolve.c */
		rc = pack_index(b, lab->i, &label);
		if (rc == LH_OK)
			rc = push_laddr(b, lab->addr);
		break;
	case LH_E_FIELD_NUM:
		w.v.d = lab->d;
		rc = lh_snap__wide(b, &w, &label);
		break;
	case LH_E_FIELD_LIGHT:
		w.v.ptr = lab->ptr;
		rc = lh_snap__wide(b, &w, &label);
		break;
	case LH_E_FIELD_BOOL:
		if (lab->i != 0 && lab->i != 1)
			return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has a bad boolean key", CUR(b));
		label = (uint32_t)lab->i;
		rc = LH_OK;
		break;
	case LH_E_FIELD_OBJ:
		if (lab->addr == 0)
			return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has a field with no key object", CUR(b));
		rc = push_laddr(b, lab->addr);
		break;
	case LH_E_STACK:
		w.v.i = lab->i;
		w.slot = lab->slot;
		rc = lh_snap__wide(b, &w, &label);
		if (rc == LH_OK)
			rc = push_laddr(b, lab->addr);
		break;
	case LH_E_FIELD_STR:
		if (lab->addr == 0)
			return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has a field with no key string", CUR(b));
		rc = LH_OK;
		break;
	default:
		rc = LH_OK;
		break;
	}
	if (rc != LH_OK)
		return rc;
	b->written_edges++;
	if ((rc = append_edge(b, kind, target, label)) != LH_OK)
		return rc;
	if (k == LH_E_FIELD_STR)   /* the table references its key too */
		rc = append_edge(b, LH_E_KEY, lab->addr, 0);
	return rc;
}

int lh_snap__root(lh_snap_builder *b, int kind, uint64_t addr, uint64_t index)
{
	lh_snapshot *s = b->s;

	if (kind <= 0 || kind >= LH_ROOT_COUNT)
		return lh_snap__fail(b, LH_EFORMAT, "root %" PRIu32 " has unknown kind %d", s->nroots, kind);
	if (index > UINT32_MAX)
		return lh_snap__fail(b, LH_EFORMAT, "root %" PRIu32 " has a bad index", s->nroots);
	if (s->nroots == UINT32_MAX)
		return lh_snap__fail(b, LH_EFORMAT, "too many roots");
	if (GROW(b, s->roots, b->roots_cap, (uint64_t)s->nroots + 1))
		return b->err->code;
	if (GROW(b, b->root_addr, b->root_addr_cap, (uint64_t)s->nroots + 1))
		return b->err->code;
	s->roots[s->nroots].kind = (uint8_t)kind;
	s->roots[s->nroots].target = LH_NONE;
	s->roots[s->nroots].index = (uint32_t)index;
	b->root_addr[s->nroots++] = addr;
	return LH_OK;
}

int lh_snap__watch(lh_snap_builder *b, uint64_t addr, const char *label,
                   size_t len, int expect_dead)
{
	lh_snapshot *s = b->s;
	lh_watch *w;

	if (s->nwatches == UINT32_MAX)
		return lh_snap__fail(b, LH_EFORMAT, "too many watched objects");
	if (expect_dead != 0 && expect_dead != 1)
		return lh_snap__fail(b, LH_EFORMAT, "watch %" PRIu32 " has a bad expect_dead", s->nwatches);
	if (GROW(b, s->watches, b->watches_cap, (uint64_t)s->nwatches + 1))
		return b->err->code;
	w = &s->watches[s->nwatches];
	w->label = malloc(len + 1);
	if (w->label == NULL)
		return lh_snap__nomem(b);
	memcpy(w->label, label, len);
	w->label[len] = '\0';
	w->addr = addr;
	w->target = LH_NONE;
	w->expect_dead = (uint8_t)expect_dead;
	s->nwatches++;
	return LH_OK;
}

/* Gives back the slack of geometric growth: the tail of an array in the
 * index's pages is freed there, any other is reallocated. */
static void trim(lh_snap_builder *b, void **pp, uint64_t n)
{
	void *q;

	if (*pp == NULL || n == 0 || n > SIZE_MAX)
		return;
	if (lh_arena__owns(b->in->arena, *pp, NULL))
		lh_arena__shrink(b->in->arena, *pp, (size_t)n);
	else if ((q = realloc(*pp, (size_t)n)) != NULL)
		*pp = q;
}

#define TRIM(arr, n) trim(b, (void **)&(arr), (uint64_t)(n) * sizeof(*(arr)))

int lh_snap__end(lh_snap_builder *b, uint64_t nobjects, uint64_t nedges,
                 uint64_t nroots)
{
	lh_snapshot *s = b->s;

	if (nobjects != s->nobj)
		return lh_snap__fail(b, LH_EFORMAT, "end record counts %" PRIu64 " objects, file has %" PRIu32,
		                     nobjects, s->nobj);
	if (nedges != b->written_edges)
		return lh_snap__fail(b, LH_EFORMAT, "end record counts %" PRIu64 " edges, file has %" PRIu64,
		                     nedges, b->written_edges);
	if (nroots != s->nroots)
		return lh_snap__fail(b, LH_EFORMAT, "end record counts %" PRIu64 " roots, file has %" PRIu32,
		                     nroots, s->nroots);
	if (s->edge_off == NULL && (s->edge_off = malloc(sizeof(uint32_t))) == NULL)
		return lh_snap__nomem(b);
	s->edge_off[s->nobj] = s->nedge;
	return LH_OK;
}

void lh_snap__trim(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;

	TRIM(s->addr_lo, s->nobj); TRIM(s->addr_hi, s->nobj); TRIM(s->addr64, s->nobj);
	TRIM(s->size, s->nobj); TRIM(s->type, s->nobj);
	TRIM(s->list, s->nobj); TRIM(s->marked, s->nobj);
	TRIM(s->open_upvals, s->nopen_upvals);
	TRIM(s->shared, s->nshared);
	TRIM(s->edge_off, (uint64_t)s->nobj + 1);
	TRIM(s->edge_to, s->nedge); TRIM(s->edge_kind, s->nedge); TRIM(s->edge_label, s->nedge);
	TRIM(s->strings, s->nstrings); TRIM(s->tables, s->ntables);
	TRIM(s->table_weak, s->ntables); TRIM(s->table_lnodes, s->ntables);
	TRIM(s->funcs, s->nfuncs); TRIM(s->threads, s->nthreads);
	TRIM(s->frames, s->nframes); TRIM(s->protos, s->nprotos);
	TRIM(s->udatas, s->nudatas); TRIM(s->text, s->text_len);
	TRIM(s->text_at, (uint64_t)s->nstrings / LH_TEXT_STEP + 1);
	TRIM(s->symbols, s->symbols_len);
	TRIM(s->roots, s->nroots); TRIM(s->watches, s->nwatches);
	TRIM(b->in->wide, b->in->nwide);
}

void lh_snap__builder_release(lh_snap_builder *b)
{
	lh_snap__prefault_stop(b);
	lh_snap__early_stop(b);
	lh_arena__free(b->in != NULL ? b->in->arena : NULL, b->tgt);
	free(b->far);
	free(b->laddr);
	free(b->mark);
	free(b->frame_addr);
	free(b->proto_src);
	free(b->root_addr);
}
