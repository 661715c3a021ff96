/*
 * The JSON snapshot reader: parses the document with cJSON, checks every
 * field's presence, type and range, and hands the records to the builder.
 * Strings carry bytes as Latin-1 code points (format.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cjson/cJSON.h>
#include "read.h"

#define JSON_INT_MAX 9007199254740992.0   /* 2^53: exact in a double */

typedef struct js {
	lh_snap_builder *b;
	char ctx[48];           /* "header", "object 12", ... */
} js;

static int jfail(js *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int jfail(js *j, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return lh_snap__fail(j->b, LH_EFORMAT, "%s: %s", j->ctx, what);
}

static int jget(js *j, const cJSON *o, const char *name, const cJSON **out)
{
	*out = cJSON_GetObjectItemCaseSensitive(o, name);
	if (*out == NULL)
		return jfail(j, "missing field '%s'", name);
	return LH_OK;
}

static int juint(js *j, const cJSON *o, const char *name, uint64_t max, uint64_t *v)
{
	const cJSON *it;
	double d;
	int rc;

	if ((rc = jget(j, o, name, &it)))
		return rc;
	d = it->valuedouble;
	if (!cJSON_IsNumber(it) || !(d >= 0) || d > JSON_INT_MAX || d != floor(d) || d > (double)max)
		return jfail(j, "field '%s' is not an integer in range", name);
	*v = (uint64_t)d;
	return LH_OK;
}

static int ju32(js *j, const cJSON *o, const char *name, uint32_t *v)
{
	uint64_t x;
	int rc = juint(j, o, name, UINT32_MAX, &x);

	*v = (uint32_t)x;
	return rc;
}

static int ju8(js *j, const cJSON *o, const char *name, uint8_t *v)
{
	uint64_t x;
	int rc = juint(j, o, name, 0xff, &x);

	*v = (uint8_t)x;
	return rc;
}

static int jbool(js *j, const cJSON *o, const char *name, uint8_t *v)
{
	const cJSON *it;
	int rc;

	if ((rc = jget(j, o, name, &it)))
		return rc;
	if (!cJSON_IsBool(it))
		return jfail(j, "field '%s' is not a boolean", name);
	*v = cJSON_IsTrue(it) ? 1 : 0;
	return LH_OK;
}

/* An optional boolean flag, false when absent. */
static int jflag(js *j, const cJSON *o, const char *name, uint8_t *v)
{
	*v = 0;
	return cJSON_GetObjectItemCaseSensitive(o, name) ? jbool(j, o, name, v) : LH_OK;
}

static int parse_addr(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	int n = 0, c;

	if (s[0] != '0' || s[1] != 'x')
		return -1;
	for (s += 2; (c = *s) != '\0'; s++, n++) {
		if (n == 16)
			return -1;
		if (c >= '0' && c <= '9') c -= '0';
		else if (c >= 'a' && c <= 'f') c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F') c -= 'A' - 10;
		else return -1;
		x = x << 4 | (uint64_t)c;
	}
	if (n == 0)
		return -1;
	*v = x;
	return 0;
}

/* An address "0x..."; null gives 0 when allow_null. */
static int jaddr(js *j, const cJSON *o, const char *name, int allow_null, uint64_t *v)
{
	const cJSON *it;
	int rc;

	*v = 0;
	if ((rc = jget(j, o, name, &it)))
		return rc;
	if (allow_null && cJSON_IsNull(it))
		return LH_OK;
	if (!cJSON_IsString(it) || parse_addr(it->valuestring, v) != 0)
		return jfail(j, "field '%s' is not an address", name);
	return LH_OK;
}

/* A name from 'names' (valid indices from..n-1). */
static int jname(js *j, const cJSON *o, const char *name, const char *const *names,
                 int from, int n, int *v)
{
	const cJSON *it;
	int i, rc;

	*v = 0;
	if ((rc = jget(j, o, name, &it)))
		return rc;
	if (cJSON_IsString(it))
		for (i = from; i < n; i++)
			if (strcmp(it->valuestring, names[i]) == 0) {
				*v = i;
				return LH_OK;
			}
	return jfail(j, "field '%s' has an unknown value", name);
}

/*
 * Decodes cJSON's UTF-8 into bytes: each code point is one byte; U+E000
 * stands for NUL (see protect_nul). Writes to dst when not NULL; returns the
 * byte count or -1 for invalid UTF-8 or a code point above 0xff.
 */
static long latin1(const char *src, char *dst)
{
	const unsigned char *p = (const unsigned char *)src;
	long n = 0;
	unsigned cp;

	while (*p) {
		if (p[0] < 0x80) {
			cp = *p++;
		} else if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			cp = (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
			if (cp < 0x80)
				return -1;
		} else if (p[0] == 0xee && p[1] == 0x80 && p[2] == 0x80) {
			cp = 0;   /* U+E000 */
			p += 3;
		} else {
			return -1;
		}
		if (cp > 0xff)
			return -1;
		if (dst)
			dst[n] = (char)cp;
		n++;
	}
	return n;
}

/* A Latin-1 string field into a fresh buffer (NUL-terminated). */
static int jstr(js *j, const cJSON *o, const char *name, char **out, size_t *len)
{
	const cJSON *it;
	long n;
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = jget(j, o, name, &it)))
		return rc;
	if (!cJSON_IsString(it) || (n = latin1(it->valuestring, NULL)) < 0)
		return jfail(j, "field '%s' is not a Latin-1 string", name);
	if ((*out = malloc((size_t)n + 1)) == NULL)
		return lh_snap__fail(j->b, LH_ENOMEM, "out of memory");
	latin1(it->valuestring, *out);
	(*out)[n] = '\0';
	*len = (size_t)n;
	return LH_OK;
}

static int read_string(js *j, const cJSON *o)
{
	const cJSON *it;
	uint64_t length, stored;
	uint8_t is_long = 0;
	long n;
	char *p;
	int rc;

	if ((rc = jbool(j, o, "long", &is_long)) || (rc = juint(j, o, "length", UINT64_MAX, &length)) ||
	    (rc = juint(j, o, "stored", UINT32_MAX, &stored)) || (rc = jget(j, o, "text", &it)))
		return rc;
	if (stored > length)
		return jfail(j, "stores more bytes than the string has");
	if (!cJSON_IsString(it) || (n = latin1(it->valuestring, NULL)) < 0)
		return jfail(j, "field 'text' is not a Latin-1 string");
	if ((uint64_t)n != stored)
		return jfail(j, "text has %ld bytes, 'stored' says %" PRIu64, n, stored);
	p = NULL;
	if (lh_snap__string(j->b, is_long, length, stored) == NULL ||
	    (stored > 0 && (p = lh_snap__text(j->b, stored)) == NULL))
		return j->b->err->code;
	if (p != NULL)                  /* no text at all yet: nothing to store */
		latin1(it->valuestring, p);
	return LH_OK;
}

static int read_frames(js *j, const cJSON *o)
{
	const cJSON *frames, *f;
	uint64_t func, proto, line;
	uint8_t is_lua = 0;
	int rc;

	if ((rc = jget(j, o, "frames", &frames)))
		return rc;
	if (!cJSON_IsArray(frames))
		return jfail(j, "field 'frames' is not an array");
	cJSON_ArrayForEach(f, frames) {
		if (!cJSON_IsObject(f))
			return jfail(j, "a frame is not an object");
		if ((rc = jaddr(j, f, "func", 1, &func)) || (rc = juint(j, f, "line", UINT32_MAX, &line)) ||
		    (rc = jbool(j, f, "lua", &is_lua)) || (rc = jaddr(j, f, "proto", 1, &proto)) ||
		    (rc = lh_snap__frame(j->b, func, proto, line, is_lua)))
			return rc;
	}
	return LH_OK;
}

static int read_details(js *j, const cJSON *o, int type)
{
	lh_snap_builder *b = j->b;
	lh_table_info *t;
	lh_func_info *fi;
	lh_thread_info *th;
	lh_proto_info *p;
	lh_udata_info *ud;
	uint64_t source;
	uint32_t nodes;
	uint8_t flag = 0;
	char *sym;
	size_t len;
	int v, rc;

	switch (type) {
	case LH_T_STRING:
		return read_string(j, o);
	case LH_T_TABLE:
		if ((t = lh_snap__table(b)) == NULL)
			return b->err->code;
		if ((rc = ju32(j, o, "asize", &t->asize)) || (rc = ju32(j, o, "nodes", &nodes)) ||
		    (rc = lh_snap__table_nodes(b, nodes)) ||
		    (rc = jname(j, o, "weak", lh_weak_names, 0, 4, &v)) ||
		    (rc = ju32(j, o, "array_entries", &t->array_entries)) ||
		    (rc = ju32(j, o, "hash_entries", &t->hash_entries)))
			return rc;
		lh_snap__table_weak(b, (int)v);
		return LH_OK;
	case LH_T_LFUNC:
		if ((fi = lh_snap__func(b)) == NULL)
			return b->err->code;
		return ju32(j, o, "nupvalues", &fi->nupvalues);
	case LH_T_CFUNC:
		if ((fi = lh_snap__func(b)) == NULL)
			return b->err->code;
		if ((rc = ju32(j, o, "nupvalues", &fi->nupvalues)) ||
		    (rc = jaddr(j, o, "cfunc", 0, &fi->cfunc)) ||
		    (rc = jstr(j, o, "symbol", &sym, &len)))
			return rc;
		rc = lh_snap__symbol(b, sym, len, &fi->symbol);
		free(sym);
		return rc;
	case LH_T_USERDATA:
		if ((ud = lh_snap__udata(b)) == NULL)
			return b->err->code;
		if ((rc = juint(j, o, "length", UINT64_MAX, &ud->length)))
			return rc;
		return ju32(j, o, "nuvalue", &ud->nuvalue);
	case LH_T_THREAD:
		if ((th = lh_snap__thread(b)) == NULL)
			return b->err->code;
		if ((rc = jname(j, o, "status", lh_thread_status_names, 0, 4, &v)) ||
		    (rc = ju32(j, o, "stack_slots", &th->stack_slots)) ||
		    (rc = ju32(j, o, "nci", &th->nci)))
			return rc;
		th->status = (uint8_t)v;
		return read_frames(j, o);
	case LH_T_PROTO:
		if ((rc = jaddr(j, o, "source", 1, &source)))
			return rc;
		if ((p = lh_snap__proto(b, source)) == NULL)
			return b->err->code;
		if ((rc = ju32(j, o, "linedefined", &p->linedefined)) ||
		    (rc = ju32(j, o, "lastlinedefined", &p->lastlinedefined)) ||
		    (rc = ju8(j, o, "numparams", &p->numparams)) ||
		    (rc = jbool(j, o, "vararg", &p->is_vararg)) ||
		    (rc = ju8(j, o, "maxstacksize", &p->maxstacksize)) ||
		    (rc = ju32(j, o, "sizecode", &p->sizecode)))
			return rc;
		return LH_OK;
	case LH_T_UPVALUE:
		if ((rc = jbool(j, o, "open", &flag)))
			return rc;
		return lh_snap__upvalue(b, flag);
	}
	return LH_OK;
}

/* The "key" of an nfield: a number, or "inf", "-inf", "nan". */
static int jfloat_key(js *j, const cJSON *e, double *d)
{
	const cJSON *it;
	int rc;

	if ((rc = jget(j, e, "key", &it)))
		return rc;
	if (cJSON_IsNumber(it)) {
		*d = it->valuedouble;
		return LH_OK;
	}
	if (cJSON_IsString(it)) {
		if (strcmp(it->valuestring, "inf") == 0) { *d = HUGE_VAL; return LH_OK; }
		if (strcmp(it->valuestring, "-inf") == 0) { *d = -HUGE_VAL; return LH_OK; }
		if (strcmp(it->valuestring, "nan") == 0) { *d = NAN; return LH_OK; }
	}
	return jfail(j, "edge has a bad float key");
}

/* The "key" of an ifield: a decimal string of a 64-bit integer. */
static int jint_key(js *j, const cJSON *e, int64_t *v)
{
	const cJSON *it;
	char *end;
	int rc;

	if ((rc = jget(j, e, "key", &it)))
		return rc;
	if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
	    !(it->valuestring[0] == '-' || (it->valuestring[0] >= '0' && it->valuestring[0] <= '9')))
		return jfail(j, "edge has a bad integer key");
	errno = 0;
	*v = strtoll(it->valuestring, &end, 10);
	if (errno != 0 || *end != '\0')
		return jfail(j, "edge has a bad integer key");
	return LH_OK;
}

/* One value other than a string, under 'name' in o, by its coding
 * (lh_code) and bound (max, 0: only the coding's); a float as its bits.
 * Header fields and edge labels both come this way. */
static int jvalue(js *j, const cJSON *o, const char *name, int code,
                  uint64_t max, uint64_t *u)
{
	uint8_t b;
	double d = 0;
	int mode, rc;

	switch (code) {
	case LH_C_UV:
		return juint(j, o, name, max ? max : UINT64_MAX, u);
	case LH_C_U8:
		return juint(j, o, name, max ? max : 0xff, u);
	case LH_C_ADDR: case LH_C_NAME:
		return jaddr(j, o, name, code == LH_C_NAME, u);
	case LH_C_INT:
		return jint_key(j, o, (int64_t *)u);
	case LH_C_FLOAT:
		if ((rc = jfloat_key(j, o, &d)) == LH_OK)
			memcpy(u, &d, sizeof(*u));
		return rc;
	case LH_C_GC_MODE:
		rc = jname(j, o, name, lh_gc_mode_names, 0, 2, &mode);
		*u = (uint64_t)mode;
		return rc;
	default: /* LH_C_BOOL */
		rc = jbool(j, o, name, &b);
		*u = b;
		return rc;
	}
}

/* The header object: the fields of lh_header_specs, each decoded by its
 * coding and bound. */
static int read_header(js *j, const cJSON *h)
{
	const lh_header_spec *sp;
	lh_value v;
	char *str;
	int i, rc = LH_OK;

	snprintf(j->ctx, sizeof(j->ctx), "header");
	if (!cJSON_IsObject(h))
		return jfail(j, "not an object");
	for (i = 0; i < LH_H_COUNT && rc == LH_OK; i++) {
		sp = &lh_header_specs[i];
		memset(&v, 0, sizeof(v));
		str = NULL;
		if (sp->code != LH_C_STR) {
			rc = jvalue(j, h, sp->name, sp->code, sp->max, &v.u);
		} else if ((rc = jstr(j, h, sp->name, &str, &v.len)) == LH_OK &&
		           v.len > sp->max) {
			rc = jfail(j, "field '%s' is too long", sp->name);
		}
		v.s = str;
		if (rc == LH_OK)
			rc = lh_snap__header(j->b, i, &v);
		free(str);
	}
	return rc;
}

static int read_edge(js *j, const cJSON *e)
{
	const lh_label_field *lf;
	lh_raw_label lab;
	uint64_t target, u;
	uint8_t weak, eph;
	int kind, f, rc;

	if (!cJSON_IsObject(e))
		return jfail(j, "an edge is not an object");
	if ((rc = jname(j, e, "kind", lh_edge_kind_names, 1, LH_E_COUNT, &kind)) ||
	    (rc = jaddr(j, e, "to", 0, &target)) || (rc = jflag(j, e, "weak", &weak)) ||
	    (rc = jflag(j, e, "ephemeron", &eph)))
		return rc;
	memset(&lab, 0, sizeof(lab));
	for (f = 0; f < lh_edge_specs[kind].nfields; f++) {
		lf = &lh_edge_specs[kind].field[f];
		if ((rc = jvalue(j, e, lf->name, lf->code, lf->max, &u)) != LH_OK)
			return rc;
		lh_raw_label_set(&lab, lf->member, u);
	}
	kind |= (weak ? LH_EDGE_WEAK : 0) | (eph ? LH_EDGE_EPHEMERON : 0);
	return lh_snap__edge(j->b, kind, target, &lab);
}

static int read_object(js *j, const cJSON *o, uint32_t n)
{
	const cJSON *edges, *e;
	uint64_t addr, size, marked;
	int type, list, rc;
	uint8_t shared;

	snprintf(j->ctx, sizeof(j->ctx), "object %" PRIu32, n);
	if (!cJSON_IsObject(o))
		return jfail(j, "not an object");
	if ((rc = jaddr(j, o, "id", 0, &addr)) ||
	    (rc = jname(j, o, "type", lh_type_names, 1, LH_T_COUNT, &type)) ||
	    (rc = jname(j, o, "list", lh_list_names, 0, LH_LIST_COUNT, &list)) ||
	    (rc = juint(j, o, "marked", 0xff, &marked)) ||
	    (rc = juint(j, o, "size", UINT64_MAX, &size)) ||
	    (rc = lh_snap__object(j->b, addr, type, list, (int)marked, size)) ||
	    (rc = jflag(j, o, "shared", &shared)) ||
	    (shared && (rc = lh_snap__shared(j->b))) ||
	    (rc = read_details(j, o, type)) || (rc = jget(j, o, "edges", &edges)))
		return rc;
	if (!cJSON_IsArray(edges))
		return jfail(j, "field 'edges' is not an array");
	cJSON_ArrayForEach(e, edges)
		if ((rc = read_edge(j, e)) != LH_OK)
			return rc;
	return LH_OK;
}

/*
 * cJSON keeps a "\u0000" escape as a NUL inside its C string, which would
 * cut the string short. Before parsing, such escapes (only inside strings,
 * only real escapes) become "\ue000", which latin1() maps back to NUL.
 */
static void protect_nul(char *p, size_t n)
{
	size_t i;
	int in_string = 0;

	for (i = 0; i < n; i++) {
		if (!in_string) {
			if (p[i] == '"')
				in_string = 1;
		} else if (p[i] == '"') {
			in_string = 0;
		} else if (p[i] == '\\' && i + 1 < n) {
			if (p[i + 1] == 'u' && i + 5 < n && memcmp(p + i + 2, "0000", 4) == 0)
				memcpy(p + i + 2, "e000", 4);
			i++;   /* the escaped character */
		}
	}
}

static int read_root(js *j, const cJSON *o, uint32_t n)
{
	uint64_t addr, index;
	int kind, rc;

	snprintf(j->ctx, sizeof(j->ctx), "root %" PRIu32, n);
	if (!cJSON_IsObject(o))
		return jfail(j, "not an object");
	if ((rc = jname(j, o, "kind", lh_root_kind_names, 1, LH_ROOT_COUNT, &kind)) ||
	    (rc = jaddr(j, o, "to", 0, &addr)) ||
	    (rc = juint(j, o, "index", UINT32_MAX, &index)))
		return rc;
	return lh_snap__root(j->b, kind, addr, index);
}

static int read_watch(js *j, const cJSON *o, uint32_t n)
{
	uint64_t addr;
	uint8_t dead = 0;
	char *label;
	size_t len;
	int rc;

	snprintf(j->ctx, sizeof(j->ctx), "watch %" PRIu32, n);
	if (!cJSON_IsObject(o))
		return jfail(j, "not an object");
	if ((rc = jaddr(j, o, "id", 0, &addr)) || (rc = jbool(j, o, "expect_dead", &dead)) ||
	    (rc = jstr(j, o, "label", &label, &len)))
		return rc;
	rc = lh_snap__watch(j->b, addr, label, len, dead);
	free(label);
	return rc;
}

/*
 * The document is read as a stream: the top-level object and its three
 * big arrays are walked here, and each small value (the header, one object
 * with its edges, one root...) is cut out of a sliding window and parsed
 * by cJSON alone. Memory is then one element's tree, not the file's.
 */
typedef struct win {
	FILE *f;
	char *buf;
	size_t cap, start, end;   /* unread data is buf[start..end) */
	uint64_t base;            /* file offset of buf[0] */
	int eof;
} win;

/* The byte at 'off' past the window's start, reading more as needed;
 * -1 at the end of the file, -2 on a read error or no memory. */
static int peekc(win *w, size_t off)
{
	size_t k;
	char *p;

	while (w->start + off >= w->end) {
		if (w->eof)
			return -1;
		if (w->start > 0) {
			memmove(w->buf, w->buf + w->start, w->end - w->start);
			w->base += w->start;
			w->end -= w->start;
			w->start = 0;
		}
		if (w->end == w->cap) {
			if (w->cap > SIZE_MAX / 2 || (p = realloc(w->buf, w->cap * 2)) == NULL)
				return -2;
			w->buf = p;
			w->cap *= 2;
		}
		k = fread(w->buf + w->end, 1, w->cap - w->end, w->f);
		w->end += k;
		if (k == 0) {
			if (ferror(w->f))
				return -2;
			w->eof = 1;
		}
	}
	return (unsigned char)w->buf[w->start + off];
}

static uint64_t wpos(const win *w)
{
	return w->base + w->start;
}

static int wfail(js *j, win *w, int c)
{
	if (c == -2)
		return ferror(w->f) ? lh_snap__fail(j->b, LH_EIO, "%s", strerror(errno))
		                    : lh_snap__fail(j->b, LH_ENOMEM, "out of memory");
	if (c == -1)
		return lh_snap__fail(j->b, LH_EFORMAT, "truncated JSON at byte %" PRIu64, wpos(w));
	return lh_snap__fail(j->b, LH_EFORMAT, "malformed JSON at byte %" PRIu64, wpos(w));
}

/* Skips blanks; returns the next byte (not consumed) or a peekc error. */
static int skip_ws(win *w)
{
	int c;

	while ((c = peekc(w, 0)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		w->start++;
	return c;
}

/* Consumes the byte 'want' after blanks. */
static int expect(js *j, win *w, int want)
{
	int c = skip_ws(w);

	if (c != want)
		return wfail(j, w, c);
	w->start++;
	return LH_OK;
}

/* The length of the JSON value at the window's start: balanced brackets
 * outside strings, or a string, or a bare word/number. */
static int value_len(js *j, win *w, size_t *len)
{
	size_t off = 0;
	int c, depth = 0, in_str = 0;

	c = peekc(w, 0);
	if (c < 0)
		return wfail(j, w, c);
	if (c != '{' && c != '[' && c != '"') {
		while ((c = peekc(w, off)) >= 0 && !strchr(",]} \t\r\n", c))
			off++;
		if (c == -2 || off == 0)
			return wfail(j, w, c == -2 ? c : 0);
		*len = off;
		return LH_OK;
	}
	for (;;) {
		if ((c = peekc(w, off++)) < 0)
			return wfail(j, w, c);
		if (in_str) {
			if (c == '\\') {
				if ((c = peekc(w, off++)) < 0)
					return wfail(j, w, c);
			} else if (c == '"') {
				in_str = 0;
				if (depth == 0)
					break;
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				break;
		}
	}
	*len = off;
	return LH_OK;
}

/* Parses the value at the window's start with cJSON and consumes it. */
static int next_value(js *j, win *w, cJSON **out)
{
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = skip_ws(w)) < 0)
		return wfail(j, w, rc);
	if ((rc = value_len(j, w, &len)) != LH_OK)
		return rc;
	protect_nul(w->buf + w->start, len);
	*out = cJSON_ParseWithLength(w->buf + w->start, len);
	if (*out == NULL)
		return lh_snap__fail(j->b, LH_EFORMAT, "malformed JSON at byte %" PRIu64, wpos(w));
	w->start += len;
	return LH_OK;
}

/* A top-level key (plain ASCII, no escapes, as the dumper writes them);
 * anything else reads as "" and its value is skipped. */
static int next_key(js *j, win *w, char *key, size_t keylen)
{
	size_t n = 0;
	int c, rc;

	if ((rc = expect(j, w, '"')) != LH_OK)
		return rc;
	while ((c = peekc(w, 0)) != '"') {
		if (c < 0)
			return wfail(j, w, c);
		w->start++;
		if (c == '\\') {                 /* an escape: not one of ours */
			if ((c = peekc(w, 0)) < 0)
				return wfail(j, w, c);
			w->start++;
			n = keylen;
		} else if (n < keylen) {
			key[n++] = (char)c;
		}
	}
	w->start++;
	key[n < keylen ? n : 0] = '\0';
	return expect(j, w, ':');
}

typedef int (*element_fn)(js *j, const cJSON *item, uint32_t n);

/* Walks an array element by element. */
static int read_array(js *j, win *w, const char *name, element_fn fn)
{
	cJSON *item;
	uint32_t n = 0;
	int c, rc;

	c = skip_ws(w);
	if (c != '[') {
		snprintf(j->ctx, sizeof(j->ctx), "document");
		return c < 0 ? wfail(j, w, c) : jfail(j, "field '%s' is not an array", name);
	}
	w->start++;
	if (skip_ws(w) == ']') {
		w->start++;
		return LH_OK;
	}
	for (;;) {
		if ((rc = next_value(j, w, &item)) != LH_OK)
			return rc;
		rc = fn(j, item, n++);
		cJSON_Delete(item);
		if (j->b->progress && n % 4096 == 0)
			j->b->progress(j->b->progress_ctx, wpos(w),
			               j->b->file_size == UINT64_MAX ? 0 : j->b->file_size);
		if (rc != LH_OK)
			return rc;
		c = skip_ws(w);
		w->start++;
		if (c == ']')
			return LH_OK;
		if (c != ',')
			return wfail(j, w, c);
	}
}

enum { SEEN_FORMAT = 1, SEEN_VERSION = 2, SEEN_HEADER = 4, SEEN_OBJECTS = 8,
       SEEN_ROOTS = 16, SEEN_WATCH = 32, SEEN_COUNTS = 64 };

/* A small top-level value: format, version, header or counts. */
static int read_field(js *j, const char *key, const cJSON *v, uint64_t counts[3])
{
	cJSON *wrap;
	uint64_t version;
	int rc;

	snprintf(j->ctx, sizeof(j->ctx), "document");
	if (strcmp(key, "format") == 0) {
		if (!cJSON_IsString(v) || strcmp(v->valuestring, LH_JSON_FORMAT_NAME) != 0)
			return jfail(j, "not a luaheap snapshot (format is not \"%s\")", LH_JSON_FORMAT_NAME);
		return LH_OK;
	}
	if (strcmp(key, "version") == 0) {
		if ((wrap = cJSON_CreateObject()) == NULL)
			return lh_snap__fail(j->b, LH_ENOMEM, "out of memory");
		cJSON_AddItemReferenceToObject(wrap, "version", (cJSON *)v);
		rc = juint(j, wrap, "version", UINT32_MAX, &version);
		cJSON_Delete(wrap);
		if (rc != LH_OK)
			return rc;
		j->b->s->hdr.format_version = (uint32_t)version;
		if (version != LH_FORMAT_VERSION)
			return lh_snap__fail(j->b, LH_EVERSION, "unsupported format version %" PRIu64, version);
		return LH_OK;
	}
	if (strcmp(key, "header") == 0)
		return read_header(j, v);
	snprintf(j->ctx, sizeof(j->ctx), "counts");
	if (!cJSON_IsObject(v))
		return jfail(j, "not an object");
	if ((rc = juint(j, v, "objects", UINT64_MAX, &counts[0])) ||
	    (rc = juint(j, v, "edges", UINT64_MAX, &counts[1])))
		return rc;
	return juint(j, v, "roots", UINT64_MAX, &counts[2]);
}

static int read_document(js *j, win *w)
{
	static const struct { const char *name; int bit; } keys[] = {
		{ "format", SEEN_FORMAT }, { "version", SEEN_VERSION }, { "header", SEEN_HEADER },
		{ "objects", SEEN_OBJECTS }, { "roots", SEEN_ROOTS }, { "watch", SEEN_WATCH },
		{ "counts", SEEN_COUNTS }
	};
	static const char *const required[] = { "format", "version", "header", "objects",
	                                        "roots", "counts" };
	uint64_t counts[3] = { 0, 0, 0 };
	char key[16];
	cJSON *v;
	size_t i;
	int seen = 0, bit, c, rc;

	if ((rc = expect(j, w, '{')) != LH_OK)
		return rc;
	if (skip_ws(w) == '}') {
		w->start++;
	} else {
		for (;;) {
			if ((rc = next_key(j, w, key, sizeof(key))) != LH_OK)
				return rc;
			for (bit = 0, i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
				if (strcmp(key, keys[i].name) == 0)
					bit = keys[i].bit;
			snprintf(j->ctx, sizeof(j->ctx), "document");
			if (seen & bit)
				return jfail(j, "field '%s' appears twice", key);
			seen |= bit;
			if (bit == SEEN_OBJECTS)
				rc = read_array(j, w, key, read_object);
			else if (bit == SEEN_ROOTS)
				rc = read_array(j, w, key, read_root);
			else if (bit == SEEN_WATCH)
				rc = read_array(j, w, key, read_watch);
			else if ((rc = next_value(j, w, &v)) == LH_OK) {
				if (bit != 0)   /* other fields are skipped */
					rc = read_field(j, key, v, counts);
				cJSON_Delete(v);
			}
			if (rc != LH_OK)
				return rc;
			c = skip_ws(w);
			w->start++;
			if (c == '}')
				break;
			if (c != ',')
				return wfail(j, w, c);
		}
	}
	if ((c = skip_ws(w)) != -1)
		return c == -2 ? wfail(j, w, c)
		     : lh_snap__fail(j->b, LH_EFORMAT, "trailing bytes after the JSON document at byte %" PRIu64,
		                     wpos(w));
	snprintf(j->ctx, sizeof(j->ctx), "document");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		for (bit = 0; bit < (int)(sizeof(keys) / sizeof(keys[0])); bit++)
			if (strcmp(keys[bit].name, required[i]) == 0 && !(seen & keys[bit].bit))
				return jfail(j, "missing field '%s'", required[i]);
	return lh_snap__end(j->b, counts[0], counts[1], counts[2]);
}

int lh_snap__read_json(lh_snap_builder *b, FILE *f, const unsigned char *head, size_t n)
{
	win w;
	js j;
	int rc;

	memset(&j, 0, sizeof(j));
	memset(&w, 0, sizeof(w));
	j.b = b;
	w.f = f;
	w.cap = 1 << 16;
	if ((w.buf = malloc(w.cap)) == NULL)
		return lh_snap__fail(b, LH_ENOMEM, "out of memory");
	memcpy(w.buf, head, n);
	w.end = n;
	if (skip_ws(&w) != '{')
		rc = skip_ws(&w) == -2 ? wfail(&j, &w, -2)
		   : lh_snap__fail(b, LH_EFORMAT, "not a luaheap snapshot (bad magic)");
	else
		rc = read_document(&j, &w);
	free(w.buf);
	return rc;
}
