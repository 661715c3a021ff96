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

/* What the command line asks before the command. */
typedef struct main_args {
	int version;
} main_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_SWITCH, 0, "version", NULL, offsetof(main_args, version), 0,
	  "print the version" },
	{ CLI_OPT_END }
};

static char about[2048];            /* "Commands:" and the table's lines */

/* Options stop at the command, whose own they are. */
static const cli_opt_cmd command = {
	"", "COMMAND", 0, -1, NULL, options,
	"usage: luaheap COMMAND [options] ARGS\n"
	"       luaheap help COMMAND\n"
	"       luaheap --help | --version\n",
	about,
	"Exit status: 0 success, 1 a --fail-* threshold was crossed, 2 usage or\n"
	"input error.\n",
	CLI_OPT_STOP
};

static const cli_opt_cmd help_command = {
	"help", "COMMAND", 0, 1, NULL, NULL, NULL, NULL, NULL, 0
};

static void list_commands(void)
{
	size_t i, n = (size_t)snprintf(about, sizeof about, "Commands:\n");

	for (i = 0; i < NCOMMANDS && n < sizeof about; i++)
		n += (size_t)snprintf(about + n, sizeof about - n, "  %-9s %s\n",
			commands[i].name, commands[i].summary);
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

/* luaheap help [COMMAND]: the global help, or COMMAND --help. */
static int help(int argc, char **argv)
{
	const cli_command *cmd;
	char *help_argv[3];
	int rc;

	if ((rc = cli_opt_parse(&help_command, NULL, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if (argc == 0) {
		cli_opt_help(stdout, &command);
		return CLI_OK;
	}
	if ((cmd = find(argv[0])) == NULL)
		return unknown(argv[0]);
	help_argv[0] = argv[0];
	help_argv[1] = "--help";
	help_argv[2] = NULL;
	return cmd->fn(2, help_argv);
}

int main(int argc, char **argv)
{
	const cli_command *cmd;
	main_args args = { 0 };
	int rc;

#ifdef __GLIBC__
	/* Analyses free big scratch arrays between phases. glibc would raise
	 * its mmap threshold after the first such free and then keep later
	 * ones in the heap, where freed pages still count: a fixed threshold
	 * gives every big array its own mapping, returned when freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	list_commands();
	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return cli_finish(rc);
	if (args.version) {
		printf("luaheap %s\n", LUAHEAP_VERSION);
		return cli_finish(CLI_OK);
	}
	if (argc == 0)
		return cli_opt_usage_error(&command, "no command given");
	if (strcmp(argv[0], "help") == 0)
		return cli_finish(help(argc, argv));
	if ((cmd = find(argv[0])) == NULL)
		return unknown(argv[0]);
	return cli_finish(cmd->fn(argc, argv));
}
