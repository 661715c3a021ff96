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

/* What the command line asks. */
typedef struct export_args {
	const char *path;
	int format;
	unsigned flags;                 /* LH_OPEN_* */
} export_args;

static const cli_opt_choice formats[] = {
	{ "heapsnapshot", 0 }, { NULL, 0 }
};

static const cli_opt_spec options[] = {
	{ CLI_OPT_CHOICE, 'f', "format", "FORMAT", offsetof(export_args, format),
	  0, "heapsnapshot (the only one, and the default)", .choices = formats },
	{ CLI_OPT_STRING, 'o', "output", "FILE", offsetof(export_args, path),
	  CLI_OPT_SHORT | CLI_OPT_REQUIRED,
	  "where to write it ('-': standard output)" },
	CLI_OPT_NO_INDEX(export_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"export", "SNAPSHOT", 1, 1, "no snapshot given", options, NULL,
	"Writes SNAPSHOT as a V8 heap snapshot (FILE.heapsnapshot), which the\n"
	"Memory panel of Chrome DevTools (Load) and memlab read: objects named by\n"
	"class, table fields as properties, array slots as elements, weak-table\n"
	"references as weak edges, node ids that stay the same for the same\n"
	"object across snapshots (DevTools' Comparison view).\n",
	NULL, 0
};

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
	export_args args = { NULL, 0, 0 };
	lh_analysis *a = NULL;
	export_job job;
	const char *path;
	int rc;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	path = args.path;
	if ((rc = cli_open(&a, argv[0], args.flags)) != CLI_OK)
		return rc;
	job.a = a;
	if ((rc = cli_output_write(path, write_export, &job)) == CLI_OK &&
	    strcmp(path, "-") != 0)
		printf("wrote %s: %u nodes, %u edges, %u strings\n", path,
			job.st.nodes, job.st.edges, job.st.strings);
	lh_analysis_free(a);
	return rc;
}
