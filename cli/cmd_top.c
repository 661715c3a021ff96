/*
 * luaheap top: the reachable objects, or groups of them (class, type,
 * function), that retain the most, weigh the most or are the most
 * numerous, with their share of the live heap and an example path.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "luaheap/diff.h"

static const char *const by_names[] = { "retained", "self", "count" };
static const char *const group_names[] = { "none", "class", "type", "function" };

/* What the command line asks. */
typedef struct top_args {
	uint32_t limit;
	int json, by, group;
	const char *cls, *since;
	unsigned flags;                 /* LH_OPEN_* */
} top_args;

static const cli_opt_choice by_choices[] = {
	{ "retained", LH_BY_RETAINED }, { "self", LH_BY_SELF },
	{ "count", LH_BY_COUNT }, { NULL, 0 }
};

static const cli_opt_choice group_choices[] = {
	{ "class", LH_GROUP_CLASS }, { "type", LH_GROUP_TYPE },
	{ "function", LH_GROUP_FUNCTION }, { "none", LH_GROUP_NONE },
	{ NULL, 0 }
};

static const cli_opt_spec options[] = {
	{ CLI_OPT_COUNT, 'n', "limit", "N", offsetof(top_args, limit),
	  CLI_OPT_SHORT, "print the first N rows (default 20, 0 for all)" },
	{ CLI_OPT_CHOICE, 'b', "by", "WHAT", offsetof(top_args, by), 0,
	  "retained, self or count", .choices = by_choices },
	{ CLI_OPT_CHOICE, 'g', "group", "HOW", offsetof(top_args, group), 0,
	  "class, type, function or none", .choices = group_choices },
	{ CLI_OPT_STRING, 'c', "class", "NAME", offsetof(top_args, cls), 0,
	  "the instances of one class" },
	{ CLI_OPT_STRING, 's', "since", "SNAP", offsetof(top_args, since), 0,
	  "with --class: mark the instances new since SNAP" },
	CLI_OPT_JSON(top_args, json),
	CLI_OPT_NO_INDEX(top_args, flags),
	{ CLI_OPT_END }
};

/* Two forms, which one table cannot order: the synopsis is written out
 * (tests/check_cli.c checks it against the table). */
static const cli_opt_cmd command = {
	"top", "SNAPSHOT", 1, 1, "no snapshot given", options,
	"usage: luaheap top SNAPSHOT [-n N] [--by retained|self|count] [--json]\n"
	"                   [--group class|type|function|none] [--no-index]\n"
	"       luaheap top SNAPSHOT --class NAME [--since EARLIER] [-n N] [--json]\n"
	"                   [--no-index]\n",
	"Ranks the reachable objects of SNAPSHOT, grouped by class (default), type,\n"
	"function (closures by source:line) or not at all, by retained size\n"
	"(default), self size or count. A group's retained size counts only the\n"
	"instances no other instance of the same group dominates, so nested\n"
	"instances are not counted twice.\n"
	"\n"
	"With --class, every live instance of class NAME (as the class list\n"
	"names it: game.Player, table, thread, \"function server.lua:40\"), by\n"
	"retained size, with its path; with --since, whether each is new since\n"
	"EARLIER, a snapshot of the same process (as diff decides).\n",
	NULL, 0
};

static void print_json(const lh_analysis *a, const lh_top_row *rows,
	uint32_t nrows, int by, int group, const uint8_t *fresh)
{
	cJSON *doc = cli_json_object(NULL, NULL), *arr, *o, *ex;
	const lh_snapshot *s = lh_analysis_snapshot(a);
	lh_totals tot;
	uint32_t i;

	lh_analysis_totals(&tot, a);
	cli_json_bytes(doc, "snapshot", lh_snapshot_path(s), strlen(lh_snapshot_path(s)));
	cli_json_str(doc, "by", by_names[by]);
	cli_json_str(doc, "group", group_names[group]);
	cli_json_num(doc, "bytes", (double)tot.total_bytes);
	cli_json_num(doc, "live_bytes", (double)tot.live_bytes);
	cli_json_num(doc, "live_objects", lh_dom_live_count(lh_analysis_dom(a)));
	cli_json_num(doc, "garbage_bytes", (double)tot.garbage_bytes);
	cli_json_num(doc, "garbage_objects", tot.garbage_count);
	arr = cli_json_array(doc, "rows");
	for (i = 0; i < nrows; i++) {
		const lh_top_row *r = &rows[i];
		char *path;

		o = cli_json_object(arr, NULL);
		if (r->name != NULL)
			cli_json_bytes(o, "name", r->name, strlen(r->name));
		cli_json_num(o, "count", r->count);
		cli_json_num(o, "self", (double)r->self);
		cli_json_num(o, "retained", (double)r->retained);
		cli_json_num(o, "percent",
			cli_percent(r->retained, tot.live_bytes));
		if (r->obj == LH_NONE)
			continue;
		ex = r->name != NULL && group != LH_GROUP_NONE ?
			cli_json_object(o, "example") : o;
		cli_json_objinfo(ex, a, r->obj);
		path = cli_path_text(a, r->obj, 0);
		cli_json_str(ex, "path", path);
		free(path);
		if (fresh != NULL)
			cli_json_bool(o, "new", fresh[r->obj]);
	}
	cli_print_json(doc);
	cJSON_Delete(doc);
}

static void print_text(const lh_analysis *a, const lh_top_row *rows,
	uint32_t nrows, int group, const uint8_t *fresh)
{
	char rb[CLI_SIZE_BUF], sb[CLI_SIZE_BUF], cb[CLI_SIZE_BUF];
	char gb[CLI_SIZE_BUF], pct[16];
	cli_table *t;
	lh_totals tot;
	uint32_t i;

	lh_analysis_totals(&tot, a);
	printf("%slive heap%s %s in %s objects; %s unreachable (%s objects)\n\n",
		cli_style(CLI_BOLD), cli_style(CLI_RESET),
		cli_size(tot.live_bytes, rb),
		cli_count(lh_dom_live_count(lh_analysis_dom(a)), cb),
		cli_size(tot.garbage_bytes, sb),
		cli_count(tot.garbage_count, gb));
	if (group == LH_GROUP_NONE) {
		t = cli_table_new("rrrllll");
		cli_table_header(t, "retained", "%", "self", "class", "address",
			fresh != NULL ? "new" : "", "path");
	} else {
		t = cli_table_new("rrrrl");
		cli_table_header(t, "retained", "%", "self", "count",
			group == LH_GROUP_TYPE ? "type" : group == LH_GROUP_FUNCTION ?
			"function" : "class");
	}
	for (i = 0; i < nrows; i++) {
		const lh_top_row *r = &rows[i];

		snprintf(pct, sizeof pct, "%.1f%%",
			cli_percent(r->retained, tot.live_bytes));
		cli_size(r->retained, rb);
		cli_size(r->self, sb);
		if (group == LH_GROUP_NONE) {
			char ab[CLI_SIZE_BUF], *path = cli_path_text(a, r->obj, 0);
			char *cls = cli_utf8(cli_class(a, r->obj),
				strlen(cli_class(a, r->obj)));
			cli_table_row(t, rb, pct, sb, cls,
				cli_addr(lh_snapshot_addr(lh_analysis_snapshot(a), r->obj), ab),
				fresh == NULL ? "" : fresh[r->obj] ? "new" : "old", path);
			free(cls);
			free(path);
		} else {
			char *name = cli_utf8(r->name, strlen(r->name));
			cli_table_row(t, rb, pct, sb, cli_count(r->count, cb), name);
			free(name);
		}
	}
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
}

/* fresh[] of a against the earlier snapshot at 'path'. */
static int fresh_since(uint8_t **fresh, const lh_analysis *a,
	const char *path, unsigned flags)
{
	lh_analysis *b = NULL;
	lh_error err;
	int rc;

	if ((rc = cli_open(&b, path, flags)) != CLI_OK)
		return rc;
	lh_error_clear(&err);
	if (lh_diff_fresh(fresh, b, a, &err) != LH_OK)
		cli_die(&err);
	lh_analysis_free(b);
	return rc;
}

int cmd_top(int argc, char **argv)
{
	top_args o = { 20, 0, LH_BY_RETAINED, LH_GROUP_CLASS, NULL, NULL, 0 };
	lh_analysis *a = NULL;
	lh_top_row *rows = NULL;
	uint8_t *fresh = NULL;
	uint32_t nrows = 0;
	lh_error err;
	int rc;

	if ((rc = cli_opt_parse(&command, &o, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if (o.since != NULL && o.cls == NULL)
		return cli_opt_usage_error(&command, "--since goes with --class");
	if ((rc = cli_open(&a, argv[0], o.flags)) != CLI_OK)
		return rc;
	if (o.since != NULL &&
	    (rc = fresh_since(&fresh, a, o.since, o.flags)) != CLI_OK)
		goto done;
	lh_error_clear(&err);
	if (o.cls != NULL) {
		o.group = LH_GROUP_NONE;
		if ((rc = lh_analysis_instances(&rows, &nrows, a, o.cls, o.limit,
		    &err)) == LH_ENOMEM)
			cli_die_nomem();
		if (rc != LH_OK) {
			cli_error("%s: %s", lh_snapshot_path(lh_analysis_snapshot(a)), err.msg);
			rc = CLI_ERROR;
			goto done;
		}
	} else if (lh_analysis_top(&rows, &nrows, a, o.by, o.group, o.limit,
	    &err) != LH_OK)
		cli_die(&err);
	if (o.json)
		print_json(a, rows, nrows, o.by, o.group, fresh);
	else
		print_text(a, rows, nrows, o.group, fresh);
done:
	free(rows);
	free(fresh);
	lh_analysis_free(a);
	return rc;
}
