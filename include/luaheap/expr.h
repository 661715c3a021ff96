/*
 * Reading back, beside the stages: an object named by its address or by
 * a Lua expression such as the renderer (render.h) prints.
 */
#ifndef LUAHEAP_EXPR_H
#define LUAHEAP_EXPR_H

#include <stdint.h>
#include "luaheap/error.h"
#include "luaheap/snapshot.h"

/*
 * Resolves OBJECT: an address "0x..." or a Lua expression over tables
 * starting at _G (implicit), package.loaded or registry:
 * _G.Server.timers, Server.timers, package.loaded["game.mailer"],
 * registry[7], _G.a[3].b, x["k"][true][1.5]. Each step follows the field
 * edge with that key. Every path the renderer prints is accepted too:
 * steps in angle brackets (" <upvalue h of f (server.lua:40)>", " <key
 * table 0x...>", "[<table 0x...>]", " <metatable>"), paths from other
 * roots ("<local h in main, function (server.lua:80)>") and tails
 * ("…<table 0x...>.next"); such a step follows the reference that
 * renders as it (with several, the one the rest of the path agrees with). On failure returns LH_ENOTFOUND ("no field 'b' in
 * _G.a[3] (table 0x...)") or LH_EUSAGE (syntax).
 */
int lh_expr_resolve(uint32_t *out, const lh_snapshot *snap, const char *expr,
	lh_error *err);


#endif
