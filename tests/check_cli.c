/*
 * The CLI library (lhcli): the shared helpers of cli/util.c (sizes, counts,
 * UTF-8 cleaning, aligned tables, JSON) and the option parser and usage
 * printer of cli/opt.c, alone and as every command uses it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

START_TEST(sizes_read_in_binary_units_with_one_decimal)
{
	char b[CLI_SIZE_BUF];

	ck_assert_str_eq(cli_size(0, b), "0 B");
	ck_assert_str_eq(cli_size(1023, b), "1023 B");
	ck_assert_str_eq(cli_size(1024, b), "1.0 KiB");
	ck_assert_str_eq(cli_size(1536, b), "1.5 KiB");
	ck_assert_str_eq(cli_size(1024 * 1024 - 1, b), "1.0 MiB");   /* not "1024.0 KiB" */
	ck_assert_str_eq(cli_size(3 * 1024 * 1024 + 300 * 1024, b), "3.3 MiB");
	ck_assert_str_eq(cli_size(UINT64_C(5) << 40, b), "5.0 TiB");
	ck_assert_str_eq(cli_size(UINT64_MAX, b), "16.0 EiB");
}
END_TEST

START_TEST(counts_group_digits_by_three)
{
	char b[CLI_SIZE_BUF];

	ck_assert_str_eq(cli_count(0, b), "0");
	ck_assert_str_eq(cli_count(999, b), "999");
	ck_assert_str_eq(cli_count(1000, b), "1,000");
	ck_assert_str_eq(cli_count(1234567, b), "1,234,567");
	ck_assert_str_eq(cli_count(UINT64_MAX, b), "18,446,744,073,709,551,615");
	ck_assert_str_eq(cli_addr(0x55d0c3a4b2c0ull, b), "0x55d0c3a4b2c0");
}
END_TEST

START_TEST(snapshot_bytes_become_valid_utf8)
{
	char *u;

	u = cli_utf8("plain", 5);
	ck_assert_str_eq(u, "plain");
	free(u);
	u = cli_utf8("caf\xc3\xa9 \xe2\x80\xa6", 9);          /* valid UTF-8 stays */
	ck_assert_str_eq(u, "caf\xc3\xa9 \xe2\x80\xa6");
	free(u);
	u = cli_utf8("caf\xe9", 4);                          /* Latin-1 byte */
	ck_assert_str_eq(u, "caf\xc3\xa9");
	free(u);
	u = cli_utf8("a\0b", 3);                             /* NUL */
	ck_assert_str_eq(u, "a\\0b");
	free(u);
	u = cli_utf8("\xe2\x80", 2);                         /* cut sequence */
	ck_assert_str_eq(u, "\xc3\xa2\xc2\x80");
	free(u);
	u = cli_utf8("\xc0\xaf\xed\xa0\x80", 5);             /* overlong, surrogate */
	ck_assert_str_eq(u, "\xc3\x80\xc2\xaf\xc3\xad\xc2\xa0\xc2\x80");
	free(u);
}
END_TEST

START_TEST(tables_align_columns_and_leave_no_trailing_blanks)
{
	cli_table *t = cli_table_new("lrr");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	cli_table_header(t, "type", "count", "");
	cli_table_row(t, "string", "12", "50%");
	cli_table_row(t, "caf\xc3\xa9", "1,234", "");
	cli_table_print(t, f, 2);
	fclose(f);
	ck_assert_str_eq(out,
		"  type    count\n"
		"  string     12  50%\n"
		"  caf\xc3\xa9    1,234\n");
	free(out);
	cli_table_free(t);
	cli_table_free(NULL);
}
END_TEST

START_TEST(json_helpers_build_the_document)
{
	cJSON *doc = cli_json_object(NULL, NULL), *arr;
	char *s;

	cli_json_num(doc, "n", 42);
	cli_json_bool(doc, "ok", 1);
	cli_json_addr(doc, "at", 0xabcull);
	cli_json_bytes(doc, "text", "x\xe9", 2);
	arr = cli_json_array(doc, "list");
	cli_json_str(arr, NULL, "a");
	s = cJSON_PrintUnformatted(doc);
	ck_assert_str_eq(s, "{\"n\":42,\"ok\":true,\"at\":\"0xabc\",\"text\":\"x\xc3\xa9\",\"list\":[\"a\"]}");
	free(s);
	cJSON_Delete(doc);
}
END_TEST

/* ---- the option parser (cli/opt.c) ---- */

typedef struct targs {
	int json, by;
	uint32_t limit;
	uint64_t size;
	const char *out;
	unsigned flags;
} targs;

static const cli_opt_choice tby[] = {
	{ "retained", 10 }, { "self", 11 }, { "count", 12 }, { NULL, 0 }
};

static const cli_opt_spec topts[] = {
	{ .kind = CLI_OPT_COUNT, .short_name = 'n', .long_name = "limit",
	  .value_name = "N", .off = offsetof(targs, limit),
	  .usage = CLI_OPT_SHORT, .help = "rows to print" },
	{ .kind = CLI_OPT_SWITCH, .short_name = 'j', .long_name = "json",
	  .off = offsetof(targs, json), .help = "print a JSON document" },
	{ .kind = CLI_OPT_SWITCH, .long_name = "jsonl",
	  .off = offsetof(targs, json), .help = "print JSON lines" },
	{ .kind = CLI_OPT_CHOICE, .short_name = 'b', .long_name = "by",
	  .value_name = "WHAT", .off = offsetof(targs, by),
	  .help = "retained, self or count", .choices = tby },
	{ .kind = CLI_OPT_SIZE, .short_name = 'm', .long_name = "min-bytes",
	  .value_name = "SIZE", .off = offsetof(targs, size),
	  .help = "noise floor" },
	{ .kind = CLI_OPT_STRING, .short_name = 'o', .long_name = "output",
	  .value_name = "FILE", .off = offsetof(targs, out),
	  .usage = CLI_OPT_SHORT | CLI_OPT_OR, .help = "where to write" },
	{ .kind = CLI_OPT_FLAG, .long_name = "no-index",
	  .off = offsetof(targs, flags), .bits = 4,
	  .help = "neither read nor write an analysis index" },
	{ .kind = CLI_OPT_COUNT, .long_name = "fail-if-suspects",
	  .value_name = "N", .off = offsetof(targs, limit), .min = 1,
	  .max = 9, .help = "exit 1 if there are more than N suspects, a long "
	  "sentence that the printer wraps at the help column" },
	{ .kind = CLI_OPT_END }
};

static const cli_opt_cmd tcmd = {
	.name = "probe", .args = "SNAPSHOT [LATER [LAST]]", .min_args = 1,
	.max_args = 3, .missing = "no snapshot given", .opts = topts,
	.about = "Probes.\n", .epilogue = "Exit status: 0.\n"
};

/* What fn(ctx) wrote to file descriptor fd (1 or 2); *rc its result. */
static char *capture(int fd, int (*fn)(void *), void *ctx, int *rc)
{
	FILE *tmp = tmpfile();
	int saved = dup(fd);
	long n;
	char *text;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	dup2(fileno(tmp), fd);
	*rc = fn(ctx);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, fd);
	close(saved);
	n = ftell(tmp) >= 0 ? (fseek(tmp, 0, SEEK_END), ftell(tmp)) : 0;
	text = calloc((size_t)n + 1, 1);
	rewind(tmp);
	ck_assert_int_eq((long)fread(text, 1, (size_t)n, tmp), n);
	fclose(tmp);
	return text;
}

typedef struct parse_call {
	const cli_opt_cmd *cmd;
	targs a;
	int argc;
	char **argv;
} parse_call;

static int run_parse(void *ctx)
{
	parse_call *c = ctx;

	return cli_opt_parse(c->cmd, &c->a, &c->argc, &c->argv);
}

/* Parses argv (NULL-terminated) by cmd into c; returns the parser's
 * result, *out what it printed on file descriptor fd. */
static int parse_by(parse_call *c, const cli_opt_cmd *cmd, char **argv,
	int fd, char **out)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->cmd = cmd;
	c->argv = argv;
	while (argv[c->argc] != NULL)
		c->argc++;
	*out = capture(fd, run_parse, c, &rc);
	return rc;
}

/* The same by tcmd, with what it printed on stderr. */
static int parse(parse_call *c, char **argv, char **err)
{
	return parse_by(c, &tcmd, argv, 2, err);
}

START_TEST(options_and_operands_mix_in_any_order)
{
	char *argv[] = { "probe", "a.snap", "-j", "b.snap", "--limit", "5",
		"--no-index", "c.snap", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse(&c, argv, &err), CLI_OPT_GO_ON);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(c.argc, 3);
	ck_assert_str_eq(c.argv[0], "a.snap");
	ck_assert_str_eq(c.argv[1], "b.snap");
	ck_assert_str_eq(c.argv[2], "c.snap");
	ck_assert_int_eq(c.a.json, 1);
	ck_assert_uint_eq(c.a.limit, 5);
	ck_assert_uint_eq(c.a.flags, 4);
	free(err);
}
END_TEST

START_TEST(double_dash_ends_the_options_and_a_lone_dash_is_an_operand)
{
	char *argv[] = { "probe", "-", "-j", "--", "-n", "--json", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse(&c, argv, &err), CLI_OPT_GO_ON);
	ck_assert_int_eq(c.argc, 3);
	ck_assert_str_eq(c.argv[0], "-");
	ck_assert_str_eq(c.argv[1], "-n");
	ck_assert_str_eq(c.argv[2], "--json");
	ck_assert_int_eq(c.a.json, 1);
	free(err);
}
END_TEST

START_TEST(short_options_cluster_and_take_their_value_attached_or_next)
{
	char *argv[] = { "probe", "-jn7", "x", "-o", "-", "-bself", "-m", "64K",
		NULL };
	char *argv2[] = { "probe", "-jo", "--json", "x", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse(&c, argv, &err), CLI_OPT_GO_ON);
	ck_assert_int_eq(c.a.json, 1);
	ck_assert_uint_eq(c.a.limit, 7);
	ck_assert_str_eq(c.a.out, "-");
	ck_assert_int_eq(c.a.by, 11);
	ck_assert_uint_eq(c.a.size, 64 * 1024);
	ck_assert_int_eq(c.argc, 1);
	free(err);
	/* a value is the next word even when it looks like an option */
	ck_assert_int_eq(parse(&c, argv2, &err), CLI_OPT_GO_ON);
	ck_assert_str_eq(c.a.out, "--json");
	ck_assert_int_eq(c.a.json, 1);
	free(err);
}
END_TEST

START_TEST(long_options_take_equals_or_the_next_word_and_unique_prefixes)
{
	char *argv[] = { "probe", "--limit=3", "--out", "o.svg", "--json", "x",
		"--by=count", "--min=1.5MiB", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse(&c, argv, &err), CLI_OPT_GO_ON);
	ck_assert_uint_eq(c.a.limit, 3);
	ck_assert_str_eq(c.a.out, "o.svg");
	ck_assert_int_eq(c.a.json, 1);
	ck_assert_int_eq(c.a.by, 12);
	ck_assert_uint_eq(c.a.size, 3 * 512 * 1024);
	ck_assert_int_eq(c.argc, 1);
	free(err);
}
END_TEST

#define probe_synopsis \
	"usage: luaheap probe SNAPSHOT [LATER [LAST]] [-n N] [--json] [--jsonl]\n" \
	"                     [--by retained|self|count] [--min-bytes SIZE]\n" \
	"                     [-o FILE | --no-index] [--fail-if-suspects N]\n"

/* argv gives a usage error: "luaheap: want", the synopsis, where the
 * rest is. */
static void usage_error(char **argv, const char *want)
{
	parse_call c;
	char *err, *nl;

	ck_assert_int_eq(parse(&c, argv, &err), CLI_ERROR);
	nl = strchr(err, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	ck_assert_str_eq(err, want);
	ck_assert_str_eq(nl + 1, probe_synopsis "run 'luaheap probe --help' for more\n");
	free(err);
}

START_TEST(bad_options_and_values_are_usage_errors_naming_them)
{
	char *unknown_long[] = { "probe", "x", "--bogus", NULL };
	char *unknown_eq[] = { "probe", "x", "--json=1", NULL };
	char *unknown_short[] = { "probe", "x", "-jx", NULL };
	char *ambiguous[] = { "probe", "x", "--js", NULL };
	char *no_value[] = { "probe", "x", "-jn", NULL };
	char *no_value_long[] = { "probe", "x", "--output", NULL };
	char *bad_count[] = { "probe", "x", "-n", "5x", NULL };
	char *bad_count_long[] = { "probe", "x", "--limit", "-1", NULL };
	char *bad_range[] = { "probe", "x", "--fail-if-suspects", "10", NULL };
	char *bad_choice[] = { "probe", "x", "--by", "size", NULL };
	char *bad_size[] = { "probe", "x", "-m", "4X", NULL };
	char *none[] = { "probe", "-j", NULL };
	char *many[] = { "probe", "a", "b", "c", "d", NULL };

	usage_error(unknown_long, "luaheap: unknown option '--bogus'");
	usage_error(unknown_eq, "luaheap: unknown option '--json=1'");
	usage_error(unknown_short, "luaheap: unknown option '-x'");
	usage_error(ambiguous, "luaheap: unknown option '--js'");
	usage_error(no_value, "luaheap: option '-jn' needs a value");
	usage_error(no_value_long, "luaheap: option '--output' needs a value");
	usage_error(bad_count, "luaheap: -n wants a count, not '5x'");
	usage_error(bad_count_long, "luaheap: --limit wants a count, not '-1'");
	usage_error(bad_range,
		"luaheap: --fail-if-suspects wants a count from 1 to 9, not '10'");
	usage_error(bad_choice,
		"luaheap: --by wants retained, self or count, not 'size'");
	usage_error(bad_size, "luaheap: -m wants a size, not '4X'");
	usage_error(none, "luaheap: no snapshot given");
	usage_error(many, "luaheap: too many arguments");
}
END_TEST
START_TEST(help_answers_at_once_on_stdout)
{
	char *argv[] = { "probe", "-j", "--help", "--bogus", NULL };
	char *argv2[] = { "probe", "--bogus", "-h", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse_by(&c, &tcmd, argv, 1, &err), CLI_OK);
	ck_assert_str_eq(err, probe_synopsis
		"\n"
		"Probes.\n"
		"\n"
		"  -n, --limit N             rows to print\n"
		"  -j, --json                print a JSON document\n"
		"      --jsonl               print JSON lines\n"
		"  -b, --by WHAT             retained, self or count\n"
		"  -m, --min-bytes SIZE      noise floor\n"
		"  -o, --output FILE         where to write\n"
		"      --no-index            neither read nor write an analysis index\n"
		"      --fail-if-suspects N  exit 1 if there are more than N suspects, a long\n"
		"                            sentence that the printer wraps at the help column\n"
		"  -h, --help                print this help\n"
		"\n"
		"Exit status: 0.\n");
	free(err);
	/* an error before it wins */
	ck_assert_int_eq(parse(&c, argv2, &err), CLI_ERROR);
	ck_assert(strncmp(err, "luaheap: unknown option '--bogus'\n", 34) == 0);
	free(err);
}
END_TEST

START_TEST(a_stopping_command_leaves_everything_after_its_first_operand)
{
	static const cli_opt_cmd run = {
		.name = "run", .args = "SCRIPT [ARGS...]", .min_args = 1,
		.max_args = -1, .missing = "no script given",
		.flags = CLI_OPT_STOP
	};
	char *argv[] = { "run", "--", "s.lua", "-h", "--", "x", NULL };
	char *argv2[] = { "run", "-x", "s.lua", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse_by(&c, &run, argv, 2, &err), CLI_OPT_GO_ON);
	ck_assert_int_eq(c.argc, 4);
	ck_assert_str_eq(c.argv[0], "s.lua");
	ck_assert_str_eq(c.argv[1], "-h");
	ck_assert_str_eq(c.argv[2], "--");
	ck_assert_str_eq(c.argv[3], "x");
	free(err);
	ck_assert_int_eq(parse_by(&c, &run, argv2, 2, &err), CLI_ERROR);
	ck_assert_str_eq(err, "luaheap: unknown option '-x'\n"
		"usage: luaheap run SCRIPT [ARGS...]\n");
	free(err);
}
END_TEST

START_TEST(a_required_option_must_be_given_and_shows_without_brackets)
{
	static const cli_opt_spec opts[] = {
		{ .kind = CLI_OPT_STRING, .short_name = 'o', .long_name = "output",
		  .value_name = "FILE", .off = offsetof(targs, out),
		  .usage = CLI_OPT_SHORT | CLI_OPT_REQUIRED, .help = "where" },
		{ .kind = CLI_OPT_END }
	};
	static const cli_opt_cmd cmd = {
		.name = "export", .args = "SNAPSHOT", .min_args = 1,
		.max_args = 1, .missing = "no snapshot given", .opts = opts
	};
	char *argv[] = { "export", "a.snap", NULL };
	char *argv2[] = { "export", "a.snap", "-oa.json", NULL };
	parse_call c;
	char *err;

	ck_assert_int_eq(parse_by(&c, &cmd, argv, 2, &err), CLI_ERROR);
	ck_assert_str_eq(err, "luaheap: no --output given\n"
		"usage: luaheap export SNAPSHOT -o FILE\n");
	free(err);
	ck_assert_int_eq(parse_by(&c, &cmd, argv2, 2, &err), CLI_OPT_GO_ON);
	ck_assert_str_eq(c.a.out, "a.json");
	free(err);
}
END_TEST

/* ---- every command's table against its help ---- */

typedef struct help_call {
	int (*fn)(int argc, char **argv);
	char *argv[3];
} help_call;

static int run_help(void *ctx)
{
	help_call *h = ctx;

	return h->fn(2, h->argv);
}

/* Whether the synopsis (the lines before the first blank one) names the
 * option "-x" or "--name" as a word of its own. */
static int names(const char *synopsis, size_t len, const char *opt)
{
	size_t n = strlen(opt);
	const char *p;

	for (p = synopsis; (p = strstr(p, opt)) != NULL && p < synopsis + len; p++)
		if ((p == synopsis || strchr(" [", p[-1])) && strchr(" ]\n", p[n]))
			return 1;
	return 0;
}

START_TEST(every_command_synopsis_names_exactly_the_options_it_lists)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "summary", cmd_summary }, { "top", cmd_top }, { "path", cmd_path },
		{ "tree", cmd_tree }, { "refs", cmd_refs }, { "diff", cmd_diff },
		{ "index", cmd_index }, { "report", cmd_report },
		{ "flame", cmd_flame }, { "export", cmd_export },
		{ "dump", cmd_dump }, { "run", cmd_run }
	};
	size_t i, len;
	int rc, listed;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		help_call h = { cmds[i].fn, { (char *)cmds[i].name, "--help", NULL } };
		char *text = capture(1, run_help, &h, &rc), *line, *end, opt[64];

		ck_assert_int_eq(rc, CLI_OK);
		ck_assert(strncmp(text, "usage: luaheap ", 15) == 0);
		len = (size_t)(strstr(text, "\n\n") - text) + 1;
		listed = 0;
		/* each listed option (but --help) is in the synopsis, by one of
		 * its names */
		for (line = text + len; (end = strchr(line, '\n')) != NULL; line = end + 1) {
			char sh[3] = "", lo[40] = "";

			if (strncmp(line, "  -", 3) != 0 && strncmp(line, "      --", 8) != 0)
				continue;
			if (sscanf(line, "  -%1[a-zA-Z], --%39[a-z-]", sh + 1, lo) < 2 &&
			    sscanf(line, "      --%39[a-z-]", lo) != 1)
				continue;
			if (strcmp(lo, "help") == 0)
				continue;
			listed++;
			snprintf(opt, sizeof opt, "--%s", lo);
			sh[0] = '-';
			ck_assert_msg(names(text, len, opt) || (sh[1] && names(text, len, sh)),
				"%s: %s is not in the synopsis", cmds[i].name, opt);
		}
		/* and the synopsis names nothing the list does not */
		for (line = text; (line = strstr(line, " -")) != NULL && line < text + len; line++) {
			const char *w = line + 1;
			size_t n = strcspn(w, " ]|\n");

			snprintf(opt, sizeof opt, "%.*s", (int)n, w);
			ck_assert_msg(strstr(text + len, opt) != NULL,
				"%s: %s is in the synopsis, not in the list", cmds[i].name, opt);
		}
		ck_assert(listed > 0 || strcmp(cmds[i].name, "run") == 0);
		free(text);
	}
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, sizes_read_in_binary_units_with_one_decimal);
	tcase_add_test(tc, counts_group_digits_by_three);
	tcase_add_test(tc, snapshot_bytes_become_valid_utf8);
	tcase_add_test(tc, tables_align_columns_and_leave_no_trailing_blanks);
	tcase_add_test(tc, json_helpers_build_the_document);
	suite_add_tcase(s, tc);
	tc = tcase_create("opt");
	tcase_add_test(tc, options_and_operands_mix_in_any_order);
	tcase_add_test(tc, double_dash_ends_the_options_and_a_lone_dash_is_an_operand);
	tcase_add_test(tc, short_options_cluster_and_take_their_value_attached_or_next);
	tcase_add_test(tc, long_options_take_equals_or_the_next_word_and_unique_prefixes);
	tcase_add_test(tc, bad_options_and_values_are_usage_errors_naming_them);
	tcase_add_test(tc, help_answers_at_once_on_stdout);
	tcase_add_test(tc, a_stopping_command_leaves_everything_after_its_first_operand);
	tcase_add_test(tc, a_required_option_must_be_given_and_shows_without_brackets);
	tcase_add_test(tc, every_command_synopsis_names_exactly_the_options_it_lists);
	suite_add_tcase(s, tc);
	return s;
}
