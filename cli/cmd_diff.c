/*
 * luaheap diff: what grew between two (or three) snapshots of one process,
 * and who keeps it: leak suspects grouped by folded root path, grown
 * tables, new globals, class deltas, expected-dead objects still alive;
 * thresholds for nightly jobs.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"
#include "luaheap/diff.h"

/* What the command line asks. */
typedef struct diff_args {
	uint32_t limit;
	uint64_t min_bytes;             /* 0: lh_diff's default */
	uint64_t fail_growth;           /* UINT64_MAX: no threshold */
	uint32_t fail_suspects;         /* UINT32_MAX: no threshold */
	int json, members, fail_dead;
	unsigned flags;                 /* LH_OPEN_* */
} diff_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_COUNT, 'n', "limit", "N", offsetof(diff_args, limit),
	  CLI_OPT_SHORT, "print N rows per section (default 10, 0: all)" },
	{ CLI_OPT_SIZE, 'm', "min-bytes", "SIZE", offsetof(diff_args, min_bytes),
	  0, "noise floor (default: 4 KiB or 0.1% of the heap)" },
	CLI_OPT_JSON(diff_args, json),
	{ CLI_OPT_SWITCH, 0, "members", NULL, offsetof(diff_args, members), 0,
	  "under each suspect, its containers that grew the most (the biggest "
	  "members of a folded group such as _G.World.grid[*][*])" },
	{ CLI_OPT_SIZE, 0, "fail-if-growth", "SIZE",
	  offsetof(diff_args, fail_growth), 0,
	  "exit 1 if Lua's byte count grew by more" },
	{ CLI_OPT_COUNT, 0, "fail-if-suspects", "N",
	  offsetof(diff_args, fail_suspects), 0,
	  "exit 1 if there are more than N suspects" },
	{ CLI_OPT_SWITCH, 0, "fail-on-expect-dead", NULL,
	  offsetof(diff_args, fail_dead), 0,
	  "exit 1 if an object marked with luaheap.expect_dead is still alive" },
	CLI_OPT_NO_INDEX(diff_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"diff", "BEFORE AFTER [LATER]", 2, 3, "diff needs two or three snapshots",
	options, NULL,
	"Compares snapshots of one process, oldest first. Objects created after\n"
	"BEFORE that are still alive in AFTER are grouped by the root path that\n"
	"holds them, indices folded (_G.Server.timers[*]); a group is a suspect\n"
	"when the containers holding it grew by more than the noise floor, so\n"
	"balanced churn is not reported. With three snapshots the candidates are\n"
	"the objects new in AFTER that are still alive in LATER, and groups that\n"
	"also grew from AFTER to LATER rank first.\n",
	"Exit status: 0 nothing crossed, 1 a --fail-* threshold was crossed,\n"
	"2 usage or input error.\n",
	0
};

static int show_members;           /* --members */

/* Loading and analysing one snapshot, run in a thread of its own: the
 * snapshots are independent, and the machine has more than one core. */
typedef struct job {
	const char *path;
	const lh_snapshot *snap;    /* the analysis's */
	unsigned flags;             /* LH_OPEN_* */
	lh_analysis *an;
	lh_error err;
	int rc;
} job;

static void note(void *ctx, const char *msg)
{
	(void)ctx;
	cli_error("%s", msg);
}

static void *run_job(void *arg)
{
	job *j = arg;

	lh_error_clear(&j->err);
	lh_open_opts o;

	memset(&o, 0, sizeof o);
	o.flags = j->flags;
	o.note = note;
	j->rc = lh_analysis_open(&j->an, j->path, &o, &j->err);
	if (j->rc == LH_OK)
		j->snap = lh_analysis_snapshot(j->an);
	return NULL;
}

/* Runs the jobs, all but the first in threads (or in turn if a thread
 * cannot be had); reports the first failure. */
static int run_jobs(job *jobs, int n)
{
	pthread_t tid[3];
	int started[3] = { 0, 0, 0 }, k;

	for (k = 1; k < n; k++)
		started[k] = pthread_create(&tid[k], NULL, run_job, &jobs[k]) == 0;
	run_job(&jobs[0]);
	for (k = 1; k < n; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			run_job(&jobs[k]);
	}
	for (k = 0; k < n; k++) {
		if (jobs[k].rc == LH_OK)
			continue;
		if (jobs[k].rc == LH_ENOMEM)
			cli_die_nomem();
		cli_error("%s", jobs[k].err.msg);
		return CLI_ERROR;
	}
	return CLI_OK;
}

static char *signed_size(int64_t v, char buf[CLI_SIZE_BUF + 1])
{
	char tmp[CLI_SIZE_BUF];

	cli_size((uint64_t)(v < 0 ? -v : v), tmp);
	snprintf(buf, CLI_SIZE_BUF + 1, "%s%s", v < 0 ? "-" : "+", tmp);
	return buf;
}

static uint32_t rows(uint32_t n, uint32_t limit)
{
	return limit && n > limit ? limit : n;
}

/* "members": the group's containers that grew the most. */
static void json_members(cJSON *o, const lh_diff_group *g,
	const lh_analysis *last)
{
	cJSON *arr = cli_json_array(o, "members");
	int i;

	for (i = 0; i < LH_DIFF_MEMBERS && g->member[i] != LH_NONE; i++) {
		cJSON *m = cli_json_object(arr, NULL);
		char *path = cli_path_text(last, g->member[i], 0);

		cli_json_str(m, "path", path);
		cli_json_addr(m, "address", lh_snapshot_addr(lh_analysis_snapshot(last), g->member[i]));
		cli_json_num(m, "growth", (double)g->member_growth[i]);
		free(path);
	}
}

static void json_group(cJSON *arr, const lh_diff_group *g,
	const lh_analysis *last)
{
	cJSON *o = cli_json_object(arr, NULL), *mix;
	int i;

	cli_json_bytes(o, "path", g->pattern, strlen(g->pattern));
	cli_json_num(o, "count", g->count);
	cli_json_num(o, "objects", g->objects);
	cli_json_num(o, "bytes", (double)g->bytes);
	cli_json_num(o, "retained", (double)g->retained);
	cli_json_num(o, "growth", (double)g->growth);
	cli_json_num(o, "growth_late", (double)g->growth_late);
	cli_json_num(o, "containers", g->ncontainers);
	cli_json_bytes(o, "example", g->example, strlen(g->example));
	cli_json_addr(o, "example_address",
		lh_snapshot_addr(lh_analysis_snapshot(last), g->example_obj));
	json_members(o, g, last);
	mix = cli_json_array(o, "classes");
	for (i = 0; i < LH_DIFF_MIX && g->mix_class[i] != NULL; i++) {
		cJSON *c = cli_json_object(mix, NULL);
		cli_json_bytes(c, "class", g->mix_class[i], strlen(g->mix_class[i]));
		cli_json_num(c, "count", g->mix_count[i]);
	}
}

/* The figures over the whole heap. */
static void json_totals(cJSON *doc, const lh_diff *d)
{
	const lh_diff_totals *t = lh_diff_get_totals(d);

	cli_json_num(doc, "total_before", (double)t->total_before);
	cli_json_num(doc, "total_after", (double)t->total_after);
	cli_json_num(doc, "growth", (double)t->total_after - (double)t->total_before);
	cli_json_num(doc, "live_before", (double)t->live_before);
	cli_json_num(doc, "live_after", (double)t->live_after);
	cli_json_num(doc, "objects_before", t->objects_before);
	cli_json_num(doc, "objects_after", t->objects_after);
	cli_json_num(doc, "candidates", t->candidates);
	cli_json_num(doc, "candidate_bytes", (double)t->candidate_bytes);
	cli_json_num(doc, "noise_floor", (double)t->floor);
	cli_json_num(doc, "suspect_count", lh_diff_num_suspects(d));
}

/* "grown": grown tables, folded by path. */
static void json_grown(cJSON *doc, const lh_diff *d, const lh_analysis *last,
	uint32_t limit)
{
	cJSON *arr = cli_json_array(doc, "grown"), *o;
	uint32_t i;

	for (i = 0; i < rows(lh_diff_num_grown(d), limit); i++) {
		const lh_diff_grown *g = lh_diff_get_grown(d, i);
		o = cli_json_object(arr, NULL);
		cli_json_bytes(o, "pattern", g->pattern, strlen(g->pattern));
		cli_json_num(o, "tables", g->count);
		cli_json_bytes(o, "path", g->path, strlen(g->path));
		cli_json_addr(o, "address", lh_snapshot_addr(lh_analysis_snapshot(last), g->obj));
		cli_json_num(o, "entries_before", g->entries_before);
		cli_json_num(o, "entries_after", g->entries_after);
		cli_json_num(o, "bytes_before", (double)g->bytes_before);
		cli_json_num(o, "bytes_after", (double)g->bytes_after);
		cli_json_num(o, "retained_before", (double)g->retained_before);
		cli_json_num(o, "retained_after", (double)g->retained_after);
	}
}

/* "new_globals" and "classes". */
static void json_globals_classes(cJSON *doc, const lh_diff *d,
	const lh_analysis *last, uint32_t limit)
{
	cJSON *arr = cli_json_array(doc, "new_globals"), *o;
	uint32_t i;

	for (i = 0; i < rows(lh_diff_num_globals(d), limit); i++) {
		const lh_diff_global *gl = lh_diff_get_global(d, i);
		o = cli_json_object(arr, NULL);
		cli_json_bytes(o, "name", gl->name, strlen(gl->name));
		cli_json_objinfo(o, last, gl->obj);
	}
	arr = cli_json_array(doc, "classes");
	for (i = 0; i < rows(lh_diff_num_classes(d), limit); i++) {
		const lh_diff_class *c = lh_diff_get_class(d, i);
		o = cli_json_object(arr, NULL);
		cli_json_bytes(o, "class", c->name, strlen(c->name));
		cli_json_num(o, "count_before", c->count_before);
		cli_json_num(o, "count_after", c->count_after);
		cli_json_num(o, "bytes_before", (double)c->bytes_before);
		cli_json_num(o, "bytes_after", (double)c->bytes_after);
	}
}

/* "expect_dead_groups" and "expect_dead". */
static void json_dead(cJSON *doc, const lh_diff *d, const lh_analysis *last,
	uint32_t limit)
{
	cJSON *arr = cli_json_array(doc, "expect_dead_groups"), *o;
	uint32_t i;

	for (i = 0; i < rows(lh_diff_num_dead_groups(d), limit); i++) {
		const lh_diff_dead_group *g = lh_diff_get_dead_group(d, i);
		o = cli_json_object(arr, NULL);
		cli_json_bytes(o, "path", g->pattern, strlen(g->pattern));
		cli_json_num(o, "count", g->count);
		cli_json_num(o, "retained", (double)g->retained);
		cli_json_str(o, "label", g->label ? g->label : "");
		cli_json_bytes(o, "example", g->example, strlen(g->example));
		cli_json_addr(o, "example_address",
			lh_snapshot_addr(lh_analysis_snapshot(last), g->example_obj));
	}
	arr = cli_json_array(doc, "expect_dead");
	for (i = 0; i < lh_diff_num_dead(d); i++) {
		const lh_diff_dead *dd = lh_diff_get_dead(d, i);
		o = cli_json_object(arr, NULL);
		cli_json_str(o, "label", dd->label ? dd->label : "");
		cli_json_bytes(o, "path", dd->path, strlen(dd->path));
		cli_json_objinfo(o, last, dd->obj);
	}
}

static void print_json(const lh_diff *d, const lh_analysis *last,
	char **paths, int n, uint32_t limit)
{
	const lh_diff_totals *t = lh_diff_get_totals(d);
	cJSON *doc = cli_json_object(NULL, NULL), *arr, *o;
	uint32_t i, ns = lh_diff_num_suspects(d), ng = lh_diff_num_groups(d);
	int k;

	arr = cli_json_array(doc, "snapshots");
	for (k = 0; k < n; k++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(paths[k]));
	json_totals(doc, d);
	arr = cli_json_array(doc, "suspects");
	for (i = 0; i < rows(ns, limit); i++)
		json_group(arr, lh_diff_get_group(d, i), last);
	arr = cli_json_array(doc, "other_groups");
	for (i = ns; i < ns + rows(ng - ns, limit); i++)
		json_group(arr, lh_diff_get_group(d, i), last);
	json_grown(doc, d, last, limit);
	json_globals_classes(doc, d, last, limit);
	o = cli_json_object(doc, "registry");
	cli_json_num(o, "before", t->registry_before);
	cli_json_num(o, "after", t->registry_after);
	o = cli_json_object(doc, "coroutines");
	cli_json_num(o, "before", t->threads_before);
	cli_json_num(o, "after", t->threads_after);
	json_dead(doc, d, last, limit);
	cli_print_json(doc);
	cJSON_Delete(doc);
}

/* The example line of group i (numbered from 'from'): its path, the
 * object's class and address, and the class mix. */
static void text_example(const lh_diff *d, const lh_analysis *last,
	uint32_t i, uint32_t from)
{
	const lh_diff_group *g = lh_diff_get_group(d, i);
	char *ex = cli_utf8(g->example, strlen(g->example));
	char cb[CLI_SIZE_BUF], ab[CLI_SIZE_BUF];
	int k;

	printf("  %s#%" PRIu32 "%s e.g. %s  (%s %s)\n      classes:",
		cli_style(CLI_DIM), i - from + 1, cli_style(CLI_RESET), ex,
		cli_class(last, g->example_obj),
		cli_addr(lh_snapshot_addr(lh_analysis_snapshot(last), g->example_obj), ab));
	for (k = 0; k < LH_DIFF_MIX && g->mix_class[k] != NULL; k++) {
		char *cls = cli_utf8(g->mix_class[k], strlen(g->mix_class[k]));
		printf("%s %s %s", k ? "," : "", cli_count(g->mix_count[k], cb), cls);
		free(cls);
	}
	printf("\n");
	free(ex);
	for (k = 0; show_members && k < LH_DIFF_MEMBERS &&
	    g->member[k] != LH_NONE; k++) {
		char gb[CLI_SIZE_BUF + 1], *path = cli_path_text(last, g->member[k], 0);

		printf("      %s %s  %s\n", k ? "        " : "members:",
			signed_size(g->member_growth[k], gb), path);
		free(path);
	}
}

static void text_groups(const lh_diff *d, const lh_analysis *last,
	uint32_t from, uint32_t count, int nsnap)
{
	char rb[CLI_SIZE_BUF], gb[CLI_SIZE_BUF + 1], lb[CLI_SIZE_BUF + 1];
	char cb[CLI_SIZE_BUF], ob[CLI_SIZE_BUF], nb[CLI_SIZE_BUF], idx[16];
	cli_table *t = cli_table_new(nsnap == 3 ? "rrrrrrrl" : "rrrrrrl");
	uint32_t i;

	if (nsnap == 3)
		cli_table_header(t, "#", "retained", "growth", "late", "count",
			"objects", "containers", "path");
	else
		cli_table_header(t, "#", "retained", "growth", "count", "objects",
			"containers", "path");
	for (i = from; i < from + count; i++) {
		const lh_diff_group *g = lh_diff_get_group(d, i);
		char *path = cli_utf8(g->pattern, strlen(g->pattern));

		snprintf(idx, sizeof idx, "%" PRIu32, i - from + 1);
		cli_size(g->retained, rb);
		signed_size(g->growth, gb);
		signed_size(g->growth_late, lb);
		cli_count(g->count, cb);
		cli_count(g->objects, ob);
		cli_count(g->ncontainers, nb);
		if (nsnap == 3)
			cli_table_row(t, idx, rb, gb, lb, cb, ob, nb, path);
		else
			cli_table_row(t, idx, rb, gb, cb, ob, nb, path);
		free(path);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
	/* One example and the class mix per group, below the table: the
	 * first three, or as many as -n asks. */
	for (i = from; i < from + count && i < from + 3; i++)
		text_example(d, last, i, from);
}

/* Expected-dead objects still alive, folded by path. */
static void text_dead(const lh_diff *d, const lh_analysis *last,
	uint32_t limit)
{
	char b1[CLI_SIZE_BUF], c1[CLI_SIZE_BUF];
	cli_table *t = cli_table_new("rrrl");
	uint32_t i, n = rows(lh_diff_num_dead_groups(d), limit);

	printf("\n%sexpected dead, still alive%s: %s objects\n",
		cli_style(CLI_BOLD), cli_style(CLI_RESET),
		cli_count(lh_diff_num_dead(d), c1));
	cli_table_header(t, "#", "retained", "count", "path");
	for (i = 0; i < n; i++) {
		const lh_diff_dead_group *g = lh_diff_get_dead_group(d, i);
		char idx[16], *path = cli_utf8(g->pattern, strlen(g->pattern));

		snprintf(idx, sizeof idx, "%" PRIu32, i + 1);
		cli_table_row(t, idx, cli_size(g->retained, b1),
			cli_count(g->count, c1), path);
		free(path);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
	for (i = 0; i < n && i < 3; i++) {
		const lh_diff_dead_group *g = lh_diff_get_dead_group(d, i);
		char *ex = cli_utf8(g->example, strlen(g->example));
		char *label = cli_utf8(g->label ? g->label : "",
			g->label ? strlen(g->label) : 0);

		printf("  %s#%" PRIu32 "%s e.g. %s (%s %s): %s\n",
			cli_style(CLI_DIM), i + 1, cli_style(CLI_RESET), label,
			cli_class(last, g->example_obj),
			cli_addr(lh_snapshot_addr(lh_analysis_snapshot(last), g->example_obj), b1),
			ex);
		free(ex);
		free(label);
	}
}

/* Grown tables, folded by path like the groups. */
static void text_grown(const lh_diff *d, uint32_t limit)
{
	char b3[CLI_SIZE_BUF + 1], c1[CLI_SIZE_BUF], c2[CLI_SIZE_BUF];
	cli_table *t = cli_table_new("rrrrl");
	uint32_t i;

	printf("\n%sgrown tables%s\n", cli_style(CLI_BOLD), cli_style(CLI_RESET));
	cli_table_header(t, "tables", "entries", "added", "retained", "path");
	for (i = 0; i < rows(lh_diff_num_grown(d), limit); i++) {
		const lh_diff_grown *g = lh_diff_get_grown(d, i);
		char e[64], add[32], nt[CLI_SIZE_BUF];
		char *path = cli_utf8(g->pattern, strlen(g->pattern));

		snprintf(e, sizeof e, "%s -> %s", cli_count(g->entries_before, c1),
			cli_count(g->entries_after, c2));
		snprintf(add, sizeof add, "+%s",
			cli_count(g->entries_after - g->entries_before, c1));
		cli_table_row(t, cli_count(g->count, nt), e, add,
			signed_size((int64_t)g->retained_after -
			(int64_t)g->retained_before, b3), path);
		free(path);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
}

/* New globals, then classes that moved. */
static void text_globals_classes(const lh_diff *d, const lh_analysis *last,
	uint32_t limit)
{
	char b1[CLI_SIZE_BUF], c1[CLI_SIZE_BUF];
	cli_table *t;
	uint32_t i;

	if (lh_diff_num_globals(d)) {
		printf("\n%snew globals%s\n", cli_style(CLI_BOLD), cli_style(CLI_RESET));
		t = cli_table_new("rll");
		cli_table_header(t, "retained", "class", "name");
		for (i = 0; i < rows(lh_diff_num_globals(d), limit); i++) {
			const lh_diff_global *gl = lh_diff_get_global(d, i);
			char *name = cli_utf8(gl->name, strlen(gl->name));
			const char *cls = cli_class(last, gl->obj);
			char *c = cli_utf8(cls, strlen(cls));
			cli_table_row(t, cli_size(gl->retained, b1), c, name);
			free(name);
			free(c);
		}
		cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
	if (lh_diff_num_classes(d)) {
		printf("\n%sclasses%s (live objects)\n", cli_style(CLI_BOLD),
			cli_style(CLI_RESET));
		t = cli_table_new("rrrrl");
		cli_table_header(t, "count", "change", "bytes", "change", "class");
		for (i = 0; i < rows(lh_diff_num_classes(d), limit); i++) {
			const lh_diff_class *c = lh_diff_get_class(d, i);
			char dc[32], db[CLI_SIZE_BUF + 1];
			char *name = cli_utf8(c->name, strlen(c->name));

			snprintf(dc, sizeof dc, "%+" PRId64,
				(int64_t)c->count_after - (int64_t)c->count_before);
			signed_size((int64_t)c->bytes_after - (int64_t)c->bytes_before, db);
			cli_table_row(t, cli_count(c->count_after, c1), dc,
				cli_size(c->bytes_after, b1), db, name);
			free(name);
		}
		cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
}

static void print_text(const lh_diff *d, const lh_analysis *last,
	char **paths, int n, uint32_t limit)
{
	char b1[CLI_SIZE_BUF], b2[CLI_SIZE_BUF], b3[CLI_SIZE_BUF + 1];
	char c1[CLI_SIZE_BUF], c2[CLI_SIZE_BUF];
	const lh_diff_totals *t = lh_diff_get_totals(d);
	int64_t growth = (int64_t)t->total_after - (int64_t)t->total_before;
	uint32_t i, ns = lh_diff_num_suspects(d);
	uint32_t nother = lh_diff_num_groups(d) - ns;

	printf("%sheap %s %s%s (%s -> %s), %s%" PRIu32 " suspect%s%s\n",
		cli_style(CLI_BOLD), growth >= 0 ? "grew" : "shrank",
		signed_size(growth, b3), cli_style(CLI_RESET),
		cli_size(t->total_before, b1), cli_size(t->total_after, b2),
		ns ? cli_style(CLI_RED) : cli_style(CLI_GREEN),
		ns, ns == 1 ? "" : "s", cli_style(CLI_RESET));
	printf("  %s", paths[0]);
	for (i = 1; i < (uint32_t)n; i++)
		printf(" -> %s", paths[i]);
	printf("; %s new objects (%s) survived%s; noise floor %s\n",
		cli_count(t->candidates, c1), cli_size(t->candidate_bytes, b1),
		n == 3 ? " into the last snapshot" : "", cli_size(t->floor, b2));

	if (ns) {
		printf("\n%ssuspects%s: new objects that survived, by the path that "
			"holds them\n", cli_style(CLI_BOLD), cli_style(CLI_RESET));
		text_groups(d, last, 0, rows(ns, limit), n);
	}
	if (lh_diff_num_dead(d))
		text_dead(d, last, limit);
	if (lh_diff_num_grown(d))
		text_grown(d, limit);
	text_globals_classes(d, last, limit);
	if (nother) {
		printf("\n%sother new objects%s (their containers did not grow: churn)\n",
			cli_style(CLI_BOLD), cli_style(CLI_RESET));
		text_groups(d, last, ns, rows(nother, limit), n);
	}
	printf("\nregistry %s -> %s entries; coroutines %s -> %s\n",
		cli_count(t->registry_before, c1), cli_count(t->registry_after, c2),
		cli_count(t->threads_before, b1), cli_count(t->threads_after, b2));
}

int cmd_diff(int argc, char **argv)
{
	diff_args args = { 10, 0, UINT64_MAX, UINT32_MAX, 0, 0, 0, 0 };
	const lh_snapshot *snap[3] = { NULL, NULL, NULL };
	lh_analysis *an[3] = { NULL, NULL, NULL };
	lh_diff *d = NULL;
	const lh_diff_totals *t;
	lh_diff_opts dopts;
	job jobs[3];
	lh_error err;
	int k, n, rc = CLI_OK;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	n = argc;
	show_members = args.members;
	memset(&dopts, 0, sizeof dopts);
	dopts.min_bytes = args.min_bytes;
	memset(jobs, 0, sizeof jobs);
	for (k = 0; k < n; k++) {
		jobs[k].path = argv[k];
		jobs[k].flags = args.flags;
	}
	if (isatty(STDERR_FILENO))             /* big snapshots take seconds */
		fprintf(stderr, "luaheap: reading and analysing %d snapshots...\r", n);
	rc = run_jobs(jobs, n);
	if (isatty(STDERR_FILENO))
		fputs("\033[K", stderr);
	for (k = 0; k < n; k++) {
		snap[k] = jobs[k].snap;
		an[k] = jobs[k].an;
	}
	if (rc != CLI_OK)
		goto done;
	for (k = 1; k < n; k++) {
		const lh_header *h0 = lh_snapshot_header(snap[k - 1]),
		    *h1 = lh_snapshot_header(snap[k]);

		if (h0->pid != h1->pid)
			cli_error("warning: '%s' and '%s' come from different processes "
				"(pid %llu and %llu): objects cannot be matched across them",
				lh_snapshot_path(snap[k - 1]), lh_snapshot_path(snap[k]),
				(unsigned long long)h0->pid, (unsigned long long)h1->pid);
		else if (h1->time < h0->time)
			cli_error("warning: '%s' was taken before '%s': give the "
				"snapshots oldest first", lh_snapshot_path(snap[k]),
				lh_snapshot_path(snap[k - 1]));
	}
	lh_error_clear(&err);
	if (lh_diff_compute(&d, (const lh_analysis *const *)an, n, &dopts, &err)
	    != LH_OK) {
		if (err.code == LH_ENOMEM)
			cli_die_nomem();
		cli_error("cannot diff: %s", err.msg);
		rc = CLI_ERROR;
		goto done;
	}
	if (args.json)
		print_json(d, an[n - 1], argv, n, args.limit);
	else
		print_text(d, an[n - 1], argv, n, args.limit);
	t = lh_diff_get_totals(d);
	if ((t->total_after > t->total_before &&
	     t->total_after - t->total_before > args.fail_growth) ||
	    lh_diff_num_suspects(d) > args.fail_suspects ||
	    (args.fail_dead && lh_diff_num_dead(d) > 0))
		rc = CLI_FAIL;
done:
	lh_diff_free(d);
	for (k = 0; k < 3; k++) {
		lh_analysis_free(an[k]);   /* and its snapshot */
	}
	return rc;
}
