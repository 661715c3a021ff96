/*
 * The layout probe: checks that the running Lua lays its objects out as the
 * headers the dumper was built with say, by reading objects both through
 * the public API and through those headers. A fork may report the same
 * release as upstream (skynet's 5.4.7 adds a field to TString): without
 * this, every string would be read at the wrong offset.
 */
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lobject.h"
#include "lstate.h"
#include "lfunc.h"
#include "lgc.h"

#include "internal.h"
#include "lua_tree.h"

#define ADVICE "; rebuild luaheap against this Lua's own source tree " \
	"(cmake -DLUAHEAP_LUA_SRC=/path/to/its/lua, or LUA_SRC= for luarocks)"

static const char *differs(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "the running Lua's object layout differs from the "
	         "headers of %s luaheap was built with: %s" ADVICE,
	         LUA_RELEASE, what);
	return buf;
}

/* The object at stack index idx as the headers see it, through the
 * thread's 'top' (which the probe checks first). */
static const TValue *at(lua_State *L, int idx)
{
	return s2v(lh_stk(L->top) + idx);
}

/* Objects every state has, read without allocating: the registry, the
 * main thread, the globals table, the stack top, one string. Leaves the
 * stack as it found it. */
static const char *probe_state(lua_State *L, char *buf, size_t len)
{
	const char *why = NULL, *s;
	const Table *reg;
	size_t n;

	if (!lh_dump__layout_ok(L))
		return differs(buf, len, "the global state is not where the "
		               "main thread's block puts it");
	if (!ttistable(&G(L)->l_registry) ||
	    lua_topointer(L, LUA_REGISTRYINDEX) != hvalue(&G(L)->l_registry))
		return differs(buf, len, "the registry is not where the global "
		               "state has it");
	reg = hvalue(&G(L)->l_registry);
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	if (!ttisthread(at(L, -1)) || thvalue(at(L, -1)) != G(L)->mainthread ||
	    lua_tothread(L, -1) != G(L)->mainthread)
		why = "the stack top or the main thread is not where expected";
	else if (reg->alimit < LUA_RIDX_GLOBALS ||
	         !ttisthread(&reg->array[LUA_RIDX_MAINTHREAD - 1]) ||
	         !ttistable(&reg->array[LUA_RIDX_GLOBALS - 1]))
		why = "the registry's array part is not where expected";
	lua_pop(L, 1);
	if (why != NULL)
		return differs(buf, len, why);

	/* a string key of the globals table, if there is one */
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
	lua_pushnil(L);
	while (why == NULL && lua_next(L, -2) != 0) {
		if (lua_type(L, -2) == LUA_TSTRING) {
			const TString *ts = tsvalue(at(L, -2));
			s = lua_tolstring(L, -2, &n);
			if (lua_topointer(L, -2) != (const void *)ts ||
			    getstr(ts) != s ||
			    (ts->tt == LUA_VSHRSTR ? ts->shrlen : ts->u.lnglen) != n)
				why = "a string's bytes are not where its header says";
			lua_pop(L, 2);
			break;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return why != NULL ? differs(buf, len, why) : NULL;
}

/* Fresh objects of known shape, made through the API (luaopen only: this
 * allocates). */
static const char *probe_objects(lua_State *L, char *buf, size_t len)
{
	static const char text[] = "luaheap layout probe: a string of 40 bytes";
	const char *why = NULL;
	const Table *t;
	const Udata *u;
	const Closure *cl;

	lua_pushlstring(L, text, sizeof(text) - 1);
	if (memcmp(getstr(tsvalue(at(L, -1))), text, sizeof(text) - 1) != 0 ||
	    tsvalue(at(L, -1))->u.lnglen != sizeof(text) - 1)
		why = "a long string's bytes or length are not where its header says";
	lua_pop(L, 1);

	lua_createtable(L, 5, 3);
	t = hvalue(at(L, -1));
	if (why == NULL && (lua_topointer(L, -1) != (const void *)t ||
	    t->alimit != 5 || sizenode(t) != 4 || t->metatable != NULL))
		why = "a table's array and hash sizes are not where expected";
	lua_pop(L, 1);

	u = lua_newuserdatauv(L, 24, 2) != NULL ? uvalue(at(L, -1)) : NULL;
	if (why == NULL && (u == NULL || u->len != 24 || u->nuvalue != 2 ||
	    getudatamem(u) != lua_touserdata(L, -1)))
		why = "a userdata's size, user values or memory are not where expected";
	lua_pop(L, 1);

	lua_pushboolean(L, 1);
	lua_pushboolean(L, 0);
	lua_pushboolean(L, 1);
	lua_pushcclosure(L, lh_dump__l_dump, 3);
	cl = clvalue(at(L, -1));
	if (why == NULL && (!ttisCclosure(at(L, -1)) ||
	    cl->c.nupvalues != 3 || cl->c.f != lh_dump__l_dump))
		why = "a C closure's upvalue count or function are not where expected";
	lua_pop(L, 1);

	if (why == NULL && luaL_loadstring(L, "local a, b = 1, 2 "
	    "return function() return a, b end") == LUA_OK) {
		lua_call(L, 0, 1);
		cl = clvalue(at(L, -1));
		if (!ttisLclosure(at(L, -1)) || cl->l.nupvalues != 2 ||
		    cl->l.p == NULL || cl->l.p->sizeupvalues != 2)
			why = "a Lua closure's upvalue count is not where expected";
	}
	lua_pop(L, 1);
	return why != NULL ? differs(buf, len, why) : NULL;
}

const char *lh_dump__probe_layout(lua_State *L, int create, char *buf,
                                  size_t len)
{
	const char *msg;

	if (!lua_checkstack(L, 4))
		return differs(buf, len, "no stack space to probe it");
	if ((msg = probe_state(L, buf, len)) != NULL)
		return msg;
	return create ? probe_objects(L, buf, len) : NULL;
}
