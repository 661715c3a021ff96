/*
 * Helpers for the commands that read snapshots (all but dump and run),
 * over the analyzer's lh_analysis. Errors are printed here; callers only
 * return the exit code.
 */
#ifndef LUAHEAP_CLI_REPORT_H
#define LUAHEAP_CLI_REPORT_H

#include "cli.h"
#include "luaheap/analysis.h"

/* Reads the snapshot at path with every analysis, through its index
 * unless flags (LH_OPEN_*) say otherwise: progress on a terminal's
 * stderr, notes about the index there too. Prints the error and returns
 * CLI_ERROR on failure. The snapshot is lh_analysis_snapshot(*out). */
int cli_open(lh_analysis **out, const char *path, unsigned flags);

/* The --no-index option of every command that reads snapshots, as a
 * cli_opt_spec setting LH_OPEN_NO_INDEX in the unsigned 'field' of the
 * command's options struct 'type'. */
#define CLI_OPT_NO_INDEX(type, field) \
	{ CLI_OPT_FLAG, 0, "no-index", NULL, offsetof(type, field), 0, \
	  "neither read nor write an analysis index", .bits = LH_OPEN_NO_INDEX }

/* Resolves OBJECT (address or Lua expression); prints the error. */
int cli_resolve(uint32_t *out, const lh_snapshot *snap, const char *expr);

/* Class name of v (borrowed from the analysis). */
const char *cli_class(const lh_analysis *a, uint32_t v);

/* v's shortest root path as UTF-8 text ("" if unreachable; at most the
 * last CLI_PATH_HOPS hops after an ellipsis); caller frees. */
#define CLI_PATH_HOPS 24
char *cli_path_text(const lh_analysis *a, uint32_t v, size_t maxlabel);

/* Adds "address", "type", "class", "self", "retained", "reachable". */
void cli_json_objinfo(cJSON *o, const lh_analysis *a, uint32_t v);

/* 100 * part / whole, 0 when whole is 0. */
double cli_percent(uint64_t part, uint64_t whole);

#endif
