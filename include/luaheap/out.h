/*
 * A buffered writer for the exports and pictures (heap snapshot JSON, SVG,
 * HTML, folded stacks): text, numbers, and Lua bytes escaped for JSON or
 * XML as valid UTF-8. A write error is remembered and told by the flush.
 */
#ifndef LUAHEAP_OUT_H
#define LUAHEAP_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "luaheap/error.h"

typedef struct lh_out lh_out;

/* A writer to f (which the caller opened and closes): LH_OK, or LH_ENOMEM.
 * lh_out_flush writes out what it holds; lh_out_free drops it. */
int lh_out_new(lh_out **out, FILE *f, lh_error *err);
void lh_out_free(lh_out *o);
void lh_out_putn(lh_out *o, const char *s, size_t n);
void lh_out_puts(lh_out *o, const char *s);
void lh_out_u64(lh_out *o, uint64_t v);
void lh_out_printf(lh_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* s (n bytes, any bytes) inside a JSON string: quotes, backslashes and
 * control characters escaped, bytes that are not UTF-8 read as Latin-1. */
void lh_out_json(lh_out *o, const char *s, size_t n);

/* s as XML/HTML text or attribute value: & < > " ' escaped, control
 * characters as U+FFFD, bytes that are not UTF-8 read as Latin-1. */
void lh_out_xml(lh_out *o, const char *s, size_t n);

/* Writes out the buffer and flushes f. LH_OK, or LH_EIO with a message
 * naming 'name' when any write failed. */
int lh_out_flush(lh_out *o, const char *name, lh_error *err);

#endif
