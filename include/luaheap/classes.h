/*
 * Classes, the stage after dominators and paths: a name for every
 * object (a metatable's __name or the path that names it, a function's
 * source line) and each class's counts and sizes.
 */
#ifndef LUAHEAP_CLASSES_H
#define LUAHEAP_CLASSES_H

#include "luaheap/dom.h"
#include "luaheap/paths.h"
#include "luaheap/render.h"

/*
 * Tables and userdata with a metatable: the metatable's __name when it is
 * a string, else the last named step of the metatable's shortest path
 * ("Hero" for _G.Hero, "game.player" for package.loaded["game.player"],
 * "game.Player" for _G.game.Player), else the same name of its __index
 * table (setmetatable(o, {__index = Hero})), else "table <weak k>" for a weak
 * table, else "table <metatable 0x...>"; without metatable "table" and
 * "userdata". Lua functions: "function server.lua:40"; C functions:
 * "cfunction SYMBOL"; everything else its type name.
 */
typedef struct lh_class_stat {
	uint32_t count;
	uint64_t self;
	uint64_t retained;          /* instances not dominated by another one */
} lh_class_stat;

typedef struct lh_classes lh_classes;

/* Classes of every object and their totals. *out belongs to the caller
 * (lh_classes_free). */
int lh_classes_build(lh_classes **out, const lh_snapshot *snap,
	const lh_graph *g, const lh_dom *dom, const lh_bfs *bfs, lh_error *err);
void lh_classes_free(lh_classes *c);

/* The class id of object v (< the snapshot's object count). */
uint32_t lh_class_of(const lh_classes *c, uint32_t v);

/* The number of classes (ids are 0..count-1). */
uint32_t lh_classes_count(const lh_classes *c);

/* Class id's name (borrowed from c) and the type of its first instance. */
const char *lh_classes_name(const lh_classes *c, uint32_t id);
int lh_classes_type(const lh_classes *c, uint32_t id);

/* Class id's totals over the reachable objects, and over every object
 * (whose retained is 0). */
lh_class_stat lh_classes_live(const lh_classes *c, uint32_t id);
lh_class_stat lh_classes_all(const lh_classes *c, uint32_t id);

/*
 * Retained size of groups counted the way DevTools counts a class: out[g]
 * (zeroed by the caller, [ngroups]) gets the sum of retained sizes of the
 * live objects of group g that no other object of group g dominates.
 * group[v] is v's group (values >= ngroups belong to none). Returns
 * LH_ENOMEM or LH_OK.
 */
int lh_classes_group_retained(uint64_t *out, const lh_dom *d,
	const uint32_t *group, uint32_t ngroups);

/* The class name of object v as the rules above say, into sb (what
 * lh_classes_build gives v, computed alone). */
void lh_classes_name_of(lh_strbuf *sb, const lh_snapshot *snap,
	const lh_graph *g, const lh_bfs *bfs, uint32_t v);

#endif
