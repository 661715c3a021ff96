/*
 * OBJECT arguments of 'path' and 'tree': an address (0x...) or a Lua
 * expression over tables (_G.Server.timers, package.loaded["game.mailer"],
 * registry[7], a[3].b) resolved by following field edges of the snapshot.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/expr.h"
#include "luaheap/render.h"
#include "snapshot_internal.h"

/* A step's key, as parsed. */
typedef struct key {
	enum { K_STR, K_INT, K_NUM, K_BOOL } t;
	char *s;                /* K_STR, owned */
	size_t n;
	int64_t i;              /* K_INT, K_BOOL */
	double d;               /* K_NUM */
} key;

static void skip_space(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

static int is_name_start(int c)
{
	return isalpha(c) || c == '_';
}

static size_t name_len(const char *p)
{
	size_t n = 0;

	if (!is_name_start((unsigned char)p[0]))
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Appends code point cp to out as UTF-8 (Lua's \u{...} escape). */
static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parses a quoted Lua string at *p into k (escapes as Lua reads them). */
static int parse_string(const char **p, key *k)
{
	char q = **p, *out;
	const char *s = *p + 1;
	size_t n = 0;

	out = malloc(strlen(s) + 1);
	if (out == NULL)
		return LH_ENOMEM;
	for (; *s != q; s++) {
		if (*s == '\0' || *s == '\n')
			goto bad;
		if (*s != '\\') {
			out[n++] = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'a': out[n++] = '\a'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'v': out[n++] = '\v'; break;
		case '\\': case '"': case '\'': out[n++] = *s; break;
		case 'x':
			if (hexval(s[1]) < 0 || hexval(s[2]) < 0)
				goto bad;
			out[n++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
			break;
		case 'u': {
			uint32_t cp = 0;
			if (s[1] != '{')
				goto bad;
			for (s += 2; *s != '}'; s++) {
				if (hexval(*s) < 0 || cp > 0x10ffff)
					goto bad;
				cp = cp * 16 + (uint32_t)hexval(*s);
			}
			if (cp > 0x10ffff)
				goto bad;
			n += put_utf8(out + n, cp);   /* \u{..} is >= 4 bytes */
			break;
		}
		default:
			if (isdigit((unsigned char)*s)) {
				int v = 0, j;
				for (j = 0; j < 3 && isdigit((unsigned char)*s);
				     j++, s++)
					v = v * 10 + (*s - '0');
				s--;
				if (v > 255)
					goto bad;
				out[n++] = (char)v;
				break;
			}
			goto bad;
		}
	}
	k->t = K_STR;
	k->s = out;
	k->n = n;
	*p = s + 1;
	return LH_OK;
bad:
	free(out);
	return LH_EUSAGE;
}

/* Parses a numeral (with an optional minus) into an integer or float key. */
static int parse_number(const char **p, key *k)
{
	const char *s = *p;
	char *end;
	int neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		errno = 0;
		unsigned long long u = strtoull(s + 2, &end, 16);
		if (end == s + 2 || errno != 0 || *end == '.' || *end == 'p' ||
		    *end == 'P')
			return LH_EUSAGE;
		k->t = K_INT;
		k->i = (int64_t)(neg ? 0 - u : u);   /* wraps like Lua */
		*p = end;
		return LH_OK;
	}
	if (!isdigit((unsigned char)*s) && *s != '.')
		return LH_EUSAGE;
	errno = 0;
	long long ll = strtoll(s, &end, 10);
	if (*end != '.' && *end != 'e' && *end != 'E' && errno == 0 &&
	    end != s) {
		k->t = K_INT;
		k->i = neg ? -ll : ll;
		*p = end;
		return LH_OK;
	}
	k->d = strtod(s, &end);
	if (end == s)
		return LH_EUSAGE;
	if (neg)
		k->d = -k->d;
	k->t = K_NUM;
	*p = end;
	/* A float with an exact integer value is the integer key in Lua. */
	if (k->d == floor(k->d) && k->d >= -9223372036854775808.0 &&
	    k->d < 9223372036854775808.0) {
		k->t = K_INT;
		k->i = (int64_t)k->d;
	}
	return LH_OK;
}

/* cur's field edge with key k, or LH_NONE. */
static uint32_t field_edge(const lh_snapshot *snap, uint32_t cur, const key *k)
{
	uint32_t e;

	for (e = snap->edge_off[cur]; e < snap->edge_off[cur + 1]; e++) {
		int kind = snap->edge_kind[e] & LH_EDGE_KIND_MASK;
		lh_label l;

		switch (k->t) {
		case K_STR:
			if (kind == LH_E_FIELD_STR) {
				size_t len = 0;
				const char *t;
				lh_snapshot_label(snap, e, &l);
				t = lh_snapshot_string(snap, l.obj, &len);
				if (t != NULL && len == k->n &&
				    lh_string_length(snap, lh_snapshot_string_info(snap, l.obj)) == len &&
				    memcmp(t, k->s, len) == 0)
					return e;
			}
			break;
		case K_INT:
			if (kind == LH_E_ARRAY || kind == LH_E_FIELD_INT) {
				lh_snapshot_label(snap, e, &l);
				if (l.i == k->i)
					return e;
			}
			break;
		case K_NUM:
			if (kind == LH_E_FIELD_NUM) {
				lh_snapshot_label(snap, e, &l);
				if (l.d == k->d)
					return e;
			}
			break;
		case K_BOOL:
			if (kind == LH_E_FIELD_BOOL) {
				lh_snapshot_label(snap, e, &l);
				if (!!l.i == !!k->i)
					return e;
			}
			break;
		}
	}
	return LH_NONE;
}

/* The target of cur's field edge with key k, or LH_NONE. */
static uint32_t find_field(const lh_snapshot *snap, uint32_t cur, const key *k)
{
	uint32_t e = field_edge(snap, cur, k);

	return e == LH_NONE ? LH_NONE : snap->edge_to[e];
}

/*
 * Steps that are not table fields, as the renderer prints them: " <key
 * ...>", " <metatable>", " <upvalue h of f (server.lua:40)>", "[<table
 * 0x...>]", and paths that start at a root other than the registry
 * ("<local h in main, function (server.lua:80)>"). Rather than a second
 * grammar, each reference out of the current object is rendered the way
 * lh_render_hop does, and the one whose text the expression
 * continues with is followed. A reference whose hop prints nothing (an
 * upvalue cell, the main thread before a stack slot) is rendered with
 * each reference after it.
 */
#define MATCH_HOPS 4            /* two hops of context, two to match */

/* Whether the text of hop i of p is where *p points, ending at a step
 * boundary; then *len gets its length. */
static int hop_matches(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i, const char *at, size_t *len)
{
	sb->len = 0;
	if (!lh_render_hop(sb, snap, p, i, 0) || sb->len == 0 || sb->oom)
		return 0;
	if (strncmp(at, sb->buf, sb->len) != 0)
		return 0;
	*len = sb->len;
	return at[sb->len] == '\0' || at[sb->len] == '.' ||
		at[sb->len] == '[' || at[sb->len] == ' ';
}

/* Follows the reference(s) out of hop 'last' of p (its obj) whose text
 * starts 'at', after passing over *skip such matches; *next and *len set
 * on success. */
static int match_from(lh_strbuf *sb, const lh_snapshot *snap, lh_path *p,
	uint32_t last, const char *at, uint32_t *skip, uint32_t *next,
	size_t *len)
{
	uint32_t cur = p->hops[last].obj, e, f;

	for (e = snap->edge_off[cur]; e < snap->edge_off[cur + 1]; e++) {
		uint32_t t = snap->edge_to[e];

		p->hops[last + 1] = (lh_hop){ cur, e, 0, t };
		p->nhops = last + 2;
		if (hop_matches(sb, snap, p, last + 1, at, len) && (*skip)-- == 0) {
			*next = t;
			return 1;
		}
		if (last + 2 >= MATCH_HOPS)
			continue;
		for (f = snap->edge_off[t]; f < snap->edge_off[t + 1]; f++) {
			p->hops[last + 2] = (lh_hop){ t, f, 0, snap->edge_to[f] };
			p->nhops = last + 3;
			sb->len = 0;
			if (lh_render_hop(sb, snap, p, last + 1, 0))
				break;          /* hop last + 1 prints: not silent */
			if (hop_matches(sb, snap, p, last + 2, at, len) &&
			    (*skip)-- == 0) {
				*next = snap->edge_to[f];
				return 1;
			}
		}
	}
	return 0;
}

/* Match number nth of one rendered step from cur (or, cur being
 * LH_NONE, a root) at *at; 'into' is the hop that reached cur (its name
 * the next may print). */
static int match_step(const lh_snapshot *snap, uint32_t cur,
	const lh_hop *into, const char **at, uint32_t *next, lh_hop *taken,
	uint32_t nth)
{
	lh_hop hops[MATCH_HOPS];
	lh_path p = { hops, 0 };
	lh_strbuf sb;
	size_t len = 0;
	uint32_t r;
	int found = 0;

	lh_strbuf_init(&sb);
	memset(hops, 0, sizeof hops);
	if (cur != LH_NONE) {
		hops[0] = (lh_hop){ LH_DOM_VROOT, LH_NONE, 0, LH_NONE };
		hops[1] = *into;
		hops[1].obj = cur;
		found = match_from(&sb, snap, &p, 1, *at, &nth, next, &len);
	}
	for (r = 0; cur == LH_NONE && r < snap->nroots && !found; r++) {
		hops[0] = (lh_hop){ LH_DOM_VROOT, LH_NONE, r, snap->roots[r].target };
		p.nhops = 1;
		if (hop_matches(&sb, snap, &p, 0, *at, &len) && nth-- == 0) {
			*next = snap->roots[r].target;
			found = 1;
		} else if (snap->roots[r].target < snap->nobj)  /* the main
			                                   thread's stack slots */
			found = match_from(&sb, snap, &p, 0, *at, &nth, next, &len);
	}
	lh_strbuf_release(&sb);
	if (found) {
		*at += len;
		*taken = hops[p.nhops - 1];
	}
	return found;
}

static int step_error(lh_error *err, const lh_snapshot *snap, const char *expr,
	size_t upto, const char *step, size_t steplen, uint32_t cur)
{
	lh_strbuf sb;
	int rc;

	lh_strbuf_init(&sb);
	lh_render_object(&sb, snap, cur);
	if (snap->type[cur] != LH_T_TABLE)
		rc = lh_error_set(err, LH_ENOTFOUND,
			"'%.*s' is a %s, not a table (%s)", (int)upto, expr,
			lh_type_name(snap->type[cur]), sb.buf ? sb.buf : "?");
	else
		rc = lh_error_set(err, LH_ENOTFOUND, "no field '%.*s' in '%.*s' "
			"(%s)%s", (int)steplen, step, upto ? (int)upto : 2,
			upto ? expr : "_G", sb.buf ? sb.buf : "?",
			(snap->hdr.flags & LH_FLAG_STRINGS_NONE) ?
			"; this snapshot holds no string contents, name objects "
			"by address" : (snap->hdr.flags & LH_FLAG_STRINGS_KEYS) ?
			"; this snapshot keeps only name-like strings: give "
			"other keys as printed, [<string 0x...>]" : "");
	lh_strbuf_release(&sb);
	return rc;
}

/* A bracketed key at *p: ["k"], ['k'], [true], [false] or [number]. */
static int parse_bracket(const char **p, key *k)
{
	int rc;

	(*p)++;
	skip_space(p);
	if (**p == '"' || **p == '\'') {
		if ((rc = parse_string(p, k)) != LH_OK)
			return rc;
	} else if (strncmp(*p, "true", 4) == 0 && !isalnum((unsigned char)(*p)[4])) {
		k->t = K_BOOL;
		k->i = 1;
		*p += 4;
	} else if (strncmp(*p, "false", 5) == 0 &&
	    !isalnum((unsigned char)(*p)[5])) {
		k->t = K_BOOL;
		k->i = 0;
		*p += 5;
	} else if (parse_number(p, k) != LH_OK) {
		return LH_EUSAGE;
	}
	skip_space(p);
	if (**p != ']')
		return LH_EUSAGE;
	(*p)++;
	return LH_OK;
}

#define NO_MATCH 1               /* walk_rendered: no reference prints so */

static int walk(uint32_t *out, const lh_snapshot *snap, const char *expr,
	const char *p, uint32_t cur, lh_hop into, int bare, lh_error *err);

/* The rendered step at p from cur (a root for LH_NONE), then the rest:
 * each reference that prints as the step in turn, until the rest agrees.
 * NO_MATCH (err untouched) when no reference prints as the step. */
static int walk_rendered(uint32_t *out, const lh_snapshot *snap,
	const char *expr, const char *p, uint32_t cur, lh_hop into,
	lh_error *err)
{
	uint32_t nth, next;
	int rc = NO_MATCH;

	for (nth = 0; ; nth++) {
		const char *q = p;
		lh_hop taken;

		if (!match_step(snap, cur, &into, &q, &next, &taken, nth))
			break;
		if ((rc = walk(out, snap, expr, q, next, taken, 0,
		    nth ? NULL : err)) == LH_OK || rc == LH_ENOMEM)
			return rc;
	}
	return rc;
}

/* Reads one step's key at *p into k: ".name" (the name alone when
 * 'bare'), or a bracket ("[\"key\"]", "[3]", "[true]"). *start gets
 * where a name starts. LH_EUSAGE when the step does not parse (*p where
 * it stopped), LH_ENOMEM. */
static int parse_step(const char **p, key *k, int bare, const char **start)
{
	size_t n;

	if (!bare && **p == '[')
		return parse_bracket(p, k);
	if (!bare) {
		if (**p != '.')
			return LH_EUSAGE;
		(*p)++;
		skip_space(p);
	}
	n = name_len(*p);
	if (n == 0)
		return LH_EUSAGE;
	*start = *p;
	k->t = K_STR;
	k->s = malloc(n + 1);
	if (k->s == NULL)
		return LH_ENOMEM;
	memcpy(k->s, *p, n);
	k->n = n;
	*p += n;
	return LH_OK;
}

/* Follows the steps of expr from p on, starting at cur (reached by hop
 * 'into'); 'bare' says p starts with a name without its dot (Server.x is
 * _G.Server.x). A rendered step that several references print as (two
 * open upvalues of one thread) is tried in turn with the rest. */
static int walk(uint32_t *out, const lh_snapshot *snap, const char *expr,
	const char *p, uint32_t cur, lh_hop into, int bare, lh_error *err)
{
	const char *start = p, *prefix_end = bare ? expr : p;
	int rc = LH_OK;
	key k;

	memset(&k, 0, sizeof k);
	for (;; bare = 0) {
		uint32_t next, e;

		if (!bare) {
			skip_space(&p);
			if (*p == '\0')
				break;
			start = prefix_end = p;
		}
		if (!bare && (*p == '<' || (p[0] == '[' && p[1] == '<'))) {
			rc = walk_rendered(out, snap, expr, p, cur, into, err);
			if (rc == NO_MATCH)
				rc = lh_error_set(err, LH_ENOTFOUND, "no reference "
					"from '%.*s' prints as '%s'",
					(int)(prefix_end - expr), expr, start);
			goto done;
		}
		if ((rc = parse_step(&p, &k, bare, &start)) == LH_ENOMEM)
			return lh_error_set(err, rc, "out of memory");
		if (rc != LH_OK)
			goto syntax;
		e = snap->type[cur] == LH_T_TABLE ? field_edge(snap, cur, &k) :
			LH_NONE;
		next = e == LH_NONE ? LH_NONE : snap->edge_to[e];
		into = (lh_hop){ cur, e, 0, next };
		if (next == LH_NONE) {
			rc = step_error(err, snap, expr, (size_t)(prefix_end - expr),
				start, (size_t)(p - start), cur);
			goto done;
		}
		cur = next;
		free(k.s);
		k.s = NULL;
	}
	*out = cur;
	goto done;
syntax:
	if (*p == '\0')
		rc = lh_error_set(err, LH_EUSAGE, "cannot parse '%s': it ends "
			"too soon", expr);
	else
		rc = lh_error_set(err, LH_EUSAGE, "cannot parse '%s' at '%s': "
			"expected .name, [\"key\"], [number] or [true]", expr, p);
done:
	free(k.s);
	return rc;
}

/* A path's tail as lh_analysis_render_tail prints it, after its "…<":
 * "table 0x...>" names the object where the steps start. */
static int resolve_tail(uint32_t *out, const lh_snapshot *snap,
	const char *expr, const char *p, lh_error *err)
{
	const char *x = strstr(p, " 0x"), *end;
	unsigned long long a;
	lh_hop into = { LH_DOM_VROOT, LH_NONE, 0, LH_NONE };
	uint32_t cur;

	if (x == NULL || (end = strchr(x, '>')) == NULL || memchr(p, '>',
	    (size_t)(x - p)) != NULL)
		return lh_error_set(err, LH_EUSAGE, "cannot parse '%s': "
			"expected \u2026<TYPE 0x...> before the steps", expr);
	errno = 0;
	a = strtoull(x + 3, (char **)&x, 16);
	if (errno != 0 || x != end)
		return lh_error_set(err, LH_EUSAGE, "bad address in '%s'", expr);
	if ((cur = lh_snapshot_find(snap, (uint64_t)a)) == LH_NONE)
		return lh_error_set(err, LH_ENOTFOUND,
			"no object at address 0x%llx in the snapshot", a);
	into.obj = cur;
	return walk(out, snap, expr, end + 1, cur, into, 0, err);
}

int lh_expr_resolve(uint32_t *out, const lh_snapshot *snap, const char *expr,
	lh_error *err)
{
	const char *p = expr;
	uint32_t cur = LH_NONE;
	lh_hop into = { LH_DOM_VROOT, LH_NONE, 0, LH_NONE };
	size_t n;
	key k;

	*out = LH_NONE;
	memset(&k, 0, sizeof k);
	skip_space(&p);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		char *end;
		unsigned long long a;
		errno = 0;
		a = strtoull(p + 2, &end, 16);
		if (end == p + 2 || errno != 0)
			return lh_error_set(err, LH_EUSAGE,
				"bad address '%s'", expr);
		p = end;
		skip_space(&p);
		if (*p != '\0')
			return lh_error_set(err, LH_EUSAGE,
				"bad address '%s'", expr);
		cur = lh_snapshot_find(snap, (uint64_t)a);
		if (cur == LH_NONE)
			return lh_error_set(err, LH_ENOTFOUND,
				"no object at address 0x%llx in the snapshot", a);
		*out = cur;
		return LH_OK;
	}
	if (strncmp(p, "\xe2\x80\xa6<", 4) == 0)   /* "…<table 0x...>" */
		return resolve_tail(out, snap, expr, p + 4, err);
	if (snap->registry == LH_NONE || snap->registry >= snap->nobj)
		return lh_error_set(err, LH_ENOTFOUND,
			"the snapshot has no registry");
	n = name_len(p);
	if (n == 0 && *p == '<') {              /* a root of its own */
		int rc = walk_rendered(out, snap, expr, p, LH_NONE, into, err);

		return rc != NO_MATCH ? rc : lh_error_set(err, LH_ENOTFOUND,
			"no root of the snapshot prints as '%s'", expr);
	}
	if (n == 0)
		return lh_error_set(err, LH_EUSAGE,
			"'%s' is neither an address (0x...) nor a Lua expression "
			"starting with a name", expr);
	k.t = K_INT;
	if (n == 8 && memcmp(p, "registry", 8) == 0) {
		cur = snap->registry;
		p += n;
	} else if (strncmp(p, "package.loaded", 14) == 0 &&
	    !isalnum((unsigned char)p[14]) && p[14] != '_') {
		static const key loaded = { K_STR, "_LOADED", 7, 0, 0 };
		cur = find_field(snap, snap->registry, &loaded);
		if (cur == LH_NONE)
			return lh_error_set(err, LH_ENOTFOUND,
				"the registry has no _LOADED table");
		p += 14;
	} else {
		k.i = 2;                        /* LUA_RIDX_GLOBALS */
		cur = find_field(snap, snap->registry, &k);
		if (cur == LH_NONE)
			return lh_error_set(err, LH_ENOTFOUND,
				"the registry has no globals table");
		if (n == 2 && memcmp(p, "_G", 2) == 0)
			p += 2;
		else                            /* Server.timers is _G.Server.timers */
			return walk(out, snap, expr, p, cur, into, 1, err);
	}
	return walk(out, snap, expr, p, cur, into, 0, err);
}
