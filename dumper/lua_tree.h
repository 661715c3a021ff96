/*
 * What differs between the Lua 5.4 trees the dumper is built against, named
 * once: the LH_LUA_* definitions come from compile probes of the tree's own
 * headers at configure time (cmake/LuaTree.cmake). Include after the tree's
 * internal headers.
 */
#ifndef LUAHEAP_DUMPER_LUA_TREE_H
#define LUAHEAP_DUMPER_LUA_TREE_H

#ifndef LH_LUA_STKIDREL
#error "the dumper is built with the definitions of cmake/LuaTree.cmake's probes"
#endif

/* A stack pointer of lua_State or CallInfo (a StkIdRel union since 5.4.5). */
#if LH_LUA_STKIDREL
#define lh_stk(x) ((x).p)
#else
#define lh_stk(x) (x)
#endif

/* Where an upvalue's value is (a union since 5.4.5). */
#if LH_LUA_UPVAL_UNION
#define lh_upval_value(uv) ((uv)->v.p)
#else
#define lh_upval_value(uv) ((uv)->v)
#endif

/* Slots of a thread's stack without EXTRA_STACK, and the bytes allocated
 * for it: 5.4.0-5.4.1 keep a 'stacksize' that counts EXTRA_STACK
 * (luaD_reallocstack), later releases 'stack_last' before it. */
#if LH_LUA_STACKSIZE_FIELD
#define lh_stack_slots(th) ((th)->stacksize - EXTRA_STACK)
#else
#define lh_stack_slots(th) stacksize(th)
#endif

/* The real-array-size bit: in 'marked' (bit 7) in 5.4.0, so it is no part
 * of a table's colour or age there. */
#if LH_LUA_RAS_IN_FLAGS
#define lh_table_marked_bits 0
#else
#define lh_table_marked_bits BITRAS
#endif

/* A dead key of a table: its own tag since 5.4.2 (whose pointer may be
 * stale), a non-collectable table tag and NULL before (setdeadkey). */
#if LH_LUA_DEADKEY
#define lh_keyisdead(n) (keytt(n) == LUA_TDEADKEY)
#else
#define lh_keyisdead(n) (keytt(n) == LUA_TTABLE && gckey(n) == NULL)
#endif

/* Objects a fork shares between states ('isshared' in its lgc.h). */
#if LH_LUA_SHARED
#define lh_isshared(o) isshared(o)
#else
#define lh_isshared(o) 0
#endif

/* Starting and stopping the collector: 'gcstp' bits since 5.4.4, a
 * 'gcrunning' byte before. */
#if LH_LUA_GCSTP
typedef lu_byte lh_gc_stop;
#define lh_gc_running(g) gcrunning(g)
#define lh_gc_stop_save(g) ((g)->gcstp)
#define lh_gc_stop(g) ((g)->gcstp |= GCSTPUSR)
#define lh_gc_restore(g, s) ((g)->gcstp = (s))
#else
typedef lu_byte lh_gc_stop;
#define lh_gc_running(g) ((g)->gcrunning)
#define lh_gc_stop_save(g) ((g)->gcrunning)
#define lh_gc_stop(g) ((g)->gcrunning = 0)
#define lh_gc_restore(g, s) ((g)->gcrunning = (s))
#endif

#endif
