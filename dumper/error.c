/*
 * The error record every fallible call fills in, the dumper's C interface
 * and the analyzer's alike: a code and a message, carried in an
 * 'lh_error *err' argument instead of a global. Compiled into the dumper
 * here so the Lua module stays standalone.
 */
#include <stdio.h>
#include "luaheap/error.h"

int lh_error_set(lh_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void lh_error_clear(lh_error *err)
{
	if (err == NULL)
		return;
	err->code = LH_OK;
	err->msg[0] = '\0';
}
