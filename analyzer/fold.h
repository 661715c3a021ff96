/*
 * Shared between the diff and the flame graph, never public: which steps
 * of a root path are indexes that fold to [*] (any key but a name), and
 * the facts about a snapshot that decision needs.
 */
#ifndef LUAHEAP_FOLD_H
#define LUAHEAP_FOLD_H

#include <stdint.h>
#include "luaheap/snapshot.h"

typedef struct lh_fold_names {
	uint8_t *konst;             /* [nobj] 1: a string constant of a proto */
	uint32_t named[3];          /* registry, _G, package.loaded (or LH_NONE) */
} lh_fold_names;

/* Fills fn for snapshot s; LH_OK or LH_ENOMEM. Release with
 * lh_fold__names_release (which takes a zeroed fn too). */
int lh_fold__names_init(lh_fold_names *fn, const lh_snapshot *s);
void lh_fold__names_release(lh_fold_names *fn);

/* Whether object v is new (a key created within the diff's span). */
typedef int (*lh_fold_fresh)(const void *ctx, uint32_t v);

/*
 * Whether edge e out of 'from' is an index to fold: any key that is not a
 * name. A string key names a field when it is old and written in the
 * program (a constant of some proto), or when it is a key of the
 * registry, _G or package.loaded; computed strings ("kind3", "12:7",
 * "quest_done_4") and new ones (fresh, when not NULL) are data.
 */
int lh_fold__edge(const lh_fold_names *fn, const lh_snapshot *s,
	uint32_t from, uint32_t e, lh_fold_fresh fresh, const void *ctx);

#endif
