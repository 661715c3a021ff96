/*
 * What flame and report share: loading and analysing one to three
 * snapshots, the diff between them, and writing a flame graph of one
 * analysis (retained size, or growth marked by the diff's candidates).
 */
#ifndef LUAHEAP_CLI_PICTURES_H
#define LUAHEAP_CLI_PICTURES_H

#include "report.h"
#include "luaheap/diff.h"
#include "luaheap/flame.h"

typedef struct cli_pictures {
	int n;
	const lh_snapshot *snap[3];     /* an[k]'s */
	lh_analysis *an[3];
	lh_diff *diff;              /* with n >= 2 */
} cli_pictures;

/* Loads and analyses paths[0..n), and diffs them when n >= 2; prints the
 * error and returns CLI_ERROR on failure (call cli_pictures_release
 * either way). */
int cli_pictures_load(cli_pictures *p, char **paths, int n, unsigned flags);
void cli_pictures_release(cli_pictures *p);

/* The growth mark of a diff (lh_flame_mark over an lh_diff). */
int cli_pictures_fresh(const void *diff, uint32_t v);

#endif
