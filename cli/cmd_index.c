/*
 * luaheap index: analyses snapshots ahead of time and writes each one's
 * analysis index, so that later commands on them answer at once (a
 * nightly job can index while the server keeps running).
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* What the command line asks. */
typedef struct index_args {
	unsigned flags;                 /* LH_OPEN_* */
} index_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_FLAG, 'f', "force", NULL, offsetof(index_args, flags), 0,
	  "write a new index even if one is up to date",
	  .bits = LH_OPEN_REBUILD },
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"index", "SNAPSHOT...", 1, -1, "no snapshot given", options, NULL,
	"Analyses each SNAPSHOT and writes its analysis index beside it (SNAPSHOT\n"
	"followed by " LH_INDEX_SUFFIX "), or in $XDG_CACHE_HOME/luaheap/ (default\n"
	"~/.cache/luaheap/) when that directory is not writable; prints where.\n"
	"An index that is already up to date is kept. The other commands use the\n"
	"index of a snapshot when it exists, and write it when it does not.\n",
	"Exit status: 0 every index written or up to date, 2 a snapshot could not\n"
	"be read or its index could not be written.\n",
	0
};

int cmd_index(int argc, char **argv)
{
	index_args args = { LH_OPEN_MUST_WRITE };
	int i, rc;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	rc = CLI_OK;
	for (i = 0; i < argc; i++) {
		lh_analysis *a = NULL;

		if (cli_open(&a, argv[i], args.flags) != CLI_OK) {
			rc = CLI_ERROR;
			continue;
		}
		printf("%s: %s %s\n", argv[i], lh_analysis_indexed(a) ?
			"up to date in" : "indexed in", lh_analysis_index_path(a));
		lh_analysis_free(a);
	}
	return rc;
}
