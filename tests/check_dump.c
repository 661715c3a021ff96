/*
 * The dumper embedded in a Lua state of our own (luaL_newstate), dumped with
 * lh_dump_write and read back with lh_snapshot_load: the accounting oracle
 * (with multi-user-value userdata, which only C can make), the edge oracle,
 * binary and JSON equal, million-long and million-deep shapes, options,
 * finalizer roots, and the collector left as it was found.
 */
#include <check.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "luaheap/crc32c.h"
#include "luaheap/dump.h"
#include "luaheap/snapshot.h"
#include "testlua.h"

/* dumper/internal.h */
const char *lh_dump__check_release(char *buf, size_t len);
const char *lh_dump__compare_release(const char *ident, char *buf, size_t len);
void lh_dump__crc_hw(int on);
uint32_t lh_dump__crc(const uint32_t *tab, uint32_t crc, const void *p,
                      size_t n);
uint32_t lh_dump__crc_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* ---- scratch files ---- */

static char scratch[64];

static void scratch_make(void)
{
	strcpy(scratch, "/tmp/luaheap-check-dump.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

/* A path in the scratch directory (four kept at a time). */
static const char *spath(const char *name)
{
	static char buf[4][512];
	static int next;
	char *p = buf[next++ & 3];

	snprintf(p, 512, "%s/%s", scratch, name);
	return p;
}

/* ---- Lua states ---- */

/* MULTI: a userdata with three user values and a metatable. */
static void make_multi_udata(lua_State *L)
{
	lua_newuserdatauv(L, 24, 3);
	lua_newtable(L);
	lua_setiuservalue(L, -2, 1);
	lua_pushstring(L, "second user value");
	lua_setiuservalue(L, -2, 2);
	lua_newuserdatauv(L, 5, 0);
	lua_setiuservalue(L, -2, 3);
	luaL_newmetatable(L, "test.Multi");
	lua_setmetatable(L, -2);
	lua_setglobal(L, "MULTI");
	/* and a light userdata key, which Lua code cannot make */
	lua_newtable(L);
	lua_pushlightuserdata(L, (void *)L);
	lua_newtable(L);
	lua_rawset(L, -3);
	lua_setglobal(L, "LIGHT");
}

static uint64_t lua_bytes(lua_State *L)
{
	return (uint64_t)lua_gc(L, LUA_GCCOUNT) * 1024 +
	       (uint64_t)lua_gc(L, LUA_GCCOUNTB);
}

static void dump(lua_State *L, const char *path, int json, int collect,
                 lh_dump_stats *st)
{
	lh_dump_opts o;
	lh_error err;

	lh_dump_opts_init(&o);
	o.encoding = json ? LH_DUMP_JSON : LH_DUMP_BINARY;
	o.collect = collect;
	ck_assert_msg(lh_dump_write(L, path, &o, st, &err) == LH_OK,
	              "dump failed: %s", err.msg);
}

static lh_snapshot *load(const char *path)
{
	lh_snapshot *s = NULL;
	lh_error err;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(lh_snapshot_load(&s, path, &err) == 0, "%s", err.msg);
	return s;
}

/* The file's own accounting, and every edge to an object in the file. */
static uint64_t check_file(const lh_snapshot *s)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < lh_snapshot_count(s); i++)
		sum += lh_snapshot_size(s, i);
	for (i = 0; i < lh_snapshot_edge_count(s); i++)
		ck_assert_uint_lt(lh_snapshot_edge_target(s, i), lh_snapshot_count(s));
	ck_assert_uint_eq(lh_snapshot_header(s)->vm_overhead_bytes,
	                  lh_snapshot_header(s)->overhead_state + lh_snapshot_header(s)->overhead_strtab);
	ck_assert_msg(sum + lh_snapshot_header(s)->vm_overhead_bytes == lh_snapshot_header(s)->lua_total_bytes,
	              "%s: objects %" PRIu64 " + overhead %" PRIu64 " != %" PRIu64,
	              lh_snapshot_path(s), sum, lh_snapshot_header(s)->vm_overhead_bytes,
	              lh_snapshot_header(s)->lua_total_bytes);
	return sum;
}

static int str_is(const lh_snapshot *s, uint32_t i, const char *text)
{
	size_t n;
	const char *p = lh_snapshot_string(s, i, &n);

	return p != NULL && i != LH_NONE && n == strlen(text) &&
	       memcmp(p, text, n) == 0;
}

/* The object at the address Lua printed with "%p". */
static uint32_t obj_at(const lh_snapshot *s, const char *addr)
{
	uint32_t i = lh_snapshot_find(s, strtoull(addr, NULL, 16));

	ck_assert_msg(i != LH_NONE, "no object at %s", addr);
	return i;
}

/* ---- edges ---- */

#define ANY INT64_MIN

typedef struct want {
	unsigned kind;
	const char *name;       /* FIELD_STR key, UPVALUE/STACK name; NULL any */
	int64_t i;              /* index, int/bool key, frame; ANY */
	int64_t slot;           /* STACK slot; ANY */
	uint32_t obj;           /* FIELD_OBJ key; LH_NONE any */
	uint32_t to;            /* the target; LH_NONE any */
	double d;               /* FIELD_NUM key, when has_d */
	int has_d;
} want;

static int matches(const lh_snapshot *s, uint32_t e, const want *w)
{
	lh_label l;

	lh_snapshot_label(s, e, &l);
	if (l.kind != w->kind)
		return 0;
	if (w->name != NULL && !str_is(s, l.obj, w->name))
		return 0;
	if (w->i != ANY && l.i != w->i)
		return 0;
	if (w->slot != ANY && (int64_t)l.slot != w->slot)
		return 0;
	if (w->obj != LH_NONE && l.obj != w->obj)
		return 0;
	if (w->to != LH_NONE && lh_snapshot_edge_target(s, e) != w->to)
		return 0;
	if (w->has_d && l.d != w->d)
		return 0;
	return 1;
}

/* The first edge of object v, and the one after its last. */
static uint32_t edge_first(const lh_snapshot *s, uint32_t v)
{
	uint32_t first, end;

	lh_snapshot_edges(s, v, &first, &end);
	return first;
}

static uint32_t edge_end(const lh_snapshot *s, uint32_t v)
{
	uint32_t first, end;

	lh_snapshot_edges(s, v, &first, &end);
	return end;
}

/* The one edge of 'from' that 'w' describes (fails if none or several). */
static uint32_t find_edge_at(const lh_snapshot *s, uint32_t from, want w,
                             int line)
{
	uint32_t e, found = LH_NONE, n = 0;

	for (e = edge_first(s, from); e < edge_end(s, from); e++)
		if (matches(s, e, &w)) {
			found = e;
			n++;
		}
	ck_assert_msg(n == 1, "line %d: object 0x%" PRIx64 ": %u edges of "
	              "kind %s (name %s, i %" PRId64 "), 1 expected", line,
	              lh_snapshot_addr(s, from), n,
	              lh_edge_kind_names[w.kind], w.name ? w.name : "-",
	              w.i == ANY ? (int64_t)-1 : w.i);
	return found;
}

#define find_edge(s, from, w) find_edge_at(s, from, w, __LINE__)
#define follow(s, from, w) (lh_snapshot_edge_target((s), find_edge(s, from, w)))

static uint32_t count_kind(const lh_snapshot *s, uint32_t from, unsigned kind)
{
	uint32_t e, n = 0;

	for (e = edge_first(s, from); e < edge_end(s, from); e++)
		n += (lh_snapshot_edge_kind(s, e) & LH_EDGE_KIND_MASK) == kind;
	return n;
}

static want W(unsigned kind)
{
	want w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	w.i = w.slot = ANY;
	w.obj = w.to = LH_NONE;
	return w;
}

static want field(const char *key)
{
	want w = W(LH_E_FIELD_STR);
	w.name = key;
	return w;
}

static want indexed(unsigned kind, int64_t i)
{
	want w = W(kind);
	w.i = i;
	return w;
}

static uint32_t globals(const lh_snapshot *s)
{
	ck_assert_uint_ne(lh_snapshot_registry(s), LH_NONE);
	return follow(s, lh_snapshot_registry(s), indexed(LH_E_ARRAY, LUA_RIDX_GLOBALS));
}

/* A string field of the table on the Lua stack top. */
static const char *sfield(lua_State *L, const char *name)
{
	const char *v;

	lua_getfield(L, -1, name);
	v = lua_tostring(L, -1);
	ck_assert_msg(v != NULL, "no field %s", name);
	lua_pop(L, 1);            /* still referenced by the table */
	return v;
}

/* ---- tests ---- */

/*
 * The oracle heap of tests/lua/dump_heap.lua plus a userdata with three
 * user values; dumped without collecting right after two collections, so
 * Lua's count is the same before and after and must equal the file's sum.
 */
static void accounting(int generational)
{
	lua_State *L;
	lh_dump_stats st;
	lh_snapshot *s;
	uint64_t before, after, sum;
	uint32_t i, multi = LH_NONE, types[LH_T_COUNT] = { 0 };
	int json;

	scratch_make();
	L = tl_new_state(generational);
	tl_run(L, "HEAP = require('dump_heap').build()");
	make_multi_udata(L);
	for (json = 0; json <= 1; json++) {
		const char *path = spath(json ? "acct.json" : "acct.snap");
		lua_gc(L, LUA_GCCOLLECT);
		lua_gc(L, LUA_GCCOLLECT);
		before = lua_bytes(L);
		dump(L, path, json, 0, &st);
		after = lua_bytes(L);
		ck_assert_uint_eq(before, after);
		ck_assert_uint_eq(st.lua_total_bytes, before);
		ck_assert_uint_eq(st.object_bytes + st.vm_overhead_bytes, before);

		s = load(path);
		sum = check_file(s);
		ck_assert_uint_eq(lh_snapshot_header(s)->lua_total_bytes, before);
		ck_assert_uint_eq(sum, st.object_bytes);
		ck_assert_uint_eq(lh_snapshot_count(s), st.objects);
		ck_assert_uint_eq(lh_snapshot_header(s)->gc_mode, generational ?
		                  LH_GC_GENERATIONAL : LH_GC_INCREMENTAL);
		for (i = 0; i < lh_snapshot_count(s); i++) {
			types[lh_snapshot_type(s, i)]++;
			if (lh_snapshot_type(s, i) == LH_T_USERDATA &&
			    lh_snapshot_udata_info(s, i)->nuvalue == 3)
				multi = i;
		}
		for (i = 1; i < LH_T_COUNT; i++)
			ck_assert_msg(types[i] > 0, "no %s in the heap",
			              lh_type_names[i]);
		ck_assert_uint_ne(multi, LH_NONE);
		ck_assert_uint_eq(lh_snapshot_udata_info(s, multi)->length, 24);
		ck_assert_uint_eq(lh_snapshot_type(s, follow(s, multi,
		                  indexed(LH_E_USER_VALUE, 1))), LH_T_TABLE);
		ck_assert(str_is(s, follow(s, multi, indexed(LH_E_USER_VALUE, 2)),
		                 "second user value"));
		ck_assert_uint_eq(lh_snapshot_type(s, follow(s, multi,
		                  indexed(LH_E_USER_VALUE, 3))), LH_T_USERDATA);
		ck_assert_uint_eq(lh_snapshot_type(s, follow(s, multi, W(LH_E_METATABLE))),
		                  LH_T_TABLE);
		ck_assert_uint_eq(lh_snapshot_list(s, lh_snapshot_main_thread(s)), LH_LIST_MAIN);
		{
			uint32_t light = follow(s, globals(s), field("LIGHT"));
			lh_label l;
			lh_snapshot_label(s, find_edge(s, light,
			                  W(LH_E_FIELD_LIGHT)), &l);
			ck_assert_uint_eq(l.ptr, (uint64_t)(uintptr_t)L);
		}
		lh_snapshot_free(s);
	}
	lua_close(L);
	tl_rm_dir(scratch);
}

START_TEST(accounting_is_exact_in_incremental_mode)
{
	accounting(0);
}
END_TEST

START_TEST(accounting_is_exact_in_generational_mode)
{
	accounting(1);
}
END_TEST

/* The Lua half of the oracle (tests/lua/dump_heap.lua asserts its own
 * sums) embedded here, and each file it wrote checked once more. */
static void lua_oracle(int generational)
{
	static const char *const what[] = {
		"main", "collected", "coroutine", "finalizer"
	};
	const char *mode = generational ? "generational" : "incremental";
	char code[512], name[128];
	lua_State *L;
	lh_snapshot *s;
	unsigned f, k;

	scratch_make();
	L = tl_new_state(generational);
	snprintf(code, sizeof(code), "require('dump_heap').run('%s', '%s')",
	         mode, scratch);
	tl_run(L, code);
	for (f = 0; f < 2; f++)
		for (k = 0; k < 4; k++) {
			snprintf(name, sizeof(name), "%s-%s-%s.snap", mode,
			         f ? "json" : "binary", what[k]);
			s = load(spath(name));
			check_file(s);
			ck_assert_uint_eq(lh_snapshot_header(s)->encoding, f);
			lh_snapshot_free(s);
		}
	lua_close(L);
	tl_rm_dir(scratch);
}

START_TEST(lua_oracle_holds_in_incremental_mode)
{
	lua_oracle(0);
}
END_TEST

START_TEST(lua_oracle_holds_in_generational_mode)
{
	lua_oracle(1);
}
END_TEST

/* Every reference of tests/lua/dump_edges.lua's heap, with its kind, label
 * and flags, and no other edge where the shape leaves no room for one. */
static void edge_oracle(const char *path, lua_State *L)
{
	lh_snapshot *s = load(path);
	uint32_t G, server, timers, clo, upv, h, bag, proto, t, e, co, i;
	const lh_thread_info *th;
	want w;

	check_file(s);
	G = globals(s);
	server = follow(s, G, field("Server"));
	ck_assert_uint_eq(server, obj_at(s, sfield(L, "server")));
	timers = follow(s, server, field("timers"));
	ck_assert_uint_eq(timers, obj_at(s, sfield(L, "timers")));

	/* Server.timers[1..5]: five array slots, nothing else */
	ck_assert_uint_eq(edge_end(s, timers) - edge_first(s, timers), 5);
	for (i = 1; i <= 5; i++)
		ck_assert_uint_eq(lh_snapshot_type(s, follow(s, timers,
		                  indexed(LH_E_ARRAY, i))), LH_T_LFUNC);

	/* [3] -> closure -> <upvalue h> -> upvalue object -> the table */
	clo = follow(s, timers, indexed(LH_E_ARRAY, 3));
	ck_assert_uint_eq(clo, obj_at(s, sfield(L, "closure")));
	ck_assert_uint_eq(edge_end(s, clo) - edge_first(s, clo), 2);
	w = indexed(LH_E_UPVALUE, 1);
	w.name = "h";
	upv = follow(s, clo, w);
	ck_assert_uint_eq(lh_snapshot_type(s, upv), LH_T_UPVALUE);
	ck_assert_int_eq(lh_snapshot_upvalue_open(s, upv), 0);   /* closed */
	h = follow(s, upv, W(LH_E_UPVAL_VALUE));
	ck_assert_uint_eq(h, obj_at(s, sfield(L, "h")));
	proto = follow(s, clo, W(LH_E_PROTO));
	ck_assert_uint_eq(lh_snapshot_type(s, proto), LH_T_PROTO);
	ck_assert_uint_eq(lh_snapshot_func_info(s, clo)->proto, proto);
	ck_assert_uint_eq(lh_snapshot_type(s, follow(s, proto, W(LH_E_SOURCE))), LH_T_STRING);
	w = W(LH_E_DEBUG_NAME);
	w.i = 1;
	ck_assert(str_is(s, follow(s, proto, w), "h"));
	ck_assert(count_kind(s, proto, LH_E_CONSTANT) >= 1);   /* "hp" */

	/* h = { hp = 100, bag = { "sword" } }: "hp" has no object value,
	 * so its key is a KEY edge; bag is a field (the reader adds its KEY) */
	bag = follow(s, h, field("bag"));
	ck_assert_uint_eq(bag, obj_at(s, sfield(L, "bag")));
	ck_assert_uint_eq(follow(s, bag, indexed(LH_E_ARRAY, 1)),
	                  obj_at(s, sfield(L, "sword")));
	ck_assert_uint_eq(count_kind(s, h, LH_E_FIELD_STR), 1);
	ck_assert_uint_eq(count_kind(s, h, LH_E_KEY), 2);
	for (e = edge_first(s, h); e < edge_end(s, h); e++)
		if ((lh_snapshot_edge_kind(s, e) & LH_EDGE_KIND_MASK) == LH_E_KEY)
			ck_assert(str_is(s, lh_snapshot_edge_target(s, e), "hp") ||
			          str_is(s, lh_snapshot_edge_target(s, e), "bag"));
	ck_assert_uint_eq(lh_snapshot_table_info(s, h)->hash_entries, 2);

	/* an object key: a strong KEY edge and an ofield labelled by it */
	t = follow(s, server, field("byobj"));
	ck_assert_uint_eq(follow(s, t, W(LH_E_KEY)), h);
	w = W(LH_E_FIELD_OBJ);
	w.obj = h;
	e = find_edge(s, t, w);
	ck_assert_uint_eq(lh_snapshot_edge_target(s, e), obj_at(s, sfield(L, "value_string")));
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_FIELD_OBJ);
	ck_assert_uint_eq(edge_end(s, t) - edge_first(s, t), 2);

	/* boolean, float, integer keys */
	t = follow(s, server, field("keys"));
	ck_assert_uint_eq(follow(s, t, indexed(LH_E_FIELD_BOOL, 1)), h);
	w = W(LH_E_FIELD_NUM);
	w.d = 1.5;
	w.has_d = 1;
	ck_assert_uint_eq(follow(s, t, w), h);
	ck_assert_uint_eq(follow(s, t, indexed(LH_E_FIELD_INT, 42)), h);
	ck_assert_uint_eq(follow(s, t, indexed(LH_E_FIELD_INT, -3)), h);
	ck_assert_uint_eq(edge_end(s, t) - edge_first(s, t), 4);

	/* metatables */
	t = follow(s, server, field("obj"));
	ck_assert_uint_eq(follow(s, t, W(LH_E_METATABLE)),
	                  obj_at(s, sfield(L, "mt")));
	ck_assert_uint_eq(follow(s, obj_at(s, sfield(L, "mt")), field("__index")),
	                  obj_at(s, sfield(L, "index")));

	/* weak values: the table is weak, the string is not */
	t = obj_at(s, sfield(L, "weakv"));
	ck_assert_uint_eq(lh_snapshot_table_weak(s, t), LH_WEAK_VALUES);
	e = find_edge(s, t, indexed(LH_E_ARRAY, 1));
	ck_assert_uint_eq(lh_snapshot_edge_target(s, e), h);
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_ARRAY | LH_EDGE_WEAK);
	e = find_edge(s, t, field("s"));
	ck_assert_uint_eq(lh_snapshot_edge_target(s, e), obj_at(s, sfield(L, "kept")));
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_FIELD_STR);

	/* weak keys: the key weak, its value an ephemeron; string keys strong */
	t = obj_at(s, sfield(L, "weakk"));
	ck_assert_uint_eq(lh_snapshot_table_weak(s, t), LH_WEAK_KEYS);
	w = W(LH_E_KEY);
	w.to = h;
	e = find_edge(s, t, w);
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_KEY | LH_EDGE_WEAK);
	w = W(LH_E_FIELD_OBJ);
	w.obj = h;
	e = find_edge(s, t, w);
	ck_assert_uint_eq(lh_snapshot_edge_target(s, e), obj_at(s, sfield(L, "weakk_value")));
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_FIELD_OBJ | LH_EDGE_EPHEMERON);
	e = find_edge(s, t, field("name"));
	ck_assert_uint_eq(lh_snapshot_edge_target(s, e), obj_at(s, sfield(L, "weakk_name")));
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_FIELD_STR);

	/* both weak: key and value weak */
	t = obj_at(s, sfield(L, "weakkv"));
	ck_assert_uint_eq(lh_snapshot_table_weak(s, t), LH_WEAK_BOTH);
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, find_edge(s, t, W(LH_E_KEY))),
	                  LH_E_KEY | LH_EDGE_WEAK);
	w = W(LH_E_FIELD_OBJ);
	w.obj = h;
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, find_edge(s, t, w)),
	                  LH_E_FIELD_OBJ | LH_EDGE_WEAK);

	/* the suspended coroutine: its frames and named locals as Lua's own
	 * debug library reports them, and its open upvalue */
	co = obj_at(s, sfield(L, "co"));
	ck_assert_uint_eq(lh_snapshot_type(s, co), LH_T_THREAD);
	th = lh_snapshot_thread_info(s, co);
	ck_assert_uint_eq(th->status, LH_THREAD_SUSPENDED);
	ck_assert_uint_eq(th->frame_count, 3);  /* yield, f, base */
	{
		const lh_frame_info *fr = lh_snapshot_frame(s, th->frame_first);
		lua_Integer line;
		ck_assert(!fr[0].is_lua);
		ck_assert(fr[1].is_lua);
		ck_assert(!fr[2].is_lua);
		ck_assert_uint_ne(fr[1].proto, LH_NONE);
		lua_getfield(L, -1, "line");
		line = lua_tointeger(L, -1);
		lua_pop(L, 1);
		ck_assert_uint_eq(fr[1].line, (uint32_t)line);
	}
	lua_getfield(L, -1, "locals");
	ck_assert_int_ge(luaL_len(L, -1), 3);               /* arg, loc, up */
	for (i = 1; i <= (uint32_t)luaL_len(L, -1); i++) {
		lua_geti(L, -1, i);
		lua_getfield(L, -1, "slot");
		w = W(LH_E_STACK);
		w.i = 1;
		w.slot = lua_tointeger(L, -1);
		lua_pop(L, 1);
		w.name = sfield(L, "name");
		ck_assert_uint_eq(follow(s, co, w), obj_at(s, sfield(L, "addr")));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	e = find_edge(s, co, W(LH_E_OPEN_UPVAL));
	ck_assert_uint_eq(lh_snapshot_edge_kind(s, e), LH_E_OPEN_UPVAL);   /* strong */
	upv = lh_snapshot_edge_target(s, e);
	ck_assert_int_eq(lh_snapshot_upvalue_open(s, upv), 1);   /* open */
	ck_assert_uint_eq(follow(s, upv, W(LH_E_UPVAL_VALUE)),
	                  obj_at(s, sfield(L, "captured")));
	w = indexed(LH_E_UPVALUE, 1);
	w.name = "up";
	ck_assert_uint_eq(follow(s, obj_at(s, sfield(L, "f")), w), upv);

	/* a C closure: its three upvalue values directly (gmatch's state) */
	t = obj_at(s, sfield(L, "gm"));
	ck_assert_uint_eq(lh_snapshot_type(s, t), LH_T_CFUNC);
	ck_assert_uint_eq(lh_snapshot_func_info(s, t)->nupvalues, 3);
	ck_assert(str_is(s, follow(s, t, indexed(LH_E_UPVALUE, 1)), "a b"));
	ck_assert(str_is(s, follow(s, t, indexed(LH_E_UPVALUE, 2)), "%a+"));
	ck_assert_uint_eq(lh_snapshot_type(s, follow(s, t, indexed(LH_E_UPVALUE, 3))),
	                  LH_T_USERDATA);
	ck_assert_uint_eq(edge_end(s, t) - edge_first(s, t), 3);

	/* roots: the registry, the main thread, the string metatable */
	for (i = 0, e = 0; i < lh_snapshot_root_count(s); i++) {
		if (lh_snapshot_root(s, i)->kind == LH_ROOT_REGISTRY)
			ck_assert_uint_eq(lh_snapshot_root(s, i)->target, lh_snapshot_registry(s));
		if (lh_snapshot_root(s, i)->kind == LH_ROOT_MAIN_THREAD)
			ck_assert_uint_eq(lh_snapshot_root(s, i)->target, lh_snapshot_main_thread(s));
		if (lh_snapshot_root(s, i)->kind == LH_ROOT_TYPE_MT) {
			ck_assert_uint_eq(lh_snapshot_root(s, i)->index, LUA_TSTRING);
			ck_assert_uint_eq(lh_snapshot_type(s, lh_snapshot_root(s, i)->target), LH_T_TABLE);
			ck_assert_uint_eq(follow(s, lh_snapshot_root(s, i)->target,
			                  field("__index")),
			                  follow(s, G, field("string")));
		}
		e |= 1u << lh_snapshot_root(s, i)->kind;
	}
	ck_assert_uint_eq(e, (1u << LH_ROOT_REGISTRY) |
	                  (1u << LH_ROOT_MAIN_THREAD) | (1u << LH_ROOT_TYPE_MT));
	lh_snapshot_free(s);
}

START_TEST(edge_oracle_finds_every_known_reference_with_its_label)
{
	lua_State *L;
	int json;

	scratch_make();
	L = tl_new_state(0);
	lua_getglobal(L, "require");
	lua_pushstring(L, "dump_edges");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "build");
	lua_call(L, 0, 1);                 /* the expectations stay on top */
	for (json = 0; json <= 1; json++) {
		const char *path = spath(json ? "edges.json" : "edges.snap");
		dump(L, path, json, 1, NULL);
		edge_oracle(path, L);
	}
	lua_close(L);
	tl_rm_dir(scratch);
}
END_TEST

/* Two dumps with nothing in between that could change the heap. */
static void same_snapshot(const lh_snapshot *a, const lh_snapshot *b)
{
	uint32_t i, e;
	lh_label la, lb;

	ck_assert_uint_eq(lh_snapshot_count(a), lh_snapshot_count(b));
	ck_assert_uint_eq(lh_snapshot_edge_count(a), lh_snapshot_edge_count(b));
	ck_assert_uint_eq(lh_snapshot_root_count(a), lh_snapshot_root_count(b));
	ck_assert_str_eq(lh_snapshot_header(a)->lua_release, lh_snapshot_header(b)->lua_release);
	ck_assert_str_eq(lh_snapshot_header(a)->label, lh_snapshot_header(b)->label);
	ck_assert_uint_eq(lh_snapshot_header(a)->lua_total_bytes, lh_snapshot_header(b)->lua_total_bytes);
	ck_assert_uint_eq(lh_snapshot_header(a)->vm_overhead_bytes, lh_snapshot_header(b)->vm_overhead_bytes);
	ck_assert_uint_eq(lh_snapshot_header(a)->flags, lh_snapshot_header(b)->flags);
	ck_assert_uint_eq(lh_snapshot_header(a)->gc_state, lh_snapshot_header(b)->gc_state);
	ck_assert_uint_eq(lh_snapshot_header(a)->gc_pause, lh_snapshot_header(b)->gc_pause);
	ck_assert_uint_eq(lh_snapshot_header(a)->main_thread, lh_snapshot_header(b)->main_thread);
	ck_assert_uint_eq(lh_snapshot_header(a)->registry, lh_snapshot_header(b)->registry);
	for (i = 0; i < lh_snapshot_count(a); i++) {
		ck_assert_uint_eq(lh_snapshot_addr(a, i), lh_snapshot_addr(b, i));
		ck_assert_uint_eq(lh_snapshot_size(a, i), lh_snapshot_size(b, i));
		ck_assert_uint_eq(lh_snapshot_type(a, i), lh_snapshot_type(b, i));
		ck_assert_uint_eq(lh_snapshot_list(a, i), lh_snapshot_list(b, i));
		ck_assert_uint_eq(lh_snapshot_marked(a, i), lh_snapshot_marked(b, i));
		ck_assert_uint_eq(edge_first(a, i), edge_first(b, i));
		switch (lh_snapshot_type(a, i)) {
		case LH_T_STRING: {
			size_t na, nb;
			const char *pa = lh_snapshot_string(a, i, &na);
			const char *pb = lh_snapshot_string(b, i, &nb);
			ck_assert_uint_eq(na, nb);
			ck_assert(memcmp(pa, pb, na) == 0);
			ck_assert_uint_eq(lh_snapshot_string_length(a, i),
			                  lh_snapshot_string_length(b, i));
			ck_assert_uint_eq(lh_snapshot_string_info(a, i)->is_long,
			                  lh_snapshot_string_info(b, i)->is_long);
			break;
		}
		case LH_T_TABLE:
			ck_assert(memcmp(lh_snapshot_table_info(a, i),
			                 lh_snapshot_table_info(b, i),
			                 sizeof(lh_table_info)) == 0);
			break;
		case LH_T_LFUNC: case LH_T_CFUNC: {
			const lh_func_info *fa = lh_snapshot_func_info(a, i);
			const lh_func_info *fb = lh_snapshot_func_info(b, i);
			ck_assert_uint_eq(fa->nupvalues, fb->nupvalues);
			ck_assert_uint_eq(fa->proto, fb->proto);
			ck_assert_uint_eq(fa->cfunc, fb->cfunc);
			ck_assert_uint_eq(fa->symbol == UINT32_MAX,
			                  fb->symbol == UINT32_MAX);
			if (fa->symbol != UINT32_MAX)
				ck_assert_str_eq(lh_snapshot_symbol(a, i),
				                 lh_snapshot_symbol(b, i));
			break;
		}
		case LH_T_THREAD: {
			const lh_thread_info *ta = lh_snapshot_thread_info(a, i);
			const lh_thread_info *tb = lh_snapshot_thread_info(b, i);
			uint32_t k;
			ck_assert_uint_eq(ta->status, tb->status);
			ck_assert_uint_eq(ta->stack_slots, tb->stack_slots);
			ck_assert_uint_eq(ta->nci, tb->nci);
			ck_assert_uint_eq(ta->frame_count, tb->frame_count);
			for (k = 0; k < ta->frame_count; k++) {
				const lh_frame_info *x = lh_snapshot_frame(a, ta->frame_first + k);
				const lh_frame_info *y = lh_snapshot_frame(b, tb->frame_first + k);
				ck_assert_uint_eq(x->func, y->func);
				ck_assert_uint_eq(x->proto, y->proto);
				ck_assert_uint_eq(x->line, y->line);
				ck_assert_uint_eq(x->is_lua, y->is_lua);
			}
			break;
		}
		case LH_T_PROTO:
			ck_assert(memcmp(lh_snapshot_proto_info(a, i),
			                 lh_snapshot_proto_info(b, i),
			                 sizeof(lh_proto_info)) == 0);
			break;
		case LH_T_USERDATA:
			ck_assert_uint_eq(lh_snapshot_udata_info(a, i)->length,
			                  lh_snapshot_udata_info(b, i)->length);
			ck_assert_uint_eq(lh_snapshot_udata_info(a, i)->nuvalue,
			                  lh_snapshot_udata_info(b, i)->nuvalue);
			break;
		case LH_T_UPVALUE:
			ck_assert_int_eq(lh_snapshot_upvalue_open(a, i),
			                 lh_snapshot_upvalue_open(b, i));
			break;
		}
	}
	for (e = 0; e < lh_snapshot_edge_count(a); e++) {
		ck_assert_uint_eq(lh_snapshot_edge_target(a, e), lh_snapshot_edge_target(b, e));
		ck_assert_uint_eq(lh_snapshot_edge_kind(a, e), lh_snapshot_edge_kind(b, e));
		lh_snapshot_label(a, e, &la);
		lh_snapshot_label(b, e, &lb);
		ck_assert_uint_eq(la.kind, lb.kind);
		ck_assert_uint_eq(la.flags, lb.flags);
		ck_assert_int_eq(la.i, lb.i);
		ck_assert(la.d == lb.d || (la.d != la.d && lb.d != lb.d));
		ck_assert_uint_eq(la.ptr, lb.ptr);
		ck_assert_uint_eq(la.obj, lb.obj);
		ck_assert_uint_eq(la.slot, lb.slot);
	}
	for (i = 0; i < lh_snapshot_root_count(a); i++) {
		ck_assert_uint_eq(lh_snapshot_root(a, i)->kind, lh_snapshot_root(b, i)->kind);
		ck_assert_uint_eq(lh_snapshot_root(a, i)->target, lh_snapshot_root(b, i)->target);
		ck_assert_uint_eq(lh_snapshot_root(a, i)->index, lh_snapshot_root(b, i)->index);
	}
}

START_TEST(binary_and_json_of_one_heap_load_to_the_same_contents)
{
	lua_State *L;
	lh_snapshot *a, *b;
	int gen;

	scratch_make();
	for (gen = 0; gen <= 1; gen++) {
		L = tl_new_state(gen);
		tl_run(L, "HEAP = require('dump_heap').build() "
		       "require('dump_edges').build()");
		make_multi_udata(L);
		lua_gc(L, LUA_GCCOLLECT);
		dump(L, spath("same.snap"), 0, 0, NULL);
		dump(L, spath("same.json"), 1, 0, NULL);
		a = load(spath("same.snap"));
		b = load(spath("same.json"));
		ck_assert_uint_eq(lh_snapshot_header(a)->encoding, 0);
		ck_assert_uint_eq(lh_snapshot_header(b)->encoding, 1);
		ck_assert_uint_gt(lh_snapshot_count(a), 1000);
		same_snapshot(a, b);
		lh_snapshot_free(a);
		lh_snapshot_free(b);
		lua_close(L);
	}
	tl_rm_dir(scratch);
}
END_TEST

/* A million tables in a list and a million nested: no recursion anywhere,
 * every link present. */
START_TEST(million_long_list_and_million_deep_nesting_dump_whole)
{
	lua_State *L;
	lh_dump_stats st;
	lh_snapshot *s;
	uint32_t G, t, n;

	scratch_make();
	L = tl_new_state(0);
	tl_run(L, "local head for i = 1, 1000000 do head = { next = head } end "
	       "LIST = head "
	       "local t = {} DEEP = t "
	       "for i = 1, 1000000 do local n = {} t[1] = n t = n end");
	dump(L, spath("deep.snap"), 0, 1, &st);
	ck_assert_uint_eq(st.object_bytes + st.vm_overhead_bytes,
	                  st.lua_total_bytes);
	ck_assert_uint_gt(st.objects, 2000000);
	s = load(spath("deep.snap"));
	check_file(s);
	G = globals(s);
	for (n = 0, t = follow(s, G, field("LIST")); ; n++) {
		uint32_t e, next = LH_NONE;
		for (e = edge_first(s, t); e < edge_end(s, t); e++)
			if ((lh_snapshot_edge_kind(s, e) & LH_EDGE_KIND_MASK) == LH_E_FIELD_STR)
				next = lh_snapshot_edge_target(s, e);
		if (next == LH_NONE)
			break;
		t = next;
	}
	ck_assert_uint_eq(n + 1, 1000000);
	for (n = 0, t = follow(s, G, field("DEEP")); ; n++) {
		if (edge_end(s, t) == edge_first(s, t))
			break;
		ck_assert_uint_eq(lh_snapshot_edge_kind(s, edge_first(s, t)), LH_E_ARRAY);
		t = lh_snapshot_edge_target(s, edge_first(s, t));
	}
	ck_assert_uint_eq(n, 1000000);
	lh_snapshot_free(s);
	lua_close(L);
	tl_rm_dir(scratch);
}
END_TEST

START_TEST(string_options_cut_or_drop_contents_and_label_is_kept)
{
	lua_State *L;
	lh_dump_opts o;
	lh_snapshot *s;
	lh_error err;
	uint32_t i, nlong = 0;

	scratch_make();
	L = tl_new_state(0);
	tl_run(L, "HEAP = require('dump_heap').build()");
	lh_dump_opts_init(&o);
	o.strings = 0;
	o.label = "no \"strings\"\n";
	ck_assert_int_eq(lh_dump_write(L, spath("none.snap"), &o, NULL, &err),
	                 LH_OK);
	s = load(spath("none.snap"));
	check_file(s);
	ck_assert(lh_snapshot_header(s)->flags & LH_FLAG_STRINGS_NONE);
	ck_assert_str_eq(lh_snapshot_header(s)->label, "no \"strings\"\n");
	for (i = 0; i < lh_snapshot_count(s); i++)
		if (lh_snapshot_type(s, i) == LH_T_STRING)
			ck_assert_uint_eq(lh_snapshot_string_info(s, i)->stored, 0);
	lh_snapshot_free(s);

	o.strings = 4;
	o.encoding = LH_DUMP_JSON;
	ck_assert_int_eq(lh_dump_write(L, spath("cut.json"), &o, NULL, &err),
	                 LH_OK);
	s = load(spath("cut.json"));
	ck_assert(lh_snapshot_header(s)->flags & LH_FLAG_STRINGS_CUT);
	ck_assert_uint_eq(lh_snapshot_header(s)->string_limit, 4);
	for (i = 0; i < lh_snapshot_count(s); i++) {
		const lh_string_info *si;
		if (lh_snapshot_type(s, i) != LH_T_STRING)
			continue;
		si = lh_snapshot_string_info(s, i);
		ck_assert_uint_eq(si->stored, si->length < 4 ? si->length : 4);
		nlong += si->is_long;
	}
	ck_assert_uint_gt(nlong, 0);
	lh_snapshot_free(s);
	lua_close(L);
	tl_rm_dir(scratch);
}
END_TEST

START_TEST(dump_from_a_finalizer_records_the_pending_ones_as_roots)
{
	lua_State *L;
	lh_snapshot *s;
	char code[256];
	uint32_t i, n = 0;

	scratch_make();
	L = tl_new_state(0);
	snprintf(code, sizeof(code), "require('dump_heap').from_finalizer("
	         "'%s/fin.snap', { collect = false })", scratch);
	tl_run(L, code);
	s = load(spath("fin.snap"));
	check_file(s);
	ck_assert(lh_snapshot_header(s)->flags & LH_FLAG_GARBAGE);
	ck_assert(!(lh_snapshot_header(s)->flags & LH_FLAG_COLLECTED));
	ck_assert_uint_eq(lh_snapshot_header(s)->gc_was_running, 0);    /* inside the collector */
	for (i = 0; i < lh_snapshot_root_count(s); i++)
		if (lh_snapshot_root(s, i)->kind == LH_ROOT_FINALIZER) {
			ck_assert_uint_eq(lh_snapshot_list(s, lh_snapshot_root(s, i)->target),
			                  LH_LIST_TOBEFNZ);
			ck_assert_uint_eq(lh_snapshot_type(s, lh_snapshot_root(s, i)->target), LH_T_TABLE);
			n++;
		}
	ck_assert_uint_eq(n, 4);
	lh_snapshot_free(s);
	lua_close(L);
	tl_rm_dir(scratch);
}
END_TEST

/* Thread statuses as coroutine.status reports them to the dumping one. */
START_TEST(thread_status_is_relative_to_the_dumping_coroutine)
{
	lua_State *L;
	lh_snapshot *s;
	char code[1024];
	static const char *const names[] = {
		"inner", "outer", "main", "fresh", "suspended", "dead", "failed"
	};
	static const int status[] = {
		LH_THREAD_RUNNING, LH_THREAD_NORMAL, LH_THREAD_NORMAL,
		LH_THREAD_SUSPENDED, LH_THREAD_SUSPENDED, LH_THREAD_DEAD,
		LH_THREAD_DEAD
	};
	unsigned k;

	scratch_make();
	L = tl_new_state(1);
	snprintf(code, sizeof(code),
	  "local luaheap = require 'luaheap' "
	  "HEAP = require('dump_heap').build() "
	  "local A = {} ADDR = A "
	  "local inner = coroutine.create(function() "
	  "  A.seen = { coroutine.status(A.co_inner), coroutine.status(A.co_outer) } "
	  "  assert(luaheap.dump('%s/status.snap')) end) "
	  "local outer = coroutine.create(function() "
	  "  assert(coroutine.resume(inner)) end) "
	  "A.co_inner, A.co_outer = inner, outer "
	  "A.inner, A.outer = ('%%p'):format(inner), ('%%p'):format(outer) "
	  "A.main = ('%%p'):format(coroutine.running()) "
	  "for _, k in ipairs { 'fresh', 'suspended', 'dead', 'failed' } do "
	  "  A[k] = ('%%p'):format(HEAP[k]) end "
	  "assert(coroutine.resume(outer)) "
	  "assert(A.seen[1] == 'running' and A.seen[2] == 'normal')", scratch);
	tl_run(L, code);
	s = load(spath("status.snap"));
	check_file(s);
	lua_getglobal(L, "ADDR");
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		uint32_t i = obj_at(s, sfield(L, names[k]));
		ck_assert_uint_eq(lh_snapshot_type(s, i), LH_T_THREAD);
		ck_assert_msg(lh_snapshot_thread_info(s, i)->status == status[k],
		              "%s is %s", names[k],
		              lh_thread_status_names[lh_snapshot_thread_info(s, i)->status]);
	}
	ck_assert_uint_eq(obj_at(s, sfield(L, "main")), lh_snapshot_main_thread(s));
	lh_snapshot_free(s);
	lua_close(L);
	tl_rm_dir(scratch);
}
END_TEST

/* Running or stopped, incremental or generational: as it was found. And
 * without collecting, the dump allocates nothing in the state. */
START_TEST(collector_is_left_as_it_was_found)
{
	lua_State *L;
	lh_snapshot *s;
	uint64_t before;
	int gen;

	scratch_make();
	for (gen = 0; gen <= 1; gen++) {
		L = tl_new_state(gen);
		tl_run(L, "HEAP = require('dump_heap').build()");
		ck_assert_int_eq(lua_gc(L, LUA_GCISRUNNING), 1);
		dump(L, spath("run.snap"), 0, 1, NULL);
		ck_assert_int_eq(lua_gc(L, LUA_GCISRUNNING), 1);
		s = load(spath("run.snap"));
		ck_assert_uint_eq(lh_snapshot_header(s)->gc_was_running, 1);
		ck_assert(lh_snapshot_header(s)->flags & LH_FLAG_COLLECTED);
		ck_assert_uint_eq(lh_snapshot_header(s)->gc_mode, gen ? LH_GC_GENERATIONAL :
		                  LH_GC_INCREMENTAL);
		lh_snapshot_free(s);

		lua_gc(L, LUA_GCSTOP);
		before = lua_bytes(L);
		dump(L, spath("stopped.snap"), 1, 0, NULL);
		ck_assert_uint_eq(lua_bytes(L), before);
		ck_assert_int_eq(lua_gc(L, LUA_GCISRUNNING), 0);
		s = load(spath("stopped.snap"));
		ck_assert_uint_eq(lh_snapshot_header(s)->gc_was_running, 0);
		ck_assert(lh_snapshot_header(s)->flags & LH_FLAG_GARBAGE);
		lh_snapshot_free(s);
		lua_gc(L, LUA_GCRESTART);
		/* the mode is unchanged: switching back reports the old one */
		ck_assert_int_eq(lua_gc(L, gen ? LUA_GCGEN : LUA_GCINC, 0, 0),
		                 gen ? LUA_GCGEN : LUA_GCINC);
		lua_close(L);
	}
	tl_rm_dir(scratch);
}
END_TEST

START_TEST(release_check_accepts_the_running_lua_and_errors_name_the_file)
{
	lua_State *L;
	char buf[256];
	lh_error err;

	ck_assert_ptr_null(lh_dump__check_release(buf, sizeof(buf)));
	ck_assert_str_eq(lh_dump_built_for(), LUA_RELEASE);
	/* another release is named in the refusal */
	ck_assert_ptr_nonnull(lh_dump__compare_release("$LuaVersion: Lua 5.4.6"
	        "  Copyright (C) 1994-2023 Lua.org, PUC-Rio $$LuaAuthors: "
	        "R. Ierusalimschy $", buf, sizeof(buf)));
	ck_assert_str_eq(buf, "built for " LUA_RELEASE " but running in Lua 5.4.6");
	ck_assert_ptr_nonnull(lh_dump__compare_release("$LuaVersion: "
	        LUA_RELEASE "0  Copyright $", buf, sizeof(buf)));
	ck_assert_ptr_nonnull(lh_dump__compare_release("something else", buf,
	                                               sizeof(buf)));
	ck_assert_ptr_nonnull(strstr(buf, "unknown Lua"));
	ck_assert_ptr_null(lh_dump__compare_release(lua_ident, buf, sizeof(buf)));
	L = tl_new_state(0);
	ck_assert_int_eq(lh_dump_write(L, "/nonexistent/dir/x.snap", NULL, NULL,
	                               &err), LH_EIO);
	ck_assert_int_eq(err.code, LH_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "'/nonexistent/dir/x.snap'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
	/* argument misuse raises; environment failures return nil, message */
	tl_run(L, "local l = require 'luaheap' "
	       "assert(not pcall(l.dump)) "
	       "assert(not pcall(l.dump, 'x', { format = 'xml' })) "
	       "assert(not pcall(l.dump, 'x', { collect = 1 })) "
	       "assert(not pcall(l.dump, 'x', { strings = -1 })) "
	       "assert(not pcall(l.dump, 'x', { frobnicate = true })) "
	       "local ok, msg = l.dump('/nonexistent/dir/x.snap') "
	       "assert(ok == nil and msg:find('/nonexistent/dir/x.snap', 1, true))");
	lua_close(L);
}
END_TEST

/* The deprecated 0.1.0 names still work: 0 or -1, the message copied into
 * errbuf and cut to errlen, the same file written as by lh_dump_write. */
START_TEST(deprecated_names_wrap_the_lh_dump_calls)
{
	lua_State *L;
	luaheap_dump_opts o;
	luaheap_dump_stats st;
	luaheap_arm_opts a;
	char err[512], small[12];
	lh_snapshot *s;

	scratch_make();
	L = tl_new_state(0);
	luaheap_dump_opts_init(&o);
	ck_assert_int_eq(o.encoding, LUAHEAP_BINARY);
	o.encoding = LUAHEAP_JSON;
	ck_assert_msg(luaheap_dump_ex(L, spath("old.json"), &o, &st, err,
	                              sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(st.object_bytes + st.vm_overhead_bytes,
	                  st.lua_total_bytes);
	s = load(spath("old.json"));
	ck_assert_uint_eq(lh_snapshot_count(s), st.objects);
	lh_snapshot_free(s);
	ck_assert_int_eq(luaheap_dump(L, spath("old.snap"), NULL, err,
	                              sizeof(err)), 0);
	ck_assert_int_eq(luaheap_dump(L, "/nonexistent/dir/x.snap", NULL, err,
	                              sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot write snapshot '/nonexistent/dir/x.snap'"
	                 ": cannot create a temporary file: No such file or "
	                 "directory");
	ck_assert_int_eq(luaheap_dump(L, "", NULL, small, sizeof(small)), -1);
	ck_assert_str_eq(small, "cannot writ");
	ck_assert_str_eq(luaheap_built_for(), lh_dump_built_for());
	luaheap_arm_opts_init(&a);
	ck_assert_int_eq(a.dump.collect, 1);
	ck_assert_int_eq(luaheap_arm(L, &a, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot arm: no directory given");
	ck_assert_int_eq(luaheap_poll(L), 0);
	ck_assert_int_eq(luaheap_disarm(L), 0);
	lua_close(L);
	unlink(spath("old.json"));
	unlink(spath("old.snap"));
	rmdir(scratch);
}
END_TEST

/* The frame CRC is CRC-32C, from the instruction and from the tables alike,
 * as a bit-at-a-time oracle computes it; the stream CRC, made by combining
 * the frames' CRCs, equals the CRC of all payloads run through at once. */
static uint32_t crc32c_bitwise(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n-- > 0) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

START_TEST(crc_is_crc32c_and_combining_equals_running_through)
{
	static uint32_t tab[LH_CRC32C_TABLE_WORDS];
	static unsigned char buf[4096];
	uint32_t whole, a, b;
	unsigned i, cut, len;
	int hw;

	lh_crc32c_init(tab);
	for (hw = 1; hw >= 0; hw--) {
		lh_dump__crc_hw(hw);
		ck_assert_uint_eq(lh_dump__crc(tab, 0, "123456789", 9), 0xe3069283u);
		ck_assert_uint_eq(lh_dump__crc(tab, 0, "", 0), 0);
		srand(7);
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)rand();
		for (i = 0; i < 500; i++) {
			len = (unsigned)rand() % sizeof(buf);
			cut = len ? (unsigned)rand() % (len + 1) : 0;
			whole = lh_dump__crc(tab, 0, buf, len);
			ck_assert_uint_eq(whole, crc32c_bitwise(buf, len));
			/* continuing a CRC is the same as one run */
			ck_assert_uint_eq(lh_dump__crc(tab, lh_dump__crc(tab, 0, buf, cut),
			                  buf + cut, len - cut), whole);
			a = lh_dump__crc(tab, 0, buf, cut);
			b = lh_dump__crc(tab, 0, buf + cut, len - cut);
			ck_assert_uint_eq(lh_dump__crc_combine(a, b, len - cut), whole);
		}
	}
	lh_dump__crc_hw(1);
}
END_TEST

Suite *dump_suite(void)
{
	Suite *s = suite_create("dump");
	TCase *tc = tcase_create("dump");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, accounting_is_exact_in_incremental_mode);
	tcase_add_test(tc, accounting_is_exact_in_generational_mode);
	tcase_add_test(tc, lua_oracle_holds_in_incremental_mode);
	tcase_add_test(tc, lua_oracle_holds_in_generational_mode);
	tcase_add_test(tc, edge_oracle_finds_every_known_reference_with_its_label);
	tcase_add_test(tc, binary_and_json_of_one_heap_load_to_the_same_contents);
	tcase_add_test(tc, million_long_list_and_million_deep_nesting_dump_whole);
	tcase_add_test(tc, string_options_cut_or_drop_contents_and_label_is_kept);
	tcase_add_test(tc, dump_from_a_finalizer_records_the_pending_ones_as_roots);
	tcase_add_test(tc, thread_status_is_relative_to_the_dumping_coroutine);
	tcase_add_test(tc, collector_is_left_as_it_was_found);
	tcase_add_test(tc, release_check_accepts_the_running_lua_and_errors_name_the_file);
	tcase_add_test(tc, crc_is_crc32c_and_combining_equals_running_through);
	tcase_add_test(tc, deprecated_names_wrap_the_lh_dump_calls);
	suite_add_tcase(s, tc);
	return s;
}
