/*
 * Flame graphs of an analysed snapshot: an icicle of the dominator tree
 * (width = retained size, or with 'fresh' marks = the marked objects'
 * bytes beneath), as a self-contained SVG with tooltips and click to zoom,
 * or as Brendan Gregg's folded stacks for flamegraph.pl and speedscope.
 */
#ifndef LUAHEAP_FLAME_H
#define LUAHEAP_FLAME_H

#include <stdint.h>
#include "luaheap/analysis.h"
#include "luaheap/out.h"

typedef struct lh_flame_opts {
	double min_frac;        /* a box (folded: a stack) for a group of
	                           like siblings (same class, step an index or
	                           computed key: the diff's [*]) of at least
	                           this share of the total; smaller ones fold
	                           into one (0: SVG 0.004, folded 0.0001) */
	uint32_t max_depth;     /* levels drawn below the roots (0: 48, at most
	                           1024); deeper bytes stay in the last box */
	uint32_t max_boxes;     /* boxes (folded: lines) at most (0: 4000
	                           for SVG, 100000 folded) */
	uint32_t width;         /* SVG width in pixels (0: 1200) */
	const char *title;      /* SVG heading (NULL: none) */
	const char *id;         /* SVG element id, unique within a page
	                           (NULL: "flame") */
} lh_flame_opts;

/* Marks the objects a growth flame counts (new objects): nonzero for
 * object v. With a mark, a box's width is the bytes of the marked objects
 * in its dominator subtree (8 bytes per object while drawing). */
typedef int (*lh_flame_mark)(const void *ctx, uint32_t v);

/*
 * Writes the SVG (fresh NULL: retained size; else growth: width = bytes
 * of the marked objects, colour = their share of the box's retained size)
 * to o. Returns LH_OK or LH_ENOMEM; the caller flushes o.
 */
int lh_flame_svg(lh_out *o, const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx, const lh_flame_opts *opts, lh_error *err);

/*
 * Writes folded stacks to o: one "frame;frame;...;frame BYTES" line per
 * stack, frames "STEP CLASS" without ';'. The weights sum to the live
 * bytes (fresh NULL) or to the marked live objects' bytes. Returns LH_OK
 * or LH_ENOMEM.
 */
int lh_flame_folded(lh_out *o, const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx, const lh_flame_opts *opts, lh_error *err);

/* The total the flame's widths add up to (live bytes, or marked bytes). */
uint64_t lh_flame_total(const lh_analysis *a, lh_flame_mark fresh,
	const void *ctx);

#endif
