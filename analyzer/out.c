/*
 * The buffered writer of the exports and pictures: plain text, numbers,
 * and Lua's arbitrary bytes escaped for JSON strings or XML text, always
 * as valid UTF-8 (bytes that are not UTF-8 are read as Latin-1).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "luaheap/analysis.h"
#include "analysis_int.h"
#include "luaheap/out.h"

#define LH_OUT_BUF 65536

struct lh_out {
	FILE *f;                    /* borrowed */
	size_t len;
	int failed;                 /* a write failed: the rest is dropped */
	char buf[LH_OUT_BUF];
};

int lh_out_new(lh_out **out, FILE *f, lh_error *err)
{
	lh_out *o = malloc(sizeof *o);

	*out = o;
	if (o == NULL)
		return lh_error_set(err, LH_ENOMEM, "out of memory");
	o->f = f;
	o->len = 0;
	o->failed = 0;
	return LH_OK;
}

void lh_out_free(lh_out *o)
{
	free(o);
}

static void drain(lh_out *o)
{
	if (o->len > 0 && !o->failed &&
	    fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->failed = 1;
	o->len = 0;
}

void lh_out_putn(lh_out *o, const char *s, size_t n)
{
	while (n > 0) {
		size_t k = LH_OUT_BUF - o->len;

		if (k == 0) {
			drain(o);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

void lh_out_puts(lh_out *o, const char *s)
{
	lh_out_putn(o, s, strlen(s));
}

void lh_out_u64(lh_out *o, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	lh_out_putn(o, tmp + i, sizeof tmp - (size_t)i);
}

void lh_out_printf(lh_out *o, const char *fmt, ...)
{
	char tmp[512], *big;
	va_list ap, again;
	int n;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof tmp) {
		lh_out_putn(o, tmp, (size_t)n);
	} else if (n >= 0 && (big = malloc((size_t)n + 1)) != NULL) {
		vsnprintf(big, (size_t)n + 1, fmt, again);
		lh_out_putn(o, big, (size_t)n);
		free(big);
	} else {
		o->failed = 1;          /* never a silently shortened file */
	}
	va_end(again);
}

/* Appends the UTF-8 character at p (n bytes left), or its first byte
 * read as Latin-1 when it is not one; returns the bytes consumed. */
static size_t put_char(lh_out *o, const unsigned char *p, size_t n)
{
	size_t k = lh_render_utf8_seq(p, n);
	char two[2];

	if (k > 0) {
		lh_out_putn(o, (const char *)p, k);
		return k;
	}
	two[0] = (char)(0xc0 | p[0] >> 6);
	two[1] = (char)(0x80 | (p[0] & 0x3f));
	lh_out_putn(o, two, 2);
	return 1;
}

void lh_out_json(lh_out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			lh_out_putn(o, "\\", 1);
			lh_out_putn(o, (const char *)&p[i], 1);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			lh_out_printf(o, "\\u%04x", c);
			i++;
		} else {
			i += put_char(o, p + i, n - i);
		}
	}
}

void lh_out_xml(lh_out *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];

		switch (c) {
		case '&': lh_out_puts(o, "&amp;"); i++; continue;
		case '<': lh_out_puts(o, "&lt;"); i++; continue;
		case '>': lh_out_puts(o, "&gt;"); i++; continue;
		case '"': lh_out_puts(o, "&quot;"); i++; continue;
		case '\'': lh_out_puts(o, "&#39;"); i++; continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			lh_out_puts(o, "\xef\xbf\xbd");     /* XML forbids them */
			i++;
		} else {
			i += put_char(o, p + i, n - i);
		}
	}
}

int lh_out_flush(lh_out *o, const char *name, lh_error *err)
{
	drain(o);
	if (!o->failed && fflush(o->f) != 0)
		o->failed = 1;
	if (o->failed)
		return lh_error_set(err, LH_EIO, "cannot write '%s': %s", name,
			strerror(errno ? errno : EIO));
	return LH_OK;
}
