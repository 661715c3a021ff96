/*
 * The heap walker: reads the collector's own lists ('allgc', 'finobj',
 * 'tobefnz', 'fixedgc') once, linearly, and hands every object, its exact
 * size (what 'freeobj' in lgc.c would free) and its references to the
 * encoder. Only Lua's structures are read: no Lua API call, no allocation
 * in the state, no metamethod, no recursion.
 */
#define _GNU_SOURCE 1   /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lobject.h"
#include "lstate.h"
#include "ltable.h"
#include "lfunc.h"
#include "lstring.h"
#include "lgc.h"
#include "ltm.h"
#include "ldebug.h"

#include "internal.h"
#include "lua_tree.h"

/* lstate.c's private layouts: a thread is its extra space then the state;
 * the main thread's block also holds the global state. */
typedef struct walk_LX {
	lu_byte extra_[LUA_EXTRASPACE];
	lua_State l;
} walk_LX;

typedef struct walk_LG {
	walk_LX l;
	global_State g;
} walk_LG;

#define ADDR(p) ((uint64_t)(uintptr_t)(p))

#if LH_LUA_SHARED
static int note_shared(lh_dump_ctx *d, uint64_t a);
#endif

static void emit(lh_dump_ctx *d, lh_dump_edge *e)
{
#if LH_LUA_SHARED
	/* another state's objects that this one references are recorded too
	 * (their labels' strings as well); a shared object references only
	 * shared ones, never its own state's private objects */
	unsigned k = e->kind & LH_EDGE_KIND_MASK;
	if (!note_shared(d, e->to))
		return;
	if (e->a != 0 && (k == LH_E_FIELD_STR || k == LH_E_FIELD_OBJ ||
	    k == LH_E_UPVALUE || k == LH_E_STACK))
		note_shared(d, e->a);
#endif
	d->enc->edge(d, e);
	d->nedges++;
}

/* An edge of 'kind' to v's object, if v holds one; label fields from e. */
static void value_edge(lh_dump_ctx *d, unsigned kind, const TValue *v,
                       lh_dump_edge *e)
{
	if (iscollectable(v)) {
		e->kind = kind;
		e->to = ADDR(gcvalue(v));
		emit(d, e);
	}
}

static void object_edge(lh_dump_ctx *d, unsigned kind, const void *to)
{
	lh_dump_edge e;

	if (to == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.to = ADDR(to);
	emit(d, &e);
}

static void indexed_edge(lh_dump_ctx *d, unsigned kind, const void *to,
                         int64_t index)
{
	lh_dump_edge e;

	if (to == NULL)
		return;
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.to = ADDR(to);
	e.i = index;
	emit(d, &e);
}

/* ---- tables ---- */

static unsigned real_asize(const Table *t)
{
	unsigned size = t->alimit;

	if (isrealasize(t) || (size & (size - 1)) == 0)
		return size;
	/* otherwise the smallest power of 2 above 'alimit' (ltable.c) */
	size |= size >> 1;
	size |= size >> 2;
	size |= size >> 4;
	size |= size >> 8;
	size |= size >> 16;
	return size + 1;
}

/* Whether short strings a and b are equal (eqshrstr): one object in Lua,
 * where short strings are interned; a fork that shares strings between
 * states may hold equal ones at two addresses (skynet compares contents). */
static int same_shortstr(const TString *a, const TString *b)
{
#if LH_LUA_SHARED
	if (a != b)
		return a->hash == b->hash && a->shrlen == b->shrlen &&
		       memcmp(getstr(a), getstr(b), a->shrlen) == 0;
#endif
	return a == b;
}

/* The value of short-string key 'key' in t's hash part, or NULL; follows
 * the collision chain as luaH_getshortstr does, with no side effect. */
static const TValue *get_shortstr(const Table *t, const TString *key)
{
	const Node *n;
	int steps = sizenode(t);

	if (key == NULL)
		return NULL;
	n = gnode(t, lmod(key->hash, sizenode(t)));
	while (steps-- > 0) {
		if (keyisshrstr(n) && same_shortstr(keystrval(n), key))
			return gval(n);
		if (gnext(n) == 0)
			break;
		n += gnext(n);
	}
	return NULL;
}

/* The table's weak mode, read from its metatable's __mode as lgc.c does. */
static int weak_mode(global_State *g, const Table *t)
{
	const TValue *mode;
	const char *s;
	int w = LH_WEAK_NONE;

	if (t->metatable == NULL)
		return w;
	mode = get_shortstr(t->metatable, g->tmname[TM_MODE]);
	if (mode == NULL || !ttisstring(mode))
		return w;
	s = getstr(tsvalue(mode));
	if (strchr(s, 'k'))
		w |= LH_WEAK_KEYS;
	if (strchr(s, 'v'))
		w |= LH_WEAK_VALUES;
	return w;
}

/* Flags of a value edge in a table of weak mode w whose key is (or is not)
 * a collectable non-string object. Strings are values: never weak. */
static unsigned value_flags(int w, const TValue *v, int objkey)
{
	if ((w & LH_WEAK_VALUES) && !ttisstring(v))
		return LH_EDGE_WEAK;
	if ((w & LH_WEAK_KEYS) && objkey)
		return LH_EDGE_EPHEMERON;
	return 0;
}

static void walk_table(lh_dump_ctx *d, global_State *g, Table *t,
                       lh_dump_object *ob)
{
	unsigned asize = real_asize(t), nsize = isdummy(t) ? 0 : sizenode(t);
	unsigned i;
	int w = weak_mode(g, t);
	lh_dump_edge e;

	ob->size = sizeof(Table) + (uint64_t)nsize * sizeof(Node) +
	           (uint64_t)asize * sizeof(TValue);
	ob->u.tab.asize = asize;
	ob->u.tab.nodes = nsize;
	ob->u.tab.weak = w;
	ob->u.tab.array_entries = ob->u.tab.hash_entries = 0;
	d->enc->object_begin(d, ob);

	object_edge(d, LH_E_METATABLE, t->metatable);
	memset(&e, 0, sizeof(e));
	for (i = 0; i < asize; i++) {
		const TValue *v = &t->array[i];
		if (isempty(v))
			continue;
		ob->u.tab.array_entries++;
		e.i = (int64_t)i + 1;
		value_edge(d, LH_E_ARRAY | value_flags(w, v, 0), v, &e);
	}
	for (i = 0; i < nsize; i++) {
		const Node *n = gnode(t, i);
		const TValue *v = gval(n);
		int kt = keytt(n), objkey = 0;
		unsigned kind;

		if (isempty(v) || lh_keyisdead(n))
			continue;
		ob->u.tab.hash_entries++;
		memset(&e, 0, sizeof(e));
		switch (kt) {
		case LUA_VNUMINT:
			kind = LH_E_FIELD_INT;
			e.i = keyval(n).i;
			break;
		case LUA_VNUMFLT:
			kind = LH_E_FIELD_NUM;
			e.d = keyval(n).n;
			break;
		case LUA_VFALSE:
		case LUA_VTRUE:
			kind = LH_E_FIELD_BOOL;
			e.i = kt == LUA_VTRUE;
			break;
		case LUA_VLIGHTUSERDATA:
			kind = LH_E_FIELD_LIGHT;
			e.a = ADDR(keyval(n).p);
			break;
		case LUA_VLCF:
			kind = LH_E_FIELD_LIGHT;
			e.a = (uint64_t)(uintptr_t)keyval(n).f;
			break;
		case ctb(LUA_VSHRSTR):
		case ctb(LUA_VLNGSTR):
			kind = LH_E_FIELD_STR;
			e.a = ADDR(gckey(n));
			if (!iscollectable(v))   /* no field edge to carry the key */
				object_edge(d, LH_E_KEY, gckey(n));
			break;
		default:
			if (!keyiscollectable(n))
				continue;        /* no other key type exists */
			kind = LH_E_FIELD_OBJ;
			objkey = 1;
			e.a = ADDR(gckey(n));
			object_edge(d, LH_E_KEY | ((w & LH_WEAK_KEYS) ?
			            LH_EDGE_WEAK : 0), gckey(n));
			break;
		}
		value_edge(d, kind | value_flags(w, v, objkey), v, &e);
	}
	d->enc->object_end(d, ob);
}

/* ---- functions, upvalues, prototypes ---- */

static const char *symbol_of(lh_dump_ctx *d, lua_CFunction f)
{
	uint64_t a = (uint64_t)(uintptr_t)f;
	unsigned slot = (unsigned)(a >> 4) & 63;
	Dl_info info;
	const char *s = "";

	if (d->symcache[slot].sym != NULL && d->symcache[slot].f == a)
		return d->symcache[slot].sym;
	/* only an exact match names the function: the nearest exported
	 * symbol before a static function would be someone else's name */
	if (dladdr((void *)(uintptr_t)f, &info) && info.dli_sname != NULL &&
	    info.dli_saddr == (void *)(uintptr_t)f)
		s = info.dli_sname;
	d->symcache[slot].f = a;
	d->symcache[slot].sym = s;
	return s;
}

static void walk_lclosure(lh_dump_ctx *d, LClosure *cl, lh_dump_object *ob)
{
	const Proto *p = cl->p;
	int i;

	ob->size = (uint64_t)sizeLclosure(cl->nupvalues);
	ob->u.fn.nupvalues = cl->nupvalues;
	d->enc->object_begin(d, ob);
	object_edge(d, LH_E_PROTO, p);
	for (i = 0; i < cl->nupvalues; i++) {
		lh_dump_edge e;
		if (cl->upvals[i] == NULL)
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = LH_E_UPVALUE;
		e.to = ADDR(cl->upvals[i]);
		e.i = i + 1;
		if (p != NULL && i < p->sizeupvalues)
			e.a = ADDR(p->upvalues[i].name);
		emit(d, &e);
	}
	d->enc->object_end(d, ob);
}

static void walk_cclosure(lh_dump_ctx *d, CClosure *cl, lh_dump_object *ob)
{
	lh_dump_edge e;
	int i;

	ob->size = (uint64_t)sizeCclosure(cl->nupvalues);
	ob->u.fn.nupvalues = cl->nupvalues;
	ob->u.fn.cfunc = (uint64_t)(uintptr_t)cl->f;
	ob->u.fn.symbol = symbol_of(d, cl->f);
	d->enc->object_begin(d, ob);
	memset(&e, 0, sizeof(e));
	for (i = 0; i < cl->nupvalues; i++) {
		e.i = i + 1;
		value_edge(d, LH_E_UPVALUE, &cl->upvalue[i], &e);
	}
	d->enc->object_end(d, ob);
}

static void walk_upval(lh_dump_ctx *d, UpVal *uv, lh_dump_object *ob)
{
	lh_dump_edge e;

	ob->size = sizeof(UpVal);
	ob->u.uv.is_open = upisopen(uv);
	d->enc->object_begin(d, ob);
	memset(&e, 0, sizeof(e));
	value_edge(d, LH_E_UPVAL_VALUE, lh_upval_value(uv), &e);
	d->enc->object_end(d, ob);
}

static void walk_proto(lh_dump_ctx *d, Proto *p, lh_dump_object *ob)
{
	lh_dump_edge e;
	int i;

	ob->size = sizeof(Proto) +
	           (uint64_t)p->sizecode * sizeof(Instruction) +
	           (uint64_t)p->sizep * sizeof(Proto *) +
	           (uint64_t)p->sizek * sizeof(TValue) +
	           (uint64_t)p->sizelineinfo * sizeof(ls_byte) +
	           (uint64_t)p->sizeabslineinfo * sizeof(AbsLineInfo) +
	           (uint64_t)p->sizelocvars * sizeof(LocVar) +
	           (uint64_t)p->sizeupvalues * sizeof(Upvaldesc);
	ob->u.pr.linedefined = p->linedefined > 0 ? (uint64_t)p->linedefined : 0;
	ob->u.pr.lastlinedefined = p->lastlinedefined > 0 ?
	                           (uint64_t)p->lastlinedefined : 0;
	ob->u.pr.numparams = p->numparams;
	ob->u.pr.is_vararg = p->is_vararg;
	ob->u.pr.maxstacksize = p->maxstacksize;
	ob->u.pr.sizecode = p->sizecode > 0 ? (uint64_t)p->sizecode : 0;
	ob->u.pr.source = ADDR(p->source);
	d->enc->object_begin(d, ob);

	object_edge(d, LH_E_SOURCE, p->source);
	memset(&e, 0, sizeof(e));
	for (i = 0; i < p->sizek; i++) {
		e.i = i + 1;
		value_edge(d, LH_E_CONSTANT, &p->k[i], &e);
	}
	for (i = 0; i < p->sizep; i++)
		indexed_edge(d, LH_E_CHILD, p->p[i], i + 1);
	/* debug names: upvalues 1..sizeupvalues, then locals */
	for (i = 0; i < p->sizeupvalues; i++)
		indexed_edge(d, LH_E_DEBUG_NAME, p->upvalues[i].name, i + 1);
	for (i = 0; i < p->sizelocvars; i++)
		indexed_edge(d, LH_E_DEBUG_NAME, p->locvars[i].varname,
		             (int64_t)p->sizeupvalues + i + 1);
	d->enc->object_end(d, ob);
}

/* ---- userdata and strings ---- */

static void walk_udata(lh_dump_ctx *d, Udata *u, lh_dump_object *ob)
{
	lh_dump_edge e;
	int i;

	ob->size = sizeudata(u->nuvalue, u->len);
	ob->u.ud.length = u->len;
	ob->u.ud.nuvalue = u->nuvalue;
	d->enc->object_begin(d, ob);
	object_edge(d, LH_E_METATABLE, u->metatable);
	memset(&e, 0, sizeof(e));
	for (i = 0; i < u->nuvalue; i++) {
		e.i = i + 1;
		value_edge(d, LH_E_USER_VALUE, &u->uv[i].uv, &e);
	}
	d->enc->object_end(d, ob);
}

static void walk_string(lh_dump_ctx *d, TString *ts, lh_dump_object *ob)
{
	size_t len = ts->tt == LUA_VSHRSTR ? ts->shrlen : ts->u.lnglen;
	uint64_t stored = len;

	if (d->string_limit >= 0 && stored > (uint64_t)d->string_limit)
		stored = (uint64_t)d->string_limit;
	if (d->names_only && !lh_dump__name_like(getstr(ts), len,
	    ts->tt == LUA_VSHRSTR))
		stored = 0;
	if (stored > LH_STORED_MAX)
		stored = LH_STORED_MAX;
	ob->size = sizelstring(len);
	ob->u.str.is_long = ts->tt == LUA_VLNGSTR;
	ob->u.str.length = len;
	ob->u.str.stored = stored;
	ob->u.str.bytes = getstr(ts);
	d->enc->object_begin(d, ob);
	d->enc->object_end(d, ob);
}

/* ---- threads ---- */

/* As coroutine.status would report th to L (auxstatus in lcorolib.c). */
static int thread_status(lua_State *L, lua_State *th)
{
	if (th == L)
		return LH_THREAD_RUNNING;
	if (th->status == LUA_YIELD)
		return LH_THREAD_SUSPENDED;
	if (th->status != LUA_OK || th->ci == NULL)
		return LH_THREAD_DEAD;
	if (th->ci != &th->base_ci)
		return LH_THREAD_NORMAL;          /* it has frames: it resumed one */
	if (lh_stk(th->top) - (lh_stk(th->ci->func) + 1) == 0)
		return LH_THREAD_DEAD;            /* finished, empty stack */
	return LH_THREAD_SUSPENDED;               /* not started yet */
}

/* The Lua function running in ci, or NULL. */
static const Proto *frame_proto(CallInfo *ci)
{
	const TValue *f = s2v(lh_stk(ci->func));

	if (!isLua(ci) || !ttisLclosure(f))
		return NULL;
	return clLvalue(f)->p;
}

static int frame_pc(CallInfo *ci, const Proto *p)
{
	int pc = pcRel(ci->u.l.savedpc, p);

	if (pc < 0)
		pc = 0;
	if (pc >= p->sizecode)
		pc = p->sizecode - 1;
	return pc;
}

/* The source line of instruction pc, 0 unknown (luaG_getfuncline, with a
 * binary search of 'abslineinfo' for the base line). */
static uint64_t func_line(const Proto *p, int pc)
{
	int basepc, line, lo, hi;

	if (p->lineinfo == NULL || pc < 0 || pc >= p->sizelineinfo)
		return 0;
	if (p->sizeabslineinfo == 0 || pc < p->abslineinfo[0].pc) {
		basepc = -1;
		line = p->linedefined;
	} else {
		lo = 0;                  /* abslineinfo[lo].pc <= pc */
		hi = p->sizeabslineinfo;
		while (hi - lo > 1) {
			int mid = lo + (hi - lo) / 2;
			if (p->abslineinfo[mid].pc <= pc)
				lo = mid;
			else
				hi = mid;
		}
		basepc = p->abslineinfo[lo].pc;
		line = p->abslineinfo[lo].line;
	}
	while (basepc++ < pc)
		line += p->lineinfo[basepc];
	return line > 0 ? (uint64_t)line : 0;
}

/* The names of the active locals of a Lua frame, in register order: the
 * n-th call gives the name of register n-1 (luaF_getlocalname). */
typedef struct local_iter {
	const Proto *p;
	int pc, i;
} local_iter;

static const TString *next_local(local_iter *it)
{
	const Proto *p = it->p;

	if (p == NULL)
		return NULL;
	while (it->i < p->sizelocvars && p->locvars[it->i].startpc <= it->pc) {
		const LocVar *lv = &p->locvars[it->i++];
		if (it->pc < lv->endpc)
			return lv->varname;
	}
	it->p = NULL;                     /* no more: temporaries */
	return NULL;
}

/* CallInfos allocated beyond 'base_ci', counted on the list itself:
 * 'nci' is an unsigned short that wraps past 65,535 (luaE_extendCI). */
static uint64_t count_ci(const lua_State *th)
{
	const CallInfo *ci;
	uint64_t n = 0;

	for (ci = th->base_ci.next; ci != NULL; ci = ci->next)
		n++;
	return n;
}

static void walk_thread(lh_dump_ctx *d, lua_State *L, lua_State *th,
                        lh_dump_object *ob)
{
	CallInfo *ci;
	StkId upper, lo, s, stack = lh_stk(th->stack);
	uint64_t nframes = 0, f, nci = count_ci(th);
	lh_dump_edge e;
	UpVal *uv;

	/* what luaE_freethread frees: the block, the CallInfos, the stack */
	ob->size = sizeof(walk_LX) + nci * sizeof(CallInfo);
	if (stack != NULL)
		ob->size += (uint64_t)(lh_stack_slots(th) + EXTRA_STACK) *
		            sizeof(StackValue);
	ob->u.th.status = thread_status(L, th);
	ob->u.th.stack_slots = stack != NULL ? (uint64_t)lh_stack_slots(th) : 0;
	ob->u.th.nci = nci;
	if (stack != NULL)
		for (ci = th->ci; ci != NULL; ci = ci->previous)
			nframes++;
	ob->u.th.frame_count = nframes;
	d->enc->object_begin(d, ob);

	if (nframes > 0) {
		for (ci = th->ci; ci != NULL; ci = ci->previous) {
			lh_dump_frame fr;
			const TValue *fv = s2v(lh_stk(ci->func));
			const Proto *p = frame_proto(ci);
			fr.func = iscollectable(fv) ? ADDR(gcvalue(fv)) : 0;
			fr.is_lua = isLua(ci) != 0;
			fr.proto = ADDR(p);
			fr.line = p != NULL ? func_line(p, frame_pc(ci, p)) : 0;
			d->enc->frame(d, &fr);
		}
		/* stack slots, frame by frame from the innermost: each frame
		 * owns [its function, the next frame's function) */
		upper = lh_stk(th->top);
		if (upper > lh_stk(th->stack_last) + EXTRA_STACK)
			upper = lh_stk(th->stack_last) + EXTRA_STACK;
		for (ci = th->ci, f = 0; ci != NULL; ci = ci->previous, f++) {
			local_iter it;
			lo = lh_stk(ci->func);
			if (lo < stack)
				lo = stack;
			if (lo > upper)
				lo = upper;
			it.p = frame_proto(ci);
			it.pc = it.p != NULL ? frame_pc(ci, it.p) : 0;
			it.i = 0;
			for (s = lo; s < upper; s++) {
				const TString *name = s > lo ? next_local(&it) : NULL;
				memset(&e, 0, sizeof(e));
				e.i = (int64_t)f;
				e.slot = (uint64_t)(s - lo);
				e.a = ADDR(name);
				value_edge(d, LH_E_STACK, s2v(s), &e);
			}
			upper = lo;
		}
	}
	for (uv = th->openupval; uv != NULL; uv = uv->u.open.next)
		object_edge(d, LH_E_OPEN_UPVAL, uv);  /* traversethread marks them */
	d->enc->object_end(d, ob);
}

/* ---- the lists ---- */

static void walk_object(lh_dump_ctx *d, lua_State *L, global_State *g,
                        GCObject *o, int list)
{
	lh_dump_object ob;

	memset(&ob, 0, sizeof(ob));
	ob.list = list;
	ob.marked = o->marked;
	if (o->tt == LUA_VTABLE)
		ob.marked &= ~(unsigned)lh_table_marked_bits;
	ob.shared = lh_isshared(o) != 0;
	ob.addr = ADDR(o);
	switch (o->tt) {
	case LUA_VSHRSTR:
	case LUA_VLNGSTR:
		ob.type = LH_T_STRING;
		walk_string(d, gco2ts(o), &ob);
		break;
	case LUA_VTABLE:
		ob.type = LH_T_TABLE;
		walk_table(d, g, gco2t(o), &ob);
		break;
	case LUA_VLCL:
		ob.type = LH_T_LFUNC;
		walk_lclosure(d, gco2lcl(o), &ob);
		break;
	case LUA_VCCL:
		ob.type = LH_T_CFUNC;
		walk_cclosure(d, gco2ccl(o), &ob);
		break;
	case LUA_VUSERDATA:
		ob.type = LH_T_USERDATA;
		walk_udata(d, gco2u(o), &ob);
		break;
	case LUA_VTHREAD:
		ob.type = LH_T_THREAD;
		walk_thread(d, L, gco2th(o), &ob);
		break;
	case LUA_VPROTO:
		ob.type = LH_T_PROTO;
		walk_proto(d, gco2p(o), &ob);
		break;
	case LUA_VUPVAL:
		ob.type = LH_T_UPVALUE;
		walk_upval(d, gco2upv(o), &ob);
		break;
	default:
		return;                   /* no other collectable type exists */
	}
	d->nobjects++;
	if (list != LH_LIST_SHARED)       /* not in this state's count */
		d->object_bytes += ob.size;
}

#if LH_LUA_SHARED
/* ---- objects shared between states (forks) ---- */

/*
 * A fork may share objects between its states (skynet: isshared, made by
 * lua_sharestring, lua_sharefunction, its sharetable and code cache). They
 * stay on the lists of the state that made them; another state reaches
 * them by reference only. Those are recorded too, once each, after this
 * state's lists: a set of their addresses (malloc, never the Lua state)
 * with the addresses of this state's own shared objects, which are
 * recorded on their lists, and a queue of those still to walk.
 */
static size_t shared_slot(const lh_dump_ctx *d, uint64_t a)
{
	size_t i = (size_t)((a >> 4) * 0x9E3779B97F4A7C15ull) &
	           (d->shared_cap - 1);

	while (d->shared_set[i] != 0 && d->shared_set[i] != a)
		i = (i + 1) & (d->shared_cap - 1);
	return i;
}

/* Adds a to the set; returns 1 if it was new, 0 if known, -1 no memory. */
static int shared_add(lh_dump_ctx *d, uint64_t a)
{
	size_t i;

	if (2 * (d->shared_n + 1) > d->shared_cap) {
		size_t old = d->shared_cap, cap = old ? old * 2 : 256, k;
		uint64_t *prev = d->shared_set;
		d->shared_set = calloc(cap, sizeof(uint64_t));
		if (d->shared_set == NULL) {
			d->shared_set = prev;
			return -1;
		}
		d->shared_cap = cap;
		for (k = 0; k < old; k++)
			if (prev[k] != 0)
				d->shared_set[shared_slot(d, prev[k])] = prev[k];
		free(prev);
	}
	i = shared_slot(d, a);
	if (d->shared_set[i] == a)
		return 0;
	d->shared_set[i] = a;
	d->shared_n++;
	return 1;
}

/* Queues the object at a if it is shared and not yet known; returns
 * whether an edge to it may be written. */
static int note_shared(lh_dump_ctx *d, uint64_t a)
{
	GCObject *o = (GCObject *)(uintptr_t)a;
	int r;

	if (!isshared(o))
		return !d->in_foreign;   /* another state's private object */
	if ((r = shared_add(d, a)) <= 0) {
		if (r < 0)
			d->out.err = ENOMEM;
		return 1;
	}
	if (d->shared_qn == d->shared_qcap) {
		size_t cap = d->shared_qcap ? d->shared_qcap * 2 : 64;
		void **q = realloc(d->shared_queue, cap * sizeof(void *));
		if (q == NULL) {
			d->out.err = ENOMEM;
			return 1;
		}
		d->shared_queue = q;
		d->shared_qcap = cap;
	}
	d->shared_queue[d->shared_qn++] = o;
	return 1;
}

/* This state's own shared objects, which its lists record. */
static void own_shared(lh_dump_ctx *d, global_State *g)
{
	GCObject *lists[4], *o;
	int k;

	lists[0] = g->allgc;
	lists[1] = g->finobj;
	lists[2] = g->tobefnz;
	lists[3] = g->fixedgc;
	for (k = 0; k < 4; k++)
		for (o = lists[k]; o != NULL; o = o->next)
			if (isshared(o) && shared_add(d, ADDR(o)) < 0)
				d->out.err = ENOMEM;
}

static void walk_object(lh_dump_ctx *d, lua_State *L, global_State *g,
                        GCObject *o, int list);

/* The other states' shared objects this state references, and theirs. */
static void walk_foreign(lh_dump_ctx *d, lua_State *L, global_State *g)
{
	d->in_foreign = 1;
	while (d->shared_qn > 0 && d->out.err == 0)
		walk_object(d, L, g, d->shared_queue[--d->shared_qn],
		            LH_LIST_SHARED);
	d->in_foreign = 0;
	free(d->shared_set);
	free(d->shared_queue);
	d->shared_set = NULL;
	d->shared_queue = NULL;
	d->shared_cap = d->shared_n = d->shared_qn = d->shared_qcap = 0;
}
#endif

/* How many objects ahead of the walk a second pointer runs down the list,
 * asking for their memory: list order is not address order, so without it
 * every object would cost a full cache miss. */
#define AHEAD 8

/* The runner's step: p is in cache (it was prefetched a step ago); asks
 * for its successor and for p's own separate parts (a table's arrays). */
static const GCObject *run_ahead(const GCObject *p)
{
	if (p == NULL)
		return NULL;
	if (p->tt == LUA_VTABLE) {
		const Table *t = gco2t(p);
		__builtin_prefetch(t->node);
		if (t->array != NULL)
			__builtin_prefetch(t->array);
	}
	if (p->next != NULL)
		__builtin_prefetch(p->next);
	return p->next;
}

/* Walks one list; returns whether the main thread was on it. */
static int walk_list(lh_dump_ctx *d, lua_State *L, global_State *g,
                     GCObject *o, int list)
{
	GCObject *main = obj2gco(g->mainthread);
	const GCObject *ahead = o;
	int seen = 0, k;

	for (k = 0; k < AHEAD; k++)
		ahead = run_ahead(ahead);
	for (; o != NULL && d->out.err == 0; o = o->next) {
		ahead = run_ahead(ahead);
		if (o == main)
			seen = 1;
		walk_object(d, L, g, o, o == main ? LH_LIST_MAIN : list);
		if (list == LH_LIST_TOBEFNZ)
			d->ntobefnz++;
	}
	return seen;
}

static void root(lh_dump_ctx *d, int kind, const void *o, uint64_t index)
{
	if (o == NULL)
		return;
	d->enc->root(d, kind, ADDR(o), index);
	d->nroots++;
}

void lh_dump__walk(lh_dump_ctx *d, lua_State *L, lh_dump_header *h)
{
	global_State *g = G(L);
	const Table *registry = ttistable(&g->l_registry) ?
	                        hvalue(&g->l_registry) : NULL;
	GCObject *o;
	int seen = 0, i;

	h->f[LH_H_LUA_RELEASE].s = LUA_RELEASE;
	h->f[LH_H_LUA_RELEASE].len = strlen(LUA_RELEASE);
	h->f[LH_H_LUA_VERSION_NUM].u = LUA_VERSION_NUM;
	h->f[LH_H_POINTER_SIZE].u = sizeof(void *);
	h->f[LH_H_GC_MODE].u = isdecGCmodegen(g) ? LH_GC_GENERATIONAL
	                                         : LH_GC_INCREMENTAL;
	h->f[LH_H_GC_STATE].u = g->gcstate;
	h->f[LH_H_GC_PAUSE].u = getgcparam(g->gcpause);
	h->f[LH_H_GC_STEPMUL].u = getgcparam(g->gcstepmul);
	h->f[LH_H_GC_STEPSIZE].u = g->gcstepsize;
	h->f[LH_H_GC_GENMINORMUL].u = g->genminormul;
	h->f[LH_H_GC_GENMAJORMUL].u = getgcparam(g->genmajormul);
	h->f[LH_H_LUA_TOTAL_BYTES].u = gettotalbytes(g);
	h->f[LH_H_OVERHEAD_STATE].u = sizeof(walk_LG) - sizeof(walk_LX);
	h->f[LH_H_OVERHEAD_STRTAB].u = (uint64_t)g->strt.size * sizeof(TString *);
	h->f[LH_H_VM_OVERHEAD_BYTES].u = h->f[LH_H_OVERHEAD_STATE].u +
	                                 h->f[LH_H_OVERHEAD_STRTAB].u;
	h->f[LH_H_MAIN_THREAD].u = ADDR(g->mainthread);
	h->f[LH_H_REGISTRY].u = ADDR(registry);
	d->enc->header(d, h);

#if LH_LUA_SHARED
	own_shared(d, g);
#endif
	seen |= walk_list(d, L, g, g->allgc, LH_LIST_ALLGC);
	seen |= walk_list(d, L, g, g->finobj, LH_LIST_FINOBJ);
	seen |= walk_list(d, L, g, g->tobefnz, LH_LIST_TOBEFNZ);
	seen |= walk_list(d, L, g, g->fixedgc, LH_LIST_FIXED);
	if (!seen)      /* the main thread is on 'allgc' in 5.4, but be sure */
		walk_object(d, L, g, obj2gco(g->mainthread), LH_LIST_MAIN);
#if LH_LUA_SHARED
	walk_foreign(d, L, g);
#endif

	root(d, LH_ROOT_REGISTRY, registry, 0);
	root(d, LH_ROOT_MAIN_THREAD, g->mainthread, 0);
	for (i = 0; i < (int)(sizeof(g->mt) / sizeof(g->mt[0])); i++)
		root(d, LH_ROOT_TYPE_MT, g->mt[i], (uint64_t)i);
	for (o = g->tobefnz; o != NULL; o = o->next)
		root(d, LH_ROOT_FINALIZER, o, 0);
}

/* Checks that this file's idea of lstate.c's layout matches the running
 * state: the global state sits where walk_LG puts it. */
int lh_dump__layout_ok(lua_State *L)
{
	global_State *g = G(L);
	const char *main = (const char *)g->mainthread;

	return (const char *)g - main ==
	       (ptrdiff_t)(offsetof(walk_LG, g) - offsetof(walk_LX, l));
}
