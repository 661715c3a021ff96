/*
 * The Lua module: `local luaheap = require "luaheap"`. The functions live
 * one per file and are listed in 'funcs' below; luaopen_luaheap refuses to
 * load into a Lua of another release than the headers it was built with.
 */
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "internal.h"

static const luaL_Reg funcs[] = {
	{"dump", lh_dump__l_dump},
	{"watch", lh_dump__l_watch},
	{"expect_dead", lh_dump__l_expect_dead},
	{"arm", lh_dump__l_arm},
	{"disarm", lh_dump__l_disarm},
	{"poll", lh_dump__l_poll},
	{NULL, NULL}
};

int lh_dump__opt_error(lua_State *L, const char *fn, const char *key,
                       const char *expected)
{
	return luaL_error(L, "bad option '%s' to '%s' (%s expected)", key, fn,
	                  expected);
}

/* opts.strings: "full", "keys", "none" or a byte count (value at the top) */
static int opt_strings(lua_State *L, const char *fn)
{
	lua_Integer n;
	int isnum;

	if (lua_type(L, -1) == LUA_TSTRING) {
		if (strcmp(lua_tostring(L, -1), "full") == 0)
			return -1;
		if (strcmp(lua_tostring(L, -1), "none") == 0)
			return 0;
		if (strcmp(lua_tostring(L, -1), "keys") == 0)
			return LH_DUMP_STRINGS_KEYS;
	} else if (lua_type(L, -1) == LUA_TNUMBER) {
		n = lua_tointegerx(L, -1, &isnum);
		if (isnum && n >= 0 && n <= 0x7fffffff)
			return (int)n;
	}
	return lh_dump__opt_error(L, fn, "strings",
	                          "\"full\", \"keys\", \"none\" or a byte count");
}

/* One option of dump's (format, collect, strings, label), its value at the
 * top; 1 taken, 0 not one of them. A bad value raises. */
static int dump_opt(lua_State *L, const char *fn, const char *k,
                    lh_dump_opts *o)
{
	if (strcmp(k, "format") == 0) {
		const char *v = lua_type(L, -1) == LUA_TSTRING ?
		                lua_tostring(L, -1) : "";
		if (strcmp(v, "binary") == 0)
			o->encoding = LH_DUMP_BINARY;
		else if (strcmp(v, "json") == 0)
			o->encoding = LH_DUMP_JSON;
		else
			lh_dump__opt_error(L, fn, k, "\"binary\" or \"json\"");
	} else if (strcmp(k, "collect") == 0) {
		if (!lua_isboolean(L, -1))
			lh_dump__opt_error(L, fn, k, "boolean");
		o->collect = lua_toboolean(L, -1);
	} else if (strcmp(k, "strings") == 0) {
		o->strings = opt_strings(L, fn);
	} else if (strcmp(k, "label") == 0) {
		if (lua_type(L, -1) != LUA_TSTRING)
			lh_dump__opt_error(L, fn, k, "string");
		o->label = lua_tostring(L, -1);
	} else {
		return 0;
	}
	return 1;
}

/*
 * Reads the options table at idx of function fn into o, handing the keys
 * that are not dump's to 'extra' (when not NULL). It is traversed with
 * lua_next and its keys compared as C strings: no string is created, so
 * reading the options allocates nothing in the state. Strings stay
 * referenced by the table (on the stack) while they are used.
 */
void lh_dump__read_opts(lua_State *L, int idx, const char *fn,
                        lh_dump_opts *o, lh_dump_opt_fn extra, void *ud)
{
	const char *k;

	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "bad option to '%s' (string keys expected)",
			           fn);
		k = lua_tostring(L, -2);
		if (!dump_opt(L, fn, k, o) && (extra == NULL || !extra(L, k, ud)))
			luaL_error(L, "unknown option '%s' to '%s'", k, fn);
		lua_pop(L, 1);
	}
}

static void set_count(lua_State *L, const char *name, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, name);
}

/* luaheap.dump(path [, opts]) -> true, counts | nil, message */
int lh_dump__l_dump(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	lh_dump_opts o;
	lh_dump_stats st;
	lh_error err;

	lh_dump_opts_init(&o);
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lh_dump__read_opts(L, 2, "dump", &o, NULL, NULL);
	}
	if (lh_dump_write(L, path, &o, &st, &err) != LH_OK) {
		luaL_pushfail(L);
		lua_pushstring(L, err.msg);
		return 2;
	}
	lua_pushboolean(L, 1);
	lua_createtable(L, 0, 8);
	set_count(L, "objects", st.objects);
	set_count(L, "edges", st.edges);
	set_count(L, "roots", st.roots);
	set_count(L, "bytes", st.object_bytes);
	set_count(L, "overhead", st.vm_overhead_bytes);
	set_count(L, "total", st.lua_total_bytes);
	set_count(L, "finalizers", st.finalizers);
	set_count(L, "file_bytes", st.file_bytes);
	return 2;
}

int luaopen_luaheap(lua_State *L)
{
	char msg[512];

	if (lh_dump__check_release(msg, sizeof(msg)) != NULL ||
	    lh_dump__probe_layout(L, 1, msg, sizeof(msg)) != NULL)
		return luaL_error(L, "luaheap: %s", msg);
	luaL_newlib(L, funcs);
	lua_pushliteral(L, LUAHEAP_VERSION);
	lua_setfield(L, -2, "version");
	lua_pushliteral(L, LUA_RELEASE);
	lua_setfield(L, -2, "built_for");
	return 1;
}
