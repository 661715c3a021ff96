/*
 * Test helper: Lua states of our own with the luaheap module preloaded and
 * tests/lua on package.path, in either collector mode, and chunks that must
 * run without error; and the removal of the scratch directories the
 * dumps go to.
 */
#ifndef LUAHEAP_TESTLUA_H
#define LUAHEAP_TESTLUA_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "luaheap/dump.h"

/* Runs code in L (the test fails on a Lua error) and empties the stack. */
static inline void tl_run(lua_State *L, const char *code)
{
	if (luaL_dostring(L, code) != LUA_OK)
		ck_abort_msg("Lua error: %s", lua_tostring(L, -1));
	lua_settop(L, 0);
}

/* A new state with the standard libraries and global 'luaheap'. */
static inline lua_State *tl_new_state(int generational)
{
	lua_State *L = luaL_newstate();

	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	luaL_requiref(L, "luaheap", luaopen_luaheap, 1);
	lua_pop(L, 1);
	if (generational)
		lua_gc(L, LUA_GCGEN, 0, 0);
	else
		lua_gc(L, LUA_GCINC, 0, 0, 0);
	tl_run(L, "package.path = '" LUAHEAP_SOURCE_DIR "/tests/lua/?.lua;' .. "
	          "package.path");
	return L;
}

/* Removes directory dir and everything in it. */
static inline void tl_rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p))
			continue;       /* not one of ours: scratch paths are short */
		if (unlink(p) != 0)
			tl_rm_dir(p);
	}
	closedir(d);
	rmdir(dir);
}

#endif
