/*
 * A host of two states of a fork that shares objects between states
 * (skynet's Lua): state A makes a function, a string and a table and shares
 * them (lua_sharefunction, lua_sharestring, and the table marked shared as
 * skynet's sharetable does); state B gets them (lua_clonefunction,
 * lua_clonetable, the string pushed by reference) and uses them. Both are
 * dumped with lh_dump_write; each dump's own accounting must be exact.
 * Then B takes three more shared tables between snapshots b1, b2, b3 (for a
 * diff that must not blame B for them). Built by tests/integ/lua_matrix.sh
 * against the fork's tree. Usage: fork_shared DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lobject.h"
#include "lstate.h"
#include "lgc.h"

#include "luaheap/dump.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fork_shared: %s:%d: " \
	"check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

/* Marks the table on top of A's stack and all it holds shared, as
 * skynet's sharetable (lualib-src/lua-sharetable.c) does. */
static void mark_shared(lua_State *L)
{
	Table *t = (Table *)lua_topointer(L, -1);
	int i;

	if (isshared(t))
		return;
	makeshared(t);
	lua_pushnil(L);
	while (lua_next(L, -2) != 0) {
		for (i = -1; i >= -2; i--) {
			if (lua_type(L, i) == LUA_TTABLE) {
				lua_pushvalue(L, i);
				mark_shared(L);
				lua_pop(L, 1);
			} else if (lua_type(L, i) == LUA_TSTRING) {
				lua_sharestring(L, i);
			}
		}
		lua_pop(L, 1);
	}
}

static void run(lua_State *L, const char *code)
{
	if (luaL_dostring(L, code) != LUA_OK) {
		fprintf(stderr, "fork_shared: %s\n", lua_tostring(L, -1));
		exit(1);
	}
}

/* Dumps L to DIR/NAME (JSON when NAME ends so) and checks its own
 * accounting. */
static void dump(lua_State *L, const char *dir, const char *name)
{
	char path[4096];
	lh_error err;
	lh_dump_stats st;
	lh_dump_opts o;

	lh_dump_opts_init(&o);
	if (strstr(name, ".json") != NULL)
		o.encoding = LH_DUMP_JSON;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lh_dump_write(L, path, &o, &st, &err) != LH_OK) {
		fprintf(stderr, "fork_shared: %s\n", err.msg);
		exit(1);
	}
	CHECK(st.object_bytes + st.vm_overhead_bytes == st.lua_total_bytes);
	printf("%s: %llu objects, %llu + %llu = %llu bytes, exact\n", name,
	       (unsigned long long)st.objects, (unsigned long long)st.object_bytes,
	       (unsigned long long)st.vm_overhead_bytes,
	       (unsigned long long)st.lua_total_bytes);
}

/* A new shared table of n entries made in A, cloned into B's KEEP list. */
static void share_table(lua_State *A, lua_State *B, int n)
{
	lua_pushinteger(A, n);
	lua_setglobal(A, "N");
	run(A, "local t = { kind = 'shared config' } "
	       "for i = 1, N do t[i] = { id = i, name = 'item ' .. i } end "
	       "HOLD[#HOLD + 1] = t return t");
	lua_getglobal(A, "HOLD");
	lua_rawgeti(A, -1, luaL_len(A, -1));
	mark_shared(A);
	lua_getglobal(B, "KEEP");
	lua_clonetable(B, lua_topointer(A, -1));
	lua_rawseti(B, -2, luaL_len(B, -2) + 1);
	lua_pop(B, 1);
	lua_pop(A, 2);
}

int main(int argc, char **argv)
{
	lua_State *A = luaL_newstate(), *B = luaL_newstate();
	const TString *ts;
	const char *dir = argc > 1 ? argv[1] : ".";

	CHECK(A != NULL && B != NULL);
	luaL_openlibs(A);
	luaL_openlibs(B);
	run(A, "HOLD = {} "
	       "T = { name = 'config', list = { 1, 2, 3 }, text = string.rep('x', 100) } "
	       "F = function(x) return x * 2 end "
	       "S = 'a shared string ' .. string.rep('s', 50)");

	/* the function: its prototype is shared, B clones a closure */
	lua_getglobal(A, "F");
	lua_sharefunction(A, -1);
	lua_clonefunction(B, lua_topointer(A, -1));
	lua_setglobal(B, "F");
	lua_pop(A, 1);
	/* the string, pushed into B by reference as lua_clonetable does */
	lua_getglobal(A, "S");
	lua_sharestring(A, -1);
	ts = tsvalue(s2v(A->top.p - 1));
	setsvalue2s(B, B->top.p, (TString *)ts);
	B->top.p++;
	lua_setglobal(B, "S");
	lua_pop(A, 1);
	/* the table */
	lua_getglobal(A, "T");
	mark_shared(A);
	lua_clonetable(B, lua_topointer(A, -1));
	lua_setglobal(B, "T");
	lua_pop(A, 1);

	run(B, "assert(F(21) == 42) assert(#S == 66 and S:sub(1, 8) == 'a shared') "
	       "assert(T.name == 'config' and T.list[3] == 3 and #T.text == 100) "
	       "KEEP = {}");
	dump(A, dir, "a.snap");
	dump(B, dir, "b.snap");

	/* three snapshots of B, each after it took another big shared table */
	share_table(A, B, 2000);
	dump(B, dir, "b1.snap");
	share_table(A, B, 2000);
	dump(B, dir, "b2.snap");
	share_table(A, B, 2000);
	dump(B, dir, "b3.snap");
	dump(B, dir, "b3.json");
	dump(A, dir, "a3.snap");
	lua_close(B);
	lua_close(A);
	return 0;
}
