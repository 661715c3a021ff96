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
#include "luaheap/analysis.h"

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

/* The target of cur's field edge with key k, or LH_NONE. */
static uint32_t find_field(const lh_snapshot *snap, uint32_t cur, const key *k)
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
					return snap->edge_to[e];
			}
			break;
		case K_INT:
			if (kind == LH_E_ARRAY || kind == LH_E_FIELD_INT) {
				lh_snapshot_label(snap, e, &l);
				if (l.i == k->i)
					return snap->edge_to[e];
			}
			break;
		case K_NUM:
			if (kind == LH_E_FIELD_NUM) {
				lh_snapshot_label(snap, e, &l);
				if (l.d == k->d)
					return snap->edge_to[e];
			}
			break;
		case K_BOOL:
			if (kind == LH_E_FIELD_BOOL) {
				lh_snapshot_label(snap, e, &l);
				if (!!l.i == !!k->i)
					return snap->edge_to[e];
			}
			break;
		}
	}
	return LH_NONE;
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
			"by address" : "");
	lh_strbuf_release(&sb);
	return rc;
}

int lh_expr_resolve(uint32_t *out, const lh_snapshot *snap, const char *expr,
	lh_error *err)
{
	const char *p = expr, *start = expr, *prefix_end = expr;
	uint32_t cur = LH_NONE;
	size_t n;
	int rc = LH_OK;
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
	if (snap->registry == LH_NONE || snap->registry >= snap->nobj)
		return lh_error_set(err, LH_ENOTFOUND,
			"the snapshot has no registry");
	n = name_len(p);
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
		else
			goto name;              /* Server.timers is _G.Server.timers;
			                           prefix_end == expr says "_G" */
	}
	for (;;) {
		uint32_t next;

		skip_space(&p);
		if (*p == '\0')
			break;
		start = prefix_end = p;
		if (*p == '.') {
			p++;
			skip_space(&p);
			n = name_len(p);
			if (n == 0)
				goto syntax;
name:
			start = p;
			k.t = K_STR;
			k.s = malloc(n + 1);
			if (k.s == NULL)
				return lh_error_set(err, LH_ENOMEM, "out of memory");
			memcpy(k.s, p, n);
			k.n = n;
			p += n;
		} else if (*p == '[') {
			p++;
			skip_space(&p);
			if (*p == '"' || *p == '\'') {
				rc = parse_string(&p, &k);
				if (rc == LH_ENOMEM)
					return lh_error_set(err, rc, "out of memory");
				if (rc != LH_OK)
					goto syntax;
			} else if (strncmp(p, "true", 4) == 0 && !isalnum((unsigned char)p[4])) {
				k.t = K_BOOL;
				k.i = 1;
				p += 4;
			} else if (strncmp(p, "false", 5) == 0 && !isalnum((unsigned char)p[5])) {
				k.t = K_BOOL;
				k.i = 0;
				p += 5;
			} else if (parse_number(&p, &k) != LH_OK) {
				goto syntax;
			}
			skip_space(&p);
			if (*p != ']')
				goto syntax;
			p++;
		} else {
			goto syntax;
		}
		next = snap->type[cur] == LH_T_TABLE ? find_field(snap, cur, &k) :
			LH_NONE;
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
