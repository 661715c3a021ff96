/*
 * Export of an analysed snapshot in V8's heap snapshot format (the
 * .heapsnapshot JSON that Chrome DevTools' Memory panel and memlab load),
 * written as a stream.
 */
#ifndef LUAHEAP_HEAPSNAPSHOT_H
#define LUAHEAP_HEAPSNAPSHOT_H

#include <stdint.h>
#include "luaheap/analysis.h"
#include "luaheap/out.h"

typedef struct lh_heapsnapshot_stats {
	uint32_t nodes;             /* objects + the synthetic root */
	uint32_t edges;
	uint32_t strings;
} lh_heapsnapshot_stats;

/*
 * Writes a's snapshot to o as a V8 heap snapshot: node 0 the synthetic
 * root, whose edges lead to the analysis' roots; then every object (live
 * or not) in the snapshot's order, named by its class (strings by their
 * contents); table fields as property edges, array slots and integer keys
 * as element edges, references that do not retain (weak tables) as weak
 * edges, ephemeron entries as a table->value and a key->value edge, so
 * DevTools' and memlab's dominators are ours. Node ids are odd numbers
 * derived from the address, unique in the file, and the same for the same
 * object across snapshots unless its id collided with another object's.
 * *stats (may be NULL) gets the counts. Returns LH_OK, LH_EUSAGE (a
 * count beyond the format's 32 bits) or LH_ENOMEM; the caller flushes o.
 * Memory: 4 bytes per object beyond the analysis (8 while sorting ids).
 */
int lh_heapsnapshot_write(lh_out *o, const lh_analysis *a,
	lh_heapsnapshot_stats *stats, lh_error *err);

#endif
