/*
 * The dumper's C interface under its 0.1.0 names (luaheap_*, errbuf and
 * errlen): thin wrappers over the lh_dump_* functions, kept for hosts
 * written against them. Deprecated; see dump.h.
 */
#include <stdio.h>

#include "luaheap/dump.h"

/* Copies err's message into errbuf; returns 0 for LH_OK, else -1. */
static int old_result(int rc, const lh_error *err, char *errbuf,
                      size_t errlen)
{
	if (rc == LH_OK)
		return 0;
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", err->msg);
	return -1;
}

void luaheap_dump_opts_init(luaheap_dump_opts *opts)
{
	lh_dump_opts_init(opts);
}

int luaheap_dump_ex(struct lua_State *L, const char *path,
                    const luaheap_dump_opts *opts, luaheap_dump_stats *stats,
                    char *errbuf, size_t errlen)
{
	lh_error err;
	int rc = lh_dump_write(L, path, opts, stats, &err);

	return old_result(rc, &err, errbuf, errlen);
}

int luaheap_dump(struct lua_State *L, const char *path,
                 const luaheap_dump_opts *opts, char *errbuf, size_t errlen)
{
	return luaheap_dump_ex(L, path, opts, NULL, errbuf, errlen);
}

const char *luaheap_built_for(void)
{
	return lh_dump_built_for();
}

void luaheap_arm_opts_init(luaheap_arm_opts *opts)
{
	lh_dump_arm_opts_init(opts);
}

int luaheap_arm(struct lua_State *L, const luaheap_arm_opts *opts,
                char *errbuf, size_t errlen)
{
	lh_error err;
	int rc = lh_dump_arm(L, opts, &err);

	return old_result(rc, &err, errbuf, errlen);
}

int luaheap_disarm(struct lua_State *L)
{
	return lh_dump_disarm(L);
}

int luaheap_poll(struct lua_State *L)
{
	return lh_dump_poll(L);
}
