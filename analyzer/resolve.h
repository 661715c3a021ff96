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

/* The address index filled by a thread while the file is read (see
 * resolve.c), started once the reader expects 'expected' objects. The
 * reader publishes its objects every LH_EARLY_STEP (lh_snap__object), holds
 * the filler off while it moves the object arrays (lh_snap__early_hold
 * 1, then 0), and lh_snap__resolve takes the table. Stop ends the thread
 * and drops its table (any time; again is harmless). */
#define LH_EARLY_STEP ((uint32_t)1 << 16)

void lh_snap__early_start(lh_snap_builder *b, uint64_t expected);
void lh_snap__early_publish(lh_snap_builder *b);
void lh_snap__early_hold(lh_snap_builder *b, int on);
void lh_snap__early_stop(lh_snap_builder *b);

/* How many loads took the table filled while reading (for the tests). */
extern unsigned lh_snap__early_taken;

#endif
