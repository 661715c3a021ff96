/*
 * Watched objects: luaheap.watch and luaheap.expect_dead remember objects in
 * a weak-keyed table of the registry (so watching retains nothing), and every
 * snapshot writes one watch record per entry still in that table, read from
 * the table's nodes like the rest of the walk.
 */
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lobject.h"
#include "lstate.h"
#include "ltable.h"

#include "internal.h"
#include "lua_tree.h"

/* Its address is the registry key of the watch table (a light userdata,
 * found by the walker without hashing). */
static const char watch_key = 'w';

/*
 * The table maps each watched object to a string: one flag byte ('d' for
 * expect_dead, 'w' for a plain watch) followed by the label. A string value
 * is not weak, but the entry goes when its key does (an ephemeron).
 */
#define FLAG_DEAD  'd'
#define FLAG_WATCH 'w'

/* Pushes the watch table, creating it on first use. */
static void push_watch_table(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &watch_key) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_createtable(L, 0, 4);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "k");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &watch_key);
}

/* Only objects that a weak key can let go of: strings are values (never
 * weak), and a C function without upvalues is not an object at all. */
static int watchable(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TTABLE:
	case LUA_TUSERDATA:
	case LUA_TTHREAD:
		return 1;
	case LUA_TFUNCTION:
		if (!lua_iscfunction(L, idx))
			return 1;
		if (lua_getupvalue(L, idx, 1) == NULL)
			return 0;                   /* a light C function */
		lua_pop(L, 1);
		return 1;
	default:
		return 0;
	}
}

static int watch(lua_State *L, int expect_dead)
{
	size_t len;
	const char *label;
	luaL_Buffer b;
	int was_dead = 0;

	luaL_checkany(L, 1);
	label = luaL_optlstring(L, 2, NULL, &len);
	luaL_argexpected(L, watchable(L, 1), 1,
	                 "table, function, full userdata or thread");
	lua_settop(L, 2);
	push_watch_table(L);                                /* 3 */
	lua_pushvalue(L, 1);
	if (lua_rawget(L, 3) == LUA_TSTRING) {              /* 4: old entry */
		const char *old = lua_tolstring(L, 4, NULL);
		was_dead = old[0] == FLAG_DEAD;
		if (label == NULL) {                        /* keep its label */
			label = old + 1;
			len = lua_rawlen(L, 4) - 1;
		}
	}
	if (label == NULL) {
		label = "";
		len = 0;
	}
	luaL_buffinit(L, &b);
	luaL_addchar(&b, expect_dead || was_dead ? FLAG_DEAD : FLAG_WATCH);
	luaL_addlstring(&b, label, len);
	luaL_pushresult(&b);                                /* 5 */
	lua_pushvalue(L, 1);
	lua_insert(L, -2);
	lua_rawset(L, 3);
	lua_settop(L, 1);
	return 1;
}

/* luaheap.watch(obj [, label]) -> obj */
int lh_dump__l_watch(lua_State *L)
{
	return watch(L, 0);
}

/* luaheap.expect_dead(obj [, label]) -> obj: watched, and should be gone */
int lh_dump__l_expect_dead(lua_State *L)
{
	return watch(L, 1);
}

/* The watch table in g's registry, or NULL: a linear look at the
 * registry's hash part for the light userdata key. */
static const Table *find_watch_table(global_State *g)
{
	const Table *reg;
	unsigned i, n;

	if (!ttistable(&g->l_registry))
		return NULL;
	reg = hvalue(&g->l_registry);
	n = isdummy(reg) ? 0 : sizenode(reg);
	for (i = 0; i < n; i++) {
		const Node *nd = gnode(reg, i);
		if (keytt(nd) == LUA_VLIGHTUSERDATA &&
		    keyval(nd).p == (void *)&watch_key &&
		    ttistable(gval(nd)))
			return hvalue(gval(nd));
	}
	return NULL;
}

void lh_dump__watches(lh_dump_ctx *d, struct lua_State *L)
{
	const Table *w = find_watch_table(G(L));
	unsigned i, n;

	if (w == NULL)
		return;
	n = isdummy(w) ? 0 : sizenode(w);
	for (i = 0; i < n && d->out.err == 0; i++) {
		const Node *nd = gnode(w, i);
		const TValue *v = gval(nd);
		const TString *ts;
		size_t len;

		/* cleared entries (empty values) and dead keys are gone */
		if (isempty(v) || lh_keyisdead(nd) ||
		    !keyiscollectable(nd) || !ttisstring(v))
			continue;
		ts = tsvalue(v);
		len = tsslen(ts);
		if (len == 0)
			continue;
		d->enc->watch(d, (uint64_t)(uintptr_t)gckey(nd), getstr(ts) + 1,
		              len - 1, getstr(ts)[0] == FLAG_DEAD);
	}
}
