/*
 * Loading a snapshot: detects the encoding, runs its reader over the shared
 * builder, then resolves addresses to dense indices and checks that every
 * reference names an object of the file. Also the snapshot's accessors.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "snapshot_internal.h"

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

/* Asks for huge pages under the big array p[0..n): the whole pages it
 * spans, so that the mapping stays one piece realloc can move. */
static void huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + n + 4095) & ~(uintptr_t)4095;

	if (p != NULL && n >= ((size_t)4 << 20))
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);   /* a hint */
#else
	(void)p;
	(void)n;
#endif
}

static int nomem(lh_snap_builder *b)
{
	return lh_snap__fail(b, LH_ENOMEM, "out of memory");
}

/* Grows *p (of *cap elements of elem bytes) to hold at least n. */
static int grow(lh_snap_builder *b, void **p, uint32_t *cap, uint64_t n,
                size_t elem)
{
	uint64_t ncap;
	void *np;

	if (n <= *cap)
		return LH_OK;
	ncap = *cap < 16 ? 16 : (uint64_t)*cap * 2;
	if (ncap < n)
		ncap = n;
	if (ncap > UINT32_MAX)
		ncap = UINT32_MAX;
	if (n > ncap || ncap > SIZE_MAX / elem)
		return nomem(b);
	np = realloc(*p, (size_t)ncap * elem);
	if (np == NULL)
		return nomem(b);
	huge(np, (size_t)ncap * elem);
	*p = np;
	*cap = (uint32_t)ncap;
	return LH_OK;
}

/* Reallocates *p to exactly n elements of elem bytes. */
static int resize(lh_snap_builder *b, void **p, uint64_t n, size_t elem)
{
	void *np;

	if (n > SIZE_MAX / elem || (np = realloc(*p, (size_t)n * elem)) == NULL)
		return nomem(b);
	huge(np, (size_t)n * elem);
	*p = np;
	return LH_OK;
}

#define GROW(b, arr, cap, n) grow((b), (void **)&(arr), &(cap), (n), sizeof(*(arr)))

/* Stores every address in 64 bits: the heap spans more than 256 high
 * halves. */
static int widen_addr(lh_snap_builder *b)
{
	lh_snapshot *s = b->s;
	uint64_t *a = malloc((size_t)(b->obj_cap ? b->obj_cap : 1) * sizeof(*a));
	uint32_t i;

	if (a == NULL)
		return nomem(b);
	for (i = 0; i < s->nobj; i++)
		a[i] = lh_snapshot_addr(s, i);
	free(s->addr_lo);
	free(s->addr_hi);
	s->addr_lo = NULL;
	s->addr_hi = NULL;
	s->addr64 = a;
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
		uint32_t c = b->obj_cap < 256 ? 256 : b->obj_cap * 2;
		if (c > LH_MAX_OBJECTS)
			c = LH_MAX_OBJECTS;
		if ((s->addr64 != NULL ?
		     resize(b, (void **)&s->addr64, c, sizeof(*s->addr64)) :
		     resize(b, (void **)&s->addr_lo, c, sizeof(*s->addr_lo)) ||
		     resize(b, (void **)&s->addr_hi, c, 1)) ||
		    resize(b, (void **)&s->size, c, sizeof(*s->size)) ||
		    resize(b, (void **)&s->type, c, 1) ||
		    resize(b, (void **)&s->list, c, 1) ||
		    resize(b, (void **)&s->marked, c, 1) ||
		    resize(b, (void **)&s->edge_off, (uint64_t)c + 1, sizeof(*s->edge_off)))
			return b->err->code;
		b->obj_cap = c;
	}
	if (size >= LH_SIZE_BIG) {
		if (GROW(b, s->big_obj, b->big_cap, (uint64_t)s->nbig + 1) ||
		    (b->big_cap != b->big_size_cap ?
		     resize(b, (void **)&s->big_size, b->big_cap, sizeof(*s->big_size)) : 0))
			return b->err->code;
		b->big_size_cap = b->big_cap;
		s->big_obj[s->nbig] = n;
		s->big_size[s->nbig++] = size;
		size = LH_SIZE_BIG;
	}
	if ((rc = set_addr(b, n, addr)) != LH_OK)
		return rc;
	s->size[n] = (uint32_t)size;
	s->type[n] = (uint8_t)type;
	s->list[n] = (uint8_t)list;
	s->marked[n] = (uint8_t)marked;
	s->edge_off[n] = s->nedge;
	s->nobj = n + 1;
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
		return (nomem(b), NULL);
	if (need > b->text_cap || s->text == NULL) {   /* never NULL, even for 0 */
		ncap = b->text_cap < 4096 ? 4096 : b->text_cap * 2;
		if (ncap < need)
			ncap = need;
		if (ncap > SIZE_MAX)
			return (nomem(b), NULL);
		p = realloc(s->text, (size_t)ncap);
		if (p == NULL)
			return (nomem(b), NULL);
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

static int push_wide(lh_snap_builder *b, const lh_wide_label *w, uint32_t *label)
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
			return nomem(b);
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
	return push_wide(b, &w, label);
}

static int append_edge(lh_snap_builder *b, int kind, uint64_t target, uint32_t label)
{
	lh_snapshot *s = b->s;
	uint32_t cap = b->edge_cap, c;
	int64_t delta;

	if (s->nedge >= LH_MAX_EDGES)
		return lh_snap__fail(b, LH_EFORMAT, "too many edges");
	if (s->nedge >= b->edge_cap) {
		c = cap; if (GROW(b, b->tgt, c, (uint64_t)s->nedge + 1)) return b->err->code;
		c = cap; if (GROW(b, s->edge_kind, c, (uint64_t)s->nedge + 1)) return b->err->code;
		c = cap; if (GROW(b, s->edge_label, c, (uint64_t)s->nedge + 1)) return b->err->code;
		b->edge_cap = c;
	}
	/* most targets lie within 2 GiB of their object: 4 bytes instead of 8 */
	delta = (int64_t)(target - lh_snapshot_addr(s, s->nobj - 1));
	if (delta > INT32_MIN && delta <= INT32_MAX) {
		b->tgt[s->nedge] = (uint32_t)(int32_t)delta;
	} else {
		if (b->nfar == b->far_cap) {
			size_t ncap = b->far_cap < 16 ? 16 : b->far_cap * 2;
			uint64_t *p = realloc(b->far, ncap * sizeof(*p));
			if (p == NULL)
				return nomem(b);
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

int lh_snap__edge(lh_snap_builder *b, int kind, uint64_t target,
                  const lh_raw_label *lab)
{
	int k = kind & LH_EDGE_KIND_MASK, rc;
	uint32_t label = 0;
	lh_wide_label w;

	if (kind < 0 || kind > 0xff || k == 0 || k >= LH_E_COUNT)
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " has an edge of unknown kind %d",
		                     CUR(b), kind);
	if (!(lh_edge_specs[k].sources & (1u << b->s->type[CUR(b)])))
		return lh_snap__fail(b, LH_EFORMAT, "object %" PRIu32 " of type %s has an edge of kind %s",
		                     CUR(b), lh_type_name(b->s->type[CUR(b)]), lh_edge_kind_names[k]);
	memset(&w, 0, sizeof(w));
	w.obj = LH_NONE;
	switch (k) {
	case LH_E_ARRAY: case LH_E_CONSTANT: case LH_E_CHILD:
	case LH_E_DEBUG_NAME: case LH_E_USER_VALUE: case LH_E_FIELD_INT:
		rc = pack_index(b, lab->i, &label);
		break;
	case LH_E_UPVALUE:   /* index now, name resolved by finish */
		rc = pack_index(b, lab->i, &label);
		if (rc == LH_OK)
			rc = push_laddr(b, lab->addr);
		break;
	case LH_E_FIELD_NUM:
		w.v.d = lab->d;
		rc = push_wide(b, &w, &label);
		break;
	case LH_E_FIELD_LIGHT:
		w.v.ptr = lab->ptr;
		rc = push_wide(b, &w, &label);
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
		rc = push_wide(b, &w, &label);
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
		return nomem(b);
	memcpy(w->label, label, len);
	w->label[len] = '\0';
	w->addr = addr;
	w->target = LH_NONE;
	w->expect_dead = (uint8_t)expect_dead;
	s->nwatches++;
	return LH_OK;
}

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

	if ((in->hash = malloc(cap * sizeof(uint32_t))) == NULL)
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
		return nomem(b);
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
	uint32_t lo = 0, hi = s->nobj;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->edge_off[mid] <= e)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
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
				if ((rc = push_wide(b, &w, &s->edge_label[e])) != LH_OK)
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

/* The kind of each type in the rank counts (-1: no per-type array). */
static const int8_t rank_kind[LH_T_COUNT] = {
	[0] = -1, [LH_T_STRING] = 0, [LH_T_TABLE] = 1, [LH_T_LFUNC] = 2,
	[LH_T_CFUNC] = 2, [LH_T_USERDATA] = 3, [LH_T_THREAD] = 4,
	[LH_T_PROTO] = 5, [LH_T_UPVALUE] = -1,
};

/* For every LH_RANK_BLOCK objects, how many of each rank kind come
 * before them: stored into rank, or with 'check' compared with it (0 at
 * the first difference). cnt gets the totals. */
static int walk_rank(const lh_snapshot *s, uint32_t *rank, int check,
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
		return nomem(b);
	walk_rank(s, s->rank, 0, cnt);
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

int lh_snap__rank_ok(const lh_snapshot *s)
{
	uint32_t cnt[LH_RANK_KINDS];
	const uint32_t recs[LH_RANK_KINDS] = { s->nstrings, s->ntables, s->nfuncs,
		s->nudatas, s->nthreads, s->nprotos };

	return walk_rank(s, s->rank, 1, cnt) &&
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

/* Gives back the slack of geometric growth. */
#define TRIM(arr, n) do { \
	if ((arr) != NULL && (n) > 0) { \
		void *p_ = realloc((arr), (size_t)(n) * sizeof(*(arr))); \
		if (p_ != NULL) (arr) = p_; \
	} } while (0)

int lh_snap__finish(lh_snap_builder *b, uint64_t nobjects, uint64_t nedges,
                    uint64_t nroots)
{
	lh_snapshot *s = b->s;
	int rc;

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
		return nomem(b);
	s->edge_off[s->nobj] = s->nedge;
	if ((rc = build_rank(b)) || (rc = build_index(b)) || (rc = resolve_targets(b)) ||
	    (rc = resolve_labels(b)) || (rc = resolve_details(b)))
		return rc;
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
	drop_index(b->in);
	return LH_OK;
}

static void builder_release(lh_snap_builder *b)
{
	free(b->tgt);
	free(b->far);
	free(b->laddr);
	free(b->frame_addr);
	free(b->proto_src);
	free(b->root_addr);
}

/*
 * Reads the first bytes to tell the encodings apart. Nothing is rewound
 * (the file may be a pipe): the binary reader goes on after the magic, the
 * JSON reader gets the bytes read so far in head[0..*n).
 */
static int detect(lh_snap_builder *b, FILE *f, unsigned char head[LH_MAGIC_LEN],
                  size_t *n, int *is_json)
{
	*n = fread(head, 1, LH_MAGIC_LEN, f);
	*is_json = 1;
	if (ferror(f))
		return lh_snap__fail(b, LH_EIO, "%s", strerror(errno));
	if (*n == 0)
		return lh_snap__fail(b, LH_EFORMAT, "empty file");
	if (memcmp(head, LH_MAGIC, *n) == 0) {
		if (*n < LH_MAGIC_LEN)
			return lh_snap__fail(b, LH_EFORMAT, "truncated file header at byte %zu", *n);
		*is_json = 0;
	}
	return LH_OK;
}

static int load_stream(lh_snapshot **out, const char *path, FILE *f, uint64_t size,
                       lh_progress_fn progress, void *ctx, lh_error *err)
{
	lh_snap_builder b;
	lh_snapshot *s = NULL;
	lh_error local;
	unsigned char head[LH_MAGIC_LEN];
	size_t n = 0;
	int rc, is_json = 0;

	*out = NULL;
	if (err == NULL)
		err = &local;
	lh_error_clear(err);
	memset(&b, 0, sizeof(b));
	b.path = path;
	b.err = err;
	b.progress = progress;
	b.progress_ctx = ctx;
	b.file_size = size;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL ||
	    (s->internal = calloc(1, sizeof(lh_snap_internal))) == NULL) {
		rc = nomem(&b);
		goto done;
	}
	s->main_thread = s->registry = LH_NONE;
	b.s = s;
	b.in = s->internal;
	if ((rc = detect(&b, f, head, &n, &is_json)) != LH_OK)
		goto done;
	s->hdr.encoding = is_json;
	rc = is_json ? lh_snap__read_json(&b, f, head, n) : lh_snap__read_bin(&b, f, size);
done:
	builder_release(&b);
	if (rc != LH_OK) {
		lh_snapshot_free(s);
		return rc;
	}
	*out = s;
	return LH_OK;
}

int lh_snapshot_load(lh_snapshot **out, const char *path, lh_error *err)
{
	return lh_snapshot_load_progress(out, path, NULL, NULL, err);
}

int lh_snapshot_load_progress(lh_snapshot **out, const char *path,
                              lh_progress_fn progress, void *ctx, lh_error *err)
{
	struct stat st;
	uint64_t size = UINT64_MAX;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return lh_error_set(err, errno == ENOENT ? LH_ENOTFOUND : LH_EIO,
		                    "cannot read snapshot '%s': %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return lh_error_set(err, LH_EIO, "cannot read snapshot '%s': is a directory", path);
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size;
	rc = load_stream(out, path, f, size, progress, ctx, err);
	fclose(f);
	return rc;
}

int lh_snapshot_load_mem(lh_snapshot **out, const char *name, const void *data,
                         size_t len, lh_error *err)
{
	FILE *f;
	int rc;

	*out = NULL;
	if (len == 0)
		return lh_error_set(err, LH_EFORMAT, "cannot read snapshot '%s': empty file", name);
	f = fmemopen((void *)data, len, "rb");
	if (f == NULL)
		return lh_error_set(err, LH_ENOMEM, "cannot read snapshot '%s': %s", name, strerror(errno));
	rc = load_stream(out, name, f, len, NULL, NULL, err);
	fclose(f);
	return rc;
}

/* free(p), unless p lies in the index mapping. */
static void drop(const lh_snap_internal *in, void *p)
{
	if (in != NULL && in->map != NULL && (char *)p >= in->map &&
	    (char *)p < in->map + in->map_len)
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
