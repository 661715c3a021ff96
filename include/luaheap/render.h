/*
 * Rendering, beside the stages: root paths (paths.h) and single
 * references printed as Lua expressions, objects and protos named, into
 * a growing string buffer.
 */
#ifndef LUAHEAP_RENDER_H
#define LUAHEAP_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include "luaheap/snapshot.h"
#include "luaheap/paths.h"

/*
 * A path prints as a Lua expression starting at the registry:
 * registry[2] is "_G", registry._LOADED is "package.loaded", identifier
 * keys use ".name", other keys ["..."] / [17] / [1.5] / [true], object
 * keys [<table 0x...>]; hops that are not table fields print in angle
 * brackets: " <metatable>", " <key>", " <upvalue h of f (server.lua:40)>",
 * " <local h in coroutine 0x..., frame 2, server.lua:88>", " <uservalue 1>".
 * Labels longer than 'maxlabel' bytes (0: 40) are cut at a UTF-8 character
 * boundary and end with an ellipsis.
 */
typedef struct lh_strbuf {
	char *buf;
	size_t len, cap;
	int oom;                    /* an allocation failed: contents truncated */
} lh_strbuf;

void lh_strbuf_init(lh_strbuf *sb);
void lh_strbuf_release(lh_strbuf *sb);
void lh_strbuf_puts(lh_strbuf *sb, const char *s);
void lh_strbuf_putn(lh_strbuf *sb, const char *s, size_t n);
void lh_strbuf_printf(lh_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends the rendering of path p to sb. */
void lh_render_path(lh_strbuf *sb, const lh_snapshot *snap, const lh_path *p,
	size_t maxlabel);

/* Appends hop i of p alone (the text it adds to the expression, without
 * leading blank); for the first hop, the root's name. Hops that print
 * nothing of their own (the upvalue cell before its value, the main
 * thread before a stack slot) append nothing and return 0, others 1. */
int lh_render_hop(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_path *p, uint32_t i, size_t maxlabel);

/* Appends reference e out of 'from' as a path step prints it (".name",
 * "[3]", "<metatable>", "<upvalue h of function (server.lua:40)>"). */
void lh_render_edge(lh_strbuf *sb, const lh_snapshot *snap, uint32_t from,
	uint32_t e, size_t maxlabel);

/* Appends s (n bytes) as a Lua key: ".name" for an identifier that is not
 * a keyword, ["..."] with escapes otherwise, cut to maxlabel bytes. */
void lh_render_key(lh_strbuf *sb, const char *s, size_t n, size_t maxlabel);

/* Appends s quoted as a Lua string literal, escaped, cut to maxlabel
 * bytes at a character boundary with "..." inside the quotes. */
void lh_render_quoted(lh_strbuf *sb, const char *s, size_t n,
	size_t maxlabel);

/* Appends the float key d as Lua would read it back (1.5, 1e+100, 1/0). */
void lh_render_number(lh_strbuf *sb, double d);

/* Bytes of s to keep so that at most max bytes remain and no UTF-8
 * character is cut. */
size_t lh_render_utf8_cut(const char *s, size_t n, size_t max);

/* Length of the well-formed UTF-8 sequence at s (n >= 1 bytes left), 0 if
 * the bytes there are not one. */
size_t lh_render_utf8_seq(const unsigned char *s, size_t n);

/* Appends "table 0x55..." style: type (or class when given) and address. */
void lh_render_object(lh_strbuf *sb, const lh_snapshot *snap, uint32_t v);

/* Appends "server.lua:40" for proto p (or "?" if unknown). */
void lh_render_proto(lh_strbuf *sb, const lh_snapshot *snap, uint32_t p);

#endif
