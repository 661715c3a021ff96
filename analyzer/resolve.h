/*
 * Resolution, once a reader has built every object: addresses become dense
 * indices, every reference is checked to name an object of the right type.
 */
#ifndef LUAHEAP_RESOLVE_H
#define LUAHEAP_RESOLVE_H

#include "builder.h"

/* Builds the rank blocks and the address index, resolves edge targets,
 * labels, frames, protos, roots, watches, the main thread and the
 * registry, then drops the index (lh_snapshot_find rebuilds it). */
int lh_snap__resolve(lh_snap_builder *b);

#endif
