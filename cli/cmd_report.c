/*
 * luaheap report: one self-contained HTML page for a diff of two or three
 * snapshots (a nightly job's artifact): headline and verdict, suspects,
 * grown tables, new globals, class changes, the numbers the --fail-*
 * options of diff act on, and the growth and retained-size flame graphs.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "pictures.h"
#include "output.h"

/* What the command line asks. */
typedef struct report_args {
	const char *path;
	uint32_t limit;
	unsigned flags;                 /* LH_OPEN_* */
} report_args;

static const cli_opt_spec options[] = {
	{ CLI_OPT_STRING, 'o', "output", "FILE", offsetof(report_args, path),
	  CLI_OPT_SHORT, "where to write (default: standard output)" },
	{ CLI_OPT_COUNT, 'n', "limit", "N", offsetof(report_args, limit),
	  CLI_OPT_SHORT, "rows per table (default 25, 0: all)" },
	CLI_OPT_NO_INDEX(report_args, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"report", "BEFORE AFTER [LATER]", 2, 3,
	"report needs two or three snapshots", options, NULL,
	"Writes what 'luaheap diff' finds as one HTML page that needs nothing\n"
	"else (no network, no other file): the headline and verdict, the leak\n"
	"suspects with their paths and an example each, grown tables, new\n"
	"globals, class changes, the numbers diff's --fail-* options act on,\n"
	"and two flame graphs: growth, and retained size of the last snapshot.\n"
	"Small boxes and long lists fold, so the page stays small for any heap.\n",
	NULL, 0
};

static const char style[] =
	"<style>body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
	"table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;"
	"vertical-align:top}th{border-bottom:1px solid #999}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code{font:12px monospace}.bad{color:#b00;font-weight:bold}"
	".ok{color:#080;font-weight:bold}.dim{color:#666}"
	"svg{display:block;margin:0.5em 0}</style>\n";

static void esc(lh_out *o, const char *s)
{
	lh_out_xml(o, s, strlen(s));
}

static void size_cell(lh_out *o, int64_t v, int sign)
{
	char b[CLI_SIZE_BUF];

	lh_out_puts(o, "<td class=\"n\">");
	if (sign)
		lh_out_puts(o, v < 0 ? "-" : "+");
	lh_out_puts(o, cli_size((uint64_t)(v < 0 ? -v : v), b));
	lh_out_puts(o, "</td>");
}

static void count_cell(lh_out *o, uint64_t v)
{
	char b[CLI_SIZE_BUF];

	lh_out_printf(o, "<td class=\"n\">%s</td>", cli_count(v, b));
}

static uint32_t rows(uint32_t n, uint32_t limit)
{
	return limit && n > limit ? limit : n;
}

static void headline(lh_out *o, const cli_pictures *p, char **paths)
{
	const lh_diff *d = p->diff;
	const lh_diff_totals *t = lh_diff_get_totals(d);
	int64_t growth = (int64_t)t->total_after - (int64_t)t->total_before;
	uint32_t ns = lh_diff_num_suspects(d);
	char b1[CLI_SIZE_BUF], b2[CLI_SIZE_BUF], b3[CLI_SIZE_BUF];
	int k;

	lh_out_puts(o, "<h1>luaheap report</h1>\n<p class=\"dim\">");
	for (k = 0; k < p->n; k++) {
		lh_out_puts(o, k ? " &rarr; " : "");
		lh_out_puts(o, "<code>");
		esc(o, paths[k]);
		lh_out_puts(o, "</code>");
		if (lh_snapshot_header(p->snap[k])->label != NULL &&
		    lh_snapshot_header(p->snap[k])->label[0]) {
			lh_out_puts(o, " (");
			esc(o, lh_snapshot_header(p->snap[k])->label);
			lh_out_puts(o, ")");
		}
	}
	lh_out_printf(o, "</p>\n<p><b>heap %s %s%s</b> (%s &rarr; %s); ",
		growth >= 0 ? "grew" : "shrank", growth >= 0 ? "+" : "-",
		cli_size((uint64_t)(growth < 0 ? -growth : growth), b1),
		cli_size(t->total_before, b2), cli_size(t->total_after, b3));
	lh_out_printf(o, "%s new objects (%s) survived; noise floor %s</p>\n",
		cli_count(t->candidates, b1), cli_size(t->candidate_bytes, b2),
		cli_size(t->floor, b3));
	if (ns > 0) {
		lh_out_printf(o, "<p class=\"bad\" id=\"verdict\">leak suspected: "
			"%" PRIu32 " suspect%s; first: <code>", ns, ns == 1 ? "" : "s");
		esc(o, lh_diff_get_group(d, 0)->pattern);
		lh_out_printf(o, "</code> holds %s</p>\n",
			cli_size(lh_diff_get_group(d, 0)->retained, b1));
	} else {
		lh_out_puts(o, "<p class=\"ok\" id=\"verdict\">no leak suspected: "
			"no container grew beyond the noise floor</p>\n");
	}
	lh_out_printf(o, "<h2>Numbers for --fail-*</h2>\n<table>"
		"<tr><th>option</th><th>value</th></tr>\n"
		"<tr><td><code>--fail-if-growth SIZE</code></td><td class=\"n\" "
		"id=\"fail-growth\">%" PRId64 "</td></tr>\n"
		"<tr><td><code>--fail-if-suspects N</code></td><td class=\"n\" "
		"id=\"fail-suspects\">%" PRIu32 "</td></tr>\n"
		"<tr><td><code>--fail-on-expect-dead</code></td><td class=\"n\" "
		"id=\"fail-expect-dead\">%" PRIu32 "</td></tr></table>\n",
		growth, ns, lh_diff_num_dead(d));
}

static void groups(lh_out *o, const lh_diff *d, uint32_t from, uint32_t n)
{
	uint32_t i;
	int k;

	lh_out_puts(o, "<table><tr><th>#</th><th>retained</th><th>growth</th>"
		"<th>count</th><th>objects</th><th>path, example, classes</th></tr>\n");
	for (i = from; i < from + n; i++) {
		const lh_diff_group *g = lh_diff_get_group(d, i);

		lh_out_printf(o, "<tr><td class=\"n\">%" PRIu32 "</td>", i - from + 1);
		size_cell(o, (int64_t)g->retained, 0);
		size_cell(o, g->growth, 1);
		count_cell(o, g->count);
		count_cell(o, g->objects);
		lh_out_puts(o, "<td><code>");
		esc(o, g->pattern);
		lh_out_puts(o, "</code><br><span class=\"dim\">e.g. <code>");
		esc(o, g->example);
		lh_out_puts(o, "</code>;");
		for (k = 0; k < LH_DIFF_MIX && g->mix_class[k] != NULL; k++) {
			lh_out_printf(o, "%s %" PRIu32 " ", k ? "," : "", g->mix_count[k]);
			esc(o, g->mix_class[k]);
		}
		lh_out_puts(o, "</span></td></tr>\n");
	}
	lh_out_puts(o, "</table>\n");
}

static void grown(lh_out *o, const lh_diff *d, uint32_t limit)
{
	uint32_t i;

	lh_out_puts(o, "<h2>Grown tables</h2>\n<table><tr><th>entries</th>"
		"<th>added</th><th>retained change</th><th>path</th></tr>\n");
	for (i = 0; i < rows(lh_diff_num_grown(d), limit); i++) {
		const lh_diff_grown *g = lh_diff_get_grown(d, i);

		lh_out_printf(o, "<tr><td class=\"n\">%" PRIu32 " &rarr; %" PRIu32
			"</td>", g->entries_before, g->entries_after);
		lh_out_printf(o, "<td class=\"n\">+%" PRIu32 "</td>",
			g->entries_after - g->entries_before);
		size_cell(o, (int64_t)g->retained_after - (int64_t)g->retained_before, 1);
		lh_out_puts(o, "<td><code>");
		esc(o, g->path);
		lh_out_puts(o, "</code></td></tr>\n");
	}
	lh_out_puts(o, "</table>\n");
}

static void globals_and_classes(lh_out *o, const cli_pictures *p,
	uint32_t limit)
{
	const lh_diff *d = p->diff;
	const lh_analysis *last = p->an[p->n - 1];
	uint32_t i;

	lh_out_puts(o, "<h2>New globals</h2>\n<table><tr><th>retained</th>"
		"<th>class</th><th>name</th></tr>\n");
	for (i = 0; i < rows(lh_diff_num_globals(d), limit); i++) {
		const lh_diff_global *gl = lh_diff_get_global(d, i);

		size_cell(o, (int64_t)gl->retained, 0);
		lh_out_puts(o, "<td>");
		esc(o, cli_class(last, gl->obj));
		lh_out_puts(o, "</td><td><code>");
		esc(o, gl->name);
		lh_out_puts(o, "</code></td></tr>\n");
	}
	lh_out_puts(o, "</table>\n<h2>Classes</h2>\n<table><tr><th>count</th>"
		"<th>change</th><th>bytes</th><th>change</th><th>class</th></tr>\n");
	for (i = 0; i < rows(lh_diff_num_classes(d), limit); i++) {
		const lh_diff_class *c = lh_diff_get_class(d, i);

		lh_out_puts(o, "<tr>");
		count_cell(o, c->count_after);
		lh_out_printf(o, "<td class=\"n\">%+" PRId64 "</td>",
			(int64_t)c->count_after - (int64_t)c->count_before);
		size_cell(o, (int64_t)c->bytes_after, 0);
		size_cell(o, (int64_t)c->bytes_after - (int64_t)c->bytes_before, 1);
		lh_out_puts(o, "<td>");
		esc(o, c->name);
		lh_out_puts(o, "</td></tr>\n");
	}
	lh_out_puts(o, "</table>\n");
	if (lh_diff_num_dead(d) == 0)
		return;
	lh_out_puts(o, "<h2>Expected dead, still alive</h2>\n<table>");
	for (i = 0; i < lh_diff_num_dead(d); i++) {
		const lh_diff_dead *dd = lh_diff_get_dead(d, i);

		lh_out_puts(o, "<tr><td>");
		esc(o, dd->label != NULL ? dd->label : "");
		lh_out_puts(o, "</td><td><code>");
		esc(o, dd->path);
		lh_out_puts(o, "</code></td></tr>\n");
	}
	lh_out_puts(o, "</table>\n");
}

static int flames(lh_out *o, const cli_pictures *p, lh_error *err)
{
	lh_flame_opts fo;
	int rc;

	memset(&fo, 0, sizeof fo);
	fo.id = "flame-growth";
	fo.title = "growth: new objects that survived";
	lh_out_puts(o, "<h2>Growth flame graph</h2>\n");
	if ((rc = lh_flame_svg(o, p->an[p->n - 1], cli_pictures_fresh, p->diff,
	    &fo, err)) != LH_OK)
		return rc;
	fo.id = "flame-retained";
	fo.title = "retained size of the last snapshot";
	lh_out_puts(o, "<h2>Retained-size flame graph</h2>\n");
	return lh_flame_svg(o, p->an[p->n - 1], NULL, NULL, &fo, err);
}

typedef struct report_job {
	const cli_pictures *p;
	char **paths;
	uint32_t limit;
} report_job;

static int write_page(lh_out *o, void *ctx, lh_error *err)
{
	const report_job *j = ctx;
	const cli_pictures *p = j->p;
	char **paths = j->paths;
	uint32_t limit = j->limit;
	const lh_diff *d = p->diff;
	uint32_t ns = lh_diff_num_suspects(d);
	uint32_t nother = lh_diff_num_groups(d) - ns;
	int rc;

	lh_out_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		"<meta charset=\"utf-8\"><title>luaheap report</title>\n");
	lh_out_puts(o, style);
	lh_out_puts(o, "</head><body>\n");
	headline(o, p, paths);
	lh_out_printf(o, "<h2>Suspects</h2>\n");
	if (ns)
		groups(o, d, 0, rows(ns, limit));
	else
		lh_out_puts(o, "<p>none</p>\n");
	if ((rc = flames(o, p, err)) != LH_OK)
		return rc;
	grown(o, d, limit);
	globals_and_classes(o, p, limit);
	if (nother) {
		lh_out_puts(o, "<h2>Other new objects</h2>\n<p class=\"dim\">their "
			"containers did not grow: churn</p>\n");
		groups(o, d, ns, rows(nother, limit));
	}
	lh_out_printf(o, "<p class=\"dim\">registry %" PRIu32 " &rarr; %" PRIu32
		" entries; coroutines %" PRIu32 " &rarr; %" PRIu32 "</p>\n",
		lh_diff_get_totals(d)->registry_before,
		lh_diff_get_totals(d)->registry_after,
		lh_diff_get_totals(d)->threads_before,
		lh_diff_get_totals(d)->threads_after);
	lh_out_puts(o, "</body></html>\n");
	return LH_OK;
}

int cmd_report(int argc, char **argv)
{
	report_args args = { NULL, 25, 0 };
	cli_pictures p;
	const char *path;
	report_job job;
	int n, rc;

	if ((rc = cli_opt_parse(&command, &args, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	n = argc;
	path = args.path;
	if ((rc = cli_pictures_load(&p, argv, n, args.flags)) != CLI_OK)
		goto done;
	job.p = &p;
	job.paths = argv;
	job.limit = args.limit;
	rc = cli_output_write(path, write_page, &job);
	if (rc == CLI_OK && path != NULL && strcmp(path, "-") != 0)
		printf("wrote %s: %s (%u suspect%s)\n", path,
			lh_diff_num_suspects(p.diff) ? "leak suspected" :
			"no leak suspected", lh_diff_num_suspects(p.diff),
			lh_diff_num_suspects(p.diff) == 1 ? "" : "s");
done:
	cli_pictures_release(&p);
	return rc;
}
