/*
 * Watched objects: the snapshot's watch records. Nothing is watched yet, so
 * none is written; this is where luaheap.watch's list is read from. Each
 * record goes out as d->enc->watch(d, address, label, length, expect_dead)
 * with d->nwatches counted, after the roots and before the end record.
 */
#include "internal.h"

void lh_dump__watches(lh_dump_ctx *d, struct lua_State *L)
{
	(void)d;
	(void)L;
}
