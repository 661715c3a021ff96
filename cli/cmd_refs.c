/*
 * luaheap refs: who references an object. Each direct referrer with the
 * reference's label, its own path and retained size; with --depth D the
 * referrers of the referrers, D levels up, each object listed once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"


typedef struct refs_ctx {
	const lh_analysis *a;
	uint32_t depth, limit;      /* --depth, --limit */
	uint8_t *seen;              /* [nobj] listed already */
	cli_table *t;               /* text output, or NULL */
	cJSON *arr;                 /* JSON output, or NULL */
	int json;                   /* --json */
	unsigned flags;             /* LH_OPEN_* */
} refs_ctx;

static const cli_opt_spec options[] = {
	{ CLI_OPT_COUNT, 'd', "depth", "D", offsetof(refs_ctx, depth), 0,
	  "levels of referrers (default 1)", .min = 1 },
	{ CLI_OPT_COUNT, 'n', "limit", "N", offsetof(refs_ctx, limit),
	  CLI_OPT_SHORT, "referrers listed per object (default 20, 0: all)" },
	CLI_OPT_JSON(refs_ctx, json),
	CLI_OPT_NO_INDEX(refs_ctx, flags),
	{ CLI_OPT_END }
};

static const cli_opt_cmd command = {
	"refs", "SNAPSHOT OBJECT", 2, 2, "need a snapshot and an object",
	options, NULL,
	"Lists the objects that reference OBJECT (an address or a path as the\n"
	"other commands print it): the reference's label as a path step, the\n"
	"referrer's class, address, retained size and shortest path. A weak\n"
	"reference, which does not keep OBJECT alive, is marked. With --depth D\n"
	"the referrers of each referrer follow, indented, up to D levels, each\n"
	"object once.\n",
	NULL, 0
};

/* One referrer row: text columns or a JSON object (returned for its
 * nested referrers). */
static cJSON *ref_row(refs_ctx *x, const lh_ref *r, uint32_t level,
	cJSON *arr)
{
	const lh_analysis *a = x->a;
	char rb[CLI_SIZE_BUF], ab[CLI_SIZE_BUF], *path, *edge, *cls;
	lh_strbuf sb;
	cJSON *o = NULL;

	lh_strbuf_init(&sb);
	lh_render_edge(&sb, lh_analysis_snapshot(a), r->from, r->edge, 0);
	edge = cli_utf8(sb.buf ? sb.buf : "", sb.len);
	lh_strbuf_release(&sb);
	path = cli_path_text(a, r->from, 0);
	if (arr != NULL) {
		o = cli_json_object(arr, NULL);
		cli_json_str(o, "edge", edge);
		cli_json_bool(o, "weak", !r->retains);
		cli_json_objinfo(o, a, r->from);
		cli_json_str(o, "path", path);
	} else {
		char ind[64], *label;
		size_t n = strlen(edge) + 2 * level + 16;

		snprintf(ind, sizeof ind, "%*s", (int)(2 * (level - 1)), "");
		label = malloc(n);
		if (label == NULL)
			cli_die_nomem();
		snprintf(label, n, "%s%s%s", ind, edge, r->retains ? "" : " (weak)");
		cls = cli_utf8(cli_class(a, r->from), strlen(cli_class(a, r->from)));
		cli_table_row(x->t, label, cls,
			cli_addr(lh_snapshot_addr(lh_analysis_snapshot(a),
			r->from), ab),
			cli_size(lh_dom_retained(lh_analysis_dom(a), r->from),
			rb), path);
		free(label);
		free(cls);
	}
	free(edge);
	free(path);
	return o;
}

/* The referrers of v at level 'level' (1: direct), then theirs. */
static void list_refs(refs_ctx *x, uint32_t v, uint32_t level, cJSON *arr)
{
	lh_ref *refs = NULL;
	uint32_t n = 0, i;
	lh_error err;

	lh_error_clear(&err);
	if (lh_analysis_referrers(&refs, &n, x->a, v, &err) != LH_OK)
		cli_die(&err);
	for (i = 0; i < n && (x->limit == 0 || i < x->limit); i++) {
		uint32_t u = refs[i].from;
		cJSON *o = ref_row(x, &refs[i], level, arr);

		if (level < x->depth && !x->seen[u]) {
			x->seen[u] = 1;
			list_refs(x, u, level + 1,
				o != NULL ? cli_json_array(o, "referrers") : NULL);
		}
	}
	if (n > i && x->t != NULL) {
		char cb[CLI_SIZE_BUF], more[64];

		snprintf(more, sizeof more, "%*s\xe2\x80\xa6 %s more",
			(int)(2 * (level - 1)), "", cli_count(n - i, cb));
		cli_table_row(x->t, more, "", "", "", "");
	}
	free(refs);
}

int cmd_refs(int argc, char **argv)
{
	refs_ctx x = { NULL, 1, 20, NULL, NULL, NULL, 0, 0 };
	const lh_snapshot *snap;
	lh_analysis *a = NULL;
	cJSON *doc = NULL;
	uint32_t v;
	int rc;

	if ((rc = cli_opt_parse(&command, &x, &argc, &argv)) != CLI_OPT_GO_ON)
		return rc;
	if ((rc = cli_open(&a, argv[0], x.flags)) != CLI_OK)
		return rc;
	snap = lh_analysis_snapshot(a);
	if ((rc = cli_resolve(&v, snap, argv[1])) != CLI_OK)
		goto done;
	x.a = a;
	if ((x.seen = calloc((size_t)lh_snapshot_count(snap) + 1, 1)) == NULL)
		cli_die_nomem();
	x.seen[v] = 1;
	if (x.json) {
		char *path = cli_path_text(a, v, 0);

		doc = cli_json_object(NULL, NULL);
		cli_json_bytes(doc, "snapshot", lh_snapshot_path(snap), strlen(lh_snapshot_path(snap)));
		cli_json_objinfo(cli_json_object(doc, "object"), a, v);
		cli_json_str(cJSON_GetObjectItem(doc, "object"), "path", path);
		free(path);
		list_refs(&x, v, 1, cli_json_array(doc, "referrers"));
		cli_print_json(doc);
		cJSON_Delete(doc);
	} else {
		char ab[CLI_SIZE_BUF], rb[CLI_SIZE_BUF], *path = cli_path_text(a, v, 0);

		printf("%sreferrers of%s %s  (%s %s, retains %s)\n",
			cli_style(CLI_BOLD), cli_style(CLI_RESET), path,
			cli_class(a, v), cli_addr(lh_snapshot_addr(snap, v), ab),
			cli_size(lh_dom_retained(lh_analysis_dom(a), v), rb));
		free(path);
		x.t = cli_table_new("lllrl");
		cli_table_header(x.t, "reference", "class", "address", "retained",
			"referrer");
		list_refs(&x, v, 1, NULL);
		cli_table_print(x.t, stdout, 2);
		cli_table_free(x.t);
	}
done:
	free(x.seen);
	lh_analysis_free(a);
	return rc;
}
