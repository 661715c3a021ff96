/*
 * The binary snapshot reader: pulls frames one at a time through a single
 * bounds-checked cursor (only the current frame is in memory), verifies each
 * frame's CRC and the stream CRC, and hands records to the builder.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include "luaheap/crc32c.h"
#include "read.h"

/* CRC-32C (luaheap/crc32c.h): the SSE4.2 crc32 instruction where the
 * processor has it, else the header's sliced tables. */
static uint32_t crc_table[LH_CRC32C_TABLE_WORDS];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;   /* readers may run in threads */

static void crc_init_once(void);

#ifdef LH_CRC32C_HW
static int use_hw;
#endif

void lh_crc32_hw(int on)
{
	pthread_once(&crc_once, crc_init_once);
#ifdef LH_CRC32C_HW
	use_hw = on && lh_crc32c_hw_present();
#else
	(void)on;
#endif
}

static void crc_init_once(void)
{
#ifdef LH_CRC32C_HW
	use_hw = lh_crc32c_hw_present();
#endif
	lh_crc32c_init(crc_table);
}

uint32_t lh_crc32(uint32_t crc, const void *data, size_t n)
{
	const unsigned char *p = data;

	pthread_once(&crc_once, crc_init_once);
#ifdef LH_CRC32C_HW
	if (use_hw)
		return ~lh_crc32c_hw(~crc, p, n);
#endif
	return lh_crc32c_sw(crc_table, crc, p, n);
}

typedef struct bin {
	lh_snap_builder *b;
	FILE *f;
	uint64_t size;          /* file size, UINT64_MAX if unknown */
	uint64_t fpos;          /* bytes of the file consumed */
	unsigned char *buf;     /* the current frame's payload */
	uint32_t buf_cap, len, pos;
	uint32_t nframe;        /* frames read so far */
	uint64_t stream_base;   /* stream offset of buf[0] */
	uint32_t stream_crc;
	int ended;              /* the end frame has been read */
} bin;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int io_fail(bin *r, const char *what)
{
	if (ferror(r->f))
		return lh_snap__fail(r->b, LH_EIO, "%s", strerror(errno));
	return lh_snap__fail(r->b, LH_EFORMAT, "%s at byte %" PRIu64, what, r->fpos);
}

/* Reads exactly n bytes of the file, or fails naming 'what' as truncated. */
static int read_file(bin *r, void *dst, size_t n, const char *what)
{
	if (fread(dst, 1, n, r->f) != n)
		return io_fail(r, what);
	r->fpos += n;
	return LH_OK;
}

/* Reads the next frame into buf (or the end frame, setting 'ended'). */
static int next_frame(bin *r)
{
	unsigned char w[4];
	uint64_t at = r->fpos;
	uint32_t len, crc;
	int c;

	r->stream_base += r->len;
	r->len = r->pos = 0;
	if (fread(w, 1, 4, r->f) != 4)
		return ferror(r->f) ? io_fail(r, "")
		     : lh_snap__fail(r->b, LH_EFORMAT, "truncated frame at byte %" PRIu64 " (no end frame)", at);
	r->fpos += 4;
	len = le32(w);
	if (len == 0) {
		if (read_file(r, w, 4, "truncated end frame"))
			return r->b->err->code;
		if (le32(w) != r->stream_crc)
			return lh_snap__fail(r->b, LH_EFORMAT, "bad stream checksum in the end frame at byte %" PRIu64, at);
		if ((c = getc(r->f)) != EOF)
			return lh_snap__fail(r->b, LH_EFORMAT, "trailing bytes after the end frame at byte %" PRIu64, r->fpos);
		if (ferror(r->f))
			return io_fail(r, "");
		r->ended = 1;
		return LH_OK;
	}
	r->nframe++;
	if (len > LH_FRAME_MAX)
		return lh_snap__fail(r->b, LH_EFORMAT, "frame %" PRIu32 " at byte %" PRIu64 " has bad length %" PRIu32,
		                     r->nframe, at, len);
	if (r->size != UINT64_MAX && (uint64_t)len + 4 > r->size - r->fpos)
		return lh_snap__fail(r->b, LH_EFORMAT, "truncated frame at byte %" PRIu64, at);
	if (len > r->buf_cap) {
		unsigned char *p = realloc(r->buf, len);
		if (p == NULL)
			return lh_snap__fail(r->b, LH_ENOMEM, "out of memory");
		r->buf = p;
		r->buf_cap = len;
	}
	if (fread(r->buf, 1, len, r->f) != len || fread(w, 1, 4, r->f) != 4)
		return ferror(r->f) ? io_fail(r, "")
		     : lh_snap__fail(r->b, LH_EFORMAT, "truncated frame at byte %" PRIu64, at);
	r->fpos += (uint64_t)len + 4;
	crc = lh_crc32(0, r->buf, len);
	if (crc != le32(w))
		return lh_snap__fail(r->b, LH_EFORMAT, "bad checksum in frame %" PRIu32 " at byte %" PRIu64,
		                     r->nframe, at);
	r->stream_crc = lh_crc32(r->stream_crc, r->buf, len);
	r->len = len;
	r->b->read_pos = r->fpos;
	if (r->b->progress)
		r->b->progress(r->b->progress_ctx, r->fpos, r->size == UINT64_MAX ? 0 : r->size);
	return LH_OK;
}

/* The current frame is used up and a record needs more bytes. */
static int more(bin *r)
{
	int rc;

	if (!r->ended && (rc = next_frame(r)) != LH_OK)
		return rc;
	if (r->ended)
		return lh_snap__fail(r->b, LH_EFORMAT, "record stream ends inside a record at stream byte %" PRIu64,
		                     r->stream_base);
	return LH_OK;
}

/* An upper bound of the record bytes left. */
static uint64_t remaining(const bin *r)
{
	uint64_t left = r->len - r->pos;

	if (r->size == UINT64_MAX)
		return UINT64_MAX;
	return left + (r->size - r->fpos);
}

static inline int get_u8(bin *r, unsigned *v)
{
	int rc;

	if (r->pos == r->len && (rc = more(r)) != LH_OK)
		return rc;
	*v = r->buf[r->pos++];
	return LH_OK;
}

static int get_uv(bin *r, uint64_t *v)
{
	uint64_t x = 0;
	unsigned byte, shift = 0;
	int rc;

	/* the common case: a one-byte value inside the current frame */
	if (r->pos < r->len && !(r->buf[r->pos] & 0x80)) {
		*v = r->buf[r->pos++];
		return LH_OK;
	}
	for (;;) {
		if ((rc = get_u8(r, &byte)) != LH_OK)
			return rc;
		if (shift == 63 && byte > 1)
			return lh_snap__fail(r->b, LH_EFORMAT, "varint overflows 64 bits at stream byte %" PRIu64,
			                     r->stream_base + r->pos);
		x |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			break;
		shift += 7;
	}
	*v = x;
	return LH_OK;
}

static int get_sv(bin *r, int64_t *v)
{
	uint64_t u;
	int rc = get_uv(r, &u);

	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return rc;
}

/* An unsigned value that must fit 'max'. */
static int get_uvmax(bin *r, uint64_t max, const char *what, uint64_t *v)
{
	int rc = get_uv(r, v);

	if (rc == LH_OK && *v > max)
		return lh_snap__fail(r->b, LH_EFORMAT, "%s %" PRIu64 " out of range at stream byte %" PRIu64,
		                     what, *v, r->stream_base + r->pos);
	return rc;
}

static int get_u32(bin *r, const char *what, uint32_t *v)
{
	uint64_t x;
	int rc = get_uvmax(r, UINT32_MAX, what, &x);

	*v = (uint32_t)x;
	return rc;
}

/* A byte that must be <= max. */
static int get_small(bin *r, unsigned max, const char *what, unsigned *v)
{
	int rc = get_u8(r, v);

	if (rc == LH_OK && *v > max)
		return lh_snap__fail(r->b, LH_EFORMAT, "bad %s %u at stream byte %" PRIu64,
		                     what, *v, r->stream_base + r->pos - 1);
	return rc;
}

static int get_bytes(bin *r, char *dst, uint64_t n)
{
	uint32_t k;
	int rc;

	while (n > 0) {
		if (r->pos == r->len && (rc = more(r)) != LH_OK)
			return rc;
		k = r->len - r->pos;
		if (k > n)
			k = (uint32_t)n;
		memcpy(dst, r->buf + r->pos, k);
		r->pos += k;
		dst += k;
		n -= k;
	}
	return LH_OK;
}

static int get_f64(bin *r, double *d)
{
	unsigned char w[8];
	uint64_t u = 0;
	int i, rc;

	if ((rc = get_bytes(r, (char *)w, 8)) != LH_OK)
		return rc;
	for (i = 7; i >= 0; i--)
		u = u << 8 | w[i];
	memcpy(d, &u, sizeof(*d));
	return LH_OK;
}

/* A declared length must fit in what is left of the file. */
static int check_len(bin *r, uint64_t n, uint64_t unit, const char *what)
{
	uint64_t left = remaining(r);

	if (n > left / unit)
		return lh_snap__fail(r->b, LH_EFORMAT, "%s of %" PRIu64 " exceeds the remaining %" PRIu64 " bytes",
		                     what, n, left);
	return LH_OK;
}

#define CHUNK 65536

/*
 * A "str" into a fresh NUL-terminated buffer the caller frees. When the
 * file's size is unknown (a pipe), the buffer grows with the bytes that
 * really arrive, never ahead of them.
 */
static int get_str(bin *r, uint64_t max, const char *what, char **out, size_t *outlen)
{
	uint64_t n, done = 0, k;
	size_t cap;
	char *p;
	int rc;

	*out = NULL;
	if ((rc = get_uvmax(r, max, what, &n)) || (rc = check_len(r, n, 1, what)))
		return rc;
	cap = (size_t)(n < CHUNK ? n : CHUNK) + 1;
	if ((*out = malloc(cap)) == NULL)
		return lh_snap__fail(r->b, LH_ENOMEM, "out of memory");
	while (done < n) {
		k = n - done < CHUNK ? n - done : CHUNK;
		if (done + k + 1 > cap) {
			cap = done + k + 1 > 2 * cap ? (size_t)(done + k + 1) : 2 * cap;
			if ((p = realloc(*out, cap)) == NULL) {
				rc = lh_snap__fail(r->b, LH_ENOMEM, "out of memory");
				break;
			}
			*out = p;
		}
		if ((rc = get_bytes(r, *out + done, k)) != LH_OK)
			break;
		done += k;
	}
	if (rc != LH_OK) {
		free(*out);
		*out = NULL;
		return rc;
	}
	(*out)[n] = '\0';
	if (outlen)
		*outlen = (size_t)n;
	return LH_OK;
}

/* Appends n bytes of the stream to the snapshot's text, a chunk at a time
 * (see get_str). */
static int get_text(bin *r, uint64_t n)
{
	uint64_t k;
	char *p;
	int rc;

	while (n > 0) {
		k = n < CHUNK ? n : CHUNK;
		if ((p = lh_snap__text(r->b, k)) == NULL)
			return r->b->err->code;
		if ((rc = get_bytes(r, p, k)) != LH_OK)
			return rc;
		n -= k;
	}
	return LH_OK;
}

/* One value other than a string, by its coding (lh_code) and bound (max,
 * 0: only the coding's; 'what' names it in errors); a float as its bits.
 * Header fields and edge labels both come this way. */
static int get_value(bin *r, int code, uint64_t max, const char *what, uint64_t *u)
{
	unsigned small = 0;
	double d = 0;
	int rc;

	switch (code) {
	case LH_C_UV:
		return max ? get_uvmax(r, max, what, u) : get_uv(r, u);
	case LH_C_INT:
		return get_sv(r, (int64_t *)u);
	case LH_C_FLOAT:
		if ((rc = get_f64(r, &d)) == LH_OK)
			memcpy(u, &d, sizeof(*u));
		return rc;
	case LH_C_U8: case LH_C_BOOL: case LH_C_GC_MODE:
		rc = max ? get_small(r, (unsigned)max, what, &small) : get_u8(r, &small);
		*u = small;
		return rc;
	default: /* LH_C_ADDR, LH_C_NAME */
		return get_uv(r, u);
	}
}

/* The header record: its fields in lh_header_specs' order, each decoded
 * by its coding and bound. */
static int read_header(bin *r)
{
	const lh_header_spec *sp;
	lh_value v;
	char *str;
	int i, rc = LH_OK;

	for (i = 0; i < LH_H_COUNT && rc == LH_OK; i++) {
		sp = &lh_header_specs[i];
		memset(&v, 0, sizeof(v));
		str = NULL;
		if (sp->code == LH_C_STR) {
			rc = get_str(r, sp->max, sp->what, &str, &v.len);
			v.s = str;
		} else {
			rc = get_value(r, sp->code, sp->max, sp->what, &v.u);
		}
		if (rc == LH_OK)
			rc = lh_snap__header(r->b, i, &v);
		free(str);
	}
	return rc;
}

static int read_string(bin *r)
{
	uint64_t length, stored;
	unsigned is_long;
	int rc;

	if ((rc = get_small(r, 1, "string kind", &is_long)) || (rc = get_uv(r, &length)) ||
	    (rc = get_uvmax(r, length, "stored string length", &stored)) ||
	    (rc = check_len(r, stored, 1, "string length")))
		return rc;
	if (lh_snap__string(r->b, (int)is_long, length, stored) == NULL)
		return r->b->err->code;
	return get_text(r, stored);
}

static int read_cfunc(bin *r, lh_func_info *fi)
{
	char *sym = NULL;
	size_t n = 0;
	int rc;

	if ((rc = get_u32(r, "upvalue count", &fi->nupvalues)) || (rc = get_uv(r, &fi->cfunc)) ||
	    (rc = get_str(r, UINT32_MAX, "symbol length", &sym, &n)))
		return rc;
	rc = lh_snap__symbol(r->b, sym, n, &fi->symbol);
	free(sym);
	return rc;
}

static int read_thread(bin *r)
{
	lh_thread_info *t = lh_snap__thread(r->b);
	uint64_t nframes, i, func, line, proto;
	unsigned u, is_lua;
	int rc;

	if (t == NULL)
		return r->b->err->code;
	if ((rc = get_small(r, LH_THREAD_DEAD, "thread status", &u)))
		return rc;
	t->status = (uint8_t)u;
	if ((rc = get_u32(r, "stack size", &t->stack_slots)) || (rc = get_u32(r, "call depth", &t->nci)) ||
	    (rc = get_uv(r, &nframes)) || (rc = check_len(r, nframes, 4, "frame count")))
		return rc;
	for (i = 0; i < nframes; i++) {
		if ((rc = get_uv(r, &func)) || (rc = get_uv(r, &line)) ||
		    (rc = get_small(r, 1, "frame kind", &is_lua)) || (rc = get_uv(r, &proto)) ||
		    (rc = lh_snap__frame(r->b, func, proto, line, (int)is_lua)))
			return rc;
	}
	return LH_OK;
}

static int read_proto(bin *r)
{
	uint32_t linedefined, lastline, sizecode;
	unsigned np, va, ms;
	uint64_t source;
	lh_proto_info *p;
	int rc;

	if ((rc = get_u32(r, "line", &linedefined)) || (rc = get_u32(r, "line", &lastline)) ||
	    (rc = get_u8(r, &np)) || (rc = get_small(r, 1, "vararg flag", &va)) ||
	    (rc = get_u8(r, &ms)) || (rc = get_u32(r, "code size", &sizecode)) ||
	    (rc = get_uv(r, &source)))
		return rc;
	if ((p = lh_snap__proto(r->b, source)) == NULL)
		return r->b->err->code;
	p->linedefined = linedefined;
	p->lastlinedefined = lastline;
	p->numparams = (uint8_t)np;
	p->is_vararg = (uint8_t)va;
	p->maxstacksize = (uint8_t)ms;
	p->sizecode = sizecode;
	return LH_OK;
}


/*
 * The fast path of the edge list: most edges lie wholly inside the current
 * frame, and their values are short. When the frame holds the longest
 * edge such a path reads (varints of at most 9 bytes, which cannot
 * overflow), an edge is decoded without a bound check per byte. Anything
 * else (a longer varint, a value out of range, an unknown kind, a frame's
 * last bytes) leaves the cursor where it was for the careful path, which
 * decodes the same bytes again and reports what is wrong.
 */
#define FAST_UV_BYTES 9
#define FAST_EDGE_BYTES (1 + FAST_UV_BYTES * (1 + LH_LABEL_FIELDS_MAX))

static inline int fast_uv(const unsigned char **pp, uint64_t *v)
{
	const unsigned char *p = *pp;
	uint64_t x = 0;
	int i;

	for (i = 0; i < FAST_UV_BYTES; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			*pp = p + i + 1;
			return 1;
		}
	}
	return 0;
}

static inline int64_t unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* One label field as get_value reads it; 0 when the careful path must. */
static inline int fast_value(const unsigned char **pp, const lh_label_field *lf, uint64_t *u)
{
	int i;

	switch (lf->code) {
	case LH_C_UV: case LH_C_ADDR: case LH_C_NAME:
		return fast_uv(pp, u) && !(lf->code == LH_C_UV && lf->max && *u > lf->max);
	case LH_C_INT:
		if (!fast_uv(pp, u))
			return 0;
		*u = (uint64_t)unzigzag(*u);
		return 1;
	case LH_C_FLOAT:
		for (*u = 0, i = 7; i >= 0; i--)
			*u = *u << 8 | (*pp)[i];
		*pp += 8;
		return 1;
	case LH_C_U8: case LH_C_BOOL: case LH_C_GC_MODE:
		*u = *(*pp)++;
		return !(lf->max && *u > lf->max);
	}
	return 0;
}

/* 1: an edge decoded, or the end of the list (kind 0); 0: nothing read. */
static int fast_edge(bin *r, unsigned *kind, int64_t *delta, lh_raw_label *lab)
{
	const unsigned char *p = r->buf + r->pos;
	const lh_edge_spec *sp;
	uint64_t u;
	unsigned f;

	if (r->len - r->pos < FAST_EDGE_BYTES)
		return 0;
	if ((*kind = *p++) == 0) {
		r->pos++;
		return 1;
	}
	if ((*kind & LH_EDGE_KIND_MASK) == 0 || (*kind & LH_EDGE_KIND_MASK) >= LH_E_COUNT ||
	    !fast_uv(&p, &u))
		return 0;
	*delta = unzigzag(u);
	sp = &lh_edge_specs[*kind & LH_EDGE_KIND_MASK];
	memset(lab, 0, sizeof(*lab));
	for (f = 0; f < sp->nfields; f++) {
		if (!fast_value(&p, &sp->field[f], &u))
			return 0;
		lh_raw_label_set(lab, sp->field[f].member, u);
	}
	r->pos = (uint32_t)(p - r->buf);
	return 1;
}

/* One edge by the careful path, or the end of the list (kind 0). */
static int careful_edge(bin *r, unsigned *kind, int64_t *delta, lh_raw_label *lab)
{
	const lh_label_field *lf;
	unsigned k, f;
	uint64_t u;
	int rc;

	if ((rc = get_u8(r, kind)) || *kind == 0)
		return rc;
	k = *kind & LH_EDGE_KIND_MASK;
	if (k == 0 || k >= LH_E_COUNT)
		return lh_snap__fail(r->b, LH_EFORMAT, "unknown edge kind %u at stream byte %" PRIu64,
		                     *kind, r->stream_base + r->pos - 1);
	if ((rc = get_sv(r, delta)))
		return rc;
	memset(lab, 0, sizeof(*lab));
	for (f = 0; f < lh_edge_specs[k].nfields; f++) {
		lf = &lh_edge_specs[k].field[f];
		if ((rc = get_value(r, lf->code, lf->max, lf->what, &u)))
			return rc;
		lh_raw_label_set(lab, lf->member, u);
	}
	return LH_OK;
}

static int read_edges(bin *r, uint64_t addr)
{
	uint64_t target = addr;
	unsigned kind;
	lh_raw_label lab;
	int64_t delta = 0;
	int rc;

	for (;;) {
		if (!fast_edge(r, &kind, &delta, &lab) &&
		    (rc = careful_edge(r, &kind, &delta, &lab)) != LH_OK)
			return rc;
		if (kind == 0)
			return LH_OK;
		target += (uint64_t)delta;
		if ((rc = lh_snap__edge(r->b, (int)kind, target, &lab)) != LH_OK)
			return rc;
	}
}

/* An object record's head (type, list, marked byte, address delta, size)
 * by the fast path; 0 (nothing read) when the careful path must. */
static int fast_head(bin *r, unsigned *type, unsigned *list, unsigned *marked,
                     int64_t *delta, uint64_t *size)
{
	const unsigned char *p = r->buf + r->pos;
	uint64_t u;

	if (r->len - r->pos < 3 + 2 * FAST_UV_BYTES)
		return 0;
	*type = p[0];
	*list = p[1];
	*marked = p[2];
	p += 3;
	if (!fast_uv(&p, &u) || !fast_uv(&p, size))
		return 0;
	*delta = unzigzag(u);
	r->pos = (uint32_t)(p - r->buf);
	return 1;
}

static int read_object(bin *r, uint64_t *prev)
{
	lh_snap_builder *b = r->b;
	unsigned type, list, marked, u;
	uint64_t size, addr, v;
	int64_t delta;
	lh_table_info *t;
	lh_func_info *fi;
	lh_udata_info *ud;
	int rc;

	if (!fast_head(r, &type, &list, &marked, &delta, &size) &&
	    ((rc = get_u8(r, &type)) || (rc = get_u8(r, &list)) || (rc = get_u8(r, &marked)) ||
	     (rc = get_sv(r, &delta)) || (rc = get_uv(r, &size))))
		return rc;
	addr = *prev + (uint64_t)delta;
	*prev = addr;
	if ((rc = lh_snap__object(b, addr, (int)type, (int)(list & ~LH_OBJ_SHARED),
	                          (int)marked, size)) ||
	    ((list & LH_OBJ_SHARED) && (rc = lh_snap__shared(b))))
		return rc;
	switch (type) {
	case LH_T_STRING:
		rc = read_string(r);
		break;
	case LH_T_TABLE:
		if ((t = lh_snap__table(b)) == NULL)
			return b->err->code;
		if ((rc = get_u32(r, "array size", &t->asize)) || (rc = get_uv(r, &v)) ||
		    (rc = lh_snap__table_nodes(b, v)) ||
		    (rc = get_small(r, LH_WEAK_BOTH, "weak mode", &u)))
			return rc;
		lh_snap__table_weak(b, (int)u);
		break;
	case LH_T_LFUNC:
		if ((fi = lh_snap__func(b)) == NULL)
			return b->err->code;
		rc = get_u32(r, "upvalue count", &fi->nupvalues);
		break;
	case LH_T_CFUNC:
		if ((fi = lh_snap__func(b)) == NULL)
			return b->err->code;
		rc = read_cfunc(r, fi);
		break;
	case LH_T_USERDATA:
		if ((ud = lh_snap__udata(b)) == NULL)
			return b->err->code;
		if ((rc = get_uv(r, &ud->length)) == LH_OK)
			rc = get_u32(r, "user value count", &ud->nuvalue);
		break;
	case LH_T_THREAD:
		rc = read_thread(r);
		break;
	case LH_T_PROTO:
		rc = read_proto(r);
		break;
	case LH_T_UPVALUE:
		if ((rc = get_small(r, 1, "upvalue state", &u)) == LH_OK)
			rc = lh_snap__upvalue(b, (int)u);
		break;
	}
	if (rc != LH_OK || (rc = read_edges(r, addr)) != LH_OK)
		return rc;
	if (type == LH_T_TABLE) {
		t = &b->s->tables[b->s->ntables - 1];
		if ((rc = get_u32(r, "array entries", &t->array_entries)) ||
		    (rc = get_uvmax(r, UINT32_MAX, "hash entries", &v)))
			return rc;
		t->hash_entries = (uint32_t)v;
	}
	return LH_OK;
}

static int read_watch(bin *r)
{
	uint64_t addr;
	unsigned dead;
	char *label = NULL;
	size_t len = 0;
	int rc;

	if ((rc = get_uv(r, &addr)) == LH_OK &&
	    (rc = get_str(r, UINT32_MAX, "watch label length", &label, &len)) == LH_OK &&
	    (rc = get_small(r, 1, "expect_dead flag", &dead)) == LH_OK)
		rc = lh_snap__watch(r->b, addr, label, len, (int)dead);
	free(label);
	return rc;
}

/* The record stream, in the order the format requires. */
static int read_records(bin *r)
{
	uint64_t prev = 0, nobj, nedge, nroot, index, addr;
	unsigned tag, last = LH_REC_HEADER, kind;
	int rc;

	if ((rc = get_u8(r, &tag)))
		return rc;
	if (tag != LH_REC_HEADER)
		return lh_snap__fail(r->b, LH_EFORMAT, "the record stream does not start with a header");
	if ((rc = read_header(r)))
		return rc;
	for (;;) {
		if ((rc = get_u8(r, &tag)))
			return rc;
		if (tag < LH_REC_OBJECT || tag > LH_REC_END || tag < last)
			return lh_snap__fail(r->b, LH_EFORMAT, "unexpected record tag %u at stream byte %" PRIu64,
			                     tag, r->stream_base + r->pos - 1);
		last = tag;
		switch (tag) {
		case LH_REC_OBJECT:
			rc = read_object(r, &prev);
			break;
		case LH_REC_ROOT:
			if ((rc = get_u8(r, &kind)) == LH_OK && (rc = get_uv(r, &addr)) == LH_OK &&
			    (rc = get_uv(r, &index)) == LH_OK)
				rc = lh_snap__root(r->b, (int)kind, addr, index);
			break;
		case LH_REC_WATCH:
			rc = read_watch(r);
			break;
		case LH_REC_END:
			if ((rc = get_uv(r, &nobj)) || (rc = get_uv(r, &nedge)) || (rc = get_uv(r, &nroot)))
				return rc;
			if (r->pos != r->len)
				return lh_snap__fail(r->b, LH_EFORMAT, "data after the end record at stream byte %" PRIu64,
				                     r->stream_base + r->pos);
			if ((rc = next_frame(r)))
				return rc;
			if (!r->ended)
				return lh_snap__fail(r->b, LH_EFORMAT, "data after the end record in frame %" PRIu32,
				                     r->nframe);
			return lh_snap__end(r->b, nobj, nedge, nroot);
		}
		if (rc != LH_OK)
			return rc;
	}
}

int lh_snap__read_bin(lh_snap_builder *b, FILE *f, uint64_t size)
{
	unsigned char head[4];
	unsigned version;
	bin r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.b = b;
	r.f = f;
	r.size = size;
	r.fpos = LH_MAGIC_LEN;   /* detected by the caller */
	if ((rc = read_file(&r, head, sizeof(head), "truncated file header")))
		goto done;
	version = head[0] | (unsigned)head[1] << 8;
	b->s->hdr.format_version = version;
	if (version != LH_FORMAT_VERSION) {
		rc = lh_snap__fail(b, LH_EVERSION, "unsupported format version %u", version);
		goto done;
	}
	rc = read_records(&r);
done:
	free(r.buf);
	return rc;
}
