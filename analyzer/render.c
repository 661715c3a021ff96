/*
 * Root paths as Lua expressions a programmer recognises:
 * _G.Server.timers[17] <upvalue h of f (server.lua:40)>.bag[3]. Keys are
 * escaped and shortened at a UTF-8 character boundary.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/render.h"
#include "snapshot_internal.h"

#define LH_LUA_RIDX_GLOBALS 2           /* registry[2] is _G in Lua 5.4 */
#define DEFAULT_MAXLABEL 40
#define ELLIPSIS "\xe2\x80\xa6"          /* U+2026 */

void lh_strbuf_init(lh_strbuf *sb)
{
	memset(sb, 0, sizeof *sb);
}

void lh_strbuf_release(lh_strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof *sb);
}

static int reserve(lh_strbuf *sb, size_t n)
{
	char *nb;
	size_t cap;

	if (sb->oom)
		return 0;
	if (sb->len + n + 1 <= sb->cap)
		return 1;
	cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + n + 1)
		cap *= 2;
	nb = realloc(sb->buf, cap);
	if (nb == NULL) {
		sb->oom = 1;
		return 0;
	}
	sb->buf = nb;
	sb->cap = cap;
	return 1;
}

void lh_strbuf_putn(lh_strbuf *sb, const char *s, size_t n)
{
	if (!reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void lh_strbuf_puts(lh_strbuf *sb, const char *s)
{
	lh_strbuf_putn(sb, s, strlen(s));
}

void lh_strbuf_printf(lh_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

size_t lh_render_utf8_cut(const char *s, size_t n, size_t max)
{
	size_t cut;

	if (n <= max)
		return n;
	cut = max;
	/* s[cut] is the first byte dropped: never a continuation byte. */
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

size_t lh_render_utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Appends s[0..n) escaped for a double-quoted Lua string. */
static void put_escaped(lh_strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len;

		switch (c) {
		case '"': lh_strbuf_puts(sb, "\\\""); i++; continue;
		case '\\': lh_strbuf_puts(sb, "\\\\"); i++; continue;
		case '\n': lh_strbuf_puts(sb, "\\n"); i++; continue;
		case '\r': lh_strbuf_puts(sb, "\\r"); i++; continue;
		case '\t': lh_strbuf_puts(sb, "\\t"); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			lh_strbuf_printf(sb, "\\x%02X", c);
			i++;
			continue;
		}
		len = lh_render_utf8_seq(p + i, n - i);
		if (len == 0) {
			lh_strbuf_printf(sb, "\\x%02X", c);
			i++;
			continue;
		}
		lh_strbuf_putn(sb, s + i, len);
		i += len;
	}
}

/* Quoted s[0..n), cut to max bytes; 'cut' says s already lost its end. */
static void quoted(lh_strbuf *sb, const char *s, size_t n, size_t max, int cut)
{
	size_t keep = lh_render_utf8_cut(s, n, max);

	lh_strbuf_puts(sb, "\"");
	put_escaped(sb, s, keep);
	if (keep < n || cut)
		lh_strbuf_puts(sb, ELLIPSIS);
	lh_strbuf_puts(sb, "\"");
}

void lh_render_quoted(lh_strbuf *sb, const char *s, size_t n, size_t maxlabel)
{
	quoted(sb, s, n, maxlabel ? maxlabel : DEFAULT_MAXLABEL, 0);
}

static int is_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {
		"and", "break", "do", "else", "elseif", "end", "false", "for",
		"function", "goto", "if", "in", "local", "nil", "not", "or",
		"repeat", "return", "then", "true", "until", "while", NULL
	};
	int i;

	for (i = 0; kw[i] != NULL; i++)
		if (strlen(kw[i]) == n && memcmp(kw[i], s, n) == 0)
			return 1;
	return 0;
}

/* Whether s is a Lua name that may follow a dot. */
static int is_identifier(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return !is_keyword(s, n);
}

void lh_render_key(lh_strbuf *sb, const char *s, size_t n, size_t maxlabel)
{
	if (maxlabel == 0)
		maxlabel = DEFAULT_MAXLABEL;
	if (n <= maxlabel && is_identifier(s, n)) {
		lh_strbuf_puts(sb, ".");
		lh_strbuf_putn(sb, s, n);
		return;
	}
	lh_strbuf_puts(sb, "[");
	lh_render_quoted(sb, s, n, maxlabel);
	lh_strbuf_puts(sb, "]");
}

void lh_render_number(lh_strbuf *sb, double d)
{
	char tmp[64];

	if (isnan(d)) {
		lh_strbuf_puts(sb, "0/0");
		return;
	}
	if (isinf(d)) {
		lh_strbuf_puts(sb, d > 0 ? "1/0" : "-1/0");
		return;
	}
	snprintf(tmp, sizeof tmp, "%.14g", d);
	if (strtod(tmp, NULL) != d)
		snprintf(tmp, sizeof tmp, "%.17g", d);
	/* An integral-looking float must still read back as a float. */
	if (strpbrk(tmp, ".eEn") == NULL)
		strcat(tmp, ".0");
	lh_strbuf_puts(sb, tmp);
}

void lh_render_object(lh_strbuf *sb, const lh_snapshot *snap, uint32_t v)
{
	if (v >= snap->nobj) {
		lh_strbuf_puts(sb, "?");
		return;
	}
	lh_strbuf_printf(sb, "%s 0x%llx", lh_type_name(snap->type[v]),
		(unsigned long long)lh_snapshot_addr(snap, v));
}

/* The chunk name of proto p as Lua prints it: "server.lua" for "@server.lua",
 * [string "..."] for code loaded from a string. Returns 0 if unknown. */
static int put_source(lh_strbuf *sb, const lh_snapshot *snap, uint32_t p)
{
	const lh_proto_info *pi;
	const char *src;
	size_t len = 0;

	if ((pi = lh_snapshot_proto_info(snap, p)) == NULL)
		return 0;
	src = pi->source != LH_NONE ?
		lh_snapshot_string(snap, pi->source, &len) : NULL;
	if (src == NULL || len == 0) {
		lh_strbuf_puts(sb, "?");
	} else if (src[0] == '@' || src[0] == '=') {
		size_t keep = len - 1, max = 60;
		/* long file names keep their end, the interesting part */
		if (keep > max) {
			size_t skip = keep - max;
			while (skip < keep &&
			       ((unsigned char)src[1 + skip] & 0xc0) == 0x80)
				skip++;
			lh_strbuf_puts(sb, ELLIPSIS);
			put_escaped(sb, src + 1 + skip, keep - skip);
		} else {
			put_escaped(sb, src + 1, keep);
		}
	} else {
		size_t line = 0;
		while (line < len && src[line] != '\n')
			line++;
		lh_strbuf_puts(sb, "[string ");
		quoted(sb, src, line, 30, line < len);
		lh_strbuf_puts(sb, "]");
	}
	return 1;
}

void lh_render_proto(lh_strbuf *sb, const lh_snapshot *snap, uint32_t p)
{
	if (!put_source(sb, snap, p))
		lh_strbuf_puts(sb, "?");
	else
		lh_strbuf_printf(sb, ":%u",
			lh_snapshot_proto_info(snap, p)->linedefined);
}

/* The proto of closure f, or LH_NONE. */
static uint32_t closure_proto(const lh_snapshot *snap, uint32_t f)
{
	const lh_func_info *fi = lh_snapshot_func_info(snap, f);

	return fi != NULL && snap->type[f] == LH_T_LFUNC ? fi->proto : LH_NONE;
}

static void put_cfunction(lh_strbuf *sb, const lh_snapshot *snap, uint32_t f)
{
	const lh_func_info *fi = lh_snapshot_func_info(snap, f);

	if (fi == NULL || snap->type[f] != LH_T_CFUNC) {
		lh_strbuf_puts(sb, "cfunction");
		return;
	}
	if (fi->symbol != UINT32_MAX && fi->symbol < snap->symbols_len &&
	    snap->symbols[fi->symbol] != '\0')
		lh_strbuf_printf(sb, "cfunction %.60s", snap->symbols + fi->symbol);
	else
		lh_strbuf_printf(sb, "cfunction 0x%llx",
			(unsigned long long)fi->cfunc);
}

/* Appends the name string object s (or "?" when it holds no text). */
static void put_name(lh_strbuf *sb, const lh_snapshot *snap, uint32_t s,
	size_t maxlabel)
{
	size_t len = 0, keep;
	const char *t = s != LH_NONE ? lh_snapshot_string(snap, s, &len) : NULL;

	if (t == NULL || len == 0) {
		lh_strbuf_puts(sb, "?");
		return;
	}
	keep = lh_render_utf8_cut(t, len, maxlabel);
	put_escaped(sb, t, keep);
	if (keep < len)
		lh_strbuf_puts(sb, ELLIPSIS);
}

/* How the function reached by hop i is called: the string key of that
 * hop when it is an identifier, else "function". */
static void put_function_name(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i)
{
	lh_label l;
	size_t len = 0;
	const char *t;

	if (i < p->nhops && p->hops[i].edge != LH_NONE) {
		lh_snapshot_label(snap, p->hops[i].edge, &l);
		if (l.kind == LH_E_FIELD_STR) {
			t = lh_snapshot_string(snap, l.obj, &len);
			if (t != NULL && len <= 40 && is_identifier(t, len)) {
				lh_strbuf_putn(sb, t, len);
				return;
			}
		}
	}
	lh_strbuf_puts(sb, "function");
}

/* " <upvalue NAME of F (src:line)>" for the closure hop i - 1 leads from. */
static void put_upvalue(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i, size_t maxlabel)
{
	const lh_hop *h = &p->hops[i];
	uint32_t f = h->from, proto;
	const lh_proto_info *pi;
	lh_label l;

	lh_snapshot_label(snap, h->edge, &l);
	/* a path that ends at the cell itself says so: its value's path
	 * prints the same words without "cell" */
	lh_strbuf_puts(sb, i + 1 == p->nhops && h->obj < snap->nobj &&
		snap->type[h->obj] == LH_T_UPVALUE ? "<upvalue cell " : "<upvalue ");
	if (l.obj != LH_NONE)
		put_name(sb, snap, l.obj, maxlabel);
	else
		lh_strbuf_printf(sb, "%lld", (long long)l.i);
	lh_strbuf_puts(sb, " of ");
	if (f < snap->nobj && snap->type[f] == LH_T_CFUNC) {
		put_cfunction(sb, snap, f);
	} else {
		proto = closure_proto(snap, f);
		pi = lh_snapshot_proto_info(snap, proto);   /* NULL for LH_NONE */
		if (pi != NULL && pi->linedefined == 0) {
			lh_strbuf_puts(sb, "main chunk (");
			if (!put_source(sb, snap, proto))
				lh_strbuf_puts(sb, "?");
			lh_strbuf_puts(sb, ")>");
			return;
		}
		put_function_name(sb, snap, p, i - 1);
		if (proto != LH_NONE) {
			lh_strbuf_puts(sb, " (");
			lh_render_proto(sb, snap, proto);
			lh_strbuf_puts(sb, ")");
		}
	}
	lh_strbuf_puts(sb, ">");
}

/* The function of frame 'frame' of thread t, by its definition:
 * ", function (server.lua:40)", ", main chunk (main.lua)", ", [C]". The
 * current line is left out: it moves between snapshots. */
static void put_frame_function(lh_strbuf *sb, const lh_snapshot *snap,
	uint32_t t, int64_t frame)
{
	const lh_thread_info *ti = lh_snapshot_thread_info(snap, t);
	const lh_frame_info *fr;
	const lh_proto_info *pi;

	if (ti == NULL || frame < 0 || (uint64_t)frame >= ti->frame_count ||
	    (uint64_t)ti->frame_first + (uint64_t)frame >= snap->nframes)
		return;
	fr = &snap->frames[ti->frame_first + frame];
	if (!fr->is_lua) {
		lh_strbuf_puts(sb, ", [C]");
		return;
	}
	if (fr->proto == LH_NONE)
		return;
	pi = lh_snapshot_proto_info(snap, fr->proto);
	lh_strbuf_puts(sb, pi != NULL && pi->linedefined == 0 ?
		", main chunk (" : ", function (");
	if (pi != NULL && pi->linedefined == 0)
		put_source(sb, snap, fr->proto);
	else
		lh_render_proto(sb, snap, fr->proto);
	lh_strbuf_puts(sb, ")");
}

/* "<local h in coroutine 0x..., function (server.lua:80)>" */
static void put_stack(lh_strbuf *sb, const lh_snapshot *snap, uint32_t t,
	uint32_t e, size_t maxlabel)
{
	lh_label l;

	lh_snapshot_label(snap, e, &l);
	if (l.obj != LH_NONE) {
		lh_strbuf_puts(sb, "<local ");
		put_name(sb, snap, l.obj, maxlabel);
	} else if (l.slot == 0) {
		lh_strbuf_puts(sb, "<function");
	} else {
		lh_strbuf_printf(sb, "<slot %u", l.slot);
	}
	if (t == snap->main_thread)
		lh_strbuf_puts(sb, " in main");
	else
		lh_strbuf_printf(sb, " in coroutine 0x%llx",
			(unsigned long long)lh_snapshot_addr(snap, t));
	put_frame_function(sb, snap, t, l.i);
	lh_strbuf_puts(sb, ">");
}

/* Edge kind of hop i of p, or -1 (no such hop, or a root). */
static int hop_kind(const lh_snapshot *snap, const lh_path *p, uint32_t i)
{
	if (i >= p->nhops || p->hops[i].edge == LH_NONE)
		return -1;
	return snap->edge_kind[p->hops[i].edge] & LH_EDGE_KIND_MASK;
}

/* "<open upvalue in main>": a variable of a running function that a
 * closure captured, still on thread t's stack ("<open upvalue cell in
 * main>" for the cell itself, at the end of a path). */
static void put_open_upvalue(lh_strbuf *sb, const lh_snapshot *snap,
	uint32_t t, int cell)
{
	lh_strbuf_puts(sb, cell ? "<open upvalue cell" : "<open upvalue");
	if (t == snap->main_thread)
		lh_strbuf_puts(sb, " in main>");
	else if (t < snap->nobj)
		lh_strbuf_printf(sb, " in coroutine 0x%llx>",
			(unsigned long long)lh_snapshot_addr(snap, t));
	else
		lh_strbuf_puts(sb, ">");
}

static const char *const basic_type_names[] = {
	"nil", "boolean", "lightuserdata", "number", "string", "table",
	"function", "userdata", "thread"
};

/* Whether hop 1 of p is registry[2] or registry._LOADED entered from the
 * registry root: they print as "_G" and "package.loaded". */
static const char *registry_alias(const lh_snapshot *snap, const lh_path *p,
	uint32_t i)
{
	lh_label l;
	const char *t;
	size_t len = 0;

	if (i != 1 || p->nhops < 2 || p->hops[0].root >= snap->nroots ||
	    snap->roots[p->hops[0].root].kind != LH_ROOT_REGISTRY ||
	    p->hops[1].edge == LH_NONE)
		return NULL;
	lh_snapshot_label(snap, p->hops[1].edge, &l);
	if ((l.kind == LH_E_ARRAY || l.kind == LH_E_FIELD_INT) &&
	    l.i == LH_LUA_RIDX_GLOBALS)
		return "_G";
	if (l.kind == LH_E_FIELD_STR) {
		t = lh_snapshot_string(snap, l.obj, &len);
		if (t != NULL && len == 7 && memcmp(t, "_LOADED", 7) == 0)
			return "package.loaded";
	}
	return NULL;
}

static int root_hop(lh_strbuf *sb, const lh_snapshot *snap, const lh_path *p)
{
	const lh_root *r;

	if (registry_alias(snap, p, 1) != NULL)
		return 0;
	if (p->hops[0].root >= snap->nroots) {
		lh_strbuf_puts(sb, "<never collected>");    /* 'fixedgc' */
		return 1;
	}
	r = &snap->roots[p->hops[0].root];
	switch (r->kind) {
	case LH_ROOT_REGISTRY:
		lh_strbuf_puts(sb, "registry");
		break;
	case LH_ROOT_MAIN_THREAD:
		if (hop_kind(snap, p, 1) == LH_E_STACK ||
		    hop_kind(snap, p, 1) == LH_E_OPEN_UPVAL)
			return 0;       /* the next hop says "in main" */
		lh_strbuf_puts(sb, "<main thread>");
		break;
	case LH_ROOT_TYPE_MT:
		if (r->index < sizeof basic_type_names / sizeof *basic_type_names)
			lh_strbuf_printf(sb, "<metatable of %ss>",
				basic_type_names[r->index]);
		else
			lh_strbuf_printf(sb, "<metatable of type %u>", r->index);
		break;
	case LH_ROOT_FINALIZER:
		lh_strbuf_puts(sb, "<awaiting finalizer>");
		break;
	default:
		lh_strbuf_puts(sb, "<root>");
		break;
	}
	return 1;
}

/* A table field's hop: "[3]", ".name", ["long..."], "[1.5]", "[true]",
 * "[<table 0x...>]". */
static void put_field(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_label *l, size_t maxlabel)
{
	size_t len = 0;
	const char *t;

	switch (l->kind) {
	case LH_E_ARRAY:
	case LH_E_FIELD_INT:
		lh_strbuf_printf(sb, "[%lld]", (long long)l->i);
		break;
	case LH_E_FIELD_STR:
		t = lh_snapshot_string(snap, l->obj, &len);
		if (t == NULL || (len == 0 &&
		    lh_string_length(snap, lh_snapshot_string_info(snap, l->obj)) > 0)) {
			/* no contents recorded (strings = "none") */
			lh_strbuf_puts(sb, "[<");
			lh_render_object(sb, snap, l->obj);
			lh_strbuf_puts(sb, ">]");
		} else if (lh_string_length(snap, lh_snapshot_string_info(snap, l->obj)) > len) {
			/* the dumper kept only the start of the key */
			lh_strbuf_puts(sb, "[");
			quoted(sb, t, len, maxlabel, 1);
			lh_strbuf_puts(sb, "]");
		} else {
			lh_render_key(sb, t, len, maxlabel);
		}
		break;
	case LH_E_FIELD_NUM:
		lh_strbuf_puts(sb, "[");
		lh_render_number(sb, l->d);
		lh_strbuf_puts(sb, "]");
		break;
	case LH_E_FIELD_BOOL:
		lh_strbuf_puts(sb, l->i ? "[true]" : "[false]");
		break;
	case LH_E_FIELD_OBJ:
		lh_strbuf_puts(sb, "[<");
		lh_render_object(sb, snap, l->obj);
		lh_strbuf_puts(sb, ">]");
		break;
	case LH_E_FIELD_LIGHT:
		lh_strbuf_printf(sb, "[<lightuserdata 0x%llx>]",
			(unsigned long long)l->ptr);
		break;
	}
}

/* The hop from a table to one of its keys, k: "<key "name">" or
 * "<key table 0x...>". */
static void put_key(lh_strbuf *sb, const lh_snapshot *snap, uint32_t k,
	size_t maxlabel)
{
	size_t len = 0;
	const char *t = lh_snapshot_string(snap, k, &len);

	lh_strbuf_puts(sb, "<key ");
	if (t != NULL)                  /* a string key: say which */
		quoted(sb, t, len, maxlabel,
			lh_string_length(snap, lh_snapshot_string_info(snap, k)) > len);
	else                            /* an object key: say which */
		lh_render_object(sb, snap, k);
	lh_strbuf_puts(sb, ">");
}

/* Hop i of p through an upvalue (kind: LH_E_UPVALUE, LH_E_OPEN_UPVAL or
 * LH_E_UPVAL_VALUE): a cell prints with the value after it, so the hop
 * into the cell prints nothing (0) when the value's hop follows. */
static int put_upvalue_hop(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i, int kind, size_t maxlabel)
{
	if (kind == LH_E_UPVALUE || kind == LH_E_OPEN_UPVAL) {
		if (hop_kind(snap, p, i + 1) == LH_E_UPVAL_VALUE)
			return 0;
		if (kind == LH_E_UPVALUE)
			put_upvalue(sb, snap, p, i, maxlabel);
		else
			put_open_upvalue(sb, snap, p->hops[i].from, 1);
	} else if (i > 0 && hop_kind(snap, p, i - 1) == LH_E_UPVALUE) {
		put_upvalue(sb, snap, p, i - 1, maxlabel);
	} else if (i > 0 && hop_kind(snap, p, i - 1) == LH_E_OPEN_UPVAL) {
		put_open_upvalue(sb, snap, p->hops[i - 1].from, 0);
	} else {
		lh_strbuf_puts(sb, "<value>");
	}
	return 1;
}

/* The hops inside a function or userdata that print as their kind, some
 * with the label's number: "<metatable>", "<constant 3>". */
static void put_inner(lh_strbuf *sb, const lh_label *l)
{
	switch (l->kind) {
	case LH_E_METATABLE:
		lh_strbuf_puts(sb, "<metatable>");
		break;
	case LH_E_PROTO:
		lh_strbuf_puts(sb, "<proto>");
		break;
	case LH_E_CONSTANT:
		lh_strbuf_printf(sb, "<constant %lld>", (long long)l->i);
		break;
	case LH_E_CHILD:
		lh_strbuf_printf(sb, "<child proto %lld>", (long long)l->i);
		break;
	case LH_E_SOURCE:
		lh_strbuf_puts(sb, "<source>");
		break;
	case LH_E_DEBUG_NAME:
		lh_strbuf_printf(sb, "<debug name %lld>", (long long)l->i);
		break;
	case LH_E_USER_VALUE:
		lh_strbuf_printf(sb, "<uservalue %lld>", (long long)l->i);
		break;
	default:
		lh_strbuf_printf(sb, "<%s>", l->kind < LH_E_COUNT ?
			lh_edge_kind_names[l->kind] : "?");
		break;
	}
}

int lh_render_hop(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i, size_t maxlabel)
{
	const lh_hop *h;
	const char *alias;
	lh_label l;

	if (maxlabel == 0)
		maxlabel = DEFAULT_MAXLABEL;
	if (i >= p->nhops)
		return 0;
	if (p->hops[i].edge == LH_NONE)       /* a path's first hop: a root */
		return root_hop(sb, snap, p);
	if ((alias = registry_alias(snap, p, i)) != NULL) {
		lh_strbuf_puts(sb, alias);
		return 1;
	}
	h = &p->hops[i];
	lh_snapshot_label(snap, h->edge, &l);
	switch (l.kind) {
	case LH_E_ARRAY:
	case LH_E_FIELD_INT:
	case LH_E_FIELD_STR:
	case LH_E_FIELD_NUM:
	case LH_E_FIELD_BOOL:
	case LH_E_FIELD_OBJ:
	case LH_E_FIELD_LIGHT:
		put_field(sb, snap, &l, maxlabel);
		return 1;
	case LH_E_KEY:
		put_key(sb, snap, h->obj, maxlabel);
		return 1;
	case LH_E_UPVALUE:
	case LH_E_OPEN_UPVAL:
	case LH_E_UPVAL_VALUE:
		return put_upvalue_hop(sb, snap, p, i, l.kind, maxlabel);
	case LH_E_STACK:
		put_stack(sb, snap, h->from, h->edge, maxlabel);
		return 1;
	default:
		put_inner(sb, &l);
		return 1;
	}
}

void lh_render_path(lh_strbuf *sb, const lh_snapshot *snap, const lh_path *p,
	size_t maxlabel)
{
	lh_strbuf hop;
	uint32_t i;
	int any = 0;

	lh_strbuf_init(&hop);
	for (i = 0; i < p->nhops; i++) {
		hop.len = 0;
		if (!lh_render_hop(&hop, snap, p, i, maxlabel) ||
		    hop.len == 0)
			continue;
		if (any && hop.buf[0] != '.' && hop.buf[0] != '[')
			lh_strbuf_puts(sb, " ");
		lh_strbuf_putn(sb, hop.buf, hop.len);
		any = 1;
	}
	lh_strbuf_release(&hop);
}

void lh_render_edge(lh_strbuf *sb, const lh_snapshot *snap, uint32_t from,
	uint32_t e, size_t maxlabel)
{
	lh_hop hops[3];
	lh_path p = { hops, 3 };

	/* a step past the first two, which no root or alias rule concerns */
	hops[0] = (lh_hop){ LH_DOM_VROOT, LH_NONE, 0, LH_NONE };
	hops[1] = (lh_hop){ LH_NONE, LH_NONE, 0, from };
	hops[2] = (lh_hop){ from, e, 0, snap->edge_to[e] };
	lh_render_hop(sb, snap, &p, 2, maxlabel);
}
