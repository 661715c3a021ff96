/*
 * luaheap index: analyses snapshots ahead of time and writes each one's
 * analysis index, so that later commands on them answer at once (a
 * nightly job can index while the server keeps running).
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char usage[] =
	"usage: luaheap index SNAPSHOT... [--force]\n"
	"\n"
	"Analyses each SNAPSHOT and writes its analysis index beside it (SNAPSHOT\n"
	"followed by " LH_INDEX_SUFFIX "), or in $XDG_CACHE_HOME/luaheap/ (default\n"
	"~/.cache/luaheap/) when that directory is not writable; prints where.\n"
	"An index that is already up to date is kept. The other commands use the\n"
	"index of a snapshot when it exists, and write it when it does not.\n"
	"\n"
	"  -f, --force        write a new index even if one is up to date\n"
	"  -h, --help         print this help\n"
	"\n"
	"Exit status: 0 every index written or up to date, 2 a snapshot could not\n"
	"be read or its index could not be written.\n";

int cmd_index(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned flags = LH_OPEN_MUST_WRITE;
	int c, i, rc = CLI_OK;

	while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': flags |= LH_OPEN_REBUILD; break;
		case 'h': return cli_help(usage);
		default: return cli_bad_option(usage, argv, c);
		}
	}
	if (argc - optind < 1)
		return cli_usage_error(usage, "no snapshot given");
	for (i = optind; i < argc; i++) {
		lh_analysis *a = NULL;

		if (cli_open(&a, argv[i], flags) != CLI_OK) {
			rc = CLI_ERROR;
			continue;
		}
		printf("%s: %s %s\n", argv[i], lh_analysis_indexed(a) ?
			"up to date in" : "indexed in", lh_analysis_index_path(a));
		lh_analysis_free(a);
	}
	return rc;
}
