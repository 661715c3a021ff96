/*
 * Test helper: snapshots written by hand as the JSON encoding and loaded
 * from memory, so that a unit test states every object and reference of
 * the heap it reasons about.
 */
#ifndef LUAHEAP_TESTSNAP_H
#define LUAHEAP_TESTSNAP_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jbuf {
	char *s;
	size_t len, cap;
	int nobj;
} jbuf;

static void jput(jbuf *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void jput(jbuf *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (j->len + (size_t)n + 1 > j->cap) {
		j->cap = (j->len + (size_t)n + 1) * 2;
		j->s = realloc(j->s, j->cap);
		ck_assert_ptr_nonnull(j->s);
	}
	va_start(ap, fmt);
	vsnprintf(j->s + j->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	j->len += (size_t)n;
}

/* The header of a snapshot of process 'pid' taken at 'time', whose
 * registry is 0x100 and main thread 0x200; the objects follow. */
static void jheader(jbuf *j, int time, int pid)
{
	jput(j, "{\"format\":\"luaheap-snapshot\",\"version\":1,\"header\":{"
		"\"lua_version_num\":504,\"lua_release\":\"Lua 5.4.4\","
		"\"pointer_size\":8,\"time\":%d,\"pid\":%d,\"label\":\"\","
		"\"gc_mode\":\"incremental\",\"gc_state\":8,"
		"\"gc_was_running\":true,\"gc_pause\":200,\"gc_stepmul\":100,"
		"\"gc_stepsize\":13,\"gc_genminormul\":20,\"gc_genmajormul\":100,"
		"\"lua_total_bytes\":0,\"vm_overhead_bytes\":0,"
		"\"overhead_state\":0,\"overhead_strtab\":0,\"flags\":1,"
		"\"string_limit\":0,\"main_thread\":\"0x200\","
		"\"registry\":\"0x100\"},\n\"objects\":[\n", time, pid);
}

/* The number of references in the objects written so far. */
static int jcount_edges(const jbuf *j)
{
	const char *p;
	int n = 0;

	for (p = j->s; p != NULL && (p = strstr(p, "{\"kind\":")) != NULL; p++)
		n++;
	return n;
}

#endif
