/*
 * The classes' storage (classes.c), private to the analyzer: each
 * object's class id in 16 or 32 bits, the names and the totals.
 */
#ifndef LUAHEAP_CLASSES_INT_H
#define LUAHEAP_CLASSES_INT_H

#include "luaheap/classes.h"

struct lh_classes {
	uint32_t n;
	/* The class id of each object, in 16 bits while every id fits
	 * (nclass <= 65536: of16 set, of32 NULL), else in 32 (of16 NULL).
	 * Read it with lh_classes__of. */
	uint16_t *of16;             /* [n] or NULL */
	uint32_t *of32;             /* [n] or NULL */
	uint32_t nclass;
	char **name;                /* [nclass] owned */
	uint8_t *type;              /* [nclass] type of the first instance */
	lh_class_stat *live;        /* [nclass] over reachable objects */
	lh_class_stat *all;         /* [nclass] over every object (retained 0) */
	lh_class_stat types[LH_T_COUNT];  /* reachable objects by type */
};

/* lh_class_of, inline for the analyzer's walks. */
static inline uint32_t lh_classes__of(const lh_classes *c, uint32_t v)
{
	return c->of16 != NULL ? c->of16[v] : c->of32[v];
}

#endif
