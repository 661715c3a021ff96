/*
 * luaheap export: writes an analysed snapshot in another tool's format.
 * Today one: V8's heap snapshot, which Chrome DevTools' Memory panel and
 * memlab load.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "output.h"
#include "luaheap/heapsnapshot.h"

static const char usage[] =
	"usage: luaheap export SNAPSHOT [--format heapsnapshot] -o FILE [--no-index]\n"
	"\n"
	"Writes SNAPSHOT as a V8 heap snapshot (FILE.heapsnapshot), which the\n"
	"Memory panel of Chrome DevTools (Load) and memlab read: objects named by\n"
	"class, table fields as properties, array slots as elements, weak-table\n"
	"references as weak edges, node ids that stay the same for the same\n"
	"object across snapshots (DevTools' Comparison view).\n"
	"\n"
	"  -f, --format FORMAT  heapsnapshot (the only one, and the default)\n"
	"  -o, --output FILE    where to write it ('-': standard output)\n"
	"  -h, --help           print this help\n";

typedef struct export_job {
	const lh_analysis *a;
	lh_heapsnapshot_stats st;
} export_job;

static int write_export(lh_out *o, void *ctx, lh_error *err)
{
	export_job *j = ctx;

	return lh_heapsnapshot_write(o, j->a, &j->st, err);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		CLI_NO_INDEX_LONG,
		{ NULL, 0, NULL, 0 }
	};
	lh_analysis *a = NULL;
	unsigned flags = 0;
	export_job job;
	const char *path = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "heapsnapshot") != 0)
				return cli_usage_error(usage, "--format wants "
					"heapsnapshot, not '%s'", optarg);
			break;
		case 'o': path = optarg; break;
		case 'h': return cli_help(usage);
		case CLI_OPT_NO_INDEX: flags |= LH_OPEN_NO_INDEX; break;
		default: return cli_bad_option(usage, argv, c);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(usage, argc - optind < 1 ?
			"no snapshot given" : "too many arguments");
	if (path == NULL)
		return cli_usage_error(usage, "no output file given (-o FILE)");
	if ((rc = cli_open(&a, argv[optind], flags)) != CLI_OK)
		return rc;
	job.a = a;
	if ((rc = cli_output_write(path, write_export, &job)) == CLI_OK &&
	    strcmp(path, "-") != 0)
		printf("wrote %s: %u nodes, %u edges, %u strings\n", path,
			job.st.nodes, job.st.edges, job.st.strings);
	lh_analysis_free(a);
	return rc;
}
