/*
 * The analysis's storage (analysis.c), private to the analyzer, with
 * every stage's own private header: what the index maps and the reports
 * walk directly.
 */
#ifndef LUAHEAP_ANALYSIS_INT_H
#define LUAHEAP_ANALYSIS_INT_H

#include "luaheap/analysis.h"
#include "graph_int.h"
#include "dom_int.h"
#include "paths_int.h"
#include "classes_int.h"

struct lh_analysis {
	const lh_snapshot *snap;    /* borrowed */
	lh_graph *graph;
	lh_dom *dom;
	lh_bfs *bfs;
	lh_classes *classes;
	uint32_t garbage_count;     /* objects no root reaches */
	uint64_t garbage_bytes;
	uint64_t total_bytes;       /* sum of all object sizes */
	/* Set by lh_analysis_open: the snapshot it read (owned) and the
	 * index it used or wrote (private). */
	lh_snapshot *own_snap;
	struct lh_index_state *index;
};

#endif
