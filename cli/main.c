/*
 * luaheap: the entry point. Finds the subcommand in a table and runs it;
 * `luaheap help CMD` is `luaheap CMD --help`. Each command lives in its own
 * cli/cmd_NAME.c.
 */
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "luaheap/dump.h"
#include "cli.h"

typedef struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cli_command;

/* One line per command, in the order --help lists them. */
static const cli_command commands[] = {
	{ "summary", cmd_summary, "header facts, objects and bytes by type, accounting" },
	{ "top",     cmd_top,     "objects, classes or types that retain the most" },
	{ "path",    cmd_path,    "shortest root paths of an object, as Lua expressions" },
	{ "tree",    cmd_tree,    "the dominator tree: what each object retains" },
	{ "refs",    cmd_refs,    "who references an object, and who references them" },
	{ "diff",    cmd_diff,    "what grew between snapshots, and who keeps it" },
	{ "index",   cmd_index,   "analyse snapshots ahead of time: write their index" },
	{ "report",  cmd_report,  "one self-contained HTML page of a diff, with pictures" },
	{ "flame",   cmd_flame,   "flame graph (SVG) of retained size or of growth" },
	{ "export",  cmd_export,  "write a snapshot for Chrome DevTools or memlab" },
	{ "dump",    cmd_dump,    "ask a live process that armed luaheap for a snapshot" },
	{ "run",     cmd_run,     "run a Lua script with the luaheap module preloaded" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char synopsis[] =
	"usage: luaheap COMMAND [options] ARGS\n"
	"       luaheap help COMMAND\n"
	"       luaheap --help | --version\n";

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "%s\nCommands:\n", synopsis);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nExit status: 0 success, 1 a --fail-* threshold was crossed, "
	             "2 usage or input error.\n");
}

static const cli_command *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown(const char *name)
{
	cli_error("'%s' is not a luaheap command (see 'luaheap --help')", name);
	return CLI_ERROR;
}

int main(int argc, char **argv)
{
	const cli_command *cmd;
	char *help_argv[3];

#ifdef __GLIBC__
	/* Analyses free big scratch arrays between phases. glibc would raise
	 * its mmap threshold after the first such free and then keep later
	 * ones in the heap, where freed pages still count: a fixed threshold
	 * gives every big array its own mapping, returned when freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	opterr = 0;
	if (argc < 2) {
		fprintf(stderr, "%srun 'luaheap --help' for the commands\n", synopsis);
		return CLI_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return cli_finish(CLI_OK);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("luaheap %s\n", LUAHEAP_VERSION);
		return cli_finish(CLI_OK);
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return cli_finish(CLI_OK);
		}
		if (argc > 3)
			return cli_usage_error("usage: luaheap help COMMAND\n", "too many arguments");
		if ((cmd = find(argv[2])) == NULL)
			return unknown(argv[2]);
		help_argv[0] = argv[2];
		help_argv[1] = "--help";
		help_argv[2] = NULL;
		return cli_finish(cmd->fn(2, help_argv));
	}
	if (argv[1][0] == '-') {
		cli_error("unknown option '%s'", argv[1]);
		fprintf(stderr, "%srun 'luaheap --help' for the commands\n", synopsis);
		return CLI_ERROR;
	}
	if ((cmd = find(argv[1])) == NULL)
		return unknown(argv[1]);
	return cli_finish(cmd->fn(argc - 1, argv + 1));
}
